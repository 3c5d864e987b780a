/* Unit tests of fetch's small pure parts: the Link header (the one parser
 * written by hand), the instance URL, the redirect and plain-http rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "crawl_internal.h"
#include "fetch.h"
#include "fetch_internal.h"
#include "store.h"

static char *next_of(const char *header)
{
	char *out = (char *)1;
	assert_int_equal(fetch_link_next(header, &out), 0);
	return out;
}

static void test_link__gitlab_header_gives_next(void **state)
{
	(void)state;
	char *n =
	    next_of("<https://gitlab.example.com/api/v4/projects/8/issues?page=1&per_page=3>; "
		    "rel=\"prev\", <https://gitlab.example.com/api/v4/projects/8/issues?page=3&"
		    "per_page=3>; rel=\"next\", <https://gitlab.example.com/api/v4/projects/8/"
		    "issues?page=1&per_page=3>; rel=\"first\", <https://gitlab.example.com/api/"
		    "v4/projects/8/issues?page=4&per_page=3>; rel=\"last\"");
	assert_string_equal(
	    n, "https://gitlab.example.com/api/v4/projects/8/issues?page=3&per_page=3");
	free(n);
}

static void test_link__no_next_on_last_page(void **state)
{
	(void)state;
	assert_null(
	    next_of("<https://h/x?page=1>; rel=\"first\", <https://h/x?page=1>; rel=\"last\""));
	assert_null(next_of(""));
	assert_null(next_of(NULL));
}

static void test_link__rel_lists_case_and_unquoted(void **state)
{
	(void)state;
	char *n = next_of("<https://h/a>; rel=\"prev start\", <https://h/b>;  REL=\"last NEXT\"");
	assert_string_equal(n, "https://h/b");
	free(n);
	n = next_of("<https://h/c>;rel=next");
	assert_string_equal(n, "https://h/c");
	free(n);
}

static void test_link__commas_in_url_and_other_params(void **state)
{
	(void)state;
	char *n = next_of("<https://h/x?labels=a,b&page=2>; title=\"a, b; c\"; rel=\"next\"");
	assert_string_equal(n, "https://h/x?labels=a,b&page=2");
	free(n);
	/* "nextish" is not "next" */
	assert_null(next_of("<https://h/y>; rel=\"nextish\""));
}

static void test_link__garbage_is_no_next(void **state)
{
	(void)state;
	assert_null(next_of("rel=\"next\""));
	assert_null(next_of("<https://h/unterminated; rel=\"next\""));
	assert_null(next_of("garbage <https://h/z>; rel=\"next\""));
}

static void test_url__normalize(void **state)
{
	(void)state;
	char err[FETCH_ERRMSG_SIZE];
	char *u = NULL;
	assert_int_equal(fetch_url_normalize("gitlab.example.com", &u, err), 0);
	assert_string_equal(u, "https://gitlab.example.com");
	free(u);
	assert_int_equal(fetch_url_normalize("https://gitlab.example.com/", &u, err), 0);
	assert_string_equal(u, "https://gitlab.example.com");
	free(u);
	assert_int_equal(fetch_url_normalize("https://h.example/gitlab/api/v4/", &u, err), 0);
	assert_string_equal(u, "https://h.example/gitlab");
	free(u);
	assert_int_equal(fetch_url_normalize("http://127.0.0.1:8080", &u, err), 0);
	assert_string_equal(u, "http://127.0.0.1:8080");
	free(u);
	assert_int_equal(fetch_url_normalize("ftp://h", &u, err), FETCH_EUSAGE);
	assert_null(u);
	assert_int_equal(fetch_url_normalize("https://user:pw@h", &u, err), FETCH_EUSAGE);
	assert_int_equal(fetch_url_normalize("https://h/?q=1", &u, err), FETCH_EUSAGE);
	assert_int_equal(fetch_url_normalize("", &u, err), FETCH_EUSAGE);
}

/* Found by tests/fuzz (fuzz_url): "b/api/v4//api/v4/" normalised to
 * "https://b/api/v4", which normalises again to "https://b"; an instance
 * URL ending in /api/v4 would be requested as .../api/v4/api/v4/... */
static void test_url__normalize_is_idempotent_with_repeated_api_v4(void **state)
{
	(void)state;
	char err[FETCH_ERRMSG_SIZE];
	char *u = NULL, *again = NULL;
	assert_int_equal(fetch_url_normalize("b/api/v4//api/v4/", &u, err), 0);
	assert_string_equal(u, "https://b");
	assert_int_equal(fetch_url_normalize(u, &again, err), 0);
	assert_string_equal(again, u);
	free(u);
	free(again);
	assert_int_equal(fetch_url_normalize("https://h/gl/api/v4/api/v4", &u, err), 0);
	assert_string_equal(u, "https://h/gl");
	free(u);
}

