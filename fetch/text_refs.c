/*
 * Text dependencies in the crawl (SPEC "Text dependencies"): the
 * description of an issue the crawl expands is read with textdeps_extract()
 * when its object passes by (listing, link list, iids[] batch), and only
 * the references are kept, never the text. Before the issue's link unit
 * commits, each reference is resolved: the project by path (the store, else
 * GET /projects/:path), the issue by iid (the store, else a batched GET
 * /projects/:id/issues?iids[]=..), a moved issue to the issue it moved to
 * (the store, else GET /issues/:id). 403/404 and what does not exist are
 * dropped and counted. text_refs_commit() then writes the issue's text
 * dependencies and dropped counts inside the issue's own link unit, so it
 * is marked expanded only with both, and reaches the issues they name at
 * the next hop. An issue whose description is not in memory (a resumed
 * fetch, an issue found in the store) is read again by an iids[] batch.
 *
 * Trust (issue 19): anyone can write a reference, so one brings an issue in
 * only from a project --text-deps-scope allows (namespace: the top-level
 * namespaces of the seeds and of every project reached through links;
 * seeds: the seeds' projects; instance: any). One outside it is counted as
 * dropped when its issue's unit commits and kept (struct late) until the
 * end of the crawl: those the scope allows by then are followed (which may
 * widen it again), those whose issue the run keeps anyway are kept, the
 * rest dropped and counted, so the outcome does not depend on the order of
 * answers. A path over GitLab's limits is dropped unasked; at most 2,000
 * projects are looked up by path per fetch; one that answered 403/404 is
 * remembered in the store and not asked again until a full crawl. Answers
 * are decoded into records as they arrive, never kept as trees.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "fetch_internal.h"
#include "source.h"
#include "textdeps.h"

#define BATCH_MAX     100
#define HOT_THRESHOLD 20 /* warn when a reference is in more descriptions */
/* GitLab's own limits on a full path: a segment, the segments */
#define SEGMENT_MAX  255
#define SEGMENTS_MAX 22
/* distinct projects the store does not hold looked up per fetch */
#define LOOKUPS_MAX 2000

/* ---- a string -> pointer map (open addressing, keys owned) ------------- */

struct smap {
	char **keys;
	void **vals;
	size_t cap, n;
};

static size_t smap_hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

static size_t smap_slot(const struct smap *m, const char *k)
{
	size_t i = smap_hash(k) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void **smap_get(const struct smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	size_t i = smap_slot(m, k);
	return m->keys[i] ? &m->vals[i] : NULL;
}

/* The value slot of k, added (NULL) when absent; NULL on out of memory. */
static void **smap_put(struct smap *m, const char *k)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct smap nm = {calloc(ncap, sizeof(char *)), calloc(ncap, sizeof(void *)), ncap,
				  m->n};
		if (!nm.keys || !nm.vals) {
			free(nm.keys);
			free(nm.vals);
			return NULL;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (m->keys[i]) {
				size_t j = smap_slot(&nm, m->keys[i]);
				nm.keys[j] = m->keys[i];
				nm.vals[j] = m->vals[i];
			}
		}
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	size_t i = smap_slot(m, k);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strdup(k)))
			return NULL;
		m->vals[i] = NULL;
		m->n++;
	}
	return &m->vals[i];
}

static void smap_free(struct smap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i]) {
			free(m->keys[i]);
			if (free_val)
				free_val(m->vals[i]);
		}
	}
	free(m->keys);
	free(m->vals);
}

/* ---- state ------------------------------------------------------------- */

enum pstate {
	TP_REQUESTED = 1,
	TP_KNOWN,
	TP_GONE,      /* 403/404 in this fetch */
	TP_GONE_KNOWN, /* 403/404 in an earlier one: not asked until a full crawl */
	TP_CAPPED,    /* over the lookups of one fetch: not asked */
};

struct tproject {
	enum pstate state;
	int64_t id;
	char *path;	/* as GitLab spells it */
	char *web_url;	/* from the answer, until the project is stored */
	bool held;	/* answered by path: a record to store before its first issue */
};

enum istate { TI_WAIT = 1, TI_FOUND, TI_DROPPED, TI_WAIT_MOVED, TI_OUTSIDE };

struct tissue {
	enum istate state;
	int64_t id, project_id, iid; /* the issue found (TI_FOUND) */
	int64_t moved_to;	     /* TI_WAIT_MOVED */
	struct fetch_issue_rec *held; /* a moved-to issue waiting for its project, decoded */
};

/* An issue's references, from its description; DONE once committed. */
struct tdesc {
	struct textdeps d;
	bool done;
};

/* What became of one reference (R_*: resolve()); the late ones wait for
 * the end of the crawl. */
enum {
	R_WAIT = 0,
	R_FOUND,
	R_DROPPED,  /* 403/404, no such project or issue, refused */
	R_OUTSIDE,  /* outside --text-deps-scope: decided at the end */
	R_TOOLONG,  /* the path breaks GitLab's limits */
	R_CAPPED,   /* its project is over the lookups of this fetch */
	R_KEPT,	    /* (late) outside the scope, but held by the store */
	R_LATE_OUT, /* (late) outside the scope and not held: dropped */
};

/* A committed description with references outside the scope: its items
 * and what became of each, until the end of the crawl decides them. */
struct late {
	int64_t issue_id, hop;
	struct textdeps d;
	unsigned char *st; /* R_* per item */
	struct late *next;
};

struct batch {
	int64_t project_id;
	size_t n;
	int64_t iids[BATCH_MAX];
	int64_t for_desc[BATCH_MAX]; /* issue id whose description is wanted, or 0 */
};

struct pending {
	int64_t project_id;
	int64_t *iids, *for_desc;
	size_t n, cap;
};

struct text_refs {
	struct crawl *c;
	struct store *s;
	struct http *h;
	struct fetch_source *src;
	char *err;

	char **origins;
	size_t n_origins;

