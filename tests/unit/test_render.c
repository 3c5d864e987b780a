/* Unit tests of render/: escaping, wrapping, and DOT read back with cgraph's
 * agmemread from graphs held in a real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <graphviz/cgraph.h>

#include "analyze.h"
#include "render.h"
#include "render_internal.h"
#include "store.h"

/* ---- escaping ---------------------------------------------------------------- */

static void check_escape(char *(*fn)(const char *), const char *in, const char *want)
{
	char *got = fn(in);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_escape__gv_doubles_backslashes_and_amp(void **state)
{
	(void)state;
	check_escape(render_escape_gv, "C:\\New", "C:\\\\New");
	check_escape(render_escape_gv, "ends in \\", "ends in \\\\");
	check_escape(render_escape_gv, "\\N \\l", "\\\\N \\\\l");
	check_escape(render_escape_gv, "a & b &lt;", "a &amp; b &amp;lt;");
	check_escape(render_escape_gv, "line\nnext\ttab", "line\\\\x0anext\\\\x09tab");
	check_escape(render_escape_gv, "\"q\" <b>", "\"q\" <b>"); /* cgraph quotes these */
	check_escape(render_escape_gv, NULL, "");
}

static void test_escape__invalid_utf8_becomes_hex_escapes(void **state)
{
	(void)state;
	/* SPEC: each byte that is not valid UTF-8 as \xNN of the byte (and
	 * Graphviz then doubles the backslash) */
	check_escape(render_escape_gv,
		     "a\xff"
		     "b",
		     "a\\\\xffb");
	check_escape(render_escape_gv, "\xe2\x82", "\\\\xe2\\\\x82");		 /* truncated */
	check_escape(render_escape_gv, "\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80"); /* surrogate */
	check_escape(render_escape_gv, "🚀 שלום 日本", "🚀 שלום 日本");
}

/* SPEC "Exit codes": the one rule for text from a server or a snapshot. */
static void test_safe_text__spells_every_control_as_hex(void **state)
{
	(void)state;
	static const char in[] = "\x1b[2J \x1b]52;c;QQ==\x07 \xc2\x9b \x7f \t\r\n \xff\xc3 \\ "
				 "\xc2\xa0 caf\xc3\xa9 \xf0\x9f\x9a\x80";
	static const char want[] = "\\x1b[2J \\x1b]52;c;QQ==\\x07 \\x9b \\x7f \\x09\\x0d\\x0a "
				   "\\xff\\xc3 \\ \xc2\xa0 caf\xc3\xa9 \xf0\x9f\x9a\x80";
	char *got = render_safe_text_dup(in, sizeof in - 1);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	/* a NUL inside the given length is a control too */
	got = render_safe_text_dup("a\0b", 3);
	assert_string_equal(got, "a\\x00b");
	free(got);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(render_safe_text(f, in, sizeof in - 1), 0);
	assert_int_equal(render_safe_puts(f, NULL), 0);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

/* SPEC "Exit codes": bidi controls and U+2028/U+2029 as \uXXXX (upper-case
 * hex), in every escaper; their neighbours (U+200D, U+202F, U+2065,
 * U+206A, U+061B) stay (issue 19, F12). */
static void test_escape__bidi_controls_as_u_escapes(void **state)
{
	(void)state;
	static const char in[] = "a\xd8\x9c \xe2\x80\x8e\xe2\x80\x8f \xe2\x80\xaa\xe2\x80\xab"
				 "\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae \xe2\x81\xa6\xe2\x81\xa7"
				 "\xe2\x81\xa8\xe2\x81\xa9 \xe2\x80\xa8\xe2\x80\xa9 z";
	static const char want[] = "a\\u061C \\u200E\\u200F \\u202A\\u202B\\u202C\\u202D"
				   "\\u202E \\u2066\\u2067\\u2068\\u2069 \\u2028\\u2029 z";
	char *got = render_safe_text_dup(in, sizeof in - 1);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	static const char keep[] = "\xe2\x80\x8d \xe2\x80\xaf \xe2\x81\xa5 \xe2\x81\xaa \xd8\x9b";
	got = render_safe_text_dup(keep, sizeof keep - 1);
	assert_string_equal(got, keep);
	free(got);
	/* a flavour escapes the backslash as it escapes one */
	check_escape(render_escape_gv, "x\xe2\x80\xaey", "x\\\\u202Ey");
	check_escape(render_escape_markdown, "x\xe2\x80\xaey", "x\\\\u202Ey");
	check_escape(render_escape_mermaid, "x\xe2\x80\xaey", "x#92;u202Ey");
	check_escape(render_escape_html, "x\xe2\x80\xaey", "x\\u202Ey");
}

/* Found by tests/fuzz (fuzz_escape): C1 controls (U+0080..U+009F, e.g.
 * CSI U+009B) passed every escaper raw; like C0 they must not reach a
 * terminal or a document. */
static void test_escape__c1_controls_do_not_pass(void **state)
{
	(void)state;
	const char *in = "c1 \xc2\x85 \xc2\x9b[2J x \xc2\xa0";
	for (int k = 0; k < 4; k++) {
		char *got = k == 0   ? render_escape_gv(in)
			    : k == 1 ? render_escape_mermaid(in)
			    : k == 2 ? render_escape_html(in)
				     : render_escape_markdown(in);
		assert_non_null(got);
		/* no C1 byte pair survives; U+00A0 (not a control) does */
		for (const char *q = got; *q; q++)
			assert_false((unsigned char)q[0] == 0xc2 && (unsigned char)q[1] >= 0x80 &&
				     (unsigned char)q[1] <= 0x9f);
		assert_non_null(strstr(got, "\xc2\xa0"));
		free(got);
	}
}

/* ---- SHA-256 (the HTML report's CSP hash), against sha256sum ---------------- */

static void sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char d[32];
	render_sha256(data, len, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void test_sha256__matches_sha256sum(void **state)
{
	(void)state;
	/* lengths around the padding boundaries (55, 56, 63, 64, 65) and more */
	static const size_t lens[] = {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100003};
	char path[] = "/tmp/ig-sha256-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unsigned char *buf = malloc(100003);
	assert_non_null(buf);
	for (size_t i = 0; i < 100003; i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 8));
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf, 1, lens[k], f), lens[k]);
		assert_int_equal(fclose(f), 0);
		char cmd[128], want[65] = "", got[65];
		snprintf(cmd, sizeof cmd, "sha256sum %s", path);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		assert_int_equal(fscanf(p, "%64s", want), 1);
		pclose(p);
		sha256_hex(buf, lens[k], got);
		if (strcmp(got, want) != 0)
			fail_msg("sha256 of %zu bytes: %s, sha256sum says %s", lens[k], got, want);
	}
	free(buf);
	unlink(path);
	char got[65];
	sha256_hex("abc", 3, got); /* FIPS 180-2 example */
	assert_string_equal(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_escape__mermaid_leaves_no_quote_or_markup(void **state)
{
	(void)state;
	check_escape(render_escape_mermaid, "\" onload=\"x", "#quot; onload=#quot;x");
	check_escape(render_escape_mermaid, "<script>&", "#lt;script#gt;#amp;");
	check_escape(render_escape_mermaid, "#quot; `md` %%{init}%% \\",
		     "#35;quot; #96;md#96; #37;#37;{init}#37;#37; #92;");
	check_escape(render_escape_mermaid, "a\nb", "a#92;x0ab");
}

static void test_escape__markdown_escapes_every_markup_character(void **state)
{
	(void)state;
	check_escape(render_escape_markdown, "a|b *c* _d_ [e](f) `g` #1 !h <i> & \\ ~j @k $l",
		     "a\\|b \\*c\\* \\_d\\_ \\[e\\]\\(f\\) \\`g\\` \\#1 \\!h &lt;i&gt; &amp; \\\\ "
		     "\\~j \\@k \\$l");
	check_escape(render_escape_markdown, "one\ntwo\r\nthree",
		     "one\\\\x0atwo\\\\x0d\\\\x0athree");
	check_escape(render_escape_markdown, "{x}", "\\{x\\}");
}

static void test_escape__html(void **state)
{
	(void)state;
	check_escape(render_escape_html, "<a href=\"x\" title='y'>&</a>",
		     "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

static void test_escape__safe_url(void **state)
{
	(void)state;
	char *u = render_safe_url("https://h/g/a/-/issues/1");
	assert_string_equal(u, "https://h/g/a/-/issues/1");
	free(u);
	u = render_safe_url("https://h/x\" onload=\"y <z>");
	assert_string_equal(u, "https://h/x%22%20onload=%22y%20%3Cz%3E");
	free(u);
	assert_null(render_safe_url("javascript:alert(1)"));
	assert_null(render_safe_url("data:text/html,x"));
	assert_null(render_safe_url(NULL));
}

/* ---- wrapping ---------------------------------------------------------------- */

static void rbuf_copy(struct rbuf *b, const char *s)
{
	rbuf_puts(b, s);
}

static char *wrap(const char *s, unsigned width, unsigned lines)
{
	struct rbuf b = {0};
	render_wrap(&b, s, width, lines, "|", rbuf_copy);
	return rbuf_finish(&b);
}

static void test_wrap__words_lines_and_ellipsis(void **state)
{
	(void)state;
	char *w = wrap("one two three four", 9, 3);
	assert_string_equal(w, "one two|three|four");
	free(w);
	w = wrap("one two three four five six", 9, 2);
	assert_string_equal(w, "one two|three\xe2\x80\xa6");
	free(w);
	w = wrap("abcdefghijkl", 5, 3);
	assert_string_equal(w, "abcde|fghij|kl");
	free(w);
	/* wide characters count two columns and are never split */
	w = wrap("日本語日本語", 6, 3);
	assert_string_equal(w, "日本語|日本語");
	free(w);
	w = wrap("", 10, 3);
	assert_string_equal(w, "");
	free(w);
}

/* ---- rendering from a store -------------------------------------------------- */

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
	struct analyze_graph *g;
};

struct issue_def {
	const char *title;
	bool closed, confidential;
	const char *milestone;
};

/* Issues g/a#1..n (ids 1..n) with the given titles; blocks edges e[i][0] ->
 * e[i][1] (iids); relates r. */
static void fixture_make(struct fixture *f, const struct issue_def *iss, size_t n,
			 const int (*e)[2], size_t m, const int (*r)[2], size_t mr, bool all_states)
{
	memset(f, 0, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_render.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/s.db", f->dir);
	assert_int_equal(store_open(&f->s, f->path, STORE_OPEN_CREATE), 0);
	struct store_project p = {.id = 1, .path = "g/a", .web_url = "https://h/g/a"};
	assert_int_equal(store_put_project(f->s, &p), 0);
	for (size_t i = 0; i < n; i++) {
		char url[64];
		snprintf(url, sizeof url, "https://h/g/a/-/issues/%zu", i + 1);
		struct store_issue is = {
		    .id = (int64_t)i + 1,
		    .project_id = 1,
		    .iid = (int64_t)i + 1,
		    .title = iss[i].title,
		    .state = iss[i].closed ? STORE_STATE_CLOSED : STORE_STATE_OPENED,
		    .confidential = iss[i].confidential,
		    .milestone_title = iss[i].milestone,
		    .labels_json = "[]",
		    .created_at = "2026-01-01T00:00:00Z",
		    .updated_at = "2026-01-01T00:00:00Z",
		    .closed_at = iss[i].closed ? "2026-01-02T00:00:00Z" : NULL,
		    .web_url = url,
		};
		assert_int_equal(store_put_issue(f->s, &is), 0);
	}
	for (size_t i = 0; i < m; i++) {
		struct store_link l = {.id = (int64_t)i + 1,
				       .source_id = e[i][0],
				       .target_id = e[i][1],
				       .type = STORE_LINK_BLOCKS};
		assert_int_equal(store_put_link(f->s, &l), 0);
	}
	for (size_t i = 0; i < mr; i++) {
		struct store_link l = {.id = (int64_t)(m + i) + 1,
				       .source_id = r[i][0],
				       .target_id = r[i][1],
				       .type = STORE_LINK_RELATES};
		assert_int_equal(store_put_link(f->s, &l), 0);
	}
	assert_int_equal(store_mark_populated(f->s), 0);
	struct analyze_load_opts lo = {.all_states = all_states};
	assert_int_equal(analyze_graph_load(&f->g, f->s, &lo), 0);
}

static void fixture_free(struct fixture *f)
{
	analyze_graph_free(f->g);
	store_close(f->s);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
}

/* The view cli/ builds (cli/render_view.c: render/ reads no store), read
 * here straight from the fixture's store: titles (the confidential rule
 * of render_texts_init) and web_urls; people and due dates are not loaded,
 * so the labels hold ref and title only. */
struct view_walk {
	struct render_texts *t;
	const struct analyze_graph *g;
};

static int view_take(void *ctx, const struct store_issue *is)
{
	struct view_walk *w = ctx;
	for (uint32_t v = 0; v < w->g->n; v++) {
		if (w->g->issue_id[v] != is->id)
			continue;
		if (!(w->t->mark[v] & RENDER_TEXT_HIDDEN))
			assert_non_null(w->t->title[v] = strdup(is->title ? is->title : ""));
		if (is->web_url)
			assert_non_null(w->t->url[v] = strdup(is->web_url));
	}
	return 0;
}

static void fixture_view(struct fixture *f, struct render_texts *t, bool show_confidential)
{
	assert_int_equal(
	    render_texts_init(t, f->g, show_confidential ? RENDER_TEXTS_SHOW_CONFIDENTIAL : 0), 0);
	int64_t *ids = malloc((f->g->n ? f->g->n : 1) * sizeof *ids);
	assert_non_null(ids);
	for (uint32_t v = 0; v < f->g->n; v++)
		ids[v] = f->g->issue_id[v];
	struct view_walk w = {t, f->g};
	assert_int_equal(store_get_issues(f->s, ids, f->g->n, view_take, &w), 0);
	free(ids);
}

/* The links part of the view (cli/render_view.c builds it for the
 * binary), read here from the fixture's store: the seeds, every relates_to
 * link and the text evidence of every text edge. */
struct test_links {
	struct render_links l;
	uint8_t *seed;
	struct render_pair rel[16];
	struct render_edge_text et[16];
	const struct analyze_graph *g;
};

static uint32_t node_of_id(const struct analyze_graph *g, int64_t id)
{
	for (uint32_t v = 0; v < g->n; v++)
		if (g->issue_id[v] == id)
			return v;
	return ANALYZE_NONE;
}

static int links_take(void *ctx, const struct store_link *l)
{
	struct test_links *t = ctx;
	uint32_t a = node_of_id(t->g, l->source_id), b = node_of_id(t->g, l->target_id);
	if (l->type == STORE_LINK_RELATES && a != ANALYZE_NONE && b != ANALYZE_NONE) {
		assert_true(t->l.n_relates < 16);
		t->rel[t->l.n_relates++] = (struct render_pair){a, b};
	}
	return 0;
}

static void fixture_links(struct fixture *f, struct test_links *t)
{
	const struct analyze_graph *g = f->g;
	memset(t, 0, sizeof *t);
	t->g = g;
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_seed_projects(f->s, &ids, &n), 0);
	assert_non_null(t->seed = calloc(g->n_projects + 1, 1));
	for (uint32_t p = 0; p < g->n_projects; p++) {
		t->seed[p] = n == 0;
		for (size_t i = 0; i < n; i++)
			t->seed[p] |= ids[i] == g->project_id[p];
	}
	free(ids);
	t->l.project_seed = t->seed;
	assert_int_equal(store_each_link_fast(f->s, STORE_WALK_RELATES_ONLY, links_take, t), 0);
	t->l.relates = t->rel;
	for (uint32_t v = 0; g->out_origin && v < g->n; v++)
		for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
			if (!(g->out_origin[e] & ANALYZE_ORIGIN_TEXT))
				continue;
			struct analyze_text_in *in = NULL;
			uint32_t k = 0;
			assert_int_equal(analyze_text_in(f->s, g, v, g->out_adj[e], &in, &k), 0);
			if (!k)
				continue;
			assert_true(t->l.n_etext < 16);
			t->et[t->l.n_etext++] = (struct render_edge_text){v, g->out_adj[e], in, k};
		}
	t->l.etext = t->et;
}

static void links_release(struct test_links *t)
{
	for (uint32_t i = 0; i < t->l.n_etext; i++)
		free((void *)t->et[i].in);
	free(t->seed);
}

static char *render_mem(struct fixture *f, const struct render_opts *o)
{
	struct render_texts t;
	struct test_links tl;
	fixture_view(f, &t, o->show_confidential);
	fixture_links(f, &tl);
	struct render_input in = {.g = f->g, .texts = &t, .links = &tl.l};
	char *buf = NULL;
	size_t len = 0;
	int rc = render_to_buffer(&buf, &len, &in, o);
	render_texts_release(&t);
	links_release(&tl);
	if (rc)
		fail_msg("render: %d %s", rc, render_errmsg());
	if (o->format == RENDER_FORMAT_PNG)
		assert_memory_equal(buf, "\x89PNG", 4);
	else
		assert_int_equal(strlen(buf), len);
	return buf;
}

static Agraph_t *read_dot(const char *text)
{
	Agraph_t *g = agmemread(text);
	assert_non_null(g);
	return g;
}

static const char *nattr(Agraph_t *g, const char *node, const char *attr)
{
	Agnode_t *n = agnode(g, (char *)node, 0);
	if (!n)
		fail_msg("node %s missing", node);
	char *v = agget(n, (char *)attr);
	return v ? v : "";
}

static Agedge_t *edge(Agraph_t *g, const char *a, const char *b)
{
	Agnode_t *t = agnode(g, (char *)a, 0), *h = agnode(g, (char *)b, 0);
	if (!t || !h)
		return NULL;
	return agedge(g, t, h, NULL, 0);
}

static const char *eattr(Agraph_t *g, const char *a, const char *b, const char *attr)
{
	Agedge_t *e = edge(g, a, b);
	if (!e)
		fail_msg("edge %s -> %s missing", a, b);
	char *v = agget(e, (char *)attr);
	return v ? v : "";
}

/* dot -Tcanon accepts text (run the real dot). */
static void assert_dot_accepts(const char *text)
{
	FILE *p = popen("dot -Tcanon > /dev/null 2>&1", "w");
	assert_non_null(p);
	fputs(text, p);
	assert_int_equal(pclose(p), 0);
}

static int count_nodes(Agraph_t *g, const char *skip_class)
{
	int c = 0;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		char *cls = agget(n, "class");
		if (skip_class && cls && strstr(cls, skip_class))
			continue;
		c++;
	}
	return c;
}

