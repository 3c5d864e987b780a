/*
 * Elementary cycles by Johnson's algorithm (1975), iterative: issues taken
 * in ref order as start s; from each s, the circuit search runs inside the
 * strongly connected component of s in the subgraph of nodes >= s. Every
 * cycle lies inside one knot, so each SCC computation is restricted to the
 * knot of s, and a knot is skipped up to its next start that can close a
 * cycle; a 1M-issue graph with small knots costs what the knots cost.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

#define NIL UINT32_MAX

void analyze_cycles_free(struct analyze_cycles *c)
{
	if (!c)
		return;
	free(c->off);
	free(c->nodes);
	free(c);
}

struct bentry {
	uint32_t node, next;
};

struct johnson {
	const struct analyze_graph *g;
	const uint32_t *comp; /* original SCC of each node */
	uint32_t *sub;	      /* SCC within (knot, >= s) */
	uint32_t c, subc, s;  /* current knot, sub-component, start */
	uint8_t *blocked;
	uint32_t *bhead;
	struct bentry *pool;
	uint32_t pool_len, pool_cap, pool_free;
	uint32_t *stk_v, *stk_e, *ustack;
	uint8_t *found;
	/* results */
	uint32_t max_cycles, count;
	bool truncated;
	uint32_t *nodes;
	size_t nodes_len, nodes_cap;
	uint32_t *lens;
	size_t lens_cap;
};

static inline bool in_sub(const struct johnson *j, uint32_t w)
{
	return w >= j->s && j->comp[w] == j->c && j->sub[w] == j->subc;
}

static int b_add(struct johnson *j, uint32_t w, uint32_t v)
{
	for (uint32_t x = j->bhead[w]; x != NIL; x = j->pool[x].next)
		if (j->pool[x].node == v)
			return 0;
	uint32_t x;
	if (j->pool_free != NIL) {
		x = j->pool_free;
		j->pool_free = j->pool[x].next;
	} else {
		if (j->pool_len == j->pool_cap) {
			if (j->pool_cap > UINT32_MAX / 4)
				return analyze__fail(ANALYZE_ENOMEM, "out of memory");
			uint32_t ncap = j->pool_cap ? j->pool_cap * 2 : 256;
			struct bentry *p = realloc(j->pool, (size_t)ncap * sizeof *p);
			if (!p)
				return analyze__fail(ANALYZE_ENOMEM, "out of memory");
			j->pool = p;
			j->pool_cap = ncap;
		}
		x = j->pool_len++;
	}
	j->pool[x].node = v;
	j->pool[x].next = j->bhead[w];
	j->bhead[w] = x;
	return 0;
}

static void unblock(struct johnson *j, uint32_t u)
{
	uint32_t sp = 0;
	j->blocked[u] = 0;
	j->ustack[sp++] = u;
	while (sp) {
		uint32_t x = j->ustack[--sp];
		uint32_t e = j->bhead[x];
		while (e != NIL) {
			uint32_t w = j->pool[e].node, nx = j->pool[e].next;
			j->pool[e].next = j->pool_free;
			j->pool_free = e;
			if (j->blocked[w]) {
				j->blocked[w] = 0;
				j->ustack[sp++] = w;
			}
			e = nx;
		}
		j->bhead[x] = NIL;
	}
}

/* Record the cycle on the stack; returns 1 when the search should stop. */
static int emit(struct johnson *j, uint32_t len)
{
	if (j->count == j->max_cycles) {
		j->truncated = true;
		return 1;
	}
	if (j->nodes_len + len > j->nodes_cap) {
		size_t ncap = j->nodes_cap ? j->nodes_cap : 256;
		while (ncap < j->nodes_len + len)
			ncap *= 2;
		uint32_t *p = realloc(j->nodes, ncap * sizeof *p);
		if (!p)
			return analyze__fail(ANALYZE_ENOMEM, "out of memory");
		j->nodes = p;
		j->nodes_cap = ncap;
	}
	if (j->count == j->lens_cap) {
		size_t ncap = j->lens_cap ? j->lens_cap * 2 : 64;
		uint32_t *p = realloc(j->lens, ncap * sizeof *p);
		if (!p)
			return analyze__fail(ANALYZE_ENOMEM, "out of memory");
		j->lens = p;
		j->lens_cap = ncap;
	}
	memcpy(j->nodes + j->nodes_len, j->stk_v, len * sizeof *j->stk_v);
	j->nodes_len += len;
	j->lens[j->count++] = len;
	return 0;
}

