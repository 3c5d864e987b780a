/* textdeps: the SPEC's "Text dependencies" grammar, one forward pass per
 * line. The decisions the SPEC leaves open are listed in textdeps.h. */
#include "textdeps.h"

#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

/* The phrases (SPEC grammar 2). A phrase read inline is P_INLINE or
 * P_COND (the latter only with an end word after its list); a heading or
 * label line opens a list with a P_HEAD phrase. `name` is what is stored. */
enum { P_INLINE = 1, P_COND = 2, P_HEAD = 4 };
static const struct phrase {
	const char *name, *w1, *w2;
	bool blocks;
	unsigned char kind;
} phrases[] = {
    /* match_phrase lists them by first letter: keep the order */
    {"blocked by", "blocked", "by", false, P_INLINE | P_HEAD},
    {"blocked on", "blocked", "on", false, P_INLINE | P_HEAD},
    {"depends on", "depends", "on", false, P_INLINE | P_HEAD},
    {"depend on", "depend", "on", false, P_INLINE},
    {"requires", "requires", NULL, false, P_INLINE},
    {"needs", "needs", NULL, false, P_INLINE},
    {"blocks", "blocks", NULL, true, P_INLINE | P_HEAD},
    {"unblocks", "unblocks", NULL, true, P_INLINE | P_HEAD},
    {"required by", "required", "by", true, P_INLINE | P_HEAD},
    {"needed by", "needed", "by", true, P_INLINE},
    {"part of", "part", "of", true, P_INLINE},
    {"waiting for", "waiting", "for", false, P_COND},
    {"waiting on", "waiting", "on", false, P_COND},
    {"wait for", "wait", "for", false, P_COND},
    {"until", "until", NULL, false, P_COND},
    {"once", "once", NULL, false, P_COND},
    {"dependencies", "dependencies", NULL, false, P_HEAD},
    {"blockers", "blockers", NULL, false, P_HEAD},
    {"prerequisites", "prerequisites", NULL, false, P_HEAD},
    {"blocking", "blocking", NULL, true, P_HEAD},
};
#define N_PHRASES (sizeof phrases / sizeof phrases[0])

/* A project path as two pieces (prefix then slice), so that "#N" and
 * "name#N" need no copy of T's path per reference. */
struct pstr {
	const char *p[2];
	size_t l[2];
};

struct raw {
	struct pstr path;
	int64_t iid;
	uint32_t line;
	unsigned char phrase;
	bool blocks;
	size_t order;
};

struct origin {
	const char *scheme, *host, *port, *prefix;
	size_t scheme_len, host_len, port_len, prefix_len;
};

struct run {
	size_t pos, len, next; /* next: index of the closing run, or NONE */
};

struct ex {
	const char *t;
	size_t n;
	const struct textdeps_ctx *ctx;
	size_t proj_len;
	size_t ns_len; /* T's namespace with its '/', 0 for a top-level project */
	struct origin *origins;
	size_t n_origins;
	struct raw *raws;
	size_t n_raws, cap_raws;
	size_t *seen; /* what record() has recorded: see seen_reserve() */
	size_t n_seen, cap_seen;
	struct run *runs;
	size_t cap_runs;
	size_t *last_by_len;
	size_t cap_last;
	bool in_comment;
	bool oom;
	uint32_t line;
	int list_ph;	/* the phrase of the open heading list, or -1 */
	size_t item_at; /* where this line's item text starts, or NONE */
	size_t line_s;	/* where this line starts */
};

/* Byte classes: word character, first letter of a phrase, inline opener,
 * and a byte that may stand before a phrase (a non-word byte). */
enum { C_WORD = 1, C_PSTART = 2, C_INLINE = 4, C_BOUND = 8 };
/* clang-format off */
static const unsigned char cls[256] = {
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 12, 8, 8, 8,
	8, 1, 3, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3,
	3, 1, 3, 1, 1, 3, 1, 3, 1, 1, 1, 8, 8, 8, 8, 1,
	12, 1, 3, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3,
	3, 1, 3, 1, 1, 3, 1, 3, 1, 1, 1, 8, 8, 8, 12, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
};
/* clang-format on */

