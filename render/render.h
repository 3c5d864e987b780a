/*
 * render: turns the analysed graph plus its analysis (knots, critical
 * path) into DOT, SVG, PNG or a Mermaid flowchart. The only module that
 * includes Graphviz headers (cgraph builds the graph, gvc lays it out and
 * renders it; DOT text is never printed by hand).
 *
 * Conventions: functions return 0 or a negative enum render_status and
 * leave the reason in render_errmsg() (thread-local). The reason is one
 * line without a module prefix (cli/ adds the command). Out of memory has
 * its own code (RENDER_ENOMEM), never folded into another. This is
 * the same convention as store, analyze, render and fetch. Nothing here
 * prints to the user or exits. Everything the caller passes in is borrowed
 * for the duration of the call; everything handed back is owned by the
 * caller, as each function says.
 */
#ifndef ISSUEGRAPH_RENDER_H
#define ISSUEGRAPH_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"

struct store;
struct render_texts;
struct analyze_text_in;

enum render_status {
	RENDER_OK = 0,
	RENDER_ERR = -1,       /* Graphviz failed (layout or renderer) */
	RENDER_ENOMEM = -2,
	RENDER_EINVAL = -3,    /* bad option value or node index */
	RENDER_ETOOBIG = -4,   /* more nodes selected than opts.max_nodes (layout formats) */
	RENDER_ESTORE = -5,    /* reading text evidence for a report failed */
	RENDER_EIO = -6,       /* writing the output failed */
};

enum render_format {
	RENDER_FORMAT_DOT = 0, /* cgraph agwrite, no layout, never limited */
	RENDER_FORMAT_SVG,     /* gvc layout + "svg" renderer */
	RENDER_FORMAT_PNG,     /* gvc layout + "png" (cairo) renderer */
	RENDER_FORMAT_MERMAID, /* Mermaid flowchart text (no layout here) */
};

enum render_layout {
	RENDER_LAYOUT_DOT = 0,
	RENDER_LAYOUT_SFDP,
	RENDER_LAYOUT_NEATO,
};

enum render_cluster {
	RENDER_CLUSTER_PROJECT = 0, /* a box per project (the default) */
	RENDER_CLUSTER_MILESTONE,   /* a box per milestone; issues without one stay outside */
	RENDER_CLUSTER_NONE,
};

/*
 * Which nodes of the analysed graph are drawn. The analysed graph already
 * holds only open issues unless it was loaded with all_states.
 * Filters combine: focus, knots_only, milestone and scope each narrow the set
 * (intersection). RENDER_SELECT_NODES and RENDER_SELECT_OVERVIEW replace
 * the filters.
 */
enum render_select {
	RENDER_SELECT_FILTERS = 0, /* every node, narrowed by the filter fields below */
	RENDER_SELECT_NODES,       /* exactly opts.nodes[v] != 0 */
	RENDER_SELECT_OVERVIEW,    /* knot members and critical-path issues plus their direct
				    * neighbours (both directions); what reports draw when the
				    * whole graph is over max_nodes */
};

/* Default --max-nodes: above it dot's layout takes minutes (see
 * bench/render/README.md for the measurements behind the figure). */
#define RENDER_DEFAULT_MAX_NODES 2000
#define RENDER_DEFAULT_RADIUS 2

struct render_opts {
	enum render_format format;
	enum render_layout layout;
	enum render_cluster cluster;
	bool legend;            /* add a key */
	bool reduce;            /* transitive reduction on the condensation (knots kept) */
	bool no_related;        /* leave relates_to links out */
	bool show_confidential; /* else confidential issues show their ref only */

	enum render_select select;
	/* RENDER_SELECT_FILTERS */
	uint32_t focus;     /* node, or ANALYZE_NONE */
	uint32_t radius;    /* hops from focus, both directions */
	bool knots_only;    /* only knot members */
	uint32_t milestone; /* milestone index (its issues + transitive blockers), or ANALYZE_NONE */
	/* A scope (SPEC "Scope", computed by the caller with analyze_scope()),
	 * per node of g, borrowed; NULL: none. scope: the selected issues and
	 * their transitive blockers, the nodes drawn; scope_ends: the selected
	 * issues, where the computed critical path must end. */
	const uint8_t *scope;
	const uint8_t *scope_ends;
	/* RENDER_SELECT_NODES: g->n flags, borrowed */
	const uint8_t *nodes;

