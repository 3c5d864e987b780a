/*
 * The crawl: seeds, listing, link expansion, the incremental rule and
 * resuming (SPEC: fetch, "Crawl rules", "Incremental rule").
 *
 * A fetch is a run of units, each committed in its own transaction with
 * the frontier it changes: the start of a run (seeds resolved, listing
 * state, marks), one page of a project's issues, one issue's link list,
 * one project's path. The frontier lives in the store (crawl_projects,
 * crawl_issues), so a run that dies at any moment is resumed by the next
 * fetch with the same options. In memory there are only the work queues
 * rebuilt from it.
 *
 * Text dependencies (text_refs.c): an issue's link unit waits until the
 * references in its description are resolved, then writes them with its
 * links, so "expanded" means both are committed.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "fetch_internal.h"

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

/* int64 -> small value, open addressing; key 0 is "empty" (GitLab ids are >= 1). */
struct i64map {
	int64_t *keys;
	unsigned char *vals;
	size_t cap, n;
};

struct lister {
	int64_t project_id;
	int is_seed;
	char *next;	     /* next page URL (is_seed 1) or last iid listed (others) */
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

static int lister_per_page(const struct lister *l)
{
	return l->per_page > 0 ? l->per_page : PER_PAGE;
}

struct expand {
	int64_t issue_id, project_id, iid, hop;
	uint64_t seq;
};

/* One links request and, while it waits for unknown projects, its answer. */
struct links_unit {
	struct expand e;
	struct json_object *json;
	struct links_unit *next;
};

struct seed_req {
	const char *word; /* the option value, for messages */
	int64_t iid;
	int64_t pages; /* --group: pages of projects read */
};

struct crawl {
	struct store *s;
	const struct fetch_options *o;
	struct http *h;
	char *err;
	struct fetch_result *res;
	struct fetch_progress progress;
	struct text_refs *text; /* NULL: --no-text-deps */

	int64_t depth_limit; /* expand when hop < depth_limit */
	bool barrier;
	int64_t *hop_busy; /* barrier: units in flight per hop */
	bool incremental;
	int64_t max_offset;
	long kill_at, commits;

	struct lister *listers;
	size_t n_listers;

	struct expand *heap;
	size_t n_heap, cap_heap;
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

static int nomem(struct crawl *c)
{
	fetch_fail(c->err, "out of memory");
	return FETCH_ENOMEM;
}

static int store_failed(struct crawl *c, const char *what)
{
	fetch_fail(c->err, "%s: %s", what, store_errmsg(c->s));
	return FETCH_ESTORE;
}

static size_t map_slot(const struct i64map *m, int64_t key)
{
	uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull;
	size_t i = (size_t)(x >> 17) & (m->cap - 1);
	while (m->keys[i] != 0 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int map_get(const struct i64map *m, int64_t key)
{
	if (!m->cap)
		return 0;
	size_t i = map_slot(m, key);
	return m->keys[i] == key ? m->vals[i] : 0;
}

static int map_set(struct i64map *m, int64_t key, int val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 1024;
		struct i64map nm = {calloc(ncap, sizeof(int64_t)), calloc(ncap, 1), ncap, 0};
		if (!nm.keys || !nm.vals) {
			free(nm.keys);
			free(nm.vals);
			return FETCH_ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i]) {
				size_t j = map_slot(&nm, m->keys[i]);
				nm.keys[j] = m->keys[i];
				nm.vals[j] = m->vals[i];
				nm.n++;
			}
		}
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	size_t i = map_slot(m, key);
	if (m->keys[i] != key) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = (unsigned char)val;
	return 0;
}

static void map_free(struct i64map *m)
{
	free(m->keys);
	free(m->vals);
}

static bool heap_less(const struct expand *a, const struct expand *b)
{
	return a->hop != b->hop ? a->hop < b->hop : a->seq < b->seq;
}

static int heap_push(struct crawl *c, struct expand e)
{
	if (c->n_heap == c->cap_heap) {
		size_t ncap = c->cap_heap ? c->cap_heap * 2 : 256;
		struct expand *nh =
		    ncap > SIZE_MAX / sizeof *nh ? NULL : realloc(c->heap, ncap * sizeof *nh);
		if (!nh)
			return FETCH_ENOMEM;
		c->heap = nh;
		c->cap_heap = ncap;
	}
	e.seq = c->seq++;
	size_t i = c->n_heap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(&e, &c->heap[p]))
			break;
		c->heap[i] = c->heap[p];
		i = p;
	}
	c->heap[i] = e;
	return 0;
}

static struct expand heap_pop(struct crawl *c)
{
	struct expand top = c->heap[0];
	struct expand last = c->heap[--c->n_heap];
	size_t i = 0, n = c->n_heap;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct expand *best = &last;
		if (l < n && heap_less(&c->heap[l], best)) {
			m = l;
			best = &c->heap[l];
		}
		if (r < n && heap_less(&c->heap[r], best))
			m = r;
		if (m == i)
			break;
		c->heap[i] = c->heap[m];
		i = m;
	}
	if (n)
		c->heap[i] = last;
	return top;
}

