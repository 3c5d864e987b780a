"""fetch/textdeps.c against an independent Python reading of the SPEC's
"Text dependencies" grammar (textdeps_oracle.py), on a few thousand random
descriptions built from a grammar of fragments (and dense token soup)
with a fixed seed. On a mismatch, the failing description is shrunk
(fragments, then bytes) and printed with both answers.

Needs $IG_TEXTDEPS_DUMP (tests/tools/textdeps_dump, set by tests/CMakeLists.txt).
"""
import json
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import igtest  # noqa: E402
import textdeps_oracle  # noqa: E402

DUMP = os.environ.get("IG_TEXTDEPS_DUMP")
SEED = int(os.environ.get("IG_TEXTDEPS_SEED", "20261129"))
CASES = int(os.environ.get("IG_TEXTDEPS_CASES", "4000"))

ORIGIN = "https://gitlab.example.com"
ORIGIN2 = "http://h.example:8080/gitlab"
CONTEXTS = [
    ("g/app", [ORIGIN]),
    ("g/sub/app", [ORIGIN, ORIGIN2]),
    ("app", [ORIGIN2]),
    ("g/app", []),
]

PHRASE_WORDS = ["blocked by", "depends on", "depend on", "requires", "needs", "blocks",
                "required by", "needed by", "blocksize", "unblocks", "needed", "block",
                "depends", "by", "and", "blocked on", "part of", "waiting for", "waiting on",
                "wait for", "until", "once", "blocking", "blockers", "dependencies", "partof"]
COND_TAILS = [" to be merged", " is closed", " merged", " lands", " has been fixed", " gets done",
              " to get merged", ", merged", " mergedx", " merged_", "  are  RESOLVED", " be",
              "** to be merged", " have been shipped", " to  completed", "\tclose"]
SUBJECTS = ["#5 is ", "#5 ", "#1 is also ", "lib#5 IS STILL ", "**#5** is ", "(#5) ", "#5: ",
            "#5 not ", "https://gitlab.example.com/g/a/-/issues/5 is ", "<https://gitlab.example.com/g/a/issues/5> ",
            "[x](https://gitlab.example.com/g/a/-/issues/5) was ", "#0 is ", "is ", "#5is "]
SKIPS = ["issue ", "issues ", "PR ", "prs\t", "MR ", "pull request ", "Merge  Requests ", "issue",
         "issuer ", "the issue "]
HEADINGS = ["## Dependencies", "# Blockers:", "### **Blocked by**", "Blockers:", "**Blockers:**",
            "Blocks", "## Depends-On", "####### Blockers", "    ## Blockers", "## Blockers ##",
            "_Blockers_", "Blockers: #2", "Required_by:", "## Prerequisites", "Blocking", "##\tUnblocks"]
ITEMS = ["- ", "* ", "+ ", "1. ", "12) ", "- [ ] ", "- [x] ", "- [X] ", "- [y] ", "    - ", "-",
         "1234567890. ", "   - ", "-\t"]


def rcase(rng, s):
    return "".join(c.upper() if rng.random() < 0.3 else c for c in s)


def phrase(rng):
    p = rcase(rng, rng.choice(PHRASE_WORDS))
    if " " in p and rng.random() < 0.4:
        p = p.replace(" ", rng.choice(["  ", "\t", " \t ", "", "-", "_", "--", "__", "- "]))
    r = rng.random()
    if r < 0.15:
        m = rng.choice(["*", "**", "_", "__", "***", "___"])
        colon = rng.choice(["", ":"])
        p = m + p + colon + m if rng.random() < 0.5 else m + p + m + colon
    elif r < 0.5:
        p += rng.choice([":", " :", ": ", ":  "])
    return p


def num(rng):
    r = rng.random()
    if r < 0.75:
        n = str(rng.randint(1, 12))
    elif r < 0.8:
        n = "0"
    elif r < 0.85:
        n = "00" + str(rng.randint(1, 9))
    elif r < 0.9:
        n = rng.choice(["9223372036854775807", "9223372036854775808", "99999999999999999999"])
    else:
        n = str(rng.randint(1, 5)) + rng.choice(["+", "+s", "abc", "_", "__x", "+x", "+sx", "s"])
    return n


