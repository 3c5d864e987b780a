/*
 * The crawl's shared state (struct crawl) and the functions its files
 * share; seen only by fetch/'s sources (and the unit tests).
 *
 * A fetch is a run of units, each committed in its own transaction with
 * the frontier it changes: the start of a run (seeds resolved, listing
 * state, marks), one page of a project's issues, one issue's link list,
 * one project's path. The frontier lives in the store (crawl_projects,
 * crawl_issues), so a run that dies at any moment is resumed by the next
 * fetch with the same options. In memory there are only the work queues
 * rebuilt from it.
 *
 * Who does what:
 *   idmap.c         the id -> small value map and the expansion heap (pure)
 *   json_get.c      typed reads of GitLab's JSON objects (pure)
 *   source_gitlab.c how to read: GitLab's REST API (source.h)
 *   records.c       GitLab's JSON -> store records (issues, projects)
 *   units.c         one unit = one transaction
 *   frontier.c      which issues to expand, at which hop
 *   listing_run.c   a project's issue listing (pages, series, shrinking)
 *   links_expand.c  one issue's link list, and the projects it waits for
 *   seeds.c         --project/--group/--issue: resolving them, their words
 *   run.c           start, resume and finish a run (fetch_run)
 *   crawl.c         the HTTP loop: what to submit next, who gets an answer
 */
#ifndef ISSUEGRAPH_CRAWL_INTERNAL_H
#define ISSUEGRAPH_CRAWL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch_internal.h"
#include "source.h"

#define PER_PAGE	   100
#define MAX_OFFSET_DEFAULT 50000
/* hop of an issue reached only through relates_to (without --follow-related) */
#define HOP_UNREACHED ((int64_t)1 << 40)
#define HOP_UNLIMITED (HOP_UNREACHED - 1)
/* level-synchronous expansion (exact hops) only for depths this small */
#define BARRIER_MAX_DEPTH  1000
#define SYNC_SLACK_SECONDS 120

enum kind {
	K_SEED_PROJECT,	 /* --project P */
	K_SEED_GROUP,	 /* --group G, one page of its projects */
	K_SEED_ISSUE,	 /* --issue REF */
	K_ISSUE_PROJECT, /* the project of a seed issue */
	K_LIST,		 /* one page of a project's issues */
	K_LINKS,	 /* one issue's links */
	K_PROJECT,	 /* a linked issue's project */
};

enum pstate { P_UNKNOWN = 0, P_REQUESTED, P_KNOWN, P_INACCESSIBLE };

/* ---- idmap.c ------------------------------------------------------------ */

/* int64 -> small value, open addressing; key 0 is "empty" (GitLab ids are >= 1).
 * Zero-initialised is empty. */
struct i64map {
	int64_t *keys;
	unsigned char *vals;
	size_t cap, n;
};

/* The value of key (0 when absent). */
int idmap_get(const struct i64map *m, int64_t key);
/* Set key (>= 1) to val (0..255); 0 or FETCH_ENOMEM. */
int idmap_set(struct i64map *m, int64_t key, int val);
void idmap_free(struct i64map *m);

/* An issue to expand (read its links) at hop; seq orders equal hops. */
struct expand {
	int64_t issue_id, project_id, iid, hop;
	uint64_t seq;
};

/* A min-heap of struct expand by (hop, seq): smaller hops first, then the
 * order they were pushed in. Zero-initialised is empty. */
struct expand_heap {
	struct expand *v;
	size_t n, cap;
	uint64_t seq;
};

/* Push e (its seq is assigned); 0 or FETCH_ENOMEM. */
int expand_heap_push(struct expand_heap *h, struct expand e);
/* Pop the smallest; h->n must be > 0. */
struct expand expand_heap_pop(struct expand_heap *h);

/* ---- the crawl's state ---------------------------------------------------- */

struct lister {
	int64_t project_id;
	enum store_crawl_role is_seed;
	char *next;	     /* next page URL (STORE_CRAWL_SEED) or last iid listed (others) */
	char *updated_after; /* NULL: everything */
	bool in_flight, done;
	char *series_after; /* the updated_after the current pages started from */
	long page;	    /* pages read in the current series (X-Page only deepens it) */
	int64_t last_iid;   /* iids listing: the last iid of the chunk in flight */
	size_t chunk;	    /* iids listing: how many iids in flight */
	uint64_t *read;	    /* hashes of the page URLs read in the current series */
	size_t n_read, cap_read;
	int per_page; /* rows per page; 0: PER_PAGE (lowered for huge pages) */
};

static inline int crawl_lister_per_page(const struct lister *l)
{
	return l->per_page > 0 ? l->per_page : PER_PAGE;
}

/* One neighbour of a link list, decoded (links_expand.c). */
struct link_rec {
	struct store_issue i; /* its strings in arena */
	char *arena;
	int64_t pid, issue_id; /* project_id as sent (has_pid), id for messages */
	bool has_pid;
	struct store_json_refusal *issue_why; /* the decoder refused the issue */
	struct store_json_refusal *link_why;  /* ... or its link_type */
	char link_type[32];
	int64_t link_id;
};

/* One links request and, while it waits for unknown projects, its answer
 * as records (never the parsed tree). */
struct links_unit {
	struct expand e;
	struct link_rec *recs;
	size_t n;
	struct links_unit *next;
};

