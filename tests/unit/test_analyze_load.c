/* analyze: loading the analysed graph from a real store with links and
 * text dependencies, --deps choices, --ignore-deps pairs, origin bits and
 * where text evidence is written (analyze_text_in). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "store.h"

static char tmpdir[256];
static struct store *st;

/*
 * g/a#1..#5 are issues 11..15 (nodes 0..4 when all are in); #5 is closed.
 *   link  #1 blocks #2, #2 blocks #3
 *   text  #2: "blocked by #1" (line 3)   -> #1 -> #2, also a link
 *         #1: "blocks #2" (line 7)       -> the same edge, another holder
 *         #3: "blocks #1" (line 1)       -> #3 -> #1, text only
 *         #1: "blocked by #4" (line 2)   -> #4 -> #1, text only
 *         #5: "blocks #1" (line 4)       -> #5 (closed) -> #1
 */
static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ig-test-analyze-load-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char db[320];
	snprintf(db, sizeof db, "%s/s.db", tmpdir);
	if (store_open(&st, db, STORE_OPEN_CREATE) != 0)
		return -1;
	struct store_project p = {1, "g/a", NULL};
	if (store_put_project(st, &p))
		return -1;
	for (int k = 1; k <= 5; k++) {
		struct store_issue i = {.id = 10 + k,
					.project_id = 1,
					.iid = k,
					.title = "t",
					.state = k == 5 ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
					.labels_json = "[]"};
		if (store_put_issue(st, &i))
			return -1;
	}
	struct store_link l1 = {1, 11, 12, STORE_LINK_BLOCKS}, l2 = {2, 12, 13, STORE_LINK_BLOCKS};
	if (store_put_link(st, &l1) || store_put_link(st, &l2))
		return -1;
	struct store_text_dep of1[] = {{11, 12, STORE_TEXT_BLOCKS, 7, "blocks"},
				       {11, 14, STORE_TEXT_BLOCKED_BY, 2, "blocked by"}};
	struct store_text_dep of2[] = {{12, 11, STORE_TEXT_BLOCKED_BY, 3, "blocked by"}};
	struct store_text_dep of3[] = {{13, 11, STORE_TEXT_BLOCKS, 1, "blocks"}};
	struct store_text_dep of5[] = {{15, 11, STORE_TEXT_BLOCKS, 4, "blocks"}};
	if (store_replace_text_deps_of(st, 11, of1, 2) ||
	    store_replace_text_deps_of(st, 12, of2, 1) ||
	    store_replace_text_deps_of(st, 13, of3, 1) ||
	    store_replace_text_deps_of(st, 15, of5, 1))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(st);
	char cmd[320];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct analyze_graph *load(bool all_states, unsigned deps, const int64_t *ignore,
				  size_t n_ignore)
{
	struct analyze_graph *g = NULL;
	struct analyze_load_opts o = {
	    .all_states = all_states, .deps = deps, .ignore = ignore, .n_ignore = n_ignore};
	assert_int_equal(analyze_graph_load(&g, st, &o), 0);
	return g;
}

/* The edges as "from>to:origin" in CSR order, e.g. "0>1:3 1>2:1". */
static void edges_str(const struct analyze_graph *g, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (uint32_t u = 0; u < g->n; u++)
		for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
			at += (size_t)snprintf(buf + at, len - at, "%s%u>%u:%u", at ? " " : "", u,
					       g->out_adj[e], g->out_origin[e]);
}

static void assert_edges(const struct analyze_graph *g, const char *want)
{
	char buf[256];
	edges_str(g, buf, sizeof buf);
	assert_string_equal(buf, want);
	/* the in-lists hold the same edges */
	uint32_t m = 0;
	for (uint32_t v = 0; v < g->n; v++)
		for (uint32_t e = g->in_off[v]; e < g->in_off[v + 1]; e++, m++)
			assert_true(analyze_edge_origin(g, g->in_adj[e], v) != 0);
	assert_int_equal(m, g->m);
}