static bool is_word(unsigned char c)
{
	return cls[c] & C_WORD;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool is_seg_start(unsigned char c)
{
	return is_word(c);
}

static bool is_seg(unsigned char c)
{
	return is_word(c) || c == '.' || c == '-';
}

static bool is_host(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
	       c == '-';
}

/* Case-insensitive match of lower-case word w at t[i..b). */
static size_t match_ci(const char *t, size_t i, size_t b, const char *w)
{
	size_t k = 0;
	for (; w[k]; k++) {
		if (i + k >= b || lower((unsigned char)t[i + k]) != (unsigned char)w[k])
			return 0;
	}
	return i + k;
}

/* Length of the run of byte c starting at i (before b). */
static size_t run_len(const char *t, size_t i, size_t b, char c)
{
	size_t k = i;
	while (k < b && t[k] == c)
		k++;
	return k - i;
}

/* Whether a token ending at k (segment [a,b)) ends at a word boundary; an
 * emphasis `_`/`__` run followed by a non-word character is one. */
static bool ok_after(const char *t, size_t k, size_t b)
{
	if (k >= b)
		return true;
	if (t[k] == '_') {
		size_t r = run_len(t, k, b, '_');
		return r <= 2 && (k + r >= b || !is_word((unsigned char)t[k + r]));
	}
	return !is_word((unsigned char)t[k]);
}

/* Whether a word ends at k: the line ends or a non-word byte follows. */
static bool word_end(const char *t, size_t k, size_t b)
{
	return k >= b || !is_word((unsigned char)t[k]);
}

/* An emphasis marker at k: a maximal run of one or two `*` or `_`;
 * returns its length or 0. */
static size_t emph_at(const char *t, size_t k, size_t a, size_t b)
{
	char c = t[k];
	if (c != '*' && c != '_')
		return 0;
	if (k > a && t[k - 1] == c)
		return 0;
	size_t r = run_len(t, k, b, c);
	return r <= 2 ? r : 0;
}

/* N at i: digits (value 1..INT64_MAX), then `+`/`+s`, ending at a word
 * boundary. Returns the end, or NONE. */
static size_t parse_num(const char *t, size_t i, size_t b, int64_t *iid)
{
	size_t k = i;
	while (k < b && is_digit((unsigned char)t[k]))
		k++;
	if (k == i)
		return NONE;
	size_t z = i;
	while (z < k && t[z] == '0')
		z++;
	if (k - z > 19 || z == k)
		return NONE;
	uint64_t v = 0;
	for (size_t j = z; j < k; j++)
		v = v * 10 + (uint64_t)(t[j] - '0');
	if (v > (uint64_t)INT64_MAX)
		return NONE;
	*iid = (int64_t)v;
	if (k < b && t[k] == '+') {
		if (k + 1 < b && t[k + 1] == 's' && ok_after(t, k + 2, b))
			return k + 2;
		if (ok_after(t, k + 1, b))
			return k + 1;
		return k;
	}
	return ok_after(t, k, b) ? k : NONE;
}

static bool origin_parse(const char *s, size_t n, struct origin *o, size_t *end)
{
	size_t k = 0;
	if (n >= 7 && match_ci(s, 0, n, "http://"))
		o->scheme_len = 4, k = 7;
	else if (n >= 8 && match_ci(s, 0, n, "https://"))
		o->scheme_len = 5, k = 8;
	else
		return false;
	o->scheme = s;
	o->host = s + k;
	size_t h = k;
	while (k < n && is_host((unsigned char)s[k]))
		k++;
	o->host_len = k - h;
	if (o->host_len == 0)
		return false;
	o->port = NULL;
	o->port_len = 0;
	if (k < n && s[k] == ':') {
		k++;
		size_t p = k;
		while (k < n && is_digit((unsigned char)s[k]))
			k++;
		size_t z = p;
		while (z < k && s[z] == '0')
			z++;
		if (z == k && k > p)
			z = k - 1; /* port 0 */
		const char *def = o->scheme_len == 4 ? "80" : "443";
		if (k - z > 0 && !(k - z == strlen(def) && memcmp(s + z, def, k - z) == 0)) {
			o->port = s + z;
			o->port_len = k - z;
		}
	}
	*end = k;
	return true;
}

static bool ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static bool slice_eq(const char *a, size_t al, const char *b)
{
	return strlen(b) == al && memcmp(a, b, al) == 0;
}

/* An issue URL at i. Returns the end (after any sub-path, query or
 * fragment) or NONE; the full path is t[*ps, *pe). */
static size_t parse_url(struct ex *x, size_t i, size_t b, size_t *ps, size_t *pe, int64_t *iid)
{
	const char *t = x->t;
	struct origin u;
	size_t k;
	if (!origin_parse(t + i, b - i, &u, &k))
		return NONE;
	k += i;
	if (k >= b || t[k] != '/')
		return NONE;
	size_t best = NONE;
	for (size_t j = 0; j < x->n_origins; j++) {
		const struct origin *o = &x->origins[j];
		if (o->scheme_len != u.scheme_len || o->host_len != u.host_len ||
		    o->port_len != u.port_len || !ieq(o->host, u.host, u.host_len) ||
		    (u.port_len && memcmp(o->port, u.port, u.port_len) != 0))
			continue;
		if (b - k <= o->prefix_len || memcmp(t + k, o->prefix, o->prefix_len) != 0 ||
		    t[k + o->prefix_len] != '/')
			continue;
		if (best == NONE || o->prefix_len > best)
			best = o->prefix_len;
	}
	if (best == NONE)
		return NONE;
	k += best;
	size_t nseg = 0, start = k + 1, end = k;
	for (;;) {
		if (k >= b || t[k] != '/')
			return NONE;
		k++;
		size_t s = k;
		while (k < b && is_seg((unsigned char)t[k]))
			k++;
		if (slice_eq(t + s, k - s, "-")) {
			if (nseg == 0 || k >= b || t[k] != '/')
				return NONE;
			k++;
			s = k;
			while (k < b && is_seg((unsigned char)t[k]))
				k++;
			if (!slice_eq(t + s, k - s, "issues") &&
			    !slice_eq(t + s, k - s, "work_items"))
				return NONE;
			break;
		}
		if (slice_eq(t + s, k - s, "issues") || slice_eq(t + s, k - s, "work_items")) {
			if (nseg == 0)
				return NONE;
			break;
		}
		if (k == s || !is_seg_start((unsigned char)t[s]))
			return NONE;
		if (nseg == 0 && slice_eq(t + s, k - s, "groups"))
			return NONE;
		nseg++;
		end = k;
	}
	if (k >= b || t[k] != '/')
		return NONE;
	k = parse_num(t, k + 1, b, iid);
	if (k == NONE)
		return NONE;
	if (k < b && (t[k] == '/' || t[k] == '?' || t[k] == '#')) {
		while (k < b && t[k] != ' ' && t[k] != '\t' && t[k] != '<' && t[k] != '>' &&
		       t[k] != '(' && t[k] != ')')
			k++;
	}
	*ps = start;
	*pe = end;
	return k;
}

/* Byte k of a two-piece path. */
static char pstr_at(const struct pstr *p, size_t k)
{
	return k < p->l[0] ? p->p[0][k] : p->p[1][k - p->l[0]];
}

static bool raw_is(const struct raw *r, const struct pstr *path, int64_t iid, bool blocks)
{
	size_t n = path->l[0] + path->l[1];
	if (r->iid != iid || r->blocks != blocks || r->path.l[0] + r->path.l[1] != n)
		return false;
	for (size_t k = 0; k < n; k++) {
		if (pstr_at(&r->path, k) != pstr_at(path, k))
			return false;
	}
	return true;
}

static size_t raw_hash(const struct pstr *path, int64_t iid, bool blocks)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)iid ^ ((uint64_t)blocks << 63);
	for (int piece = 0; piece < 2; piece++) {
		for (size_t k = 0; k < path->l[piece]; k++)
			h = (h ^ (unsigned char)path->p[piece][k]) * 1099511628211u;
	}
	h ^= h >> 29;
	return (size_t)(h * 0x9e3779b97f4a7c15u);
}

