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

/* graph.c: the loader that reads the store's rows (analyze_graph_load()
 * without the image), and its "YYYY-MM-DD" to days since 1970-01-01 (or
 * ANALYZE_NO_DATE). */
int analyze__graph_load_sql(struct analyze_graph **out, struct store *s,
			    const struct analyze_load_opts *opts);
int32_t analyze__parse_day(const char *d);

/*
 * graph_image.c: the graph image (how it is kept and invalidated: there).
 * g is the graph of all states and all dependencies; own_due[v] says
 * whether g->due[v] is the node's own date (else its milestone's);
 * ms_due_open[i] is milestone i's date as the first open issue (id order)
 * carrying it gives it, what an open-only load uses.
 */
struct analyze__image {
	struct analyze_graph *g;
	uint8_t *own_due;
	int32_t *ms_due_open;
};
void analyze__image_release(struct analyze__image *img);
/* Check and unpack bytes read back from a store (any bytes: they may come
 * from anywhere). want_n >= 0: the node count must be that (the store's
 * issues). ANALYZE_EINVAL with the reason when they are not a valid image. */
int analyze__image_decode(struct analyze__image *img, const void *data, size_t len, int64_t want_n);
/* Pack img into *out (malloc'd, caller frees), *len bytes. */
int analyze__image_encode(void **out, size_t *len, const struct analyze__image *img);
/* The graph opts ask for (at_point aside), from img; img stays usable for
 * another view unless the view is img->g itself (all states, all
 * dependencies, nothing ignored): then img->g is taken over (NULL). */
int analyze__image_view(struct analyze_graph **out, struct analyze__image *img,
			const struct analyze_load_opts *opts);

#endif
