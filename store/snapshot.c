/*
 * JSON snapshots (SPEC "JSON snapshot"): import validates every field and
 * loads the snapshot in one transaction; export streams one json-c object
 * per record with a fixed key order, so export -> import -> export is
 * byte-identical.
 *
 * Import reads the input as a stream and holds one record at a time
 * (see the reader below).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "store_internal.h"

/* SQLite page cache during an import, in KiB (3 s instead of 4.3 s for
 * 100,000 issues; more gains nothing). */
#define IMPORT_CACHE_KB 131072

/* The ids loaded so far, sorted before the next array looks them up.
 * Checking references here instead of with SQLite's foreign keys saves
 * two random reads of the issues table per link: half the import time at
 * 1,000,000 issues. */
struct idset {
	int64_t *v;
	size_t n, cap;
	/* When the ids are dense enough (GitLab's are), a bitmap over
	 * [lo, lo + span) answers with one memory access instead of a
	 * binary search's twenty. */
	uint64_t *bits;
	int64_t lo;
	uint64_t span;
};

/* Largest bitmap worth building: 64 MiB, ids spread over 512M. */
#define IDSET_MAX_SPAN ((uint64_t)1 << 29)

struct importer {
	struct store *s;
	const char *array; /* "projects", "issues", "links" */
	size_t index;
	struct idset projects, issues;
};

static int idset_add(struct importer *im, struct idset *set, int64_t id)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 1024;
		int64_t *v = cap > SIZE_MAX / sizeof *v ? NULL : realloc(set->v, cap * sizeof *v);
		if (!v)
			return store_fail(im->s, STORE_ENOMEM, "out of memory");
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Make the set ready for lookups (after the last add). */
static void idset_sort(struct idset *set)
{
	if (set->n > 1)
		qsort(set->v, set->n, sizeof *set->v, cmp_id);
	free(set->bits);
	set->bits = NULL;
	if (set->n == 0)
		return;
	/* ids are >= 1, so the difference cannot overflow */
	uint64_t span = (uint64_t)(set->v[set->n - 1] - set->v[0]) + 1;
	if (span > IDSET_MAX_SPAN)
		return; /* binary search; also when calloc fails below */
	set->bits = calloc((size_t)(span + 63) / 64, sizeof *set->bits);
	if (!set->bits)
		return;
	set->lo = set->v[0];
	set->span = span;
	for (size_t k = 0; k < set->n; k++) {
		uint64_t b = (uint64_t)(set->v[k] - set->lo);
		set->bits[b / 64] |= (uint64_t)1 << (b % 64);
	}
}

static bool idset_has(const struct idset *set, int64_t id)
{
	if (set->bits) {
		if (id < set->lo || (uint64_t)(id - set->lo) >= set->span)
			return false;
		uint64_t b = (uint64_t)(id - set->lo);
		return (set->bits[b / 64] >> (b % 64)) & 1;
	}
	return set->n && bsearch(&id, set->v, set->n, sizeof *set->v, cmp_id) != NULL;
}

/* "<array>[<index>].<field>: <why>" as the store's message; STORE_EINVAL. */
static int bad(struct importer *im, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct importer *im, const char *field, const char *fmt, ...)
{
	char why[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (im->array && field)
		return store_fail(im->s, STORE_EINVAL, "%s[%zu].%s: %s", im->array, im->index,
				  field, why);
	if (im->array)
		return store_fail(im->s, STORE_EINVAL, "%s[%zu]: %s", im->array, im->index, why);
	if (field)
		return store_fail(im->s, STORE_EINVAL, "%s: %s", field, why);
	return store_fail(im->s, STORE_EINVAL, "%s", why);
}

/* A record the decoder refused, as "<array>[<index>].<field>: <why>". */
static int refused(struct importer *im, const struct store_json_refusal *why)
{
	return bad(im, why->field[0] ? why->field : NULL, "%s", why->why);
}

static int import_project(struct importer *im, struct json_object *o)
{
	struct store_project p;
	struct store_json_refusal why;
	if (store_project_from_json(o, &p, &why))
		return refused(im, &why);
	int src = store_write_project(im->s, &p, false);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bad(im, "id", "%lld is given twice", (long long)p.id);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		return bad(im, "path_with_namespace", "\"%.80s\" is given twice", p.path);
	if (src != SQLITE_DONE)
		return store_fail_sql(im->s, src, "import");
	return idset_add(im, &im->projects, p.id);
}

static int import_issue(struct importer *im, struct json_object *o)
{
	struct store_issue i;
	struct store_json_refusal why;
	if (store_issue_from_json(o, &i, &why))
		return refused(im, &why);
	if (!idset_has(&im->projects, i.project_id))
		return bad(im, "project_id", "%lld is not a project of the snapshot",
			   (long long)i.project_id);
	int src = store_write_issue(im->s, &i, false);
	if (src == SQLITE_CONSTRAINT_PRIMARYKEY)
		return bad(im, "id", "%lld is given twice", (long long)i.id);
	if (src == SQLITE_CONSTRAINT_UNIQUE)
		return bad(im, "iid", "project %lld already has an issue with iid %lld",
			   (long long)i.project_id, (long long)i.iid);
	if (src != SQLITE_DONE)
		return store_fail_sql(im->s, src, "import");
	return idset_add(im, &im->issues, i.id);
}

static void describe_link(char *buf, size_t n, int64_t src, int64_t dst, int type)
{
	if (type == STORE_LINK_BLOCKS)
		snprintf(buf, n, "blocks %lld->%lld", (long long)src, (long long)dst);
	else
		snprintf(buf, n, "relates_to %lld<->%lld", (long long)src, (long long)dst);
}

/* The same id given again: fine for the same relation, an error otherwise. */
static int link_id_again(struct importer *im, int64_t id, int64_t src, int64_t dst, int type)
{
	static const char sql[] = "SELECT source_id, target_id, type FROM links WHERE id = ?";
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail_sql(im->s, rc, "import");
	}
	int64_t osrc = sqlite3_column_int64(st, 0), odst = sqlite3_column_int64(st, 1);
	int otype = sqlite3_column_int(st, 2);
	sqlite3_reset(st);
	if (osrc == src && odst == dst && otype == type)
		return 0;
	char other[96];
	describe_link(other, sizeof other, osrc, odst, otype);
	return bad(im, NULL, "id %lld already names a different relation (%s)", (long long)id,
		   other);
}

