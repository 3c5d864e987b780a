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
#define FEED_CHUNK ((size_t)64 << 20)

struct importer {
	struct store *s;
	const char *array; /* "projects", "issues", "links" */
	size_t index;
};

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
	if ((rc = req_id(im, o, "id", &id)) || (rc = req_string(im, o, "path_with_namespace", &path)) ||
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
	return 0;
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
	if ((rc = req_id(im, o, "id", &i.id)) || (rc = req_id(im, o, "project_id", &i.project_id)) ||
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
	if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
		return bad(im, "project_id", "%lld is not a project of the snapshot",
			   (long long)i.project_id);
	if (src != SQLITE_DONE)
		return store_fail_sql(im->s, src, "import");
	return 0;
}

static bool issue_exists(struct store *s, int64_t id)
{
	static const char sql[] = "SELECT 1 FROM issues WHERE id = ?";
	sqlite3_stmt *st = store_stmt(s, sql);
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, id);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
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
	/* Endpoints first, so that a bad one is named as such. */
	if (!issue_exists(im->s, src))
		return bad(im, "source_issue_id", "%lld is not an issue of the snapshot",
			   (long long)src);
	if (!issue_exists(im->s, dst))
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

/* ---- document ------------------------------------------------------------ */

/* Byte offset -> "line L, column C" (1-based). */
static void position(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t l = 1, last_nl = 0;
	bool seen_nl = false;
	for (size_t k = 0; k < off; k++) {
		if (buf[k] == '\n') {
			l++;
			last_nl = k;
			seen_nl = true;
		}
	}
	*line = l;
	*col = seen_nl ? off - last_nl : off + 1;
}

static bool all_space(const char *p, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (p[k] != ' ' && p[k] != '\t' && p[k] != '\n' && p[k] != '\r')
			return false;
	}
	return true;
}

