/* store: open/classify/migrate, records, crawl state, refs. Real SQLite
 * files in a temporary directory. */
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

#include "store.h"

static char tmpdir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ig-test-store-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	(void)state;
	char cmd[320];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *name)
{
	static char buf[4][320];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static void assert_same_bytes(const char *p, const char *before, size_t before_len)
{
	size_t len = 0;
	char *now = slurp(p, &len);
	assert_int_equal(len, before_len);
	assert_memory_equal(now, before, len);
	free(now);
}

static void assert_no_side_files(const char *db)
{
	char p[400];
	snprintf(p, sizeof p, "%s-wal", db);
	assert_false(exists(p));
	snprintf(p, sizeof p, "%s-shm", db);
	assert_false(exists(p));
}

static void sql(sqlite3 *db, const char *q)
{
	char *err = NULL;
	if (sqlite3_exec(db, q, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", q, err);
}

static int64_t sql_int(const char *dbpath, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* ---- records round trip -------------------------------------------------- */

static const struct store_issue full_issue = {
    .id = 84,
    .project_id = 4,
    .iid = 14,
    .title = "Issues with auth \xc3\xa9",
    .state = STORE_STATE_CLOSED,
    .confidential = true,
    .has_weight = true,
    .weight = 3,
    .time_estimate = 3600,
    .total_time_spent = 60,
    .milestone_title = "v1.0",
    .milestone_due = "2026-12-01",
    .due_date = "2026-11-30",
    .labels_json = "[\"bug\",\"P1\"]",
    .created_at = "2026-01-07T12:44:33.959Z",
    .updated_at = "2026-01-08T12:44:33.959Z",
    .closed_at = "2026-01-09T00:00:00Z",
    .web_url = "https://gitlab.example.com/group/app/-/issues/14",
};

static void assert_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static int check_full_issue(void *ctx, const struct store_issue *i)
{
	int *seen = ctx;
	const struct store_issue *e = &full_issue;
	if (i->id != 84)
		return 0;
	(*seen)++;
	assert_int_equal(i->project_id, e->project_id);
	assert_int_equal(i->iid, e->iid);
	assert_str(i->title, e->title);
	assert_int_equal(i->state, e->state);
	assert_true(i->confidential);
	assert_true(i->has_weight);
	assert_int_equal(i->weight, 3);
	assert_int_equal(i->time_estimate, 3600);
	assert_int_equal(i->total_time_spent, 60);
	assert_str(i->milestone_title, e->milestone_title);
	assert_str(i->milestone_due, e->milestone_due);
	assert_str(i->due_date, e->due_date);
	assert_str(i->labels_json, e->labels_json);
	assert_str(i->created_at, e->created_at);
	assert_str(i->updated_at, e->updated_at);
	assert_str(i->closed_at, e->closed_at);
	assert_str(i->web_url, e->web_url);
	return 0;
}

static int check_sparse_issue(void *ctx, const struct store_issue *i)
{
	(void)ctx;
	assert_int_equal(i->id, 85);
	assert_false(i->has_weight);
	assert_false(i->confidential);
	assert_int_equal(i->state, STORE_STATE_OPENED);
	assert_null(i->milestone_title);
	assert_null(i->milestone_due);
	assert_null(i->due_date);
	assert_string_equal(i->labels_json, "[]");
	assert_null(i->closed_at);
	assert_null(i->web_url);
	return 0;
}

static int count_cb(void *ctx, const void *rec)
{
	(void)rec;
	(*(int *)ctx)++;
	return 0;
}

static int project_cb(void *ctx, const struct store_project *p)
{
	return count_cb(ctx, p);
}

struct link_log {
	struct store_link l[8];
	int n;
};

static int link_cb(void *ctx, const struct store_link *l)
{
	struct link_log *log = ctx;
	if (log->n < 8)
		log->l[log->n] = *l;
	log->n++;
	return 0;
}

static void put_fixture(struct store *s)
{
	struct store_project p = {4, "group/app", "https://gitlab.example.com/group/app"};
	struct store_project q = {7, "group/sub/lib", NULL};
	assert_int_equal(store_put_project(s, &p), 0);
	assert_int_equal(store_put_project(s, &q), 0);
	assert_int_equal(store_put_issue(s, &full_issue), 0);
	struct store_issue sparse = {
	    .id = 85, .project_id = 7, .iid = 1, .title = "t", .labels_json = "[]"};
	assert_int_equal(store_put_issue(s, &sparse), 0);
	struct store_issue third = {.id = 86, .project_id = 7, .iid = 2, .title = "u"};
	assert_int_equal(store_put_issue(s, &third), 0);
	struct store_link blocks = {10, 84, 85, STORE_LINK_BLOCKS};
	struct store_link relates = {11, 86, 84, STORE_LINK_RELATES}; /* normalised to 84-86 */
	assert_int_equal(store_put_link(s, &blocks), 0);
	assert_int_equal(store_put_link(s, &relates), 0);
}

static void test_store__round_trips_every_field(void **state)
{
	(void)state;
	const char *db = path_in("round.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	put_fixture(s);
	assert_int_equal(store_close(s), 0);
	assert_no_side_files(db);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(db, "PRAGMA application_id"), 0x49475248);

	assert_int_equal(store_open(&s, db, 0), 0);
	int seen = 0;
	assert_int_equal(store_get_issue(s, 84, check_full_issue, &seen), 0);
	assert_int_equal(store_each_issue(s, check_full_issue, &seen), 0);
	assert_int_equal(seen, 2);
	assert_int_equal(store_get_issue(s, 85, check_sparse_issue, NULL), 0);
	assert_int_equal(store_get_issue(s, 999, check_sparse_issue, NULL), STORE_ENOTFOUND);
	int n = 0;
	assert_int_equal(store_each_project(s, project_cb, &n), 0);
	assert_int_equal(n, 2);
	struct link_log log = {0};
	assert_int_equal(store_each_link(s, link_cb, &log), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.l[0].id, 10);
	assert_int_equal(log.l[1].source_id, 84);
	assert_int_equal(log.l[1].target_id, 86);
	assert_int_equal(log.l[1].type, STORE_LINK_RELATES);
	int64_t id = 0;
	assert_int_equal(store_find_issue(s, "group/sub/lib", 2, &id), 0);
	assert_int_equal(id, 86);
	assert_int_equal(store_find_issue(s, "group/sub/lib", 3, &id), STORE_ENOTFOUND);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.projects, 2);
	assert_int_equal(c.issues_opened, 2);
	assert_int_equal(c.issues_closed, 1);
	assert_int_equal(c.links_blocks, 1);
	assert_int_equal(c.links_relates, 1);
	assert_int_equal(store_close(s), 0);
	assert_no_side_files(db);
}

struct brief_sum {
	int issues, weighted, links;
	int64_t id_sum;
};

static int brief_issue(void *ctx, const struct store_issue *i)
{
	struct brief_sum *b = ctx;
	b->issues++;
	b->weighted += i->has_weight;
	b->id_sum += i->id;
	if (i->id == 84) {
		assert_string_equal(i->milestone_title, "v1.0");
		assert_string_equal(i->due_date, "2026-11-30");
		assert_int_equal(i->time_estimate, 3600);
	}
	return 0;
}

static int brief_link(void *ctx, const struct store_link *l)
{
	struct brief_sum *b = ctx;
	b->links++;
	return l->id == 11 ? 7 : 0; /* a non-zero return stops the walk */
}

static void test_store__fast_paths_and_updates(void **state)
{
	(void)state;
	const char *db = path_in("fast.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE), 0);
	put_fixture(s);
	struct brief_sum b = {0};
	assert_int_equal(store_each_issue_brief(s, 0, brief_issue, &b), 0);
	assert_int_equal(b.issues, 3);
	assert_int_equal(b.weighted, 1);
	assert_int_equal(b.id_sum, 84 + 85 + 86);
	assert_int_equal(store_each_link_fast(s, 0, brief_link, &b), 7);

	/* The filters narrow in SQL: 84 (the fixture) and now 86 are closed;
	 * and each link type. */
	struct store_issue closed = {.id = 86,
				     .project_id = 7,
				     .iid = 2,
				     .title = "u",
				     .state = STORE_STATE_CLOSED,
				     .labels_json = "[]"};
	assert_int_equal(store_put_issue(s, &closed), 0);
	memset(&b, 0, sizeof b);
	assert_int_equal(store_each_issue_brief(s, STORE_WALK_OPEN_ONLY, brief_issue, &b), 0);
	assert_int_equal(b.issues, 1);
	assert_int_equal(b.id_sum, 85);
	memset(&b, 0, sizeof b);
	assert_int_equal(store_each_link_fast(s, STORE_WALK_BLOCKS_ONLY, brief_link, &b), 0);
	assert_int_equal(b.links, 1);
	memset(&b, 0, sizeof b);
	assert_int_equal(store_each_link_fast(s, STORE_WALK_RELATES_ONLY, brief_link, &b), 7);
	assert_int_equal(b.links, 1);

	/* Updating an issue keeps its links (an upsert, not a delete). */
	struct store_issue changed = full_issue;
	changed.title = "renamed";
	changed.has_weight = false;
	assert_int_equal(store_put_issue(s, &changed), 0);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.links_blocks + c.links_relates, 2);

	/* Bad references are bad input and change nothing. */
	struct store_issue orphan = {.id = 99, .project_id = 1234, .iid = 1, .title = "x"};
	assert_int_equal(store_put_issue(s, &orphan), STORE_EINVAL);
	assert_non_null(strstr(store_errmsg(s), "1234"));
	struct store_link dangling = {20, 84, 4242, STORE_LINK_BLOCKS};
	assert_int_equal(store_put_link(s, &dangling), STORE_EINVAL);

	/* replace_links_of is all or nothing. */
	struct store_link repl[2] = {{30, 85, 86, STORE_LINK_BLOCKS},
				     {31, 85, 4242, STORE_LINK_BLOCKS}};
	assert_int_equal(store_replace_links_of(s, 85, repl, 2), STORE_EINVAL);
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.links_blocks, 1);
	assert_int_equal(store_replace_links_of(s, 85, repl, 1), 0);
	struct link_log log = {0};
	assert_int_equal(store_each_link(s, link_cb, &log), 0);
	assert_int_equal(log.n, 2); /* 11 (84-86) and 30; 10 (84->85) is gone */
	assert_int_equal(log.l[0].id, 11);
	assert_int_equal(log.l[1].id, 30);

	/* Deleting an issue removes its links. */
	assert_int_equal(store_delete_issue(s, 86), 0);
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.links_blocks + c.links_relates, 0);

	/* Transactions. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_delete_issue(s, 85), 0);
	assert_int_equal(store_rollback(s), 0);
	assert_int_equal(store_get_issue(s, 85, check_sparse_issue, NULL), 0);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_begin(s), STORE_ERR);
	assert_int_equal(store_delete_issue(s, 85), 0);
	assert_int_equal(store_commit(s), 0);
	assert_int_equal(store_get_issue(s, 85, check_sparse_issue, NULL), STORE_ENOTFOUND);
	assert_int_equal(store_close(s), 0);
	assert_no_side_files(db);
}

struct id_log {
	int64_t id[8];
	int n;
};

static int log_id(void *ctx, const struct store_issue *i)
{
	struct id_log *l = ctx;
	if (l->n < 8)
		l->id[l->n] = i->id;
	l->n++;
	return 0;
}

/* The named issues, once each, ascending; by look-up for a short list and
 * by one scan for a long one (over 20000 ids), with the same answer. */
static void test_store__get_issues_hands_each_named_issue_once(void **state)
{
	(void)state;
	const char *db = path_in("getissues.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	put_fixture(s);
	const int64_t few[] = {86, 999, 84, 86};
	struct id_log l = {0};
	assert_int_equal(store_get_issues(s, few, 4, log_id, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.id[0], 84);
	assert_int_equal(l.id[1], 86);
	memset(&l, 0, sizeof l);
	assert_int_equal(store_get_issues(s, few, 0, log_id, &l), 0);
	assert_int_equal(l.n, 0);

	size_t n = 30000;
	int64_t *many = malloc(n * sizeof *many);
	assert_non_null(many);
	for (size_t i = 0; i < n; i++)
		many[i] = 100000 + (int64_t)i;
	many[7] = 85;
	many[n - 1] = 86;
	memset(&l, 0, sizeof l);
	assert_int_equal(store_get_issues(s, many, n, log_id, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.id[0], 85);
	assert_int_equal(l.id[1], 86);
	free(many);
	assert_int_equal(store_close(s), 0);
}

static void test_store__meta_instance_populated_and_crawl_state(void **state)
{
	(void)state;
	const char *db = path_in("meta.db");
	struct store *s = NULL;
	char *v = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_require_populated(s), STORE_EEMPTY);
	assert_int_equal(store_get_instance(s, &v), 0);
	assert_null(v);
	assert_int_equal(store_set_instance(s, "https://a.example.com"), 0);
	assert_int_equal(store_set_instance(s, "https://a.example.com"), 0);
	assert_int_equal(store_set_instance(s, "https://b.example.com"), STORE_EINSTANCE);
	assert_int_equal(store_get_instance(s, &v), 0);
	assert_string_equal(v, "https://a.example.com");
	free(v);
	assert_int_equal(store_mark_populated(s), 0);
	assert_int_equal(store_require_populated(s), 0);

	const struct store_seed seeds[] = {
	    {STORE_SEED_PROJECT, "g/a"}, {STORE_SEED_ISSUE, "g/b#3"}, {STORE_SEED_GROUP, "g"}};
	assert_int_equal(store_seeds_set(s, seeds, 3), 0);
	char **got = NULL;
	assert_int_equal(store_get_seeds(s, &got), 0);
	assert_string_equal(got[0], "--project g/a");
	assert_string_equal(got[2], "--group g");
	assert_null(got[3]);
	store_strv_free(got);
	store_strv_free(NULL);

	struct store_fetch_info fi;
	assert_int_equal(store_get_fetch_info(s, &fi), 0);
	assert_null(fi.started_at);
	assert_false(fi.completed);
	assert_int_equal(store_meta_set(s, "fetch.started_at", "2026-11-23T10:00:00Z"), 0);
	assert_int_equal(store_meta_set(s, "fetch.completed", "1"), 0);
	assert_int_equal(store_get_fetch_info(s, &fi), 0);
	assert_string_equal(fi.started_at, "2026-11-23T10:00:00Z");
	assert_true(fi.completed);
	free(fi.started_at);

	struct store_project p = {4, "g/a", NULL};
	assert_int_equal(store_put_project(s, &p), 0);
	assert_int_equal(store_meta_set(s, "keep.me", "x"), 0);
	store_close(s);
	/* crawl_projects is written by fetch; here by hand. */
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "INSERT INTO crawl_projects(project_id, is_seed) VALUES(9, 1), (4, 1), (5, 0)");
	sqlite3_close(raw);

	assert_int_equal(store_open(&s, db, 0), 0);
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_seed_projects(s, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 4);
	assert_int_equal(ids[1], 9);
	free(ids);

	assert_int_equal(store_clear(s), 0);
	assert_int_equal(store_require_populated(s), STORE_EEMPTY);
	assert_int_equal(store_get_instance(s, &v), 0);
	assert_null(v);
	assert_int_equal(store_get_seeds(s, &got), 0);
	assert_null(got[0]);
	store_strv_free(got);
	assert_int_equal(store_seed_projects(s, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(store_get_fetch_info(s, &fi), 0);
	assert_null(fi.started_at);
	assert_int_equal(store_meta_get(s, "keep.me", &v), 0);
	assert_string_equal(v, "x");
	free(v);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.projects, 0);
	store_close(s);
}

/* ---- migration -------------------------------------------------------------- */

static void test_store__migrates_a_version_1_file(void **state)
{
	(void)state;
	const char *db = path_in("v1.db");
	size_t len = 0;
	char *schema = slurp(IG_SOURCE_DIR "/tests/fixtures/schema_v1.sql", &len);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, schema);
	free(schema);
	sql(raw,
	    "INSERT INTO projects VALUES(4, 'group/app', NULL);"
	    "INSERT INTO issues(id, project_id, iid, title, state, confidential, weight, "
	    "labels) VALUES(84, 4, 14, 'old', 0, 0, 5, '[\"x\"]'), "
	    "(85, 4, 15, 'older', 1, 1, NULL, '[]');"
	    "INSERT INTO links VALUES(1, 84, 85, 1);"
	    "INSERT INTO meta VALUES('populated', '1'), ('instance', 'https://old.example.com');");
	sqlite3_close(raw);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 1);

	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, 0), 0);
	assert_int_equal(store_require_populated(s), 0);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.issues_opened, 1);
	assert_int_equal(c.issues_closed, 1);
	assert_int_equal(c.links_blocks, 1);
	const struct store_seed seeds[] = {{STORE_SEED_PROJECT, "group/app"}};
	assert_int_equal(store_seeds_set(s, seeds, 1), 0);
	assert_int_equal(c.text_deps, 0);
	struct store_text_dep td = {85, 84, STORE_TEXT_BLOCKED_BY, 2, "blocked by"};
	assert_int_equal(store_replace_text_deps_of(s, 85, &td, 1), 0); /* a v3 table works */
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.text_deps, 1);
	store_close(s);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(sql_int(db, "SELECT weight FROM issues WHERE id = 84"), 5);

	/* The migrated schema is exactly the schema of a new store, so the
	 * fixture and the first migration are the same SQL. */
	const char *fresh = path_in("fresh.db");
	assert_int_equal(store_open(&s, fresh, STORE_OPEN_CREATE), 0);
	store_close(s);
	sqlite3 *a = NULL, *b = NULL;
	sqlite3_stmt *sa = NULL, *sb = NULL;
	const char *q = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name";
	assert_int_equal(sqlite3_open(db, &a), SQLITE_OK);
	assert_int_equal(sqlite3_open(fresh, &b), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(a, q, -1, &sa, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(b, q, -1, &sb, NULL), SQLITE_OK);
	int rows = 0;
	for (;;) {
		int ra = sqlite3_step(sa), rb = sqlite3_step(sb);
		assert_int_equal(ra, rb);
		if (ra != SQLITE_ROW)
			break;
		rows++;
		for (int k = 0; k < 4; k++) {
			const char *x = (const char *)sqlite3_column_text(sa, k);
			const char *y = (const char *)sqlite3_column_text(sb, k);
			assert_str(x, y);
		}
	}
	assert_true(rows >= 10);
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);
	sqlite3_close(a);
	sqlite3_close(b);
}

