/*
 * DOT, SVG and PNG through Graphviz: the scene becomes a cgraph graph
 * (agopen/agnode/agedge/agsafeset, never DOT text printed by hand); DOT
 * comes out of agwrite, SVG and PNG out of gvc, following the lifecycle of
 * Graphviz's dot.demo/demo.c: gvContext -> build -> gvLayout -> gvRender
 * -> gvFreeLayout -> agclose -> gvFreeContext, except that the context
 * lives until exit (see gvc_get for the Graphviz 2.43 bug that forces it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "render.h"
#include "render_internal.h"

/* fontconfig resolves "Noto Sans" to NotoSans-Regular and pango falls back
 * to Noto Sans CJK and Noto Color Emoji for what it lacks (fc-match and a
 * look at the PNG checked); SVG viewers without Noto take sans-serif. */
#define FONT	   "Noto Sans,sans-serif"
#define WRAP_WIDTH 28
#define WRAP_LINES 3

#define C_OPEN_FILL    "#e8f0fe"
#define C_OPEN_LINE    "#3c5a8a"
#define C_FOREIGN_FILL "#ffffff"
#define C_CLOSED_FILL  "#f2f2f2"
#define C_CLOSED_LINE  "#b0b0b0"
#define C_CLOSED_TEXT  "#8a8a8a"
#define C_KNOT	       "#d00000"
#define C_CRITICAL     "#1565c0"
#define C_BLOCKS       "#4d4d4d"
#define C_RELATES      "#9a9a9a"

/* Graphviz reports through agerr; keep the last message for render_errmsg()
 * instead of letting it print below cli/. */
static _Thread_local char gv_last_error[256];

static int capture_gv_error(char *msg)
{
	if (msg) {
		snprintf(gv_last_error, sizeof gv_last_error, "%s", msg);
		size_t n = strlen(gv_last_error);
		while (n && (gv_last_error[n - 1] == '\n' || gv_last_error[n - 1] == ' '))
			gv_last_error[--n] = '\0';
	}
	return 0;
}

/*
 * Tooltip text. Graphviz 2.43 halves backslashes in a tooltip, substitutes
 * \N, \G, \E..., then halves them again (found by rendering "C:\New":
 * doubled it became "C:<node name>ew"). So each backslash is written four
 * times; everything else as for labels.
 */
static void tooltip_escape_into(struct rbuf *b, const char *s)
{
	struct rbuf tmp = {0};
	render_escape_gv_into(&tmp, s); /* backslashes doubled, & as &amp; */
	for (size_t i = 0; i < tmp.len; i++) {
		if (tmp.data[i] == '\\')
			rbuf_puts(b, "\\\\");
		else
			rbuf_putc(b, tmp.data[i]);
	}
	if (tmp.oom)
		b->oom = true;
	free(tmp.data);
}

static int set(void *obj, const char *name, const char *value)
{
	/* 2.43's cgraph takes char *; it copies both strings. */
	return agsafeset(obj, (char *)name, (char *)value, "");
}

static Agraph_t *cluster_for(Agraph_t *root, Agraph_t **clusters, uint32_t idx, const char *label,
			     bool foreign)
{
	if (clusters[idx])
		return clusters[idx];
	char name[32];
	snprintf(name, sizeof name, "cluster_%u", idx);
	Agraph_t *sub = agsubg(root, name, 1);
	if (!sub)
		return NULL;
	struct rbuf tb = {0};
	tooltip_escape_into(&tb, label);
	char *esc = render_escape_gv(label), *tip = rbuf_finish(&tb);
	if (!esc || !tip) {
		free(esc);
		free(tip);
		return NULL;
	}
	set(sub, "label", esc);
	set(sub, "tooltip", tip);
	free(esc);
	free(tip);
	set(sub, "style", foreign ? "rounded,dashed" : "rounded");
	set(sub, "color", "#9aa5b1");
	set(sub, "fontcolor", "#52606d");
	set(sub, "class", foreign ? "cluster foreign" : "cluster");
	clusters[idx] = sub;
	return sub;
}

