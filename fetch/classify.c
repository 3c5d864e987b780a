/*
 * What to do with one finished transfer (SPEC: fetch, the redirect rule
 * and "Crawl rules"): a pure function of what came back, so that every
 * answer a server can give is decided in one place and unit-tested
 * without a server. http.c's finished() only gathers the facts and acts.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "fetch_internal.h"

static bool transport_retriable(int code)
{
	switch ((CURLcode)code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_WRITE_ERROR:
		return true;
	default:
		return false;
	}
}

static bool is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Seconds to wait, from a header holding a Unix time or an HTTP date,
 * against the server's Date (else the local clock). -1: unusable. */
static double until(const char *when, const struct fetch_response_facts *in, bool unix_time)
{
	double now = in->date ? (double)curl_getdate(in->date, NULL) : in->now_unix;
	double t;
	if (in->date && now < 0)
		now = in->now_unix;
	if (unix_time) {
		char *end;
		long long v = strtoll(when, &end, 10);
		if (end == when || *end != '\0')
			return -1;
		t = (double)v;
	} else {
		time_t d = curl_getdate(when, NULL);
		if (d == -1)
			return -1;
		t = (double)d;
	}
	return t > now ? t - now : 0.0;
}

double fetch_rate_wait(const struct fetch_response_facts *in)
{
	if (in->retry_after) {
		char *end;
		long v = strtol(in->retry_after, &end, 10);
		if (end != in->retry_after && *end == '\0' && v >= 0)
			return (double)v;
		double w = until(in->retry_after, in, false);
		if (w >= 0)
			return w;
	}
	if (in->ratelimit_reset) {
		double w = until(in->ratelimit_reset, in, true);
		if (w >= 0)
			return w;
	}
	return -1.0;
}

double fetch_backoff(int tries, double jitter)
{
	double d = FETCH_BACKOFF_BASE * pow(2.0, tries < 30 ? tries : 30);
	if (d > FETCH_BACKOFF_MAX)
		d = FETCH_BACKOFF_MAX;
	return d * (0.5 + jitter);
}

/* Retry after delay seconds, or give up when the tries or the time are
 * spent: the one place that says "gave up". */
static enum fetch_verdict retry(const struct fetch_response_facts *in, struct fetch_decision *out,
				double delay, bool counts, const char *why)
{
	int tries = in->tries + (counts ? 1 : 0);
	if ((counts && tries >= in->max_tries) || in->elapsed + delay > in->max_seconds) {
		snprintf(out->msg, sizeof out->msg,
			 "GET %s: %s (gave up after %d tries in %.0f s; see --retries and "
			 "--retry-time)",
			 in->path, why, counts ? tries : tries + 1, in->elapsed);
		out->exit_class = FETCH_EREMOTE;
		return out->verdict = FETCH_V_FAIL;
	}
	out->delay_ms = (long)(delay * 1000.0 + 0.5);
	out->counts = counts;
	snprintf(out->msg, sizeof out->msg, "%s", why);
	return out->verdict = FETCH_V_RETRY;
}

static enum fetch_verdict fail(struct fetch_decision *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static enum fetch_verdict fail(struct fetch_decision *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof out->msg, fmt, ap);
	va_end(ap);
	out->exit_class = FETCH_EREMOTE;
	return out->verdict = FETCH_V_FAIL;
}

/* A transfer error that, on the first request, says the URL is wrong
 * rather than the network unsteady. */
static bool first_contact_fatal(int code)
{
	switch ((CURLcode)code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return true;
	default:
		return false;
	}
}

void fetch_first_contact_hint(const char *instance, int transport, char *buf, size_t len)
{
	const char *inst = instance ? instance : "";
	const char *host = strstr(inst, "://");
	host = host ? host + 3 : inst;
	size_t hl = strcspn(host, "/");
	const char *path = host[hl] ? host + hl : NULL;
	bool https = strncmp(inst, "https://", 8) == 0;
	if (path && transport == 0) {
		snprintf(buf, len,
			 "--url names the instance, e.g. %.*s%.*s, not a group or project page "
			 "(%.150s)",
			 (int)(host - inst), inst, (int)hl, host, path);
		return;
	}
	switch ((CURLcode)transport) {
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(buf, len, "check the host name in --url");
		return;
	case CURLE_COULDNT_CONNECT:
		snprintf(buf, len,
			 "nothing answers there: check the host and port in --url (a URL "
			 "without a scheme is taken as https://)");
		return;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(buf, len,
			 "the server's certificate is not trusted: for a private CA give "
			 "--cacert FILE");
		return;
	case 0:
		snprintf(buf, len,
			 "that is not GitLab's API: --url names the GitLab instance, e.g. "
			 "https://gitlab.example.com%s",
			 path ? ", not a group or project page" : "");
		return;
	default:
		if (https)
			snprintf(buf, len,
				 "if the instance serves plain http, give --url http://%.*s; for a "
				 "private CA, --cacert FILE",
				 (int)hl, host);
		else
			snprintf(buf, len, "check the scheme, host and port in --url");
		return;
	}
}

