/*
 * JSON snapshots (SPEC "JSON snapshot"): import validates every field and
 * loads the snapshot in one transaction; export streams one json-c object
 * per record with a fixed key order, so export -> import -> export is
 * byte-identical.
 *
 * Import holds json-c's DOM of the whole document (json-c has no
 * streaming reader); each array is dropped as soon as it is loaded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "store_internal.h"

/* json_tokener_parse_ex() takes an int length: feed big inputs in pieces. */
/* SQLite page cache during an import, in KiB (3 s instead of 4.3 s for
 * 100,000 issues; more gains nothing). */
#define IMPORT_CACHE_KB 131072

/* The ids loaded so far, sorted before the next array looks them up.
 * Checking references here instead of with SQLite's foreign keys saves
 * two random reads of the issues table per link: half the import time at
 * 1,000,000 issues. */
struct idset {
	int64_t *v;
	size_t n, cap;
	/* When the ids are dense enough (GitLab's are), a bitmap over
	 * [lo, lo + span) answers with one memory access instead of a
	 * binary search's twenty. */
	uint64_t *bits;
	int64_t lo;
	uint64_t span;
};

/* Largest bitmap worth building: 64 MiB, ids spread over 512M. */
#define IDSET_MAX_SPAN ((uint64_t)1 << 29)

struct importer {
	struct store *s;
	const char *array; /* "projects", "issues", "links" */
	size_t index;
	struct idset projects, issues;
};

static int idset_add(struct importer *im, struct idset *set, int64_t id)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		int64_t *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(set->v, cap * sizeof *v);
		if (!v)
			return store_fail(im->s, STORE_ENOMEM, "out of memory");
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Make the set ready for lookups (after the last add). */
static void idset_sort(struct idset *set)
{
	if (set->n > 1)
		qsort(set->v, set->n, sizeof *set->v, cmp_id);
	free(set->bits);
	set->bits = NULL;
	if (set->n == 0)
		return;
	/* ids are >= 1, so the difference cannot overflow */
	uint64_t span = (uint64_t)(set->v[set->n - 1] - set->v[0]) + 1;
	if (span > IDSET_MAX_SPAN)
		return; /* binary search; also when calloc fails below */
	set->bits = calloc((size_t)(span + 63) / 64, sizeof *set->bits);
	if (!set->bits)
		return;
	set->lo = set->v[0];
	set->span = span;
	for (size_t k = 0; k < set->n; k++) {
		uint64_t b = (uint64_t)(set->v[k] - set->lo);
		set->bits[b / 64] |= (uint64_t)1 << (b % 64);
	}
}

static bool idset_has(const struct idset *set, int64_t id)
{
	if (set->bits) {
		if (id < set->lo || (uint64_t)(id - set->lo) >= set->span)
			return false;
		uint64_t b = (uint64_t)(id - set->lo);
		return (set->bits[b / 64] >> (b % 64)) & 1;
	}
	return set->n && bsearch(&id, set->v, set->n, sizeof *set->v, cmp_id) != NULL;
}