/* 1 -> 2 -> 3 -> 1 is a knot; 3 -> 4 -> 5 -> 6, 4 -> 6 is implied; 7 closed,
 * 6 -> 7; 1 relates 5; 8 is confidential and blocked by 6. */
static const struct issue_def six[] = {
    {"C:\\New", false, false, NULL},
    {"title ending in \\", false, false, NULL},
    {"\\N and \"quotes\" <b>&amp;</b>", false, false, "v1"},
    {"four", false, false, "v1"},
    {"five\nwith newline", false, false, NULL},
    {"six 🚀 שלום", false, false, NULL},
    {"seven closed", true, false, NULL},
    {"SECRET plan", false, true, NULL},
};
static const int six_e[][2] = {{1, 2}, {2, 3}, {3, 1}, {3, 4}, {4, 5},
			       {5, 6}, {4, 6}, {6, 7}, {6, 8}};
static const int six_r[][2] = {{1, 5}};

static void test_dot__nodes_edges_knot_and_critical_marks(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, six, 8, six_e, 9, six_r, 1, false);
	struct render_opts o;
	render_opts_init(&o);
	char *dot = render_mem(&f, &o);
	assert_dot_accepts(dot);
	Agraph_t *g = read_dot(dot);

	assert_int_equal(count_nodes(g, NULL), 7); /* #7 closed: not drawn */
	assert_null(agnode(g, "g/a#7", 0));
	/* labels keep backslashes literal (doubled for Graphviz) */
	assert_string_equal(nattr(g, "g/a#1", "label"), "g/a#1\\nC:\\\\New");
	assert_string_equal(nattr(g, "g/a#2", "label"), "g/a#2\\ntitle ending in \\\\");
	assert_non_null(
	    strstr(nattr(g, "g/a#3", "tooltip"), "\\\\\\\\N and \"quotes\" <b>&amp;amp;</b>"));
	assert_string_equal(nattr(g, "g/a#1", "URL"), "https://h/g/a/-/issues/1");
	/* confidential: ref only */
	assert_null(strstr(dot, "SECRET"));
	assert_string_equal(nattr(g, "g/a#8", "label"), "g/a#8\\n(confidential)");

	/* knot members and knot links red */
	for (int i = 1; i <= 3; i++) {
		char ref[16];
		snprintf(ref, sizeof ref, "g/a#%d", i);
		assert_non_null(strstr(nattr(g, ref, "class"), "knot"));
	}
	assert_null(strstr(nattr(g, "g/a#4", "class"), "knot"));
	assert_non_null(strstr(eattr(g, "g/a#1", "g/a#2", "class"), "knot"));
	assert_string_equal(eattr(g, "g/a#2", "g/a#3", "color"), "#d00000");
	/* the critical path: knot {1,2,3} -> 4 -> 5 -> 6 -> 8 */
	assert_non_null(strstr(eattr(g, "g/a#3", "g/a#4", "class"), "critical"));
	assert_non_null(strstr(eattr(g, "g/a#4", "g/a#5", "class"), "critical"));
	assert_non_null(strstr(eattr(g, "g/a#5", "g/a#6", "class"), "critical"));
	assert_string_equal(eattr(g, "g/a#5", "g/a#6", "penwidth"), "3");
	assert_null(strstr(eattr(g, "g/a#4", "g/a#6", "class"), "critical"));
	assert_non_null(strstr(nattr(g, "g/a#4", "class"), "critical"));
	/* relates: dashed, no arrowheads */
	Agedge_t *rel = edge(g, "g/a#1", "g/a#5");
	assert_non_null(rel);
	assert_string_equal(agget(rel, "style"), "dashed");
	assert_string_equal(agget(rel, "dir"), "none");
	/* clusters by project */
	assert_non_null(agsubg(g, "cluster_0", 0));
	agclose(g);
	free(dot);
	fixture_free(&f);
}