/* ---- text dependencies ------------------------------------------------------ */

struct dep_log {
	struct store_text_dep d[16];
	char phrase[16][32];
	int n;
};

static int dep_cb(void *ctx, const struct store_text_dep *d)
{
	struct dep_log *log = ctx;
	if (log->n < 16) {
		log->d[log->n] = *d;
		snprintf(log->phrase[log->n], sizeof log->phrase[log->n], "%s", d->phrase);
		log->d[log->n].phrase = log->phrase[log->n];
	}
	log->n++;
	return 0;
}

static void assert_dep(const struct dep_log *log, int k, int64_t src, int64_t dst,
		       enum store_text_type type, int64_t line, const char *phrase)
{
	assert_true(k < log->n);
	assert_int_equal(log->d[k].source_id, src);
	assert_int_equal(log->d[k].target_id, dst);
	assert_int_equal(log->d[k].type, type);
	assert_int_equal(log->d[k].line, line);
	assert_string_equal(log->d[k].phrase, phrase);
}

static void test_store__text_deps_replace_merge_sort_and_count(void **state)
{
	(void)state;
	const char *db = path_in("textdeps.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	put_fixture(s); /* issues 84, 85, 86 */
	struct store_text_dep of84[] = {
	    {84, 86, STORE_TEXT_BLOCKS, 9, "blocks"},
	    {84, 85, STORE_TEXT_BLOCKED_BY, 7, "depends on"},
	    {84, 85, STORE_TEXT_BLOCKED_BY, 3, "blocked by"}, /* same dep: line 3 kept */
	    {84, 85, STORE_TEXT_BLOCKED_BY, 5, "needs"},
	    {84, 85, STORE_TEXT_BLOCKS, 4, "required by"},
	};
	assert_int_equal(store_replace_text_deps_of(s, 84, of84, 5), 0);
	/* 86 says it is blocked by 84: the same pair as 84 blocks 86. */
	struct store_text_dep of86[] = {{86, 84, STORE_TEXT_BLOCKED_BY, 1, "requires"}};
	assert_int_equal(store_replace_text_deps_of(s, 86, of86, 1), 0);

	struct dep_log log = {0};
	assert_int_equal(store_each_text_dep(s, dep_cb, &log), 0);
	assert_int_equal(log.n, 4);
	assert_dep(&log, 0, 84, 85, STORE_TEXT_BLOCKS, 4, "required by");
	assert_dep(&log, 1, 84, 85, STORE_TEXT_BLOCKED_BY, 3, "blocked by");
	assert_dep(&log, 2, 84, 86, STORE_TEXT_BLOCKS, 9, "blocks");
	assert_dep(&log, 3, 86, 84, STORE_TEXT_BLOCKED_BY, 1, "requires");

	/* Distinct pairs: 84->85, 85->84, 84->86 (written twice). */
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.text_deps, 3);

	/* The evidence for "84 blocks 86", from both descriptions. */
	memset(&log, 0, sizeof log);
	assert_int_equal(store_each_text_dep_of_pair(s, 84, 86, dep_cb, &log), 0);
	assert_int_equal(log.n, 2);
	assert_dep(&log, 0, 84, 86, STORE_TEXT_BLOCKS, 9, "blocks");
	assert_dep(&log, 1, 86, 84, STORE_TEXT_BLOCKED_BY, 1, "requires");
	memset(&log, 0, sizeof log);
	assert_int_equal(store_each_text_dep_of_pair(s, 86, 84, dep_cb, &log), 0);
	assert_int_equal(log.n, 0);

	/* A re-read replaces only what 84's description holds. */
	struct store_text_dep again[] = {{84, 85, STORE_TEXT_BLOCKS, 2, "blocks"}};
	assert_int_equal(store_replace_text_deps_of(s, 84, again, 1), 0);
	memset(&log, 0, sizeof log);
	assert_int_equal(store_each_text_dep(s, dep_cb, &log), 0);
	assert_int_equal(log.n, 2);
	assert_dep(&log, 0, 84, 85, STORE_TEXT_BLOCKS, 2, "blocks");
	assert_dep(&log, 1, 86, 84, STORE_TEXT_BLOCKED_BY, 1, "requires");
	store_close(s);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM text_deps"), 2);
}