/* "<array>[<index>].<field>: <why>" as the store's message; STORE_EINVAL. */
static int bad(struct importer *im, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct importer *im, const char *field, const char *fmt, ...)
{
	char why[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (im->array && field)
		return store_fail(im->s, STORE_EINVAL, "%s[%zu].%s: %s", im->array, im->index,
				  field, why);
	if (im->array)
		return store_fail(im->s, STORE_EINVAL, "%s[%zu]: %s", im->array, im->index, why);
	if (field)
		return store_fail(im->s, STORE_EINVAL, "%s: %s", field, why);
	return store_fail(im->s, STORE_EINVAL, "%s", why);
}

/* ---- typed field readers ------------------------------------------------ */

static bool is_null(struct json_object *v)
{
	return v == NULL; /* json-c represents JSON null as NULL */
}

/* A JSON integer that fits int64 (json-c keeps big positives as uint64). */
static bool as_int64(struct json_object *v, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return false;
	int64_t i = json_object_get_int64(v);
	if (i == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)
		return false;
	*out = i;
	return true;
}

/* Required positive integer (ids, iids). */
static int req_id(struct importer *im, struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return bad(im, key, "missing");
	if (!as_int64(v, out) || *out < 1)
		return bad(im, key, "expected a positive integer");
	return 0;
}

/* Optional integer >= 0: absent or null leaves *present false. */
static int opt_count(struct importer *im, struct json_object *obj, const char *key,
		     const char *field, int64_t *out, bool *present)
{
	struct json_object *v = NULL;
	*present = false;
	*out = 0;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	if (!as_int64(v, out) || *out < 0)
		return bad(im, field, "expected an integer >= 0 or null");
	*present = true;
	return 0;
}

/* A string without NUL bytes (they would not survive C strings). */
static int string_of(struct importer *im, struct json_object *v, const char *field,
		     const char *expect, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return bad(im, field, "expected %s", expect);
	const char *str = json_object_get_string(v);
	if (strlen(str) != (size_t)json_object_get_string_len(v))
		return bad(im, field, "contains a NUL character");
	*out = str;
	return 0;
}

static int req_string(struct importer *im, struct json_object *obj, const char *key,
		      const char **out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return bad(im, key, "missing");
	return string_of(im, v, key, "a string", out);
}

/* Optional string: absent or null gives NULL. */
static int opt_string(struct importer *im, struct json_object *obj, const char *key,
		      const char *field, const char **out)
{
	struct json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	return string_of(im, v, field, "a string or null", out);
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD", a real calendar day. */
static bool valid_date(const char *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return false;
	for (int k = 0; k < 10; k++) {
		if (k != 4 && k != 7 && (d[k] < '0' || d[k] > '9'))
			return false;
	}
	int y = atoi(d), m = atoi(d + 5), day = atoi(d + 8);
	if (m < 1 || m > 12 || day < 1)
		return false;
	return day <= mdays[m - 1] + (m == 2 && leap(y));
}

static int opt_date(struct importer *im, struct json_object *obj, const char *key,
		    const char *field, const char **out)
{
	struct json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(im, field, "expected a date YYYY-MM-DD or null");
	const char *d = json_object_get_string(v);
	if (!valid_date(d))
		return bad(im, field, "\"%.40s\" is not a date YYYY-MM-DD", d);
	*out = d;
	return 0;
}

/* ---- records ---------------------------------------------------------------- */

static bool valid_project_path(const char *path)
{
	/* The path rules of a ref: reuse the ref parser on "<path>#1". */
	size_t n = strlen(path);
	char *ref = malloc(n + 3);
	char *p = NULL;
	int64_t iid = 0;
	if (!ref)
		return false;
	memcpy(ref, path, n);
	memcpy(ref + n, "#1", 3);
	bool ok = store_ref_parse(ref, &p, &iid) == 0;
	free(p);
	free(ref);
	return ok;
}

static int import_project(struct importer *im, struct json_object *o)
{
	static const char sql[] = "INSERT INTO projects(id, path, web_url) VALUES(?, ?, ?)";
	int64_t id = 0;
	const char *path = NULL, *web_url = NULL;
	int rc;
	if (!json_object_is_type(o, json_type_object))
		return bad(im, NULL, "expected an object");
	if ((rc = req_id(im, o, "id", &id)) ||
	    (rc = req_string(im, o, "path_with_namespace", &path)) ||
	    (rc = opt_string(im, o, "web_url", "web_url", &web_url)))
		return rc;
	if (!valid_project_path(path))
		return bad(im, "path_with_namespace", "\"%.80s\" is not a project path", path);
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	store_bind_text(st, 3, web_url);
	int src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bad(im, "id", "%lld is given twice", (long long)id);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		return bad(im, "path_with_namespace", "\"%.80s\" is given twice", path);
	if (src != SQLITE_DONE)
		return store_fail_sql(im->s, src, "import");
	return idset_add(im, &im->projects, id);
}

static int import_issue(struct importer *im, struct json_object *o)
{
	static const char sql[] =
	    "INSERT INTO issues(id, project_id, iid, title, state, confidential, weight, "
	    "time_estimate, total_time_spent, milestone_title, milestone_due, due_date, labels, "
	    "created_at, updated_at, closed_at, web_url) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	struct store_issue i;
	struct json_object *v = NULL;
	const char *state = NULL;
	bool present = false;
	int rc;
	memset(&i, 0, sizeof i);
	if (!json_object_is_type(o, json_type_object))
		return bad(im, NULL, "expected an object");
	if ((rc = req_id(im, o, "id", &i.id)) ||
	    (rc = req_id(im, o, "project_id", &i.project_id)) ||
	    (rc = req_id(im, o, "iid", &i.iid)) || (rc = req_string(im, o, "title", &i.title)) ||
	    (rc = req_string(im, o, "state", &state)))
		return rc;
	if (strcmp(state, "opened") == 0)
		i.state = STORE_STATE_OPENED;
	else if (strcmp(state, "closed") == 0)
		i.state = STORE_STATE_CLOSED;
	else
		return bad(im, "state", "expected \"opened\" or \"closed\"");

	if (json_object_object_get_ex(o, "confidential", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return bad(im, "confidential", "expected true, false or null");
		i.confidential = json_object_get_boolean(v);
	}
	if ((rc = opt_count(im, o, "weight", "weight", &i.weight, &i.has_weight)))
		return rc;
	/* json-c keeps an "expected an integer or null" message short: */
	if (json_object_object_get_ex(o, "time_stats", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_object))
			return bad(im, "time_stats", "expected an object or null");
		if ((rc = opt_count(im, v, "time_estimate", "time_stats.time_estimate",
				    &i.time_estimate, &present)) ||
		    (rc = opt_count(im, v, "total_time_spent", "time_stats.total_time_spent",
				    &i.total_time_spent, &present)))
			return rc;
	}
	if (json_object_object_get_ex(o, "milestone", &v) && !is_null(v)) {
		struct json_object *t = NULL;
		if (!json_object_is_type(v, json_type_object))
			return bad(im, "milestone", "expected an object or null");
		if (!json_object_object_get_ex(v, "title", &t))
			return bad(im, "milestone.title", "missing");
		if ((rc = string_of(im, t, "milestone.title", "a string", &i.milestone_title)) ||
		    (rc = opt_date(im, v, "due_date", "milestone.due_date", &i.milestone_due)))
			return rc;
	}
	if ((rc = opt_date(im, o, "due_date", "due_date", &i.due_date)))
		return rc;
	i.labels_json = "[]";
	if (json_object_object_get_ex(o, "labels", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_array))
			return bad(im, "labels", "expected an array of strings or null");
		size_t n = json_object_array_length(v);
		for (size_t k = 0; k < n; k++) {
			const char *label = NULL;
			if (string_of(im, json_object_array_get_idx(v, k), "labels",
				      "an array of strings or null", &label))
				return STORE_EINVAL;
		}
		if (n)
			i.labels_json = json_object_to_json_string_ext(
			    v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
	if ((rc = opt_string(im, o, "created_at", "created_at", &i.created_at)) ||
	    (rc = opt_string(im, o, "updated_at", "updated_at", &i.updated_at)) ||
	    (rc = opt_string(im, o, "closed_at", "closed_at", &i.closed_at)) ||
	    (rc = opt_string(im, o, "web_url", "web_url", &i.web_url)))
		return rc;

	if (!idset_has(&im->projects, i.project_id))
		return bad(im, "project_id", "%lld is not a project of the snapshot",
			   (long long)i.project_id);
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, i.id);
	sqlite3_bind_int64(st, 2, i.project_id);
	sqlite3_bind_int64(st, 3, i.iid);
	sqlite3_bind_text(st, 4, i.title, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)i.state);
	sqlite3_bind_int(st, 6, i.confidential);
	if (i.has_weight)
		sqlite3_bind_int64(st, 7, i.weight);
	sqlite3_bind_int64(st, 8, i.time_estimate);
	sqlite3_bind_int64(st, 9, i.total_time_spent);
	store_bind_text(st, 10, i.milestone_title);
	store_bind_text(st, 11, i.milestone_due);
	store_bind_text(st, 12, i.due_date);
	sqlite3_bind_text(st, 13, i.labels_json, -1, SQLITE_STATIC);
	store_bind_text(st, 14, i.created_at);
	store_bind_text(st, 15, i.updated_at);
	store_bind_text(st, 16, i.closed_at);
	store_bind_text(st, 17, i.web_url);
	int src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bad(im, "id", "%lld is given twice", (long long)i.id);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		return bad(im, "iid", "project %lld already has an issue with iid %lld",
			   (long long)i.project_id, (long long)i.iid);
	if (src != SQLITE_DONE)
		return store_fail_sql(im->s, src, "import");
	return idset_add(im, &im->issues, i.id);
}

static void describe_link(char *buf, size_t n, int64_t src, int64_t dst, int type)
{
	if (type == STORE_LINK_BLOCKS)
		snprintf(buf, n, "blocks %lld->%lld", (long long)src, (long long)dst);
	else
		snprintf(buf, n, "relates_to %lld<->%lld", (long long)src, (long long)dst);
}

/* The same id given again: fine for the same relation, an error otherwise. */
static int link_id_again(struct importer *im, int64_t id, int64_t src, int64_t dst, int type)
{
	static const char sql[] = "SELECT source_id, target_id, type FROM links WHERE id = ?";
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail_sql(im->s, rc, "import");
	}
	int64_t osrc = sqlite3_column_int64(st, 0), odst = sqlite3_column_int64(st, 1);
	int otype = sqlite3_column_int(st, 2);
	sqlite3_reset(st);
	if (osrc == src && odst == dst && otype == type)
		return 0;
	char other[96];
	describe_link(other, sizeof other, osrc, odst, otype);
	return bad(im, NULL, "id %lld already names a different relation (%s)", (long long)id,
		   other);
}