/* A required id field of a link object. */
static int link_id_field(struct importer *im, struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return bad(im, key, "missing");
	if (!store_json_int64(v, out) || *out < 1)
		return bad(im, key, "expected a positive integer");
	return 0;
}

static int import_link(struct importer *im, struct json_object *o)
{
	int64_t id = 0, src = 0, dst = 0;
	struct json_object *v = NULL;
	const char *kind = NULL;
	struct store_link l;
	struct store_json_refusal why;
	int rc;
	if (!json_object_is_type(o, json_type_object))
		return bad(im, NULL, "expected an object");
	if ((rc = link_id_field(im, o, "id", &id)) ||
	    (rc = link_id_field(im, o, "source_issue_id", &src)) ||
	    (rc = link_id_field(im, o, "target_issue_id", &dst)))
		return rc;
	if (!json_object_object_get_ex(o, "link_type", &v))
		return bad(im, "link_type", "missing");
	if (store_json_string(v, "link_type", &kind, &why))
		return refused(im, &why);
	if (!idset_has(&im->issues, src))
		return bad(im, "source_issue_id", "%lld is not an issue of the snapshot",
			   (long long)src);
	if (!idset_has(&im->issues, dst))
		return bad(im, "target_issue_id", "%lld is not an issue of the snapshot",
			   (long long)dst);
	if (store_link_from_json(kind, id, src, dst, &l, &why))
		return refused(im, &why);
	int src_rc = store_write_link(im->s, &l, false);
	if (src_rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return link_id_again(im, id, l.source_id, l.target_id, (int)l.type);
	if (src_rc != SQLITE_DONE)
		return store_fail_sql(im->s, src_rc, "import");
	im->s->last_import.links++;
	return 0;
}

static int import_text_dep(struct importer *im, struct json_object *o)
{
	/* Entries equal in source, target and type are one: the smallest line. */
	static const char sql[] =
	    "INSERT INTO text_deps(source_id, target_id, type, line, phrase) "
	    "VALUES(?, ?, ?, ?, ?) ON CONFLICT(source_id, target_id, type) DO UPDATE SET "
	    "phrase = CASE WHEN excluded.line < line THEN excluded.phrase ELSE phrase END, "
	    "line = min(line, excluded.line)";
	struct store_text_dep d;
	struct store_json_refusal why;
	if (store_text_dep_from_json(o, &d, &why))
		return refused(im, &why);
	if (!idset_has(&im->issues, d.source_id))
		return bad(im, "source_issue_id", "%lld is not an issue of the snapshot",
			   (long long)d.source_id);
	if (!idset_has(&im->issues, d.target_id))
		return bad(im, "target_issue_id", "%lld is not an issue of the snapshot",
			   (long long)d.target_id);
	sqlite3_stmt *st = store_stmt(im->s, sql);
	if (!st)
		return STORE_ERR;
	sqlite3_bind_int64(st, 1, d.source_id);
	sqlite3_bind_int64(st, 2, d.target_id);
	sqlite3_bind_int(st, 3, (int)d.type);
	sqlite3_bind_int64(st, 4, d.line);
	sqlite3_bind_text(st, 5, d.phrase, -1, SQLITE_STATIC);
	int src_rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (src_rc != SQLITE_DONE)
		return store_fail_sql(im->s, src_rc, "import");
	return 0;
}

/* ---- document ------------------------------------------------------------ */

/*
 * json-c only builds a whole DOM, which for a 1,000,000-issue snapshot is
 * several GB. So the reader below walks the two outer levels itself (the
 * top-level object's keys, and the elements of its arrays: only
 * whitespace and the punctuation { } [ ] , : between values) and hands
 * every record, one at a time, to json-c's tokener, fed in chunks from a
 * window over the input, which does all of the actual JSON parsing. Memory
 * stays at one record (at most STORE_IMPORT_RECORD_MAX bytes of text) plus
 * the window, whatever the size of the file. Values of unknown top-level
 * keys are checked by skip_value() without building a tree.
 */
#define READ_CHUNK ((size_t)1 << 20)

struct reader {
	FILE *fp;	   /* NULL: buf is the whole input */
	char *own;	   /* the window's storage when reading fp */
	const char *buf;   /* the window: input bytes [base, base + len) */
	size_t len, pos;   /* pos: the next byte, an index into buf */
	uint64_t base;	   /* input offset of buf[0] */
	uint64_t line;	   /* line of buf[0] (1-based) */
	uint64_t col;	   /* column of buf[0] (1-based) */
	int read_errno;	   /* reading fp failed */
	FILE *tee;	   /* while set: every byte consumed from tee_from on is copied */
	uint64_t tee_from; /* input offset */
	struct json_tokener *tok;
	bool in_string, escaped; /* raw_control()'s place in the value read */
	struct store *s;
};

/* Advance line/col over buf[0..n). */
static void count_lines(const char *b, size_t n, uint64_t *line, uint64_t *col)
{
	const char *end = b + n, *nl, *last = NULL;
	for (const char *p = b; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		++*line;
		last = nl;
	}
	if (last)
		*col = (uint64_t)(end - last);
	else
		*col += n;
}

/* Window offset -> "line L, column C" (1-based). */
static void position(const struct reader *r, size_t off, uint64_t *line, uint64_t *col)
{
	*line = r->line;
	*col = r->col;
	count_lines(r->buf, off, line, col);
}

static int syntax_error(struct reader *r, size_t off, const char *why)
{
	uint64_t line, col;
	position(r, off, &line, &col);
	return store_fail(r->s, STORE_EINVAL, "line %llu, column %llu: %s",
			  (unsigned long long)line, (unsigned long long)col, why);
}

/* Copy the window's bytes [tee_from, up to) to the tee. */
static int tee_out(struct reader *r, size_t upto)
{
	size_t from = r->tee_from > r->base ? (size_t)(r->tee_from - r->base) : 0;
	if (upto > from && fwrite(r->buf + from, 1, upto - from, r->tee) != upto - from)
		return store_fail(r->s, STORE_ERR, "cannot write a temporary file: %s",
				  strerror(errno));
	return 0;
}

/* Drop the consumed window and read the next piece: > 0 bytes read, 0 at
 * the end of input, < 0 on an error (read_errno set for a read error). */
static int fill(struct reader *r)
{
	if (!r->fp || r->read_errno)
		return 0;
	if (r->tee && tee_out(r, r->pos) < 0)
		return -1;
	count_lines(r->buf, r->pos, &r->line, &r->col);
	r->base += r->pos;
	r->len = 0;
	r->pos = 0;
	size_t got = fread(r->own, 1, READ_CHUNK, r->fp);
	if (got == 0 && ferror(r->fp)) {
		r->read_errno = errno ? errno : EIO;
		return -1;
	}
	r->len = got;
	return got > 0;
}

/* The error for input that ended (or could not be read) too early. */
static int end_error(struct reader *r)
{
	if (r->read_errno)
		return store_fail(r->s, STORE_EINVAL, "cannot read: %s", strerror(r->read_errno));
	if (r->s->errmsg[0] && r->tee && ferror(r->tee))
		return STORE_ERR;
	return syntax_error(r, r->len, "unexpected end of input");
}

static bool json_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next non-space byte (not consumed), or -1 at the end of input. */
static int peek(struct reader *r)
{
	for (;;) {
		while (r->pos < r->len && json_space(r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len)
			return (unsigned char)r->buf[r->pos];
		if (fill(r) <= 0)
			return -1;
	}
}

/* json-c's tokener (0.16, strict mode included) takes a raw control
 * character (U+0000 to U+001F) inside a string, which RFC 8259 forbids:
 * follow the strings of b[0..n) (the bytes the tokener consumed, in
 * order) and return the offset of the first such byte, or n. */
static size_t raw_control(struct reader *r, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (!r->in_string) {
			r->in_string = c == '"';
		} else if (r->escaped) {
			r->escaped = false;
		} else if (c == '\\') {
			r->escaped = true;
		} else if (c == '"') {
			r->in_string = false;
		} else if (c < 0x20) {
			return i;
		}
	}
	return n;
}

static int raw_control_error(struct reader *r, size_t off)
{
	char why[96];
	snprintf(why, sizeof why,
		 "not valid JSON: a raw control character (0x%02X) in a string "
		 "(write it escaped, e.g. \\n)",
		 (unsigned char)r->buf[off]);
	return syntax_error(r, off, why);
}

/* Parse one JSON value at r->pos with json-c and step past it. *out is the
 * value (NULL for JSON null); the caller puts it. */
static int read_value(struct reader *r, struct json_object **out)
{
	size_t fed = 0;
	*out = NULL;
	if (peek(r) < 0)
		return end_error(r);
	json_tokener_reset(r->tok);
	r->in_string = r->escaped = false;
	for (;;) {
		size_t avail = r->len - r->pos;
		if (avail == 0) {
			if (fill(r) <= 0)
				return end_error(r);
			continue;
		}
		size_t n = avail > READ_CHUNK ? READ_CHUNK : avail;
		struct json_object *v = json_tokener_parse_ex(r->tok, r->buf + r->pos, (int)n);
		enum json_tokener_error e = json_tokener_get_error(r->tok);
		if (e == json_tokener_continue) {
			json_object_put(v);
			size_t bad = raw_control(r, r->buf + r->pos, n);
			if (bad < n)
				return raw_control_error(r, r->pos + bad);
			r->pos += n;
			fed += n;
			if (fed > STORE_IMPORT_RECORD_MAX)
				return syntax_error(r, r->pos,
						    "a single value larger than the 64 MiB limit "
						    "for one record");
			continue;
		}
		if (e != json_tokener_success) {
			char why[128];
			snprintf(why, sizeof why, "not valid JSON: %s", json_tokener_error_desc(e));
			return syntax_error(r, r->pos + json_tokener_get_parse_end(r->tok), why);
		}
		size_t end = json_tokener_get_parse_end(r->tok);
		size_t bad = raw_control(r, r->buf + r->pos, end);
		if (bad < end) {
			json_object_put(v);
			return raw_control_error(r, r->pos + bad);
		}
		r->pos += end;
		*out = v;
		return 0;
	}
}

/* ---- skipping a value without building it ---- */

/* The next byte, consumed; -1 at the end of input. */
static int next_byte(struct reader *r)
{
	if (r->pos == r->len && fill(r) <= 0)
		return -1;
	return (unsigned char)r->buf[r->pos++];
}

static int skip_error(struct reader *r, int c, const char *why)
{
	if (c < 0)
		return end_error(r);
	return syntax_error(r, r->pos ? r->pos - 1 : 0, why);
}

/* A string's body after its opening quote: escapes, no control
 * characters, valid UTF-8 (as json-c's JSON_TOKENER_VALIDATE_UTF8). */
static int skip_string(struct reader *r)
{
	for (;;) {
		int c = next_byte(r);
		if (c == '"')
			return 0;
		if (c < 0x20)
			return skip_error(r, c, "not valid JSON: invalid string");
		if (c == '\\') {
			c = next_byte(r);
			if (c == 'u') {
				for (int k = 0; k < 4; k++) {
					c = next_byte(r);
					if (c < 0 || !strchr("0123456789abcdefABCDEF", c) || !c)
						return skip_error(r, c,
								  "not valid JSON: invalid "
								  "\\u escape");
				}
			} else if (c < 0 || !c || !strchr("\"\\/bfnrt", c)) {
				return skip_error(r, c, "not valid JSON: invalid escape");
			}
			continue;
		}
		if (c < 0x80)
			continue;
		int more = c >= 0xc2 && c <= 0xdf   ? 1
			   : c >= 0xe0 && c <= 0xef ? 2
			   : c >= 0xf0 && c <= 0xf4 ? 3
						    : -1;
		if (more < 0)
			return skip_error(r, c, "not valid JSON: invalid UTF-8");
		while (more--) {
			c = next_byte(r);
			if (c < 0 || (c & 0xc0) != 0x80)
				return skip_error(r, c, "not valid JSON: invalid UTF-8");
		}
	}
}

/* A number or literal starting with first: its bytes up to a delimiter. */
static int skip_scalar(struct reader *r, int first)
{
	char word[64];
	size_t n = 0;
	word[n++] = (char)first;
	while (r->pos < r->len || fill(r) > 0) {
		int c = (unsigned char)r->buf[r->pos];
		if (!strchr("+-.0123456789eEtrufalsn", c) || !c)
			break;
		if (n == sizeof word - 1)
			return syntax_error(r, r->pos, "not valid JSON: number too long");
		word[n++] = (char)c;
		r->pos++;
	}
	if (r->read_errno)
		return end_error(r);
	word[n] = '\0';
	if (!strcmp(word, "true") || !strcmp(word, "false") || !strcmp(word, "null"))
		return 0;
	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	const char *p = word;
	p += *p == '-';
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return syntax_error(r, r->pos, "not valid JSON: unexpected character");
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return syntax_error(r, r->pos, "not valid JSON: invalid number");
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '+' || *p == '-';
		if (!(*p >= '0' && *p <= '9'))
			return syntax_error(r, r->pos, "not valid JSON: invalid number");
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p ? syntax_error(r, r->pos, "not valid JSON: invalid number") : 0;
}

/*
 * Check the syntax of the value at r->pos and step past it without
 * building it, for values nobody reads (unknown keys) and arrays saved for
 * later: memory stays constant however large the value is. An explicit
 * stack of open containers; no recursion.
 */
/* A member's key and its ':' (the reader is at the key's quote). */
static int skip_key(struct reader *r)
{
	if (peek(r) != '"')
		return skip_error(r, next_byte(r), "not valid JSON: expected a string key");
	r->pos++;
	int rc = skip_string(r);
	if (rc)
		return rc;
	if (peek(r) != ':')
		return skip_error(r, next_byte(r), "not valid JSON: expected ':'");
	r->pos++;
	return 0;
}

static int skip_value(struct reader *r)
{
	char *stack = NULL; /* '[' or '{' per open container */
	size_t depth = 0, cap = 0;
	int rc = 0;
	bool want_value = true; /* else: after a value, want ',' or a close */
	if (peek(r) < 0)
		return end_error(r);
	for (;;) {
		int c = peek(r);
		if (c < 0) {
			rc = end_error(r);
			break;
		}
		r->pos++;
		char top = depth ? stack[depth - 1] : 0;
		if (want_value) {
			if (c == '{' || c == '[') {
				if (depth == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					char *ns = realloc(stack, ncap);
					if (!ns) {
						rc =
						    store_fail(r->s, STORE_ENOMEM, "out of memory");
						break;
					}
					stack = ns;
					cap = ncap;
				}
				stack[depth++] = (char)c;
				if (peek(r) == (c == '{' ? '}' : ']')) {
					r->pos++;
					depth--;
					want_value = false;
					if (depth == 0)
						break;
				} else if (c == '{') {
					if ((rc = skip_key(r)))
						break;
				}
				continue;
			}
			if (c == '"')
				rc = skip_string(r);
			else
				rc = skip_scalar(r, c);
			if (rc)
				break;
			want_value = false;
		} else if (c == ',' && top) {
			if (top == '{') {
				if ((rc = skip_key(r)))
					break;
			}
			want_value = true;
			continue;
		} else if ((c == ']' && top == '[') || (c == '}' && top == '{')) {
			depth--;
		} else {
			r->pos--;
			rc = syntax_error(r, r->pos, "not valid JSON: unexpected character");
			break;
		}
		if (depth == 0 && !want_value)
			break;
	}
	free(stack);
	return rc;
}

static int expect_punct(struct reader *r, int c, const char *why)
{
	int got = peek(r);
	if (got != c)
		return got < 0 ? end_error(r) : syntax_error(r, r->pos, why);
	r->pos++;
	return 0;
}

typedef int (*record_fn)(struct importer *, struct json_object *);

/*
 * Walk the array at r->pos, handing each element to one (NULL: only check
 * its syntax, building nothing). *count gets the number of elements.
 */
static int walk_array(struct reader *r, struct importer *im, const char *name, record_fn one,
		      int64_t *count)
{
	int rc;
	*count = 0;
	if (peek(r) != '[') {
		struct json_object *v = NULL;
		im->array = NULL;
		if ((rc = read_value(r, &v)))
			return rc;
		json_object_put(v);
		return bad(im, name, "expected an array");
	}
	r->pos++;
	if (peek(r) == ']') {
		r->pos++;
		return 0;
	}
	for (size_t k = 0;; k++) {
		if (one) {
			struct json_object *v = NULL;
			if ((rc = read_value(r, &v)))
				return rc;
			im->array = name;
			im->index = k;
			rc = one(im, v);
			im->array = NULL;
			json_object_put(v);
		} else {
			rc = skip_value(r);
		}
		if (rc)
			return rc;
		*count = (int64_t)k + 1;
		int c = peek(r);
		if (c < 0)
			return end_error(r);
		r->pos++;
		if (c == ']')
			return 0;
		if (c != ',')
			return syntax_error(r, r->pos - 1, "not valid JSON: expected ',' or ']'");
	}
}

/*
 * The top-level arrays, in load order, each with the array whose ids it
 * refers to (loaded first; -1: none). A new array is a line here and in
 * the enum. text_deps is optional (older snapshots have none).
 */
enum { ARR_PROJECTS, ARR_ISSUES, ARR_LINKS, ARR_TEXT_DEPS, N_ARRAYS };
static const struct {
	const char *name;
	record_fn load;
	int refers_to;
	bool required;
} arrays[N_ARRAYS] = {
    [ARR_PROJECTS] = {"projects", import_project, -1, true},
    [ARR_ISSUES] = {"issues", import_issue, ARR_PROJECTS, true},
    [ARR_LINKS] = {"links", import_link, ARR_ISSUES, true},
    [ARR_TEXT_DEPS] = {"text_deps", import_text_dep, ARR_ISSUES, false},
};

/* The ids the array a refers to, ready for lookups. */
static void before_load(struct importer *im, int a)
{
	if (arrays[a].refers_to == ARR_PROJECTS)
		idset_sort(&im->projects);
	else if (arrays[a].refers_to == ARR_ISSUES)
		idset_sort(&im->issues);
}

struct doc_state {
	bool seen[N_ARRAYS], loaded[N_ARRAYS];
	/* an array that came before the ones it refers to: its text, saved
	 * to a temporary file, and where it started */
	FILE *saved[N_ARRAYS];
	uint64_t saved_line[N_ARRAYS], saved_col[N_ARRAYS];
	int64_t count[N_ARRAYS];
	bool has_version, has_source;
};

/* Check the syntax of the array at r->pos and save its text for later. */
static int save_array(struct reader *r, struct importer *im, struct doc_state *d, int a)
{
	int64_t n = 0;
	int rc;
	if (!(d->saved[a] = tmpfile()))
		return store_fail(r->s, STORE_ERR, "cannot create a temporary file: %s",
				  strerror(errno));
	position(r, r->pos, &d->saved_line[a], &d->saved_col[a]);
	r->tee = d->saved[a];
	r->tee_from = r->base + r->pos;
	rc = walk_array(r, im, arrays[a].name, NULL, &n);
	if (rc == 0)
		rc = tee_out(r, r->pos);
	r->tee = NULL;
	if (rc == 0 && (fflush(d->saved[a]) != 0 || fseek(d->saved[a], 0, SEEK_SET) != 0))
		rc = store_fail(r->s, STORE_ERR, "cannot write a temporary file: %s",
				strerror(errno));
	return rc;
}

/* The value of top-level key at r->pos. */
static int top_level_value(struct reader *r, struct importer *im, struct doc_state *d,
			   const char *key)
{
	struct json_object *v = NULL;
	int64_t version = 0;
	int rc;
	for (int a = 0; a < N_ARRAYS; a++) {
		if (strcmp(key, arrays[a].name) != 0)
			continue;
		if (d->seen[a])
			return bad(im, key, "given twice");
		d->seen[a] = true;
		/* An array that comes before the one it refers to is checked
		 * now and loaded at the end. */
		if (arrays[a].refers_to >= 0 && !d->loaded[arrays[a].refers_to])
			return save_array(r, im, d, a);
		before_load(im, a);
		if ((rc = walk_array(r, im, key, arrays[a].load, &d->count[a])))
			return rc;
		d->loaded[a] = true;
		return 0;
	}
	if (strcmp(key, "version") != 0 && strcmp(key, "source") != 0)
		return skip_value(r); /* unknown keys are ignored (SPEC) */
	if ((rc = read_value(r, &v)))
		return rc;
	if (strcmp(key, "version") == 0) {
		d->has_version = true;
		if (!store_json_int64(v, &version) || version != 1)
			rc = bad(im, "version", "expected 1 (this build reads snapshot version 1)");
	} else {
		const char *source = NULL;
		struct store_json_refusal why;
		d->has_source = true;
		if (store_json_string(v, "source", &source, &why))
			rc = refused(im, &why);
		else if (*source)
			rc = store_set_instance_imported(r->s, source);
	}
	json_object_put(v);
	return rc;
}

/* Load an array saved by save_array(), reporting positions in the input. */
static int load_saved(struct reader *r, struct importer *im, struct doc_state *d, int a)
{
	char *window = malloc(READ_CHUNK);
	struct reader sub = {.fp = d->saved[a],
			     .own = window,
			     .buf = window,
			     .line = d->saved_line[a],
			     .col = d->saved_col[a],
			     .tok = r->tok,
			     .s = r->s};
	if (!window)
		return store_fail(r->s, STORE_ENOMEM, "out of memory");
	before_load(im, a);
	int rc = walk_array(&sub, im, arrays[a].name, arrays[a].load, &d->count[a]);
	free(window);
	return rc;
}

static int import_document(struct reader *r, struct importer *im, struct doc_state *d)
{
	struct json_object *key = NULL;
	int rc, c;
	if ((c = peek(r)) < 0)
		return r->read_errno
			   ? end_error(r)
			   : store_fail(r->s, STORE_EINVAL, "empty file, expected a JSON snapshot");
	if (c != '{') {
		if ((rc = read_value(r, &key)))
			return rc;
		json_object_put(key);
		return bad(im, NULL, "expected a JSON object at the top level");
	}
	r->pos++;
	if (peek(r) == '}') {
		r->pos++;
	} else {
		for (;;) {
			bool is_string = peek(r) == '"';
			if ((rc = read_value(r, &key)))
				return rc; /* json-c says what is wrong */
			if (!is_string) {
				json_object_put(key);
				return syntax_error(r, r->pos,
						    "not valid JSON: expected a string key");
			}
			if ((rc = expect_punct(r, ':', "not valid JSON: expected ':'")) ||
			    (rc = top_level_value(r, im, d, json_object_get_string(key)))) {
				json_object_put(key);
				return rc;
			}
			json_object_put(key);
			key = NULL;
			c = peek(r);
			if (c < 0)
				return end_error(r);
			r->pos++;
			if (c == '}')
				break;
			if (c != ',')
				return syntax_error(r, r->pos - 1,
						    "not valid JSON: expected ',' or '}'");
		}
	}
	/* A NUL byte is data like any other: "{...}\0" is not a snapshot. */
	if (peek(r) >= 0)
		return syntax_error(r, r->pos, "unexpected data after the JSON document");
	if (r->read_errno)
		return end_error(r);
	if (!d->has_version)
		return bad(im, "version", "missing");
	if (!d->has_source)
		return bad(im, "source", "missing");
	for (int a = 0; a < N_ARRAYS; a++) {
		if (!d->seen[a] && arrays[a].required)
			return bad(im, arrays[a].name, "missing (expected an array)");
	}
	/* Arrays that came before the ones they refer to. */
	for (int a = 0; a < N_ARRAYS; a++) {
		if (d->loaded[a] || !d->seen[a])
			continue;
		if ((rc = load_saved(r, im, d, a)))
			return rc;
		d->loaded[a] = true;
	}
	im->s->last_import.projects = d->count[ARR_PROJECTS];
	im->s->last_import.issues = d->count[ARR_ISSUES];
	return store_mark_populated(r->s);
}

static int import_reader(struct store *s, struct reader *r)
{
	struct importer im = {.s = s};
	struct doc_state d;
	char *old_instance = NULL;
	int rc;
	memset(&d, 0, sizeof d);
	memset(&s->last_import, 0, sizeof s->last_import);
	if (!(r->tok = json_tokener_new()))
		return store_fail(s, STORE_ENOMEM, "out of memory");
	json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					   JSON_TOKENER_VALIDATE_UTF8);
	/* A bulk load touches every page of the tables and indexes: with
	 * SQLite's default 2 MB cache most of the time goes to re-reading
	 * pages from the WAL. */
	char cache[64];
	snprintf(cache, sizeof cache, "PRAGMA cache_size = -%d", IMPORT_CACHE_KB);
	store_exec(s, cache);
	/* References are checked against im's id sets (see struct idset);
	 * the pragma only takes effect outside a transaction. */
	store_exec(s, "PRAGMA foreign_keys = OFF");
	if ((rc = store_begin(s)) < 0)
		goto done;
	if ((rc = store_history_import_begin(s, &old_instance)) == 0 &&
	    (rc = store_clear(s)) == 0 && (rc = store_schema_drop_link_indexes(s)) == 0 &&
	    (rc = import_document(r, &im, &d)) == 0 &&
	    (rc = store_schema_create_link_indexes(s)) == 0 &&
	    (rc = store_history_import_end(s, old_instance)) == 0)
		rc = store_commit(s);
	if (rc < 0) {
		char keep[sizeof s->errmsg];
		memcpy(keep, s->errmsg, sizeof keep);
		store_rollback(s);
		memcpy(s->errmsg, keep, sizeof keep);
	}
done:
	store_exec(s, "PRAGMA foreign_keys = ON");
	store_exec(s, "PRAGMA cache_size = -2000");
	free(im.projects.v);
	free(im.projects.bits);
	free(im.issues.v);
	free(im.issues.bits);
	for (int a = 0; a < N_ARRAYS; a++) {
		if (d.saved[a])
			fclose(d.saved[a]);
	}
	json_tokener_free(r->tok);
	free(old_instance);
	if (rc < 0)
		memset(&s->last_import, 0, sizeof s->last_import);
	return rc;
}

