/*
 * --reduce: the transitive reduction of the drawn blocking links, as tred
 * does it, but on the condensation of the drawn subgraph so that knots
 * keep every link. Iterative throughout (explicit stacks, side arrays).
 */
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_internal.h"

#define NONE UINT32_MAX

/* Strongly connected components of the n-node graph (off/adj CSR), by
 * iterative Tarjan. comp[v] gets the component; components are numbered
 * in completion order, so every edge between two components goes from a
 * higher number to a lower one. Returns the number of components. */
static uint32_t tarjan(uint32_t n, const uint32_t *off, const uint32_t *adj, uint32_t *comp,
		       uint32_t *index, uint32_t *low, uint32_t *stack, uint32_t *cs_node,
		       uint32_t *cs_edge, uint8_t *onstack)
{
	uint32_t next_index = 0, sp = 0, ncomp = 0;
	for (uint32_t v = 0; v < n; v++)
		index[v] = NONE;
	for (uint32_t root = 0; root < n; root++) {
		if (index[root] != NONE)
			continue;
		uint32_t csp = 0;
		cs_node[csp] = root;
		cs_edge[csp++] = off[root];
		index[root] = low[root] = next_index++;
		stack[sp++] = root;
		onstack[root] = 1;
		while (csp) {
			uint32_t v = cs_node[csp - 1];
			if (cs_edge[csp - 1] < off[v + 1]) {
				uint32_t w = adj[cs_edge[csp - 1]++];
				if (index[w] == NONE) {
					index[w] = low[w] = next_index++;
					stack[sp++] = w;
					onstack[w] = 1;
					cs_node[csp] = w;
					cs_edge[csp++] = off[w];
				} else if (onstack[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					onstack[w] = 0;
					comp[w] = ncomp;
				} while (w != v);
				ncomp++;
			}
			csp--;
			if (csp) {
				uint32_t u = cs_node[csp - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	return ncomp;
}

static int cmp_u32pair(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	if (x[0] != y[0])
		return (x[0] > y[0]) - (x[0] < y[0]);
	return (x[1] > y[1]) - (x[1] < y[1]);
}

int render_reduce(const struct render_scene *sc, uint8_t *drop)
{
	uint32_t n = sc->n, m = 0;
	int rc = 0;
	for (uint32_t i = 0; i < sc->n_edges; i++)
		m += (sc->edges[i].flags & SCENE_BLOCKS) != 0;
	size_t nn = (size_t)n + 1, mm = (size_t)m + 1;
	uint32_t *off = calloc(nn, sizeof *off), *adj = malloc(mm * sizeof *adj);
	uint32_t *comp = malloc(nn * sizeof *comp), *index = malloc(nn * sizeof *index);
	uint32_t *low = malloc(nn * sizeof *low), *stack = malloc(nn * sizeof *stack);
	uint32_t *cs_node = malloc(nn * sizeof *cs_node), *cs_edge = malloc(nn * sizeof *cs_edge);
	uint8_t *onstack = calloc(nn, 1);
	uint32_t *cpairs = malloc(mm * 2 * sizeof *cpairs);
	uint32_t *coff = NULL, *cadj = NULL, *stamp = NULL, *dfs = NULL;
	uint8_t *redundant = NULL;
	if (!off || !adj || !comp || !index || !low || !stack || !cs_node || !cs_edge || !onstack ||
	    !cpairs) {
		rc = render_fail(RENDER_ENOMEM, "out of memory");
		goto done;
	}
	/* CSR of the drawn blocking links (edges are sorted by from). */
	for (uint32_t i = 0; i < sc->n_edges; i++)
		if (sc->edges[i].flags & SCENE_BLOCKS)
			off[sc->edges[i].from + 1]++;
	for (uint32_t v = 0; v < n; v++)
		off[v + 1] += off[v];
	for (uint32_t i = 0, j = 0; i < sc->n_edges; i++)
		if (sc->edges[i].flags & SCENE_BLOCKS)
			adj[j++] = sc->edges[i].to;

	uint32_t nc = tarjan(n, off, adj, comp, index, low, stack, cs_node, cs_edge, onstack);

	/* Condensation edges, deduplicated, as CSR. */
	uint32_t cm = 0;
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = off[v]; e < off[v + 1]; e++)
			if (comp[v] != comp[adj[e]]) {
				cpairs[2 * cm] = comp[v];
				cpairs[2 * cm + 1] = comp[adj[e]];
				cm++;
			}
	qsort(cpairs, cm, 2 * sizeof *cpairs, cmp_u32pair);
	uint32_t w = 0;
	for (uint32_t i = 0; i < cm; i++)
		if (w == 0 || cmp_u32pair(&cpairs[2 * (w - 1)], &cpairs[2 * i]) != 0) {
			cpairs[2 * w] = cpairs[2 * i];
			cpairs[2 * w + 1] = cpairs[2 * i + 1];
			w++;
		}
	cm = w;
	coff = calloc((size_t)nc + 1, sizeof *coff);
	cadj = malloc(((size_t)cm + 1) * sizeof *cadj);
	stamp = malloc(((size_t)nc + 1) * sizeof *stamp);
	dfs = malloc(((size_t)nc + 1) * sizeof *dfs);
	redundant = calloc((size_t)cm + 1, 1);
	if (!coff || !cadj || !stamp || !dfs || !redundant) {
		rc = render_fail(RENDER_ENOMEM, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < cm; i++) {
		coff[cpairs[2 * i] + 1]++;
		cadj[i] = cpairs[2 * i + 1];
	}
	for (uint32_t c = 0; c < nc; c++)
		coff[c + 1] += coff[c];

	/* For each component c: everything reachable from c in two or more
	 * steps is stamped c; an edge c -> d with d stamped is implied. */
	for (uint32_t c = 0; c < nc; c++)
		stamp[c] = NONE;
	for (uint32_t c = 0; c < nc; c++) {
		uint32_t sp = 0;
		for (uint32_t e = coff[c]; e < coff[c + 1]; e++) {
			uint32_t d = cadj[e];
			for (uint32_t f = coff[d]; f < coff[d + 1]; f++) {
				uint32_t x = cadj[f];
				if (stamp[x] != c) {
					stamp[x] = c;
					dfs[sp++] = x;
				}
			}
		}
		while (sp) {
			uint32_t x = dfs[--sp];
			for (uint32_t f = coff[x]; f < coff[x + 1]; f++) {
				uint32_t y = cadj[f];
				if (stamp[y] != c) {
					stamp[y] = c;
					dfs[sp++] = y;
				}
			}
		}
		for (uint32_t e = coff[c]; e < coff[c + 1]; e++)
			redundant[e] = stamp[cadj[e]] == c;
	}

	for (uint32_t i = 0; i < sc->n_edges; i++) {
		const struct scene_edge *ed = &sc->edges[i];
		if (!(ed->flags & SCENE_BLOCKS) || (ed->flags & SCENE_CRIT_EDGE))
			continue;
		uint32_t cu = comp[ed->from], cv = comp[ed->to];
		if (cu == cv)
			continue;
		/* find cu -> cv among cu's sorted successors */
		uint32_t lo = coff[cu], hi = coff[cu + 1];
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (cadj[mid] < cv)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < coff[cu + 1] && cadj[lo] == cv && redundant[lo])
			drop[i] = 1;
	}
done:
	free(off);
	free(adj);
	free(comp);
	free(index);
	free(low);
	free(stack);
	free(cs_node);
	free(cs_edge);
	free(onstack);
	free(cpairs);
	free(coff);
	free(cadj);
	free(stamp);
	free(dfs);
	free(redundant);
	return rc;
}