def url(rng):
    host = rng.choice([
        "https://gitlab.example.com", "HTTPS://GitLab.Example.com:443", "https://gitlab.example.com:8443",
        "http://h.example:8080/gitlab", "http://h.example:08080/gitlab", "http://h.example:8080",
        "https://other.example.com", "http://gitlab.example.com",
    ])
    path = rng.choice(["g/web", "g/app", "g/sub/app", "app", "groups/g", "g", "g/.x", "-", "g//a",
                       "g/issues", "a.b/c-d_e"])
    kind = rng.choice(["/-/issues/", "/issues/", "/-/work_items/", "/work_items/", "/-/epics/",
                       "/-/merge_requests/"])
    tail = rng.choice(["", "", "#note_12", "?x=1", "/designs", "#", "/", ".", ")", ">"])
    return host + "/" + path + kind + num(rng) + tail


def reference(rng):
    r = rng.random()
    if r < 0.35:
        ref = "#" + num(rng)
    elif r < 0.5:
        ref = rng.choice(["lib", "app", "and", "x.y", "_p", "-p"]) + "#" + num(rng)
    elif r < 0.65:
        ref = rng.choice(["g/lib", "g/app", "g/sub/app", "a/b/c", "g/", "/g/a", "g/lib."]) + "#" + num(rng)
    elif r < 0.75:
        ref = url(rng)
    elif r < 0.82:
        ref = "<" + url(rng) + rng.choice([">", "", ">>"])
    elif r < 0.9:
        ref = "[" + rng.choice(["the bug", "", "a]b", "x[y", "needs #3"]) + "](" + url(rng) + rng.choice([")", "", "))"])
    else:
        ref = rng.choice(["!4", "&3", "%v1", "~bug", "@user", "$5", "#", "#x", "GL-1"])
    if rng.random() < 0.1:
        ref = rng.choice(SKIPS) + ref
    r = rng.random()
    if r < 0.1:
        ref = "(" + ref + rng.choice([")", "", "))"])
    elif r < 0.2:
        m = rng.choice(["*", "**", "_", "__", "***"])
        ref = m + ref + m
    return ref


def separator(rng):
    return rng.choice([", ", ",", " ", "  ", "\t", " and ", " AND ", " And ", ",and,", " or ",
                       "; ", ". ", " & ", "and", " ,", "**, **", "_ _", " - "])


def line_start(rng):
    return rng.choice(["```", "````", "``", "~~~", "~~~~", "   ```", "    ```", "```js", "``` a`b",
                       "> ", "   > ", "    > ", ">>>", ">>> ", "<!--", "-->", "  ", "    ", "\t",
                       "* ", "- ", "1. ", "#", "## "])


NOISE = ["`", "``", "```", "~", "~~", "~~~", "<!--", "-->", "<!-->", "<", ">", "[", "]", "(", ")",
         ":", ".", "*", "_", "__", "é", "→", "\u00a0", "\x00", "\xff", "\xc3", "code", "see", "x_",
         "#", "/", "\\", "&", "!", "http://", "https://"]
EOLS = ["\n", "\n", "\n", "\r\n", "\r"]


