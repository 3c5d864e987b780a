/* issuegraph render: the graph as DOT, SVG, PNG or a Mermaid flowchart. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
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
	       "\n"
	       "Output:\n"
	       "  --format F          dot (default, no layout), svg, png or mermaid\n"
	       "  --layout L          dot (default), sfdp (large graphs) or neato\n"
	       "  --cluster C         box issues by project (default), milestone, or none\n"
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
	OPT_ALL_STATES,
	OPT_FOCUS,
	OPT_RADIUS,
	OPT_KNOTS_ONLY,
	OPT_MAX_NODES,
	OPT_WEIGHT,
	OPT_DEFAULT_COST,
	OPT_SHOW_CONFIDENTIAL,
	OPT_NO_PROGRESS,
};

static const struct option longopts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"legend", no_argument, NULL, OPT_LEGEND},
    {"reduce", no_argument, NULL, OPT_REDUCE},
    {"no-related", no_argument, NULL, OPT_NO_RELATED},
    {"all-states", no_argument, NULL, OPT_ALL_STATES},
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
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
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

int cmd_render(int argc, char **argv, struct cli_ctx *ctx)
{
	static const char *const formats[] = {"dot", "svg", "png", "mermaid"};
	static const char *const layouts[] = {"dot", "sfdp", "neato"};
	static const char *const clusters[] = {"project", "milestone", "none"};
	struct cli_common common;
	struct render_opts ro;
	const char *focus = NULL;
	bool radius_given = false;
	int64_t v;
	int c, i;

	cli_common_init(&common);
	render_opts_init(&ro);
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if ((i = pick(optarg, formats, 4)) < 0)
				return cli_usage(
				    CMD, "--format: '%s' is not dot, svg, png or mermaid", optarg);
			ro.format = (enum render_format)i;
			break;
		case OPT_LAYOUT:
			if ((i = pick(optarg, layouts, 3)) < 0)
				return cli_usage(CMD, "--layout: '%s' is not dot, sfdp or neato",
						 optarg);
			ro.layout = (enum render_layout)i;
			break;
		case OPT_CLUSTER:
			if ((i = pick(optarg, clusters, 3)) < 0)
				return cli_usage(
				    CMD, "--cluster: '%s' is not project, milestone or none",
				    optarg);
			ro.cluster = (enum render_cluster)i;
			break;
		case OPT_LEGEND:
			ro.legend = true;
			break;
		case OPT_REDUCE:
			ro.reduce = true;
			break;
		case OPT_NO_RELATED:
			ro.no_related = true;
			break;
		case OPT_ALL_STATES:
			common.all_states = true;
			break;
		case OPT_FOCUS:
			focus = optarg;
			break;
		case OPT_RADIUS:
			if (cli_parse_int(optarg, 0, 1000000, &v))
				return cli_usage(CMD, "--radius: '%s' is not an integer from 0",
						 optarg);
			ro.radius = (uint32_t)v;
			radius_given = true;
			break;
		case OPT_KNOTS_ONLY:
			ro.knots_only = true;
			break;
		case OPT_MAX_NODES:
			if (cli_parse_int(optarg, 0, UINT32_MAX, &v))
				return cli_usage(CMD, "--max-nodes: '%s' is not an integer from 0",
						 optarg);
			ro.max_nodes = (uint32_t)v;
			break;
		case OPT_WEIGHT:
			if (cli_parse_weight(optarg, &common.weight))
				return cli_usage(
				    CMD, "--weight: '%s' is not count, weight or estimate", optarg);
			break;
		case OPT_DEFAULT_COST:
			if (cli_parse_int(optarg, 0, INT64_MAX, &common.default_cost))
				return cli_usage(
				    CMD, "--default-cost: '%s' is not an integer from 0", optarg);
			break;
		case OPT_SHOW_CONFIDENTIAL:
			ro.show_confidential = true;
			break;
		case 'o':
			common.output = optarg;
			break;
		case 'q':
			common.quiet = true;
			break;
		case 'v':
			common.verbose++;
			break;
		case OPT_NO_PROGRESS:
			common.no_progress = true;
			break;
		case 'h':
			help();
			return CLI_EXIT_OK;
		default: {
			/* --deps, --ignore-deps, --milestone, --label, or an error */
			int r = cli_common_option(&common, CMD, c, argv);
			if (r)
				return r;
		}
		}
	}
	if (optind < argc)
		return cli_usage(CMD, "unexpected argument '%s'", argv[optind]);
	if (radius_given && !focus)
		return cli_usage(CMD, "--radius needs --focus REF");
	if (common.output && !*common.output)
		return cli_usage(CMD, "-o needs a FILE");
	bool to_stdout = !common.output || strcmp(common.output, "-") == 0;
	if (ro.format == RENDER_FORMAT_PNG && to_stdout && isatty(STDOUT_FILENO))
		return cli_usage(CMD, "PNG is not written to a terminal: give -o FILE or redirect");
	if (focus) { /* the syntax now; whether it is in the graph once loaded */
		char *path = NULL;
		int64_t iid;
		if (store_ref_parse(focus, &path, &iid) != 0)
			return cli_usage(
			    CMD,
			    "--focus: '%s' is not a ref (expected <project path>#<iid>, "
			    "e.g. group/app#14)",
			    focus);
		free(path);
	}
	ro.weight = common.weight;
	ro.default_cost = common.default_cost;

	struct store *s = NULL;
	struct analyze_graph *g = NULL;
	struct analyze_knots *k = NULL;
	struct analyze_steps *path = NULL;
	uint8_t *keep = NULL, *selected = NULL, *scope = NULL;
	struct cli_out out = {0};
	int rc = cli_load_analysed(ctx, CMD, &common, &s, &g);
	if (rc)
		return rc;
	if (focus && (rc = cli_resolve_ref(s, g, CMD, focus, &ro.focus)))
		goto done;
	/* the scope is drawn; the critical path ends at one of its selected issues */
	if ((rc = cli_scope_nodes(s, CMD, &common.scope, 0, g, &selected, &scope)) != 0)
		goto done;
	ro.scope = scope;
	ro.scope_ends = selected;
	struct analyze_path_opts po = {
	    .weight = ro.weight,
	    .default_cost = ro.default_cost,
	    .to = ANALYZE_NONE,
	    .milestone = ANALYZE_NONE,
	    .ends = selected,
	};
	struct analyze_condensation *cond = NULL;
	int arc = analyze_condense(g, &cond);
	if (arc == 0)
		arc = analyze_knots(g, cond, &k);
	if (arc == 0)
		arc = analyze_critical_path(g, cond, &po, &path);
	analyze_condensation_free(cond);
	if (arc != 0) {
		rc = cli_analyze_error(CMD, arc);
		goto done;
	}
	struct render_input in = {.store = s, .g = g, .knots = k, .path = path};

	/* The limit before anything is written or laid out. */
	uint32_t count = 0;
	keep = malloc(g->n ? g->n : 1);
	if (!keep || render_select(&in, &ro, keep, &count) != 0) {
		cli_error(CMD, "%s", keep ? render_errmsg() : "out of memory");
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if ((ro.format == RENDER_FORMAT_SVG || ro.format == RENDER_FORMAT_PNG) && ro.max_nodes &&
	    count > ro.max_nodes) {
		cli_error(CMD,
			  "%u issues to draw, more than --max-nodes %u (the %s layout would take "
			  "minutes)",
			  count, ro.max_nodes, ro.layout == RENDER_LAYOUT_DOT ? "dot" : "chosen");
		fprintf(stderr, "Draw less with --focus REF [--radius N], --milestone M, "
				"--label L or --knots-only, use --layout sfdp, or raise "
				"--max-nodes (--format dot is not limited).\n");
		rc = CLI_EXIT_USAGE;
		goto done;
	}
	if (count == 0 && !common.quiet)
		cli_warn(CMD, "nothing to draw (no issue matches%s)",
			 common.all_states ? "" : "; closed issues need --all-states");

	if ((rc = cli_out_open(&out, CMD, common.output)))
		goto done;
	int r = render_to_file(out.fp, &in, &ro);
	if (r != 0) {
		cli_error(CMD, "%s", render_errmsg());
		rc = r == RENDER_EIO	   ? CLI_EXIT_STORE
		     : r == RENDER_ETOOBIG ? CLI_EXIT_USAGE
					   : CLI_EXIT_STORE;
	}
	int orc = cli_out_close(&out, CMD, r == 0);
	if (!rc)
		rc = orc;
done:
	free(keep);
	free(selected);
	free(scope);
	analyze_steps_free(path);
	analyze_knots_free(k);
	analyze_graph_free(g);
	return cli_close_store(ctx, CMD, s, rc);
}