/* The people and due date lines come from the view alone (issue 16): one
 * line when they fit, each on its own when not, "unassigned" and "no due
 * date" spelled out, a milestone's date with its origin, escaped per
 * format; a node the view did not load shows neither. */
static void test_labels__people_and_due_date_from_the_view(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, six, 8, six_e, 9, six_r, 1, false);
	struct render_texts t;
	fixture_view(&f, &t, false);
	for (uint32_t v = 0; v < f.g->n; v++) {
		char ref[32];
		analyze_ref(f.g, v, ref, sizeof ref);
		if (strcmp(ref, "g/a#1") == 0) {
			t.people[v] = strdup("@ana");
			t.due[v] = strdup("2027-01-15");
		} else if (strcmp(ref, "g/a#4") == 0) {
			t.people[v] = strdup("@ana @bo\\x");
			t.due[v] = strdup("2027-01-15");
			t.due_milestone[v] = strdup("v3.0 \"<b>\" #1");
		} else if (strcmp(ref, "g/a#8") == 0) {
			t.people[v] = strdup("@cy");
		} else if (strcmp(ref, "g/a#5") == 0) {
			continue; /* not loaded */
		}
		t.mark[v] |= RENDER_TEXT_LOADED;
	}
	struct render_input in = {.g = f.g, .texts = &t};
	struct render_opts o;
	render_opts_init(&o);
	char *dot = NULL, *mmd = NULL;
	size_t len;
	assert_int_equal(render_to_buffer(&dot, &len, &in, &o), 0);
	o.format = RENDER_FORMAT_MERMAID;
	assert_int_equal(render_to_buffer(&mmd, &len, &in, &o), 0);
	assert_dot_accepts(dot);
	Agraph_t *g = read_dot(dot);
	assert_string_equal(nattr(g, "g/a#1", "label"),
			    "g/a#1\\nC:\\\\New\\n@ana \xc2\xb7 due 2027-01-15");
	assert_string_equal(nattr(g, "g/a#4", "label"),
			    "g/a#4\\nfour\\n@ana @bo\\\\x\\ndue 2027-01-15 (milestone v3.0\\n\"<b>\" #1)");
	/* confidential: title hidden, people shown */
	assert_string_equal(nattr(g, "g/a#8", "label"),
			    "g/a#8\\n(confidential)\\n@cy \xc2\xb7 no due date");
	assert_string_equal(nattr(g, "g/a#2", "label"),
			    "g/a#2\\ntitle ending in \\\\\\nunassigned \xc2\xb7 no due date");
	assert_string_equal(nattr(g, "g/a#5", "label"), "g/a#5\\nfive\\\\x0awith newline");
	assert_non_null(strstr(mmd, "[\"g/a#35;1<br/>C:#92;New<br/>@ana \xc2\xb7 due 2027-01-15\"]"));
	assert_non_null(strstr(mmd, "<br/>@ana @bo#92;x<br/>due 2027-01-15 (milestone v3.0 "
				    "#quot;#lt;b#gt;#quot;<br/>#35;1)\"]"));
	assert_non_null(strstr(mmd, "[\"g/a#35;8<br/>(confidential)<br/>@cy \xc2\xb7 no due date\"]"));
	agclose(g);
	free(dot);
	free(mmd);
	render_texts_release(&t);
	fixture_free(&f);
}

