/* Unit tests of analyze/ on hand-made graphs built with analyze_graph_from_edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"

#define N_EDGES(a) (sizeof(a) / sizeof((a)[0]))

static struct analyze_graph *mk(uint32_t n, const uint32_t (*e)[2], size_t m)
{
	/* calloc: with m == 0 the arrays are passed but never read, and gcc's
	 * -O2 -Wmaybe-uninitialized cannot see that. */
	uint32_t *from = calloc(m ? m : 1, sizeof *from), *to = calloc(m ? m : 1, sizeof *to);
	assert_non_null(from);
	assert_non_null(to);
	for (size_t i = 0; i < m; i++) {
		from[i] = e[i][0];
		to[i] = e[i][1];
	}
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_from_edges(&g, n, from, to, m), 0);
	free(from);
	free(to);
	return g;
}

/* Compare a [off[i], off[i+1]) slice of arr with the expected values. */
static void assert_slice(const uint32_t *arr, const uint32_t *off, uint32_t i, const uint32_t *want,
			 uint32_t nwant)
{
	assert_int_equal(off[i + 1] - off[i], nwant);
	for (uint32_t j = 0; j < nwant; j++)
		assert_int_equal(arr[off[i] + j], want[j]);
}

static struct analyze_steps *path_of(const struct analyze_graph *g, enum analyze_weight w,
				     int64_t dflt, uint32_t to, uint32_t ms)
{
	struct analyze_path_opts o = {.weight = w, .default_cost = dflt, .to = to, .milestone = ms};
	struct analyze_steps *p = NULL;
	assert_int_equal(analyze_critical_path(g, NULL, &o, &p), 0);
	return p;
}

/* ---- condensation ------------------------------------------------------------ */

/*
 * analyze_condense() against a computation that shares nothing with it: a
 * reachability matrix (Warshall's closure of the edge list), in which u and
 * v share a step exactly when each reaches the other.
 */