enum fetch_verdict fetch_classify(const struct fetch_response_facts *in, struct fetch_decision *out)
{
	char why[300];
	memset(out, 0, sizeof *out);
	if (in->first_contact &&
	    ((in->transport != 0 && first_contact_fatal(in->transport)) ||
	     (in->transport == 0 && in->looks_html && !is_redirect(in->status) &&
	      in->status != 429 && in->status < 500))) {
		char hint[300];
		if (in->transport != 0)
			snprintf(why, sizeof why, "%.200s",
				 in->transport_error && *in->transport_error
				     ? in->transport_error
				     : curl_easy_strerror((CURLcode)in->transport));
		else
			snprintf(why, sizeof why, "it answers %ld with an HTML page", in->status);
		fetch_first_contact_hint(in->instance, in->transport, hint, sizeof hint);
		return fail(out, "%.150s: %s on the first request (GET %.100s): %s",
			    in->instance ? in->instance : "the instance", why, in->path, hint);
	}
	if ((in->too_big || in->too_many) && in->shrinkable)
		return out->verdict = FETCH_V_OK; /* the caller asks for less */
	if (in->too_big)
		return fail(out, "GET %s: the answer is larger than %zu MiB; refused", in->path,
			    in->body_cap >> 20);
	if (in->transport != 0) {
		snprintf(why, sizeof why, "%.200s",
			 in->transport_error && *in->transport_error
			     ? in->transport_error
			     : curl_easy_strerror((CURLcode)in->transport));
		if (!transport_retriable(in->transport))
			return fail(out, "GET %s: %s", in->path, why);
		return retry(in, out, fetch_backoff(in->tries, in->jitter), true, why);
	}
	if (is_redirect(in->status)) {
		if (!in->location)
			return fail(out, "GET %s: redirect (%ld) without a Location", in->path,
				    in->status);
		if (!fetch_url_same_origin(in->location, in->url))
			return fail(out,
				    "GET %s: redirect to %.200s refused (another host, port or "
				    "scheme: the token is not sent there)",
				    in->path, in->location);
		if (in->redirects + 1 > FETCH_MAX_REDIRECTS)
			return fail(out, "GET %s: too many redirects", in->path);
		out->location = in->location;
		return out->verdict = FETCH_V_REDIRECT;
	}
	if (in->status == 429) {
		double w = fetch_rate_wait(in);
		out->rate_limited = true;
		out->told = w >= 0;
		if (w < 0)
			w = fetch_backoff(in->tries, in->jitter);
		else
			w += 0.05 * (0.5 + in->jitter); /* do not all come back at once */
		return retry(in, out, w, false, "429 Too Many Requests");
	}
	if (in->status >= 500 || in->status < 200 || (in->status >= 300 && in->status < 400)) {
		snprintf(why, sizeof why, "HTTP %ld", in->status);
		return retry(in, out, fetch_backoff(in->tries, in->jitter), true, why);
	}
	if (in->too_many)
		return fail(out,
			    "GET %s: the answer holds more than %d arrays and objects or %d JSON "
			    "values; refused",
			    in->path, FETCH_JSON_MAX_CONTAINERS, FETCH_JSON_MAX_VALUES);
	if (in->status < 300) {
		if (!in->json_valid)
			return retry(in, out, fetch_backoff(in->tries, in->jitter), true,
				     "the answer is not valid JSON");
		return out->verdict = FETCH_V_OK;
	}
	const char *msg = in->api_message && *in->api_message ? in->api_message : NULL;
	if (in->status == 401)
		return fail(out,
			    "token rejected (%.200s): check that it is valid, not expired, and "
			    "meant for this instance",
			    msg ? msg : "401");
	if (in->status == 403 && !in->accept_403)
		return fail(out, "GET %s: 403 %.200s (the token needs the read_api scope)",
			    in->path, msg ? msg : "Forbidden");
	/* 404 and the other 4xx: the crawler judges them */
	return out->verdict = FETCH_V_OK;
}
