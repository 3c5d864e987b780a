/*
 * A project's issue listing: a seed project Link-paged by updated_at (series
 * continued past the offset limit, pages shrunk when an answer is too big),
 * any other project by the iids the store holds. The next step of a page
 * is the pure fetch_list_next() (listing.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "crawl_internal.h"

int crawl_submit_list(struct crawl *c, struct lister *l)
{
	int rc = 0;
	const char *state = c->incremental ? "all" : c->o->state;
	if (l->updated_after && !fetch_time_is_rfc3339(l->updated_after)) {
		/* only a store edited by hand holds one: never send it */
		fetch_fail(c->err,
			   "project %lld: the crawl frontier holds an unusable updated_after; run "
			   "fetch --full",
			   (long long)l->project_id);
		return FETCH_EREMOTE;
	}
	if (l->is_seed == STORE_CRAWL_SEED) {
		if (l->next) {
			/* kept in the store: checked like a next link */
			char msg[FETCH_ERRMSG_SIZE];
			if ((rc = c->src.ops->next_page(&c->src, l->next, true, K_LIST, l, msg)) ==
			    FETCH_EREMOTE)
				fetch_fail(c->err, "project %lld: resuming the listing: %s",
					   (long long)l->project_id, msg);
		} else {
			rc =
			    c->src.ops->list_issues(&c->src, l->project_id, state, l->updated_after,
						    crawl_lister_per_page(l), K_LIST, l);
		}
	} else {
		/* a project that is not a seed: only its stored issues, by iids[] */
		int64_t after_iid = l->next ? strtoll(l->next, NULL, 10) : 0;
		int64_t *iids = NULL;
		size_t n = 0;
		if (store_crawl_project_iids(c->s, l->project_id, after_iid,
					     crawl_lister_per_page(l), &iids, &n) < 0)
			return crawl_store_failed(c, "read stored iids");
		if (n == 0) {
			free(iids);
			l->done = true;
			/* nothing left: record it (its own small unit) */
			struct store_crawl_project p = {l->project_id, l->is_seed,	true, true,
							l->next,       l->updated_after};
			if ((rc = crawl_begin(c)) == 0) {
				if (store_crawl_put_project(c->s, &p) < 0)
					rc = crawl_store_failed(c, "write crawl project");
				rc = crawl_end_unit(c, rc);
			}
			return rc;
		}
		l->last_iid = iids[n - 1];
		l->chunk = n;
		rc = c->src.ops->list_iids(&c->src, l->project_id, l->updated_after, iids, n,
					   crawl_lister_per_page(l), true, K_LIST, l);
		free(iids);
	}
	if (rc)
		return rc;
	l->in_flight = true;
	return 0;
}

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
	int pp = crawl_lister_per_page(l);
	if (pp <= 1) {
		char path[512];
		http_url_path(r->url, path, sizeof path);
		fetch_fail(c->err, "GET %s: even one issue is more than the answer limit; refused",
			   path);
		return FETCH_EREMOTE;
	}
	l->per_page = pp / 2;
	if (l->is_seed == STORE_CRAWL_SEED) {
		free(l->next);
		l->next = NULL;
		free(l->series_after);
		l->series_after = NULL;
		if (l->updated_after && !(l->series_after = strdup(l->updated_after)))
			return crawl_nomem(c);
		l->page = 0;
		l->n_read = 0;
	}
	return 0;
}

