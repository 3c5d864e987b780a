/*
 * Where the crawl reads from: the boundary between "what to read next"
 * (the crawl's state: listers, the frontier, text references) and "how
 * to read it" (GitLab's REST API v4 over the curl multi driver).
 *
 * Each operation submits one read and returns at once; its answer comes
 * back later to the crawl's done callback as a struct http_req carrying
 * the kind and data given here (kind may carry HTTP_KIND_ACCEPT_403).
 * The answer's JSON has GitLab REST v4's shapes (a project, an issue, an
 * array of them, an issue's links); a listing page's next page is in
 * link_next, an address only this source understands (the crawl keeps it
 * in the store and hands it back to next_page). Another source (GraphQL,
 * GitHub) implements these operations and converts its answers to those
 * shapes; the crawl's state does not change.
 *
 * Every operation returns 0, FETCH_ENOMEM, or FETCH_EREMOTE (a request
 * the source cannot make: an address it refuses, a URL too long), with
 * the reason in the source's err (next_page: in msg, for the caller to
 * say which listing).
 */
#ifndef ISSUEGRAPH_FETCH_SOURCE_H
#define ISSUEGRAPH_FETCH_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch_internal.h"

struct fetch_source;

struct fetch_source_ops {
	/* A project by id (path NULL) or by full path. */
	int (*project)(struct fetch_source *src, int64_t id, const char *path, int kind,
		       void *data);
	/* The first page of a group's projects (subgroups included, not
	 * shared, not archived), by id, per_page to a page. */
	int (*group_projects)(struct fetch_source *src, const char *path, int per_page, int kind,
			      void *data);
	/* One issue: by its project's path and iid, or (path NULL) by its
	 * global id. */
	int (*issue)(struct fetch_source *src, const char *path, int64_t iid_or_id, int kind,
		     void *data);
	/* The first page of a project's issues in state ("opened", "closed",
	 * "all"), oldest update first, updated at or after updated_after
	 * (NULL: all). A page over the answer caps comes back too_big: ask
	 * again with a smaller per_page. */
	int (*list_issues)(struct fetch_source *src, int64_t project_id, const char *state,
			   const char *updated_after, int per_page, int kind, void *data);
	/* The issues of a project with these n iids (any state), updated at or
	 * after updated_after (NULL: all); shrinkable: too_big as list_issues. */
	int (*list_iids)(struct fetch_source *src, int64_t project_id, const char *updated_after,
			 const int64_t *iids, size_t n, int per_page, bool shrinkable, int kind,
			 void *data);
	/* The page at next (a link_next this source gave, maybe kept in the
	 * store); shrinkable: too_big as list_issues. */
	int (*next_page)(struct fetch_source *src, const char *next, bool shrinkable, int kind,
			 void *data, char *msg);
	/* One issue's links. */
	int (*issue_links)(struct fetch_source *src, int64_t project_id, int64_t iid, int kind,
			   void *data);
};

struct fetch_source {
	const struct fetch_source_ops *ops;
	struct http *h;	      /* the driver the requests go to */
	const char *instance; /* the instance URL (normalised) */
	char *err;	      /* FETCH_ERRMSG_SIZE bytes */
};

/* source_gitlab.c: GitLab's REST API v4 at instance, through h. */
void fetch_source_gitlab_init(struct fetch_source *src, struct http *h, const char *instance,
			      char *err);

#endif
