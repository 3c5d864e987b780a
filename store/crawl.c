/* The crawl frontier and listing state of fetch (declared in the
 * "crawl (fetch)" block of store.h). */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

int store_crawl_put_project(struct store *s, const struct store_crawl_project *p)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO crawl_projects(project_id, is_seed, accessible, list_next, "
	    "list_updated_after, list_done) VALUES(?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, p->project_id);
	sqlite3_bind_int(st, 2, p->is_seed);
	sqlite3_bind_int(st, 3, p->accessible ? 1 : 0);
	store_bind_text(st, 4, p->list_next);
	store_bind_text(st, 5, p->list_updated_after);
	sqlite3_bind_int(st, 6, p->list_done ? 1 : 0);
	return store_step_done(s, st, "write crawl project");
}

int store_crawl_each_project(struct store *s, store_crawl_project_cb cb, void *ctx)
{
	static const char sql[] = "SELECT project_id, is_seed, accessible, list_next, "
				  "list_updated_after, list_done FROM crawl_projects ORDER BY "
				  "project_id";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, ret = 0;
	if (!st)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_crawl_project p = {
		    .project_id = sqlite3_column_int64(st, 0),
		    .is_seed = (enum store_crawl_role)sqlite3_column_int(st, 1),
		    .accessible = sqlite3_column_int(st, 2) != 0,
		    .list_next = (const char *)sqlite3_column_text(st, 3),
		    .list_updated_after = (const char *)sqlite3_column_text(st, 4),
		    .list_done = sqlite3_column_int(st, 5) != 0,
		};
		if ((ret = cb(ctx, &p)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_fail_sql(s, rc, "read crawl projects");
	sqlite3_reset(st);
	return ret;
}

int store_crawl_get_issue(struct store *s, int64_t issue_id, struct store_crawl_issue *out)
{
	static const char sql[] = "SELECT c.hop, c.expanded, i.project_id, i.iid FROM crawl_issues "
				  "c JOIN issues i ON i.id = c.issue_id WHERE c.issue_id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, issue_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->issue_id = issue_id;
		out->hop = sqlite3_column_int64(st, 0);
		out->expanded = sqlite3_column_int(st, 1) != 0;
		out->project_id = sqlite3_column_int64(st, 2);
		out->iid = sqlite3_column_int64(st, 3);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read crawl issue");
	return STORE_ENOTFOUND;
}

int store_crawl_put_issue(struct store *s, int64_t issue_id, int64_t hop, bool expanded)
{
	static const char sql[] =
	    "INSERT OR REPLACE INTO crawl_issues(issue_id, hop, expanded) VALUES(?, ?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, issue_id);
	sqlite3_bind_int64(st, 2, hop);
	sqlite3_bind_int(st, 3, expanded ? 1 : 0);
	return store_step_done(s, st, "write crawl issue");
}

int store_crawl_each_pending(struct store *s, int64_t max_hop, store_crawl_issue_cb cb, void *ctx)
{
	static const char sql[] = "SELECT c.issue_id, c.hop, i.project_id, i.iid FROM crawl_issues "
				  "c JOIN issues i ON i.id = c.issue_id WHERE c.expanded = 0 AND "
				  "c.hop < ? ORDER BY c.hop, c.issue_id";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, ret = 0;
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, max_hop);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_crawl_issue i = {
		    .issue_id = sqlite3_column_int64(st, 0),
		    .hop = sqlite3_column_int64(st, 1),
		    .project_id = sqlite3_column_int64(st, 2),
		    .iid = sqlite3_column_int64(st, 3),
		    .expanded = false,
		};
		if ((ret = cb(ctx, &i)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		ret = store_fail_sql(s, rc, "read crawl frontier");
	sqlite3_reset(st);
	return ret;
}

int store_crawl_reset(struct store *s, bool keep_issues)
{
	int rc = store_exec(s, "DELETE FROM crawl_projects; DELETE FROM crawl_inaccessible;");
	if (rc || keep_issues)
		return rc;
	return store_exec(s, "DELETE FROM crawl_issues");
}

int store_crawl_mark_inaccessible(struct store *s, int64_t project_id, int64_t iid)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO crawl_inaccessible(project_id, iid) VALUES(?, ?)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_int64(st, 2, iid);
	return store_step_done(s, st, "write inaccessible");
}

int store_crawl_prune(struct store *s, int64_t *n)
{
	static const char sql[] = "SELECT id FROM issues WHERE id NOT IN (SELECT issue_id FROM "
				  "crawl_issues) ORDER BY id";
	int64_t *ids = NULL;
	size_t k = 0;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc = store_collect_ids(s, st, &ids, &k, "find unreached issues");
	for (size_t i = 0; rc == 0 && i < k; i++)
		rc = store_delete_issue(s, ids[i]);
	free(ids);
	if (rc)
		return rc;
	*n = (int64_t)k;
	return store_exec(s, "DELETE FROM projects WHERE id NOT IN (SELECT project_id FROM issues) "
			     "AND id NOT IN (SELECT project_id FROM crawl_projects WHERE is_seed "
			     "!= 0)");
}

int store_crawl_issue_projects(struct store *s, int64_t **ids, size_t *n)
{
	static const char sql[] = "SELECT DISTINCT project_id FROM issues ORDER BY project_id";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	return store_collect_ids(s, st, ids, n, "read projects of issues");
}

int store_crawl_project_iids(struct store *s, int64_t project_id, int64_t after_iid, size_t max,
			     int64_t **iids, size_t *n)
{
	static const char sql[] =
	    "SELECT iid FROM issues WHERE project_id = ? AND iid > ? ORDER BY iid LIMIT ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_int64(st, 2, after_iid);
	sqlite3_bind_int64(st, 3, (int64_t)max);
	return store_collect_ids(s, st, iids, n, "read stored iids");
}
