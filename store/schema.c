/*
 * The store's schema and its forward migrations. migrations[k] upgrades a
 * file at user_version k to k + 1; each runs in its own transaction with
 * the version bump, so a crash leaves the file at k or k + 1, never between.
 * To change the schema, append a migration and raise STORE_SCHEMA_VERSION.
 */
#include <stdio.h>

#include "store_internal.h"

/* The link indexes, also dropped and rebuilt around a bulk import. */
#define LINK_INDEXES                                                                               \
	"CREATE INDEX links_source ON links(source_id);\n"                                         \
	"CREATE INDEX links_target ON links(target_id);\n"

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
		if ((rc = store_exec(s, migrations[v])) < 0 || (rc = store_exec(s, bump)) < 0 ||
		    (rc = store_exec(s, "COMMIT")) < 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

int store_schema_drop_link_indexes(struct store *s)
{
	return store_exec(s, "DROP INDEX links_source; DROP INDEX links_target;");
}

int store_schema_create_link_indexes(struct store *s)
{
	return store_exec(s, LINK_INDEXES);
}
