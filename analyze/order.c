/*
 * The work order in waves: a step's wave is 1 + the largest wave of the
 * steps that block it. Kahn's algorithm over the condensation with a plain
 * queue gives each step its wave once all its blockers have theirs (linear
 * in steps + edges); a counting sort by wave, taking steps in ascending
 * number, then sorts by wave and first ref (steps are numbered by their
 * smallest ref).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

int analyze_order(const struct analyze_graph *g, const struct analyze_condensation *c,
		  struct analyze_steps **out)
{
	struct analyze_condensation *own = NULL;
	struct analyze_steps *res = NULL;
	uint32_t *indeg = NULL, *queue = NULL, *wave = NULL, *first = NULL;
	int rc;

	*out = NULL;
	if ((rc = analyze__condensation_or_own(g, &c, &own)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	uint32_t ns = c->count;
	indeg = analyze__zalloc(ns, sizeof *indeg);
	queue = analyze__alloc(ns, sizeof *queue);
	wave = analyze__zalloc(ns, sizeof *wave);
	res = analyze__zalloc(1, sizeof *res);
	if (!indeg || !queue || !wave || !res)
		goto done;
	res->off = analyze__zalloc((size_t)ns + 1, sizeof *res->off);
	res->nodes = analyze__alloc(g->n, sizeof *res->nodes);
	res->wave = analyze__alloc(ns, sizeof *res->wave);
	if (!res->off || !res->nodes || !res->wave)
		goto done;
	for (uint32_t e = 0; e < c->m; e++)
		indeg[c->succ[e]]++;
	uint32_t head = 0, tail = 0, waves = 0;
	for (uint32_t s = 0; s < ns; s++)
		if (indeg[s] == 0) {
			wave[s] = 1;
			queue[tail++] = s;
		}
	while (head < tail) {
		uint32_t s = queue[head++];
		if (wave[s] > waves)
			waves = wave[s];
		for (uint32_t e = c->succ_off[s]; e < c->succ_off[s + 1]; e++) {
			uint32_t t = c->succ[e];
			if (wave[s] + 1 > wave[t])
				wave[t] = wave[s] + 1;
			if (--indeg[t] == 0)
				queue[tail++] = t;
		}
	}
	if (tail != ns) {
		rc = analyze__fail(ANALYZE_ERR, "internal: condensation is not acyclic");
		goto done;
	}
	/* counting sort by wave; within a wave, steps in ascending number */
	if (!(first = analyze__zalloc((size_t)waves + 2, sizeof *first)))
		goto done;
	for (uint32_t s = 0; s < ns; s++)
		first[wave[s] + 1]++;
	for (uint32_t w = 1; w <= waves; w++)
		first[w + 1] += first[w];
	for (uint32_t s = 0; s < ns; s++)
		queue[first[wave[s]]++] = s;
	size_t at = 0;
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t s = queue[i];
		uint32_t sz = c->off[s + 1] - c->off[s];
		memcpy(res->nodes + at, c->members + c->off[s], (size_t)sz * sizeof *res->nodes);
		at += sz;
		res->off[i + 1] = (uint32_t)at;
		res->wave[i] = wave[s];
	}
	res->count = ns;
	res->waves = waves;
	rc = 0;
done:
	analyze_condensation_free(own);
	free(indeg);
	free(queue);
	free(wave);
	free(first);
	if (rc < 0)
		analyze_steps_free(res);
	else
		*out = res;
	return rc;
}