def fragments(rng):
    """A description as a list of byte strings (so it can be shrunk)."""
    out = []
    for _ in range(rng.randint(1, 6)):  # lines
        if rng.random() < 0.3:
            out.append(line_start(rng))
            if rng.random() < 0.3:
                out.append(rng.choice(EOLS))
                continue
        if rng.random() < 0.15:
            out.append(rng.choice(HEADINGS))
            out.append(rng.choice(EOLS))
            for _ in range(rng.randint(0, 4)):
                r = rng.random()
                if r < 0.7:
                    out.append(rng.choice(ITEMS) + rng.choice(["", "**", "_"]))
                    for _ in range(rng.randint(0, 3)):
                        out.append(reference(rng))
                        out.append(separator(rng))
                elif r < 0.85:
                    out.append(rng.choice(["", " ", "\t "]))
                else:
                    out.append(rng.choice(NOISE))
                out.append(rng.choice(EOLS))
        for _ in range(rng.randint(1, 5)):
            r = rng.random()
            if r < 0.35:
                pre = rng.choice(["", " ", "x ", "(", "**", "`", "~~", "<!-- "])
                if rng.random() < 0.2:
                    pre = rng.choice(SUBJECTS)
                out.append(pre + phrase(rng) + " ")
                for _ in range(rng.randint(1, 4)):
                    out.append(reference(rng))
                    out.append(separator(rng))
                if rng.random() < 0.3:
                    out.pop()
                    out.append(rng.choice(COND_TAILS))
            elif r < 0.5:
                out.append(reference(rng))
            elif r < 0.7:
                out.append(rng.choice(NOISE))
            elif r < 0.8:
                out.append(separator(rng))
            else:
                out.append(rng.choice(["Some text ", "the ", "code blocks ", "blocked by", " then "]))
        out.append(rng.choice(EOLS))
    if rng.random() < 0.5:
        out.pop()  # no final line ending
    return [f.encode("utf-8") if not any(ord(c) in (0xFF, 0xC3) for c in f) else f.encode("latin-1")
            for f in out]


SOUP = ["blocks", "Blocked by", "needs", "waiting on", "until", " is ", " merged", " to be ",
        "issue ", "## Blockers", "- ", "- [ ] ", "1. ", "Depends-On", "part_of", " ", "  ", "\t", "#", "1", "2", "12", "+", "s", "_", "__",
        "*", "**", "`", "``", "~", "~~", "<", "<!--", "-->", ">", ">>>", "\n", "\r", "\r\n", "(",
        ")", "[", "](", ":", ",", " and ", "lib", "g/", "/", "https://gitlab.example.com/",
        "g/a/-/issues/", "issues/", "x", "!", "@", "\x00", "\xff", "    ", "```", "~~~"]
REFS = ["#2", "#3", "g/a#4", "lib#5", " #6", ", #7"]


def soup(rng):
    """Dense token soup around one phrase: the grammar's corners, not prose."""
    out = [rng.choice(SOUP) for _ in range(rng.randint(0, 6))]
    out.append(rng.choice(["Blocked by", "blocks", "needs", "Required by", "waiting on", "once",
                           "Unblocks", "Blocked-on", "## Blockers\n- ", "Blockers:\n\n1. "]))
    out += [rng.choice(SOUP + REFS) for _ in range(rng.randint(1, 12))]
    return [f.encode("latin-1") for f in out]


# tests/fuzz/fuzz_textdeps.c's reading of its input's first three bytes
FUZZ_PROJECTS = ["g/app", "g/sub/app", "app", "a.b/c-d_e/f"]
FUZZ_ORIGINS = ["https://gitlab.example.com", "http://h.example:8080/gitlab", "https://h.example"]


