/* store_import_json, the strict reader of GitLab JSON (snapshots), on one
 * in-memory store reused across inputs. Beyond "no crash, no UB, no
 * leak" it checks the SPEC's promises:
 *   - the result is 0 or STORE_EINVAL (or out of memory), with a message;
 *   - a refused import leaves the store as it was (all or nothing);
 *   - an accepted one exports, and export -> import -> export is
 *     byte-identical. */
#include "fuzz_util.h"
#include "store.h"

static struct store *st;
static char *before; /* export of the store's current contents */
static size_t before_len;

static char *export_all(size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		abort();
	int rc = store_export_json(st, f);
	if (fclose(f) != 0 || rc != 0)
		fuzz_fail("export failed", store_errmsg(st));
	return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (store_open(&st, ":memory:", STORE_OPEN_CREATE) != 0) {
		fprintf(stderr, "fuzz_import: cannot open an in-memory store: %s\n",
			store_errmsg(NULL));
		abort();
	}
	static const char seed[] =
	    "{\"version\":1,\"source\":\"https://h\",\"projects\":[{\"id\":1,"
	    "\"path_with_namespace\":\"g/a\",\"web_url\":null}],\"issues\":[{\"id\":7,"
	    "\"project_id\":1,\"iid\":1,\"title\":\"t\",\"state\":\"opened\","
	    "\"confidential\":false,\"created_at\":\"2026-01-01T00:00:00Z\","
	    "\"updated_at\":\"2026-01-01T00:00:00Z\"}],\"links\":[]}";
	if (store_import_json(st, seed, sizeof seed - 1) != 0) {
		fprintf(stderr, "fuzz_import: the built-in seed does not import: %s\n",
			store_errmsg(st));
		abort();
	}
	before = export_all(&before_len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = store_import_json(st, (const char *)data, size);
	if (rc == STORE_ENOMEM)
		return 0;
	if (rc != 0) {
		if (rc != STORE_EINVAL)
			fuzz_fail("import: neither 0 nor STORE_EINVAL", store_errmsg(st));
		if (!*store_errmsg(st))
			fuzz_fail("import refused without a message", "");
		size_t len;
		char *now = export_all(&len);
		if (len != before_len || memcmp(now, before, len) != 0)
			fuzz_fail("a refused import changed the store", store_errmsg(st));
		free(now);
		return 0;
	}
	size_t len1, len2;
	char *one = export_all(&len1);
	if (store_import_json(st, one, len1) != 0)
		fuzz_fail("the export of an accepted snapshot does not import", store_errmsg(st));
	char *two = export_all(&len2);
	if (len1 != len2 || memcmp(one, two, len1) != 0)
		fuzz_fail("export -> import -> export is not byte-identical", one);
	free(two);
	free(before);
	before = one;
	before_len = len1;
	return 0;
}