static void test_dot__reduce_drops_implied_links_keeps_knots(void **state)
{
	(void)state;
	struct fixture f;
	/* knot {1,2,3} with 1 -> 3 implied inside it; 3 -> 5 implied by 3 -> 4 -> 5
	 * and 3 -> 4 -> 5 not on the path when weight makes 6 heavier... keep it
	 * simple: count mode, path {1,2,3} 4 5 6 8 */
	static const int e[][2] = {{1, 2}, {2, 3}, {3, 1}, {1, 3}, {3, 4},
				   {4, 5}, {5, 6}, {4, 6}, {3, 6}, {6, 8}};
	fixture_make(&f, six, 8, e, 10, NULL, 0, false);
	struct render_opts o;
	render_opts_init(&o);
	o.reduce = true;
	char *dot = render_mem(&f, &o);
	Agraph_t *g = read_dot(dot);
	assert_non_null(edge(g, "g/a#1", "g/a#3")); /* inside the knot: kept */
	assert_non_null(edge(g, "g/a#3", "g/a#1"));
	assert_null(edge(g, "g/a#4", "g/a#6"));
	assert_null(edge(g, "g/a#3", "g/a#6"));
	assert_non_null(edge(g, "g/a#5", "g/a#6"));
	agclose(g);
	free(dot);
	o.reduce = false;
	dot = render_mem(&f, &o);
	g = read_dot(dot);
	assert_non_null(edge(g, "g/a#4", "g/a#6"));
	assert_non_null(edge(g, "g/a#3", "g/a#6"));
	agclose(g);
	free(dot);
	fixture_free(&f);
}