int store_import_json(struct store *s, const char *buf, size_t len)
{
	struct reader r = {.buf = buf, .len = len, .line = 1, .col = 1, .s = s};
	return import_reader(s, &r);
}

int store_import_json_file(struct store *s, FILE *in)
{
	struct reader r = {.fp = in, .line = 1, .col = 1, .s = s};
	if (!(r.own = malloc(READ_CHUNK)))
		return store_fail(s, STORE_ENOMEM, "out of memory");
	r.buf = r.own;
	int rc = import_reader(s, &r);
	free(r.own);
	return rc;
}

void store_import_counts(const struct store *s, struct store_import_counts *out)
{
	*out = s->last_import;
}

/* ---- export ------------------------------------------------------------- */

#define TO_STRING_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct exporter {
	struct store *s;
	FILE *out;
	bool first;
};

static struct json_object *str_or_null(const char *v)
{
	return v ? json_object_new_string(v) : NULL;
}

/* Write one record (and its separator), then free it. */
static int emit(struct exporter *ex, struct json_object *o)
{
	if (!o)
		return store_fail(ex->s, STORE_ENOMEM, "out of memory");
	fputs(ex->first ? "\n    " : ",\n    ", ex->out);
	ex->first = false;
	fputs(json_object_to_json_string_ext(o, TO_STRING_FLAGS), ex->out);
	json_object_put(o);
	return ferror(ex->out)
		   ? store_fail(ex->s, STORE_ERR, "cannot write the snapshot: %s", strerror(errno))
		   : 0;
}

