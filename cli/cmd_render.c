/* issuegraph render: the graph as DOT, SVG, PNG or a Mermaid flowchart. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"

static const char *const CMD = "render";

static void help(void)
{
	printf("usage: issuegraph render [OPTIONS]\n"
	       "\n"
	       "Draw the blocking graph: an arrow A -> B means A blocks B. Knots (blocking\n"
	       "cycles) are red, the critical path is bold blue, relates_to links are dashed,\n"
	       "closed issues grey, issues of projects that are not among the seeds dashed.\n"
	       "Each issue shows its ref, title, assignees and due date (\"due 2027-01-15\n"
	       "(milestone v3.0)\" when it is the milestone's).\n"
	       "A caption names the scope, the instance, when the store was fetched, and\n"
	       "the --weight of the highlighted critical path.\n"
	       "\n"
	       "Output:\n"
	       "  --format F          dot (no layout), svg, png or mermaid; default: from\n"
	       "                      -o FILE's extension (.dot/.gv, .svg, .png, .mmd/.mermaid;\n"
	       "                      another exits 2), else dot\n"
	       "  --layout L          dot (default), sfdp (large graphs) or neato\n"
	       "  --cluster C         box issues by project (default; milestone with\n"
	       "                      --milestone), milestone, or none\n"
	       "  --legend            add a key\n"
	       "  --reduce            leave out links implied by a longer path (transitive\n"
	       "                      reduction; links inside knots are kept)\n"
	       "  --no-related        leave out relates_to links\n"
	       "  --show-confidential show the titles of confidential issues (else ref only)\n"
	       "  -o FILE             write to FILE (atomically) instead of standard output;\n"
	       "                      png needs -o when standard output is a terminal\n"
	       "\n"
	       "What to draw (filters combine):\n"
	       "  --all-states        closed issues too (default: open issues only)\n" CLI_DEPS_HELP
	       "  --focus REF         REF and the issues within --radius links of it, both\n"
	       "                      what blocks it and what it blocks\n"
	       "  --radius N          hops from --focus (default %d)\n"
	       "  --knots-only        only the issues of knots\n" CLI_SCOPE_HELP
	       "                      (the scope is drawn; the critical path ends in it)\n"
	       "  --max-nodes N       refuse (exit 2) to lay out more than N issues as svg or\n"
	       "                      png (default %d; 0: no limit). dot's layout time grows\n"
	       "                      much faster than the graph: measured (bench/render),\n"
	       "                      0.3 s for 870 issues, 4 s for 4,300, over 5 minutes\n"
	       "                      for 6,000. dot and mermaid output are not limited.\n"
	       "\n"
	       "Critical path:\n"
	       "  --weight W          count (default), weight or estimate\n"
	       "  --default-cost N    cost of an issue with no value (default 1)\n"
	       "\n"
	       "  -q, --quiet  -v, --verbose  --no-progress  -h, --help\n",
	       RENDER_DEFAULT_RADIUS, RENDER_DEFAULT_MAX_NODES);
}

enum {
	OPT_FORMAT = 256,
	OPT_LAYOUT,
	OPT_CLUSTER,
	OPT_LEGEND,
	OPT_REDUCE,
	OPT_NO_RELATED,
	OPT_FOCUS,
	OPT_RADIUS,
	OPT_KNOTS_ONLY,
	OPT_MAX_NODES,
	OPT_WEIGHT,
	OPT_DEFAULT_COST,
	OPT_SHOW_CONFIDENTIAL,
};

/* The common entries ('a', 'o', 'q', 'v', 'P', 'h', --deps, --ignore-deps)
 * are cli_common_option()'s; render has a --format of its own. */
