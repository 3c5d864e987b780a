/* cli_ignore_parse (cli/input_files.c), the --ignore-deps file's reader.
 * Beyond "no crash, no UB, no leak":
 *   - the result is 0, CLI_INPUT_EINVAL (with a one-line reason naming
 *     a line of the input) or CLI_INPUT_ENOMEM;
 *   - checking alone (pairs NULL) gives the same answer as reading;
 *   - every pair is two refs that print back as "path#iid" and parse to
 *     the same, with lines increasing and within the input. */
#include <inttypes.h>

#include "fuzz_util.h"
#include "input_files.h"
#include "store.h"

static void check_ref(const char *path, int64_t iid)
{
	char buf[4096];
	int n = snprintf(buf, sizeof buf, "%s#%" PRId64, path, iid);
	if (n < 0 || (size_t)n >= sizeof buf)
		return;
	char *p2 = NULL;
	int64_t i2 = 0;
	if (store_ref_parse(buf, &p2, &i2) == STORE_ENOMEM)
		return;
	if (!p2 || strcmp(p2, path) != 0 || i2 != iid)
		fuzz_fail("a pair's ref does not parse back to itself", buf);
	free(p2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_ignore_pair *pairs = NULL;
	size_t n = 0;
	char why[256] = "", why2[256] = "";
	int rc = cli_ignore_parse((const char *)data, size, &pairs, &n, why, sizeof why);
	int rc2 = cli_ignore_parse((const char *)data, size, NULL, NULL, why2, sizeof why2);
	if (rc == CLI_INPUT_ENOMEM || rc2 == CLI_INPUT_ENOMEM) {
		cli_ignore_pairs_free(pairs, n);
		return 0;
	}
	if (rc != rc2 || (rc && strcmp(why, why2) != 0))
		fuzz_fail("checking and reading disagree", why);
	if (rc != 0) {
		if (rc != CLI_INPUT_EINVAL)
			fuzz_fail("neither 0 nor CLI_INPUT_EINVAL", why);
		if (pairs || n)
			fuzz_fail("a refusal returned pairs", why);
		if (strncmp(why, "line ", 5) != 0 || strchr(why, '\n'))
			fuzz_fail("a refusal without a one-line reason naming the line", why);
		return 0;
	}
	long lines = 1;
	for (size_t k = 0; k < size; k++)
		lines += data[k] == '\n';
	long last = 0;
	for (size_t i = 0; i < n; i++) {
		if (pairs[i].line <= last || pairs[i].line > lines)
			fuzz_fail("pair lines not increasing within the input", pairs[i].path[0]);
		last = pairs[i].line;
		for (int e = 0; e < 2; e++) {
			if (pairs[i].iid[e] < 1)
				fuzz_fail("a pair's iid below 1", pairs[i].path[e]);
			check_ref(pairs[i].path[e], pairs[i].iid[e]);
		}
	}
	cli_ignore_pairs_free(pairs, n);
	return 0;
}
