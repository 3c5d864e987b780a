/* The seeds phase: --project, --group and --issue resolved over the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "crawl_internal.h"
#include "textdeps.h"

/* Submit the requests that resolve the seeds; sr[k] is the k-th seed's
 * (projects, then groups, then issues). */
int crawl_submit_seeds(struct crawl *c, struct seed_req *sr)
{
	const struct fetch_options *o = c->o;
	const struct fetch_source_ops *ops = c->src.ops;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < o->n_projects; i++, k++) {
		sr[k].word = o->projects[i];
		if ((rc = ops->project(&c->src, 0, o->projects[i], K_SEED_PROJECT, &sr[k])))
			return rc;
	}
	for (size_t i = 0; i < o->n_groups; i++, k++) {
		sr[k].word = o->groups[i];
		if ((rc = ops->group_projects(&c->src, o->groups[i], PER_PAGE, K_SEED_GROUP,
					      &sr[k])))
			return rc;
	}
	for (size_t i = 0; i < o->n_issues; i++, k++) {
		char *path = NULL;
		int64_t iid;
		sr[k].word = o->issues[i];
		if (store_ref_parse(o->issues[i], &path, &iid) < 0) {
			fetch_fail(c->err, "--issue %s: not a ref (group/project#iid)",
				   o->issues[i]);
			return FETCH_EUSAGE;
		}
		rc = ops->issue(&c->src, path, iid, K_SEED_ISSUE, &sr[k]);
		free(path);
		if (rc)
			return rc;
	}
	return 0;
}

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

/* What start_run() needs of a project object, and no more: the fields the
 * decoder reads (a group's pages of projects are kept until then, and a
 * server may pad each project with anything). NULL: out of memory. */
static struct json_object *project_compact(struct json_object *p)
{
	static const char *const keys[] = {"id", "path_with_namespace", "web_url"};
	struct json_object *o = json_object_new_object();
	for (size_t k = 0; o && k < sizeof keys / sizeof keys[0]; k++) {
		struct json_object *v;
		if (json_object_object_get_ex(p, keys[k], &v) &&
		    json_object_object_add(o, keys[k], json_object_get(v))) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static int keep_project(struct crawl *c, struct json_object *to, struct json_object *p)
{
	struct json_object *o = json_object_is_type(p, json_type_object) ? project_compact(p)
									 : json_object_get(p);
	if (!o || json_object_array_add(to, o)) {
		json_object_put(o);
		return crawl_nomem(c);
	}
	return 0;
}

int crawl_on_seed(struct crawl *c, struct http_req *r)
{
	struct seed_req *sr = r->data;
	int rc = 0;
	switch (r->kind) {
	case K_SEED_PROJECT:
		if (r->status != 200)
			return seed_not_found(c, "--project", sr->word, r);
		return keep_project(c, c->seed_listed, r->json);
	case K_SEED_GROUP:
		if (r->status != 200 || !json_object_is_type(r->json, json_type_array))
			return seed_not_found(c, "--group", sr->word, r);
		for (size_t k = 0; k < json_object_array_length(r->json); k++) {
			struct json_object *p = json_object_array_get_idx(r->json, k);
			struct store_project pp;
			struct store_json_refusal why;
			if (fetch_jbool(p, "archived"))
				continue;
			if (store_project_from_json(p, &pp, &why)) {
				crawl_skip(c, "project", crawl_id_of(p),
					   &why); /* one bad project of a group */
				continue;
			}
			if ((rc = keep_project(c, c->seed_listed, p)))
				return rc;
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
		if (r->link_next) {
			char msg[FETCH_ERRMSG_SIZE];
			rc = c->src.ops->next_page(&c->src, r->link_next, false, K_SEED_GROUP, sr,
						   msg);
			if (rc == FETCH_EREMOTE)
				fetch_fail(c->err, "--group %s: the next page: %s", sr->word, msg);
		}
		return rc;
	case K_SEED_ISSUE: {
		int64_t pid;
		if (r->status != 200)
			return seed_not_found(c, "--issue", sr->word, r);
		if (!fetch_jint(r->json, "project_id", &pid) || pid < 1) {
			fetch_fail(c->err, "--issue %s: unexpected answer", sr->word);
			return FETCH_EREMOTE;
		}
		if (json_object_array_add(c->seed_issues, json_object_get(r->json)))
			return crawl_nomem(c);
		if (idmap_get(&c->projects, pid) == P_UNKNOWN) {
			if (idmap_set(&c->projects, pid, P_REQUESTED))
				return crawl_nomem(c);
			return c->src.ops->project(&c->src, pid, NULL, K_ISSUE_PROJECT, sr);
		}
		return 0;
	}
	case K_ISSUE_PROJECT:
		if (r->status != 200)
			return seed_not_found(c, "--issue", sr->word, r);
		return keep_project(c, c->seed_other, r->json);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "<crawl options>\n<sorted seed words>": what decides resuming; the
 * words are the store's ("--project g/a"), the text every store so far
 * recorded. */
static int options_text(const struct fetch_options *o, const struct store_seed *v, size_t n,
			char **opts)
{
	char **sorted = calloc(n + 1, sizeof *sorted);
	size_t len = 0;
	int rc = FETCH_ENOMEM;
	*opts = NULL;
	if (!sorted)
		return FETCH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *opt = store_seed_option(v[i].kind);
		size_t wl = strlen(opt) + strlen(v[i].value) + 2;
		if (!(sorted[i] = malloc(wl)))
			goto done;
		snprintf(sorted[i], wl, "%s %s", opt, v[i].value);
		len += wl;
	}
	qsort(sorted, n, sizeof *sorted, cmp_str);
	if (!(*opts = malloc(len + 128)))
		goto done;
	/* the text grammar's version is a crawl option when text is read: a
	 * store read under another grammar is read again in full, and its
	 * history restarts (SPEC "Text dependencies") */
	int off =
	    snprintf(*opts, 128, "depth=%lld related=%d state=%s text=%d text_scope=%s",
		     (long long)o->depth, o->follow_related ? 1 : 0, o->state, o->text_deps ? 1 : 0,
		     o->text_deps ? fetch_text_scope_name(o->text_scope) : "-");
	if (o->text_deps)
		off += snprintf(*opts + off, 128 - (size_t)off, " grammar=%d", TEXTDEPS_GRAMMAR);
	for (size_t i = 0; i < n; i++)
		off += sprintf(*opts + off, "\n%s", sorted[i]);
	rc = 0;
done:
	for (size_t i = 0; i < n; i++)
		free(sorted[i]);
	free(sorted);
	return rc;
}

int crawl_seeds_of(const struct fetch_options *o, struct store_seed **seeds, size_t *n, char **opts)
{
	size_t total = o->n_projects + o->n_groups + o->n_issues, k = 0;
	struct store_seed *v = calloc(total + 1, sizeof *v);
	*seeds = NULL;
	*n = 0;
	*opts = NULL;
	if (!v)
		return FETCH_ENOMEM;
	for (size_t i = 0; i < o->n_projects; i++)
		v[k++] = (struct store_seed){STORE_SEED_PROJECT, o->projects[i]};
	for (size_t i = 0; i < o->n_groups; i++)
		v[k++] = (struct store_seed){STORE_SEED_GROUP, o->groups[i]};
	for (size_t i = 0; i < o->n_issues; i++)
		v[k++] = (struct store_seed){STORE_SEED_ISSUE, o->issues[i]};
	if (options_text(o, v, total, opts)) {
		free(v);
		return FETCH_ENOMEM;
	}
	*seeds = v;
	*n = total;
	return 0;
}
