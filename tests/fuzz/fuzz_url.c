/* The instance URL rules of fetch/auth.c: fetch_url_normalize,
 * fetch_url_check_http and fetch_url_same_origin. The input is two URLs
 * separated by a NUL byte. A normalised URL is normalised again to
 * itself, has an http(s) scheme, no query, fragment or trailing '/', and
 * is of the same origin as itself. */
#include "fetch.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = NULL, *b = NULL, *na = NULL, *again = NULL;
	char err[FETCH_ERRMSG_SIZE];
	fuzz_split2(data, size, &a, &b);

	err[0] = '\0';
	int rc = fetch_url_normalize(a, &na, err);
	if (rc == 0) {
		if (!na)
			fuzz_fail("normalize: 0 without a URL", a);
		if (strncmp(na, "https://", 8) != 0 && strncmp(na, "http://", 7) != 0)
			fuzz_fail("normalize: not http(s)", na);
		if (strpbrk(na, "?#") || na[strlen(na) - 1] == '/')
			fuzz_fail("normalize: query, fragment or trailing '/' left", na);
		if (fetch_url_normalize(na, &again, err) != 0 || strcmp(again, na) != 0)
			fuzz_fail("normalize is not idempotent", na);
		if (!fetch_url_same_origin(na, na))
			fuzz_fail("a normalised URL is not of its own origin", na);
		bool warn = false;
		int hrc = fetch_url_check_http(na, true, &warn, err);
		if (hrc != 0)
			fuzz_fail("check_http refused a URL with allow_http", na);
		if (strncmp(na, "https://", 8) == 0 && warn)
			fuzz_fail("check_http warned about https", na);
		warn = false;
		hrc = fetch_url_check_http(na, false, &warn, err);
		if (hrc != 0 && hrc != FETCH_EREMOTE)
			fuzz_fail("check_http: unexpected code", na);
		if (hrc != 0 && strncmp(na, "https://", 8) == 0)
			fuzz_fail("check_http refused https", na);
	} else if (rc != FETCH_EUSAGE && rc != FETCH_ENOMEM) {
		fuzz_fail("normalize: unexpected code", a);
	}
	if (memchr(err, '\0', sizeof err) == NULL)
		fuzz_fail("error message not terminated", a);

	/* the raw strings, as a redirect's Location would come */
	bool warn = false;
	(void)fetch_url_check_http(a, false, &warn, err);
	(void)fetch_url_check_http(b, true, &warn, err);
	bool ab = fetch_url_same_origin(a, b), ba = fetch_url_same_origin(b, a);
	if (ab != ba)
		fuzz_fail("same_origin is not symmetric", a);

	free(again);
	free(na);
	free(a);
	free(b);
	return 0;
}