static int import_link(struct importer *im, struct json_object *o)
{
	static const char sql[] =
	    "INSERT INTO links(id, source_id, target_id, type) VALUES(?, ?, ?, ?)";
	int64_t id = 0, src = 0, dst = 0;
	const char *kind = NULL;
	int type, rc;
	if (!json_object_is_type(o, json_type_object))
		return bad(im, NULL, "expected an object");
	if ((rc = req_id(im, o, "id", &id)) || (rc = req_id(im, o, "source_issue_id", &src)) ||
	    (rc = req_id(im, o, "target_issue_id", &dst)) ||
	    (rc = req_string(im, o, "link_type", &kind)))
		return rc;
	if (!idset_has(&im->issues, src))
		return bad(im, "source_issue_id", "%lld is not an issue of the snapshot",
			   (long long)src);
	if (!idset_has(&im->issues, dst))
		return bad(im, "target_issue_id", "%lld is not an issue of the snapshot",
			   (long long)dst);
	if (strcmp(kind, "blocks") == 0) {
		type = STORE_LINK_BLOCKS;
	} else if (strcmp(kind, "is_blocked_by") == 0) {
		type = STORE_LINK_BLOCKS;
		int64_t t = src;
		src = dst;
		dst = t;
	} else if (strcmp(kind, "relates_to") == 0) {
		type = STORE_LINK_RELATES;
		if (src == dst)
			return bad(im, NULL, "issue %lld relates_to itself", (long long)src);
		if (src > dst) {
			int64_t t = src;
			src = dst;
			dst = t;
		}
	} else {
		return bad(im, "link_type",
			   "\"%.40s\" is not one of relates_to, blocks, is_blocked_by", kind);
	}
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, src);
	sqlite3_bind_int64(st, 3, dst);
	sqlite3_bind_int(st, 4, type);
	int src_rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (src_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return link_id_again(im, id, src, dst, type);
	if (src_rc != SQLITE_DONE)
		return store_fail_sql(im->s, src_rc, "import");
	im->s->last_import.links++;
	return 0;
}

