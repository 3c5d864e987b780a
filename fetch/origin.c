/*
 * Every request goes to the instance's origin (SPEC: fetch, "A token is
 * sent only to an instance that the user named"): a URL the server hands
 * us (Link rel="next") or one the store kept (the crawl frontier) is used
 * for its path and query only, and only inside the instance's API prefix.
 * curl's URL API does the parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch_internal.h"

/* Does one path segment [b, e) decode to "." or ".."? */
static bool dot_segment(const char *b, const char *e)
{
	int n = 0;
	char *dec = curl_easy_unescape(NULL, b, (int)(e - b), &n);
	bool dot = dec && ((n == 1 && dec[0] == '.') || (n == 2 && dec[0] == '.' && dec[1] == '.'));
	curl_free(dec);
	return dot;
}

static bool has_dot_segment(const char *path)
{
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *b = p;
		while (*p && *p != '/')
			p++;
		if (p > b && dot_segment(b, p))
			return true;
	}
	return false;
}

/* The first n bytes of s, for a message (server text, bounded). */
static void clip(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", s ? s : "");
	if (s && strlen(s) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

int fetch_api_rebase(const char *instance, const char *target, char **out, char *err)
{
	CURLU *t = curl_url(), *u = curl_url();
	char *ipath = NULL, *path = NULL, *query = NULL, *res = NULL, *prefix = NULL;
	char shown[160];
	int rc = FETCH_EREMOTE;
	*out = NULL;
	if (!t || !u) {
		rc = FETCH_ENOMEM;
		goto done;
	}
	clip(target, shown, sizeof shown);
	if (curl_url_set(u, CURLUPART_URL, instance, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &ipath, 0) != CURLUE_OK) {
		fetch_fail(err, "%s: not an instance URL", instance);
		goto done;
	}
	/* as is: a "/../" is refused, not resolved */
	if (curl_url_set(t, CURLUPART_URL, target, CURLU_PATH_AS_IS) != CURLUE_OK ||
	    curl_url_get(t, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		fetch_fail(err, "the URL %s is not one; refused", shown);
		goto done;
	}
	if (curl_url_get(t, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	size_t il = strlen(ipath);
	while (il > 0 && ipath[il - 1] == '/')
		il--;
	size_t pl = il + sizeof "/api/v4/";
	if (!(prefix = malloc(pl))) {
		rc = FETCH_ENOMEM;
		goto done;
	}
	snprintf(prefix, pl, "%.*s/api/v4/", (int)il, ipath);
	if (strncmp(path, prefix, strlen(prefix)) != 0 || has_dot_segment(path)) {
		fetch_fail(err, "%s is outside the instance's API (%s); refused", shown, prefix);
		goto done;
	}
	if (curl_url_set(u, CURLUPART_PATH, path, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_QUERY, query, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &res, 0) != CURLUE_OK) {
		fetch_fail(err, "%s cannot be used; refused", shown);
		goto done;
	}
	if (!(*out = strdup(res))) {
		rc = FETCH_ENOMEM;
		goto done;
	}
	rc = FETCH_OK;
done:
	if (rc == FETCH_ENOMEM)
		fetch_fail(err, "out of memory");
	free(prefix);
	curl_free(ipath);
	curl_free(path);
	curl_free(query);
	curl_free(res);
	curl_url_cleanup(t);
	curl_url_cleanup(u);
	return rc;
}
