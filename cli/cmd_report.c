/* issuegraph report: everything in one document (markdown, json, junit,
 * html); with --fail-on it gates like check, so one CI job both publishes
 * and gates. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "answer_release.h"
#include "cli.h"
#include "json_stream.h"
#include "render.h"

enum report_format { FMT_MARKDOWN, FMT_JSON, FMT_JUNIT, FMT_HTML };

static void help(void)
{
	printf(
	    "usage: issuegraph [--db PATH] report [--format markdown|json|junit|html] [-o FILE]\n"
	    "                  [--fail-on LIST] [--milestone M] [--label L]... [--all-states]\n"
	    "                  [--weight count|weight|estimate] [--default-cost N]\n"
	    "                  [--max-nodes N] [--max-rows N] [--show-confidential]\n\n"
	    "One document with the summary, the knots (witness and suggested cut), the\n"
	    "critical path, the due-date conflicts, closed issues still blocked, and the\n"
	    "bottlenecks (the open issues that block the most).\n\n"
	    "  --format F           markdown (default; paste into an issue or MR comment),\n"
	    "                       json, junit (GitLab's test report), html (one\n"
	    "                       self-contained page with the diagram and a search box)\n"
	    "                       markdown and html show what changed since --since;\n"
	    "                       junit has a suite per finding kind, a test case per\n"
	    "                       finding, failed only when --fail-on names its kind\n"
	    "  --fail-on LIST       exit 1 when a finding of these kinds is present\n"
	    "                       (knots, conflicts, closed-blocked, new-knots,\n"
	    "                       new-conflicts); default: exit 0\n"
	    "  --since N|DATE|TIME  the history point changes and new-* compare with\n"
	    "                       (default 1)\n"
	    "  --baseline FILE      new-* compare with the findings in FILE "
	    "instead\n" CLI_SCOPE_HELP
	    "                      (with a scope: the findings as check, the path ends\n"
	    "                      in it, ready and bottlenecks inside it; with\n"
	    "                      --milestone the report opens with the release: due\n"
	    "                      date, days left, ready/blocked/in knots, blockers\n"
	    "                      from outside by milestone with people, waves left)\n"
	    "  --all-states         analyse closed issues too\n" CLI_DEPS_HELP
	    "  --weight W           cost of an issue for the critical path (default count)\n"
	    "  --default-cost N     cost of an issue without a value (default 1)\n"
	    "  --max-nodes N        html: above N issues the diagram shows only the knots\n"
	    "                       and the critical path with their neighbours (default %d)\n"
	    "  --show-confidential  show titles of confidential issues (hidden by default)\n"
	    "  --max-rows N         markdown, html: list at most N knots, path steps,\n"
	    "                       conflicts, ... each (default %d for markdown, %d for\n"
	    "                       html; 0: all); json and junit list everything\n"
	    "  -o FILE              write there (atomically) instead of stdout\n"
	    "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	    "  -h, --help           this help\n",
	    RENDER_DEFAULT_MAX_NODES, RENDER_REPORT_MAX_ROWS_MARKDOWN, RENDER_REPORT_MAX_ROWS_HTML);
}

/* Titles and web_urls per node of full, and of g seen through full's. */
struct texts {
	struct render_texts full, g;
};

static void texts_release(struct texts *t)
{
	render_texts_release(&t->g);
	render_texts_release(&t->full);
}

/* 0, RENDER_ENOMEM or RENDER_ESTORE */
static int texts_load(struct texts *t, struct store *s, const struct analyze_graph *full,
		      const struct analyze_graph *g, bool labels, bool show_confidential)
{
	int rc = cli_render_view(&t->full, s, full, NULL, show_confidential, labels);
	if (rc)
		return rc == -2 ? RENDER_ENOMEM : RENDER_ESTORE;
	return render_texts_view(&t->g, &t->full, full, g);
}

/* The links part of a diagram's view (cli_render_links_load); 0 or an
 * exit code (the message printed). */
