/*
 * The --baseline and --ignore-deps files (input_files.h): strict readers
 * that name the line or the key of what is wrong, and promise their
 * callers the shape they checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "input_files.h"
#include "store.h"

static int fail(int code, char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int code, char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return code;
}

int cli_input_read(const char *path, char **buf, size_t *len, char *why, size_t why_len)
{
	*buf = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(CLI_INPUT_EINVAL, why, why_len, "%s", strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return fail(CLI_INPUT_EINVAL, why, why_len, "is a directory");
	}
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	int rc = b ? 0 : fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
	while (rc == 0) {
		if (n == cap - 1) {
			char *nb = cap > CLI_INPUT_FILE_MAX ? NULL : realloc(b, cap * 2);
			if (!nb) {
				rc = cap > CLI_INPUT_FILE_MAX
					 ? fail(CLI_INPUT_EINVAL, why, why_len,
						"larger than the %zu MiB limit",
						CLI_INPUT_FILE_MAX >> 20)
					 : fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = fail(CLI_INPUT_EINVAL, why, why_len, "cannot read: %s",
					  strerror(errno ? errno : EIO));
			break;
		}
	}
	fclose(f);
	if (rc == 0 && n > CLI_INPUT_FILE_MAX)
		rc = fail(CLI_INPUT_EINVAL, why, why_len, "larger than the %zu MiB limit",
			  CLI_INPUT_FILE_MAX >> 20);
	if (rc) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* "line L, column C" of byte off of buf (1-based). */
static void where(const char *buf, size_t off, char *out, size_t out_len)
{
	unsigned long line = 1, col = 1;
	for (size_t k = 0; k < off; k++) {
		if (buf[k] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(out, out_len, "line %lu, column %lu", line, col);
}

/* ---- baseline -------------------------------------------------------------- */

/* The first raw control character (U+0000..U+001F) inside a JSON string
 * of buf[0..len), which json-c's tokener takes even in strict mode; len
 * when none. */
static size_t raw_control_in_string(const char *buf, size_t len)
{
	bool in_string = false, escaped = false;
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)buf[k];
		if (!in_string)
			in_string = c == '"';
		else if (escaped)
			escaped = false;
		else if (c == '\\')
			escaped = true;
		else if (c == '"')
			in_string = false;
		else if (c < 0x20)
			return k;
	}
	return len;
}

static bool json_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A key's value must be a ref: NULL when it is, else why not. */
static const char *ref_problem(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return "expected a ref (a string such as group/app#1)";
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return "not a ref (expected group/app#1)";
	char *path = NULL;
	int64_t iid = 0;
	int rc = store_ref_parse(json_object_get_string(v), &path, &iid);
	free(path);
	if (rc == STORE_ENOMEM)
		return "out of memory";
	return rc ? "not a ref (expected group/app#1)" : NULL;
}