/* Issues of projects outside the recorded seeds are drawn dashed; with no
 * seeds recorded (after import) every project counts as a seed. */
static void test_dot__foreign_projects_dashed(void **state)
{
	(void)state;
	struct fixture f;
	static const int e[][2] = {{1, 2}};
	fixture_make(&f, six, 1, NULL, 0, NULL, 0, false);
	struct store_project p = {.id = 2, .path = "o/b", .web_url = "https://h/o/b"};
	assert_int_equal(store_put_project(f.s, &p), 0);
	struct store_issue is = {.id = 2,
				 .project_id = 2,
				 .iid = 1,
				 .title = "theirs",
				 .labels_json = "[]",
				 .created_at = "2026-01-01T00:00:00Z",
				 .updated_at = "2026-01-01T00:00:00Z"};
	assert_int_equal(store_put_issue(f.s, &is), 0);
	struct store_link l = {
	    .id = 9, .source_id = e[0][0], .target_id = e[0][1], .type = STORE_LINK_BLOCKS};
	assert_int_equal(store_put_link(f.s, &l), 0);
	analyze_graph_free(f.g);
	struct analyze_load_opts lo = {.all_states = false};
	assert_int_equal(analyze_graph_load(&f.g, f.s, &lo), 0);

	struct render_opts o;
	render_opts_init(&o);
	char *dot = render_mem(&f, &o);
	Agraph_t *g = read_dot(dot);
	assert_non_null(strstr(nattr(g, "o/b#1", "class"), "seed"));
	assert_null(strstr(nattr(g, "o/b#1", "style"), "dashed"));
	agclose(g);
	free(dot);

	struct store_crawl_project cp = {.project_id = 1, .is_seed = 1, .accessible = true};
	assert_int_equal(store_crawl_put_project(f.s, &cp), 0);
	dot = render_mem(&f, &o);
	g = read_dot(dot);
	assert_non_null(strstr(nattr(g, "g/a#1", "class"), "seed"));
	assert_null(strstr(nattr(g, "g/a#1", "style"), "dashed"));
	assert_non_null(strstr(nattr(g, "o/b#1", "class"), "foreign"));
	assert_non_null(strstr(nattr(g, "o/b#1", "style"), "dashed"));
	assert_non_null(edge(g, "g/a#1", "o/b#1"));
	agclose(g);
	free(dot);
	fixture_free(&f);
}

