/*
 * Suggested cuts: a feedback arc set per knot by the Eades-Lin-Smyth
 * heuristic (1993). It orders the knot's issues by repeatedly taking sinks
 * to the right, sources to the left, and otherwise the issue with the
 * largest outdegree - indegree to the left; the links that point
 * leftwards in that order (and self-links) are the cut. Linear time with
 * bucket lists, so a 1M-issue knot is fine. Then, where affordable, every
 * cut link that closes no cycle goes back, so that no link of the cut is
 * superfluous. A suggestion, not a minimum.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

int analyze__cut(const struct analyze_graph *g, struct analyze_knots *k);

/* Work (cut links x knot links) spent on making cuts minimal, per knot and
 * in all; above it a knot keeps the plain Eades-Lin-Smyth cut. */
#define PRUNE_KNOT_BUDGET  20000000ULL
#define PRUNE_TOTAL_BUDGET 200000000ULL

struct prune {
	uint8_t *removed; /* per CSR position: the link is in the cut */
	uint32_t *seen;	  /* DFS stamps */
	uint32_t *stack;
	uint32_t stamp;
};

static uint32_t edge_pos(const struct analyze_graph *g, uint32_t u, uint32_t w)
{
	uint32_t lo = g->out_off[u], hi = g->out_off[u + 1];
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->out_adj[mid] < w)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Is there a path from a to b inside knot kid without the removed links? */
static bool reaches(const struct analyze_graph *g, const uint32_t *ko, uint32_t kid,
		    struct prune *p, uint32_t a, uint32_t b)
{
	if (a == b)
		return true;
	uint32_t stamp = ++p->stamp, sp = 0;
	p->seen[a] = stamp;
	p->stack[sp++] = a;
	while (sp) {
		uint32_t x = p->stack[--sp];
		for (uint32_t e = g->out_off[x]; e < g->out_off[x + 1]; e++) {
			uint32_t y = g->out_adj[e];
			if (p->removed[e] || ko[y] != kid || p->seen[y] == stamp)
				continue;
			if (y == b)
				return true;
			p->seen[y] = stamp;
			p->stack[sp++] = y;
		}
	}
	return false;
}

/*
 * Make the cut of one knot inclusion-minimal: a cut link whose return closes
 * no cycle (no path from its head back to its tail in what is left) goes
 * back. The rest stays acyclic because only such links return, one at a time.
 */
static uint32_t prune_cut(const struct analyze_graph *g, const uint32_t *ko, uint32_t kid,
			  struct analyze_edge *cut, uint32_t ncut, struct prune *p)
{
	for (uint32_t i = 0; i < ncut; i++)
		p->removed[edge_pos(g, cut[i].from, cut[i].to)] = 1;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < ncut; i++) {
		uint32_t x = edge_pos(g, cut[i].from, cut[i].to);
		if (reaches(g, ko, kid, p, cut[i].to, cut[i].from))
			cut[kept++] = cut[i];
		else
			p->removed[x] = 0;
	}
	for (uint32_t i = 0; i < kept; i++)
		p->removed[edge_pos(g, cut[i].from, cut[i].to)] = 0;
	return kept;
}

struct els {
	uint32_t *outd, *ind; /* remaining degrees inside the knot */
	uint32_t *next, *prev;
	uint32_t *bucket_of; /* list the node is in */
	uint32_t *head;	     /* 0 = sinks, 1 = sources, 2 + delta + maxin = others */
	uint32_t nbuckets;
	uint32_t maxin;
	uint8_t *gone;
};

#define NIL UINT32_MAX

static uint32_t bucket_for(const struct els *e, uint32_t v)
{
	if (e->outd[v] == 0)
		return 0;
	if (e->ind[v] == 0)
		return 1;
	return 2 + e->outd[v] + e->maxin - e->ind[v];
}

static void unlink_node(struct els *e, uint32_t v)
{
	uint32_t b = e->bucket_of[v];
	if (e->prev[v] != NIL)
		e->next[e->prev[v]] = e->next[v];
	else
		e->head[b] = e->next[v];
	if (e->next[v] != NIL)
		e->prev[e->next[v]] = e->prev[v];
}

static void link_node(struct els *e, uint32_t v, uint32_t b)
{
	e->bucket_of[v] = b;
	e->prev[v] = NIL;
	e->next[v] = e->head[b];
	if (e->head[b] != NIL)
		e->prev[e->head[b]] = v;
	e->head[b] = v;
}