/* Free a unit's records (not the unit). */
void crawl_links_release(struct links_unit *u);

struct seed_req {
	const char *word; /* the option value, for messages */
	int64_t iid;
	int64_t pages; /* --group: pages of projects read */
};

struct crawl {
	struct store *s;
	const struct fetch_options *o;
	struct http *h;
	struct fetch_source src; /* what every request goes through */
	char *err;
	struct fetch_result *res;
	struct text_refs *text; /* NULL: --no-text-deps */

	int64_t depth_limit; /* expand when hop < depth_limit */
	bool barrier;
	int64_t *hop_busy; /* barrier: units in flight per hop */
	bool incremental;
	bool prune; /* remove at the end what the run did not reach */
	int64_t max_offset;
	long kill_at, commits;

	struct lister *listers;
	size_t n_listers;

	struct expand_heap heap;
	uint64_t seq;
	struct i64map queued;	/* issues queued or expanded in this process */
	struct i64map seen;	/* issues stored by this process (counts) */
	struct i64map projects; /* enum pstate */
	int64_t *proj_wanted;	/* projects to resolve, not yet submitted */
	size_t n_wanted, cap_wanted;
	struct links_unit *parked;
	size_t n_parked, n_expanding;

	/* seeds phase */
	struct json_object *seed_listed; /* project objects (--project, --group) */
	struct json_object *seed_other;	 /* project objects of seed issues */
	struct json_object *seed_issues; /* issue objects */
	char last_refused[400];		 /* why the last record was skipped */
};

/* ---- small things ----------------------------------------------------- */

/* ---- units.c: errors and transactions -------------------------------------- */

/* "out of memory" into c->err; FETCH_ENOMEM. */
int crawl_nomem(struct crawl *c);
/* "<what>: <store's message>" into c->err; FETCH_ESTORE. */
int crawl_store_failed(struct crawl *c, const char *what);
/* "GET <path>: <status> <GitLab's message>" into c->err; FETCH_EREMOTE. */
int crawl_unexpected(struct crawl *c, const struct http_req *r);
int crawl_commit(struct crawl *c);
/* crawl_begin(), crawl_end_unit(): fetch_internal.h */

/* ---- records.c ------------------------------------------------------------- */

/* A record that breaks the snapshot's rules: counted, the first reason kept
 * for the summary; never stored. Returns 1 (skipped). */
int crawl_skip(struct crawl *c, const char *what, int64_t id, const struct store_json_refusal *why);
/* An id for a message about a refused record (0 if it has none). */
int64_t crawl_id_of(struct json_object *o);
/* A seed's record must be good: rc 1 (refused) becomes FETCH_EREMOTE. */
int crawl_seed_record(struct crawl *c, int rc);
/* crawl_put_issue(), crawl_put_project(): fetch_internal.h */

/* ---- frontier.c ------------------------------------------------------------ */

/* Queue issue_id for expansion at hop, once per process, within the depth. */
int crawl_queue_expand(struct crawl *c, int64_t issue_id, int64_t project_id, int64_t iid,
		       int64_t hop);
/* The issue is reached at hop (inside a unit); see frontier.c. */
int crawl_reach(struct crawl *c, const struct store_issue *i, int64_t hop, bool reexpand);
/* Units in flight at hop (the level-synchronous barrier), d = +1 / -1. */
void crawl_busy(struct crawl *c, int64_t hop, int d);
bool crawl_listing_done(const struct crawl *c);
/* Whether an issue at hop may be expanded now (the barrier). */
bool crawl_may_expand(const struct crawl *c, int64_t hop);

/* ---- listing_run.c --------------------------------------------------------- */

/* Submit the next page of l's listing (or record it done). */
int crawl_submit_list(struct crawl *c, struct lister *l);
/* A K_LIST answer. */
int crawl_on_list(struct crawl *c, struct http_req *r);

/* ---- links_expand.c -------------------------------------------------------- */

/* crawl_want_project(): fetch_internal.h */
/* A K_LINKS answer. */
int crawl_on_links(struct crawl *c, struct http_req *r);
/* A K_PROJECT answer (a linked issue's project). */
int crawl_on_project(struct crawl *c, struct http_req *r);
/* Link lists parked for projects or text references: try to commit them. */
int crawl_retry_parked(struct crawl *c);

/* ---- seeds.c --------------------------------------------------------------- */

/* Submit the requests resolving o's seeds; sr has one slot per seed. */
int crawl_submit_seeds(struct crawl *c, struct seed_req *sr);
/* A K_SEED_* or K_ISSUE_PROJECT answer. */
int crawl_on_seed(struct crawl *c, struct http_req *r);
/* o's seeds in given order (*seeds malloc'd, the values borrowed from o)
 * and the options text that decides resuming (crawl options, then the
 * sorted seeds; *opts malloc'd). 0 or FETCH_ENOMEM. */
int crawl_seeds_of(const struct fetch_options *o, struct store_seed **seeds, size_t *n,
		   char **opts);

/* ---- crawl.c --------------------------------------------------------------- */

/* Run the HTTP loop until nothing is left to do (crawling false: only until
 * the requests already submitted are answered). */
int crawl_drive(struct crawl *c, bool crawling);
/* Free what the requests still pending own (http_drop_pending). */
void crawl_drop_request(void *ctx, int kind, void *data);

#endif
