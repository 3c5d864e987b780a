/* issuegraph cycles: the knots, their witness cycles and suggested cuts;
 * with --all, the elementary cycles too (Johnson). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] cycles [--all [--max-cycles N]] [--all-states]\n"
	       "                  [--format text|json] [-o FILE] [-q] [-v]\n\n"
	       "The knots of the blocking graph: groups of issues that block each other in\n"
	       "a circle (strongly connected components of two or more issues, or an issue\n"
	       "that blocks itself), so none of them can be finished. For each knot:\n"
	       "  issues   its issues, in ref order\n"
	       "  witness  a shortest cycle through it, in blocking order, from its smallest\n"
	       "           ref (exact for knots of up to 10,000 issues; above that, a\n"
	       "           shortest cycle through the knot's smallest ref)\n"
	       "  cut      a suggested small set of links whose removal leaves the knot\n"
	       "           without cycles (Eades-Lin-Smyth heuristic): a suggestion,\n"
	       "           not a proven minimum\n\n"
	       "  --all               also list elementary cycles (Johnson's algorithm, issues\n"
	       "                      taken in ref order), each from its smallest ref, sorted\n"
	       "  --max-cycles N      keep at most N of them (default 1000) and say when\n"
	       "                      more exist\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, --quiet         no messages on stderr\n"
	       "  -v, --verbose       timings on stderr\n"
	       "  -h, --help          this help\n");
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cycles_json(FILE *fp, const struct analyze_graph *g, const struct analyze_knots *k,
		       struct store *s, const struct analyze_cycles *cy)
{
	struct cli_jw w;
	int rc = 0;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_jw_array_begin(&w, "knots");
	for (uint32_t i = 0; i < k->count; i++) {
		int r = cli_knot_write(&w, NULL, g, k, s, i);
		if (r && !rc)
			rc = r;
	}
	cli_jw_array_end(&w);
	if (cy) {
		cli_jw_array_begin(&w, "cycles");
		for (uint32_t i = 0; i < cy->count; i++)
			cli_jw_refs(&w, NULL, g, cy->nodes + cy->off[i],
				    cy->off[i + 1] - cy->off[i]);
		cli_jw_array_end(&w);
		cli_jw_bool(&w, "truncated", cy->truncated);
	}
	cli_jw_object_end(&w);
	return rc;
}

static void print_chain(FILE *fp, const struct analyze_graph *g, const uint32_t *v, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		cli_print_ref(fp, g, v[i]);
		fputs(" -> ", fp);
	}
	if (count)
		cli_print_ref(fp, g, v[0]);
}

static int cycles_text(FILE *fp, const struct analyze_graph *g, const struct analyze_knots *k,
		       struct store *s, const struct analyze_cycles *cy, uint32_t max_cycles)
{
	int rc = 0;
	const char *scope = g->all_states ? "issues" : "open issues";
	if (k->count == 0)
		fprintf(fp, "No knots: no blocking cycle among %u %s.\n", g->n, scope);
	else
		fprintf(fp, "%u knot%s among %u %s.\n", k->count, k->count == 1 ? "" : "s", g->n,
			scope);
	for (uint32_t i = 0; i < k->count; i++) {
		uint32_t size = k->member_off[i + 1] - k->member_off[i];
		fprintf(fp, "\nknot %u: %u issue%s\n  issues: ", i + 1, size, size == 1 ? "" : "s");
		for (uint32_t j = k->member_off[i]; j < k->member_off[i + 1]; j++) {
			if (j > k->member_off[i])
				fputc(' ', fp);
			cli_print_ref(fp, g, k->members[j]);
		}
		fprintf(fp, "\n  witness%s: ",
			k->witness_shortest[i] ? "" : " (through the smallest ref)");
		print_chain(fp, g, k->witness + k->witness_off[i],
			    k->witness_off[i + 1] - k->witness_off[i]);
		uint32_t ncut = k->cut_off[i + 1] - k->cut_off[i];
		fprintf(fp, "\n  suggested cut (%u link%s):", ncut, ncut == 1 ? "" : "s");
		for (uint32_t j = k->cut_off[i]; j < k->cut_off[i + 1]; j++) {
			fputs(j > k->cut_off[i] ? ", " : " ", fp);
			cli_print_ref(fp, g, k->cut[j].from);
			fputs(" -> ", fp);
			cli_print_ref(fp, g, k->cut[j].to);
		}
		fputc('\n', fp);
		/* where to act: a link to remove, a description line to edit */
		for (uint32_t j = k->cut_off[i]; j < k->cut_off[i + 1]; j++) {
			fputs("    ", fp);
			int r = cli_print_edge_action(fp, g, s, k->cut[j].from, k->cut[j].to);
			if (r && !rc)
				rc = r;
			fputc('\n', fp);
		}
	}
	if (!cy)
		return rc;
	fprintf(fp, "\n%u elementary cycle%s", cy->count, cy->count == 1 ? "" : "s");
	if (cy->truncated)
		fprintf(fp, " (stopped at --max-cycles %u; more exist)", max_cycles);
	fprintf(fp, "%s\n", cy->count ? ":" : ".");
	for (uint32_t i = 0; i < cy->count; i++) {
		fputs("  ", fp);
		print_chain(fp, g, cy->nodes + cy->off[i], cy->off[i + 1] - cy->off[i]);
		fputc('\n', fp);
	}
	return rc;
}