static void test_load__links_and_text_are_one_edge_with_both_origins(void **state)
{
	(void)state;
	struct analyze_graph *g = load(false, 0, NULL, 0);
	assert_int_equal(g->n, 4);
	assert_edges(g, "0>1:3 1>2:1 2>0:2 3>0:2");
	assert_int_equal(analyze_edge_origin(g, 0, 1), ANALYZE_ORIGIN_LINK | ANALYZE_ORIGIN_TEXT);
	assert_int_equal(analyze_edge_origin(g, 1, 0), 0);
	struct analyze_knots *k = NULL;
	assert_int_equal(analyze_knots(g, &k), 0);
	assert_int_equal(k->count, 1); /* #1 -> #2 -> #3 -> #1 */
	assert_int_equal(k->member_off[1], 3);
	analyze_knots_free(k);
	analyze_graph_free(g);
}

static void test_load__deps_choose_the_evidence(void **state)
{
	(void)state;
	struct analyze_graph *g = load(false, ANALYZE_DEPS_LINKS, NULL, 0);
	assert_edges(g, "0>1:1 1>2:1");
	uint32_t knots = 9;
	assert_int_equal(analyze_count_knots(g, &knots), 0);
	assert_int_equal(knots, 0);
	analyze_graph_free(g);
	g = load(false, ANALYZE_DEPS_TEXT, NULL, 0);
	assert_edges(g, "0>1:2 2>0:2 3>0:2");
	analyze_graph_free(g);
	g = load(false, ANALYZE_DEPS_ALL, NULL, 0);
	assert_edges(g, "0>1:3 1>2:1 2>0:2 3>0:2");
	analyze_graph_free(g);
	/* closed #5 comes in with --all-states, its text edge too */
	g = load(true, 0, NULL, 0);
	assert_int_equal(g->n, 5);
	assert_edges(g, "0>1:3 1>2:1 2>0:2 3>0:2 4>0:2");
	analyze_graph_free(g);
}

static void test_load__ignored_pairs_drop_every_origin(void **state)
{
	(void)state;
	/* #1 blocks #2 (link and text), #4 blocks #1 (text); unknown ids are fine;
	 * #2 blocks #1 is not an edge (direction matters) */
	const int64_t ignore[] = {11, 12, 999, 1000, 14, 11, 12, 11};
	struct analyze_graph *g = load(false, 0, ignore, 4);
	assert_edges(g, "1>2:1 2>0:2");
	analyze_graph_free(g);
	g = load(false, ANALYZE_DEPS_LINKS, ignore, 1);
	assert_edges(g, "1>2:1");
	analyze_graph_free(g);
}

static void test_text_in__holders_in_ref_order_then_line(void **state)
{
	(void)state;
	struct analyze_graph *g = load(false, 0, NULL, 0);
	struct analyze_text_in *t = NULL;
	uint32_t n = 0;
	assert_int_equal(analyze_text_in(st, g, 0, 1, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].holder, 0); /* #1, line 7: "blocks #2" */
	assert_int_equal(t[0].line, 7);
	assert_string_equal(t[0].phrase, "blocks");
	assert_int_equal(t[1].holder, 1); /* #2, line 3: "blocked by #1" */
	assert_int_equal(t[1].line, 3);
	assert_string_equal(t[1].phrase, "blocked by");
	free(t);
	assert_int_equal(analyze_text_in(st, g, 3, 0, &t, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(t[0].holder, 0); /* #1, line 2: "blocked by #4" */
	assert_int_equal(t[0].line, 2);
	free(t);
	/* a link-only edge has no text */
	assert_int_equal(analyze_text_in(st, g, 1, 2, &t, &n), 0);
	assert_int_equal(n, 0);
	assert_null(t);
	assert_int_equal(analyze_text_in(st, g, 1, 99, &t, &n), ANALYZE_EINVAL);
	analyze_graph_free(g);
}

static void test_from_edges__every_edge_is_a_link(void **state)
{
	(void)state;
	const uint32_t from[] = {0, 0, 1}, to[] = {1, 1, 0};
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_from_edges(&g, 2, from, to, 3), 0);
	assert_edges(g, "0>1:1 1>0:1");
	analyze_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load__links_and_text_are_one_edge_with_both_origins),
	    cmocka_unit_test(test_load__deps_choose_the_evidence),
	    cmocka_unit_test(test_load__ignored_pairs_drop_every_origin),
	    cmocka_unit_test(test_text_in__holders_in_ref_order_then_line),
	    cmocka_unit_test(test_from_edges__every_edge_is_a_link),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