static int check_entry(struct json_object *f, size_t i, char *why, size_t why_len)
{
	static const char *const kinds[] = {"knots", "conflicts", "closed-blocked", "new-knots",
					    "new-conflicts"};
	struct json_object *kind = NULL, *v = NULL;
	const char *p;
	if (!json_object_is_type(f, json_type_object))
		return fail(CLI_INPUT_EINVAL, why, why_len, "findings[%zu]: expected an object", i);
	if (!json_object_object_get_ex(f, "kind", &kind))
		return fail(CLI_INPUT_EINVAL, why, why_len, "findings[%zu].kind: missing", i);
	if (!json_object_is_type(kind, json_type_string))
		return fail(CLI_INPUT_EINVAL, why, why_len, "findings[%zu].kind: expected a string",
			    i);
	const char *k = json_object_get_string(kind);
	size_t which = 0;
	while (which < sizeof kinds / sizeof *kinds && strcmp(k, kinds[which]) != 0)
		which++;
	if (which == sizeof kinds / sizeof *kinds ||
	    strlen(k) != (size_t)json_object_get_string_len(kind))
		return fail(CLI_INPUT_EINVAL, why, why_len,
			    "findings[%zu].kind: unknown finding kind (expected knots, conflicts, "
			    "closed-blocked, new-knots or new-conflicts)",
			    i);
	if (which == 0 || which == 3) {
		if (!json_object_object_get_ex(f, "issues", &v))
			return fail(CLI_INPUT_EINVAL, why, why_len,
				    "findings[%zu].issues: missing (a knot lists its issues)", i);
		if (!json_object_is_type(v, json_type_array))
			return fail(CLI_INPUT_EINVAL, why, why_len,
				    "findings[%zu].issues: expected an array of refs", i);
		size_t n = json_object_array_length(v);
		for (size_t j = 0; j < n; j++) {
			if ((p = ref_problem(json_object_array_get_idx(v, j))))
				return fail(strcmp(p, "out of memory") ? CLI_INPUT_EINVAL
								       : CLI_INPUT_ENOMEM,
					    why, why_len, "findings[%zu].issues[%zu]: %s", i, j, p);
		}
	} else if (which == 1 || which == 4) {
		static const char *const ends[] = {"blocker", "blocked"};
		for (int e = 0; e < 2; e++) {
			if (!json_object_object_get_ex(f, ends[e], &v))
				return fail(CLI_INPUT_EINVAL, why, why_len,
					    "findings[%zu].%s: missing (a conflict names its "
					    "blocker and blocked)",
					    i, ends[e]);
			if ((p = ref_problem(v)))
				return fail(strcmp(p, "out of memory") ? CLI_INPUT_EINVAL
								       : CLI_INPUT_ENOMEM,
					    why, why_len, "findings[%zu].%s: %s", i, ends[e], p);
		}
	}
	return 0;
}

int cli_baseline_parse(const char *buf, size_t len, struct json_object **out, char *why,
		       size_t why_len)
{
	char at[64];
	*out = NULL;
	if (len > CLI_INPUT_FILE_MAX)
		return fail(CLI_INPUT_EINVAL, why, why_len, "larger than the %zu MiB limit",
			    CLI_INPUT_FILE_MAX >> 20);
	size_t lead = 0;
	while (lead < len && json_blank(buf[lead]))
		lead++;
	if (lead == len)
		return fail(CLI_INPUT_EINVAL, why, why_len,
			    "empty (a baseline is check's JSON: {\"findings\": [...]})");
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* the NUL at buf[len] tells the tokener where the input ends (else a
	 * top-level literal or number at the end waits for more) */
	struct json_object *root = json_tokener_parse_ex(tok, buf, (int)len + 1);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	if (end > len)
		end = len;
	json_tokener_free(tok);
	if (e != json_tokener_success) {
		json_object_put(root);
		if (e == json_tokener_continue) {
			where(buf, len, at, sizeof at);
			return fail(CLI_INPUT_EINVAL, why, why_len,
				    "%s: not valid JSON: unexpected end of input", at);
		}
		where(buf, end, at, sizeof at);
		return fail(CLI_INPUT_EINVAL, why, why_len, "%s: not valid JSON: %s", at,
			    json_tokener_error_desc(e));
	}
	size_t bad = raw_control_in_string(buf, end);
	if (bad < end) {
		json_object_put(root);
		where(buf, bad, at, sizeof at);
		return fail(CLI_INPUT_EINVAL, why, why_len,
			    "%s: not valid JSON: a raw control character (0x%02X) in a string", at,
			    (unsigned char)buf[bad]);
	}
	while (end < len && json_blank(buf[end]))
		end++;
	if (end < len) {
		json_object_put(root);
		where(buf, end, at, sizeof at);
		return fail(CLI_INPUT_EINVAL, why, why_len,
			    "%s: not valid JSON: data after the JSON document", at);
	}
	struct json_object *list = NULL;
	int rc = 0;
	if (!json_object_is_type(root, json_type_object))
		rc = fail(CLI_INPUT_EINVAL, why, why_len,
			  "not a findings file: the top level is not an object (expected check's "
			  "JSON: {\"findings\": [...]})");
	else if (!json_object_object_get_ex(root, "findings", &list))
		rc = fail(CLI_INPUT_EINVAL, why, why_len,
			  "findings: missing (expected check's JSON: {\"findings\": [...]})");
	else if (!json_object_is_type(list, json_type_array))
		rc = fail(CLI_INPUT_EINVAL, why, why_len, "findings: expected an array");
	for (size_t i = 0; rc == 0 && i < json_object_array_length(list); i++)
		rc = check_entry(json_object_array_get_idx(list, i), i, why, why_len);
	if (rc) {
		json_object_put(root);
		return rc;
	}
	*out = root;
	return 0;
}

