/*
 * The HTTP side of fetch: libcurl's multi interface with up to --jobs
 * transfers in flight over reused connections, and everything the SPEC
 * says about answers: retries with backoff and jitter for 5xx, resets,
 * time-outs and bodies that are not JSON; 429 waits; same-origin
 * redirects followed by hand (curl would carry PRIVATE-TOKEN to another
 * host); 401/403 fatal. Request headers are never printed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "fetch_internal.h"

/* An API answer bigger than this is an error (or, for a listing page, a
 * reason to ask for fewer rows), not an OOM. */
#define HTTP_BODY_CAP ((size_t)256 << 20)
/* All answers buffered at once (--jobs of them): beyond it transfers wait. */
#define HTTP_BODY_BUDGET  ((size_t)512 << 20)
#define HTTP_RATE_RECOVER 2.0 /* seconds without 429 before one more slot */

struct http {
	const struct fetch_options *o;
	CURLM *multi;
	struct curl_slist *headers;	     /* holds the token: never printed */
	struct http_req *queue, *queue_tail; /* ready to start, FIFO */
	struct http_req *waiting;	     /* backing off, not ordered */
	struct http_req *failed;	     /* failed for good, not delivered */
	size_t n_queue, n_waiting, n_active;
	CURL **pool;
	size_t n_pool;
	struct http_req **active; /* in flight, n_active of them */
	int limit;		  /* current concurrency limit */
	double pause_until;	  /* no new request before (429) */
	double pace;		  /* seconds between request starts while rate limited; 0: none */
	double next_start;
	double pace_set_at;
	double last_429;
	int64_t first_date;
	bool loopback; /* the instance is on this machine: never through a proxy */
	/* memory for answers: one body at most body_cap; all buffered bodies
	 * at most budget, except one (hog) that may finish beyond it while the
	 * others wait (paused) */
	size_t body_cap, budget, buffered, n_paused;
	struct http_req *hog;
	struct http_stats stats;
	unsigned short rand_state[3];
	bool api_seen; /* an answer of the API came: first contact is over */
};

double fetch_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void body_free(struct http_req *r)
{
	struct http *h = r->http;
	if (h) {
		h->buffered -= r->body_cap;
		if (h->hog == r)
			h->hog = NULL;
	}
	free(r->body);
	r->body = NULL;
	r->body_len = r->body_cap = 0;
}

static void req_free(struct http_req *r)
{
	if (!r)
		return;
	free(r->url);
	json_object_put(r->json);
	free(r->link_next);
	body_free(r);
	free(r);
}

/* A size from a test hook's environment variable, else def. A build
 * without the tests reads no hook (fetch.h): the name is not even in it. */
#ifdef ISSUEGRAPH_TEST_HOOKS
static size_t env_size(const char *name, size_t def)
{
	const char *v = getenv(name);
	long long n = v ? atoll(v) : 0;
	return n > 0 ? (size_t)n : def;
}
#define TEST_HOOK_SIZE(name, def) env_size(name, def)
#else
#define TEST_HOOK_SIZE(name, def) (def)
#endif

int http_new(struct http **out, const struct fetch_options *o, char *err)
{
	struct http *h = calloc(1, sizeof *h);
	char *hdr = NULL;
	*out = NULL;
	if (!h)
		return FETCH_ENOMEM;
	h->o = o;
	h->limit = o->jobs > 0 ? o->jobs : 1;
	h->first_date = -1;
	h->loopback = o->url && fetch_url_is_loopback(o->url);
	h->body_cap = TEST_HOOK_SIZE("ISSUEGRAPH_TEST_BODY_CAP", HTTP_BODY_CAP);
	h->budget = TEST_HOOK_SIZE("ISSUEGRAPH_TEST_BODY_BUDGET", HTTP_BODY_BUDGET);
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
	h->rand_state[0] = (unsigned short)seed;
	h->rand_state[1] = (unsigned short)(seed >> 16);
	h->rand_state[2] = (unsigned short)(seed >> 32);
	if (!(h->multi = curl_multi_init()))
		goto nomem;
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->limit);
	/* keep every connection alive between transfers (the default cache
	 * follows the number of handles added, which drops between requests) */
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->limit + 2);
	if (!(h->pool = calloc((size_t)h->limit, sizeof *h->pool)) ||
	    !(h->active = calloc((size_t)h->limit, sizeof *h->active)))
		goto nomem;
	if (o->token && o->token->kind != FETCH_AUTH_NONE) {
		const char *name = o->token->kind == FETCH_AUTH_BEARER ? "Authorization: Bearer "
								       : "PRIVATE-TOKEN: ";
		size_t n = strlen(name) + strlen(o->token->value) + 1;
		if (!(hdr = malloc(n)))
			goto nomem;
		snprintf(hdr, n, "%s%s", name, o->token->value);
		struct curl_slist *l = curl_slist_append(NULL, hdr);
		memset(hdr, 0, n);
		free(hdr);
		if (!l)
			goto nomem;
		h->headers = l;
	}
	struct curl_slist *l = curl_slist_append(h->headers, "Accept: application/json");
	if (!l)
		goto nomem;
	h->headers = l;
	*out = h;
	return FETCH_OK;
