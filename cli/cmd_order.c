/* issuegraph order: the work order of the analysed graph in waves (SPEC
 * "order"): knots as one step, a step's wave 1 + the largest wave of the
 * steps that block it; each wave's steps with titles and people, and the
 * wave's cost. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] order [--milestone M] [--label L]...\n"
	       "                  [--weight count|weight|estimate] [--default-cost N]\n"
	       "                  [--show-confidential] [--all-states] [--format text|json]\n"
	       "                  [-o FILE] [-q] [-v]\n\n"
	       "A work order in waves: every issue comes in a later wave than everything\n"
	       "that blocks it, so the steps of one wave can be worked on at once; the\n"
	       "number of waves is the most steps on any chain of blockers. A knot (issues\n"
	       "that block each other in a circle) is one step. Steps in a wave are sorted\n"
	       "by ref; each is shown with its title, assignees and due date, and each\n"
	       "wave with its cost.\n\n" CLI_SCOPE_HELP
	       "                      (with a scope: only the steps in it)\n" CLI_COST_HELP
	       "  --show-confidential show the titles of confidential issues\n"
	       "  --all-states        analyse closed issues too (default: open issues "
	       "only)\n" CLI_DEPS_HELP "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* The cost of each wave (saturating), costs[0..o->waves). */
static int64_t *wave_costs(const struct analyze_graph *g, const struct analyze_steps *o,
			   const struct cli_common *c)
{
	int64_t *cost = calloc(o->waves ? o->waves : 1, sizeof *cost);
	if (!cost)
		return NULL;
	for (uint32_t i = 0; i < o->count; i++)
		for (uint32_t j = o->off[i]; j < o->off[i + 1]; j++)
			cost[o->wave[i] - 1] = analyze_add_cost(
			    cost[o->wave[i] - 1],
			    analyze_cost(g, o->nodes[j], c->weight, c->default_cost));
	return cost;
}

/* The refs and ids of the nodes the order names, sorted by ref (nodes are
 * in ref order), for the "issues" map; *n of them. */
static int order_refs(const struct analyze_graph *g, const struct analyze_steps *o, char ***refs,
		      int64_t **ids, uint32_t *n)
{
	uint32_t named = o->off[o->count];
	uint8_t *in = calloc(g->n ? g->n : 1, 1);
	*n = 0;
	*refs = calloc(named ? named : 1, sizeof **refs);
	*ids = malloc((named ? named : 1) * sizeof **ids);
	if (!in || !*refs || !*ids) {
		free(in);
		return -1;
	}
	for (uint32_t j = 0; j < named; j++)
		in[o->nodes[j]] = 1;
	for (uint32_t v = 0; v < g->n; v++) {
		if (!in[v])
			continue;
		int len = analyze_ref(g, v, NULL, 0);
		if (len < 0 || !((*refs)[*n] = malloc((size_t)len + 1))) {
			free(in);
			return -1;
		}
		analyze_ref(g, v, (*refs)[*n], (size_t)len + 1);
		(*ids)[(*n)++] = g->issue_id[v];
	}
	free(in);
	return 0;
}

/* false: a value could not be written (out of memory) */
static bool order_json(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *o,
		       const int64_t *cost, const struct cli_titles *t)
{
	struct cli_jw w;
	char **refs = NULL;
	int64_t *ids = NULL;
	uint32_t n_refs = 0;
	bool ok = order_refs(g, o, &refs, &ids, &n_refs) == 0;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_jw_array_begin(&w, "order");
	for (uint32_t i = 0; i < o->count; i++) {
		cli_jw_object_begin(&w, NULL);
		cli_jw_refs(&w, "issues", g, o->nodes + o->off[i], o->off[i + 1] - o->off[i]);
		cli_jw_int(&w, "wave", o->wave[i]);
		cli_jw_object_end(&w);
	}
	cli_jw_array_end(&w);
	cli_jw_array_begin(&w, "waves");
	for (uint32_t k = 0; k < o->waves; k++) {
		cli_jw_object_begin(&w, NULL);
		cli_jw_int(&w, "wave", k + 1);
		cli_jw_int(&w, "cost", cost[k]);
		cli_jw_object_end(&w);
	}
	cli_jw_array_end(&w);
	if (ok)
		cli_jw_issues_map(&w, t, (const char *const *)refs, ids, n_refs);
	cli_jw_object_end(&w);
	for (uint32_t v = 0; refs && v < n_refs; v++)
		free(refs[v]);
	free(refs);
	free(ids);
	return ok && !cli_jw_failed(&w);
}

