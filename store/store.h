/*
 * store: the SQLite cache of one GitLab instance's issues and issue links,
 * plus the crawl state of fetch.
 *
 * Conventions: every function returns STORE_OK (0) or a negative enum
 * store_status, and leaves the reason in store_errmsg(s). The reason is one
 * line without a module prefix (cli/ adds the command). Out of memory has
 * its own code (STORE_ENOMEM), never folded into another. This is
 * the same convention as store, analyze, render and fetch. Strings passed
 * in are copied; strings handed to callbacks are borrowed and valid only
 * during the callback. Nothing here prints or exits.
 */
#ifndef ISSUEGRAPH_STORE_H
#define ISSUEGRAPH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

enum store_status {
	STORE_OK = 0,
	STORE_ERR = -1,       /* SQL or I/O failure */
	STORE_ENOENT = -2,    /* file missing and STORE_OPEN_CREATE not given */
	STORE_ENOTDB = -3,    /* not an SQLite database */
	STORE_EFOREIGN = -4,  /* an SQLite database that is not issuegraph's */
	STORE_ENEWER = -5,    /* written by a newer issuegraph (schema too new) */
	STORE_ELOCKED = -6,   /* another process holds the lock */
	STORE_ECORRUPT = -7,  /* damaged database file */
	STORE_EEMPTY = -8,    /* no fetch or import ever completed into it */
	STORE_EINSTANCE = -9, /* holds another GitLab instance */
	STORE_ENOTFOUND = -10,/* no such row */
	STORE_EINVAL = -11,   /* bad input (import: message says what, where) */
	STORE_ENOMEM = -12,
};

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 2

/* store_open() flags */
#define STORE_OPEN_CREATE 0x1    /* create the file if it is missing */
#define STORE_OPEN_EXCLUSIVE 0x2 /* hold a write lock until close (fetch, import) */

/*
 * Open (and migrate forward) the store at path. On success *out is a
 * handle the caller closes with store_close(). On failure *out is NULL,
 * the file is left untouched, and store_errmsg(NULL) says why.
 * A busy database is retried for a short while, then STORE_ELOCKED.
 */
int store_open(struct store **out, const char *path, unsigned flags);

/* Checkpoint the write-ahead log into the main file and close; s is freed
 * either way. NULL ok. On failure (another process holds the store, so the
 * log cannot be folded in; an I/O error) the reason is in
 * store_errmsg(NULL), as s is gone. */
int store_close(struct store *s);

/* Last error of s; with s == NULL, the last failed store_open() of this thread. */
const char *store_errmsg(const struct store *s);

/* Transactions (BEGIN IMMEDIATE). Nesting is not supported. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_rollback(struct store *s);

/* STORE_EEMPTY unless a fetch or import has completed into this store. */
int store_require_populated(struct store *s);
/* Record that a fetch or import completed (sets the populated mark). */
int store_mark_populated(struct store *s);

/* The instance URL (e.g. "https://gitlab.example.com"); *out NULL if none.
 * Caller frees *out with free(). */
int store_get_instance(struct store *s, char **out);
/* Record the instance; STORE_EINSTANCE if a different one is recorded. */
int store_set_instance(struct store *s, const char *url);

/* ---- records ---------------------------------------------------------- */

enum store_state { STORE_STATE_OPENED = 0, STORE_STATE_CLOSED = 1 };
enum store_link_type { STORE_LINK_BLOCKS = 1, STORE_LINK_RELATES = 2 };

struct store_project {
	int64_t id;
	const char *path;    /* path_with_namespace, e.g. "group/sub/app" */
	const char *web_url; /* may be NULL */
};

struct store_issue {
	int64_t id;         /* global id */
	int64_t project_id;
	int64_t iid;
	const char *title;
	enum store_state state;
	bool confidential;
	bool has_weight;          /* false: weight null or absent */
	int64_t weight;
	int64_t time_estimate;    /* seconds; 0 = none set (GitLab reports 0) */
	int64_t total_time_spent; /* seconds */
	const char *milestone_title; /* NULL: no milestone */
	const char *milestone_due;   /* "YYYY-MM-DD" or NULL */
	const char *due_date;        /* "YYYY-MM-DD" or NULL */
	const char *labels_json;     /* JSON array text, "[]" when none; never NULL */
	const char *created_at;      /* ISO 8601 as GitLab gives it */
	const char *updated_at;
	const char *closed_at;       /* NULL while open */
	const char *web_url;         /* may be NULL */
};

/* One link, stored once in blocking direction: source blocks target, or
 * (relates_to) source is the issue with the smaller id. */
