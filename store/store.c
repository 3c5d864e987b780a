/*
 * Opening and closing the store, errors, transactions, metadata and the
 * instance. Opening classifies the file (missing, not SQLite, someone
 * else's SQLite, too new, locked, damaged) with reads only, before
 * anything is written, so a file that is not ours is never touched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_internal.h"

/* How long a busy database is retried before STORE_ELOCKED. */

static _Thread_local char open_errmsg[512];

const char *store_errmsg(const struct store *s)
{
	if (!s)
		return open_errmsg;
	return s->errmsg;
}

int store_fail(struct store *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s ? s->errmsg : open_errmsg, sizeof open_errmsg, fmt, ap);
	va_end(ap);
	return code;
}

static int status_of_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return STORE_OK;
	case SQLITE_NOTADB:
		return STORE_ENOTDB;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_ELOCKED;
	case SQLITE_CORRUPT:
		return STORE_ECORRUPT;
	case SQLITE_NOMEM:
		return STORE_ENOMEM;
	case SQLITE_CONSTRAINT:
		return STORE_EINVAL;
	default:
		return STORE_ERR;
	}
}

int store_fail_sql(struct store *s, int rc, const char *what)
{
	int code = status_of_sqlite(rc);
	switch (code) {
	case STORE_ELOCKED:
		return store_fail(
		    s, code, "%s: locked by another process (a running fetch or import?)", what);
	case STORE_ECORRUPT:
		return store_fail(s, code, "%s: the database file is damaged", what);
	case STORE_ENOTDB:
		return store_fail(s, code, "%s: not an SQLite database", what);
	default:
		return store_fail(s, code, "%s: %s", what,
				  s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	}
}

int store_exec(struct store *s, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		int code = status_of_sqlite(rc);
		if (code == STORE_ELOCKED || code == STORE_ECORRUPT || code == STORE_ENOTDB)
			store_fail_sql(s, rc, "database");
		else
			store_fail(s, code ? code : STORE_ERR, "%s",
				   err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return code ? code : STORE_ERR;
	}
	return 0;
}

sqlite3_stmt *store_stmt(struct store *s, const char *sql)
{
	for (size_t i = 0; i < s->n_stmts; i++) {
		if (s->stmts[i].sql == sql) {
			sqlite3_reset(s->stmts[i].stmt);
			sqlite3_clear_bindings(s->stmts[i].stmt);
			return s->stmts[i].stmt;
		}
	}
	if (s->n_stmts == s->cap_stmts) {
		size_t cap = s->cap_stmts ? s->cap_stmts * 2 : 32;
		struct store_stmt_slot *n = realloc(s->stmts, cap * sizeof *n);
		if (!n) {
			store_fail(s, STORE_ENOMEM, "out of memory");
			return NULL;
		}
		s->stmts = n;
		s->cap_stmts = cap;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_fail_sql(s, rc, "prepare");
		return NULL;
	}
	s->stmts[s->n_stmts].sql = sql;
	s->stmts[s->n_stmts].stmt = st;
	s->n_stmts++;
	return st;
}

int store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int code = store_fail_sql(s, rc, what);
		sqlite3_reset(st);
		return code;
	}
	sqlite3_reset(st);
	return 0;
}

int store_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC);
}

int store_savepoint(struct store *s)
{
	return store_exec(s, "SAVEPOINT store_op");
}

int store_release(struct store *s)
{
	return store_exec(s, "RELEASE store_op");
}

int store_rollback_to(struct store *s)
{
	/* ROLLBACK TO keeps the savepoint open; RELEASE ends it. */
	sqlite3_exec(s->db, "ROLLBACK TO store_op; RELEASE store_op", NULL, NULL, NULL);
	return 0;
}

int store_savepoint_end(struct store *s, int rc)
{
	if (rc < 0) {
		store_rollback_to(s);
		return rc;
	}
	return store_release(s);
}

int store_exec_atomic(struct store *s, const char *sql)
{
	int rc = store_savepoint(s);
	if (rc)
		return rc;
	return store_savepoint_end(s, store_exec(s, sql));
}

/* ---- open / close ------------------------------------------------------- */

