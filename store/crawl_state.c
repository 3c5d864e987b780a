/* The crawl state that fetch records between runs: seeds, seed projects and
 * the marks of the last fetch. (The frontier itself is in store/crawl.c.) */
#include <stdio.h>
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

/* On disk a seed is one row of crawl_seed: its kind by name ('project',
 * 'group', 'issue'; the table's CHECK admits no other) and its value as
 * given. Migration 6 turned the older words ("--project g/a") into rows. */
static const char *const seed_kinds[] = {
    [STORE_SEED_PROJECT] = "project",
    [STORE_SEED_GROUP] = "group",
    [STORE_SEED_ISSUE] = "issue",
};
#define N_SEED_KINDS (sizeof seed_kinds / sizeof seed_kinds[0])

static const char *const seed_options[] = {
    [STORE_SEED_PROJECT] = "--project",
    [STORE_SEED_GROUP] = "--group",
    [STORE_SEED_ISSUE] = "--issue",
};

const char *store_seed_option(enum store_seed_kind kind)
{
	return (size_t)kind < N_SEED_KINDS ? seed_options[kind] : NULL;
}

static bool seed_kind_of(const char *name, enum store_seed_kind *kind)
{
	for (size_t k = 0; name && k < N_SEED_KINDS; k++)
		if (strcmp(name, seed_kinds[k]) == 0) {
			*kind = (enum store_seed_kind)k;
			return true;
		}
	return false;
}

