/*
 * The --baseline and --ignore-deps files, read and checked with no store
 * and no output, so that tests/fuzz can feed them anything (the fuzz
 * targets compile input_files.c themselves). SPEC "Exit codes": a file
 * that is missing or not what it should be exits 5 naming the file and
 * the line or key; the callers in cli/ print and pick that code.
 */
#ifndef ISSUEGRAPH_CLI_INPUT_FILES_H
#define ISSUEGRAPH_CLI_INPUT_FILES_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* The largest input file read (a baseline or an ignore list is a few KB). */
#define CLI_INPUT_FILE_MAX ((size_t)16 << 20)

enum cli_input_status {
	CLI_INPUT_OK = 0,
	CLI_INPUT_EINVAL = -1, /* not what it should be: why says where and what */
	CLI_INPUT_ENOMEM = -2,
};

/* The whole of file path (at most CLI_INPUT_FILE_MAX bytes) in *buf,
 * NUL-terminated (caller frees), *len its length without the NUL.
 * Returns 0, or CLI_INPUT_EINVAL (cannot open or read, too large) or
 * CLI_INPUT_ENOMEM with why set. */
int cli_input_read(const char *path, char **buf, size_t *len, char *why, size_t why_len);

/*
 * A baseline file (SPEC "Changes", Ratchet): a JSON object whose
 * "findings" is an array of objects, each with a "kind" among knots,
 * conflicts, closed-blocked, new-knots and new-conflicts; a knot with
 * "issues", an array of refs; a conflict with "blocker" and "blocked",
 * refs. Other keys are ignored. Strict JSON: RFC 8259 (a raw control
 * character inside a string included), valid UTF-8, nothing after it.
 *
 * buf[len] must be a NUL (as cli_input_read() leaves it). On 0, *out is
 * the document (caller puts it) and every entry has the
 * shape above, so a reader may take the types for granted. Else *out is
 * NULL, the code is CLI_INPUT_EINVAL or CLI_INPUT_ENOMEM and why names the
 * line and column (JSON syntax) or the key (e.g. "findings[2].kind").
 */
int cli_baseline_parse(const char *buf, size_t len, struct json_object **out, char *why,
		       size_t why_len);

/* One line "A B" of an --ignore-deps file: A blocks B. */
struct cli_ignore_pair {
	char *path[2];
	int64_t iid[2];
	long line; /* 1-based line of the file */
};

/*
 * An --ignore-deps file (SPEC "Text dependencies"): each line two refs
 * "A B" separated by blanks (space, tab; a CR at the end of a line is a
 * blank too), or blank; a line whose first non-blank character is '#' is
 * a comment, and so is the rest of a line from a '#' that follows a blank.
 * A NUL byte anywhere is refused (it would hide the rest of its line).
 *
 * With pairs non-NULL, *pairs gets the pairs in file order (caller frees
 * with cli_ignore_pairs_free()) and *n their number; with pairs NULL the
 * file is only checked. Returns 0, or CLI_INPUT_EINVAL with why naming
 * the line, or CLI_INPUT_ENOMEM; nothing is returned on an error.
 */
int cli_ignore_parse(const char *buf, size_t len, struct cli_ignore_pair **pairs, size_t *n,
		     char *why, size_t why_len);
/* Free what cli_ignore_parse() returned (NULL-safe). */
void cli_ignore_pairs_free(struct cli_ignore_pair *pairs, size_t n);

#endif