static const struct option longopts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"legend", no_argument, NULL, OPT_LEGEND},
    {"reduce", no_argument, NULL, OPT_REDUCE},
    {"no-related", no_argument, NULL, OPT_NO_RELATED},
    {"all-states", no_argument, NULL, 'a'},
    {"focus", required_argument, NULL, OPT_FOCUS},
    {"radius", required_argument, NULL, OPT_RADIUS},
    {"knots-only", no_argument, NULL, OPT_KNOTS_ONLY},
    CLI_SCOPE_LONGOPTS,
    {"max-nodes", required_argument, NULL, OPT_MAX_NODES},
    {"weight", required_argument, NULL, OPT_WEIGHT},
    {"default-cost", required_argument, NULL, OPT_DEFAULT_COST},
    {"show-confidential", no_argument, NULL, OPT_SHOW_CONFIDENTIAL},
    {"output", required_argument, NULL, 'o'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"no-progress", no_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    CLI_DEPS_LONGOPTS,
    {NULL, 0, NULL, 0},
};

/* Index of s in names[0..n), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* ---- parse: argv -> what was asked ------------------------------------------ */

struct render_args {
	struct cli_common common;
	struct render_opts ro;
	const char *focus; /* as given; resolved against the graph later */
	bool radius_given;
	bool format_given;
	bool cluster_given;
};

static int render_option(void *ctx, int c, const char *arg)
{
	static const char *const formats[] = {"dot", "svg", "png", "mermaid"};
	static const char *const layouts[] = {"dot", "sfdp", "neato"};
	static const char *const clusters[] = {"project", "milestone", "none"};
	struct render_args *a = ctx;
	struct render_opts *ro = &a->ro;
	int64_t v;
	int i;
	switch (c) {
	case OPT_FORMAT:
		if ((i = pick(arg, formats, 4)) < 0)
			return cli_usage(CMD, "--format: '%s' is not dot, svg, png or mermaid",
					 arg);
		ro->format = (enum render_format)i;
		a->format_given = true;
		break;
	case OPT_LAYOUT:
		if ((i = pick(arg, layouts, 3)) < 0)
			return cli_usage(CMD, "--layout: '%s' is not dot, sfdp or neato", arg);
		ro->layout = (enum render_layout)i;
		break;
	case OPT_CLUSTER:
		if ((i = pick(arg, clusters, 3)) < 0)
			return cli_usage(CMD, "--cluster: '%s' is not project, milestone or none",
					 arg);
		ro->cluster = (enum render_cluster)i;
		a->cluster_given = true;
		break;
	case OPT_LEGEND:
		ro->legend = true;
		break;
	case OPT_REDUCE:
		ro->reduce = true;
		break;
	case OPT_NO_RELATED:
		ro->no_related = true;
		break;
	case OPT_FOCUS:
		a->focus = arg;
		break;
	case OPT_RADIUS:
		if (cli_parse_int(arg, 0, 1000000, &v))
			return cli_usage(CMD, "--radius: '%s' is not an integer from 0", arg);
		ro->radius = (uint32_t)v;
		a->radius_given = true;
		break;
	case OPT_KNOTS_ONLY:
		ro->knots_only = true;
		break;
	case OPT_MAX_NODES:
		if (cli_parse_int(arg, 0, UINT32_MAX, &v))
			return cli_usage(CMD, "--max-nodes: '%s' is not an integer from 0", arg);
		ro->max_nodes = (uint32_t)v;
		break;
	case OPT_WEIGHT:
		if (cli_parse_weight(arg, &a->common.weight))
			return cli_usage(CMD, "--weight: '%s' is not count, weight or estimate",
					 arg);
		break;
	case OPT_DEFAULT_COST:
		if (cli_parse_int(arg, 0, INT64_MAX, &a->common.default_cost))
			return cli_usage(CMD, "--default-cost: '%s' is not an integer from 0", arg);
		break;
	case OPT_SHOW_CONFIDENTIAL:
		ro->show_confidential = true;
		break;
	}
	return 0;
}

/* The format -o FILE's extension names (SPEC "render"): 0 and *out, 1 when
 * FILE has no extension, -1 for an extension no format writes. */