static int import_text_dep(struct importer *im, struct json_object *o)
{
	/* Entries equal in source, target and type are one: the smallest line. */
	static const char sql[] =
	    "INSERT INTO text_deps(source_id, target_id, type, line, phrase) "
	    "VALUES(?, ?, ?, ?, ?) ON CONFLICT(source_id, target_id, type) DO UPDATE SET "
	    "phrase = CASE WHEN excluded.line < line THEN excluded.phrase ELSE phrase END, "
	    "line = min(line, excluded.line)";
	int64_t src = 0, dst = 0, line = 0;
	const char *kind = NULL, *phrase = NULL;
	int type, rc;
	if (!json_object_is_type(o, json_type_object))
		return bad(im, NULL, "expected an object");
	if ((rc = req_id(im, o, "source_issue_id", &src)) ||
	    (rc = req_id(im, o, "target_issue_id", &dst)) ||
	    (rc = req_string(im, o, "link_type", &kind)) || (rc = req_id(im, o, "line", &line)) ||
	    (rc = req_string(im, o, "phrase", &phrase)))
		return rc;
	if (strcmp(kind, "blocks") == 0)
		type = STORE_TEXT_BLOCKS;
	else if (strcmp(kind, "is_blocked_by") == 0)
		type = STORE_TEXT_BLOCKED_BY;
	else
		return bad(im, "link_type", "\"%.40s\" is not one of blocks, is_blocked_by", kind);
	if (!idset_has(&im->issues, src))
		return bad(im, "source_issue_id", "%lld is not an issue of the snapshot",
			   (long long)src);
	if (!idset_has(&im->issues, dst))
		return bad(im, "target_issue_id", "%lld is not an issue of the snapshot",
			   (long long)dst);
	if (src == dst)
		return bad(im, NULL, "issue %lld names itself", (long long)src);
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, src);
	sqlite3_bind_int64(st, 2, dst);
	sqlite3_bind_int(st, 3, type);
	sqlite3_bind_int64(st, 4, line);
	sqlite3_bind_text(st, 5, phrase, -1, SQLITE_STATIC);
	int src_rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (src_rc != SQLITE_DONE)
		return store_fail_sql(im->s, src_rc, "import");
	return 0;
}