/* Found by tests/fuzz (fuzz_url): curl decodes %XX in the host, so
 * "%7F\xb4" became the instance "https://\x7f\xb4", which is not a URL;
 * "%2F" would move text from the host into the path. */
static void test_url__normalize_refuses_encoded_or_control_bytes_in_host(void **state)
{
	(void)state;
	char err[FETCH_ERRMSG_SIZE];
	/* "1%309/": the host "109", read back by curl as 0.0.0.109; "http:/%30"
	 * the host "0", read back as 0.0.0.0 (fuzz_url) */
	static const char *const bad[] = {
	    "%7F\xb4",	    "https://h%2Fevil", "https://h%00x", "https://exa mple.com",
	    "https://h%25", "1%309/",		"http:/%30"};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char *u = NULL;
		if (fetch_url_normalize(bad[k], &u, err) != FETCH_EUSAGE)
			fail_msg("accepted host of '%s' as '%s'", bad[k], u ? u : "");
		assert_null(u);
	}
	char *u = NULL;
	assert_int_equal(fetch_url_normalize("https://[::1]:8443/gl", &u, err), 0);
	assert_string_equal(u, "https://[::1]:8443/gl");
	free(u);
	assert_int_equal(fetch_url_normalize("git_lab-1.example.com", &u, err), 0);
	assert_string_equal(u, "https://git_lab-1.example.com");
	free(u);
}

