/* libFuzzer target for fetch/textdeps.c. The first three bytes choose the
 * context (T's project and origins, T's iid, max_refs); the rest is the
 * description. Checks the result's invariants: items sorted and distinct,
 * iid > 0, lines within the text's line count, a known phrase whose
 * direction matches, no reference to T, at most max_refs distinct pairs;
 * a heading word's dependency on a list item line, a conditional phrase's
 * on a line with an end word;
 * and that textdeps_origin is idempotent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "textdeps.h"

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static const char *const projects[] = {"g/app", "g/sub/app", "app", "a.b/c-d_e/f"};
static const char *const origins[] = {"https://gitlab.example.com", "http://h.example:8080/gitlab",
				      "https://h.example"};
static const struct {
	const char *name;
	bool blocks;
} phrases[] = {
    /* grammar 2: inline and conditional phrases, then heading words */
    {"blocked by", false},    {"blocked on", false},   {"depends on", false},
    {"depend on", false},     {"requires", false},     {"needs", false},
    {"blocks", true},	      {"unblocks", true},      {"required by", true},
    {"needed by", true},      {"part of", true},       {"waiting for", false},
    {"waiting on", false},    {"wait for", false},     {"until", false},
    {"once", false},	      {"dependencies", false}, {"blockers", false},
    {"prerequisites", false}, {"blocking", true},
};

/* Line n (1-based) of text: [*s, *e). */
static void line_at(const char *t, size_t len, size_t n, size_t *s, size_t *e)
{
	size_t i = 0, cur = 1;
	while (cur < n && i < len) {
		if (t[i] == '\n' || t[i] == '\r') {
			if (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')
				i++;
			cur++;
		}
		i++;
	}
	*s = i;
	while (i < len && t[i] != '\n' && t[i] != '\r')
		i++;
	*e = i;
}

/* Whether [s,e) holds w, ASCII letters in any case. */
static bool has_ci(const char *t, size_t s, size_t e, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = s; i + wl <= e; i++) {
		size_t k = 0;
		while (k < wl && (t[i + k] | 0x20) == w[k])
			k++;
		if (k == wl)
			return true;
	}
	return false;
}

/* Grammar 2's shapes: a heading word's dependency comes from a list item
 * line (a marker after up to 3 spaces); a conditional phrase's line holds
 * an end word. */
static bool shape_ok(const char *t, size_t len, const struct textdep *e)
{
	static const char *const heads[] = {"dependencies", "blockers", "prerequisites",
					    "blocking"};
	static const char *const conds[] = {"waiting for", "waiting on", "wait for", "until",
					    "once"};
	static const char *const ends[] = {"merge", "close",	"fixed",   "resolved", "done",
					   "land",  "released", "shipped", "finished", "completed"};
	size_t s, en;
	line_at(t, len, e->line, &s, &en);
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
		if (strcmp(e->phrase, heads[h]) != 0)
			continue;
		size_t k = s;
		while (k < en && k - s < 3 && t[k] == ' ')
			k++;
		return k < en &&
		       (t[k] == '-' || t[k] == '*' || t[k] == '+' || (t[k] >= '0' && t[k] <= '9'));
	}
	for (size_t c = 0; c < sizeof conds / sizeof conds[0]; c++) {
		if (strcmp(e->phrase, conds[c]) != 0)
			continue;
		for (size_t w = 0; w < sizeof ends / sizeof ends[0]; w++)
			if (has_ci(t, s, en, ends[w]))
				return true;
		return false;
	}
	return true;
}

static bool path_ok(const char *p)
{
	if (!*p || *p == '/')
		return false;
	for (const char *c = p; *c; c++) {
		bool w = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			 (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-' ||
			 *c == '/';
		if (!w)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct textdeps_ctx ctx = {0};
	ctx.project_path = projects[data[0] & 3];
	ctx.origins = origins;
	ctx.n_origins = (data[0] >> 2) % 4;
	ctx.iid = data[1] % 16; /* 0 too: T may have no reference-able iid */
	ctx.max_refs = data[2] % 8;
	const char *text = (const char *)data + 3;
	size_t len = size - 3;

	struct textdeps d;
	if (textdeps_extract(text, len, &ctx, &d) < 0)
		return 0;
	size_t lines = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n' || (text[i] == '\r' && !(i + 1 < len && text[i + 1] == '\n')))
			lines++;
	}
	size_t pairs = 0;
	for (size_t i = 0; i < d.count; i++) {
		const struct textdep *e = &d.items[i];
		CHECK(e->iid > 0);
		CHECK(e->line >= 1 && e->line <= lines);
		CHECK(path_ok(e->project_path));
		CHECK(!(e->iid == ctx.iid && strcmp(e->project_path, ctx.project_path) == 0));
		bool known = false;
		for (size_t p = 0; p < sizeof phrases / sizeof phrases[0]; p++) {
			if (e->phrase == phrases[p].name ||
			    strcmp(e->phrase, phrases[p].name) == 0) {
				known = true;
				CHECK(e->blocks == phrases[p].blocks);
			}
		}
		CHECK(known);
		CHECK(shape_ok(text, len, e));
		if (i == 0) {
			pairs++;
			continue;
		}
		const struct textdep *f = &d.items[i - 1];
		int c = strcmp(f->project_path, e->project_path);
		CHECK(c <= 0);
		if (c == 0)
			CHECK(f->iid <= e->iid);
		if (c == 0 && f->iid == e->iid)
			CHECK(!f->blocks && e->blocks);
		else
			pairs++;
	}
	size_t max = ctx.max_refs ? ctx.max_refs : 500;
	CHECK(pairs <= max);
	if (d.dropped)
		CHECK(pairs == max);

	/* the same input gives the same answer */
	struct textdeps d2;
	if (textdeps_extract(text, len, &ctx, &d2) == 0) {
		CHECK(d2.count == d.count && d2.dropped == d.dropped);
		for (size_t i = 0; i < d.count; i++) {
			CHECK(strcmp(d.items[i].project_path, d2.items[i].project_path) == 0);
			CHECK(d.items[i].iid == d2.items[i].iid &&
			      d.items[i].line == d2.items[i].line);
		}
		textdeps_release(&d2);
	}
	textdeps_release(&d);
	textdeps_release(&d);

	/* textdeps_origin: any string in, a fixed point out */
	char *s = malloc(len + 1);
	if (!s)
		return 0;
	memcpy(s, text, len);
	s[len] = '\0';
	char *o = textdeps_origin(s);
	if (o) {
		char *o2 = textdeps_origin(o);
		CHECK(o2 && strcmp(o, o2) == 0);
		free(o2);
	}
	free(o);
	free(s);
	return 0;
}
