/* Unit tests of analyze/findings.c: the findings and the bottlenecks, on
 * hand-made graphs (analyze_graph_from_edges, flags and dates set by hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"

static struct analyze_graph *mk(uint32_t n, const uint32_t (*e)[2], size_t m)
{
	uint32_t *from = malloc((m ? m : 1) * sizeof *from), *to = malloc((m ? m : 1) * sizeof *to);
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

static void test_findings__names(void **state)
{
	(void)state;
	assert_string_equal(analyze_finding_name(ANALYZE_FINDING_KNOTS), "knots");
	assert_string_equal(analyze_finding_name(ANALYZE_FINDING_CONFLICTS), "conflicts");
	assert_string_equal(analyze_finding_name(ANALYZE_FINDING_CLOSED_BLOCKED), "closed-blocked");
	assert_int_equal(analyze_finding_kind_of("closed-blocked", 14),
			 ANALYZE_FINDING_CLOSED_BLOCKED);
	assert_int_equal(analyze_finding_kind_of("knots,conflicts", 5), ANALYZE_FINDING_KNOTS);
	assert_int_equal(analyze_finding_kind_of("knot", 4), -1);
	assert_int_equal(analyze_finding_kind_of("", 0), -1);
}

static void test_findings__format_date(void **state)
{
	(void)state;
	char buf[16];
	analyze_format_date(0, buf, sizeof buf);
	assert_string_equal(buf, "1970-01-01");
	analyze_format_date(-1, buf, sizeof buf);
	assert_string_equal(buf, "1969-12-31");
	analyze_format_date(11016, buf, sizeof buf);
	assert_string_equal(buf, "2000-02-29");
	analyze_format_date(20788, buf, sizeof buf);
	assert_string_equal(buf, "2026-12-01");
	analyze_format_date(ANALYZE_NO_DATE, buf, sizeof buf);
	assert_string_equal(buf, "");
}

/*
 * 0 <-> 1 a knot; 2 -> 3 with 2 due later than 3 (conflict); 6 -> 7 with 6
 * undated, 7 dated (conflict); 8 -> 9 with 8 due earlier (fine); 4 -> 5
 * with 5 closed (closed-blocked, no conflict even though 5 is dated);
 * 10 closed -> 11 open (nothing).
 */
static void test_findings__each_kind(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {1, 0}, {2, 3}, {6, 7}, {8, 9}, {4, 5}, {10, 11}};
	struct analyze_graph *g = mk(12, e, sizeof e / sizeof e[0]);
	g->due[2] = 200;
	g->due[3] = 100;
	g->due[7] = 50;
	g->due[8] = 10;
	g->due[9] = 20;
	g->due[4] = 999;
	g->due[5] = 1;
	g->flags[5] &= (uint8_t)~ANALYZE_NODE_OPEN;
	g->flags[10] &= (uint8_t)~ANALYZE_NODE_OPEN;
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, NULL, &k), 0);
	struct analyze_findings_in in = {.g = g, .knots = k, .full = g};
	struct analyze_findings *f = NULL;
	assert_int_equal(analyze_findings(&in, &f), 0);
	assert_int_equal(f->count[ANALYZE_FINDING_KNOTS], 1);
	assert_int_equal(f->knots[0], 0);
	assert_int_equal(f->count[ANALYZE_FINDING_CONFLICTS], 2);
	assert_int_equal(f->conflicts[0].from, 2);
	assert_int_equal(f->conflicts[0].to, 3);
	assert_int_equal(f->conflicts[1].from, 6);
	assert_int_equal(f->conflicts[1].to, 7);
	assert_int_equal(f->count[ANALYZE_FINDING_CLOSED_BLOCKED], 1);
	assert_int_equal(f->closed_blocked[0].from, 4);
	assert_int_equal(f->closed_blocked[0].to, 5);
	analyze_findings_free(f);

	/* a scope: only {2, 3} (and what blocks them) */
	uint8_t keep[12] = {0};
	keep[2] = keep[3] = 1;
	in.keep = keep;
	in.keep_full = keep;
	assert_int_equal(analyze_findings(&in, &f), 0);
	assert_int_equal(f->count[ANALYZE_FINDING_KNOTS], 0);
	assert_int_equal(f->count[ANALYZE_FINDING_CONFLICTS], 1);
	assert_int_equal(f->count[ANALYZE_FINDING_CLOSED_BLOCKED], 0);
	analyze_findings_free(f);

	/* the graph of every issue is required */
	g->all_states = false;
	assert_int_equal(analyze_findings(&in, &f), ANALYZE_EINVAL);
	assert_null(f);
	analyze_findings_free(NULL);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