static int export_project(void *ctx, const struct store_project *p)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "id", json_object_new_int64(p->id));
		json_object_object_add(o, "path_with_namespace", json_object_new_string(p->path));
		json_object_object_add(o, "web_url", str_or_null(p->web_url));
	}
	return emit(ctx, o);
}

static int export_issue(void *ctx, const struct store_issue *i)
{
	struct exporter *ex = ctx;
	struct json_object *o = json_object_new_object();
	if (!o)
		return emit(ex, NULL);
	struct json_object *labels = json_tokener_parse(i->labels_json);
	struct json_object *names = json_tokener_parse(i->assignees_json ? i->assignees_json : "[]");
	if (!json_object_is_type(labels, json_type_array) ||
	    !json_object_is_type(names, json_type_array)) {
		bool lab = !json_object_is_type(labels, json_type_array);
		json_object_put(labels);
		json_object_put(names);
		json_object_put(o);
		return store_fail(ex->s, STORE_ECORRUPT,
				  "issue %lld: stored %s are not a JSON array", (long long)i->id,
				  lab ? "labels" : "assignees");
	}
	/* GitLab's shape: [{"username": "ana"}], in the tracker's order */
	struct json_object *assignees = json_object_new_array();
	size_t n_names = json_object_array_length(names);
	for (size_t k = 0; assignees && k < n_names; k++) {
		struct json_object *a = json_object_new_object();
		if (a)
			json_object_object_add(
			    a, "username", json_object_get(json_object_array_get_idx(names, k)));
		json_object_array_add(assignees, a);
	}
	json_object_put(names);
	json_object_object_add(o, "id", json_object_new_int64(i->id));
	json_object_object_add(o, "project_id", json_object_new_int64(i->project_id));
	json_object_object_add(o, "iid", json_object_new_int64(i->iid));
	json_object_object_add(o, "title", json_object_new_string(i->title ? i->title : ""));
	json_object_object_add(
	    o, "state",
	    json_object_new_string(i->state == STORE_STATE_CLOSED ? "closed" : "opened"));
	json_object_object_add(o, "confidential", json_object_new_boolean(i->confidential));
	json_object_object_add(o, "weight",
			       i->has_weight ? json_object_new_int64(i->weight) : NULL);
	struct json_object *ts = json_object_new_object();
	if (ts) {
		json_object_object_add(ts, "time_estimate",
				       json_object_new_int64(i->time_estimate));
		json_object_object_add(ts, "total_time_spent",
				       json_object_new_int64(i->total_time_spent));
	}
	json_object_object_add(o, "time_stats", ts);
	struct json_object *ms = NULL;
	if (i->milestone_title) {
		ms = json_object_new_object();
		if (ms) {
			json_object_object_add(ms, "title",
					       json_object_new_string(i->milestone_title));
			json_object_object_add(ms, "due_date", str_or_null(i->milestone_due));
		}
	}
	json_object_object_add(o, "milestone", ms);
	json_object_object_add(o, "due_date", str_or_null(i->due_date));
	json_object_object_add(o, "labels", labels);
	json_object_object_add(o, "assignees", assignees);
	json_object_object_add(o, "created_at", str_or_null(i->created_at));
	json_object_object_add(o, "updated_at", str_or_null(i->updated_at));
	json_object_object_add(o, "closed_at", str_or_null(i->closed_at));
	json_object_object_add(o, "web_url", str_or_null(i->web_url));
	return emit(ex, o);
}