static void test_select__focus_knots_milestone_and_overview(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, six, 8, six_e, 9, six_r, 1, true);
	struct render_input in = {.g = f.g};
	struct render_opts o;
	uint8_t keep[8];
	uint32_t count = 0;
	render_opts_init(&o);
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 8); /* all states */

	o.focus = 4; /* g/a#5: radius 1 = 4 and 6 */
	o.radius = 1;
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 3);
	assert_true(keep[3] && keep[4] && keep[5]);
	o.radius = 0;
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 1);

	render_opts_init(&o);
	o.knots_only = true;
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 3);
	assert_true(keep[0] && keep[1] && keep[2]);

	render_opts_init(&o);
	o.milestone = analyze_find_milestone(f.g, "v1"); /* #3, #4 and their blockers 1, 2 */
	assert_int_not_equal(o.milestone, ANALYZE_NONE);
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 4);
	assert_false(keep[4]);

	render_opts_init(&o);
	uint8_t nodes[8] = {0, 0, 0, 0, 0, 0, 1, 0};
	o.select = RENDER_SELECT_NODES;
	o.nodes = nodes;
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_int_equal(count, 1);
	assert_true(keep[6]);

	o.select = RENDER_SELECT_OVERVIEW; /* knots and path + direct neighbours */
	assert_int_equal(render_select(&in, &o, keep, &count), 0);
	assert_true(keep[0] && keep[3] && keep[5]);

	/* the limit applies to layout formats only */
	render_opts_init(&o);
	o.max_nodes = 3;
	o.format = RENDER_FORMAT_SVG;
	char *buf = (char *)"x";
	size_t len = 1;
	assert_int_equal(render_to_buffer(&buf, &len, &in, &o), RENDER_ETOOBIG);
	assert_null(buf);
	assert_int_equal(len, 0);
	o.format = RENDER_FORMAT_DOT;
	free(render_mem(&f, &o));
	fixture_free(&f);
}

