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

#include "fetch.h"
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
	    cmocka_unit_test(test_url__plain_http_rule),
	    cmocka_unit_test(test_url__same_origin),
	    cmocka_unit_test(test_token__sources_and_ci_job_token),
	    cmocka_unit_test(test_store_crawl__frontier_reset_and_prune),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
