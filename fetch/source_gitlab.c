/* The crawl's source (source.h): GitLab's REST API v4 over the curl multi
 * driver. The only file that knows GitLab's URLs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "source.h"

static int nomem(struct fetch_source *src)
{
	fetch_fail(src->err, "out of memory");
	return FETCH_ENOMEM;
}

/* Submit "<instance>/api/v4" + the formatted tail. */
static int get(struct fetch_source *src, bool shrinkable, int kind, void *data, const char *fmt,
	       ...) __attribute__((format(printf, 5, 6)));
static int get(struct fetch_source *src, bool shrinkable, int kind, void *data, const char *fmt,
	       ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *tail = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (!tail)
		return nomem(src);
	va_start(ap, fmt);
	vsnprintf(tail, (size_t)n + 1, fmt, ap);
	va_end(ap);
	size_t len = strlen(src->instance) + strlen("/api/v4") + (size_t)n + 1;
	char *url = malloc(len);
	if (!url) {
		free(tail);
		return nomem(src);
	}
	snprintf(url, len, "%s/api/v4%s", src->instance, tail);
	free(tail);
	int rc = shrinkable ? http_submit_shrinkable(src->h, url, kind, data)
			    : http_submit(src->h, url, kind, data);
	free(url);
	if (rc == FETCH_EREMOTE) {
		fetch_fail(src->err, "a request the instance's origin refuses");
		return rc;
	}
	return rc ? nomem(src) : 0;
}

/* A project or group path as GitLab's namespaced-path rule wants it (free
 * with curl_free()); NULL when out of memory. */
static char *enc_path(const char *p)
{
	return curl_easy_escape(NULL, p, 0);
}

static int project(struct fetch_source *src, int64_t id, const char *path, int kind, void *data)
{
	if (!path)
		return get(src, false, kind, data, "/projects/%lld", (long long)id);
	char *enc = enc_path(path);
	if (!enc)
		return nomem(src);
	int rc = get(src, false, kind, data, "/projects/%s", enc);
	curl_free(enc);
	return rc;
}

static int group_projects(struct fetch_source *src, const char *path, int per_page, int kind,
			  void *data)
{
	char *enc = enc_path(path);
	if (!enc)
		return nomem(src);
	int rc = get(src, false, kind, data,
		     "/groups/%s/projects?include_subgroups=true&with_shared=false"
		     "&archived=false&order_by=id&sort=asc&per_page=%d",
		     enc, per_page);
	curl_free(enc);
	return rc;
}

static int issue(struct fetch_source *src, const char *path, int64_t iid_or_id, int kind,
		 void *data)
{
	if (!path)
		return get(src, false, kind, data, "/issues/%lld", (long long)iid_or_id);
	char *enc = enc_path(path);
	if (!enc)
		return nomem(src);
	int rc = get(src, false, kind, data, "/projects/%s/issues/%lld", enc, (long long)iid_or_id);
	curl_free(enc);
	return rc;
}

static int list_issues(struct fetch_source *src, int64_t project_id, const char *state,
		       const char *updated_after, int per_page, int kind, void *data)
{
	char *after = updated_after ? curl_easy_escape(NULL, updated_after, 0) : NULL;
	if (updated_after && !after)
		return nomem(src);
	int rc = get(src, true, kind, data,
		     "/projects/%lld/issues?order_by=updated_at&sort=asc&per_page=%d"
		     "&state=%s%s%s",
		     (long long)project_id, per_page, state, after ? "&updated_after=" : "",
		     after ? after : "");
	curl_free(after);
	return rc;
}

static int list_iids(struct fetch_source *src, int64_t project_id, const char *updated_after,
		     const int64_t *iids, size_t n, int per_page, bool shrinkable, int kind,
		     void *data)
{
	char *after = updated_after ? curl_easy_escape(NULL, updated_after, 0) : NULL;
	size_t cap = 256 + n * 32;
	char *q = malloc(cap);
	if ((updated_after && !after) || !q) {
		curl_free(after);
		free(q);
		return nomem(src);
	}
	size_t len = 0;
	q[0] = '\0';
	for (size_t k = 0; k < n; k++)
		len +=
		    (size_t)snprintf(q + len, cap - len, "&iids%%5B%%5D=%lld", (long long)iids[k]);
	int rc = get(src, shrinkable, kind, data,
		     "/projects/%lld/issues?per_page=%d&state=all%s%s%s", (long long)project_id,
		     per_page, after ? "&updated_after=" : "", after ? after : "", q);
	free(q);
	curl_free(after);
	return rc;
}

static int next_page(struct fetch_source *src, const char *next, bool shrinkable, int kind,
		     void *data, char *msg)
{
	/* kept in the store or sent by the server: checked like any next link */
	char *url = NULL;
	int rc = fetch_api_rebase(src->instance, next, &url, msg);
	if (rc)
		return rc == FETCH_ENOMEM ? nomem(src) : rc;
	rc = shrinkable ? http_submit_shrinkable(src->h, url, kind, data)
			: http_submit(src->h, url, kind, data);
	free(url);
	return rc ? nomem(src) : 0;
}

static int issue_links(struct fetch_source *src, int64_t project_id, int64_t iid, int kind,
		       void *data)
{
	return get(src, false, kind, data, "/projects/%lld/issues/%lld/links",
		   (long long)project_id, (long long)iid);
}

static const struct fetch_source_ops gitlab_ops = {
    .project = project,
    .group_projects = group_projects,
    .issue = issue,
    .list_issues = list_issues,
    .list_iids = list_iids,
    .next_page = next_page,
    .issue_links = issue_links,
};

void fetch_source_gitlab_init(struct fetch_source *src, struct http *h, const char *instance,
			      char *err)
{
	src->ops = &gitlab_ops;
	src->h = h;
	src->instance = instance;
	src->err = err;
}
