/*
 * GitLab's JSON -> store records: the one strict decoder that snapshot
 * import and the crawl share (SPEC "JSON snapshot"), so that what fetch
 * stores is exactly what import accepts, and a store filled by fetch
 * always exports and re-imports.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "store.h"

static int refuse(struct store_json_refusal *why, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(struct store_json_refusal *why, const char *field, const char *fmt, ...)
{
	va_list ap;
	snprintf(why->field, sizeof why->field, "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(why->why, sizeof why->why, fmt, ap);
	va_end(ap);
	return STORE_EINVAL;
}

void store_json_refusal_text(const struct store_json_refusal *why, char *buf, size_t n)
{
	if (why->field[0])
		snprintf(buf, n, "%s: %s", why->field, why->why);
	else
		snprintf(buf, n, "%s", why->why);
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

bool store_json_int64(struct json_object *v, int64_t *out)
{
	return as_int64(v, out);
}

/* Required positive integer (ids, iids). */
static int req_id(struct store_json_refusal *why, struct json_object *obj, const char *key,
		  int64_t *out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return refuse(why, key, "missing");
	if (!as_int64(v, out) || *out < 1)
		return refuse(why, key, "expected a positive integer");
	return 0;
}

/* Optional integer >= 0: absent or null leaves *present false. */
static int opt_count(struct store_json_refusal *why, struct json_object *obj, const char *key,
		     const char *field, int64_t *out, bool *present)
{
	struct json_object *v = NULL;
	*present = false;
	*out = 0;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	if (!as_int64(v, out) || *out < 0)
		return refuse(why, field, "expected an integer >= 0 or null");
	*present = true;
	return 0;
}

/* A string without NUL bytes (json-c gives the length: a "\u0000" would
 * silently cut the C string short). */
static int string_of(struct store_json_refusal *why, struct json_object *v, const char *field,
		     const char *expect, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return refuse(why, field, "expected %s", expect);
	const char *str = json_object_get_string(v);
	if (strlen(str) != (size_t)json_object_get_string_len(v))
		return refuse(why, field, "contains a NUL character");
	*out = str;
	return 0;
}

int store_json_string(struct json_object *v, const char *field, const char **out,
		      struct store_json_refusal *why)
{
	return string_of(why, v, field, "a string", out);
}

static int req_string(struct store_json_refusal *why, struct json_object *obj, const char *key,
		      const char **out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return refuse(why, key, "missing");
	return string_of(why, v, key, "a string", out);
}