static int export_link(void *ctx, const struct store_link *l)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "id", json_object_new_int64(l->id));
		json_object_object_add(o, "source_issue_id", json_object_new_int64(l->source_id));
		json_object_object_add(o, "target_issue_id", json_object_new_int64(l->target_id));
		json_object_object_add(
		    o, "link_type",
		    json_object_new_string(l->type == STORE_LINK_BLOCKS ? "blocks" : "relates_to"));
	}
	return emit(ctx, o);
}

static int export_text_dep(void *ctx, const struct store_text_dep *d)
{
	struct json_object *o = json_object_new_object();
	if (o) {
		json_object_object_add(o, "source_issue_id", json_object_new_int64(d->source_id));
		json_object_object_add(o, "target_issue_id", json_object_new_int64(d->target_id));
		json_object_object_add(o, "link_type",
				       json_object_new_string(d->type == STORE_TEXT_BLOCKS
								  ? "blocks"
								  : "is_blocked_by"));
		json_object_object_add(o, "line", json_object_new_int64(d->line));
		json_object_object_add(o, "phrase", json_object_new_string(d->phrase));
	}
	return emit(ctx, o);
}

static int close_array(struct exporter *ex, const char *after)
{
	fputs(ex->first ? "]" : "\n  ]", ex->out);
	fputs(after, ex->out);
	ex->first = true;
	return 0;
}