static bool jint(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static void iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The crawl's base for API paths: "<instance>/api/v4". */
static int api_url(struct crawl *c, char **out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int api_url(struct crawl *c, char **out, const char *fmt, ...)
{
	char tail[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tail, sizeof tail, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tail) {
		fetch_fail(c->err, "internal error: an API URL longer than %zu bytes", sizeof tail);
		return FETCH_EREMOTE;
	}
	size_t len = strlen(c->o->url) + strlen("/api/v4") + (size_t)n + 1;
	if (!(*out = malloc(len)))
		return nomem(c);
	snprintf(*out, len, "%s/api/v4%s", c->o->url, tail);
	return 0;
}

/* A project id or path as GitLab's namespaced-path rule wants it. */
static char *enc_path(const char *p)
{
	return curl_easy_escape(NULL, p, 0);
}

/* ---- records from GitLab's JSON ------------------------------------------ */

/* A record that breaks the snapshot's rules: counted, the first reason
 * kept for the summary; never stored. Returns 1 (skipped). */
static int skip(struct crawl *c, const char *what, int64_t id, const struct store_json_refusal *why)
{
	char text[360];
	store_json_refusal_text(why, text, sizeof text);
	if (!*what)
		snprintf(c->last_refused, sizeof c->last_refused, "%s", text);
	else if (id > 0)
		snprintf(c->last_refused, sizeof c->last_refused, "%s %lld: %s", what,
			 (long long)id, text);
	else
		snprintf(c->last_refused, sizeof c->last_refused, "%s: %s", what, text);
	if (c->res->skipped++ == 0)
		memcpy(c->res->skipped_first, c->last_refused, sizeof c->res->skipped_first);
	return 1;
}

/* An id for a message about a refused record (0 if it has none). */
static int64_t id_of(struct json_object *o)
{
	int64_t id = 0;
	return jint(o, "id", &id) ? id : 0;
}

/* Decode and store one issue. 1: refused by the decoder or the store's
 * constraints (counted by skip()), nothing stored. */
static int put_issue(struct crawl *c, struct json_object *o, struct store_issue *out)
{
	struct store_json_refusal why;
	if (store_issue_from_json(o, out, &why))
		return skip(c, "issue", id_of(o), &why);
	int src = store_put_issue(c->s, out);
	if (src == STORE_EINVAL) {
		snprintf(why.field, sizeof why.field, "%s", "");
		snprintf(why.why, sizeof why.why, "%s", store_errmsg(c->s));
		return skip(c, "", 0, &why);
	}
	int rc = src < 0 ? store_failed(c, "store issue") : 0;
	out->labels_json = NULL; /* borrowed from o */
	if (rc == 0 && c->text)
		rc = text_refs_note(c->text, o, out->id, out->project_id, out->iid);
	if (rc == 0 && !map_get(&c->seen, out->id)) {
		c->res->issues++;
		if (map_set(&c->seen, out->id, 1))
			rc = nomem(c);
	}
	return rc;
}

/* As put_issue() for a project. */
static int put_project(struct crawl *c, struct json_object *o, int64_t *id_out)
{
	struct store_project p;
	struct store_json_refusal why;
	if (store_project_from_json(o, &p, &why))
		return skip(c, "project", id_of(o), &why);
	int src = store_put_project(c->s, &p);
	if (src == STORE_EINVAL) {
		snprintf(why.field, sizeof why.field, "%s", "");
		snprintf(why.why, sizeof why.why, "%s", store_errmsg(c->s));
		return skip(c, "", 0, &why);
	}
	if (src < 0)
		return store_failed(c, "store project");
	if (id_out)
		*id_out = p.id;
	int rc = c->text ? text_refs_note_project(c->text, p.id, p.path, p.web_url) : 0;
	if (rc)
		return rc;
	return map_set(&c->projects, p.id, P_KNOWN) ? nomem(c) : 0;
}

/* A seed's record must be good: a refused one ends the fetch (exit 3). */
static int seed_record(struct crawl *c, int rc)
{
	if (rc == 1) {
		fetch_fail(c->err, "unexpected answer: %s", c->last_refused);
		return FETCH_EREMOTE;
	}
	return rc;
}

/* ---- transactions --------------------------------------------------------- */

static int begin(struct crawl *c)
{
	return store_begin(c->s) < 0 ? store_failed(c, "begin") : 0;
}

static int commit(struct crawl *c)
{
	if (c->kill_at > 0 && ++c->commits == c->kill_at)
		raise(SIGKILL); /* test hook, see fetch.h */
	return store_commit(c->s) < 0 ? store_failed(c, "commit") : 0;
}

static int end_unit(struct crawl *c, int rc)
{
	if (rc == 0)
		return commit(c);
	store_rollback(c->s);
	return rc;
}

/* ---- the frontier --------------------------------------------------------- */

static int queue_expand(struct crawl *c, int64_t issue_id, int64_t project_id, int64_t iid,
			int64_t hop)
{
	if (hop >= c->depth_limit || map_get(&c->queued, issue_id))
		return 0;
	if (map_set(&c->queued, issue_id, 1))
		return nomem(c);
	struct expand e = {issue_id, project_id, iid, hop, 0};
	return heap_push(c, e) ? nomem(c) : 0;
}

/* The issue is reached at hop (an issue listed or seeded: 0; a neighbour:
 * its expander's hop + 1). Keeps the smaller hop; an issue not yet
 * expanded in this run is queued when within the depth. reexpand: its
 * link list changed (listed as updated), read it again. */
static int reach(struct crawl *c, const struct store_issue *i, int64_t hop, bool reexpand)
{
	struct store_crawl_issue ci;
	int rc = store_crawl_get_issue(c->s, i->id, &ci);
	bool expanded;
	if (rc == STORE_ENOTFOUND) {
		expanded = false;
	} else if (rc < 0) {
		return store_failed(c, "read crawl issue");
	} else {
		/* an issue expanded in this process already has fresh links */
		expanded = ci.expanded && (!reexpand || map_get(&c->queued, i->id));
		if (ci.hop < hop)
			hop = ci.hop;
		if (rc == 0 && ci.hop == hop && ci.expanded == expanded)
			goto queue;
	}
	if (store_crawl_put_issue(c->s, i->id, hop, expanded) < 0)
		return store_failed(c, "write crawl issue");
queue:
	if (!expanded)
		return queue_expand(c, i->id, i->project_id, i->iid, hop);
	return 0;
}

/* ---- submitting work ------------------------------------------------------- */

static int submit_list(struct crawl *c, struct lister *l)
{
	char *url = NULL;
	char *after = l->updated_after ? curl_easy_escape(NULL, l->updated_after, 0) : NULL;
	int rc = 0;
	const char *state = c->incremental ? "all" : c->o->state;
	if (l->updated_after && !after)
		return nomem(c);
	if (l->updated_after && !fetch_time_is_rfc3339(l->updated_after)) {
		/* only a store edited by hand holds one: never send it */
		curl_free(after);
		fetch_fail(c->err,
			   "project %lld: the crawl frontier holds an unusable updated_after; run "
			   "fetch --full",
			   (long long)l->project_id);
		return FETCH_EREMOTE;
	}
	if (l->is_seed == 1) {
		if (l->next) {
			/* kept in the store: checked like a next link */
			char msg[FETCH_ERRMSG_SIZE];
			if ((rc = fetch_api_rebase(c->o->url, l->next, &url, msg)))
				fetch_fail(c->err, "project %lld: resuming the listing: %s",
					   (long long)l->project_id, msg);
		} else {
			rc =
			    api_url(c, &url,
				    "/projects/%lld/issues?order_by=updated_at&sort=asc&per_page=%d"
				    "&state=%s%s%s",
				    (long long)l->project_id, lister_per_page(l), state,
				    after ? "&updated_after=" : "", after ? after : "");
		}
	} else {
		/* a project that is not a seed: only its stored issues, by iids[] */
		int64_t after_iid = l->next ? strtoll(l->next, NULL, 10) : 0;
		int64_t *iids = NULL;
		size_t n = 0;
		if (store_crawl_project_iids(c->s, l->project_id, after_iid, lister_per_page(l),
					     &iids, &n) < 0) {
			curl_free(after);
			return store_failed(c, "read stored iids");
		}
		if (n == 0) {
			free(iids);
			curl_free(after);
			l->done = true;
			/* nothing left: record it (its own small unit) */
			struct store_crawl_project p = {l->project_id, l->is_seed,	true, true,
							l->next,       l->updated_after};
			if ((rc = begin(c)) == 0) {
				if (store_crawl_put_project(c->s, &p) < 0)
					rc = store_failed(c, "write crawl project");
				rc = end_unit(c, rc);
			}
			return rc;
		}
		size_t cap = 256 + n * 32;
		char *q = malloc(cap);
		if (!q) {
			free(iids);
			curl_free(after);
			return nomem(c);
		}
		size_t len = 0;
		for (size_t k = 0; k < n; k++)
			len += (size_t)snprintf(q + len, cap - len, "&iids%%5B%%5D=%lld",
						(long long)iids[k]);
		l->last_iid = iids[n - 1];
		l->chunk = n;
		free(iids);
		rc = api_url(c, &url, "/projects/%lld/issues?per_page=%d&state=all%s%s%s",
			     (long long)l->project_id, lister_per_page(l),
			     after ? "&updated_after=" : "", after ? after : "", q);
		free(q);
	}
	curl_free(after);
	if (rc)
		return rc;
	rc = http_submit_shrinkable(c->h, url, K_LIST, l);
	free(url);
	if (rc)
		return nomem(c);
	l->in_flight = true;
	return 0;
}

static void busy(struct crawl *c, int64_t hop, int d)
{
	if (c->barrier && hop >= 0 && hop <= c->depth_limit)
		c->hop_busy[hop] += d;
}

static bool listing_done(const struct crawl *c)
{
	for (size_t i = 0; i < c->n_listers; i++)
		if (!c->listers[i].done)
			return false;
	return true;
}

/* Level-synchronous expansion when --depth is small: an issue at hop h is
 * expanded only when nothing that could still reach it at a smaller hop
 * is under way, so hops (and what is expanded) are exact. */
static bool may_expand(const struct crawl *c, int64_t hop)
{
	if (!c->barrier || hop == 0)
		return true;
	if (!listing_done(c))
		return false;
	for (int64_t k = 0; k < hop && k <= c->depth_limit; k++)
		if (c->hop_busy[k])
			return false;
	return true;
}

static int feed(struct crawl *c)
{
	int rc;
	if (c->text && (rc = text_refs_feed(c->text)))
		return rc;
	while (http_room(c->h) > 0 && c->n_wanted > 0) {
		int64_t pid = c->proj_wanted[--c->n_wanted];
		char *url = NULL;
		if ((rc = api_url(c, &url, "/projects/%lld", (long long)pid)))
			return rc;
		rc = http_submit(c->h, url, K_PROJECT, (void *)(intptr_t)pid);
		free(url);
		if (rc)
			return nomem(c);
	}
	for (size_t i = 0; i < c->n_listers && http_room(c->h) > 0; i++) {
		struct lister *l = &c->listers[i];
		if (!l->done && !l->in_flight && (rc = submit_list(c, l)))
			return rc;
	}
	/* link lists parked while text references resolve wait in the heap instead */
	while (http_room(c->h) > 0 && c->n_heap > 0 && may_expand(c, c->heap[0].hop) &&
	       c->n_parked < (size_t)c->o->jobs * 8 + 64) {
		struct expand e = heap_pop(c);
		struct links_unit *u = calloc(1, sizeof *u);
		char *url = NULL;
		if (!u)
			return nomem(c);
		u->e = e;
		if ((rc = api_url(c, &url, "/projects/%lld/issues/%lld/links",
				  (long long)e.project_id, (long long)e.iid))) {
			free(u);
			return rc;
		}
		rc = http_submit(c->h, url, K_LINKS, u);
		free(url);
		if (rc) {
			free(u);
			return nomem(c);
		}
		c->n_expanding++;
		busy(c, e.hop, +1);
	}
	return 0;
}

/* ---- answers ----------------------------------------------------------------- */

/* FNV-1a of a page URL: a listing remembers the pages of its series by it. */
static uint64_t url_hash(const char *u)
{
	uint64_t h = 1469598103934665603ull;
	for (; *u; u++)
		h = (h ^ (unsigned char)*u) * 1099511628211ull;
	return h;
}

static bool page_was_read(const struct lister *l, const char *url)
{
	uint64_t h = url_hash(url);
	for (size_t i = 0; i < l->n_read; i++)
		if (l->read[i] == h)
			return true;
	return false;
}

/* Remember url as read in the current series (bounded: the series ends at
 * the offset limit). 0 or FETCH_ENOMEM. */
static int page_read(struct lister *l, const char *url)
{
	if (page_was_read(l, url))
		return 0;
	if (l->n_read == l->cap_read) {
		size_t ncap = l->cap_read ? l->cap_read * 2 : 16;
		uint64_t *nr = realloc(l->read, ncap * sizeof *nr);
		if (!nr)
			return FETCH_ENOMEM;
		l->read = nr;
		l->cap_read = ncap;
	}
	l->read[l->n_read++] = url_hash(url);
	return 0;
}

/* A listing page over the answer caps (GitLab allows 1 MB descriptions, so
 * a legit page of 100 can pass 100 MB): ask again with half the rows, down
 * to one. A Link-paged listing starts a series again from the last
 * updated_at committed (updated_after is inclusive: nothing is lost). */
static int shrink_listing(struct crawl *c, struct lister *l, const struct http_req *r)
{
	int pp = lister_per_page(l);
	if (pp <= 1) {
		char path[512];
		http_url_path(r->url, path, sizeof path);
		fetch_fail(c->err, "GET %s: even one issue is more than the answer limit; refused",
			   path);
		return FETCH_EREMOTE;
	}
	l->per_page = pp / 2;
	if (l->is_seed == 1) {
		free(l->next);
		l->next = NULL;
		free(l->series_after);
		l->series_after = NULL;
		if (l->updated_after && !(l->series_after = strdup(l->updated_after)))
			return nomem(c);
		l->page = 0;
		l->n_read = 0;
	}
	return 0;
}

static int on_list(struct crawl *c, struct http_req *r)
{
	struct lister *l = r->data;
	int rc = 0;
	l->in_flight = false;
	if (r->too_big)
		return shrink_listing(c, l, r);
	if (r->status == 404) {
		/* a linked project that became unreadable, or a seed project gone */
		if (l->is_seed == 1) {
			fetch_fail(c->err,
				   "project %lld: 404 not found or no access (check that "
				   "the token can read it)",
				   (long long)l->project_id);
			return FETCH_EREMOTE;
		}
		l->done = true;
		c->res->inaccessible++;
		struct store_crawl_project p = {l->project_id, l->is_seed, false,
						true,	       l->next,	   l->updated_after};
		if ((rc = begin(c)))
			return rc;
		if (store_crawl_put_project(c->s, &p) < 0 ||
		    store_crawl_mark_inaccessible(c->s, l->project_id, 0) < 0)
			rc = store_failed(c, "write crawl project");
		return end_unit(c, rc);
	}
	if (r->status == 400 && l->is_seed == 1 && l->next && l->updated_after &&
	    !(l->series_after && strcmp(l->series_after, l->updated_after) == 0)) {
		/* GitLab refuses deep offset pages on large projects: continue
		 * from the last updated_at seen (kept in memory; the next page
		 * asked for again records it) */
		free(l->next);
		l->next = NULL;
		free(l->series_after);
		l->series_after = strdup(l->updated_after);
		l->page = 0;
		l->n_read = 0;
		return l->series_after ? 0 : nomem(c);
	}
	if (r->status != 200 || !json_object_is_type(r->json, json_type_array)) {
		char msg[300], path[512];
		http_api_message(r->json, msg, sizeof msg);
		http_url_path(r->url, path, sizeof path);
		fetch_fail(c->err, "GET %s: %ld %s", path, r->status,
			   msg[0] ? msg : "unexpected answer");
		return FETCH_EREMOTE;
	}

	size_t n = json_object_array_length(r->json);
	const char *last_updated = NULL;
	if ((rc = begin(c)))
		return rc;
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct json_object *o = json_object_array_get_idx(r->json, k);
		struct store_issue i;
		int64_t id = 0;
		const char *st = jstr(o, "state");
		const char *up = jstr(o, "updated_at");
		if (up)
			last_updated = up;
		/* an incremental listing asks for every state: a closed issue must
		 * reach the store; new ones still follow --state */
		if (c->incremental && strcmp(c->o->state, "all") != 0 && st &&
		    strcmp(st, c->o->state) != 0 && jint(o, "id", &id)) {
			struct store_crawl_issue ci;
			int g = store_crawl_get_issue(c->s, id, &ci);
			if (g == STORE_ENOTFOUND)
				continue;
			if (g < 0) {
				rc = store_failed(c, "read crawl issue");
				break;
			}
		}
		if ((rc = put_issue(c, o, &i)) == 1) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		int64_t hop = l->is_seed == 1 ? 0 : HOP_UNREACHED;
		rc = reach(c, &i, hop, true);
	}
	/* where the listing goes on: list_next is the next page's URL (it
	 * carries its own updated_after); list_updated_after is the point a
	 * fresh listing would continue from (the last updated_at seen) */
	char *next = NULL, *after = NULL;
	bool done = false;
	if (rc == 0 && (last_updated || l->updated_after) &&
	    !(after = strdup(last_updated ? last_updated : l->updated_after)))
		rc = nomem(c);
	struct fetch_list_decision dec = {FETCH_LIST_DONE, 0, ""};
	if (rc == 0 && l->is_seed == 1) {
		struct fetch_list_facts f = {n,
					     r->link_next != NULL,
					     false,
					     r->link_next ? strlen(r->link_next) : 0,
					     r->x_page,
					     l->page,
					     lister_per_page(l),
					     c->max_offset,
					     last_updated,
					     l->series_after};
		if ((rc = page_read(l, r->url)) == 0)
			f.next_repeats = r->link_next && page_was_read(l, r->link_next);
		else
			rc = nomem(c);
		if (rc == 0 && fetch_list_next(&f, &dec) == FETCH_LIST_FAIL) {
			fetch_fail(c->err, "project %lld: %s", (long long)l->project_id, dec.msg);
			rc = FETCH_EREMOTE;
		}
		done = dec.step == FETCH_LIST_DONE;
		if (rc == 0 && dec.step == FETCH_LIST_NEXT_PAGE && !(next = strdup(r->link_next)))
			rc = nomem(c);
	} else if (rc == 0) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)l->last_iid);
		if (!(next = strdup(buf)))
			rc = nomem(c);
		done = l->chunk < (size_t)lister_per_page(l);
		free(after); /* the iid listing keeps its mark */
		after = NULL;
		if (rc == 0 && l->updated_after && !(after = strdup(l->updated_after)))
			rc = nomem(c);
	}
	if (rc == 0) {
		struct store_crawl_project p = {l->project_id, l->is_seed, true, done, next, after};
		if (store_crawl_put_project(c->s, &p) < 0)
			rc = store_failed(c, "write crawl project");
	}
	rc = end_unit(c, rc);
	if (rc == 0) {
		if (l->is_seed == 1 && !next && !done) {
			/* a new series starts from after */
			free(l->series_after);
			l->series_after = after ? strdup(after) : NULL;
			l->page = 0;
			l->n_read = 0;
		} else if (next) {
			l->page = dec.page;
		}
		free(l->next);
		l->next = next;
		next = NULL;
		free(l->updated_after);
		l->updated_after = after;
		after = NULL;
		l->done = done;
	}
	free(next);
	free(after);
	return rc;
}

