/*
 * The analysed graph of open issues, taken from the graph of every issue
 * already in memory instead of a second pass over the store.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

/* CSR of the part: the links of full between two kept nodes, renumbered
 * (map is increasing, so each list stays ascending); org, when given, is
 * an array parallel to adj (the edges' origins) carried along. */
static int part_csr(uint32_t nfull, const uint32_t *off, const uint32_t *adj, const uint8_t *org,
		    const uint32_t *map, uint32_t n, uint32_t **off_out, uint32_t **adj_out,
		    uint8_t **org_out, uint32_t *m_out)
{
	uint32_t m = 0;
	for (uint32_t v = 0; v < nfull; v++)
		if (map[v] != ANALYZE_NONE)
			for (uint32_t e = off[v]; e < off[v + 1]; e++)
				m += map[adj[e]] != ANALYZE_NONE;
	uint32_t *o = analyze__alloc((size_t)n + 1, sizeof *o);
	uint32_t *a = analyze__alloc(m, sizeof *a);
	uint8_t *g = org ? analyze__alloc(m, sizeof *g) : NULL;
	if (!o || !a || (org && !g)) {
		free(o);
		free(a);
		free(g);
		return ANALYZE_ENOMEM;
	}
	uint32_t at = 0;
	o[0] = 0;
	for (uint32_t v = 0; v < nfull; v++) {
		if (map[v] == ANALYZE_NONE)
			continue;
		for (uint32_t e = off[v]; e < off[v + 1]; e++) {
			if (map[adj[e]] == ANALYZE_NONE)
				continue;
			if (g)
				g[at] = org[e];
			a[at++] = map[adj[e]];
		}
		o[map[v] + 1] = at;
	}
	*off_out = o;
	*adj_out = a;
	if (org_out)
		*org_out = g;
	*m_out = m;
	return 0;
}

int analyze_graph_open_part(const struct analyze_graph *full, struct analyze_graph **out)
{
	struct analyze_graph *g = NULL;
	uint32_t *map = NULL, *mmap = NULL;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	if (!full->all_states)
		return analyze__fail(ANALYZE_EINVAL, "the graph of every issue is needed");
	map = analyze__alloc(full->n, sizeof *map);
	mmap = analyze__alloc(full->n_milestones, sizeof *mmap);
	g = analyze__zalloc(1, sizeof *g);
	if (!map || !mmap || !g)
		goto done;

	uint32_t n = 0;
	for (uint32_t v = 0; v < full->n; v++)
		map[v] = (full->flags[v] & ANALYZE_NODE_OPEN) ? n++ : ANALYZE_NONE;
	/* Milestones: those of open issues, in the same (sorted) order. */
	memset(mmap, 0xff, (size_t)full->n_milestones * sizeof *mmap);
	for (uint32_t v = 0; v < full->n; v++)
		if (map[v] != ANALYZE_NONE && full->milestone[v] != ANALYZE_NONE)
			mmap[full->milestone[v]] = 0;
	uint32_t nm = 0;
	for (uint32_t i = 0; i < full->n_milestones; i++)
		if (mmap[i] != ANALYZE_NONE)
			mmap[i] = nm++;

	g->issue_id = analyze__alloc(n, sizeof *g->issue_id);
	g->iid = analyze__alloc(n, sizeof *g->iid);
	g->project = analyze__alloc(n, sizeof *g->project);
	g->flags = analyze__alloc(n, sizeof *g->flags);
	g->weight = analyze__alloc(n, sizeof *g->weight);
	g->remaining = analyze__alloc(n, sizeof *g->remaining);
	g->milestone = analyze__alloc(n, sizeof *g->milestone);
	g->due = analyze__alloc(n, sizeof *g->due);
	g->project_path = analyze__zalloc(full->n_projects, sizeof *g->project_path);
	g->project_id = analyze__alloc(full->n_projects, sizeof *g->project_id);
	g->milestone_title = analyze__zalloc(nm, sizeof *g->milestone_title);
	if (!g->issue_id || !g->iid || !g->project || !g->flags || !g->weight || !g->remaining ||
	    !g->milestone || !g->due || !g->project_path || !g->project_id || !g->milestone_title)
		goto done;
	g->n = n;
	for (uint32_t v = 0; v < full->n; v++) {
		uint32_t u = map[v];
		if (u == ANALYZE_NONE)
			continue;
		g->issue_id[u] = full->issue_id[v];
		g->iid[u] = full->iid[v];
		g->project[u] = full->project[v];
		g->flags[u] = full->flags[v];
		g->weight[u] = full->weight[v];
		g->remaining[u] = full->remaining[v];
		g->milestone[u] =
		    full->milestone[v] == ANALYZE_NONE ? ANALYZE_NONE : mmap[full->milestone[v]];
		g->due[u] = full->due[v];
	}
	g->n_projects = full->n_projects;
	for (uint32_t i = 0; i < full->n_projects; i++) {
		if (!(g->project_path[i] = strdup(full->project_path[i])))
			goto done;
		g->project_id[i] = full->project_id[i];
	}
	g->n_milestones = nm;
	for (uint32_t i = 0; i < full->n_milestones; i++)
		if (mmap[i] != ANALYZE_NONE &&
		    !(g->milestone_title[mmap[i]] = strdup(full->milestone_title[i])))
			goto done;
	uint32_t m_in = 0;
	if (part_csr(full->n, full->out_off, full->out_adj, full->out_origin, map, n, &g->out_off,
		     &g->out_adj, &g->out_origin, &g->m) < 0 ||
	    part_csr(full->n, full->in_off, full->in_adj, NULL, map, n, &g->in_off, &g->in_adj,
		     NULL, &m_in) < 0)
		goto done;
	g->all_states = false;
	rc = 0;
done:
	if (rc == ANALYZE_ENOMEM)
		rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
	free(map);
	free(mmap);
	if (rc < 0)
		analyze_graph_free(g);
	else
		*out = g;
	return rc;
}
