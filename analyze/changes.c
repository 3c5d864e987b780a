/*
 * analyze: what changed between two analysed graphs (SPEC "Changes"),
 * which issues are ready, and the ratchet's new-knots and new-conflicts.
 * The two graphs are matched by issue id.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "graph_builder.h"

int analyze_ready(const struct analyze_graph *g, const struct analyze_knots *k,
		  const uint8_t *unreadable, uint8_t *ready)
{
	for (uint32_t v = 0; v < g->n; v++) {
		uint8_t r = (g->flags[v] & ANALYZE_NODE_OPEN) && k->knot_of[v] == ANALYZE_NONE &&
			    !(unreadable && unreadable[v]);
		for (uint32_t e = g->in_off[v]; r && e < g->in_off[v + 1]; e++)
			if (g->flags[g->in_adj[e]] & ANALYZE_NODE_OPEN)
				r = 0;
		ready[v] = r;
	}
	return 0;
}

/* One id table of to's issue ids (a lookup per node of from: linear,
 * where a sorted array and binary search missed the cache on every step at
 * 1M issues). */
int analyze_node_map(const struct analyze_graph *from, const struct analyze_graph *to,
		     uint32_t *map)
{
	struct analyze__id_table t;
	if (analyze__id_table_init(&t, to->n) < 0)
		return ANALYZE_ENOMEM;
	for (uint32_t v = 0; v < to->n; v++)
		analyze__id_table_put(&t, to->issue_id[v], v);
	for (uint32_t v = 0; v < from->n; v++)
		map[v] = analyze__id_table_get(&t, from->issue_id[v]);
	analyze__id_table_release(&t);
	return 0;
}

static int cmp_edge(const void *a, const void *b)
{
	const struct analyze_edge *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->to > y->to) - (x->to < y->to);
}

static bool edge_in(const struct analyze_edge *sorted, size_t n, struct analyze_edge e)
{
	return n && bsearch(&e, sorted, n, sizeof e, cmp_edge) != NULL;
}

int analyze_findings_ratchet(struct analyze_findings *f, const struct analyze_findings_in *in,
			     const struct analyze_ratchet_in *r)
{
	const struct analyze_knots *k = in->knots;
	struct analyze_edge *old = NULL;
	int rc = ANALYZE_ENOMEM;
	free(f->new_knots);
	free(f->new_conflicts);
	f->count[ANALYZE_FINDING_NEW_KNOTS] = f->count[ANALYZE_FINDING_NEW_CONFLICTS] = 0;
	f->new_knots = analyze__alloc(f->count[ANALYZE_FINDING_KNOTS], sizeof *f->new_knots);
	f->new_conflicts =
	    analyze__alloc(f->count[ANALYZE_FINDING_CONFLICTS], sizeof *f->new_conflicts);
	old = analyze__alloc(r->n_old_conflicts, sizeof *old);
	if (!f->new_knots || !f->new_conflicts || !old)
		goto done;
	for (uint32_t i = 0; i < f->count[ANALYZE_FINDING_KNOTS]; i++) {
		uint32_t kn = f->knots[i];
		bool gained = false;
		for (uint32_t j = k->member_off[kn]; j < k->member_off[kn + 1] && !gained; j++)
			gained = !(r->was_knot && r->was_knot[k->members[j]]);
		if (gained)
			f->new_knots[f->count[ANALYZE_FINDING_NEW_KNOTS]++] = kn;
	}
	if (r->n_old_conflicts) {
		memcpy(old, r->old_conflicts, r->n_old_conflicts * sizeof *old);
		qsort(old, r->n_old_conflicts, sizeof *old, cmp_edge);
	}
	for (uint32_t i = 0; i < f->count[ANALYZE_FINDING_CONFLICTS]; i++)
		if (!edge_in(old, r->n_old_conflicts, f->conflicts[i]))
			f->new_conflicts[f->count[ANALYZE_FINDING_NEW_CONFLICTS]++] =
			    f->conflicts[i];
	rc = 0;
done:
	free(old);
	return rc;
}

void analyze_changes_free(struct analyze_changes *c)
{
	if (!c)
		return;
	free(c->knots_new);
	free(c->knots_changed);
	free(c->knots_resolved);
	free(c->unblocked);
	free(c->blocked);
	free(c->conflicts_new);
	free(c->conflicts_resolved);
	free(c);
}

static bool knot_in_scope(const struct analyze_side *s, uint32_t kn)
{
	if (!s->keep)
		return true;
	for (uint32_t j = s->k->member_off[kn]; j < s->k->member_off[kn + 1]; j++)
		if (s->keep[s->k->members[j]])
			return true;
	return false;
}

/* Conflicts of a (in scope) mapped onto b's nodes through map, those whose
 * issues are both in b; *n of them. */
static struct analyze_edge *map_conflicts(const struct analyze_side *a, const uint32_t *map,
					  size_t *n)
{
	uint32_t count = a->f->count[ANALYZE_FINDING_CONFLICTS];
	struct analyze_edge *e = analyze__alloc(count, sizeof *e);
	*n = 0;
	if (!e)
		return NULL;
	for (uint32_t i = 0; i < count; i++) {
		struct analyze_edge c = a->f->conflicts[i];
		if (map[c.from] != ANALYZE_NONE && map[c.to] != ANALYZE_NONE)
			e[(*n)++] = (struct analyze_edge){map[c.from], map[c.to]};
	}
	if (*n)
		qsort(e, *n, sizeof *e, cmp_edge);
	return e;
}