/* 0 <-> 1, 1 -> 2, 2 -> 3, 4 -> 4 (self), 5 -> 3, 6 closed -> 3. */
static void test_bottlenecks__exact(void **state)
{
	(void)state;
	static const uint32_t e[][2] = {{0, 1}, {1, 0}, {1, 2}, {2, 3}, {4, 4}, {5, 3}, {6, 3}};
	struct analyze_graph *g = mk(7, e, sizeof e / sizeof e[0]);
	g->flags[6] &= (uint8_t)~ANALYZE_NODE_OPEN;
	struct analyze_bottlenecks *b = NULL;
	struct analyze_bottleneck_opts o = {0};
	assert_int_equal(analyze_bottlenecks(g, NULL, &o, &b), 0);
	assert_false(b->estimated);
	/* 1: {0,2,3} directly {0,2}; 0: {1,2,3} directly {1}; 2: {3}; 5: {3} */
	assert_int_equal(b->count, 4);
	assert_int_equal(b->items[0].node, 1);
	assert_int_equal(b->items[0].blocks_transitively, 3);
	assert_int_equal(b->items[0].blocks_directly, 2);
	assert_int_equal(b->items[1].node, 0);
	assert_int_equal(b->items[1].blocks_transitively, 3);
	assert_int_equal(b->items[1].blocks_directly, 1);
	assert_int_equal(b->items[2].node, 2);
	assert_int_equal(b->items[3].node, 5);
	assert_int_equal(b->items[3].blocks_transitively, 1);
	analyze_bottlenecks_free(b);

	/* max, scope, and the critical path flag */
	struct analyze_steps *p = NULL;
	struct analyze_path_opts po = {.weight = ANALYZE_WEIGHT_COUNT,
				       .default_cost = 1,
				       .to = ANALYZE_NONE,
				       .milestone = ANALYZE_NONE};
	assert_int_equal(analyze_critical_path(g, NULL, &po, &p), 0);
	uint8_t keep[7] = {1, 1, 1, 1, 0, 0, 0};
	o.max = 2;
	o.keep = keep;
	o.path = p;
	assert_int_equal(analyze_bottlenecks(g, NULL, &o, &b), 0);
	assert_int_equal(b->count, 2);
	assert_int_equal(b->items[0].node, 1);
	assert_true(b->items[0].on_critical_path);
	assert_true(b->items[1].on_critical_path);
	analyze_bottlenecks_free(b);
	analyze_steps_free(p);
	analyze_graph_free(g);
}

/* A layered DAG big enough that the sketch is exercised: forced with a
 * tiny exact limit, the estimates stay near the exact counts. */
static void test_bottlenecks__estimate_near_exact(void **state)
{
	(void)state;
	const uint32_t n = 3000;
	size_t m = 0, cap = (size_t)n * 3;
	uint32_t(*e)[2] = malloc(cap * sizeof *e);
	uint64_t x = 12345;
	for (uint32_t v = 0; v + 1 < n; v++) {
		for (int j = 0; j < 2; j++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			uint32_t span = 1 + (uint32_t)((x >> 33) % 40);
			if (v + span < n)
				e[m][0] = v, e[m][1] = v + span, m++;
		}
	}
	struct analyze_graph *g = mk(n, (const uint32_t(*)[2])e, m);
	free(e);
	struct analyze_bottlenecks *exact = NULL, *est = NULL;
	struct analyze_bottleneck_opts o = {.max = n};
	assert_int_equal(analyze_bottlenecks(g, NULL, &o, &exact), 0);
	assert_false(exact->estimated);
	uint32_t *want = calloc(n, sizeof *want);
	for (uint32_t i = 0; i < exact->count; i++)
		want[exact->items[i].node] = exact->items[i].blocks_transitively;
	o.max = 50;
	o.exact_limit_bits = 1;
	assert_int_equal(analyze_bottlenecks(g, NULL, &o, &est), 0);
	assert_true(est->estimated);
	assert_int_equal(est->count, 50);
	assert_true(exact->items[0].blocks_transitively > 2000); /* big sets: the sketch matters */
	/* the listed counts are exact (refined), and the choice nearly so */
	uint32_t same = 0;
	for (uint32_t i = 0; i < est->count; i++) {
		assert_int_equal(est->items[i].blocks_transitively, want[est->items[i].node]);
		for (uint32_t j = 0; j < est->count; j++)
			same += exact->items[j].node == est->items[i].node;
	}
	assert_true(same >= 45);
	free(want);
	analyze_bottlenecks_free(exact);
	analyze_bottlenecks_free(est);
	analyze_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_findings__names),
	    cmocka_unit_test(test_findings__format_date),
	    cmocka_unit_test(test_findings__each_kind),
	    cmocka_unit_test(test_bottlenecks__exact),
	    cmocka_unit_test(test_bottlenecks__estimate_near_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