def fuzz_seeds():
    """The fuzz target's seed corpus, as cases: the fuzzer's finds are
    checked against the oracle too."""
    src = os.environ.get("IG_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    d = os.path.join(src, "tests", "fuzz", "corpus", "textdeps")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            b = f.read()
        if len(b) >= 3:
            out.append({"project_path": FUZZ_PROJECTS[b[0] & 3], "iid": b[1] % 16,
                        "origins": FUZZ_ORIGINS[:(b[0] >> 2) % 4], "max_refs": b[2] % 8,
                        "text": b[3:]})
    return out


def run_dump(cases):
    payload = [{"project_path": c["project_path"], "iid": c["iid"], "origins": c["origins"],
                "max_refs": c["max_refs"], "text_hex": c["text"].hex()} for c in cases]
    p = subprocess.run([DUMP], input=json.dumps(payload).encode(), capture_output=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError(f"textdeps_dump exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return json.loads(p.stdout)


def oracle(c):
    return textdeps_oracle.extract(c["text"], c["project_path"], c["iid"], c["origins"], c["max_refs"])


def differs(c):
    return run_dump([c])[0] != oracle(c)


def shrink(c, frags):
    """Drop fragments, then bytes, while the two still disagree."""
    def with_text(t):
        return dict(c, text=t)
    changed = True
    while changed:
        changed = False
        for i in range(len(frags)):
            f2 = frags[:i] + frags[i + 1:]
            if differs(with_text(b"".join(f2))):
                frags = f2
                changed = True
                break
    text = b"".join(frags)
    changed = True
    while changed:
        changed = False
        for i in range(len(text)):
            t2 = text[:i] + text[i + 1:]
            if differs(with_text(t2)):
                text = t2
                changed = True
                break
    return with_text(text)


def explain(c, frags):
    """The smallest text on which the extractor and the oracle still disagree."""
    small = shrink(c, frags)
    return (f"the extractor and the oracle disagree; smallest failing text:\n"
            f"  context: {small['project_path']}#{small['iid']} origins={small['origins']} "
            f"max_refs={small['max_refs']}\n"
            f"  text: {small['text']!r}\n"
            f"  extractor: {json.dumps(run_dump([small])[0])}\n"
            f"  oracle:    {json.dumps(oracle(small))}")


class TextDepsRandom(igtest.TestCase):
    """CASES random descriptions from SEED, then the fuzz corpus, through
    one run of textdeps_dump."""

    @classmethod
    def setUpClass(cls):
        if not DUMP or not os.access(DUMP, os.X_OK):
            raise RuntimeError("IG_TEXTDEPS_DUMP is not set to the textdeps_dump tool")
        rng = random.Random(SEED)
        cls.cases, cls.frags = [], []
        for _ in range(CASES):
            project, origins = rng.choice(CONTEXTS)
            f = fragments(rng) if rng.random() < 0.7 else soup(rng)
            cls.frags.append(f)
            cls.cases.append({"project_path": project, "iid": rng.randint(1, 3),
                              "origins": origins, "max_refs": rng.choice([0, 0, 0, 0, 1, 2, 3]),
                              "text": b"".join(f)})
        seeds = fuzz_seeds()
        cls.n_random = len(cls.cases)
        cls.n_seeds = len(seeds)
        for c in seeds:
            cls.cases.append(c)
            cls.frags.append([c["text"]])
        cls.got = run_dump(cls.cases)

    def agree(self, indexes, what):
        self.assertEqual(len(self.got), len(self.cases))
        for i in indexes:
            c = self.cases[i]
            if self.got[i] != oracle(c):
                # the first disagreement, shrunk (a shrink runs the tool many times)
                self.fail(f"{what} {i} (seed {SEED}): " + explain(c, self.frags[i]))

    def test_random_descriptions_agree_with_the_oracle(self):
        self.agree(range(self.n_random), "random case")

    def test_fuzz_corpus_agrees_with_the_oracle(self):
        self.assertTrue(self.n_seeds, "no fuzz seeds in tests/fuzz/corpus/textdeps")
        self.agree(range(self.n_random, len(self.cases)), "fuzz seed")

    def test_the_cases_exercise_the_grammar(self):
        # The corpus must exercise the grammar, not agree on empty answers.
        answers = [oracle(c) for c in self.cases]
        with_deps = sum(bool(w["deps"]) for w in answers)
        with_dropped = sum(bool(w["dropped"]) for w in answers)
        self.assertGreater(with_deps, len(self.cases) // 6)
        self.assertGreater(with_dropped, 0)
        # every phrase of grammar 2 (heading words included) gives something
        phrases = {d["phrase"] for w in answers for d in w["deps"]}
        self.assertEqual(phrases, {p for p, _, _ in textdeps_oracle.PHRASES})

    def test_spec_table_through_the_extractor_and_the_oracle(self):
        """Every row of the SPEC's example table (T = g/app#1), verbatim:
        both readings give the row's answer."""
        T = ("g/app", 1, [ORIGIN], 0)
        cases = [(text, want) for text, want in SPEC_TABLE]
        got = run_dump([{"project_path": T[0], "iid": T[1], "origins": T[2], "max_refs": T[3],
                         "text": t.encode()} for t, _ in cases])
        for (text, want), g in zip(cases, got):
            with self.subTest(text=text):
                o = textdeps_oracle.extract(text.encode(), *T)
                for name, answer in (("extractor", g), ("oracle", o)):
                    deps = sorted(("T>" if d["blocks"] else "") + "%s#%d" % (d["project_path"], d["iid"])
                                  + ("" if d["blocks"] else ">T") for d in answer["deps"])
                    self.assertEqual(deps, sorted(want), name)

    def test_readme_free_tier_example_reads_every_form(self):
        """The README's example for GitLab Free: each line but the heading
        and blank ones gives a dependency, on both readings, and both agree."""
        src = os.environ.get("IG_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
        with open(os.path.join(src, "README.md")) as f:
            readme = f.read()
        m = re.search(r"```markdown\n(Blocked by #12\n.*?)\n```", readme, re.S)
        self.assertIsNotNone(m, "the README's GitLab Free example")
        text = m.group(1).encode()
        case = {"project_path": "acme/app", "iid": 1, "origins": [ORIGIN], "max_refs": 0, "text": text}
        got = run_dump([case])[0]
        self.assertEqual(got, oracle(case))
        lines = {d["line"] for d in got["deps"]}
        want = {n + 1 for n, ln in enumerate(text.decode().split("\n"))
                if ln.strip() and not ln.startswith("#")}
        self.assertEqual(lines, want)
        self.assertIn("dependencies", {d["phrase"] for d in got["deps"]})


# The SPEC's "Text dependencies" table, row by row ("A" / "B" rows split);
# an answer is "R>T" (R blocks T) or "T>R".
SPEC_TABLE = [
    ("Blocked by #2", ["g/app#2>T"]),
    ("**Blocked by:** #2, #3 and g/lib#4.", ["g/app#2>T", "g/app#3>T", "g/lib#4>T"]),
    ("blocked  by:  (#2)", ["g/app#2>T"]),
    ("Depends on lib#7", ["g/lib#7>T"]),
    ("This blocks https://gitlab.example.com/g/web/-/issues/9#note_12", ["T>g/web#9"]),
    ("Needs [the login bug](https://gitlab.example.com/g/app/issues/5)", ["g/app#5>T"]),
    ("Requires #2+", ["g/app#2>T"]),
    ("Unblocks #2", ["T>g/app#2"]),
    ("Blocked on #2", ["g/app#2>T"]),
    ("Depends-On: #2", ["g/app#2>T"]),
    ("Blocked by issue #2", ["g/app#2>T"]),
    ("Waiting on #2 to be merged", ["g/app#2>T"]),
    ("blocked until #2 is closed", ["g/app#2>T"]),
    ("Waiting on #2", []),
    ("after #2 is merged", []),
    ("#5 is also blocked by #2", []),
    ("Part of #9", ["T>g/app#9"]),
    ("## Dependencies\n\n- [ ] #2\n* **#3** (API)\nSome text\n- #4", ["g/app#2>T", "g/app#3>T"]),
    ("blocksize #2", []),
    ("Blocked by !4", []),
    ("Blocked by &3", []),
    ("Blocked by\n#2", []),
    ("`Blocked by #2`", []),
    ("> Blocked by #2", []),
    ("~~Blocked by #2~~", []),
    ("Blocked by #12abc", []),
    ("Blocked by #1", []),
    ("Required by #2 and #3, blocked by #4", ["T>g/app#2", "T>g/app#3", "g/app#4>T"]),
    ("code blocks #2", ["T>g/app#2"]),
]


if __name__ == "__main__":
    igtest.main()