int crawl_on_list(struct crawl *c, struct http_req *r)
{
	struct lister *l = r->data;
	int rc = 0;
	l->in_flight = false;
	if (r->too_big)
		return shrink_listing(c, l, r);
	if (r->status == 404) {
		/* a linked project that became unreadable, or a seed project gone */
		if (l->is_seed == STORE_CRAWL_SEED) {
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
		if ((rc = crawl_begin(c)))
			return rc;
		if (store_crawl_put_project(c->s, &p) < 0 ||
		    store_crawl_mark_inaccessible(c->s, l->project_id, 0) < 0)
			rc = crawl_store_failed(c, "write crawl project");
		return crawl_end_unit(c, rc);
	}
	if (r->status == 400 && l->is_seed == STORE_CRAWL_SEED && l->next && l->updated_after &&
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
		return l->series_after ? 0 : crawl_nomem(c);
	}
	if (r->status != 200 || !json_object_is_type(r->json, json_type_array))
		return crawl_unexpected(c, r);

	size_t n = json_object_array_length(r->json);
	const char *last_updated = NULL;
	if ((rc = crawl_begin(c)))
		return rc;
	for (size_t k = 0; k < n && rc == 0; k++) {
		struct json_object *o = json_object_array_get_idx(r->json, k);
		struct store_issue i;
		int64_t id = 0;
		const char *st = fetch_jstr(o, "state");
		const char *up = fetch_jstr(o, "updated_at");
		if (up)
			last_updated = up;
		/* an incremental listing asks for every state: a closed issue must
		 * reach the store; new ones still follow --state */
		if (c->incremental && strcmp(c->o->state, "all") != 0 && st &&
		    strcmp(st, c->o->state) != 0 && fetch_jint(o, "id", &id)) {
			struct store_crawl_issue ci;
			int g = store_crawl_get_issue(c->s, id, &ci);
			if (g == STORE_ENOTFOUND)
				continue;
			if (g < 0) {
				rc = crawl_store_failed(c, "read crawl issue");
				break;
			}
		}
		if ((rc = crawl_put_issue(c, o, &i)) == 1) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		int64_t hop = l->is_seed == STORE_CRAWL_SEED ? 0 : HOP_UNREACHED;
		rc = crawl_reach(c, &i, hop, true);
	}
	/* where the listing goes on: list_next is the next page's URL (it
	 * carries its own updated_after); list_updated_after is the point a
	 * fresh listing would continue from (the last updated_at seen) */
	char *next = NULL, *after = NULL;
	bool done = false;
	if (rc == 0 && (last_updated || l->updated_after) &&
	    !(after = strdup(last_updated ? last_updated : l->updated_after)))
		rc = crawl_nomem(c);
	struct fetch_list_decision dec = {FETCH_LIST_DONE, 0, ""};
	if (rc == 0 && l->is_seed == STORE_CRAWL_SEED) {
		struct fetch_list_facts f = {n,
					     r->link_next != NULL,
					     false,
					     r->link_next ? strlen(r->link_next) : 0,
					     r->x_page,
					     l->page,
					     crawl_lister_per_page(l),
					     c->max_offset,
					     last_updated,
					     l->series_after};
		if ((rc = page_read(l, r->url)) == 0)
			f.next_repeats = r->link_next && page_was_read(l, r->link_next);
		else
			rc = crawl_nomem(c);
		if (rc == 0 && fetch_list_next(&f, &dec) == FETCH_LIST_FAIL) {
			fetch_fail(c->err, "project %lld: %s", (long long)l->project_id, dec.msg);
			rc = FETCH_EREMOTE;
		}
		done = dec.step == FETCH_LIST_DONE;
		if (rc == 0 && dec.step == FETCH_LIST_NEXT_PAGE && !(next = strdup(r->link_next)))
			rc = crawl_nomem(c);
	} else if (rc == 0) {
		char buf[32];
		snprintf(buf, sizeof buf, "%lld", (long long)l->last_iid);
		if (!(next = strdup(buf)))
			rc = crawl_nomem(c);
		done = l->chunk < (size_t)crawl_lister_per_page(l);
		free(after); /* the iid listing keeps its mark */
		after = NULL;
		if (rc == 0 && l->updated_after && !(after = strdup(l->updated_after)))
			rc = crawl_nomem(c);
	}
	if (rc == 0) {
		struct store_crawl_project p = {l->project_id, l->is_seed, true, done, next, after};
		if (store_crawl_put_project(c->s, &p) < 0)
			rc = crawl_store_failed(c, "write crawl project");
	}
	rc = crawl_end_unit(c, rc);
	if (rc == 0) {
		if (l->is_seed == STORE_CRAWL_SEED && !next && !done) {
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