/* ---- document ------------------------------------------------------------ */

/*
 * json-c only builds a whole DOM, which for a 1,000,000-issue snapshot is
 * several GB. So the reader below walks the two outer levels itself (the
 * top-level object's keys, and the elements of its arrays: only
 * whitespace and the punctuation { } [ ] , : between values) and hands
 * every value, one record at a time, to json-c's tokener, which does all
 * of the actual JSON parsing. Memory stays at one record.
 */
struct reader {
	const char *buf;
	size_t len, pos;
	struct json_tokener *tok;
	struct store *s;
};

/* Byte offset -> "line L, column C" (1-based). */
static void position(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, line_start = 0;
	for (size_t k = 0; k < off; k++) {
		if (buf[k] == '\n') {
			l++;
			line_start = k + 1;
		}
	}
	*line = l;
	*col = off - line_start + 1;
}

static int syntax_error(struct reader *r, size_t off, const char *why)
{
	size_t line, col;
	position(r->buf, off, &line, &col);
	return store_fail(r->s, STORE_EINVAL, "line %zu, column %zu: %s", line, col, why);
}

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(struct reader *r)
{
	while (r->pos < r->len && json_space(r->buf[r->pos]))
		r->pos++;
}

/* The next non-space byte, or '\0' at the end of input. */
static char peek(struct reader *r)
{
	skip_space(r);
	return r->pos < r->len ? r->buf[r->pos] : '\0';
}

/* Parse one JSON value at r->pos with json-c and step past it. *out is the
 * value (NULL for JSON null); the caller puts it. */
static int read_value(struct reader *r, struct json_object **out)
{
	*out = NULL;
	skip_space(r);
	if (r->pos >= r->len)
		return syntax_error(r, r->len, "unexpected end of input");
	json_tokener_reset(r->tok);
	size_t avail = r->len - r->pos;
	int n = avail > (size_t)INT32_MAX ? INT32_MAX : (int)avail;
	struct json_object *v = json_tokener_parse_ex(r->tok, r->buf + r->pos, n);
	enum json_tokener_error e = json_tokener_get_error(r->tok);
	if (e == json_tokener_continue) {
		json_object_put(v);
		if (avail > (size_t)INT32_MAX)
			return syntax_error(r, r->pos, "a single value larger than 2 GiB");
		return syntax_error(r, r->len, "unexpected end of input");
	}
	if (e != json_tokener_success) {
		char why[128];
		snprintf(why, sizeof why, "not valid JSON: %s", json_tokener_error_desc(e));
		return syntax_error(r, r->pos + json_tokener_get_parse_end(r->tok), why);
	}
	r->pos += json_tokener_get_parse_end(r->tok);
	*out = v;
	return 0;
}

static int expect_punct(struct reader *r, char c, const char *why)
{
	if (peek(r) != c)
		return r->pos >= r->len ? syntax_error(r, r->len, "unexpected end of input")
					: syntax_error(r, r->pos, why);
	r->pos++;
	return 0;
}

typedef int (*record_fn)(struct importer *, struct json_object *);

/*
 * Walk the array at r->pos, handing each element to one (NULL: only check
 * its syntax). *count gets the number of elements.
 */
static int walk_array(struct reader *r, struct importer *im, const char *name, record_fn one,
		      int64_t *count)
{
	int rc;
	*count = 0;
	if (peek(r) != '[') {
		struct json_object *v = NULL;
		im->array = NULL;
		if ((rc = read_value(r, &v)))
			return rc;
		json_object_put(v);
		return bad(im, name, "expected an array");
	}
	r->pos++;
	if (peek(r) == ']') {
		r->pos++;
		return 0;
	}
	for (size_t k = 0;; k++) {
		struct json_object *v = NULL;
		if ((rc = read_value(r, &v)))
			return rc;
		if (one) {
			im->array = name;
			im->index = k;
			rc = one(im, v);
			im->array = NULL;
		}
		json_object_put(v);
		if (rc)
			return rc;
		*count = (int64_t)k + 1;
		char c = peek(r);
		r->pos += c != '\0';
		if (c == ']')
			return 0;
		if (c != ',')
			return c ? syntax_error(r, r->pos - 1,
						"not valid JSON: expected ',' or ']'")
				 : syntax_error(r, r->len, "unexpected end of input");
	}
}