/* Every recorded seed in order, to cb; stops at a nonzero return. */
static int each_seed(struct store *s,
		     int (*cb)(void *ctx, enum store_seed_kind kind, const char *value), void *ctx)
{
	static const char sql[] = "SELECT kind, value FROM crawl_seed ORDER BY pos";
	sqlite3_stmt *st = store_stmt(s, sql);
	int rc, ret = 0;
	if (!st)
		return STORE_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum store_seed_kind kind;
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (!seed_kind_of((const char *)sqlite3_column_text(st, 0), &kind) || !v)
			continue;
		if ((ret = cb(ctx, kind, v)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (ret)
		return ret;
	return rc == SQLITE_DONE ? 0 : store_fail_sql(s, rc, "read seeds");
}

struct seed_list {
	struct store_seed *v;
	char **values; /* owned copies, parallel to v */
	size_t n, cap;
};

static int collect_seed(void *ctx, enum store_seed_kind kind, const char *value)
{
	struct seed_list *l = ctx;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct store_seed *nv =
		    ncap > SIZE_MAX / sizeof *nv ? NULL : realloc(l->v, ncap * sizeof *nv);
		if (!nv)
			return STORE_ENOMEM;
		l->v = nv;
		char **nvals = realloc(l->values, ncap * sizeof *nvals);
		if (!nvals)
			return STORE_ENOMEM;
		l->values = nvals;
		l->cap = ncap;
	}
	if (!(l->values[l->n] = strdup(value)))
		return STORE_ENOMEM;
	l->v[l->n] = (struct store_seed){kind, l->values[l->n]};
	l->n++;
	return 0;
}

static void seed_list_free(struct seed_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->values[i]);
	free(l->values);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int read_seeds(struct store *s, struct seed_list *l)
{
	int rc = each_seed(s, collect_seed, l);
	if (rc == STORE_ENOMEM)
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
	if (rc < 0)
		seed_list_free(l);
	return rc;
}

int store_get_seeds(struct store *s, char ***out)
{
	struct seed_list l = {0};
	*out = NULL;
	int rc = read_seeds(s, &l);
	if (rc < 0)
		return rc;
	char **w = calloc(l.n + 1, sizeof *w);
	if (!w) {
		seed_list_free(&l);
		return store_fail(s, STORE_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *opt = seed_options[l.v[i].kind];
		size_t len = strlen(opt) + strlen(l.v[i].value) + 2;
		if (!(w[i] = malloc(len))) {
			store_strv_free(w);
			seed_list_free(&l);
			return store_fail(s, STORE_ENOMEM, "out of memory");
		}
		snprintf(w[i], len, "%s %s", opt, l.v[i].value);
	}
	seed_list_free(&l);
	*out = w;
	return 0;
}

int store_seeds_get(struct store *s, struct store_seed **out, size_t *n)
{
	struct seed_list l = {0};
	size_t bytes = 0;
	*out = NULL;
	*n = 0;
	int rc = read_seeds(s, &l);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < l.n; i++)
		bytes += strlen(l.v[i].value) + 1;
	/* one block: the array, then the values */
	struct store_seed *v = malloc(l.n * sizeof *v + bytes + 1);
	if (!v) {
		seed_list_free(&l);
		return store_fail(s, STORE_ENOMEM, "out of memory");
	}
	char *p = (char *)(v + l.n);
	for (size_t i = 0; i < l.n; i++) {
		size_t len = strlen(l.v[i].value) + 1;
		memcpy(p, l.v[i].value, len);
		v[i] = (struct store_seed){l.v[i].kind, p};
		p += len;
	}
	*n = l.n;
	seed_list_free(&l);
	*out = v;
	return 0;
}

int store_seeds_set(struct store *s, const struct store_seed *v, size_t n)
{
	static const char del_sql[] = "DELETE FROM crawl_seed";
	static const char ins_sql[] = "INSERT INTO crawl_seed(pos, kind, value) VALUES(?, ?, ?)";
	for (size_t k = 0; k < n; k++)
		if ((size_t)v[k].kind >= N_SEED_KINDS || !v[k].value)
			return store_fail(s, STORE_EINVAL, "a seed of no known kind");
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
		sqlite3_bind_text(st, 2, seed_kinds[v[k].kind], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, v[k].value, -1, SQLITE_TRANSIENT);
		if ((rc = store_step_done(s, st, "write seeds")) < 0)
			goto done;
	}
done:
	return store_savepoint_end(s, rc);
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

/* ---- the marks of a run (meta keys, the names every store has used) ---- */

static const char *const mode_names[] = {
    [STORE_CRAWL_MODE_FIRST] = "first",
    [STORE_CRAWL_MODE_FULL] = "full",
    [STORE_CRAWL_MODE_INCREMENTAL] = "incremental",
};

int store_crawl_begin(struct store *s, const struct store_crawl_run *r)
{
	if (r->mode == STORE_CRAWL_MODE_NONE ||
	    (size_t)r->mode >= sizeof mode_names / sizeof *mode_names)
		return store_fail(s, STORE_EINVAL, "a fetch run of no known mode");
	int rc;
	if ((rc = store_meta_set(s, "fetch.started_at", r->started_at)) < 0 ||
	    (rc = store_meta_set(s, "fetch.completed", "0")) < 0 ||
	    (rc = store_meta_set(s, "fetch.sync_mark", r->sync_mark ? r->sync_mark : "")) < 0 ||
	    (rc = store_meta_set(s, "fetch.mode", mode_names[r->mode])) < 0 ||
	    (rc = store_meta_set(s, "fetch.options", r->options)) < 0)
		return rc;
	return 0;
}

int store_crawl_complete(struct store *s)
{
	int rc = store_meta_set(s, "fetch.completed", "1");
	return rc < 0 ? rc : 0;
}

void store_crawl_run_release(struct store_crawl_run *r)
{
	if (!r)
		return;
	free(r->started_at);
	free(r->sync_mark);
	free(r->options);
	memset(r, 0, sizeof *r);
}

int store_crawl_run_get(struct store *s, struct store_crawl_run *out)
{
	char *completed = NULL, *mode = NULL;
	struct store_fetch_info info = {0};
	memset(out, 0, sizeof *out);
	int rc = store_get_fetch_info(s, &info);
	if (rc < 0)
		return rc;
	out->started_at = info.started_at;
	out->completed = info.completed;
	if ((rc = store_meta_get(s, "fetch.completed", &completed)) < 0 ||
	    (rc = store_meta_get(s, "fetch.mode", &mode)) < 0 ||
	    (rc = store_meta_get(s, "fetch.sync_mark", &out->sync_mark)) < 0 ||
	    (rc = store_meta_get(s, "fetch.options", &out->options)) < 0) {
		free(completed);
		free(mode);
		store_crawl_run_release(out);
		return rc;
	}
	out->unfinished = completed && strcmp(completed, "0") == 0;
	out->mode = STORE_CRAWL_MODE_NONE;
	if (mode) {
		out->mode = STORE_CRAWL_MODE_FIRST; /* any other word: as before, a first */
		if (strcmp(mode, "full") == 0)
			out->mode = STORE_CRAWL_MODE_FULL;
		else if (strcmp(mode, "incremental") == 0)
			out->mode = STORE_CRAWL_MODE_INCREMENTAL;
	}
	free(completed);
	free(mode);
	return 0;
}
