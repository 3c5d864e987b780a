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
	STORE_ERR = -1,	       /* SQL or I/O failure */
	STORE_ENOENT = -2,     /* file missing and STORE_OPEN_CREATE not given */
	STORE_ENOTDB = -3,     /* not an SQLite database */
	STORE_EFOREIGN = -4,   /* an SQLite database that is not issuegraph's */
	STORE_ENEWER = -5,     /* written by a newer issuegraph (schema too new) */
	STORE_ELOCKED = -6,    /* another process holds the lock */
	STORE_ECORRUPT = -7,   /* damaged database file */
	STORE_EEMPTY = -8,     /* no fetch or import ever completed into it */
	STORE_EINSTANCE = -9,  /* holds another GitLab instance */
	STORE_ENOTFOUND = -10, /* no such row */
	STORE_EINVAL = -11,    /* bad input (import: message says what, where) */
	STORE_ENOMEM = -12,
};

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 7

/* store_open() flags */
#define STORE_OPEN_CREATE    0x1 /* create the file if it is missing */
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
/* Record the instance, as named by the user for a fetch; STORE_EINSTANCE
 * if a different one is recorded. */
int store_set_instance(struct store *s, const char *url);

/* Who recorded the instance: a fetch (the user named it) or an import (the
 * snapshot's "source", which anyone can write). A store written before this
 * was recorded counts as fetched when it holds fetch marks. */
enum store_instance_origin {
	STORE_INSTANCE_NONE = 0, /* no instance recorded */
	STORE_INSTANCE_FETCHED,
	STORE_INSTANCE_IMPORTED,
};
int store_get_instance_origin(struct store *s, enum store_instance_origin *out);

/* ---- records ---------------------------------------------------------- */

enum store_state { STORE_STATE_OPENED = 0, STORE_STATE_CLOSED = 1 };
enum store_link_type { STORE_LINK_BLOCKS = 1, STORE_LINK_RELATES = 2 };

struct store_project {
	int64_t id;
	const char *path;    /* path_with_namespace, e.g. "group/sub/app" */
	const char *web_url; /* may be NULL */
};

