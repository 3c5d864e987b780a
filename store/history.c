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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int step_done(struct store *s, const char *sql, int64_t a, int64_t b, const char *what)
{
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return store_step_done(s, st, what);
}

/* ---- points ----------------------------------------------------------------- */

struct point_row {
	int64_t id;
	char at[32];
};

static int load_points(struct store *s, struct point_row **out, size_t *n)
{
	static const char sql[] = "SELECT id, at FROM hist_point ORDER BY id";
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	size_t cap = 0;
	struct point_row *v = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			struct point_row *nv = realloc(v, cap * sizeof *nv);
			if (!nv) {
				free(v);
				sqlite3_reset(st);
				return store_fail(s, STORE_ENOMEM, "out of memory");
			}
			v = nv;
		}
		v[*n].id = sqlite3_column_int64(st, 0);
		snprintf(v[*n].at, sizeof v[*n].at, "%s", col_text(st, 1) ? col_text(st, 1) : "");
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail_sql(s, rc, "read history points");
	}
	*out = v;
	return 0;
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
	static const char di[] = "DELETE FROM hist_issue WHERE point = ?1 AND ?2 = ?2";
	static const char dl[] = "DELETE FROM hist_link WHERE point = ?1 AND ?2 = ?2";
	static const char dt[] = "DELETE FROM hist_text WHERE point = ?1 AND ?2 = ?2";
	int rc;
	if ((rc = step_done(s, di, p, 0, "fold history")) < 0 ||
	    (rc = step_done(s, dl, p, 0, "fold history")) < 0 ||
	    (rc = step_done(s, dt, p, 0, "fold history")) < 0)
		return rc;
	return 0;
}

/* Move the rows of point p onto point next (p's are older: they win). */
static int fold_into(struct store *s, int64_t p, int64_t next)
{
	static const char fi[] =
	    "INSERT OR REPLACE INTO hist_issue SELECT ?2, issue_id, present, project_id, iid, "
	    "title, state, confidential, weight, time_estimate, total_time_spent, "
	    "milestone_title, milestone_due, due_date, labels FROM hist_issue WHERE point = ?1";
	static const char fl[] = "INSERT OR REPLACE INTO hist_link SELECT ?2, link_id, present, "
				 "source_id, target_id, type FROM hist_link WHERE point = ?1";
	static const char ft[] =
	    "INSERT OR REPLACE INTO hist_text SELECT ?2, source_id, target_id, type, present, "
	    "line, phrase FROM hist_text WHERE point = ?1";
	int rc;
	if ((rc = step_done(s, fi, p, next, "fold history")) < 0 ||
	    (rc = step_done(s, fl, p, next, "fold history")) < 0 ||
	    (rc = step_done(s, ft, p, next, "fold history")) < 0)
		return rc;
	return delete_rows_at(s, p);
}

int store_history_fold(struct store *s, int keep_points, int keep_days)
{
	static const char del_point[] = "DELETE FROM hist_point WHERE id = ?1 AND ?2 = ?2";
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
			rc = step_done(s, del_point, pt[i].id, 0, "fold history");
	}
	if (rc < 0)
		store_rollback_to(s);
	else
		rc = store_release(s);
done:
	free(pt);
	free(keep);
	return rc;
}

int store_history_clear(struct store *s)
{
	return store_exec(s,
			  "DELETE FROM hist_issue; DELETE FROM hist_link; DELETE FROM hist_text; "
			  "DELETE FROM hist_point; DELETE FROM hist_project;");
}