static void close_db(struct store *s)
{
	for (size_t i = 0; i < s->n_stmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	free(s->stmts);
	s->stmts = NULL;
	s->n_stmts = s->cap_stmts = 0;
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
}

static void store_free(struct store *s)
{
	if (!s)
		return;
	close_db(s);
	free(s->path);
	free(s);
}

/* One integer from a read-only query (a PRAGMA or a count). */
static int read_int(struct store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* The longest string or blob a store may hold: the largest value
 * issuegraph writes, the graph image, is about 50 bytes an issue and 5
 * a dependency (75 MB at 1M issues, 5M dependencies); a hostile store
 * cannot make one value cost more memory than this. */
#define STORE_VALUE_MAX (512 << 20)

/*
 * A store may come from a shared CI cache, that is from anyone who could
 * write that cache: SQLite's defensive mode (no writes to the schema or
 * shadow tables by SQL), no functions with side effects in the schema
 * (trusted_schema off), no views, a cap on one value's length and each
 * b-tree cell's size checked as it is read (a crafted page is an error,
 * not an overrun). Triggers stay on: the history records through
 * issuegraph's own; classify() refuses a file whose schema is not
 * exactly issuegraph's.
 */
static int harden(struct store *s)
{
	static const int off[] = {SQLITE_DBCONFIG_ENABLE_VIEW, SQLITE_DBCONFIG_TRUSTED_SCHEMA,
				  SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION};
	int on = 1, got = 0;
	if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || !on)
		return store_fail(s, STORE_ERR, "cannot enable SQLite's defensive mode");
	for (size_t k = 0; k < sizeof off / sizeof *off; k++) {
		if (sqlite3_db_config(s->db, off[k], 0, &got) != SQLITE_OK || got)
			return store_fail(s, STORE_ERR, "cannot harden the SQLite connection");
	}
	sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, STORE_VALUE_MAX);
	if (sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, -1) > STORE_VALUE_MAX)
		return store_fail(s, STORE_ERR, "cannot limit SQLite's value length");
	int rc = store_exec(s, "PRAGMA trusted_schema=OFF");
	if (rc == 0)
		rc = store_exec(s, "PRAGMA cell_size_check=ON");
	return rc;
}

/* Classify a freshly opened file with reads only. *fresh: an empty
 * database that we may initialise. */
static int classify(struct store *s, bool *fresh)
{
	int64_t app_id = 0, version = 0, objects = 0;
	int rc = read_int(s, "PRAGMA application_id", &app_id);
	if (rc == SQLITE_OK)
		rc = read_int(s, "PRAGMA user_version", &version);
	if (rc == SQLITE_OK)
		rc = read_int(s, "SELECT count(*) FROM sqlite_master", &objects);
	if (rc != SQLITE_OK) {
		switch (status_of_sqlite(rc)) {
		case STORE_ENOTDB:
			return store_fail(s, STORE_ENOTDB, "not an SQLite database");
		case STORE_ELOCKED:
			return store_fail(s, STORE_ELOCKED,
					  "locked by another process (a running fetch or import?)");
		case STORE_ECORRUPT:
			return store_fail(s, STORE_ECORRUPT, "the database file is damaged");
		default:
			return store_fail(s,
					  status_of_sqlite(rc) ? status_of_sqlite(rc) : STORE_ERR,
					  "cannot read: %s", sqlite3_errmsg(s->db));
		}
	}
	*fresh = false;
	if (app_id == 0 && version == 0 && objects == 0) {
		*fresh = true;
		return 0;
	}
	if (app_id != STORE_APPLICATION_ID)
		return store_fail(s, STORE_EFOREIGN,
				  "an SQLite database that issuegraph did not write");
	if (version > STORE_SCHEMA_VERSION)
		return store_fail(
		    s, STORE_ENEWER,
		    "written by a newer issuegraph (schema %lld, this build knows %d); "
		    "upgrade issuegraph",
		    (long long)version, STORE_SCHEMA_VERSION);
	if (version < 1)
		return store_fail(s, STORE_ECORRUPT,
				  "an issuegraph store without a schema version (damaged?)");
	/* SPEC: the whole schema must be what the migrations produce for
	 * the recorded version, before any migration runs: an index on an
	 * expression, a virtual table in place of one of ours or a trigger
	 * is SQL from the file, and none of it may run. */
	char diff[400];
	if ((rc = store_schema_check(s, (int)version, diff, sizeof diff)) < 0)
		return rc;
	if (diff[0])
		return store_fail(s, STORE_EFOREIGN,
				  "a schema issuegraph does not write (a tampered file?): %s; "
				  "refusing to use it",
				  diff);
	return (int)version;
}

