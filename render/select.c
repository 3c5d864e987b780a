/* Choosing which nodes are drawn: filters (focus, knots, milestone, scope) and the
 * overview that reports fall back to. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

static _Thread_local char errbuf[512];

int render_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return code;
}

const char *render_errmsg(void)
{
	return errbuf;
}

void render_opts_init(struct render_opts *o)
{
	memset(o, 0, sizeof *o);
	o->format = RENDER_FORMAT_DOT;
	o->layout = RENDER_LAYOUT_DOT;
	o->cluster = RENDER_CLUSTER_PROJECT;
	o->select = RENDER_SELECT_FILTERS;
	o->focus = ANALYZE_NONE;
	o->radius = RENDER_DEFAULT_RADIUS;
	o->milestone = ANALYZE_NONE;
	o->max_nodes = RENDER_DEFAULT_MAX_NODES;
	o->weight = ANALYZE_WEIGHT_COUNT;
	o->default_cost = 1;
}

/* Breadth-first from focus along successors (dir 0) or predecessors
 * (dir 1), up to radius hops; marks reached nodes in mark. */
static int bfs_mark(const struct analyze_graph *g, uint32_t focus, uint32_t radius, int dir,
		    uint8_t *mark)
{
	uint32_t *queue = malloc((size_t)g->n * sizeof *queue);
	uint32_t *dist = malloc((size_t)g->n * sizeof *dist);
	if (!queue || !dist) {
		free(queue);
		free(dist);
		return render_fail(RENDER_ENOMEM, "out of memory");
	}
	for (uint32_t v = 0; v < g->n; v++)
		dist[v] = UINT32_MAX;
	const uint32_t *off = dir ? g->in_off : g->out_off;
	const uint32_t *adj = dir ? g->in_adj : g->out_adj;
	uint32_t head = 0, tail = 0;
	queue[tail++] = focus;
	dist[focus] = 0;
	while (head < tail) {
		uint32_t v = queue[head++];
		mark[v] = 1;
		if (dist[v] >= radius)
			continue;
		for (uint32_t e = off[v]; e < off[v + 1]; e++) {
			uint32_t w = adj[e];
			if (dist[w] == UINT32_MAX) {
				dist[w] = dist[v] + 1;
				queue[tail++] = w;
			}
		}
	}
	free(queue);
	free(dist);
	return 0;
}

static int select_filters(const struct analyze_graph *g, const struct analyze_knots *k,
			  const struct render_opts *o, uint8_t *keep)
{
	int rc = 0;
	uint8_t *tmp = NULL;
	memset(keep, 1, g->n);
	if (o->focus != ANALYZE_NONE) {
		if (o->focus >= g->n)
			return render_fail(RENDER_EINVAL, "focus node out of range");
		memset(keep, 0, g->n);
		if ((rc = bfs_mark(g, o->focus, o->radius, 0, keep)) ||
		    (rc = bfs_mark(g, o->focus, o->radius, 1, keep)))
			return rc;
	}
	if (o->knots_only) {
		for (uint32_t v = 0; v < g->n; v++)
			if (k->knot_of[v] == ANALYZE_NONE)
				keep[v] = 0;
	}
	if (o->milestone != ANALYZE_NONE) {
		if (o->milestone >= g->n_milestones)
			return render_fail(RENDER_EINVAL, "milestone index out of range");
		tmp = calloc(g->n ? g->n : 1, 1);
		if (!tmp)
			return render_fail(RENDER_ENOMEM, "out of memory");
		if (analyze_milestone_closure(g, o->milestone, tmp)) {
			rc = render_fail(RENDER_ERR, "%s", analyze_errmsg());
			goto done;
		}
		for (uint32_t v = 0; v < g->n; v++)
			if (!tmp[v])
				keep[v] = 0;
	}
	if (o->scope)
		for (uint32_t v = 0; v < g->n; v++)
			if (!o->scope[v])
				keep[v] = 0;
done:
	free(tmp);
	return rc;
}

