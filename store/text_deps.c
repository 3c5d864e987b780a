/*
 * Text dependencies (read from descriptions by fetch, or imported) and the
 * counts of references a description held that could not be read. One row
 * per (source, target, type): a second mention keeps the smallest line.
 * Rows go with either issue (ON DELETE CASCADE).
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static int check_dep(struct store *s, int64_t source_id, const struct store_text_dep *d)
{
	if (d->source_id != source_id)
		return store_fail(
		    s, STORE_EINVAL, "text dependency %lld -> %lld is not held by issue %lld",
		    (long long)d->source_id, (long long)d->target_id, (long long)source_id);
	if (d->target_id == d->source_id)
		return store_fail(s, STORE_EINVAL, "text dependency of issue %lld names itself",
				  (long long)d->source_id);
	if (d->type != STORE_TEXT_BLOCKS && d->type != STORE_TEXT_BLOCKED_BY)
		return store_fail(s, STORE_EINVAL, "text dependency %lld -> %lld: unknown type %d",
				  (long long)d->source_id, (long long)d->target_id, (int)d->type);
	if (d->line < 1)
		return store_fail(
		    s, STORE_EINVAL, "text dependency %lld -> %lld: line %lld is not >= 1",
		    (long long)d->source_id, (long long)d->target_id, (long long)d->line);
	if (!d->phrase)
		return store_fail(s, STORE_EINVAL, "text dependency %lld -> %lld: no phrase",
				  (long long)d->source_id, (long long)d->target_id);
	return 0;
}

static int insert_dep(struct store *s, const struct store_text_dep *d)
{
	/* The smallest line wins, and its phrase with it. */
	static const char sql[] =
	    "INSERT INTO text_deps(source_id, target_id, type, line, phrase) "
	    "VALUES(?, ?, ?, ?, ?) ON CONFLICT(source_id, target_id, type) DO UPDATE SET "
	    "phrase = CASE WHEN excluded.line < line THEN excluded.phrase ELSE phrase END, "
	    "line = min(line, excluded.line)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, d->source_id);
	sqlite3_bind_int64(st, 2, d->target_id);
	sqlite3_bind_int(st, 3, (int)d->type);
	sqlite3_bind_int64(st, 4, d->line);
	sqlite3_bind_text(st, 5, d->phrase, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(s, STORE_EINVAL,
				  "text dependency %lld -> %lld: issue %lld or %lld is not in the "
				  "store",
				  (long long)d->source_id, (long long)d->target_id,
				  (long long)d->source_id, (long long)d->target_id);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "put text dependency");
	return 0;
}

int store_replace_text_deps_of(struct store *s, int64_t source_id, const struct store_text_dep *d,
			       size_t n)
{
	static const char del_sql[] = "DELETE FROM text_deps WHERE source_id = ?";
	static const char has_sql[] = "SELECT 1 FROM issues WHERE id = ?";
	int rc = 0;
	for (size_t k = 0; k < n; k++)
		if ((rc = check_dep(s, source_id, &d[k])) < 0)
			return rc;
	sqlite3_stmt *st = store_stmt(s, has_sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, source_id);
	int src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src == SQLITE_DONE)
		return store_fail(s, STORE_EINVAL, "issue %lld is not in the store",
				  (long long)source_id);
	if (src != SQLITE_ROW)
		return store_fail_sql(s, src, "replace text dependencies");

	if ((rc = store_savepoint(s)) < 0)
		return rc;
	if (!(st = store_stmt(s, del_sql))) {
		rc = STORE_ERR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, source_id);
	if ((rc = store_step_done(s, st, "replace text dependencies")) < 0)
		goto done;
	for (size_t k = 0; k < n; k++)
		if ((rc = insert_dep(s, &d[k])) < 0)
			goto done;
done:
	return store_savepoint_end(s, rc);
}

struct dep_walk {
	store_text_dep_cb cb;
	void *ctx;
};

static int each_dep_row(sqlite3_stmt *st, void *arg)
{
	struct dep_walk *w = arg;
	struct store_text_dep d = {
	    .source_id = sqlite3_column_int64(st, 0),
	    .target_id = sqlite3_column_int64(st, 1),
	    .type = (enum store_text_type)sqlite3_column_int(st, 2),
	    .line = sqlite3_column_int64(st, 3),
	    .phrase = (const char *)sqlite3_column_text(st, 4),
	};
	if (!d.phrase)
		d.phrase = "";
	return w->cb(w->ctx, &d);
}

int store_walk_text_deps(struct store *s, sqlite3_stmt *st, store_text_dep_cb cb, void *ctx,
			 const char *what)
{
	struct dep_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_dep_row, &w, what);
}

int store_each_text_dep(struct store *s, store_text_dep_cb cb, void *ctx)
{
	static const char sql[] = "SELECT source_id, target_id, type, line, phrase FROM text_deps "
				  "ORDER BY source_id, target_id, type, line";
	return store_walk_text_deps(s, store_stmt(s, sql), cb, ctx, "read text dependencies");
}