static int want_project(struct crawl *c, int64_t pid)
{
	if (map_get(&c->projects, pid) != P_UNKNOWN)
		return 0;
	if (map_set(&c->projects, pid, P_REQUESTED))
		return nomem(c);
	if (c->n_wanted == c->cap_wanted) {
		size_t ncap = c->cap_wanted ? c->cap_wanted * 2 : 64;
		int64_t *nw = realloc(c->proj_wanted, ncap * sizeof *nw);
		if (!nw)
			return nomem(c);
		c->proj_wanted = nw;
		c->cap_wanted = ncap;
	}
	c->proj_wanted[c->n_wanted++] = pid;
	return 0;
}

/* Commit one issue's link list; 1 (not done) if it waits for projects. */
static int commit_links(struct crawl *c, struct links_unit *u)
{
	struct json_object *arr = u->json;
	size_t n = json_object_array_length(arr);
	int rc = 0;
	bool waiting = false;
	for (size_t k = 0; k < n; k++) {
		int64_t pid;
		if (!jint(json_object_array_get_idx(arr, k), "project_id", &pid) || pid < 1)
			continue; /* refused and counted below */
		int st = map_get(&c->projects, pid);
		if (st == P_UNKNOWN || st == P_REQUESTED) {
			waiting = true;
			if ((rc = want_project(c, pid)))
				return rc;
		}
	}
	if (waiting)
		return 1;
	if (c->text) {
		rc = text_refs_ready(c->text, u->e.issue_id, u->e.project_id, u->e.iid);
		if (rc <= 0)
			return rc < 0 ? rc : 1;
		rc = 0;
	}

	struct store_link *links = n ? calloc(n, sizeof *links) : NULL;
	size_t nl = 0;
	if (n && !links)
		return nomem(c);
	if ((rc = begin(c))) {
		free(links);
		return rc;
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct json_object *o = json_object_array_get_idx(arr, k);
		struct store_issue i;
		int64_t pid = 0, link_id = 0;
		struct store_json_refusal why;
		struct json_object *v = NULL;
		const char *type = NULL;
		if (jint(o, "project_id", &pid) && pid >= 1 &&
		    map_get(&c->projects, pid) != P_KNOWN)
			continue; /* its project answered 404: left out like GitLab does */
		if ((rc = put_issue(c, o, &i)) == 1) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (!json_object_object_get_ex(o, "link_type", &v)) {
			snprintf(why.field, sizeof why.field, "link_type");
			snprintf(why.why, sizeof why.why, "missing");
			skip(c, "link of issue", u->e.issue_id, &why);
			continue;
		}
		if (store_json_string(v, "link_type", &type, &why)) {
			skip(c, "link of issue", u->e.issue_id, &why);
			continue;
		}
		if (!json_object_object_get_ex(o, "issue_link_id", &v) ||
		    !store_json_int64(v, &link_id))
			link_id = 0; /* refused as "id" by the decoder */
		struct store_link *L = &links[nl];
		if (store_link_from_json(type, link_id, u->e.issue_id, i.id, L, &why)) {
			skip(c, "link of issue", u->e.issue_id, &why);
			continue;
		}
		bool blocking = L->type == STORE_LINK_BLOCKS || c->o->follow_related;
		nl++;
		rc = reach(c, &i, blocking ? u->e.hop + 1 : HOP_UNREACHED, false);
	}
	if (rc == 0 && store_replace_links_of(c->s, u->e.issue_id, links, nl) < 0)
		rc = store_failed(c, "store links");
	if (rc == 0 && c->text)
		rc = text_refs_commit(c->text, u->e.issue_id, u->e.hop);
	if (rc == 0 && store_crawl_put_issue(c->s, u->e.issue_id, u->e.hop, true) < 0)
		rc = store_failed(c, "write crawl issue");
	free(links);
	rc = end_unit(c, rc);
	if (rc == 0)
		c->res->links++;
	return rc;
}

