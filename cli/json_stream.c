/* Streaming JSON in cli_print_json()'s exact format; see json_stream.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "analyze.h"
#include "json_stream.h"

#define JW_FLAGS                                                                                   \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

void cli_jw_init(struct cli_jw *w, FILE *fp)
{
	memset(w, 0, sizeof *w);
	w->fp = fp;
}

static void indent(FILE *fp, unsigned level)
{
	for (unsigned i = 0; i < level; i++)
		fputs("  ", fp);
}

/* What json-c writes before a value: the separator, the indentation and,
 * in an object, the member name. */
static void prefix(struct cli_jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->had[w->depth - 1])
			fputs(",\n", w->fp);
		w->had[w->depth - 1] = true;
		indent(w->fp, w->depth);
	}
	if (key)
		fprintf(w->fp, "\"%s\": ", key);
}

static void open_container(struct cli_jw *w, const char *key, char c)
{
	prefix(w, key);
	fputc(c, w->fp);
	fputc('\n', w->fp);
	if (w->depth < CLI_JW_MAX_DEPTH)
		w->had[w->depth] = false;
	w->depth++;
}

static void close_container(struct cli_jw *w, char c)
{
	w->depth--;
	if (w->depth < CLI_JW_MAX_DEPTH && w->had[w->depth])
		fputc('\n', w->fp);
	indent(w->fp, w->depth);
	fputc(c, w->fp);
	if (w->depth == 0)
		fputc('\n', w->fp);
}

void cli_jw_object_begin(struct cli_jw *w, const char *key)
{
	open_container(w, key, '{');
}

void cli_jw_object_end(struct cli_jw *w)
{
	close_container(w, '}');
}

void cli_jw_array_begin(struct cli_jw *w, const char *key)
{
	open_container(w, key, '[');
}

void cli_jw_array_end(struct cli_jw *w)
{
	close_container(w, ']');
}

/* Characters json-c prints as they are (with no slash escaping). */
static bool plain(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-' || c == '/' || c == '#' || c == ' '))
			return false;
	}
	return true;
}

void cli_jw_string(struct cli_jw *w, const char *key, const char *s, size_t len)
{
	prefix(w, key);
	if (plain(s, len)) {
		fputc('"', w->fp);
		fwrite(s, 1, len, w->fp);
		fputc('"', w->fp);
	} else {
		struct json_object *o = json_object_new_string_len(s, (int)len);
		const char *text = o ? json_object_to_json_string_ext(o, JW_FLAGS) : NULL;
		if (text)
			fputs(text, w->fp);
		else
			w->failed = true;
		json_object_put(o);
	}
	if (w->depth == 0)
		fputc('\n', w->fp);
}

void cli_jw_int(struct cli_jw *w, const char *key, int64_t v)
{
	prefix(w, key);
	fprintf(w->fp, "%" PRId64, v);
	if (w->depth == 0)
		fputc('\n', w->fp);
}

void cli_jw_bool(struct cli_jw *w, const char *key, bool v)
{
	prefix(w, key);
	fputs(v ? "true" : "false", w->fp);
	if (w->depth == 0)
		fputc('\n', w->fp);
}

void cli_jw_json(struct cli_jw *w, const char *key, struct json_object *v)
{
	prefix(w, key);
	const char *s = v ? json_object_to_json_string_ext(v, JW_FLAGS) : "null";
	if (!s) {
		w->failed = true;
		return;
	}
	/* json-c indents a value by its depth; strings hold no raw newline */
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1) {
		fwrite(s, 1, (size_t)(nl - s) + 1, w->fp);
		indent(w->fp, w->depth);
	}
	fputs(s, w->fp);
	if (w->depth == 0)
		fputc('\n', w->fp);
}

bool cli_jw_failed(const struct cli_jw *w)
{
	return w->failed;
}

void cli_jw_ref(struct cli_jw *w, const char *key, const struct analyze_graph *g, uint32_t v)
{
	char buf[512];
	int n = analyze_ref(g, v, buf, sizeof buf);
	if (n >= 0 && (size_t)n < sizeof buf) {
		cli_jw_string(w, key, buf, (size_t)n);
		return;
	}
	char *big = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!big) {
		w->failed = true;
		return;
	}
	analyze_ref(g, v, big, (size_t)n + 1);
	cli_jw_string(w, key, big, (size_t)n);
	free(big);
}

void cli_jw_refs(struct cli_jw *w, const char *key, const struct analyze_graph *g,
		 const uint32_t *v, uint32_t count)
{
	cli_jw_array_begin(w, key);
	for (uint32_t i = 0; i < count; i++)
		cli_jw_ref(w, NULL, g, v[i]);
	cli_jw_array_end(w);
}