/* Room for one more entry in the table of what was recorded (raw index +
 * 1 per slot, 0 empty; an index at or past n_raws is stale: its raw was
 * taken back). Rebuilt from the live raws when half full. */
static bool seen_reserve(struct ex *x)
{
	if ((x->n_seen + 1) * 2 <= x->cap_seen)
		return true;
	size_t cap = x->cap_seen ? x->cap_seen : 64;
	while (cap < (x->n_raws + 1) * 4)
		cap *= 2;
	size_t *v = cap <= SIZE_MAX / sizeof *v ? calloc(cap, sizeof *v) : NULL;
	if (!v)
		return false;
	for (size_t i = 0; i < x->n_raws; i++) {
		const struct raw *r = &x->raws[i];
		size_t j = raw_hash(&r->path, r->iid, r->blocks) & (cap - 1);
		while (v[j])
			j = (j + 1) & (cap - 1);
		v[j] = i + 1;
	}
	free(x->seen);
	x->seen = v;
	x->cap_seen = cap;
	x->n_seen = x->n_raws;
	return true;
}

/* Records a reference read with phrase ph on this line, once per
 * (path, iid, direction): the first keeps its line and phrase, so the
 * result grows with the distinct references, not with the text. */
static void record(struct ex *x, const struct pstr *path, int64_t iid, int ph)
{
	const struct textdeps_ctx *c = x->ctx;
	if (iid == c->iid && path->l[0] + path->l[1] == x->proj_len) {
		/* compare the two pieces against T's path */
		const char *pp = c->project_path;
		if (memcmp(pp, path->p[0], path->l[0]) == 0 &&
		    memcmp(pp + path->l[0], path->p[1], path->l[1]) == 0)
			return;
	}
	bool blocks = phrases[ph].blocks;
	if (!seen_reserve(x)) {
		x->oom = true;
		return;
	}
	size_t mask = x->cap_seen - 1, j = raw_hash(path, iid, blocks) & mask;
	for (; x->seen[j]; j = (j + 1) & mask) {
		size_t k = x->seen[j] - 1;
		if (k < x->n_raws && raw_is(&x->raws[k], path, iid, blocks))
			return;
	}
	if (x->n_raws == x->cap_raws) {
		size_t cap = x->cap_raws ? x->cap_raws * 2 : 64;
		struct raw *r =
		    cap <= SIZE_MAX / sizeof *r ? realloc(x->raws, cap * sizeof *r) : NULL;
		if (!r) {
			x->oom = true;
			return;
		}
		x->raws = r;
		x->cap_raws = cap;
	}
	struct raw *r = &x->raws[x->n_raws];
	r->path = *path;
	r->iid = iid;
	r->line = x->line;
	r->phrase = (unsigned char)ph;
	r->blocks = blocks;
	r->order = x->n_raws;
	x->n_raws++;
	x->seen[j] = x->n_raws;
	x->n_seen++;
}

/* One reference at i in one of its forms, in parentheses too when
 * paren_ok; returns its end (the reference in *path, *iid), or NONE. */
