/* The decisions fetch takes on what a server sends: the answer classifier
 * (status and headers in; ok / retry after N / redirect / fail out), the
 * listing's next step, and the JSON size counter. Header values are
 * server-controlled text; the rest of the facts are drawn from the input
 * too. Invariants: every verdict is one of the four; a retry waits a
 * bounded, non-negative time; a redirect names the location it was given
 * and only one of the same origin; a failure has a bounded message (cli/
 * escapes the server's words in it at output); a listing never pages past
 * the offset limit. */
#include <math.h>

#include "fetch.h"
#include "fetch_internal.h"
#include "fuzz_util.h"

struct bytes {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct bytes *b)
{
	if (!b->n)
		return 0;
	b->n--;
	return *b->p++;
}

static int64_t take64(struct bytes *b)
{
	uint64_t v = 0;
	for (int k = 0; k < 8; k++)
		v = v << 8 | take(b);
	return (int64_t)v;
}

/* The next string: up to a NUL byte (or the end). NULL when the input is
 * exhausted, so absent headers are tried too. */
static char *take_str(struct bytes *b)
{
	if (!b->n)
		return NULL;
	const uint8_t *z = memchr(b->p, 0, b->n);
	size_t len = z ? (size_t)(z - b->p) : b->n;
	char *s = fuzz_cstr(b->p, len);
	b->p += len + (z ? 1 : 0);
	b->n -= len + (z ? 1 : 0);
	return s;
}

/* A message may quote the server (GitLab's 403 text): cli/ writes it
 * through the one safe-text rule at the output boundary. Here it must be
 * a bounded string that names the request. */
static void check_msg(const char *msg, size_t cap)
{
	if (!memchr(msg, 0, cap))
		fuzz_fail("an unterminated message", "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bytes b = {data, size};
	uint8_t flags = take(&b);
	static const long statuses[] = {200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403,
					404, 409, 422, 429, 500, 502, 503, 504, 599, 100, 0};
	struct fetch_response_facts f = {
	    .transport = (flags & 1) ? (int)take(&b) % 100 : 0,
	    .too_big = (flags & 2) != 0,
	    .too_many = (flags & 4) != 0,
	    .shrinkable = (flags & 8) != 0,
	    .body_cap = 1u << 20,
	    .status = statuses[take(&b) % (sizeof statuses / sizeof statuses[0])],
	    .json_valid = (flags & 16) != 0,
	    .url = "https://gitlab.example.com/api/v4/projects/1/issues?page=2",
	    .path = "/api/v4/projects/1/issues?page=2",
	    .tries = take(&b) % 12,
	    .redirects = take(&b) % 12,
	    .elapsed = take(&b) * 3.0,
	    .now_unix = 1.8e9,
	    .jitter = take(&b) / 256.0,
	    .max_tries = 1 + take(&b) % 8,
	    .max_seconds = 1 + take(&b) * 2.0,
	};
	char *err = take_str(&b), *retry = take_str(&b), *reset = take_str(&b),
	     *date = take_str(&b), *loc = take_str(&b), *msg = take_str(&b);
	f.transport_error = err;
	f.retry_after = retry;
	f.ratelimit_reset = reset;
	f.date = date;
	f.location = loc;
	f.api_message = msg;
	/* the first contact (an HTML page, a TLS error: the instance and a
	 * hint in the message; the instance is the user's word) */
	uint8_t first = take(&b);
	char *inst = (first & 4) ? take_str(&b) : NULL;
	f.first_contact = (first & 1) != 0;
	f.looks_html = (first & 2) != 0;
	f.instance = inst;

	struct fetch_decision d;
	memset(&d, 0x5a, sizeof d);
	enum fetch_verdict v = fetch_classify(&f, &d);
	if (v != d.verdict)
		fuzz_fail("the verdict returned and stored differ", "");
	switch (v) {
	case FETCH_V_OK:
		break;
	case FETCH_V_RETRY:
		/* the longest wait any rule gives: a day (Retry-After is the
		 * server's word, and the retry time bounds it anyway) */
		if (d.delay_ms < 0 || d.delay_ms > 86400L * 1000)
			fuzz_fail("a retry waits an unbounded time", d.msg);
		break;
	case FETCH_V_REDIRECT:
		if (!loc || d.location != loc)
			fuzz_fail("a redirect to something it was not given", loc);
		if (!fetch_url_same_origin(f.url, loc))
			fuzz_fail("a redirect to another origin", loc);
		break;
	case FETCH_V_FAIL:
		if (d.exit_class >= 0)
			fuzz_fail("a failure without an exit class", d.msg);
		check_msg(d.msg, sizeof d.msg);
		if (!d.msg[0])
			fuzz_fail("a failure without a message", "");
		break;
	default:
		fuzz_fail("an unknown verdict", "");
	}
	double w = fetch_rate_wait(&f);
	if (isnan(w) || (w < 0 && w != -1))
		fuzz_fail("a rate wait that is neither -1 nor >= 0", "");
	double bo = fetch_backoff(f.tries, f.jitter);
	if (!(bo >= 0 && bo <= FETCH_BACKOFF_MAX * 1.5))
		fuzz_fail("backoff out of bounds", "");

	/* the listing's next step from the same bytes */
	struct fetch_list_facts lf = {
	    .rows = (size_t)(take(&b) % 120),
	    .has_next = (flags & 32) != 0,
	    .next_repeats = (flags & 64) != 0,
	    .next_len = (size_t)take64(&b) % 20000,
	    .x_page = take64(&b),
	    .pages_read = take64(&b) % 1000,
	    .per_page = 1 + take(&b) % 100,
	    .max_offset = 50000,
	    .last_updated = retry,
	    .series_after = reset,
	};
	if (lf.pages_read < 0)
		lf.pages_read = -lf.pages_read;
	struct fetch_list_decision ld;
	enum fetch_list_step st = fetch_list_next(&lf, &ld);
	if (st != ld.step)
		fuzz_fail("the step returned and stored differ", "");
	if (st == FETCH_LIST_NEXT_PAGE && ld.page * lf.per_page >= lf.max_offset + lf.per_page)
		fuzz_fail("paged past the offset limit", "");
	if (st == FETCH_LIST_CONTINUE && (!lf.last_updated || !fetch_time_is_rfc3339(lf.last_updated)))
		fuzz_fail("continued after an unusable updated_at", lf.last_updated);
	if (st == FETCH_LIST_FAIL) {
		check_msg(ld.msg, sizeof ld.msg);
		if (!ld.msg[0])
			fuzz_fail("a listing failure without a message", "");
	}

	/* the JSON size counter never reads past the text */
	(void)fetch_json_within((const char *)data, size, 10, 100);

	free(err);
	free(retry);
	free(reset);
	free(date);
	free(loc);
	free(msg);
	free(inst);
	return 0;
}