/* Johnson's CIRCUIT(s) with explicit stacks. Returns 1 to stop, <0 on error. */
static int circuit(struct johnson *j)
{
	const struct analyze_graph *g = j->g;
	uint32_t sp = 0;
	int rc;

	j->stk_v[sp] = j->s;
	j->stk_e[sp] = g->out_off[j->s];
	j->found[sp++] = 0;
	j->blocked[j->s] = 1;
	while (sp) {
		uint32_t v = j->stk_v[sp - 1], e = j->stk_e[sp - 1];
		if (e < g->out_off[v + 1]) {
			j->stk_e[sp - 1] = e + 1;
			uint32_t w = g->out_adj[e];
			if (!in_sub(j, w))
				continue;
			if (w == j->s) {
				if ((rc = emit(j, sp)) != 0)
					return rc;
				j->found[sp - 1] = 1;
			} else if (!j->blocked[w]) {
				j->stk_v[sp] = w;
				j->stk_e[sp] = g->out_off[w];
				j->found[sp++] = 0;
				j->blocked[w] = 1;
			}
			continue;
		}
		uint8_t f = j->found[--sp];
		if (f) {
			unblock(j, v);
		} else {
			for (uint32_t x = g->out_off[v]; x < g->out_off[v + 1]; x++) {
				uint32_t w = g->out_adj[x];
				if (in_sub(j, w) && (rc = b_add(j, w, v)) < 0)
					return rc;
			}
		}
		if (sp && f)
			j->found[sp - 1] = 1;
	}
	return 0;
}

struct cyc_ref {
	const uint32_t *p;
	uint32_t len;
};