struct store_issue {
	int64_t id; /* global id */
	int64_t project_id;
	int64_t iid;
	const char *title;
	enum store_state state;
	bool confidential;
	bool has_weight; /* false: weight null or absent */
	int64_t weight;
	int64_t time_estimate;	     /* seconds; 0 = none set (GitLab reports 0) */
	int64_t total_time_spent;    /* seconds */
	const char *milestone_title; /* NULL: no milestone */
	const char *milestone_due;   /* "YYYY-MM-DD" or NULL */
	const char *due_date;	     /* "YYYY-MM-DD" or NULL */
	const char *labels_json;     /* JSON array text, "[]" when none; never NULL */
	/* the assignees' usernames in the tracker's order, a JSON array of
	 * strings; "[]" when none (NULL is taken as none when writing) */
	const char *assignees_json;
	const char *created_at;	     /* ISO 8601 as GitLab gives it */
	const char *updated_at;
	const char *closed_at; /* NULL while open */
	const char *web_url;   /* may be NULL */
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
int store_replace_links_of(struct store *s, int64_t issue_id, const struct store_link *links,
			   size_t n);
/* Delete an issue, its links and the text dependencies that name it either way. */
int store_delete_issue(struct store *s, int64_t issue_id);
/* Remove all projects, issues, links, text dependencies, the instance and
 * the crawl state. */
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
#define STORE_WALK_OPEN_ONLY	0x1
#define STORE_WALK_BLOCKS_ONLY	0x2
#define STORE_WALK_RELATES_ONLY 0x4
int store_each_issue_brief(struct store *s, unsigned filter, store_issue_cb cb, void *ctx);
int store_each_link_fast(struct store *s, unsigned filter, store_link_cb cb, void *ctx);

/*
 * The issues ids[0..n) (any order; duplicates and ids not in the store are
 * skipped), each handed to cb once, ascending by id. One statement: a
 * look-up per id for a short list, one scan of the table for a long one.
 * STORE_ENOMEM when the id list cannot be copied.
 */
int store_get_issues(struct store *s, const int64_t *ids, size_t n, store_issue_cb cb,
		     void *ctx);
/* One issue by id, handed to cb; STORE_ENOTFOUND if absent. */
int store_get_issue(struct store *s, int64_t id, store_issue_cb cb, void *ctx);
/* Look up an issue id by project path and iid; STORE_ENOTFOUND if absent. */
int store_find_issue(struct store *s, const char *project_path, int64_t iid, int64_t *id_out);
/* Look up a project by id; cb gets the row. STORE_ENOTFOUND if absent. */
int store_get_project(struct store *s, int64_t id, store_project_cb cb, void *ctx);

struct store_counts {
	int64_t projects;
	int64_t issues_opened, issues_closed;
	int64_t links_blocks, links_relates;
	int64_t text_deps; /* distinct pairs A blocks B that text gives, either direction */
};
int store_counts(struct store *s, struct store_counts *out);

/* ---- text dependencies ----------------------------------------------------- */
/* Implemented in store/text_deps.c. */

enum store_text_type { STORE_TEXT_BLOCKS = 1, STORE_TEXT_BLOCKED_BY = 2 };

/* A text dependency, from the side of the issue whose description holds it:
 * source_id's description says "blocks target" (STORE_TEXT_BLOCKS) or
 * "blocked by target" (STORE_TEXT_BLOCKED_BY). In blocking direction it is
 * the edge blocker -> blocked: source -> target for STORE_TEXT_BLOCKS,
 * target -> source for STORE_TEXT_BLOCKED_BY. */
struct store_text_dep {
	int64_t source_id, target_id;
	enum store_text_type type;
	int64_t line;	    /* 1-based line of source's description (>= 1) */
	const char *phrase; /* lower-case phrase, e.g. "blocked by"; never NULL */
};

/* Replace the text dependencies held by source_id's description with
 * d[0..n) (entries equal in source, target, type are one: smallest line
 * kept, with its phrase). Every d[k].source_id must be source_id. Both
 * issues must be stored (STORE_EINVAL otherwise); a self reference, an
 * unknown type, a line < 1 or a NULL phrase is STORE_EINVAL, and nothing
 * is changed. Inside the caller's transaction if open. */
int store_replace_text_deps_of(struct store *s, int64_t source_id, const struct store_text_dep *d,
			       size_t n);

/* Every text dependency, sorted by source, target, type, line. A callback
 * returning non-zero stops the walk and that value is returned. */
typedef int (*store_text_dep_cb)(void *ctx, const struct store_text_dep *d);
int store_each_text_dep(struct store *s, store_text_dep_cb cb, void *ctx);

/* The text dependencies that say "blocker blocks blocked" (written either
 * way round), sorted by source, target, type. */
int store_each_text_dep_of_pair(struct store *s, int64_t blocker, int64_t blocked,
				store_text_dep_cb cb, void *ctx);

/* Remove every text dependency and every dropped count (fetch --no-text-deps). */
int store_clear_text_deps(struct store *s);

/* References in source_id's description that could not be read (403/404,
 * no such project or issue, over the 500 cap): how many were "blocked by"
 * references (blockers of this issue) and how many in all. Replaced on
 * each re-read; 0,0 removes the row. The issue must be stored. */
int store_set_text_dropped(struct store *s, int64_t issue_id, int64_t blocker_refs,
			   int64_t all_refs);

/* Add one text dependency to what source's description holds (the
 * smallest line kept); both issues stored. Inside the caller's transaction. */
int store_add_text_dep(struct store *s, const struct store_text_dep *d);

/* Project paths (lower case) that answered 403 or 404 to a text reference:
 * fetch does not ask them again until a full crawl clears them. */
int store_text_gone_add(struct store *s, const char *path);
int store_text_gone_each(struct store *s, int (*cb)(void *ctx, const char *path), void *ctx);
int store_text_gone_clear(struct store *s);

/* The projects holding an issue at either end of a stored link. */
int store_each_link_project(struct store *s, int (*cb)(void *ctx, int64_t project_id), void *ctx);

/* Every issue with dropped references, ascending by issue id. */
typedef int (*store_text_dropped_cb)(void *ctx, int64_t issue_id, int64_t blocker_refs,
				     int64_t all_refs);
int store_each_text_dropped(struct store *s, store_text_dropped_cb cb, void *ctx);

/* ---- history (store/history.c) --------------------------------------------- */
/*
 * A history point per completed fetch (at its started_at) and per import
 * (at the local UTC time it ran), holding what it changed in the fields the
 * analysis reads (issues added or removed, state, title, confidential,
 * weight, time estimate and spent, due date, milestone, labels; links and
 * text dependencies added or removed) as deltas: walking back from the
 * store as it is rebuilds any kept point. Writes go through triggers, so
 * every writer is recorded; a point only closes what changed since the
 * last one. Kept: the last STORE_HISTORY_KEEP_POINTS points and the last
 * point of each of the last STORE_HISTORY_KEEP_DAYS days; older points are
 * folded away.
 */
#define STORE_HISTORY_KEEP_POINTS 30
#define STORE_HISTORY_KEEP_DAYS	  30

enum store_history_kind { STORE_HISTORY_FETCH = 0, STORE_HISTORY_IMPORT = 1 };

struct store_history_point {
	int64_t id;	  /* ascending with time */
	const char *at;	  /* ISO 8601 UTC, "2026-11-23T02:00:00Z" */
	const char *kind; /* "fetch" or "import" */
	bool baseline;	  /* starts a baseline: nothing is new across it */
	const char *why;  /* the baseline's reason, NULL if none */
};
typedef int (*store_history_point_cb)(void *ctx, const struct store_history_point *p);

/*
 * Close the changes since the last point into a new point. FETCH: at the
 * recorded fetch.started_at, a baseline when fetch.options (seeds and
 * crawl options) differ from the previous point's or after a schema
 * upgrade. IMPORT: now, always a baseline. The first point of a store is
 * a baseline ("no earlier point"). Then folds what retention drops. Inside
 * the caller's transaction if one is open.
 */
int store_history_record(struct store *s, enum store_history_kind kind);

/* Fold away every point that is not among the last keep_points nor the
 * last point of one of the last keep_days days (counted back from the
 * latest point's day); the kept points still rebuild exactly. */
int store_history_fold(struct store *s, int keep_points, int keep_days);

/* Remove every point and delta (an import from another instance). */
int store_history_clear(struct store *s);

/* Every point, ascending by id. */
int store_history_each_point(struct store *s, store_history_point_cb cb, void *ctx);

struct store_history_stats {
	int64_t points;
	char *first_at, *last_at; /* NULL without points; caller frees */
	int64_t deltas;		  /* delta rows kept (issues, links, text) */
};
int store_history_stats(struct store *s, struct store_history_stats *out);

/*
 * The store as it was at point (an id of store_history_each_point), walked
 * like the live walks: issues (all fields but created_at, updated_at,
 * closed_at and web_url, which are NULL; STORE_WALK_OPEN_ONLY narrows),
 * links (STORE_WALK_BLOCKS_ONLY / STORE_WALK_RELATES_ONLY), text
 * dependencies, and projects (those since removed included). point 0 is
 * the store as it is. No particular order. STORE_WALK_BRIEF: issues
 * without title and labels (NULL, "[]"), as store_each_issue_brief().
 */
#define STORE_WALK_BRIEF 0x8
int store_each_issue_at(struct store *s, int64_t point, unsigned filter, store_issue_cb cb,
			void *ctx);
int store_each_link_at(struct store *s, int64_t point, unsigned filter, store_link_cb cb,
		       void *ctx);
int store_each_text_dep_at(struct store *s, int64_t point, store_text_dep_cb cb, void *ctx);
int store_each_project_at(struct store *s, int64_t point, store_project_cb cb, void *ctx);

/* An issue whose presence or state differs between point and now. */
struct store_issue_change {
	int64_t issue_id;
	const char *project_path; /* the ref: now's if present now, else then's */
	int64_t iid;
	bool then_present, now_present;
	enum store_state then_state, now_state;
};
typedef int (*store_issue_change_cb)(void *ctx, const struct store_issue_change *c);
/* Issues added, removed, closed or opened since point; no particular order. */
int store_history_each_issue_change(struct store *s, int64_t point, store_issue_change_cb cb,
				    void *ctx);

/* ---- selecting issues (store/select.c) --------------------------------------- */
/* A scope's selection: the issues of a milestone that carry every label. */
struct store_selection {
	const char *milestone;	   /* title, compared bytewise; NULL: any issue */
	const char *const *labels; /* each carried, compared bytewise (case too) */
	size_t n_labels;
};
struct store_selected {
	int64_t *ids; /* ascending; release with store_selected_release() */
	size_t n;
	bool milestone_unknown; /* no issue (at the point) has the milestone */
	size_t label_unknown;	/* the first label no issue carries, or n_labels */
	char *label_near;	/* then a label some issue carries that equals it
				 * but for ASCII case, or NULL */
};
/* The issues as at point (0: the store as it is; as store_each_issue_at(),
 * closed ones included) that sel selects, and which of its names no issue
 * carries at all. Returns 0 or a store status. */
int store_select_issues(struct store *s, int64_t point, const struct store_selection *sel,
			struct store_selected *out);
void store_selected_release(struct store_selected *sel);

/* Free-form key/value metadata (the instance, fetch marks, ...).
 * store_meta_get: *out NULL if the key is absent; caller frees.
 * store_meta_set: value NULL removes the key. */
int store_meta_get(struct store *s, const char *key, char **out);
int store_meta_set(struct store *s, const char *key, const char *value);

/* ---- GitLab JSON -> records (gitlab_json.c) ---------------------------- */
/*
 * The one strict decoder of GitLab's JSON, shared by snapshot import and
 * fetch (SPEC "JSON snapshot"): what one accepts the other accepts. Each
 * returns 0, or STORE_EINVAL with why filled (the field, "" for the whole
 * record, and a one-line reason; the reason may quote the bad value raw:
 * escape it before printing). Strings in *out are borrowed from o and valid
 * while o lives (labels_json too: json-c caches it on the labels array;
 * assignees_json is kept on o under a private key, which adds it to o).
 */
struct json_object;
struct store_json_refusal {
	char field[64]; /* e.g. "milestone.due_date"; "" for the whole record */
	char why[320];
};
/* "field: why" (or "why") into buf. */
void store_json_refusal_text(const struct store_json_refusal *why, char *buf, size_t n);

/* A project object: id >= 1, path_with_namespace a project path (the
 * rules of a ref), web_url a string or null. */
int store_project_from_json(struct json_object *o, struct store_project *out,
			    struct store_json_refusal *why);
/* An issue object (GitLab's issue API, or a snapshot's issue): ids >= 1,
 * strings without NUL, counts >= 0, dates YYYY-MM-DD, labels strings,
 * assignees objects with a "username" (letters, digits, '_', '-', '.'). */
int store_issue_from_json(struct json_object *o, struct store_issue *out,
			  struct store_json_refusal *why);
/* A link of this_issue to other_issue whose link_type is read from
 * this_issue's side, turned into the stored direction (struct store_link);
 * a relates_to of an issue to itself is refused. */
int store_link_from_json(const char *link_type, int64_t id, int64_t this_issue, int64_t other_issue,
			 struct store_link *out, struct store_json_refusal *why);
/* A snapshot's text dependency (source_issue_id, target_issue_id,
 * link_type blocks|is_blocked_by, line >= 1, phrase); a self reference is
 * refused. Whether both issues exist is the caller's to check. */
int store_text_dep_from_json(struct json_object *o, struct store_text_dep *out,
			     struct store_json_refusal *why);
/* Put a link in stored direction (relates_to: the smaller id first). */
void store_link_normalize(struct store_link *l);
/* A JSON integer that fits int64_t. */
bool store_json_int64(struct json_object *v, int64_t *out);
/* A JSON string without NUL bytes; STORE_EINVAL with why otherwise. */
int store_json_string(struct json_object *v, const char *field, const char **out,
		      struct store_json_refusal *why);

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

/* A seed of a fetch: what kind of thing, and its value as the user gave it
 * (a project or group path, or an issue ref "g/a#3"). */
enum store_seed_kind {
	STORE_SEED_PROJECT = 0, /* --project */
	STORE_SEED_GROUP,	/* --group */
	STORE_SEED_ISSUE,	/* --issue */
};
struct store_seed {
	enum store_seed_kind kind;
	const char *value;
};
/* The command-line option of a kind ("--project", "--group", "--issue"):
 * the seed's word is "<option> <value>". Static; NULL for no kind. */
const char *store_seed_option(enum store_seed_kind kind);
/* Replace the recorded seeds by v[0..n) (kept in that order). */
int store_seeds_set(struct store *s, const struct store_seed *v, size_t n);
/* The recorded seeds in given order. *out is one malloc'd block (the
 * values inside it): free(*out). A row no kind matches (a store edited by
 * hand) is left out. */
int store_seeds_get(struct store *s, struct store_seed **out, size_t *n);

/* The recorded seeds as words ("--project g/a", "--issue g/a#3", "--group
 * g"), for display, in given order. *out is a NULL-terminated array; free
 * with store_strv_free(). */
int store_get_seeds(struct store *s, char ***out);
void store_strv_free(char **v);

/* Ids of the projects the recorded seeds cover (seed projects, projects of
 * seed groups, projects of seed issues), ascending. Empty when nothing is
 * recorded (e.g. after import). Caller frees *ids with free(). */
int store_seed_projects(struct store *s, int64_t **ids, size_t *n);

struct store_fetch_info {
	char *started_at; /* server Date at the start of the last (first attempt of a resumed)
			     fetch, ISO 8601 UTC; NULL if none */
	bool completed;	  /* whether that fetch completed */
};
/* Caller frees started_at with free(). */
int store_get_fetch_info(struct store *s, struct store_fetch_info *out);

/* The marks of the current (or last) fetch run, as fetch keeps them
 * between runs to decide resuming and the incremental rule (meta keys
 * fetch.started_at, fetch.completed, fetch.sync_mark, fetch.mode,
 * fetch.options). */
enum store_crawl_mode {
	STORE_CRAWL_MODE_NONE = 0,    /* nothing recorded */
	STORE_CRAWL_MODE_FIRST,	      /* everything listed (no usable mark) */
	STORE_CRAWL_MODE_FULL,	      /* --full */
	STORE_CRAWL_MODE_INCREMENTAL, /* only what changed since sync_mark */
};
struct store_crawl_run {
	char *started_at; /* server Date at its start, ISO 8601 UTC; NULL if none */
	bool completed;	  /* it completed */
	bool unfinished;  /* it started and has not completed (resumable) */
	char *sync_mark;  /* incremental: updated_after of the listings; "" if none */
	enum store_crawl_mode mode;
	char *options; /* what decides resuming: crawl options, then sorted seeds */
};
/* Record the start of a run (inside the caller's transaction): its marks
 * as in r (completed and unfinished are implied: not yet, yes). */
int store_crawl_begin(struct store *s, const struct store_crawl_run *r);
/* Record that the run completed. */
int store_crawl_complete(struct store *s);
/* The recorded marks; release with store_crawl_run_release(). */
int store_crawl_run_get(struct store *s, struct store_crawl_run *out);
void store_crawl_run_release(struct store_crawl_run *r);

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

/* The largest single value (one project, issue or link, or the value of
 * a top-level key that is read) that import parses: 64 MiB of text. */
#define STORE_IMPORT_RECORD_MAX ((size_t)64 << 20)

/*
 * As store_import_json(), reading the snapshot from in as a stream: memory
 * is bounded by the largest single record (STORE_IMPORT_RECORD_MAX), not
 * the size of the input. Arrays that come before those they refer to are
 * kept in a temporary file until they can be loaded. A read error is
 * STORE_EINVAL ("cannot read: ..."). in is not closed.
 */
int store_import_json_file(struct store *s, FILE *in);

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

/* Why the current fetch lists a project (stored as 0, 1, 2). */
enum store_crawl_role {
	STORE_CRAWL_OTHER = 0,	    /* holds stored issues (incremental: listed by
				     * its stored iids) */
	STORE_CRAWL_SEED = 1,	    /* a seed project (listed whole, or since
				     * list_updated_after) */
	STORE_CRAWL_SEED_ISSUE = 2, /* the project of a seed issue */
};

/* A project the current fetch lists. list_next: the next page URL, or for
 * is_seed != STORE_CRAWL_SEED the last iid listed; NULL = start. */
struct store_crawl_project {
	int64_t project_id;
	enum store_crawl_role is_seed;
	bool accessible;
	bool list_done;
	const char *list_next;		/* borrowed in callbacks */
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
int store_crawl_project_iids(struct store *s, int64_t project_id, int64_t after_iid, size_t max,
			     int64_t **iids, size_t *n);

/*
 * The graph image (store/graph_image.c): one packed copy of what the
 * analysis loader reads, kept in the store. The store never hands out a
 * stale one: any write to issues, links, projects or text_deps deletes it
 * (triggers), and it is read only while its stamp (row counts and largest
 * ids of those tables) matches the data. What the bytes mean is analyze's
 * business; they come from the file, so the reader validates them.
 *
 * A build reads its rows and writes the image between store_image_begin()
 * and store_image_end() (a savepoint: one snapshot); when the store was
 * written meanwhile, store_image_write() fails and nothing is kept.
 */
int store_image_begin(struct store *s);
/* keep false: roll back what was written since store_image_begin(). */
int store_image_end(struct store *s, bool keep);
/* *data (malloc'd, caller frees) and *len: the current image, or NULL and 0
 * when there is none (or it does not match the data). *n_issues: the
 * issues the store holds, read in the same snapshot. */
int store_image_read(struct store *s, void **data, size_t *len, int64_t *n_issues);
/* Store data as the image of the store as it is (read-only or busy store:
 * an error, which the caller may ignore; it never waits for a lock). */
int store_image_write(struct store *s, const void *data, size_t len);
/* The SQL that makes an empty file a store at schema version v (0 <= v <=
 * STORE_SCHEMA_VERSION; user_version aside), malloc'd; NULL for another v
 * or out of memory. For tests and tools that need a store as an older
 * issuegraph left it. */
char *store_schema_script(int version);

/* Whether some issue that is not confidential carries milestone title (a
 * milestone only confidential issues carry is as hidden as their titles). */
int store_milestone_public(struct store *s, const char *title, bool *out);

/* Delete the image (tests). */
int store_image_drop(struct store *s);

#endif