static int format_of_extension(const char *file, enum render_format *out)
{
	static const struct {
		const char *ext;
		enum render_format format;
	} exts[] = {
	    {"dot", RENDER_FORMAT_DOT},	    {"gv", RENDER_FORMAT_DOT},
	    {"svg", RENDER_FORMAT_SVG},	    {"png", RENDER_FORMAT_PNG},
	    {"mmd", RENDER_FORMAT_MERMAID}, {"mermaid", RENDER_FORMAT_MERMAID},
	};
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base || !dot[1])
		return 1; /* "graph", ".hidden", "graph." */
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		if (strcasecmp(dot + 1, exts[i].ext) == 0) {
			*out = exts[i].format;
			return 0;
		}
	}
	return -1;
}

static const char *format_name(enum render_format f)
{
	static const char *const names[] = {"dot", "svg", "png", "mermaid"};
	return names[f];
}

/* The format from --format and -o (SPEC "render"): a --format that
 * contradicts a known extension, or no --format and an extension no format
 * writes, is a usage error. 0 or CLI_EXIT_USAGE. */
static int render_pick_format(struct render_args *a)
{
	const char *out = a->common.output;
	if (!out || strcmp(out, "-") == 0)
		return 0; /* --format, else dot */
	enum render_format by_ext = RENDER_FORMAT_DOT;
	int r = format_of_extension(out, &by_ext);
	if (r < 0 && !a->format_given)
		return cli_usage(CMD,
				 "-o %s: cannot tell the format from the extension (use .dot, .gv, "
				 ".svg, .png, .mmd or .mermaid, or give --format)",
				 out);
	if (r == 0 && a->format_given && by_ext != a->ro.format)
		return cli_usage(CMD, "--format %s contradicts -o %s (a .%s file holds %s)",
				 format_name(a->ro.format), out, strrchr(out, '.') + 1,
				 format_name(by_ext));
	if (r == 0)
		a->ro.format = by_ext;
	return 0;
}

/* 0, CLI_HELP_SHOWN, or an exit code (the message printed). */
static int render_parse(struct render_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	render_opts_init(&a->ro);
	int rc =
	    cli_parse_options(&a->common, argc, argv, CMD, longopts, help, render_option, a, 0);
	if (rc)
		return rc;
	if (a->radius_given && !a->focus)
		return cli_usage(CMD, "--radius needs --focus REF");
	if (a->common.output && !*a->common.output)
		return cli_usage(CMD, "-o needs a FILE");
	if ((rc = render_pick_format(a)) != 0)
		return rc;
	bool to_stdout = !a->common.output || strcmp(a->common.output, "-") == 0;
	if (a->ro.format == RENDER_FORMAT_PNG && to_stdout && isatty(STDOUT_FILENO))
		return cli_usage(CMD, "PNG is not written to a terminal: give -o FILE or redirect");
	/* the syntax now; whether it is in the graph once loaded */
	if (a->focus && (rc = cli_ref_check(CMD, "--focus: ", a->focus)) != 0)
		return rc;
	a->ro.weight = a->common.weight;
	a->ro.default_cost = a->common.default_cost;
	/* a release is drawn by its milestones (SPEC "render"): which of
	 * them the blockers from outside M belong to */
	if (a->common.scope.milestone && !a->cluster_given)
		a->ro.cluster = RENDER_CLUSTER_MILESTONE;
	return 0;
}

/* ---- resolve: the store, the graph, focus and scope, knots and path ---------- */

struct render_job {
	char *caption;
	struct cli_analysis an;
	struct analyze_knots *k;
	struct analyze_steps *path;
	struct render_input in;
	struct render_texts texts; /* the view of the drawn issues */
	struct cli_render_links links;
	uint8_t *keep;		   /* the selection (run) */
	uint8_t *selected, *scope; /* the scope's issues, and with their blockers */
	uint32_t count;
};