	/* Layout formats (svg, png) fail with RENDER_ETOOBIG when more nodes
	 * are selected; 0 = no limit. DOT and Mermaid are never limited. */
	uint32_t max_nodes;

	/* The critical path, when render computes it (path == NULL below).
	 * With a milestone filter the path is restricted to end in it, with
	 * scope_ends at one of those. */
	enum analyze_weight weight;
	int64_t default_cost;

	/* SVG only: leave out the XML declaration and DOCTYPE so that the
	 * result can be inlined into HTML (reports). */
	bool svg_fragment;

	/* A caption for the drawing (raw text, one line; render makes it safe
	 * for each format): Graphviz's graph label at the top, Mermaid's
	 * title. NULL: none. */
	const char *caption;
};

/* Fill *o with the defaults: dot format, dot layout, project clusters,
 * all nodes, radius RENDER_DEFAULT_RADIUS, max_nodes
 * RENDER_DEFAULT_MAX_NODES, weight count, default cost 1. */
void render_opts_init(struct render_opts *o);

/*
 * The links part of the view cli/ builds (render/ reads no store): which
 * projects are seeds, the relates_to links and where description text
 * gives a blocking edge. Nodes are g's; everything borrowed.
 */
struct render_pair {
	uint32_t a, b; /* nodes of g */
};
struct render_edge_text {
	uint32_t from, to;                /* a blocks edge of g that text gives */
	const struct analyze_text_in *in; /* where (analyze_text_in), n of them */
	uint32_t n;
};
struct render_links {
	const uint8_t *project_seed; /* per project of g: 1 a seed; NULL: every project */
	const struct render_pair *relates; /* relates_to links (repeats and order free) */
	uint32_t n_relates;
	const struct render_edge_text *etext; /* sorted by (from, to), unique */
	uint32_t n_etext;
};

/* What to draw. g and o are required. knots and path are optional:
 * when NULL, render computes them (analyze_knots, analyze_critical_path
 * with o->weight, o->default_cost, o->milestone). All borrowed. */
struct render_input {
	const struct analyze_graph *g;
	const struct analyze_knots *knots;
	const struct analyze_steps *path;
	/* the texts of g's nodes (at least the drawn ones), built by cli/
	 * with the same show_confidential as the opts; NULL: refs only */
	const struct render_texts *texts;
	/* the seeds, relates_to links and text evidence (cli/ builds them);
	 * NULL: every project a seed, no relates_to link, no evidence */
	const struct render_links *links;
};

/*
 * Compute which nodes opts selects: keep[v] = 1 for each drawn node
 * (keep is caller-allocated, g->n bytes; it is overwritten), *count the
 * number of them. knots/path as in struct render_input (NULL: computed).
 * Use it to check a limit before rendering.
 */
int render_select(const struct render_input *in, const struct render_opts *o, uint8_t *keep,
		  uint32_t *count);

/*
 * Render to out (any FILE* opened for writing; binary for PNG). On error
 * out may hold a partial document; callers writing to a file should write
 * to a temporary and rename on success (cli_out does).
 */
int render_to_file(FILE *out, const struct render_input *in, const struct render_opts *o);

/*
 * Render into memory: *buf is a malloc'd buffer of *len bytes, NUL
 * terminated (the NUL is not counted), that the caller frees with free().
 * On error *buf is NULL and *len 0. Reports use it with
 * RENDER_FORMAT_SVG and svg_fragment for inline SVG.
 */
int render_to_buffer(char **buf, size_t *len, const struct render_input *in,
		     const struct render_opts *o);

/* Last error message of this thread ("" when none). */
const char *render_errmsg(void);

/* ---- the issues' texts: the view cli/ builds (render/texts.c) ------------
 *
 * Titles, web_urls, labels, people and due dates of the issues an answer
 * names, per node of a graph. render/ never reads them from the store:
 * cli/ loads them with its one loader of issue details and fills this
 * view; render_texts_init() applies the one confidential rule to the
 * marks: a confidential issue's title is hidden unless
 * RENDER_TEXTS_SHOW_CONFIDENTIAL (its ref, URL, people and due date still
 * show). Every output that prints a title (path, reports, the scene of
 * DOT/SVG/Mermaid) takes it from here, so no writer decides about
 * confidentiality itself.
 */
#define RENDER_TEXTS_SHOW_CONFIDENTIAL 0x1 /* init: show confidential titles */
#define RENDER_TEXTS_LABELS 0x2            /* init: room for labels too */

