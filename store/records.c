/*
 * Projects, issues and links: writes, lookups and iteration. Every
 * statement is prepared once per handle (store_stmt). Upserts, not
 * INSERT OR REPLACE: REPLACE deletes the old row first, which would
 * cascade away an issue's links whenever the issue is refreshed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Map a failed write, naming a missing parent as bad input. */
static int write_failed(struct store *s, int rc, const char *what)
{
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(s, STORE_EINVAL,
				  "%s: refers to a project or issue not in the store", what);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return store_fail(s, STORE_EINVAL, "%s: %s", what, sqlite3_errmsg(s->db));
	return store_fail_sql(s, rc, what);
}

static int step_write(struct store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return write_failed(s, rc, what);
	return 0;
}

/* The upsert clauses: REPLACE would delete the old row first (see above). */
#define PROJECT_INSERT "INSERT INTO projects(id, path, web_url) VALUES(?, ?, ?)"
#define PROJECT_UPSERT                                                                             \
	" ON CONFLICT(id) DO UPDATE SET path = excluded.path, web_url = excluded.web_url"

int store_write_project(struct store *s, const struct store_project *p, bool upsert)
{
	static const char insert[] = PROJECT_INSERT;
	static const char upsert_sql[] = PROJECT_INSERT PROJECT_UPSERT;
	sqlite3_stmt *st = store_stmt(s, upsert ? upsert_sql : insert);
	if (!st)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, p->id);
	store_bind_text(st, 2, p->path);
	store_bind_text(st, 3, p->web_url);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

int store_put_project(struct store *s, const struct store_project *p)
{
	if (!p->path)
		return store_fail(s, STORE_EINVAL, "project %lld: no path", (long long)p->id);
	int rc = store_write_project(s, p, true);
	if (rc != SQLITE_DONE)
		return write_failed(s, rc, "put project");
	return 0;
}

#define ISSUE_INSERT                                                                               \
	"INSERT INTO issues(id, project_id, iid, title, state, confidential, weight, "             \
	"time_estimate, total_time_spent, milestone_title, milestone_due, due_date, labels, "      \
	"created_at, updated_at, closed_at, web_url, assignees) "                                  \
	"VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ISSUE_UPSERT                                                                               \
	" ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, iid = excluded.iid, "    \
	"title = excluded.title, state = excluded.state, confidential = excluded.confidential, "   \
	"weight = excluded.weight, time_estimate = excluded.time_estimate, "                       \
	"total_time_spent = excluded.total_time_spent, "                                           \
	"milestone_title = excluded.milestone_title, milestone_due = excluded.milestone_due, "     \
	"due_date = excluded.due_date, labels = excluded.labels, "                                 \
	"created_at = excluded.created_at, updated_at = excluded.updated_at, "                     \
	"closed_at = excluded.closed_at, web_url = excluded.web_url, "                             \
	"assignees = excluded.assignees"

int store_write_issue(struct store *s, const struct store_issue *i, bool upsert)
{
	static const char insert[] = ISSUE_INSERT;
	static const char upsert_sql[] = ISSUE_INSERT ISSUE_UPSERT;
	sqlite3_stmt *st = store_stmt(s, upsert ? upsert_sql : insert);
	if (!st)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, i->id);
	sqlite3_bind_int64(st, 2, i->project_id);
	sqlite3_bind_int64(st, 3, i->iid);
	store_bind_text(st, 4, i->title ? i->title : "");
	sqlite3_bind_int(st, 5, i->state == STORE_STATE_CLOSED ? 1 : 0);
	sqlite3_bind_int(st, 6, i->confidential ? 1 : 0);
	if (i->has_weight)
		sqlite3_bind_int64(st, 7, i->weight);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_int64(st, 8, i->time_estimate);
	sqlite3_bind_int64(st, 9, i->total_time_spent);
	store_bind_text(st, 10, i->milestone_title);
	store_bind_text(st, 11, i->milestone_due);
	store_bind_text(st, 12, i->due_date);
	store_bind_text(st, 13, i->labels_json ? i->labels_json : "[]");
	store_bind_text(st, 14, i->created_at);
	store_bind_text(st, 15, i->updated_at);
	store_bind_text(st, 16, i->closed_at);
	store_bind_text(st, 17, i->web_url);
	store_bind_text(st, 18, i->assignees_json ? i->assignees_json : "[]");
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