struct store_link {
	int64_t id; /* GitLab's issue_link_id */
	int64_t source_id;
	int64_t target_id;
	enum store_link_type type;
};

/* Insert or replace by id. A project must exist before its issues, both
 * issues before a link between them (STORE_EINVAL otherwise). */
int store_put_project(struct store *s, const struct store_project *p);
int store_put_issue(struct store *s, const struct store_issue *i);
/* Normalises a relates_to link so that source_id < target_id. */
int store_put_link(struct store *s, const struct store_link *l);
/* Replace every link that touches issue_id with links[0..n). */
int store_replace_links_of(struct store *s, int64_t issue_id,
			   const struct store_link *links, size_t n);
int store_delete_issue(struct store *s, int64_t issue_id); /* and its links */
/* Remove all projects, issues, links, the instance and the crawl state. */
int store_clear(struct store *s);

/* Iteration, ascending by id. A callback returning non-zero stops the
 * walk and that value is returned. */
typedef int (*store_project_cb)(void *ctx, const struct store_project *p);
typedef int (*store_issue_cb)(void *ctx, const struct store_issue *i);
typedef int (*store_link_cb)(void *ctx, const struct store_link *l);
int store_each_project(struct store *s, store_project_cb cb, void *ctx);
int store_each_issue(struct store *s, store_issue_cb cb, void *ctx);
int store_each_link(struct store *s, store_link_cb cb, void *ctx);

/*
 * The analyser's fast path: issues with only the fields analysis needs
 * (title, labels, times and web_url are NULL/0 in the row), and links, in
 * no particular order. filter narrows them in SQL, so rows the caller
 * would drop are never decoded: STORE_WALK_OPEN_ONLY (issues),
 * STORE_WALK_BLOCKS_ONLY or STORE_WALK_RELATES_ONLY (links); 0 for all.
 */
#define STORE_WALK_OPEN_ONLY 0x1
#define STORE_WALK_BLOCKS_ONLY 0x2
#define STORE_WALK_RELATES_ONLY 0x4
int store_each_issue_brief(struct store *s, unsigned filter, store_issue_cb cb, void *ctx);
int store_each_link_fast(struct store *s, unsigned filter, store_link_cb cb, void *ctx);

/* One issue by id, handed to cb; STORE_ENOTFOUND if absent. */
int store_get_issue(struct store *s, int64_t id, store_issue_cb cb, void *ctx);
/* Look up an issue id by project path and iid; STORE_ENOTFOUND if absent. */
int store_find_issue(struct store *s, const char *project_path, int64_t iid,
		     int64_t *id_out);
/* Look up a project by id; cb gets the row. STORE_ENOTFOUND if absent. */
int store_get_project(struct store *s, int64_t id, store_project_cb cb, void *ctx);

struct store_counts {
	int64_t projects;
	int64_t issues_opened, issues_closed;
	int64_t links_blocks, links_relates;
};
int store_counts(struct store *s, struct store_counts *out);

/* Free-form key/value metadata (the instance, fetch marks, ...).
 * store_meta_get: *out NULL if the key is absent; caller frees.
 * store_meta_set: value NULL removes the key. */
int store_meta_get(struct store *s, const char *key, char **out);
int store_meta_set(struct store *s, const char *key, const char *value);

/* ---- refs -------------------------------------------------------------------- */

/*
 * Parse a ref "<project path>#<iid>" (e.g. "group/sub/app#12"). The path is
 * one or more '/'-separated segments of [A-Za-z0-9_.-] (not starting with
 * '-' or '.'), the iid a decimal integer >= 1 without sign or leading zero.
 * On success *path_out is a malloc'd copy of the path. Returns 0 or
 * STORE_EINVAL (nothing allocated).
 */
int store_ref_parse(const char *ref, char **path_out, int64_t *iid_out);

/* Compare two refs by the SPEC's order: path bytewise, then iid. */
int store_ref_cmp(const char *path_a, int64_t iid_a, const char *path_b, int64_t iid_b);

/* ---- crawl state (fetch) ------------------------------------------------ */
/* Owned by fetch's needs; implemented in store/crawl_state.c. */

/* The seeds recorded by the last fetch, as the words the user gave
 * ("--project g/a", "--issue g/a#3", "--group g"), in given order.
 * *out is a NULL-terminated array; free with store_strv_free(). */
int store_get_seeds(struct store *s, char ***out);
int store_set_seeds(struct store *s, const char *const *seeds, size_t n);
void store_strv_free(char **v);

/* Ids of the projects the recorded seeds cover (seed projects, projects of
 * seed groups, projects of seed issues), ascending. Empty when nothing is
 * recorded (e.g. after import). Caller frees *ids with free(). */
