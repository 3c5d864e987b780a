/* The graph image (store/graph_image.c, analyze/graph_image.c): a load
 * through the image gives exactly the SQL loader's graph, for every load
 * option, on random stores; every kind of write invalidates it; damaged,
 * truncated or foreign images are refused and the answer stays right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze_int.h"
#include "store.h"

static char tmpdir[256];
static char dbpath[320];
static struct store *st;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ig-test-graph-image-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[320];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void open_new(const char *name)
{
	snprintf(dbpath, sizeof dbpath, "%s/%s.db", tmpdir, name);
	unlink(dbpath);
	assert_int_equal(store_open(&st, dbpath, STORE_OPEN_CREATE), 0);
}

/* A small deterministic PRNG (the same stores on every run). */
static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t below)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % below);
}

static const char *const dates[] = {NULL, "2026-01-05", "2025-12-31", "not a date", "2026-02-30"};
static const char *const titles[] = {NULL, "M1", "M2", "\xc3\xa9t\xc3\xa9", "M1 ", "z"};

/* Random issues over a few projects (paths out of id order), random links
 * of both kinds (parallel, self, to missing issues) and text deps. */
static void fill_random(int n_issues, int n_links)
{
	assert_int_equal(store_begin(st), 0);
	static const char *const paths[] = {"z/last", "a/first", "m/mid", "a/first2"};
	for (int p = 0; p < 4; p++) {
		struct store_project pr = {100 - p, paths[p], NULL};
		assert_int_equal(store_put_project(st, &pr), 0);
	}
	for (int k = 1; k <= n_issues; k++) {
		struct store_issue is = {
		    .id = 1000 + k * 7 % (n_issues * 7 + 1),
		    .project_id = 100 - rnd(4),
		    .iid = k * 3 + (int)rnd(3),
		    .title = "t",
		    .state = rnd(3) ? STORE_STATE_OPENED : STORE_STATE_CLOSED,
		    .confidential = rnd(5) == 0,
		    .has_weight = rnd(2),
		    .weight = rnd(10),
		    .time_estimate = rnd(3) ? 0 : rnd(1000),
		    .total_time_spent = rnd(800),
		    .milestone_title = titles[rnd(6)],
		    .milestone_due = dates[rnd(5)],
		    .due_date = rnd(3) ? NULL : dates[rnd(5)],
		    .labels_json = "[]",
		};
		if (!is.milestone_title)
			is.milestone_due = NULL;
		assert_int_equal(store_put_issue(st, &is), 0);
	}
	for (int k = 1; k <= n_links; k++) {
		struct store_link l = {k, 1000 + (int64_t)rnd(n_issues * 7 + 20),
				       1000 + (int64_t)rnd(n_issues * 7 + 20),
				       rnd(4) ? STORE_LINK_BLOCKS : STORE_LINK_RELATES};
		/* a link to an issue the store lacks is refused: skip it */
		(void)store_put_link(st, &l);
	}
	for (int k = 1; k <= n_issues; k += 1 + (int)rnd(3)) {
		int64_t src = 1000 + k * 7 % (n_issues * 7 + 1);
		struct store_text_dep d[2] = {
		    {src, 1000 + (rnd(n_issues) + 1) * 7 % (n_issues * 7 + 1), STORE_TEXT_BLOCKS,
		     1 + rnd(5), "blocks"},
		    {src, 1000 + (rnd(n_issues) + 1) * 7 % (n_issues * 7 + 1),
		     STORE_TEXT_BLOCKED_BY, 1 + rnd(5), "blocked by"}};
		/* a self reference is refused: then that issue has none */
		(void)store_replace_text_deps_of(st, src, d, 1 + rnd(2));
	}
	assert_int_equal(store_commit(st), 0);
}

