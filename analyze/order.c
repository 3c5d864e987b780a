/*
 * The work order: Kahn's algorithm on the condensation with a min-heap of
 * ready steps. Steps are numbered by their smallest ref, so the heap's
 * minimum is the ready step with the smallest ref.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

static void heap_push(uint32_t *h, uint32_t *len, uint32_t x)
{
	uint32_t i = (*len)++;
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (h[p] <= x)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = x;
}

static uint32_t heap_pop(uint32_t *h, uint32_t *len)
{
	uint32_t top = h[0], x = h[--*len], n = *len, i = 0;
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		uint32_t mv = x;
		if (l < n && h[l] < mv) {
			m = l;
			mv = h[l];
		}
		if (r < n && h[r] < mv)
			m = r;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	if (n)
		h[i] = x;
	return top;
}

int analyze_order(const struct analyze_graph *g, const struct analyze_condensation *c,
		  struct analyze_steps **out)
{
	struct analyze_condensation *own = NULL;
	struct analyze_steps *res = NULL;
	uint32_t *indeg = NULL, *heap = NULL;
	int rc;

	*out = NULL;
	if ((rc = analyze__condensation_or_own(g, &c, &own)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	uint32_t ns = c->count;
	indeg = analyze__zalloc(ns, sizeof *indeg);
	heap = analyze__alloc(ns, sizeof *heap);
	res = analyze__zalloc(1, sizeof *res);
	if (!indeg || !heap || !res)
		goto done;
	res->off = analyze__zalloc((size_t)ns + 1, sizeof *res->off);
	res->nodes = analyze__alloc(g->n, sizeof *res->nodes);
	if (!res->off || !res->nodes)
		goto done;
	for (uint32_t e = 0; e < c->m; e++)
		indeg[c->succ[e]]++;
	uint32_t hlen = 0;
	for (uint32_t s = 0; s < ns; s++)
		if (indeg[s] == 0)
			heap_push(heap, &hlen, s);
	uint32_t count = 0;
	size_t at = 0;
	while (hlen) {
		uint32_t s = heap_pop(heap, &hlen);
		uint32_t sz = c->off[s + 1] - c->off[s];
		memcpy(res->nodes + at, c->members + c->off[s], (size_t)sz * sizeof *res->nodes);
		at += sz;
		for (uint32_t e = c->succ_off[s]; e < c->succ_off[s + 1]; e++)
			if (--indeg[c->succ[e]] == 0)
				heap_push(heap, &hlen, c->succ[e]);
		res->off[++count] = (uint32_t)at;
	}
	if (count != ns) {
		rc = analyze__fail(ANALYZE_ERR, "internal: condensation is not acyclic");
		goto done;
	}
	res->count = count;
	rc = 0;
done:
	analyze_condensation_free(own);
	free(indeg);
	free(heap);
	if (rc < 0)
		analyze_steps_free(res);
	else
		*out = res;
	return rc;
}
