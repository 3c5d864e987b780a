/*
 * Knots (SPEC "knot"): the strongly connected components with two or more
 * issues or a self-link, each with its witness cycle and a suggested cut.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

/* Knots up to this size get the exact witness (one BFS per member). */
#define WITNESS_EXACT_MAX 10000

int analyze__cut(const struct analyze_graph *g, struct analyze_knots *k);

void analyze_knots_free(struct analyze_knots *k)
{
	if (!k)
		return;
	free(k->knot_of);
	free(k->member_off);
	free(k->members);
	free(k->witness_off);
	free(k->witness);
	free(k->witness_shortest);
	free(k->cut_off);
	free(k->cut);
	free(k);
}

/* BFS scratch shared by every knot's witness search. */
struct bfs {
	uint32_t *seen;	  /* stamp of the BFS that reached the node */
	uint32_t *closes; /* stamp: the node has an edge back to the start */
	uint32_t *dist;
	uint32_t *parent;
	uint32_t *queue;
	uint32_t stamp;
};

/*
 * The shortest cycle whose smallest node is u (all other nodes > u and in
 * knot kid), only if shorter than limit. BFS with ascending adjacency visits
 * each level in lexicographic order of its (lexicographically smallest)
 * shortest paths, so the first node found that closes the cycle gives the
 * lexicographically smallest shortest cycle. Writes it to cyc and returns
 * its length, or 0 when there is none shorter than limit.
 */
static uint32_t shortest_cycle_from(const struct analyze_graph *g, const uint32_t *knot_of,
				    uint32_t kid, uint32_t u, uint32_t limit, struct bfs *b,
				    uint32_t *cyc)
{
	uint32_t stamp = ++b->stamp;
	uint32_t head = 0, tail = 0;

	for (uint32_t e = g->in_off[u]; e < g->in_off[u + 1]; e++)
		b->closes[g->in_adj[e]] = stamp;
	b->seen[u] = stamp;
	b->dist[u] = 0;
	b->parent[u] = UINT32_MAX;
	b->queue[tail++] = u;
	while (head < tail) {
		uint32_t x = b->queue[head++];
		uint32_t d = b->dist[x];
		if ((uint64_t)d + 1 >= limit)
			break;
		if (x != u && b->closes[x] == stamp) {
			uint32_t len = d + 1;
			for (uint32_t y = x, i = len; i > 0; y = b->parent[y])
				cyc[--i] = y;
			return len;
		}
		for (uint32_t e = g->out_off[x]; e < g->out_off[x + 1]; e++) {
			uint32_t w = g->out_adj[e];
			if (w <= u || knot_of[w] != kid || b->seen[w] == stamp)
				continue;
			b->seen[w] = stamp;
			b->dist[w] = d + 1;
			b->parent[w] = x;
			b->queue[tail++] = w;
		}
	}
	return 0;
}

static int witnesses(const struct analyze_graph *g, struct analyze_knots *k)
{
	struct bfs b = {0};
	uint32_t n = g->n;
	uint32_t *best = NULL, *cyc = NULL;
	size_t wlen = 0, wcap = 0;
	int rc = ANALYZE_ENOMEM;

	k->witness_off = analyze__zalloc((size_t)k->count + 1, sizeof *k->witness_off);
	k->witness_shortest = analyze__zalloc(k->count, sizeof *k->witness_shortest);
	b.seen = analyze__zalloc(n, sizeof *b.seen);
	b.closes = analyze__zalloc(n, sizeof *b.closes);
	b.dist = analyze__alloc(n, sizeof *b.dist);
	b.parent = analyze__alloc(n, sizeof *b.parent);
	b.queue = analyze__alloc(n, sizeof *b.queue);
	best = analyze__alloc(n, sizeof *best);
	cyc = analyze__alloc(n, sizeof *cyc);
	if (!k->witness_off || !k->witness_shortest || !b.seen || !b.closes || !b.dist ||
	    !b.parent || !b.queue || !best || !cyc)
		goto done;

	for (uint32_t kid = 0; kid < k->count; kid++) {
		const uint32_t *mem = k->members + k->member_off[kid];
		uint32_t size = k->member_off[kid + 1] - k->member_off[kid];
		uint32_t best_len = 0;
		bool exact = size <= WITNESS_EXACT_MAX;

		/* a self-link is the shortest cycle there is */
		for (uint32_t i = 0; i < size && (exact || i == 0); i++) {
			if (analyze__has_edge(g, mem[i], mem[i])) {
				best[0] = mem[i];
				best_len = 1;
				break;
			}
		}
		for (uint32_t i = 0; best_len != 1 && best_len != 2 && i < size; i++) {
			uint32_t limit = best_len ? best_len : UINT32_MAX;
			uint32_t len =
			    shortest_cycle_from(g, k->knot_of, kid, mem[i], limit, &b, cyc);
			if (len) {
				memcpy(best, cyc, len * sizeof *best);
				best_len = len;
			}
			if (!exact)
				break;
		}
		if (best_len == 0) {
			rc = analyze__fail(ANALYZE_ERR, "internal: knot %u has no cycle", kid);
			goto done;
		}
		if (wlen + best_len > wcap) {
			size_t ncap = wcap ? wcap : 64;
			while (ncap < wlen + best_len)
				ncap *= 2;
			uint32_t *p = realloc(k->witness, ncap * sizeof *p);
			if (!p) {
				rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
				goto done;
			}
			k->witness = p;
			wcap = ncap;
		}
		memcpy(k->witness + wlen, best, best_len * sizeof *best);
		wlen += best_len;
		k->witness_off[kid + 1] = (uint32_t)wlen;
		k->witness_shortest[kid] = exact;
	}
	if (!k->witness && !(k->witness = analyze__alloc(1, sizeof *k->witness)))
		goto done;
	rc = 0;
done:
	free(b.seen);
	free(b.closes);
	free(b.dist);
	free(b.parent);
	free(b.queue);
	free(best);
	free(cyc);
	return rc;
}

