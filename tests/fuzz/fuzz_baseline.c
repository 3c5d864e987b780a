/* cli_baseline_parse (cli/input_files.c), the --baseline file's reader.
 * Beyond "no crash, no UB, no leak" it checks what the reader promises
 * its caller (cli/cmd_changes.c walks the document without checking
 * types again):
 *   - the result is 0, CLI_INPUT_EINVAL or CLI_INPUT_ENOMEM;
 *   - a refusal says why, in one line;
 *   - an accepted document is an object whose "findings" is an array of
 *     objects, each with a known string "kind"; a knot's "issues" an
 *     array of refs, a conflict's "blocker" and "blocked" refs. */
#include <json-c/json.h>

#include "fuzz_util.h"
#include "input_files.h"
#include "store.h"

static void must_be_ref(struct json_object *v)
{
	char *path = NULL;
	int64_t iid = 0;
	if (!json_object_is_type(v, json_type_string))
		fuzz_fail("accepted a ref that is not a string", json_object_to_json_string(v));
	int rc = store_ref_parse(json_object_get_string(v), &path, &iid);
	if (rc != 0 && rc != STORE_ENOMEM)
		fuzz_fail("accepted a string that is not a ref", json_object_get_string(v));
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the reader wants buf[len] == '\0', as cli_input_read() leaves it */
	char *buf = fuzz_cstr(data, size);
	char why[256] = "";
	struct json_object *root = NULL;
	int rc = cli_baseline_parse(buf, size, &root, why, sizeof why);
	free(buf);
	if (rc == CLI_INPUT_ENOMEM)
		return 0;
	if (rc != 0) {
		if (rc != CLI_INPUT_EINVAL)
			fuzz_fail("neither 0 nor CLI_INPUT_EINVAL", why);
		if (root)
			fuzz_fail("a refusal returned a document", why);
		if (!*why || strchr(why, '\n'))
			fuzz_fail("a refusal without a one-line reason", why);
		return 0;
	}
	struct json_object *list = NULL;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "findings", &list) ||
	    !json_object_is_type(list, json_type_array))
		fuzz_fail("accepted a document without a findings array",
			  json_object_to_json_string(root));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *f = json_object_array_get_idx(list, i), *kind = NULL, *x = NULL;
		if (!json_object_is_type(f, json_type_object) ||
		    !json_object_object_get_ex(f, "kind", &kind) ||
		    !json_object_is_type(kind, json_type_string))
			fuzz_fail("accepted a finding without a string kind",
				  json_object_to_json_string(f));
		const char *k = json_object_get_string(kind);
		if (!strcmp(k, "knots") || !strcmp(k, "new-knots")) {
			if (!json_object_object_get_ex(f, "issues", &x) ||
			    !json_object_is_type(x, json_type_array))
				fuzz_fail("accepted a knot without issues", k);
			for (size_t j = 0; j < json_object_array_length(x); j++)
				must_be_ref(json_object_array_get_idx(x, j));
		} else if (!strcmp(k, "conflicts") || !strcmp(k, "new-conflicts")) {
			struct json_object *a = NULL, *b = NULL;
			if (!json_object_object_get_ex(f, "blocker", &a) ||
			    !json_object_object_get_ex(f, "blocked", &b))
				fuzz_fail("accepted a conflict without both ends", k);
			must_be_ref(a);
			must_be_ref(b);
		} else if (strcmp(k, "closed-blocked") != 0) {
			fuzz_fail("accepted an unknown finding kind", k);
		}
	}
	json_object_put(root);
	return 0;
}
