/*
 * History: a point per completed fetch or import, and deltas that rebuild
 * every kept point from the store as it is.
 *
 * The triggers of schema migration 3 -> 4 write, for every issue, link or
 * text dependency that changes while history is on, one row of the open
 * point (HIST_PENDING) with its old values (present 0: it did not exist);
 * the first change wins, so the row holds the value at the latest point.
 * Recording a point drops the rows that changed back, and renumbers the
 * rest to the new point: rows of point P then hold the values at the
 * point before P. The value of a row at point K is the one of the
 * smallest point above K that has a row for it, else the live one.
 * Folding a point away moves its rows onto the next point (they win over
 * that point's own rows: they are older).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* ---- the three record kinds --------------------------------------------------- */

/* The value columns of an issue as history keeps them. */
#define HIST_ISSUE_VALS                                                                            \
	"project_id, iid, title, state, confidential, weight, time_estimate, total_time_spent, "   \
	"milestone_title, milestone_due, due_date, labels, assignees"
#define HIST_LINK_VALS "source_id, target_id, type"
#define HIST_TEXT_VALS "line, phrase"

/*
 * One kind of record history follows: hist_<name> holds its rows by point
 * and key, the live table <live> the record as it is now, temp.hist_old_<name>
 * the rows before an import. Column lists are ", "-separated; hkeys and lkeys
 * name the same key columns in the history and the live table.
 */
struct hist_kind {
	const char *name;
	const char *live;
	const char *hkeys;
	const char *lkeys;
	const char *vals;
	bool vals_count; /* a row whose values differ changed (text: its key alone counts) */
};

static const struct hist_kind hist_kinds[] = {
    {"issue", "issues", "issue_id", "id", HIST_ISSUE_VALS, true},
    {"link", "links", "link_id", "id", HIST_LINK_VALS, true},
    {"text", "text_deps", "source_id, target_id, type", "source_id, target_id, type",
     HIST_TEXT_VALS, false},
};

/* What hist_sql() writes for each kind (a and b are points). */
enum hist_op {
	HIST_DELETE_AT,	 /* drop the rows of point a */
	HIST_FOLD,	 /* copy the rows of point a onto point b (a's win) */
	HIST_RENUMBER,	 /* the open point's rows become point b's */
	HIST_PRUNE,	 /* drop the open point's rows that changed back */
	HIST_CLEAR,	 /* drop every point */
	HIST_BULK_BEGIN, /* keep the rows as they are before an import */
	HIST_BULK_END,	 /* the open point gets what the import changed */
	HIST_BULK_DROP,	 /* drop what HIST_BULK_BEGIN kept */
};