static size_t parse_ref(struct ex *x, size_t i, size_t b, bool paren_ok, struct pstr *path,
			int64_t *iid)
{
	const char *t = x->t;
	bool paren = paren_ok && t[i] == '(';
	if (paren && ++i >= b)
		return NONE;
	*path = (struct pstr){{"", ""}, {0, 0}};
	*iid = 0;
	size_t k = NONE, ps = 0, pe = 0;
	unsigned char c = (unsigned char)t[i];
	if (c == '#') {
		k = parse_num(t, i + 1, b, iid);
		path->p[0] = x->ctx->project_path;
		path->l[0] = x->proj_len;
	} else if (c == '<' || c == '[' || match_ci(t, i, b, "http://") ||
		   match_ci(t, i, b, "https://")) {
		size_t u = i;
		char close = 0;
		if (c == '<') {
			u = i + 1;
			close = '>';
		} else if (c == '[') {
			size_t j = i + 1;
			while (j < b && t[j] != '[' && t[j] != ']')
				j++;
			if (j + 1 >= b || t[j] != ']' || t[j + 1] != '(')
				return NONE;
			u = j + 2;
			close = ')';
		}
		k = parse_url(x, u, b, &ps, &pe, iid);
		if (k != NONE && close) {
			if (k < b && t[k] == close)
				k++;
			else
				k = NONE;
		}
		path->p[1] = t + ps;
		path->l[1] = pe - ps;
	} else if (is_seg_start(c)) {
		size_t j = i, nseg = 0;
		for (;;) {
			if (j >= b || !is_seg_start((unsigned char)t[j]))
				return NONE;
			while (j < b && is_seg((unsigned char)t[j]))
				j++;
			nseg++;
			if (j < b && t[j] == '/') {
				j++;
				continue;
			}
			break;
		}
		if (j >= b || t[j] != '#')
			return NONE;
		k = parse_num(t, j + 1, b, iid);
		if (nseg == 1) {
			path->p[0] = x->ctx->project_path;
			path->l[0] = x->ns_len;
		}
		path->p[1] = t + i;
		path->l[1] = j - i;
	}
	if (k == NONE)
		return NONE;
	if (paren) {
		if (k >= b || t[k] != ')')
			return NONE;
		k++;
	}
	return k;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static size_t skip_ws(const char *t, size_t k, size_t b)
{
	while (k < b && is_ws(t[k]))
		k++;
	return k;
}

/* Lower-case words w (a space in w stands for one or more spaces or tabs)
 * at t[i..b), case-insensitively: their end, or 0. */
static size_t match_words(const char *t, size_t i, size_t b, const char *w)
{
	for (; *w; w++) {
		if (*w == ' ') {
			size_t j = skip_ws(t, i, b);
			if (j == i)
				return 0;
			i = j;
		} else {
			if (i >= b || lower((unsigned char)t[i]) != (unsigned char)*w)
				return 0;
			i++;
		}
	}
	return i;
}

/* A skip word before a reference (`issue`, `PRs`, `merge request`, ...)
 * followed by spaces or tabs at k: where the reference would start, or
 * NONE. */
static size_t skip_word_at(const char *t, size_t k, size_t b)
{
	static const char *const w[] = {
	    "issues",	    "issue",	      "prs",	      "pr", "mrs", "mr", "pull requests",
	    "pull request", "merge requests", "merge request"};
	unsigned char c = lower((unsigned char)t[k]);
	if (c != 'i' && c != 'p' && c != 'm')
		return NONE;
	for (size_t j = 0; j < sizeof w / sizeof w[0]; j++) {
		size_t e = match_words(t, k, b, w[j]);
		if (e && e < b && is_ws(t[e]))
			return skip_ws(t, e, b);
	}
	return NONE;
}

/* One list item at i: an optional skip word, then a reference (in
 * parentheses too); records it and returns its end, or NONE. */
static size_t parse_item(struct ex *x, size_t i, size_t b, int ph)
{
	struct pstr path;
	int64_t iid;
	size_t e = NONE, k = skip_word_at(x->t, i, b);
	if (k != NONE && k < b)
		e = parse_ref(x, k, b, true, &path, &iid);
	if (e == NONE)
		e = parse_ref(x, i, b, true, &path, &iid);
	if (e == NONE)
		return NONE;
	record(x, &path, iid, ph);
	return e;
}

/* Separators after a reference: returns the start of the next item. */
static size_t skip_sep(const char *t, size_t k, size_t a, size_t b)
{
	while (k < b) {
		unsigned char c = (unsigned char)t[k];
		size_t r;
		if (c == ' ' || c == '\t' || c == ',') {
			k++;
		} else if ((r = emph_at(t, k, a, b)) > 0) {
			k += r;
		} else if ((c == 'a' || c == 'A') && match_ci(t, k, b, "and") &&
			   (k == a || !is_word((unsigned char)t[k - 1])) &&
			   (k + 3 >= b || !is_word((unsigned char)t[k + 3]))) {
			k += 3;
		} else {
			break;
		}
	}
	return k;
}

/* The reference list at k (k < b): items and separators; records each
 * item and returns the end of the last, or NONE. */
static size_t parse_list(struct ex *x, size_t k, size_t a, size_t b, int ph)
{
	size_t last = NONE;
	while (k < b) {
		size_t e = parse_item(x, k, b, ph);
		if (e == NONE)
			break;
		last = e;
		size_t n = skip_sep(x->t, e, a, b);
		if (n == e)
			break;
		k = n;
	}
	return last;
}

/* A phrase of a kind in mask at i (a word starts at i): its index and
 * end, or -1. Its words are separated by spaces and tabs or by one `-`
 * or `_`; it ends at a word boundary. */
static int match_phrase(const char *t, size_t i, size_t b, unsigned mask, size_t *end)
{
	/* the phrases by first letter (indexes into phrases[], -1 ends) */
	static const signed char by_b[] = {0, 1, 6, 17, 19, -1}, by_d[] = {2, 3, 16, -1},
				 by_r[] = {4, 8, -1}, by_n[] = {5, 9, -1}, by_u[] = {7, 14, -1},
				 by_p[] = {10, 18, -1}, by_w[] = {11, 12, 13, -1},
				 by_o[] = {15, -1}, none[] = {-1};
	const signed char *cand;
	switch (lower((unsigned char)t[i])) {
	case 'b':
		cand = by_b;
		break;
	case 'd':
		cand = by_d;
		break;
	case 'r':
		cand = by_r;
		break;
	case 'n':
		cand = by_n;
		break;
	case 'u':
		cand = by_u;
		break;
	case 'p':
		cand = by_p;
		break;
	case 'w':
		cand = by_w;
		break;
	case 'o':
		cand = by_o;
		break;
	default:
		cand = none;
		break;
	}
	for (; *cand >= 0; cand++) {
		size_t p = (size_t)*cand;
		if (!(phrases[p].kind & mask))
			continue;
		size_t k = match_ci(t, i, b, phrases[p].w1);
		if (!k)
			continue;
		if (phrases[p].w2) {
			size_t j = k;
			if (j < b && (t[j] == '-' || t[j] == '_'))
				j++;
			else
				j = skip_ws(t, j, b);
			if (j == k)
				continue;
			k = match_ci(t, j, b, phrases[p].w2);
			if (!k)
				continue;
		}
		if (!word_end(t, k, b))
			continue;
		*end = k;
		return (int)p;
	}
	return -1;
}

/* After a conditional phrase's list (ending at k, closing emphasis
 * skipped): spaces or tabs, an optional auxiliary, then an end word. */
static bool end_word_after(const char *t, size_t k, size_t b)
{
	static const char *const aux[] = {"to be", "has been", "have been", "is", "are",
					  "be",	   "to",       "gets",	    "get"};
	static const char *const endw[] = {
	    "merged", "merges", "merge", "closed",   "closes",	"close",    "fixed",	"resolved",
	    "done",   "landed", "lands", "released", "shipped", "finished", "completed"};
	size_t j = skip_ws(t, k, b);
	if (j == k)
		return false;
	for (size_t a = 0; a < sizeof aux / sizeof aux[0]; a++) {
		size_t e = match_words(t, j, b, aux[a]);
		if (e && e < b && is_ws(t[e])) {
			j = skip_ws(t, e, b);
			break;
		}
	}
	for (size_t w = 0; w < sizeof endw / sizeof endw[0]; w++) {
		size_t e = match_ci(t, j, b, endw[w]);
		if (e && word_end(t, e, b))
			return true;
	}
	return false;
}

/* What the subject check of one segment remembers, so that each byte is
 * looked at a bounded number of times. */
struct subj {
	size_t pos, start;	/* the run of non-blanks ending at pos starts at start */
	size_t ref_at, ref_end; /* the reference read at ref_at ends at ref_end */
};

static bool is_subject_word(const char *t, size_t s, size_t e)
{
	static const char *const w[] = {"is",	 "are", "was",	   "were",     "also",
					"still", "now", "instead", "currently"};
	for (size_t j = 0; j < sizeof w / sizeof w[0]; j++) {
		if (e - s == strlen(w[j]) && match_ci(t, s, e, w[j]) == e)
			return true;
	}
	return false;
}

/* The subject rule for the phrase at p in the segment [a,b): whether the
 * run of bytes other than spaces and tabs that ends where the gap before
 * p begins (spaces, tabs, subject words) is exactly one reference. */
static bool has_subject(struct ex *x, size_t a, size_t p, size_t b, struct subj *m)
{
	const char *t = x->t;
	size_t q = p;
	while (q > a && is_ws(t[q - 1])) {
		size_t j = q;
		while (j > a && is_ws(t[j - 1]))
			j--;
		size_t c = j;
		while (c > a && j - c <= 9 && !is_ws(t[c - 1]))
			c--;
		if (c < j && (c == a || is_ws(t[c - 1])) && is_subject_word(t, c, j)) {
			q = c;
			continue;
		}
		q = j;
		break;
	}
	if (q == a)
		return false;
	/* the start of the run ending at q, from where the last one ended */
	size_t stop = (m->pos != NONE && m->pos <= q) ? m->pos : a;
	size_t cs = q;
	while (cs > stop && !is_ws(t[cs - 1]))
		cs--;
	if (cs == stop && stop == m->pos)
		cs = m->start;
	m->pos = q;
	m->start = cs;
	if (m->ref_at != cs) {
		struct pstr path;
		int64_t iid;
		m->ref_at = cs;
		m->ref_end = parse_ref(x, cs, b, false, &path, &iid);
	}
	return m->ref_end == q;
}

/* Phrases and their lists in the visible segment [a,b) of a line; a list
 * item under a heading first gives the list it starts with. */
static void scan_segment(struct ex *x, size_t a, size_t b)
{
	const char *t = x->t;
	size_t i = a;
	struct subj m = {NONE, NONE, NONE, NONE};
	if (x->item_at != NONE && a == x->line_s) {
		size_t k = x->item_at, r;
		x->item_at = NONE;
		while (k < b && (r = emph_at(t, k, a, b)) > 0)
			k += r;
		size_t last = k < b ? parse_list(x, k, a, b, x->list_ph) : NONE;
		if (last != NONE)
			i = last;
	}
	while (i < b && !x->oom) {
		/* a phrase starts with one of its first letters after a
		 * non-word byte; C_PSTART << 2 == C_BOUND */
		unsigned pc = i > a ? cls[(unsigned char)t[i - 1]] : C_BOUND;
		while (i < b) {
			unsigned cc = cls[(unsigned char)t[i]];
			if ((cc << 2) & pc & C_BOUND)
				break;
			pc = cc;
			i++;
		}
		if (i >= b)
			break;
		/* the first two letters of every phrase: bl de ne re un pa wa on */
		unsigned char c1 = i + 1 < b ? lower((unsigned char)t[i + 1]) : 0;
		switch (lower((unsigned char)t[i])) {
		case 'b':
			c1 = c1 == 'l';
			break;
		case 'd':
		case 'n':
		case 'r':
			c1 = c1 == 'e';
			break;
		case 'u':
		case 'o':
			c1 = c1 == 'n';
			break;
		default: /* p, w */
			c1 = c1 == 'a';
			break;
		}
		if (!c1) {
			i++;
			continue;
		}
		size_t pe = 0;
		int ph = match_phrase(t, i, b, P_INLINE | P_COND, &pe);
		if (ph < 0) {
			i++;
			continue;
		}
		/* between the phrase and the list */
		size_t k = pe;
		bool colon = false;
		while (k < b) {
			size_t r;
			if (t[k] == ' ' || t[k] == '\t') {
				k++;
			} else if ((r = emph_at(t, k, a, b)) > 0) {
				k += r;
			} else if (t[k] == ':' && !colon) {
				colon = true;
				k++;
			} else {
				break;
			}
		}
		size_t mark = x->n_raws;
		size_t last = k < b ? parse_list(x, k, a, b, ph) : NONE;
		if (last != NONE) {
			bool keep = !has_subject(x, a, i, b, &m);
			if (keep && (phrases[ph].kind & P_COND)) {
				size_t e = last, r;
				while (e < b && (r = emph_at(t, e, a, b)) > 0)
					e += r;
				keep = end_word_after(t, e, b);
			}
			if (!keep)
				x->n_raws = mark;
		}
		i = last != NONE ? last : pe;
	}
}

/* A list item line (up to 3 spaces, `-`, `*`, `+`, `N.` or `N)`, spaces
 * or tabs, an optional task box and spaces or tabs): where its text
 * starts, or NONE. */
static size_t item_start(const char *t, size_t s, size_t e)
{
	size_t k = s;
	while (k < e && k - s < 3 && t[k] == ' ')
		k++;
	if (k >= e)
		return NONE;
	if (t[k] == '-' || t[k] == '*' || t[k] == '+') {
		k++;
	} else {
		size_t d = k;
		while (k < e && k - d < 10 && is_digit((unsigned char)t[k]))
			k++;
		if (k == d || k - d > 9 || k >= e || (t[k] != '.' && t[k] != ')'))
			return NONE;
		k++;
	}
	size_t j = skip_ws(t, k, e);
	if (j == k)
		return NONE;
	if (j + 3 < e && t[j] == '[' && (t[j + 1] == ' ' || t[j + 1] == 'x' || t[j + 1] == 'X') &&
	    t[j + 2] == ']' && is_ws(t[j + 3]))
		j = skip_ws(t, j + 3, e);
	return j;
}

/* A run of one or two `*` at k: its length, else 0. */
static size_t stars(const char *t, size_t k, size_t e)
{
	size_t r = run_len(t, k, e, '*');
	return r <= 2 ? r : 0;
}

/* A heading (up to 3 spaces, 1 to 6 `#`, spaces or tabs) or label line
 * made of a P_HEAD phrase, `*` emphasis and an optional `:` around it:
 * the phrase, or -1. */
static int list_opener(const char *t, size_t s, size_t e)
{
	size_t k = s;
	while (k < e && k - s < 3 && t[k] == ' ')
		k++;
	if (k < e && t[k] == '#') {
		size_t h = run_len(t, k, e, '#');
		size_t j = skip_ws(t, k + h, e);
		if (h > 6 || j == k + h)
			return -1;
		k = j;
	} else {
		k = skip_ws(t, s, e);
	}
	k += stars(t, k, e);
	size_t pe;
	int ph = k < e ? match_phrase(t, k, e, P_HEAD, &pe) : -1;
	if (ph < 0)
		return -1;
	k = pe + stars(t, pe, e);
	if (k < e && t[k] == ':')
		k++;
	k += stars(t, k, e);
	return skip_ws(t, k, e) == e ? ph : -1;
}

/* Before a line's inline rules: whether it is an item of the open list
 * (x->item_at), ends it, or opens one. */
static void list_line(struct ex *x, size_t s, size_t e)
{
	const char *t = x->t;
	x->line_s = s;
	if (skip_ws(t, s, e) == e)
		return; /* blank: neither gives nor ends */
	if (x->list_ph >= 0) {
		size_t c = item_start(t, s, e);
		if (c != NONE) {
			x->item_at = c;
			return;
		}
	}
	x->list_ph = list_opener(t, s, e);
}

static bool reserve_runs(struct ex *x, size_t nruns, size_t maxlen)
{
	if (nruns > SIZE_MAX / sizeof(struct run) || maxlen >= SIZE_MAX / sizeof(size_t))
		return false;
	if (nruns > x->cap_runs) {
		struct run *r = realloc(x->runs, nruns * sizeof *r);
		if (!r)
			return false;
		x->runs = r;
		x->cap_runs = nruns;
	}
	if (maxlen + 1 > x->cap_last) {
		size_t *l = realloc(x->last_by_len, (maxlen + 1) * sizeof *l);
		if (!l)
			return false;
		x->last_by_len = l;
		x->cap_last = maxlen + 1;
	}
	return true;
}

static size_t find_comment_end(const char *t, size_t i, size_t e)
{
	for (; i + 3 <= e; i++) {
		if (t[i] == '-' && t[i + 1] == '-' && t[i + 2] == '>')
			return i + 3;
	}
	return NONE;
}

/* The first backtick, tilde or < in [i,e), or e: eight bytes at a time
 * (a byte of w equal to c shows up as a zero byte of w ^ c). */
static size_t next_inline(const char *t, size_t i, size_t e)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	while (i + 8 <= e) {
		uint64_t w, a, b, c;
		memcpy(&w, t + i, 8);
		a = w ^ (ones * '`');
		b = w ^ (ones * '~');
		c = w ^ (ones * '<');
		if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs)
			break;
		i += 8;
	}
	while (i < e && !(cls[(unsigned char)t[i]] & C_INLINE))
		i++;
	return i;
}

