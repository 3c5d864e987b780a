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
	char *link_next; /* Link rel="next" rebased on the instance (fetch_api_rebase), or NULL */
	long x_page;	 /* X-Page, -1 if absent */

	bool too_big; /* a shrinkable request whose answer passed the caps
		       * (body size, JSON values): status 0, json NULL */

	/* http.c's own */
	struct http *http;
	void *easy;
	char *body;
	size_t body_len, body_cap;
	bool shrinkable, paused, too_many;
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
	/* now: requests in flight, waiting to be tried again, and the seconds
	 * until a rate limit's pause ends and until the next retry (0: none) */
	int64_t in_flight, waiting;
	double rate_wait, retry_wait;
};

int http_new(struct http **out, const struct fetch_options *o, char *err);
void http_free(struct http *h);
/* Hand the kind and data of every request not yet delivered (queued,
 * waiting or in flight) to drop, e.g. to free the crawler's data after a
 * fatal error; http_free() then frees the requests themselves. */
void http_drop_pending(struct http *h, void (*drop)(void *ctx, int kind, void *data), void *ctx);

/* Queue a GET of url (absolute): its path and query go to the instance's
 * origin (fetch_api_rebase); FETCH_EREMOTE when that refuses it (callers
 * that take a URL from outside rebase it first, for the message). */
int http_submit(struct http *h, const char *url, int kind, void *data);
/* The same for a listing page that can be asked again with a smaller
 * per_page: an answer over the caps is handed to the callback with
 * too_big set instead of failing the crawl. */
int http_submit_shrinkable(struct http *h, const char *url, int kind, void *data);

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

/* auth.c: whether url's host is localhost, 127.0.0.0/8 or ::1. */
bool fetch_url_is_loopback(const char *url);

/* ---- origin.c: every request goes to the instance's origin ----------- */

/*
 * The URL to request for target (absolute: a Link rel="next", a URL kept
 * in the crawl frontier): target's path and query on instance's scheme,
 * host and port. FETCH_EREMOTE with a message (target clipped) when the
 * path is outside "<instance path>/api/v4/" or has a "." or ".." segment.
 * *out is malloc'd.
 */
int fetch_api_rebase(const char *instance, const char *target, char **out, char *err);

/* ---- classify.c: what to do with one finished transfer ---------------- */

#define FETCH_MAX_REDIRECTS 8
#define FETCH_BACKOFF_BASE  0.5 /* seconds, doubled per try */
#define FETCH_BACKOFF_MAX   30.0

/* What came back, as http.c saw it. Strings are borrowed (NULL: absent). */
struct fetch_response_facts {
	int transport;		     /* CURLcode; 0: an answer came */
	const char *transport_error; /* curl's error buffer, or NULL/"" */
	bool too_big;		     /* the body passed body_cap */
	bool too_many;		     /* the JSON tree would pass the value caps */
	bool shrinkable;	     /* the caller can ask for less (listing pages) */
	bool accept_403;	     /* the caller judges a 403 (HTTP_KIND_ACCEPT_403) */
	size_t body_cap;
	long status;		     /* HTTP status */
	const char *retry_after;     /* seconds or an HTTP date */
	const char *ratelimit_reset; /* a Unix time */
	const char *date;	     /* the server's Date */
	const char *location;	     /* a redirect's target (absolute) */
	bool json_valid;	     /* the body parsed as one JSON value */
	const char *api_message;     /* GitLab's message of a 401/403 body */
	const char *url;	     /* the request (for the same-origin rule) */
	const char *path;	     /* its path and query (for messages) */
	int tries;		     /* failed tries so far that count */
	int redirects;		     /* redirects followed so far */
	double elapsed;		     /* seconds since the first try */
	double now_unix;	     /* the local clock (when there is no Date) */
	double jitter;		     /* a random draw in [0, 1) */
	int max_tries;		     /* --retries */
	double max_seconds;	     /* --retry-time */
	/* first contact: no answer of the API has come yet (SPEC: a URL that
	 * is not the API gets a message naming the instance and the fix, at
	 * once) */
	bool first_contact;
	bool looks_html;	 /* the body (or its Content-Type) is an HTML page */
	const char *instance;	 /* the instance tried, for those messages */
};