static void test_store__text_deps_refuse_bad_input_and_change_nothing(void **state)
{
	(void)state;
	const char *db = path_in("textbad.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	put_fixture(s);
	struct store_text_dep good = {84, 85, STORE_TEXT_BLOCKS, 1, "blocks"};
	assert_int_equal(store_replace_text_deps_of(s, 84, &good, 1), 0);
	struct store_text_dep bad[][2] = {
	    {good, {84, 84, STORE_TEXT_BLOCKS, 1, "blocks"}},	    /* self */
	    {good, {84, 999, STORE_TEXT_BLOCKED_BY, 1, "needs"}},   /* missing target */
	    {good, {84, 86, (enum store_text_type)3, 1, "blocks"}}, /* relates_to-ish */
	    {good, {84, 86, STORE_TEXT_BLOCKS, 0, "blocks"}},	    /* line 0 */
	    {good, {84, 86, STORE_TEXT_BLOCKS, 1, NULL}},	    /* no phrase */
	    {good, {85, 86, STORE_TEXT_BLOCKS, 1, "blocks"}},	    /* not 84's */
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct store_text_dep first = {84, 86, STORE_TEXT_BLOCKS, 1, "blocks"};
		bad[k][0] = first;
		assert_int_equal(store_replace_text_deps_of(s, 84, bad[k], 2), STORE_EINVAL);
		assert_true(strlen(store_errmsg(s)) > 0);
	}
	/* A missing source issue. */
	struct store_text_dep ghost = {999, 84, STORE_TEXT_BLOCKS, 1, "blocks"};
	assert_int_equal(store_replace_text_deps_of(s, 999, &ghost, 1), STORE_EINVAL);
	/* Inside a transaction too, and the transaction stays usable. */
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_replace_text_deps_of(s, 84, bad[0], 2), STORE_EINVAL);
	assert_int_equal(store_commit(s), 0);

	struct dep_log log = {0};
	assert_int_equal(store_each_text_dep(s, dep_cb, &log), 0);
	assert_int_equal(log.n, 1);
	assert_dep(&log, 0, 84, 85, STORE_TEXT_BLOCKS, 1, "blocks");
	store_close(s);
}