static void unit_done(struct crawl *c, struct links_unit *u)
{
	busy(c, u->e.hop, -1);
	c->n_expanding--;
	json_object_put(u->json);
	free(u);
}

static int on_links(struct crawl *c, struct http_req *r)
{
	struct links_unit *u = r->data;
	int rc;
	if (r->status == 404) {
		/* the issue was deleted or moved out of reach: mark it, go on */
		c->res->inaccessible++;
		if ((rc = begin(c)) == 0) {
			if (store_crawl_mark_inaccessible(c->s, u->e.project_id, u->e.iid) < 0 ||
			    store_crawl_put_issue(c->s, u->e.issue_id, u->e.hop, true) < 0)
				rc = store_failed(c, "write crawl issue");
			rc = end_unit(c, rc);
		}
		unit_done(c, u);
		return rc;
	}
	if (r->status != 200 || !json_object_is_type(r->json, json_type_array)) {
		char msg[300], path[512];
		http_api_message(r->json, msg, sizeof msg);
		http_url_path(r->url, path, sizeof path);
		fetch_fail(c->err, "GET %s: %ld %s", path, r->status,
			   msg[0] ? msg : "unexpected answer");
		unit_done(c, u);
		return FETCH_EREMOTE;
	}
	u->json = r->json;
	r->json = NULL;
	rc = commit_links(c, u);
	if (rc == 1) {
		u->next = c->parked;
		c->parked = u;
		c->n_parked++;
		return 0;
	}
	unit_done(c, u);
	return rc;
}

