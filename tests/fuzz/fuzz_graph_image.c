/* analyze__image_decode: the graph image read back from a store, which may
 * come from anywhere (a shared CI cache). Any bytes are refused or give a
 * graph whose every index is in range; an accepted image packs back to the
 * same bytes, and every view of it (open only, --deps, --ignore-deps) is a
 * graph the analyses can walk. */
#include "analyze_int.h"
#include "fuzz_util.h"

static void check_graph(const struct analyze_graph *g, const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	if (g->out_off[0] != 0 || g->out_off[g->n] != g->m || g->in_off[0] != 0 ||
	    g->in_off[g->n] != g->m)
		fuzz_fail("adjacency offsets do not span the edges", "");
	for (uint32_t v = 0; v < g->n; v++) {
		if (g->project[v] >= g->n_projects)
			fuzz_fail("node names a project out of range", "");
		if (g->milestone[v] != ANALYZE_NONE && g->milestone[v] >= g->n_milestones)
			fuzz_fail("node names a milestone out of range", "");
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
			if (g->out_adj[e] >= g->n || !analyze__has_edge(g, v, g->out_adj[e]))
				fuzz_fail("edge out of range or not found", "");
		for (uint32_t e = g->in_off[v]; e < g->in_off[v + 1]; e++)
			if (g->in_adj[e] >= g->n || !analyze__has_edge(g, g->in_adj[e], v))
				fuzz_fail("in-list names an edge the out-lists lack", "");
	}
	for (uint32_t i = 0; i < g->n_projects; i++)
		(void)strlen(g->project_path[i]);
	for (uint32_t i = 0; i < g->n_milestones; i++)
		(void)strlen(g->milestone_title[i]);
	struct analyze_condensation *c = NULL;
	if (analyze_condense(g, &c) == 0)
		analyze_condensation_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analyze__image img;
	if (analyze__image_decode(&img, data, size, -1) != 0)
		return 0;
	void *back = NULL;
	size_t back_len = 0;
	if (analyze__image_encode(&back, &back_len, &img) != 0)
		abort();
	if (back_len != size || memcmp(back, data, size) != 0)
		fuzz_fail("an accepted image does not pack back to the same bytes", "");
	free(back);
	/* every view, the last one taking the graph over */
	int64_t ignore[2] = {img.g->n ? img.g->issue_id[0] : 1, img.g->n ? img.g->issue_id[0] : 1};
	for (int k = 0; k < 4; k++) {
		struct analyze_load_opts o = {.all_states = k == 3,
					      .deps = k == 1 ? ANALYZE_DEPS_LINKS : 0,
					      .ignore = k == 2 ? ignore : NULL,
					      .n_ignore = k == 2};
		struct analyze_graph *g = NULL;
		if (analyze__image_view(&g, &img, &o) != 0)
			abort();
		check_graph(g, data, size);
		analyze_graph_free(g);
	}
	analyze__image_release(&img);
	return 0;
}
