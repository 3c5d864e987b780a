/* One unit of the crawl = one transaction (crawl_internal.h). */
#include <signal.h>

#include <json-c/json.h>

#include "crawl_internal.h"

int crawl_nomem(struct crawl *c)
{
	fetch_fail(c->err, "out of memory");
	return FETCH_ENOMEM;
}

int crawl_store_failed(struct crawl *c, const char *what)
{
	fetch_fail(c->err, "%s: %s", what, store_errmsg(c->s));
	return FETCH_ESTORE;
}

int crawl_unexpected(struct crawl *c, const struct http_req *r)
{
	char msg[300], path[512];
	http_api_message(r->json, msg, sizeof msg);
	http_url_path(r->url, path, sizeof path);
	fetch_fail(c->err, "GET %s: %ld %s", path, r->status, msg[0] ? msg : "unexpected answer");
	return FETCH_EREMOTE;
}

int crawl_begin(struct crawl *c)
{
	return store_begin(c->s) < 0 ? crawl_store_failed(c, "begin") : 0;
}

int crawl_commit(struct crawl *c)
{
	if (c->kill_at > 0 && ++c->commits == c->kill_at)
		raise(SIGKILL); /* test hook, see fetch.h */
	return store_commit(c->s) < 0 ? crawl_store_failed(c, "commit") : 0;
}

int crawl_end_unit(struct crawl *c, int rc)
{
	if (rc == 0)
		return crawl_commit(c);
	store_rollback(c->s);
	return rc;
}