static void test_url__refusals_name_the_part_never_the_secret(void **state)
{
	(void)state;
	static const struct {
		const char *url, *part, *secret;
	} bad[] = {
	    {"https://h.example/?private_token=glpat-S3CRET", "query", "S3CRET"},
	    {"https://bob:S3CRET@h.example/", "password", "S3CRET"},
	    {"https://S3CRET@h.example/", "user", "S3CRET"},
	    {"https://:S3CRET@h.example/", "password", "S3CRET"},
	    {"https://h.example/#S3CRET", "fragment", "S3CRET"},
	    {"https://h.example/a b?S3CRET", "URL", "S3CRET"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char err[FETCH_ERRMSG_SIZE] = "";
		char *u = NULL;
		assert_int_equal(fetch_url_normalize(bad[i].url, &u, err), FETCH_EUSAGE);
		assert_null(u);
		assert_non_null(strstr(err, bad[i].part));
		assert_null(strstr(err, bad[i].secret));
		assert_null(strstr(err, "bob"));
	}
}

static void test_url__plain_http_rule(void **state)
{
	(void)state;
	char err[FETCH_ERRMSG_SIZE];
	bool warn = true;
	assert_int_equal(fetch_url_check_http("https://gitlab.com", false, &warn, err), 0);
	assert_false(warn);
	assert_int_equal(fetch_url_check_http("http://localhost:80", false, &warn, err), 0);
	assert_int_equal(fetch_url_check_http("http://127.8.9.1", false, &warn, err), 0);
	assert_int_equal(fetch_url_check_http("http://[::1]:8080", false, &warn, err), 0);
	assert_int_equal(fetch_url_check_http("http://gitlab.example.com", false, &warn, err),
			 FETCH_EREMOTE);
	assert_non_null(strstr(err, "--allow-http"));
	assert_int_equal(fetch_url_check_http("http://128.0.0.1", false, &warn, err),
			 FETCH_EREMOTE);
	assert_int_equal(fetch_url_check_http("http://gitlab.example.com", true, &warn, err), 0);
	assert_true(warn);
}

static void test_url__same_origin(void **state)
{
	(void)state;
	assert_true(fetch_url_same_origin("https://h/api/v4/a", "https://h:443/api/v4/b"));
	assert_true(fetch_url_same_origin("https://H/a", "https://h/b"));
	assert_false(fetch_url_same_origin("https://h/a", "http://h/a"));
	assert_false(fetch_url_same_origin("https://h/a", "https://h:8443/a"));
	assert_false(fetch_url_same_origin("https://h/a", "https://evil.example/a"));
	assert_false(fetch_url_same_origin("https://h/a", "not a url"));
}

static void test_token__sources_and_ci_job_token(void **state)
{
	(void)state;
	char err[FETCH_ERRMSG_SIZE];
	struct fetch_token t;
	unsetenv("GITLAB_TOKEN");
	unsetenv("GITLAB_ACCESS_TOKEN");
	unsetenv("OAUTH_TOKEN");
	unsetenv("CI_JOB_TOKEN");
	assert_int_equal(fetch_token_resolve(&t, NULL, err), FETCH_EREMOTE);
	assert_non_null(strstr(err, "GITLAB_TOKEN"));
	setenv("CI_JOB_TOKEN", "jobtok-123", 1);
	assert_int_equal(fetch_token_resolve(&t, NULL, err), FETCH_EREMOTE);
	assert_non_null(strstr(err, "read_api"));
	assert_null(strstr(err, "jobtok-123"));
	setenv("OAUTH_TOKEN", "oauth", 1);
	assert_int_equal(fetch_token_resolve(&t, NULL, err), 0);
	assert_int_equal(t.kind, FETCH_AUTH_BEARER);
	assert_string_equal(t.value, "oauth");
	fetch_token_release(&t);
	setenv("GITLAB_ACCESS_TOKEN", "access", 1);
	assert_int_equal(fetch_token_resolve(&t, NULL, err), 0);
	assert_int_equal(t.kind, FETCH_AUTH_PRIVATE_TOKEN);
	assert_string_equal(t.value, "access");
	fetch_token_release(&t);
	setenv("GITLAB_TOKEN", "bad token", 1);
	assert_int_equal(fetch_token_resolve(&t, NULL, err), FETCH_EUSAGE);
	assert_null(strstr(err, "bad token"));
	unsetenv("GITLAB_TOKEN");
	unsetenv("GITLAB_ACCESS_TOKEN");
	unsetenv("OAUTH_TOKEN");
	unsetenv("CI_JOB_TOKEN");
}

struct pending {
	int64_t ids[8];
	int64_t hops[8];
	size_t n;
};

static int pending_cb(void *ctx, const struct store_crawl_issue *i)
{
	struct pending *p = ctx;
	if (p->n < 8) {
		p->ids[p->n] = i->issue_id;
		p->hops[p->n] = i->hop;
		p->n++;
	}
	return 0;
}

static int project_noop(void *ctx, const struct store_project *p)
{
	(void)ctx;
	(void)p;
	return 0;
}

static void put_issue(struct store *s, int64_t id, int64_t pid, int64_t iid)
{
	struct store_issue i = {.id = id,
				.project_id = pid,
				.iid = iid,
				.title = "t",
				.labels_json = "[]",
				.updated_at = "2026-01-01T00:00:00Z"};
	assert_int_equal(store_put_issue(s, &i), 0);
}

static void test_store_crawl__frontier_reset_and_prune(void **state)
{
	(void)state;
	char path[] = "/tmp/ig-test-fetch-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	struct store *s = NULL;
	assert_int_equal(store_open(&s, path, STORE_OPEN_CREATE | STORE_OPEN_EXCLUSIVE), 0);
	struct store_project p1 = {1, "g/a", NULL}, p2 = {2, "g/b", NULL};
	assert_int_equal(store_put_project(s, &p1), 0);
	assert_int_equal(store_put_project(s, &p2), 0);
	put_issue(s, 10, 1, 1);
	put_issue(s, 11, 1, 2);
	put_issue(s, 20, 2, 1);
	put_issue(s, 21, 2, 2);

	struct store_crawl_issue ci;
	assert_int_equal(store_crawl_get_issue(s, 10, &ci), STORE_ENOTFOUND);
	assert_int_equal(store_crawl_put_issue(s, 20, 1, false), 0);
	assert_int_equal(store_crawl_put_issue(s, 10, 0, false), 0);
	assert_int_equal(store_crawl_put_issue(s, 11, 0, true), 0);
	assert_int_equal(store_crawl_get_issue(s, 20, &ci), 0);
	assert_int_equal(ci.project_id, 2);
	assert_int_equal(ci.iid, 1);
	assert_int_equal(ci.hop, 1);
	assert_false(ci.expanded);

	/* pending: unexpanded, hop below the limit, by hop then id */
	struct pending pe = {0};
	assert_int_equal(store_crawl_each_pending(s, 5, pending_cb, &pe), 0);
	assert_int_equal(pe.n, 2);
	assert_int_equal(pe.ids[0], 10);
	assert_int_equal(pe.ids[1], 20);
	memset(&pe, 0, sizeof pe);
	assert_int_equal(store_crawl_each_pending(s, 1, pending_cb, &pe), 0);
	assert_int_equal(pe.n, 1);

	/* iids of a project, after a cursor */
	int64_t *iids = NULL;
	size_t n = 0;
	assert_int_equal(store_crawl_project_iids(s, 2, 1, 100, &iids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iids[0], 2);
	free(iids);

	/* an incremental start keeps the rows, a full one drops them */
	assert_int_equal(store_crawl_reset(s, true), 0);
	assert_int_equal(store_crawl_get_issue(s, 11, &ci), 0);
	assert_int_equal(store_crawl_reset(s, false), 0);
	assert_int_equal(store_crawl_get_issue(s, 11, &ci), STORE_ENOTFOUND);

	/* --full: what the run did not reach goes, with projects left empty */
	assert_int_equal(store_crawl_put_issue(s, 10, 0, true), 0);
	assert_int_equal(store_crawl_put_issue(s, 11, 0, true), 0);
	int64_t pruned = 0;
	assert_int_equal(store_crawl_prune(s, &pruned), 0);
	assert_int_equal(pruned, 2);
	assert_int_equal(store_get_project(s, 2, project_noop, NULL), STORE_ENOTFOUND);
	struct store_counts c;
	assert_int_equal(store_counts(s, &c), 0);
	assert_int_equal(c.projects, 1);
	assert_int_equal(c.issues_opened + c.issues_closed, 2);

	assert_int_equal(store_close(s), 0);
	unlink(path);
}

/* ---- every request goes to the instance's origin (origin.c) ------------ */

static char *rebase(const char *instance, const char *target, int want)
{
	char err[FETCH_ERRMSG_SIZE] = "", *out = (char *)1;
	assert_int_equal(fetch_api_rebase(instance, target, &out, err), want);
	if (want) {
		assert_null(out);
		assert_non_null(strstr(err, "refused"));
	}
	return out;
}

static void test_origin__next_link_keeps_only_path_and_query(void **state)
{
	(void)state;
	char *u = rebase(
	    "https://gitlab.example.com",
	    "http://gitlab.example.com:8080/api/v4/projects/1/issues?page=2&per_page=100", 0);
	assert_string_equal(
	    u, "https://gitlab.example.com/api/v4/projects/1/issues?page=2&per_page=100");
	free(u);
	u = rebase("http://127.0.0.1:4000/gitlab",
		   "https://evil.example/gitlab/api/v4/x?iids%5B%5D=1#f", 0);
	assert_string_equal(u, "http://127.0.0.1:4000/gitlab/api/v4/x?iids%5b%5d=1");
	free(u);
	u = rebase("https://h", "https://h/api/v4/groups/a%2Fb/projects", 0);
	/* curl writes percent-escapes lower-case: the same URL (RFC 3986) */
	assert_string_equal(u, "https://h/api/v4/groups/a%2fb/projects");
	free(u);
}

static void test_origin__refuses_paths_outside_the_api(void **state)
{
	(void)state;
	assert_null(rebase("https://h", "https://h/admin/users?page=2", FETCH_EREMOTE));
	assert_null(rebase("https://h", "https://h/api/v4/../admin", FETCH_EREMOTE));
	assert_null(
	    rebase("https://h", "https://h/api/v4/projects/1/%2e%2e/%2E%2e/x", FETCH_EREMOTE));
	assert_null(rebase("https://h", "https://h/api/v4/./projects", FETCH_EREMOTE));
	assert_null(rebase("https://h/gitlab", "https://h/api/v4/projects", FETCH_EREMOTE));
	assert_null(rebase("https://h", "https://h/api/v44/projects", FETCH_EREMOTE));
	assert_null(rebase("https://h", "https://h/api/v4", FETCH_EREMOTE));
	assert_null(rebase("https://h", "not a url at all", FETCH_EREMOTE));
}

/* ---- where a listing goes next (listing.c) ------------------------------- */

static void test_time__rfc3339(void **state)
{
	(void)state;
	assert_true(fetch_time_is_rfc3339("2026-01-02T03:04:05Z"));
	assert_true(fetch_time_is_rfc3339("2026-01-02T03:04:05.678Z"));
	assert_true(fetch_time_is_rfc3339("2026-01-02T03:04:05.678+02:00"));
	assert_false(fetch_time_is_rfc3339("2026-01-02 03:04:05Z"));
	assert_false(fetch_time_is_rfc3339("2026-01-02T03:04:05"));
	assert_false(fetch_time_is_rfc3339("2026-01-02T03:04:05Z&x=1"));
	assert_false(fetch_time_is_rfc3339("2026-01-02T03:04:05.Z"));
	assert_false(fetch_time_is_rfc3339(""));
	assert_false(fetch_time_is_rfc3339(NULL));
	char longer[200];
	memset(longer, '9', sizeof longer);
	memcpy(longer, "2026-01-02T03:04:05.", 20);
	longer[sizeof longer - 2] = 'Z';
	longer[sizeof longer - 1] = '\0';
	assert_false(fetch_time_is_rfc3339(longer));
}

static struct fetch_list_facts page_facts(void)
{
	struct fetch_list_facts f = {
	    100, true, false, 60, -1, 0, 100, 50000, "2026-01-02T03:04:05Z", NULL};
	return f;
}

static void test_list__follows_next_until_the_last_page(void **state)
{
	(void)state;
	struct fetch_list_decision d;
	struct fetch_list_facts f = page_facts();
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_NEXT_PAGE);
	assert_int_equal(d.page, 1);
	f.pages_read = 7;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_NEXT_PAGE);
	assert_int_equal(d.page, 8);
	f.has_next = false;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_DONE);
	f = page_facts();
	f.rows = 0; /* an empty page ends it whatever Link says */
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_DONE);
}

