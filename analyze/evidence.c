/*
 * Where an edge's evidence is written: the text dependencies behind an
 * edge, read from the store when an answer names them (a few edges of a
 * knot, the text edges of a drawing), so the graph itself only carries
 * the origin bits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "store.h"

struct text_in_walk {
	const struct analyze_graph *g;
	uint32_t from, to;
	struct analyze_text_in *v;
	uint32_t n, cap;
	int err;
};

static int on_text_in(void *ctx, const struct store_text_dep *d)
{
	struct text_in_walk *w = ctx;
	if (w->n == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 4;
		struct analyze_text_in *v = realloc(w->v, (size_t)cap * sizeof *v);
		if (!v)
			return w->err = analyze__fail(ANALYZE_ENOMEM, "out of memory");
		w->v = v;
		w->cap = cap;
	}
	struct analyze_text_in *t = &w->v[w->n++];
	t->holder = d->source_id == w->g->issue_id[w->from] ? w->from : w->to;
	t->line = d->line;
	snprintf(t->phrase, sizeof t->phrase, "%s", d->phrase ? d->phrase : "");
	return 0;
}

static int cmp_text_in(const void *a, const void *b)
{
	const struct analyze_text_in *x = a, *y = b;
	if (x->holder != y->holder)
		return x->holder < y->holder ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

int analyze_text_in(struct store *s, const struct analyze_graph *g, uint32_t from, uint32_t to,
		    struct analyze_text_in **out, uint32_t *n)
{
	*out = NULL;
	*n = 0;
	if (from >= g->n || to >= g->n)
		return analyze__fail(ANALYZE_EINVAL, "edge %u -> %u names a node beyond %u", from,
				     to, g->n);
	struct text_in_walk w = {.g = g, .from = from, .to = to};
	int rc = store_each_text_dep_of_pair(s, g->issue_id[from], g->issue_id[to], on_text_in, &w);
	if (rc != 0) {
		free(w.v);
		return w.err < 0 ? w.err : analyze__fail(ANALYZE_ERR, "%s", store_errmsg(s));
	}
	if (w.n > 1)
		qsort(w.v, w.n, sizeof *w.v, cmp_text_in);
	*out = w.v;
	*n = w.n;
	return 0;
}
