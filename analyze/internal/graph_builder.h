/*
 * analyze: the one way an analysed graph is put together (the loader, the
 * graph from plain edges, the open part of a full graph): nodes set one by
 * one, edges added with their origin, then both CSR directions built at
 * once. And the issue id -> node table those share.
 */
#ifndef ISSUEGRAPH_ANALYZE_GRAPH_BUILDER_H
#define ISSUEGRAPH_ANALYZE_GRAPH_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

/* One node's fields, as struct analyze_graph holds them per node. */
struct analyze__node {
	int64_t issue_id, iid;
	uint32_t project;   /* index into project_path */
	uint8_t flags;	    /* ANALYZE_NODE_* */
	int64_t weight;	    /* or ANALYZE_NO_VALUE */
	int64_t remaining;  /* or ANALYZE_NO_VALUE */
	uint32_t milestone; /* index into milestone_title, or ANALYZE_NONE */
	int32_t due;	    /* or ANALYZE_NO_DATE */
};

struct analyze__builder {
	/* The graph being built: every per-node array has room for n nodes,
	 * project_path/project_id for n_projects and milestone_title for
	 * n_milestones (zeroed; the caller fills them, the strings then
	 * belong to the graph). No CSR until analyze__builder_finish(). */
	struct analyze_graph *g;
	/* edges as added */
	uint32_t *from, *to;
	uint8_t *org;
	size_t m, cap;
};

/* A builder of a graph with n nodes: 0, or ANALYZE_EINVAL (n too large) or
 * ANALYZE_ENOMEM, b released. */
/* g's per-node arrays for n nodes (g->n = n; contents undefined): the one
 * list of them, for the builder and the image's view. false when one could
 * not be allocated (the others stay set, for analyze_graph_free). */
bool analyze__graph_alloc_nodes(struct analyze_graph *g, uint32_t n);
int analyze__builder_init(struct analyze__builder *b, uint32_t n, uint32_t n_projects,
			  uint32_t n_milestones, bool all_states);

/* Set node v (< n) of the graph. */
static inline void analyze__builder_set_node(struct analyze__builder *b, uint32_t v,
					     const struct analyze__node *nd)
{
	struct analyze_graph *g = b->g;
	g->issue_id[v] = nd->issue_id;
	g->iid[v] = nd->iid;
	g->project[v] = nd->project;
	g->flags[v] = nd->flags;
	g->weight[v] = nd->weight;
	g->remaining[v] = nd->remaining;
	g->milestone[v] = nd->milestone;
	g->due[v] = nd->due;
}

/* Room for m edges in all (adding then never allocates). */
int analyze__builder_reserve(struct analyze__builder *b, size_t m);

/* Add the edge u -> v (both < n) with origin bits (ANALYZE_ORIGIN_*);
 * parallel edges become one whose origins are or-ed. 0 or ANALYZE_ENOMEM. */
static inline int analyze__builder_add_edge(struct analyze__builder *b, uint32_t u, uint32_t v,
					    uint8_t origin)
{
	if (b->m == b->cap) {
		int rc = analyze__builder_reserve(b, b->cap ? b->cap * 2 : 1024);
		if (rc < 0)
			return rc;
	}
	b->from[b->m] = u;
	b->to[b->m] = v;
	b->org[b->m] = origin;
	b->m++;
	return 0;
}

/* Build both CSR directions (lists ascending, parallel edges merged) and
 * hand over the graph (caller frees with analyze_graph_free()). The builder
 * is released either way. */
int analyze__builder_finish(struct analyze__builder *b, struct analyze_graph **out);

/* Free what the builder holds, the unfinished graph too. */
void analyze__builder_release(struct analyze__builder *b);

/*
 * An issue id -> node (or any uint32_t) table: open addressing, sized for
 * a count given up front (at most half full), ids distinct.
 */
struct analyze__id_slot {
	int64_t key;
	uint32_t val; /* ANALYZE_NONE: empty */
};
struct analyze__id_table {
	struct analyze__id_slot *slots;
	size_t mask;
};

int analyze__id_table_init(struct analyze__id_table *t, size_t count);
void analyze__id_table_release(struct analyze__id_table *t);

static inline uint64_t analyze__mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The slot where the search for id starts (for prefetching). */
static inline const struct analyze__id_slot *
analyze__id_table_slot(const struct analyze__id_table *t, int64_t id)
{
	return &t->slots[analyze__mix64((uint64_t)id) & t->mask];
}

static inline void analyze__id_table_put(struct analyze__id_table *t, int64_t id, uint32_t val)
{
	size_t h = analyze__mix64((uint64_t)id) & t->mask;
	while (t->slots[h].val != ANALYZE_NONE)
		h = (h + 1) & t->mask;
	t->slots[h].key = id;
	t->slots[h].val = val;
}

/* The value put for id, or ANALYZE_NONE. */
static inline uint32_t analyze__id_table_get(const struct analyze__id_table *t, int64_t id)
{
	size_t h = analyze__mix64((uint64_t)id) & t->mask;
	while (t->slots[h].val != ANALYZE_NONE) {
		if (t->slots[h].key == id)
			return t->slots[h].val;
		h = (h + 1) & t->mask;
	}
	return ANALYZE_NONE;
}

#endif