int analyze_changes(const struct analyze_side *then, const struct analyze_side *now,
		    struct analyze_changes **out)
{
	const struct analyze_graph *tg = then->g, *ng = now->g;
	const struct analyze_knots *tk = then->k, *nk = now->k;
	struct analyze_changes *c = NULL;
	uint32_t *t2n = NULL, *n2t = NULL, *tsize = NULL;
	struct analyze_edge *tc = NULL, *nc = NULL;
	size_t ntc = 0, nnc = 0;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	c = analyze__zalloc(1, sizeof *c);
	t2n = analyze__alloc(tg->n, sizeof *t2n);
	n2t = analyze__alloc(ng->n, sizeof *n2t);
	if (!c || !t2n || !n2t)
		goto done;
	if ((rc = analyze_node_map(tg, ng, t2n)) < 0 || (rc = analyze_node_map(ng, tg, n2t)) < 0)
		goto done;
	rc = ANALYZE_ENOMEM;
	c->knots_new = analyze__alloc(nk->count, sizeof *c->knots_new);
	c->knots_changed = analyze__alloc(nk->count, sizeof *c->knots_changed);
	c->knots_resolved = analyze__alloc(tk->count, sizeof *c->knots_resolved);
	c->unblocked = analyze__alloc(ng->n, sizeof *c->unblocked);
	c->blocked = analyze__alloc(ng->n, sizeof *c->blocked);
	if (!c->knots_new || !c->knots_changed || !c->knots_resolved || !c->unblocked ||
	    !c->blocked)
		goto done;

	/* knots now: new, changed */
	for (uint32_t kn = 0; kn < nk->count; kn++) {
		if (!knot_in_scope(now, kn))
			continue;
		uint32_t lo = nk->member_off[kn], hi = nk->member_off[kn + 1];
		bool any = false, same = true;
		uint32_t first_then = ANALYZE_NONE;
		for (uint32_t j = lo; j < hi; j++) {
			uint32_t u = n2t[nk->members[j]];
			uint32_t tk_of = u == ANALYZE_NONE ? ANALYZE_NONE : tk->knot_of[u];
			if (tk_of != ANALYZE_NONE)
				any = true;
			if (j == lo)
				first_then = tk_of;
			if (tk_of == ANALYZE_NONE || tk_of != first_then)
				same = false;
		}
		if (same && first_then != ANALYZE_NONE &&
		    tk->member_off[first_then + 1] - tk->member_off[first_then] != hi - lo)
			same = false;
		if (!any)
			c->knots_new[c->n_new++] = kn;
		else if (!same)
			c->knots_changed[c->n_changed++] = kn;
	}
	/* knots then: resolved */
	for (uint32_t kn = 0; kn < tk->count; kn++) {
		if (!knot_in_scope(then, kn))
			continue;
		bool any = false;
		for (uint32_t j = tk->member_off[kn]; j < tk->member_off[kn + 1] && !any; j++) {
			uint32_t v = t2n[tk->members[j]];
			any = v != ANALYZE_NONE && nk->knot_of[v] != ANALYZE_NONE;
		}
		if (!any)
			c->knots_resolved[c->n_resolved++] = kn;
	}
	/* unblocked, blocked (nodes of now, ascending: ref order) */
	for (uint32_t v = 0; v < ng->n; v++) {
		if (now->keep && !now->keep[v])
			continue;
		uint32_t u = n2t[v];
		if (u == ANALYZE_NONE)
			continue;
		bool open_then = tg->flags[u] & ANALYZE_NODE_OPEN;
		bool open_now = ng->flags[v] & ANALYZE_NODE_OPEN;
		if (now->ready[v] && open_then && !then->ready[u])
			c->unblocked[c->n_unblocked++] = v;
		if (then->ready[u] && open_now && !now->ready[v])
			c->blocked[c->n_blocked++] = v;
	}
	/* conflicts, by pair */
	if (!(tc = map_conflicts(then, t2n, &ntc)) || !(nc = map_conflicts(now, n2t, &nnc)))
		goto done;
	c->conflicts_new =
	    analyze__alloc(now->f->count[ANALYZE_FINDING_CONFLICTS], sizeof *c->conflicts_new);
	c->conflicts_resolved = analyze__alloc(then->f->count[ANALYZE_FINDING_CONFLICTS],
					       sizeof *c->conflicts_resolved);
	if (!c->conflicts_new || !c->conflicts_resolved)
		goto done;
	for (uint32_t i = 0; i < now->f->count[ANALYZE_FINDING_CONFLICTS]; i++) {
		struct analyze_edge e = now->f->conflicts[i];
		/* tc holds then's conflicts in now's nodes */
		if (!edge_in(tc, ntc, e))
			c->conflicts_new[c->n_conflicts_new++] = e;
	}
	for (uint32_t i = 0; i < then->f->count[ANALYZE_FINDING_CONFLICTS]; i++) {
		struct analyze_edge e = then->f->conflicts[i];
		if (!edge_in(nc, nnc, e))
			c->conflicts_resolved[c->n_conflicts_resolved++] = e;
	}
	rc = 0;
done:
	free(t2n);
	free(n2t);
	free(tsize);
	free(tc);
	free(nc);
	if (rc < 0)
		analyze_changes_free(c);
	else
		*out = c;
	return rc;
}