static void test_condense__matches_mutual_reachability_on_random_graphs(void **state)
{
	(void)state;
	uint64_t x = 987654321;
	for (int round = 0; round < 60; round++) {
		uint32_t n = (uint32_t)(round % 30); /* 0..29 nodes, the empty graph too */
		size_t m = n ? (size_t)n * (size_t)(round % 5) / 2 + (size_t)(round % 3) : 0;
		uint32_t(*e)[2] = malloc((m ? m : 1) * sizeof *e);
		uint8_t *r = calloc((size_t)n * n + 1, 1); /* r[u * n + v]: u reaches v */
		uint8_t *adj = calloc((size_t)n * n + 1, 1);
		assert_non_null(e);
		assert_non_null(r);
		assert_non_null(adj);
		for (size_t i = 0; n > 0 && i < m; i++) { /* m is 0 when n is */
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			e[i][0] = (uint32_t)((x >> 33) % n);
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			e[i][1] = (uint32_t)((x >> 33) % n);
			adj[e[i][0] * n + e[i][1]] = 1;
		}
		for (uint32_t v = 0; v < n; v++)
			r[v * n + v] = 1;
		for (size_t i = 0; i < m; i++)
			r[e[i][0] * n + e[i][1]] = 1;
		for (uint32_t k = 0; k < n; k++)
			for (uint32_t u = 0; u < n; u++)
				if (r[u * n + k])
					for (uint32_t v = 0; v < n; v++)
						r[u * n + v] |= r[k * n + v];

		struct analyze_graph *g = mk(n, (const uint32_t(*)[2])e, m);
		struct analyze_condensation *c = NULL;
		assert_int_equal(analyze_condense(g, &c), 0);

		/* same step exactly when mutually reachable */
		for (uint32_t u = 0; u < n; u++)
			for (uint32_t v = 0; v < n; v++)
				assert_int_equal(c->step_of[u] == c->step_of[v],
						 r[u * n + v] && r[v * n + u]);
		/* steps numbered by their smallest member, members ascending and
		 * listed under their own step */
		assert_int_equal(c->off[c->count], n);
		for (uint32_t s = 0; s < c->count; s++) {
			assert_true(c->off[s] < c->off[s + 1]);
			if (s > 0)
				assert_true(c->members[c->off[s - 1]] < c->members[c->off[s]]);
			for (uint32_t i = c->off[s]; i < c->off[s + 1]; i++) {
				assert_int_equal(c->step_of[c->members[i]], s);
				if (i > c->off[s])
					assert_true(c->members[i - 1] < c->members[i]);
			}
		}
		/* knots: two or more members, or a self-link */
		uint32_t knots = 0;
		for (uint32_t s = 0; s < c->count; s++) {
			uint32_t first = c->members[c->off[s]];
			bool want = c->off[s + 1] - c->off[s] >= 2 || adj[first * n + first];
			assert_int_equal(c->knot[s], want);
			knots += want;
		}
		assert_int_equal(c->knots, knots);
		/* topo: a permutation with every link going forward */
		uint32_t *pos = malloc((c->count ? c->count : 1) * sizeof *pos);
		assert_non_null(pos);
		memset(pos, 0xff, (c->count ? c->count : 1) * sizeof *pos);
		for (uint32_t i = 0; i < c->count; i++) {
			assert_true(c->topo[i] < c->count);
			assert_int_equal(pos[c->topo[i]], UINT32_MAX);
			pos[c->topo[i]] = i;
		}
		for (size_t i = 0; i < m; i++) {
			uint32_t a = c->step_of[e[i][0]], b = c->step_of[e[i][1]];
			if (a != b)
				assert_true(pos[a] < pos[b]);
		}
		/* the DAG: s -> t exactly when some link goes from s to t != s;
		 * ascending, each once */
		uint32_t dag_edges = 0;
		for (uint32_t s = 0; s < c->count; s++) {
			for (uint32_t t = 0; t < c->count; t++) {
				bool want = false;
				for (uint32_t i = c->off[s]; i < c->off[s + 1] && !want; i++)
					for (uint32_t j = c->off[t]; j < c->off[t + 1] && !want;
					     j++)
						want = s != t &&
						       adj[c->members[i] * n + c->members[j]];
				bool have = false;
				for (uint32_t q = c->succ_off[s]; q < c->succ_off[s + 1]; q++)
					have = have || c->succ[q] == t;
				assert_int_equal(have, want);
				dag_edges += want;
			}
			for (uint32_t q = c->succ_off[s] + 1; q < c->succ_off[s + 1]; q++)
				assert_true(c->succ[q - 1] < c->succ[q]);
		}
		assert_int_equal(c->m, dag_edges);
		assert_int_equal(c->succ_off[c->count], dag_edges);

		/* knots, path and order read the condensation: the same answers as
		 * when they compute it themselves */
		struct analyze_knots *k1 = NULL, *k2 = NULL;
		assert_int_equal(analyze_knots(g, c, &k1), 0);
		assert_int_equal(analyze_knots(g, NULL, &k2), 0);
		assert_int_equal(k1->count, c->knots);
		assert_int_equal(k1->count, k2->count);
		assert_memory_equal(k1->knot_of, k2->knot_of, n * sizeof *k1->knot_of);
		struct analyze_steps *o = NULL;
		assert_int_equal(analyze_order(g, c, &o), 0);
		assert_int_equal(o->count, c->count);
		analyze_steps_free(o);

		analyze_knots_free(k1);
		analyze_knots_free(k2);
		free(pos);
		analyze_condensation_free(c);
		analyze_graph_free(g);
		free(e);
		free(r);
		free(adj);
	}
	analyze_condensation_free(NULL);
}

/* ---- graph -------------------------------------------------------------------- */

static void test_graph__empty(void **state)
{
	(void)state;
	struct analyze_graph *g = mk(0, NULL, 0);
	struct analyze_knots *k = NULL;
	struct analyze_steps *o = NULL;
	struct analyze_cycles *c = NULL;
	assert_int_equal(g->n, 0);
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 0);
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->count, 0);
	assert_int_equal(p->total, 0);
	assert_int_equal(analyze_order(g, NULL, &o), 0);
	assert_int_equal(o->count, 0);
	assert_int_equal(analyze_cycles_all(g, 10, &c), 0);
	assert_int_equal(c->count, 0);
	assert_false(c->truncated);
	analyze_cycles_free(c);
	analyze_steps_free(o);
	analyze_steps_free(p);
	analyze_knots_free(k);
	analyze_graph_free(g);
	analyze_graph_free(NULL);
	analyze_knots_free(NULL);
	analyze_steps_free(NULL);
	analyze_cycles_free(NULL);
	analyze_reach_free(NULL);
}

static void test_knots__count_matches_full_answer(void **state)
{
	(void)state;
	/* empty; a self-link; two knots and a chain; a self-link inside a knot */
	static const uint32_t self[][2] = {{0, 0}};
	static const uint32_t two[][2] = {{0, 1}, {1, 0}, {2, 3}, {3, 4}, {4, 2}, {5, 6}, {6, 7}};
	static const uint32_t inside[][2] = {{0, 1}, {1, 0}, {1, 1}};
	struct {
		uint32_t n;
		const uint32_t (*e)[2];
		size_t m;
		uint32_t want;
	} cases[] = {{0, NULL, 0, 0}, {2, self, 1, 1}, {8, two, 7, 2}, {2, inside, 3, 1}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct analyze_graph *g = mk(cases[i].n, cases[i].e, cases[i].m);
		struct analyze_knots *k = NULL;
		struct analyze_condensation *c = NULL;
		assert_int_equal(analyze_condense(g, &c), 0);
		assert_int_equal(analyze_knots(g, c, &k), 0);
		assert_int_equal(c->knots, cases[i].want);
		assert_int_equal(c->knots, k->count);
		analyze_knots_free(k);
		analyze_condensation_free(c);
		analyze_graph_free(g);
	}
}