	struct smap projects;	/* lower-case path -> struct tproject */
	struct smap byid;	/* "project id" -> struct tproject (borrowed) */
	struct smap issues;	/* "pid#iid" -> struct tissue */
	struct smap descs;	/* "issue id" -> struct tdesc */
	struct smap moved;	/* "issue id" -> (intptr) moved_to_id */
	struct smap hot;	/* "path#iid" lower-case -> (intptr) descriptions */
	struct smap desc_asked; /* "issue id" -> 1 */
	struct smap seen;	/* "issue id" -> 1: its object passed by (moved_to_id known) */

	struct pending *pend; /* iids to list, per project */
	size_t n_pend;
	size_t wanted;	    /* iids in pend */
	char **proj_wanted; /* paths to GET */
	size_t n_pw, cap_pw;
	size_t in_flight;

	enum fetch_text_scope scope;
	struct smap scope_ns;	/* namespace: lower-case top-level namespaces */
	struct smap scope_proj; /* seeds: lower-case project paths */
	size_t lookups;		/* distinct projects looked up by path */
	struct late *late;	/* descriptions waiting for the end of the crawl */

	struct fetch_text_stats st;
};

/* ---- small things ------------------------------------------------------ */

static int nomem(struct text_refs *t)
{
	fetch_fail(t->err, "out of memory");
	return FETCH_ENOMEM;
}

/* "path" or "path#iid" in lower case, malloc'd (no length limit: a key is
 * never cut short); NULL when out of memory. */
static char *lower_key(const char *path, int64_t iid)
{
	size_t len = strlen(path) + 32;
	char *buf = malloc(len);
	if (!buf)
		return NULL;
	if (iid)
		snprintf(buf, len, "%s#%lld", path, (long long)iid);
	else
		snprintf(buf, len, "%s", path);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

/* Whether a full path keeps GitLab's limits: 1 to 22 segments (21
 * namespace levels and the project), none empty or over 255 bytes. */
static bool path_within_limits(const char *path)
{
	size_t segs = 0, len = 0;
	for (const char *p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			if (len == 0 || len > SEGMENT_MAX || ++segs > SEGMENTS_MAX)
				return false;
			len = 0;
			if (!*p)
				return true;
		} else {
			len++;
		}
	}
}

static void id_key(char *buf, size_t len, int64_t a, int64_t b)
{
	if (b)
		snprintf(buf, len, "%lld#%lld", (long long)a, (long long)b);
	else
		snprintf(buf, len, "%lld", (long long)a);
}

static void free_project(void *v)
{
	struct tproject *p = v;
	if (p) {
		free(p->path);
		free(p->web_url);
		free(p);
	}
}

static void free_issue(void *v)
{
	struct tissue *i = v;
	if (i) {
		fetch_issue_rec_free(i->held);
		free(i);
	}
}

static void free_desc(void *v)
{
	struct tdesc *d = v;
	if (d) {
		textdeps_release(&d->d);
		free(d);
	}
}

static int add_origin(struct text_refs *t, const char *url)
{
	char *o = url ? textdeps_origin(url) : NULL;
	if (!o)
		return 0;
	for (size_t i = 0; i < t->n_origins; i++) {
		if (strcmp(t->origins[i], o) == 0) {
			free(o);
			return 0;
		}
	}
	char **no = realloc(t->origins, (t->n_origins + 1) * sizeof *no);
	if (!no) {
		free(o);
		return nomem(t);
	}
	t->origins = no;
	t->origins[t->n_origins++] = o;
	return 0;
}

/* The instance of a project's web_url: without "/<path>" (an instance may
 * live under a path prefix). */
static int add_project_origin(struct text_refs *t, const char *path, const char *web_url)
{
	size_t ul = web_url ? strlen(web_url) : 0, pl = path ? strlen(path) : 0;
	if (!pl || ul <= pl + 1 || web_url[ul - pl - 1] != '/' ||
	    strncasecmp(web_url + ul - pl, path, pl) != 0)
		return add_origin(t, web_url);
	char *base = strndup(web_url, ul - pl - 1);
	if (!base)
		return nomem(t);
	int rc = add_origin(t, base);
	free(base);
	return rc;
}

/* ---- life ---------------------------------------------------------------- */

int text_refs_new(struct text_refs **out, struct crawl *c, struct store *s, struct http *h,
		  const char *instance, enum fetch_text_scope scope, char *err)
{
	struct text_refs *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t) {
		fetch_fail(err, "out of memory");
		return FETCH_ENOMEM;
	}
	t->c = c;
	t->src = crawl_source(c);
	t->s = s;
	t->h = h;
	t->err = err;
	t->scope = scope;
	int rc = add_origin(t, instance);
	if (rc) {
		text_refs_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void text_refs_free(struct text_refs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_origins; i++)
		free(t->origins[i]);
	free(t->origins);
	smap_free(&t->projects, free_project);
	smap_free(&t->byid, NULL);
	smap_free(&t->issues, free_issue);
	smap_free(&t->descs, free_desc);
	smap_free(&t->moved, NULL);
	smap_free(&t->hot, NULL);
	smap_free(&t->desc_asked, NULL);
	smap_free(&t->seen, NULL);
	smap_free(&t->scope_ns, NULL);
	smap_free(&t->scope_proj, NULL);
	while (t->late) {
		struct late *l = t->late;
		t->late = l->next;
		textdeps_release(&l->d);
		free(l->st);
		free(l);
	}
	for (size_t i = 0; i < t->n_pend; i++) {
		free(t->pend[i].iids);
		free(t->pend[i].for_desc);
	}
	free(t->pend);
	for (size_t i = 0; i < t->n_pw; i++)
		free(t->proj_wanted[i]);
	free(t->proj_wanted);
	free(t);
}

void text_refs_stats(const struct text_refs *t, struct fetch_text_stats *out)
{
	*out = t->st;
}