/* Drop the open point's rows that changed back to what they were. */
static const char prune_sql[] =
    "DELETE FROM hist_issue WHERE point = " HIST_PENDING_SQL " AND present = 0 AND NOT EXISTS "
    "(SELECT 1 FROM issues i WHERE i.id = hist_issue.issue_id);\n"
    "DELETE FROM hist_issue WHERE point = " HIST_PENDING_SQL " AND present = 1 AND EXISTS "
    "(SELECT 1 FROM issues i WHERE i.id = hist_issue.issue_id AND i.project_id IS "
    "hist_issue.project_id AND i.iid IS hist_issue.iid AND i.title IS hist_issue.title AND "
    "i.state IS hist_issue.state AND i.confidential IS hist_issue.confidential AND i.weight IS "
    "hist_issue.weight AND i.time_estimate IS hist_issue.time_estimate AND i.total_time_spent "
    "IS hist_issue.total_time_spent AND i.milestone_title IS hist_issue.milestone_title AND "
    "i.milestone_due IS hist_issue.milestone_due AND i.due_date IS hist_issue.due_date AND "
    "i.labels IS hist_issue.labels);\n"
    "DELETE FROM hist_link WHERE point = " HIST_PENDING_SQL " AND present = 0 AND NOT EXISTS "
    "(SELECT 1 FROM links l WHERE l.id = hist_link.link_id);\n"
    "DELETE FROM hist_link WHERE point = " HIST_PENDING_SQL " AND present = 1 AND EXISTS "
    "(SELECT 1 FROM links l WHERE l.id = hist_link.link_id AND l.source_id IS "
    "hist_link.source_id AND l.target_id IS hist_link.target_id AND l.type IS hist_link.type);\n"
    "DELETE FROM hist_text WHERE point = " HIST_PENDING_SQL " AND present = 0 AND NOT EXISTS "
    "(SELECT 1 FROM text_deps t WHERE t.source_id = hist_text.source_id AND t.target_id = "
    "hist_text.target_id AND t.type = hist_text.type);\n"
    "DELETE FROM hist_text WHERE point = " HIST_PENDING_SQL " AND present = 1 AND EXISTS "
    "(SELECT 1 FROM text_deps t WHERE t.source_id = hist_text.source_id AND t.target_id = "
    "hist_text.target_id AND t.type = hist_text.type);\n";

int store_history_record(struct store *s, enum store_history_kind kind)
{
	static const char last_sql[] = "SELECT id, config FROM hist_point ORDER BY id DESC LIMIT 1";
	static const char ins_sql[] =
	    "INSERT INTO hist_point(id, at, kind, config, baseline, why) VALUES(?, ?, ?, ?, ?, ?)";
	static const char ri[] =
	    "UPDATE hist_issue SET point = ?1 WHERE point = " HIST_PENDING_SQL " AND ?2 = ?2";
	static const char rl[] =
	    "UPDATE hist_link SET point = ?1 WHERE point = " HIST_PENDING_SQL " AND ?2 = ?2";
	static const char rt[] =
	    "UPDATE hist_text SET point = ?1 WHERE point = " HIST_PENDING_SQL " AND ?2 = ?2";
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
		if ((rc = store_exec(s, prune_sql)) < 0 ||
		    (rc = step_done(s, ri, id, 0, "record history")) < 0 ||
		    (rc = step_done(s, rl, id, 0, "record history")) < 0 ||
		    (rc = step_done(s, rt, id, 0, "record history")) < 0)
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
	if (rc < 0) {
		store_rollback_to(s);
		return rc;
	}
	return store_release(s);
}

/* An import rewrites every row: instead of a trigger per row, the rows
 * as they were go into temporary tables first, and the open point gets
 * the differences in three set operations afterwards. */
static const char bulk_begin_sql[] =
    "DROP TABLE IF EXISTS temp.hist_old_issue; DROP TABLE IF EXISTS temp.hist_old_link; "
    "DROP TABLE IF EXISTS temp.hist_old_text;\n"
    "INSERT INTO meta(key, value) VALUES('history.bulk', '1') ON CONFLICT(key) DO NOTHING;\n"
    "CREATE TEMP TABLE hist_old_issue(id INTEGER PRIMARY KEY, project_id, iid, title, state, "
    "confidential, weight, time_estimate, total_time_spent, milestone_title, milestone_due, "
    "due_date, labels);\n"
    "INSERT INTO hist_old_issue SELECT id, project_id, iid, title, state, confidential, weight, "
    "time_estimate, total_time_spent, milestone_title, milestone_due, due_date, labels FROM "
    "main.issues;\n"
    "CREATE TEMP TABLE hist_old_link(id INTEGER PRIMARY KEY, source_id, target_id, type);\n"
    "INSERT INTO hist_old_link SELECT id, source_id, target_id, type FROM main.links;\n"
    "CREATE TEMP TABLE hist_old_text(source_id, target_id, type, line, phrase, "
    "PRIMARY KEY(source_id, target_id, type)) WITHOUT ROWID;\n"
    "INSERT INTO hist_old_text SELECT source_id, target_id, type, line, phrase FROM "
    "main.text_deps;\n";

