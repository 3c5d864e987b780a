/* The frontier: which issues are expanded, at which hop. */
#include <stdint.h>

#include "crawl_internal.h"

int crawl_queue_expand(struct crawl *c, int64_t issue_id, int64_t project_id, int64_t iid,
		       int64_t hop)
{
	if (hop >= c->depth_limit || idmap_get(&c->queued, issue_id))
		return 0;
	if (idmap_set(&c->queued, issue_id, 1))
		return crawl_nomem(c);
	struct expand e = {issue_id, project_id, iid, hop, 0};
	return expand_heap_push(&c->heap, e) ? crawl_nomem(c) : 0;
}

/* The issue is reached at hop (an issue listed or seeded: 0; a neighbour:
 * its expander's hop + 1). Keeps the smaller hop; an issue not yet
 * expanded in this run is queued when within the depth. reexpand: its
 * link list changed (listed as updated), read it again. */
int crawl_reach(struct crawl *c, const struct store_issue *i, int64_t hop, bool reexpand)
{
	struct store_crawl_issue ci;
	int rc = store_crawl_get_issue(c->s, i->id, &ci);
	bool expanded;
	if (rc == STORE_ENOTFOUND) {
		expanded = false;
	} else if (rc < 0) {
		return crawl_store_failed(c, "read crawl issue");
	} else {
		/* an issue expanded in this process already has fresh links */
		expanded = ci.expanded && (!reexpand || idmap_get(&c->queued, i->id));
		if (ci.hop < hop)
			hop = ci.hop;
		if (rc == 0 && ci.hop == hop && ci.expanded == expanded)
			goto queue;
	}
	if (store_crawl_put_issue(c->s, i->id, hop, expanded) < 0)
		return crawl_store_failed(c, "write crawl issue");
queue:
	if (!expanded)
		return crawl_queue_expand(c, i->id, i->project_id, i->iid, hop);
	return 0;
}

void crawl_busy(struct crawl *c, int64_t hop, int d)
{
	if (c->barrier && hop >= 0 && hop <= c->depth_limit)
		c->hop_busy[hop] += d;
}

bool crawl_listing_done(const struct crawl *c)
{
	for (size_t i = 0; i < c->n_listers; i++)
		if (!c->listers[i].done)
			return false;
	return true;
}

/* Level-synchronous expansion when --depth is small: an issue at hop h is
 * expanded only when nothing that could still reach it at a smaller hop
 * is under way, so hops (and what is expanded) are exact. */
bool crawl_may_expand(const struct crawl *c, int64_t hop)
{
	if (!c->barrier || hop == 0)
		return true;
	if (!crawl_listing_done(c))
		return false;
	for (int64_t k = 0; k < hop && k <= c->depth_limit; k++)
		if (c->hop_busy[k])
			return false;
	return true;
}
