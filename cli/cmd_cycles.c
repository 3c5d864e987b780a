/* issuegraph cycles: the knots, their witness cycles and suggested cuts;
 * with --all, the elementary cycles too (Johnson). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] cycles [--all [--max-cycles N]] [--milestone M]\n"
	       "                  [--label L]... [--all-states] [--format text|json]\n"
	       "                  [-o FILE] [-q] [-v]\n\n"
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
	       "                      more exist\n" CLI_SCOPE_HELP
	       "                      (with a scope: the knots with an issue in it, and\n"
	       "                      with --all the cycles through them)\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, --quiet         no messages on stderr\n"
	       "  -v, --verbose       timings on stderr\n"
	       "  --no-progress       accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* Whether knot i is in the scope (keep NULL: no scope): a knot is when one
 * of its issues is (SPEC "Scope"); a scope holds a knot whole. */
static bool knot_in(const struct analyze_knots *k, const uint8_t *keep, uint32_t i)
{
	return !keep || keep[k->members[k->member_off[i]]];
}

/* The same for elementary cycle i (it lies inside one knot). */
static bool cycle_in(const struct analyze_cycles *cy, const uint8_t *keep, uint32_t i)
{
	return !keep || keep[cy->nodes[cy->off[i]]];
}

static int cycles_json(FILE *fp, const struct analyze_graph *g, const struct analyze_knots *k,
		       struct store *s, const struct analyze_cycles *cy, const uint8_t *keep)
{
	struct cli_jw w;
	int rc = 0;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_jw_array_begin(&w, "knots");
	for (uint32_t i = 0; i < k->count; i++) {
		if (!knot_in(k, keep, i))
			continue;
		int r = cli_knot_write(&w, NULL, g, k, s, i);
		if (r && !rc)
			rc = r;
	}
	cli_jw_array_end(&w);
	if (cy) {
		cli_jw_array_begin(&w, "cycles");
		for (uint32_t i = 0; i < cy->count; i++)
			if (cycle_in(cy, keep, i))
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
		       struct store *s, const struct analyze_cycles *cy, uint32_t max_cycles,
		       const uint8_t *keep, const struct cli_scope *sc)
{
	int rc = 0;
	const char *what = g->all_states ? "issues" : "open issues";
	uint32_t n_knots = 0, n_nodes = 0, n_cycles = 0, shown = 0;
	for (uint32_t i = 0; i < k->count; i++)
		n_knots += knot_in(k, keep, i);
	for (uint32_t v = 0; v < g->n; v++)
		n_nodes += !keep || keep[v];
	for (uint32_t i = 0; cy && i < cy->count; i++)
		n_cycles += cycle_in(cy, keep, i);
	if (n_knots == 0)
		fprintf(fp, "No knots: no blocking cycle among %u %s", n_nodes, what);
	else
		fprintf(fp, "%u knot%s among %u %s", n_knots, n_knots == 1 ? "" : "s", n_nodes,
			what);
	if (keep) {
		fputs(" in ", fp);
		cli_scope_print(fp, sc);
		fputs(" and its blockers", fp);
	}
	fputs(".\n", fp);
	for (uint32_t i = 0; i < k->count; i++) {
		if (!knot_in(k, keep, i))
			continue;
		shown++;
		uint32_t size = k->member_off[i + 1] - k->member_off[i];
		fprintf(fp, "\nknot %u: %u issue%s\n  issues: ", shown, size, size == 1 ? "" : "s");
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
	fprintf(fp, "\n%u elementary cycle%s", n_cycles, n_cycles == 1 ? "" : "s");
	if (cy->truncated)
		fprintf(fp, " (stopped at --max-cycles %u; more exist)", max_cycles);
	fprintf(fp, "%s\n", n_cycles ? ":" : ".");
	for (uint32_t i = 0; i < cy->count; i++) {
		if (!cycle_in(cy, keep, i))
			continue;
		fputs("  ", fp);
		print_chain(fp, g, cy->nodes + cy->off[i], cy->off[i + 1] - cy->off[i]);
		fputc('\n', fp);
	}
	return rc;
}

struct cycles_args {
	bool all;
	int64_t max_cycles;
};

static int cycles_option(void *ctx, int ch, const char *arg)
{
	struct cycles_args *x = ctx;
	if (ch == 'A')
		x->all = true;
	else if (ch == 'm' && cli_parse_int(arg, 0, UINT32_MAX - 1, &x->max_cycles) != 0)
		return cli_usage("cycles", "--max-cycles must be an integer >= 0, not '%s'", arg);
	return 0;
}

int cmd_cycles(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'A'},
	    {"max-cycles", required_argument, NULL, 'm'},
	    CLI_SCOPE_LONGOPTS,
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	struct cycles_args x = {.max_cycles = 1000};
	int rc = cli_parse_options(&c, argc, argv, "cycles", opts, help, cycles_option, &x, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis a;
	struct analyze_knots *k = NULL;
	struct analyze_cycles *cy = NULL;
	uint8_t *selected = NULL, *keep = NULL;
	if ((rc = cli_analysis_open(&a, ctx, "cycles", &c, CLI_ANALYSIS_CONDENSE)) != 0)
		goto done;
	if ((rc = cli_scope_nodes(a.s, "cycles", &c.scope, 0, a.g, &selected, &keep)) != 0)
		goto done;
	int arc = analyze_knots(a.g, a.cond, &k);
	if (arc == 0 && x.all)
		arc = analyze_cycles_all(a.g, (uint32_t)x.max_cycles, &cy);
	if (arc != 0) {
		rc = cli_analyze_error("cycles", arc);
		goto done;
	}
	double t2 = cli_now_ms();
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	int wrc = c.json ? cycles_json(a.out.fp, a.g, k, a.s, cy, keep)
			 : cycles_text(a.out.fp, a.g, k, a.s, cy, (uint32_t)x.max_cycles, keep,
				       &c.scope);
	if (wrc != 0) {
		cli_error("cycles", "%s: %s", ctx->db_path, analyze_errmsg());
		cli_out_close(&a.out, "cycles", false);
		rc = CLI_EXIT_STORE;
		goto done;
	}
	rc = cli_out_close(&a.out, "cycles", true);
	cli_analysis_timings(&a, t2);
done:
	free(selected);
	free(keep);
	analyze_cycles_free(cy);
	analyze_knots_free(k);
	return cli_analysis_close(&a, rc);
}