/* The likely fix when the first request of a fetch fails (what: curl's
 * code, or 0 for an answer that is not the API) into buf. Pure. */
void fetch_first_contact_hint(const char *instance, int transport, char *buf, size_t len);

enum fetch_verdict {
	FETCH_V_OK,	  /* deliver to the crawler (2xx with JSON, 404, other 4xx) */
	FETCH_V_RETRY,	  /* try again after delay_ms */
	FETCH_V_REDIRECT, /* same origin: ask location instead */
	FETCH_V_FAIL,	  /* give up: exit_class and msg */
};

struct fetch_decision {
	enum fetch_verdict verdict;
	long delay_ms;		     /* RETRY */
	bool counts;		     /* RETRY: counts as a try (a 429 does not) */
	bool rate_limited;	     /* a 429 */
	bool told;		     /* a 429 that said how long to wait */
	const char *location;	     /* REDIRECT: borrowed from the facts */
	int exit_class;		     /* FAIL: a negative fetch_status */
	char msg[FETCH_ERRMSG_SIZE]; /* FAIL: the message (server text bounded);
				      * RETRY: why */
};

/* Pure: the verdict on one answer (also stored in out->verdict). */
enum fetch_verdict fetch_classify(const struct fetch_response_facts *in,
				  struct fetch_decision *out);
/* The seconds a 429 asks to wait: Retry-After (seconds or an HTTP date),
 * else RateLimit-Reset minus the server's Date; -1 when neither says. */
double fetch_rate_wait(const struct fetch_response_facts *in);
/* Exponential backoff for the tries-th retry, jitter in [0, 1) scaling it
 * by [0.5, 1.5); at most FETCH_BACKOFF_MAX * 1.5 seconds. */
double fetch_backoff(int tries, double jitter);

/* ---- json_get.c: one key of a JSON object, typed --------------------- */

/* o's key as an integer into *out; false when o is NULL or the key is
 * absent or not an integer. */
bool fetch_jint(struct json_object *o, const char *key, int64_t *out);
/* o's key as a string (borrowed from o); NULL when absent or not one. */
const char *fetch_jstr(struct json_object *o, const char *key);
/* o's key as a boolean (json-c's truthiness); false when absent. */
bool fetch_jbool(struct json_object *o, const char *key);

/* ---- jsonlimit.c -------------------------------------------------------- */

#define FETCH_JSON_MAX_DEPTH	  64
#define FETCH_JSON_MAX_CONTAINERS 200000  /* arrays and objects in one answer */
#define FETCH_JSON_MAX_VALUES	  4000000 /* values in one answer */

/* Whether the JSON text b[0..n) holds at most max_containers arrays and
 * objects and max_values values (counted outside strings; not a parser). */
bool fetch_json_within(const char *b, size_t n, size_t max_containers, size_t max_values);

/* ---- listing.c: where a project's issue listing goes next ------------- */

#define FETCH_TIME_MAX	   64	/* bytes of an updated_at we accept */
#define FETCH_NEXT_URL_MAX 8192 /* bytes of a next-page URL we keep */

/* Whether s is an RFC 3339 date-time ("2026-01-02T03:04:05.678Z", or with
 * an offset) of at most FETCH_TIME_MAX bytes: usable in updated_after. */
bool fetch_time_is_rfc3339(const char *s);

/* What one page of a Link-paged listing said. */
struct fetch_list_facts {
	size_t rows;		  /* rows on the page */
	bool has_next;		  /* a rel="next" link */
	bool next_repeats;	  /* it names a (path, query) read in this series */
	size_t next_len;	  /* its length */
	int64_t x_page;		  /* X-Page, -1 if absent (clamped by the caller) */
	int64_t pages_read;	  /* pages read in this series before this one */
	int64_t per_page;	  /* rows asked per page */
	int64_t max_offset;	  /* deepest offset paged to (GitLab: 50,000) */
	const char *last_updated; /* updated_at of the last row, NULL if none */
	const char *series_after; /* updated_after the series started from, or NULL */
};

enum fetch_list_step {
	FETCH_LIST_DONE,      /* the listing is complete */
	FETCH_LIST_NEXT_PAGE, /* follow the next link */
	FETCH_LIST_CONTINUE,  /* the offset limit: a new series, updated_after = last_updated */
	FETCH_LIST_FAIL,      /* give up (exit 3): out->msg says why */
};

