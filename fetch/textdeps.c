/* textdeps: the SPEC's "Text dependencies" grammar, one forward pass per
 * line. The decisions the SPEC leaves open are listed in textdeps.h. */
#include "textdeps.h"

#include <stdlib.h>
#include <string.h>

#define NONE ((size_t)-1)

static const char *const phrase_names[] = {"blocked by", "depends on", "depend on",   "requires",
					   "needs",	 "blocks",     "required by", "needed by"};
/* per phrase: word one, word two (or NULL), whether T blocks R */
static const struct {
	const char *w1, *w2;
	bool blocks;
} phrases[] = {
    {"blocked", "by", false},  {"depends", "on", false}, {"depend", "on", false},
    {"requires", NULL, false}, {"needs", NULL, false},	 {"blocks", NULL, true},
    {"required", "by", true},  {"needed", "by", true},
};

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
	struct run *runs;
	size_t cap_runs;
	size_t *last_by_len;
	size_t cap_last;
	bool in_comment;
	bool oom;
	uint32_t line;
};

/* Byte classes: word character, first letter of a phrase, inline opener,
 * and a byte that may stand before a phrase (a non-word byte or `_`). */
enum { C_WORD = 1, C_PSTART = 2, C_INLINE = 4, C_BOUND = 8 };
/* clang-format off */
static const unsigned char cls[256] = {
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 12, 8, 8, 8,
	8, 1, 3, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1,
	1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 8, 8, 9,
	12, 1, 3, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1,
	1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 8, 12, 8,
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

/* The mirror of ok_after for the start of a phrase at i. */
static bool ok_before(const char *t, size_t i, size_t a)
{
	if (i <= a)
		return true;
	if (t[i - 1] == '_') {
		size_t r = 0;
		while (i - r > a && t[i - r - 1] == '_')
			r++;
		return r <= 2 && (i - r <= a || !is_word((unsigned char)t[i - r - 1]));
	}
	return !is_word((unsigned char)t[i - 1]);
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
	r->blocks = phrases[ph].blocks;
	r->order = x->n_raws;
	x->n_raws++;
}

/* One reference (optionally in parentheses) at i; records it and returns
 * its end, or NONE. */
static size_t parse_item(struct ex *x, size_t i, size_t b, int ph)
{
	const char *t = x->t;
	bool paren = t[i] == '(';
	if (paren && ++i >= b)
		return NONE;
	struct pstr path = {{"", ""}, {0, 0}};
	int64_t iid = 0;
	size_t k = NONE, ps = 0, pe = 0;
	unsigned char c = (unsigned char)t[i];
	if (c == '#') {
		k = parse_num(t, i + 1, b, &iid);
		path.p[0] = x->ctx->project_path;
		path.l[0] = x->proj_len;
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
		k = parse_url(x, u, b, &ps, &pe, &iid);
		if (k != NONE && close) {
			if (k < b && t[k] == close)
				k++;
			else
				k = NONE;
		}
		path.p[1] = t + ps;
		path.l[1] = pe - ps;
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
		k = parse_num(t, j + 1, b, &iid);
		if (nseg == 1) {
			path.p[0] = x->ctx->project_path;
			path.l[0] = x->ns_len;
		}
		path.p[1] = t + i;
		path.l[1] = j - i;
	}
	if (k == NONE)
		return NONE;
	if (paren) {
		if (k >= b || t[k] != ')')
			return NONE;
		k++;
	}
	record(x, &path, iid, ph);
	return k;
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

/* The phrase at i (a letter at a word boundary): its index and end. */
static int match_phrase(const char *t, size_t i, size_t b, size_t *end)
{
	for (int p = 0; p < (int)(sizeof phrases / sizeof phrases[0]); p++) {
		size_t k = match_ci(t, i, b, phrases[p].w1);
		if (!k)
			continue;
		if (phrases[p].w2) {
			size_t j = k;
			while (j < b && (t[j] == ' ' || t[j] == '\t'))
				j++;
			if (j == k)
				continue;
			k = match_ci(t, j, b, phrases[p].w2);
			if (!k)
				continue;
		}
		if (!ok_after(t, k, b))
			continue;
		*end = k;
		return p;
	}
	return -1;
}

/* Phrases and their lists in the visible segment [a,b) of a line. */
static void scan_segment(struct ex *x, size_t a, size_t b)
{
	const char *t = x->t;
	size_t i = a;
	while (i < b && !x->oom) {
		/* a phrase starts with b, d, n or r after a non-word byte or
		 * `_` (ok_before has the last word); C_PSTART << 2 == C_BOUND */
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
		size_t pe = 0;
		int ph = ok_before(t, i, a) ? match_phrase(t, i, b, &pe) : -1;
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
		size_t last = NONE;
		while (k < b) {
			size_t e = parse_item(x, k, b, ph);
			if (e == NONE)
				break;
			last = e;
			k = skip_sep(t, e, a, b);
			if (k == e)
				break;
		}
		i = last != NONE ? last : pe;
	}
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
		for (size_t i = s; i < e;) {
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
	while (i < e) {
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
		bool gq = is_gq_line(t, s, e);
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
			scan_inline(x, s, e);
		}
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
				d->phrase = phrase_names[x->raws[j].phrase];
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
