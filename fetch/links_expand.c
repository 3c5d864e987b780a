/*
 * Link expansion: one issue's link list is committed in one unit once the
 * projects of its neighbours are known (and, with text dependencies, the
 * references of its description resolved); until then it is parked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "crawl_internal.h"

int crawl_want_project(struct crawl *c, int64_t pid)
{
	if (idmap_get(&c->projects, pid) != P_UNKNOWN)
		return 0;
	if (idmap_set(&c->projects, pid, P_REQUESTED))
		return crawl_nomem(c);
	if (c->n_wanted == c->cap_wanted) {
		size_t ncap = c->cap_wanted ? c->cap_wanted * 2 : 64;
		int64_t *nw = realloc(c->proj_wanted, ncap * sizeof *nw);
		if (!nw)
			return crawl_nomem(c);
		c->proj_wanted = nw;
		c->cap_wanted = ncap;
	}
	c->proj_wanted[c->n_wanted++] = pid;
	return 0;
}

/* ---- one answer into records ------------------------------------------- */

static struct store_json_refusal *refusal(const char *field, const char *why)
{
	struct store_json_refusal *w = calloc(1, sizeof *w);
	if (w) {
		snprintf(w->field, sizeof w->field, "%s", field);
		snprintf(w->why, sizeof w->why, "%s", why);
	}
	return w;
}

void crawl_links_release(struct links_unit *u)
{
	for (size_t k = 0; k < u->n; k++) {
		free(u->recs[k].arena);
		free(u->recs[k].issue_why);
		free(u->recs[k].link_why);
	}
	free(u->recs);
	u->recs = NULL;
	u->n = 0;
}

/*
 * A link list's answer as records (SPEC "Text dependencies": what waits is
 * kept as records, not parsed trees): each neighbour decoded by the one
 * decoder, its strings copied, its description read into references now
 * when its project is known (else by an iids[] batch if it is expanded);
 * the tree goes with the request.
 */
static int decode_links(struct crawl *c, struct links_unit *u, struct json_object *arr)
{
	size_t n = json_object_array_length(arr);
	if (n && !(u->recs = calloc(n, sizeof *u->recs)))
		return crawl_nomem(c);
	for (size_t k = 0; k < n; k++) {
		struct json_object *o = json_object_array_get_idx(arr, k), *v = NULL;
		struct link_rec *r = &u->recs[u->n++];
		struct store_json_refusal why;
		const char *type = NULL;
		r->has_pid = fetch_jint(o, "project_id", &r->pid) && r->pid >= 1;
		r->issue_id = crawl_id_of(o);
		if (store_issue_from_json(o, &r->i, &why)) {
			if (!(r->issue_why = refusal(why.field, why.why)))
				return crawl_nomem(c);
			continue;
		}
		r->i.labels_json = r->i.labels_json ? r->i.labels_json : "[]";
		if (crawl_own_issue_strings(&r->i, &r->arena))
			return crawl_nomem(c);
		if (c->text) {
			int rc = text_refs_note(c->text, o, r->i.id, r->i.project_id, r->i.iid);
			if (rc)
				return rc;
		}
		if (!json_object_object_get_ex(o, "link_type", &v)) {
			if (!(r->link_why = refusal("link_type", "missing")))
				return crawl_nomem(c);
		} else if (store_json_string(v, "link_type", &type, &why)) {
			if (!(r->link_why = refusal(why.field, why.why)))
				return crawl_nomem(c);
		} else {
			/* GitLab's types are short; a longer one is refused below as
			 * unknown all the same */
			snprintf(r->link_type, sizeof r->link_type, "%s", type);
			if (strlen(type) >= sizeof r->link_type)
				r->link_type[0] = '?';
		}
		if (!json_object_object_get_ex(o, "issue_link_id", &v) ||
		    !store_json_int64(v, &r->link_id))
			r->link_id = 0; /* refused as "id" by the decoder */
	}
	return 0;
}