static void test_list__offset_limit_continues_with_updated_after(void **state)
{
	(void)state;
	struct fetch_list_decision d;
	struct fetch_list_facts f = page_facts();
	f.pages_read = 498; /* page 499: page 500 still within 50,000 */
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_NEXT_PAGE);
	f.pages_read = 499; /* page 500: page 501 would pass it */
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_CONTINUE);
	f.series_after = f.last_updated; /* no progress since the series started */
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
	assert_non_null(strstr(d.msg, "cannot page on"));
	f.series_after = NULL;
	f.last_updated = NULL;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
	/* a small limit (the test hook) */
	f = page_facts();
	f.max_offset = 300;
	f.pages_read = 1;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_NEXT_PAGE);
	f.pages_read = 2;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_CONTINUE);
}

static void test_list__x_page_cannot_overflow_or_hold_it_back(void **state)
{
	(void)state;
	struct fetch_list_decision d;
	struct fetch_list_facts f = page_facts();
	f.x_page = 1000000000; /* clamped by http.c from 2^63-1 */
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_CONTINUE);
	assert_int_equal(d.page, 501);
	f.x_page = INT64_MAX;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_CONTINUE);
	/* a server that always says page 1 still reaches the limit */
	f = page_facts();
	f.x_page = 1;
	f.pages_read = 499;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_CONTINUE);
	/* resumed mid-way: X-Page moves the count deeper */
	f.pages_read = 0;
	f.x_page = 42;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_NEXT_PAGE);
	assert_int_equal(d.page, 42);
}

