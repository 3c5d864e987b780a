/*
 * analyze: what the module's .c files share and nobody else sees.
 */
#ifndef ISSUEGRAPH_ANALYZE_INT_H
#define ISSUEGRAPH_ANALYZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

/* Record the module's last error and return code. */
int analyze__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* malloc/calloc of count * size with an overflow check; on failure NULL and
 * the error message is set (ANALYZE_ENOMEM). A zero count still returns a
 * unique pointer so that "NULL" always means failure. */
void *analyze__alloc(size_t count, size_t size);
void *analyze__zalloc(size_t count, size_t size);

/* Is there an edge u -> v? (binary search in u's sorted successors) */
bool analyze__has_edge(const struct analyze_graph *g, uint32_t u, uint32_t v);

/* Saturating addition of costs: analyze_add_cost() (analyze.h). */
static inline int64_t analyze__add_cost(int64_t a, int64_t b)
{
	return analyze_add_cost(a, b);
}

/*
 * Iterative Tarjan over a part of the graph. Work arrays are sized for the
 * whole graph once and reused; a run touches only the nodes it reaches, so
 * many small runs (Johnson) cost what they visit, not n each.
 */
struct analyze__tarjan {
	uint32_t n;
	uint32_t *index; /* UINT32_MAX: not visited in this run */
	uint32_t *low;
	uint32_t *stack;
	uint32_t *cs_node; /* explicit call stack: node, next edge position */
	uint32_t *cs_edge;
	uint8_t *onstack;
};

int analyze__tarjan_init(struct analyze__tarjan *t, uint32_t n);
void analyze__tarjan_release(struct analyze__tarjan *t);

/*
 * Strongly connected components of the subgraph induced by the nodes v
 * with (part == NULL || part[v] == part_id) && v >= min_node, walked from
 * roots[0..nroots) (roots == NULL: every node 0..n-1, ascending). Every
 * root must lie in the subgraph, and roots must include all of it that the
 * caller wants covered. Components are numbered from 0 in completion order,
 * which is a reverse topological order (an edge between components goes
 * from a higher number to a lower). comp[v] is written for reached nodes.
 */
void analyze__tarjan_run(struct analyze__tarjan *t, const struct analyze_graph *g,
			 const uint32_t *roots, uint32_t nroots, const uint32_t *part,
			 uint32_t part_id, uint32_t min_node, uint32_t *comp, uint32_t *ncomp);

/* For functions whose condensation argument may be NULL: *c is the one
 * given, or one computed here into *own (the caller frees *own). */
int analyze__condensation_or_own(const struct analyze_graph *g,
				 const struct analyze_condensation **c,
				 struct analyze_condensation **own);

#endif