static int dropped_cb(void *ctx, int64_t id, int64_t blockers, int64_t all)
{
	int64_t *out = ctx;
	out[0]++;
	out[1] = id;
	out[2] = blockers;
	out[3] = all;
	return 0;
}

static void test_store__text_deps_go_with_their_issues_and_clear(void **state)
{
	(void)state;
	const char *db = path_in("textdel.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	put_fixture(s);
	struct store_text_dep of84[] = {{84, 85, STORE_TEXT_BLOCKS, 1, "blocks"},
					{84, 86, STORE_TEXT_BLOCKED_BY, 2, "blocked by"}};
	struct store_text_dep of86[] = {{86, 85, STORE_TEXT_BLOCKS, 1, "blocks"}};
	assert_int_equal(store_replace_text_deps_of(s, 84, of84, 2), 0);
	assert_int_equal(store_replace_text_deps_of(s, 86, of86, 1), 0);
	assert_int_equal(store_set_text_dropped(s, 84, 1, 3), 0);
	assert_int_equal(store_set_text_dropped(s, 84, 2, 2), 0); /* replaced */
	assert_int_equal(store_set_text_dropped(s, 999, 1, 1), STORE_EINVAL);
	assert_int_equal(store_set_text_dropped(s, 84, 3, 2), STORE_EINVAL);
	int64_t seen[4] = {0};
	assert_int_equal(store_each_text_dropped(s, dropped_cb, seen), 0);
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 84);
	assert_int_equal(seen[2], 2);
	assert_int_equal(seen[3], 2);

	/* Deleting 86 takes 84's reference to it and 86's own deps. */
	assert_int_equal(store_delete_issue(s, 86), 0);
	struct dep_log log = {0};
	assert_int_equal(store_each_text_dep(s, dep_cb, &log), 0);
	assert_int_equal(log.n, 1);
	assert_dep(&log, 0, 84, 85, STORE_TEXT_BLOCKS, 1, "blocks");

	assert_int_equal(store_clear_text_deps(s), 0);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.text_deps, 0);
	assert_int_equal(c.links_blocks, 1); /* links stay */
	memset(seen, 0, sizeof seen);
	assert_int_equal(store_each_text_dropped(s, dropped_cb, seen), 0);
	assert_int_equal(seen[0], 0);

	assert_int_equal(store_replace_text_deps_of(s, 84, of84, 1), 0);
	assert_int_equal(store_set_text_dropped(s, 84, 0, 1), 0);
	assert_int_equal(store_set_text_dropped(s, 85, 0, 0), 0); /* no row: fine */
	assert_int_equal(store_clear(s), 0);
	store_close(s);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM text_deps"), 0);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM text_dropped"), 0);
}

