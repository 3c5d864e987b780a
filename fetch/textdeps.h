/*
 * textdeps: dependencies written in an issue description (SPEC "Text
 * dependencies", grammar version 2). Pure: no I/O, no globals; linear in
 * the input (one forward pass per line, plus one open heading list); safe on
 * any bytes (NUL bytes inside [0,len) are ordinary bytes).
 *
 * Where the SPEC leaves a choice open, this module decides (the unit test
 * and the Python oracle tests/e2e/textdeps_oracle.py pin each one):
 * - Block rules look at the line start only: a fence or a `>` quote needs
 *   0-3 spaces (a tab is not a space); a backtick fence whose info string
 *   holds a backtick is no fence (CommonMark); a closing fence is the fence
 *   character at least as long, then only spaces or tabs. A `>>>` line
 *   opens a GitLab quote only when a later line is exactly `>>>` too (else
 *   it is a plain `>` quote line).
 * - Inline rules work left to right on one line (a code span or struck
 *   text never crosses a line end); the first opener wins: a
 *   backtick run closed by the next run of the same length, a run of
 *   exactly two tildes closed by the next run of exactly two, `<!--` closed
 *   by the next `-->` (on this or a later line; unclosed: to the end). An
 *   unclosed backtick or tilde run is literal text. An HTML comment hides
 *   block rules of the lines it covers.
 * - An excluded region splits the line: no phrase spans it and it ends a
 *   reference list.
 * - `_` is a word character: no phrase (nor heading word, nor end word)
 *   starts or ends beside one (`_Blocked by_ #2` reads nothing). After N
 *   only, a `_` / `__` run with a non-word character (or the line's end)
 *   beyond it counts as a boundary (emphasis closing a reference, `_#2_`).
 *   The start of a visible segment counts as a word boundary.
 * - Between the phrase and the list: spaces, tabs, emphasis runs (`*`, `**`,
 *   `_`, `__`, maximal runs) and at most one `:`. Separators: one or more
 *   of space, tab, `,`, emphasis runs and the word `and`, taken greedily.
 *   A reference may be wrapped as `(REF)`. The list ends after the last
 *   reference read.
 * - A project path segment is [A-Za-z0-9_][A-Za-z0-9_.-]*. N is 1 to
 *   INT64_MAX (leading zeros allowed); `#0` is no reference.
 * - Issue URL: http or https (any case), host [A-Za-z0-9.-]+, optional
 *   :port (default port and leading zeros dropped), then the path. The
 *   longest matching origin prefix wins. The full path is the segments
 *   before the first `-`, `issues` or `work_items` segment; a first segment
 *   `groups` is no reference. A sub-path, query or fragment (starting with
 *   `/`, `?` or `#`) runs to a space, tab, `<`, `>`, `(` or `)`. In a link
 *   `[text](URL)` the text holds no `[` or `]`.
 * - Scanning resumes after a list's last reference (read or not), so a
 *   phrase inside a reference of a list (g/needs#3) is not a phrase.
 * - Skip words: one of the SPEC's words at an item's start, then one or
 *   more spaces or tabs, then the reference (its words apart by spaces or
 *   tabs: `pull  request`). `issue#2` is the reference g/issue#2.
 * - Conditional phrases: after the list's last reference, closing
 *   emphasis runs, then one or more spaces or tabs, an optional auxiliary
 *   (its words and the end word apart by spaces or tabs) and the end word.
 * - Subject rule: the gap before the phrase is spaces, tabs and subject
 *   words (each a whole run of non-blanks); the run of bytes other than
 *   space and tab that ends where the gap begins (within the visible
 *   segment) must be exactly one reference, not in parentheses: so
 *   `(#5 is blocked by #2` and `[the bug](URL) is blocked by #2` (a link
 *   text with a space) read #2.
 * - Heading lists: a heading is up to 3 spaces, 1-6 `#`, one or more spaces
 *   or tabs; a label line may have any spaces or tabs around it; the words
 *   (separated as a phrase's) may be wrapped in `*` or `**`, the `:` inside
 *   or outside. An item is up to 3 spaces, a marker (`N` of 1-9 digits),
 *   one or more spaces or tabs, optionally a task box and one or more
 *   spaces or tabs. A blank line holds only spaces or tabs. A line of a
 *   fence, a quote, a GitLab quote or an HTML comment ends the list. The
 *   item's list is read in the line's first visible segment; phrases are
 *   then looked for after it.
 */
#ifndef ISSUEGRAPH_TEXTDEPS_H
#define ISSUEGRAPH_TEXTDEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The version of the grammar this module reads (SPEC "Text dependencies"):
 * kept in the store as a crawl option, so that a store read under another
 * version is read again in full. */
#define TEXTDEPS_GRAMMAR 2

struct textdeps_ctx {
	const char *project_path;   /* T's project path, e.g. "g/sub/app" (not NULL) */
	int64_t iid;		    /* T's iid (a reference to T is ignored) */
	const char *const *origins; /* instance origins that make an issue URL a
				       reference, normalised as
				       scheme://host[:port][/path-prefix] (lower-case
				       scheme and host, default port dropped, no
				       trailing slash) */
	size_t n_origins;
	size_t max_refs; /* distinct references read at most; 0 = 500 */
};

struct textdep {
	const char *project_path; /* full project path of R; owned by the result */
	int64_t iid;		  /* R's iid */
	bool blocks;		  /* true: T blocks R; false: R blocks T */
	uint32_t line;		  /* 1-based line of the description */
	const char *phrase;	  /* static lower-case phrase as the SPEC spells it
				     ("blocked by", "waiting on", "part of", ...);
				     for an item of a heading list, the heading's
				     words ("blockers", "depends on") */
};

struct textdeps {
	size_t count;
	struct textdep *items; /* distinct (project_path, iid, blocks), each with
				  its smallest line (and that line's phrase: the
				  first on the line), sorted by project_path
				  bytewise, iid, blocks (false first) */
	size_t dropped;	       /* distinct references beyond max_refs */
	/* private storage (one arena for the strings) */
	char *priv_arena;
};

/* Returns 0 or -1 (out of memory; *out is then empty). Release with
 * textdeps_release() (NULL-safe, idempotent). "Distinct references" for
 * max_refs are distinct (project_path, iid) pairs in text order; a
 * reference to a pair already read is kept past the cap. */
int textdeps_extract(const char *text, size_t len, const struct textdeps_ctx *ctx,
		     struct textdeps *out);
void textdeps_release(struct textdeps *d);

/* Normalise an origin for ctx->origins ("HTTPS://Host:443/" ->
 * "https://host"); malloc'd result or NULL (not an http(s) URL with a host,
 * or out of memory). Query and fragment are dropped. */
char *textdeps_origin(const char *url);

#endif