static void test_list__repeats_long_urls_and_bad_times_fail(void **state)
{
	(void)state;
	struct fetch_list_decision d;
	struct fetch_list_facts f = page_facts();
	f.next_repeats = true;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
	assert_non_null(strstr(d.msg, "repeats"));
	f = page_facts();
	f.next_len = FETCH_NEXT_URL_MAX + 1;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
	f = page_facts();
	f.last_updated = "2026-01-02T03:04:05Z\n\x1b[31m";
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
	assert_non_null(strstr(d.msg, "RFC 3339"));
	/* even on the last page: it would be stored as the next position */
	f.has_next = false;
	assert_int_equal(fetch_list_next(&f, &d), FETCH_LIST_FAIL);
}

/* ---- what to do with an answer (classify.c) ------------------------------ */

static struct fetch_response_facts answer(long status)
{
	struct fetch_response_facts f = {0};
	f.status = status;
	f.json_valid = true;
	f.url = "https://h/api/v4/projects/1/issues";
	f.path = "/api/v4/projects/1/issues";
	f.body_cap = (size_t)256 << 20;
	f.now_unix = 1767225600.0;
	f.jitter = 0.5;
	f.max_tries = 6;
	f.max_seconds = 300;
	return f;
}

static enum fetch_verdict verdict(const struct fetch_response_facts *f, struct fetch_decision *d)
{
	enum fetch_verdict v = fetch_classify(f, d);
	assert_int_equal(v, d->verdict);
	return v;
}

static void test_classify__statuses(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(200);
	assert_int_equal(verdict(&f, &d), FETCH_V_OK);
	f.json_valid = false; /* a 200 that is not JSON: retried */
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.counts);
	assert_non_null(strstr(d.msg, "not valid JSON"));
	static const long delivered[] = {201, 400, 404, 410, 422};
	for (size_t i = 0; i < sizeof delivered / sizeof *delivered; i++) {
		f = answer(delivered[i]);
		assert_int_equal(verdict(&f, &d), FETCH_V_OK);
		f.json_valid = false; /* a 404 HTML page is still a 404; a 201 is retried */
		assert_int_equal(verdict(&f, &d), delivered[i] >= 400 ? FETCH_V_OK : FETCH_V_RETRY);
	}
	static const long retried[] = {500, 502, 503, 504, 520, 100, 0, 300, 304};
	for (size_t i = 0; i < sizeof retried / sizeof *retried; i++) {
		f = answer(retried[i]);
		assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
		assert_true(d.counts);
		assert_false(d.rate_limited);
	}
}

/* The first contact with an instance (SPEC: URL diagnostics): an HTML page,
 * a TLS error or a refused connection fails at once, naming the instance
 * and the likely fix; later in a crawl the same are retried or delivered. */
