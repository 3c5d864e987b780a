/* API URLs on the instance (crawl_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "crawl_internal.h"

/* The crawl's base for API paths: "<instance>/api/v4". */
int crawl_api_urlf(struct crawl *c, char **out, const char *fmt, ...)
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
		return crawl_nomem(c);
	snprintf(*out, len, "%s/api/v4%s", c->o->url, tail);
	return 0;
}

/* A project id or path as GitLab's namespaced-path rule wants it. */
char *crawl_enc_path(const char *p)
{
	return curl_easy_escape(NULL, p, 0);
}