/* Commit one issue's link list; 1 (not done) if it waits for projects. */
static int commit_links(struct crawl *c, struct links_unit *u)
{
	size_t n = u->n;
	int rc = 0;
	bool waiting = false;
	for (size_t k = 0; k < n; k++) {
		const struct link_rec *r = &u->recs[k];
		if (!r->has_pid)
			continue; /* refused and counted below */
		int st = idmap_get(&c->projects, r->pid);
		if (st == P_UNKNOWN || st == P_REQUESTED) {
			waiting = true;
			if ((rc = crawl_want_project(c, r->pid)))
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
		return crawl_nomem(c);
	if ((rc = crawl_begin(c))) {
		free(links);
		return rc;
	}
	for (size_t k = 0; k < n && rc == 0; k++) {
		const struct link_rec *r = &u->recs[k];
		struct store_json_refusal why;
		if (r->has_pid && idmap_get(&c->projects, r->pid) != P_KNOWN)
			continue; /* its project answered 404: left out like GitLab does */
		if (r->issue_why) {
			crawl_skip(c, "issue", r->issue_id, r->issue_why);
			continue;
		}
		if ((rc = crawl_put_issue_record(c, &r->i)) == 1) {
			rc = 0;
			continue;
		}
		if (rc)
			break;
		if (r->link_why) {
			crawl_skip(c, "link of issue", u->e.issue_id, r->link_why);
			continue;
		}
		struct store_link *L = &links[nl];
		if (store_link_from_json(r->link_type, r->link_id, u->e.issue_id, r->i.id, L, &why)) {
			crawl_skip(c, "link of issue", u->e.issue_id, &why);
			continue;
		}
		bool blocking = L->type == STORE_LINK_BLOCKS || c->o->follow_related;
		nl++;
		/* a project reached through a link widens --text-deps-scope namespace */
		if (c->text && (rc = text_refs_scope_project(c->text, r->i.project_id, false)))
			break;
		rc = crawl_reach(c, &r->i, blocking ? u->e.hop + 1 : HOP_UNREACHED, false);
	}
	if (rc == 0 && store_replace_links_of(c->s, u->e.issue_id, links, nl) < 0)
		rc = crawl_store_failed(c, "store links");
	if (rc == 0 && c->text)
		rc = text_refs_commit(c->text, u->e.issue_id, u->e.hop);
	if (rc == 0 && store_crawl_put_issue(c->s, u->e.issue_id, u->e.hop, true) < 0)
		rc = crawl_store_failed(c, "write crawl issue");
	free(links);
	rc = crawl_end_unit(c, rc);
	if (rc == 0)
		c->res->links++;
	return rc;
}

static void unit_done(struct crawl *c, struct links_unit *u)
{
	crawl_busy(c, u->e.hop, -1);
	c->n_expanding--;
	crawl_links_release(u);
	free(u);
}

int crawl_on_links(struct crawl *c, struct http_req *r)
{
	struct links_unit *u = r->data;
	int rc;
	if (r->status == 404) {
		/* the issue was deleted or moved out of reach: mark it, go on */
		c->res->inaccessible++;
		if ((rc = crawl_begin(c)) == 0) {
			if (store_crawl_mark_inaccessible(c->s, u->e.project_id, u->e.iid) < 0 ||
			    store_crawl_put_issue(c->s, u->e.issue_id, u->e.hop, true) < 0)
				rc = crawl_store_failed(c, "write crawl issue");
			rc = crawl_end_unit(c, rc);
		}
		unit_done(c, u);
		return rc;
	}
	if (r->status != 200 || !json_object_is_type(r->json, json_type_array)) {
		crawl_unexpected(c, r);
		unit_done(c, u);
		return FETCH_EREMOTE;
	}
	if ((rc = decode_links(c, u, r->json))) {
		unit_done(c, u);
		return rc;
	}
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

int crawl_retry_parked(struct crawl *c)
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

int crawl_on_project(struct crawl *c, struct http_req *r)
{
	int64_t pid = (int64_t)(intptr_t)r->data;
	int rc;
	if ((rc = crawl_begin(c)))
		return rc;
	if (r->status == 404) {
		c->res->inaccessible++;
		if (idmap_set(&c->projects, pid, P_INACCESSIBLE))
			rc = crawl_nomem(c);
		else if (store_crawl_mark_inaccessible(c->s, pid, 0) < 0)
			rc = crawl_store_failed(c, "write inaccessible");
	} else if (r->status == 200) {
		int64_t got = 0;
		rc = crawl_put_project(c, r->json, &got);
		if (rc == 1) {
			/* refused (counted): its issues are left out like a 404's */
			rc = idmap_set(&c->projects, pid, P_INACCESSIBLE) ? crawl_nomem(c) : 0;
		} else if (rc == 0 && got != pid && idmap_set(&c->projects, pid, P_KNOWN)) {
			rc = crawl_nomem(c);
		}
	} else {
		char msg[300];
		http_api_message(r->json, msg, sizeof msg);
		fetch_fail(c->err, "GET project %lld: %ld %s", (long long)pid, r->status,
			   msg[0] ? msg : "unexpected answer");
		rc = FETCH_EREMOTE;
	}
	if ((rc = crawl_end_unit(c, rc)))
		return rc;
	if (c->text && (rc = text_refs_retry(c->text)))
		return rc;
	return crawl_retry_parked(c);
}