int store_each_text_dep_of_pair(struct store *s, int64_t blocker, int64_t blocked,
				store_text_dep_cb cb, void *ctx)
{
	static const char sql[] = "SELECT source_id, target_id, type, line, phrase FROM text_deps "
				  "WHERE (source_id = ?1 AND target_id = ?2 AND type = 1) "
				  "OR (source_id = ?2 AND target_id = ?1 AND type = 2) "
				  "ORDER BY source_id, target_id, type, line";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, blocker);
	sqlite3_bind_int64(st, 2, blocked);
	return store_walk_text_deps(s, st, cb, ctx, "read text dependencies");
}

int store_clear_text_deps(struct store *s)
{
	return store_exec_atomic(s, "DELETE FROM text_deps; DELETE FROM text_dropped;");
}

int store_set_text_dropped(struct store *s, int64_t issue_id, int64_t blocker_refs,
			   int64_t all_refs)
{
	static const char set_sql[] =
	    "INSERT INTO text_dropped(issue_id, blocker_refs, all_refs) VALUES(?, ?, ?) "
	    "ON CONFLICT(issue_id) DO UPDATE SET blocker_refs = excluded.blocker_refs, "
	    "all_refs = excluded.all_refs";
	static const char del_sql[] = "DELETE FROM text_dropped WHERE issue_id = ?";
	if (blocker_refs < 0 || all_refs < blocker_refs)
		return store_fail(
		    s, STORE_EINVAL, "issue %lld: dropped references %lld of %lld do not add up",
		    (long long)issue_id, (long long)blocker_refs, (long long)all_refs);
	bool drop = all_refs == 0;
	sqlite3_stmt *st = store_stmt(s, drop ? del_sql : set_sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, issue_id);
	if (!drop) {
		sqlite3_bind_int64(st, 2, blocker_refs);
		sqlite3_bind_int64(st, 3, all_refs);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(s, STORE_EINVAL, "issue %lld is not in the store",
				  (long long)issue_id);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "set dropped references");
	return 0;
}

struct dropped_walk {
	store_text_dropped_cb cb;
	void *ctx;
};

static int each_dropped_row(sqlite3_stmt *st, void *arg)
{
	struct dropped_walk *w = arg;
	return w->cb(w->ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
		     sqlite3_column_int64(st, 2));
}

int store_each_text_dropped(struct store *s, store_text_dropped_cb cb, void *ctx)
{
	static const char sql[] =
	    "SELECT issue_id, blocker_refs, all_refs FROM text_dropped ORDER BY issue_id";
	struct dropped_walk w = {cb, ctx};
	return store_walk_rows(s, store_stmt(s, sql), each_dropped_row, &w,
			       "read dropped references");
}

/* ---- what fetch remembers about references between runs ------------------- */

int store_add_text_dep(struct store *s, const struct store_text_dep *d)
{
	int rc = check_dep(s, d->source_id, d);
	return rc < 0 ? rc : insert_dep(s, d);
}

/* A project path that answered 403 or 404 to a text reference: a meta row
 * (no schema change), keyed by the lower-case path. */
#define GONE_PREFIX "textdeps.gone:"

int store_text_gone_add(struct store *s, const char *path)
{
	static const char sql[] = "INSERT OR IGNORE INTO meta(key, value) VALUES('" GONE_PREFIX
				  "' || ?, '1')";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st, "remember an unreadable project");
}

struct gone_walk {
	int (*cb)(void *ctx, const char *path);
	void *ctx;
};

static int each_gone_row(sqlite3_stmt *st, void *arg)
{
	struct gone_walk *w = arg;
	const char *k = (const char *)sqlite3_column_text(st, 0);
	size_t pl = strlen(GONE_PREFIX);
	if (!k || strncmp(k, GONE_PREFIX, pl) != 0)
		return 0;
	return w->cb(w->ctx, k + pl);
}

int store_text_gone_each(struct store *s, int (*cb)(void *ctx, const char *path), void *ctx)
{
	/* the range of keys starting with the prefix (':' + 1 is ';') */
	static const char sql[] = "SELECT key FROM meta WHERE key >= '" GONE_PREFIX
				  "' AND key < 'textdeps.gone;'";
	struct gone_walk w = {cb, ctx};
	return store_walk_rows(s, store_stmt(s, sql), each_gone_row, &w,
			       "read unreadable projects");
}

int store_text_gone_clear(struct store *s)
{
	static const char sql[] =
	    "DELETE FROM meta WHERE key >= '" GONE_PREFIX "' AND key < 'textdeps.gone;'";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	return store_step_done(s, st, "forget unreadable projects");
}

struct linkp_walk {
	int (*cb)(void *ctx, int64_t project_id);
	void *ctx;
};

static int each_linkp_row(sqlite3_stmt *st, void *arg)
{
	struct linkp_walk *w = arg;
	return w->cb(w->ctx, sqlite3_column_int64(st, 0));
}

int store_each_link_project(struct store *s, int (*cb)(void *ctx, int64_t project_id), void *ctx)
{
	static const char sql[] =
	    "SELECT DISTINCT project_id FROM issues WHERE id IN (SELECT source_id FROM links "
	    "UNION SELECT target_id FROM links) ORDER BY project_id";
	struct linkp_walk w = {cb, ctx};
	return store_walk_rows(s, store_stmt(s, sql), each_linkp_row, &w,
			       "read linked projects");
}