/* ---- refused files ------------------------------------------------------------ */

static void expect_refused(const char *db, unsigned flags, int code, const char *words)
{
	size_t len = 0;
	char *before = slurp(db, &len);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, flags), code);
	assert_null(s);
	assert_non_null(strstr(store_errmsg(NULL), words));
	assert_same_bytes(db, before, len);
	assert_no_side_files(db);
	free(before);
}

static void test_store__refuses_missing_file(void **state)
{
	(void)state;
	struct store *s = NULL;
	const char *db = path_in("missing.db");
	assert_int_equal(store_open(&s, db, 0), STORE_ENOENT);
	assert_null(s);
	assert_false(exists(db));
	assert_non_null(store_errmsg(NULL));
	store_close(NULL);
}

static void test_store__refuses_non_sqlite_file(void **state)
{
	(void)state;
	const char *db = path_in("text.db");
	FILE *f = fopen(db, "wb");
	for (int k = 0; k < 100; k++)
		fputs("definitely not an SQLite database, just text\n", f);
	fclose(f);
	expect_refused(db, 0, STORE_ENOTDB, "not an SQLite database");
	expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_ENOTDB,
		       "not an SQLite database");
}

static void test_store__refuses_foreign_database(void **state)
{
	(void)state;
	const char *db = path_in("foreign.db");
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('mine');");
	sqlite3_close(raw);
	expect_refused(db, 0, STORE_EFOREIGN, "issuegraph did not write");
	expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_EFOREIGN,
		       "issuegraph did not write");
}

static void test_store__refuses_newer_schema(void **state)
{
	(void)state;
	const char *db = path_in("newer.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	store_close(s);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	char bump[64];
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
	sql(raw, bump);
	sqlite3_close(raw);
	char words[96];
	snprintf(words, sizeof words, "newer issuegraph (schema %d, this build knows %d)",
		 STORE_SCHEMA_VERSION + 1, STORE_SCHEMA_VERSION);
	expect_refused(db, 0, STORE_ENEWER, words);
	expect_refused(db, STORE_OPEN_EXCLUSIVE, STORE_ENEWER, "upgrade issuegraph");
}

static void test_store__refuses_a_planted_trigger_or_view(void **state)
{
	(void)state;
	const char *db = path_in("planted.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_mark_populated(s), 0);
	store_close(s);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "CREATE TABLE pwned(x); CREATE TRIGGER evil AFTER INSERT ON meta "
		 "BEGIN INSERT INTO pwned VALUES(1); END;");
	sqlite3_close(raw);
	expect_refused(db, 0, STORE_EFOREIGN, "an extra trigger evil");
	expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_EFOREIGN, "trigger");
	assert_int_equal(sql_int(db, "SELECT count(*) FROM pwned"), 0);

	db = path_in("view.db");
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	store_close(s);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "CREATE VIEW v AS SELECT * FROM meta");
	sqlite3_close(raw);
	expect_refused(db, 0, STORE_EFOREIGN, "an extra view v");
}

/* The history's own triggers open fine; the same trigger with another
 * body (a planted DELETE) is a tampered file. */
static void test_store__accepts_only_its_own_triggers_text_for_text(void **state)
{
	(void)state;
	const char *db = path_in("own-triggers.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_mark_populated(s), 0);
	store_close(s);
	assert_true(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'") > 0);
	assert_int_equal(store_open(&s, db, 0), 0);
	store_close(s);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "DROP TRIGGER hist_link_del; CREATE TRIGGER hist_link_del AFTER DELETE ON links "
		 "BEGIN DELETE FROM issues; END;");
	sqlite3_close(raw);
	expect_refused(db, 0, STORE_EFOREIGN, "an altered trigger hist_link_del");
	expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_EFOREIGN, "trigger");
}

/* A store made by this build, its schema then changed by hand (raw, as
 * anyone who can write a shared CI cache could). */
static const char *tampered(const char *name, const char *q)
{
	const char *db = path_in(name);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_mark_populated(s), 0);
	store_close(s);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, q);
	sqlite3_close(raw);
	return db;
}

/* Issue 19, F3: the schema check covered triggers and views only. An
 * index on an expression runs SQL on every write (and took a plain check
 * from 13 MB to 1.9 GB); a virtual table in place of graph_image runs a
 * module; an extra table or a dropped index is not what the migrations
 * made. Each is refused before anything runs, naming what differs. */