/* After a fatal error: what the requests still pending own. */
static void drop_request(void *ctx, int kind, void *data)
{
	(void)ctx;
	if (kind == K_LINKS) {
		struct links_unit *u = data;
		json_object_put(u->json);
		free(u);
	}
}

static int retry_parked(struct crawl *c)
{
	struct links_unit **pp = &c->parked;
	while (*pp) {
		struct links_unit *u = *pp;
		int rc = commit_links(c, u);
		if (rc == 1) {
			pp = &u->next;
			continue;
		}
		*pp = u->next;
		c->n_parked--;
		unit_done(c, u);
		if (rc)
			return rc;
	}
	return 0;
}

static int on_project(struct crawl *c, struct http_req *r)
{
	int64_t pid = (int64_t)(intptr_t)r->data;
	int rc;
	if ((rc = begin(c)))
		return rc;
	if (r->status == 404) {
		c->res->inaccessible++;
		if (map_set(&c->projects, pid, P_INACCESSIBLE))
			rc = nomem(c);
		else if (store_crawl_mark_inaccessible(c->s, pid, 0) < 0)
			rc = store_failed(c, "write inaccessible");
	} else if (r->status == 200) {
		int64_t got = 0;
		rc = put_project(c, r->json, &got);
		if (rc == 1) {
			/* refused (counted): its issues are left out like a 404's */
			rc = map_set(&c->projects, pid, P_INACCESSIBLE) ? nomem(c) : 0;
		} else if (rc == 0 && got != pid && map_set(&c->projects, pid, P_KNOWN)) {
			rc = nomem(c);
		}
	} else {
		char msg[300];
		http_api_message(r->json, msg, sizeof msg);
		fetch_fail(c->err, "GET project %lld: %ld %s", (long long)pid, r->status,
			   msg[0] ? msg : "unexpected answer");
		rc = FETCH_EREMOTE;
	}
	if ((rc = end_unit(c, rc)))
		return rc;
	if (c->text && (rc = text_refs_retry(c->text)))
		return rc;
	return retry_parked(c);
}

/* ---- the seeds phase ------------------------------------------------------- */

static int seed_not_found(struct crawl *c, const char *opt, const char *word, struct http_req *r)
{
	char msg[300];
	http_api_message(r->json, msg, sizeof msg);
	if (r->status == 404)
		fetch_fail(c->err,
			   "%s %s: not found or no access (check the name and that the "
			   "token can read it)",
			   opt, word);
	else
		fetch_fail(c->err, "%s %s: %ld %s", opt, word, r->status,
			   msg[0] ? msg : "unexpected answer");
	return FETCH_EREMOTE;
}

static int on_seed(struct crawl *c, struct http_req *r)
{
	struct seed_req *sr = r->data;
	int rc = 0;
	switch (r->kind) {
	case K_SEED_PROJECT:
		if (r->status != 200)
			return seed_not_found(c, "--project", sr->word, r);
		return json_object_array_add(c->seed_listed, json_object_get(r->json)) ? nomem(c)
										       : 0;
	case K_SEED_GROUP:
		if (r->status != 200 || !json_object_is_type(r->json, json_type_array))
			return seed_not_found(c, "--group", sr->word, r);
		for (size_t k = 0; k < json_object_array_length(r->json); k++) {
			struct json_object *p = json_object_array_get_idx(r->json, k);
			struct store_project pp;
			struct store_json_refusal why;
			if (jbool(p, "archived"))
				continue;
			if (store_project_from_json(p, &pp, &why)) {
				skip(c, "project", id_of(p), &why); /* one bad project of a group */
				continue;
			}
			if (json_object_array_add(c->seed_listed, json_object_get(p)))
				return nomem(c);
		}
		/* GitLab pages no deeper than its offset limit: a server whose
		 * next links go on past it (or loop) is not followed for ever */
		if (r->link_next && ++sr->pages >= MAX_OFFSET_DEFAULT / PER_PAGE) {
			fetch_fail(c->err,
				   "--group %s: more than %d pages of projects (the server's next "
				   "links do not end); refused",
				   sr->word, MAX_OFFSET_DEFAULT / PER_PAGE);
			return FETCH_EREMOTE;
		}
		if (r->link_next && http_submit(c->h, r->link_next, K_SEED_GROUP, sr))
			return nomem(c);
		return 0;
	case K_SEED_ISSUE: {
		int64_t pid;
		if (r->status != 200)
			return seed_not_found(c, "--issue", sr->word, r);
		if (!jint(r->json, "project_id", &pid) || pid < 1) {
			fetch_fail(c->err, "--issue %s: unexpected answer", sr->word);
			return FETCH_EREMOTE;
		}
		if (json_object_array_add(c->seed_issues, json_object_get(r->json)))
			return nomem(c);
		if (map_get(&c->projects, pid) == P_UNKNOWN) {
			char *url = NULL;
			if (map_set(&c->projects, pid, P_REQUESTED))
				return nomem(c);
			if ((rc = api_url(c, &url, "/projects/%lld", (long long)pid)))
				return rc;
			rc = http_submit(c->h, url, K_ISSUE_PROJECT, sr);
			free(url);
			if (rc)
				return nomem(c);
		}
		return 0;
	}
	case K_ISSUE_PROJECT:
		if (r->status != 200)
			return seed_not_found(c, "--issue", sr->word, r);
		return json_object_array_add(c->seed_other, json_object_get(r->json)) ? nomem(c)
										      : 0;
	}
	return 0;
}