/* Inline rules on the line part [s,e): code spans, strike, comments. */
static void scan_inline(struct ex *x, size_t s, size_t e)
{
	const char *t = x->t;
	/* the backtick and tilde runs, and each one's closer */
	size_t nruns = 0, maxlen = 0;
	bool lt = false;
	for (size_t i = next_inline(t, s, e); i < e; i = next_inline(t, i, e)) {
		if (t[i] == '<') {
			lt = true;
			i++;
		} else {
			size_t r = run_len(t, i, e, t[i]);
			nruns++;
			if (t[i] == '`' && r > maxlen)
				maxlen = r;
			i += r;
		}
	}
	if (!nruns && !lt) {
		scan_segment(x, s, e);
		return;
	}
	if (nruns && !reserve_runs(x, nruns, maxlen)) {
		x->oom = true;
		return;
	}
	if (nruns) {
		size_t j = 0;
		for (size_t i = next_inline(t, s, e); i < e; i = next_inline(t, i, e)) {
			if (t[i] == '`' || t[i] == '~') {
				size_t r = run_len(t, i, e, t[i]);
				x->runs[j].pos = i;
				x->runs[j].len = r;
				x->runs[j].next = NONE;
				if (t[i] == '`')
					x->last_by_len[r] = NONE;
				j++;
				i += r;
			} else {
				i++;
			}
		}
		size_t last_tilde2 = NONE;
		for (size_t j2 = nruns; j2-- > 0;) {
			struct run *r = &x->runs[j2];
			if (t[r->pos] == '`') {
				r->next = x->last_by_len[r->len];
				x->last_by_len[r->len] = j2;
			} else if (r->len == 2) {
				r->next = last_tilde2;
				last_tilde2 = j2;
			}
		}
	}
	size_t seg = s, i = s, k = 0;
	while ((i = next_inline(t, i, e)) < e) {
		char c = t[i];
		if (c == '`' || c == '~') {
			while (k < nruns && x->runs[k].pos < i)
				k++;
			const struct run *r = &x->runs[k];
			if (r->next != NONE) {
				const struct run *cl = &x->runs[r->next];
				if (seg < i)
					scan_segment(x, seg, i);
				i = cl->pos + cl->len;
				seg = i;
				k = r->next + 1;
			} else {
				i += r->len;
				k++;
			}
			continue;
		}
		if (c == '<' && i + 4 <= e && memcmp(t + i, "<!--", 4) == 0) {
			if (seg < i)
				scan_segment(x, seg, i);
			size_t ce = find_comment_end(t, i + 4, e);
			if (ce == NONE) {
				x->in_comment = true;
				return;
			}
			i = seg = ce;
			continue;
		}
		i++;
	}
	if (seg < e)
		scan_segment(x, seg, e);
}