static void test_store__refuses_any_schema_the_migrations_did_not_make(void **state)
{
	(void)state;
	static const struct {
		const char *name, *sql, *words;
	} cases[] = {
	    {"expr-index.db", "CREATE INDEX evil ON issues(substr(title, 1) || labels)",
	     "an extra index evil"},
	    {"partial-index.db", "CREATE INDEX p ON links(type) WHERE type > 0",
	     "an extra index p"},
	    {"fts.db",
	     "DROP TABLE graph_image; CREATE VIRTUAL TABLE graph_image USING fts5(id, stamp, data)",
	     "an altered table graph_image"},
	    {"extra-table.db", "CREATE TABLE extra(x)", "an extra table extra"},
	    {"dropped-index.db", "DROP INDEX links_source", "no index links_source"},
	    {"altered-table.db",
	     "DROP TABLE hist_project; CREATE TABLE hist_project(id INTEGER PRIMARY KEY, path "
	     "TEXT)",
	     "an altered table hist_project"},
	    {"many.db",
	     "CREATE TABLE a(x); CREATE TABLE b(x); CREATE TABLE c(x); CREATE TABLE d(x)",
	     "an extra table c and 1 more"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		const char *db = tampered(cases[k].name, cases[k].sql);
		expect_refused(db, 0, STORE_EFOREIGN, cases[k].words);
		expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_EFOREIGN,
			       "a schema issuegraph does not write");
	}
}

/* SQLite's own statistics tables are not schema issuegraph checks. */
static void test_store__accepts_sqlite_stat_tables(void **state)
{
	(void)state;
	const char *db = tampered("analyzed.db", "ANALYZE");
	assert_true(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") >
		    0);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, 0), 0);
	store_close(s);
}

/* A version-1 file is compared with version 1's schema, before it is
 * migrated: a planted index is refused and the file stays at version 1. */
static void test_store__checks_an_old_store_before_migrating_it(void **state)
{
	(void)state;
	const char *db = path_in("v1-planted.db");
	size_t len = 0;
	char *schema = slurp(IG_SOURCE_DIR "/tests/fixtures/schema_v1.sql", &len);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, schema);
	free(schema);
	sql(raw, "CREATE INDEX i ON issues(lower(title))");
	sqlite3_close(raw);
	expect_refused(db, 0, STORE_EFOREIGN, "an extra index i");
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 1);
}

static void test_store__refuses_damaged_file(void **state)
{
	(void)state;
	const char *db = path_in("damaged.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_mark_populated(s), 0);
	store_close(s);
	/* Overwrite the schema page after the 100-byte file header. */
	FILE *f = fopen(db, "r+b");
	assert_non_null(f);
	fseek(f, 100, SEEK_SET);
	for (int k = 0; k < 3000; k++)
		fputc(0xff, f);
	fclose(f);
	expect_refused(db, 0, STORE_ECORRUPT, "damaged");
	expect_refused(db, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE, STORE_ECORRUPT, "damaged");
}

static void test_store__refuses_locked_store(void **state)
{
	(void)state;
	const char *db = path_in("locked.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_mark_populated(s), 0);
	store_close(s);
	size_t len = 0;
	char *before = slurp(db, &len);

	/* Another connection holds the write lock. (Bytes are compared only
	 * after it lets go: closing any descriptor of the file in this process
	 * would drop its POSIX locks.) */
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
		 "INSERT INTO meta VALUES('held', '1');");
	assert_int_equal(store_open(&s, db, STORE_OPEN_EXCLUSIVE), STORE_ELOCKED);
	assert_null(s);
	assert_non_null(strstr(store_errmsg(NULL), "locked by another process"));
	assert_int_equal(store_open(&s, db, 0), STORE_ELOCKED);
	sql(raw, "ROLLBACK");
	sqlite3_close(raw);
	assert_same_bytes(db, before, len);
	free(before);

	/* And a store opened exclusively keeps others out until it closes. */
	struct store *holder = NULL;
	assert_int_equal(store_open(&holder, db, STORE_OPEN_EXCLUSIVE), 0);
	assert_int_equal(store_open(&s, db, 0), STORE_ELOCKED);
	store_close(holder);
	assert_int_equal(store_open(&s, db, 0), 0);
	assert_int_equal(store_require_populated(s), 0);
	store_close(s);
	assert_no_side_files(db);
}

/* A CI cache keeps only the .db file: closing must fold the WAL into it
 * even while another connection is reading (and so keeps the WAL alive). */
struct close_ctx {
	struct store *writer;
	const char *db, *copy;
};

static int close_writer_while_reading(void *arg, const struct store_project *p)
{
	struct close_ctx *c = arg;
	(void)p;
	if (!c->writer)
		return 0;
	assert_int_equal(store_close(c->writer), 0);
	c->writer = NULL;
	size_t len = 0;
	char *bytes = slurp(c->db, &len);
	FILE *f = fopen(c->copy, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	free(bytes);
	return 0;
}

static void test_store__close_leaves_a_self_contained_file(void **state)
{
	(void)state;
	struct close_ctx c = {NULL, path_in("selfcontained.db"), path_in("copy.db")};
	struct store *reader = NULL;
	assert_int_equal(store_open(&reader, c.db, STORE_OPEN_CREATE), 0);
	struct store_project p = {1, "first/project", NULL};
	assert_int_equal(store_put_project(reader, &p), 0);
	assert_int_equal(store_open(&c.writer, c.db, 0), 0);
	struct store_project q = {4, "group/app", NULL};
	assert_int_equal(store_put_project(c.writer, &q), 0);
	assert_int_equal(store_mark_populated(c.writer), 0);
	assert_int_equal(store_each_project(reader, close_writer_while_reading, &c), 0);
	assert_null(c.writer);
	store_close(reader);
	assert_no_side_files(c.db);

	struct store *s = NULL;
	assert_int_equal(store_open(&s, c.copy, 0), 0);
	assert_int_equal(store_require_populated(s), 0);
	int n = 0;
	assert_int_equal(store_get_project(s, 4, project_cb, &n), 0);
	assert_int_equal(n, 1);
	store_close(s);
}

static void test_store__empty_file_is_not_a_store_without_create(void **state)
{
	(void)state;
	const char *db = path_in("empty.db");
	fclose(fopen(db, "wb"));
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, 0), STORE_EEMPTY);
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_require_populated(s), STORE_EEMPTY);
	store_close(s);
}

/* ---- refs ------------------------------------------------------------------------ */