static int render_links(struct cli_render_links *rl, struct store *s,
			const struct analyze_graph *g, const uint8_t *keep, bool relates)
{
	int rc = cli_render_links_load(rl, s, g, keep, relates);
	if (rc == -2) {
		cli_error("report", "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (rc) {
		cli_error("report", "diagram: %s", rc == -3 ? analyze_errmsg() : store_errmsg(s));
		return CLI_EXIT_STORE;
	}
	return 0;
}

/* ---- json ------------------------------------------------------------------- */

static void path_jw(struct cli_jw *w, const struct analyze_graph *g, const struct analyze_steps *p,
		    enum analyze_weight weight)
{
	cli_jw_object_begin(w, "path");
	const char *name = cli_weight_name(weight);
	cli_jw_string(w, "weight", name, strlen(name));
	cli_jw_int(w, "cost", p ? p->total : 0);
	cli_jw_array_begin(w, "path");
	for (uint32_t s = 0; p && s < p->count; s++) {
		cli_jw_object_begin(w, NULL);
		cli_jw_refs(w, "issues", g, p->nodes + p->off[s], p->off[s + 1] - p->off[s]);
		cli_jw_int(w, "cost", p->cost ? p->cost[s] : 0);
		cli_jw_object_end(w);
	}
	cli_jw_array_end(w);
	cli_jw_object_end(w);
}

/* One part built as a json-c tree, written and freed at once. */
static void put_json(struct cli_jw *w, const char *key, struct json_object *v)
{
	cli_jw_json(w, key, v);
	json_object_put(v);
}

/* The report as JSON, streamed: a 1M-issue store has hundreds of thousands
 * of findings, and a json-c tree of all of them costs about a kilobyte
 * each. changes (cli_changes_json) is written and released here. Returns
 * false when a value could not be written (out of memory). */
static bool report_json(FILE *fp, const struct cli_findings *fc, const struct analyze_steps *p,
			const struct analyze_bottlenecks *b, const struct cli_common *c,
			const char *instance, char **seeds, const struct store_fetch_info *fi,
			unsigned fail_on, struct json_object *changes,
			const struct cli_ready *ready, const struct cli_release *release)
{
	struct cli_jw jw, *w = &jw;
	cli_jw_init(w, fp);
	cli_jw_object_begin(w, NULL);
	struct json_object *sum = json_object_new_object();
	json_object_object_add(sum, "instance", instance ? json_object_new_string(instance) : NULL);
	json_object_object_add(sum, "projects", json_object_new_int64(fc->counts.projects));
	struct json_object *issues = json_object_new_object();
	json_object_object_add(issues, "opened", json_object_new_int64(fc->counts.issues_opened));
	json_object_object_add(issues, "closed", json_object_new_int64(fc->counts.issues_closed));
	json_object_object_add(sum, "issues", issues);
	struct json_object *links = json_object_new_object();
	json_object_object_add(links, "blocks", json_object_new_int64(fc->counts.links_blocks));
	json_object_object_add(links, "relates_to",
			       json_object_new_int64(fc->counts.links_relates));
	json_object_object_add(sum, "links", links);
	json_object_object_add(sum, "text_deps", json_object_new_int64(fc->counts.text_deps));
	json_object_object_add(sum, "knots",
			       json_object_new_int64(fc->f->count[ANALYZE_FINDING_KNOTS]));
	struct json_object *sj = json_object_new_array();
	for (char **q = seeds; q && *q; q++)
		json_object_array_add(sj, json_object_new_string(*q));
	json_object_object_add(sum, "seeds", sj);
	struct json_object *lf = NULL;
	if (fi->started_at) {
		lf = json_object_new_object();
		json_object_object_add(lf, "started_at", json_object_new_string(fi->started_at));
		json_object_object_add(lf, "completed", json_object_new_boolean(fi->completed));
	}
	json_object_object_add(sum, "last_fetch", lf);
	struct json_object *counts = json_object_new_object();
	for (int k = 0; k < ANALYZE_FINDING_KINDS; k++)
		json_object_object_add(counts, analyze_finding_name(k),
				       json_object_new_int64(fc->f->count[k]));
	json_object_object_add(sum, "findings", counts);
	json_object_object_add(sum, "milestone",
			       c->scope.milestone ? json_object_new_string(c->scope.milestone)
						  : NULL);
	struct json_object *lj = json_object_new_array();
	for (size_t i = 0; i < c->scope.n_labels; i++)
		json_object_array_add(lj, json_object_new_string(c->scope.labels[i]));
	json_object_object_add(sum, "labels", lj);
	put_json(w, "summary", sum);

	cli_jw_array_begin(w, "knots");
	for (uint32_t i = 0; i < fc->f->count[ANALYZE_FINDING_KNOTS]; i++)
		put_json(w, NULL, cli_knot_json(fc->g, fc->k, fc->s, fc->f->knots[i]));
	cli_jw_array_end(w);
	path_jw(w, fc->g, p, c->weight);
	static const char *const keys[] = {NULL, "conflicts", "closed_blocked"};
	for (int k = ANALYZE_FINDING_CONFLICTS; k < ANALYZE_FINDING_KINDS; k++) {
		cli_jw_array_begin(w, keys[k]);
		for (uint32_t i = 0; i < fc->f->count[k]; i++)
			put_json(w, NULL, cli_finding_json(fc, (enum analyze_finding_kind)k, i));
		cli_jw_array_end(w);
	}
	cli_jw_array_begin(w, "bottlenecks");
	for (uint32_t i = 0; b && i < b->count; i++) {
		const struct analyze_bottleneck *x = &b->items[i];
		cli_jw_object_begin(w, NULL);
		cli_jw_ref(w, "ref", fc->g, x->node);
		cli_jw_int(w, "blocks_directly", x->blocks_directly);
		cli_jw_int(w, "blocks_transitively", x->blocks_transitively);
		cli_jw_bool(w, "on_critical_path", x->on_critical_path);
		if (b->estimated)
			cli_jw_bool(w, "estimated", true);
		cli_jw_object_end(w);
	}
	cli_jw_array_end(w);
	put_json(w, "changes", changes); /* takes it */
	cli_jw_object_begin(w, "ready");
	cli_ready_jw(w, fc->g, ready);
	cli_jw_object_end(w);
	if (release)
		cli_release_jw(w, fc->g, release);
	if (fail_on)
		cli_jw_bool(w, "failed", cli_findings_fail(fc, fail_on));
	cli_jw_object_end(w);
	return !cli_jw_failed(w);
}

/* ---- html diagram ------------------------------------------------------------ */

/* The inline SVG: the scope, or (over max_nodes) the knots and the critical
 * path with their direct neighbours. *svg NULL and *note set when nothing
 * can be drawn. Returns 0 or an exit code. */
static int diagram(const struct cli_findings *fc, const struct analyze_steps *p,
		   const struct cli_common *c, bool show_confidential,
		   const struct render_texts *texts, uint32_t max_nodes, char **svg, char **note,
		   uint8_t **drawn)
{
	struct render_opts o;
	render_opts_init(&o);
	o.format = RENDER_FORMAT_SVG;
	o.svg_fragment = true;
	o.show_confidential = show_confidential;
	o.weight = c->weight;
	o.default_cost = c->default_cost;
	o.max_nodes = max_nodes;
	o.legend = true;
	struct render_input in = {.g = fc->g, .knots = fc->k, .path = p, .texts = texts};
	struct cli_render_links links = {0};
	uint32_t n = fc->g->n, count = 0, scope = 0;
	uint8_t *keep = malloc(n ? n : 1), *ov = malloc(n ? n : 1);
	int rc = 0;
	*svg = *note = NULL;
	if (!keep || !ov) {
		cli_error("report", "out of memory");
		rc = CLI_EXIT_NOMEM;
		goto done;
	}
	for (uint32_t v = 0; v < n; v++) {
		keep[v] = !fc->keep || fc->keep[v];
		scope += keep[v];
	}
	count = scope;
	if (scope > max_nodes) {
		o.select = RENDER_SELECT_OVERVIEW;
		if (render_select(&in, &o, ov, &count) != 0) {
			cli_error("report", "diagram: %s", render_errmsg());
			rc = CLI_EXIT_STORE;
			goto done;
		}
		count = 0;
		for (uint32_t v = 0; v < n; v++) {
			keep[v] = keep[v] && ov[v];
			count += keep[v];
		}
	}
	char buf[512];
	if (count == 0) {
		snprintf(buf, sizeof buf, "Nothing to draw: no open issue in scope.");
	} else if (count > max_nodes) {
		snprintf(buf, sizeof buf,
			 "No diagram: %u issues in scope, and even the knots and the critical path "
			 "with their neighbours are %u, over --max-nodes %u.",
			 scope, count, max_nodes);
	} else {
		o.select = RENDER_SELECT_NODES;
		o.nodes = keep;
		if ((rc = render_links(&links, fc->s, fc->g, keep, true)) != 0)
			goto done;
		in.links = &links.links;
		size_t len = 0;
		if (render_to_buffer(svg, &len, &in, &o) != 0) {
			cli_error("report", "diagram: %s", render_errmsg());
			rc = CLI_EXIT_STORE;
			goto done;
		}
		*drawn = keep;
		keep = NULL;
		if (scope == count)
			goto done;
		snprintf(buf, sizeof buf,
			 "The graph has %u issues in scope, over --max-nodes %u: the diagram shows "
			 "only the knots and the critical path with their direct neighbours "
			 "(%u issues).",
			 scope, max_nodes, count);
	}
	if (!(*note = strdup(buf))) {
		cli_error("report", "out of memory");
		rc = CLI_EXIT_NOMEM;
	}
done:
	cli_render_links_release(&links);
	free(keep);
	free(ov);
	return rc;
}

/* Add node v to the Mermaid selection unless it is there or the cap is
 * reached; count every distinct node wanted. */
static void want_node(uint8_t *keep, uint32_t v, uint32_t *wanted, uint32_t *drawn)
{
	if (keep[v])
		return;
	keep[v] = 2; /* wanted; 1 once drawn */
	(*wanted)++;
	if (*drawn < RENDER_REPORT_MERMAID_MAX) {
		keep[v] = 1;
		(*drawn)++;
	}
}

/*
 * The markdown report's Mermaid diagram: the witness of every knot in
 * scope (in knot order), then the critical path, at most
 * RENDER_REPORT_MERMAID_MAX issues; *note says how many were left out.
 * Both NULL when there is nothing to draw.
 */
static int mermaid_block(const struct cli_findings *fc, const struct analyze_steps *p,
			 const struct cli_common *c, bool show_confidential,
			 const struct render_texts *texts, char **mmd, char **note)
{
	const struct analyze_graph *g = fc->g;
	const struct analyze_knots *k = fc->k;
	uint32_t wanted = 0, drawn = 0;
	int rc = 0;
	*mmd = *note = NULL;
	uint8_t *keep = calloc(g->n ? g->n : 1, 1);
	if (!keep)
		goto oom;
	for (uint32_t i = 0; i < fc->f->count[ANALYZE_FINDING_KNOTS]; i++) {
		uint32_t kn = fc->f->knots[i];
		for (uint32_t j = k->witness_off[kn]; j < k->witness_off[kn + 1]; j++)
			want_node(keep, k->witness[j], &wanted, &drawn);
	}
	for (uint32_t s = 0; p && s < p->count; s++)
		for (uint32_t j = p->off[s]; j < p->off[s + 1]; j++)
			want_node(keep, p->nodes[j], &wanted, &drawn);
	if (drawn == 0)
		goto done;
	for (uint32_t v = 0; v < g->n; v++)
		keep[v] = keep[v] == 1;
	struct render_opts o;
	render_opts_init(&o);
	o.format = RENDER_FORMAT_MERMAID;
	o.select = RENDER_SELECT_NODES;
	o.nodes = keep;
	o.no_related = true;
	o.show_confidential = show_confidential;
	o.weight = c->weight;
	o.default_cost = c->default_cost;
	struct render_input in = {.g = g, .knots = k, .path = p, .texts = texts};
	struct cli_render_links links;
	if ((rc = render_links(&links, fc->s, g, keep, false)) != 0) {
		cli_render_links_release(&links);
		goto done;
	}
	in.links = &links.links;
	size_t len = 0;
	int rrc = render_to_buffer(mmd, &len, &in, &o);
	cli_render_links_release(&links);
	if (rrc != 0) {
		cli_error("report", "diagram: %s", render_errmsg());
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if (wanted > drawn) {
		char buf[256];
		snprintf(buf, sizeof buf,
			 "The diagram shows %u of the %u issues of the knots' witnesses and the "
			 "critical path (at most %u); the lists below name them all.",
			 drawn, wanted, (unsigned)RENDER_REPORT_MERMAID_MAX);
		if (!(*note = strdup(buf)))
			goto oom;
	}
	goto done;
oom:
	cli_error("report", "out of memory");
	rc = CLI_EXIT_STORE;
done:
	free(keep);
	return rc;
}

/* ---- the command: parse, resolve, run, print ---------------------------------- */

/* What the command line asks for. */
struct report_opts {
	struct cli_common c;
	enum report_format fmt;
	unsigned fail_on;
	const char *baseline;
	struct cli_since since;
	bool show_confidential;
	int64_t max_nodes;
	int64_t max_rows; /* -1: per format */
};

/* argv -> o. 0 or a usage exit code; *stop after --help (exit 0). */
static int report_parse(struct report_opts *o, bool *stop, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"since", required_argument, NULL, 'S'},
	    {"baseline", required_argument, NULL, 'B'},
	    CLI_SCOPE_LONGOPTS,
	    {"all-states", no_argument, NULL, 'a'},
	    {"weight", required_argument, NULL, 'w'},
	    {"default-cost", required_argument, NULL, 'd'},
	    {"max-nodes", required_argument, NULL, 'N'},
	    {"show-confidential", no_argument, NULL, 'C'},
	    {"max-rows", required_argument, NULL, 'R'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-progress", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_DEPS_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	cli_common_init(&c);
	enum report_format fmt = FMT_MARKDOWN;
	unsigned fail_on = 0;
	const char *baseline = NULL;
	struct cli_since since = {.n = 1};
	bool show_confidential = false;
	int64_t max_nodes = RENDER_DEFAULT_MAX_NODES;
	int64_t max_rows = -1; /* default: per format */
	int ch, rc;
	*stop = false;
	optind = 0;
	while ((ch = getopt_long(argc, argv, ":o:qvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "markdown") == 0)
				fmt = FMT_MARKDOWN;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else if (strcmp(optarg, "junit") == 0)
				fmt = FMT_JUNIT;
			else if (strcmp(optarg, "html") == 0)
				fmt = FMT_HTML;
			else
				return cli_usage("report",
						 "--format must be markdown, json, junit or html, "
						 "not '%s'",
						 optarg);
			c.format = optarg;
			break;
		case 'F':
			if ((rc = cli_parse_fail_on("report", optarg, &fail_on)) != 0)
				return rc;
			break;
		case 'S':
			if ((rc = cli_parse_since("report", optarg, &since)) != 0)
				return rc;
			break;
		case 'B':
			if (!*optarg)
				return cli_usage("report", "--baseline needs a file");
			baseline = optarg;
			break;
		case 'a':
			c.all_states = true;
			break;
		case 'w':
			if (cli_parse_weight(optarg, &c.weight) != 0)
				return cli_usage(
				    "report",
				    "--weight must be count, weight or estimate, not '%s'", optarg);
			break;
		case 'd':
			if (cli_parse_int(optarg, 0, INT64_MAX / 2, &c.default_cost) != 0)
				return cli_usage("report",
						 "--default-cost must be an integer >= 0, not '%s'",
						 optarg);
			break;
		case 'N':
			if (cli_parse_int(optarg, 1, UINT32_MAX, &max_nodes) != 0)
				return cli_usage("report",
						 "--max-nodes must be an integer >= 1, not '%s'",
						 optarg);
			break;
		case 'C':
			show_confidential = true;
			break;
		case 'R':
			if (cli_parse_int(optarg, 0, UINT32_MAX, &max_rows) != 0)
				return cli_usage("report",
						 "--max-rows must be an integer >= 0, not '%s'",
						 optarg);
			break;
		case 'o':
			c.output = optarg;
			break;
		case 'q':
			c.quiet = true;
			break;
		case 'v':
			c.verbose++;
			break;
		case 'P':
			c.no_progress = true;
			break;
		case 'h':
			help();
			*stop = true;
			return CLI_EXIT_OK;
		default:
			/* --deps, --ignore-deps, --milestone, --label, or an error */
			if ((rc = cli_common_option(&c, "report", ch, argv)) != 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return cli_usage("report", "unexpected argument '%s'", argv[optind]);
	if (baseline && (rc = cli_baseline_check("report", baseline)) != 0)
		return rc;
	*o = (struct report_opts){c,	     fmt,     fail_on, baseline, since, show_confidential,
				  max_nodes, max_rows};
	return 0;
}

/* Everything the report is made of; released by report_release(). */
struct report {
	struct cli_findings fc;
	char *instance, **seeds;
	struct store_fetch_info fi;
	struct analyze_steps *path;
	struct analyze_bottlenecks *b;
	struct texts t;
	char *svg, *note, *mmd, *mmd_note;
	uint8_t *drawn;
	struct cli_facets facets;
	struct cli_ready rd;
	uint32_t *ready_node, *ready_count, *waiting_node, *waiting_refs;
	struct json_object *changes;	    /* json */
	struct cli_changes_view since_view; /* markdown, html */
	struct cli_release rel;		    /* with --milestone */
	bool has_rel;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

struct relates_in_scope {
	const int64_t *ids; /* the open issues of the scope, sorted */
	size_t n;
	int64_t count;
};

static int on_relates(void *ctx, const struct store_link *l)
{
	struct relates_in_scope *r = ctx;
	if (bsearch(&l->source_id, r->ids, r->n, sizeof *r->ids, cmp_i64) &&
	    bsearch(&l->target_id, r->ids, r->n, sizeof *r->ids, cmp_i64))
		r->count++;
	return 0;
}

/* Under a scope, the summary counts the scope (SPEC "Scope"): its open
 * issues, the projects holding them and the dependencies (and relates_to
 * links, and text dependencies) between them; closed: the selected issues
 * that are closed. Whole-store counts would mix with the scoped findings.
 * 0 or -1 (out of memory, or the store failed: store_errmsg). */
static int scope_counts(struct cli_findings *fc)
{
	const struct analyze_graph *g = fc->g, *full = fc->full;
	struct store_counts *c = &fc->counts;
	int64_t *ids = malloc((g->n ? g->n : 1) * sizeof *ids);
	uint8_t *proj = calloc(g->n_projects ? g->n_projects : 1, 1);
	if (!ids || !proj) {
		free(ids);
		free(proj);
		return -1;
	}
	size_t n = 0;
	memset(c, 0, sizeof *c);
#define IN_SCOPE(v) (fc->keep[v] && (g->flags[v] & ANALYZE_NODE_OPEN))
	for (uint32_t v = 0; v < g->n; v++) {
		if (!IN_SCOPE(v))
			continue;
		ids[n++] = g->issue_id[v];
		if (!proj[g->project[v]]++)
			c->projects++;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
			if (!IN_SCOPE(g->out_adj[e]))
				continue;
			c->links_blocks++;
			c->text_deps += (g->out_origin[e] & ANALYZE_ORIGIN_TEXT) != 0;
		}
	}
#undef IN_SCOPE
	c->issues_opened = (int64_t)n;
	for (uint32_t v = 0; v < full->n; v++)
		c->issues_closed += fc->selected_full[v] && !(full->flags[v] & ANALYZE_NODE_OPEN);
	qsort(ids, n, sizeof *ids, cmp_i64);
	struct relates_in_scope r = {ids, n, 0};
	int rc = store_each_link_fast(fc->s, STORE_WALK_RELATES_ONLY, on_relates, &r) ? -1 : 0;
	c->links_relates = r.count;
	free(ids);
	free(proj);
	return rc;
}

/* The store, the graphs, the scope and the findings (the ratchet's too
 * when asked for), and what the store says about itself. 0 or prints and
 * returns an exit code. */
static int report_resolve(struct report *r, struct cli_ctx *ctx, const struct report_opts *o)
{
	struct cli_findings *fc = &r->fc;
	int rc = cli_findings_load_c(fc, ctx, "report", &o->c);
	bool ratchet = o->fail_on & (ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_KNOTS) |
				     ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_CONFLICTS));
	/* junit lists new knots and conflicts (passed unless --fail-on names
	 * them) when there is something to compare with */
	if (rc == 0 && !ratchet && o->fmt == FMT_JUNIT) {
		struct cli_point then, now;
		char why[256];
		ratchet = o->baseline ||
			  (cli_resolve_since(fc->s, &o->since, &then, &now, why, sizeof why) == 0 &&
			   then.id);
	}
	if (rc == 0 && ratchet)
		rc = cli_findings_ratchet(fc, ctx, "report", &o->c, &o->since, o->baseline);
	if (rc)
		return rc;
	if (store_counts(fc->s, &fc->counts) || store_get_instance(fc->s, &r->instance) ||
	    store_get_seeds(fc->s, &r->seeds) || store_get_fetch_info(fc->s, &r->fi)) {
		cli_error("report", "%s: %s", ctx->db_path, store_errmsg(fc->s));
		return CLI_EXIT_STORE;
	}
	if (fc->keep && scope_counts(fc) != 0) {
		cli_error("report", "%s: %s", ctx->db_path, store_errmsg(fc->s));
		return CLI_EXIT_STORE;
	}
	return 0;
}

/* The ready answer, and its nodes and counts as the renderers take them. */
static int report_ready(struct report *r, struct cli_ctx *ctx)
{
	struct cli_findings *fc = &r->fc;
	int rarc = cli_ready_compute(fc->s, fc->g, fc->keep, &r->rd);
	if (rarc != 0) {
		if (rarc == ANALYZE_ERR) {
			cli_error("report", "%s: %s", ctx->db_path, store_errmsg(fc->s));
			return CLI_EXIT_STORE;
		}
		return cli_analyze_error("report", rarc);
	}
	const struct cli_ready *rd = &r->rd;
	if (!(r->ready_node =
		  malloc((rd->n_ready + rd->n_waiting + 1) * 2 * sizeof *r->ready_node)))
		return cli_analyze_error("report", ANALYZE_ENOMEM);
	r->ready_count = r->ready_node + rd->n_ready;
	r->waiting_node = r->ready_count + rd->n_ready;
	r->waiting_refs = r->waiting_node + rd->n_waiting;
	for (uint32_t i = 0; i < rd->n_ready; i++) {
		r->ready_node[i] = rd->ready[i].node;
		r->ready_count[i] = rd->ready[i].count;
	}
	for (uint32_t i = 0; i < rd->n_waiting; i++) {
		r->waiting_node[i] = rd->waiting[i].node;
		r->waiting_refs[i] = rd->waiting[i].count;
	}
	return 0;
}

/* Compute what the format shows: the critical path, the bottlenecks, the
 * titles, the diagram, ready and changes. 0 or prints and returns an exit
 * code. */
static int report_run(struct report *r, struct cli_ctx *ctx, const struct report_opts *o)
{
	struct cli_findings *fc = &r->fc;
	int rc;
	/* the path ends at a selected issue; a scope with no open issue (without
	 * --all-states) leaves an empty one */
	{
		struct analyze_path_opts po = {
		    .weight = o->c.weight,
		    .default_cost = o->c.default_cost,
		    .to = ANALYZE_NONE,
		    .milestone = ANALYZE_NONE,
		    .ends = fc->selected,
		};
		int arc = analyze_critical_path(fc->g, fc->c, &po, &r->path);
		if (arc != 0)
			return cli_analyze_error("report", arc);
	}
	struct analyze_bottleneck_opts bo = {.keep = fc->keep, .path = r->path};
	int arc = analyze_bottlenecks(fc->g, fc->c, &bo, &r->b);
	if (arc != 0)
		return cli_analyze_error("report", arc);
	if (o->fmt != FMT_JSON) {
		int trc = texts_load(&r->t, fc->s, fc->full, fc->g, o->fmt == FMT_HTML,
				     o->show_confidential);
		if (trc == RENDER_ENOMEM)
			return cli_analyze_error("report", ANALYZE_ENOMEM);
		if (trc) {
			cli_error("report", "%s: cannot read titles: %s", ctx->db_path,
				  store_errmsg(fc->s));
			return CLI_EXIT_STORE;
		}
	}
	if (o->fmt == FMT_HTML &&
	    (rc = diagram(fc, r->path, &o->c, o->show_confidential, &r->t.g, (uint32_t)o->max_nodes,
			  &r->svg, &r->note, &r->drawn)) != 0)
		return rc;
	if (o->fmt == FMT_MARKDOWN && (rc = mermaid_block(fc, r->path, &o->c, o->show_confidential,
							  &r->t.g, &r->mmd, &r->mmd_note)) != 0)
		return rc;
	if (r->drawn &&
	    cli_facets_build(&r->facets, fc->g, r->drawn, (const char *const *)r->t.g.labels,
			     o->show_confidential)) {
		cli_error("report", "out of memory");
		return CLI_EXIT_STORE;
	}
	if ((rc = report_ready(r, ctx)) != 0)
		return rc;
	if (o->c.scope.milestone && o->fmt != FMT_JUNIT) {
		r->has_rel = true;
		if ((rc = cli_release_compute(&r->rel, fc, &r->rd, o->c.scope.milestone,
					      o->show_confidential, ctx->db_path)) != 0)
			return rc;
	}
	if (o->fmt == FMT_JSON)
		return cli_changes_json(ctx, "report", fc->s, &o->c, &o->since, &r->changes);
	if (o->fmt == FMT_MARKDOWN || o->fmt == FMT_HTML)
		return cli_changes_view(&r->since_view, ctx, "report", fc->s, &o->c, &o->since,
					fc->full);
	return 0;
}

/* Write the document in its format; the exit code (--fail-on included). */
static int report_print(struct report *r, const struct report_opts *o)
{
	const struct cli_findings *fc = &r->fc;
	struct cli_out out = {0};
	int rc = cli_out_open(&out, "report", o->c.output);
	if (rc != 0)
		return rc;
	int wrc = 0;
	if (o->fmt == FMT_JSON) {
		bool jok =
		    report_json(out.fp, fc, r->path, r->b, &o->c, r->instance, r->seeds, &r->fi,
				o->fail_on, r->changes, &r->rd, r->has_rel ? &r->rel : NULL);
		r->changes = NULL; /* report_json took it */
		if (!jok) {
			cli_error("report", "out of memory (the output is incomplete)");
			wrc = CLI_EXIT_NOMEM;
		}
	} else {
		struct render_report rr = {
		    .store = fc->s,
		    .instance = r->instance,
		    .milestone = o->c.scope.milestone,
		    .labels = o->c.scope.labels,
		    .n_labels = o->c.scope.n_labels,
		    .fetched_at = r->fi.started_at,
		    .projects = fc->counts.projects,
		    .issues_opened = fc->counts.issues_opened,
		    .issues_closed = fc->counts.issues_closed,
		    .links_blocks = fc->counts.links_blocks,
		    .links_relates = fc->counts.links_relates,
		    .weight = o->c.weight,
		    .fail_on = o->fail_on,
		    .max_rows = o->max_rows >= 0     ? (uint32_t)o->max_rows
				: o->fmt == FMT_HTML ? RENDER_REPORT_MAX_ROWS_HTML
						     : RENDER_REPORT_MAX_ROWS_MARKDOWN,
		    .g = fc->g,
		    .knots = fc->k,
		    .findings = fc->f,
		    .path = r->path,
		    .bottlenecks = r->b,
		    .full = fc->full,
		    .g_text = &r->t.g,
		    .full_text = &r->t.full,
		    .svg = r->svg,
		    .diagram_note = r->note,
		    .facets = r->facets.items,
		    .n_facets = r->facets.n,
		    .mermaid = r->mmd,
		    .mermaid_note = r->mmd_note,
		    .ready_node = r->ready_node,
		    .ready_count = r->ready_count,
		    .n_ready = r->rd.n_ready,
		    .ready_estimated = r->rd.estimated,
		    .waiting_node = r->waiting_node,
		    .waiting_refs = r->waiting_refs,
		    .n_waiting = r->rd.n_waiting,
		    .since = r->since_view.since,
		    .release = r->has_rel ? &r->rel.view : NULL,
		};
		if (o->fmt == FMT_MARKDOWN)
			wrc = render_report_markdown(out.fp, &rr);
		else if (o->fmt == FMT_JUNIT)
			wrc = render_report_junit(out.fp, &rr);
		else
			wrc = render_report_html(out.fp, &rr);
		if (wrc)
			cli_error("report", "%s", render_errmsg());
	}
	rc = cli_out_close(&out, "report", wrc == 0);
	if (rc == 0 && wrc)
		rc = CLI_EXIT_STORE;
	if (rc == 0 && o->fail_on && cli_findings_fail(fc, o->fail_on))
		rc = CLI_EXIT_FINDINGS;
	return rc;
}

/* Free everything; closes the store (cli_findings_release), returns rc or
 * the failure to close it. */
static int report_release(struct report *r, struct cli_ctx *ctx, int rc)
{
	texts_release(&r->t);
	analyze_steps_free(r->path);
	analyze_bottlenecks_free(r->b);
	free(r->instance);
	store_strv_free(r->seeds);
	free(r->fi.started_at);
	free(r->svg);
	free(r->note);
	free(r->drawn);
	free(r->mmd);
	free(r->mmd_note);
	free(r->ready_node);
	cli_ready_release(&r->rd);
	cli_release_free(&r->rel);
	cli_facets_release(&r->facets);
	json_object_put(r->changes);
	cli_changes_view_release(&r->since_view);
	return cli_findings_release(&r->fc, ctx, "report", rc);
}

int cmd_report(int argc, char **argv, struct cli_ctx *ctx)
{
	struct report_opts o;
	bool stop;
	int rc = report_parse(&o, &stop, argc, argv);
	if (rc != 0 || stop)
		return rc;
	struct report r = {0};
	if ((rc = report_resolve(&r, ctx, &o)) == 0 && (rc = report_run(&r, ctx, &o)) == 0)
		rc = report_print(&r, &o);
	return report_release(&r, ctx, rc);
}