static void test_classify__first_contact_fails_at_once_with_a_hint(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(200);
	f.json_valid = false;
	f.looks_html = true;
	f.first_contact = true;
	f.instance = "https://h";
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_int_equal(d.exit_class, FETCH_EREMOTE);
	assert_non_null(strstr(d.msg, "https://h: it answers 200 with an HTML page"));
	assert_non_null(strstr(d.msg, "not GitLab's API"));
	/* a group or project page pasted as --url (GitLab's 404 page) */
	f = answer(404);
	f.json_valid = false;
	f.looks_html = true;
	f.first_contact = true;
	f.instance = "https://h:8443/group/proj";
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "e.g. https://h:8443, not a group or project page (/group/proj)"));
	/* a 5xx page may be a proxy's bad moment: retried */
	f = answer(502);
	f.json_valid = false;
	f.looks_html = true;
	f.first_contact = true;
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	/* a TLS error and a refused connection */
	f = answer(0);
	f.first_contact = true;
	f.instance = "https://h";
	f.transport = CURLE_SSL_CONNECT_ERROR;
	f.transport_error = "wrong version number";
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "give --url http://h"));
	f.transport = CURLE_COULDNT_CONNECT;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "check the host and port"));
	/* after the first contact: retried, and a 404 page is a 404 */
	f.first_contact = false;
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	f = answer(404);
	f.json_valid = false;
	f.looks_html = true;
	assert_int_equal(verdict(&f, &d), FETCH_V_OK);
}

static void test_classify__401_403_carry_gitlabs_message_bounded(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(401);
	f.api_message = "401 Unauthorized";
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_int_equal(d.exit_class, FETCH_EREMOTE);
	assert_non_null(strstr(d.msg, "token rejected (401 Unauthorized)"));
	f.api_message = NULL;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "(401)"));
	f = answer(403);
	f.api_message = "403 Forbidden - insufficient_scope";
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "GET /api/v4/projects/1/issues: 403 403 Forbidden - "
				      "insufficient_scope"));
	assert_non_null(strstr(d.msg, "read_api"));
	char huge[4000];
	memset(huge, 'A', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	f.api_message = huge;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_true(strlen(d.msg) < 400);
	assert_non_null(strstr(d.msg, "read_api")); /* the advice survives */
}

static void test_classify__transport_errors(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(0);
	f.transport = CURLE_OPERATION_TIMEDOUT;
	f.transport_error = "Operation timed out after 60000 milliseconds";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_string_equal(d.msg, "Operation timed out after 60000 milliseconds");
	f.transport = CURLE_RECV_ERROR;
	f.transport_error = "";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	f.transport = CURLE_SSL_CACERT_BADFILE; /* not going to get better */
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "GET /api/v4/projects/1/issues: "));
	f.too_big = true;
	f.transport = CURLE_WRITE_ERROR;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "larger than 256 MiB"));
}

static void test_classify__backoff_grows_with_bounded_jitter(void **state)
{
	(void)state;
	for (int t = 0; t < 12; t++) {
		double base = FETCH_BACKOFF_BASE * (double)(1 << t);
		if (base > FETCH_BACKOFF_MAX)
			base = FETCH_BACKOFF_MAX;
		assert_true(fetch_backoff(t, 0.0) >= 0.5 * base - 1e-9);
		assert_true(fetch_backoff(t, 0.999999) <= 1.5 * base + 1e-9);
		assert_true(fetch_backoff(t, 0.5) > 0.99 * base &&
			    fetch_backoff(t, 0.5) < 1.01 * base);
	}
	assert_true(fetch_backoff(2, 0.5) > fetch_backoff(1, 0.5));
	assert_true(fetch_backoff(1000000, 0.999) <= 1.5 * FETCH_BACKOFF_MAX);
	struct fetch_decision d;
	struct fetch_response_facts f = answer(503);
	f.tries = 3;
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.delay_ms >= 2000 && d.delay_ms <= 6000);
}

static void test_classify__tries_and_time_run_out(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(502);
	f.tries = 4; /* the 5th failure of 6 */
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	f.tries = 5; /* the 6th */
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "HTTP 502 (gave up after 6 tries"));
	assert_non_null(strstr(d.msg, "--retries"));
	f = answer(502);
	f.elapsed = 299.9; /* the next wait would pass --retry-time */
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "--retry-time"));
	/* a 429 does not count as a try, but the time still bounds it */
	f = answer(429);
	f.tries = 5;
	f.retry_after = "10";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_false(d.counts);
	f.elapsed = 295;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_true(d.rate_limited);
}

