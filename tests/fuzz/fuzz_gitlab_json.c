/* The one strict decoder of GitLab's JSON (store/gitlab_json.c), as fetch
 * and import use it, on any bytes the tokener accepts: an issue, a project,
 * a link of one issue to another and a text dependency. Invariants: an
 * accepted record keeps the rules the store relies on (ids >= 1, counts >=
 * 0, strings without NUL, a project path that makes a ref, links in stored
 * direction); a refusal names why in one line. */
#include <json-c/json.h>

#include "fuzz_util.h"
#include "store.h"

static void refused(const struct store_json_refusal *why)
{
	if (!memchr(why->why, 0, sizeof why->why) || !why->why[0])
		fuzz_fail("a refusal without a reason", "");
	if (!memchr(why->field, 0, sizeof why->field))
		fuzz_fail("a refusal's field is not a string", "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!o)
		return 0;
	struct store_json_refusal why;

	struct store_issue i;
	memset(&why, 0, sizeof why);
	if (store_issue_from_json(o, &i, &why) == 0) {
		if (i.id < 1 || i.iid < 1 || i.project_id < 1)
			fuzz_fail("an issue with an id below 1", "");
		if ((i.has_weight && i.weight < 0) || i.time_estimate < 0 || i.total_time_spent < 0)
			fuzz_fail("an issue with a negative count", "");
		if (!i.labels_json || !i.title)
			fuzz_fail("an issue without labels or title", "");
		struct json_object *labels = json_tokener_parse(i.labels_json);
		if (!labels || !json_object_is_type(labels, json_type_array))
			fuzz_fail("labels that are not a JSON array", i.labels_json);
		json_object_put(labels);
		/* assignees: an array of usernames, each printable after '@' */
		struct json_object *names =
		    i.assignees_json ? json_tokener_parse(i.assignees_json) : NULL;
		if (!names || !json_object_is_type(names, json_type_array))
			fuzz_fail("assignees that are not a JSON array",
				  i.assignees_json ? i.assignees_json : "(null)");
		for (size_t k = 0; k < json_object_array_length(names); k++) {
			const char *u = json_object_get_string(json_object_array_get_idx(names, k));
			if (!u || !*u || strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						  "0123456789_-.") != strlen(u))
				fuzz_fail("an assignee that is no username", u ? u : "(null)");
		}
		json_object_put(names);
	} else {
		refused(&why);
	}

	struct store_project p;
	memset(&why, 0, sizeof why);
	if (store_project_from_json(o, &p, &why) == 0) {
		if (p.id < 1 || !p.path)
			fuzz_fail("a project without an id or path", "");
		char ref[1100], *path = NULL;
		int64_t iid = 0;
		if (strlen(p.path) < 1000) {
			snprintf(ref, sizeof ref, "%s#1", p.path);
			if (store_ref_parse(ref, &path, &iid) != 0)
				fuzz_fail("a project path that makes no ref", p.path);
			free(path);
		}
	} else {
		refused(&why);
	}

	struct json_object *v = NULL;
	if (json_object_object_get_ex(o, "link_type", &v) &&
	    json_object_is_type(v, json_type_string)) {
		struct store_link l;
		int64_t a = 1 + (int64_t)(size % 5), c = 1 + (int64_t)(size % 3);
		memset(&why, 0, sizeof why);
		if (store_link_from_json(json_object_get_string(v), (int64_t)size - 2, a, c, &l,
					 &why) == 0) {
			if (l.id < 1)
				fuzz_fail("a link with an id below 1", "");
			if (l.type == STORE_LINK_RELATES && l.source_id > l.target_id)
				fuzz_fail("relates_to not in stored direction", "");
			if (!((l.source_id == a && l.target_id == c) ||
			      (l.source_id == c && l.target_id == a)))
				fuzz_fail("a link between other issues", "");
		} else {
			refused(&why);
		}
	}

	struct store_text_dep d;
	memset(&why, 0, sizeof why);
	if (store_text_dep_from_json(o, &d, &why) == 0) {
		if (d.source_id < 1 || d.target_id < 1 || d.line < 1 || d.source_id == d.target_id)
			fuzz_fail("a text dependency breaking the rules", "");
		if (d.type != STORE_TEXT_BLOCKS && d.type != STORE_TEXT_BLOCKED_BY)
			fuzz_fail("a text dependency of another type", "");
	} else {
		refused(&why);
	}
	json_object_put(o);
	return 0;
}
