/* Refs: "<project path>#<iid>", parsed and ordered as the SPEC says. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static bool path_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* One or more '/'-separated non-empty segments of path_char, none
 * starting with '-' or '.'. */
static bool valid_path(const char *p, size_t n)
{
	if (n == 0)
		return false;
	bool seg_start = true;
	for (size_t k = 0; k < n; k++) {
		char c = p[k];
		if (c == '/') {
			if (seg_start)
				return false; /* empty segment */
			seg_start = true;
			continue;
		}
		if (!path_char(c))
			return false;
		if (seg_start && (c == '-' || c == '.'))
			return false;
		seg_start = false;
	}
	return !seg_start; /* no trailing '/' */
}

int store_ref_parse(const char *ref, char **path_out, int64_t *iid_out)
{
	if (!ref)
		return STORE_EINVAL;
	const char *hash = strrchr(ref, '#');
	if (!hash || !valid_path(ref, (size_t)(hash - ref)))
		return STORE_EINVAL;
	const char *d = hash + 1;
	if (*d < '1' || *d > '9')
		return STORE_EINVAL; /* empty, sign, or leading zero */
	int64_t iid = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return STORE_EINVAL;
		int digit = *d - '0';
		if (iid > (INT64_MAX - digit) / 10)
			return STORE_EINVAL;
		iid = iid * 10 + digit;
	}
	char *path = strndup(ref, (size_t)(hash - ref));
	if (!path)
		return STORE_ENOMEM;
	*path_out = path;
	*iid_out = iid;
	return 0;
}

int store_ref_cmp(const char *path_a, int64_t iid_a, const char *path_b, int64_t iid_b)
{
	int c = strcmp(path_a, path_b); /* strcmp compares as unsigned char: bytewise */
	if (c)
		return c < 0 ? -1 : 1;
	return (iid_a > iid_b) - (iid_a < iid_b);
}