/* Rows of the open point already hold older values: those stay. */
static const char bulk_end_sql[] =
    "INSERT INTO hist_issue SELECT " HIST_PENDING_SQL ", o.id, 1, o.project_id, o.iid, o.title, "
    "o.state, o.confidential, o.weight, o.time_estimate, o.total_time_spent, "
    "o.milestone_title, o.milestone_due, o.due_date, o.labels FROM temp.hist_old_issue o "
    "WHERE NOT EXISTS (SELECT 1 FROM hist_issue h WHERE h.point = " HIST_PENDING_SQL
    " AND h.issue_id = o.id) AND NOT EXISTS (SELECT 1 FROM main.issues i WHERE i.id = o.id "
    "AND i.project_id IS o.project_id AND i.iid IS o.iid AND i.title IS o.title AND i.state "
    "IS o.state AND i.confidential IS o.confidential AND i.weight IS o.weight AND "
    "i.time_estimate IS o.time_estimate AND i.total_time_spent IS o.total_time_spent AND "
    "i.milestone_title IS o.milestone_title AND i.milestone_due IS o.milestone_due AND "
    "i.due_date IS o.due_date AND i.labels IS o.labels);\n"
    "INSERT INTO hist_issue(point, issue_id, present) SELECT " HIST_PENDING_SQL ", i.id, 0 "
    "FROM main.issues i WHERE NOT EXISTS (SELECT 1 FROM temp.hist_old_issue o WHERE o.id = "
    "i.id) AND NOT EXISTS (SELECT 1 FROM hist_issue h WHERE h.point = " HIST_PENDING_SQL
    " AND h.issue_id = i.id);\n"
    "INSERT INTO hist_link SELECT " HIST_PENDING_SQL ", o.id, 1, o.source_id, o.target_id, "
    "o.type FROM temp.hist_old_link o WHERE NOT EXISTS (SELECT 1 FROM hist_link h WHERE "
    "h.point = " HIST_PENDING_SQL " AND h.link_id = o.id) AND NOT EXISTS (SELECT 1 FROM "
    "main.links l WHERE l.id = o.id AND l.source_id IS o.source_id AND l.target_id IS "
    "o.target_id AND l.type IS o.type);\n"
    "INSERT INTO hist_link(point, link_id, present) SELECT " HIST_PENDING_SQL ", l.id, 0 FROM "
    "main.links l WHERE NOT EXISTS (SELECT 1 FROM temp.hist_old_link o WHERE o.id = l.id) AND "
    "NOT EXISTS (SELECT 1 FROM hist_link h WHERE h.point = " HIST_PENDING_SQL
    " AND h.link_id = l.id);\n"
    "INSERT INTO hist_text SELECT " HIST_PENDING_SQL ", o.source_id, o.target_id, o.type, 1, "
    "o.line, o.phrase FROM temp.hist_old_text o WHERE NOT EXISTS (SELECT 1 FROM hist_text h "
    "WHERE h.point = " HIST_PENDING_SQL " AND h.source_id = o.source_id AND h.target_id = "
    "o.target_id AND h.type = o.type) AND NOT EXISTS (SELECT 1 FROM main.text_deps t WHERE "
    "t.source_id = o.source_id AND t.target_id = o.target_id AND t.type = o.type);\n"
    "INSERT INTO hist_text(point, source_id, target_id, type, present) SELECT " HIST_PENDING_SQL
    ", t.source_id, t.target_id, t.type, 0 FROM main.text_deps t WHERE NOT EXISTS (SELECT 1 "
    "FROM temp.hist_old_text o WHERE o.source_id = t.source_id AND o.target_id = t.target_id "
    "AND o.type = t.type) AND NOT EXISTS (SELECT 1 FROM hist_text h WHERE h.point "
    "= " HIST_PENDING_SQL " AND h.source_id = t.source_id AND h.target_id = t.target_id AND h.type "
    "= t.type);\n";