/* The knots; with_paths: also their witnesses and cuts. */
static int knots_build(const struct analyze_graph *g, const struct analyze_condensation *c,
		       struct analyze_knots **out, bool with_paths)
{
	struct analyze_condensation *own = NULL;
	struct analyze_knots *k = NULL;
	uint32_t n = g->n;
	int rc;

	*out = NULL;
	if ((rc = analyze__condensation_or_own(g, &c, &own)) < 0)
		return rc;
	rc = ANALYZE_ENOMEM;
	k = analyze__zalloc(1, sizeof *k);
	if (k)
		k->knot_of = analyze__alloc(n, sizeof *k->knot_of);
	if (!k || !k->knot_of)
		goto done;
	/* Steps are numbered by their smallest member, so taking the knot steps
	 * in step order numbers the knots by their smallest member. */
	k->count = c->knots;
	k->member_off = analyze__zalloc((size_t)k->count + 1, sizeof *k->member_off);
	if (!k->member_off)
		goto done;
	uint32_t kid = 0;
	for (uint32_t s = 0; s < c->count; s++) {
		if (!c->knot[s])
			continue;
		k->member_off[kid + 1] = k->member_off[kid] + (c->off[s + 1] - c->off[s]);
		kid++;
	}
	k->members = analyze__alloc(k->member_off[k->count], sizeof *k->members);
	if (!k->members)
		goto done;
	kid = 0;
	for (uint32_t s = 0; s < c->count; s++) {
		uint32_t id = c->knot[s] ? kid++ : ANALYZE_NONE;
		for (uint32_t i = c->off[s]; i < c->off[s + 1]; i++)
			k->knot_of[c->members[i]] = id;
	}
	kid = 0;
	for (uint32_t s = 0; s < c->count; s++) {
		if (!c->knot[s])
			continue;
		memcpy(k->members + k->member_off[kid], c->members + c->off[s],
		       (size_t)(c->off[s + 1] - c->off[s]) * sizeof *k->members);
		kid++;
	}

	rc = 0;
	if (with_paths && (rc = witnesses(g, k)) == 0)
		rc = analyze__cut(g, k);
done:
	analyze_condensation_free(own);
	if (rc < 0)
		analyze_knots_free(k);
	else
		*out = k;
	return rc;
}

int analyze_knots(const struct analyze_graph *g, const struct analyze_condensation *c,
		  struct analyze_knots **out)
{
	return knots_build(g, c, out, true);
}

int analyze_knot_sets(const struct analyze_graph *g, const struct analyze_condensation *c,
		      struct analyze_knots **out)
{
	return knots_build(g, c, out, false);
}

int analyze_in_knot(const struct analyze_graph *g, const struct analyze_condensation *c,
		    uint8_t *in_knot)
{
	struct analyze_condensation *own = NULL;
	int rc = analyze__condensation_or_own(g, &c, &own);
	if (rc < 0)
		return rc;
	for (uint32_t v = 0; v < g->n; v++)
		in_knot[v] = c->knot[c->step_of[v]];
	analyze_condensation_free(own);
	return 0;
}
