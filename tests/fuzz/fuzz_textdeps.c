/* libFuzzer target for fetch/textdeps.c. The first three bytes choose the
 * context (T's project and origins, T's iid, max_refs); the rest is the
 * description. Checks the result's invariants: items sorted and distinct,
 * iid > 0, lines within the text's line count, a known phrase whose
 * direction matches, no reference to T, at most max_refs distinct pairs;
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
} phrases[] = {{"blocked by", false}, {"depends on", false}, {"depend on", false},
	       {"requires", false},   {"needs", false},	     {"blocks", true},
	       {"required by", true}, {"needed by", true}};

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