static void style_node(Agnode_t *n, uint8_t f)
{
	char cls[96];
	snprintf(cls, sizeof cls, "issue %s %s%s%s%s", (f & SCENE_CLOSED) ? "closed" : "open",
		 (f & SCENE_FOREIGN) ? "foreign" : "seed", (f & SCENE_KNOT) ? " knot" : "",
		 (f & SCENE_CRITICAL) ? " critical" : "",
		 (f & SCENE_CONFIDENTIAL) ? " confidential" : "");
	set(n, "class", cls);
	const char *style = (f & SCENE_FOREIGN) ? "rounded,filled,dashed" : "rounded,filled";
	set(n, "style", style);
	if (f & SCENE_CLOSED) {
		set(n, "fillcolor", C_CLOSED_FILL);
		set(n, "color", C_CLOSED_LINE);
		set(n, "fontcolor", C_CLOSED_TEXT);
	} else {
		set(n, "fillcolor", (f & SCENE_FOREIGN) ? C_FOREIGN_FILL : C_OPEN_FILL);
		set(n, "color", C_OPEN_LINE);
	}
	if (f & SCENE_CRITICAL) {
		set(n, "color", C_CRITICAL);
		set(n, "penwidth", "2");
	}
	if (f & SCENE_KNOT) {
		set(n, "color", C_KNOT);
		set(n, "penwidth", "2.5");
	}
}

static void style_edge(Agedge_t *e, uint8_t f)
{
	if (f & SCENE_RELATES) {
		set(e, "class", "relates");
		set(e, "style", "dashed");
		set(e, "dir", "none");
		set(e, "color", C_RELATES);
		set(e, "constraint", "false");
		return;
	}
	char cls[64];
	snprintf(cls, sizeof cls, "blocks%s%s%s", (f & SCENE_TEXT_ONLY) ? " text" : "",
		 (f & SCENE_KNOT_EDGE) ? " knot" : "", (f & SCENE_CRIT_EDGE) ? " critical" : "");
	set(e, "class", cls);
	set(e, "color", C_BLOCKS);
	/* only a description says it: dotted with an open arrowhead, unlike
	 * both a link (solid) and relates_to (dashed, no arrow) */
	if (f & SCENE_TEXT_ONLY) {
		set(e, "style", "dotted");
		set(e, "arrowhead", "empty");
	}
	if (f & SCENE_CRIT_EDGE) {
		set(e, "color", C_CRITICAL);
		set(e, "penwidth", "3");
		set(e, "style", (f & SCENE_TEXT_ONLY) ? "dotted,bold" : "bold");
	}
	if (f & SCENE_KNOT_EDGE) {
		set(e, "color", C_KNOT);
		set(e, "penwidth", "2");
		if (f & SCENE_CRIT_EDGE) /* both: red with the path's blue beside it */
			set(e, "color", C_KNOT ":" C_CRITICAL);
	}
}

/* The key: one node with an HTML-like table (compact, wherever the layout
 * puts it), with the same colours as the drawing. */
static const char legend_html[] =
    "<TABLE BORDER=\"1\" COLOR=\"#9aa5b1\" STYLE=\"rounded\" CELLBORDER=\"0\" "
    "CELLSPACING=\"5\" CELLPADDING=\"3\">"
    "<TR><TD COLSPAN=\"2\"><B>Key</B></TD></TR>"
    "<TR><TD BORDER=\"1\" STYLE=\"rounded\" BGCOLOR=\"" C_OPEN_FILL "\" COLOR=\"" C_OPEN_LINE
    "\">open issue</TD>"
    "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" C_BLOCKS "\">\xe2\x80\x94\xe2\x80\x94\xe2\x86\x92</FONT>"
    " blocks</TD></TR>"
    "<TR><TD BORDER=\"1\" STYLE=\"rounded\" BGCOLOR=\"" C_CLOSED_FILL "\" COLOR=\"" C_CLOSED_LINE
    "\"><FONT COLOR=\"" C_CLOSED_TEXT "\">closed issue</FONT></TD>"
    "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" C_RELATES "\">- - - -</FONT> relates to</TD></TR>"
    "<TR><TD BORDER=\"1\" STYLE=\"rounded,dashed\" BGCOLOR=\"" C_FOREIGN_FILL
    "\" COLOR=\"" C_OPEN_LINE "\">project not a seed</TD>"
    "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" C_KNOT
    "\"><B>\xe2\x80\x94\xe2\x80\x94\xe2\x86\x92</B></FONT>"
    " link in a knot</TD></TR>"
    "<TR><TD BORDER=\"2\" STYLE=\"rounded\" BGCOLOR=\"" C_OPEN_FILL "\" COLOR=\"" C_KNOT
    "\">in a knot</TD>"
    "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" C_CRITICAL
    "\"><B>\xe2\x80\x94\xe2\x80\x94\xe2\x86\x92</B></FONT>"
    " critical path</TD></TR>"
    "<TR><TD BORDER=\"2\" STYLE=\"rounded\" BGCOLOR=\"" C_OPEN_FILL "\" COLOR=\"" C_CRITICAL
    "\">on the critical path</TD>"
    "<TD ALIGN=\"LEFT\"><FONT COLOR=\"" C_BLOCKS
    "\">\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xe2\x96\xb7</FONT>"
    " blocks, written only in a description</TD></TR>"
    "</TABLE>";

