/*
 * The analysed graph of open issues, taken from the graph of every issue
 * already in memory instead of a second pass over the store.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze_int.h"
#include "graph_builder.h"

int analyze_graph_open_part(const struct analyze_graph *full, struct analyze_graph **out)
{
	struct analyze__builder b = {0};
	uint32_t *map = NULL, *mmap = NULL;
	int rc = ANALYZE_ENOMEM;

	*out = NULL;
	if (!full->all_states)
		return analyze__fail(ANALYZE_EINVAL, "the graph of every issue is needed");
	map = analyze__alloc(full->n, sizeof *map);
	mmap = analyze__alloc(full->n_milestones, sizeof *mmap);
	if (!map || !mmap)
		goto done;

	uint32_t n = 0;
	for (uint32_t v = 0; v < full->n; v++)
		map[v] = (full->flags[v] & ANALYZE_NODE_OPEN) ? n++ : ANALYZE_NONE;
	/* Milestones: those of open issues, in the same (sorted) order. */
	memset(mmap, 0xff, (size_t)full->n_milestones * sizeof *mmap);
	for (uint32_t v = 0; v < full->n; v++)
		if (map[v] != ANALYZE_NONE && full->milestone[v] != ANALYZE_NONE)
			mmap[full->milestone[v]] = 0;
	uint32_t nm = 0;
	for (uint32_t i = 0; i < full->n_milestones; i++)
		if (mmap[i] != ANALYZE_NONE)
			mmap[i] = nm++;

	if ((rc = analyze__builder_init(&b, n, full->n_projects, nm, false)) < 0)
		goto done;
	rc = ANALYZE_ENOMEM;
	struct analyze_graph *g = b.g;
	for (uint32_t i = 0; i < full->n_projects; i++) {
		if (!(g->project_path[i] = strdup(full->project_path[i])))
			goto done;
		g->project_id[i] = full->project_id[i];
	}
	for (uint32_t i = 0; i < full->n_milestones; i++)
		if (mmap[i] != ANALYZE_NONE &&
		    !(g->milestone_title[mmap[i]] = strdup(full->milestone_title[i])))
			goto done;
	for (uint32_t v = 0; v < full->n; v++) {
		if (map[v] == ANALYZE_NONE)
			continue;
		analyze__builder_set_node(&b, map[v],
					  &(struct analyze__node){
					      .issue_id = full->issue_id[v],
					      .iid = full->iid[v],
					      .project = full->project[v],
					      .flags = full->flags[v],
					      .weight = full->weight[v],
					      .remaining = full->remaining[v],
					      .milestone = full->milestone[v] == ANALYZE_NONE
							       ? ANALYZE_NONE
							       : mmap[full->milestone[v]],
					      .due = full->due[v],
					  });
	}
	/* the links of full between two kept nodes, renumbered */
	for (uint32_t v = 0; v < full->n; v++) {
		if (map[v] == ANALYZE_NONE)
			continue;
		for (uint32_t e = full->out_off[v]; e < full->out_off[v + 1]; e++) {
			uint32_t t = map[full->out_adj[e]];
			if (t != ANALYZE_NONE &&
			    (rc = analyze__builder_add_edge(
				 &b, map[v], t,
				 full->out_origin ? full->out_origin[e] : ANALYZE_ORIGIN_LINK)) < 0)
				goto done;
		}
	}
	rc = analyze__builder_finish(&b, out);
done:
	if (rc == ANALYZE_ENOMEM)
		rc = analyze__fail(ANALYZE_ENOMEM, "out of memory");
	free(map);
	free(mmap);
	analyze__builder_release(&b);
	return rc;
}