static int cmp_hot(const void *a, const void *b)
{
	const struct fetch_text_hot *x = a, *y = b;
	if (x->descriptions != y->descriptions)
		return x->descriptions > y->descriptions ? -1 : 1;
	return strcmp(x->ref, y->ref);
}

int text_refs_hot(const struct text_refs *t, struct fetch_text_hot **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < t->hot.cap; i++) {
		if (!t->hot.keys[i] || (intptr_t)t->hot.vals[i] <= HOT_THRESHOLD)
			continue;
		struct fetch_text_hot *nv = realloc(*out, (*n + 1) * sizeof *nv);
		if (!nv)
			return FETCH_ENOMEM;
		*out = nv;
		if (!(nv[*n].ref = strdup(t->hot.keys[i])))
			return FETCH_ENOMEM;
		nv[*n].descriptions = (int64_t)(intptr_t)t->hot.vals[i];
		(*n)++;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_hot);
	return 0;
}

/* ---- what passes by --------------------------------------------------------- */

int text_refs_note_project(struct text_refs *t, int64_t id, const char *path, const char *web_url)
{
	char ik[32];
	int rc = add_project_origin(t, path, web_url);
	if (rc || !path)
		return rc;
	char *key = lower_key(path, 0);
	void **slot = key ? smap_put(&t->projects, key) : NULL;
	free(key);
	if (!slot)
		return nomem(t);
	struct tproject *p = *slot;
	if (!p) {
		if (!(p = calloc(1, sizeof *p)))
			return nomem(t);
		*slot = p;
	}
	p->held = false; /* stored now */
	if (p->state == TP_KNOWN)
		return 0;
	p->state = TP_KNOWN;
	p->id = id;
	if (!p->path && !(p->path = strdup(path)))
		return nomem(t);
	id_key(ik, sizeof ik, id, 0);
	if (!(slot = smap_put(&t->byid, ik)))
		return nomem(t);
	if (!*slot)
		*slot = p;
	return 0;
}

static struct tproject *project_by_id(const struct text_refs *t, int64_t id)
{
	char ik[32];
	id_key(ik, sizeof ik, id, 0);
	void **slot = smap_get(&t->byid, ik);
	return slot ? *slot : NULL;
}

/* ---- the scope ----------------------------------------------------------- */

