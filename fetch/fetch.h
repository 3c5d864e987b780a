/*
 * fetch: the GitLab REST API v4 client and the crawler that fills the store.
 *
 * Conventions: functions return FETCH_OK (0) or a negative enum
 * fetch_status; a failing call leaves the reason (what failed, then why,
 * then what to do) in the buffer the caller hands in. The reason is one
 * line without a module prefix (cli/ adds the command). Out of memory has
 * its own code (FETCH_ENOMEM), never folded into another. This is
 * the same convention as store, analyze, render and fetch. Nothing here
 * prints or exits; progress counts and -v log lines go to the callbacks
 * given in the options (the caller draws and prints them). A token is
 * never written anywhere: not to a message, a log line, or the store.
 */
#ifndef ISSUEGRAPH_FETCH_H
#define ISSUEGRAPH_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

enum fetch_status {
	FETCH_OK = 0,
	FETCH_EREMOTE = -1, /* network, TLS, auth, API, refused redirect, plain http */
	FETCH_ESTORE = -2,  /* the store failed (message is the store's) */
	FETCH_EUSAGE = -3,  /* a bad value (e.g. an --issue ref that is not one) */
	FETCH_ENOMEM = -4,
};

/* Size of the message buffers passed to the functions below. */
#define FETCH_ERRMSG_SIZE 512

/* ---- credentials (auth.c) --------------------------------------------- */

enum fetch_auth_kind {
	FETCH_AUTH_NONE = 0,
	FETCH_AUTH_PRIVATE_TOKEN, /* sent as PRIVATE-TOKEN */
	FETCH_AUTH_BEARER,	  /* sent as Authorization: Bearer */
};

struct fetch_token {
	enum fetch_auth_kind kind;
	char *value;	    /* owned; wiped by fetch_token_release() */
	const char *source; /* static: "--token-file", "GITLAB_TOKEN", ... (safe to print) */
};

/*
 * The SPEC's token sources in order: token_file (first line, surrounding
 * whitespace stripped), $GITLAB_TOKEN, $GITLAB_ACCESS_TOKEN, $OAUTH_TOKEN.
 * With none, FETCH_EREMOTE and a message saying how to give one; when
 * $CI_JOB_TOKEN is the only credential, FETCH_EREMOTE naming the fix.
 * A token file that cannot be read or is empty: FETCH_EUSAGE.
 * Release with fetch_token_release() (wipes the value).
 */
int fetch_token_resolve(struct fetch_token *out, const char *token_file, char *err);
void fetch_token_release(struct fetch_token *t);

/*
 * Normalise an instance URL: a bare host gets https://, the path loses
 * trailing slashes (and a trailing /api/v4); userinfo, query and fragment
 * are refused. *out is malloc'd ("https://gitlab.example.com" or with a path
 * prefix for instances under one). FETCH_EUSAGE on a URL that is not one;
 * the message never quotes the URL (it may hold a secret) and does not say
 * where it came from: the caller prefixes that ("--url: ...").
 */
int fetch_url_normalize(const char *in, char **out, char *err);

/*
 * The plain-http rule: FETCH_EREMOTE for an http:// URL whose host is not
 * localhost, 127.0.0.0/8 or ::1, unless allow_http; then *warn is set.
 */
int fetch_url_check_http(const char *url, bool allow_http, bool *warn, char *err);

/* Whether a and b have the same scheme, host and port (redirect rule). */
bool fetch_url_same_origin(const char *a, const char *b);

/* ---- the Link header (paginate.c) -------------------------------------- */

/*
 * The URL of the rel="next" entry of an RFC 8288 Link header value, e.g.
 * `<https://h/api/v4/x?page=2>; rel="next", <...>; rel="last"`. *out is
 * malloc'd, or NULL when there is no next link. Returns 0 or FETCH_ENOMEM.
 */
int fetch_link_next(const char *header, char **out);

/* ---- the crawl (crawl.c) ---------------------------------------------- */

#define FETCH_DEPTH_UNLIMITED (-1)

/* Where a crawl is, for a progress line. */
struct fetch_progress_counts {
	int64_t issues;	  /* distinct issues stored so far */
	int64_t links;	  /* link lists read */
	int64_t requests; /* HTTP requests sent (retries included) */
	int64_t retries;
	int64_t queue; /* issues waiting to be expanded and requests pending */
	int64_t rate_limited; /* 429 answers so far */
	/* what the fetch waits on now: requests in flight, requests waiting
	 * to be tried again, seconds left of a rate limit's pause and until
	 * the next retry (0: none) */
	int64_t in_flight, waiting;
	double rate_wait, retry_wait;
};

/* The seconds between plain progress lines (10; a test build may scale
 * them with $ISSUEGRAPH_TEST_PROGRESS_PERIOD). */
double fetch_progress_period(void);
/* Called each time the crawl's loop turns (often: the caller throttles). */
typedef void (*fetch_progress_fn)(void *ctx, const struct fetch_progress_counts *c);
/* One -v log line ("GET <path> <status or error> <ms> ms"), no newline. It
 * holds server and curl text: print it as safe text. */
typedef void (*fetch_log_fn)(void *ctx, const char *line);

