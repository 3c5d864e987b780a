/* Unit tests of fetch/textdeps.c: every row of the SPEC's "Text
 * dependencies" table (T = g/app#1, origin https://gitlab.example.com),
 * then each rule on both sides of its boundary. A result is written as
 * "R>T@line" (R blocks T) or "T>R@line" (T blocks R), space-separated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textdeps.h"

static const char *const origin_main[] = {"https://gitlab.example.com"};

static char got[8192];
static size_t got_dropped;
static const char *got_phrase; /* the first item's phrase */

static const char *run(const char *project, int64_t iid, const char *const *origins,
		       size_t n_origins, size_t max_refs, const char *text, size_t len)
{
	struct textdeps_ctx ctx = {project, iid, origins, n_origins, max_refs};
	struct textdeps d;
	assert_int_equal(textdeps_extract(text, len, &ctx, &d), 0);
	size_t w = 0;
	got[0] = '\0';
	got_phrase = d.count ? d.items[0].phrase : NULL;
	for (size_t i = 0; i < d.count; i++) {
		const struct textdep *e = &d.items[i];
		int n = e->blocks
			    ? snprintf(got + w, sizeof got - w, "%sT>%s#%lld@%u", w ? " " : "",
				       e->project_path, (long long)e->iid, e->line)
			    : snprintf(got + w, sizeof got - w, "%s%s#%lld>T@%u", w ? " " : "",
				       e->project_path, (long long)e->iid, e->line);
		assert_true(n > 0 && (size_t)n < sizeof got - w);
		w += (size_t)n;
	}
	got_dropped = d.dropped;
	textdeps_release(&d);
	textdeps_release(&d); /* idempotent */
	return got;
}

static const char *deps(const char *text)
{
	return run("g/app", 1, origin_main, 1, 0, text, strlen(text));
}

static const char *deps_in(const char *project, const char *text)
{
	return run(project, 1, origin_main, 1, 0, text, strlen(text));
}

#define EXPECT(text, want) assert_string_equal(deps(text), want)

/* Every row of the SPEC's example table (grammar 2), verbatim; a row
 * with several descriptions ("A" / "B") is one EXPECT each. */
static void test_textdeps__spec_table(void **state)
{
	(void)state;
	EXPECT("Blocked by #2", "g/app#2>T@1");
	EXPECT("**Blocked by:** #2, #3 and g/lib#4.", "g/app#2>T@1 g/app#3>T@1 g/lib#4>T@1");
	EXPECT("blocked  by:  (#2)", "g/app#2>T@1");
	EXPECT("Depends on lib#7", "g/lib#7>T@1");
	EXPECT("This blocks https://gitlab.example.com/g/web/-/issues/9#note_12", "T>g/web#9@1");
	EXPECT("Needs [the login bug](https://gitlab.example.com/g/app/issues/5)", "g/app#5>T@1");
	EXPECT("Requires #2+", "g/app#2>T@1");
	EXPECT("Unblocks #2", "T>g/app#2@1");
	EXPECT("Blocked on #2", "g/app#2>T@1");
	EXPECT("Depends-On: #2", "g/app#2>T@1");
	EXPECT("Blocked by issue #2", "g/app#2>T@1");
	EXPECT("Waiting on #2 to be merged", "g/app#2>T@1");
	EXPECT("blocked until #2 is closed", "g/app#2>T@1");
	EXPECT("Waiting on #2", "");
	EXPECT("after #2 is merged", "");
	EXPECT("#5 is also blocked by #2", "");
	EXPECT("Part of #9", "T>g/app#9@1");
	EXPECT("## Dependencies\n\n- [ ] #2\n* **#3** (API)\nSome text\n- #4",
	       "g/app#2>T@3 g/app#3>T@4");
	assert_string_equal(got_phrase, "dependencies");
	EXPECT("blocksize #2", "");
	EXPECT("Blocked by !4", "");
	EXPECT("Blocked by &3", "");
	EXPECT("Blocked by\n#2", "");
	EXPECT("`Blocked by #2`", "");
	EXPECT("> Blocked by #2", "");
	EXPECT("~~Blocked by #2~~", "");
	EXPECT("Blocked by #12abc", "");
	EXPECT("Blocked by #1", "");
	EXPECT("Required by #2 and #3, blocked by #4", "T>g/app#2@1 T>g/app#3@1 g/app#4>T@1");
	EXPECT("code blocks #2", "T>g/app#2@1");
}