int store_put_issue(struct store *s, const struct store_issue *i)
{
	int rc = store_write_issue(s, i, true);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(s, STORE_EINVAL, "issue %lld: project %lld is not in the store",
				  (long long)i->id, (long long)i->project_id);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return store_fail(
		    s, STORE_EINVAL,
		    "issue %lld: project %lld already has another issue with iid %lld",
		    (long long)i->id, (long long)i->project_id, (long long)i->iid);
	if (rc != SQLITE_DONE)
		return write_failed(s, rc, "put issue");
	return 0;
}

#define LINK_INSERT "INSERT INTO links(id, source_id, target_id, type) VALUES(?, ?, ?, ?)"
#define LINK_UPSERT                                                                                \
	" ON CONFLICT(id) DO UPDATE SET source_id = excluded.source_id, "                          \
	"target_id = excluded.target_id, type = excluded.type"

int store_write_link(struct store *s, const struct store_link *l, bool upsert)
{
	static const char insert[] = LINK_INSERT;
	static const char upsert_sql[] = LINK_INSERT LINK_UPSERT;
	sqlite3_stmt *st = store_stmt(s, upsert ? upsert_sql : insert);
	if (!st)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, l->id);
	sqlite3_bind_int64(st, 2, l->source_id);
	sqlite3_bind_int64(st, 3, l->target_id);
	sqlite3_bind_int(st, 4, (int)l->type);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc;
}

static int insert_link(struct store *s, const struct store_link *l)
{
	if (l->type != STORE_LINK_BLOCKS && l->type != STORE_LINK_RELATES)
		return store_fail(s, STORE_EINVAL, "link %lld: unknown type %d", (long long)l->id,
				  (int)l->type);
	struct store_link n = *l;
	store_link_normalize(&n);
	int rc = store_write_link(s, &n, true);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return store_fail(
		    s, STORE_EINVAL, "link %lld: issue %lld or %lld is not in the store",
		    (long long)l->id, (long long)l->source_id, (long long)l->target_id);
	if (rc != SQLITE_DONE)
		return write_failed(s, rc, "put link");
	return 0;
}

int store_put_link(struct store *s, const struct store_link *l)
{
	return insert_link(s, l);
}

int store_replace_links_of(struct store *s, int64_t issue_id, const struct store_link *links,
			   size_t n)
{
	static const char del_sql[] = "DELETE FROM links WHERE source_id = ?1 OR target_id = ?1";
	int rc = store_savepoint(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, del_sql);
	if (!st) {
		rc = STORE_ERR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, issue_id);
	if ((rc = step_write(s, st, "replace links")) < 0)
		goto done;
	for (size_t k = 0; k < n; k++) {
		if (links[k].source_id != issue_id && links[k].target_id != issue_id) {
			rc = store_fail(s, STORE_EINVAL, "link %lld does not touch issue %lld",
					(long long)links[k].id, (long long)issue_id);
			goto done;
		}
		if ((rc = insert_link(s, &links[k])) < 0)
			goto done;
	}
done:
	return store_savepoint_end(s, rc);
}

int store_delete_issue(struct store *s, int64_t issue_id)
{
	static const char sql[] = "DELETE FROM issues WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, issue_id);
	return step_write(s, st, "delete issue");
}

int store_clear(struct store *s)
{
	/* Children first: foreign keys are on. */
	static const char sql[] =
	    "DELETE FROM crawl_issues; DELETE FROM crawl_projects; DELETE FROM crawl_seed; "
	    "DELETE FROM crawl_inaccessible; DELETE FROM text_deps; DELETE FROM text_dropped; "
	    "DELETE FROM links; DELETE FROM issues; "
	    "DELETE FROM projects; DELETE FROM meta WHERE key IN ('instance', 'instance.origin', "
	    "'populated') "
	    "OR key LIKE 'fetch.%';";
	return store_exec_atomic(s, sql);
}