/* Optional string: absent or null gives NULL. */
static int opt_string(struct store_json_refusal *why, struct json_object *obj, const char *key,
		      const char *field, const char **out)
{
	struct json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	return string_of(why, v, field, "a string or null", out);
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

static int opt_date(struct store_json_refusal *why, struct json_object *obj, const char *key,
		    const char *field, const char **out)
{
	struct json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || is_null(v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return refuse(why, field, "expected a date YYYY-MM-DD or null");
	const char *d = json_object_get_string(v);
	if (strlen(d) != (size_t)json_object_get_string_len(v) || !valid_date(d))
		return refuse(why, field, "\"%.40s\" is not a date YYYY-MM-DD", d);
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

int store_project_from_json(struct json_object *o, struct store_project *out,
			    struct store_json_refusal *why)
{
	int rc;
	memset(out, 0, sizeof *out);
	if (!json_object_is_type(o, json_type_object))
		return refuse(why, NULL, "expected an object");
	if ((rc = req_id(why, o, "id", &out->id)) ||
	    (rc = req_string(why, o, "path_with_namespace", &out->path)) ||
	    (rc = opt_string(why, o, "web_url", "web_url", &out->web_url)))
		return rc;
	if (!valid_project_path(out->path))
		/* printed by the caller, which escapes what it prints */
		return refuse(why, "path_with_namespace", "\"%.80s\" is not a project path",
			      out->path);
	return 0;
}

/* A username as GitLab and GitHub allow them: 1 to 255 of letters,
 * digits, '_', '-' and '.' (what an output may print after '@'). */
static bool valid_username(const char *u)
{
	size_t n = strlen(u);
	if (n == 0 || n > 255)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)u[k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* The key under which the usernames' array is kept on the issue object, so
 * that the text assignees_json points to lives as long as o (a NUL-free key
 * no tracker sends: it starts with a control character). */
#define ASSIGNEES_KEPT "\x01issuegraph.assignees"

/* "assignees": null, missing or [{"username": "..."}...] (GitLab's shape;
 * other fields of each object are ignored, the order kept) into a JSON
 * array of the usernames. */
static int assignees_of(struct json_object *o, struct store_issue *i,
			struct store_json_refusal *why)
{
	struct json_object *v = NULL;
	i->assignees_json = "[]";
	if (!json_object_object_get_ex(o, "assignees", &v) || is_null(v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return refuse(why, "assignees", "expected an array of objects or null");
	size_t n = json_object_array_length(v);
	if (n == 0)
		return 0;
	struct json_object *names = json_object_new_array_ext((int)n);
	if (!names)
		return refuse(why, "assignees", "out of memory");
	for (size_t k = 0; k < n; k++) {
		struct json_object *a = json_object_array_get_idx(v, k), *u = NULL;
		const char *name = NULL;
		int rc = 0;
		if (!json_object_is_type(a, json_type_object))
			rc = refuse(why, "assignees", "expected an array of objects or null");
		else if (!json_object_object_get_ex(a, "username", &u))
			rc = refuse(why, "assignees.username", "missing");
		else if ((rc = string_of(why, u, "assignees.username", "a string", &name)) == 0 &&
			 !valid_username(name))
			rc = refuse(why, "assignees.username", "\"%.80s\" is not a username", name);
		if (rc == 0 && json_object_array_add(names, json_object_new_string(name)) != 0)
			rc = refuse(why, "assignees", "out of memory");
		if (rc) {
			json_object_put(names);
			return rc;
		}
	}
	const char *text =
	    json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || json_object_object_add(o, ASSIGNEES_KEPT, names) != 0) {
		json_object_put(names);
		return refuse(why, "assignees", "out of memory");
	}
	i->assignees_json = text;
	return 0;
}

int store_issue_from_json(struct json_object *o, struct store_issue *i,
			  struct store_json_refusal *why)
{
	struct json_object *v = NULL;
	const char *state = NULL;
	bool present = false;
	int rc;
	memset(i, 0, sizeof *i);
	if (!json_object_is_type(o, json_type_object))
		return refuse(why, NULL, "expected an object");
	if ((rc = req_id(why, o, "id", &i->id)) ||
	    (rc = req_id(why, o, "project_id", &i->project_id)) ||
	    (rc = req_id(why, o, "iid", &i->iid)) ||
	    (rc = req_string(why, o, "title", &i->title)) ||
	    (rc = req_string(why, o, "state", &state)))
		return rc;
	if (strcmp(state, "opened") == 0)
		i->state = STORE_STATE_OPENED;
	else if (strcmp(state, "closed") == 0)
		i->state = STORE_STATE_CLOSED;
	else
		return refuse(why, "state", "expected \"opened\" or \"closed\"");

	if (json_object_object_get_ex(o, "confidential", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return refuse(why, "confidential", "expected true, false or null");
		i->confidential = json_object_get_boolean(v);
	}
	if ((rc = opt_count(why, o, "weight", "weight", &i->weight, &i->has_weight)))
		return rc;
	if (json_object_object_get_ex(o, "time_stats", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_object))
			return refuse(why, "time_stats", "expected an object or null");
		if ((rc = opt_count(why, v, "time_estimate", "time_stats.time_estimate",
				    &i->time_estimate, &present)) ||
		    (rc = opt_count(why, v, "total_time_spent", "time_stats.total_time_spent",
				    &i->total_time_spent, &present)))
			return rc;
	}
	if (json_object_object_get_ex(o, "milestone", &v) && !is_null(v)) {
		struct json_object *t = NULL;
		if (!json_object_is_type(v, json_type_object))
			return refuse(why, "milestone", "expected an object or null");
		if (!json_object_object_get_ex(v, "title", &t))
			return refuse(why, "milestone.title", "missing");
		if ((rc = string_of(why, t, "milestone.title", "a string", &i->milestone_title)) ||
		    (rc = opt_date(why, v, "due_date", "milestone.due_date", &i->milestone_due)))
			return rc;
	}
	if ((rc = opt_date(why, o, "due_date", "due_date", &i->due_date)))
		return rc;
	i->labels_json = "[]";
	if (json_object_object_get_ex(o, "labels", &v) && !is_null(v)) {
		if (!json_object_is_type(v, json_type_array))
			return refuse(why, "labels", "expected an array of strings or null");
		size_t n = json_object_array_length(v);
		for (size_t k = 0; k < n; k++) {
			const char *label = NULL;
			if ((rc = string_of(why, json_object_array_get_idx(v, k), "labels",
					    "an array of strings or null", &label)))
				return rc;
		}
		if (n)
			i->labels_json = json_object_to_json_string_ext(
			    v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
	if ((rc = assignees_of(o, i, why)))
		return rc;
	if ((rc = opt_string(why, o, "created_at", "created_at", &i->created_at)) ||
	    (rc = opt_string(why, o, "updated_at", "updated_at", &i->updated_at)) ||
	    (rc = opt_string(why, o, "closed_at", "closed_at", &i->closed_at)) ||
	    (rc = opt_string(why, o, "web_url", "web_url", &i->web_url)))
		return rc;
	return 0;
}

int store_link_from_json(const char *link_type, int64_t id, int64_t this_issue, int64_t other_issue,
			 struct store_link *out, struct store_json_refusal *why)
{
	memset(out, 0, sizeof *out);
	if (id < 1)
		return refuse(why, "id", "expected a positive integer");
	out->id = id;
	out->source_id = this_issue;
	out->target_id = other_issue;
	if (strcmp(link_type, "blocks") == 0) {
		out->type = STORE_LINK_BLOCKS;
	} else if (strcmp(link_type, "is_blocked_by") == 0) {
		out->type = STORE_LINK_BLOCKS;
		out->source_id = other_issue;
		out->target_id = this_issue;
	} else if (strcmp(link_type, "relates_to") == 0) {
		out->type = STORE_LINK_RELATES;
		if (this_issue == other_issue)
			return refuse(why, NULL, "issue %lld relates_to itself",
				      (long long)this_issue);
	} else {
		return refuse(why, "link_type",
			      "\"%.40s\" is not one of relates_to, blocks, is_blocked_by",
			      link_type);
	}
	store_link_normalize(out);
	return 0;
}

int store_text_dep_from_json(struct json_object *o, struct store_text_dep *out,
			     struct store_json_refusal *why)
{
	const char *kind = NULL;
	int rc;
	memset(out, 0, sizeof *out);
	if (!json_object_is_type(o, json_type_object))
		return refuse(why, NULL, "expected an object");
	if ((rc = req_id(why, o, "source_issue_id", &out->source_id)) ||
	    (rc = req_id(why, o, "target_issue_id", &out->target_id)) ||
	    (rc = req_string(why, o, "link_type", &kind)) ||
	    (rc = req_id(why, o, "line", &out->line)) ||
	    (rc = req_string(why, o, "phrase", &out->phrase)))
		return rc;
	if (strcmp(kind, "blocks") == 0)
		out->type = STORE_TEXT_BLOCKS;
	else if (strcmp(kind, "is_blocked_by") == 0)
		out->type = STORE_TEXT_BLOCKED_BY;
	else
		return refuse(why, "link_type", "\"%.40s\" is not one of blocks, is_blocked_by",
			      kind);
	if (out->source_id == out->target_id)
		return refuse(why, NULL, "issue %lld names itself", (long long)out->source_id);
	return 0;
}

void store_link_normalize(struct store_link *l)
{
	if (l->type == STORE_LINK_RELATES && l->source_id > l->target_id) {
		int64_t t = l->source_id;
		l->source_id = l->target_id;
		l->target_id = t;
	}
}