static const char bulk_drop_sql[] =
    "DROP TABLE IF EXISTS temp.hist_old_issue; DROP TABLE IF EXISTS temp.hist_old_link; "
    "DROP TABLE IF EXISTS temp.hist_old_text; DELETE FROM main.meta WHERE key = "
    "'history.bulk';";

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
	if (rc == 0 && on && (rc = store_exec(s, bulk_begin_sql)) < 0)
		store_exec(s, bulk_drop_sql);
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
		rc = store_exec(s, bulk_end_sql);
	if (bulk && rc == 0)
		rc = store_exec(s, bulk_drop_sql);
	else if (bulk)
		store_exec(s, bulk_drop_sql);
	free(now);
	free(bulk);
	if (rc < 0)
		return rc;
	return store_history_record(s, STORE_HISTORY_IMPORT);
}

int store_history_each_point(struct store *s, store_history_point_cb cb, void *ctx)
{
	static const char sql[] = "SELECT id, at, kind, baseline, why FROM hist_point ORDER BY id";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_history_point p = {
		    .id = sqlite3_column_int64(st, 0),
		    .at = col_text(st, 1),
		    .kind = col_text(st, 2),
		    .baseline = sqlite3_column_int(st, 3) != 0,
		    .why = col_text(st, 4),
		};
		int r = cb(ctx, &p);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read history points");
	return 0;
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

#define ISSUE_AT_COLS                                                                              \
	"project_id, iid, title, state, confidential, weight, time_estimate, total_time_spent, "   \
	"milestone_title, milestone_due, due_date, labels"
#define ISSUE_AT_SQL(filter)                                                                       \
	"WITH h AS MATERIALIZED (SELECT issue_id, min(point) AS p, present, " ISSUE_AT_COLS        \
	" FROM hist_issue WHERE point > ?1 GROUP BY issue_id) "                                    \
	"SELECT issue_id, " ISSUE_AT_COLS " FROM h WHERE present = 1" filter                       \
	" UNION ALL SELECT id, " ISSUE_AT_COLS " FROM issues WHERE id NOT IN (SELECT issue_id "    \
	"FROM h)" filter

#define ISSUE_AT_BRIEF_COLS                                                                        \
	"project_id, iid, NULL, state, confidential, weight, time_estimate, total_time_spent, "    \
	"milestone_title, milestone_due, due_date, NULL"
#define ISSUE_AT_BRIEF_SQL(filter)                                                                 \
	"WITH h AS MATERIALIZED (SELECT issue_id, min(point) AS p, present, " ISSUE_AT_COLS        \
	" FROM hist_issue WHERE point > ?1 GROUP BY issue_id) "                                    \
	"SELECT issue_id, " ISSUE_AT_BRIEF_COLS " FROM h WHERE present = 1" filter                 \
	" UNION ALL SELECT id, " ISSUE_AT_BRIEF_COLS " FROM issues WHERE id NOT IN (SELECT "       \
	"issue_id FROM h)" filter

int store_each_issue_at(struct store *s, int64_t point, unsigned filter, store_issue_cb cb,
			void *ctx)
{
	static const char all_sql[] = ISSUE_AT_SQL("");
	static const char open_sql[] = ISSUE_AT_SQL(" AND state = 0");
	static const char brief_sql[] = ISSUE_AT_BRIEF_SQL("");
	static const char brief_open_sql[] = ISSUE_AT_BRIEF_SQL(" AND state = 0");
	const char *sql = (filter & STORE_WALK_BRIEF)
			      ? ((filter & STORE_WALK_OPEN_ONLY) ? brief_open_sql : brief_sql)
			      : ((filter & STORE_WALK_OPEN_ONLY) ? open_sql : all_sql);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, point_key(point));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_issue i = {
		    .id = sqlite3_column_int64(st, 0),
		    .project_id = sqlite3_column_int64(st, 1),
		    .iid = sqlite3_column_int64(st, 2),
		    .title = col_text(st, 3),
		    .state = sqlite3_column_int(st, 4) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
		    .confidential = sqlite3_column_int(st, 5) != 0,
		    .has_weight = sqlite3_column_type(st, 6) != SQLITE_NULL,
		    .weight = sqlite3_column_int64(st, 6),
		    .time_estimate = sqlite3_column_int64(st, 7),
		    .total_time_spent = sqlite3_column_int64(st, 8),
		    .milestone_title = col_text(st, 9),
		    .milestone_due = col_text(st, 10),
		    .due_date = col_text(st, 11),
		    .labels_json = col_text(st, 12) ? col_text(st, 12) : "[]",
		};
		int r = cb(ctx, &i);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read issues at a history point");
	return 0;
}