/* The drawing's caption (SPEC "render"): the scope, the instance, when the
 * store was last fetched (or imported), and which --weight the highlighted
 * critical path uses. 0 or an exit code. */
static int render_caption(struct render_job *j, const struct render_args *a)
{
	const struct cli_common *c = &a->common;
	struct store *s = j->an.s;
	char *instance = NULL, *text = NULL;
	size_t len = 0;
	struct store_fetch_info fi = {0};
	struct cli_since since = {.n = 1};
	struct cli_point then, now;
	char why[256];
	if (store_get_instance(s, &instance) != 0 || store_get_fetch_info(s, &fi) != 0 ||
	    cli_resolve_since(s, &since, &then, &now, why, sizeof why) != 0) {
		free(instance);
		free(fi.started_at);
		cli_error(CMD, "%s", store_errmsg(s));
		return CLI_EXIT_STORE;
	}
	FILE *fp = open_memstream(&text, &len);
	if (!fp) {
		free(instance);
		free(fi.started_at);
		cli_error(CMD, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (cli_scope_given(&c->scope)) {
		cli_scope_print(fp, &c->scope);
		fputs(" and its blockers", fp);
	} else {
		fputs(c->all_states ? "all issues" : "open issues", fp);
	}
	if (instance)
		fprintf(fp, " \xc2\xb7 %s", instance);
	if (fi.started_at)
		fprintf(fp, " \xc2\xb7 fetched %s%s", fi.started_at,
			fi.completed ? "" : " (incomplete)");
	else if (now.id)
		fprintf(fp, " \xc2\xb7 imported %s", now.at);
	fprintf(fp, " \xc2\xb7 critical path (bold blue): --weight %s, ", cli_weight_name(c->weight));
	switch (c->weight) {
	case ANALYZE_WEIGHT_WEIGHT:
		fprintf(fp, "cost = GitLab's weight (%lld without one)", (long long)c->default_cost);
		break;
	case ANALYZE_WEIGHT_ESTIMATE:
		fprintf(fp, "cost = remaining estimate in seconds (%lld without one)",
			(long long)c->default_cost);
		break;
	default:
		if (c->default_cost == 1)
			fputs("each issue costs 1", fp);
		else
			fprintf(fp, "each issue costs %lld", (long long)c->default_cost);
		break;
	}
	bool ok = fclose(fp) == 0 && text;
	free(instance);
	free(fi.started_at);
	if (!ok) {
		free(text);
		cli_error(CMD, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	j->caption = text;
	return 0;
}

/* 0 or an exit code; render_job_close() ends j either way. */
static int render_resolve(struct render_job *j, struct render_args *a, struct cli_ctx *ctx)
{
	struct render_opts *ro = &a->ro;
	int rc = cli_analysis_open(&j->an, ctx, CMD, &a->common, CLI_ANALYSIS_CONDENSE);
	if (rc)
		return rc;
	const struct analyze_graph *g = j->an.g;
	if (a->focus && (rc = cli_resolve_ref(j->an.s, g, CMD, a->focus, &ro->focus)))
		return rc;
	/* the scope is drawn; the critical path ends at one of its selected issues */
	if ((rc = cli_scope_nodes(j->an.s, CMD, &a->common.scope, 0, g, &j->selected, &j->scope)) !=
	    0)
		return rc;
	ro->scope = j->scope;
	ro->scope_ends = j->selected;
	if ((rc = render_caption(j, a)) != 0)
		return rc;
	ro->caption = j->caption;
	struct analyze_path_opts po = {
	    .weight = ro->weight,
	    .default_cost = ro->default_cost,
	    .to = ANALYZE_NONE,
	    .milestone = ANALYZE_NONE,
	    .ends = j->selected,
	};
	int arc = analyze_knots(g, j->an.cond, &j->k);
	if (arc == 0)
		arc = analyze_critical_path(g, j->an.cond, &po, &j->path);
	if (arc != 0)
		return cli_analyze_error(CMD, arc);
	j->in = (struct render_input){.g = g, .knots = j->k, .path = j->path};
	return 0;
}

/* ---- run: what is drawn, and whether it may be laid out --------------------- */

static int render_run(struct render_job *j, const struct render_args *a)
{
	const struct render_opts *ro = &a->ro;
	const struct analyze_graph *g = j->an.g;
	j->keep = malloc(g->n ? g->n : 1);
	if (!j->keep || render_select(&j->in, ro, j->keep, &j->count) != 0) {
		cli_error(CMD, "%s", j->keep ? render_errmsg() : "out of memory");
		return CLI_EXIT_STORE;
	}
	/* The limit before anything is written or laid out. */
	if ((ro->format == RENDER_FORMAT_SVG || ro->format == RENDER_FORMAT_PNG) && ro->max_nodes &&
	    j->count > ro->max_nodes) {
		cli_error(CMD,
			  "%u issues to draw, more than --max-nodes %u (the %s layout would take "
			  "minutes)",
			  j->count, ro->max_nodes,
			  ro->layout == RENDER_LAYOUT_DOT ? "dot" : "chosen");
		fprintf(stderr, "Draw less with --focus REF [--radius N], --milestone M, "
				"--label L or --knots-only, use --layout sfdp, or raise "
				"--max-nodes (--format dot is not limited).\n");
		return CLI_EXIT_USAGE;
	}
	/* what the drawn nodes show: titles, people, due dates, links */
	int vrc = cli_render_view(&j->texts, j->an.s, g, j->keep, ro->show_confidential, false);
	if (vrc == -2) {
		cli_error(CMD, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (vrc) {
		cli_error(CMD, "cannot read the issues' details: %s", store_errmsg(j->an.s));
		return CLI_EXIT_STORE;
	}
	j->in.texts = &j->texts;
	vrc = cli_render_links_load(&j->links, j->an.s, g, j->keep, !ro->no_related);
	if (vrc == -2) {
		cli_error(CMD, "out of memory");
		return CLI_EXIT_NOMEM;
	}
	if (vrc) {
		cli_error(CMD, "cannot read the links: %s",
			  vrc == -3 ? analyze_errmsg() : store_errmsg(j->an.s));
		return CLI_EXIT_STORE;
	}
	j->in.links = &j->links.links;
	if (j->count == 0 && !a->common.quiet)
		cli_warn(CMD, "nothing to draw (no issue matches%s)",
			 a->common.all_states ? "" : "; closed issues need --all-states");
	return 0;
}

/* ---- print: the drawing into the output ------------------------------------- */

static int render_print(struct render_job *j, const struct render_args *a)
{
	int rc = cli_analysis_out_open(&j->an);
	if (rc)
		return rc;
	int r = render_to_file(j->an.out.fp, &j->in, &a->ro);
	if (r != 0) {
		cli_error(CMD, "%s", render_errmsg());
		rc = r == RENDER_ETOOBIG ? CLI_EXIT_USAGE : CLI_EXIT_STORE;
	}
	int orc = cli_out_close(&j->an.out, CMD, r == 0);
	return rc ? rc : orc;
}

static int render_job_close(struct render_job *j, int rc)
{
	free(j->caption);
	render_texts_release(&j->texts);
	cli_render_links_release(&j->links);
	free(j->keep);
	free(j->selected);
	free(j->scope);
	analyze_steps_free(j->path);
	analyze_knots_free(j->k);
	return cli_analysis_close(&j->an, rc);
}

int cmd_render(int argc, char **argv, struct cli_ctx *ctx)
{
	struct render_args a;
	int rc = render_parse(&a, argc, argv);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
	struct render_job j = {0};
	if ((rc = render_resolve(&j, &a, ctx)) == 0 && (rc = render_run(&j, &a)) == 0)
		rc = render_print(&j, &a);
	return render_job_close(&j, rc);
}
