#!/usr/bin/python3
"""Write the seed corpora of tests/fuzz/corpus/<target>/ from the tests.

Seeds are small on purpose (the fuzzer mutates them): snapshots cut from
examples/example.json, the hostile fixture, the bad snapshots of
tests/e2e/test_import_export.py, and the refs, URLs and Link headers of
the unit tests. Files are named by content hash, so rerunning is
idempotent and files libFuzzer merged in (--grow) stay.
usage: tests/fuzz/make_corpus.py
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "e2e"))
import test_import_export as tie  # noqa: E402  (base_snapshot, bad_variants)


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def cut(snap, n_issues):
    """The first n issues, their projects, and the links among them."""
    issues = snap["issues"][:n_issues]
    ids = {i["id"] for i in issues}
    pids = {i["project_id"] for i in issues}
    return {
        "version": 1,
        "source": snap["source"],
        "projects": [p for p in snap["projects"] if p["id"] in pids],
        "issues": issues,
        "links": [l for l in snap["links"]
                  if l["source_issue_id"] in ids and l["target_issue_id"] in ids],
    }


def main():
    with open(os.path.join(SRC, "examples", "example.json"), encoding="utf-8") as f:
        example = json.load(f)
    with open(os.path.join(SRC, "tests", "fixtures", "render_hostile.json"), encoding="utf-8") as f:
        hostile = json.load(f)

    # import: small cuts of the example (compact and pretty), the hostile
    # fixture, the e2e test's base snapshot and its refused variants
    for n in (1, 3, 8):
        put("import", compact(cut(example, n)))
    put("import", json.dumps(cut(example, 4), indent=1))
    put("import", compact(hostile))
    put("import", compact(tie.base_snapshot()))
    for _name, data, _words in tie.bad_variants():
        if len(data) <= 8192:
            put("import", data)
    put("import", '{"version":1,"source":"","projects":[],"issues":[],"links":[]}')
    # the snapshot keys beyond 0.1's (SPEC "JSON snapshot"): text_deps,
    # assignees, type, forge, groups, hierarchy; and a raw control
    # character inside a string (refused, issue 19)
    ext = tie.base_snapshot()
    ext["forge"] = "gitlab"
    ext["issues"][0]["assignees"] = [{"username": "ana"}, {"username": "bo"}]
    ext["issues"][0]["type"] = "task"
    ext["issues"][1]["assignees"] = []
    ext["text_deps"] = [{"source_issue_id": ext["issues"][0]["id"],
                         "target_issue_id": ext["issues"][1]["id"],
                         "link_type": "is_blocked_by", "line": 3, "phrase": "blocked by"}]
    ext["hierarchy"] = [{"parent_id": ext["issues"][0]["id"],
                         "child_id": ext["issues"][1]["id"]}]
    put("import", compact(ext))
    grp = dict(ext)
    grp["projects"] = ext["projects"] + [{"id": 99, "kind": "group", "path_with_namespace": "grp",
                                          "web_url": None}]
    put("import", compact(grp))
    put("import", compact(tie.base_snapshot()).replace("Issues with auth", "Issues\nwith auth"))

    # ref
    for r in ["g/a#1", "gitlab-org/gitlab#14", "group/sub/app#12", "a#9223372036854775807",
              "A_b.c-d/e9#100", "x/y_/z.#7", "_under/score#3", "", "#1", "g/a", "g/a#0",
              "g/a#01", "g/a#-1", "g//a#1", "/g/a#1", "-g/a#1", "g/.a#1", "g/a#1#2",
              "g/\u00e4#1", "a#9223372036854775808", "g\\a#1", "g:a#1"]:
        put("ref", r)

    # url: two URLs separated by a NUL byte (normalize + check the first;
    # same-origin of both)
    urls = ["gitlab.example.com", "https://gitlab.example.com/", "https://h.example/gitlab/api/v4/",
            "http://127.0.0.1:8080", "ftp://h", "https://user:pw@h", "https://h/?q=1", "",
            "https://gitlab.com", "http://localhost:80", "http://127.8.9.1", "http://[::1]:8080",
            "http://gitlab.example.com", "http://128.0.0.1", "https://H/a", "https://h:443/api/v4/b",
            "https://h:8443/a", "not a url", "http://[fe80::1%25eth0]:80/x"]
    for k, u in enumerate(urls):
        put("url", u + "\0" + urls[(k + 1) % len(urls)])

    # link
    for h in [
        '<https://gitlab.example.com/api/v4/projects/8/issues?page=1&per_page=3>; rel="prev", '
        '<https://gitlab.example.com/api/v4/projects/8/issues?page=3&per_page=3>; rel="next", '
        '<https://gitlab.example.com/api/v4/projects/8/issues?page=1&per_page=3>; rel="first", '
        '<https://gitlab.example.com/api/v4/projects/8/issues?page=4&per_page=3>; rel="last"',
        '<https://h/x?page=1>; rel="first", <https://h/x?page=1>; rel="last"',
        '<https://h/a>; rel="prev start", <https://h/b>;  REL="last NEXT"',
        "<https://h/c>;rel=next",
        '<https://h/x?labels=a,b&page=2>; title="a, b; c"; rel="next"',
        '<https://h/y>; rel="nextish"', 'rel="next"', '<https://h/unterminated; rel="next"',
        'garbage <https://h/z>; rel="next"', '<https://h/q>; title="a \\" b"; rel="next"',
    ]:
        put("link", h)

    # escape and mermaid: every hostile title, and a few more
    texts = [i["title"] for i in hostile["issues"]] + [
        "plain title", "tab\there", "\x1b[2J\x1b]52;c;SGVsbG8=\x07", "c1 \u0085 \u009b x",
        "del \x7f", "nonchar \ufffe \uffff", "bad utf8 \udcff".encode("utf-8", "surrogateescape"),
        "https://gitlab.example.com/g/a/-/issues/1", "javascript:alert(1)",
        "http://h/a b\"c<d>'e", "%%{init: {'theme':'dark'}}%%", "#quot; &amp; &#35;",
    ]
    texts += ["bidi \u202e evil \u2066x\u2069 \u200f \u061c", "sep \u2028 line \u2029 para",
              "near \u202f \u2065 \u206a \u200d"]
    for t in texts:
        put("escape", t)
        put("mermaid", t)
    textdeps_seeds()


def textdeps_seeds():
    """textdeps: the SPEC table and grammar 2's forms (heading lists,
    conditional phrases with and without an end word, subjects, skip
    words, `-`/`_` between words). Three context bytes first (as
    fuzz_textdeps.c reads them): T = g/app#1, origin gitlab.example.com,
    the default cap."""
    import test_textdeps_random as tr  # noqa: E402  (SPEC_TABLE)
    ctx = b"\x04\x01\x00"
    texts = [t for t, _ in tr.SPEC_TABLE] + [
        "## Dependencies\n\n- [ ] #2\n- [x] g/lib#3 (API)\n1. issue #4\nText\n- #5",
        "**Blockers:**\n* **#2**, #3 and lib#4\n\n12) [ ] #6",
        "### Blocks\n- https://gitlab.example.com/g/web/-/issues/9\n## Notes\n- #7",
        "Prerequisites\n+ <https://gitlab.example.com/g/app/issues/5>",
        "Waiting on #2 and #3 to be merged, until #4 has been fixed, once #5 lands",
        "waiting for #2\nwait for #3 to get merged\nuntil #4 is",
        "#5 is also blocked by #2\nlib#5 IS STILL blocked on #3\n**#5** is blocked by #4",
        "Blocked by PRs #2 and merge  requests #3, pull request (#4)",
        "Depends-On: #2\nblocked_by #3\nrequired-by #4\npart_of #5\ndepends--on #6",
        "_Blocked by_ #2\nUnblocks #3\nblocking #4",
    ]
    for t in texts:
        put("textdeps", ctx + t.encode())

    # baseline: what check --write-baseline writes, check's JSON, and
    # the malformed files of the e2e test (issue 19, F8)
    import test_hostile_inputs as thi  # noqa: E402
    for b in [
        '{"findings": [{"kind": "knots", "issues": ["g/a#1", "g/b#7"]}, '
        '{"kind": "conflicts", "blocker": "g/a#3", "blocked": "g/a#4"}], "failed": false}',
        '{"findings": [{"kind": "knots", "issues": ["g/a#1", "g/b#7"], "people": ["ana"]},'
        '{"kind": "closed-blocked", "blocker": "g/a#5", "blocked": "g/a#6", "people": []},'
        '{"kind": "new-knots", "issues": ["g/a#1"]},'
        '{"kind": "new-conflicts", "blocker": "g/a#3", "blocked": "g/a#4"}], "failed": true}',
        '{"findings": []}',
    ]:
        put("baseline", b)
    for data, _named in thi.Baseline.BAD:
        if len(data) <= 4096:
            put("baseline", data)

    # ignore_deps
    for t in ["# silence wrong edges\n\ng/b#7 g/a#1   # in g/a#1's description\n"
              "  g/a#5\tg/a#4\r\ng/zz#9 g/a#1\n",
              "g/a#1 g/a#2", "g/a#1 g/a#2\ng/a#1\n", "g/a#1 #2\n", "a b\n",
              "g/a#1 g/a#2 g/a#3\n", "g/a#1\x00 g/a#2\n", "#only a comment", ""]:
        put("ignore_deps", t)


if __name__ == "__main__":
    main()
