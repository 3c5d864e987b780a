/*
 * store internals shared by the store's .c files (and store/crawl.c):
 * the handle, the cached-statement helper, the error buffer. Not for
 * use outside store/.
 */
#ifndef ISSUEGRAPH_STORE_INTERNAL_H
#define ISSUEGRAPH_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* PRAGMA application_id of an issuegraph store ("IGRH"). */
#define STORE_APPLICATION_ID 0x49475248

/* How long a busy database is retried before STORE_ELOCKED. */
#define STORE_BUSY_TIMEOUT_MS 2000

struct store_stmt_slot {
	const char *sql; /* a string literal: the cache key is its address */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	bool in_txn; /* store_begin() is active */
	struct store_stmt_slot *stmts;
	size_t n_stmts, cap_stmts;
	struct store_import_counts last_import;
	char errmsg[512];
};

/*
 * The prepared statement for sql, prepared on first use and kept until
 * store_close(). sql must be a string literal (or otherwise live as long as
 * s): the cache compares addresses. The statement comes back reset with no
 * bindings. NULL on error (message in s).
 */
sqlite3_stmt *store_stmt(struct store *s, const char *sql);

/* Set s's message (printf-style) and return code. */
int store_fail(struct store *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Map an SQLite result code to a store status, with "<what>: <sqlite message>"
 * as s's message. */
int store_fail_sql(struct store *s, int rc, const char *what);
/* Step st and collect its first column into a malloc'd array (*ids, *n;
 * caller frees); st is reset. what names the read in an error. */
int store_collect_ids(struct store *s, sqlite3_stmt *st, int64_t **ids, size_t *n,
		      const char *what);

/* The one INSERT of each record (records.c), bound from the record. upsert:
 * replace a row with the same id in place (fetch); else a duplicate id is
 * SQLITE_CONSTRAINT_PRIMARYKEY (import). Returns SQLite's result code of
 * the step (SQLITE_DONE on success); the caller words the error. */
int store_write_project(struct store *s, const struct store_project *p, bool upsert);
int store_write_issue(struct store *s, const struct store_issue *i, bool upsert);
int store_write_link(struct store *s, const struct store_link *l, bool upsert);

/* Step st (prepared and bound; NULL: STORE_ERR, the message already set)
 * to the end, handing each row to each(st, arg) until it returns non-zero,
 * which is then returned; st is reset. what names the read in an error. */
int store_walk_rows(struct store *s, sqlite3_stmt *st, int (*each)(sqlite3_stmt *, void *),
		    void *arg, const char *what);
/* The one walk of each record, over a statement whose columns are the
 * record's in table order: projects (id, path, web_url); issues (id,
 * project_id, iid, title, state, confidential, weight, time_estimate,
 * total_time_spent, milestone_title, milestone_due, due_date, labels, then
 * optionally created_at, updated_at, closed_at, web_url: NULL when the
 * statement stops after labels); links (id, source_id, target_id, type);
 * text dependencies (source_id, target_id, type, line, phrase; text_deps.c). */
int store_walk_projects(struct store *s, sqlite3_stmt *st, store_project_cb cb, void *ctx,
			const char *what);
int store_walk_issues(struct store *s, sqlite3_stmt *st, store_issue_cb cb, void *ctx,
		      const char *what);
/* What analysis reads of an issue (no title, labels or stamps): id, then
 * these columns. */
#define STORE_ISSUE_BRIEF_COLUMNS                                                                  \
	"project_id, iid, state, confidential, weight, time_estimate, total_time_spent, "          \
	"milestone_title, milestone_due, due_date"
int store_walk_issues_brief(struct store *s, sqlite3_stmt *st, store_issue_cb cb, void *ctx,
			    const char *what);
int store_walk_links(struct store *s, sqlite3_stmt *st, store_link_cb cb, void *ctx,
		     const char *what);
int store_walk_text_deps(struct store *s, sqlite3_stmt *st, store_text_dep_cb cb, void *ctx,
			 const char *what);

/* Record the instance from an imported snapshot's "source" (so that fetch
 * does not send a token there unless the user names it). */
int store_set_instance_imported(struct store *s, const char *url);

/* Run sql (no results wanted); 0 or a store status. */
int store_exec(struct store *s, const char *sql);

/* Step a write statement to completion and reset it: 0 or a store status. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what);

/* Bind a string or NULL. */
int store_bind_text(sqlite3_stmt *st, int idx, const char *v);

/* Savepoint wrapping for functions that write several rows: atomic
 * whether or not the caller holds a transaction. */
int store_savepoint(struct store *s);
int store_release(struct store *s);
int store_rollback_to(struct store *s);
/* End the savepoint by the outcome rc of what it wrapped: rc < 0 rolls it
 * back and returns rc; else it is released (0 or a store status). */
int store_savepoint_end(struct store *s, int rc);
/* Run sql (no results wanted) as a whole or not at all. */
int store_exec_atomic(struct store *s, const char *sql);

/* schema.c: create or migrate forward to STORE_SCHEMA_VERSION (in
 * transactions); from_version is the file's current user_version. */
/* Whether the whole schema of s (sqlite_master's tables, indexes,
 * triggers and views: type, name, table and SQL text, byte for byte;
 * sqlite_stat* and sqlite_sequence aside) is exactly what issuegraph's
 * migrations create for schema version. Returns 0 or a store status;
 * diff is "" when it is, else names the differences in words ("an extra
 * index links_x, an altered table graph_image"), triggers and views
 * first, at most three and how many more. */
int store_schema_check(struct store *s, int version, char *diff, size_t diff_len);
int store_schema_migrate(struct store *s, int from_version);

/* Drop and rebuild the indexes of links (inside the caller's transaction):
 * building an index from sorted data beats 2M random inserts. */
int store_schema_drop_link_indexes(struct store *s);
int store_schema_create_link_indexes(struct store *s);

/* history.c: the open point's id in hist_* rows (after every point). */
#define HIST_PENDING	 9223372036854775807LL
#define HIST_PENDING_SQL "9223372036854775807"

/* history.c, called by store_import_json() inside its transaction:
 * before clearing, remember the instance; after loading, record the
 * import's point (or clear the history when the instance changed). */
int store_history_import_begin(struct store *s, char **old_instance);
int store_history_import_end(struct store *s, const char *old_instance);

#endif