static void test_graph__parallel_links_kept_once_and_lists_sorted(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 3}, {0, 1}, {0, 3}, {2, 1},
					{0, 2}, {0, 1}, {3, 3}, {3, 3}};
	struct analyze_graph *g = mk(4, e, N_EDGES(e));
	assert_int_equal(g->m, 5);
	static const uint32_t out0[] = {1, 2, 3}, in1[] = {0, 2}, in3[] = {0, 3};
	assert_slice(g->out_adj, g->out_off, 0, out0, 3);
	assert_slice(g->in_adj, g->in_off, 1, in1, 2);
	assert_slice(g->in_adj, g->in_off, 3, in3, 2);
	analyze_graph_free(g);
}

static void test_graph__rejects_edge_beyond_n(void **state)
{
	(void)state;
	uint32_t from[] = {0}, to[] = {5};
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_from_edges(&g, 3, from, to, 1), ANALYZE_EINVAL);
	assert_null(g);
	assert_non_null(analyze_errmsg());
}

static void test_refs__format_find_and_suggest(void **state)
{
	(void)state;
	struct analyze_graph *g = mk(5, NULL, 0);
	char buf[64];
	assert_int_equal(analyze_ref(g, 2, buf, sizeof buf), 3);
	assert_string_equal(buf, "p#3");
	uint32_t v = 99;
	char *sug = NULL;
	assert_int_equal(analyze_find_ref(g, "p#4", &v, &sug), 0);
	assert_int_equal(v, 3);
	assert_null(sug);
	assert_int_equal(analyze_find_ref(g, "p#40", &v, &sug), ANALYZE_EINVAL);
	assert_string_equal(sug, "p#5");
	free(sug);
	/* a close project path gets a suggestion, a far one none */
	assert_int_equal(analyze_find_ref(g, "q#2", &v, &sug), ANALYZE_EINVAL);
	assert_string_equal(sug, "p#2");
	free(sug);
	assert_int_equal(analyze_find_ref(g, "group/other#2", &v, &sug), ANALYZE_EINVAL);
	assert_null(sug);
	assert_int_equal(analyze_find_ref(g, "not a ref", &v, &sug), ANALYZE_EINVAL);
	assert_null(sug);
	assert_int_equal(analyze_find_milestone(g, "v1"), ANALYZE_NONE);
	analyze_graph_free(g);
}

static void test_cost__modes_and_default(void **state)
{
	(void)state;
	struct analyze_graph *g = mk(3, NULL, 0);
	g->weight[0] = 5;
	g->weight[1] = 0;
	g->remaining[0] = 3600;
	assert_int_equal(analyze_cost(g, 0, ANALYZE_WEIGHT_COUNT, 9), 1);
	assert_int_equal(analyze_cost(g, 0, ANALYZE_WEIGHT_WEIGHT, 9), 5);
	assert_int_equal(analyze_cost(g, 1, ANALYZE_WEIGHT_WEIGHT, 9), 0);
	assert_int_equal(analyze_cost(g, 2, ANALYZE_WEIGHT_WEIGHT, 9), 9);
	assert_int_equal(analyze_cost(g, 0, ANALYZE_WEIGHT_ESTIMATE, 9), 3600);
	assert_int_equal(analyze_cost(g, 1, ANALYZE_WEIGHT_ESTIMATE, 0), 0);
	analyze_graph_free(g);
}

/* ---- knots ---------------------------------------------------------------------- */

static void test_knots__self_link_is_a_knot_of_one(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {1, 1}, {1, 2}};
	struct analyze_graph *g = mk(3, e, N_EDGES(e));
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 1);
	static const uint32_t one[] = {1};
	assert_slice(k->members, k->member_off, 0, one, 1);
	assert_slice(k->witness, k->witness_off, 0, one, 1);
	assert_true(k->witness_shortest[0]);
	assert_int_equal(k->cut_off[1], 1);
	assert_int_equal(k->cut[0].from, 1);
	assert_int_equal(k->cut[0].to, 1);
	assert_int_equal(k->knot_of[0], ANALYZE_NONE);
	assert_int_equal(k->knot_of[1], 0);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

