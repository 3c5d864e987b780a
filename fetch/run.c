/* Starting, resuming and finishing a run: fetch_run(). */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "crawl_internal.h"

static void iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int add_lister(struct crawl *c, const struct store_crawl_project *p)
{
	struct lister *nl = realloc(c->listers, (c->n_listers + 1) * sizeof *nl);
	if (!nl)
		return crawl_nomem(c);
	c->listers = nl;
	struct lister *l = &nl[c->n_listers];
	memset(l, 0, sizeof *l);
	l->project_id = p->project_id;
	l->is_seed = p->is_seed;
	l->done = p->list_done;
	if ((p->list_next && !(l->next = strdup(p->list_next))) ||
	    (p->list_updated_after && !(l->updated_after = strdup(p->list_updated_after))))
		return crawl_nomem(c);
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

/* --text-deps-scope: the seeds' projects */
struct scope_walk {
	struct crawl *c;
	int rc;
};

static int scope_seed_cb(void *ctx, const struct store_crawl_project *p)
{
	struct scope_walk *w = ctx;
	if (p->is_seed == STORE_CRAWL_OTHER)
		return 0;
	w->rc = text_refs_scope_project(w->c->text, p->project_id, true);
	return w->rc ? 1 : 0;
}

/* ... and the projects reached through links by the fetches before */
static int scope_linked_cb(void *ctx, int64_t project_id)
{
	struct scope_walk *w = ctx;
	w->rc = text_refs_scope_project(w->c->text, project_id, false);
	return w->rc ? 1 : 0;
}

static int load_scope(struct crawl *c, bool linked)
{
	struct scope_walk w = {c, 0};
	int rc = store_crawl_each_project(c->s, scope_seed_cb, &w);
	if (rc == 0 && linked)
		rc = store_each_link_project(c->s, scope_linked_cb, &w);
	if (w.rc)
		return w.rc;
	return rc ? crawl_store_failed(c, "read the text-deps scope") : 0;
}

/* A resumed run: the issues this run expanded whose descriptions held
 * references it could not read are read again, so that references the
 * interrupted run kept for the end of its crawl (outside the scope) are
 * decided by this one. */
struct reread {
	int64_t *ids;
	size_t n, cap;
};

static int reread_cb(void *ctx, int64_t issue_id, int64_t blocker_refs, int64_t all_refs)
{
	struct reread *rr = ctx;
	(void)blocker_refs;
	(void)all_refs;
	if (rr->n == rr->cap) {
		size_t ncap = rr->cap ? rr->cap * 2 : 64;
		int64_t *nv = realloc(rr->ids, ncap * sizeof *nv);
		if (!nv)
			return 1;
		rr->ids = nv;
		rr->cap = ncap;
	}
	rr->ids[rr->n++] = issue_id;
	return 0;
}

static int reread_dropped(struct crawl *c)
{
	struct reread rr = {0};
	int rc = store_each_text_dropped(c->s, reread_cb, &rr);
	if (rc) {
		free(rr.ids);
		return rc == 1 ? crawl_nomem(c) : crawl_store_failed(c, "read dropped references");
	}
	if (rr.n && (rc = crawl_begin(c)) == 0) {
		for (size_t k = 0; k < rr.n && rc == 0; k++) {
			struct store_crawl_issue ci;
			int g = store_crawl_get_issue(c->s, rr.ids[k], &ci);
			if (g == STORE_ENOTFOUND || (g == 0 && !ci.expanded))
				continue;
			if (g < 0 || store_crawl_put_issue(c->s, ci.issue_id, ci.hop, false) < 0)
				rc = crawl_store_failed(c, "write crawl issue");
		}
		rc = crawl_end_unit(c, rc);
	}
	free(rr.ids);
	return rc;
}

static int load_pending_cb(void *ctx, const struct store_crawl_issue *i)
{
	struct crawl *c = ctx;
	return crawl_queue_expand(c, i->issue_id, i->project_id, i->iid, i->hop);
}

static int known_project_cb(void *ctx, const struct store_project *p)
{
	struct crawl *c = ctx;
	if (c->text && text_refs_note_project(c->text, p->id, p->path, p->web_url))
		return FETCH_ENOMEM;
	return idmap_set(&c->projects, p->id, P_KNOWN) ? crawl_nomem(c) : 0;
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
	nv[pl->n].listed = p->is_seed == STORE_CRAWL_SEED && p->list_done;
	pl->n++;
	return 0;
}

/* Resolve the seeds over the network, then write the start of a new run
 * in one transaction. */
static int start_run(struct crawl *c, const struct store_seed *seeds, size_t n_seeds_given,
		     const char *opts, const char *prev_started)
{
	const struct fetch_options *o = c->o;
	size_t n_seeds = o->n_projects + o->n_groups + o->n_issues;
	struct seed_req *sr = calloc(n_seeds ? n_seeds : 1, sizeof *sr);
	struct prev_list prev = {0};
	int64_t *ids = NULL;
	size_t n_ids = 0;
	int rc = 0;
	if (!sr)
		return crawl_nomem(c);
	c->seed_listed = json_object_new_array();
	c->seed_other = json_object_new_array();
	c->seed_issues = json_object_new_array();
	if (!c->seed_listed || !c->seed_other || !c->seed_issues) {
		rc = crawl_nomem(c);
		goto done;
	}
	if ((rc = crawl_submit_seeds(c, sr)))
		goto done;
	if ((rc = crawl_drive(c, false)))
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
		rc = crawl_store_failed(c, "read crawl projects");
		goto done;
	}
	if ((rc = crawl_begin(c)))
		goto done;
	if (store_set_instance(c->s, o->url) < 0) {
		rc = crawl_store_failed(c, "store instance");
		goto rollback;
	}
	if (store_crawl_reset(c->s, c->incremental) < 0) {
		rc = crawl_store_failed(c, "reset crawl state");
		goto rollback;
	}
	if (!o->text_deps && store_clear_text_deps(c->s) < 0) {
		rc = crawl_store_failed(c, "remove text dependencies");
		goto rollback;
	}
	/* a full crawl asks again the projects that answered 403/404 */
	if (!c->incremental && store_text_gone_clear(c->s) < 0) {
		rc = crawl_store_failed(c, "forget unreadable projects");
		goto rollback;
	}
	if (c->incremental) {
		if (store_crawl_issue_projects(c->s, &ids, &n_ids) < 0) {
			rc = crawl_store_failed(c, "read projects");
			goto rollback;
		}
		for (size_t i = 0; i < n_ids; i++) {
			struct store_crawl_project p = {ids[i], STORE_CRAWL_OTHER, true, false,
							NULL,	mark_iso};
			if (store_crawl_put_project(c->s, &p) < 0) {
				rc = crawl_store_failed(c, "write crawl project");
				goto rollback;
			}
		}
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_other); i++) {
		int64_t pid;
		if ((rc = crawl_seed_record(
			 c,
			 crawl_put_project(c, json_object_array_get_idx(c->seed_other, i), &pid))))
			goto rollback;
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_issues); i++) {
		struct json_object *io = json_object_array_get_idx(c->seed_issues, i);
		struct store_issue is;
		struct store_crawl_issue ci;
		if ((rc = crawl_seed_record(c, crawl_put_issue(c, io, &is))))
			goto rollback;
		bool keep = false;
		if (c->incremental) {
			int g = store_crawl_get_issue(c->s, is.id, &ci);
			if (g < 0 && g != STORE_ENOTFOUND) {
				rc = crawl_store_failed(c, "read crawl issue");
				goto rollback;
			}
			keep = g == 0 && ci.expanded;
		}
		if (store_crawl_put_issue(c->s, is.id, 0, keep) < 0) {
			rc = crawl_store_failed(c, "write crawl issue");
			goto rollback;
		}
		/* the project of a seed issue: listed by iids when
		 * incremental, else not listed */
		struct store_crawl_project p = {is.project_id, STORE_CRAWL_SEED_ISSUE,
						true,	       !c->incremental,
						NULL,	       c->incremental ? mark_iso : NULL};
		if (store_crawl_put_project(c->s, &p) < 0) {
			rc = crawl_store_failed(c, "write crawl project");
			goto rollback;
		}
	}
	for (size_t i = 0; i < json_object_array_length(c->seed_listed); i++) {
		int64_t pid;
		if ((rc = crawl_seed_record(
			 c,
			 crawl_put_project(c, json_object_array_get_idx(c->seed_listed, i), &pid))))
			goto rollback;
		bool listed = false;
		for (size_t j = 0; j < prev.n; j++)
			if (prev.v[j].id == pid)
				listed = prev.v[j].listed;
		struct store_crawl_project p = {pid,  STORE_CRAWL_SEED,
						true, false,
						NULL, (c->incremental && listed) ? mark_iso : NULL};
		if (store_crawl_put_project(c->s, &p) < 0) {
			rc = crawl_store_failed(c, "write crawl project");
			goto rollback;
		}
	}
	struct store_crawl_run run = {
	    .started_at = started_iso,
	    .sync_mark = mark_iso,
	    .mode = c->incremental ? STORE_CRAWL_MODE_INCREMENTAL
				   : (c->prune ? STORE_CRAWL_MODE_FULL : STORE_CRAWL_MODE_FIRST),
	    .options = (char *)opts,
	};
	if (store_seeds_set(c->s, seeds, n_seeds_given) < 0 || store_crawl_begin(c->s, &run) < 0) {
		rc = crawl_store_failed(c, "store fetch marks");
		goto rollback;
	}
	rc = crawl_commit(c);
	goto done;
