/*
 * The graph builder and the id table (internal/graph_builder.h).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "graph_builder.h"

/*
 * Build both CSR directions from m edges over g->n nodes, deduplicating
 * parallel edges (their origin bits or-ed together); each list ends up ascending. Bucketing by
 * source, then filling the in-lists in source order sorts them; filling the out-lists from the
 * deduplicated in-lists in target order sorts those. The origins ride along
 * in byte arrays parallel to the lists.
 */
static int build_csr(struct analyze_graph *g, const uint32_t *from, const uint32_t *to,
		     const uint8_t *org, size_t m)
{
	uint32_t n = g->n;
	uint32_t *tmp_off = NULL, *tmp_adj = NULL, *pos = NULL;
	uint8_t *tmp_org = NULL, *in_org = NULL;
	int rc = ANALYZE_ENOMEM;

	if (m > UINT32_MAX - 1)
		return analyze__fail(ANALYZE_EINVAL, "too many links (%zu)", m);
	g->out_off = analyze__zalloc((size_t)n + 1, sizeof *g->out_off);
	g->in_off = analyze__zalloc((size_t)n + 1, sizeof *g->in_off);
	tmp_off = analyze__zalloc((size_t)n + 1, sizeof *tmp_off);
	pos = analyze__alloc((size_t)n + 1, sizeof *pos);
	tmp_adj = analyze__alloc(m, sizeof *tmp_adj);
	g->in_adj = analyze__alloc(m, sizeof *g->in_adj);
	tmp_org = analyze__alloc(m, 1);
	in_org = analyze__alloc(m, 1);
	if (!g->out_off || !g->in_off || !tmp_off || !pos || !tmp_adj || !g->in_adj || !tmp_org ||
	    !in_org)
		goto done;

	for (size_t i = 0; i < m; i++) {
		tmp_off[from[i] + 1]++;
		g->in_off[to[i] + 1]++;
	}
	for (uint32_t v = 0; v < n; v++) {
		tmp_off[v + 1] += tmp_off[v];
		g->in_off[v + 1] += g->in_off[v];
	}
	memcpy(pos, tmp_off, ((size_t)n + 1) * sizeof *pos);
	for (size_t i = 0; i < m; i++) {
		tmp_org[pos[from[i]]] = org[i];
		tmp_adj[pos[from[i]]++] = to[i];
	}

	/* in-lists in source order */
	memcpy(pos, g->in_off, ((size_t)n + 1) * sizeof *pos);
	for (uint32_t u = 0; u < n; u++)
		for (uint32_t e = tmp_off[u]; e < tmp_off[u + 1]; e++) {
			in_org[pos[tmp_adj[e]]] = tmp_org[e];
			g->in_adj[pos[tmp_adj[e]]++] = u;
		}

	/* drop parallel duplicates (adjacent now), compacting in place */
	uint32_t w = 0;
	for (uint32_t t = 0; t < n; t++) {
		uint32_t start = g->in_off[t], end = g->in_off[t + 1];
		g->in_off[t] = w;
		for (uint32_t e = start; e < end; e++) {
			uint32_t u = g->in_adj[e];
			if (e == start || u != g->in_adj[w - 1]) {
				in_org[w] = in_org[e];
				g->in_adj[w++] = u;
			} else {
				in_org[w - 1] |= in_org[e];
			}
		}
	}
	g->in_off[n] = w;
	g->m = w;

	/* out-lists from the in-lists, in target order */
	memset(g->out_off, 0, ((size_t)n + 1) * sizeof *g->out_off);
	for (uint32_t e = 0; e < w; e++)
		g->out_off[g->in_adj[e] + 1]++;
	for (uint32_t v = 0; v < n; v++)
		g->out_off[v + 1] += g->out_off[v];
	g->out_adj = analyze__alloc(w, sizeof *g->out_adj);
	g->out_origin = analyze__alloc(w, sizeof *g->out_origin);
	if (!g->out_adj || !g->out_origin)
		goto done;
	memcpy(pos, g->out_off, ((size_t)n + 1) * sizeof *pos);
	for (uint32_t t = 0; t < n; t++)
		for (uint32_t e = g->in_off[t]; e < g->in_off[t + 1]; e++) {
			g->out_origin[pos[g->in_adj[e]]] = in_org[e];
			g->out_adj[pos[g->in_adj[e]]++] = t;
		}
	if (w < m) {
		uint32_t *shrunk = realloc(g->in_adj, (w ? w : 1) * sizeof *shrunk);
		if (shrunk)
			g->in_adj = shrunk;
	}
	rc = 0;
done:
	free(tmp_off);
	free(tmp_adj);
	free(tmp_org);
	free(in_org);
	free(pos);
	return rc;
}