static void test_knots__sorted_by_first_member_with_members_ascending(void **state)
{
	(void)state;
	/* knot {3,5} (found first by Tarjan from 0? no matter) and knot {1,4,6} */
	static const uint32_t e[][2] = {{5, 3}, {3, 5}, {1, 6}, {6, 4}, {4, 1}, {0, 1}, {4, 3}};
	struct analyze_graph *g = mk(7, e, N_EDGES(e));
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 2);
	static const uint32_t k0[] = {1, 4, 6}, k1[] = {3, 5};
	assert_slice(k->members, k->member_off, 0, k0, 3);
	assert_slice(k->members, k->member_off, 1, k1, 2);
	/* witness in blocking order from the smallest ref */
	static const uint32_t w0[] = {1, 6, 4}, w1[] = {3, 5};
	assert_slice(k->witness, k->witness_off, 0, w0, 3);
	assert_slice(k->witness, k->witness_off, 1, w1, 2);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

static void test_knots__witness_is_shortest_not_through_smallest(void **state)
{
	(void)state;
	/* 0 -> 1 -> 2 -> 3 -> 0 (length 4) and 2 <-> 3 (length 2) */
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {3, 2}};
	struct analyze_graph *g = mk(4, e, N_EDGES(e));
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 1);
	static const uint32_t w[] = {2, 3};
	assert_slice(k->witness, k->witness_off, 0, w, 2);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

static void test_knots__witness_lexicographic_among_equal_length(void **state)
{
	(void)state;
	/* three triangles through 0: 0-4-1, 0-2-5, 0-2-3; smallest is 0 2 3 */
	static const uint32_t e[][2] = {{0, 4}, {4, 1}, {1, 0}, {0, 2}, {2, 5},
					{5, 0}, {2, 3}, {3, 0}, {1, 2}};
	struct analyze_graph *g = mk(6, e, N_EDGES(e));
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	static const uint32_t w[] = {0, 2, 3};
	assert_slice(k->witness, k->witness_off, 0, w, 3);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

static void test_knots__self_link_inside_bigger_knot_is_witness(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {1, 0}, {1, 1}};
	struct analyze_graph *g = mk(2, e, N_EDGES(e));
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 1);
	static const uint32_t w[] = {1};
	assert_slice(k->witness, k->witness_off, 0, w, 1);
	/* the cut removes the self-link and breaks the 2-cycle */
	assert_int_equal(k->cut_off[1], 2);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

/* After removing every knot's cut, no knot is left. */
static void assert_cut_breaks_all(const struct analyze_graph *g, const struct analyze_knots *k)
{
	size_t m = 0;
	uint32_t *from = malloc((g->m + 1) * sizeof *from), *to = malloc((g->m + 1) * sizeof *to);
	for (uint32_t u = 0; u < g->n; u++) {
		for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
			uint32_t w = g->out_adj[e];
			bool cut = false;
			for (uint32_t i = 0; i < k->cut_off[k->count]; i++)
				if (k->cut[i].from == u && k->cut[i].to == w)
					cut = true;
			if (!cut) {
				from[m] = u;
				to[m++] = w;
			}
		}
	}
	struct analyze_graph *h = NULL;
	struct analyze_knots *kh = NULL;
	assert_int_equal(analyze_graph_from_edges(&h, g->n, from, to, m), 0);
	assert_int_equal(analyze_knots(h, NULL, &kh), 0);
	assert_int_equal(kh->count, 0);
	analyze_knots_free(kh);
	analyze_graph_free(h);
	free(from);
	free(to);
}

/* Each cut link closes a cycle with what the cut leaves (or is a self-link):
 * putting any one back would make the knot cyclic again. */
static void assert_cut_minimal(const struct analyze_graph *g, const struct analyze_knots *k)
{
	uint32_t total = k->cut_off[k->count];
	for (uint32_t c = 0; c < total; c++) {
		size_t m = 0;
		uint32_t *from = malloc((g->m + 1) * sizeof *from);
		uint32_t *to = malloc((g->m + 1) * sizeof *to);
		for (uint32_t u = 0; u < g->n; u++) {
			for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
				uint32_t w = g->out_adj[e];
				bool cut = false;
				for (uint32_t i = 0; i < total; i++)
					if (i != c && k->cut[i].from == u && k->cut[i].to == w)
						cut = true;
				if (!cut) {
					from[m] = u;
					to[m++] = w;
				}
			}
		}
		struct analyze_graph *h = NULL;
		struct analyze_knots *kh = NULL;
		assert_int_equal(analyze_graph_from_edges(&h, g->n, from, to, m), 0);
		assert_int_equal(analyze_knots(h, NULL, &kh), 0);
		assert_true(kh->count >= 1);
		analyze_knots_free(kh);
		analyze_graph_free(h);
		free(from);
		free(to);
	}
}