nomem:
	fetch_fail(err, "out of memory");
	http_free(h);
	return FETCH_ENOMEM;
}

static void free_list(struct http_req *r)
{
	while (r) {
		struct http_req *n = r->next;
		req_free(r);
		r = n;
	}
}

void http_drop_pending(struct http *h, void (*drop)(void *ctx, int kind, void *data), void *ctx)
{
	for (struct http_req *r = h->queue; r; r = r->next)
		drop(ctx, r->kind, r->data);
	for (struct http_req *r = h->waiting; r; r = r->next)
		drop(ctx, r->kind, r->data);
	for (struct http_req *r = h->failed; r; r = r->next)
		drop(ctx, r->kind, r->data);
	for (size_t i = 0; i < h->n_active; i++)
		drop(ctx, h->active[i]->kind, h->active[i]->data);
}

void http_free(struct http *h)
{
	if (!h)
		return;
	free_list(h->queue);
	free_list(h->waiting);
	free_list(h->failed);
	/* requests still in flight after a fatal error */
	for (size_t i = 0; i < h->n_active; i++) {
		struct http_req *r = h->active[i];
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		req_free(r);
	}
	free(h->active);
	for (size_t i = 0; i < h->n_pool; i++)
		curl_easy_cleanup(h->pool[i]);
	free(h->pool);
	curl_multi_cleanup(h->multi);
	/* wipe the token header before freeing it */
	for (struct curl_slist *l = h->headers; l; l = l->next)
		memset(l->data, 0, strlen(l->data));
	curl_slist_free_all(h->headers);
	free(h);
}

static void enqueue(struct http *h, struct http_req *r)
{
	r->next = NULL;
	if (h->queue_tail)
		h->queue_tail->next = r;
	else
		h->queue = r;
	h->queue_tail = r;
	h->n_queue++;
}

static int submit(struct http *h, const char *url, int kind, void *data, bool shrinkable)
{
	struct http_req *r = calloc(1, sizeof *r);
	int rc;
	if (!r)
		return FETCH_ENOMEM;
	if ((rc = fetch_api_rebase(h->o->url, url, &r->url, NULL))) {
		free(r);
		return rc;
	}
	r->kind = kind;
	r->data = data;
	r->http = h;
	r->shrinkable = shrinkable;
	r->x_page = -1;
	r->first_at = fetch_now();
	enqueue(h, r);
	return FETCH_OK;
}

int http_submit(struct http *h, const char *url, int kind, void *data)
{
	return submit(h, url, kind, data, false);
}

int http_submit_shrinkable(struct http *h, const char *url, int kind, void *data)
{
	return submit(h, url, kind, data, true);
}

size_t http_pending(const struct http *h)
{
	return h->n_queue + h->n_waiting + h->n_active;
}

size_t http_room(const struct http *h)
{
	size_t busy = h->n_queue + h->n_active;
	return busy < (size_t)h->limit ? (size_t)h->limit - busy : 0;
}

int64_t http_first_date(const struct http *h)
{
	return h->first_date;
}

void http_get_stats(const struct http *h, struct http_stats *out)
{
	double now = fetch_now();
	*out = h->stats;
	out->in_flight = (int64_t)h->n_active;
	out->waiting = (int64_t)h->n_waiting;
	out->rate_wait = h->pause_until > now ? h->pause_until - now : 0;
	out->retry_wait = 0;
	for (const struct http_req *r = h->waiting; r; r = r->next) {
		double w = r->not_before > now ? r->not_before - now : 0.001;
		if (out->retry_wait == 0 || w < out->retry_wait)
			out->retry_wait = w;
	}
}