static void test_ref__parses_good_refs(void **state)
{
	(void)state;
	static const struct {
		const char *ref, *path;
		int64_t iid;
	} good[] = {
	    {"g/a#1", "g/a", 1},
	    {"gitlab-org/gitlab#14", "gitlab-org/gitlab", 14},
	    {"group/sub/app#12", "group/sub/app", 12},
	    {"a#9223372036854775807", "a", INT64_MAX},
	    {"A_b.c-d/e9#100", "A_b.c-d/e9", 100},
	    {"x/y_/z.#7", "x/y_/z.", 7},
	    {"_under/score#3", "_under/score", 3},
	};
	for (size_t k = 0; k < sizeof good / sizeof good[0]; k++) {
		char *path = NULL;
		int64_t iid = 0;
		assert_int_equal(store_ref_parse(good[k].ref, &path, &iid), 0);
		assert_string_equal(path, good[k].path);
		assert_int_equal(iid, good[k].iid);
		free(path);
	}
}

static void test_ref__refuses_bad_refs(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "#1",
	    "g/a",
	    "g/a#",
	    "g/a#0",
	    "g/a#01",
	    "g/a#-1",
	    "g/a#+1",
	    "g/a#1x",
	    "g/a# 1",
	    "g/a#1 ",
	    " g/a#1",
	    "g//a#1",
	    "/g/a#1",
	    "g/a/#1",
	    "-g/a#1",
	    "g/.a#1",
	    "g/-a#1",
	    "g a#1",
	    "g/a#1#2",
	    "g/a##1",
	    "g/ä#1",
	    "a#9223372036854775808",
	    "a#99999999999999999999",
	    "g\\a#1",
	    "g/a#1.0",
	    "g:a#1",
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char *path = (char *)"untouched";
		int64_t iid = -5;
		if (store_ref_parse(bad[k], &path, &iid) != STORE_EINVAL)
			fail_msg("accepted bad ref '%s'", bad[k]);
		assert_string_equal(path, "untouched");
		assert_int_equal(iid, -5);
	}
	char *path = NULL;
	int64_t iid = 0;
	assert_int_equal(store_ref_parse(NULL, &path, &iid), STORE_EINVAL);
}

static void test_ref__orders_by_path_bytewise_then_iid(void **state)
{
	(void)state;
	assert_true(store_ref_cmp("g/a", 2, "g/a", 10) < 0);
	assert_true(store_ref_cmp("g/a", 10, "g/a", 2) > 0);
	assert_int_equal(store_ref_cmp("g/a", 3, "g/a", 3), 0);
	assert_true(store_ref_cmp("g/a", 99, "g/b", 1) < 0);
	assert_true(store_ref_cmp("g/a", 1, "g/a/b", 1) < 0);	/* prefix first */
	assert_true(store_ref_cmp("G/z", 1, "g/a", 1) < 0);	/* bytewise: upper case first */
	assert_true(store_ref_cmp("g/a-b", 1, "g/a.b", 1) < 0); /* '-' 0x2d < '.' 0x2e */
	assert_true(store_ref_cmp("g/a.b", 1, "g/a/b", 1) < 0); /* '.' < '/' */
}

static void test_store__instance_origin_tells_fetch_from_import(void **state)
{
	(void)state;
	const char *db = path_in("origin.db");
	struct store *s = NULL;
	enum store_instance_origin o = STORE_INSTANCE_FETCHED;
	static const char snap[] =
	    "{\"version\": 1, \"source\": \"https://evil.example\", \"projects\": [], "
	    "\"issues\": [], \"links\": []}";
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	assert_int_equal(store_get_instance_origin(s, &o), 0);
	assert_int_equal(o, STORE_INSTANCE_NONE);
	assert_int_equal(store_import_json(s, snap, sizeof snap - 1), 0);
	assert_int_equal(store_get_instance_origin(s, &o), 0);
	assert_int_equal(o, STORE_INSTANCE_IMPORTED);
	/* a fetch the user pointed at it makes it the store's own */
	assert_int_equal(store_set_instance(s, "https://evil.example"), 0);
	assert_int_equal(store_get_instance_origin(s, &o), 0);
	assert_int_equal(o, STORE_INSTANCE_FETCHED);
	/* a store from before the origin was recorded: fetch marks decide */
	assert_int_equal(store_meta_set(s, "instance.origin", NULL), 0);
	assert_int_equal(store_get_instance_origin(s, &o), 0);
	assert_int_equal(o, STORE_INSTANCE_IMPORTED);
	assert_int_equal(store_meta_set(s, "fetch.started_at", "2026-01-01T00:00:00Z"), 0);
	assert_int_equal(store_get_instance_origin(s, &o), 0);
	assert_int_equal(o, STORE_INSTANCE_FETCHED);
	assert_int_equal(store_close(s), 0);
	unlink(db);
}

/* Seeds are kept and read back by kind; the words on disk are the ones
 * every store so far holds ("--project g/a"), so an old store's seeds read
 * back typed; a row of no known kind is left out. The run's marks go
 * through store_crawl_begin/complete/run_get on the same meta keys. */