static void test_cut__breaks_every_cycle_of_random_graphs(void **state)
{
	(void)state;
	uint64_t x = 12345;
	for (int round = 0; round < 40; round++) {
		uint32_t n = 2 + (uint32_t)(round * 3);
		size_t m = (size_t)n * (1 + round % 4);
		uint32_t(*e)[2] = malloc(m * sizeof *e);
		for (size_t i = 0; i < m; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			e[i][0] = (uint32_t)((x >> 33) % n);
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			e[i][1] = (uint32_t)((x >> 33) % n);
		}
		struct analyze_graph *g = mk(n, (const uint32_t(*)[2])e, m);
		struct analyze_knots *k = NULL;
		assert_int_equal(analyze_knots(g, NULL, &k), 0);
		for (uint32_t i = 0; i < k->count; i++) {
			/* every cut link is a link of that knot, sorted */
			for (uint32_t j = k->cut_off[i]; j < k->cut_off[i + 1]; j++) {
				assert_int_equal(k->knot_of[k->cut[j].from], i);
				assert_int_equal(k->knot_of[k->cut[j].to], i);
				if (j > k->cut_off[i]) {
					const struct analyze_edge *a = &k->cut[j - 1],
								  *b = &k->cut[j];
					assert_true(a->from < b->from ||
						    (a->from == b->from && a->to < b->to));
				}
			}
			assert_true(k->cut_off[i + 1] > k->cut_off[i]);
		}
		assert_cut_breaks_all(g, k);
		assert_cut_minimal(g, k);
		analyze_knots_free(k);
		analyze_graph_free(g);
		free(e);
	}
}

/* ---- cycles (Johnson) ------------------------------------------------------------ */

static void test_cycles__complete_graph_k4_has_20(void **state)
{
	(void)state;
	uint32_t e[12][2];
	size_t m = 0;
	for (uint32_t a = 0; a < 4; a++)
		for (uint32_t b = 0; b < 4; b++)
			if (a != b) {
				e[m][0] = a;
				e[m++][1] = b;
			}
	struct analyze_graph *g = mk(4, (const uint32_t(*)[2])e, m);
	struct analyze_cycles *c = NULL;
	assert_int_equal(analyze_cycles_all(g, 1000, &c), 0);
	assert_int_equal(c->count, 20);
	assert_false(c->truncated);
	static const uint32_t first[] = {0, 1}, last[] = {2, 3};
	assert_slice(c->nodes, c->off, 0, first, 2);
	assert_slice(c->nodes, c->off, 19, last, 2);
	for (uint32_t i = 1; i < c->count; i++) {
		/* sorted, each starting at its smallest node */
		uint32_t la = c->off[i] - c->off[i - 1], lb = c->off[i + 1] - c->off[i];
		const uint32_t *a = c->nodes + c->off[i - 1], *b = c->nodes + c->off[i];
		int cmp = 0;
		for (uint32_t j = 0; j < la && j < lb && !cmp; j++)
			cmp = (a[j] > b[j]) - (a[j] < b[j]);
		assert_true(cmp < 0 || (cmp == 0 && la < lb));
		for (uint32_t j = 1; j < lb; j++)
			assert_true(b[j] > b[0]);
	}
	analyze_cycles_free(c);
	assert_int_equal(analyze_cycles_all(g, 5, &c), 0);
	assert_int_equal(c->count, 5);
	assert_true(c->truncated);
	analyze_cycles_free(c);
	assert_int_equal(analyze_cycles_all(g, 20, &c), 0);
	assert_int_equal(c->count, 20);
	assert_false(c->truncated);
	analyze_cycles_free(c);
	analyze_graph_free(g);
}

static void test_cycles__self_links_and_separate_knots(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 0}, {1, 2}, {2, 1}, {3, 4}, {4, 5}, {5, 3}, {2, 3}};
	struct analyze_graph *g = mk(6, e, N_EDGES(e));
	struct analyze_cycles *c = NULL;
	assert_int_equal(analyze_cycles_all(g, 1000, &c), 0);
	assert_int_equal(c->count, 3);
	static const uint32_t c0[] = {0}, c1[] = {1, 2}, c2[] = {3, 4, 5};
	assert_slice(c->nodes, c->off, 0, c0, 1);
	assert_slice(c->nodes, c->off, 1, c1, 2);
	assert_slice(c->nodes, c->off, 2, c2, 3);
	analyze_cycles_free(c);
	analyze_graph_free(g);
}

/* ---- critical path --------------------------------------------------------------- */