static bool is_gq_line(const char *t, size_t s, size_t e)
{
	return e - s == 3 && t[s] == '>' && t[s + 1] == '>' && t[s + 2] == '>';
}

/* The next line end at or after s: memchr for LF and CR, each cached
 * until passed. */
struct eol {
	size_t lf, cr;
};

static size_t line_end(const char *t, size_t n, struct eol *c, size_t s)
{
	if (c->lf < s || c->lf == NONE) {
		const char *p = memchr(t + s, '\n', n - s);
		c->lf = p ? (size_t)(p - t) : n;
	}
	if (c->cr < s || c->cr == NONE) {
		const char *p = memchr(t + s, '\r', n - s);
		c->cr = p ? (size_t)(p - t) : n;
	}
	return c->lf < c->cr ? c->lf : c->cr;
}

static size_t next_line(const char *t, size_t n, size_t e)
{
	if (e >= n)
		return n;
	return e + (t[e] == '\r' && e + 1 < n && t[e + 1] == '\n' ? 2 : 1);
}

/* Whether a line exactly ">>>" starts at or after s. A miss is
 * remembered, so that each part of the text is searched once. */
static bool gq_closer_after(struct ex *x, size_t s, size_t *none_from)
{
	if (s >= *none_from)
		return false;
	struct eol c = {NONE, NONE};
	for (size_t ls = s; ls < x->n;) {
		size_t le = line_end(x->t, x->n, &c, ls);
		if (is_gq_line(x->t, ls, le))
			return true;
		ls = next_line(x->t, x->n, le);
	}
	*none_from = s;
	return false;
}