/* --text-deps-scope (SPEC "Text dependencies"). */
enum fetch_text_scope {
	FETCH_TEXT_SCOPE_NAMESPACE = 0, /* top-level namespaces of the seeds and of
					 * every project reached through links */
	FETCH_TEXT_SCOPE_SEEDS,		/* seed projects, seed groups' projects,
					 * seed issues' projects */
	FETCH_TEXT_SCOPE_INSTANCE,	/* any project the token can read */
};

/* "namespace", "seeds", "instance"; -1 for another word. */
int fetch_text_scope_parse(const char *word);
const char *fetch_text_scope_name(enum fetch_text_scope s);

struct fetch_options {
	const char *url;	/* normalised instance URL (fetch_url_normalize) */
	const char *user_agent; /* e.g. "issuegraph/0.1.0" */
	const struct fetch_token *token;

	/* Seeds as the user gave them; all NULL-free arrays of n strings. */
	const char *const *projects;
	size_t n_projects;
	const char *const *groups;
	size_t n_groups;
	const char *const *issues; /* refs "path#iid" */
	size_t n_issues;

	int64_t depth; /* FETCH_DEPTH_UNLIMITED or >= 0 */
	bool follow_related;
	const char *state; /* "opened", "closed" or "all" */
	bool full;

	int jobs;	      /* requests in flight, >= 1 */
	long timeout;	      /* seconds per request */
	long connect_timeout; /* seconds */
	int retries;	      /* tries per request, >= 1 */
	long retry_time;      /* seconds per request, all tries */
	const char *cacert;   /* CA bundle or NULL */

	bool text_deps; /* read text dependencies (false: --no-text-deps) */
	/* which projects a text reference may bring into the store
	 * (--text-deps-scope; a crawl option) */
	enum fetch_text_scope text_scope;

	int verbose;		       /* 1: one log line per request (on_log) */
	fetch_log_fn on_log;	       /* NULL: no log lines */
	fetch_progress_fn on_progress; /* NULL: no progress */
	void *cb_ctx;		       /* handed to on_log and on_progress */
};

/* What the crawl read from descriptions. */
struct fetch_text_stats {
	int64_t descriptions; /* descriptions read by the extractor */
	int64_t dropped;      /* references dropped: 403/404, no such project or issue */
	int64_t capped;	      /* references over the 500 per description */
	int64_t outside;      /* references outside --text-deps-scope, not held anyway */
	int64_t too_long;     /* references whose path breaks GitLab's limits */
	int64_t lookups_capped; /* references to projects over the 2,000 lookups */
	double extract_cpu;   /* thread CPU seconds spent in textdeps_extract() */
};

/* A reference named in more than 20 descriptions (a template placeholder?). */
struct fetch_text_hot {
	char *ref; /* "path#iid" (lower case), malloc'd; from a description: unsafe */
	int64_t descriptions;
};

struct fetch_result {
	int64_t issues;	  /* distinct issues stored or refreshed by this process */
	int64_t links;	  /* link lists read */
	int64_t requests; /* HTTP requests sent (retries included) */
	int64_t retries;
	int64_t rate_limited; /* 429 answers */
	int64_t inaccessible; /* linked projects/issues answering 404 */
	int64_t pruned;	      /* issues removed by --full */
	bool resumed;	      /* continued an interrupted fetch */
	bool incremental;     /* listed only what changed since the last fetch */
	bool saw_blocks;      /* the store holds at least one blocks link */
	/* Records GitLab sent that break the snapshot's rules (store.h's
	 * decoder), skipped and never stored; the first one's reason (raw
	 * server text: escape before printing). */
	int64_t skipped;
	char skipped_first[400];
	int64_t text_deps; /* distinct pairs the store's text dependencies give */
	struct fetch_text_stats text;
	struct fetch_text_hot *text_hot; /* owned: fetch_result_release() */
	size_t n_text_hot;
	double seconds;
};

/*
 * Crawl the instance o->url into s (opened with STORE_OPEN_EXCLUSIVE) by
 * the SPEC's crawl and incremental rules. No seeds in o: the recorded
 * ones (the caller resolves $CI_PROJECT_PATH before). Records the seeds,
 * the options and the marks; each finished unit is its own transaction, so
 * an interrupted run resumes. res may be NULL.
 *
 * Test hooks, compiled in only with ISSUEGRAPH_TEST_HOOKS (defined when
 * the tests are built, -DISSUEGRAPH_TESTS=ON; never in a package):
 * with $ISSUEGRAPH_TEST_KILL_AT_COMMIT=N in the environment the
 * process raises SIGKILL right before the COMMIT of its Nth unit (to test
 * that a kill inside a write transaction loses nothing).
 * $ISSUEGRAPH_TEST_MAX_OFFSET=N lowers the deepest offset paged to
 * (GitLab: 50,000) so that tests exercise the updated_after continuation.
 * $ISSUEGRAPH_TEST_BODY_CAP=BYTES lowers the cap on one answer (256 MiB; a
 * listing page over it is asked again with a smaller per_page) and
 * $ISSUEGRAPH_TEST_BODY_BUDGET=BYTES the budget for all answers buffered
 * at once (512 MiB; beyond it transfers wait).
 */
int fetch_run(struct store *s, const struct fetch_options *o, struct fetch_result *res, char *err);
/* Free what fetch_run() allocated in res (NULL-safe). */
void fetch_result_release(struct fetch_result *res);

#endif