/* ---- ignore-deps ------------------------------------------------------------- */

void cli_ignore_pairs_free(struct cli_ignore_pair *pairs, size_t n)
{
	if (!pairs)
		return;
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].path[0]);
		free(pairs[i].path[1]);
	}
	free(pairs);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int cli_ignore_parse(const char *buf, size_t len, struct cli_ignore_pair **pairs, size_t *n,
		     char *why, size_t why_len)
{
	struct cli_ignore_pair *v = NULL;
	size_t count = 0, alloc = 0;
	char *word = NULL;
	int rc = 0;
	long lineno = 0;
	if (pairs) {
		*pairs = NULL;
		*n = 0;
	}
	for (size_t pos = 0; rc == 0 && pos < len;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (memchr(line, '\0', ll)) {
			rc = fail(CLI_INPUT_EINVAL, why, why_len, "line %ld: a NUL byte", lineno);
			break;
		}
		/* '#' inside a ref ("g/a#1") is not a comment: a comment
		 * starts at a '#' that begins the line or follows a blank */
		for (size_t k = 0; k < ll; k++) {
			if (line[k] == '#' &&
			    (k == 0 || line[k - 1] == ' ' || line[k - 1] == '\t')) {
				ll = k;
				break;
			}
		}
		const char *w[3];
		size_t wl[3];
		int nw = 0;
		for (size_t k = 0; k < ll && nw < 3;) {
			while (k < ll && blank(line[k]))
				k++;
			if (k == ll)
				break;
			w[nw] = line + k;
			while (k < ll && !blank(line[k]))
				k++;
			wl[nw] = (size_t)(line + k - w[nw]);
			nw++;
		}
		if (nw == 0)
			continue;
		struct cli_ignore_pair p = {{NULL, NULL}, {0, 0}, lineno};
		int bad = nw != 2;
		for (int e = 0; !bad && e < 2; e++) {
			free(word);
			if (!(word = strndup(w[e], wl[e]))) {
				rc = fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
				break;
			}
			int r = store_ref_parse(word, &p.path[e], &p.iid[e]);
			if (r == STORE_ENOMEM)
				rc = fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
			bad = r != 0;
		}
		if (rc == 0 && bad)
			rc =
			    fail(CLI_INPUT_EINVAL, why, why_len,
				 "line %ld: expected two refs 'A B' (A blocks B), e.g. group/app#1 "
				 "group/app#2",
				 lineno);
		if (rc == 0 && pairs && count == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct cli_ignore_pair *nv = realloc(v, na * sizeof *nv);
			if (!nv)
				rc = fail(CLI_INPUT_ENOMEM, why, why_len, "out of memory");
			else
				v = nv, alloc = na;
		}
		if (rc || !pairs) {
			free(p.path[0]);
			free(p.path[1]);
			continue;
		}
		v[count++] = p;
	}
	free(word);
	if (rc) {
		cli_ignore_pairs_free(v, count);
		return rc;
	}
	if (pairs) {
		*pairs = v;
		*n = count;
	}
	return 0;
}