static int on_done(void *ctx, struct http_req *r)
{
	struct crawl *c = ctx;
	switch (r->kind) {
	case K_LIST:
		return on_list(c, r);
	case K_LINKS:
		return on_links(c, r);
	case K_PROJECT:
		return on_project(c, r);
	case K_TEXT_PROJECT | HTTP_KIND_ACCEPT_403:
	case K_TEXT_ISSUES | HTTP_KIND_ACCEPT_403:
	case K_TEXT_MOVED | HTTP_KIND_ACCEPT_403: {
		int rc = text_refs_on_answer(c->text, r);
		return rc ? rc : retry_parked(c);
	}
	default:
		return on_seed(c, r);
	}
}

static void show_progress(struct crawl *c, bool force)
{
	struct http_stats hs;
	http_get_stats(c->h, &hs);
	struct fetch_progress_counts pc = {c->res->issues, c->res->links, hs.requests, hs.retries,
					   (int64_t)(c->n_heap + http_pending(c->h))};
	fetch_progress_update(&c->progress, &pc, force);
}

/* Run the HTTP loop until nothing is left to do. */
static int drive(struct crawl *c, bool crawling)
{
	int rc;
	for (;;) {
		if (crawling && (rc = feed(c)))
			return rc;
		if (http_pending(c->h) == 0) {
			if (!crawling)
				return 0;
			if (c->n_heap == 0 && c->n_wanted == 0 && listing_done(c) &&
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
		show_progress(c, false);
	}
}

/* ---- starting and resuming ------------------------------------------------ */

static int word(char **out, const char *opt, const char *value)
{
	size_t n = strlen(opt) + strlen(value) + 2;
	if (!(*out = malloc(n)))
		return -1;
	snprintf(*out, n, "%s %s", opt, value);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The seeds as words ("--project g/a") in given order, and the options
 * string that decides resuming ("crawl options\nsorted seeds"). */
static int seed_words(const struct fetch_options *o, char ***words, size_t *n, char **opts)
{
	size_t total = o->n_projects + o->n_groups + o->n_issues, k = 0, len = 0;
	char **w = calloc(total + 1, sizeof *w), **sorted = calloc(total + 1, sizeof *sorted);
	*opts = NULL;
	if (!w || !sorted)
		goto nomem;
	for (size_t i = 0; i < o->n_projects; i++, k++)
		if (word(&w[k], "--project", o->projects[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < o->n_groups; i++, k++)
		if (word(&w[k], "--group", o->groups[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < o->n_issues; i++, k++)
		if (word(&w[k], "--issue", o->issues[i]) < 0)
			goto nomem;
	memcpy(sorted, w, total * sizeof *w);
	qsort(sorted, total, sizeof *sorted, cmp_str);
	for (size_t i = 0; i < total; i++)
		len += strlen(sorted[i]) + 1;
	if (!(*opts = malloc(len + 128)))
		goto nomem;
	int off =
	    snprintf(*opts, 128, "depth=%lld related=%d state=%s text=%d", (long long)o->depth,
		     o->follow_related ? 1 : 0, o->state, o->text_deps ? 1 : 0);
	for (size_t i = 0; i < total; i++)
		off += sprintf(*opts + off, "\n%s", sorted[i]);
	free(sorted);
	*words = w;
	*n = total;
	return 0;
nomem:
	for (size_t i = 0; w && i < total; i++)
		free(w[i]);
	free(w);
	free(sorted);
	free(*opts);
	*opts = NULL;
	return FETCH_ENOMEM;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; w && i < n; i++)
		free(w[i]);
	free(w);
}

static int add_lister(struct crawl *c, const struct store_crawl_project *p)
{
	struct lister *nl = realloc(c->listers, (c->n_listers + 1) * sizeof *nl);
	if (!nl)
		return nomem(c);
	c->listers = nl;
	struct lister *l = &nl[c->n_listers];
	memset(l, 0, sizeof *l);
	l->project_id = p->project_id;
	l->is_seed = p->is_seed;
	l->done = p->list_done;
	if ((p->list_next && !(l->next = strdup(p->list_next))) ||
	    (p->list_updated_after && !(l->updated_after = strdup(p->list_updated_after))))
		return nomem(c);
	c->n_listers++;
	return 0;
}

static int load_lister_cb(void *ctx, const struct store_crawl_project *p)
{
	struct crawl *c = ctx;
	if (p->list_done)
		return 0;
	return add_lister(c, p);
}

static int load_pending_cb(void *ctx, const struct store_crawl_issue *i)
{
	struct crawl *c = ctx;
	return queue_expand(c, i->issue_id, i->project_id, i->iid, i->hop);
}

static int known_project_cb(void *ctx, const struct store_project *p)
{
	struct crawl *c = ctx;
	if (c->text && text_refs_note_project(c->text, p->id, p->path, p->web_url))
		return FETCH_ENOMEM;
	return map_set(&c->projects, p->id, P_KNOWN) ? nomem(c) : 0;
}

struct prev_project {
	int64_t id;
	bool listed; /* a seed project listed to the end by the last fetch */
};

struct prev_list {
	struct prev_project *v;
	size_t n;
};

static int prev_cb(void *ctx, const struct store_crawl_project *p)
{
	struct prev_list *pl = ctx;
	struct prev_project *nv = realloc(pl->v, (pl->n + 1) * sizeof *nv);
	if (!nv)
		return FETCH_ENOMEM;
	pl->v = nv;
	nv[pl->n].id = p->project_id;
	nv[pl->n].listed = p->is_seed == 1 && p->list_done;
	pl->n++;
	return 0;
}

/* Resolve the seeds over the network, then write the start of a new run
 * in one transaction. */
static int start_run(struct crawl *c, char **words, size_t n_words, const char *opts,
		     const char *prev_started)
{
	const struct fetch_options *o = c->o;
	size_t n_seeds = o->n_projects + o->n_groups + o->n_issues;
	struct seed_req *sr = calloc(n_seeds ? n_seeds : 1, sizeof *sr);
	struct prev_list prev = {0};
	int64_t *ids = NULL;
	size_t n_ids = 0, k = 0;
	char *url = NULL, *enc = NULL;
	int rc = 0;
	if (!sr)
		return nomem(c);
	c->seed_listed = json_object_new_array();
	c->seed_other = json_object_new_array();
	c->seed_issues = json_object_new_array();
	if (!c->seed_listed || !c->seed_other || !c->seed_issues) {
		rc = nomem(c);
		goto done;
	}
	for (size_t i = 0; i < o->n_projects; i++, k++) {
		sr[k].word = o->projects[i];
		if (!(enc = enc_path(o->projects[i]))) {
			rc = nomem(c);
			goto done;
		}
		rc = api_url(c, &url, "/projects/%s", enc);
		curl_free(enc);
		if (rc || (rc = http_submit(c->h, url, K_SEED_PROJECT, &sr[k])))
			goto done;
		free(url);
		url = NULL;
	}
	for (size_t i = 0; i < o->n_groups; i++, k++) {
		sr[k].word = o->groups[i];
		if (!(enc = enc_path(o->groups[i]))) {
			rc = nomem(c);
			goto done;
		}
		rc = api_url(c, &url,
			     "/groups/%s/projects?include_subgroups=true&with_shared=false"
			     "&archived=false&order_by=id&sort=asc&per_page=%d",
			     enc, PER_PAGE);
		curl_free(enc);
		if (rc || (rc = http_submit(c->h, url, K_SEED_GROUP, &sr[k])))
			goto done;
		free(url);
		url = NULL;
	}
	for (size_t i = 0; i < o->n_issues; i++, k++) {
		char *path = NULL;
		int64_t iid;
		sr[k].word = o->issues[i];
		if (store_ref_parse(o->issues[i], &path, &iid) < 0) {
			fetch_fail(c->err, "--issue %s: not a ref (group/project#iid)",
				   o->issues[i]);
			rc = FETCH_EUSAGE;
			goto done;
		}
		enc = enc_path(path);
		free(path);
		if (!enc) {
			rc = nomem(c);
			goto done;
		}
		rc = api_url(c, &url, "/projects/%s/issues/%lld", enc, (long long)iid);
		curl_free(enc);
		if (rc || (rc = http_submit(c->h, url, K_SEED_ISSUE, &sr[k])))
			goto done;
		free(url);
		url = NULL;
	}
	if ((rc = drive(c, false)))
		goto done;

	/* the run starts at the server's clock */
	int64_t started = http_first_date(c->h);
	if (started < 0)
		started = (int64_t)time(NULL);
	char started_iso[32], mark_iso[32] = "";
	iso_time(started, started_iso, sizeof started_iso);
	if (c->incremental) {
		struct tm tm = {0};
		const char *end =
		    prev_started ? strptime(prev_started, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
		time_t prev_t = end && !*end ? timegm(&tm) : (time_t)-1;
		if (prev_t == -1) {
			c->incremental = false;
		} else {
			iso_time((int64_t)prev_t - SYNC_SLACK_SECONDS, mark_iso, sizeof mark_iso);
		}
	}
	c->res->incremental = c->incremental;

	if (store_crawl_each_project(c->s, prev_cb, &prev) < 0) {
		rc = store_failed(c, "read crawl projects");
		goto done;
	}
	if ((rc = begin(c)))
		goto done;
	if (store_set_instance(c->s, o->url) < 0) {
		rc = store_failed(c, "store instance");
		goto rollback;
	}
	if (store_crawl_reset(c->s, c->incremental) < 0) {
		rc = store_failed(c, "reset crawl state");
		goto rollback;
	}
	if (!o->text_deps && store_clear_text_deps(c->s) < 0) {
		rc = store_failed(c, "remove text dependencies");
		goto rollback;
	}
	if (c->incremental) {
		if (store_crawl_issue_projects(c->s, &ids, &n_ids) < 0) {
			rc = store_failed(c, "read projects");
			goto rollback;
		}
		for (size_t i = 0; i < n_ids; i++) {
			struct store_crawl_project p = {ids[i], 0, true, false, NULL, mark_iso};
			if (store_crawl_put_project(c->s, &p) < 0) {
				rc = store_failed(c, "write crawl project");
				goto rollback;
			}
		}
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_other); i++) {
		int64_t pid;
		if ((rc = seed_record(
			 c, put_project(c, json_object_array_get_idx(c->seed_other, i), &pid))))
			goto rollback;
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_issues); i++) {
		struct json_object *io = json_object_array_get_idx(c->seed_issues, i);
		struct store_issue is;
		struct store_crawl_issue ci;
		if ((rc = seed_record(c, put_issue(c, io, &is))))
			goto rollback;
		bool keep = false;
		if (c->incremental) {
			int g = store_crawl_get_issue(c->s, is.id, &ci);
			if (g < 0 && g != STORE_ENOTFOUND) {
				rc = store_failed(c, "read crawl issue");
				goto rollback;
			}
			keep = g == 0 && ci.expanded;
		}
		if (store_crawl_put_issue(c->s, is.id, 0, keep) < 0) {
			rc = store_failed(c, "write crawl issue");
			goto rollback;
		}
		/* the project of a seed issue (is_seed 2): listed by iids when
		 * incremental, else not listed */
		struct store_crawl_project p = {is.project_id, 2,
						true,	       !c->incremental,
						NULL,	       c->incremental ? mark_iso : NULL};
		if (store_crawl_put_project(c->s, &p) < 0) {
			rc = store_failed(c, "write crawl project");
			goto rollback;
		}
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_listed); i++) {
		int64_t pid;
		if ((rc = seed_record(
			 c, put_project(c, json_object_array_get_idx(c->seed_listed, i), &pid))))
			goto rollback;
		bool listed = false;
		for (size_t j = 0; j < prev.n; j++)
			if (prev.v[j].id == pid)
				listed = prev.v[j].listed;
		struct store_crawl_project p = {
		    pid, 1, true, false, NULL, (c->incremental && listed) ? mark_iso : NULL};
		if (store_crawl_put_project(c->s, &p) < 0) {
			rc = store_failed(c, "write crawl project");
			goto rollback;
		}
	}
	if (store_set_seeds(c->s, (const char *const *)words, n_words) < 0 ||
	    store_meta_set(c->s, "fetch.started_at", started_iso) < 0 ||
	    store_meta_set(c->s, "fetch.completed", "0") < 0 ||
	    store_meta_set(c->s, "fetch.sync_mark", mark_iso) < 0 ||
	    store_meta_set(c->s, "fetch.mode",
			   c->incremental ? "incremental" : (o->full ? "full" : "first")) < 0 ||
	    store_meta_set(c->s, "fetch.options", opts) < 0) {
		rc = store_failed(c, "store fetch marks");
		goto rollback;
	}
	rc = commit(c);
	goto done;
rollback:
	store_rollback(c->s);
done:
	free(url);
	free(ids);
	free(prev.v);
	free(sr);
	json_object_put(c->seed_listed);
	json_object_put(c->seed_other);
	json_object_put(c->seed_issues);
	c->seed_listed = c->seed_other = c->seed_issues = NULL;
	return rc;
}

static int finish_run(struct crawl *c)
{
	int rc;
	struct store_counts counts;
	if ((rc = begin(c)))
		return rc;
	if (c->o->full && store_crawl_prune(c->s, &c->res->pruned) < 0)
		rc = store_failed(c, "prune");
	if (rc == 0 &&
	    (store_meta_set(c->s, "fetch.completed", "1") < 0 || store_mark_populated(c->s) < 0))
		rc = store_failed(c, "store fetch marks");
	if (rc == 0 && store_history_record(c->s, STORE_HISTORY_FETCH) < 0)
		rc = store_failed(c, "record history");
	if ((rc = end_unit(c, rc)))
		return rc;
	if (store_counts(c->s, &counts) < 0)
		return store_failed(c, "count");
	c->res->saw_blocks = counts.links_blocks > 0;
	c->res->text_deps = counts.text_deps;
	return 0;
}

int fetch_run(struct store *s, const struct fetch_options *o, struct fetch_result *res, char *err)
{
	struct fetch_result dummy;
	struct crawl c = {0};
	char **words = NULL, *opts = NULL, *rec_opts = NULL, *rec_done = NULL, *rec_mode = NULL;
	size_t n_words = 0;
	struct store_fetch_info info = {0};
	int rc;
	double t0 = fetch_now();

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof *res);
	c.s = s;
	c.o = o;
	c.err = err;
	c.res = res;
	c.depth_limit = o->depth < 0 ? HOP_UNLIMITED : o->depth;
	c.max_offset = MAX_OFFSET_DEFAULT;
#ifdef ISSUEGRAPH_TEST_HOOKS
	const char *env = getenv("ISSUEGRAPH_TEST_MAX_OFFSET");
	if (env && atoll(env) >= PER_PAGE)
		c.max_offset = atoll(env);
	env = getenv("ISSUEGRAPH_TEST_KILL_AT_COMMIT");
	if (env)
		c.kill_at = atol(env);
#endif
	fetch_progress_init(&c.progress, o->err, o->progress && !o->quiet);

	if (o->depth >= 0 && o->depth <= BARRIER_MAX_DEPTH) {
		c.barrier = true;
		if (!(c.hop_busy = calloc((size_t)o->depth + 2, sizeof *c.hop_busy))) {
			rc = nomem(&c);
			goto done;
		}
	}
	if ((rc = seed_words(o, &words, &n_words, &opts))) {
		rc = nomem(&c);
		goto done;
	}
	if ((rc = http_new(&c.h, o, err)))
		goto done;
	if (o->text_deps && (rc = text_refs_new(&c.text, &c, s, c.h, o->url, err)))
		goto done;
	if (store_each_project(s, known_project_cb, &c) != 0) {
		rc = store_failed(&c, "read projects");
		goto done;
	}
	if (store_get_fetch_info(s, &info) < 0 ||
	    store_meta_get(s, "fetch.options", &rec_opts) < 0 ||
	    store_meta_get(s, "fetch.completed", &rec_done) < 0 ||
	    store_meta_get(s, "fetch.mode", &rec_mode) < 0) {
		rc = store_failed(&c, "read fetch marks");
		goto done;
	}
	bool same_opts = rec_opts && strcmp(rec_opts, opts) == 0;
	/* the crawl options alone (first line): decide incremental or full */
	size_t l1 = strcspn(opts, "\n");
	bool same_crawl = rec_opts && strncmp(rec_opts, opts, l1) == 0 &&
			  (rec_opts[l1] == '\n' || rec_opts[l1] == '\0');
	bool resumable = rec_done && strcmp(rec_done, "0") == 0 && same_opts && rec_mode &&
			 (!o->full || strcmp(rec_mode, "full") == 0);
	if (resumable) {
		res->resumed = true;
		c.incremental = strcmp(rec_mode, "incremental") == 0;
		res->incremental = c.incremental;
	} else {
		c.incremental = !o->full && info.completed && info.started_at && same_crawl;
		if ((rc = start_run(&c, words, n_words, opts, info.started_at)))
			goto done;
	}
	/* the work left, from the store (the same after a start or a resume) */
	if (store_crawl_each_project(s, load_lister_cb, &c) != 0) {
		rc = store_failed(&c, "read crawl projects");
		goto done;
	}
	if (store_crawl_each_pending(s, c.depth_limit, load_pending_cb, &c) != 0) {
		rc = store_failed(&c, "read crawl frontier");
		goto done;
	}
	if ((rc = drive(&c, true)))
		goto done;
	rc = finish_run(&c);
done:
	fetch_progress_clear(&c.progress);
	if (c.h) {
		struct http_stats hs;
		http_get_stats(c.h, &hs);
		res->requests = hs.requests;
		res->retries = hs.retries;
		res->rate_limited = hs.rate_limited;
	}
	res->seconds = fetch_now() - t0;
	if (rc)
		store_rollback(s); /* no-op unless a unit was open */
	if (c.text) {
		text_refs_stats(c.text, &res->text);
		if (rc == 0 && text_refs_hot(c.text, &res->text_hot, &res->n_text_hot))
			rc = nomem(&c);
		text_refs_free(c.text);
	}
	if (c.h)
		http_drop_pending(c.h, drop_request, &c);
	http_free(c.h);
	for (size_t i = 0; i < c.n_listers; i++) {
		free(c.listers[i].next);
		free(c.listers[i].updated_after);
		free(c.listers[i].series_after);
		free(c.listers[i].read);
	}
	free(c.listers);
	free(c.heap);
	free(c.hop_busy);
	free(c.proj_wanted);
	map_free(&c.queued);
	map_free(&c.seen);
	map_free(&c.projects);
	while (c.parked) {
		struct links_unit *u = c.parked;
		c.parked = u->next;
		json_object_put(u->json);
		free(u);
	}
	json_object_put(c.seed_listed);
	json_object_put(c.seed_other);
	json_object_put(c.seed_issues);
	free_words(words, n_words);
	free(opts);
	free(rec_opts);
	free(rec_done);
	free(rec_mode);
	free(info.started_at);
	return rc;
}

void fetch_result_release(struct fetch_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_text_hot; i++)
		free(res->text_hot[i].ref);
	free(res->text_hot);
	res->text_hot = NULL;
	res->n_text_hot = 0;
}

/* ---- services for text_refs.c (fetch_internal.h) ---------------------------- */

int crawl_api_url(struct crawl *c, const char *tail, char **out)
{
	return api_url(c, out, "%s", tail);
}

int crawl_begin(struct crawl *c)
{
	return begin(c);
}

int crawl_end_unit(struct crawl *c, int rc)
{
	return end_unit(c, rc);
}

/* 1: the decoder refused the record (counted, not stored). */
int crawl_put_issue(struct crawl *c, struct json_object *o, struct store_issue *out)
{
	return put_issue(c, o, out);
}

int crawl_put_project(struct crawl *c, struct json_object *o, int64_t *id_out)
{
	return put_project(c, o, id_out);
}

bool crawl_project_known(struct crawl *c, int64_t project_id)
{
	return map_get(&c->projects, project_id) == P_KNOWN;
}

int crawl_project_state(struct crawl *c, int64_t project_id)
{
	switch (map_get(&c->projects, project_id)) {
	case P_KNOWN:
		return CRAWL_PROJECT_KNOWN;
	case P_INACCESSIBLE:
		return CRAWL_PROJECT_GONE;
	default:
		return CRAWL_PROJECT_UNKNOWN;
	}
}

int crawl_want_project(struct crawl *c, int64_t project_id)
{
	return want_project(c, project_id);
}

int crawl_reach_text(struct crawl *c, const struct store_issue *i, int64_t hop)
{
	return reach(c, i, hop, false);
}
