/*
 * The store's schema and its forward migrations. migrations[k] upgrades a
 * file at user_version k to k + 1; each runs in its own transaction with
 * the version bump, so a crash leaves the file at k or k + 1, never between.
 * To change the schema, append a migration and raise STORE_SCHEMA_VERSION.
 * A migration that has shipped never changes, not even its whitespace: a
 * store's whole schema is checked text for text against what the
 * migrations create (store_schema_check), so an edited one would make
 * every existing store look tampered with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* The link indexes, also dropped and rebuilt around a bulk import. */
#define LINK_INDEXES                                                                               \
	"CREATE INDEX links_source ON links(source_id);\n"                                         \
	"CREATE INDEX links_target ON links(target_id);\n"

/* History (migration 3 -> 4): recording is on once a first point exists,
 * except during an import, which diffs the whole store at once instead
 * (history.c: meta key history.bulk). */
#define HIST_ON                                                                                    \
	"EXISTS (SELECT 1 FROM hist_point) AND NOT EXISTS (SELECT 1 FROM meta WHERE key = "        \
	"'history.bulk')"
/* The first change of an open point wins. (A guard, not INSERT OR IGNORE:
 * an upsert that fires the trigger overrides the trigger's conflict
 * clause, and the duplicate would abort it.) */
#define HIST_ISSUE_NEW(row)                                                                        \
	"NOT EXISTS (SELECT 1 FROM hist_issue WHERE point = " HIST_PENDING_SQL                     \
	" AND issue_id = " #row ".id)"
#define HIST_LINK_NEW(row)                                                                         \
	"NOT EXISTS (SELECT 1 FROM hist_link WHERE point = " HIST_PENDING_SQL                      \
	" AND link_id = " #row ".id)"
#define HIST_TEXT_NEW(row)                                                                         \
	"NOT EXISTS (SELECT 1 FROM hist_text WHERE point = " HIST_PENDING_SQL                      \
	" AND source_id = " #row ".source_id AND target_id = " #row ".target_id AND type = " #row  \
	".type)"
#define HIST_ISSUE_OLD                                                                             \
	"INSERT INTO hist_issue SELECT " HIST_PENDING_SQL ", OLD.id, 1, OLD.project_id, OLD.iid, " \
	"OLD.title, OLD.state, OLD.confidential, OLD.weight, OLD.time_estimate, "                  \
	"OLD.total_time_spent, OLD.milestone_title, OLD.milestone_due, OLD.due_date, OLD.labels "  \
	"WHERE " HIST_ISSUE_NEW(OLD) ";"
#define HIST_LINK_OLD                                                                              \
	"INSERT INTO hist_link SELECT " HIST_PENDING_SQL ", OLD.id, 1, OLD.source_id, "            \
	"OLD.target_id, OLD.type WHERE " HIST_LINK_NEW(OLD) ";"

/* Migration 6 -> 7: issues keep their assignees; history records them, so
 * the two history triggers that write whole rows of hist_issue are made
 * anew with the column (the 3 -> 4 text stays as it shipped). */
#define HIST_ISSUE_OLD_7                                                                           \
	"INSERT INTO hist_issue SELECT " HIST_PENDING_SQL ", OLD.id, 1, OLD.project_id, OLD.iid, " \
	"OLD.title, OLD.state, OLD.confidential, OLD.weight, OLD.time_estimate, "                  \
	"OLD.total_time_spent, OLD.milestone_title, OLD.milestone_due, OLD.due_date, OLD.labels, " \
	"OLD.assignees WHERE " HIST_ISSUE_NEW(OLD) ";"

/* Migration 4 -> 5: the triggers that drop the graph image on any write
 * to table t (one per statement kind, so that their names say what). */
#define IMAGE_GUARD(t)                                                                             \
	"CREATE TRIGGER graph_image_" t "_ins AFTER INSERT ON " t                                  \
	" BEGIN DELETE FROM graph_image; END;\n"                                                   \
	"CREATE TRIGGER graph_image_" t "_upd AFTER UPDATE ON " t                                  \
	" BEGIN DELETE FROM graph_image; END;\n"                                                   \
	"CREATE TRIGGER graph_image_" t "_del AFTER DELETE ON " t                                  \
	" BEGIN DELETE FROM graph_image; END;\n"