struct fetch_list_decision {
	enum fetch_list_step step;
	int64_t page; /* the page just read, as counted in this series */
	char msg[256];
};

/* Pure: the next step of a listing. Every path ends: the page count is ours
 * (X-Page only moves it deeper, up to the limit), a repeated next link
 * fails, the offset limit starts a series only when updated_at moved on. */
enum fetch_list_step fetch_list_next(const struct fetch_list_facts *in,
				     struct fetch_list_decision *out);

/* A request kind with this bit set hands a 403 to the done callback (a
 * project with its issues feature off, GET /issues/:id for a non-admin)
 * instead of failing the fetch. */
#define HTTP_KIND_ACCEPT_403 0x1000

/* ---- crawl.c services for text_refs.c ---------------------------------- */

struct crawl;
struct store_issue;

enum { CRAWL_PROJECT_UNKNOWN = 0, CRAWL_PROJECT_KNOWN, CRAWL_PROJECT_GONE };

/* The source the crawl reads from (source.h). */
struct fetch_source *crawl_source(struct crawl *c);
/* One unit of work: begin, then end_unit(rc) commits (rc 0) or rolls back. */
int crawl_begin(struct crawl *c);
int crawl_end_unit(struct crawl *c, int rc);
/* Store an issue / project object of GitLab's (inside a unit). 1: the one
 * decoder refused it (counted in the summary, nothing stored). */
int crawl_put_issue(struct crawl *c, struct json_object *o, struct store_issue *out);
int crawl_put_project(struct crawl *c, struct json_object *o, int64_t *id_out);
/* The same in two steps: decode (strings borrowed from o; 1: refused and
 * counted), then store the record (inside a unit). */
/* An issue decoded by the one decoder, its strings owned (arena). */
struct fetch_issue_rec {
	struct store_issue i;
	char *arena;
};
/* Decode o into *out (malloc'd; its description read into references
 * when its project is known); 1: refused (counted), *out NULL. */
int crawl_decode_issue(struct crawl *c, struct json_object *o, struct fetch_issue_rec **out);
void fetch_issue_rec_free(struct fetch_issue_rec *r);
/* Store a decoded issue (inside a unit); 1: refused by the store (counted). */
int crawl_put_issue_record(struct crawl *c, const struct store_issue *i);
/* Copy a decoded issue's strings into one block (*arena); -1 out of memory. */
int crawl_own_issue_strings(struct store_issue *i, char **arena);
struct store_project;
int crawl_decode_project(struct crawl *c, struct json_object *o, struct store_project *out);
int crawl_put_project_record(struct crawl *c, const struct store_project *p);
bool crawl_project_known(struct crawl *c, int64_t project_id);
int crawl_project_state(struct crawl *c, int64_t project_id);
/* Ask for a project by id (its answer stores it, then retries what waits). */
int crawl_want_project(struct crawl *c, int64_t project_id);
/* Whether a stored issue stays after this run (a pruning run keeps only
 * what it reached). */
bool crawl_issue_reached(struct crawl *c, int64_t issue_id);
/* An issue that a text dependency names is reached at hop (inside a unit). */
int crawl_reach_text(struct crawl *c, const struct store_issue *i, int64_t hop);

/* ---- text_refs.c: text dependencies in the crawl ------------------------ */

enum { K_TEXT_PROJECT = 64, K_TEXT_ISSUES, K_TEXT_MOVED };

struct text_refs;

/* instance: the instance URL (its origin makes issue URLs references). */
int text_refs_new(struct text_refs **out, struct crawl *c, struct store *s, struct http *h,
		  const char *instance, enum fetch_text_scope scope, char *err);
/* --text-deps-scope: a seed's project (seed) or a project reached through
 * links widens what text references may bring in. */
int text_refs_scope_project(struct text_refs *t, int64_t project_id, bool seed);
/* Projects that answered 403/404 to an earlier fetch (not asked again). */
int text_refs_load_gone(struct text_refs *t);
/* At the end of the crawl: references outside the scope. final false:
 * follow those the scope allows by now (1: work was queued, drive the
 * crawl again; 0: nothing); final true: keep those the store holds, drop
 * and count the rest. */
int text_refs_late(struct text_refs *t, bool final);
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

#endif
