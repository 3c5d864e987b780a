/* Token sources, the instance URL, and the redirect and plain-http rules. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "fetch.h"
#include "fetch_internal.h"

void fetch_fail(char *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, FETCH_ERRMSG_SIZE, fmt, ap);
	va_end(ap);
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return (v && *v) ? v : NULL;
}

/* A token is one line of visible ASCII: anything else would corrupt the
 * request header (or smuggle another one in). */
static bool token_is_sane(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return false;
	return true;
}

static int read_token_file(const char *path, char **out, char *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = FETCH_EUSAGE;
	if (!fp) {
		fetch_fail(err, "--token-file %s: %s", path, strerror(errno));
		return FETCH_EUSAGE;
	}
	ssize_t n = getline(&line, &cap, fp);
	fclose(fp);
	if (n < 0) {
		fetch_fail(err, "--token-file %s: empty file", path);
		goto done;
	}
	char *b = line, *e = line + n;
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	if (!token_is_sane(b)) {
		fetch_fail(err, "--token-file %s: the first line holds no token", path);
		goto done;
	}
	if (!(*out = strdup(b))) {
		rc = FETCH_ENOMEM;
		goto done;
	}
	rc = FETCH_OK;
done:
	if (line) {
		memset(line, 0, cap);
		free(line);
	}
	return rc;
}

int fetch_token_resolve(struct fetch_token *out, const char *token_file, char *err)
{
	static const struct {
		const char *name;
		enum fetch_auth_kind kind;
	} envs[] = {
	    {"GITLAB_TOKEN", FETCH_AUTH_PRIVATE_TOKEN},
	    {"GITLAB_ACCESS_TOKEN", FETCH_AUTH_PRIVATE_TOKEN},
	    {"OAUTH_TOKEN", FETCH_AUTH_BEARER},
	};
	memset(out, 0, sizeof *out);
	if (token_file) {
		int rc = read_token_file(token_file, &out->value, err);
		if (rc)
			return rc;
		out->kind = FETCH_AUTH_PRIVATE_TOKEN;
		out->source = "--token-file";
		return FETCH_OK;
	}
	for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
		const char *v = env_nonempty(envs[i].name);
		if (!v)
			continue;
		if (!token_is_sane(v)) {
			fetch_fail(err, "$%s does not hold a token (one line, no spaces)",
				   envs[i].name);
			return FETCH_EUSAGE;
		}
		if (!(out->value = strdup(v)))
			return FETCH_ENOMEM;
		out->kind = envs[i].kind;
		out->source = envs[i].name;
		return FETCH_OK;
	}
	if (env_nonempty("CI_JOB_TOKEN")) {
		fetch_fail(err, "a CI job token cannot read issue links and is not sent (create a "
				"project access token with read_api and store it in a masked "
				"CI/CD variable GITLAB_TOKEN)");
		return FETCH_EREMOTE;
	}
	fetch_fail(err, "no token (GitLab answers 401 without one): set $GITLAB_TOKEN to a "
			"personal or project access token with read_api, or give --token-file "
			"FILE");
	return FETCH_EREMOTE;
}

void fetch_token_release(struct fetch_token *t)
{
	if (!t)
		return;
	if (t->value) {
		/* volatile so the wipe is not optimised away */
		volatile char *p = t->value;
		while (*p)
			*p++ = 0;
		free(t->value);
	}
	memset(t, 0, sizeof *t);
}

/* A host name of letters, digits, '.', '-' and '_', or a bracketed IPv6
 * address. curl decodes %XX in the host: "%7F" or "%2F" must not get
 * through into a URL that means something else or none. */
static bool host_ok(const char *h)
{
	bool v6 = h[0] == '[';
	for (const char *p = h; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			continue;
		if (v6 && strchr("[]:%", c))
			continue;
		return false;
	}
	return true;
}

/* Whether url reads back with the same host: curl decodes %XX in a host,
 * and "1%309" becomes the host "109", which curl reads back as 0.0.0.109. */
static bool host_reads_back(const char *url, const char *host)
{
	CURLU *u = curl_url();
	char *h = NULL;
	bool same = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h &&
		    strcmp(h, host) == 0;
	curl_free(h);
	curl_url_cleanup(u);
	return same;
}

