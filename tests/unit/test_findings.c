/* Unit tests of analyze/findings.c: the findings and the bottlenecks, on
 * hand-made graphs (analyze_graph_from_edges, flags and dates set by hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze.h"
#include "store.h"

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

/* check and report read the store once: the analysed graph is taken from
 * the graph of every issue in memory. It must equal what the loader reads
 * itself: open nodes in ref order, their fields, the milestones of open
 * issues only (one milestone here has closed issues only), every project,
 * and the links between open issues (a self-link and a parallel link too). */
static void test_graph__open_part_equals_the_loaded_open_graph(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_findings.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/s.db", dir);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, path, STORE_OPEN_CREATE), 0);
	struct store_project pa = {.id = 1, .path = "g/b", .web_url = "https://h/g/b"};
	struct store_project pb = {.id = 2, .path = "g/a", .web_url = "https://h/g/a"};
	struct store_project pc = {.id = 3, .path = "g/empty", .web_url = "https://h/g/empty"};
	assert_int_equal(store_put_project(s, &pa), 0);
	assert_int_equal(store_put_project(s, &pb), 0);
	assert_int_equal(store_put_project(s, &pc), 0);
	static const char *const ms[] = {"m1", "m-closed-only", NULL, "m0"};
	for (int i = 0; i < 12; i++) {
		char url[64];
		snprintf(url, sizeof url, "https://h/i/%d", i + 1);
		bool closed = i % 3 == 1;
		const char *m = ms[i % 4];
		if (m && strcmp(m, "m-closed-only") == 0 && !closed)
			m = NULL;
		struct store_issue is = {
		    .id = i + 1,
		    .project_id = 1 + i % 2,
		    .iid = 12 - i,
		    .title = "t",
		    .state = closed ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
		    .has_weight = i % 2 == 0,
		    .weight = i,
		    .time_estimate = (i % 5) * 3600,
		    .total_time_spent = (i % 2) * 1800,
		    .milestone_title = m,
		    .milestone_due = m ? "2026-03-01" : NULL,
		    .due_date = i % 4 == 0 ? "2026-02-01" : NULL,
		    .labels_json = "[]",
		    .created_at = "2026-01-01T00:00:00Z",
		    .updated_at = "2026-01-01T00:00:00Z",
		    .closed_at = closed ? "2026-01-02T00:00:00Z" : NULL,
		    .web_url = url,
		};
		assert_int_equal(store_put_issue(s, &is), 0);
	}
	static const int links[][2] = {{1, 3}, {3, 1}, {3, 4}, {4, 5},	 {2, 3},   {5, 2},  {6, 6},
				       {7, 8}, {8, 9}, {9, 7}, {10, 11}, {11, 12}, {12, 1}, {1, 3}};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		struct store_link l = {.id = (int64_t)i + 1,
				       .source_id = links[i][0],
				       .target_id = links[i][1],
				       .type = STORE_LINK_BLOCKS};
		assert_int_equal(store_put_link(s, &l), 0);
	}
	/* text dependencies: one that doubles a link (both origins), one alone,
	 * one to a closed issue (left out of the open part) */
	struct store_text_dep td[] = {{1, 3, STORE_TEXT_BLOCKS, 1, "blocks"},
				      {1, 9, STORE_TEXT_BLOCKED_BY, 2, "blocked by"},
				      {1, 2, STORE_TEXT_BLOCKS, 3, "blocks"}};
	assert_int_equal(store_replace_text_deps_of(s, 1, td, 3), 0);
	assert_int_equal(store_mark_populated(s), 0);

	struct analyze_graph *loaded = NULL, *full = NULL, *part = NULL;
	struct analyze_load_opts open_only = {.all_states = false}, every = {.all_states = true};
	assert_int_equal(analyze_graph_load(&loaded, s, &open_only), 0);
	assert_int_equal(analyze_graph_load(&full, s, &every), 0);
	assert_int_equal(analyze_graph_open_part(full, &part), 0);
	assert_int_equal(analyze_graph_open_part(loaded, &(struct analyze_graph *){NULL}),
			 ANALYZE_EINVAL);

	assert_true(loaded->n > 0 && loaded->n < full->n);
	assert_int_equal(part->n, loaded->n);
	assert_int_equal(part->m, loaded->m);
	assert_false(part->all_states);
	size_t n = part->n;
	assert_memory_equal(part->issue_id, loaded->issue_id, n * sizeof *part->issue_id);
	assert_memory_equal(part->iid, loaded->iid, n * sizeof *part->iid);
	assert_memory_equal(part->flags, loaded->flags, n * sizeof *part->flags);
	assert_memory_equal(part->weight, loaded->weight, n * sizeof *part->weight);
	assert_memory_equal(part->remaining, loaded->remaining, n * sizeof *part->remaining);
	assert_memory_equal(part->milestone, loaded->milestone, n * sizeof *part->milestone);
	assert_memory_equal(part->due, loaded->due, n * sizeof *part->due);
	for (size_t v = 0; v < n; v++)
		assert_string_equal(part->project_path[part->project[v]],
				    loaded->project_path[loaded->project[v]]);
	assert_int_equal(part->n_milestones, loaded->n_milestones);
	assert_int_equal(analyze_find_milestone(part, "m-closed-only"), ANALYZE_NONE);
	for (uint32_t i = 0; i < part->n_milestones; i++)
		assert_string_equal(part->milestone_title[i], loaded->milestone_title[i]);
	assert_memory_equal(part->out_off, loaded->out_off, (n + 1) * sizeof *part->out_off);
	assert_memory_equal(part->out_adj, loaded->out_adj, part->m * sizeof *part->out_adj);
	assert_memory_equal(part->in_off, loaded->in_off, (n + 1) * sizeof *part->in_off);
	assert_memory_equal(part->in_adj, loaded->in_adj, part->m * sizeof *part->in_adj);
	/* each edge keeps where it comes from (link, text or both) */
	assert_non_null(part->out_origin);
	assert_memory_equal(part->out_origin, loaded->out_origin, part->m * sizeof *part->out_origin);
	bool text_seen = false;
	for (uint32_t e = 0; e < part->m; e++)
		text_seen |= (part->out_origin[e] & ANALYZE_ORIGIN_TEXT) != 0;
	assert_true(text_seen);

	analyze_graph_free(part);
	analyze_graph_free(full);
	analyze_graph_free(loaded);
	assert_int_equal(store_close(s), 0);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_graph__open_part_equals_the_loaded_open_graph),
	    cmocka_unit_test(test_findings__names),
	    cmocka_unit_test(test_findings__format_date),
	    cmocka_unit_test(test_findings__each_kind),
	    cmocka_unit_test(test_bottlenecks__exact),
	    cmocka_unit_test(test_bottlenecks__estimate_near_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