static void scan_lines(struct ex *x)
{
	const char *t = x->t;
	size_t n = x->n;
	size_t gq_none_from = NONE;
	struct eol eol = {NONE, NONE};
	char fence = 0;
	size_t fence_len = 0;
	bool in_gq = false;
	x->line = 0;
	for (size_t s = 0; s < n && !x->oom;) {
		size_t e = line_end(t, n, &eol, s);
		size_t next = next_line(t, n, e);
		if (x->line < UINT32_MAX)
			x->line++;
		bool gq = is_gq_line(t, s, e), normal = false;
		x->item_at = NONE;
		size_t sp = 0;
		while (sp < 4 && s + sp < e && t[s + sp] == ' ')
			sp++;
		size_t f = s + sp;
		if (fence) {
			if (sp < 4 && f < e && t[f] == fence) {
				size_t r = run_len(t, f, e, fence);
				size_t j = f + r;
				while (j < e && (t[j] == ' ' || t[j] == '\t'))
					j++;
				if (r >= fence_len && j == e)
					fence = 0;
			}
		} else if (in_gq) {
			if (gq)
				in_gq = false;
		} else if (x->in_comment) {
			size_t ce = find_comment_end(t, s, e);
			if (ce != NONE) {
				x->in_comment = false;
				scan_inline(x, ce, e);
			}
		} else if (gq && gq_closer_after(x, next, &gq_none_from)) {
			in_gq = true;
		} else if (sp < 4 && f < e && t[f] == '>') {
			/* a quoted line */
		} else if (sp < 4 && f < e && (t[f] == '`' || t[f] == '~') &&
			   run_len(t, f, e, t[f]) >= 3 &&
			   !(t[f] == '`' && memchr(t + f + run_len(t, f, e, t[f]), '`',
						   e - f - run_len(t, f, e, t[f])))) {
			fence = t[f];
			fence_len = run_len(t, f, e, t[f]);
		} else {
			normal = true;
			list_line(x, s, e);
			scan_inline(x, s, e);
		}
		if (!normal)
			x->list_ph = -1; /* a line of no other kind ends a heading list */
		s = next;
	}
}

static int pstr_cmp(const struct pstr *a, const struct pstr *b)
{
	size_t ia = 0, oa = 0, ib = 0, ob = 0;
	for (;;) {
		while (ia < 2 && oa == a->l[ia])
			ia++, oa = 0;
		while (ib < 2 && ob == b->l[ib])
			ib++, ob = 0;
		if (ia == 2 && ib == 2)
			return 0;
		if (ia == 2)
			return -1;
		if (ib == 2)
			return 1;
		size_t na = a->l[ia] - oa, nb = b->l[ib] - ob;
		size_t m = na < nb ? na : nb;
		int r = memcmp(a->p[ia] + oa, b->p[ib] + ob, m);
		if (r)
			return r;
		oa += m;
		ob += m;
	}
}

static int raw_cmp(const void *pa, const void *pb)
{
	const struct raw *a = pa, *b = pb;
	int r = pstr_cmp(&a->path, &b->path);
	if (r)
		return r;
	if (a->iid != b->iid)
		return a->iid < b->iid ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return a < b ? -1 : a > b;
}

