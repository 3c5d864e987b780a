/*
 * Reachability: transitive blockers (or dependents) by BFS, and the
 * milestone closure that check and report --milestone use.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"

void analyze_reach_free(struct analyze_reach *r)
{
	if (!r)
		return;
	free(r->node);
	free(r->dist);
	free(r);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int analyze_blockers(const struct analyze_graph *g, uint32_t v, bool reverse,
		     struct analyze_reach **out)
{
	struct analyze_reach *r = NULL;
	uint32_t *dist = NULL, *queue = NULL;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	if (v >= g->n)
		return analyze__fail(ANALYZE_EINVAL, "no such node");
	/* blockers walk the links backwards, dependents forwards */
	const uint32_t *off = reverse ? g->out_off : g->in_off;
	const uint32_t *adj = reverse ? g->out_adj : g->in_adj;
	dist = analyze__alloc(g->n, sizeof *dist);
	queue = analyze__alloc(g->n, sizeof *queue);
	r = analyze__zalloc(1, sizeof *r);
	if (!dist || !queue || !r)
		goto done;
	memset(dist, 0xff, (size_t)g->n * sizeof *dist);
	uint32_t head = 0, tail = 0;
	dist[v] = 0;
	queue[tail++] = v;
	while (head < tail) {
		uint32_t x = queue[head++];
		for (uint32_t e = off[x]; e < off[x + 1]; e++) {
			uint32_t w = adj[e];
			if (dist[w] != UINT32_MAX)
				continue;
			dist[w] = dist[x] + 1;
			queue[tail++] = w;
		}
	}
	/* queue[1..tail) is grouped by distance; sort each level by ref */
	uint32_t cnt = tail - 1;
	r->node = analyze__alloc(cnt, sizeof *r->node);
	r->dist = analyze__alloc(cnt, sizeof *r->dist);
	if (!r->node || !r->dist)
		goto done;
	memcpy(r->node, queue + 1, (size_t)cnt * sizeof *r->node);
	for (uint32_t i = 0; i < cnt;) {
		uint32_t j = i;
		while (j < cnt && dist[r->node[j]] == dist[r->node[i]])
			j++;
		qsort(r->node + i, j - i, sizeof *r->node, cmp_u32);
		for (uint32_t x = i; x < j; x++)
			r->dist[x] = dist[r->node[i]];
		i = j;
	}
	r->count = cnt;
	rc = 0;
done:
	free(dist);
	free(queue);
	if (rc < 0)
		analyze_reach_free(r);
	else
		*out = r;
	return rc;
}

/* Mark every transitive blocker of the nodes queue[0..tail) (already
 * marked in keep); breadth-first, no recursion. */
static void close_under_blockers(const struct analyze_graph *g, uint8_t *keep, uint32_t *queue,
				 uint32_t tail)
{
	uint32_t head = 0;
	while (head < tail) {
		uint32_t x = queue[head++];
		for (uint32_t e = g->in_off[x]; e < g->in_off[x + 1]; e++) {
			uint32_t w = g->in_adj[e];
			if (!keep[w]) {
				keep[w] = 1;
				queue[tail++] = w;
			}
		}
	}
}

int analyze_milestone_closure(const struct analyze_graph *g, uint32_t m, uint8_t *keep)
{
	uint32_t *queue = analyze__alloc(g->n, sizeof *queue);
	uint32_t tail = 0;
	if (!queue)
		return ANALYZE_ENOMEM;
	for (uint32_t v = 0; v < g->n; v++) {
		if (g->milestone[v] == m && !keep[v]) {
			keep[v] = 1;
			queue[tail++] = v;
		}
	}
	/* nodes the caller pre-marked are not expanded: the caller zeroes keep */
	close_under_blockers(g, keep, queue, tail);
	free(queue);
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int analyze_scope(const struct analyze_graph *g, const int64_t *ids, size_t n_ids,
		  uint8_t *selected, uint8_t *keep, uint32_t *n_selected)
{
	uint32_t *queue = analyze__alloc(g->n, sizeof *queue);
	uint32_t tail = 0;
	if (!queue)
		return analyze__fail(ANALYZE_ENOMEM, "out of memory");
	for (size_t i = 1; i < n_ids; i++)
		if (ids[i - 1] >= ids[i]) {
			free(queue);
			return analyze__fail(ANALYZE_EINVAL, "scope ids are not ascending");
		}
	memset(keep, 0, g->n);
	if (selected)
		memset(selected, 0, g->n);
	for (uint32_t v = 0; v < g->n && n_ids; v++) {
		if (!bsearch(&g->issue_id[v], ids, n_ids, sizeof *ids, cmp_id))
			continue;
		keep[v] = 1;
		if (selected)
			selected[v] = 1;
		queue[tail++] = v;
	}
	if (n_selected)
		*n_selected = tail;
	close_under_blockers(g, keep, queue, tail);
	free(queue);
	return 0;
}