#define LINK_AT_SQL(filter)                                                                        \
	"WITH h AS MATERIALIZED (SELECT link_id, min(point) AS p, present, source_id, target_id, " \
	"type FROM hist_link WHERE point > ?1 GROUP BY link_id) "                                  \
	"SELECT link_id, source_id, target_id, type FROM h WHERE present = 1" filter               \
	" UNION ALL SELECT id, source_id, target_id, type FROM links WHERE id NOT IN (SELECT "     \
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
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, point_key(point));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_link l = {
		    .id = sqlite3_column_int64(st, 0),
		    .source_id = sqlite3_column_int64(st, 1),
		    .target_id = sqlite3_column_int64(st, 2),
		    .type = (enum store_link_type)sqlite3_column_int(st, 3),
		};
		int r = cb(ctx, &l);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read links at a history point");
	return 0;
}

int store_each_text_dep_at(struct store *s, int64_t point, store_text_dep_cb cb, void *ctx)
{
	static const char sql[] =
	    "WITH h AS MATERIALIZED (SELECT source_id, target_id, type, min(point) AS p, present, "
	    "line, phrase FROM hist_text WHERE point > ?1 GROUP BY source_id, target_id, type) "
	    "SELECT source_id, target_id, type, line, phrase FROM h WHERE present = 1 UNION ALL "
	    "SELECT source_id, target_id, type, line, phrase FROM text_deps t WHERE NOT EXISTS "
	    "(SELECT 1 FROM h WHERE h.source_id = t.source_id AND h.target_id = t.target_id AND "
	    "h.type = t.type)";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, point_key(point));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_text_dep d = {
		    .source_id = sqlite3_column_int64(st, 0),
		    .target_id = sqlite3_column_int64(st, 1),
		    .type = (enum store_text_type)sqlite3_column_int(st, 2),
		    .line = sqlite3_column_int64(st, 3),
		    .phrase = col_text(st, 4) ? col_text(st, 4) : "",
		};
		int r = cb(ctx, &d);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read text dependencies at a history point");
	return 0;
}

int store_each_project_at(struct store *s, int64_t point, store_project_cb cb, void *ctx)
{
	static const char sql[] =
	    "SELECT id, path, web_url FROM projects UNION ALL SELECT id, path, NULL FROM "
	    "hist_project WHERE id NOT IN (SELECT id FROM projects)";
	if (point <= 0)
		return store_each_project(s, cb, ctx);
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return STORE_ERR;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_project p = {
		    .id = sqlite3_column_int64(st, 0),
		    .path = col_text(st, 1),
		    .web_url = col_text(st, 2),
		};
		int r = cb(ctx, &p);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read projects");
	return 0;
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
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, point_key(point));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_issue_change c = {
		    .issue_id = sqlite3_column_int64(st, 0),
		    .then_present = sqlite3_column_int(st, 1) != 0,
		    .then_state =
			sqlite3_column_int(st, 2) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
		    .now_present = sqlite3_column_int(st, 3) != 0,
		    .now_state =
			sqlite3_column_int(st, 4) ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
		    .iid = sqlite3_column_int64(st, 5),
		    .project_path = col_text(st, 6) ? col_text(st, 6) : "",
		};
		int r = cb(ctx, &c);
		if (r) {
			sqlite3_reset(st);
			return r;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail_sql(s, rc, "read issue changes");
	return 0;
}