/* ---- reads ----------------------------------------------------------------- */

#define ISSUE_COLUMNS                                                                              \
	"id, project_id, iid, title, state, confidential, weight, time_estimate, "                 \
	"total_time_spent, milestone_title, milestone_due, due_date, labels, assignees, created_at, "\
	"updated_at, closed_at, web_url"

static void issue_from_row(sqlite3_stmt *st, struct store_issue *i)
{
	i->id = sqlite3_column_int64(st, 0);
	i->project_id = sqlite3_column_int64(st, 1);
	i->iid = sqlite3_column_int64(st, 2);
	i->title = col_text(st, 3);
	i->state = sqlite3_column_int(st, 4) ? STORE_STATE_CLOSED : STORE_STATE_OPENED;
	i->confidential = sqlite3_column_int(st, 5) != 0;
	i->has_weight = sqlite3_column_type(st, 6) != SQLITE_NULL;
	i->weight = sqlite3_column_int64(st, 6);
	i->time_estimate = sqlite3_column_int64(st, 7);
	i->total_time_spent = sqlite3_column_int64(st, 8);
	i->milestone_title = col_text(st, 9);
	i->milestone_due = col_text(st, 10);
	i->due_date = col_text(st, 11);
	i->labels_json = col_text(st, 12);
	if (!i->labels_json)
		i->labels_json = "[]";
	i->assignees_json = col_text(st, 13);
	if (!i->assignees_json)
		i->assignees_json = "[]";
	bool stamps = sqlite3_column_count(st) > 14;
	i->created_at = stamps ? col_text(st, 14) : NULL;
	i->updated_at = stamps ? col_text(st, 15) : NULL;
	i->closed_at = stamps ? col_text(st, 16) : NULL;
	i->web_url = stamps ? col_text(st, 17) : NULL;
}

int store_walk_rows(struct store *s, sqlite3_stmt *st, int (*each)(sqlite3_stmt *, void *),
		    void *arg, const char *what)
{
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = each(st, arg);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, what);
	return 0;
}

struct project_walk {
	store_project_cb cb;
	void *ctx;
};

static int each_project_row(sqlite3_stmt *st, void *arg)
{
	struct project_walk *w = arg;
	struct store_project p = {
	    .id = sqlite3_column_int64(st, 0),
	    .path = col_text(st, 1),
	    .web_url = col_text(st, 2),
	};
	return w->cb(w->ctx, &p);
}

struct issue_walk {
	store_issue_cb cb;
	void *ctx;
};

static int each_issue_row(sqlite3_stmt *st, void *arg)
{
	struct issue_walk *w = arg;
	struct store_issue i;
	issue_from_row(st, &i);
	return w->cb(w->ctx, &i);
}

struct link_walk {
	store_link_cb cb;
	void *ctx;
};

static int each_link_row(sqlite3_stmt *st, void *arg)
{
	struct link_walk *w = arg;
	struct store_link l = {
	    .id = sqlite3_column_int64(st, 0),
	    .source_id = sqlite3_column_int64(st, 1),
	    .target_id = sqlite3_column_int64(st, 2),
	    .type = (enum store_link_type)sqlite3_column_int(st, 3),
	};
	return w->cb(w->ctx, &l);
}

static int each_brief_row(sqlite3_stmt *st, void *arg)
{
	struct issue_walk *w = arg;
	struct store_issue i = {
	    .id = sqlite3_column_int64(st, 0),
	    .project_id = sqlite3_column_int64(st, 1),
	    .iid = sqlite3_column_int64(st, 2),
	    .state = sqlite3_column_int(st, 3) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
	    .confidential = sqlite3_column_int(st, 4) != 0,
	    .has_weight = sqlite3_column_type(st, 5) != SQLITE_NULL,
	    .weight = sqlite3_column_int64(st, 5),
	    .time_estimate = sqlite3_column_int64(st, 6),
	    .total_time_spent = sqlite3_column_int64(st, 7),
	    .milestone_title = col_text(st, 8),
	    .milestone_due = col_text(st, 9),
	    .due_date = col_text(st, 10),
	    .labels_json = "[]",
	    .assignees_json = "[]",
	};
	return w->cb(w->ctx, &i);
}