static int add_legend(Agraph_t *root)
{
	Agnode_t *n = agnode(root, "key: legend", 1);
	if (!n)
		return -1;
	set(n, "shape", "plain");
	set(n, "class", "legend");
	set(n, "tooltip", "Key");
	/* agstrdup_html marks the string as HTML; agset then shares it */
	char *html = agstrdup_html(root, (char *)legend_html);
	if (!html)
		return -1;
	set(n, "label", html);
	agstrfree(root, html);
	return 0;
}

/* Label: the ref, the title wrapped, then who acts and by when (each
 * wrapped); tooltip: ref and full title. */
static int node_text(const struct render_scene *sc, uint32_t i, char **label, char **tooltip)
{
	struct rbuf lb = {0}, tb = {0};
	render_escape_gv_into(&lb, sc->ref[i]);
	tooltip_escape_into(&tb, sc->ref[i]);
	if (sc->nflags[i] & SCENE_HIDDEN) {
		rbuf_puts(&lb, "\\n(confidential)");
		rbuf_puts(&tb, " (confidential)");
	} else if (sc->title[i]) {
		rbuf_puts(&lb, "\\n");
		render_wrap(&lb, sc->title[i], WRAP_WIDTH, WRAP_LINES, "\\n",
			    render_escape_gv_into);
		rbuf_puts(&tb, ": ");
		tooltip_escape_into(&tb, sc->title[i]);
	}
	render_scene_who_when(&lb, sc, i, WRAP_WIDTH + 6, "\\n", render_escape_gv_into);
	*label = rbuf_finish(&lb);
	*tooltip = rbuf_finish(&tb);
	if (!*label || !*tooltip) {
		free(*label);
		free(*tooltip);
		return -1;
	}
	return 0;
}

/*
 * cgraph writes subgraphs in the order of their IDs, and its default ID of
 * a named object is the address of the interned name: the order of the
 * clusters in DOT (and their layout) then follows the heap, and changes
 * with any allocation before them. This ID discipline numbers named
 * (sub)graphs 2, 4, 6, ... in the order they are created and keeps their
 * names itself (even IDs that no address of a name can take, since those
 * are large; cgraph's anonymous IDs are odd), so clusters are written in
 * creation order. Everything else is cgraph's default discipline.
 */
struct id_state {
	void *inner; /* the default discipline's state */
	Agraph_t *g;
	char **names; /* interned in g (agstrdup: DOT quoting reads the pool's marks);
		       * agclose frees the pool */
	size_t n, cap;
};

static bool own_id(const struct id_state *st, int objtype, IDTYPE id)
{
	return objtype == AGRAPH && id % 2 == 0 && id >= 2 && id / 2 <= st->n;
}

static void *id_open(Agraph_t *g, Agdisc_t *d)
{
	struct id_state *st = calloc(1, sizeof *st);
	if (st)
		st->g = g;
	if (st && !(st->inner = AgIdDisc.open(g, d))) {
		free(st);
		st = NULL;
	}
	return st;
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
	struct id_state *st = state;
	if (objtype != AGRAPH || !str)
		return AgIdDisc.map(st->inner, objtype, str, id, createflag);
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->names[i], str) == 0) {
			*id = (IDTYPE)(i + 1) * 2;
			return 1;
		}
	if (!createflag)
		return 0;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;
		char **p = realloc(st->names, cap * sizeof *p);
		if (!p)
			return 0;
		st->names = p;
		st->cap = cap;
	}
	if (!(st->names[st->n] = agstrdup(st->g, str)))
		return 0;
	*id = (IDTYPE)(++st->n) * 2;
	return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE id)
{
	struct id_state *st = state;
	return own_id(st, objtype, id) ? 1 : AgIdDisc.alloc(st->inner, objtype, id);
}

static void id_free(void *state, int objtype, IDTYPE id)
{
	struct id_state *st = state;
	if (!own_id(st, objtype, id))
		AgIdDisc.free(st->inner, objtype, id);
}

static char *id_print(void *state, int objtype, IDTYPE id)
{
	struct id_state *st = state;
	return own_id(st, objtype, id) ? st->names[id / 2 - 1]
				       : AgIdDisc.print(st->inner, objtype, id);
}

static void id_close(void *state)
{
	struct id_state *st = state;
	AgIdDisc.close(st->inner);
	free(st->names);
	free(st);
}

