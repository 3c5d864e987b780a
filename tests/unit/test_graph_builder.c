/*
 * White-box unit tests of analyze's graph builder and id table
 * (analyze/internal/graph_builder.h): what the loader, the graph from plain
 * edges and the open part of a full graph are all put together with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyze.h"
#include "graph_builder.h"

/* Nodes 0..n-1 with fields derived from v, each different. */
static void set_nodes(struct analyze__builder *b, uint32_t n)
{
	for (uint32_t v = 0; v < n; v++) {
		struct analyze__node nd = {.issue_id = 100 + v, .iid = v + 1};
		nd.weight = 10 * (int64_t)v;
		nd.remaining = v % 2 ? ANALYZE_NO_VALUE : (int64_t)v;
		nd.milestone = ANALYZE_NONE;
		nd.due = 2000 + (int32_t)v;
		nd.flags = ANALYZE_NODE_OPEN;
		analyze__builder_set_node(b, v, &nd);
	}
}

static void assert_list(const uint32_t *off, const uint32_t *adj, uint32_t v, const uint32_t *want,
			uint32_t nwant)
{
	assert_int_equal(off[v + 1] - off[v], nwant);
	for (uint32_t j = 0; j < nwant; j++)
		assert_int_equal(adj[off[v] + j], want[j]);
}

/* Edges added in any order, some twice with other origins, and a self-link:
 * both directions come out ascending, a pair once with its origins or-ed. */
static void test_builder__csr_sorted_merged_both_ways(void **state)
{
	(void)state;
	struct analyze__builder b;
	assert_int_equal(analyze__builder_init(&b, 4, 1, 0, true), 0);
	assert_non_null(b.g->project_path[0] = strdup("p"));
	set_nodes(&b, 4);
	static const uint32_t e[][3] = {
	    {2, 0, ANALYZE_ORIGIN_LINK}, {0, 3, ANALYZE_ORIGIN_TEXT}, {0, 1, ANALYZE_ORIGIN_LINK},
	    {2, 0, ANALYZE_ORIGIN_TEXT}, {3, 3, ANALYZE_ORIGIN_LINK}, {0, 3, ANALYZE_ORIGIN_TEXT},
	    {1, 2, ANALYZE_ORIGIN_LINK},
	};
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
		assert_int_equal(analyze__builder_add_edge(&b, e[i][0], e[i][1], (uint8_t)e[i][2]),
				 0);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze__builder_finish(&b, &g), 0);
	assert_null(b.g);
	assert_non_null(g);
	assert_int_equal(g->n, 4);
	assert_int_equal(g->m, 5);
	assert_true(g->all_states);
	assert_list(g->out_off, g->out_adj, 0, (const uint32_t[]){1, 3}, 2);
	assert_list(g->out_off, g->out_adj, 1, (const uint32_t[]){2}, 1);
	assert_list(g->out_off, g->out_adj, 2, (const uint32_t[]){0}, 1);
	assert_list(g->out_off, g->out_adj, 3, (const uint32_t[]){3}, 1);
	assert_list(g->in_off, g->in_adj, 0, (const uint32_t[]){2}, 1);
	assert_list(g->in_off, g->in_adj, 1, (const uint32_t[]){0}, 1);
	assert_list(g->in_off, g->in_adj, 2, (const uint32_t[]){1}, 1);
	assert_list(g->in_off, g->in_adj, 3, (const uint32_t[]){0, 3}, 2);
	assert_int_equal(analyze_edge_origin(g, 2, 0), ANALYZE_ORIGIN_LINK | ANALYZE_ORIGIN_TEXT);
	assert_int_equal(analyze_edge_origin(g, 0, 3), ANALYZE_ORIGIN_TEXT);
	assert_int_equal(analyze_edge_origin(g, 0, 1), ANALYZE_ORIGIN_LINK);
	assert_int_equal(analyze_edge_origin(g, 1, 0), 0);
	assert_int_equal(g->issue_id[3], 103);
	assert_int_equal(g->iid[2], 3);
	assert_int_equal(g->weight[2], 20);
	assert_int_equal(g->remaining[2], 2);
	assert_int_equal(g->remaining[3], ANALYZE_NO_VALUE);
	assert_int_equal(g->due[1], 2001);
	assert_int_equal(g->milestone[0], ANALYZE_NONE);
	assert_string_equal(g->project_path[0], "p");
	analyze_graph_free(g);
}