int store_walk_projects(struct store *s, sqlite3_stmt *st, store_project_cb cb, void *ctx,
			const char *what)
{
	struct project_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_project_row, &w, what);
}

int store_walk_issues(struct store *s, sqlite3_stmt *st, store_issue_cb cb, void *ctx,
		      const char *what)
{
	struct issue_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_issue_row, &w, what);
}

int store_walk_issues_brief(struct store *s, sqlite3_stmt *st, store_issue_cb cb, void *ctx,
			    const char *what)
{
	struct issue_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_brief_row, &w, what);
}

int store_walk_links(struct store *s, sqlite3_stmt *st, store_link_cb cb, void *ctx,
		     const char *what)
{
	struct link_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_link_row, &w, what);
}

int store_each_project(struct store *s, store_project_cb cb, void *ctx)
{
	static const char sql[] = "SELECT id, path, web_url FROM projects ORDER BY id";
	return store_walk_projects(s, store_stmt(s, sql), cb, ctx, "read projects");
}

int store_each_issue(struct store *s, store_issue_cb cb, void *ctx)
{
	static const char sql[] = "SELECT " ISSUE_COLUMNS " FROM issues ORDER BY id";
	return store_walk_issues(s, store_stmt(s, sql), cb, ctx, "read issues");
}

int store_each_link(struct store *s, store_link_cb cb, void *ctx)
{
	static const char sql[] = "SELECT id, source_id, target_id, type FROM links ORDER BY id";
	return store_walk_links(s, store_stmt(s, sql), cb, ctx, "read links");
}

int store_each_issue_brief(struct store *s, unsigned filter, store_issue_cb cb, void *ctx)
{
	/* Only what analysis reads; rowid order is a plain table scan. */
#define BRIEF_SQL "SELECT id, " STORE_ISSUE_BRIEF_COLUMNS " FROM issues"
	static const char all_sql[] = BRIEF_SQL;
	static const char open_sql[] = BRIEF_SQL " WHERE state = 0";
#undef BRIEF_SQL
	return store_walk_issues_brief(
	    s, store_stmt(s, (filter & STORE_WALK_OPEN_ONLY) ? open_sql : all_sql), cb, ctx,
	    "read issues");
}

int store_each_link_fast(struct store *s, unsigned filter, store_link_cb cb, void *ctx)
{
	static const char all_sql[] = "SELECT id, source_id, target_id, type FROM links";
	static const char blocks_sql[] =
	    "SELECT id, source_id, target_id, type FROM links WHERE type = 1";
	static const char relates_sql[] =
	    "SELECT id, source_id, target_id, type FROM links WHERE type = 2";
	const char *sql = (filter & STORE_WALK_BLOCKS_ONLY)    ? blocks_sql
			  : (filter & STORE_WALK_RELATES_ONLY) ? relates_sql
							       : all_sql;
	return store_walk_links(s, store_stmt(s, sql), cb, ctx, "read links");
}

