/* The scene: the drawn nodes with their text and marks, and the drawn
 * links, gathered once from the analysis and the view cli/ built (render/
 * reads no store) for every writer. */
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

#define OOM() render_fail(RENDER_ENOMEM, "out of memory")

static int cmp_edge_text(const void *a, const void *b)
{
	const struct render_edge_text *x = a, *y = b;
	if (x->from != y->from)
		return (x->from > y->from) - (x->from < y->from);
	return (x->to > y->to) - (x->to < y->to);
}

/* The text evidence of each drawn blocks edge that text gives, from the
 * view (links->etext). */
static int edge_texts(struct render_scene *sc, const struct render_links *links)
{
	const struct analyze_graph *g = sc->g;
	sc->etext = calloc(sc->n_edges ? sc->n_edges : 1, sizeof *sc->etext);
	if (!sc->etext)
		return OOM();
	sc->n_etext = sc->n_edges;
	if (!g->out_origin || !links || !links->n_etext)
		return 0;
	for (uint32_t i = 0; i < sc->n_edges; i++) {
		uint32_t v = sc->node[sc->edges[i].from], w = sc->node[sc->edges[i].to];
		if (!(analyze_edge_origin(g, v, w) & ANALYZE_ORIGIN_TEXT))
			continue;
		struct render_edge_text key = {.from = v, .to = w};
		const struct render_edge_text *hit = bsearch(&key, links->etext, links->n_etext,
							      sizeof key, cmp_edge_text);
		if (!hit || !hit->n)
			continue;
		struct rbuf b = {0};
		for (uint32_t j = 0; j < hit->n; j++) {
			char line[48];
			rbuf_puts(&b, j ? "; text: " : "text: ");
			uint32_t slot = sc->slot[hit->in[j].holder];
			rbuf_puts(&b, slot != ANALYZE_NONE ? sc->ref[slot] : "?");
			snprintf(line, sizeof line, ", line %lld: ", (long long)hit->in[j].line);
			rbuf_puts(&b, line);
			rbuf_puts(&b, hit->in[j].phrase);
		}
		if (!(sc->etext[i] = rbuf_finish(&b)))
			return OOM();
	}
	return 0;
}

void render_scene_release(struct render_scene *sc)
{
	if (!sc)
		return;
	for (uint32_t i = 0; i < sc->n; i++) {
		if (sc->title)
			free(sc->title[i]);
		if (sc->url)
			free(sc->url[i]);
		if (sc->ref)
			free(sc->ref[i]);
		if (sc->who)
			free(sc->who[i]);
		if (sc->when)
			free(sc->when[i]);
	}
	free(sc->node);
	free(sc->slot);
	free(sc->nflags);
	free(sc->title);
	free(sc->url);
	free(sc->ref);
	free(sc->who);
	free(sc->when);
	free(sc->edges);
	for (uint32_t i = 0; sc->etext && i < sc->n_etext; i++)
		free(sc->etext[i]);
	free(sc->etext);
	sc->etext = NULL;
	sc->n_etext = 0;
	free(sc->project_seed);
	free(sc->milestone_hidden);
	memset(sc, 0, sizeof *sc);
}

static int cmp_edge(const void *a, const void *b)
{
	const struct scene_edge *x = a, *y = b;
	if (x->from != y->from)
		return (x->from > y->from) - (x->from < y->from);
	return (x->to > y->to) - (x->to < y->to);
}

/* Append the relates_to links between drawn nodes (each pair once). */
static int add_relates(struct render_scene *sc, const struct render_links *links)
{
	if (!links || !links->n_relates)
		return 0;
	struct scene_edge *e = malloc(links->n_relates * sizeof *e);
	if (!e)
		return OOM();
	size_t n = 0;
	for (uint32_t i = 0; i < links->n_relates; i++) {
		uint32_t u = links->relates[i].a, v = links->relates[i].b;
		if (u >= sc->g->n || v >= sc->g->n || u == v)
			continue;
		uint32_t su = sc->slot[u], sv = sc->slot[v];
		if (su == ANALYZE_NONE || sv == ANALYZE_NONE)
			continue;
		e[n++] = (struct scene_edge){
		    .from = su < sv ? su : sv, .to = su < sv ? sv : su, .flags = SCENE_RELATES};
	}
	int rc = 0;
	if (n == 0)
		goto done;
	qsort(e, n, sizeof *e, cmp_edge);
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (w == 0 || cmp_edge(&e[w - 1], &e[i]) != 0)
			e[w++] = e[i];
	if (w > UINT32_MAX - sc->n_edges) {
		rc = OOM();
		goto done;
	}
	struct scene_edge *all = realloc(sc->edges, (sc->n_edges + w + 1) * sizeof *all);
	if (!all) {
		rc = OOM();
		goto done;
	}
	sc->edges = all;
	memcpy(sc->edges + sc->n_edges, e, w * sizeof *e);
	sc->n_edges += (uint32_t)w;
done:
	free(e);
	return rc;
}

