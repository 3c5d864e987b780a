/* issuegraph ready: the open issues that can start now (SPEC "ready"),
 * ranked by how much they unblock; issues waiting only on a blocker named
 * in a description that could not be read are listed apart. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_stream.h"

static void help(void)
{
	printf("usage: issuegraph [--db PATH] ready [--milestone M] [--label L]... [--all-states]\n"
	       "                  [--deps LIST] [--ignore-deps FILE] [--format text|json]\n"
	       "                  [-o FILE] [-q] [-v]\n\n"
	       "The open issues that can start now: not in a knot, blocked by no open\n"
	       "issue, and with no blocker named in a description that could not be read\n"
	       "(those are listed apart, as waiting on unreadable blockers). Ranked by how\n"
	       "many open issues each blocks transitively (most first), then ref; the\n"
	       "counts are exact up to the size where bottlenecks are, estimated above it\n"
	       "(the JSON says \"estimated\": true).\n\n" CLI_SCOPE_HELP
	       "                      (with a scope: only the ready issues in it)\n"
	       "  --all-states        analyse closed issues too\n" CLI_DEPS_HELP
	       "  --format text|json  output format (default text)\n"
	       "  -o FILE             write there (atomically) instead of stdout\n"
	       "  -q, -v, --no-progress  accepted, as by every command; no effect here\n"
	       "  -h, --help          this help\n");
}

/* By count (most first), then ref (node order). */
static int cmp_ranked(const void *a, const void *b)
{
	const struct cli_ready_item *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->node > y->node) - (x->node < y->node);
}

static int cmp_node(const void *a, const void *b)
{
	const struct cli_ready_item *x = a, *y = b;
	return (x->node > y->node) - (x->node < y->node);
}

struct id_node {
	int64_t id;
	uint32_t node;
};

static int cmp_id_node(const void *a, const void *b)
{
	const struct id_node *x = a, *y = b;
	return (x->id > y->id) - (x->id < y->id);
}

/* Per node: how many "blocked by" references of its description were
 * dropped (0: none). */
struct dropped_walk {
	const struct id_node *map;
	uint32_t n;
	uint32_t *dropped;
};

static int on_dropped(void *ctx, int64_t issue_id, int64_t blocker_refs, int64_t all_refs)
{
	struct dropped_walk *w = ctx;
	(void)all_refs;
	struct id_node key = {issue_id, 0};
	const struct id_node *hit = bsearch(&key, w->map, w->n, sizeof key, cmp_id_node);
	if (hit && blocker_refs > 0)
		w->dropped[hit->node] =
		    blocker_refs > UINT32_MAX ? UINT32_MAX : (uint32_t)blocker_refs;
	return 0;
}

void cli_ready_release(struct cli_ready *a)
{
	free(a->ready);
	free(a->waiting);
	memset(a, 0, sizeof *a);
}

int cli_ready_compute(struct store *s, const struct analyze_graph *g, const uint8_t *keep,
		      struct cli_ready *a)
{
	struct analyze_condensation *c = NULL;
	struct analyze_knots *k = NULL;
	struct id_node *map = NULL;
	uint32_t *dropped = NULL, *trans = NULL;
	uint8_t *ready = NULL;
	size_t n = g->n ? g->n : 1;
	int rc = ANALYZE_ENOMEM;
	memset(a, 0, sizeof *a);

	map = malloc(n * sizeof *map);
	dropped = calloc(n, sizeof *dropped);
	trans = malloc(n * sizeof *trans);
	ready = malloc(n);
	a->ready = malloc(n * sizeof *a->ready);
	a->waiting = malloc(n * sizeof *a->waiting);
	if (!map || !dropped || !trans || !ready || !a->ready || !a->waiting)
		goto done;
	for (uint32_t v = 0; v < g->n; v++)
		map[v] = (struct id_node){g->issue_id[v], v};
	qsort(map, g->n, sizeof *map, cmp_id_node);
	struct dropped_walk w = {map, g->n, dropped};
	if (store_each_text_dropped(s, on_dropped, &w) < 0) {
		rc = ANALYZE_ERR;
		goto done;
	}
	if ((rc = analyze_condense(g, &c)) != 0 || (rc = analyze_knot_sets(g, c, &k)) != 0 ||
	    (rc = analyze_ready(g, k, NULL, ready)) != 0 ||
	    (rc = analyze_transitive_counts(g, c, NULL, 0, trans, &a->estimated)) != 0)
		goto done;
	for (uint32_t v = 0; v < g->n; v++) {
		if (!ready[v] || (keep && !keep[v]))
			continue;
		if (dropped[v])
			a->waiting[a->n_waiting++] = (struct cli_ready_item){v, dropped[v]};
		else
			a->ready[a->n_ready++] = (struct cli_ready_item){v, trans[v]};
	}
	qsort(a->ready, a->n_ready, sizeof *a->ready, cmp_ranked);
	qsort(a->waiting, a->n_waiting, sizeof *a->waiting, cmp_node);
	rc = 0;
done:
	if (rc)
		cli_ready_release(a);
	analyze_knots_free(k);
	analyze_condensation_free(c);
	free(map);
	free(dropped);
	free(trans);
	free(ready);
	return rc;
}