static void test_path__knot_is_one_step_costing_its_members(void **state)
{
	(void)state;
	/* 0 -> {1,2} -> 3 and a short branch 0 -> 4 */
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 1}, {2, 3}, {0, 4}};
	struct analyze_graph *g = mk(5, e, N_EDGES(e));
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->count, 3);
	assert_int_equal(p->total, 4);
	static const uint32_t s0[] = {0}, s1[] = {1, 2}, s2[] = {3};
	assert_slice(p->nodes, p->off, 0, s0, 1);
	assert_slice(p->nodes, p->off, 1, s1, 2);
	assert_slice(p->nodes, p->off, 2, s2, 1);
	assert_int_equal(p->cost[1], 2);
	analyze_steps_free(p);
	analyze_graph_free(g);
}

static void test_path__ties_most_steps_then_smallest_ref(void **state)
{
	(void)state;
	/* weights: 0:(5) -> 1:(0) ; 2:(5) ; 3:(0) -> 4:(5) -> 5:(0)
	 * cost 5 everywhere; most steps: 3 -> 4 -> 5 (3 steps) */
	static const uint32_t e[][2] = {{0, 1}, {3, 4}, {4, 5}};
	struct analyze_graph *g = mk(6, e, N_EDGES(e));
	int64_t w[] = {5, 0, 5, 0, 5, 0};
	for (int i = 0; i < 6; i++)
		g->weight[i] = w[i];
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_WEIGHT, 1, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->total, 5);
	assert_int_equal(p->count, 3);
	assert_int_equal(p->nodes[0], 3);
	analyze_steps_free(p);
	/* equal cost and steps: the smallest start, then the smallest next */
	static const uint32_t e2[][2] = {{2, 3}, {0, 4}, {0, 3}, {1, 3}};
	g = (analyze_graph_free(g), mk(5, e2, N_EDGES(e2)));
	p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->count, 2);
	assert_int_equal(p->nodes[0], 0);
	assert_int_equal(p->nodes[1], 3);
	analyze_steps_free(p);
	analyze_graph_free(g);
}

static void test_path__default_cost_for_missing_values(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {2, 3}};
	struct analyze_graph *g = mk(4, e, N_EDGES(e));
	g->weight[0] = 2; /* 0 -> 1: 2 + default; 2 -> 3: 2 * default */
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_WEIGHT, 10, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->total, 20);
	assert_int_equal(p->nodes[0], 2);
	analyze_steps_free(p);
	p = path_of(g, ANALYZE_WEIGHT_WEIGHT, 0, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->total, 2);
	assert_int_equal(p->nodes[0], 0);
	assert_int_equal(p->count, 2); /* the zero-cost step at the end is included */
	analyze_steps_free(p);
	analyze_graph_free(g);
}

static void test_path__to_and_milestone_restrict_the_end(void **state)
{
	(void)state;
	/* 0 -> 1 -> 2 -> 3, 4 -> 2, 5 -> 6 */
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {4, 2}, {5, 6}};
	struct analyze_graph *g = mk(7, e, N_EDGES(e));
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, 2, ANALYZE_NONE);
	assert_int_equal(p->count, 3);
	assert_int_equal(p->nodes[2], 2);
	analyze_steps_free(p);
	p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, 6, ANALYZE_NONE);
	assert_int_equal(p->count, 2);
	analyze_steps_free(p);
	p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, 4, ANALYZE_NONE);
	assert_int_equal(p->count, 1);
	analyze_steps_free(p);
	g->milestone[6] = 0;
	g->milestone[1] = 0;
	p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, ANALYZE_NONE, 0);
	assert_int_equal(p->count, 2);
	assert_int_equal(p->nodes[0], 0);
	assert_int_equal(p->nodes[1], 1);
	analyze_steps_free(p);
	analyze_graph_free(g);
}

/* ---- order ------------------------------------------------------------------------ */

static void test_order__waves_knots_as_one_then_first_ref(void **state)
{
	(void)state;
	/* 3 -> 0, {1,4} knot -> 2, 0 -> 5, 2 -> 5, 6 alone: waves {1,4} 3 6 | 0 2 | 5 */
	static const uint32_t e[][2] = {{3, 0}, {1, 4}, {4, 1}, {4, 2}, {0, 5}, {2, 5}};
	struct analyze_graph *g = mk(7, e, N_EDGES(e));
	struct analyze_steps *o = NULL;
	assert_int_equal(analyze_order(g, NULL, &o), 0);
	assert_int_equal(o->count, 6);
	assert_int_equal(o->waves, 3);
	static const uint32_t s0[] = {1, 4}, s1[] = {3}, s2[] = {6}, s3[] = {0}, s4[] = {2},
			      s5[] = {5};
	assert_slice(o->nodes, o->off, 0, s0, 2);
	assert_slice(o->nodes, o->off, 1, s1, 1);
	assert_slice(o->nodes, o->off, 2, s2, 1);
	assert_slice(o->nodes, o->off, 3, s3, 1);
	assert_slice(o->nodes, o->off, 4, s4, 1);
	assert_slice(o->nodes, o->off, 5, s5, 1);
	static const uint32_t waves[] = {1, 1, 1, 2, 2, 3};
	assert_memory_equal(o->wave, waves, sizeof waves);
	assert_null(o->cost);
	analyze_steps_free(o);
	analyze_graph_free(g);
}