int cmd_cycles(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'A'},
	    {"max-cycles", required_argument, NULL, 'm'},
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	bool all = false;
	int64_t max_cycles = 1000;
	int ch;

	cli_common_init(&c);
	optind = 0;
	while ((ch = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			all = true;
			break;
		case 'm':
			if (cli_parse_int(optarg, 0, UINT32_MAX - 1, &max_cycles) != 0)
				return cli_usage("cycles",
						 "--max-cycles must be an integer >= 0, not '%s'",
						 optarg);
			break;
		case 'h':
			help();
			return CLI_EXIT_OK;
		default: {
			int r = cli_common_option(&c, "cycles", ch, argv);
			if (r)
				return r;
		}
		}
	}
	if (optind < argc)
		return cli_usage("cycles", "unexpected argument '%s'", argv[optind]);

	struct store *s = NULL;
	struct analyze_graph *g = NULL;
	struct analyze_knots *k = NULL;
	struct analyze_cycles *cy = NULL;
	struct cli_out out = {0};
	double t0 = now_ms();
	int rc = cli_load_analysed(ctx, "cycles", &c, &s, &g);
	if (rc)
		return rc;
	double t1 = now_ms();
	struct analyze_condensation *cond = NULL;
	int arc = analyze_condense(g, &cond);
	if (arc == 0)
		arc = analyze_knots(g, cond, &k);
	analyze_condensation_free(cond);
	if (arc == 0 && all)
		arc = analyze_cycles_all(g, (uint32_t)max_cycles, &cy);
	if (arc != 0) {
		rc = cli_analyze_error("cycles", arc);
		goto done;
	}
	double t2 = now_ms();
	if ((rc = cli_out_open(&out, "cycles", c.output)) != 0)
		goto done;
	int wrc = c.json ? cycles_json(out.fp, g, k, s, cy)
			 : cycles_text(out.fp, g, k, s, cy, (uint32_t)max_cycles);
	if (wrc != 0) {
		cli_error("cycles", "%s: %s", ctx->db_path, analyze_errmsg());
		cli_out_close(&out, "cycles", false);
		rc = CLI_EXIT_STORE;
		goto done;
	}
	rc = cli_out_close(&out, "cycles", true);
	if (c.verbose && !c.quiet)
		fprintf(stderr,
			"issuegraph: cycles: %u issues, %u links; load %.1f ms, analysis %.1f ms, "
			"output %.1f ms\n",
			g->n, g->m, t1 - t0, t2 - t1, now_ms() - t2);
done:
	analyze_cycles_free(cy);
	analyze_knots_free(k);
	analyze_graph_free(g);
	return cli_close_store(ctx, "cycles", s, rc);
}