static void test_textdeps__each_phrase_and_its_direction(void **state)
{
	(void)state;
	static const struct {
		const char *text, *want, *phrase;
	} rows[] = {
	    {"blocked by #2", "g/app#2>T@1", "blocked by"},
	    {"depends on #2", "g/app#2>T@1", "depends on"},
	    {"depend on #2", "g/app#2>T@1", "depend on"},
	    {"requires #2", "g/app#2>T@1", "requires"},
	    {"needs #2", "g/app#2>T@1", "needs"},
	    {"blocks #2", "T>g/app#2@1", "blocks"},
	    {"required by #2", "T>g/app#2@1", "required by"},
	    {"needed by #2", "T>g/app#2@1", "needed by"},
	    {"blocked on #2", "g/app#2>T@1", "blocked on"},
	    {"unblocks #2", "T>g/app#2@1", "unblocks"},
	    {"part of #2", "T>g/app#2@1", "part of"},
	    {"waiting for #2 merged", "g/app#2>T@1", "waiting for"},
	    {"waiting on #2 merged", "g/app#2>T@1", "waiting on"},
	    {"wait for #2 merged", "g/app#2>T@1", "wait for"},
	    {"until #2 merged", "g/app#2>T@1", "until"},
	    {"once #2 merged", "g/app#2>T@1", "once"},
	    {"Depends-On: #2", "g/app#2>T@1", "depends on"},
	    {"depends_on #2", "g/app#2>T@1", "depends on"},
	    {"Required-By #2", "T>g/app#2@1", "required by"},
	    {"Waiting_For #2 done", "g/app#2>T@1", "waiting for"},
	    {"BLOCKED BY #2", "g/app#2>T@1", "blocked by"},
	    {"bLoCkEd By #2", "g/app#2>T@1", "blocked by"},
	    {"Blocked \t  by #2", "g/app#2>T@1", "blocked by"},
	    {"Needed\tby #2", "T>g/app#2@1", "needed by"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		assert_string_equal(deps(rows[i].text), rows[i].want);
		assert_string_equal(got_phrase, rows[i].phrase);
	}
}

static void test_textdeps__phrase_needs_word_boundaries(void **state)
{
	(void)state;
	EXPECT("blockedby #2", "");
	EXPECT("xunblocks #2", "");
	EXPECT("reblocks #2", "");
	EXPECT("blocks2 #2", "");
	EXPECT("blocksize #2", "");
	EXPECT("x_blocks #2", "");
	EXPECT("blocks_x #2", "");
	EXPECT("needsy #2", "");
	EXPECT("depends  onto #2", "");
	EXPECT("depend #2", "");
	EXPECT("Blocked\nby #2", "");
	EXPECT("Blocked by\r#2", "");
	EXPECT("(blocks #2)", "T>g/app#2@1");
	EXPECT("x-blocks #2", "T>g/app#2@1");
	EXPECT("2. blocks #2", "T>g/app#2@1");
	EXPECT("\xc3\xa9"
	       "blocks #2",
	       "T>g/app#2@1"); /* é is not a word character */
}

static void test_textdeps__emphasis_around_phrase_colon_inside_or_outside(void **state)
{
	(void)state;
	EXPECT("**Blocked by:** #2", "g/app#2>T@1");
	EXPECT("**Blocked by**: #2", "g/app#2>T@1");
	EXPECT("*Blocked by*: #2", "g/app#2>T@1");
	EXPECT("*Blocked by:* #2", "g/app#2>T@1");
	/* `_` is a word character: no phrase starts or ends beside it */
	EXPECT("_Blocked by_ #2", "");
	EXPECT("_Blocked by_: #2", "");
	EXPECT("__Blocked by:__ #2", "");
	EXPECT("_blocks_ #2", "");
	EXPECT("blocks_ #2", "");
	EXPECT("*blocks* #2", "T>g/app#2@1");
	EXPECT("___blocks___ #2", "");
	EXPECT("***Blocked by*** #2", "");
	EXPECT("Blocked by : #2", "g/app#2>T@1");
	EXPECT("Blocked by:: #2", "");
	EXPECT("Blocked by:#2", "g/app#2>T@1");
	EXPECT("Blocked by, #2", "");
	EXPECT("Blocked by and #2", "");
	EXPECT("Blocked by: **#2, #3**", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("Blocked by: *#2*, _#3_, __#4__", "g/app#2>T@1 g/app#3>T@1 g/app#4>T@1");
	EXPECT("Blocked by: **(#2)**", "g/app#2>T@1");
}

static void test_textdeps__phrase_word_separators(void **state)
{
	(void)state;
	/* spaces and tabs, or exactly one `-` or `_` */
	EXPECT("Depends-On #2", "g/app#2>T@1");
	EXPECT("blocked_by #2", "g/app#2>T@1");
	EXPECT("part-of #2", "T>g/app#2@1");
	EXPECT("blocked \t by #2", "g/app#2>T@1");
	EXPECT("depends--on #2", "");
	EXPECT("depends__on #2", "");
	EXPECT("depends -on #2", "");
	EXPECT("depends- on #2", "");
	EXPECT("depends-_on #2", "");
	EXPECT("dependson #2", "");
	EXPECT("depends.on #2", "");
	EXPECT("depends_on_ #2", "");
	EXPECT("x_depends_on #2", "");
	EXPECT("x-depends-on #2", "g/app#2>T@1");
	EXPECT("blocking #2", ""); /* a heading word only */
	EXPECT("blockers #2", "");
	EXPECT("partof #2", "");
	EXPECT("parts of #2", "");
}

static void test_textdeps__conditional_phrases_need_an_end_word(void **state)
{
	(void)state;
	static const char *const ends[] = {
	    "merged", "merges", "merge", "closed",   "closes",	"close",    "fixed",	"resolved",
	    "done",   "landed", "lands", "released", "shipped", "finished", "completed"};
	static const char *const aux[] = {"",	    "is ",	 "are ",       "be ",	"to ",
					  "to be ", "has been ", "have been ", "gets ", "get "};
	char buf[128];
	for (size_t e = 0; e < sizeof ends / sizeof ends[0]; e++) {
		for (size_t a = 0; a < sizeof aux / sizeof aux[0]; a++) {
			snprintf(buf, sizeof buf, "Waiting on #2 %s%s.", aux[a], ends[e]);
			EXPECT(buf, "g/app#2>T@1");
			snprintf(buf, sizeof buf, "Waiting on #2 %s%sx", aux[a], ends[e]);
			EXPECT(buf, "");
			snprintf(buf, sizeof buf, "Waiting on #2 %s%s_", aux[a], ends[e]);
			EXPECT(buf, "");
		}
	}
	EXPECT("WAITING ON #2 TO BE MERGED", "g/app#2>T@1");
	EXPECT("waiting on #2\tto \t be  merged", "g/app#2>T@1");
	EXPECT("waiting on #2 and #3 to be merged", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("waiting on **#2** to be merged", "g/app#2>T@1");
	EXPECT("**Waiting on #2** to be merged", "g/app#2>T@1");
	EXPECT("waiting on (#2) merged", "g/app#2>T@1");
	EXPECT("waiting on #2, merged", "");
	EXPECT("waiting on #2 and merged", "");
	EXPECT("waiting on #2 to get merged", "");
	EXPECT("waiting on #2 being merged", "");
	EXPECT("waiting on #2 is", "");
	EXPECT("waiting on #2 soon merged", "");
	EXPECT("waiting on #2 is being merged", "");
	EXPECT("waiting on #2\nmerged", "");
	EXPECT("waiting on #2 `is` merged", "");
	EXPECT("Until #2 lands, once #3 is released", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("until #2 lands and #3", "g/app#2>T@1");
	EXPECT("wait for #2 to land", "");
	EXPECT("waiting on #2 merged, blocked by #3", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("waiting on #2 blocks #3", ""); /* #2 is the subject of blocks */
	EXPECT("waiting on #2 needs #3 merged", "");
	EXPECT("once merged", "");
	EXPECT("Untill #2 is merged", "");
	EXPECT("Waiting on issue #2 to be merged", "g/app#2>T@1");
}

static void test_textdeps__subject_rule(void **state)
{
	(void)state;
	/* a bare reference right before the phrase: not read */
	EXPECT("#5 is also blocked by #2", "");
	EXPECT("#5 blocked by #2", "");
	EXPECT("#5\tis\tblocked by #2", "");
	EXPECT("#1 is blocked by #2", ""); /* T itself */
	EXPECT("lib#5 IS STILL blocked by #2", "");
	EXPECT("g/lib#5 was blocked by #2", "");
	EXPECT("#5 were now instead currently blocked by #2", "");
	EXPECT("#5+ is blocked by #2", "");
	EXPECT("https://gitlab.example.com/g/a/-/issues/5 is blocked by #2", "");
	EXPECT("https://gitlab.example.com/g/a/-/issues/5#note_1 is blocked by #2", "");
	EXPECT("<https://gitlab.example.com/g/a/-/issues/5> is blocked by #2", "");
	EXPECT("[x](https://gitlab.example.com/g/a/-/issues/5) is blocked by #2", "");
	EXPECT("See #4. #5 is blocked by #2", "");
	EXPECT("#4, #5 are blocked by #2", "");
	EXPECT("Blocked by #2 blocks #3", "g/app#2>T@1");
	EXPECT("#5 is waiting on #2 to be merged", "");
	EXPECT("#5 is part of #2", "");
	/* anything else before it: read */
	EXPECT("**#5** is blocked by #2", "g/app#2>T@1");
	EXPECT("_#5_ is blocked by #2", "g/app#2>T@1");
	EXPECT("(#5) is blocked by #2", "g/app#2>T@1");
	EXPECT("#5: blocked by #2", "g/app#2>T@1");
	EXPECT("#5, blocked by #2", "g/app#2>T@1");
	EXPECT("#5 then blocked by #2", "g/app#2>T@1");
	EXPECT("#5 is not blocked by #2", "g/app#2>T@1");
	EXPECT("#5 isn't blocked by #2", "g/app#2>T@1");
	EXPECT("#5 is, blocked by #2", "g/app#2>T@1");
	EXPECT("#5is blocked by #2", "g/app#2>T@1");
	EXPECT("#0 is blocked by #2", "g/app#2>T@1");
	EXPECT("!5 is blocked by #2", "g/app#2>T@1");
	EXPECT("#5x is blocked by #2", "g/app#2>T@1");
	EXPECT("is blocked by #2", "g/app#2>T@1");
	EXPECT("https://other.example.com/g/a/-/issues/5 is blocked by #2", "g/app#2>T@1");
	EXPECT("`#5` is blocked by #2", "g/app#2>T@1");
	EXPECT("#5\nis blocked by #2", "g/app#2>T@2");
	EXPECT("#5 `x` blocked by #2", "g/app#2>T@1");
}

static void test_textdeps__skip_words_before_references(void **state)
{
	(void)state;
	static const char *const words[] = {"issue",
					    "issues",
					    "PR",
					    "PRs",
					    "MR",
					    "MRs",
					    "pull request",
					    "pull requests",
					    "merge request",
					    "merge requests",
					    "ISSUE",
					    "Pull  Request"};
	char buf[128];
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		snprintf(buf, sizeof buf, "Blocked by %s #2", words[i]);
		EXPECT(buf, "g/app#2>T@1");
		snprintf(buf, sizeof buf, "Blocked by #3 and %s\t(#2)", words[i]);
		EXPECT(buf, "g/app#2>T@1 g/app#3>T@1");
	}
	EXPECT("Blocked by issues #2, #3", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("Blocked by issue  #2", "g/app#2>T@1");
	EXPECT("Blocked by issue#2", "g/issue#2>T@1"); /* a project named issue */
	EXPECT("Blocked by issuer #2", "");
	EXPECT("Blocked by the issue #2", "");
	EXPECT("Blocked by issue", "");
	EXPECT("Blocked by issue issue #2", "");
	EXPECT("Blocked by pullrequest #2", "");
	EXPECT("Blocked by request #2", "");
	EXPECT("Blocked by MR !3", "");
	EXPECT("Blocked by issue **#2**", "");
	EXPECT("Blocked by #2 issue #3", "g/app#2>T@1 g/app#3>T@1");
}

static void test_textdeps__heading_and_label_lists(void **state)
{
	(void)state;
	static const struct {
		const char *head, *phrase;
		bool blocks;
	} heads[] = {
	    {"# Dependencies", "dependencies", false},
	    {"## Depends on", "depends on", false},
	    {"### Blocked by", "blocked by", false},
	    {"#### Blocked on", "blocked on", false},
	    {"##### Blockers", "blockers", false},
	    {"###### Prerequisites", "prerequisites", false},
	    {"## Blocks", "blocks", true},
	    {"## Blocking", "blocking", true},
	    {"## Unblocks", "unblocks", true},
	    {"## Required by", "required by", true},
	    {"   ##  **Depends-On:**  ", "depends on", false},
	    {"##\tBLOCKERS", "blockers", false},
	    {"## **Blockers**:", "blockers", false},
	    {"## *Blockers:*", "blockers", false},
	    {"Blockers:", "blockers", false},
	    {"**Blockers:**", "blockers", false},
	    {"**Blockers**:", "blockers", false},
	    {"\tDependencies  ", "dependencies", false},
	    {"Required  by", "required by", true},
	    {"Blocked_by", "blocked by", false},
	};
	char buf[256];
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		snprintf(buf, sizeof buf, "%s\n- #2", heads[i].head);
		EXPECT(buf, heads[i].blocks ? "T>g/app#2@2" : "g/app#2>T@2");
		assert_string_equal(got_phrase, heads[i].phrase);
	}
	static const char *const not_heads[] = {
	    "####### Blockers", "    ## Blockers",     "##Blockers",
	    "## Blockers ##",	"## Blockers #2",      "## The blockers",
	    "Blockers: none",	"_Blockers_",	       "__Blockers__",
	    "***Blockers***",	"Blockers::",	       "- Blockers",
	    "> Blockers",	"`Blockers`",	       "## Needs",
	    "Depend on",	"Needed by",	       "Part of",
	    "Waiting on",	"Blockers.",	       "Blockerss",
	    "## Blocker",	"<!-- x --> Blockers",
	};
	for (size_t i = 0; i < sizeof not_heads / sizeof not_heads[0]; i++) {
		snprintf(buf, sizeof buf, "%s\n- #2", not_heads[i]);
		EXPECT(buf, "");
	}
	/* the items */
	EXPECT("## Blockers\n- #2\n* #3\n+ #4\n1. #5\n12) #6\n123456789. #7",
	       "g/app#2>T@2 g/app#3>T@3 g/app#4>T@4 g/app#5>T@5 g/app#6>T@6 g/app#7>T@7");
	EXPECT("## Blockers\n1234567890. #2", "");
	EXPECT("## Blockers\n   - #2\n    - #3", "g/app#2>T@2");
	EXPECT("## Blockers\n-#2", "");
	EXPECT("## Blockers\n-\t#2", "g/app#2>T@2");
	EXPECT("## Blockers\n- [ ] #2\n- [x] #3\n- [X] #4\n- [y] #5\n- [x]#6\n- #7",
	       "g/app#2>T@2 g/app#3>T@3 g/app#4>T@4 g/app#7>T@7");
	EXPECT("## Blockers\n- #2, #3 and lib#4 (the API)", "g/app#2>T@2 g/app#3>T@2 g/lib#4>T@2");
	EXPECT("## Blockers\n- **#2**\n- _#3_\n- issue #4\n- (#5)",
	       "g/app#2>T@2 g/app#3>T@3 g/app#4>T@4 g/app#5>T@5");
	EXPECT("## Blockers\n- see #2\n- #3", "g/app#3>T@3");
	EXPECT("## Blockers\n- `#2`\n- ~~#3~~\n- <!-- #4 -->\n- #5", "g/app#5>T@5");
	EXPECT("## Blockers\n- #2 `x` #3", "g/app#2>T@2");
	/* blank lines neither give nor end it; any other line ends it */
	EXPECT("## Blockers\n\n \t\n- #2\n\n- #3", "g/app#2>T@4 g/app#3>T@6");
	EXPECT("## Blockers\nSome text\n- #2", "");
	EXPECT("## Blockers\n#2", "");
	EXPECT("## Blockers\n```\n```\n- #2", "");
	EXPECT("## Blockers\n> x\n- #2", "");
	EXPECT("## Blockers\n<!--\n-->\n- #2", "");
	EXPECT("## Blockers\n- #2\n## Blocks\n- #3\n## Notes\n- #4", "g/app#2>T@2 T>g/app#3@4");
	EXPECT("## Blockers\r\n- #2\r\n\r\n- #3\r- #4", "g/app#2>T@2 g/app#3>T@4 g/app#4>T@5");
	/* phrases inside items are read as on any line */
	EXPECT("## Blockers\n- #2 needs #3", "g/app#2>T@2");
	EXPECT("## Blockers\n- see below, needs #3", "g/app#3>T@2");
	assert_string_equal(got_phrase, "needs");
	EXPECT("## Blocks\n- #2 (blocked by #3)", "T>g/app#2@2 g/app#3>T@2");
	EXPECT("## Blockers\n- g/needs#3", "g/needs#3>T@2");
	/* the smallest line keeps its phrase: the item's first on its line */
	EXPECT("## Blockers\n- #2, needs #2", "g/app#2>T@2");
	assert_string_equal(got_phrase, "blockers");
	EXPECT("Blocked by #2\n## Blockers\n- #2", "g/app#2>T@1");
	assert_string_equal(got_phrase, "blocked by");
	/* a label is a line of its own; a reference to T is ignored */
	EXPECT("Blockers: #2", "");
	EXPECT("Blockers\n- #1\n- #2", "g/app#2>T@3");
	EXPECT("- #2\n## Blockers", "");
}

static void test_textdeps__reference_list_separators(void **state)
{
	(void)state;
	EXPECT("Blocked by #2,#3,,#4", "g/app#2>T@1 g/app#3>T@1 g/app#4>T@1");
	EXPECT("Blocked by #2\t#3  #4", "g/app#2>T@1 g/app#3>T@1 g/app#4>T@1");
	EXPECT("Blocked by #2 and #3 AND #4 And #5",
	       "g/app#2>T@1 g/app#3>T@1 g/app#4>T@1 g/app#5>T@1");
	EXPECT("Blocked by #2, and #3", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("Blocked by #2 and#3", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("Blocked by #2 andrew#3", "g/andrew#3>T@1 g/app#2>T@1");
	EXPECT("Blocked by #2 or #3", "g/app#2>T@1");
	EXPECT("Blocked by #2; #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 - #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 the #3", "g/app#2>T@1");
	EXPECT("Blocked by #2.", "g/app#2>T@1");
	EXPECT("Blocked by (#2), (g/lib#4)", "g/app#2>T@1 g/lib#4>T@1");
	EXPECT("Blocked by (#2", "");
	EXPECT("Blocked by ((#2))", "");
	EXPECT("Blocked by #2 (#3", "g/app#2>T@1");
}

static void test_textdeps__non_references_end_the_list(void **state)
{
	(void)state;
	EXPECT("Blocked by #2 !4 #3", "g/app#2>T@1");
	EXPECT("Blocked by #2, &3, #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 %v1 #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 ~bug #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 @user #3", "g/app#2>T@1");
	EXPECT("Blocked by #2 $5 #3", "g/app#2>T@1");
	EXPECT("Blocked by @user #3", "");
	EXPECT("Blocked by !4, #3", "");
}

static void test_textdeps__number_forms(void **state)
{
	(void)state;
	EXPECT("Blocked by #12abc", "");
	EXPECT("Blocked by #12", "g/app#12>T@1");
	EXPECT("Blocked by #2+", "g/app#2>T@1");
	EXPECT("Blocked by #2+s", "g/app#2>T@1");
	EXPECT("Blocked by #2+s, #3+", "g/app#2>T@1 g/app#3>T@1");
	EXPECT("Blocked by #2+x #3", "g/app#2>T@1"); /* `+x` is no suffix: the list ends */
	EXPECT("Blocked by #2+sx #3", "g/app#2>T@1");
	EXPECT("Blocked by #2s", "");
	EXPECT("Blocked by #0", "");
	EXPECT("Blocked by #007", "g/app#7>T@1");
	EXPECT("Blocked by #9223372036854775807", "g/app#9223372036854775807>T@1");
	EXPECT("Blocked by #9223372036854775808", "");
	EXPECT("Blocked by #99999999999999999999", "");
	EXPECT("Blocked by #2_", "g/app#2>T@1");
	EXPECT("Blocked by #2__", "g/app#2>T@1");
	EXPECT("Blocked by #2___", "");
	EXPECT("Blocked by #2_x", "");
	EXPECT("Blocked by #", "");
	EXPECT("Blocked by # 2", "");
}

static void test_textdeps__project_forms_resolve(void **state)
{
	(void)state;
	assert_string_equal(deps_in("g/sub/app", "Blocked by lib#7"), "g/sub/lib#7>T@1");
	assert_string_equal(deps_in("app", "Blocked by lib#7"), "lib#7>T@1");
	assert_string_equal(deps_in("g/sub/app", "Blocked by #7"), "g/sub/app#7>T@1");
	EXPECT("Blocked by a/b/c#3", "a/b/c#3>T@1");
	EXPECT("Blocked by a.b/c-d_e#3", "a.b/c-d_e#3>T@1");
	EXPECT("Blocked by g/#3", "");
	EXPECT("Blocked by /g/a#3", "");
	EXPECT("Blocked by g//a#3", "");
	EXPECT("Blocked by -p#3", "");
	EXPECT("Blocked by g/needs#3", "g/needs#3>T@1"); /* not also "needs #3" */
	EXPECT("Blocked by lib #3", "");
}

static void test_textdeps__reference_to_itself_is_ignored(void **state)
{
	(void)state;
	EXPECT("Blocked by #1", "");
	EXPECT("Blocked by #1, #2", "g/app#2>T@1");
	EXPECT("Blocked by app#1 and g/app#1 and #3", "g/app#3>T@1");
	EXPECT("Blocks https://gitlab.example.com/g/app/-/issues/1", "");
	EXPECT("Blocked by g/app2#1 h/app#1", "g/app2#1>T@1 h/app#1>T@1");
}

static void test_textdeps__issue_urls(void **state)
{
	(void)state;
	EXPECT("Blocks https://gitlab.example.com/g/web/-/issues/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com/g/web/issues/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/work_items/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com/g/web/work_items/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com/a/b/c/-/issues/9?x=1&y=2", "T>a/b/c#9@1");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/issues/9/designs/a.png", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/issues/9#note_1, #3",
	       "T>g/app#3@1 T>g/web#9@1");
	EXPECT("Blocks <https://gitlab.example.com/g/web/-/issues/9>", "T>g/web#9@1");
	EXPECT("Blocks <https://gitlab.example.com/g/web/-/issues/9", "");
	EXPECT("Blocks [x](https://gitlab.example.com/g/web/-/issues/9) and #3",
	       "T>g/app#3@1 T>g/web#9@1");
	EXPECT("Blocks [](https://gitlab.example.com/g/web/-/issues/9#note_3)", "T>g/web#9@1");
	EXPECT("Blocks [x](https://gitlab.example.com/g/web/-/issues/9", "");
	EXPECT("Blocks [a]b](https://gitlab.example.com/g/web/-/issues/9)", "");
	EXPECT("Blocks (https://gitlab.example.com/g/web/-/issues/9)", "T>g/web#9@1");
	EXPECT("Blocks HTTPS://GitLab.Example.COM/g/web/-/issues/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com:443/g/web/-/issues/9", "T>g/web#9@1");
	EXPECT("Blocks https://gitlab.example.com:8443/g/web/-/issues/9", "");
	EXPECT("Blocks http://gitlab.example.com/g/web/-/issues/9", "");
	EXPECT("Blocks https://other.example.com/g/web/-/issues/9", "");
	EXPECT("Blocks https://gitlab.example.com.evil/g/web/-/issues/9", "");
	EXPECT("Blocks https://gitlab.example.com/groups/g/-/issues/9", "");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/merge_requests/9", "");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/epics/9", "");
	EXPECT("Blocks https://gitlab.example.com/-/issues/9", "");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/issues/9abc", "");
	EXPECT("Blocks https://gitlab.example.com/g/web/-/issues/", "");
	EXPECT("Blocks https://user@gitlab.example.com/g/web/-/issues/9", "");
	/* no origin: no URL is a reference */
	assert_string_equal(run("g/app", 1, NULL, 0, 0,
				"Blocks https://gitlab.example.com/g/w/issues/9",
				strlen("Blocks https://gitlab.example.com/g/w/issues/9")),
			    "");
}

static void test_textdeps__origin_with_path_prefix_and_port(void **state)
{
	(void)state;
	static const char *const o[] = {"http://h.example:8080/gitlab"};
	static const char *const two[] = {"https://h.example", "https://h.example/gitlab"};
#define P(origins, n, text) run("g/app", 1, origins, n, 0, text, strlen(text))
	assert_string_equal(P(o, 1, "Blocks http://h.example:8080/gitlab/g/w/-/issues/9"),
			    "T>g/w#9@1");
	assert_string_equal(P(o, 1, "Blocks http://H.EXAMPLE:08080/gitlab/g/w/issues/9"),
			    "T>g/w#9@1");
	assert_string_equal(P(o, 1, "Blocks http://h.example:8080/g/w/-/issues/9"), "");
	assert_string_equal(P(o, 1, "Blocks http://h.example:8080/gitlabx/g/w/-/issues/9"), "");
	assert_string_equal(P(o, 1, "Blocks http://h.example/gitlab/g/w/-/issues/9"), "");
	assert_string_equal(P(o, 1, "Blocks http://h.example:8081/gitlab/g/w/-/issues/9"), "");
	/* the longest matching prefix names the project */
	assert_string_equal(P(two, 2, "Blocks https://h.example/gitlab/g/w/-/issues/9"),
			    "T>g/w#9@1");
	assert_string_equal(P(two, 2, "Blocks https://h.example/g/w/-/issues/9"), "T>g/w#9@1");
#undef P
}

static void test_textdeps__fenced_code_blocks(void **state)
{
	(void)state;
	EXPECT("```\nBlocked by #2\n```\nBlocked by #3", "g/app#3>T@4");
	EXPECT("``\nBlocked by #2", "g/app#2>T@2");
	EXPECT("   ```\nBlocked by #2\n   ```\nBlocked by #3", "g/app#3>T@4");
	EXPECT("    ```\nBlocked by #2", "g/app#2>T@2");
	EXPECT("\t```\nBlocked by #2", "g/app#2>T@2");
	EXPECT("~~~\nBlocked by #2\n~~~\nBlocked by #3", "g/app#3>T@4");
	EXPECT("~~~~ js\nBlocked by #2\n~~~~~\nBlocked by #3", "g/app#3>T@4");
	EXPECT("````\nBlocked by #2\n```\nBlocked by #3\n````\nBlocked by #4", "g/app#4>T@6");
	EXPECT("```\nBlocked by #2\n`````\nBlocked by #3", "g/app#3>T@4");
	EXPECT("```\nBlocked by #2\n~~~\nBlocked by #3", "");
	EXPECT("```\n```x\nBlocked by #3", "");
	EXPECT("```\n```  \t\nBlocked by #3", "g/app#3>T@3");
	EXPECT("```\n    ```\nBlocked by #3", "");
	EXPECT("```js\nBlocked by #2\n\nBlocked by #3", "");
	EXPECT("``` a`b\nBlocked by #2", "g/app#2>T@2"); /* no fence: a backtick in the info */
	EXPECT("~~~ a`b\nBlocked by #2", "");
	EXPECT("```Blocked by #2```\nBlocked by #3", "g/app#3>T@2");
	EXPECT("    Blocked by #2", "g/app#2>T@1"); /* indented code is not excluded */
}

static void test_textdeps__code_spans(void **state)
{
	(void)state;
	EXPECT("`Blocked by #2`", "");
	EXPECT("``Blocked by #2``", "");
	EXPECT("``Blocked by ` #2``", "");
	EXPECT("``Blocked by #2`", "g/app#2>T@1"); /* neither run is closed */
	EXPECT("`Blocked by #2", "g/app#2>T@1");
	EXPECT("`a` Blocked by #2 `b`", "g/app#2>T@1");
	EXPECT("Blocked by `#2`", "");
	EXPECT("Blocked by #2 `x` #3", "g/app#2>T@1");
	EXPECT("Block`x`ed by #2", "");
	EXPECT("`Blocked by\n#2`", "");
	EXPECT("`x\nBlocked by #2 `", "g/app#2>T@2"); /* spans do not cross lines */
	EXPECT("`<!--` Blocked by #2", "g/app#2>T@1");
}

static void test_textdeps__html_comments(void **state)
{
	(void)state;
	EXPECT("<!-- Blocked by #2 -->", "");
	EXPECT("<!-- Blocked by #2 --> Blocked by #3", "g/app#3>T@1");
	EXPECT("<!--\nBlocked by #2\n-->Blocked by #3", "g/app#3>T@3");
	EXPECT("<!-- unclosed\nBlocked by #2\nBlocked by #3", "");
	EXPECT("Blocked by #2 <!-- #3 -->", "g/app#2>T@1");
	EXPECT("Blocked by <!-- x --> #2", "");
	EXPECT("<!--\n```\n-->\nBlocked by #2", "g/app#2>T@4");
	EXPECT("<!-->Blocked by #2", "");
	EXPECT("<!- Blocked by #2 -->", "g/app#2>T@1");
}

static void test_textdeps__quotes(void **state)
{
	(void)state;
	EXPECT("> Blocked by #2", "");
	EXPECT(">Blocked by #2\nBlocked by #3", "g/app#3>T@2");
	EXPECT("   > Blocked by #2", "");
	EXPECT("    > Blocked by #2", "g/app#2>T@1");
	EXPECT("x > Blocked by #2", "g/app#2>T@1");
	EXPECT(">>>\nBlocked by #2\n>>>\nBlocked by #3", "g/app#3>T@4");
	EXPECT(">>>\r\nBlocked by #2\r\n>>>\r\nBlocked by #3", "g/app#3>T@4");
	EXPECT(">>>\nBlocked by #2", "g/app#2>T@2"); /* unclosed: just a quoted line */
	EXPECT(">>> \nBlocked by #2\n>>>", "g/app#2>T@2");
	EXPECT(">>>\n```\n>>>\nBlocked by #3", "g/app#3>T@4");
	EXPECT(">>>\na\n>>>\nb\n>>>\nBlocked by #2", "g/app#2>T@6");
}

static void test_textdeps__struck_text(void **state)
{
	(void)state;
	EXPECT("~~Blocked by #2~~", "");
	EXPECT("~~Blocked by #2~~ Blocked by #3", "g/app#3>T@1");
	EXPECT("~Blocked by #2~", "g/app#2>T@1");
	EXPECT("~~Blocked by #2", "g/app#2>T@1");
	EXPECT("x ~~~Blocked by #2~~~", "g/app#2>T@1");
	EXPECT("~~~Blocked by #2~~~\nBlocked by #3", ""); /* a tilde fence */
	EXPECT("Blocked by #2, ~~#3~~, #4", "g/app#2>T@1");
	EXPECT("~~a\nBlocked by #2~~", "g/app#2>T@2");
}

static void test_textdeps__line_endings_and_numbers(void **state)
{
	(void)state;
	EXPECT("Blocked by #2\r\nBlocked by #3\rBlocked by #4\nBlocked by #5",
	       "g/app#2>T@1 g/app#3>T@2 g/app#4>T@3 g/app#5>T@4");
	EXPECT("\r\n\r\nBlocked by #2", "g/app#2>T@3");
	EXPECT("\n\rBlocked by #2", "g/app#2>T@3");
	EXPECT("\r\rBlocked by #2\n", "g/app#2>T@3");
	EXPECT("", "");
}

static void test_textdeps__dedupe_keeps_smallest_line(void **state)
{
	(void)state;
	EXPECT("Blocked by #2\nBlocked by #2\nneeds #2", "g/app#2>T@1");
	assert_string_equal(got_phrase, "blocked by");
	EXPECT("x\nneeds #2\nblocks #2\nBlocked by #2", "g/app#2>T@2 T>g/app#2@3");
	assert_string_equal(got_phrase, "needs");
	EXPECT("needs #2, blocked by #2", "g/app#2>T@1");
	assert_string_equal(got_phrase, "needs");
	EXPECT("Blocked by g/b#1, g/a#10, g/a#9, g/a/b#1, g/a#9",
	       "g/a#9>T@1 g/a#10>T@1 g/a/b#1>T@1 g/b#1>T@1");
}

static void test_textdeps__max_refs_caps_distinct_references(void **state)
{
	(void)state;
	const char *t = "Blocked by #5, #4, #3\nblocks #5, #3";
	assert_string_equal(run("g/app", 1, origin_main, 1, 2, t, strlen(t)),
			    "g/app#4>T@1 g/app#5>T@1 T>g/app#5@2");
	assert_int_equal(got_dropped, 1);
	assert_string_equal(run("g/app", 1, origin_main, 1, 3, t, strlen(t)),
			    "g/app#3>T@1 T>g/app#3@2 g/app#4>T@1 g/app#5>T@1 T>g/app#5@2");
	assert_int_equal(got_dropped, 0);

	/* the default cap is 500 */
	size_t cap = 600 * 8 + 16, w = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	w += (size_t)snprintf(big, cap, "Needs ");
	for (int i = 2; i <= 502; i++)
		w += (size_t)snprintf(big + w, cap - w, "#%d ", i);
	struct textdeps_ctx ctx = {"g/app", 1, origin_main, 1, 0};
	struct textdeps d;
	assert_int_equal(textdeps_extract(big, w, &ctx, &d), 0);
	assert_int_equal(d.count, 500);
	assert_int_equal(d.dropped, 1);
	assert_int_equal(d.items[d.count - 1].iid, 501);
	textdeps_release(&d);
	free(big);
}

static void test_textdeps__nul_bytes_and_invalid_utf8_are_ordinary(void **state)
{
	(void)state;
	static const char t1[] = "Blocked by #2\0Blocked by #3";
	assert_string_equal(run("g/app", 1, origin_main, 1, 0, t1, sizeof t1 - 1),
			    "g/app#2>T@1 g/app#3>T@1");
	static const char t2[] = "Blocked\0by #2";
	assert_string_equal(run("g/app", 1, origin_main, 1, 0, t2, sizeof t2 - 1), "");
	static const char t3[] = "`\0`Blocked by #2";
	assert_string_equal(run("g/app", 1, origin_main, 1, 0, t3, sizeof t3 - 1), "g/app#2>T@1");
	EXPECT("\xff\xfe"
	       "Blocked by #2\xc3",
	       "g/app#2>T@1");
	EXPECT("Blocked by #2\xe9 #3", "g/app#2>T@1");
	EXPECT("\xe2\x86\x92 needs #4 \xf0\x9f\x98\x80", "g/app#4>T@1");
	/* the text need not be NUL-terminated: only [0,len) is read */
	static const char t4[] = "Blocked by #23";
	assert_string_equal(run("g/app", 1, origin_main, 1, 0, t4, sizeof t4 - 2), "g/app#2>T@1");
	assert_string_equal(run("g/app", 1, origin_main, 1, 0, NULL, 0), "");
}

/* A megabyte line of one troublesome byte (the linear-time cases of
 * bench/textdeps), then a dependency on the next line. */
static void test_textdeps__megabyte_lines_of_openers(void **state)
{
	(void)state;
	static const char *const pats[] = {"`",	      "<",   "~",	    "[",
					   "needs [", "<!-", "blocked by ", "``a"};
	const size_t mb = 1 << 20;
	const char tail[] = "\nBlocked by #2";
	char *b = malloc(mb + sizeof tail);
	assert_non_null(b);
	for (size_t p = 0; p < sizeof pats / sizeof pats[0]; p++) {
		size_t pl = strlen(pats[p]);
		b[0] = 'x'; /* no fence: the line starts with a letter */
		for (size_t i = 1; i < mb; i++)
			b[i] = pats[p][(i - 1) % pl];
		memcpy(b + mb, tail, sizeof tail - 1);
		assert_string_equal(run("g/app", 1, origin_main, 1, 0, b, mb + sizeof tail - 1),
				    "g/app#2>T@2");
	}
	free(b);
}

static void test_textdeps__origin_normalised(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} rows[] = {
	    {"HTTPS://Host:443/", "https://host"},
	    {"https://gitlab.example.com", "https://gitlab.example.com"},
	    {"http://Host:80/x/", "http://host/x"},
	    {"http://h:8080/gitlab/?q=1#f", "http://h:8080/gitlab"},
	    {"http://h:0443", "http://h:443"},
	    {"https://h:", "https://h"},
	    {"ftp://h", NULL},
	    {"h", NULL},
	    {"https://", NULL},
	    {"https://user@h", NULL},
	    {"https://h:x", NULL},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *o = textdeps_origin(rows[i].in);
		if (rows[i].want) {
			assert_non_null(o);
			assert_string_equal(o, rows[i].want);
		} else {
			assert_null(o);
		}
		free(o);
	}
	textdeps_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_textdeps__spec_table),
	    cmocka_unit_test(test_textdeps__each_phrase_and_its_direction),
	    cmocka_unit_test(test_textdeps__phrase_needs_word_boundaries),
	    cmocka_unit_test(test_textdeps__emphasis_around_phrase_colon_inside_or_outside),
	    cmocka_unit_test(test_textdeps__phrase_word_separators),
	    cmocka_unit_test(test_textdeps__conditional_phrases_need_an_end_word),
	    cmocka_unit_test(test_textdeps__subject_rule),
	    cmocka_unit_test(test_textdeps__skip_words_before_references),
	    cmocka_unit_test(test_textdeps__heading_and_label_lists),
	    cmocka_unit_test(test_textdeps__reference_list_separators),
	    cmocka_unit_test(test_textdeps__non_references_end_the_list),
	    cmocka_unit_test(test_textdeps__number_forms),
	    cmocka_unit_test(test_textdeps__project_forms_resolve),
	    cmocka_unit_test(test_textdeps__reference_to_itself_is_ignored),
	    cmocka_unit_test(test_textdeps__issue_urls),
	    cmocka_unit_test(test_textdeps__origin_with_path_prefix_and_port),
	    cmocka_unit_test(test_textdeps__fenced_code_blocks),
	    cmocka_unit_test(test_textdeps__code_spans),
	    cmocka_unit_test(test_textdeps__html_comments),
	    cmocka_unit_test(test_textdeps__quotes),
	    cmocka_unit_test(test_textdeps__struck_text),
	    cmocka_unit_test(test_textdeps__line_endings_and_numbers),
	    cmocka_unit_test(test_textdeps__dedupe_keeps_smallest_line),
	    cmocka_unit_test(test_textdeps__max_refs_caps_distinct_references),
	    cmocka_unit_test(test_textdeps__nul_bytes_and_invalid_utf8_are_ordinary),
	    cmocka_unit_test(test_textdeps__megabyte_lines_of_openers),
	    cmocka_unit_test(test_textdeps__origin_normalised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