int fetch_url_normalize(const char *in, char **out, char *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *query = NULL, *frag = NULL, *user = NULL,
	     *pass = NULL, *res = NULL;
	int rc = FETCH_EUSAGE;
	*out = NULL;
	if (!u)
		return FETCH_ENOMEM;
	/* The messages never echo the URL: it may carry a secret (userinfo, a
	 * private_token query) and they end up in CI logs. They name the part
	 * that is wrong instead; the caller says where the URL came from. */
	if (!*in || curl_url_set(u, CURLUPART_URL, in, CURLU_DEFAULT_SCHEME) != CURLUE_OK) {
		fetch_fail(err, "not a URL (expected https://host or https://host/path)");
		goto done;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (!scheme || (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)) {
		fetch_fail(err, "only https:// (or http://) is supported");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
		fetch_fail(err, "no host");
		goto done;
	}
	if (!host_ok(host)) {
		fetch_fail(err, "the host name holds a character a host name cannot have "
				"(write an international name in punycode)");
		goto done;
	}
	if ((curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) ||
	    (curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK && pass)) {
		fetch_fail(err,
			   "%s://%s: a user or password (user:pass@) is not accepted in the "
			   "URL (give the token in $GITLAB_TOKEN or --token-file)",
			   scheme, host);
		goto done;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK && query) {
		fetch_fail(err,
			   "%s://%s: a query (?...) is not accepted in the URL (give the "
			   "token in $GITLAB_TOKEN or --token-file)",
			   scheme, host);
		goto done;
	}
	if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK && frag) {
		fetch_fail(err, "%s://%s: a fragment (#...) is not accepted in the URL", scheme,
			   host);
		goto done;
	}
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	if (path) {
		/* every trailing "/" and "/api/v4", so that the result
		 * normalises to itself */
		size_t n = strlen(path);
		for (;;) {
			while (n > 0 && path[n - 1] == '/')
				path[--n] = '\0';
			if (n < 7 || strcmp(path + n - 7, "/api/v4") != 0)
				break;
			n -= 7;
			path[n] = '\0';
		}
		curl_url_set(u, CURLUPART_PATH, *path ? path : "/", 0);
	}
	if (curl_url_get(u, CURLUPART_URL, &res, 0) != CURLUE_OK) {
		fetch_fail(err, "not a URL");
		goto done;
	}
	if (!host_reads_back(res, host)) {
		fetch_fail(err, "write the host name without %%-encoding");
		goto done;
	}
	/* curl writes the root path as a trailing "/": the instance has none. */
	size_t n = strlen(res);
	if (n > 0 && res[n - 1] == '/')
		res[n - 1] = '\0';
	if (!(*out = strdup(res))) {
		rc = FETCH_ENOMEM;
		goto done;
	}
	rc = FETCH_OK;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(query);
	curl_free(frag);
	curl_free(user);
	curl_free(pass);
	curl_free(res);
	curl_url_cleanup(u);
	return rc;
}

static bool host_is_loopback(const char *host)
{
	char buf[64];
	struct in6_addr a6;
	struct in_addr a4;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	/* curl gives IPv6 hosts in brackets */
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		char *zone = strchr(buf, '%');
		if (zone)
			*zone = '\0';
		if (inet_pton(AF_INET6, buf, &a6) == 1)
			return IN6_IS_ADDR_LOOPBACK(&a6);
	}
	return false;
}

bool fetch_url_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool loop = false;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		loop = host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(u);
	return loop;
}

int fetch_url_check_http(const char *url, bool allow_http, bool *warn, char *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = FETCH_EREMOTE;
	*warn = false;
	if (!u)
		return FETCH_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		fetch_fail(err, "%s: not a URL", url);
		goto done;
	}
	if (strcasecmp(scheme, "http") != 0 || host_is_loopback(host)) {
		rc = FETCH_OK;
		goto done;
	}
	if (allow_http) {
		*warn = true;
		rc = FETCH_OK;
		goto done;
	}
	fetch_fail(err,
		   "%s: plain http to %s would send the token unencrypted (use https://, "
		   "or --allow-http if you must)",
		   url, host);
done:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* scheme, host and port (the default port filled in) of url; 0 or -1. */
static int origin_of(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	int rc = -1;
	*scheme = *host = *port = NULL;
	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		rc = 0;
	curl_url_cleanup(u);
	return rc;
}

bool fetch_url_same_origin(const char *a, const char *b)
{
	char *sa, *ha, *pa, *sb, *hb, *pb;
	bool same = false;
	int ra = origin_of(a, &sa, &ha, &pa);
	int rb = origin_of(b, &sb, &hb, &pb);
	if (ra == 0 && rb == 0)
		same = strcasecmp(sa, sb) == 0 && strcasecmp(ha, hb) == 0 && strcmp(pa, pb) == 0;
	curl_free(sa);
	curl_free(ha);
	curl_free(pa);
	curl_free(sb);
	curl_free(hb);
	curl_free(pb);
	return same;
}
