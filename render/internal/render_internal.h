/* render: helpers shared by the files of this module only. */
#ifndef ISSUEGRAPH_RENDER_INTERNAL_H
#define ISSUEGRAPH_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A growing NUL-terminated byte buffer. Operations after an allocation
 * failure do nothing and leave oom set; rbuf_finish() then returns NULL. */
struct rbuf {
	char *data;
	size_t len, cap;
	bool oom;
};
int rbuf_reserve(struct rbuf *b, size_t more);
void rbuf_add(struct rbuf *b, const char *s, size_t n);
void rbuf_puts(struct rbuf *b, const char *s);
void rbuf_putc(struct rbuf *b, char c);
/* Hand the string over (caller frees), or NULL after an allocation failure. */
char *rbuf_finish(struct rbuf *b);

/* report_edges.c: where to act on a knot's edge from -> to, appended to b
 * as plain text ("remove the link A blocks B", "edit line 5 of the
 * description of R (A blocks B)", joined by " and " when both); 0 or
 * RENDER_ESTORE. And how many of knot's witness edges text gives
 * (*total: the witness edges). */
struct render_report;
int render_report_edge_action(struct rbuf *b, const struct render_report *r, uint32_t from,
			      uint32_t to);
uint32_t render_report_text_edges(const struct render_report *r, uint32_t knot, uint32_t *total);

/* report_since.c: the "Since" lists' id (an HTML data attribute) and
 * heading, by enum render_since_kind; a point's started_at for people
 * ("2026-11-22 02:00 UTC"); an issue's ref. */
struct render_since_issue;
const char *render_since_key(int kind);
const char *render_since_label(int kind);
void render_since_time(const char *at, char *buf, size_t len);
void render_since_ref(const struct render_since_issue *x, char *buf, size_t len);

/* report_release.c: the release section (render_report.release, not
 * NULL) in markdown, and in HTML through the report's libxml2 writer;
 * 0 or RENDER_ENOMEM. */
struct _xmlTextWriter;
int render_release_markdown(FILE *out, const struct render_report *r);
int render_release_html(struct _xmlTextWriter *w, const struct render_report *r);

/* Length (1..4) of the valid UTF-8 sequence at s, 0 if invalid. */
size_t render_utf8_len(const unsigned char *s);

/* The escape flavours of render.h, appended to b. */
void render_escape_gv_into(struct rbuf *b, const char *s);
void render_escape_mermaid_into(struct rbuf *b, const char *s);
/* Safe text (render.h) of s[0..len) appended to b. */
void render_safe_text_into(struct rbuf *b, const char *s, size_t len);

/* SHA-256 of data[0..len) into out (render/sha256.c). */
void render_sha256(const void *data, size_t len, unsigned char out[32]);

/* Set the module's error message (printf-like); returns code. */
int render_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the scene: what is drawn, shared by the Graphviz and Mermaid writers ---- */

#include <stdint.h>
#include "render.h"

/* Node flags (struct render_scene.nflags) */
#define SCENE_CLOSED	   0x01
#define SCENE_KNOT	   0x02 /* member of a knot */
#define SCENE_CRITICAL	   0x04 /* on the critical path */
#define SCENE_FOREIGN	   0x08 /* project is not among the seeds */
#define SCENE_HIDDEN	   0x10 /* confidential, title hidden */
#define SCENE_CONFIDENTIAL 0x20

/* Edge flags */
#define SCENE_BLOCKS	0x01
#define SCENE_RELATES	0x02
#define SCENE_KNOT_EDGE 0x04 /* both ends in the same knot */
#define SCENE_CRIT_EDGE 0x08 /* between consecutive steps of the critical path */
#define SCENE_TEXT_ONLY 0x10 /* a blocks edge that only description text gives */

struct scene_edge {
	uint32_t from, to; /* slots (indices into node[]) */
	uint8_t flags;
};