static void order_text(FILE *fp, const struct analyze_graph *g, const struct analyze_steps *o,
		       const int64_t *cost, const struct cli_common *c, const struct cli_titles *t)
{
	if (o->count == 0) {
		fprintf(fp, "Nothing to order: the analysed graph has no issues.\n");
		return;
	}
	fprintf(fp, "%u wave%s (cost --weight %s)\n", o->waves, o->waves == 1 ? "" : "s",
		cli_weight_name(c->weight));
	for (uint32_t i = 0; i < o->count; i++) {
		if (i == 0 || o->wave[i] != o->wave[i - 1]) {
			uint32_t steps = 0;
			for (uint32_t j = i; j < o->count && o->wave[j] == o->wave[i]; j++)
				steps++;
			fprintf(fp, "\nwave %u: %u step%s, cost %lld\n", o->wave[i], steps,
				steps == 1 ? "" : "s", (long long)cost[o->wave[i] - 1]);
		}
		uint32_t size = o->off[i + 1] - o->off[i];
		if (size > 1)
			fprintf(fp, "  knot of %u: do together\n", size);
		for (uint32_t j = o->off[i]; j < o->off[i + 1]; j++) {
			fputs(size > 1 ? "    " : "  ", fp);
			cli_print_ref(fp, g, o->nodes[j]);
			cli_print_title(fp, t, g->issue_id[o->nodes[j]]);
			fputc('\n', fp);
		}
	}
}

/* Keep the steps in the scope (keep: per node; a scope holds a knot whole,
 * since each of its issues blocks the others), in their order. A scope
 * holds every blocker of what it holds, so the waves stay what they were;
 * the number of waves becomes the largest kept. */
static void order_narrow(struct analyze_steps *o, const uint8_t *keep)
{
	uint32_t steps = 0, at = 0;
	o->waves = 0;
	for (uint32_t i = 0; i < o->count; i++) {
		uint32_t from = o->off[i], to = o->off[i + 1];
		if (!keep[o->nodes[from]])
			continue;
		o->off[steps] = at;
		for (uint32_t j = from; j < to; j++)
			o->nodes[at++] = o->nodes[j];
		o->wave[steps] = o->wave[i];
		if (o->wave[i] > o->waves)
			o->waves = o->wave[i];
		steps++;
	}
	o->off[steps] = at;
	o->count = steps;
}

static int order_option(void *ctx, int ch, const char *arg)
{
	(void)arg;
	if (ch == 'C')
		*(bool *)ctx = true;
	return 0;
}

int cmd_order(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    CLI_SCOPE_LONGOPTS,
	    CLI_COST_LONGOPTS,
	    {"show-confidential", no_argument, NULL, 'C'},
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	bool show_confidential = false;
	int rc = cli_parse_options(&c, argc, argv, "order", opts, help, order_option,
				   &show_confidential, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis a;
	struct analyze_steps *o = NULL;
	struct cli_titles t = {0};
	int64_t *cost = NULL;
	int64_t *ids = NULL;
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
	if (!(cost = wave_costs(a.g, o, &c))) {
		rc = cli_analyze_error("order", ANALYZE_ENOMEM);
		goto done;
	}
	/* the details of the issues the order names */
	uint32_t named = o->off[o->count];
	if (!(ids = malloc((named ? named : 1) * sizeof *ids))) {
		rc = cli_analyze_error("order", ANALYZE_ENOMEM);
		goto done;
	}
	for (uint32_t j = 0; j < named; j++)
		ids[j] = a.g->issue_id[o->nodes[j]];
	if (cli_details_load(&t, a.s, ids, named, show_confidential) != 0) {
		cli_error("order", "%s: cannot read the issues' details: %s", ctx->db_path,
			  store_errmsg(a.s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if ((rc = cli_analysis_out_open(&a)) != 0)
		goto done;
	bool ok = true;
	if (c.json)
		ok = order_json(a.out.fp, a.g, o, cost, &t);
	else
		order_text(a.out.fp, a.g, o, cost, &c, &t);
	rc = cli_analysis_out_close(&a, ok);
done:
	free(cost);
	free(ids);
	free(selected);
	free(keep);
	cli_titles_release(&t);
	analyze_steps_free(o);
	return cli_analysis_close(&a, rc);
}