#define RENDER_TEXT_CONFIDENTIAL 0x1 /* mark: the issue is confidential */
#define RENDER_TEXT_HIDDEN 0x2       /* mark: ... and its title is hidden */
#define RENDER_TEXT_LOADED 0x4       /* mark: the loader filled this node (people, due) */

/* The rule itself: the RENDER_TEXT_* mark of an issue that is (or is not)
 * confidential, under the load flags. Loaders that are not keyed by graph
 * node (cli's titles by issue id) apply it through this. */
unsigned render_text_mark(bool confidential, unsigned flags);

struct render_texts {
	uint32_t n;     /* nodes of the graph */
	char **title;   /* per node: raw title to show; NULL when hidden, unknown or not loaded */
	char **url;     /* per node: raw web_url or NULL */
	char **labels;  /* per node: labels JSON ("[]" as NULL); NULL without RENDER_TEXTS_LABELS */
	char **people;  /* per node: raw "@ana @bo" (the tracker's order); NULL: unassigned */
	char **due;     /* per node: raw due date ("due date" in SPEC Words); NULL: none */
	char **due_milestone; /* per node: the milestone the due date comes from
			       * ("(confidential)" when hidden); NULL: the issue's own */
	uint8_t *mark;  /* per node: RENDER_TEXT_* (every node, loaded or not) */
	bool borrowed;  /* the strings belong to another render_texts */
};

/*
 * An empty view of g's nodes (every string NULL, labels only with
 * RENDER_TEXTS_LABELS) with every node's confidential mark set by
 * render_text_mark() under flags. The loader (cli/) then fills the
 * strings of the nodes it loads (malloc'd, owned by t) and sets
 * RENDER_TEXT_LOADED on them, leaving the title of a RENDER_TEXT_HIDDEN
 * node NULL. 0 or RENDER_ENOMEM; release with render_texts_release()
 * (also after a failure).
 */
int render_texts_init(struct render_texts *t, const struct analyze_graph *g, unsigned flags);
/*
 * The texts of from (loaded for from_g) seen through g, a graph whose
 * issues are among from_g's (matched by issue id): strings borrowed from
 * from, valid while it is. 0 or RENDER_ENOMEM.
 */
int render_texts_view(struct render_texts *t, const struct render_texts *from,
		      const struct analyze_graph *from_g, const struct analyze_graph *g);
/* The title to show of node v (t NULL: none); *hidden says when the
 * confidential marker takes its place. */
const char *render_texts_title(const struct render_texts *t, uint32_t v, bool *hidden);
void render_texts_release(struct render_texts *t);

/* ---- escaping (render/escape.c) -------------------------------------------
 *
 * Safe text (SPEC "Exit codes"): text that comes from a server, a snapshot
 * or the store never reaches a terminal or log raw. Each C0 control (TAB,
 * LF and CR included), DEL and U+0080..U+009F is written as "\xNN" of its
 * code point, each byte that is not valid UTF-8 as "\xNN" of the byte; a
 * backslash and everything else stay as they are. The one rule, used at
 * every output boundary outside JSON (cli/ messages and text output); the
 * flavour escapers below apply it first and then escape the result
 * (including the backslash of "\xNN") for their format.
 */
/* Write s[0..len) to out as safe text (s NULL: nothing); 0 or EOF. */
int render_safe_text(FILE *out, const char *s, size_t len);
/* The same for a NUL-terminated s (NULL: nothing). */
int render_safe_puts(FILE *out, const char *s);
/* Safe text of s[0..len) as a malloc'd string the caller frees; NULL when
 * out of memory. */
char *render_safe_text_dup(const char *s, size_t len);

/*
 * The flavour escapers: each returns a malloc'd NUL-terminated string the
 * caller frees with free(), or NULL when out of memory. s NULL is treated
 * as "". Safe text first (controls, C1 and invalid UTF-8 as "\xNN", so
 * everything stays on one line), then the flavour's rules.
 */

/*
 * Text for a Graphviz label (set through agsafeset): backslashes doubled
 * (so "\N", "\n", "\l" and a trailing "\" stay literal) and "&" written
 * as "&amp;" (Graphviz reads entities in labels and copies them into SVG).
 * cgraph itself quotes '"' when writing DOT. (Tooltips need each backslash
 * four times in Graphviz 2.43, which reads them twice; render does that.)
 */
