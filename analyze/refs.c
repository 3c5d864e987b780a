/*
 * Refs and costs: naming nodes, finding them by ref (with a did-you-mean),
 * milestones, and the SPEC's cost of an issue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "store.h"

int analyze_ref(const struct analyze_graph *g, uint32_t v, char *buf, size_t len)
{
	/* snprintf(NULL, 0, ...) is C99's way to measure (analyze_ref(g, v, NULL, 0)). */
	// cppcheck-suppress nullPointer
	return snprintf(buf, len, "%s#%lld", g->project_path[g->project[v]], (long long)g->iid[v]);
}

uint32_t analyze_find_milestone(const struct analyze_graph *g, const char *title)
{
	uint32_t lo = 0, hi = g->n_milestones;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->milestone_title[mid], title);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ANALYZE_NONE;
}

int64_t analyze_cost(const struct analyze_graph *g, uint32_t v, enum analyze_weight w,
		     int64_t default_cost)
{
	int64_t x;
	switch (w) {
	case ANALYZE_WEIGHT_WEIGHT:
		x = g->weight[v];
		break;
	case ANALYZE_WEIGHT_ESTIMATE:
		x = g->remaining[v];
		break;
	default:
		return 1;
	}
	if (x == ANALYZE_NO_VALUE)
		return default_cost;
	return x < 0 ? 0 : x;
}

/* The nodes of project rank p: [*lo, *hi). Nodes are sorted by rank. */
static void project_range(const struct analyze_graph *g, uint32_t p, uint32_t *lo_out,
			  uint32_t *hi_out)
{
	uint32_t lo = 0, hi = g->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->project[mid] < p)
			lo = mid + 1;
		else
			hi = mid;
	}
	*lo_out = lo;
	hi = g->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (g->project[mid] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hi_out = lo;
}

/* The node of project rank p with the iid nearest to iid (ties: the smaller
 * iid), or ANALYZE_NONE when p has no node. */
static uint32_t nearest_in_project(const struct analyze_graph *g, uint32_t p, int64_t iid,
				   bool *exact)
{
	uint32_t lo, hi;
	project_range(g, p, &lo, &hi);
	*exact = false;
	if (lo == hi)
		return ANALYZE_NONE;
	uint32_t a = lo, b = hi;
	while (a < b) {
		uint32_t mid = a + (b - a) / 2;
		if (g->iid[mid] < iid)
			a = mid + 1;
		else
			b = mid;
	}
	if (a < hi && g->iid[a] == iid) {
		*exact = true;
		return a;
	}
	if (a == hi)
		return hi - 1;
	if (a == lo)
		return lo;
	/* g->iid[a - 1] < iid < g->iid[a] */
	uint64_t below = (uint64_t)iid - (uint64_t)g->iid[a - 1];
	uint64_t above = (uint64_t)g->iid[a] - (uint64_t)iid;
	return below <= above ? a - 1 : a;
}

/* Levenshtein distance, two rows, no recursion. SIZE_MAX on no memory. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *prev = malloc((lb + 1) * sizeof *prev), *cur = malloc((lb + 1) * sizeof *cur);
	size_t d = SIZE_MAX;
	if (!prev || !cur)
		goto done;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t m = sub < del ? sub : del;
			cur[j] = m < ins ? m : ins;
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	d = prev[lb];
done:
	free(prev);
	free(cur);
	return d;
}

static char *ref_dup(const struct analyze_graph *g, uint32_t v)
{
	int len = analyze_ref(g, v, NULL, 0);
	char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (s)
		analyze_ref(g, v, s, (size_t)len + 1);
	return s;
}

int analyze_find_ref(const struct analyze_graph *g, const char *ref, uint32_t *node,
		     char **suggestion)
{
	char *path = NULL;
	int64_t iid;
	uint32_t best = ANALYZE_NONE;
	bool exact = false, path_known = false;

	if (suggestion)
		*suggestion = NULL;
	*node = ANALYZE_NONE;
	if (store_ref_parse(ref, &path, &iid) != 0)
		return analyze__fail(ANALYZE_EINVAL,
				     "'%s' is not a ref (expected group/project#iid)", ref);

	/* projects are sorted by (path, id); a path may (rarely) repeat */
	uint32_t lo = 0, hi = g->n_projects;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(g->project_path[mid], path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t p = lo; p < g->n_projects && strcmp(g->project_path[p], path) == 0; p++) {
		uint32_t v = nearest_in_project(g, p, iid, &exact);
		if (exact) {
			*node = v;
			free(path);
			return 0;
		}
		if (v != ANALYZE_NONE && best == ANALYZE_NONE) {
			best = v;
			path_known = true;
		}
	}

	if (suggestion && !path_known) {
		/* a mistyped project path: the nearest path that has nodes, when
		 * it is close (at most a third of the length wrong) */
		size_t best_d = SIZE_MAX;
		uint32_t best_p = ANALYZE_NONE;
		for (uint32_t p = 0; p < g->n_projects; p++) {
			if (p > 0 && strcmp(g->project_path[p], g->project_path[p - 1]) == 0)
				continue;
			uint32_t a, b;
			project_range(g, p, &a, &b);
			if (a == b)
				continue;
			size_t d = edit_distance(g->project_path[p], path);
			if (d < best_d) {
				best_d = d;
				best_p = p;
			}
		}
		size_t len = strlen(path);
		size_t limit = len / 3 > 1 ? len / 3 : 1;
		if (best_p != ANALYZE_NONE && best_d <= limit)
			best = nearest_in_project(g, best_p, iid, &exact);
	}
	if (suggestion && best != ANALYZE_NONE)
		*suggestion = ref_dup(g, best);
	analyze__fail(ANALYZE_EINVAL, "%s is not in the analysed graph", ref);
	free(path);
	return ANALYZE_EINVAL;
}