/* ---- reachability ------------------------------------------------------------------ */

static void test_blockers__distance_then_ref_and_reverse(void **state)
{
	(void)state;
	/* 4 -> 2 -> 0, 3 -> 0, 1 -> 3, 4 -> 1, 0 -> 5 */
	static const uint32_t e[][2] = {{4, 2}, {2, 0}, {3, 0}, {1, 3}, {4, 1}, {0, 5}};
	struct analyze_graph *g = mk(6, e, N_EDGES(e));
	struct analyze_reach *r = NULL;
	assert_int_equal(analyze_blockers(g, 0, false, &r), 0);
	assert_int_equal(r->count, 4);
	static const uint32_t nodes[] = {2, 3, 1, 4}, dist[] = {1, 1, 2, 2};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(r->node[i], nodes[i]);
		assert_int_equal(r->dist[i], dist[i]);
	}
	analyze_reach_free(r);
	assert_int_equal(analyze_blockers(g, 4, true, &r), 0);
	assert_int_equal(r->count, 5);
	assert_int_equal(r->node[4], 5);
	assert_int_equal(r->dist[4], 3);
	analyze_reach_free(r);
	assert_int_equal(analyze_blockers(g, 99, false, &r), ANALYZE_EINVAL);
	analyze_graph_free(g);
}

static void test_closure__milestone_and_its_transitive_blockers(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {3, 4}};
	struct analyze_graph *g = mk(5, e, N_EDGES(e));
	g->milestone[1] = 0;
	uint8_t keep[5] = {0};
	assert_int_equal(analyze_milestone_closure(g, 0, keep), 0);
	static const uint8_t want[5] = {1, 1, 0, 0, 0};
	assert_memory_equal(keep, want, 5);
	analyze_graph_free(g);
}

static void test_scope__selected_ids_and_their_transitive_blockers(void **state)
{
	(void)state;
	/* 0 -> 1 -> 2, 3 -> 4, 5 <-> 6 (a knot) -> 7; issue ids are node + 1 */
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {3, 4}, {5, 6}, {6, 5}, {6, 7}};
	struct analyze_graph *g = mk(8, e, N_EDGES(e));
	uint8_t sel[8], keep[8];
	uint32_t n = 99;
	/* ids 2 (node 1) and 8 (node 7); 42 is no node (closed, or gone) */
	static const int64_t ids[] = {2, 8, 42};
	assert_int_equal(analyze_scope(g, ids, 3, sel, keep, &n), 0);
	static const uint8_t want_sel[8] = {0, 1, 0, 0, 0, 0, 0, 1};
	static const uint8_t want_keep[8] = {1, 1, 0, 0, 0, 1, 1, 1};
	assert_memory_equal(sel, want_sel, 8);
	assert_memory_equal(keep, want_keep, 8);
	assert_int_equal(n, 2);
	/* what the caller left in the arrays does not count */
	memset(sel, 1, sizeof sel);
	memset(keep, 1, sizeof keep);
	assert_int_equal(analyze_scope(g, NULL, 0, sel, keep, &n), 0);
	static const uint8_t none[8] = {0};
	assert_memory_equal(sel, none, 8);
	assert_memory_equal(keep, none, 8);
	assert_int_equal(n, 0);
	/* selected may be NULL; the ids must ascend */
	static const int64_t one[] = {5};
	assert_int_equal(analyze_scope(g, one, 1, NULL, keep, NULL), 0);
	static const uint8_t want_one[8] = {0, 0, 0, 1, 1, 0, 0, 0};
	assert_memory_equal(keep, want_one, 8);
	static const int64_t unsorted[] = {5, 2};
	assert_int_equal(analyze_scope(g, unsorted, 2, sel, keep, NULL), ANALYZE_EINVAL);
	analyze_graph_free(g);
}

static void test_path__ends_restrict_the_end_over_milestone(void **state)
{
	(void)state;
	/* 0 -> 1 -> 2 -> 3, 4 -> 2, 5 -> 6 */
	static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {4, 2}, {5, 6}};
	struct analyze_graph *g = mk(7, e, N_EDGES(e));
	g->milestone[3] = 0;
	uint8_t ends[7] = {0, 0, 0, 0, 0, 0, 1};
	struct analyze_path_opts o = {.weight = ANALYZE_WEIGHT_COUNT,
				      .default_cost = 1,
				      .to = ANALYZE_NONE,
				      .milestone = 0,
				      .ends = ends};
	struct analyze_steps *p = NULL;
	assert_int_equal(analyze_critical_path(g, NULL, &o, &p), 0);
	assert_int_equal(p->count, 2);
	assert_int_equal(p->nodes[0], 5);
	assert_int_equal(p->nodes[1], 6);
	analyze_steps_free(p);
	/* no selected node in the graph: no path */
	memset(ends, 0, sizeof ends);
	assert_int_equal(analyze_critical_path(g, NULL, &o, &p), 0);
	assert_int_equal(p->count, 0);
	analyze_steps_free(p);
	analyze_graph_free(g);
}

