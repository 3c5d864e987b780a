/* textdeps_dump: run the text-dependency extractor over a JSON list of
 * cases on stdin, [{"project_path", "iid", "origins": [...], "text",
 * "max_refs"?}], and print one JSON list of results on stdout:
 * [{"deps": [{"project_path", "iid", "blocks", "line", "phrase"}],
 *   "dropped": N}]. A test tool only (tests/e2e/test_textdeps_random.py);
 * "text" may be given as "text_hex" (hex of the bytes) for any bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "textdeps.h"

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	while (b) {
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
	}
	*len = n;
	return b;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(void)
{
	size_t len;
	char *in = read_all(stdin, &len);
	if (!in)
		return 1;
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *cases = json_tokener_parse_ex(tok, in, (int)len);
	json_tokener_free(tok);
	free(in);
	if (!cases || !json_object_is_type(cases, json_type_array)) {
		fprintf(stderr, "textdeps_dump: stdin is not a JSON list\n");
		return 2;
	}
	struct json_object *results = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(cases); i++) {
		struct json_object *c = json_object_array_get_idx(cases, i), *v;
		struct textdeps_ctx ctx = {0};
		const char *text = "";
		size_t tlen = 0;
		char *owned = NULL;
		ctx.project_path = json_object_object_get_ex(c, "project_path", &v)
				       ? json_object_get_string(v)
				       : "";
		ctx.iid = json_object_object_get_ex(c, "iid", &v) ? json_object_get_int64(v) : 0;
		if (json_object_object_get_ex(c, "max_refs", &v))
			ctx.max_refs = (size_t)json_object_get_int64(v);
		if (json_object_object_get_ex(c, "text", &v)) {
			text = json_object_get_string(v);
			tlen = (size_t)json_object_get_string_len(v);
		} else if (json_object_object_get_ex(c, "text_hex", &v)) {
			const char *h = json_object_get_string(v);
			size_t hl = strlen(h) / 2;
			owned = malloc(hl + 1);
			if (!owned)
				return 1;
			for (size_t j = 0; j < hl; j++)
				owned[j] = (char)(hexval(h[2 * j]) * 16 + hexval(h[2 * j + 1]));
			text = owned;
			tlen = hl;
		}
		const char **origins = NULL;
		if (json_object_object_get_ex(c, "origins", &v)) {
			ctx.n_origins = json_object_array_length(v);
			origins = calloc(ctx.n_origins + 1, sizeof *origins);
			if (!origins)
				return 1;
			for (size_t j = 0; j < ctx.n_origins; j++)
				origins[j] =
				    json_object_get_string(json_object_array_get_idx(v, j));
			ctx.origins = origins;
		}
		struct textdeps d;
		if (textdeps_extract(text, tlen, &ctx, &d) < 0) {
			fprintf(stderr, "textdeps_dump: out of memory\n");
			return 1;
		}
		struct json_object *r = json_object_new_object(), *deps = json_object_new_array();
		for (size_t j = 0; j < d.count; j++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "project_path",
					       json_object_new_string(d.items[j].project_path));
			json_object_object_add(o, "iid", json_object_new_int64(d.items[j].iid));
			json_object_object_add(o, "blocks",
					       json_object_new_boolean(d.items[j].blocks));
			json_object_object_add(o, "line", json_object_new_int64(d.items[j].line));
			json_object_object_add(o, "phrase",
					       json_object_new_string(d.items[j].phrase));
			json_object_array_add(deps, o);
		}
		json_object_object_add(r, "deps", deps);
		json_object_object_add(r, "dropped", json_object_new_int64((int64_t)d.dropped));
		json_object_array_add(results, r);
		textdeps_release(&d);
		free(origins);
		free(owned);
	}
	fputs(json_object_to_json_string_ext(results, JSON_C_TO_STRING_PLAIN), stdout);
	fputc('\n', stdout);
	json_object_put(results);
	json_object_put(cases);
	return fflush(stdout) == 0 ? 0 : 1;
}
