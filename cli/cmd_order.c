/* issuegraph order: a topological work order of the analysed graph, knots
 * as one step, the smallest ref first among the ready steps (Kahn). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] order [--milestone M] [--label L]...\n"
	       "                  [--all-states] [--format text|json] [-o FILE] [-q] [-v]\n\n"
	       "A work order: every issue comes after everything that blocks it. A knot\n"
	       "(issues that block each other in a circle) is one step; among the steps\n"
	       "ready to start, the one with the smallest ref comes first.\n\n" CLI_SCOPE_HELP
	       "                      (with a scope: only the steps in it)\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* false: a value could not be written (out of memory) */
static bool order_json(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *o)
{
	struct cli_jw w;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_jw_array_begin(&w, "order");
	for (uint32_t i = 0; i < o->count; i++) {
		cli_jw_object_begin(&w, NULL);
		cli_jw_refs(&w, "issues", g, o->nodes + o->off[i], o->off[i + 1] - o->off[i]);
		cli_jw_object_end(&w);
	}
	cli_jw_array_end(&w);
	cli_jw_object_end(&w);
	return !cli_jw_failed(&w);
}

static void order_text(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *o)
{
	if (o->count == 0) {
		fprintf(fp, "Nothing to order: the analysed graph has no issues.\n");
		return;
	}
	for (uint32_t i = 0; i < o->count; i++) {
		uint32_t size = o->off[i + 1] - o->off[i];
		fprintf(fp, "%6u  ", i + 1);
		for (uint32_t j = o->off[i]; j < o->off[i + 1]; j++) {
			if (j > o->off[i])
				fputc(' ', fp);
			cli_print_ref(fp, g, o->nodes[j]);
		}
		if (size > 1)
			fprintf(fp, "  (knot of %u: do together)", size);
		fputc('\n', fp);
	}
}

/* Keep the steps in the scope (keep: per node; a scope holds a knot whole,
 * since each of its issues blocks the others), in their order. */
static void order_narrow(struct analyze_steps *o, const uint8_t *keep)
{
	uint32_t steps = 0, at = 0;
	for (uint32_t i = 0; i < o->count; i++) {
		uint32_t from = o->off[i], to = o->off[i + 1];
		if (!keep[o->nodes[from]])
			continue;
		o->off[steps] = at;
		for (uint32_t j = from; j < to; j++)
			o->nodes[at++] = o->nodes[j];
		if (o->cost)
			o->cost[steps] = o->cost[i];
		steps++;
	}
	o->off[steps] = at;
	o->count = steps;
}

int cmd_order(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    CLI_SCOPE_LONGOPTS,
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	int rc = cli_parse_options(&c, argc, argv, "order", opts, help, NULL, NULL, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis a;
	struct analyze_steps *o = NULL;
	uint8_t *selected = NULL, *keep = NULL;
	if ((rc = cli_analysis_open(&a, ctx, "order", &c, CLI_ANALYSIS_CONDENSE)) != 0)
		goto done;
	if ((rc = cli_scope_nodes(a.s, "order", &c.scope, 0, a.g, &selected, &keep)) != 0)
		goto done;
	int arc = analyze_order(a.g, a.cond, &o);
	if (arc != 0) {
		rc = cli_analyze_error("order", arc);
		goto done;
	}
	if (keep)
		order_narrow(o, keep);
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	bool ok = true;
	if (c.json)
		ok = order_json(a.out.fp, a.g, o);
	else
		order_text(a.out.fp, a.g, o);
	rc = cli_analysis_out_close(&a, ok);
done:
	free(selected);
	free(keep);
	analyze_steps_free(o);
	return cli_analysis_close(&a, rc);
}