/* Node fields go where they belong; tables are sized and zeroed. */
static void test_builder__nodes_and_tables(void **state)
{
	(void)state;
	struct analyze__builder b;
	assert_int_equal(analyze__builder_init(&b, 2, 3, 2, false), 0);
	assert_int_equal(b.g->n_projects, 3);
	assert_int_equal(b.g->n_milestones, 2);
	for (uint32_t i = 0; i < 3; i++)
		assert_null(b.g->project_path[i]);
	for (uint32_t i = 0; i < 2; i++)
		assert_null(b.g->milestone_title[i]);
	assert_non_null(b.g->milestone_title[1] = strdup("m2"));
	analyze__builder_set_node(&b, 1,
				  &(struct analyze__node){
				      .issue_id = 7,
				      .iid = 8,
				      .project = 2,
				      .flags = ANALYZE_NODE_CONFIDENTIAL,
				      .weight = 3,
				      .remaining = 4,
				      .milestone = 1,
				      .due = 5,
				  });
	set_nodes(&b, 1);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze__builder_finish(&b, &g), 0);
	assert_false(g->all_states);
	assert_int_equal(g->m, 0);
	assert_int_equal(g->out_off[2], 0);
	assert_int_equal(g->in_off[2], 0);
	assert_int_equal(g->issue_id[1], 7);
	assert_int_equal(g->iid[1], 8);
	assert_int_equal(g->project[1], 2);
	assert_int_equal(g->flags[1], ANALYZE_NODE_CONFIDENTIAL);
	assert_int_equal(g->weight[1], 3);
	assert_int_equal(g->remaining[1], 4);
	assert_int_equal(g->milestone[1], 1);
	assert_int_equal(g->due[1], 5);
	assert_int_equal(g->issue_id[0], 100);
	assert_string_equal(g->milestone_title[1], "m2");
	analyze_graph_free(g);
}

/* Many edges without a reservation: the edge arrays grow; reserving keeps
 * what was added. An unfinished builder frees all (the sanitizer run). */
static void test_builder__grows_and_releases(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct analyze__builder b;
	assert_int_equal(analyze__builder_init(&b, N, 1, 0, true), 0);
	assert_non_null(b.g->project_path[0] = strdup("p"));
	set_nodes(&b, N);
	for (uint32_t v = N - 1; v > 0; v--)
		assert_int_equal(analyze__builder_add_edge(&b, v, v - 1, ANALYZE_ORIGIN_LINK), 0);
	assert_int_equal(analyze__builder_reserve(&b, 4 * N), 0);
	assert_int_equal(b.m, N - 1);
	for (uint32_t v = 1; v < N; v++)
		assert_int_equal(analyze__builder_add_edge(&b, v, v - 1, ANALYZE_ORIGIN_TEXT), 0);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze__builder_finish(&b, &g), 0);
	assert_int_equal(g->m, N - 1);
	for (uint32_t v = 1; v < N; v++) {
		assert_list(g->out_off, g->out_adj, v, (const uint32_t[]){v - 1}, 1);
		assert_int_equal(analyze_edge_origin(g, v, v - 1),
				 ANALYZE_ORIGIN_LINK | ANALYZE_ORIGIN_TEXT);
	}
	analyze_graph_free(g);

	assert_int_equal(analyze__builder_init(&b, 5, 2, 1, true), 0);
	assert_non_null(b.g->project_path[1] = strdup("q"));
	assert_non_null(b.g->milestone_title[0] = strdup("m"));
	assert_int_equal(analyze__builder_add_edge(&b, 0, 4, ANALYZE_ORIGIN_LINK), 0);
	analyze__builder_release(&b);
	assert_null(b.g);
	analyze__builder_release(&b); /* twice is harmless */
}

static void test_builder__empty_graph(void **state)
{
	(void)state;
	struct analyze__builder b;
	assert_int_equal(analyze__builder_init(&b, 0, 0, 0, true), 0);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze__builder_finish(&b, &g), 0);
	assert_non_null(g);
	assert_int_equal(g->n, 0);
	assert_int_equal(g->m, 0);
	assert_int_equal(g->out_off[0], 0);
	analyze_graph_free(g);
	assert_int_equal(analyze__builder_init(&b, UINT32_MAX, 0, 0, true), ANALYZE_EINVAL);
	assert_null(b.g);
}

/* Ids that collide in the table's low bits, negative ids, misses. */
static void test_id_table__put_get_and_miss(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct analyze__id_table t;
	assert_int_equal(analyze__id_table_init(&t, N), 0);
	assert_true(t.mask + 1 >= 2 * N);
	for (uint32_t i = 0; i < N; i++)
		analyze__id_table_put(&t, (int64_t)i * 65536 - 1000, i);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(analyze__id_table_get(&t, (int64_t)i * 65536 - 1000), i);
	assert_int_equal(analyze__id_table_get(&t, 7), ANALYZE_NONE);
	assert_int_equal(analyze__id_table_get(&t, (int64_t)N * 65536 - 1000), ANALYZE_NONE);
	assert_ptr_equal(analyze__id_table_slot(&t, 42), &t.slots[analyze__mix64(42) & t.mask]);
	analyze__id_table_release(&t);
	assert_null(t.slots);

	assert_int_equal(analyze__id_table_init(&t, 0), 0);
	assert_int_equal(analyze__id_table_get(&t, 1), ANALYZE_NONE);
	analyze__id_table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builder__csr_sorted_merged_both_ways),
	    cmocka_unit_test(test_builder__nodes_and_tables),
	    cmocka_unit_test(test_builder__grows_and_releases),
	    cmocka_unit_test(test_builder__empty_graph),
	    cmocka_unit_test(test_id_table__put_get_and_miss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