static void assert_same_graph(const struct analyze_graph *a, const struct analyze_graph *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->m, b->m);
	assert_int_equal(a->all_states, b->all_states);
	assert_int_equal(a->n_projects, b->n_projects);
	assert_int_equal(a->n_milestones, b->n_milestones);
	for (uint32_t i = 0; i < a->n_projects; i++) {
		assert_string_equal(a->project_path[i], b->project_path[i]);
		assert_int_equal(a->project_id[i], b->project_id[i]);
	}
	for (uint32_t i = 0; i < a->n_milestones; i++)
		assert_string_equal(a->milestone_title[i], b->milestone_title[i]);
	for (uint32_t v = 0; v < a->n; v++) {
		assert_int_equal(a->issue_id[v], b->issue_id[v]);
		assert_int_equal(a->iid[v], b->iid[v]);
		assert_int_equal(a->project[v], b->project[v]);
		assert_int_equal(a->flags[v], b->flags[v]);
		assert_int_equal(a->weight[v], b->weight[v]);
		assert_int_equal(a->remaining[v], b->remaining[v]);
		assert_int_equal(a->milestone[v], b->milestone[v]);
		assert_int_equal(a->due[v], b->due[v]);
	}
	for (uint32_t v = 0; v <= a->n; v++) {
		assert_int_equal(a->out_off[v], b->out_off[v]);
		assert_int_equal(a->in_off[v], b->in_off[v]);
	}
	assert_memory_equal(a->out_adj, b->out_adj, (size_t)a->m * sizeof *a->out_adj);
	assert_memory_equal(a->in_adj, b->in_adj, (size_t)a->m * sizeof *a->in_adj);
	assert_memory_equal(a->out_origin, b->out_origin, a->m);
}

static bool has_image(void)
{
	void *data = NULL;
	size_t len = 0;
	int64_t n = 0;
	assert_int_equal(store_image_begin(st), 0);
	assert_int_equal(store_image_read(st, &data, &len, &n), 0);
	assert_int_equal(store_image_end(st, true), 0);
	free(data);
	return data != NULL;
}

/* Every option the loader takes: the image path equals the SQL path. */
static void assert_loads_match(void)
{
	int64_t ignore[6] = {0};
	struct analyze_graph *full = NULL;
	struct analyze_load_opts all = {.all_states = true};
	assert_int_equal(analyze__graph_load_sql(&full, st, &all), 0);
	/* ignore: two real edges (when there are any) and one pair of strangers */
	size_t ni = 0;
	for (uint32_t u = 0; u < full->n && ni < 2; u++)
		if (full->out_off[u + 1] > full->out_off[u]) {
			ignore[2 * ni] = full->issue_id[u];
			ignore[2 * ni + 1] = full->issue_id[full->out_adj[full->out_off[u]]];
			ni++;
		}
	ignore[2 * ni] = 5, ignore[2 * ni + 1] = 6, ni++;
	analyze_graph_free(full);

	static const unsigned deps[] = {0, ANALYZE_DEPS_LINKS, ANALYZE_DEPS_TEXT, ANALYZE_DEPS_ALL};
	for (int round = 0; round < 2; round++) /* building the image, then reading it */
		for (int a = 0; a < 2; a++)
			for (size_t d = 0; d < 4; d++)
				for (int ig = 0; ig < 2; ig++) {
					struct analyze_load_opts o = {.all_states = a,
								      .deps = deps[d],
								      .ignore = ig ? ignore : NULL,
								      .n_ignore = ig ? ni : 0};
					struct analyze_graph *want = NULL, *got = NULL;
					assert_int_equal(analyze__graph_load_sql(&want, st, &o), 0);
					assert_int_equal(analyze_graph_load(&got, st, &o), 0);
					assert_same_graph(want, got);
					assert_true(has_image());
					analyze_graph_free(want);
					analyze_graph_free(got);
				}
}

