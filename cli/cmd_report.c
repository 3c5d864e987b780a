/* issuegraph report: everything in one document (markdown, json, junit,
 * html); with --fail-on it gates like check, so one CI job both publishes
 * and gates. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "json_stream.h"
#include "render.h"

enum report_format { FMT_MARKDOWN, FMT_JSON, FMT_JUNIT, FMT_HTML };

static void help(void)
{
	printf(
	    "usage: issuegraph [--db PATH] report [--format markdown|json|junit|html] [-o FILE]\n"
	    "                  [--fail-on LIST] [--milestone M] [--all-states]\n"
	    "                  [--weight count|weight|estimate] [--default-cost N]\n"
	    "                  [--max-nodes N] [--max-rows N] [--show-confidential]\n\n"
	    "One document with the summary, the knots (witness and suggested cut), the\n"
	    "critical path, the due-date conflicts, closed issues still blocked, and the\n"
	    "bottlenecks (the open issues that block the most).\n\n"
	    "  --format F           markdown (default; paste into an issue or MR comment),\n"
	    "                       json, junit (GitLab's test report), html (one\n"
	    "                       self-contained page with the diagram and a search box)\n"
	    "  --fail-on LIST       exit 1 when a finding of these kinds is present\n"
	    "                       (knots, conflicts, closed-blocked, new-knots,\n"
	    "                       new-conflicts); default: exit 0\n"
	    "  --since N|DATE|TIME  the history point changes and new-* compare with\n"
	    "                       (default 1)\n"
	    "  --baseline FILE      new-* compare with the findings in FILE instead\n"
	    "  --milestone M        only M's issues and their transitive blockers\n"
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
	unsigned flags = (labels ? RENDER_TEXTS_LABELS : 0) |
			 (show_confidential ? RENDER_TEXTS_SHOW_CONFIDENTIAL : 0);
	int rc = render_texts_load(&t->full, s, full, NULL, flags);
	if (rc == 0)
		rc = render_texts_view(&t->g, &t->full, full, g);
	return rc;
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
			const char *milestone, const char *instance, char **seeds,
			const struct store_fetch_info *fi, unsigned fail_on,
			struct json_object *changes, const struct cli_ready *ready)
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
			       milestone ? json_object_new_string(milestone) : NULL);
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
	struct render_input in = {
	    .store = fc->s, .g = fc->g, .knots = fc->k, .path = p, .texts = texts};
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
	struct render_input in = {.store = fc->s, .g = g, .knots = k, .path = p, .texts = texts};
	size_t len = 0;
	if (render_to_buffer(mmd, &len, &in, &o) != 0) {
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

int cmd_report(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"since", required_argument, NULL, 'S'},
	    {"baseline", required_argument, NULL, 'B'},
	    {"milestone", required_argument, NULL, 'm'},
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
	const char *milestone = NULL, *baseline = NULL;
	struct cli_since since = {.n = 1};
	bool show_confidential = false;
	int64_t max_nodes = RENDER_DEFAULT_MAX_NODES;
	int64_t max_rows = -1; /* default: per format */
	int ch, rc;
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
		case 'm':
			if (!*optarg)
				return cli_usage("report", "--milestone needs a title");
			milestone = optarg;
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
			return CLI_EXIT_OK;
		default:
			/* --deps, --ignore-deps, or an error */
			if ((rc = cli_common_option(&c, "report", ch, argv)) != 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return cli_usage("report", "unexpected argument '%s'", argv[optind]);

	struct cli_findings fc;
	struct analyze_steps *path = NULL;
	struct analyze_bottlenecks *b = NULL;
	struct texts t = {0};
	char *instance = NULL, **seeds = NULL, *svg = NULL, *note = NULL;
	uint8_t *drawn = NULL;
	struct cli_facets facets = {0};
	char *mmd = NULL, *mmd_note = NULL;
	struct cli_ready rd = {0};
	uint32_t *ready_node = NULL, *ready_count = NULL, *waiting_node = NULL,
		 *waiting_refs = NULL;
	struct store_fetch_info fi = {0};
	struct cli_out out = {0};
	rc = cli_findings_load_c(&fc, ctx, "report", &c, milestone);
	if (rc == 0 && (fail_on & (ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_KNOTS) |
				   ANALYZE_FINDING_BIT(ANALYZE_FINDING_NEW_CONFLICTS))))
		rc = cli_findings_ratchet(&fc, ctx, "report", &c, &since, baseline);
	if (rc)
		goto done;
	if (store_counts(fc.s, &fc.counts) || store_get_instance(fc.s, &instance) ||
	    store_get_seeds(fc.s, &seeds) || store_get_fetch_info(fc.s, &fi)) {
		cli_error("report", "%s: %s", ctx->db_path, store_errmsg(fc.s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	/* A milestone with no open issue (without --all-states) leaves no path. */
	if (!milestone || fc.milestone != ANALYZE_NONE) {
		struct analyze_path_opts po = {
		    .weight = c.weight,
		    .default_cost = c.default_cost,
		    .to = ANALYZE_NONE,
		    .milestone = fc.milestone,
		};
		int arc = analyze_critical_path(fc.g, fc.c, &po, &path);
		if (arc != 0) {
			rc = cli_analyze_error("report", arc);
			goto done;
		}
	}
	struct analyze_bottleneck_opts bo = {.keep = fc.keep, .path = path};
	int arc = analyze_bottlenecks(fc.g, fc.c, &bo, &b);
	if (arc != 0) {
		rc = cli_analyze_error("report", arc);
		goto done;
	}
	if (fmt != FMT_JSON) {
		int trc = texts_load(&t, fc.s, fc.full, fc.g, fmt == FMT_HTML, show_confidential);
		if (trc == RENDER_ENOMEM) {
			rc = cli_analyze_error("report", ANALYZE_ENOMEM);
			goto done;
		}
		if (trc) {
			cli_error("report", "%s: cannot read titles: %s", ctx->db_path,
				  store_errmsg(fc.s));
			rc = CLI_EXIT_STORE;
			goto done;
		}
	}
	if (fmt == FMT_HTML && (rc = diagram(&fc, path, &c, show_confidential, &t.g,
					     (uint32_t)max_nodes, &svg, &note, &drawn)) != 0)
		goto done;
	if (fmt == FMT_MARKDOWN &&
	    (rc = mermaid_block(&fc, path, &c, show_confidential, &t.g, &mmd, &mmd_note)) != 0)
		goto done;
	if (drawn && cli_facets_build(&facets, fc.g, drawn, (const char *const *)t.g.labels)) {
		cli_error("report", "out of memory");
		rc = CLI_EXIT_STORE;
		goto done;
	}

	int rarc = cli_ready_compute(fc.s, fc.g, fc.keep, &rd);
	if (rarc != 0) {
		if (rarc == ANALYZE_ERR) {
			cli_error("report", "%s: %s", ctx->db_path, store_errmsg(fc.s));
			rc = CLI_EXIT_STORE;
		} else {
			rc = cli_analyze_error("report", rarc);
		}
		goto done;
	}
	if (!(ready_node = malloc((rd.n_ready + rd.n_waiting + 1) * 2 * sizeof *ready_node))) {
		rc = cli_analyze_error("report", ANALYZE_ENOMEM);
		goto done;
	}
	ready_count = ready_node + rd.n_ready;
	waiting_node = ready_count + rd.n_ready;
	waiting_refs = waiting_node + rd.n_waiting;
	for (uint32_t i = 0; i < rd.n_ready; i++) {
		ready_node[i] = rd.ready[i].node;
		ready_count[i] = rd.ready[i].count;
	}
	for (uint32_t i = 0; i < rd.n_waiting; i++) {
		waiting_node[i] = rd.waiting[i].node;
		waiting_refs[i] = rd.waiting[i].count;
	}

	if ((rc = cli_out_open(&out, "report", c.output)) != 0)
		goto done;
	int wrc = 0;
	if (fmt == FMT_JSON) {
		struct json_object *chj = NULL;
		if ((rc = cli_changes_json(ctx, "report", fc.s, &c, &since, milestone, &chj)) !=
		    0) {
			cli_out_close(&out, "report", false);
			goto done;
		}
		bool jok = report_json(out.fp, &fc, path, b, &c, milestone, instance, seeds, &fi,
				       fail_on, chj, &rd);
		if (!jok) {
			cli_error("report", "out of memory (the output is incomplete)");
			wrc = CLI_EXIT_NOMEM;
		}
	} else {
		struct render_report r = {
		    .store = fc.s,
		    .instance = instance,
		    .milestone = milestone,
		    .fetched_at = fi.started_at,
		    .projects = fc.counts.projects,
		    .issues_opened = fc.counts.issues_opened,
		    .issues_closed = fc.counts.issues_closed,
		    .links_blocks = fc.counts.links_blocks,
		    .links_relates = fc.counts.links_relates,
		    .weight = c.weight,
		    .fail_on = fail_on,
		    .max_rows = max_rows >= 0	  ? (uint32_t)max_rows
				: fmt == FMT_HTML ? RENDER_REPORT_MAX_ROWS_HTML
						  : RENDER_REPORT_MAX_ROWS_MARKDOWN,
		    .g = fc.g,
		    .knots = fc.k,
		    .findings = fc.f,
		    .path = path,
		    .bottlenecks = b,
		    .full = fc.full,
		    .g_text = &t.g,
		    .full_text = &t.full,
		    .svg = svg,
		    .diagram_note = note,
		    .facets = facets.items,
		    .n_facets = facets.n,
		    .mermaid = mmd,
		    .mermaid_note = mmd_note,
		    .ready_node = ready_node,
		    .ready_count = ready_count,
		    .n_ready = rd.n_ready,
		    .ready_estimated = rd.estimated,
		    .waiting_node = waiting_node,
		    .waiting_refs = waiting_refs,
		    .n_waiting = rd.n_waiting,
		};
		if (fmt == FMT_MARKDOWN)
			wrc = render_report_markdown(out.fp, &r);
		else if (fmt == FMT_JUNIT)
			wrc = render_report_junit(out.fp, &r);
		else
			wrc = render_report_html(out.fp, &r);
		if (wrc)
			cli_error("report", "%s", render_errmsg());
	}
	rc = cli_out_close(&out, "report", wrc == 0);
	if (rc == 0 && wrc)
		rc = CLI_EXIT_STORE;
	if (rc == 0 && fail_on && cli_findings_fail(&fc, fail_on))
		rc = CLI_EXIT_FINDINGS;
done:
	texts_release(&t);
	analyze_steps_free(path);
	analyze_bottlenecks_free(b);
	free(instance);
	store_strv_free(seeds);
	free(fi.started_at);
	free(svg);
	free(note);
	free(drawn);
	free(mmd);
	free(mmd_note);
	free(ready_node);
	cli_ready_release(&rd);
	cli_facets_release(&facets);
	return cli_findings_release(&fc, ctx, "report", rc);
}
