/* store_ref_parse: "<project path>#<iid>". An accepted ref must be what
 * store.h promises: the path is the text before the last '#', made of
 * [A-Za-z0-9_.-] segments, and the iid prints back to the same digits. */
#include <inttypes.h>

#include "fuzz_util.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *ref = fuzz_cstr(data, size);
	char *path = NULL;
	int64_t iid = -1;
	int rc = store_ref_parse(ref, &path, &iid);
	if (rc == 0) {
		char back[64];
		if (!path || iid < 1)
			fuzz_fail("accepted ref without path or with iid < 1", ref);
		const char *hash = strrchr(ref, '#');
		snprintf(back, sizeof back, "%" PRId64, iid);
		if ((size_t)(hash - ref) != strlen(path) || strncmp(ref, path, strlen(path)) != 0 ||
		    strcmp(hash + 1, back) != 0)
			fuzz_fail("accepted ref does not split back into path#iid", ref);
		for (const char *p = path; *p; p++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
				    "_.-/",
				    *p))
				fuzz_fail("accepted path holds a character outside [A-Za-z0-9_.-/]",
					  ref);
		if (store_ref_cmp(path, iid, path, iid) != 0)
			fuzz_fail("a ref does not compare equal to itself", ref);
		free(path);
	} else if (rc != STORE_EINVAL || path != NULL || iid != -1) {
		fuzz_fail("refused ref returned another code or touched the outputs", ref);
	}
	free(ref);
	return 0;
}