/* The lower-case top-level namespace of path, malloc'd. */
static char *top_namespace(const char *path)
{
	size_t n = strcspn(path, "/");
	char *k = strndup(path, n);
	for (char *p = k; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

static int scope_put(struct text_refs *t, struct smap *m, char *key)
{
	void **slot = key ? smap_put(m, key) : NULL;
	free(key);
	if (!slot)
		return nomem(t);
	*slot = (void *)1;
	return 0;
}

int text_refs_scope_project(struct text_refs *t, int64_t project_id, bool seed)
{
	struct tproject *p = project_by_id(t, project_id);
	if (!p || !p->path || t->scope == FETCH_TEXT_SCOPE_INSTANCE)
		return 0;
	if (t->scope == FETCH_TEXT_SCOPE_NAMESPACE)
		return scope_put(t, &t->scope_ns, top_namespace(p->path));
	return seed ? scope_put(t, &t->scope_proj, lower_key(p->path, 0)) : 0;
}

/* Whether a text reference to path may bring an issue into the store. */
static bool in_scope(const struct text_refs *t, const char *path)
{
	if (t->scope == FETCH_TEXT_SCOPE_INSTANCE)
		return true;
	struct smap const *m = t->scope == FETCH_TEXT_SCOPE_NAMESPACE ? &t->scope_ns
								      : &t->scope_proj;
	char *k = t->scope == FETCH_TEXT_SCOPE_NAMESPACE ? top_namespace(path)
							  : lower_key(path, 0);
	bool in = k && smap_get(m, k) != NULL;
	free(k);
	return in;
}

static int gone_cb(void *ctx, const char *path)
{
	struct text_refs *t = ctx;
	void **slot = smap_put(&t->projects, path);
	if (!slot)
		return nomem(t) ? 1 : 1;
	if (!*slot) {
		struct tproject *p = calloc(1, sizeof *p);
		if (!p)
			return nomem(t) ? 1 : 1;
		p->state = TP_GONE_KNOWN;
		*slot = p;
	}
	return 0;
}

int text_refs_load_gone(struct text_refs *t)
{
	int rc = store_text_gone_each(t->s, gone_cb, t);
	if (rc == 1)
		return FETCH_ENOMEM;
	if (rc < 0) {
		fetch_fail(t->err, "read unreadable projects: %s", store_errmsg(t->s));
		return FETCH_ESTORE;
	}
	return 0;
}

static double thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int text_refs_note(struct text_refs *t, struct json_object *o, int64_t id, int64_t project_id,
		   int64_t iid)
{
	char key[32];
	int64_t moved;
	id_key(key, sizeof key, id, 0);
	void **seen = smap_put(&t->seen, key);
	if (!seen)
		return nomem(t);
	*seen = (void *)1;
	if (fetch_jint(o, "moved_to_id", &moved) && moved > 0) {
		id_key(key, sizeof key, id, 0);
		void **slot = smap_put(&t->moved, key);
		if (!slot)
			return nomem(t);
		*slot = (void *)(intptr_t)moved;
	}
	id_key(key, sizeof key, id, 0);
	void **slot = smap_get(&t->descs, key);
	if (slot && *slot)
		return 0; /* read already (or committed) in this process */
	struct tproject *p = project_by_id(t, project_id);
	if (!p || p->state != TP_KNOWN)
		return 0; /* read later by an iids[] batch if it is expanded */
	const char *text = fetch_jstr(o, "description");
	struct tdesc *d = calloc(1, sizeof *d);
	if (!d || !(slot = smap_put(&t->descs, key))) {
		free(d);
		return nomem(t);
	}
	*slot = d;
	if (!text)
		return 0;
	struct textdeps_ctx ctx = {p->path, iid, (const char *const *)t->origins, t->n_origins, 0};
	double t0 = thread_cpu();
	int rc = textdeps_extract(text, strlen(text), &ctx, &d->d);
	t->st.extract_cpu += thread_cpu() - t0;
	t->st.descriptions++;
	return rc < 0 ? nomem(t) : 0;
}

/* ---- asking ---------------------------------------------------------------- */

static int want_iid(struct text_refs *t, int64_t project_id, int64_t iid, int64_t for_desc)
{
	struct pending *p = NULL;
	for (size_t i = 0; i < t->n_pend; i++)
		if (t->pend[i].project_id == project_id)
			p = &t->pend[i];
	if (!p) {
		struct pending *np = realloc(t->pend, (t->n_pend + 1) * sizeof *np);
		if (!np)
			return nomem(t);
		t->pend = np;
		p = &np[t->n_pend++];
		memset(p, 0, sizeof *p);
		p->project_id = project_id;
	}
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		int64_t *a = realloc(p->iids, ncap * sizeof *a);
		if (!a)
			return nomem(t);
		p->iids = a;
		int64_t *b = realloc(p->for_desc, ncap * sizeof *b);
		if (!b)
			return nomem(t);
		p->for_desc = b;
		p->cap = ncap;
	}
	p->iids[p->n] = iid;
	p->for_desc[p->n] = for_desc;
	p->n++;
	t->wanted++;
	return 0;
}

static int want_project(struct text_refs *t, const char *path)
{
	if (t->n_pw == t->cap_pw) {
		size_t ncap = t->cap_pw ? t->cap_pw * 2 : 32;
		char **nv = realloc(t->proj_wanted, ncap * sizeof *nv);
		if (!nv)
			return nomem(t);
		t->proj_wanted = nv;
		t->cap_pw = ncap;
	}
	if (!(t->proj_wanted[t->n_pw] = strdup(path)))
		return nomem(t);
	t->n_pw++;
	return 0;
}

/* A request submitted (rc 0) is one more in flight. */
static int submitted(struct text_refs *t, int rc)
{
	if (rc)
		return rc;
	t->in_flight++;
	return 0;
}

int text_refs_feed(struct text_refs *t)
{
	int rc;
	while (http_room(t->h) > 0 && t->n_pw > 0) {
		char *path = t->proj_wanted[--t->n_pw];
		/* data: the lower-case key, owned by the request */
		char *key = lower_key(path, 0);
		rc = key ? submitted(t, t->src->ops->project(t->src, 0, path,
							     K_TEXT_PROJECT | HTTP_KIND_ACCEPT_403,
							     key))
			 : nomem(t);
		free(path);
		if (rc == FETCH_EREMOTE && key) {
			/* a request that cannot be made drops the references, never
			 * the fetch */
			void **slot = smap_get(&t->projects, key);
			if (slot && *slot)
				((struct tproject *)*slot)->state = TP_GONE;
			free(key);
			continue;
		}
		if (rc) {
			free(key);
			return rc;
		}
	}
	for (size_t i = 0; i < t->n_pend && http_room(t->h) > 0; i++) {
		struct pending *p = &t->pend[i];
		while (p->n > 0 && http_room(t->h) > 0) {
			struct batch *b = calloc(1, sizeof *b);
			if (!b)
				return nomem(t);
			b->project_id = p->project_id;
			b->n = p->n < BATCH_MAX ? p->n : BATCH_MAX;
			p->n -= b->n;
			t->wanted -= b->n;
			memcpy(b->iids, p->iids + p->n, b->n * sizeof *b->iids);
			memcpy(b->for_desc, p->for_desc + p->n, b->n * sizeof *b->for_desc);
			rc = submitted(t, t->src->ops->list_iids(
					      t->src, b->project_id, NULL, b->iids, b->n, BATCH_MAX,
					      false, K_TEXT_ISSUES | HTTP_KIND_ACCEPT_403, b));
			if (rc) {
				free(b);
				return rc;
			}
		}
	}
	return 0;
}

bool text_refs_busy(const struct text_refs *t)
{
	return t->in_flight > 0 || t->wanted > 0 || t->n_pw > 0;
}

/* ---- resolving --------------------------------------------------------------- */

static struct tissue *issue_slot(struct text_refs *t, int64_t pid, int64_t iid, bool *fresh)
{
	char key[64];
	id_key(key, sizeof key, pid, iid);
	void **slot = smap_put(&t->issues, key);
	if (!slot)
		return NULL;
	*fresh = !*slot;
	if (!*slot)
		*slot = calloc(1, sizeof(struct tissue));
	return *slot;
}

static int issue_exists(void *ctx, const struct store_issue *i)
{
	struct tissue *ti = ctx;
	ti->project_id = i->project_id;
	ti->iid = i->iid;
	return 0;
}

static int issue_closed(void *ctx, const struct store_issue *i)
{
	*(bool *)ctx = i->state == STORE_STATE_CLOSED;
	return 0;
}

/* Follow a move of ti's issue; R_WAIT while the target is asked for. */
static int follow_move(struct text_refs *t, struct tissue *ti, int *out)
{
	char key[32];
	id_key(key, sizeof key, ti->id, 0);
	void **m = smap_get(&t->moved, key);
	*out = R_FOUND;
	if (!m)
		return 0;
	int64_t to = (int64_t)(intptr_t)*m;
	struct tissue probe = {0};
	int g = store_get_issue(t->s, to, issue_exists, &probe);
	if (g == 0) {
		ti->id = to;
		ti->project_id = probe.project_id;
		ti->iid = probe.iid;
		return 0;
	}
	if (g != STORE_ENOTFOUND) {
		fetch_fail(t->err, "read issue: %s", store_errmsg(t->s));
		return FETCH_ESTORE;
	}
	ti->state = TI_WAIT_MOVED;
	ti->moved_to = to;
	*out = R_WAIT;
	return submitted(
	    t, t->src->ops->issue(t->src, NULL, to, K_TEXT_MOVED | HTTP_KIND_ACCEPT_403, ti));
}

/*
 * What becomes of reference r now (*out an R_*): R_WAIT while requests are
 * needed (queued). late: the end of the crawl decides references outside
 * the scope, so they are followed like the others when the scope allows
 * them by then.
 */
static int resolve(struct text_refs *t, const struct textdep *r, struct tissue **found, int *out)
{
	bool fresh;
	*out = R_WAIT;
	*found = NULL;
	if (!path_within_limits(r->project_path)) {
		*out = R_TOOLONG;
		return 0;
	}
	if (!in_scope(t, r->project_path)) {
		*out = R_OUTSIDE;
		return 0;
	}
	char *key = lower_key(r->project_path, 0);
	void **slot = key ? smap_put(&t->projects, key) : NULL;
	free(key);
	if (!slot)
		return nomem(t);
	struct tproject *p = *slot;
	if (!p) {
		if (!(p = calloc(1, sizeof *p)))
			return nomem(t);
		*slot = p;
		if (t->lookups >= LOOKUPS_MAX) {
			p->state = TP_CAPPED;
			*out = R_CAPPED;
			return 0;
		}
		t->lookups++;
		p->state = TP_REQUESTED;
		return want_project(t, r->project_path);
	}
	switch (p->state) {
	case TP_GONE:
	case TP_GONE_KNOWN:
		*out = R_DROPPED;
		return 0;
	case TP_CAPPED:
		*out = R_CAPPED;
		return 0;
	case TP_REQUESTED:
		return 0;
	case TP_KNOWN:
		break;
	}
	/* the path GitLab answered (a renamed project redirects) must be in
	 * the scope too */
	if (!in_scope(t, p->path)) {
		*out = R_OUTSIDE;
		return 0;
	}
	struct tissue *ti = issue_slot(t, p->id, r->iid, &fresh);
	if (!ti)
		return nomem(t);
	if (fresh) {
		int64_t id;
		int g = store_find_issue(t->s, p->path, r->iid, &id);
		if (g == 0) {
			ti->state = TI_FOUND;
			ti->id = id;
			ti->project_id = p->id;
			ti->iid = r->iid;
			/* a closed issue may have moved (not in the store): list it again
			 * unless this process saw its object already */
			char mk[32];
			id_key(mk, sizeof mk, id, 0);
			bool closed = false;
			if (!smap_get(&t->seen, mk) &&
			    store_get_issue(t->s, id, issue_closed, &closed) == 0 && closed) {
				ti->state = TI_WAIT;
				return want_iid(t, p->id, r->iid, 0);
			}
		} else if (g == STORE_ENOTFOUND) {
			ti->state = TI_WAIT;
			return want_iid(t, p->id, r->iid, 0);
		} else {
			fetch_fail(t->err, "find issue: %s", store_errmsg(t->s));
			return FETCH_ESTORE;
		}
	}
	if (ti->state == TI_DROPPED)
		*out = R_DROPPED;
	if (ti->state == TI_OUTSIDE)
		*out = R_OUTSIDE; /* it moved to a project outside the scope */
	if (ti->state != TI_FOUND)
		return 0;
	int rc = follow_move(t, ti, out);
	*found = ti;
	return rc;
}

int text_refs_ready(struct text_refs *t, int64_t issue_id, int64_t project_id, int64_t iid)
{
	char key[32];
	id_key(key, sizeof key, issue_id, 0);
	void **slot = smap_get(&t->descs, key);
	if (!slot || !*slot) {
		/* not in memory: read it again with an iids[] batch, once */
		void **asked = smap_put(&t->desc_asked, key);
		if (!asked)
			return nomem(t);
		if (*asked)
			return 0;
		*asked = (void *)1;
		return want_iid(t, project_id, iid, issue_id);
	}
	struct tdesc *d = *slot;
	bool ready = true;
	for (size_t k = 0; k < d->d.count; k++) {
		struct tissue *ti;
		int st, rc = resolve(t, &d->d.items[k], &ti, &st);
		if (rc < 0)
			return rc;
		if (st == R_WAIT)
			ready = false;
	}
	return ready ? 1 : 0;
}

static int cmp_dep(const void *a, const void *b)
{
	const struct store_text_dep *x = a, *y = b;
	if (x->target_id != y->target_id)
		return x->target_id < y->target_id ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static bool same_ref(const struct textdeps *td, size_t k)
{
	return k > 0 && td->items[k - 1].iid == td->items[k].iid &&
	       strcmp(td->items[k - 1].project_path, td->items[k].project_path) == 0;
}

static bool is_dropped(int st)
{
	return st != R_FOUND && st != R_KEPT;
}

/* The dropped counts of a description whose items became st[]: "blocked
 * by" references (blockers of the issue) and distinct references in all
 * (the ones over the 500 included). */
static void dropped_counts(const struct textdeps *td, const unsigned char *st, int64_t *blockers,
			   int64_t *all)
{
	*blockers = 0;
	*all = (int64_t)td->dropped;
	for (size_t k = 0; k < td->count; k++) {
		if (!is_dropped(st[k]))
			continue;
		if (!td->items[k].blocks)
			(*blockers)++;
		if (!same_ref(td, k) || !is_dropped(st[k - 1]))
			(*all)++;
	}
}

/* Distinct references of td whose items are in state want. */
static int64_t count_state(const struct textdeps *td, const unsigned char *st, int want)
{
	int64_t n = 0;
	for (size_t k = 0; k < td->count; k++)
		if (st[k] == want && (!same_ref(td, k) || st[k - 1] != want))
			n++;
	return n;
}

static void fill_dep(struct store_text_dep *d, int64_t issue_id, int64_t target,
		     const struct textdep *r)
{
	d->source_id = issue_id;
	d->target_id = target;
	d->type = r->blocks ? STORE_TEXT_BLOCKS : STORE_TEXT_BLOCKED_BY;
	d->line = r->line;
	d->phrase = r->phrase;
}

int text_refs_commit(struct text_refs *t, int64_t issue_id, int64_t hop)
{
	char key[32];
	id_key(key, sizeof key, issue_id, 0);
	void **slot = smap_get(&t->descs, key);
	struct tdesc *d = slot ? *slot : NULL;
	struct textdeps none = {0};
	const struct textdeps *td = d ? &d->d : &none;
	struct store_text_dep *deps = td->count ? calloc(td->count, sizeof *deps) : NULL;
	unsigned char *states = td->count ? calloc(td->count, 1) : NULL;
	size_t n = 0;
	int64_t blockers = 0, all = 0;
	int rc = 0;
	bool late = false;
	if (td->count && (!deps || !states)) {
		free(deps);
		free(states);
		return nomem(t);
	}
	for (size_t k = 0; k < td->count && rc == 0; k++) {
		const struct textdep *r = &td->items[k];
		struct tissue *ti;
		int st;
		if ((rc = resolve(t, r, &ti, &st)))
			break;
		if (st == R_WAIT)
			/* ready() saw nothing waiting: the scope grew since (this
			 * issue's own links), so it is followed at the end */
			st = R_OUTSIDE;
		if (st == R_FOUND && ti->id == issue_id) {
			states[k] = R_FOUND; /* moved onto T itself: nothing */
			continue;
		}
		states[k] = (unsigned char)st;
		if (st == R_OUTSIDE)
			late = true;
		if (st != R_FOUND)
			continue;
		fill_dep(&deps[n++], issue_id, ti->id, r);
		struct store_issue si = {
		    .id = ti->id, .project_id = ti->project_id, .iid = ti->iid};
		rc = crawl_reach_text(t->c, &si, hop + 1);
	}
	if (rc == 0 && n > 1)
		qsort(deps, n, sizeof *deps, cmp_dep);
	if (rc == 0 && store_replace_text_deps_of(t->s, issue_id, deps, n) < 0) {
		fetch_fail(t->err, "store text dependencies: %s", store_errmsg(t->s));
		rc = FETCH_ESTORE;
	}
	/* references outside the scope count as dropped until the end of the
	 * crawl decides them (an interrupted fetch keeps them so) */
	dropped_counts(td, states, &blockers, &all);
	if (rc == 0 && store_set_text_dropped(t->s, issue_id, blockers, all) < 0) {
		fetch_fail(t->err, "store dropped references: %s", store_errmsg(t->s));
		rc = FETCH_ESTORE;
	}
	free(deps);
	if (rc) {
		free(states);
		return rc;
	}
	t->st.dropped += count_state(td, states, R_DROPPED);
	t->st.too_long += count_state(td, states, R_TOOLONG);
	t->st.lookups_capped += count_state(td, states, R_CAPPED);
	t->st.capped += (int64_t)td->dropped;
	/* a reference in many descriptions: a template placeholder? */
	for (size_t k = 0; k < td->count; k++) {
		const struct textdep *r = &td->items[k];
		if (same_ref(td, k))
			continue;
		char *hk = lower_key(r->project_path, r->iid);
		void **h = hk ? smap_put(&t->hot, hk) : NULL;
		free(hk);
		if (!h) {
			free(states);
			return nomem(t);
		}
		*h = (void *)((intptr_t)*h + 1);
	}
	if (!d) {
		free(states);
		return 0;
	}
	if (late) {
		/* kept (as records) until the end of the crawl decides them */
		struct late *l = calloc(1, sizeof *l);
		if (!l) {
			free(states);
			return nomem(t);
		}
		l->issue_id = issue_id;
		l->hop = hop;
		l->d = d->d;
		l->st = states;
		l->next = t->late;
		t->late = l;
		states = NULL;
	} else {
		textdeps_release(&d->d);
	}
	free(states);
	/* committed by the caller's unit: the references are not needed again */
	d->done = true;
	memset(&d->d, 0, sizeof d->d);
	return 0;
}

/* ---- the end of the crawl: references outside the scope ------------------ */

/* Write what became of l's late items (inside a unit): their text
 * dependencies, and the dropped counts again. */
static int late_write(struct text_refs *t, struct late *l, const int64_t *targets)
{
	int rc = 0;
	for (size_t k = 0; k < l->d.count && rc == 0; k++) {
		if (!targets[k])
			continue;
		struct store_text_dep dep;
		fill_dep(&dep, l->issue_id, targets[k], &l->d.items[k]);
		if (store_add_text_dep(t->s, &dep) < 0) {
			fetch_fail(t->err, "store text dependencies: %s", store_errmsg(t->s));
			rc = FETCH_ESTORE;
		}
	}
	int64_t blockers, all;
	dropped_counts(&l->d, l->st, &blockers, &all);
	if (rc == 0 && store_set_text_dropped(t->s, l->issue_id, blockers, all) < 0) {
		fetch_fail(t->err, "store dropped references: %s", store_errmsg(t->s));
		rc = FETCH_ESTORE;
	}
	return rc;
}

int text_refs_late(struct text_refs *t, bool final)
{
	int more = 0;
	for (struct late *l = t->late; l; l = l->next) {
		int64_t *targets = calloc(l->d.count ? l->d.count : 1, sizeof *targets);
		struct tissue **found = calloc(l->d.count ? l->d.count : 1, sizeof *found);
		bool changed = false, waiting = false;
		int rc = 0;
		if (!targets || !found) {
			free(targets);
			free(found);
			return nomem(t);
		}
		for (size_t k = 0; k < l->d.count && rc == 0; k++) {
			const struct textdep *r = &l->d.items[k];
			if (l->st[k] != R_OUTSIDE)
				continue;
			if (!final) {
				/* the scope grew: followed like any reference */
				struct tissue *ti;
				int st;
				if ((rc = resolve(t, r, &ti, &st)) || st == R_OUTSIDE)
					continue;
				if (st == R_WAIT) {
					waiting = true;
					continue;
				}
				changed = true;
				if (st != R_FOUND) {
					l->st[k] = (unsigned char)st;
					int64_t *ctr = st == R_TOOLONG  ? &t->st.too_long
						       : st == R_CAPPED ? &t->st.lookups_capped
									: &t->st.dropped;
					if (!same_ref(&l->d, k) || l->st[k - 1] != st)
						(*ctr)++;
					continue;
				}
				l->st[k] = R_FOUND;
				if (ti->id == l->issue_id)
					continue;
				targets[k] = ti->id;
				found[k] = ti;
				continue;
			}
			/* still outside: kept when the store holds the issue anyway
			 * (reached by this run: a pruning run removes the rest) */
			int64_t id = 0;
			int g = STORE_ENOTFOUND;
			char *pk = lower_key(r->project_path, 0);
			void **ps = pk ? smap_get(&t->projects, pk) : NULL;
			struct tproject *p = ps ? *ps : NULL;
			free(pk);
			if (!pk) {
				rc = nomem(t);
				break;
			}
			if (p && p->state == TP_KNOWN && p->path)
				g = store_find_issue(t->s, p->path, r->iid, &id);
			changed = true;
			if (g == 0 && id != l->issue_id && crawl_issue_reached(t->c, id)) {
				l->st[k] = R_KEPT;
				targets[k] = id;
			} else if (g == 0 || g == STORE_ENOTFOUND) {
				l->st[k] = R_LATE_OUT;
			} else {
				fetch_fail(t->err, "find issue: %s", store_errmsg(t->s));
				rc = FETCH_ESTORE;
			}
		}
		if (rc == 0 && changed) {
			if ((rc = crawl_begin(t->c)) == 0) {
				rc = late_write(t, l, targets);
				for (size_t k = 0; k < l->d.count && rc == 0; k++) {
					if (!found[k])
						continue;
					struct store_issue si = {.id = found[k]->id,
								 .project_id = found[k]->project_id,
								 .iid = found[k]->iid};
					rc = crawl_reach_text(t->c, &si, l->hop + 1);
				}
				rc = crawl_end_unit(t->c, rc);
			}
			more = 1;
		}
		free(targets);
		free(found);
		if (rc)
			return rc;
		if (waiting)
			more = 1;
		if (final)
			t->st.outside += count_state(&l->d, l->st, R_LATE_OUT);
	}
	return more;
}

/* ---- answers -------------------------------------------------------------------- */

static int on_project(struct text_refs *t, struct http_req *r)
{
	char *key = r->data;
	void **slot = smap_get(&t->projects, key);
	struct tproject *p = slot ? *slot : NULL;
	struct store_project rec;
	int rc = 0;
	if (!p) {
		free(key);
		return 0;
	}
	if (r->status == 200 && json_object_is_type(r->json, json_type_object)) {
		/* decoded into a record now; the tree goes with the request */
		int dec = crawl_decode_project(t->c, r->json, &rec);
		struct tproject *known = dec == 0 ? project_by_id(t, rec.id) : NULL;
		if (dec < 0) {
			rc = dec;
		} else if (dec == 1) {
			p->state = TP_GONE; /* refused by the decoder (counted) */
		} else if (known && known != p) {
			/* a renamed project: the old path stands for the known one */
			p->state = TP_KNOWN;
			p->id = rec.id;
			if (!p->path && !(p->path = strdup(known->path)))
				rc = nomem(t);
		} else {
			char ik[32];
			p->state = TP_KNOWN;
			p->id = rec.id;
			p->held = true;
			free(p->path);
			free(p->web_url);
			p->web_url = NULL;
			if (!(p->path = strdup(rec.path)) ||
			    (rec.web_url && !(p->web_url = strdup(rec.web_url))))
				rc = nomem(t);
			id_key(ik, sizeof ik, rec.id, 0);
			void **bs = rc ? NULL : smap_put(&t->byid, ik);
			if (!rc && !bs)
				rc = nomem(t);
			else if (bs && !*bs)
				*bs = p;
			if (!rc)
				rc = add_project_origin(t, rec.path, rec.web_url);
		}
	} else if (r->status == 403 || r->status == 404 || r->status == 200) {
		/* not asked again until a full crawl */
		p->state = TP_GONE;
		if ((rc = crawl_begin(t->c)) == 0) {
			if (store_text_gone_add(t->s, key) < 0) {
				fetch_fail(t->err, "remember an unreadable project: %s",
					   store_errmsg(t->s));
				rc = FETCH_ESTORE;
			}
			rc = crawl_end_unit(t->c, rc);
		}
	} else {
		char msg[300];
		http_api_message(r->json, msg, sizeof msg);
		fetch_fail(t->err, "GET project %.200s: %ld %s", key, r->status,
			   msg[0] ? msg : "unexpected answer");
		rc = FETCH_EREMOTE;
	}
	free(key);
	return rc;
}

/* Store a project that text_refs learned by path, before its first issue. */
static int ensure_project(struct text_refs *t, int64_t pid)
{
	if (crawl_project_known(t->c, pid))
		return 0;
	struct tproject *p = project_by_id(t, pid);
	if (!p || !p->held)
		return 1; /* unknown: the crawl asks for it */
	struct store_project rec = {pid, p->path, p->web_url};
	return crawl_put_project_record(t->c, &rec);
}

static int on_issues(struct text_refs *t, struct http_req *r)
{
	struct batch *b = r->data;
	int rc = 0;
	bool listed = r->status == 200 && json_object_is_type(r->json, json_type_array);
	if (!listed && r->status != 403 && r->status != 404) {
		char msg[300], path[512];
		http_api_message(r->json, msg, sizeof msg);
		http_url_path(r->url, path, sizeof path);
		fetch_fail(t->err, "GET %s: %ld %s", path, r->status,
			   msg[0] ? msg : "unexpected answer");
		free(b);
		return FETCH_EREMOTE;
	}
	if ((rc = crawl_begin(t->c))) {
		free(b);
		return rc;
	}
	size_t n = listed ? json_object_array_length(r->json) : 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct json_object *o = json_object_array_get_idx(r->json, k);
		int64_t id, pid, iid, moved = 0;
		bool fresh;
		if (!fetch_jint(o, "id", &id) || !fetch_jint(o, "project_id", &pid) ||
		    !fetch_jint(o, "iid", &iid) || pid != b->project_id)
			continue;
		struct tissue *ti = issue_slot(t, pid, iid, &fresh);
		if (!ti) {
			rc = nomem(t);
			break;
		}
		if (fetch_jint(o, "moved_to_id", &moved) && moved > 0) {
			/* it stands for the issue it moved to; not stored for itself */
			rc = text_refs_note(t, o, id, pid, iid);
		} else if ((rc = ensure_project(t, pid)) == 0) {
			struct store_issue si;
			rc = crawl_put_issue(t->c, o, &si);
			if (rc == 1) {
				rc = 0; /* refused by the decoder: dropped below */
				continue;
			}
		} else if (rc == 1) {
			rc = 0; /* a known project (or one the decoder refused) */
			continue;
		}
		if (ti->state != TI_FOUND) {
			ti->state = TI_FOUND;
			ti->id = id;
			ti->project_id = pid;
			ti->iid = iid;
		}
	}
	if (rc == 0) {
		for (size_t k = 0; k < b->n; k++) {
			if (b->for_desc[k]) {
				/* T's description came back (or T is gone: nothing to read) */
				char key[32];
				id_key(key, sizeof key, b->for_desc[k], 0);
				void **slot = smap_put(&t->descs, key);
				if (!slot) {
					rc = nomem(t);
					break;
				}
				if (!*slot && !(*slot = calloc(1, sizeof(struct tdesc)))) {
					rc = nomem(t);
					break;
				}
				continue;
			}
			bool fresh;
			struct tissue *ti = issue_slot(t, b->project_id, b->iids[k], &fresh);
			if (!ti) {
				rc = nomem(t);
				break;
			}
			if (ti->state != TI_FOUND)
				ti->state = TI_DROPPED;
		}
	}
	rc = crawl_end_unit(t->c, rc);
	free(b);
	return rc;
}

/* The moved-to issue (decoded): stored once its project is known, when
 * that project is in the scope too. */
static int take_moved(struct text_refs *t, struct tissue *ti, struct fetch_issue_rec *rec)
{
	int64_t id = rec->i.id, pid = rec->i.project_id, iid = rec->i.iid;
	int st = crawl_project_state(t->c, pid);
	if (st == CRAWL_PROJECT_GONE) {
		ti->state = TI_DROPPED;
		goto done;
	}
	if (st != CRAWL_PROJECT_KNOWN) {
		if (!ti->held)
			ti->held = rec;
		else if (ti->held != rec)
			fetch_issue_rec_free(rec);
		return crawl_want_project(t->c, pid);
	}
	struct tproject *p = project_by_id(t, pid);
	if (!p || !p->path || !in_scope(t, p->path)) {
		ti->state = TI_OUTSIDE;
		goto done;
	}
	int rc = crawl_begin(t->c);
	if (rc)
		goto fail;
	int prc = crawl_put_issue_record(t->c, &rec->i);
	if ((rc = crawl_end_unit(t->c, prc == 1 ? 0 : prc)))
		goto fail;
	if (prc == 1) {
		ti->state = TI_DROPPED; /* refused by the store */
		goto done;
	}
	ti->state = TI_FOUND;
	ti->id = id;
	ti->project_id = pid;
	ti->iid = iid;
done:
	if (ti->held == rec)
		ti->held = NULL;
	fetch_issue_rec_free(rec);
	return 0;
fail:
	if (ti->held == rec)
		ti->held = NULL;
	fetch_issue_rec_free(rec);
	return rc;
}

static int on_moved(struct text_refs *t, struct http_req *r)
{
	struct tissue *ti = r->data;
	if (r->status == 200 && json_object_is_type(r->json, json_type_object)) {
		/* decoded now: the tree goes with the request */
		struct fetch_issue_rec *rec = NULL;
		int rc = crawl_decode_issue(t->c, r->json, &rec);
		if (rc == 1) {
			ti->state = TI_DROPPED; /* refused by the decoder (counted) */
			return 0;
		}
		return rc ? rc : take_moved(t, ti, rec);
	}
	if (r->status == 403 || r->status == 404) {
		ti->state = TI_DROPPED;
		return 0;
	}
	char msg[300];
	http_api_message(r->json, msg, sizeof msg);
	fetch_fail(t->err, "GET issue %lld: %ld %s", (long long)ti->moved_to, r->status,
		   msg[0] ? msg : "unexpected answer");
	return FETCH_EREMOTE;
}

int text_refs_on_answer(struct text_refs *t, struct http_req *r)
{
	t->in_flight--;
	switch (r->kind & ~HTTP_KIND_ACCEPT_403) {
	case K_TEXT_PROJECT:
		return on_project(t, r);
	case K_TEXT_ISSUES:
		return on_issues(t, r);
	default:
		return on_moved(t, r);
	}
}

int text_refs_retry(struct text_refs *t)
{
	for (size_t i = 0; i < t->issues.cap; i++) {
		struct tissue *ti = t->issues.keys[i] ? t->issues.vals[i] : NULL;
		if (ti && ti->held) {
			int rc = take_moved(t, ti, ti->held);
			/* (take_moved frees it unless it waits again) */
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* ---- --text-deps-scope words ----------------------------------------------- */

static const char *const scope_names[] = {"namespace", "seeds", "instance"};

int fetch_text_scope_parse(const char *word)
{
	for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
		if (strcmp(word, scope_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *fetch_text_scope_name(enum fetch_text_scope s)
{
	return (size_t)s < sizeof scope_names / sizeof scope_names[0] ? scope_names[s] : "?";
}