static int cmp_cycle(const void *a, const void *b)
{
	const struct cyc_ref *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	for (uint32_t i = 0; i < n; i++)
		if (x->p[i] != y->p[i])
			return x->p[i] < y->p[i] ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

int analyze_cycles_all(const struct analyze_graph *g, uint32_t max_cycles,
		       struct analyze_cycles **out)
{
	struct analyze__tarjan t;
	struct johnson j = {.g = g, .max_cycles = max_cycles, .pool_free = NIL};
	struct analyze_cycles *res = NULL;
	struct cyc_ref *refs = NULL;
	uint32_t n = g->n, nc = 0, nsub = 0;
	uint32_t *comp = NULL, *csize = NULL, *off = NULL, *mem = NULL, *next_start = NULL;
	uint32_t *subsize = NULL;
	int rc;

	*out = NULL;
	if ((rc = analyze__tarjan_init(&t, n)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	comp = analyze__alloc(n, sizeof *comp);
	j.sub = analyze__alloc(n, sizeof *j.sub);
	j.blocked = analyze__zalloc(n, sizeof *j.blocked);
	j.bhead = analyze__alloc(n, sizeof *j.bhead);
	j.stk_v = analyze__alloc(n, sizeof *j.stk_v);
	j.stk_e = analyze__alloc(n, sizeof *j.stk_e);
	j.ustack = analyze__alloc(n, sizeof *j.ustack);
	j.found = analyze__alloc(n, sizeof *j.found);
	subsize = analyze__zalloc(n, sizeof *subsize);
	mem = analyze__alloc(n, sizeof *mem);
	if (!comp || !j.sub || !j.blocked || !j.bhead || !j.stk_v || !j.stk_e || !j.ustack ||
	    !j.found || !subsize || !mem)
		goto done;
	j.comp = comp;
	analyze__tarjan_run(&t, g, NULL, 0, NULL, 0, 0, comp, &nc);

	/* members of each component, ascending */
	csize = analyze__zalloc(nc, sizeof *csize);
	off = analyze__zalloc((size_t)nc + 1, sizeof *off);
	next_start = analyze__zalloc(nc, sizeof *next_start);
	if (!csize || !off || !next_start)
		goto done;
	for (uint32_t v = 0; v < n; v++)
		off[comp[v] + 1]++;
	for (uint32_t c = 0; c < nc; c++)
		off[c + 1] += off[c];
	for (uint32_t c = 0; c < nc; c++)
		csize[c] = off[c];
	for (uint32_t v = 0; v < n; v++)
		mem[csize[comp[v]]++] = v;
	for (uint32_t c = 0; c < nc; c++)
		csize[c] = off[c + 1] - off[c];

	bool stop = false;
	for (uint32_t s = 0; s < n && !stop; s++) {
		uint32_t c = comp[s];
		if (csize[c] == 1 && !analyze__has_edge(g, s, s))
			continue;
		if (s < next_start[c])
			continue;
		/* the members of c that are >= s: a suffix of the member list */
		uint32_t lo = off[c], hi = off[c + 1];
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (mem[mid] < s)
				lo = mid + 1;
			else
				hi = mid;
		}
		const uint32_t *suffix = mem + lo;
		uint32_t nsuffix = off[c + 1] - lo;
		analyze__tarjan_run(&t, g, suffix, nsuffix, comp, c, s, j.sub, &nsub);
		for (uint32_t i = 0; i < nsub; i++)
			subsize[i] = 0;
		for (uint32_t i = 0; i < nsuffix; i++)
			subsize[j.sub[suffix[i]]]++;
		uint32_t first = NIL;
		for (uint32_t i = 0; i < nsuffix; i++) {
			uint32_t v = suffix[i];
			if (subsize[j.sub[v]] > 1 || analyze__has_edge(g, v, v)) {
				first = v;
				break;
			}
		}
		if (first == NIL) {
			next_start[c] = UINT32_MAX;
			continue;
		}
		if (first != s) {
			next_start[c] = first; /* recomputed when s reaches it */
			continue;
		}
		j.c = c;
		j.s = s;
		j.subc = j.sub[s];
		for (uint32_t i = 0; i < nsuffix; i++) {
			j.blocked[suffix[i]] = 0;
			j.bhead[suffix[i]] = NIL;
		}
		j.pool_len = 0;
		j.pool_free = NIL;
		rc = circuit(&j);
		if (rc < 0)
			goto done;
		stop = rc == 1;
		next_start[c] = s + 1;
	}

	/* sort the kept cycles */
	rc = ANALYZE_ENOMEM;
	res = analyze__zalloc(1, sizeof *res);
	refs = analyze__alloc(j.count, sizeof *refs);
	if (!res || !refs)
		goto done;
	res->off = analyze__zalloc((size_t)j.count + 1, sizeof *res->off);
	res->nodes = analyze__alloc(j.nodes_len, sizeof *res->nodes);
	if (!res->off || !res->nodes)
		goto done;
	size_t at = 0;
	for (uint32_t i = 0; i < j.count; i++) {
		refs[i].p = j.nodes + at;
		refs[i].len = j.lens[i];
		at += j.lens[i];
	}
	qsort(refs, j.count, sizeof *refs, cmp_cycle);
	at = 0;
	for (uint32_t i = 0; i < j.count; i++) {
		memcpy(res->nodes + at, refs[i].p, refs[i].len * sizeof *res->nodes);
		at += refs[i].len;
		res->off[i + 1] = (uint32_t)at;
	}
	res->count = j.count;
	res->truncated = j.truncated;
	rc = 0;
done:
	analyze__tarjan_release(&t);
	free(comp);
	free(csize);
	free(off);
	free(mem);
	free(next_start);
	free(subsize);
	free(refs);
	free(j.sub);
	free(j.blocked);
	free(j.bhead);
	free(j.pool);
	free(j.stk_v);
	free(j.stk_e);
	free(j.ustack);
	free(j.found);
	free(j.nodes);
	free(j.lens);
	if (rc < 0)
		analyze_cycles_free(res);
	else
		*out = res;
	return rc;
}