static void id_register(void *state, int objtype, void *obj)
{
	struct id_state *st = state;
	if (AgIdDisc.idregister)
		AgIdDisc.idregister(st->inner, objtype, obj);
}

static Agiddisc_t id_disc = {id_open, id_map, id_alloc, id_free, id_print, id_close, id_register};
static Agdisc_t gv_disc = {&AgMemDisc, &id_disc, &AgIoDisc};

static int build_graph(Agraph_t **out, const struct render_scene *sc, const struct render_opts *o)
{
	const struct analyze_graph *g = sc->g;
	int rc = 0;
	Agnode_t **nodes = NULL;
	Agraph_t **clusters = NULL;
	uint32_t n_clusters = o->cluster == RENDER_CLUSTER_PROJECT     ? g->n_projects
			      : o->cluster == RENDER_CLUSTER_MILESTONE ? g->n_milestones
								       : 0;
	Agraph_t *root = agopen("issues", Agdirected, &gv_disc);
	nodes = calloc(sc->n ? sc->n : 1, sizeof *nodes);
	clusters = calloc(n_clusters ? n_clusters : 1, sizeof *clusters);
	if (!root || !nodes || !clusters) {
		rc = render_fail(RENDER_ENOMEM, "out of memory");
		goto done;
	}
	set(root, "rankdir", "LR");
	/* No newrank: it packs clusters far better (the example came out
	 * 1806x1797 instead of 1284x2776), but Graphviz 2.43's dot with newrank
	 * and clusters leaks a subgraph per layout (LeakSanitizer: agsubg under
	 * dot_mincross; freeing it ourselves crashed) and on a 5,000-issue graph
	 * sent mincross into overflowing crossing counts for over 10 minutes. */
	set(root, "fontname", FONT);
	set(root, "bgcolor", "white");
	set(root, "outputorder", "edgesfirst");
	set(root, "nodesep", "0.25");
	set(root, "ranksep", "0.5");
	if (o->layout == RENDER_LAYOUT_SFDP)
		set(root, "overlap", "prism");
	else if (o->layout == RENDER_LAYOUT_NEATO)
		set(root, "overlap", "false");
	agattr(root, AGNODE, "shape", "box");
	agattr(root, AGNODE, "fontname", FONT);
	agattr(root, AGNODE, "fontsize", "10");
	agattr(root, AGNODE, "margin", "0.08,0.04");
	agattr(root, AGNODE, "target", "_blank");
	agattr(root, AGEDGE, "fontname", FONT);
	agattr(root, AGEDGE, "fontsize", "9");
	agattr(root, AGEDGE, "arrowsize", "0.7");

	for (uint32_t i = 0; i < sc->n; i++) {
		uint32_t v = sc->node[i];
		Agraph_t *parent = root;
		if (o->cluster == RENDER_CLUSTER_PROJECT) {
			uint32_t p = g->project[v];
			parent = cluster_for(root, clusters, p, g->project_path[p],
					     !sc->project_seed[p]);
		} else if (o->cluster == RENDER_CLUSTER_MILESTONE &&
			   g->milestone[v] != ANALYZE_NONE) {
			uint32_t m = g->milestone[v];
			parent = cluster_for(root, clusters, m,
					     sc->milestone_hidden[m] ? "(confidential)"
								     : g->milestone_title[m],
					     false);
		}
		char *label = NULL, *tooltip = NULL;
		Agnode_t *n = parent ? agnode(parent, sc->ref[i], 1) : NULL;
		if (!n || node_text(sc, i, &label, &tooltip)) {
			rc = render_fail(RENDER_ENOMEM, "out of memory");
			goto done;
		}
		nodes[i] = n;
		set(n, "label", label);
		set(n, "tooltip", tooltip);
		free(label);
		free(tooltip);
		if (sc->url[i])
			set(n, "URL", sc->url[i]);
		style_node(n, sc->nflags[i]);
	}
	for (uint32_t i = 0; i < sc->n_edges; i++) {
		const struct scene_edge *ed = &sc->edges[i];
		Agedge_t *e = agedge(root, nodes[ed->from], nodes[ed->to], NULL, 1);
		if (!e) {
			rc = render_fail(RENDER_ENOMEM, "out of memory");
			goto done;
		}
		style_edge(e, ed->flags);
		if (i < sc->n_etext && sc->etext[i]) {
			struct rbuf tb = {0};
			tooltip_escape_into(&tb, sc->etext[i]);
			char *tip = rbuf_finish(&tb);
			if (!tip) {
				rc = render_fail(RENDER_ENOMEM, "render: out of memory");
				goto done;
			}
			set(e, "tooltip", tip);
			free(tip);
		}
	}
	if (o->caption) {
		char *safe = render_safe_text_dup(o->caption, strlen(o->caption));
		char *esc = safe ? render_escape_gv(safe) : NULL;
		free(safe);
		if (!esc) {
			rc = render_fail(RENDER_ENOMEM, "out of memory");
			goto done;
		}
		set(root, "label", esc);
		set(root, "labelloc", "t");
		set(root, "labeljust", "l");
		set(root, "fontsize", "12");
		free(esc);
	}
	if (o->legend && add_legend(root)) {
		rc = render_fail(RENDER_ENOMEM, "out of memory");
		goto done;
	}
done:
	free(nodes);
	free(clusters);
	if (rc && root) {
		agclose(root);
		root = NULL;
	}
	*out = root;
	return rc;
}