static void test_classify__429_waits(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(429);
	f.retry_after = "7"; /* seconds */
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.rate_limited && d.told);
	assert_true(d.delay_ms >= 7025 && d.delay_ms <= 7075);
	f.retry_after = "Thu, 01 Jan 2026 00:00:30 GMT"; /* an HTTP date, against Date */
	f.date = "Thu, 01 Jan 2026 00:00:10 GMT";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.delay_ms >= 20025 && d.delay_ms <= 20075);
	f.date = NULL; /* against the local clock (2026-01-01T00:00:00Z) */
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.delay_ms >= 30025 && d.delay_ms <= 30075);
	f = answer(429);
	f.ratelimit_reset = "1767225612"; /* Unix time, minus Date */
	f.date = "Thu, 01 Jan 2026 00:00:02 GMT";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.told);
	assert_true(d.delay_ms >= 10025 && d.delay_ms <= 10075);
	f.ratelimit_reset = "1767225600"; /* already past */
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_true(d.delay_ms <= 75);
	f = answer(429); /* says nothing: exponential backoff */
	f.retry_after = "soon";
	assert_int_equal(verdict(&f, &d), FETCH_V_RETRY);
	assert_false(d.told);
	assert_true(d.delay_ms >= 250 && d.delay_ms <= 750);
}

static void test_classify__redirects(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(301);
	f.location = "https://h/api/v4/projects/2/issues";
	assert_int_equal(verdict(&f, &d), FETCH_V_REDIRECT);
	assert_string_equal(d.location, "https://h/api/v4/projects/2/issues");
	f.redirects = FETCH_MAX_REDIRECTS;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "too many redirects"));
	static const char *const foreign[] = {"https://evil.example/api/v4/x", "http://h/api/v4/x",
					      "https://h:8443/api/v4/x"};
	for (size_t i = 0; i < 3; i++) {
		f = answer(302);
		f.location = foreign[i];
		assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
		assert_non_null(strstr(d.msg, foreign[i]));
		assert_non_null(strstr(d.msg, "refused"));
	}
	f = answer(307);
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "without a Location"));
}

static void test_json_within__counts_outside_strings(void **state)
{
	(void)state;
	const char *ok = "[{\"a\": [1, 2, {\"b\": \"[[[[,,,,{{{\\\"\"}}]";
	assert_true(fetch_json_within(ok, strlen(ok), 4, 100));
	assert_false(fetch_json_within(ok, strlen(ok), 3, 100));
	assert_false(fetch_json_within("[[],[],[],[]]", 13, 4, 100));
	assert_true(fetch_json_within("[[],[],[],[]]", 13, 5, 100));
	assert_false(fetch_json_within("[1,2,3,4,5]", 11, 10, 4));
}

static void test_classify__over_the_caps(void **state)
{
	(void)state;
	struct fetch_decision d;
	struct fetch_response_facts f = answer(0);
	f.too_big = true;
	f.transport = CURLE_WRITE_ERROR;
	f.shrinkable = true; /* a listing page: delivered, the crawler asks for less */
	assert_int_equal(verdict(&f, &d), FETCH_V_OK);
	f = answer(200);
	f.too_many = true;
	f.json_valid = false;
	assert_int_equal(verdict(&f, &d), FETCH_V_FAIL);
	assert_non_null(strstr(d.msg, "arrays and objects"));
	f.shrinkable = true;
	assert_int_equal(verdict(&f, &d), FETCH_V_OK);
}

static void test_idmap__set_get_grow_and_overwrite(void **state)
{
	(void)state;
	struct i64map m = {0};
	assert_int_equal(idmap_get(&m, 7), 0); /* empty map, no table yet */
	/* enough keys to grow the table a few times; keys that collide in
	 * the low bits on purpose */
	for (int64_t k = 1; k <= 5000; k++)
		assert_int_equal(idmap_set(&m, k * 1024, (int)(k % 250) + 1), 0);
	assert_int_equal(m.n, 5000);
	for (int64_t k = 1; k <= 5000; k++)
		assert_int_equal(idmap_get(&m, k * 1024), (int)(k % 250) + 1);
	assert_int_equal(idmap_get(&m, 1023), 0);
	assert_int_equal(idmap_get(&m, INT64_MAX), 0);
	assert_int_equal(idmap_set(&m, 2048, 9), 0);
	assert_int_equal(idmap_get(&m, 2048), 9);
	assert_int_equal(m.n, 5000); /* overwritten, not added */
	assert_int_equal(idmap_set(&m, INT64_MAX, 3), 0);
	assert_int_equal(idmap_get(&m, INT64_MAX), 3);
	idmap_free(&m);
}