static void test_store__typed_seeds_and_crawl_run(void **state)
{
	(void)state;
	const char *db = path_in("seeds.db");
	struct store *s = NULL;
	assert_int_equal(store_open(&s, db, STORE_OPEN_CREATE), 0);
	struct store_seed *got = NULL;
	size_t n = 9;
	assert_int_equal(store_seeds_get(s, &got, &n), 0);
	assert_int_equal(n, 0);
	free(got);
	const struct store_seed seeds[] = {{STORE_SEED_GROUP, "g/sub"},
					   {STORE_SEED_ISSUE, "g/b#3"},
					   {STORE_SEED_PROJECT, "g/with space"}};
	assert_int_equal(store_seeds_set(s, seeds, 3), 0);
	assert_int_equal(store_seeds_get(s, &got, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(got[i].kind, seeds[i].kind);
		assert_string_equal(got[i].value, seeds[i].value);
	}
	free(got);
	char **words = NULL;
	assert_int_equal(store_get_seeds(s, &words), 0);
	assert_string_equal(words[0], "--group g/sub");
	assert_string_equal(words[1], "--issue g/b#3");
	assert_string_equal(words[2], "--project g/with space");
	assert_null(words[3]);
	store_strv_free(words);
	const struct store_seed bad = {(enum store_seed_kind)7, "x"};
	assert_int_equal(store_seeds_set(s, &bad, 1), STORE_EINVAL);
	assert_null(store_seed_option((enum store_seed_kind)7));
	assert_string_equal(store_seed_option(STORE_SEED_ISSUE), "--issue");

	struct store_crawl_run run = {0};
	assert_int_equal(store_crawl_run_get(s, &run), 0);
	assert_int_equal(run.mode, STORE_CRAWL_MODE_NONE);
	assert_false(run.unfinished);
	assert_false(run.completed);
	assert_null(run.started_at);
	assert_null(run.options);
	store_crawl_run_release(&run);
	struct store_crawl_run begin = {.started_at = "2026-11-23T10:00:00Z",
					.sync_mark = "2026-11-20T09:58:00Z",
					.mode = STORE_CRAWL_MODE_INCREMENTAL,
					.options = "depth=-1\n--project g/a"};
	assert_int_equal(store_crawl_begin(s, &begin), 0);
	assert_int_equal(store_crawl_run_get(s, &run), 0);
	assert_int_equal(run.mode, STORE_CRAWL_MODE_INCREMENTAL);
	assert_true(run.unfinished);
	assert_false(run.completed);
	assert_string_equal(run.started_at, "2026-11-23T10:00:00Z");
	assert_string_equal(run.sync_mark, "2026-11-20T09:58:00Z");
	assert_string_equal(run.options, "depth=-1\n--project g/a");
	store_crawl_run_release(&run);
	assert_int_equal(store_crawl_complete(s), 0);
	assert_int_equal(store_crawl_run_get(s, &run), 0);
	assert_false(run.unfinished);
	assert_true(run.completed);
	store_crawl_run_release(&run);
	begin.mode = STORE_CRAWL_MODE_NONE;
	assert_int_equal(store_crawl_begin(s, &begin), STORE_EINVAL);
	assert_int_equal(store_close(s), 0);

	/* rows written by hand, and a crawl mode no fetch writes */
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, "DELETE FROM crawl_seed; INSERT INTO crawl_seed(pos, kind, value) VALUES(0, "
		 "'project', 'g/a'), (2, 'issue', 'g/a#1');"
		 "UPDATE meta SET value = 'weird' WHERE key = 'fetch.mode';"
		 "UPDATE meta SET value = '0' WHERE key = 'fetch.completed';");
	sqlite3_close(raw);
	assert_int_equal(store_open(&s, db, 0), 0);
	assert_int_equal(store_seeds_get(s, &got, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].kind, STORE_SEED_PROJECT);
	assert_string_equal(got[0].value, "g/a");
	assert_int_equal(got[1].kind, STORE_SEED_ISSUE);
	assert_string_equal(got[1].value, "g/a#1");
	free(got);
	assert_int_equal(store_crawl_run_get(s, &run), 0);
	assert_int_equal(run.mode, STORE_CRAWL_MODE_FIRST); /* as fetch always read it */
	assert_true(run.unfinished);
	store_crawl_run_release(&run);
	assert_int_equal(store_close(s), 0);

	/* A schema-5 store kept its seeds as words ("--project g/a"):
	 * migration 6 reads them as (kind, value), and drops the words of no
	 * known kind. The store is made as schema 5 left it. */
	assert_int_equal(unlink(db), 0);
	char *v5 = store_schema_script(5);
	assert_non_null(v5);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	sql(raw, v5);
	free(v5);
	sql(raw, "INSERT INTO crawl_seeds(pos, seed) VALUES(0, '--project group/app'), "
		 "(1, '--bogus x'), (2, '--issue group/app#1'), (3, '--group'), "
		 "(4, '--group a b'), (5, '--Project x');"
		 "PRAGMA user_version = 5;");
	sqlite3_close(raw);
	assert_int_equal(store_open(&s, db, 0), 0);
	assert_int_equal(store_seeds_get(s, &got, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(got[0].kind, STORE_SEED_PROJECT);
	assert_string_equal(got[0].value, "group/app");
	assert_int_equal(got[1].kind, STORE_SEED_ISSUE);
	assert_string_equal(got[1].value, "group/app#1");
	assert_int_equal(got[2].kind, STORE_SEED_GROUP);
	assert_string_equal(got[2].value, "a b");
	free(got);
	words = NULL;
	assert_int_equal(store_get_seeds(s, &words), 0);
	assert_string_equal(words[0], "--project group/app");
	assert_string_equal(words[2], "--group a b");
	assert_null(words[3]);
	store_strv_free(words);
	assert_int_equal(store_close(s), 0);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(
	    sql_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'crawl_seeds'"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store__round_trips_every_field),
	    cmocka_unit_test(test_store__instance_origin_tells_fetch_from_import),
	    cmocka_unit_test(test_store__fast_paths_and_updates),
	    cmocka_unit_test(test_store__get_issues_hands_each_named_issue_once),
	    cmocka_unit_test(test_store__meta_instance_populated_and_crawl_state),
	    cmocka_unit_test(test_store__typed_seeds_and_crawl_run),
	    cmocka_unit_test(test_store__migrates_a_version_1_file),
	    cmocka_unit_test(test_store__text_deps_replace_merge_sort_and_count),
	    cmocka_unit_test(test_store__text_deps_refuse_bad_input_and_change_nothing),
	    cmocka_unit_test(test_store__text_deps_go_with_their_issues_and_clear),
	    cmocka_unit_test(test_store__refuses_missing_file),
	    cmocka_unit_test(test_store__refuses_non_sqlite_file),
	    cmocka_unit_test(test_store__refuses_foreign_database),
	    cmocka_unit_test(test_store__refuses_newer_schema),
	    cmocka_unit_test(test_store__refuses_a_planted_trigger_or_view),
	    cmocka_unit_test(test_store__accepts_only_its_own_triggers_text_for_text),
	    cmocka_unit_test(test_store__refuses_any_schema_the_migrations_did_not_make),
	    cmocka_unit_test(test_store__accepts_sqlite_stat_tables),
	    cmocka_unit_test(test_store__checks_an_old_store_before_migrating_it),
	    cmocka_unit_test(test_store__refuses_damaged_file),
	    cmocka_unit_test(test_store__refuses_locked_store),
	    cmocka_unit_test(test_store__close_leaves_a_self_contained_file),
	    cmocka_unit_test(test_store__empty_file_is_not_a_store_without_create),
	    cmocka_unit_test(test_ref__parses_good_refs),
	    cmocka_unit_test(test_ref__refuses_bad_refs),
	    cmocka_unit_test(test_ref__orders_by_path_bytewise_then_iid),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
