/* fetch_link_next: the one hand-written parser of fetch/. The next URL it
 * returns must be the text between a '<' and the following '>' of the
 * header, without '>' itself. */
#include "fetch.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = fuzz_cstr(data, size);
	char *next = (char *)h; /* must be overwritten */
	int rc = fetch_link_next(h, &next);
	if (rc != 0 && rc != FETCH_ENOMEM)
		fuzz_fail("unexpected return code", h);
	if (rc == 0 && next) {
		if (next == h)
			fuzz_fail("*out not set", h);
		if (strchr(next, '>'))
			fuzz_fail("next URL holds '>'", next);
		/* it is a substring of the header that follows a '<' */
		const char *at = h;
		bool found = false;
		while ((at = strchr(at, '<')) != NULL) {
			at++;
			size_t n = strlen(next);
			if (strncmp(at, next, n) == 0 && at[n] == '>') {
				found = true;
				break;
			}
		}
		if (!found)
			fuzz_fail("next URL is not a <...> of the header", next);
		free(next);
	} else if (rc == 0 && next != NULL) {
		fuzz_fail("unreachable", h);
	}
	free(h);
	return 0;
}