enum { ARR_PROJECTS, ARR_ISSUES, ARR_LINKS, ARR_TEXT_DEPS, N_ARRAYS };
static const char *const array_names[N_ARRAYS] = {"projects", "issues", "links", "text_deps"};
static const record_fn array_fns[N_ARRAYS] = {import_project, import_issue, import_link,
					      import_text_dep};
/* The array each one refers to (-1: none); text_deps is optional (older
 * snapshots have none). */
static const int array_after[N_ARRAYS] = {-1, ARR_PROJECTS, ARR_ISSUES, ARR_ISSUES};
static const bool array_required[N_ARRAYS] = {true, true, true, false};

/* The ids the array a refers to, ready for lookups. */
static void before_load(struct importer *im, int a)
{
	if (a == ARR_ISSUES)
		idset_sort(&im->projects);
	else if (a == ARR_LINKS || a == ARR_TEXT_DEPS)
		idset_sort(&im->issues);
}

struct doc_state {
	bool seen[N_ARRAYS], loaded[N_ARRAYS];
	size_t at[N_ARRAYS]; /* where an array that came too early starts */
	int64_t count[N_ARRAYS];
	bool has_version, has_source;
};

/* The value of top-level key at r->pos. */
static int top_level_value(struct reader *r, struct importer *im, struct doc_state *d,
			   const char *key)
{
	struct json_object *v = NULL;
	int64_t version = 0;
	int rc;
	for (int a = 0; a < N_ARRAYS; a++) {
		if (strcmp(key, array_names[a]) != 0)
			continue;
		if (d->seen[a])
			return bad(im, key, "given twice");
		d->seen[a] = true;
		/* Projects before issues before links (foreign keys); a file that
		 * orders them otherwise is checked now and loaded at the end. */
		bool ready = array_after[a] < 0 || d->loaded[array_after[a]];
		d->at[a] = r->pos;
		if (ready)
			before_load(im, a);
		if ((rc = walk_array(r, im, key, ready ? array_fns[a] : NULL, &d->count[a])))
			return rc;
		d->loaded[a] = ready;
		return 0;
	}
	if ((rc = read_value(r, &v)))
		return rc;
	if (strcmp(key, "version") == 0) {
		d->has_version = true;
		if (!as_int64(v, &version) || version != 1)
			rc = bad(im, "version", "expected 1 (this build reads snapshot version 1)");
	} else if (strcmp(key, "source") == 0) {
		const char *source = NULL;
		d->has_source = true;
		if (!(rc = string_of(im, v, "source", "a string", &source)) && *source)
			rc = store_meta_set(r->s, "instance", source);
	}
	json_object_put(v);
	return rc;
}

static int import_document(struct reader *r, struct importer *im)
{
	struct doc_state d;
	struct json_object *key = NULL;
	int rc;
	memset(&d, 0, sizeof d);
	if (peek(r) == '\0')
		return store_fail(r->s, STORE_EINVAL, "empty file, expected a JSON snapshot");
	if (peek(r) != '{') {
		if ((rc = read_value(r, &key)))
			return rc;
		json_object_put(key);
		return bad(im, NULL, "expected a JSON object at the top level");
	}
	r->pos++;
	if (peek(r) == '}') {
		r->pos++;
	} else {
		for (;;) {
			size_t key_at = r->pos;
			if ((rc = read_value(r, &key)))
				return rc;
			if (!json_object_is_type(key, json_type_string)) {
				json_object_put(key);
				return syntax_error(r, key_at,
						    "not valid JSON: expected a string key");
			}
			if ((rc = expect_punct(r, ':', "not valid JSON: expected ':'")) ||
			    (rc = top_level_value(r, im, &d, json_object_get_string(key)))) {
				json_object_put(key);
				return rc;
			}
			json_object_put(key);
			key = NULL;
			char c = peek(r);
			r->pos += c != '\0';
			if (c == '}')
				break;
			if (c != ',')
				return c ? syntax_error(r, r->pos - 1,
							"not valid JSON: expected ',' or '}'")
					 : syntax_error(r, r->len, "unexpected end of input");
		}
	}
	if (peek(r) != '\0')
		return syntax_error(r, r->pos, "unexpected data after the JSON document");
	if (!d.has_version)
		return bad(im, "version", "missing");
	if (!d.has_source)
		return bad(im, "source", "missing");
	for (int a = 0; a < N_ARRAYS; a++) {
		if (!d.seen[a] && array_required[a])
			return bad(im, array_names[a], "missing (expected an array)");
	}
	/* Arrays that came before the ones they refer to. */
	for (int a = 0; a < N_ARRAYS; a++) {
		if (d.loaded[a] || !d.seen[a])
			continue;
		r->pos = d.at[a];
		before_load(im, a);
		if ((rc = walk_array(r, im, array_names[a], array_fns[a], &d.count[a])))
			return rc;
		d.loaded[a] = true;
	}
	im->s->last_import.projects = d.count[ARR_PROJECTS];
	im->s->last_import.issues = d.count[ARR_ISSUES];
	return store_mark_populated(r->s);
}