void http_url_path(const char *url, char *buf, size_t len)
{
	CURLU *u = curl_url();
	char *path = NULL, *query = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		curl_url_get(u, CURLUPART_QUERY, &query, 0);
	}
	snprintf(buf, len, "%s%s%s", path ? path : url, query ? "?" : "", query ? query : "");
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
}

void http_api_message(const struct json_object *body, char *buf, size_t len)
{
	static const char *const keys[] = {"message", "error", "error_description"};
	struct json_object *v = NULL;
	buf[0] = '\0';
	if (!body || !json_object_is_type(body, json_type_object))
		return;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (!json_object_object_get_ex(body, keys[i], &v) || !v)
			continue;
		if (json_object_is_type(v, json_type_string)) {
			struct json_object *desc = NULL;
			/* OAuth style: {"error": "insufficient_scope", "error_description": ...} */
			if (i == 1 && json_object_object_get_ex(body, "error_description", &desc) &&
			    json_object_is_type(desc, json_type_string))
				snprintf(buf, len, "%s: %s", json_object_get_string(v),
					 json_object_get_string(desc));
			else
				snprintf(buf, len, "%s", json_object_get_string(v));
			return;
		}
		/* {"message": {"error": "..."}} or {"message": {"field": ["..."]}} */
		struct json_object *inner = NULL;
		if (json_object_is_type(v, json_type_object) &&
		    json_object_object_get_ex(v, "error", &inner) &&
		    json_object_is_type(inner, json_type_string)) {
			snprintf(buf, len, "%s", json_object_get_string(inner));
			return;
		}
		snprintf(buf, len, "%s",
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_req *r = userdata;
	struct http *h = r->http;
	size_t n = size * nmemb;
	if (n >= h->body_cap - r->body_len) {
		r->too_big = true;
		return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (r->body_len + n + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 16384;
		while (cap < r->body_len + n + 1)
			cap *= 2;
		if (cap > h->body_cap)
			cap = h->body_cap;
		/* over the budget: wait, unless this one is the hog */
		if (h->buffered + (cap - r->body_cap) > h->budget) {
			if (!h->hog)
				h->hog = r;
			if (h->hog != r) {
				r->paused = true;
				h->n_paused++;
				return CURL_WRITEFUNC_PAUSE;
			}
		}
		char *b = realloc(r->body, cap);
		if (!b)
			return 0;
		h->buffered += cap - r->body_cap;
		r->body = b;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, ptr, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static CURL *easy_for(struct http *h, struct http_req *r)
{
	CURL *e = h->n_pool ? h->pool[--h->n_pool] : curl_easy_init();
	const struct fetch_options *o = h->o;
	if (!e)
		return NULL;
	curl_easy_reset(e);
	r->errbuf[0] = '\0';
	if (curl_easy_setopt(e, CURLOPT_URL, r->url) != CURLE_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)r);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : "issuegraph");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TIMEOUT, o->timeout > 0 ? o->timeout : 60L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
			 o->connect_timeout > 0 ? o->connect_timeout : 10L);
	/* Redirects are followed by hand (same origin only): curl would send
	 * PRIVATE-TOKEN on to whatever host a Location names. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	/* wait for a multiplexed (HTTP/2) connection rather than open more; plain
	 * http has no ALPN, so there it would only delay transfers */
	if (strncmp(r->url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	if (o->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	/* a proxy from the environment is fine for a remote instance, but one
	 * on this machine is not to be sent through it (with the token) */
	if (h->loopback)
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	return e;
}

static void reset_outcome(struct http_req *r)
{
	body_free(r);
	r->too_big = r->too_many = r->paused = false;
	json_object_put(r->json);
	r->json = NULL;
	free(r->link_next);
	r->link_next = NULL;
	r->status = 0;
	r->x_page = -1;
}

static int start(struct http *h, struct http_req *r)
{
	CURL *e = easy_for(h, r);
	if (!e)
		return FETCH_ENOMEM;
	reset_outcome(r);
	r->easy = e;
	r->started_at = fetch_now();
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return FETCH_ENOMEM;
	}
	r->slot = h->n_active;
	h->active[h->n_active++] = r;
	h->stats.requests++;
	return FETCH_OK;
}

static void release_easy(struct http *h, struct http_req *r)
{
	CURL *e = r->easy;
	r->easy = NULL;
	if (r->paused) {
		r->paused = false;
		h->n_paused--;
	}
	if (!e)
		return;
	curl_multi_remove_handle(h->multi, e);
	if (h->n_pool < (size_t)(h->o->jobs > 0 ? h->o->jobs : 1))
		h->pool[h->n_pool++] = e;
	else
		curl_easy_cleanup(e);
}

static const char *header(CURL *e, const char *name)
{
	struct curl_header *hd = NULL;
	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &hd) == CURLHE_OK && hd)
		return hd->value;
	return NULL;
}

static void log_line(struct http *h, const struct http_req *r, const char *outcome)
{
	char path[1024], line[1400];
	if (!h->o->on_log || h->o->verbose < 1)
		return;
	http_url_path(r->url, path, sizeof path);
	snprintf(line, sizeof line, "GET %s %s %.0f ms", path, outcome,
		 (fetch_now() - r->started_at) * 1000.0);
	h->o->on_log(h->o->cb_ctx, line);
}

static bool parse_json(struct http_req *r)
{
	struct json_tokener *tok;
	if (!r->body || r->body_len == 0)
		return false;
	/* json-c's tree is many times the body: bound it before building it */
	if (!fetch_json_within(r->body, r->body_len, FETCH_JSON_MAX_CONTAINERS,
			       FETCH_JSON_MAX_VALUES)) {
		r->too_many = true;
		return false;
	}
	if (!(tok = json_tokener_new_ex(FETCH_JSON_MAX_DEPTH)))
		return false;
	/* Invalid UTF-8 is refused here, as import refuses it. */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *j = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	bool ok = j && json_tokener_get_error(tok) == json_tokener_success;
	if (ok) {
		size_t end = json_tokener_get_parse_end(tok);
		while (end < r->body_len && strchr(" \t\r\n", r->body[end]))
			end++;
		ok = end == r->body_len;
	}
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(j);
		return false;
	}
	r->json = j;
	return true;
}