char *render_escape_gv(const char *s);

/*
 * Text for a Mermaid label written inside double quotes (id["..."]):
 * '"', '#', '<', '>', '&', '`', '%' and '\\' become Mermaid entity codes
 * (#quot;, #35;, #lt;, #gt;, #amp;, #96;, #37;, #92;), so no title can
 * close the quote, start a markdown string, carry a %%{init}%% directive
 * or inject HTML.
 */
char *render_escape_mermaid(const char *s);

/*
 * Text for Markdown link text and table cells (GitLab/GitHub flavoured):
 * '<', '>', '&' as HTML entities; \ ` * _ { } [ ] ( ) # ! | ~ @ $
 * backslash-escaped, so nothing forms emphasis, links, code, HTML, table
 * cells, mentions, references or math. Everything stays on one line.
 */
char *render_escape_markdown(const char *s);

/* Text for HTML element content and double-quoted attribute values:
 * & < > " ' as entities. */
char *render_escape_html(const char *s);

/*
 * A URL safe to put in an href (SVG, Mermaid click, Markdown link target):
 * NULL unless it starts with http:// or https://; bytes outside the
 * printable ASCII set and " < > \ ^ ` { | } ' ( ) & space are %-encoded.
 */
char *render_safe_url(const char *url);

/* ---- reports ---- */
/*
 * The report document (issuegraph report) in markdown, JUnit XML and HTML;
 * render/report_*.c. The JSON form is built in cli/ with json-c. Every
 * pointer is borrowed for the call.
 */
struct render_report {
	const char *instance;   /* the GitLab URL, or NULL */
	const char *milestone;  /* --milestone scope, or NULL */
	const char *const *labels; /* --label scope: every one carried (n_labels) */
	size_t n_labels;
	const char *fetched_at; /* start of the last fetch, or NULL */
	int64_t projects, issues_opened, issues_closed, links_blocks, links_relates;
	enum analyze_weight weight;
	unsigned fail_on;       /* ANALYZE_FINDING_BIT()s that gate; 0 = none */
	/* markdown, html: at most this many knots, conflicts and closed-blocked
	 * links are listed each, then "... and N more" (0 = all); counts in the
	 * summary are always complete. JUnit always lists every finding. */
	uint32_t max_rows;

	const struct analyze_graph *g; /* the analysed graph */
	const struct analyze_knots *knots;
	const struct analyze_findings *findings; /* knots, conflicts on g; closed-blocked on full */
	const struct analyze_steps *path;         /* the critical path on g */
	const struct analyze_bottlenecks *bottlenecks;
	const struct analyze_graph *full;         /* every issue (closed-blocked) */
	/* per node of g and of full: the titles to show (the confidential
	 * rule applied) and web_urls; NULL: none */
	const struct render_texts *g_text;
	const struct render_texts *full_text;
	/* the store g was loaded from: where text dependencies are written
	 * (NULL: the reports say only which edges text gives) */
	struct store *store;

	/* html: the diagram as an inline SVG fragment (or NULL: none), and a
	 * sentence saying what it leaves out (or NULL) */
	const char *svg;
	const char *diagram_note;
	/* html: what the diagram can be highlighted by (every project,
	 * milestone and label that a drawn issue carries), sorted by kind
	 * then name; NULL/0: no highlight control */
	const struct render_facet *facets;
	uint32_t n_facets;
	/* markdown: a Mermaid flowchart of the knots' witnesses and the
	 * critical path (render --format mermaid of those issues), or NULL;
	 * and a sentence saying what it leaves out, or NULL */
	const char *mermaid;
	const char *mermaid_note;
	/* markdown, html: "Ready now" (the ready command's answer): nodes of
	 * g by how many open issues each blocks, and those waiting on a
	 * blocker named in an unreadable description, with how many such
	 * references; NULL/0 when not computed */
	const uint32_t *ready_node, *ready_count;
	uint32_t n_ready;
	bool ready_estimated;
	const uint32_t *waiting_node, *waiting_refs;
	uint32_t n_waiting;
	/* markdown, html: "Since <date>" (the changes command's answer), or
	 * NULL when not computed */
	const struct render_since *since;
	/* markdown, html: the release section, which opens the report, or
	 * NULL (no --milestone) */
	const struct render_release *release;
};