rollback:
	store_rollback(c->s);
done:
	free(ids);
	free(prev.v);
	free(sr);
	json_object_put(c->seed_listed);
	json_object_put(c->seed_other);
	json_object_put(c->seed_issues);
	c->seed_listed = c->seed_other = c->seed_issues = NULL;
	return rc;
}

/* Whether two options texts name the same --text-deps-scope (an older
 * store's text names none). */
static bool text_scope_same(const char *a, const char *b)
{
	const char *x = strstr(a, "text_scope="), *y = strstr(b, "text_scope=");
	size_t l1 = strcspn(a, "\n"), l2 = strcspn(b, "\n");
	if (x && (size_t)(x - a) > l1)
		x = NULL;
	if (y && (size_t)(y - b) > l2)
		y = NULL;
	if (!x || !y)
		return !x && !y;
	size_t xl = strcspn(x, " \n"), yl = strcspn(y, " \n");
	return xl == yl && strncmp(x, y, xl) == 0;
}

static int finish_run(struct crawl *c)
{
	int rc;
	struct store_counts counts;
	if ((rc = crawl_begin(c)))
		return rc;
	if (c->prune && store_crawl_prune(c->s, &c->res->pruned) < 0)
		rc = crawl_store_failed(c, "prune");
	if (rc == 0 && (store_crawl_complete(c->s) < 0 || store_mark_populated(c->s) < 0))
		rc = crawl_store_failed(c, "store fetch marks");
	if (rc == 0 && store_history_record(c->s, STORE_HISTORY_FETCH) < 0)
		rc = crawl_store_failed(c, "record history");
	if ((rc = crawl_end_unit(c, rc)))
		return rc;
	if (store_counts(c->s, &counts) < 0)
		return crawl_store_failed(c, "count");
	c->res->saw_blocks = counts.links_blocks > 0;
	c->res->text_deps = counts.text_deps;
	return 0;
}