static const char *engine_name(enum render_layout l)
{
	switch (l) {
	case RENDER_LAYOUT_SFDP:
		return "sfdp";
	case RENDER_LAYOUT_NEATO:
		return "neato";
	default:
		return "dot";
	}
}

/* DOT: the graph as cgraph writes it; no layout. */
static int render_dot(FILE *out, const struct render_scene *sc, const struct render_opts *o)
{
	Agraph_t *g = NULL;
	int rc = build_graph(&g, sc, o);
	if (rc)
		return rc;
	if (agwrite(g, out) != 0 || ferror(out))
		rc = render_fail(RENDER_EIO, "writing DOT failed");
	agclose(g);
	return rc;
}

/*
 * One Graphviz context per process, freed at exit. Two contexts in one
 * process are not safe in Graphviz 2.43: the pango plugin caches a pointer
 * to the last font name, which gvFreeContext frees, so the next context's
 * first layout reads freed memory (ASan: heap-use-after-free in
 * pango_textlayout, seen when a report or a test renders twice). Keeping
 * the context alive keeps that name alive. Not thread-safe: the CLI
 * renders from one thread.
 */
static GVC_t *shared_gvc;

static void gvc_free_at_exit(void)
{
	gvFreeContext(shared_gvc);
	shared_gvc = NULL;
}

static GVC_t *gvc_get(void)
{
	if (!shared_gvc) {
		shared_gvc = gvContext();
		if (shared_gvc && atexit(gvc_free_at_exit) != 0) {
			gvFreeContext(shared_gvc);
			shared_gvc = NULL;
		}
	}
	return shared_gvc;
}

/* Layout with o->layout, then render as gv_format: demo.c's lifecycle,
 * with the context shared (above). */
static int render_laid_out(FILE *out, const struct render_scene *sc, const struct render_opts *o,
			   const char *gv_format)
{
	int rc = 0;
	Agraph_t *g = NULL;
	GVC_t *gvc = gvc_get();
	if (!gvc)
		return render_fail(RENDER_ERR, "cannot start Graphviz");
	if ((rc = build_graph(&g, sc, o)))
		goto done;
	gv_last_error[0] = '\0';
	if (gvLayout(gvc, g, engine_name(o->layout)) != 0) {
		rc = render_fail(RENDER_ERR, "%s layout failed: %s", engine_name(o->layout),
				 gv_last_error[0] ? gv_last_error : "unknown error");
		goto done;
	}
	if (gvRender(gvc, g, gv_format, out) != 0)
		rc = render_fail(RENDER_ERR, "%s output failed: %s", gv_format,
				 gv_last_error[0] ? gv_last_error : "unknown error");
	else if (ferror(out))
		rc = render_fail(RENDER_EIO, "writing %s failed", gv_format);
	gvFreeLayout(gvc, g);
done:
	if (g)
		agclose(g);
	return rc; /* the context is freed at exit (gvc_get) */
}

static int render_svg(FILE *out, const struct render_scene *sc, const struct render_opts *o)
{
	return render_laid_out(out, sc, o, "svg");
}

static int render_png(FILE *out, const struct render_scene *sc, const struct render_opts *o)
{
	return render_laid_out(out, sc, o, "png:cairo");
}

int render_graphviz(FILE *out, const struct render_scene *sc, const struct render_opts *o)
{
	agusererrf prev = agseterrf(capture_gv_error);
	int rc;
	switch (o->format) {
	case RENDER_FORMAT_DOT:
		rc = render_dot(out, sc, o);
		break;
	case RENDER_FORMAT_SVG:
		rc = render_svg(out, sc, o);
		break;
	case RENDER_FORMAT_PNG:
		rc = render_png(out, sc, o);
		break;
	default:
		rc = render_fail(RENDER_EINVAL, "not a Graphviz format");
		break;
	}
	agseterrf(prev);
	return rc;
}