/* A 429: fewer requests at once for a while, and the starts paced to the
 * rate the server states. w: the wait decided; told: the server said it. */
static void slow_down(struct http *h, const struct http_req *r, CURL *e, double w, bool told)
{
	double now = fetch_now();
	/* Everybody waits, unless the starts are paced already: then only
	 * this request does (a pause would cost a whole window). */
	if (h->pace <= 0 && now + w > h->pause_until)
		h->pause_until = now + w;
	/* Fewer at once for a while: halved when the server gives no wait
	 * (blind backoff), one less when it does (the global pause above
	 * already keeps us under its limit). */
	if (now - h->last_429 > 0.5 && h->limit > 1) {
		if (!told)
			h->limit = h->limit / 2 > 0 ? h->limit / 2 : 1;
		else if (h->limit > (h->o->jobs + 1) / 2)
			h->limit--;
	}
	h->last_429 = now;
	/* Pace the starts to the limit the server states: RateLimit-Limit
	 * requests per the window it asks us to wait (GitLab.com: per
	 * minute; our test server: per second), tightened if 429s go on. */
	const char *lim = header(e, "RateLimit-Limit");
	long limit = lim ? strtol(lim, NULL, 10) : 0;
	/* only a request started under the current pace says it is too fast */
	bool paced = h->pace > 0 && r->started_at > h->pace_set_at;
	if (told && limit > 0 && w > 0 && h->pace < 1.03 * w / (double)limit) {
		h->pace = 1.03 * w / (double)limit;
		h->pace_set_at = now;
	} else if (paced) {
		h->pace *= told ? 1.03 : 1.25;
		h->pace_set_at = now;
	}
}

/* The facts of a finished transfer for fetch_classify(); parses the body
 * into r->json where it matters. path and msg are the caller's buffers. */