int store_import_json(struct store *s, const char *buf, size_t len)
{
	struct importer im = {.s = s};
	struct reader r = {.buf = buf, .len = len, .s = s};
	int rc;
	memset(&s->last_import, 0, sizeof s->last_import);
	if (!(r.tok = json_tokener_new()))
		return store_fail(s, STORE_ENOMEM, "out of memory");
	json_tokener_set_flags(r.tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					  JSON_TOKENER_VALIDATE_UTF8);
	/* A bulk load touches every page of the tables and indexes: with
	 * SQLite's default 2 MB cache most of the time goes to re-reading
	 * pages from the WAL. */
	char cache[64];
	snprintf(cache, sizeof cache, "PRAGMA cache_size = -%d", IMPORT_CACHE_KB);
	store_exec(s, cache);
	/* References are checked against im's id sets (see struct idset);
	 * the pragma only takes effect outside a transaction. */
	store_exec(s, "PRAGMA foreign_keys = OFF");
	if ((rc = store_begin(s)) < 0)
		goto done;
	if ((rc = store_clear(s)) == 0 && (rc = store_schema_drop_link_indexes(s)) == 0 &&
	    (rc = import_document(&r, &im)) == 0 && (rc = store_schema_create_link_indexes(s)) == 0)
		rc = store_commit(s);
	if (rc < 0) {
		char keep[sizeof s->errmsg];
		memcpy(keep, s->errmsg, sizeof keep);
		store_rollback(s);
		memcpy(s->errmsg, keep, sizeof keep);
	}
done:
	store_exec(s, "PRAGMA foreign_keys = ON");
	store_exec(s, "PRAGMA cache_size = -2000");
	free(im.projects.v);
	free(im.projects.bits);
	free(im.issues.v);
	free(im.issues.bits);
	json_tokener_free(r.tok);
	if (rc < 0)
		memset(&s->last_import, 0, sizeof s->last_import);
	return rc;
}

void store_import_counts(const struct store *s, struct store_import_counts *out)
{
	*out = s->last_import;
}

/* ---- export ------------------------------------------------------------- */

#define TO_STRING_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct exporter {
	struct store *s;
	FILE *out;
	bool first;
};

static struct json_object *str_or_null(const char *v)
{
	return v ? json_object_new_string(v) : NULL;
}

/* Write one record (and its separator), then free it. */
static int emit(struct exporter *ex, struct json_object *o)
{
	if (!o)
		return store_fail(ex->s, STORE_ENOMEM, "out of memory");
	fputs(ex->first ? "\n    " : ",\n    ", ex->out);
	ex->first = false;
	fputs(json_object_to_json_string_ext(o, TO_STRING_FLAGS), ex->out);
	json_object_put(o);
	return ferror(ex->out)
		   ? store_fail(ex->s, STORE_ERR, "cannot write the snapshot: %s", strerror(errno))
		   : 0;
}

static int export_project(void *ctx, const struct store_project *p)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "id", json_object_new_int64(p->id));
		json_object_object_add(o, "path_with_namespace", json_object_new_string(p->path));
		json_object_object_add(o, "web_url", str_or_null(p->web_url));
	}
	return emit(ctx, o);
}

