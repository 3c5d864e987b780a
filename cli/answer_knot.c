/*
 * The one emitter of a knot's JSON (SPEC "JSON outputs", cycles): issues,
 * witness, witness_shortest, the witness cycle's edges in order and the
 * suggested cut, each edge with its origins and, when text is one of
 * them, the descriptions and lines that hold it. cycles streams it;
 * cli_knot_json() (report) reads the same bytes back into a json-c tree,
 * so the two answers cannot drift apart. Also the text form of "where to
 * act" on an edge.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "json_stream.h"

/* One edge: from, to, origins, text_in. */
static int write_edge(struct cli_jw *w, const struct analyze_graph *g, struct store *s,
		      uint32_t from, uint32_t to)
{
	uint8_t org = analyze_edge_origin(g, from, to);
	int rc = 0;
	cli_jw_object_begin(w, NULL);
	cli_jw_ref(w, "from", g, from);
	cli_jw_ref(w, "to", g, to);
	cli_jw_array_begin(w, "origins");
	if (org & ANALYZE_ORIGIN_LINK)
		cli_jw_string(w, NULL, "link", 4);
	if (org & ANALYZE_ORIGIN_TEXT)
		cli_jw_string(w, NULL, "text", 4);
	cli_jw_array_end(w);
	if ((org & ANALYZE_ORIGIN_TEXT) && s) {
		struct analyze_text_in *t = NULL;
		uint32_t n = 0;
		rc = analyze_text_in(s, g, from, to, &t, &n);
		cli_jw_array_begin(w, "text_in");
		for (uint32_t i = 0; i < n; i++) {
			cli_jw_object_begin(w, NULL);
			cli_jw_ref(w, "ref", g, t[i].holder);
			cli_jw_int(w, "line", t[i].line);
			cli_jw_object_end(w);
		}
		cli_jw_array_end(w);
		free(t);
	}
	cli_jw_object_end(w);
	return rc;
}

int cli_knot_write(struct cli_jw *w, const char *key, const struct analyze_graph *g,
		   const struct analyze_knots *k, struct store *s, uint32_t i)
{
	int rc = 0;
	const uint32_t *wit = k->witness + k->witness_off[i];
	uint32_t len = k->witness_off[i + 1] - k->witness_off[i];
	cli_jw_object_begin(w, key);
	cli_jw_refs(w, "issues", g, k->members + k->member_off[i],
		    k->member_off[i + 1] - k->member_off[i]);
	cli_jw_refs(w, "witness", g, wit, len);
	cli_jw_bool(w, "witness_shortest", k->witness_shortest[i]);
	cli_jw_array_begin(w, "edges");
	for (uint32_t j = 0; j < len; j++) {
		int r = write_edge(w, g, s, wit[j], wit[(j + 1) % len]);
		if (r && !rc)
			rc = r;
	}
	cli_jw_array_end(w);
	cli_jw_array_begin(w, "cut");
	for (uint32_t j = k->cut_off[i]; j < k->cut_off[i + 1]; j++) {
		int r = write_edge(w, g, s, k->cut[j].from, k->cut[j].to);
		if (r && !rc)
			rc = r;
	}
	cli_jw_array_end(w);
	cli_jw_object_end(w);
	return rc;
}

struct json_object *cli_knot_json(const struct analyze_graph *g, const struct analyze_knots *k,
				  struct store *s, uint32_t knot)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	struct cli_jw w;
	cli_jw_init(&w, f);
	int rc = cli_knot_write(&w, NULL, g, k, s, knot);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return NULL;
	}
	struct json_object *o = json_tokener_parse(buf);
	free(buf);
	return o;
}

int cli_print_edge_action(FILE *fp, const struct analyze_graph *g, struct store *s, uint32_t from,
			  uint32_t to)
{
	uint8_t org = analyze_edge_origin(g, from, to);
	int rc = 0;
	if (org & ANALYZE_ORIGIN_LINK) {
		fputs("remove the link ", fp);
		cli_print_ref(fp, g, from);
		fputs(" -> ", fp);
		cli_print_ref(fp, g, to);
	}
	if ((org & ANALYZE_ORIGIN_TEXT) && s) {
		struct analyze_text_in *t = NULL;
		uint32_t n = 0;
		rc = analyze_text_in(s, g, from, to, &t, &n);
		for (uint32_t i = 0; i < n; i++) {
			if (i == 0)
				fputs(org & ANALYZE_ORIGIN_LINK ? " and edit " : "edit ", fp);
			else
				fputs(" and ", fp);
			fprintf(fp, "line %lld of the description of ", (long long)t[i].line);
			cli_print_ref(fp, g, t[i].holder);
		}
		free(t);
	}
	return rc;
}