void cli_ready_jw(struct cli_jw *w, const struct analyze_graph *g, const struct cli_ready *a)
{
	cli_jw_array_begin(w, "ready");
	for (uint32_t i = 0; i < a->n_ready; i++) {
		cli_jw_object_begin(w, NULL);
		cli_jw_ref(w, "ref", g, a->ready[i].node);
		cli_jw_int(w, "blocks_transitively", a->ready[i].count);
		cli_jw_object_end(w);
	}
	cli_jw_array_end(w);
	cli_jw_bool(w, "estimated", a->estimated);
	cli_jw_array_begin(w, "unreadable_blockers");
	for (uint32_t i = 0; i < a->n_waiting; i++) {
		cli_jw_object_begin(w, NULL);
		cli_jw_ref(w, "ref", g, a->waiting[i].node);
		cli_jw_int(w, "references", a->waiting[i].count);
		cli_jw_object_end(w);
	}
	cli_jw_array_end(w);
}

static bool ready_json(FILE *fp, const struct analyze_graph *g, const struct cli_ready *a)
{
	struct cli_jw w;
	cli_jw_init(&w, fp);
	cli_jw_object_begin(&w, NULL);
	cli_ready_jw(&w, g, a);
	cli_jw_object_end(&w);
	return !cli_jw_failed(&w);
}

/* Text: refs and titles (a confidential issue's hidden). */
static void ready_text(FILE *fp, const struct analyze_graph *g, const struct cli_ready *a,
		       const struct cli_titles *t)
{
	if (a->n_ready == 0)
		fprintf(fp, "No issue can start now.\n");
	else
		fprintf(fp, "Ready now: %u issue%s, by how many open issues each blocks%s.\n",
			a->n_ready, a->n_ready == 1 ? "" : "s",
			a->estimated ? " (estimated: the graph is large)" : "");
	for (uint32_t i = 0; i < a->n_ready; i++) {
		fprintf(fp, "  %8u  ", a->ready[i].count);
		cli_print_ref(fp, g, a->ready[i].node);
		cli_print_title(fp, t, g->issue_id[a->ready[i].node]);
		fputc('\n', fp);
	}
	if (a->n_waiting == 0)
		return;
	fprintf(fp, "\nWaiting on a blocker named in a description that could not be read "
		    "(403/404 or no such issue):\n");
	for (uint32_t i = 0; i < a->n_waiting; i++) {
		fprintf(fp, "  ");
		cli_print_ref(fp, g, a->waiting[i].node);
		fprintf(fp, "  (%u reference%s)", a->waiting[i].count,
			a->waiting[i].count == 1 ? "" : "s");
		cli_print_title(fp, t, g->issue_id[a->waiting[i].node]);
		fputc('\n', fp);
	}
}

int cmd_ready(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    CLI_SCOPE_LONGOPTS,
	    CLI_COMMON_LONGOPTS,
	    {0},
	};
	struct cli_common c;
	int rc = cli_parse_options(&c, argc, argv, "ready", opts, help, NULL, NULL, 0);
	if (rc)
		return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;

	struct cli_analysis an;
	struct cli_ready a = {0};
	struct cli_titles titles = {0};
	uint8_t *selected = NULL, *keep = NULL;
	if ((rc = cli_analysis_open(&an, ctx, "ready", &c, CLI_ANALYSIS_GRAPH)) != 0)
		goto done;
	const struct analyze_graph *g = an.g;
	if ((rc = cli_scope_nodes(an.s, "ready", &c.scope, 0, g, &selected, &keep)) != 0)
		goto done;
	int arc = cli_ready_compute(an.s, g, keep, &a);
	if (arc == ANALYZE_ERR) {
		cli_error("ready", "%s: %s", ctx->db_path, store_errmsg(an.s));
		rc = CLI_EXIT_STORE;
		goto done;
	}
	if (arc != 0) {
		rc = cli_analyze_error("ready", arc);
		goto done;
	}
	if (!c.json) {
		uint32_t *nodes = malloc(((size_t)a.n_ready + a.n_waiting + 1) * sizeof *nodes);
		for (uint32_t i = 0; nodes && i < a.n_ready + a.n_waiting; i++)
			nodes[i] = i < a.n_ready ? a.ready[i].node : a.waiting[i - a.n_ready].node;
		int trc =
		    nodes ? cli_titles_load_nodes(&titles, an.s, g, nodes, a.n_ready + a.n_waiting)
			  : -1;
		free(nodes);
		if (trc != 0) {
			cli_error("ready", "%s: cannot read titles: %s", ctx->db_path,
				  store_errmsg(an.s));
			rc = CLI_EXIT_STORE;
			goto done;
		}
	}
	if ((rc = cli_analysis_out_open(&an)) != 0)
		goto done;
	bool ok = true;
	if (c.json)
		ok = ready_json(an.out.fp, g, &a);
	else
		ready_text(an.out.fp, g, &a, &titles);
	rc = cli_analysis_out_close(&an, ok);
done:
	cli_titles_release(&titles);
	cli_ready_release(&a);
	free(selected);
	free(keep);
	return cli_analysis_close(&an, rc);
}