static void gather(struct http *h, struct http_req *r, CURLcode res, struct fetch_response_facts *f,
		   char *path, size_t path_len, char *msg, size_t msg_len)
{
	CURL *e = r->easy;
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	http_url_path(r->url, path, path_len);
	memset(f, 0, sizeof *f);
	f->transport = (int)res;
	f->transport_error = r->errbuf;
	f->too_big = r->too_big;
	f->shrinkable = r->shrinkable;
	f->accept_403 = (r->kind & HTTP_KIND_ACCEPT_403) != 0;
	f->body_cap = h->body_cap;
	f->status = status;
	f->url = r->url;
	f->path = path;
	f->tries = r->tries;
	f->redirects = r->redirects;
	f->elapsed = fetch_now() - r->first_at;
	f->now_unix = (double)time(NULL);
	f->jitter = erand48(h->rand_state);
	f->max_tries = h->o->retries;
	f->max_seconds = (double)h->o->retry_time;
	f->first_contact = !h->api_seen;
	f->instance = h->o->url;
	if (res != CURLE_OK)
		return;
	if (h->first_date < 0) {
		const char *d = header(e, "Date");
		time_t t = d ? curl_getdate(d, NULL) : -1;
		if (t != -1)
			h->first_date = (int64_t)t;
	}
	f->retry_after = header(e, "Retry-After");
	f->ratelimit_reset = header(e, "RateLimit-Reset");
	f->date = header(e, "Date");
	char *loc = NULL;
	curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc);
	f->location = loc;
	if ((status >= 200 && status < 300) || (status >= 400 && status < 500 && status != 429))
		f->json_valid = parse_json(r);
	f->too_many = r->too_many;
	if (f->json_valid && status < 500)
		h->api_seen = true;
	if (!h->api_seen) {
		const char *ct = header(e, "Content-Type");
		size_t k = 0;
		while (k < r->body_len && (r->body[k] == ' ' || r->body[k] == '\t' ||
					   r->body[k] == '\r' || r->body[k] == '\n'))
			k++;
		f->looks_html = (ct && strncasecmp(ct, "text/html", 9) == 0) ||
				(k < r->body_len && r->body[k] == '<');
	}
	if (status == 401 || status == 403) {
		http_api_message(r->json, msg, msg_len);
		f->api_message = msg;
	}
}

/* A 2xx to deliver: X-Page and the next link (rebased on the instance). */
static int read_paging(struct http *h, struct http_req *r, const char *path, char *err)
{
	CURL *e = r->easy;
	char msg[FETCH_ERRMSG_SIZE];
	int rc;
	const char *link = header(e, "Link");
	const char *xp = header(e, "X-Page");
	if (xp) {
		/* server text: clamped, so page arithmetic cannot overflow */
		long long v = strtoll(xp, NULL, 10);
		r->x_page = v < 0 ? -1 : v > 1000000000LL ? 1000000000L : (long)v;
	}
	if (link && (rc = fetch_link_next(link, &r->link_next)) < 0) {
		fetch_fail(err, "out of memory");
		return rc;
	}
	if (r->link_next) {
		/* GitLab behind a proxy often names another scheme, host or
		 * port here: only the path and query are used */
		char *next = NULL;
		rc = fetch_api_rebase(h->o->url, r->link_next, &next, msg);
		free(r->link_next);
		r->link_next = next;
		if (rc) {
			fetch_fail(err, "GET %s: the next page: %s", path, msg);
			return rc;
		}
	}
	return FETCH_OK;
}

/* A request that failed for good, never delivered: kept (on the failed
 * list) so that http_drop_pending() hands its data back; returns rc. */
static int give_up(struct http *h, struct http_req *r, int rc)
{
	r->next = h->failed;
	h->failed = r;
	return rc;
}

/* One finished transfer: 0 (delivered, or queued again), or fatal. The
 * decision is fetch_classify()'s; this only acts on it. */
