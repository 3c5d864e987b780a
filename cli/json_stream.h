/*
 * json_stream: write JSON as it is produced, byte for byte as cli_print_json()
 * (json-c, pretty, 2 spaces, no slash escaping) would print the same tree.
 *
 * Why: the analysis commands can answer with millions of refs (a 1M-issue
 * knot, a 1M-step path, 1M blockers). A json-c tree of that costs about a
 * kilobyte per object; streaming costs nothing. Strings still go through
 * json-c's escaping unless they are made only of characters it never
 * escapes. Keys are trusted (constant ASCII).
 *
 * Errors: a value that cannot be built (out of memory) is not written and
 * marks the writer failed, like ferror() marks a stream; the caller checks
 * cli_jw_failed() at the end and reports the output as incomplete.
 */
#ifndef ISSUEGRAPH_JSON_STREAM_H
#define ISSUEGRAPH_JSON_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_JW_MAX_DEPTH 16

struct cli_jw {
	FILE *fp;
	unsigned depth;
	bool had[CLI_JW_MAX_DEPTH]; /* the container at each depth has children */
	bool failed;		    /* a value could not be built: output incomplete */
};

void cli_jw_init(struct cli_jw *w, FILE *fp);
/* key: the member name inside an object; NULL inside an array or at the top.
 * The closing call of the top-level value also writes the final newline. */
void cli_jw_object_begin(struct cli_jw *w, const char *key);
void cli_jw_object_end(struct cli_jw *w);
void cli_jw_array_begin(struct cli_jw *w, const char *key);
void cli_jw_array_end(struct cli_jw *w);
void cli_jw_string(struct cli_jw *w, const char *key, const char *s, size_t len);
void cli_jw_int(struct cli_jw *w, const char *key, int64_t v);
void cli_jw_bool(struct cli_jw *w, const char *key, bool v);
struct json_object;
/* A json-c value (NULL: null) as the value at this place, indented as
 * json-c would indent it there. For small parts built as trees (one
 * finding, one knot) in a stream that is not one. */
void cli_jw_json(struct cli_jw *w, const char *key, struct json_object *v);
/* Whether a value could not be written (out of memory). */
bool cli_jw_failed(const struct cli_jw *w);

struct analyze_graph;
/* Node v's ref as a string value. */
void cli_jw_ref(struct cli_jw *w, const char *key, const struct analyze_graph *g, uint32_t v);
/* An array of the refs of nodes v[0..count). */
void cli_jw_refs(struct cli_jw *w, const char *key, const struct analyze_graph *g,
		 const uint32_t *v, uint32_t count);

#endif