int analyze__cut(const struct analyze_graph *g, struct analyze_knots *k)
{
	struct els e = {0};
	struct prune pr = {0};
	uint32_t n = g->n;
	uint32_t *pos = NULL;
	const uint32_t *ko = k->knot_of;
	size_t total = k->member_off[k->count];
	size_t ncut = 0, cap = 0;
	int rc = ANALYZE_ENOMEM;

	k->cut_off = analyze__zalloc((size_t)k->count + 1, sizeof *k->cut_off);
	e.outd = analyze__zalloc(n, sizeof *e.outd);
	e.ind = analyze__zalloc(n, sizeof *e.ind);
	e.next = analyze__alloc(n, sizeof *e.next);
	e.prev = analyze__alloc(n, sizeof *e.prev);
	e.bucket_of = analyze__alloc(n, sizeof *e.bucket_of);
	e.gone = analyze__zalloc(n, sizeof *e.gone);
	pos = analyze__alloc(n, sizeof *pos);
	if (!k->cut_off || !e.outd || !e.ind || !e.next || !e.prev || !e.bucket_of || !e.gone ||
	    !pos)
		goto done;

	uint32_t maxout = 0;
	for (size_t i = 0; i < total; i++) {
		uint32_t u = k->members[i];
		for (uint32_t x = g->out_off[u]; x < g->out_off[u + 1]; x++) {
			uint32_t w = g->out_adj[x];
			if (w != u && ko[w] == ko[u]) {
				e.outd[u]++;
				e.ind[w]++;
			}
		}
	}
	for (size_t i = 0; i < total; i++) {
		uint32_t u = k->members[i];
		if (e.outd[u] > maxout)
			maxout = e.outd[u];
		if (e.ind[u] > e.maxin)
			e.maxin = e.ind[u];
	}
	e.nbuckets = 3 + maxout + e.maxin;
	e.head = analyze__alloc(e.nbuckets, sizeof *e.head);
	if (!e.head)
		goto done;
	memset(e.head, 0xff, (size_t)e.nbuckets * sizeof *e.head);
	/* insert in descending order so that each list pops smallest first */
	for (size_t i = total; i-- > 0;) {
		uint32_t u = k->members[i];
		link_node(&e, u, bucket_for(&e, u));
	}

	uint32_t lo = 0, hi = (uint32_t)total, remaining = (uint32_t)total;
	uint32_t top = e.nbuckets - 1; /* highest delta bucket that may be non-empty */
	while (remaining) {
		uint32_t u;
		bool right;
		if (e.head[0] != NIL) {
			u = e.head[0];
			right = true;
		} else if (e.head[1] != NIL) {
			u = e.head[1];
			right = false;
		} else {
			while (top > 2 && e.head[top] == NIL)
				top--;
			u = e.head[top];
			right = false;
		}
		unlink_node(&e, u);
		e.gone[u] = 1;
		remaining--;
		pos[u] = right ? --hi : lo++;
		/* neighbours lose a link; their delta (and so bucket) moves */
		for (uint32_t x = g->out_off[u]; x < g->out_off[u + 1]; x++) {
			uint32_t w = g->out_adj[x];
			if (w == u || ko[w] != ko[u] || e.gone[w])
				continue;
			unlink_node(&e, w);
			e.ind[w]--;
			uint32_t b = bucket_for(&e, w);
			link_node(&e, w, b);
			if (b > top)
				top = b;
		}
		for (uint32_t x = g->in_off[u]; x < g->in_off[u + 1]; x++) {
			uint32_t w = g->in_adj[x];
			if (w == u || ko[w] != ko[u] || e.gone[w])
				continue;
			unlink_node(&e, w);
			e.outd[w]--;
			uint32_t b = bucket_for(&e, w);
			link_node(&e, w, b);
			if (b > top)
				top = b;
		}
	}

	/* the leftward links and self-links, per knot, sorted by (from, to) */
	pr.removed = analyze__zalloc(g->m, sizeof *pr.removed);
	pr.seen = analyze__zalloc(n, sizeof *pr.seen);
	pr.stack = analyze__alloc(n, sizeof *pr.stack);
	if (!pr.removed || !pr.seen || !pr.stack)
		goto done;
	uint64_t budget = PRUNE_TOTAL_BUDGET;
	for (uint32_t kid = 0; kid < k->count; kid++) {
		size_t start = ncut;
		uint64_t links = 0;
		for (uint32_t i = k->member_off[kid]; i < k->member_off[kid + 1]; i++) {
			uint32_t u = k->members[i];
			for (uint32_t x = g->out_off[u]; x < g->out_off[u + 1]; x++) {
				uint32_t w = g->out_adj[x];
				if (ko[w] != kid)
					continue;
				links++;
				if (w != u && pos[w] > pos[u])
					continue;
				if (ncut == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					struct analyze_edge *p = realloc(k->cut, ncap * sizeof *p);
					if (!p) {
						rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
						goto done;
					}
					k->cut = p;
					cap = ncap;
				}
				k->cut[ncut].from = u;
				k->cut[ncut].to = w;
				ncut++;
			}
		}
		uint64_t work = (uint64_t)(ncut - start) * links;
		if (work <= PRUNE_KNOT_BUDGET && work <= budget) {
			budget -= work;
			ncut = start +
			       prune_cut(g, ko, kid, k->cut + start, (uint32_t)(ncut - start), &pr);
		}
		k->cut_off[kid + 1] = (uint32_t)ncut;
	}
	if (!k->cut && !(k->cut = analyze__alloc(1, sizeof *k->cut)))
		goto done;
	rc = 0;
done:
	free(e.outd);
	free(e.ind);
	free(e.next);
	free(e.prev);
	free(e.bucket_of);
	free(e.head);
	free(e.gone);
	free(pos);
	free(pr.removed);
	free(pr.seen);
	free(pr.stack);
	return rc;
}