static int export_issue(void *ctx, const struct store_issue *i)
{
	struct exporter *ex = ctx;
	struct json_object *o = json_object_new_object();
	if (!o)
		return emit(ex, NULL);
	struct json_object *labels = json_tokener_parse(i->labels_json);
	if (!json_object_is_type(labels, json_type_array)) {
		json_object_put(labels);
		json_object_put(o);
		return store_fail(ex->s, STORE_ECORRUPT,
				  "issue %lld: stored labels are not a JSON array",
				  (long long)i->id);
	}
	json_object_object_add(o, "id", json_object_new_int64(i->id));
	json_object_object_add(o, "project_id", json_object_new_int64(i->project_id));
	json_object_object_add(o, "iid", json_object_new_int64(i->iid));
	json_object_object_add(o, "title", json_object_new_string(i->title ? i->title : ""));
	json_object_object_add(
	    o, "state",
	    json_object_new_string(i->state == STORE_STATE_CLOSED ? "closed" : "opened"));
	json_object_object_add(o, "confidential", json_object_new_boolean(i->confidential));
	json_object_object_add(o, "weight",
			       i->has_weight ? json_object_new_int64(i->weight) : NULL);
	struct json_object *ts = json_object_new_object();
	if (ts) {
		json_object_object_add(ts, "time_estimate",
				       json_object_new_int64(i->time_estimate));
		json_object_object_add(ts, "total_time_spent",
				       json_object_new_int64(i->total_time_spent));
	}
	json_object_object_add(o, "time_stats", ts);
	struct json_object *ms = NULL;
	if (i->milestone_title) {
		ms = json_object_new_object();
		if (ms) {
			json_object_object_add(ms, "title",
					       json_object_new_string(i->milestone_title));
			json_object_object_add(ms, "due_date", str_or_null(i->milestone_due));
		}
	}
	json_object_object_add(o, "milestone", ms);
	json_object_object_add(o, "due_date", str_or_null(i->due_date));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "created_at", str_or_null(i->created_at));
	json_object_object_add(o, "updated_at", str_or_null(i->updated_at));
	json_object_object_add(o, "closed_at", str_or_null(i->closed_at));
	json_object_object_add(o, "web_url", str_or_null(i->web_url));
	return emit(ex, o);
}

static int export_link(void *ctx, const struct store_link *l)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "id", json_object_new_int64(l->id));
		json_object_object_add(o, "source_issue_id", json_object_new_int64(l->source_id));
		json_object_object_add(o, "target_issue_id", json_object_new_int64(l->target_id));
		json_object_object_add(
		    o, "link_type",
		    json_object_new_string(l->type == STORE_LINK_BLOCKS ? "blocks" : "relates_to"));
	}
	return emit(ctx, o);
}

static int export_text_dep(void *ctx, const struct store_text_dep *d)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "source_issue_id", json_object_new_int64(d->source_id));
		json_object_object_add(o, "target_issue_id", json_object_new_int64(d->target_id));
		json_object_object_add(o, "link_type",
				       json_object_new_string(d->type == STORE_TEXT_BLOCKS
								  ? "blocks"
								  : "is_blocked_by"));
		json_object_object_add(o, "line", json_object_new_int64(d->line));
		json_object_object_add(o, "phrase", json_object_new_string(d->phrase));
	}
	return emit(ctx, o);
}

static int close_array(struct exporter *ex, const char *after)
{
	fputs(ex->first ? "]" : "\n  ]", ex->out);
	fputs(after, ex->out);
	ex->first = true;
	return 0;
}

int store_export_json(struct store *s, FILE *out)
{
	struct exporter ex = {.s = s, .out = out, .first = true};
	char *instance = NULL;
	int rc;
	/* One read transaction: a consistent snapshot even if a writer comes
	 * along (unless the caller already holds one). */
	bool own_txn = sqlite3_get_autocommit(s->db) != 0;
	if (own_txn && (rc = store_exec(s, "BEGIN")) < 0)
		return rc;
	if ((rc = store_get_instance(s, &instance)))
		goto done;
	struct json_object *src = json_object_new_string(instance ? instance : "");
	free(instance);
	if (!src) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	fprintf(out, "{\n  \"version\": 1,\n  \"source\": %s,\n  \"projects\": [",
		json_object_to_json_string_ext(src, TO_STRING_FLAGS));
	json_object_put(src);
	if ((rc = store_each_project(s, export_project, &ex)))
		goto done;
	close_array(&ex, ",\n  \"issues\": [");
	if ((rc = store_each_issue(s, export_issue, &ex)))
		goto done;
	close_array(&ex, ",\n  \"links\": [");
	if ((rc = store_each_link(s, export_link, &ex)))
		goto done;
	close_array(&ex, ",\n  \"text_deps\": [");
	if ((rc = store_each_text_dep(s, export_text_dep, &ex)))
		goto done;
	close_array(&ex, "\n}\n");
	if (fflush(out) != 0 || ferror(out))
		rc = store_fail(s, STORE_ERR, "cannot write the snapshot: %s", strerror(errno));
done:
	if (own_txn)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