static void select_overview(const struct analyze_graph *g, const struct analyze_knots *k,
			    const struct analyze_steps *path, uint8_t *keep)
{
	/* 2: core (knot member or on the path); 1: a direct neighbour */
	memset(keep, 0, g->n);
	for (uint32_t v = 0; v < g->n; v++)
		if (k->knot_of[v] != ANALYZE_NONE)
			keep[v] = 2;
	for (uint32_t i = 0; path && i < path->off[path->count]; i++)
		keep[path->nodes[i]] = 2;
	for (uint32_t v = 0; v < g->n; v++) {
		if (keep[v] != 2)
			continue;
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			if (!keep[g->out_adj[e]])
				keep[g->out_adj[e]] = 1;
		for (uint32_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
			if (!keep[g->in_adj[e]])
				keep[g->in_adj[e]] = 1;
	}
	for (uint32_t v = 0; v < g->n; v++)
		keep[v] = keep[v] ? 1 : 0;
}

/* Knots and path from the input, or computed; *own_* say what to free. */
int render_analysis(const struct render_input *in, const struct render_opts *o,
		    const struct analyze_knots **k, const struct analyze_steps **path,
		    struct analyze_knots **own_k, struct analyze_steps **own_path)
{
	*own_k = NULL;
	*own_path = NULL;
	*k = in->knots;
	*path = in->path;
	if (!*k) {
		if (analyze_knots(in->g, NULL, own_k))
			return render_fail(RENDER_ERR, "%s", analyze_errmsg());
		*k = *own_k;
	}
	if (!*path) {
		struct analyze_path_opts po = {
		    .weight = o->weight,
		    .default_cost = o->default_cost,
		    .to = ANALYZE_NONE,
		    .milestone = o->select == RENDER_SELECT_FILTERS ? o->milestone : ANALYZE_NONE,
		    .ends = o->select == RENDER_SELECT_FILTERS ? o->scope_ends : NULL,
		};
		if (analyze_critical_path(in->g, NULL, &po, own_path)) {
			analyze_knots_free(*own_k);
			*own_k = NULL;
			return render_fail(RENDER_ERR, "%s", analyze_errmsg());
		}
		*path = *own_path;
	}
	return 0;
}

int render_select_with(const struct render_input *in, const struct render_opts *o,
		       const struct analyze_knots *k, const struct analyze_steps *path,
		       uint8_t *keep, uint32_t *count)
{
	const struct analyze_graph *g = in->g;
	int rc = 0;
	switch (o->select) {
	case RENDER_SELECT_FILTERS:
		rc = select_filters(g, k, o, keep);
		break;
	case RENDER_SELECT_NODES:
		if (!o->nodes)
			return render_fail(RENDER_EINVAL, "no node set given");
		for (uint32_t v = 0; v < g->n; v++)
			keep[v] = o->nodes[v] ? 1 : 0;
		break;
	case RENDER_SELECT_OVERVIEW:
		select_overview(g, k, path, keep);
		break;
	default:
		return render_fail(RENDER_EINVAL, "unknown selection");
	}
	if (rc)
		return rc;
	uint32_t c = 0;
	for (uint32_t v = 0; v < g->n; v++)
		c += keep[v];
	*count = c;
	return 0;
}

int render_select(const struct render_input *in, const struct render_opts *o, uint8_t *keep,
		  uint32_t *count)
{
	if (!in || !in->g || !o || !keep || !count)
		return render_fail(RENDER_EINVAL, "missing argument");
	const struct analyze_knots *k;
	const struct analyze_steps *path;
	struct analyze_knots *own_k;
	struct analyze_steps *own_path;
	int rc = render_analysis(in, o, &k, &path, &own_k, &own_path);
	if (rc)
		return rc;
	rc = render_select_with(in, o, k, path, keep, count);
	analyze_knots_free(own_k);
	analyze_steps_free(own_path);
	return rc;
}