/* The release section of report --milestone M (SPEC "report" and the
 * report's "release"): computed in cli/, written first in markdown and
 * HTML by report_release.c. Every pointer borrowed. */
struct render_release_issue {
	uint32_t node;		/* of render_report.g: an open issue outside M */
	const uint32_t *blocks; /* nodes of g: the open issues of M it blocks directly,
				 * ascending (ref order) */
	uint32_t n_blocks;
	const char *const *people; /* its assignees' usernames (none: unassigned) */
	uint32_t n_people;
	const char *due;	   /* its due date, or NULL */
	const char *due_milestone; /* the due date is this milestone's (the title as
				    * shown), or NULL: the issue's own */
};
struct render_release_group {
	const char *milestone; /* the title as shown ("(confidential)"), NULL: no milestone */
	const char *due;       /* the earliest due date of milestones of that title, or NULL */
	const struct render_release_issue *issues; /* by ref */
	uint32_t n;
};
struct render_release {
	const char *milestone; /* M */
	const char *due;       /* M's due date, or NULL */
	bool has_days_left;
	int64_t days_left;	  /* from the last completed fetch or import; < 0: overdue */
	const char *counted_from; /* that date ("YYYY-MM-DD"), or NULL */
	int64_t opened, closed;
	int64_t ready, blocked, in_knots, conflicts, waves;
	const struct render_release_group *groups;
	uint32_t n_groups;
};

/* An issue the "Since" section names: a node of render_report.full (its
 * title, web_url and confidential flag come from there), or ANALYZE_NONE
 * when the issue is no longer in the store (then only its ref). */
struct render_since_issue {
	const char *path; /* project path of the ref */
	int64_t iid;
	uint32_t full;
};
/* One list of the changes: item i is v[off[i] .. off[i + 1]) (an issue, a
 * knot's issues, or a conflict's blocker and blocked). */
struct render_since_list {
	const struct render_since_issue *v;
	const uint32_t *off;
	uint32_t n;
};
enum render_since_kind {
	RENDER_SINCE_KNOTS_NEW = 0,
	RENDER_SINCE_KNOTS_CHANGED,
	RENDER_SINCE_KNOTS_RESOLVED,
	RENDER_SINCE_UNBLOCKED,
	RENDER_SINCE_BLOCKED,
	RENDER_SINCE_CONFLICTS_NEW,
	RENDER_SINCE_CONFLICTS_RESOLVED,
	RENDER_SINCE_CLOSED,
	RENDER_SINCE_OPENED,
	RENDER_SINCE_ADDED,
	RENDER_SINCE_REMOVED,
	RENDER_SINCE_KINDS
};
struct render_since {
	const char *then_at; /* the earlier point's started_at; NULL: none */
	const char *now_at;  /* the latest point's, or NULL */
	const char *why;     /* then_at NULL: why there is nothing to compare */
	struct render_since_list lists[RENDER_SINCE_KINDS];
	int64_t cost_then, cost_now; /* the critical path */
	uint32_t steps_then, steps_now;
};

/* At most this many issues in the markdown report's Mermaid diagram
 * (GitLab draws larger ones too small to read). */
#define RENDER_REPORT_MERMAID_MAX 60

/* One choice of the HTML report's highlight control: the drawn issues
 * (nodes of render_report.g, ascending) that carry it. */
enum render_facet_kind {
	RENDER_FACET_PROJECT = 0,
	RENDER_FACET_MILESTONE,
	RENDER_FACET_LABEL,
};
struct render_facet {
	enum render_facet_kind kind;
	const char *name;
	uint32_t count;
	const uint32_t *nodes;
};

#define RENDER_REPORT_MAX_ROWS_MARKDOWN 200 /* GitLab notes hold 1,000,000 characters */
#define RENDER_REPORT_MAX_ROWS_HTML 2000

/* Each writes the whole document to out; 0, or RENDER_ENOMEM / RENDER_EIO. */
int render_report_markdown(FILE *out, const struct render_report *r);
int render_report_junit(FILE *out, const struct render_report *r);
int render_report_html(FILE *out, const struct render_report *r);

/* Text made fit for an XML document that libxml2 then escapes: safe text
 * (controls, C1 and invalid UTF-8 as "\xNN", which leaves nothing XML
 * forbids). s NULL is "". Caller frees; NULL when out of memory.
 * (report_junit.c) */
char *render_clean_text(const char *s);
/* ---- end reports ---- */

#endif