int store_seed_projects(struct store *s, int64_t **ids, size_t *n);

struct store_fetch_info {
	char *started_at; /* server Date at the start of the last (first attempt of a resumed) fetch, ISO 8601 UTC; NULL if none */
	bool completed;   /* whether that fetch completed */
};
/* Caller frees started_at with free(). */
int store_get_fetch_info(struct store *s, struct store_fetch_info *out);

/* ---- JSON snapshots (import / export) ----------------------------------- */
#include <stdio.h>

/*
 * Replace the store's contents with the JSON snapshot buf[0..len) (SPEC
 * "JSON snapshot"), all or nothing, in one transaction: projects, issues,
 * links, the instance (the snapshot's "source"; "" means none), and the
 * crawl state cleared; the store is marked populated. On bad input returns
 * STORE_EINVAL with a one-line message naming the problem and where
 * ("issues[3].project_id: 99 is not a project of the snapshot",
 * "line 1, column 5031: unexpected end of input") and the store is left
 * as it was. Must not be called inside store_begin().
 */
int store_import_json(struct store *s, const char *buf, size_t len);

/* Counts of the last successful store_import_json() on s (for the summary). */
struct store_import_counts {
	int64_t projects, issues, links;
};
void store_import_counts(const struct store *s, struct store_import_counts *out);

/*
 * Write the store as a JSON snapshot to out, streamed record by record:
 * fixed key order, arrays sorted by id, each link once in stored direction,
 * so that export -> import -> export is byte-identical. Returns 0, or
 * STORE_ERR if writing to out failed (message says so).
 */
int store_export_json(struct store *s, FILE *out);

/* ---- crawl (fetch) ---- */
/* The crawl frontier and listing state of fetch (store/crawl.c). All of
 * these write inside the caller's transaction when one is open. */

/* A project the current fetch lists. is_seed: 1 = a seed project (listed
 * whole, or since list_updated_after), 2 = the project of a seed issue,
 * 0 = another project holding stored issues (incremental: listed by its
 * stored iids). list_next: the next page URL, or for is_seed != 1 the last
 * iid listed; NULL = start. */
struct store_crawl_project {
	int64_t project_id;
	int is_seed;
	bool accessible;
	bool list_done;
	const char *list_next;          /* borrowed in callbacks */
	const char *list_updated_after; /* ISO 8601, NULL = everything */
};
typedef int (*store_crawl_project_cb)(void *ctx, const struct store_crawl_project *p);
/* Insert or replace the row of p->project_id. */
int store_crawl_put_project(struct store *s, const struct store_crawl_project *p);
/* Every row, ascending by project id. */
int store_crawl_each_project(struct store *s, store_crawl_project_cb cb, void *ctx);

/* An issue the crawl reached: hop from the nearest seed, whether its links
 * were read in the current fetch. */
struct store_crawl_issue {
	int64_t issue_id, project_id, iid;
	int64_t hop;
	bool expanded;
};
typedef int (*store_crawl_issue_cb)(void *ctx, const struct store_crawl_issue *i);
/* STORE_ENOTFOUND if the issue has no crawl row. project_id/iid filled. */
int store_crawl_get_issue(struct store *s, int64_t issue_id, struct store_crawl_issue *out);
/* Insert or replace (the issue must be stored). */
int store_crawl_put_issue(struct store *s, int64_t issue_id, int64_t hop, bool expanded);
/* Unexpanded issues with hop < max_hop, by hop then id. */
int store_crawl_each_pending(struct store *s, int64_t max_hop, store_crawl_issue_cb cb, void *ctx);
/* Start a new fetch: drop the listing state and the inaccessible marks;
 * keep_issues false also drops every issue's crawl row (an incremental
 * fetch keeps them: it re-expands only what changed). */
int store_crawl_reset(struct store *s, bool keep_issues);
/* Remember that project_id#iid (iid 0: the whole project) answered 404. */
int store_crawl_mark_inaccessible(struct store *s, int64_t project_id, int64_t iid);
/* --full: delete every issue (and its links) the fetch did not reach, and
 * projects left without issues that are not seeds; *n the issues deleted. */
int store_crawl_prune(struct store *s, int64_t *n);
/* Ids of the projects that hold stored issues, ascending; free(*ids). */
int store_crawl_issue_projects(struct store *s, int64_t **ids, size_t *n);
/* The stored iids of project_id above after_iid, ascending, at most max;
 * free(*iids). */
int store_crawl_project_iids(struct store *s, int64_t project_id, int64_t after_iid,
			     size_t max, int64_t **iids, size_t *n);

#endif