int store_open(struct store **out, const char *path, unsigned flags)
{
	struct store *s = NULL;
	int rc = 0;
	bool fresh = false;
	*out = NULL;
	open_errmsg[0] = '\0';

	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return store_fail(NULL, STORE_ERR, "cannot open: %s", strerror(errno));
		if (!(flags & STORE_OPEN_CREATE))
			return store_fail(NULL, STORE_ENOENT, "no such file");
	} else if (S_ISDIR(st.st_mode)) {
		return store_fail(NULL, STORE_ERR, "is a directory");
	}

	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return store_fail(NULL, STORE_ENOMEM, "out of memory");
	}
	s->flags = flags;
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (flags & STORE_OPEN_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	int src = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (src != SQLITE_OK) {
		rc = store_fail(s, src == SQLITE_CANTOPEN ? STORE_ERR : status_of_sqlite(src),
				"cannot open: %s",
				s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src));
		goto done;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	if ((rc = harden(s)) < 0)
		goto done;

	int version = classify(s, &fresh);
	if (version < 0) {
		rc = version;
		goto done;
	}
	if (fresh && !(flags & STORE_OPEN_CREATE)) {
		/* An empty file: nothing was ever fetched into it; leave it be. */
		rc = store_fail(s, STORE_EEMPTY, "an empty file, not yet a store");
		goto done;
	}

	/* The locking mode must be set before WAL is first entered so that an
	 * exclusive store never shares its WAL index with another process. */
	if ((flags & STORE_OPEN_EXCLUSIVE) &&
	    (rc = store_exec(s, "PRAGMA locking_mode=EXCLUSIVE")) < 0)
		goto done;
	if ((rc = store_exec(s, "PRAGMA foreign_keys=ON")) < 0)
		goto done;
	if (fresh || version < STORE_SCHEMA_VERSION) {
		if ((rc = store_schema_migrate(s, fresh ? 0 : version)) < 0)
			goto done;
	}
	if ((rc = store_exec(s, "PRAGMA journal_mode=WAL")) < 0 ||
	    (rc = store_exec(s, "PRAGMA synchronous=NORMAL")) < 0)
		goto done;
	if (flags & STORE_OPEN_EXCLUSIVE) {
		/* Take the write lock now: a second writer or reader is refused
		 * at once instead of half-way through its work. */
		if ((rc = store_exec(s, "BEGIN IMMEDIATE")) < 0 ||
		    (rc = store_exec(s, "COMMIT")) < 0)
			goto done;
	}

done:
	if (rc < 0) {
		snprintf(open_errmsg, sizeof open_errmsg, "%s", s->errmsg);
		store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int store_close(struct store *s)
{
	if (!s)
		return 0;
	int rc = 0;
	if (s->in_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < s->n_stmts; i++)
		sqlite3_finalize(s->stmts[i].stmt);
	s->n_stmts = 0;
	/* Fold the WAL into the main file so that one self-contained file remains.
	 * The PRAGMA form reports "could not finish" (busy) in a result row that
	 * sqlite3_exec drops; the C call returns it. Busy with every frame copied
	 * (a reader only keeps the log from being truncated) still leaves the data
	 * in the .db; frames left behind (a reader on an older snapshot, another
	 * writer) do not. s is freed below, so the message goes where
	 * store_errmsg(NULL) reads. */
	if (s->db) {
		int log = -1, ckpt = -1;
		int sr =
		    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &ckpt);
		if (sr == SQLITE_BUSY && log >= 0 && ckpt == log)
			sr = SQLITE_OK;
		if (sr != SQLITE_OK) {
			rc = status_of_sqlite(sr);
			store_fail(NULL, rc ? rc : STORE_ERR,
				   "cannot fold the write-ahead log into the store: %s%s",
				   sqlite3_errstr(sr),
				   rc == STORE_ELOCKED ? " (another process holds the store)" : "");
			rc = rc ? rc : STORE_ERR;
		}
	}
	if (s->db) {
		int sr = sqlite3_close(s->db);
		if (sr != SQLITE_OK && rc == 0)
			rc = store_fail(NULL, STORE_ERR, "cannot close the store: %s",
					sqlite3_errstr(sr));
	}
	s->db = NULL;
	store_free(s);
	return rc;
}

/* ---- transactions -------------------------------------------------------- */

int store_begin(struct store *s)
{
	if (s->in_txn)
		return store_fail(s, STORE_ERR, "a transaction is already open");
	int rc = store_exec(s, "BEGIN IMMEDIATE");
	if (rc == 0)
		s->in_txn = true;
	return rc;
}

int store_commit(struct store *s)
{
	int rc = store_exec(s, "COMMIT");
	if (rc == 0)
		s->in_txn = false;
	return rc;
}

int store_rollback(struct store *s)
{
	s->in_txn = false;
	if (sqlite3_get_autocommit(s->db))
		return 0; /* SQLite already rolled back (e.g. after an I/O error) */
	return store_exec(s, "ROLLBACK");
}

/* ---- metadata -------------------------------------------------------------- */

int store_meta_get(struct store *s, const char *key, char **out)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = ?";
	*out = NULL;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		*out = strdup(v ? v : "");
		sqlite3_reset(st);
		return *out ? 0 : store_fail(s, STORE_ENOMEM, "out of memory");
	}
	if (rc != SQLITE_DONE) {
		int code = store_fail_sql(s, rc, "read metadata");
		sqlite3_reset(st);
		return code;
	}
	sqlite3_reset(st);
	return 0;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
	static const char set_sql[] = "INSERT INTO meta(key, value) VALUES(?, ?) "
				      "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
	static const char del_sql[] = "DELETE FROM meta WHERE key = ?";
	sqlite3_stmt *st = store_stmt(s, value ? set_sql : del_sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return store_step_done(s, st, "write metadata");
}