static void test_svg__fragment_and_links(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, six, 8, six_e, 9, six_r, 1, false);
	struct render_opts o;
	render_opts_init(&o);
	o.format = RENDER_FORMAT_SVG;
	o.svg_fragment = true;
	o.legend = true;
	char *svg = render_mem(&f, &o);
	assert_memory_equal(svg, "<svg", 4);
	assert_non_null(strstr(svg, "xlink:href=\"https://h/g/a/-/issues/1\""));
	assert_non_null(strstr(svg, "target=\"_blank\""));
	assert_non_null(strstr(svg, "C:\\New")); /* literal, not "g/a#1" from \N */
	assert_null(strstr(svg, "<b>"));
	free(svg);
	o.svg_fragment = false;
	svg = render_mem(&f, &o);
	assert_memory_equal(svg, "<?xml", 5);
	free(svg);
	fixture_free(&f);
}

static void test_mermaid__structure(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, six, 8, six_e, 9, six_r, 1, false);
	struct render_opts o;
	render_opts_init(&o);
	o.format = RENDER_FORMAT_MERMAID;
	char *mm = render_mem(&f, &o);
	assert_memory_equal(mm, "flowchart LR\n", 13);
	assert_non_null(strstr(mm, "n0[\"g/a#35;1<br/>C:#92;New\"]"));
	assert_non_null(strstr(mm, "n0 --> n1\n"));
	assert_non_null(strstr(mm, "n0 -.- n4\n"));
	assert_non_null(strstr(mm, "class n0,n1,n2 knot\n"));
	assert_null(strstr(mm, "SECRET"));
	free(mm);
	fixture_free(&f);
}

/* An empty graph renders as a valid, empty document in every format: DOT
 * with no node or edge, an SVG with no node group, a PNG, and a Mermaid
 * flowchart with no node, link or click. */
static void test_render__empty_graph(void **state)
{
	(void)state;
	struct fixture f;
	fixture_make(&f, NULL, 0, NULL, 0, NULL, 0, false);
	struct render_opts o;
	render_opts_init(&o);

	o.format = RENDER_FORMAT_DOT;
	char *dot = render_mem(&f, &o);
	Agraph_t *dg = read_dot(dot);
	assert_int_equal(agnnodes(dg), 0);
	assert_int_equal(agnedges(dg), 0);
	agclose(dg);
	free(dot);

	o.format = RENDER_FORMAT_SVG;
	char *svg = render_mem(&f, &o);
	assert_non_null(strstr(svg, "<svg"));
	assert_non_null(strstr(svg, "</svg>"));
	assert_null(strstr(svg, "class=\"node\""));
	assert_null(strstr(svg, "class=\"edge\""));
	free(svg);

	o.format = RENDER_FORMAT_PNG;
	free(render_mem(&f, &o)); /* render_mem checks the PNG signature */

	o.format = RENDER_FORMAT_MERMAID;
	char *mm = render_mem(&f, &o);
	assert_true(strncmp(mm, "flowchart LR\n", 13) == 0);
	assert_null(strstr(mm, "\n  n")); /* node and link lines start "  n<i>" */
	assert_null(strstr(mm, "\n    n"));
	assert_null(strstr(mm, "click "));
	assert_null(strstr(mm, "subgraph c"));
	free(mm);

	fixture_free(&f);
}

