/*
 * The critical path (SPEC "critical path") over the condensation.
 *
 * For each step, best[s] is the best path that starts at s and ends at an
 * allowed end: largest cost, then most steps, then the smallest first ref
 * at each following step. It is computed in reverse topological order, so
 * when s is decided every successor is final; choosing among equal
 * successors the one with the smallest first ref (= smallest step number)
 * makes the chain from s the lexicographically smallest of its optimal
 * continuations. The start is then the best step, ties to the smallest.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

void analyze_steps_free(struct analyze_steps *s)
{
	if (!s)
		return;
	free(s->off);
	free(s->nodes);
	free(s->cost);
	free(s->wave);
	free(s);
}

#define NIL UINT32_MAX

int analyze_critical_path(const struct analyze_graph *g, const struct analyze_condensation *c,
			  const struct analyze_path_opts *opts, struct analyze_steps **out)
{
	struct analyze_condensation *own = NULL;
	struct analyze_steps *res = NULL;
	int64_t *scost = NULL, *bcost = NULL;
	uint32_t *blen = NULL, *bnext = NULL;
	uint8_t *end_ok = NULL;
	int rc;

	*out = NULL;
	if (opts->to != ANALYZE_NONE && opts->to >= g->n)
		return analyze__fail(ANALYZE_EINVAL, "the path's end node %u is not in the graph",
				     opts->to);
	if ((rc = analyze__condensation_or_own(g, &c, &own)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	uint32_t ns = c->count;
	scost = analyze__alloc(ns, sizeof *scost);
	bcost = analyze__alloc(ns, sizeof *bcost);
	blen = analyze__alloc(ns, sizeof *blen);
	bnext = analyze__alloc(ns, sizeof *bnext);
	end_ok = analyze__zalloc(ns, sizeof *end_ok);
	res = analyze__zalloc(1, sizeof *res);
	if (!scost || !bcost || !blen || !bnext || !end_ok || !res)
		goto done;

	for (uint32_t s = 0; s < ns; s++) {
		int64_t sum = 0;
		for (uint32_t i = c->off[s]; i < c->off[s + 1]; i++)
			sum = analyze__add_cost(
			    sum, analyze_cost(g, c->members[i], opts->weight, opts->default_cost));
		scost[s] = sum;
	}
	if (opts->to != ANALYZE_NONE) {
		end_ok[c->step_of[opts->to]] = 1;
	} else if (opts->ends) {
		for (uint32_t v = 0; v < g->n; v++)
			if (opts->ends[v])
				end_ok[c->step_of[v]] = 1;
	} else if (opts->milestone != ANALYZE_NONE) {
		for (uint32_t v = 0; v < g->n; v++)
			if (g->milestone[v] == opts->milestone)
				end_ok[c->step_of[v]] = 1;
	} else {
		memset(end_ok, 1, ns);
	}

	for (uint32_t i = ns; i-- > 0;) {
		uint32_t s = c->topo[i];
		uint32_t len = 0, next = NIL;
		int64_t cost = 0;
		bool have = false;
		if (end_ok[s]) {
			have = true;
			cost = scost[s];
			len = 1;
		}
		/* successors ascending: on a full tie the first (smallest) one stays */
		for (uint32_t e = c->succ_off[s]; e < c->succ_off[s + 1]; e++) {
			uint32_t t = c->succ[e];
			if (blen[t] == 0)
				continue;
			int64_t cc = analyze__add_cost(scost[s], bcost[t]);
			uint32_t cl = blen[t] + 1;
			if (!have || cc > cost || (cc == cost && cl > len)) {
				have = true;
				cost = cc;
				len = cl;
				next = t;
			}
		}
		bcost[s] = cost;
		blen[s] = have ? len : 0; /* 0: no allowed end reachable */
		bnext[s] = next;
	}

	uint32_t start = NIL;
	for (uint32_t s = 0; s < ns; s++) {
		if (blen[s] == 0)
			continue;
		if (start == NIL || bcost[s] > bcost[start] ||
		    (bcost[s] == bcost[start] && blen[s] > blen[start]))
			start = s;
	}
	uint32_t nsteps = start == NIL ? 0 : blen[start];
	size_t nnodes = 0;
	for (uint32_t s = start, i = 0; i < nsteps; s = bnext[s], i++)
		nnodes += c->off[s + 1] - c->off[s];
	res->off = analyze__zalloc((size_t)nsteps + 1, sizeof *res->off);
	res->nodes = analyze__alloc(nnodes, sizeof *res->nodes);
	res->cost = analyze__alloc(nsteps, sizeof *res->cost);
	if (!res->off || !res->nodes || !res->cost)
		goto done;
	size_t at = 0;
	for (uint32_t s = start, i = 0; i < nsteps; s = bnext[s], i++) {
		uint32_t sz = c->off[s + 1] - c->off[s];
		memcpy(res->nodes + at, c->members + c->off[s], sz * sizeof *res->nodes);
		at += sz;
		res->off[i + 1] = (uint32_t)at;
		res->cost[i] = scost[s];
	}
	res->count = nsteps;
	res->total = start == NIL ? 0 : bcost[start];
	rc = 0;
done:
	analyze_condensation_free(own);
	free(scost);
	free(bcost);
	free(blen);
	free(bnext);
	free(end_ok);
	if (rc < 0)
		analyze_steps_free(res);
	else
		*out = res;
	return rc;
}