/* Who acts on node v and by when (SPEC "Words": people, due date), raw:
 * "@ana @bo" or "unassigned"; "due 2027-01-15", "due 2027-01-15
 * (milestone v3.0)" or "no due date". */
static int people_and_due(struct render_scene *sc, uint32_t i, const struct render_texts *tx,
			  uint32_t v)
{
	struct rbuf b = {0};
	if (!(sc->who[i] = strdup(tx->people[v] ? tx->people[v] : "unassigned")))
		return OOM();
	if (tx->due[v]) {
		rbuf_puts(&b, "due ");
		rbuf_puts(&b, tx->due[v]);
		if (tx->due_milestone[v]) {
			rbuf_puts(&b, " (milestone ");
			rbuf_puts(&b, tx->due_milestone[v]);
			rbuf_putc(&b, ')');
		}
	} else {
		rbuf_puts(&b, "no due date");
	}
	if (!(sc->when[i] = rbuf_finish(&b)))
		return OOM();
	return 0;
}

/* Code points of s (a rough width; wrapping measures exactly). */
static size_t cp_count(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void render_scene_who_when(struct rbuf *b, const struct render_scene *sc, uint32_t i,
			   unsigned width, const char *sep,
			   void (*esc)(struct rbuf *, const char *))
{
	const char *who = sc->who[i], *when = sc->when[i];
	if (!who || !when)
		return;
	rbuf_puts(b, sep);
	if (cp_count(who) + 3 + cp_count(when) <= width) { /* one line when it fits */
		render_wrap(b, who, width, 1, sep, esc);
		esc(b, " \xc2\xb7 ");
		render_wrap(b, when, width, 1, sep, esc);
		return;
	}
	render_wrap(b, who, width, 2, sep, esc);
	rbuf_puts(b, sep);
	render_wrap(b, when, width, 2, sep, esc);
}

static int mark_seeds(struct render_scene *sc, const struct render_links *links)
{
	const struct analyze_graph *g = sc->g;
	sc->project_seed = calloc(g->n_projects ? g->n_projects : 1, sizeof *sc->project_seed);
	if (!sc->project_seed)
		return OOM();
	for (uint32_t p = 0; p < g->n_projects; p++)
		sc->project_seed[p] = !links || !links->project_seed || links->project_seed[p];
	return 0;
}

int render_scene_build(struct render_scene *sc, const struct render_input *in,
		       const struct render_opts *o, const struct analyze_knots *k,
		       const struct analyze_steps *path, const uint8_t *keep)
{
	const struct analyze_graph *g = in->g;
	int rc = 0;
	uint32_t *step_of = NULL;
	uint8_t *drop = NULL;
	struct render_texts own_texts = {0};
	memset(sc, 0, sizeof *sc);
	sc->g = g;

	uint32_t count = 0;
	for (uint32_t v = 0; v < g->n; v++)
		count += keep[v] ? 1 : 0;
	size_t alloc_n = count ? count : 1;
	sc->node = malloc(alloc_n * sizeof *sc->node);
	sc->slot = malloc((g->n ? g->n : 1) * sizeof *sc->slot);
	sc->nflags = calloc(alloc_n, 1);
	sc->title = calloc(alloc_n, sizeof *sc->title);
	sc->url = calloc(alloc_n, sizeof *sc->url);
	sc->ref = calloc(alloc_n, sizeof *sc->ref);
	sc->who = calloc(alloc_n, sizeof *sc->who);
	sc->when = calloc(alloc_n, sizeof *sc->when);
	step_of = malloc((g->n ? g->n : 1) * sizeof *step_of);
	if (!sc->node || !sc->slot || !sc->nflags || !sc->title || !sc->url || !sc->ref ||
	    !sc->who || !sc->when || !step_of) {
		rc = OOM();
		goto done;
	}
	sc->n = count;
	for (uint32_t v = 0, i = 0; v < g->n; v++) {
		sc->slot[v] = ANALYZE_NONE;
		step_of[v] = ANALYZE_NONE;
		if (keep[v]) {
			sc->node[i] = v;
			sc->slot[v] = i++;
		}
	}
	for (uint32_t st = 0; path && st < path->count; st++)
		for (uint32_t i = path->off[st]; i < path->off[st + 1]; i++)
			step_of[path->nodes[i]] = st;

	if ((rc = mark_seeds(sc, in->links)))
		goto done;
	const struct render_texts *tx = in->texts;
	if (!tx) { /* no view: refs (and the confidential marks) only */
		if ((rc = render_texts_init(&own_texts, g,
					    o->show_confidential ? RENDER_TEXTS_SHOW_CONFIDENTIAL
								 : 0)))
			goto done;
		tx = &own_texts;
	}

	/* A milestone that only confidential issues carry is itself not shown
	 * (whichever of them are drawn); one that a shown issue carries is. */
	if (!(sc->milestone_hidden = malloc(g->n_milestones ? g->n_milestones : 1))) {
		rc = OOM();
		goto done;
	}
	memset(sc->milestone_hidden, !o->show_confidential, g->n_milestones);
	for (uint32_t v = 0; v < g->n && !o->show_confidential; v++)
		if (g->milestone[v] != ANALYZE_NONE && !(g->flags[v] & ANALYZE_NODE_CONFIDENTIAL))
			sc->milestone_hidden[g->milestone[v]] = 0;

	for (uint32_t i = 0; i < sc->n; i++) {
		uint32_t v = sc->node[i];
		uint8_t f = 0;
		if (!(g->flags[v] & ANALYZE_NODE_OPEN))
			f |= SCENE_CLOSED;
		if (k->knot_of[v] != ANALYZE_NONE)
			f |= SCENE_KNOT;
		if (step_of[v] != ANALYZE_NONE)
			f |= SCENE_CRITICAL;
		if (!sc->project_seed[g->project[v]])
			f |= SCENE_FOREIGN;
		if (tx->mark[v] & RENDER_TEXT_CONFIDENTIAL)
			f |= SCENE_CONFIDENTIAL;
		if (tx->mark[v] & RENDER_TEXT_HIDDEN)
			f |= SCENE_HIDDEN;
		sc->nflags[i] = f;

		int len = analyze_ref(g, v, NULL, 0);
		if (len < 0 || !(sc->ref[i] = malloc((size_t)len + 1))) {
			rc = OOM();
			goto done;
		}
		analyze_ref(g, v, sc->ref[i], (size_t)len + 1);
		/* safe text once (render.h): the ref is also the node's name, which
		 * Graphviz writes unescaped into DOT and SVG comments */
		char *safe = render_safe_text_dup(sc->ref[i], (size_t)len);
		free(sc->ref[i]);
		if (!(sc->ref[i] = safe)) {
			rc = OOM();
			goto done;
		}

		if (tx->title[v] && !(sc->title[i] = strdup(tx->title[v]))) {
			rc = OOM();
			goto done;
		}
		if ((tx->mark[v] & RENDER_TEXT_LOADED) && (rc = people_and_due(sc, i, tx, v)))
			goto done;
		const char *raw = tx->url[v];
		if (raw && !(sc->url[i] = render_safe_url(raw)) &&
		    (strncmp(raw, "http://", 7) == 0 || strncmp(raw, "https://", 8) == 0)) {
			rc = OOM();
			goto done;
		}
	}

	/* Blocking links between drawn nodes, in (from, to) order. */
	size_t m = 0;
	for (uint32_t i = 0; i < sc->n; i++) {
		uint32_t v = sc->node[i];
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			m += sc->slot[g->out_adj[e]] != ANALYZE_NONE;
	}
	if (m > UINT32_MAX - 1) {
		rc = OOM();
		goto done;
	}
	sc->edges = malloc((m ? m : 1) * sizeof *sc->edges);
	if (!sc->edges) {
		rc = OOM();
		goto done;
	}
	for (uint32_t i = 0; i < sc->n; i++) {
		uint32_t v = sc->node[i];
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
			uint32_t w = g->out_adj[e];
			if (sc->slot[w] == ANALYZE_NONE)
				continue;
			uint8_t f = SCENE_BLOCKS;
			if (k->knot_of[v] != ANALYZE_NONE && k->knot_of[v] == k->knot_of[w])
				f |= SCENE_KNOT_EDGE;
			if (step_of[v] != ANALYZE_NONE && step_of[w] != ANALYZE_NONE &&
			    step_of[w] == step_of[v] + 1)
				f |= SCENE_CRIT_EDGE;
			if (g->out_origin && g->out_origin[e] == ANALYZE_ORIGIN_TEXT)
				f |= SCENE_TEXT_ONLY;
			sc->edges[sc->n_edges++] = (struct scene_edge){i, sc->slot[w], f};
		}
	}

	if (o->reduce && sc->n_edges) {
		drop = calloc(sc->n_edges, 1);
		if (!drop) {
			rc = OOM();
			goto done;
		}
		if ((rc = render_reduce(sc, drop)))
			goto done;
		uint32_t w = 0;
		for (uint32_t i = 0; i < sc->n_edges; i++)
			if (!drop[i])
				sc->edges[w++] = sc->edges[i];
		sc->n_edges = w;
	}

	if ((rc = edge_texts(sc, in->links)))
		goto done;
	if (!o->no_related && (rc = add_relates(sc, in->links)))
		goto done;
done:
	free(step_of);
	free(drop);
	render_texts_release(&own_texts);
	if (rc)
		render_scene_release(sc);
	return rc;
}