static void test_image__equals_sql_loader_on_random_stores(void **state)
{
	(void)state;
	static const int sizes[][2] = {{0, 0}, {1, 2}, {12, 30}, {60, 150}, {300, 900}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		open_new("random");
		fill_random(sizes[i][0], sizes[i][1]);
		assert_false(has_image());
		assert_loads_match();
		assert_int_equal(store_close(st), 0);
	}
}

/* A write through sql on a second connection, as any other writer would. */
static void raw_sql(const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

static void write_kind(int kind)
{
	struct store_issue is = {.id = 5000,
				 .project_id = 100,
				 .iid = 9999,
				 .title = "new",
				 .state = STORE_STATE_OPENED,
				 .labels_json = "[]"};
	struct store_link l = {7777, 0, 5000, STORE_LINK_BLOCKS};
	struct analyze_graph *g = NULL;
	struct analyze_load_opts all = {.all_states = true};
	assert_int_equal(analyze__graph_load_sql(&g, st, &all), 0);
	int64_t a = g->issue_id[0], b = g->issue_id[g->n - 1], linked = 0;
	for (uint32_t u = 0; u < g->n && !linked; u++)
		for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
			if (g->out_origin[e] & ANALYZE_ORIGIN_LINK)
				linked = g->issue_id[u];
	assert_true(linked != 0);
	analyze_graph_free(g);
	switch (kind) {
	case 0: /* insert an issue */
		assert_int_equal(store_put_issue(st, &is), 0);
		break;
	case 1: { /* update an issue (fetch's upsert): close it */
		raw_sql(
		    "UPDATE issues SET state = 1 - state WHERE id = (SELECT min(id) FROM issues)");
		break;
	}
	case 2: /* delete an issue */
		assert_int_equal(store_delete_issue(st, b), 0);
		break;
	case 3: /* insert a link */
		l.source_id = a, l.target_id = b;
		assert_int_equal(store_put_link(st, &l), 0);
		break;
	case 4: /* replace an issue's links (fetch) */
		assert_int_equal(store_replace_links_of(st, linked, NULL, 0), 0);
		break;
	case 5: { /* text dependencies of an issue */
		struct store_text_dep d = {a, b, STORE_TEXT_BLOCKED_BY, 2, "blocked by"};
		assert_int_equal(store_replace_text_deps_of(st, a, &d, 1), 0);
		break;
	}
	case 6: { /* a project renamed (ref order changes) */
		raw_sql("UPDATE projects SET path = 'zz/renamed' WHERE id = 99");
		break;
	}
	case 7: /* a milestone's date moves */
		raw_sql(
		    "UPDATE issues SET milestone_due = '2030-01-01' WHERE milestone_title = 'M1'");
		break;
	case 8: /* a link's type changes behind our back */
		raw_sql("UPDATE links SET type = 3 - type WHERE id = (SELECT min(id) FROM links)");
		break;
	case 9: { /* an import replaces everything */
		static const char snap[] =
		    "{\"version\":1,\"source\":\"https://gl.example.com\","
		    "\"projects\":[{\"id\":5,\"path_with_namespace\":\"g/p\"}],"
		    "\"issues\":[{\"id\":1,\"project_id\":5,\"iid\":1,\"title\":\"a\",\"state\":"
		    "\"opened\"},{\"id\":2,\"project_id\":5,\"iid\":2,\"title\":\"b\",\"state\":"
		    "\"opened\"}],"
		    "\"links\":[{\"id\":7,\"source_issue_id\":2,\"target_issue_id\":1,"
		    "\"link_type\":\"blocks\"}]}";
		assert_int_equal(store_import_json(st, snap, strlen(snap)), 0);
		break;
	}
	case 10: /* a delete of a text dependency by hand */
		raw_sql("DELETE FROM text_deps WHERE source_id = (SELECT min(source_id) FROM "
			"text_deps)");
		break;
	case 11: /* fetch's upsert of an issue it has seen before: now closed */
		is.id = a;
		assert_int_equal(store_put_issue(st, &is), 0);
		is.state = STORE_STATE_CLOSED;
		assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
		analyze_graph_free(g);
		assert_true(has_image());
		assert_int_equal(store_put_issue(st, &is), 0);
		break;
	default:
		fail();
	}
}

static void test_image__every_write_invalidates_it(void **state)
{
	(void)state;
	for (int kind = 0; kind <= 11; kind++) {
		open_new("writes");
		rng = 1234567 + (uint64_t)kind;
		fill_random(80, 200);
		struct analyze_graph *g = NULL;
		assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
		analyze_graph_free(g);
		assert_true(has_image());
		write_kind(kind);
		if (has_image())
			fail_msg("write kind %d left the image in place", kind);
		assert_loads_match();
		assert_int_equal(store_close(st), 0);
	}
}

static void test_image__history_point_keeps_it_and_history_loads_use_sql(void **state)
{
	(void)state;
	open_new("history");
	fill_random(50, 120);
	assert_int_equal(store_history_record(st, STORE_HISTORY_FETCH), 0);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
	analyze_graph_free(g);
	assert_true(has_image());
	raw_sql("UPDATE issues SET state = 1 - state WHERE id = (SELECT max(id) FROM issues)");
	assert_int_equal(store_history_record(st, STORE_HISTORY_FETCH), 0);
	assert_false(has_image());
	assert_loads_match();
	/* a load at the first point is the graph before the change, not the image's */
	struct analyze_graph *then = NULL, *now = NULL;
	struct analyze_load_opts at = {.all_states = true, .at_point = 1};
	struct analyze_load_opts cur = {.all_states = true};
	assert_int_equal(analyze_graph_load(&then, st, &at), 0);
	assert_int_equal(analyze_graph_load(&now, st, &cur), 0);
	assert_int_equal(then->n, now->n);
	assert_true(memcmp(then->flags, now->flags, now->n) != 0);
	analyze_graph_free(then);
	analyze_graph_free(now);
	assert_int_equal(store_close(st), 0);
}

static void get_image(void **data, size_t *len, int64_t *n)
{
	assert_int_equal(store_image_begin(st), 0);
	assert_int_equal(store_image_read(st, data, len, n), 0);
	assert_int_equal(store_image_end(st, true), 0);
	assert_non_null(*data);
}

/* Put bytes in as the image of the store as it is (stamp matches). */
static void plant(const void *data, size_t len)
{
	assert_int_equal(store_image_begin(st), 0);
	assert_int_equal(store_image_write(st, data, len), 0);
	assert_int_equal(store_image_end(st, true), 0);
}

static void test_image__damaged_images_are_refused_and_answers_stay_right(void **state)
{
	(void)state;
	open_new("damaged");
	fill_random(60, 150);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
	analyze_graph_free(g);
	void *data = NULL;
	size_t len = 0;
	int64_t n = 0;
	get_image(&data, &len, &n);
	struct analyze__image img;
	assert_int_equal(analyze__image_decode(&img, data, len, n), 0);
	analyze__image_release(&img);
	/* the node count must be the store's */
	assert_int_equal(analyze__image_decode(&img, data, len, n + 1), ANALYZE_EINVAL);
	/* every truncation is refused */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(analyze__image_decode(&img, data, cut, n), ANALYZE_EINVAL);
	/* single bit flips: refused or decoded, never a crash; planted in the
	 * store, the load still gives the SQL answer whenever it is refused */
	unsigned char *bytes = malloc(len);
	assert_non_null(bytes);
	int refused = 0;
	for (size_t at = 0; at < len; at += 1 + rnd(7)) {
		memcpy(bytes, data, len);
		bytes[at] ^= (unsigned char)(1u << rnd(8));
		if (analyze__image_decode(&img, bytes, len, n) == 0) {
			analyze__image_release(&img);
			continue;
		}
		refused++;
		if (refused % 16 == 1) {
			plant(bytes, len);
			assert_loads_match();
		}
	}
	assert_true(refused > 0);
	/* specific damage that must be caught: an edge target out of range */
	{
		memcpy(bytes, data, len);
		struct analyze__image ok;
		assert_int_equal(analyze__image_decode(&ok, data, len, n), 0);
		size_t nn = ok.g->n, np = ok.g->n_projects;
		analyze__image_release(&ok);
		size_t off = 56 + 4 * ((nn * 8 + 7) / 8 * 8) + (np * 8 + 7) / 8 * 8 +
			     3 * ((nn * 4 + 7) / 8 * 8) + ((nn + 1) * 4 + 7) / 8 * 8;
		uint32_t big = (uint32_t)nn;
		memcpy(bytes + off, &big, 4); /* out_adj[0] */
		assert_int_equal(analyze__image_decode(&img, bytes, len, n), ANALYZE_EINVAL);
		plant(bytes, len);
		assert_loads_match();
		/* an edge offset past the edges, the next one back in range (the
		 * fuzzer's first find: each offset must be checked before use) */
		memcpy(bytes, data, len);
		size_t off_off = off - ((nn + 1) * 4 + 7) / 8 * 8;
		uint32_t past = 0xffff0000u;
		memcpy(bytes + off_off + 4, &past, 4); /* out_off[1] */
		assert_int_equal(analyze__image_decode(&img, bytes, len, n), ANALYZE_EINVAL);
	}
	/* garbage of the right length */
	for (size_t i = 0; i < len; i++)
		bytes[i] = (unsigned char)rnd(256);
	assert_int_equal(analyze__image_decode(&img, bytes, len, n), ANALYZE_EINVAL);
	plant(bytes, len);
	assert_loads_match();
	free(bytes);
	free(data);
	assert_int_equal(store_close(st), 0);
}

static void test_image__foreign_image_is_not_used(void **state)
{
	(void)state;
	/* store A's image row copied into store B: its stamp is A's data */
	char a_path[320];
	open_new("foreign_a");
	snprintf(a_path, sizeof a_path, "%s", dbpath);
	fill_random(40, 100);
	struct analyze_graph *g = NULL;
	assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
	analyze_graph_free(g);
	assert_int_equal(store_close(st), 0);
	open_new("foreign_b");
	fill_random(40, 100);
	char sql[800];
	snprintf(sql, sizeof sql,
		 "ATTACH '%s' AS a; INSERT INTO graph_image SELECT * FROM a.graph_image;", a_path);
	raw_sql(sql);
	assert_false(has_image());
	assert_loads_match();
	assert_int_equal(store_close(st), 0);
}

static void test_image__read_only_store_loads_without_writing(void **state)
{
	(void)state;
	open_new("readonly");
	fill_random(30, 60);
	assert_int_equal(store_close(st), 0);
	assert_int_equal(chmod(dbpath, 0444), 0);
	if (access(dbpath, W_OK) == 0) {
		/* root: permissions do not stop a write; nothing to check */
		chmod(dbpath, 0644);
		skip();
	}
	assert_int_equal(store_open(&st, dbpath, 0), 0);
	struct analyze_graph *g = NULL, *want = NULL;
	assert_int_equal(analyze_graph_load(&g, st, NULL), 0);
	assert_int_equal(analyze__graph_load_sql(&want, st, NULL), 0);
	assert_same_graph(want, g);
	analyze_graph_free(g);
	analyze_graph_free(want);
	assert_false(has_image());
	store_close(st);
	chmod(dbpath, 0644);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image__equals_sql_loader_on_random_stores),
	    cmocka_unit_test(test_image__every_write_invalidates_it),
	    cmocka_unit_test(test_image__history_point_keeps_it_and_history_loads_use_sql),
	    cmocka_unit_test(test_image__damaged_images_are_refused_and_answers_stay_right),
	    cmocka_unit_test(test_image__foreign_image_is_not_used),
	    cmocka_unit_test(test_image__read_only_store_loads_without_writing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