struct render_scene {
	const struct analyze_graph *g;
	uint32_t n;	  /* drawn nodes */
	uint32_t *node;	  /* graph node of each slot, ascending (ref order) */
	uint32_t *slot;	  /* per graph node: slot or ANALYZE_NONE */
	uint8_t *nflags;  /* per slot */
	char **title;	  /* per slot: raw title (malloc'd), NULL if hidden or unknown */
	char **url;	  /* per slot: safe URL (malloc'd) or NULL */
	char **ref;	  /* per slot: "group/app#14" (malloc'd) */
	/* per slot, raw (malloc'd), NULL when the view did not load the node:
	 * its people ("@ana @bo" or "unassigned") and due date with its origin
	 * ("due 2027-01-15 (milestone v3.0)", "due 2027-01-15", "no due date") */
	char **who;
	char **when;
	uint32_t n_edges; /* blocks edges first (by from, to), then relates */
	struct scene_edge *edges;
	bool *project_seed; /* per project index */
	/* per milestone index of g: 1 when only confidential issues of g
	 * carry it and confidential issues are not shown (SPEC "Confidential
	 * issues": its title is not written, a cluster says "(confidential)") */
	uint8_t *milestone_hidden;
	/* per blocks edge i < n_etext: where text gives it, "text: g/a#3, line
	 * 12: blocked by" ("; " between several), raw (malloc'd), or NULL
	 * when no text gives it */
	char **etext;
	uint32_t n_etext;
};

/* Node i's people and due date for a label: nothing when the view did not
 * load it; else sep, then "@ana · due 2027-01-15" on one line when it fits
 * in width, else each on its own (at most two lines each, wrapped), escaped
 * with esc. */
void render_scene_who_when(struct rbuf *b, const struct render_scene *sc, uint32_t i,
			   unsigned width, const char *sep,
			   void (*esc)(struct rbuf *, const char *));

/* Gather the scene for the nodes in keep (g->n flags). Release with
 * render_scene_release() (also after a failure; safe twice). */
int render_scene_build(struct render_scene *sc, const struct render_input *in,
		       const struct render_opts *o, const struct analyze_knots *k,
		       const struct analyze_steps *path, const uint8_t *keep);
void render_scene_release(struct render_scene *sc);

/*
 * Transitive reduction of the blocking edges among the drawn nodes, on the
 * condensation of that subgraph (edges inside a strongly connected part
 * are all kept; critical-path edges are always kept). Sets drop[i] for
 * each blocks edge of sc that a longer path implies.
 */
int render_reduce(const struct render_scene *sc, uint8_t *drop);

/* Word-wrap text into lines of at most width code points (at most
 * max_lines, the last ending in an ellipsis when cut); lines joined by sep
 * after each is escaped with esc. */
void render_wrap(struct rbuf *b, const char *text, unsigned width, unsigned max_lines,
		 const char *sep, void (*esc)(struct rbuf *, const char *));

/* Knots and critical path from in, or computed (then *own_* hold them and
 * the caller frees them). */
int render_analysis(const struct render_input *in, const struct render_opts *o,
		    const struct analyze_knots **k, const struct analyze_steps **path,
		    struct analyze_knots **own_k, struct analyze_steps **own_path);
/* render_select() with knots and path given. */
int render_select_with(const struct render_input *in, const struct render_opts *o,
		       const struct analyze_knots *k, const struct analyze_steps *path,
		       uint8_t *keep, uint32_t *count);

/* An issue id and its node: arrays of them sorted by id answer "which
 * node is this issue" with bsearch (texts.c, scene.c). */
struct render_id_node {
	int64_t id;
	uint32_t node;
};
int render_cmp_id_node(const void *a, const void *b);

/* Writers. */
int render_graphviz(FILE *out, const struct render_scene *sc, const struct render_opts *o);
int render_mermaid(FILE *out, const struct render_scene *sc, const struct render_opts *o);

#endif