int store_export_json(struct store *s, FILE *out)
{
	struct exporter ex = {.s = s, .out = out, .first = true};
	char *instance = NULL;
	int rc;
	/* One read transaction: a consistent snapshot even if a writer comes
	 * along (unless the caller already holds one). */
	bool own_txn = sqlite3_get_autocommit(s->db) != 0;
	if (own_txn && (rc = store_exec(s, "BEGIN")) < 0)
		return rc;
	if ((rc = store_get_instance(s, &instance)))
		goto done;
	struct json_object *src = json_object_new_string(instance ? instance : "");
	free(instance);
	if (!src) {
		rc = store_fail(s, STORE_ENOMEM, "out of memory");
		goto done;
	}
	fprintf(out, "{\n  \"version\": 1,\n  \"source\": %s,\n  \"projects\": [",
		json_object_to_json_string_ext(src, TO_STRING_FLAGS));
	json_object_put(src);
	if ((rc = store_each_project(s, export_project, &ex)))
		goto done;
	close_array(&ex, ",\n  \"issues\": [");
	if ((rc = store_each_issue(s, export_issue, &ex)))
		goto done;
	close_array(&ex, ",\n  \"links\": [");
	if ((rc = store_each_link(s, export_link, &ex)))
		goto done;
	close_array(&ex, ",\n  \"text_deps\": [");
	if ((rc = store_each_text_dep(s, export_text_dep, &ex)))
		goto done;
	close_array(&ex, "\n}\n");
	if (fflush(out) != 0 || ferror(out))
		rc = store_fail(s, STORE_ERR, "cannot write the snapshot: %s", strerror(errno));
done:
	if (own_txn)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
