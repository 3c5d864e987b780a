/* GitLab JSON to store records: the one decoder, the skipped count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "crawl_internal.h"

/* A record that breaks the snapshot's rules: counted, the first reason
 * kept for the summary; never stored. Returns 1 (skipped). */
int crawl_skip(struct crawl *c, const char *what, int64_t id, const struct store_json_refusal *why)
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
int64_t crawl_id_of(struct json_object *o)
{
	int64_t id = 0;
	return fetch_jint(o, "id", &id) ? id : 0;
}

/* Decode and store one issue. 1: refused by the decoder or the store's
 * constraints (counted by crawl_skip()), nothing stored. */
int crawl_put_issue(struct crawl *c, struct json_object *o, struct store_issue *out)
{
	struct store_json_refusal why;
	if (store_issue_from_json(o, out, &why))
		return crawl_skip(c, "issue", crawl_id_of(o), &why);
	int src = store_put_issue(c->s, out);
	if (src == STORE_EINVAL) {
		snprintf(why.field, sizeof why.field, "%s", "");
		snprintf(why.why, sizeof why.why, "%s", store_errmsg(c->s));
		return crawl_skip(c, "", 0, &why);
	}
	int rc = src < 0 ? crawl_store_failed(c, "store issue") : 0;
	out->labels_json = NULL; /* borrowed from o */
	out->assignees_json = NULL;
	if (rc == 0 && c->text)
		rc = text_refs_note(c->text, o, out->id, out->project_id, out->iid);
	if (rc == 0 && !idmap_get(&c->seen, out->id)) {
		c->res->issues++;
		if (idmap_set(&c->seen, out->id, 1))
			rc = crawl_nomem(c);
	}
	return rc;
}

int crawl_own_issue_strings(struct store_issue *i, char **arena)
{
	const char **f[] = {&i->title,	    &i->milestone_title, &i->milestone_due,
			    &i->due_date,   &i->labels_json,	 &i->created_at,
			    &i->updated_at, &i->closed_at,	 &i->web_url,
			    &i->assignees_json};
	size_t n = sizeof f / sizeof f[0], len = 0;
	for (size_t k = 0; k < n; k++)
		len += *f[k] ? strlen(*f[k]) + 1 : 0;
	if (!(*arena = malloc(len ? len : 1)))
		return -1;
	char *p = *arena;
	for (size_t k = 0; k < n; k++) {
		if (!*f[k])
			continue;
		size_t l = strlen(*f[k]) + 1;
		memcpy(p, *f[k], l);
		*f[k] = p;
		p += l;
	}
	return 0;
}

void fetch_issue_rec_free(struct fetch_issue_rec *r)
{
	if (r) {
		free(r->arena);
		free(r);
	}
}

int crawl_decode_issue(struct crawl *c, struct json_object *o, struct fetch_issue_rec **out)
{
	struct store_json_refusal why;
	struct fetch_issue_rec *r = calloc(1, sizeof *r);
	*out = NULL;
	if (!r)
		return crawl_nomem(c);
	if (store_issue_from_json(o, &r->i, &why)) {
		free(r);
		return crawl_skip(c, "issue", crawl_id_of(o), &why);
	}
	if (!r->i.labels_json)
		r->i.labels_json = "[]";
	if (crawl_own_issue_strings(&r->i, &r->arena)) {
		free(r);
		return crawl_nomem(c);
	}
	int rc = c->text ? text_refs_note(c->text, o, r->i.id, r->i.project_id, r->i.iid) : 0;
	if (rc) {
		fetch_issue_rec_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int crawl_put_issue_record(struct crawl *c, const struct store_issue *i)
{
	struct store_json_refusal why;
	int src = store_put_issue(c->s, i);
	if (src == STORE_EINVAL) {
		snprintf(why.field, sizeof why.field, "%s", "");
		snprintf(why.why, sizeof why.why, "%s", store_errmsg(c->s));
		return crawl_skip(c, "", 0, &why);
	}
	if (src < 0)
		return crawl_store_failed(c, "store issue");
	if (!idmap_get(&c->seen, i->id)) {
		c->res->issues++;
		if (idmap_set(&c->seen, i->id, 1))
			return crawl_nomem(c);
	}
	return 0;
}

/* Decode a project object (strings borrowed from o). 1: refused by the
 * decoder (counted in the summary). */
int crawl_decode_project(struct crawl *c, struct json_object *o, struct store_project *out)
{
	struct store_json_refusal why;
	if (store_project_from_json(o, out, &why))
		return crawl_skip(c, "project", crawl_id_of(o), &why);
	return 0;
}

/* Store a decoded project. 1: refused by the store's constraints. */
int crawl_put_project_record(struct crawl *c, const struct store_project *p)
{
	struct store_json_refusal why;
	int src = store_put_project(c->s, p);
	if (src == STORE_EINVAL) {
		snprintf(why.field, sizeof why.field, "%s", "");
		snprintf(why.why, sizeof why.why, "%s", store_errmsg(c->s));
		return crawl_skip(c, "", 0, &why);
	}
	if (src < 0)
		return crawl_store_failed(c, "store project");
	int rc = c->text ? text_refs_note_project(c->text, p->id, p->path, p->web_url) : 0;
	if (rc)
		return rc;
	return idmap_set(&c->projects, p->id, P_KNOWN) ? crawl_nomem(c) : 0;
}

/* As crawl_put_issue() for a project. */
int crawl_put_project(struct crawl *c, struct json_object *o, int64_t *id_out)
{
	struct store_project p;
	int rc = crawl_decode_project(c, o, &p);
	if (rc)
		return rc;
	if ((rc = crawl_put_project_record(c, &p)))
		return rc;
	if (id_out)
		*id_out = p.id;
	return 0;
}

/* A seed's record must be good: a refused one ends the fetch (exit 3). */
int crawl_seed_record(struct crawl *c, int rc)
{
	if (rc == 1) {
		fetch_fail(c->err, "unexpected answer: %s", c->last_refused);
		return FETCH_EREMOTE;
	}
	return rc;
}