int store_require_populated(struct store *s)
{
	char *v = NULL;
	int rc = store_meta_get(s, "populated", &v);
	if (rc)
		return rc;
	bool ok = v != NULL;
	free(v);
	if (!ok)
		return store_fail(s, STORE_EEMPTY,
				  "no fetch or import has completed into this store");
	return 0;
}

int store_mark_populated(struct store *s)
{
	return store_meta_set(s, "populated", "1");
}

int store_get_instance(struct store *s, char **out)
{
	return store_meta_get(s, "instance", out);
}

int store_set_instance(struct store *s, const char *url)
{
	char *cur = NULL;
	int rc = store_meta_get(s, "instance", &cur);
	if (rc)
		return rc;
	if (cur && strcmp(cur, url) != 0) {
		rc = store_fail(s, STORE_EINSTANCE, "holds issues of %s, not %s", cur, url);
		free(cur);
		return rc;
	}
	free(cur);
	if ((rc = store_meta_set(s, "instance", url)) < 0)
		return rc;
	return store_meta_set(s, "instance.origin", "fetch");
}

int store_set_instance_imported(struct store *s, const char *url)
{
	int rc = store_meta_set(s, "instance", url);
	if (rc < 0)
		return rc;
	return store_meta_set(s, "instance.origin", "import");
}

int store_get_instance_origin(struct store *s, enum store_instance_origin *out)
{
	char *url = NULL, *origin = NULL, *started = NULL;
	int rc;
	*out = STORE_INSTANCE_NONE;
	if ((rc = store_meta_get(s, "instance", &url)) < 0 || !url)
		goto done;
	if ((rc = store_meta_get(s, "instance.origin", &origin)) < 0)
		goto done;
	if (origin) {
		*out =
		    strcmp(origin, "fetch") == 0 ? STORE_INSTANCE_FETCHED : STORE_INSTANCE_IMPORTED;
		goto done;
	}
	/* older stores: an import clears the fetch marks, a fetch writes them */
	if ((rc = store_meta_get(s, "fetch.started_at", &started)) < 0)
		goto done;
	*out = started ? STORE_INSTANCE_FETCHED : STORE_INSTANCE_IMPORTED;
done:
	free(url);
	free(origin);
	free(started);
	return rc < 0 ? rc : 0;
}