struct sqlbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sqlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sqlbuf *b, const char *fmt, ...)
{
	if (b->oom)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

/* "t.x, t.y, ..." for the columns of the list cols (t "": "x, y, ..."),
 * each followed by suffix. */
static void sb_cols(struct sqlbuf *b, const char *t, const char *cols, const char *suffix)
{
	const char *c = cols;
	for (bool first = true; *c; first = false) {
		size_t len = strcspn(c, ",");
		sb_add(b, "%s%s%s%.*s%s", first ? "" : ", ", t, *t ? "." : "", (int)len, c, suffix);
		c += len;
		c += strspn(c, ", ");
	}
}

/* "l.x op r.y AND ..." for the pairs of the lists lcols, rcols (as long). */
static void sb_pairs(struct sqlbuf *b, const char *l, const char *lcols, const char *op,
		     const char *r, const char *rcols)
{
	const char *x = lcols, *y = rcols;
	for (bool first = true; *x && *y; first = false) {
		size_t lx = strcspn(x, ","), ly = strcspn(y, ",");
		sb_add(b, "%s%s.%.*s %s %s.%.*s", first ? "" : " AND ", l, (int)lx, x, op, r,
		       (int)ly, y);
		x += lx;
		x += strspn(x, ", ");
		y += ly;
		y += strspn(y, ", ");
	}
}

/* "lp.x = rp.y AND ..." for the keys of k (lp, rp name the tables). */
static void sb_keys(struct sqlbuf *b, const struct hist_kind *k, const char *lp, bool l_hist,
		    const char *rp, bool r_hist)
{
	sb_pairs(b, lp, l_hist ? k->hkeys : k->lkeys, "=", rp, r_hist ? k->hkeys : k->lkeys);
}

/* " AND lp.v IS rp.v ..." for the values that tell a change of k. */
static void sb_same(struct sqlbuf *b, const struct hist_kind *k, const char *lp, const char *rp)
{
	if (!k->vals_count)
		return;
	sb_add(b, " AND ");
	sb_pairs(b, lp, k->vals, "IS", rp, k->vals);
}

static void kind_sql(struct sqlbuf *b, const struct hist_kind *k, enum hist_op op, int64_t a,
		     int64_t p)
{
	static const char P[] = HIST_PENDING_SQL;
	const char *n = k->name;
	char h[32]; /* the history table, as a column prefix */
	snprintf(h, sizeof h, "hist_%s", n);
	switch (op) {
	case HIST_DELETE_AT:
		sb_add(b, "DELETE FROM %s WHERE point = %lld;\n", h, (long long)a);
		break;
	case HIST_FOLD:
		sb_add(b,
		       "INSERT OR REPLACE INTO %s(point, %s, present, %s) SELECT %lld, %s, "
		       "present, %s FROM %s WHERE point = %lld;\n",
		       h, k->hkeys, k->vals, (long long)p, k->hkeys, k->vals, h, (long long)a);
		break;
	case HIST_RENUMBER:
		sb_add(b, "UPDATE %s SET point = %lld WHERE point = %s;\n", h, (long long)p, P);
		break;
	case HIST_PRUNE:
		sb_add(b,
		       "DELETE FROM %s WHERE point = %s AND present = 0 AND NOT EXISTS (SELECT 1 "
		       "FROM %s l WHERE ",
		       h, P, k->live);
		sb_keys(b, k, "l", false, h, true);
		sb_add(b,
		       ");\nDELETE FROM %s WHERE point = %s AND present = 1 AND EXISTS (SELECT 1 "
		       "FROM %s l WHERE ",
		       h, P, k->live);
		sb_keys(b, k, "l", false, h, true);
		sb_same(b, k, "l", h);
		sb_add(b, ");\n");
		break;
	case HIST_CLEAR:
		sb_add(b, "DELETE FROM %s;\n", h);
		break;
	case HIST_BULK_BEGIN:
		/* Keys declared INTEGER, as in the live tables: a key column of
		 * no affinity could not serve the lookups by a live row's key. */
		sb_add(b, "DROP TABLE IF EXISTS temp.hist_old_%s;\nCREATE TEMP TABLE hist_old_%s(",
		       n, n);
		if (!strchr(k->lkeys, ','))
			sb_add(b, "%s INTEGER PRIMARY KEY, %s);\n", k->lkeys, k->vals);
		else {
			sb_cols(b, "", k->lkeys, " INTEGER");
			sb_add(b, ", %s, PRIMARY KEY(%s)) WITHOUT ROWID;\n", k->vals, k->lkeys);
		}
		sb_add(b, "INSERT INTO hist_old_%s SELECT %s, %s FROM main.%s;\n", n, k->lkeys,
		       k->vals, k->live);
		break;
	case HIST_BULK_END:
		/* rows of the open point already hold older values: those stay */
		sb_add(b, "INSERT INTO %s(point, %s, present, %s) SELECT %s, ", h, k->hkeys,
		       k->vals, P);
		sb_cols(b, "o", k->lkeys, "");
		sb_add(b, ", 1, ");
		sb_cols(b, "o", k->vals, "");
		sb_add(b,
		       " FROM temp.hist_old_%s o WHERE NOT EXISTS (SELECT 1 FROM %s h WHERE "
		       "h.point = %s AND ",
		       n, h, P);
		sb_keys(b, k, "h", true, "o", false);
		sb_add(b, ") AND NOT EXISTS (SELECT 1 FROM main.%s i WHERE ", k->live);
		sb_keys(b, k, "i", false, "o", false);
		sb_same(b, k, "i", "o");
		sb_add(b, ");\nINSERT INTO %s(point, %s, present) SELECT %s, ", h, k->hkeys, P);
		sb_cols(b, "i", k->lkeys, "");
		sb_add(b,
		       ", 0 FROM main.%s i WHERE NOT EXISTS (SELECT 1 FROM temp.hist_old_%s o "
		       "WHERE ",
		       k->live, n);
		sb_keys(b, k, "o", false, "i", false);
		sb_add(b, ") AND NOT EXISTS (SELECT 1 FROM %s h WHERE h.point = %s AND ", h, P);
		sb_keys(b, k, "h", true, "i", false);
		sb_add(b, ");\n");
		break;
	case HIST_BULK_DROP:
		sb_add(b, "DROP TABLE IF EXISTS temp.hist_old_%s;\n", n);
		break;
	}
}

/* The SQL of op for every kind, with what the op does once around it;
 * malloc'd, NULL when out of memory. */
static char *hist_sql(enum hist_op op, int64_t a, int64_t p)
{
	struct sqlbuf b = {0};
	if (op == HIST_BULK_BEGIN)
		sb_add(&b, "INSERT INTO meta(key, value) VALUES('history.bulk', '1') "
			   "ON CONFLICT(key) DO NOTHING;\n");
	for (size_t i = 0; i < sizeof hist_kinds / sizeof hist_kinds[0]; i++)
		kind_sql(&b, &hist_kinds[i], op, a, p);
	if (op == HIST_CLEAR)
		sb_add(&b, "DELETE FROM hist_point; DELETE FROM hist_project;");
	else if (op == HIST_BULK_DROP)
		sb_add(&b, "DELETE FROM main.meta WHERE key = 'history.bulk';");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Run op on every kind; what, when given, starts the error message. */
static int hist_run(struct store *s, enum hist_op op, int64_t a, int64_t p, const char *what)
{
	char *sql = hist_sql(op, a, p);
	if (!sql)
		return store_fail(s, STORE_ENOMEM, "out of memory");
	int rc = store_exec(s, sql);
	free(sql);
	if (rc < 0 && what) {
		char why[sizeof s->errmsg];
		snprintf(why, sizeof why, "%s", s->errmsg);
		store_fail(s, rc, "%s: %s", what, why);
	}
	return rc;
}

/* ---- points ----------------------------------------------------------------- */

struct point_row {
	int64_t id;
	char at[32];
};

struct point_list {
	struct point_row *v;
	size_t n, cap;
};

static int each_point_row(sqlite3_stmt *st, void *arg)
{
	struct point_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct point_row *nv = realloc(l->v, cap * sizeof *nv);
		if (!nv)
			return STORE_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	struct point_row *r = &l->v[l->n++];
	r->id = sqlite3_column_int64(st, 0);
	snprintf(r->at, sizeof r->at, "%s", col_text(st, 1) ? col_text(st, 1) : "");
	return 0;
}

static int load_points(struct store *s, struct point_row **out, size_t *n)
{
	static const char sql[] = "SELECT id, at FROM hist_point ORDER BY id";
	struct point_list l = {0};
	int rc = store_walk_rows(s, store_stmt(s, sql), each_point_row, &l, "read history points");
	if (rc == STORE_ENOMEM)
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
	if (rc < 0) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*out = l.v;
	*n = l.n;
	return rc;
}

/* Days since 1970-01-01 of the date that starts at (civil calendar). */
static int64_t day_of(const char *at)
{
	int y = 0, m = 0, d = 0;
	if (sscanf(at, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static int delete_rows_at(struct store *s, int64_t p)
{
	return hist_run(s, HIST_DELETE_AT, p, 0, "fold history");
}

/* Move the rows of point p onto point next (p's are older: they win). */
static int fold_into(struct store *s, int64_t p, int64_t next)
{
	int rc = hist_run(s, HIST_FOLD, p, next, "fold history");
	return rc < 0 ? rc : delete_rows_at(s, p);
}

static int delete_point(struct store *s, int64_t id)
{
	static const char sql[] = "DELETE FROM hist_point WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st, "fold history");
}

int store_history_fold(struct store *s, int keep_points, int keep_days)
{
	struct point_row *pt = NULL;
	bool *keep = NULL;
	size_t n = 0;
	int rc = load_points(s, &pt, &n);
	if (rc < 0 || n == 0)
		goto done;
	if (!(keep = calloc(n, sizeof *keep))) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	int64_t last_day = day_of(pt[n - 1].at);
	for (size_t i = 0; i < n; i++) {
		if (keep_points > 0 && n - i <= (size_t)keep_points)
			keep[i] = true;
		int64_t d = day_of(pt[i].at);
		bool last_of_day = i + 1 == n || day_of(pt[i + 1].at) != d;
		if (last_of_day && last_day - d < keep_days)
			keep[i] = true;
	}
	keep[n - 1] = true; /* the latest point always stays */
	size_t oldest = 0;
	while (!keep[oldest])
		oldest++;
	if ((rc = store_savepoint(s)) < 0)
		goto done;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i < oldest) {
			rc = delete_rows_at(s, pt[i].id);
		} else if (i == oldest) {
			/* its rows rebuilt a point no longer kept */
			rc = delete_rows_at(s, pt[i].id);
			continue;
		} else if (!keep[i]) {
			rc = fold_into(s, pt[i].id, pt[i + 1].id);
		} else {
			continue;
		}
		if (rc == 0)
			rc = delete_point(s, pt[i].id);
	}
	rc = store_savepoint_end(s, rc);
done:
	free(pt);
	free(keep);
	return rc;
}

int store_history_clear(struct store *s)
{
	return hist_run(s, HIST_CLEAR, 0, 0, NULL);
}

int store_history_record(struct store *s, enum store_history_kind kind)
{
	static const char last_sql[] = "SELECT id, config FROM hist_point ORDER BY id DESC LIMIT 1";
	static const char ins_sql[] =
	    "INSERT INTO hist_point(id, at, kind, config, baseline, why) VALUES(?, ?, ?, ?, ?, ?)";
	char *at = NULL, *config = NULL, *prev_config = NULL, *upgraded = NULL;
	bool has_prev = false;
	int64_t id = 1;
	int rc;

	if ((rc = store_savepoint(s)) < 0)
		return rc;
	sqlite3_stmt *st = store_stmt(s, last_sql);
	if (!st) {
		rc = STORE_ERR;
		goto done;
	}
	int src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		has_prev = true;
		id = sqlite3_column_int64(st, 0) + 1;
		const char *c = col_text(st, 1);
		if (c && !(prev_config = strdup(c))) {
			sqlite3_reset(st);
			rc = store_fail(s, STORE_ENOMEM, "out of memory");
			goto done;
		}
	}
	sqlite3_reset(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = store_fail_sql(s, src, "read history");
		goto done;
	}
	if ((rc = store_meta_get(s, "history.upgraded", &upgraded)) < 0)
		goto done;

	const char *why = NULL;
	if (kind == STORE_HISTORY_FETCH) {
		if ((rc = store_meta_get(s, "fetch.started_at", &at)) < 0 ||
		    (rc = store_meta_get(s, "fetch.options", &config)) < 0)
			goto done;
		if (has_prev && !prev_config)
			why = "the first fetch after an import";
		else if (has_prev && (!config || strcmp(config, prev_config) != 0))
			why = "the seeds or crawl options differ from the point before";
	} else {
		why = "an import";
	}
	if (!at) {
		char buf[32];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (!(at = strdup(buf))) {
			rc = store_fail(s, STORE_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (upgraded && !why)
		why = "the first point after a schema upgrade";
	if (!has_prev)
		why = "no earlier point";

	if (!has_prev) {
		/* nothing before the first point to rebuild */
		if ((rc = delete_rows_at(s, HIST_PENDING)) < 0)
			goto done;
	} else {
		if ((rc = hist_run(s, HIST_PRUNE, 0, 0, NULL)) < 0 ||
		    (rc = hist_run(s, HIST_RENUMBER, 0, id, "record history")) < 0)
			goto done;
	}
	if (!(st = store_stmt(s, ins_sql))) {
		rc = STORE_ERR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, at);
	store_bind_text(st, 3, kind == STORE_HISTORY_FETCH ? "fetch" : "import");
	store_bind_text(st, 4, config);
	sqlite3_bind_int(st, 5, why != NULL);
	store_bind_text(st, 6, why);
	if ((rc = store_step_done(s, st, "record history")) < 0)
		goto done;
	if (upgraded && (rc = store_meta_set(s, "history.upgraded", NULL)) < 0)
		goto done;
	rc = store_history_fold(s, STORE_HISTORY_KEEP_POINTS, STORE_HISTORY_KEEP_DAYS);
done:
	free(at);
	free(config);
	free(prev_config);
	free(upgraded);
	return store_savepoint_end(s, rc);
}

/* An import rewrites every row: instead of a trigger per row, the rows
 * as they were go into temporary tables first (HIST_BULK_BEGIN), and the
 * open point gets the differences in set operations afterwards
 * (HIST_BULK_END). */

static int history_on(struct store *s, bool *on)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM hist_point)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	*on = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_fail_sql(s, rc, "read history");
	return 0;
}

int store_history_import_begin(struct store *s, char **old_instance)
{
	bool on = false;
	int rc = store_get_instance(s, old_instance);
	if (rc == 0)
		rc = history_on(s, &on);
	if (rc == 0 && on && (rc = hist_run(s, HIST_BULK_BEGIN, 0, 0, NULL)) < 0)
		hist_run(s, HIST_BULK_DROP, 0, 0, NULL);
	return rc;
}

int store_history_import_end(struct store *s, const char *old_instance)
{
	char *now = NULL, *bulk = NULL;
	int rc = store_get_instance(s, &now);
	if (rc == 0)
		rc = store_meta_get(s, "history.bulk", &bulk);
	if (rc == 0 && old_instance && *old_instance && (!now || strcmp(now, old_instance) != 0))
		rc = store_history_clear(s);
	else if (rc == 0 && bulk)
		rc = hist_run(s, HIST_BULK_END, 0, 0, NULL);
	if (bulk && rc == 0)
		rc = hist_run(s, HIST_BULK_DROP, 0, 0, NULL);
	else if (bulk)
		hist_run(s, HIST_BULK_DROP, 0, 0, NULL);
	free(now);
	free(bulk);
	if (rc < 0)
		return rc;
	return store_history_record(s, STORE_HISTORY_IMPORT);
}

struct point_walk {
	store_history_point_cb cb;
	void *ctx;
};

static int each_history_point_row(sqlite3_stmt *st, void *arg)
{
	struct point_walk *w = arg;
	struct store_history_point p = {
	    .id = sqlite3_column_int64(st, 0),
	    .at = col_text(st, 1),
	    .kind = col_text(st, 2),
	    .baseline = sqlite3_column_int(st, 3) != 0,
	    .why = col_text(st, 4),
	};
	return w->cb(w->ctx, &p);
}

int store_history_each_point(struct store *s, store_history_point_cb cb, void *ctx)
{
	static const char sql[] = "SELECT id, at, kind, baseline, why FROM hist_point ORDER BY id";
	struct point_walk w = {cb, ctx};
	return store_walk_rows(s, store_stmt(s, sql), each_history_point_row, &w,
			       "read history points");
}

int store_history_stats(struct store *s, struct store_history_stats *out)
{
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM hist_point), (SELECT at FROM hist_point ORDER BY id "
	    "LIMIT 1), (SELECT at FROM hist_point ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM "
	    "hist_issue) + (SELECT count(*) FROM hist_link) + (SELECT count(*) FROM hist_text)";
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->points = sqlite3_column_int64(st, 0);
		const char *f = col_text(st, 1), *l = col_text(st, 2);
		out->first_at = f ? strdup(f) : NULL;
		out->last_at = l ? strdup(l) : NULL;
		out->deltas = sqlite3_column_int64(st, 3);
		rc = SQLITE_DONE;
		if ((f && !out->first_at) || (l && !out->last_at)) {
			sqlite3_reset(st);
			free(out->first_at);
			free(out->last_at);
			memset(out, 0, sizeof *out);
			return store_fail(s, STORE_ENOMEM, "out of memory");
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read history");
	return 0;
}

/* ---- walks at a point ---------------------------------------------------------- */

static int64_t point_key(int64_t point)
{
	/* rows above HIST_PENDING: none, so the walk reads the live tables */
	return point <= 0 ? HIST_PENDING : point;
}

/* The rows of a record kind at point ?1: its history rows above the point
 * (the smallest point's win) where present, else the live row. cols are
 * the columns read of either. */
#define ISSUE_AT_SQL(cols, filter)                                                                 \
	"WITH h AS MATERIALIZED (SELECT issue_id, min(point) AS p, present, " HIST_ISSUE_VALS      \
	" FROM hist_issue WHERE point > ?1 GROUP BY issue_id) "                                    \
	"SELECT issue_id, " cols " FROM h WHERE present = 1" filter " UNION ALL SELECT id, " cols  \
	" FROM issues WHERE id NOT IN (SELECT issue_id FROM h)" filter

int store_each_issue_at(struct store *s, int64_t point, unsigned filter, store_issue_cb cb,
			void *ctx)
{
	static const char all_sql[] = ISSUE_AT_SQL(HIST_ISSUE_VALS, "");
	static const char open_sql[] = ISSUE_AT_SQL(HIST_ISSUE_VALS, " AND state = 0");
	static const char brief_sql[] = ISSUE_AT_SQL(STORE_ISSUE_BRIEF_COLUMNS, "");
	static const char brief_open_sql[] =
	    ISSUE_AT_SQL(STORE_ISSUE_BRIEF_COLUMNS, " AND state = 0");
	const char *sql = (filter & STORE_WALK_BRIEF)
			      ? ((filter & STORE_WALK_OPEN_ONLY) ? brief_open_sql : brief_sql)
			      : ((filter & STORE_WALK_OPEN_ONLY) ? open_sql : all_sql);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st)
		sqlite3_bind_int64(st, 1, point_key(point));
	if (filter & STORE_WALK_BRIEF)
		return store_walk_issues_brief(s, st, cb, ctx, "read issues at a history point");
	return store_walk_issues(s, st, cb, ctx, "read issues at a history point");
}

#define LINK_AT_SQL(filter)                                                                        \
	"WITH h AS MATERIALIZED (SELECT link_id, min(point) AS p, present, " HIST_LINK_VALS        \
	" FROM hist_link WHERE point > ?1 GROUP BY link_id) "                                      \
	"SELECT link_id, " HIST_LINK_VALS " FROM h WHERE present = 1" filter                       \
	" UNION ALL SELECT id, " HIST_LINK_VALS " FROM links WHERE id NOT IN (SELECT "             \
	"link_id FROM h)" filter

int store_each_link_at(struct store *s, int64_t point, unsigned filter, store_link_cb cb, void *ctx)
{
	static const char all_sql[] = LINK_AT_SQL("");
	static const char blocks_sql[] = LINK_AT_SQL(" AND type = 1");
	static const char relates_sql[] = LINK_AT_SQL(" AND type = 2");
	const char *sql = (filter & STORE_WALK_BLOCKS_ONLY)    ? blocks_sql
			  : (filter & STORE_WALK_RELATES_ONLY) ? relates_sql
							       : all_sql;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st)
		sqlite3_bind_int64(st, 1, point_key(point));
	return store_walk_links(s, st, cb, ctx, "read links at a history point");
}

int store_each_text_dep_at(struct store *s, int64_t point, store_text_dep_cb cb, void *ctx)
{
	static const char sql[] =
	    "WITH h AS MATERIALIZED (SELECT source_id, target_id, type, min(point) AS p, "
	    "present, " HIST_TEXT_VALS
	    " FROM hist_text WHERE point > ?1 GROUP BY source_id, target_id, type) "
	    "SELECT source_id, target_id, type, " HIST_TEXT_VALS " FROM h WHERE present = 1 UNION "
	    "ALL SELECT source_id, target_id, type, " HIST_TEXT_VALS " FROM text_deps t WHERE NOT "
	    "EXISTS (SELECT 1 FROM h WHERE h.source_id = t.source_id AND h.target_id = "
	    "t.target_id AND h.type = t.type)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st)
		sqlite3_bind_int64(st, 1, point_key(point));
	return store_walk_text_deps(s, st, cb, ctx, "read text dependencies at a history point");
}

int store_each_project_at(struct store *s, int64_t point, store_project_cb cb, void *ctx)
{
	static const char sql[] =
	    "SELECT id, path, web_url FROM projects UNION ALL SELECT id, path, NULL FROM "
	    "hist_project WHERE id NOT IN (SELECT id FROM projects)";
	if (point <= 0)
		return store_each_project(s, cb, ctx);
	return store_walk_projects(s, store_stmt(s, sql), cb, ctx, "read projects");
}

struct change_walk {
	store_issue_change_cb cb;
	void *ctx;
};

static int each_change_row(sqlite3_stmt *st, void *arg)
{
	struct change_walk *w = arg;
	struct store_issue_change c = {
	    .issue_id = sqlite3_column_int64(st, 0),
	    .then_present = sqlite3_column_int(st, 1) != 0,
	    .then_state = sqlite3_column_int(st, 2) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
	    .now_present = sqlite3_column_int(st, 3) != 0,
	    .now_state = sqlite3_column_int(st, 4) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
	    .iid = sqlite3_column_int64(st, 5),
	    .project_path = col_text(st, 6) ? col_text(st, 6) : "",
	};
	return w->cb(w->ctx, &c);
}

int store_history_each_issue_change(struct store *s, int64_t point, store_issue_change_cb cb,
				    void *ctx)
{
	static const char sql[] =
	    "WITH h AS MATERIALIZED (SELECT issue_id, min(point) AS p, present, project_id, iid, "
	    "state FROM hist_issue WHERE point > ?1 GROUP BY issue_id), "
	    "j AS (SELECT h.issue_id AS id, h.present AS tp, h.state AS ts, i.id IS NOT NULL AS "
	    "np, "
	    "i.state AS ns, coalesce(i.project_id, h.project_id) AS pid, coalesce(i.iid, h.iid) "
	    "AS iid FROM h LEFT JOIN issues i ON i.id = h.issue_id) "
	    "SELECT id, tp, ts, np, ns, iid, coalesce((SELECT path FROM projects WHERE id = pid), "
	    "(SELECT path FROM hist_project WHERE id = pid)) FROM j WHERE tp != np OR (tp AND "
	    "ts IS NOT ns)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (st)
		sqlite3_bind_int64(st, 1, point_key(point));
	struct change_walk w = {cb, ctx};
	return store_walk_rows(s, st, each_change_row, &w, "read issue changes");
}
