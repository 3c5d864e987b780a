/* The crawl state that fetch records between runs: seeds, seed projects and
 * the marks of the last fetch. (The frontier itself is in store/crawl.c.) */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

void store_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int store_get_seeds(struct store *s, char ***out)
{
	static const char sql[] = "SELECT seed FROM crawl_seeds ORDER BY pos";
	*out = NULL;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	size_t n = 0, cap = 8;
	char **v = calloc(cap + 1, sizeof *v);
	int rc;
	if (!v)
		return store_fail(s, STORE_ENOMEM, "out of memory");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			if (cap > SIZE_MAX / 2 / sizeof *v - 1)
				goto nomem;
			char **nv = realloc(v, (cap * 2 + 1) * sizeof *v);
			if (!nv)
				goto nomem;
			v = nv;
			cap *= 2;
		}
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!(v[n] = strdup(t ? t : "")))
			goto nomem;
		v[++n] = NULL;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_strv_free(v);
		return store_fail_sql(s, rc, "read seeds");
	}
	*out = v;
	return 0;
nomem:
	sqlite3_reset(st);
	store_strv_free(v);
	return store_fail(s, STORE_ENOMEM, "out of memory");
}

int store_set_seeds(struct store *s, const char *const *seeds, size_t n)
{
	static const char del_sql[] = "DELETE FROM crawl_seeds";
	static const char ins_sql[] = "INSERT INTO crawl_seeds(pos, seed) VALUES(?, ?)";
	int rc = store_savepoint(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_stmt(s, del_sql);
	if (!st || (rc = store_step_done(s, st, "write seeds")) < 0) {
		rc = rc ? rc : STORE_ERR;
		goto done;
	}
	for (size_t k = 0; k < n; k++) {
		if (!(st = store_stmt(s, ins_sql))) {
			rc = STORE_ERR;
			goto done;
		}
		sqlite3_bind_int64(st, 1, (int64_t)k);
		sqlite3_bind_text(st, 2, seeds[k], -1, SQLITE_STATIC);
		if ((rc = store_step_done(s, st, "write seeds")) < 0)
			goto done;
	}
done:
	if (rc < 0) {
		store_rollback_to(s);
		return rc;
	}
	return store_release(s);
}

int store_collect_ids(struct store *s, sqlite3_stmt *st, int64_t **ids, size_t *n, const char *what)
{
	size_t len = 0, cap = 0;
	int64_t *v = NULL;
	int rc;
	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			int64_t *nv =
			    ncap > SIZE_MAX / sizeof *nv ? NULL : realloc(v, ncap * sizeof *nv);
			if (!nv) {
				sqlite3_reset(st);
				free(v);
				return store_fail(s, STORE_ENOMEM, "out of memory");
			}
			v = nv;
			cap = ncap;
		}
		v[len++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail_sql(s, rc, what);
	}
	*ids = v;
	*n = len;
	return 0;
}

int store_seed_projects(struct store *s, int64_t **ids, size_t *n)
{
	static const char sql[] =
	    "SELECT project_id FROM crawl_projects WHERE is_seed != 0 ORDER BY project_id";
	*ids = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	return store_collect_ids(s, st, ids, n, "read seed projects");
}

int store_get_fetch_info(struct store *s, struct store_fetch_info *out)
{
	char *completed = NULL;
	out->started_at = NULL;
	out->completed = false;
	int rc = store_meta_get(s, "fetch.started_at", &out->started_at);
	if (rc)
		return rc;
	if ((rc = store_meta_get(s, "fetch.completed", &completed)) < 0) {
		free(out->started_at);
		out->started_at = NULL;
		return rc;
	}
	out->completed = completed && strcmp(completed, "0") != 0 && strcmp(completed, "") != 0 &&
			 strcmp(completed, "false") != 0;
	free(completed);
	return 0;
}
