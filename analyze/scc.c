/*
 * Strongly connected components (Tarjan, iterative with an explicit call
 * stack so that a 1,000,000-issue chain cannot overflow the C stack) and
 * the condensation (analyze_condense) that knots, path, order and
 * bottlenecks share.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

int analyze__tarjan_init(struct analyze__tarjan *t, uint32_t n)
{
	memset(t, 0, sizeof *t);
	t->n = n;
	t->index = analyze__alloc(n, sizeof *t->index);
	t->low = analyze__alloc(n, sizeof *t->low);
	t->stack = analyze__alloc(n, sizeof *t->stack);
	t->cs_node = analyze__alloc(n, sizeof *t->cs_node);
	t->cs_edge = analyze__alloc(n, sizeof *t->cs_edge);
	t->onstack = analyze__zalloc(n, sizeof *t->onstack);
	if (!t->index || !t->low || !t->stack || !t->cs_node || !t->cs_edge || !t->onstack) {
		analyze__tarjan_release(t);
		return ANALYZE_ENOMEM;
	}
	memset(t->index, 0xff, (size_t)n * sizeof *t->index);
	return 0;
}

void analyze__tarjan_release(struct analyze__tarjan *t)
{
	free(t->index);
	free(t->low);
	free(t->stack);
	free(t->cs_node);
	free(t->cs_edge);
	free(t->onstack);
	memset(t, 0, sizeof *t);
}

static inline bool allowed(const uint32_t *part, uint32_t part_id, uint32_t min_node, uint32_t w)
{
	return w >= min_node && (!part || part[w] == part_id);
}

void analyze__tarjan_run(struct analyze__tarjan *t, const struct analyze_graph *g,
			 const uint32_t *roots, uint32_t nroots, const uint32_t *part,
			 uint32_t part_id, uint32_t min_node, uint32_t *comp, uint32_t *ncomp)
{
	uint32_t counter = 0, sp = 0, csp = 0, nc = 0;
	uint32_t *index = t->index, *low = t->low;
	const uint32_t *off = g->out_off, *adj = g->out_adj;

	if (!roots)
		nroots = g->n;
	/* forget earlier runs on the nodes this run may reach */
	for (uint32_t i = 0; i < nroots; i++) {
		uint32_t r = roots ? roots[i] : i;
		index[r] = UINT32_MAX;
	}
	for (uint32_t i = 0; i < nroots; i++) {
		uint32_t r = roots ? roots[i] : i;
		if (index[r] != UINT32_MAX)
			continue;
		index[r] = low[r] = counter++;
		t->stack[sp++] = r;
		t->onstack[r] = 1;
		t->cs_node[csp] = r;
		t->cs_edge[csp++] = off[r];
		while (csp) {
			uint32_t v = t->cs_node[csp - 1];
			uint32_t e = t->cs_edge[csp - 1];
			if (e < off[v + 1]) {
				t->cs_edge[csp - 1] = e + 1;
				uint32_t w = adj[e];
				if (!allowed(part, part_id, min_node, w))
					continue;
				if (index[w] == UINT32_MAX) {
					index[w] = low[w] = counter++;
					t->stack[sp++] = w;
					t->onstack[w] = 1;
					t->cs_node[csp] = w;
					t->cs_edge[csp++] = off[w];
				} else if (t->onstack[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			csp--;
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = t->stack[--sp];
					t->onstack[w] = 0;
					comp[w] = nc;
				} while (w != v);
				nc++;
			}
			if (csp) {
				uint32_t u = t->cs_node[csp - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	*ncomp = nc;
}

void analyze_condensation_free(struct analyze_condensation *c)
{
	if (!c)
		return;
	free(c->step_of);
	free(c->off);
	free(c->members);
	free(c->topo);
	free(c->knot);
	free(c->succ_off);
	free(c->succ);
	free(c);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/*
 * The condensation's edges, each step's successors ascending and once: one
 * pass over the links in step order (members of a step are mostly one node,
 * so this reads the adjacency nearly in order), appending each new target
 * step; mark[t] == s + 1 when t is already on s's list. A list is sorted
 * where it was not found sorted (short ones by insertion).
 */
static int dag_edges(const struct analyze_graph *g, struct analyze_condensation *c)
{
	uint32_t ns = c->count;
	uint32_t *mark = analyze__zalloc(ns, sizeof *mark);
	c->succ_off = analyze__alloc((size_t)ns + 1, sizeof *c->succ_off);
	c->succ = analyze__alloc(g->m, sizeof *c->succ); /* at most one per link */
	if (!mark || !c->succ_off || !c->succ) {
		free(mark);
		return ANALYZE_ENOMEM;
	}
	uint32_t at = 0;
	c->succ_off[0] = 0;
	for (uint32_t s = 0; s < ns; s++) {
		bool sorted = true;
		for (uint32_t i = c->off[s]; i < c->off[s + 1]; i++) {
			uint32_t v = c->members[i];
			for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
				uint32_t t = c->step_of[g->out_adj[e]];
				if (t == s || mark[t] == s + 1)
					continue;
				mark[t] = s + 1;
				if (at > c->succ_off[s] && c->succ[at - 1] > t)
					sorted = false;
				c->succ[at++] = t;
			}
		}
		uint32_t *l = c->succ + c->succ_off[s], len = at - c->succ_off[s];
		if (!sorted && len > 16) {
			qsort(l, len, sizeof *l, cmp_u32);
		} else if (!sorted) {
			for (uint32_t a = 1; a < len; a++) {
				uint32_t x = l[a], b = a;
				for (; b > 0 && l[b - 1] > x; b--)
					l[b] = l[b - 1];
				l[b] = x;
			}
		}
		c->succ_off[s + 1] = at;
	}
	c->m = at;
	free(mark);
	return 0;
}

int analyze_condense(const struct analyze_graph *g, struct analyze_condensation **out)
{
	struct analyze__tarjan t;
	struct analyze_condensation *c = NULL;
	uint32_t n = g->n, nc = 0;
	uint32_t *comp = NULL, *renum = NULL;
	int rc;

	*out = NULL;
	if ((rc = analyze__tarjan_init(&t, n)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	c = analyze__zalloc(1, sizeof *c);
	comp = analyze__alloc(n, sizeof *comp);
	if (!c || !comp)
		goto done;
	c->step_of = analyze__alloc(n, sizeof *c->step_of);
	c->members = analyze__alloc(n, sizeof *c->members);
	if (!c->step_of || !c->members)
		goto done;
	analyze__tarjan_run(&t, g, NULL, 0, NULL, 0, 0, comp, &nc);
	analyze__tarjan_release(&t);

	renum = analyze__alloc(nc, sizeof *renum);
	c->off = analyze__zalloc((size_t)nc + 1, sizeof *c->off);
	c->topo = analyze__alloc(nc, sizeof *c->topo);
	c->knot = analyze__zalloc(nc, sizeof *c->knot);
	if (!renum || !c->off || !c->topo || !c->knot)
		goto done;
	memset(renum, 0xff, (size_t)nc * sizeof *renum);
	uint32_t next = 0;
	for (uint32_t v = 0; v < n; v++) {
		uint32_t k = comp[v];
		if (renum[k] == UINT32_MAX)
			renum[k] = next++;
		c->step_of[v] = renum[k];
		c->off[renum[k] + 1]++;
	}
	c->count = nc;
	for (uint32_t s = 0; s < nc; s++)
		c->off[s + 1] += c->off[s];
	/* members ascending: place nodes in node order; reuse comp as cursor */
	for (uint32_t s = 0; s < nc; s++)
		comp[s] = c->off[s];
	for (uint32_t v = 0; v < n; v++)
		c->members[comp[c->step_of[v]]++] = v;
	/* Tarjan numbers components in reverse topological order */
	for (uint32_t k = 0; k < nc; k++)
		c->topo[nc - 1 - k] = renum[k];
	for (uint32_t s = 0; s < nc; s++) {
		uint32_t first = c->members[c->off[s]];
		if (c->off[s + 1] - c->off[s] >= 2 || analyze__has_edge(g, first, first)) {
			c->knot[s] = 1;
			c->knots++;
		}
	}
	rc = dag_edges(g, c);
done:
	analyze__tarjan_release(&t);
	free(comp);
	free(renum);
	if (rc < 0)
		analyze_condensation_free(c);
	else
		*out = c;
	return rc;
}

int analyze__condensation_or_own(const struct analyze_graph *g,
				 const struct analyze_condensation **c,
				 struct analyze_condensation **own)
{
	*own = NULL;
	if (*c)
		return 0;
	int rc = analyze_condense(g, own);
	*c = *own;
	return rc;
}
