/* fetch internals shared by the .c files of fetch/; not for use outside it. */
#ifndef ISSUEGRAPH_FETCH_INTERNAL_H
#define ISSUEGRAPH_FETCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"

struct json_object;

/* printf into err (FETCH_ERRMSG_SIZE bytes); err NULL ok. */
void fetch_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic seconds. */
double fetch_now(void);

/* ---- http.c: the curl multi driver ---------------------------------- */

struct http;

/*
 * One GET. The crawler submits it with a kind and a pointer of its own;
 * when it is finished (after the retries, redirects and waits http.c does
 * itself) the done callback sees it, then http.c frees it. The callback
 * may steal json (set it to NULL) to keep it.
 */
struct http_req {
	char *url;  /* absolute; after same-origin redirects, the final one */
	int kind;   /* the crawler's */
	void *data; /* the crawler's */

	/* outcome, for the callback */
	long status;		  /* 200..299, 404, or another 4xx the caller judges */
	struct json_object *json; /* the parsed body; NULL if none or not JSON */
	char *link_next;	  /* Link rel="next" (same origin checked), or NULL */
	long x_page;		  /* X-Page, -1 if absent */

	/* http.c's own */
	void *easy;
	char *body;
	size_t body_len, body_cap;
	bool too_big;
	int tries, redirects;
	size_t slot; /* index in the active set */
	double first_at, not_before, started_at;
	char errbuf[256]; /* CURL_ERROR_SIZE */
	struct http_req *next;
};

/* Called for every finished request; a negative return stops the crawl and
 * http_run() returns it. */
typedef int (*http_done_fn)(void *ctx, struct http_req *r);

struct http_stats {
	int64_t requests, retries, rate_limited;
};

int http_new(struct http **out, const struct fetch_options *o, char *err);
void http_free(struct http *h);

/* Queue a GET of url (absolute, same origin as the instance: checked). */
int http_submit(struct http *h, const char *url, int kind, void *data);

/* Requests queued or in flight; how many more the crawler may hand in now
 * (the concurrency limit, lowered for a while after a 429). */
size_t http_pending(const struct http *h);
size_t http_room(const struct http *h);

/*
 * Start what may start, wait up to max_wait_ms for progress, and hand
 * every finished request to fn. 0, or a negative fetch_status (the
 * message in err): a request that failed for good (401, 403, retries
 * exhausted, a refused redirect, ...), or what fn returned.
 */
int http_run(struct http *h, http_done_fn fn, void *ctx, long max_wait_ms, char *err);

/* The server's Date of the first answer, as a Unix time; -1 if none yet. */
int64_t http_first_date(const struct http *h);
void http_get_stats(const struct http *h, struct http_stats *out);

/* The message of a GitLab error body ("message" or "error", string or
 * object) into buf; "" when there is none. */
void http_api_message(const struct json_object *body, char *buf, size_t len);

/* "GET /api/v4/..." path and query of url, for messages (never headers). */
void http_url_path(const char *url, char *buf, size_t len);

/* A request kind with this bit set hands a 403 to the done callback (a
 * project with its issues feature off, GET /issues/:id for a non-admin)
 * instead of failing the fetch. */
#define HTTP_KIND_ACCEPT_403 0x1000

/* ---- crawl.c services for text_refs.c ---------------------------------- */

struct crawl;
struct store_issue;

enum { CRAWL_PROJECT_UNKNOWN = 0, CRAWL_PROJECT_KNOWN, CRAWL_PROJECT_GONE };

/* "<instance>/api/v4<tail>", malloc'd into *out; 0 or FETCH_ENOMEM. */
int crawl_api_url(struct crawl *c, const char *tail, char **out);
/* One unit of work: begin, then end_unit(rc) commits (rc 0) or rolls back. */
int crawl_begin(struct crawl *c);
int crawl_end_unit(struct crawl *c, int rc);
/* Store an issue / project object of GitLab's (inside a unit). */
int crawl_put_issue(struct crawl *c, struct json_object *o, struct store_issue *out);
int crawl_put_project(struct crawl *c, struct json_object *o, int64_t *id_out);
bool crawl_project_known(struct crawl *c, int64_t project_id);
int crawl_project_state(struct crawl *c, int64_t project_id);
/* Ask for a project by id (its answer stores it, then retries what waits). */
int crawl_want_project(struct crawl *c, int64_t project_id);
/* An issue that a text dependency names is reached at hop (inside a unit). */
int crawl_reach_text(struct crawl *c, const struct store_issue *i, int64_t hop);

/* ---- text_refs.c: text dependencies in the crawl ------------------------ */

enum { K_TEXT_PROJECT = 64, K_TEXT_ISSUES, K_TEXT_MOVED };

struct text_refs;

/* instance: the instance URL (its origin makes issue URLs references). */
int text_refs_new(struct text_refs **out, struct crawl *c, struct store *s, struct http *h,
		  const char *instance, char *err);
void text_refs_free(struct text_refs *t);
/* Every project and issue object the crawl stores passes here: the path
 * and web_url origin are noted; an issue's description is read into its
 * references (once per process) and moved_to_id noted. */
int text_refs_note_project(struct text_refs *t, int64_t id, const char *path, const char *web_url);
int text_refs_note(struct text_refs *t, struct json_object *o, int64_t id, int64_t project_id,
		   int64_t iid);
/* Before an issue's link unit commits: 1 when every reference of its
 * description is resolved (or dropped), 0 while requests are needed (they
 * are queued), or a negative fetch_status. */
int text_refs_ready(struct text_refs *t, int64_t issue_id, int64_t project_id, int64_t iid);
/* Inside the issue's link unit, after text_refs_ready() said 1: store its
 * text dependencies and dropped counts, reach the issues they name. */
int text_refs_commit(struct text_refs *t, int64_t issue_id, int64_t hop);
/* Submit queued requests while the HTTP driver has room. */
int text_refs_feed(struct text_refs *t);
bool text_refs_busy(const struct text_refs *t);
/* A finished request of a K_TEXT_* kind. */
int text_refs_on_answer(struct text_refs *t, struct http_req *r);
/* Moved-to issues that waited for their project: try again. */
int text_refs_retry(struct text_refs *t);
void text_refs_stats(const struct text_refs *t, struct fetch_text_stats *out);
/* References in more than 20 descriptions; *out malloc'd (refs too). */
int text_refs_hot(const struct text_refs *t, struct fetch_text_hot **out, size_t *n);

/* ---- progress.c ------------------------------------------------------- */

struct fetch_progress {
	FILE *err;
	bool live;
	bool drawn;
	double start, last_draw;
};

struct fetch_progress_counts {
	int64_t issues, links, requests, retries, queue;
};

void fetch_progress_init(struct fetch_progress *p, FILE *err, bool live);
/* Redraw the live line, at most ~10 times a second unless force. */
void fetch_progress_update(struct fetch_progress *p, const struct fetch_progress_counts *c,
			   bool force);
/* Clear the live line (before other output or at the end). */
void fetch_progress_clear(struct fetch_progress *p);

#endif