static void test_expand_heap__smaller_hops_first_then_fifo(void **state)
{
	(void)state;
	struct expand_heap h = {0};
	/* hops 3,1,2,1,0,3,... with issue ids in push order */
	static const int64_t hops[] = {3, 1, 2, 1, 0, 3, 2, 0, 1, 5, 4, 0};
	size_t n = sizeof hops / sizeof hops[0];
	for (int round = 0; round < 40; round++) /* enough to grow past 256 */
		for (size_t i = 0; i < n; i++) {
			struct expand e = {(int64_t)(round * 100 + (int)i), 1, 1, hops[i], 99};
			assert_int_equal(expand_heap_push(&h, e), 0);
		}
	assert_int_equal(h.n, 40 * n);
	int64_t last_hop = -1, last_id = -1;
	uint64_t last_seq = 0;
	for (size_t k = 0; k < 40 * n; k++) {
		struct expand e = expand_heap_pop(&h);
		assert_true(e.hop >= last_hop);
		if (e.hop == last_hop) {
			/* pushed earlier comes out earlier */
			assert_true(e.seq > last_seq);
			assert_true(e.issue_id > last_id);
		}
		last_hop = e.hop;
		last_seq = e.seq;
		last_id = e.issue_id;
	}
	assert_int_equal(h.n, 0);
	assert_int_equal(last_hop, 5);
	free(h.v);
}

static void test_json_get__types_absent_and_null(void **state)
{
	(void)state;
	struct json_object *o = json_tokener_parse(
	    "{\"id\": 12, \"big\": 9007199254740993, \"s\": \"x\", \"f\": 1.5, \"t\": true, "
	    "\"n\": null, \"zs\": \"\", \"a\": [1]}");
	assert_non_null(o);
	int64_t v = -1;
	assert_true(fetch_jint(o, "id", &v));
	assert_int_equal(v, 12);
	assert_true(fetch_jint(o, "big", &v));
	assert_true(v == 9007199254740993LL);
	v = -1;
	assert_false(fetch_jint(o, "s", &v)); /* a string is not an integer */
	assert_false(fetch_jint(o, "f", &v));
	assert_false(fetch_jint(o, "n", &v));
	assert_false(fetch_jint(o, "missing", &v));
	assert_false(fetch_jint(NULL, "id", &v));
	assert_int_equal(v, -1); /* untouched when false */
	assert_string_equal(fetch_jstr(o, "s"), "x");
	assert_string_equal(fetch_jstr(o, "zs"), "");
	assert_null(fetch_jstr(o, "id"));
	assert_null(fetch_jstr(o, "n"));
	assert_null(fetch_jstr(o, "missing"));
	assert_null(fetch_jstr(NULL, "s"));
	assert_true(fetch_jbool(o, "t"));
	assert_false(fetch_jbool(o, "n"));
	assert_false(fetch_jbool(o, "missing"));
	assert_false(fetch_jbool(NULL, "t"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link__gitlab_header_gives_next),
	    cmocka_unit_test(test_link__no_next_on_last_page),
	    cmocka_unit_test(test_link__rel_lists_case_and_unquoted),
	    cmocka_unit_test(test_link__commas_in_url_and_other_params),
	    cmocka_unit_test(test_link__garbage_is_no_next),
	    cmocka_unit_test(test_url__normalize),
	    cmocka_unit_test(test_url__normalize_is_idempotent_with_repeated_api_v4),
	    cmocka_unit_test(test_url__normalize_refuses_encoded_or_control_bytes_in_host),
	    cmocka_unit_test(test_url__refusals_name_the_part_never_the_secret),
	    cmocka_unit_test(test_url__plain_http_rule),
	    cmocka_unit_test(test_url__same_origin),
	    cmocka_unit_test(test_token__sources_and_ci_job_token),
	    cmocka_unit_test(test_store_crawl__frontier_reset_and_prune),
	    cmocka_unit_test(test_origin__next_link_keeps_only_path_and_query),
	    cmocka_unit_test(test_origin__refuses_paths_outside_the_api),
	    cmocka_unit_test(test_time__rfc3339),
	    cmocka_unit_test(test_list__follows_next_until_the_last_page),
	    cmocka_unit_test(test_list__offset_limit_continues_with_updated_after),
	    cmocka_unit_test(test_list__x_page_cannot_overflow_or_hold_it_back),
	    cmocka_unit_test(test_list__repeats_long_urls_and_bad_times_fail),
	    cmocka_unit_test(test_classify__statuses),
	    cmocka_unit_test(test_classify__first_contact_fails_at_once_with_a_hint),
	    cmocka_unit_test(test_classify__401_403_carry_gitlabs_message_bounded),
	    cmocka_unit_test(test_classify__transport_errors),
	    cmocka_unit_test(test_classify__backoff_grows_with_bounded_jitter),
	    cmocka_unit_test(test_classify__tries_and_time_run_out),
	    cmocka_unit_test(test_classify__429_waits),
	    cmocka_unit_test(test_classify__redirects),
	    cmocka_unit_test(test_json_within__counts_outside_strings),
	    cmocka_unit_test(test_classify__over_the_caps),
	    cmocka_unit_test(test_idmap__set_get_grow_and_overwrite),
	    cmocka_unit_test(test_expand_heap__smaller_hops_first_then_fifo),
	    cmocka_unit_test(test_json_get__types_absent_and_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