bool analyze__graph_alloc_nodes(struct analyze_graph *g, uint32_t n)
{
	g->n = n;
	g->issue_id = analyze__alloc(n, sizeof *g->issue_id);
	g->iid = analyze__alloc(n, sizeof *g->iid);
	g->project = analyze__alloc(n, sizeof *g->project);
	g->flags = analyze__alloc(n, sizeof *g->flags);
	g->weight = analyze__alloc(n, sizeof *g->weight);
	g->remaining = analyze__alloc(n, sizeof *g->remaining);
	g->milestone = analyze__alloc(n, sizeof *g->milestone);
	g->due = analyze__alloc(n, sizeof *g->due);
	return g->issue_id && g->iid && g->project && g->flags && g->weight && g->remaining &&
	       g->milestone && g->due;
}

int analyze__builder_init(struct analyze__builder *b, uint32_t n, uint32_t n_projects,
			  uint32_t n_milestones, bool all_states)
{
	memset(b, 0, sizeof *b);
	if (n == UINT32_MAX)
		return analyze__fail(ANALYZE_EINVAL, "too many nodes");
	struct analyze_graph *g = b->g = analyze__zalloc(1, sizeof *g);
	if (!g)
		return ANALYZE_ENOMEM;
	g->all_states = all_states;
	bool nodes = analyze__graph_alloc_nodes(g, n);
	g->project_path = analyze__zalloc(n_projects, sizeof *g->project_path);
	g->project_id = analyze__zalloc(n_projects, sizeof *g->project_id);
	g->milestone_title = analyze__zalloc(n_milestones, sizeof *g->milestone_title);
	g->n_projects = n_projects;
	g->n_milestones = n_milestones;
	if (!nodes || !g->project_path || !g->project_id || !g->milestone_title) {
		analyze__builder_release(b);
		return ANALYZE_ENOMEM;
	}
	return 0;
}

int analyze__builder_reserve(struct analyze__builder *b, size_t m)
{
	if (m <= b->cap)
		return 0;
	if (m > (size_t)UINT32_MAX - 1) {
		/* the CSR counts edges in 32 bits */
		if (b->cap >= (size_t)UINT32_MAX - 1)
			return analyze__fail(ANALYZE_EINVAL, "too many links (%zu)", m);
		m = (size_t)UINT32_MAX - 1;
	}
	uint32_t *from = analyze__alloc(m, sizeof *from);
	uint32_t *to = analyze__alloc(m, sizeof *to);
	uint8_t *org = analyze__alloc(m, sizeof *org);
	if (!from || !to || !org) {
		free(from);
		free(to);
		free(org);
		return ANALYZE_ENOMEM;
	}
	if (b->m) {
		memcpy(from, b->from, b->m * sizeof *from);
		memcpy(to, b->to, b->m * sizeof *to);
		memcpy(org, b->org, b->m * sizeof *org);
	}
	free(b->from);
	free(b->to);
	free(b->org);
	b->from = from;
	b->to = to;
	b->org = org;
	b->cap = m;
	return 0;
}

int analyze__builder_finish(struct analyze__builder *b, struct analyze_graph **out)
{
	*out = NULL;
	int rc = build_csr(b->g, b->from, b->to, b->org, b->m);
	if (rc == 0) {
		*out = b->g;
		b->g = NULL;
	}
	analyze__builder_release(b);
	return rc;
}

void analyze__builder_release(struct analyze__builder *b)
{
	analyze_graph_free(b->g);
	free(b->from);
	free(b->to);
	free(b->org);
	memset(b, 0, sizeof *b);
}

int analyze__id_table_init(struct analyze__id_table *t, size_t count)
{
	size_t nslots = 16;
	while (nslots < count * 2)
		nslots *= 2;
	t->mask = nslots - 1;
	t->slots = analyze__alloc(nslots, sizeof *t->slots);
	if (!t->slots)
		return ANALYZE_ENOMEM;
	for (size_t h = 0; h < nslots; h++)
		t->slots[h].val = ANALYZE_NONE;
	return 0;
}

void analyze__id_table_release(struct analyze__id_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = 0;
}
