/*
 * The crawl's HTTP loop: what to submit next (feed), who gets an answer
 * (on_done), and running until nothing is left (crawl_drive). The crawl's
 * state and the other files' parts are described in crawl_internal.h
 * (SPEC: fetch, "Crawl rules", "Incremental rule").
 *
 * Text dependencies (text_refs.c): an issue's link unit waits until the
 * references in its description are resolved, then writes them with its
 * links, so "expanded" means both are committed.
 */
#include <stdint.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "crawl_internal.h"

static int feed(struct crawl *c)
{
	int rc;
	if (c->text && (rc = text_refs_feed(c->text)))
		return rc;
	while (http_room(c->h) > 0 && c->n_wanted > 0) {
		int64_t pid = c->proj_wanted[--c->n_wanted];
		if ((rc =
			 c->src.ops->project(&c->src, pid, NULL, K_PROJECT, (void *)(intptr_t)pid)))
			return rc;
	}
	for (size_t i = 0; i < c->n_listers && http_room(c->h) > 0; i++) {
		struct lister *l = &c->listers[i];
		if (!l->done && !l->in_flight && (rc = crawl_submit_list(c, l)))
			return rc;
	}
	/* link lists parked while text references resolve wait in the heap instead */
	while (http_room(c->h) > 0 && c->heap.n > 0 && crawl_may_expand(c, c->heap.v[0].hop) &&
	       c->n_parked < (size_t)c->o->jobs * 8 + 64) {
		struct expand e = expand_heap_pop(&c->heap);
		struct links_unit *u = calloc(1, sizeof *u);
		if (!u)
			return crawl_nomem(c);
		u->e = e;
		if ((rc = c->src.ops->issue_links(&c->src, e.project_id, e.iid, K_LINKS, u))) {
			free(u);
			return rc;
		}
		c->n_expanding++;
		crawl_busy(c, e.hop, +1);
	}
	return 0;
}

/* ---- answers ----------------------------------------------------------------- */

void crawl_drop_request(void *ctx, int kind, void *data)
{
	(void)ctx;
	if (kind == K_LINKS) {
		struct links_unit *u = data;
		crawl_links_release(u);
		free(u);
	}
}

static int on_done(void *ctx, struct http_req *r)
{
	struct crawl *c = ctx;
	switch (r->kind) {
	case K_LIST:
		return crawl_on_list(c, r);
	case K_LINKS:
		return crawl_on_links(c, r);
	case K_PROJECT:
		return crawl_on_project(c, r);
	case K_TEXT_PROJECT | HTTP_KIND_ACCEPT_403:
	case K_TEXT_ISSUES | HTTP_KIND_ACCEPT_403:
	case K_TEXT_MOVED | HTTP_KIND_ACCEPT_403: {
		int rc = text_refs_on_answer(c->text, r);
		return rc ? rc : crawl_retry_parked(c);
	}
	default:
		return crawl_on_seed(c, r);
	}
}

static void show_progress(struct crawl *c)
{
	if (!c->o->on_progress)
		return;
	struct http_stats hs;
	http_get_stats(c->h, &hs);
	struct fetch_progress_counts pc = {c->res->issues,
					   c->res->links,
					   hs.requests,
					   hs.retries,
					   (int64_t)(c->heap.n + http_pending(c->h)),
					   hs.rate_limited,
					   hs.in_flight,
					   hs.waiting,
					   hs.rate_wait,
					   hs.retry_wait};
	c->o->on_progress(c->o->cb_ctx, &pc);
}

/* Run the HTTP loop until nothing is left to do. */
int crawl_drive(struct crawl *c, bool crawling)
{
	int rc;
	for (;;) {
		if (crawling && (rc = feed(c)))
			return rc;
		if (http_pending(c->h) == 0) {
			if (!crawling)
				return 0;
			if (c->heap.n == 0 && c->n_wanted == 0 && crawl_listing_done(c) &&
			    !(c->text && text_refs_busy(c->text))) {
				if (c->n_parked) {
					fetch_fail(c->err, "internal error: link lists wait for "
							   "projects or text references nobody "
							   "asked for");
					return FETCH_EREMOTE;
				}
				return 0;
			}
		}
		if ((rc = http_run(c->h, on_done, c, 100, c->err)))
			return rc;
		show_progress(c);
	}
}

/* ---- services for text_refs.c (fetch_internal.h) ---------------------------- */

struct fetch_source *crawl_source(struct crawl *c)
{
	return &c->src;
}

bool crawl_project_known(struct crawl *c, int64_t project_id)
{
	return idmap_get(&c->projects, project_id) == P_KNOWN;
}

int crawl_project_state(struct crawl *c, int64_t project_id)
{
	switch (idmap_get(&c->projects, project_id)) {
	case P_KNOWN:
		return CRAWL_PROJECT_KNOWN;
	case P_INACCESSIBLE:
		return CRAWL_PROJECT_GONE;
	default:
		return CRAWL_PROJECT_UNKNOWN;
	}
}

bool crawl_issue_reached(struct crawl *c, int64_t issue_id)
{
	struct store_crawl_issue ci;
	return !c->prune || store_crawl_get_issue(c->s, issue_id, &ci) == 0;
}

int crawl_reach_text(struct crawl *c, const struct store_issue *i, int64_t hop)
{
	return crawl_reach(c, i, hop, false);
}

double fetch_progress_period(void)
{
#ifdef ISSUEGRAPH_TEST_HOOKS
	const char *env = getenv("ISSUEGRAPH_TEST_PROGRESS_PERIOD");
	if (env && atof(env) > 0)
		return atof(env);
#endif
	return 10.0;
}