/* A dependency only a description gives is drawn dotted with an open
 * arrowhead and a tooltip naming the description and line; a link stays
 * solid even when text says it too; --deps links leaves text out. */
static void test_dot__text_only_edges_dotted_with_their_line(void **state)
{
	(void)state;
	static const struct issue_def three[] = {
	    {"a", false, false, NULL}, {"b", false, false, NULL}, {"c", false, false, NULL}};
	static const int e[][2] = {{1, 2}};
	struct fixture f;
	fixture_make(&f, three, 3, e, 1, NULL, 0, false);
	struct store_text_dep of1[] = {{1, 2, STORE_TEXT_BLOCKED_BY, 4, "blocked by"}};
	struct store_text_dep of2[] = {{2, 1, STORE_TEXT_BLOCKED_BY, 7, "depends on"}};
	struct store_text_dep of3[] = {{3, 1, STORE_TEXT_BLOCKS, 2, "blocks"}};
	assert_int_equal(store_replace_text_deps_of(f.s, 1, of1, 1), 0);
	assert_int_equal(store_replace_text_deps_of(f.s, 2, of2, 1), 0);
	assert_int_equal(store_replace_text_deps_of(f.s, 3, of3, 1), 0);
	analyze_graph_free(f.g);
	struct analyze_load_opts lo = {.all_states = false};
	assert_int_equal(analyze_graph_load(&f.g, f.s, &lo), 0);

	struct render_opts o;
	render_opts_init(&o);
	o.legend = true;
	char *text = render_mem(&f, &o);
	assert_dot_accepts(text);
	Agraph_t *g = read_dot(text);
	assert_string_equal(eattr(g, "g/a#2", "g/a#1", "style"), "dotted");
	assert_string_equal(eattr(g, "g/a#2", "g/a#1", "arrowhead"), "empty");
	assert_non_null(strstr(eattr(g, "g/a#2", "g/a#1", "class"), "text"));
	assert_string_equal(eattr(g, "g/a#2", "g/a#1", "tooltip"),
			    "text: g/a#1, line 4: blocked by");
	assert_string_equal(eattr(g, "g/a#3", "g/a#1", "tooltip"), "text: g/a#3, line 2: blocks");
	/* link and text: drawn as a link, the tooltip still names the line */
	assert_null(strstr(eattr(g, "g/a#1", "g/a#2", "style"), "dotted"));
	assert_null(strstr(eattr(g, "g/a#1", "g/a#2", "class"), "text"));
	assert_string_equal(eattr(g, "g/a#1", "g/a#2", "tooltip"),
			    "text: g/a#2, line 7: depends on");
	assert_non_null(strstr(nattr(g, "key: legend", "label"), "written only in a description"));
	agclose(g);
	free(text);

	o.format = RENDER_FORMAT_MERMAID;
	text = render_mem(&f, &o);
	assert_non_null(strstr(text, "  n1 -.->|\"text\"| n0\n"));
	assert_non_null(strstr(text, "  n0 --> n1\n"));
	free(text);

	analyze_graph_free(f.g);
	lo.deps = ANALYZE_DEPS_LINKS;
	assert_int_equal(analyze_graph_load(&f.g, f.s, &lo), 0);
	o.format = RENDER_FORMAT_DOT;
	text = render_mem(&f, &o);
	g = read_dot(text);
	assert_null(edge(g, "g/a#2", "g/a#1"));
	assert_string_equal(eattr(g, "g/a#1", "g/a#2", "tooltip"), "");
	agclose(g);
	free(text);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape__gv_doubles_backslashes_and_amp),
	    cmocka_unit_test(test_escape__invalid_utf8_becomes_hex_escapes),
	    cmocka_unit_test(test_safe_text__spells_every_control_as_hex),
	    cmocka_unit_test(test_escape__c1_controls_do_not_pass),
	    cmocka_unit_test(test_escape__bidi_controls_as_u_escapes),
	    cmocka_unit_test(test_sha256__matches_sha256sum),
	    cmocka_unit_test(test_escape__mermaid_leaves_no_quote_or_markup),
	    cmocka_unit_test(test_escape__markdown_escapes_every_markup_character),
	    cmocka_unit_test(test_escape__html),
	    cmocka_unit_test(test_escape__safe_url),
	    cmocka_unit_test(test_wrap__words_lines_and_ellipsis),
	    cmocka_unit_test(test_dot__nodes_edges_knot_and_critical_marks),
	    cmocka_unit_test(test_labels__people_and_due_date_from_the_view),
	    cmocka_unit_test(test_dot__reduce_drops_implied_links_keeps_knots),
	    cmocka_unit_test(test_dot__foreign_projects_dashed),
	    cmocka_unit_test(test_select__focus_knots_milestone_and_overview),
	    cmocka_unit_test(test_svg__fragment_and_links),
	    cmocka_unit_test(test_mermaid__structure),
	    cmocka_unit_test(test_render__empty_graph),
	    cmocka_unit_test(test_dot__text_only_edges_dotted_with_their_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