int fetch_run(struct store *s, const struct fetch_options *o, struct fetch_result *res, char *err)
{
	struct fetch_result dummy;
	struct crawl c = {0};
	struct store_seed *seeds = NULL;
	char *opts = NULL;
	size_t n_seeds = 0;
	struct store_crawl_run rec = {0};
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

	if (o->depth >= 0 && o->depth <= BARRIER_MAX_DEPTH) {
		c.barrier = true;
		if (!(c.hop_busy = calloc((size_t)o->depth + 2, sizeof *c.hop_busy))) {
			rc = crawl_nomem(&c);
			goto done;
		}
	}
	if ((rc = crawl_seeds_of(o, &seeds, &n_seeds, &opts))) {
		rc = crawl_nomem(&c);
		goto done;
	}
	if ((rc = http_new(&c.h, o, err)))
		goto done;
	fetch_source_gitlab_init(&c.src, c.h, o->url, err);
	if (o->text_deps &&
	    (rc = text_refs_new(&c.text, &c, s, c.h, o->url, o->text_scope, err)))
		goto done;
	if (store_each_project(s, known_project_cb, &c) != 0) {
		rc = crawl_store_failed(&c, "read projects");
		goto done;
	}
	if (store_crawl_run_get(s, &rec) < 0) {
		rc = crawl_store_failed(&c, "read fetch marks");
		goto done;
	}
	const char *rec_opts = rec.options;
	bool same_opts = rec_opts && strcmp(rec_opts, opts) == 0;
	/* the crawl options alone (first line): decide incremental or full */
	size_t l1 = strcspn(opts, "\n");
	bool same_crawl = rec_opts && strncmp(rec_opts, opts, l1) == 0 &&
			  (rec_opts[l1] == '\n' || rec_opts[l1] == '\0');
	bool resumable = rec.unfinished && same_opts && rec.mode != STORE_CRAWL_MODE_NONE &&
			 (!o->full || rec.mode == STORE_CRAWL_MODE_FULL);
	/* a changed --text-deps-scope: the store then holds what the new scope
	 * allows, so the crawl prunes as --full does */
	c.prune = o->full || (rec_opts && !text_scope_same(rec_opts, opts));
	if (resumable) {
		c.prune = rec.mode == STORE_CRAWL_MODE_FULL;
		res->resumed = true;
		c.incremental = rec.mode == STORE_CRAWL_MODE_INCREMENTAL;
		res->incremental = c.incremental;
	} else {
		c.incremental = !o->full && rec.completed && rec.started_at && same_crawl;
		if ((rc = start_run(&c, seeds, n_seeds, opts, rec.started_at)))
			goto done;
	}
	if (res->resumed && c.text && (rc = reread_dropped(&c)))
		goto done;
	/* the work left, from the store (the same after a start or a resume) */
	if (store_crawl_each_project(s, load_lister_cb, &c) != 0) {
		rc = crawl_store_failed(&c, "read crawl projects");
		goto done;
	}
	if (store_crawl_each_pending(s, c.depth_limit, load_pending_cb, &c) != 0) {
		rc = crawl_store_failed(&c, "read crawl frontier");
		goto done;
	}
	if (c.text) {
		if ((rc = text_refs_load_gone(c.text)))
			goto done;
		if ((rc = load_scope(&c, c.incremental || res->resumed)))
			goto done;
	}
	/* the crawl, then the references outside the scope: those the scope
	 * allows by the end are followed (which may widen it again) */
	for (int round = 0;; round++) {
		if ((rc = crawl_drive(&c, true)))
			goto done;
		if (!c.text || round > 10000)
			break;
		if ((rc = text_refs_late(c.text, false)) < 0)
			goto done;
		if (rc == 0)
			break;
	}
	if (c.text && (rc = text_refs_late(c.text, true)) < 0)
		goto done;
	rc = finish_run(&c);
done:
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
			rc = crawl_nomem(&c);
		text_refs_free(c.text);
	}
	if (c.h)
		http_drop_pending(c.h, crawl_drop_request, &c);
	http_free(c.h);
	for (size_t i = 0; i < c.n_listers; i++) {
		free(c.listers[i].next);
		free(c.listers[i].updated_after);
		free(c.listers[i].series_after);
		free(c.listers[i].read);
	}
	free(c.listers);
	free(c.heap.v);
	free(c.hop_busy);
	free(c.proj_wanted);
	idmap_free(&c.queued);
	idmap_free(&c.seen);
	idmap_free(&c.projects);
	while (c.parked) {
		struct links_unit *u = c.parked;
		c.parked = u->next;
		crawl_links_release(u);
		free(u);
	}
	json_object_put(c.seed_listed);
	json_object_put(c.seed_other);
	json_object_put(c.seed_issues);
	free(seeds);
	free(opts);
	store_crawl_run_release(&rec);
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