static int parse_document(struct store *s, const char *buf, size_t len, struct json_object **out)
{
	*out = NULL;
	if (all_space(buf, len))
		return store_fail(s, STORE_EINVAL, "empty file, expected a JSON snapshot");
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return store_fail(s, STORE_ENOMEM, "out of memory");
	struct json_object *doc = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	size_t base = 0;
	while (base < len) {
		size_t n = len - base < FEED_CHUNK ? len - base : FEED_CHUNK;
		doc = json_tokener_parse_ex(tok, buf + base, (int)n);
		jerr = json_tokener_get_error(tok);
		if (jerr != json_tokener_continue)
			break;
		base += n;
	}
	size_t line, col;
	int rc = 0;
	if (jerr == json_tokener_continue) {
		position(buf, len, &line, &col);
		rc = store_fail(s, STORE_EINVAL, "line %zu, column %zu: unexpected end of input", line,
				col);
	} else if (jerr != json_tokener_success) {
		position(buf, base + json_tokener_get_parse_end(tok), &line, &col);
		rc = store_fail(s, STORE_EINVAL, "line %zu, column %zu: not valid JSON: %s", line, col,
				json_tokener_error_desc(jerr));
	} else {
		size_t end = base + json_tokener_get_parse_end(tok);
		if (!all_space(buf + end, len - end)) {
			size_t at = end;
			while (at < len && all_space(buf + at, 1))
				at++;
			position(buf, at, &line, &col);
			rc = store_fail(s, STORE_EINVAL,
					"line %zu, column %zu: unexpected data after the JSON document",
					line, col);
		}
	}
	json_tokener_free(tok);
	if (rc) {
		json_object_put(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

static int import_array(struct importer *im, struct json_object *doc, const char *name,
			int (*one)(struct importer *, struct json_object *), int64_t *count)
{
	struct json_object *arr = NULL;
	im->array = NULL;
	if (!json_object_object_get_ex(doc, name, &arr))
		return bad(im, name, "missing (expected an array)");
	if (!json_object_is_type(arr, json_type_array))
		return bad(im, name, "expected an array");
	size_t n = json_object_array_length(arr);
	im->array = name;
	for (size_t k = 0; k < n; k++) {
		im->index = k;
		int rc = one(im, json_object_array_get_idx(arr, k));
		if (rc)
			return rc;
	}
	im->array = NULL;
	if (count != NULL)
		*count = (int64_t)n;
	/* Loaded: give its memory back before the next array. */
	json_object_object_del(doc, name);
	return 0;
}

static int import_document(struct importer *im, struct json_object *doc)
{
	struct json_object *v = NULL;
	const char *source = NULL;
	int64_t version = 0;
	int rc;
	struct store_import_counts *c = &im->s->last_import;
	if (!json_object_is_type(doc, json_type_object))
		return bad(im, NULL, "expected a JSON object at the top level");
	if (!json_object_object_get_ex(doc, "version", &v))
		return bad(im, "version", "missing");
	if (!as_int64(v, &version) || version != 1)
		return bad(im, "version", "expected 1 (this build reads snapshot version 1)");
	if ((rc = req_string(im, doc, "source", &source)))
		return rc;
	/* Check the arrays' presence and type before writing anything. */
	static const char *const arrays[] = {"projects", "issues", "links"};
	for (size_t k = 0; k < 3; k++) {
		if (!json_object_object_get_ex(doc, arrays[k], &v))
			return bad(im, arrays[k], "missing (expected an array)");
		if (!json_object_is_type(v, json_type_array))
			return bad(im, arrays[k], "expected an array");
	}
	if ((rc = store_clear(im->s)) < 0)
		return rc;
	if (*source && (rc = store_meta_set(im->s, "instance", source)) < 0)
		return rc;
	if ((rc = import_array(im, doc, "projects", import_project, &c->projects)) ||
	    (rc = import_array(im, doc, "issues", import_issue, &c->issues)) ||
	    (rc = import_array(im, doc, "links", import_link, NULL)))
		return rc;
	return store_mark_populated(im->s);
}

int store_import_json(struct store *s, const char *buf, size_t len)
{
	struct json_object *doc = NULL;
	struct importer im = {.s = s};
	memset(&s->last_import, 0, sizeof s->last_import);
	int rc = parse_document(s, buf, len, &doc);
	if (rc)
		return rc;
	if ((rc = store_begin(s)) < 0)
		goto done;
	rc = import_document(&im, doc);
	if (rc == 0)
		rc = store_commit(s);
	if (rc < 0) {
		char keep[sizeof s->errmsg];
		memcpy(keep, s->errmsg, sizeof keep);
		store_rollback(s);
		memcpy(s->errmsg, keep, sizeof keep);
	}
done:
	json_object_put(doc);
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
	return ferror(ex->out) ? store_fail(ex->s, STORE_ERR, "cannot write the snapshot: %s",
					    strerror(errno))
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
		return store_fail(ex->s, STORE_ECORRUPT, "issue %lld: stored labels are not a JSON array",
				  (long long)i->id);
	}
	json_object_object_add(o, "id", json_object_new_int64(i->id));
	json_object_object_add(o, "project_id", json_object_new_int64(i->project_id));
	json_object_object_add(o, "iid", json_object_new_int64(i->iid));
	json_object_object_add(o, "title", json_object_new_string(i->title ? i->title : ""));
	json_object_object_add(o, "state", json_object_new_string(
						   i->state == STORE_STATE_CLOSED ? "closed" : "opened"));
	json_object_object_add(o, "confidential", json_object_new_boolean(i->confidential));
	json_object_object_add(o, "weight", i->has_weight ? json_object_new_int64(i->weight) : NULL);
	struct json_object *ts = json_object_new_object();
	if (ts) {
		json_object_object_add(ts, "time_estimate", json_object_new_int64(i->time_estimate));
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
		json_object_object_add(o, "link_type",
				       json_object_new_string(l->type == STORE_LINK_BLOCKS
								      ? "blocks"
								      : "relates_to"));
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
	int rc = store_get_instance(s, &instance);
	if (rc)
		return rc;
	/* One read transaction: a consistent snapshot even if a writer comes along. */
	if ((rc = store_exec(s, "BEGIN")) < 0) {
		free(instance);
		return rc;
	}
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
	close_array(&ex, "\n}\n");
	if (fflush(out) != 0 || ferror(out))
		rc = store_fail(s, STORE_ERR, "cannot write the snapshot: %s", strerror(errno));
done:
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