static const char *const migrations[] = {
    /* 0 -> 1: the first schema; tests/fixtures/schema_v1.sql holds the same SQL. */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE projects(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, web_url TEXT);\n"
    "CREATE TABLE issues(id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES "
    "projects(id), iid INTEGER NOT NULL, title TEXT NOT NULL, state INTEGER NOT NULL, "
    "confidential INTEGER NOT NULL, weight INTEGER, time_estimate INTEGER NOT NULL DEFAULT 0, "
    "total_time_spent INTEGER NOT NULL DEFAULT 0, milestone_title TEXT, milestone_due TEXT, "
    "due_date TEXT, labels TEXT NOT NULL DEFAULT '[]', created_at TEXT, updated_at TEXT, "
    "closed_at TEXT, web_url TEXT, UNIQUE(project_id, iid));\n"
    "CREATE TABLE links(id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL REFERENCES "
    "issues(id) ON DELETE CASCADE, target_id INTEGER NOT NULL REFERENCES issues(id) ON "
    "DELETE CASCADE, type INTEGER NOT NULL);\n" LINK_INDEXES
    "PRAGMA application_id = 1229410888;\n",

    /* 1 -> 2: the crawl state of fetch. */
    "CREATE TABLE crawl_seeds(pos INTEGER PRIMARY KEY, seed TEXT NOT NULL);\n"
    "CREATE TABLE crawl_projects(project_id INTEGER PRIMARY KEY, is_seed INTEGER NOT NULL "
    "DEFAULT 0, accessible INTEGER NOT NULL DEFAULT 1, list_next TEXT, list_updated_after "
    "TEXT, list_done INTEGER NOT NULL DEFAULT 0);\n"
    "CREATE TABLE crawl_issues(issue_id INTEGER PRIMARY KEY REFERENCES issues(id) ON DELETE "
    "CASCADE, hop INTEGER NOT NULL, expanded INTEGER NOT NULL DEFAULT 0, seen_run INTEGER NOT "
    "NULL DEFAULT 0);\n"
    "CREATE INDEX crawl_issues_frontier ON crawl_issues(expanded, hop);\n"
    "CREATE TABLE crawl_inaccessible(project_id INTEGER NOT NULL, iid INTEGER NOT NULL, "
    "PRIMARY KEY(project_id, iid));\n",

    /* 2 -> 3: text dependencies read from descriptions (one row per source,
     * target and type: the smallest line) and the references of each
     * description that could not be read. */
    "CREATE TABLE text_deps(source_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE "
    "CASCADE, target_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE, type "
    "INTEGER NOT NULL, line INTEGER NOT NULL, phrase TEXT NOT NULL, PRIMARY KEY(source_id, "
    "target_id, type)) WITHOUT ROWID;\n"
    "CREATE INDEX text_deps_target ON text_deps(target_id);\n"
    "CREATE TABLE text_dropped(issue_id INTEGER PRIMARY KEY REFERENCES issues(id) ON DELETE "
    "CASCADE, blocker_refs INTEGER NOT NULL, all_refs INTEGER NOT NULL);\n",

    /* 3 -> 4: history (store/history.c). A point per completed fetch or
     * import; hist_* rows of point P hold what the analysis reads as it was
     * at the point before P (present 0: absent then), one row per issue,
     * link or text dependency that P changed. Rows of the open point
     * (HIST_PENDING) hold the latest point's values of what changed since;
     * the triggers write them, first change wins. */
    "CREATE TABLE hist_point(id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, "
    "config TEXT, baseline INTEGER NOT NULL DEFAULT 0, why TEXT);\n"
    "CREATE TABLE hist_issue(point INTEGER NOT NULL, issue_id INTEGER NOT NULL, present "
    "INTEGER NOT NULL, project_id INTEGER, iid INTEGER, title TEXT, state INTEGER, "
    "confidential INTEGER, weight INTEGER, time_estimate INTEGER, total_time_spent INTEGER, "
    "milestone_title TEXT, milestone_due TEXT, due_date TEXT, labels TEXT, "
    "PRIMARY KEY(point, issue_id)) WITHOUT ROWID;\n"
    "CREATE TABLE hist_link(point INTEGER NOT NULL, link_id INTEGER NOT NULL, present INTEGER "
    "NOT NULL, source_id INTEGER, target_id INTEGER, type INTEGER, PRIMARY KEY(point, "
    "link_id)) WITHOUT ROWID;\n"
    "CREATE TABLE hist_text(point INTEGER NOT NULL, source_id INTEGER NOT NULL, target_id "
    "INTEGER NOT NULL, type INTEGER NOT NULL, present INTEGER NOT NULL, line INTEGER, phrase "
    "TEXT, PRIMARY KEY(point, source_id, target_id, type)) WITHOUT ROWID;\n"
    "CREATE TABLE hist_project(id INTEGER PRIMARY KEY, path TEXT NOT NULL);\n"
    "CREATE TRIGGER hist_issue_ins AFTER INSERT ON issues WHEN " HIST_ON " BEGIN "
    "INSERT INTO hist_issue(point, issue_id, present) SELECT " HIST_PENDING_SQL
    ", NEW.id, 0 WHERE " HIST_ISSUE_NEW(
	NEW) "; END;\n"
	     "CREATE TRIGGER hist_issue_upd AFTER UPDATE ON issues WHEN " HIST_ON " AND ("
	     "OLD.project_id IS NOT NEW.project_id OR OLD.iid IS NOT NEW.iid OR OLD.title IS NOT "
	     "NEW.title OR OLD.state IS NOT NEW.state OR OLD.confidential IS NOT NEW.confidential "
	     "OR "
	     "OLD.weight IS NOT NEW.weight OR OLD.time_estimate IS NOT NEW.time_estimate OR "
	     "OLD.total_time_spent IS NOT NEW.total_time_spent OR OLD.milestone_title IS NOT "
	     "NEW.milestone_title OR OLD.milestone_due IS NOT NEW.milestone_due OR OLD.due_date IS "
	     "NOT "
	     "NEW.due_date OR OLD.labels IS NOT NEW.labels) BEGIN " HIST_ISSUE_OLD " END;\n"
	     "CREATE TRIGGER hist_issue_del AFTER DELETE ON issues WHEN " HIST_ON
	     " BEGIN " HIST_ISSUE_OLD " END;\n"
	     "CREATE TRIGGER hist_link_ins AFTER INSERT ON links WHEN " HIST_ON " BEGIN "
	     "INSERT INTO hist_link(point, link_id, present) SELECT " HIST_PENDING_SQL
	     ", NEW.id, 0 WHERE " HIST_LINK_NEW(
		 NEW) "; END;\n"
		      "CREATE TRIGGER hist_link_upd AFTER UPDATE ON links WHEN " HIST_ON
		      " AND (OLD.source_id "
		      "IS NOT NEW.source_id OR OLD.target_id IS NOT NEW.target_id OR OLD.type IS "
		      "NOT NEW.type) "
		      "BEGIN " HIST_LINK_OLD " END;\n"
		      "CREATE TRIGGER hist_link_del AFTER DELETE ON links WHEN " HIST_ON
		      " BEGIN " HIST_LINK_OLD " END;\n"
		      "CREATE TRIGGER hist_text_ins AFTER INSERT ON text_deps WHEN " HIST_ON
		      " BEGIN "
		      "INSERT INTO hist_text(point, source_id, target_id, type, present) "
		      "SELECT " HIST_PENDING_SQL
		      ", NEW.source_id, NEW.target_id, NEW.type, 0 WHERE " HIST_TEXT_NEW(
			  NEW) "; END;\n"
			       "CREATE TRIGGER hist_text_del AFTER DELETE ON text_deps "
			       "WHEN " HIST_ON " BEGIN "
			       "INSERT INTO hist_text SELECT " HIST_PENDING_SQL
			       ", OLD.source_id, OLD.target_id, OLD.type, "
			       "1, OLD.line, OLD.phrase WHERE " HIST_TEXT_NEW(
				   OLD) "; END;\n"
					"CREATE TRIGGER hist_project_del AFTER DELETE ON projects "
					"BEGIN DELETE FROM hist_project "
					"WHERE id = OLD.id; INSERT INTO hist_project "
					"VALUES(OLD.id, OLD.path); END;\n",

    /* 4 -> 5: the graph image (store/graph_image.c): one row holding what
     * the analysis loader reads, packed. Invalidation rule: every write to
     * a table the loader reads (issues, links, projects, text_deps)
     * deletes it, whoever writes, in the writer's own transaction. */
    "CREATE TABLE graph_image(id INTEGER PRIMARY KEY CHECK (id = 1), stamp TEXT NOT NULL, "
    "data BLOB NOT NULL);\n" IMAGE_GUARD("issues") IMAGE_GUARD("links") IMAGE_GUARD("projects")
	IMAGE_GUARD("text_deps"),

    /* 5 -> 6: seeds as (kind, value) instead of the words "--project g/a"
     * they were kept as; a word of no known kind (edited by hand) goes. */
    "CREATE TABLE crawl_seed(pos INTEGER PRIMARY KEY, kind TEXT NOT NULL "
    "CHECK (kind IN ('project', 'group', 'issue')), value TEXT NOT NULL);\n"
    "INSERT INTO crawl_seed(pos, kind, value) SELECT pos, substr(seed, 3, instr(seed, ' ') - 3), "
    "substr(seed, instr(seed, ' ') + 1) FROM crawl_seeds "
    "WHERE substr(seed, 1, instr(seed, ' ')) IN ('--project ', '--group ', '--issue ');\n"
    "DROP TABLE crawl_seeds;\n",

    /* 6 -> 7: assignees (a JSON array of usernames, in the tracker's order),
     * in the issue and in its history. */
    "ALTER TABLE issues ADD COLUMN assignees TEXT NOT NULL DEFAULT '[]';\n"
    "ALTER TABLE hist_issue ADD COLUMN assignees TEXT;\n"
    "DROP TRIGGER hist_issue_upd;\n"
    "DROP TRIGGER hist_issue_del;\n"
    "CREATE TRIGGER hist_issue_upd AFTER UPDATE ON issues WHEN " HIST_ON " AND ("
    "OLD.project_id IS NOT NEW.project_id OR OLD.iid IS NOT NEW.iid OR OLD.title IS NOT "
    "NEW.title OR OLD.state IS NOT NEW.state OR OLD.confidential IS NOT NEW.confidential OR "
    "OLD.weight IS NOT NEW.weight OR OLD.time_estimate IS NOT NEW.time_estimate OR "
    "OLD.total_time_spent IS NOT NEW.total_time_spent OR OLD.milestone_title IS NOT "
    "NEW.milestone_title OR OLD.milestone_due IS NOT NEW.milestone_due OR OLD.due_date IS NOT "
    "NEW.due_date OR OLD.labels IS NOT NEW.labels OR OLD.assignees IS NOT NEW.assignees) "
    "BEGIN " HIST_ISSUE_OLD_7 " END;\n"
    "CREATE TRIGGER hist_issue_del AFTER DELETE ON issues WHEN " HIST_ON
    " BEGIN " HIST_ISSUE_OLD_7 " END;\n",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

int store_schema_migrate(struct store *s, int from_version)
{
	int rc = 0;
	for (int v = from_version; v < STORE_SCHEMA_VERSION; v++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
		if ((rc = store_exec(s, "BEGIN IMMEDIATE")) < 0)
			return rc;
		/* A store that held data before this upgrade: its next point
		 * starts a baseline (what this version reads anew is not "new"). */
		if (v == from_version && from_version > 0 &&
		    (rc = store_exec(s, "INSERT OR REPLACE INTO meta(key, value) "
					"VALUES('history.upgraded', '1')")) < 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
		if ((rc = store_exec(s, migrations[v])) < 0 || (rc = store_exec(s, bump)) < 0 ||
		    (rc = store_exec(s, "COMMIT")) < 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

/* One row of sqlite_master: type, name, tbl_name, sql (NULL for an
 * automatic index), each with its length (a hostile name may hold NULs). */
struct master_row {
	char *col[4];
	int len[4];
	bool null_sql;
};

struct master {
	struct master_row *v;
	size_t n;
};

static void master_release(struct master *m)
{
	for (size_t i = 0; i < m->n; i++)
		for (int c = 0; c < 4; c++)
			free(m->v[i].col[c]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* The whole schema but SQLite's statistics and AUTOINCREMENT counters
 * (SPEC: `sqlite_stat*` and `sqlite_sequence` aside), by type, then name,
 * bytewise. */
static int master_read(sqlite3 *db, struct master *m)
{
	static const char sql[] = "SELECT type, name, tbl_name, sql FROM sqlite_master "
				  "WHERE NOT (type = 'table' AND (name GLOB 'sqlite_stat*' OR "
				  "name = 'sqlite_sequence')) "
				  "ORDER BY type COLLATE BINARY, name COLLATE BINARY";
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	m->v = NULL;
	m->n = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (m->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct master_row *nv = realloc(m->v, nc * sizeof *nv);
			if (!nv) {
				rc = SQLITE_NOMEM;
				break;
			}
			m->v = nv;
			cap = nc;
		}
		struct master_row *r = &m->v[m->n++];
		memset(r, 0, sizeof *r);
		r->null_sql = sqlite3_column_type(st, 3) == SQLITE_NULL;
		for (int c = 0; c < 4 && rc == SQLITE_OK; c++) {
			const void *t = sqlite3_column_blob(st, c);
			int len = sqlite3_column_bytes(st, c);
			if (!(r->col[c] = malloc((size_t)len + 1)))
				rc = SQLITE_NOMEM;
			else if (len)
				memcpy(r->col[c], t, (size_t)len);
			if (r->col[c])
				r->col[c][len] = '\0';
			r->len[c] = len;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		master_release(m);
		return rc == SQLITE_OK || rc == SQLITE_ROW ? SQLITE_ERROR : rc;
	}
	return SQLITE_OK;
}

static int col_cmp(const struct master_row *a, const struct master_row *b, int c)
{
	int n = a->len[c] < b->len[c] ? a->len[c] : b->len[c];
	int d = memcmp(a->col[c], b->col[c], (size_t)n);
	return d ? d : (a->len[c] > b->len[c]) - (a->len[c] < b->len[c]);
}

/* (type, name) order, as master_read's ORDER BY. */
static int key_cmp(const struct master_row *a, const struct master_row *b)
{
	int d = col_cmp(a, b, 0);
	return d ? d : col_cmp(a, b, 1);
}

static bool row_equal(const struct master_row *a, const struct master_row *b)
{
	return a->null_sql == b->null_sql && col_cmp(a, b, 2) == 0 && col_cmp(a, b, 3) == 0;
}

/* What the SQL of a row can do: triggers and views run, so they are named first. */
static bool runs_sql(const struct master_row *r)
{
	return strcmp(r->col[0], "trigger") == 0 || strcmp(r->col[0], "view") == 0;
}

/* Append "an extra trigger evil" style words to diff (at most 3 named). */
static void note_diff(char *diff, size_t diff_len, int *named, int *more, const char *what,
		      const struct master_row *r)
{
	if (*named == 3) {
		++*more;
		return;
	}
	size_t at = strlen(diff);
	snprintf(diff + at, diff_len - at, "%s%s %.16s %.64s", *named ? ", " : "", what, r->col[0],
		 r->col[1]);
	++*named;
}

int store_schema_check(struct store *s, int version, char *diff, size_t diff_len)
{
	sqlite3 *mem = NULL;
	struct master want = {0}, have = {0};
	int rc = STORE_OK;
	diff[0] = '\0';
	if (version < 0 || version > STORE_SCHEMA_VERSION)
		return store_fail(s, STORE_ERR, "no reference schema for version %d", version);
	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	/* A store at version v holds exactly what migrations[0 .. v) create
	 * (in one transaction: cheaper than one per statement). */
	int src = sqlite3_exec(mem, "BEGIN", NULL, NULL, NULL);
	for (int v = 0; v < version && src == SQLITE_OK; v++)
		src = sqlite3_exec(mem, migrations[v], NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(mem, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(s, STORE_ERR, "cannot build the reference schema: %s",
				sqlite3_errmsg(mem));
		goto done;
	}
	src = master_read(mem, &want);
	if (src == SQLITE_OK)
		src = master_read(s->db, &have);
	if (src != SQLITE_OK) {
		rc = store_fail_sql(s, src, "reading the schema");
		goto done;
	}
	/* Two passes over the merge of both sorted lists: what runs SQL first. */
	int named = 0, more = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t i = 0, j = 0;
		while (i < want.n || j < have.n) {
			int d = i == want.n   ? 1
				: j == have.n ? -1
					      : key_cmp(&want.v[i], &have.v[j]);
			const struct master_row *r = d < 0 ? &want.v[i] : &have.v[j];
			const char *what = d < 0			       ? "no"
					   : d > 0			       ? "an extra"
					   : row_equal(&want.v[i], &have.v[j]) ? NULL
									       : "an altered";
			if (what && runs_sql(r) == (pass == 0))
				note_diff(diff, diff_len, &named, &more, what, r);
			i += d <= 0;
			j += d >= 0;
		}
	}
	if (more) {
		size_t at = strlen(diff);
		snprintf(diff + at, diff_len - at, " and %d more", more);
	}
done:
	master_release(&want);
	master_release(&have);
	sqlite3_close(mem);
	return rc;
}

char *store_schema_script(int version)
{
	if (version < 0 || version > STORE_SCHEMA_VERSION)
		return NULL;
	size_t len = 0;
	for (int v = 0; v < version; v++)
		len += strlen(migrations[v]);
	char *out = malloc(len + 1), *p = out;
	if (!out)
		return NULL;
	for (int v = 0; v < version; v++) {
		size_t n = strlen(migrations[v]);
		memcpy(p, migrations[v], n);
		p += n;
	}
	*p = '\0';
	return out;
}

int store_schema_drop_link_indexes(struct store *s)
{
	return store_exec(s, "DROP INDEX links_source; DROP INDEX links_target;");
}

int store_schema_create_link_indexes(struct store *s)
{
	return store_exec(s, LINK_INDEXES);
}