static int finished(struct http *h, struct http_req *r, CURLcode res, http_done_fn fn, void *ctx,
		    char *err)
{
	struct fetch_response_facts f;
	struct fetch_decision d;
	char path[512], msg[FETCH_ERRMSG_SIZE] = "", outcome[280];
	int rc = FETCH_OK;
	gather(h, r, res, &f, path, sizeof path, msg, sizeof msg);
	fetch_classify(&f, &d);
	if (r->too_big)
		snprintf(outcome, sizeof outcome, "too large");
	else if (res != CURLE_OK)
		snprintf(outcome, sizeof outcome, "%.200s",
			 r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
	else
		snprintf(outcome, sizeof outcome, "%ld", r->status);
	log_line(h, r, outcome);
	if (d.rate_limited)
		h->stats.rate_limited++;

	switch (d.verdict) {
	case FETCH_V_REDIRECT: {
		/* same origin (classified), and like every request inside the API */
		char *u = NULL;
		rc = fetch_api_rebase(h->o->url, d.location, &u, msg);
		release_easy(h, r);
		if (rc) {
			fetch_fail(err, "GET %s: redirect: %s", path, msg);
			return give_up(h, r, rc);
		}
		free(r->url);
		r->url = u;
		r->redirects++;
		enqueue(h, r);
		return FETCH_OK;
	}
	case FETCH_V_RETRY:
		if (d.rate_limited)
			slow_down(h, r, r->easy, (double)d.delay_ms / 1000.0, d.told);
		release_easy(h, r);
		if (d.counts)
			r->tries++;
		h->stats.retries++;
		r->not_before = fetch_now() + (double)d.delay_ms / 1000.0;
		r->next = h->waiting;
		h->waiting = r;
		h->n_waiting++;
		return FETCH_OK;
	case FETCH_V_FAIL:
		fetch_fail(err, "%s", d.msg);
		release_easy(h, r);
		return give_up(h, r, d.exit_class);
	case FETCH_V_OK:
		break;
	}
	if (r->too_big || r->too_many) {
		/* a shrinkable request over the caps: the crawler asks for less */
		r->too_big = true;
		r->status = 0;
		json_object_put(r->json);
		r->json = NULL;
		release_easy(h, r);
		body_free(r);
		rc = fn(ctx, r);
		req_free(r);
		return rc;
	}
	if (r->status >= 200 && r->status < 300 && (rc = read_paging(h, r, path, err)) < 0) {
		release_easy(h, r);
		return give_up(h, r, rc);
	}
	release_easy(h, r);
	rc = fn(ctx, r);
	req_free(r);
	return rc;
}

int http_run(struct http *h, http_done_fn fn, void *ctx, long max_wait_ms, char *err)
{
	double now = fetch_now();
	int rc = FETCH_OK;

	/* let the concurrency limit and the pace recover after a quiet while */
	if ((h->limit < h->o->jobs || h->pace > 0) && now - h->last_429 > HTTP_RATE_RECOVER) {
		if (h->limit < h->o->jobs)
			h->limit++;
		if (now - h->last_429 > 10 * HTTP_RATE_RECOVER)
			h->pace = h->pace < 0.001 ? 0 : h->pace * 0.9;
		if (h->limit < h->o->jobs || h->pace > 0)
			h->last_429 = now - (h->limit < h->o->jobs ? 0 : 10 * HTTP_RATE_RECOVER);
	}
	/* waiting requests whose time has come go to the queue */
	double next_due = -1;
	for (struct http_req **pp = &h->waiting; *pp;) {
		struct http_req *r = *pp;
		if (r->not_before <= now) {
			*pp = r->next;
			h->n_waiting--;
			enqueue(h, r);
		} else {
			if (next_due < 0 || r->not_before < next_due)
				next_due = r->not_before;
			pp = &r->next;
		}
	}
	while (h->queue && h->n_active < (size_t)h->limit && now >= h->pause_until &&
	       now >= h->next_start) {
		struct http_req *r = h->queue;
		h->queue = r->next;
		if (!h->queue)
			h->queue_tail = NULL;
		h->n_queue--;
		if ((rc = start(h, r)) < 0) {
			fetch_fail(err, "out of memory");
			return give_up(h, r, rc);
		}
		if (h->pace > 0)
			h->next_start = (h->next_start > now ? h->next_start : now) + h->pace;
	}
	double wait = (double)max_wait_ms / 1000.0;
	if (next_due >= 0 && next_due - now < wait)
		wait = next_due - now;
	double gate = h->pause_until > h->next_start ? h->pause_until : h->next_start;
	if (h->queue && gate > now && gate - now < wait)
		wait = gate - now;
	if (wait < 0)
		wait = 0;
	if (h->n_paused > 0 && (!h->hog || h->buffered < h->budget)) {
		/* room again: the waiting transfers go on (one may pause again) */
		for (size_t i = 0; i < h->n_active; i++) {
			struct http_req *r = h->active[i];
			if (r->paused) {
				r->paused = false;
				h->n_paused--;
				curl_easy_pause(r->easy, CURLPAUSE_CONT);
			}
		}
	}
	if (h->n_active > 0) {
		int running = 0;
		curl_multi_perform(h->multi, &running);
		if (running > 0 || h->n_active > 0)
			curl_multi_poll(h->multi, NULL, 0, (int)(wait * 1000.0) + 1, NULL);
		curl_multi_perform(h->multi, &running);
	} else if (wait > 0) {
		struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
		nanosleep(&ts, NULL);
	}
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct http_req *r = NULL;
		CURLcode res = m->data.result;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		/* out of the active set (swap the last one into its slot) */
		h->active[r->slot] = h->active[--h->n_active];
		h->active[r->slot]->slot = r->slot;
		if ((rc = finished(h, r, res, fn, ctx, err)) < 0)
			return rc;
	}
	return FETCH_OK;
}