int store_get_issue(struct store *s, int64_t id, store_issue_cb cb, void *ctx)
{
	static const char sql[] = "SELECT " ISSUE_COLUMNS " FROM issues WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct store_issue i;
		issue_from_row(st, &i);
		int r = cb(ctx, &i);
		sqlite3_reset(st);
		return r;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return store_fail(s, STORE_ENOTFOUND, "issue %lld is not in the store",
				  (long long)id);
	return store_fail_sql(s, rc, "read issue");
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Above this many ids one scan of the table beats a look-up per id (a
 * 1M-step critical path, a report on every issue). */
#define GET_ISSUES_SCAN 20000

struct issues_in_walk {
	store_issue_cb cb;
	void *ctx;
	const int64_t *ids; /* sorted, distinct */
	size_t n, at;
};

/* Table rows ascending by id, merged with the sorted ids. */
static int each_issue_in_row(sqlite3_stmt *st, void *arg)
{
	struct issues_in_walk *w = arg;
	int64_t id = sqlite3_column_int64(st, 0);
	while (w->at < w->n && w->ids[w->at] < id)
		w->at++;
	if (w->at == w->n)
		return 1; /* past the last id wanted: stop the scan */
	if (w->ids[w->at] != id)
		return 0;
	struct store_issue i;
	issue_from_row(st, &i);
	return w->cb(w->ctx, &i);
}

int store_get_issues(struct store *s, const int64_t *ids, size_t n, store_issue_cb cb, void *ctx)
{
	static const char scan_sql[] = "SELECT " ISSUE_COLUMNS " FROM issues ORDER BY id";
	static const char in_sql[] = "SELECT " ISSUE_COLUMNS " FROM issues WHERE id IN "
				     "(SELECT value FROM json_each(?1)) ORDER BY id";
	int64_t *sorted = NULL;
	char *list = NULL;
	int rc = 0;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / 24 || !(sorted = malloc(n * sizeof *sorted))) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(sorted, ids, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_id);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || sorted[m - 1] != sorted[i])
			sorted[m++] = sorted[i];
	struct issues_in_walk w = {cb, ctx, sorted, m, 0};
	sqlite3_stmt *st = NULL;
	if (m > GET_ISSUES_SCAN) {
		st = store_stmt(s, scan_sql);
	} else {
		/* the ids as one JSON array bound to one statement */
		size_t cap = m * 21 + 3, len = 0;
		if (!(list = malloc(cap))) {
			rc = store_fail(s, STORE_ENOMEM, "out of memory");
			goto done;
		}
		list[len++] = '[';
		for (size_t i = 0; i < m; i++)
			len += (size_t)snprintf(list + len, cap - len, i ? ",%lld" : "%lld",
						(long long)sorted[i]);
		list[len++] = ']';
		list[len] = '\0';
		if ((st = store_stmt(s, in_sql)))
			sqlite3_bind_text(st, 1, list, (int)len, SQLITE_STATIC);
	}
	if (!st) {
		rc = STORE_ERR;
		goto done;
	}
	rc = store_walk_rows(s, st, each_issue_in_row, &w, "read issues");
	if (rc == 1 && w.at == w.n)
		rc = 0;
	sqlite3_clear_bindings(st);
done:
	free(sorted);
	free(list);
	return rc;
}

int store_find_issue(struct store *s, const char *project_path, int64_t iid, int64_t *id_out)
{
	static const char sql[] =
	    "SELECT i.id FROM issues i JOIN projects p ON p.id = i.project_id "
	    "WHERE p.path = ? AND i.iid = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_text(st, 1, project_path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, iid);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return store_fail(s, STORE_ENOTFOUND, "%s#%lld is not in the store", project_path,
				  (long long)iid);
	return store_fail_sql(s, rc, "find issue");
}

int store_get_project(struct store *s, int64_t id, store_project_cb cb, void *ctx)
{
	static const char sql[] = "SELECT id, path, web_url FROM projects WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int r = each_project_row(st, &(struct project_walk){cb, ctx});
		sqlite3_reset(st);
		return r;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return store_fail(s, STORE_ENOTFOUND, "project %lld is not in the store",
				  (long long)id);
	return store_fail_sql(s, rc, "read project");
}

int store_counts(struct store *s, struct store_counts *out)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM projects), "
	    "(SELECT count(*) FROM issues WHERE state = 0), "
	    "(SELECT count(*) FROM issues WHERE state = 1), "
	    "(SELECT count(*) FROM links WHERE type = 1), "
	    "(SELECT count(*) FROM links WHERE type = 2), "
	    "(SELECT count(*) FROM (SELECT DISTINCT "
	    "CASE type WHEN 1 THEN source_id ELSE target_id END, "
	    "CASE type WHEN 1 THEN target_id ELSE source_id END FROM text_deps))";
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->projects = sqlite3_column_int64(st, 0);
		out->issues_opened = sqlite3_column_int64(st, 1);
		out->issues_closed = sqlite3_column_int64(st, 2);
		out->links_blocks = sqlite3_column_int64(st, 3);
		out->links_relates = sqlite3_column_int64(st, 4);
		out->text_deps = sqlite3_column_int64(st, 5);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "count");
	return 0;
}