/* Distinct pairs in text order up to max_refs, then one item per
 * (path, iid, blocks) with its first (so smallest) line. */
static int build(struct ex *x, struct textdeps *out)
{
	int rc = -1;
	size_t *firsts = NULL;
	size_t n = x->n_raws;
	if (n == 0)
		return 0;
	qsort(x->raws, n, sizeof *x->raws, raw_cmp);
	firsts = malloc(n * sizeof *firsts);
	if (!firsts)
		goto done;
	size_t npairs = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || pstr_cmp(&x->raws[i].path, &x->raws[i - 1].path) ||
		    x->raws[i].iid != x->raws[i - 1].iid)
			firsts[npairs++] = x->raws[i].order;
	}
	size_t max = x->ctx->max_refs ? x->ctx->max_refs : 500;
	size_t cut = NONE; /* pairs first read at an order <= cut are kept */
	if (npairs > max) {
		qsort(firsts, npairs, sizeof *firsts, size_cmp);
		cut = firsts[max - 1];
		out->dropped = npairs - max;
	}
	size_t nitems = 0, bytes = 0;
	for (size_t i = 0, g = 0; i < n; i = g) {
		g = i;
		bool seen[2] = {false, false};
		while (g < n && !pstr_cmp(&x->raws[g].path, &x->raws[i].path) &&
		       x->raws[g].iid == x->raws[i].iid) {
			seen[x->raws[g].blocks] = true;
			g++;
		}
		if (cut != NONE && x->raws[i].order > cut)
			continue;
		nitems += seen[0] + seen[1];
		bytes += x->raws[i].path.l[0] + x->raws[i].path.l[1] + 1;
	}
	out->items = malloc(nitems * sizeof *out->items);
	out->priv_arena = malloc(bytes);
	if (!out->items || !out->priv_arena)
		goto done;
	char *w = out->priv_arena;
	for (size_t i = 0, g = 0; i < n; i = g) {
		g = i;
		while (g < n && !pstr_cmp(&x->raws[g].path, &x->raws[i].path) &&
		       x->raws[g].iid == x->raws[i].iid)
			g++;
		if (cut != NONE && x->raws[i].order > cut)
			continue;
		const struct pstr *p = &x->raws[i].path;
		char *str = w;
		memcpy(w, p->p[0], p->l[0]);
		w += p->l[0];
		memcpy(w, p->p[1], p->l[1]);
		w += p->l[1];
		*w++ = '\0';
		for (int bl = 0; bl < 2; bl++) {
			for (size_t j = i; j < g; j++) {
				if (x->raws[j].blocks != (bool)bl)
					continue;
				struct textdep *d = &out->items[out->count++];
				d->project_path = str;
				d->iid = x->raws[j].iid;
				d->blocks = bl;
				d->line = x->raws[j].line;
				d->phrase = phrases[x->raws[j].phrase].name;
				break;
			}
		}
	}
	rc = 0;
done:
	free(firsts);
	return rc;
}

int textdeps_extract(const char *text, size_t len, const struct textdeps_ctx *ctx,
		     struct textdeps *out)
{
	struct ex x;
	int rc = -1;
	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	x.t = text;
	x.n = text ? len : 0;
	x.list_ph = -1;
	x.item_at = NONE;
	x.ctx = ctx;
	x.proj_len = strlen(ctx->project_path);
	const char *slash = strrchr(ctx->project_path, '/');
	x.ns_len = slash ? (size_t)(slash - ctx->project_path) + 1 : 0;
	if (ctx->n_origins) {
		x.origins = calloc(ctx->n_origins, sizeof *x.origins);
		if (!x.origins)
			goto done;
	}
	for (size_t i = 0; i < ctx->n_origins; i++) {
		const char *o = ctx->origins[i];
		size_t ol = o ? strlen(o) : 0, end;
		struct origin *d = &x.origins[x.n_origins];
		if (!o || !origin_parse(o, ol, d, &end))
			continue;
		d->prefix = o + end;
		d->prefix_len = ol - end;
		x.n_origins++;
	}
	scan_lines(&x);
	if (x.oom)
		goto done;
	if (build(&x, out) < 0)
		goto done;
	rc = 0;
done:
	if (rc < 0)
		textdeps_release(out);
	free(x.origins);
	free(x.raws);
	free(x.seen);
	free(x.runs);
	free(x.last_by_len);
	return rc;
}

void textdeps_release(struct textdeps *d)
{
	if (!d)
		return;
	free(d->items);
	free(d->priv_arena);
	d->items = NULL;
	d->priv_arena = NULL;
	d->count = 0;
	d->dropped = 0;
}

char *textdeps_origin(const char *url)
{
	struct origin o;
	size_t n, end;
	if (!url)
		return NULL;
	n = strlen(url);
	if (!origin_parse(url, n, &o, &end))
		return NULL;
	if (end < n && url[end] != '/' && url[end] != '?' && url[end] != '#')
		return NULL;
	size_t pe = end;
	while (pe < n && url[pe] != '?' && url[pe] != '#')
		pe++;
	while (pe > end && url[pe - 1] == '/')
		pe--;
	size_t total =
	    o.scheme_len + 3 + o.host_len + (o.port_len ? o.port_len + 1 : 0) + (pe - end) + 1;
	char *r = malloc(total), *w = r;
	if (!r)
		return NULL;
	memcpy(w, o.scheme_len == 4 ? "http://" : "https://", o.scheme_len + 3);
	w += o.scheme_len + 3;
	for (size_t i = 0; i < o.host_len; i++)
		*w++ = (char)lower((unsigned char)o.host[i]);
	if (o.port_len) {
		*w++ = ':';
		memcpy(w, o.port, o.port_len);
		w += o.port_len;
	}
	memcpy(w, url + end, pe - end);
	w += pe - end;
	*w = '\0';
	return r;
}