/* ---- large graphs: no recursion ---------------------------------------------------- */

static void test_large__million_chain_and_ring(void **state)
{
	(void)state;
	const uint32_t n = 1000000;
	uint32_t *from = malloc(n * sizeof *from), *to = malloc(n * sizeof *to);
	for (uint32_t i = 0; i + 1 < n; i++) {
		from[i] = i;
		to[i] = i + 1;
	}
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_from_edges(&g, n, from, to, n - 1), 0);
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 0);
	analyze_knots_free(k);
	struct analyze_steps *p = path_of(g, ANALYZE_WEIGHT_COUNT, 1, ANALYZE_NONE, ANALYZE_NONE);
	assert_int_equal(p->count, n);
	analyze_steps_free(p);
	struct analyze_reach *r = NULL;
	assert_int_equal(analyze_blockers(g, n - 1, false, &r), 0);
	assert_int_equal(r->count, n - 1);
	assert_int_equal(r->dist[n - 2], n - 1);
	analyze_reach_free(r);
	struct analyze_steps *w = NULL;
	assert_int_equal(analyze_order(g, NULL, &w), 0);
	assert_int_equal(w->waves, n); /* a chain: one step a wave */
	assert_int_equal(w->wave[n - 1], n);
	analyze_steps_free(w);
	analyze_graph_free(g);

	/* close the ring: one knot of a million, witness through the smallest */
	from[n - 1] = n - 1;
	to[n - 1] = 0;
	assert_int_equal(analyze_graph_from_edges(&g, n, from, to, n), 0);
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	assert_int_equal(k->count, 1);
	assert_int_equal(k->witness_off[1], n);
	assert_false(k->witness_shortest[0]);
	assert_int_equal(k->cut_off[1], 1);
	analyze_knots_free(k);
	struct analyze_steps *o = NULL;
	assert_int_equal(analyze_order(g, NULL, &o), 0);
	assert_int_equal(o->count, 1);
	analyze_steps_free(o);
	struct analyze_cycles *c = NULL;
	assert_int_equal(analyze_cycles_all(g, 10, &c), 0);
	assert_int_equal(c->count, 1);
	analyze_cycles_free(c);
	analyze_graph_free(g);
	free(from);
	free(to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_graph__empty),
	    cmocka_unit_test(test_knots__count_matches_full_answer),
	    cmocka_unit_test(test_graph__parallel_links_kept_once_and_lists_sorted),
	    cmocka_unit_test(test_graph__rejects_edge_beyond_n),
	    cmocka_unit_test(test_refs__format_find_and_suggest),
	    cmocka_unit_test(test_cost__modes_and_default),
	    cmocka_unit_test(test_knots__self_link_is_a_knot_of_one),
	    cmocka_unit_test(test_knots__sorted_by_first_member_with_members_ascending),
	    cmocka_unit_test(test_knots__witness_is_shortest_not_through_smallest),
	    cmocka_unit_test(test_knots__witness_lexicographic_among_equal_length),
	    cmocka_unit_test(test_knots__self_link_inside_bigger_knot_is_witness),
	    cmocka_unit_test(test_cut__breaks_every_cycle_of_random_graphs),
	    cmocka_unit_test(test_condense__matches_mutual_reachability_on_random_graphs),
	    cmocka_unit_test(test_cycles__complete_graph_k4_has_20),
	    cmocka_unit_test(test_cycles__self_links_and_separate_knots),
	    cmocka_unit_test(test_path__knot_is_one_step_costing_its_members),
	    cmocka_unit_test(test_path__ties_most_steps_then_smallest_ref),
	    cmocka_unit_test(test_path__default_cost_for_missing_values),
	    cmocka_unit_test(test_path__to_and_milestone_restrict_the_end),
	    cmocka_unit_test(test_order__waves_knots_as_one_then_first_ref),
	    cmocka_unit_test(test_blockers__distance_then_ref_and_reverse),
	    cmocka_unit_test(test_closure__milestone_and_its_transitive_blockers),
	    cmocka_unit_test(test_scope__selected_ids_and_their_transitive_blockers),
	    cmocka_unit_test(test_path__ends_restrict_the_end_over_milestone),
	    cmocka_unit_test(test_large__million_chain_and_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
