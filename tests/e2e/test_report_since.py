#!/usr/bin/python3
"""The report's "Since <date>" section (markdown, HTML) and its JUnit
new-knots test cases, against the GitLab test server.

Fetch, change the server's data (a new knot, a knot that gains an issue, a
resolved knot, a closed blocker, a new conflict, a reopened, a deleted and
a new issue), fetch again. The markdown and HTML "Since" sections must list
exactly what `changes --format json` reports (one computation), titles
following the confidential rule and escaped; JUnit has one test case per
new knot (new, or changed and gained an issue), failing exactly when
`--fail-on new-knots` is given. Before any earlier point, one line says why.
"""
import html.parser
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_testlib as T  # noqa: E402
import igtest  # noqa: E402
from igtest import check as ok, expect  # noqa: E402

P = "g/p"
PID = 7
HOSTILE = ("<script>alert(1)</script> *x* [y](javascript:alert(1)) `z` | w\n"
           "## injected <img src=x onerror=alert(2)>")
SECRET = "SECRET-TITLE-105"

# the lists of the changes JSON, by the section's list key (report_since.c)
KEYS = {
    "knots-new": lambda c: [k["issues"] for k in c["knots"]["new"]],
    "knots-changed": lambda c: [k["issues"] for k in c["knots"]["changed"]],
    "knots-resolved": lambda c: [k["issues"] for k in c["knots"]["resolved"]],
    "unblocked": lambda c: [[r] for r in c["unblocked"]],
    "blocked": lambda c: [[r] for r in c["blocked"]],
    "conflicts-new": lambda c: [[x["blocker"], x["blocked"]] for x in c["conflicts"]["new"]],
    "conflicts-resolved": lambda c: [[x["blocker"], x["blocked"]]
                                     for x in c["conflicts"]["resolved"]],
    "closed": lambda c: [[r] for r in c["closed"]],
    "opened": lambda c: [[r] for r in c["opened"]],
    "added": lambda c: [[r] for r in c["added"]],
    "removed": lambda c: [[r] for r in c["removed"]],
}
LABELS = {
    "New knots": "knots-new", "Changed knots": "knots-changed",
    "Resolved knots": "knots-resolved", "Unblocked (ready now, not then)": "unblocked",
    "Blocked (ready then, not now)": "blocked", "New due-date conflicts": "conflicts-new",
    "Resolved due-date conflicts": "conflicts-resolved", "Closed": "closed",
    "Reopened": "opened", "Added": "added", "Removed": "removed",
}


def gid(k):
    return 100 + k


def snapshot():
    # issues #1..#13, #9 closed, none due
    issues = [dict(T.issue(gid(k), PID, k, k * 10, path=P,
                           state="closed" if k == 9 else "opened"), due_date=None)
              for k in range(1, 14)]
    issues[4]["title"] = SECRET      # 105: confidential (T.issue: id % 7 == 0)
    issues[5]["title"] = HOSTILE     # 106
    # (blocker, blocked): knot 1-2 (to be resolved), 3 blocks 4 (3 to be
    # closed), 7 blocks 8 (due dates to make it a conflict), 9 blocks 10 (9
    # to be reopened, 10 deleted), 4 blocks 6, knot 12-13 (to gain 24)
    pairs = [(1, 2), (2, 1), (3, 4), (7, 8), (9, 10), (4, 6), (12, 13), (13, 12)]
    links = [{"id": n + 1, "source_issue_id": gid(a), "target_issue_id": gid(b),
              "link_type": "blocks"} for n, (a, b) in enumerate(pairs)]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [T.project(PID, P)], "issues": issues, "links": links}


def unescape_md(s):
    return re.sub(r"\\(.)", r"\1", s)


def md_since(md):
    """{list key: [[refs of item]]} and the section's text, from the markdown."""
    m = re.search(r"^## Since (.*?)(?=^## )", md, re.S | re.M)
    ok(m is not None, "markdown has a Since section")
    sec = m.group(0) if m else ""
    got = {k: [] for k in KEYS}
    key = None
    for line in sec.splitlines():
        h = re.match(r"^### (.*): (\d+)$", line)
        if h:
            key = LABELS[h.group(1)]
            continue
        if key and line.startswith("- "):
            links = re.findall(r"\[((?:[^\]\\]|\\.)*)\]\(https://", line)
            got[key].append([unescape_md(x) for x in links] if links
                            else [unescape_md(line[2:])])
    return got, sec


class SinceParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0          # inside section#ig-since
        self.lists = {k: [] for k in KEYS}
        self.key = None
        self.text = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "section" and a.get("id") == "ig-since":
            self.depth = 1
        elif self.depth:
            if tag == "section":
                self.depth += 1
            if tag == "ul" and "data-list" in a:
                self.key = a["data-list"]
            elif tag == "li" and self.key:
                self.lists[self.key].append([])
            elif "data-ref" in a and self.key:
                self.lists[self.key][-1].append(a["data-ref"])

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1
        if tag == "ul":
            self.key = None

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def junit_suite(ju, name):
    """The JUnit report's testsuite NAME (None if there is none)."""
    return ET.fromstring(ju).find("testsuite[@name='%s']" % name)


class ReportSince(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """One store and one server for the class: a fetch, the server's data
    changed, a second fetch, then the reports read the store; a new
    baseline (an import) last. The stages run in order, each on the
    fetches of the ones before it; a broken check is reported and the
    scenario goes on (a failed fetch stops it)."""

    @classmethod
    def setUpClass(cls):
        d = cls.make_class_dir()
        cls.db = os.path.join(d, "ig.db")
        cls.srv = T.ServerProcess(T.write_snapshot(snapshot(), d), "--token", T.TOKEN)
        cls.addClassCleanup(cls.srv.stop)

    def fetch(self, *extra):
        """One fetch of P, a history point (a second after the one before)."""
        time.sleep(1.1)
        rc, _, err = T.run(["fetch", "--url", self.srv.url, "--project", P, "-q"] + list(extra),
                           self.db)
        self.assertEqual(rc, 0, "fetch exits 0 (%s)" % err.strip())

    def report(self, *args):
        return T.run(["report"] + list(args), self.db)

    def change(self, **op):
        T.control(self.srv, "change", op)

    def test_01_no_earlier_point_one_line_says_why(self):
        self.fetch()
        # no earlier point: one line saying so, in both formats
        rc, md, err = self.report()
        ok(rc == 0 and "## Since the previous point\n\nNothing to compare with: "
           "no earlier point" in md, "markdown: no earlier point, one line says why")
        rc, ht, _ = self.report("--format", "html")
        p = SinceParser()
        p.feed(ht)
        ok(rc == 0 and "Nothing to compare with: no earlier point" in "".join(p.text),
           "html: no earlier point, one line says why")
        rc, ju, _ = self.report("--format", "junit", "--fail-on", "new-knots")
        suite = junit_suite(ju, "new-knots")
        ok(rc == 0 and suite is not None and len(suite.findall("testcase")) == 1 and
           suite.find("testcase/failure") is None,
           "junit: no earlier point, no new knot, the check passes")
        rc, ju, _ = self.report("--format", "junit")
        ok(rc == 0 and junit_suite(ju, "new-knots") is None,
           "junit: no earlier point and no --fail-on new-knots: no new-knots suite")
        rc, out, _ = self.report("--format", "json")
        type(self).knots_then = {r for k in json.loads(out)["knots"] for r in k["issues"]}

    def test_02_a_second_fetch_exercises_every_kind_of_change(self):
        ops = [
            {"op": "delete_link", "id": 2},                      # knot 1-2 resolved
            {"op": "close_issue", "issue": gid(3)},              # 4 unblocked
            {"op": "add_link", "id": 10, "source": gid(5), "target": gid(6)},
            {"op": "add_link", "id": 11, "source": gid(6), "target": gid(5)},  # new knot
            {"op": "set_due_date", "issue": gid(8), "due_date": "2026-12-01"},
            {"op": "set_due_date", "issue": gid(7), "due_date": "2027-01-15"},  # conflict
            {"op": "reopen_issue", "issue": gid(9)},
            {"op": "delete_issue", "issue": gid(10)},            # removed (with --full)
            {"op": "add_issue", "issue": T.issue(221, PID, 21, 500, path=P)},  # added
            {"op": "add_issue", "issue": T.issue(224, PID, 24, 510, path=P)},
            {"op": "add_link", "id": 12, "source": gid(13), "target": 224},
            {"op": "add_link", "id": 13, "source": 224, "target": gid(12)},  # 12-13 gains 24
        ]
        for op in ops:
            if op["op"] == "add_link":
                op["link_type"] = "blocks"
            self.change(**op)
        self.fetch("--full")

        rc, out, err = T.run(["changes", "--format", "json"], self.db)
        self.assertEqual(rc, 0, "changes --format json exits 0 (%s)" % err.strip())
        exp = json.loads(out)
        ok(exp["knots"]["new"] and exp["knots"]["changed"] and
           exp["knots"]["resolved"] and exp["unblocked"] and exp["conflicts"]["new"] and
           exp["closed"] and exp["opened"] and exp["added"] and exp["removed"],
           "the scenario exercises every kind of change (%s)" % json.dumps(exp))
        type(self).exp = exp
        type(self).want = {k: f(exp) for k, f in KEYS.items()}

    def test_03_changes_and_ready_text_show_titles_beside_refs(self):
        # the text outputs of changes and ready: titles beside refs
        rc, text, _ = T.run(["changes"], self.db)
        # fetch_testlib.issue(): issue 104 has u4 and u0 (in that order), 103
        # has u3, and neither a due date
        ok(rc == 0 and "\n  g/p#4  Issue 104  @u4 @u0  no due date\n" in text and
           "\n  g/p#3  Issue 103  @u3  no due date\n" in text and "\n  g/p#10\n" in text,
           "changes text: title, people and due date beside refs (a removed issue: its ref)")
        ok(re.search(r"\n  g/p#5  \(confidential\)  (@\S+( @\S+)*|unassigned)  no due date\n",
                     text) and SECRET not in text,
           "changes text: a confidential title is hidden, its people shown")
        rc, text, _ = T.run(["ready"], self.db)
        ok(rc == 0 and re.search(r"^ +\d+  g/p#4  Issue 104  @u4 @u0  no due date$", text, re.M),
           "ready text: title, people and due date beside refs")

    def test_04_markdown_since_lists_what_changes_reports(self):
        exp = self.exp
        rc, md, _ = self.report("--max-rows", "0")
        got, sec = md_since(md)
        ok(rc == 0, "report --max-rows 0 exits 0")
        expect("markdown Since lists what changes reports", got, self.want)
        then = exp["since"]["started_at"]
        ok(("## Since %s %s UTC\n" % (then[:10], then[11:16])) in md,
           "markdown heading: Since <the earlier point's started_at>")
        pt, pn = exp["path"]["then"], exp["path"]["now"]
        ok("then cost %d in %d step" % (pt["cost"], pt["steps"]) in sec and
           "now cost %d in %d step" % (pn["cost"], pn["steps"]) in sec,
           "markdown: the critical path then and now")
        ok(SECRET not in md and "*(confidential)*" in sec,
           "markdown: a confidential title is hidden in Since")
        ok("<script>" not in md and "\n## injected" not in md and
           "&lt;script&gt;" in sec, "markdown: a hostile title is escaped")

    def test_05_markdown_max_rows_caps_the_since_lists(self):
        rc, md2, _ = self.report("--max-rows", "1")
        got2, sec2 = md_since(md2)
        ok(all(len(v) <= 1 for v in got2.values()) and "… and 1 more" in sec2,
           "markdown: --max-rows caps the Since lists with 'and N more'")

    def test_06_result_line_follows_fail_on_new_knots(self):
        rc, md4, _ = self.report("--fail-on", "new-knots")
        ok(rc == 1 and "**Result: failed :x:** (fails on new-knots)" in md4,
           "markdown: the result line follows --fail-on new-knots")
        rc, ht4, _ = self.report("--format", "html", "--fail-on", "new-knots")
        ok(rc == 1 and ">Result: failed<" in ht4,
           "html: the result line follows --fail-on new-knots")

    def test_07_show_confidential_shows_the_title(self):
        rc, md3, _ = self.report("--show-confidential")
        ok(SECRET in md3, "markdown: --show-confidential shows the title")

    def test_08_html_since_lists_what_changes_reports(self):
        then = self.exp["since"]["started_at"]
        rc, ht, _ = self.report("--format", "html", "--max-rows", "0")
        p = SinceParser()
        p.feed(ht)
        ok(rc == 0, "report --format html --max-rows 0 exits 0")
        expect("html Since lists what changes reports", p.lists, self.want)
        text = "".join(p.text)
        ok(("Since %s %s UTC" % (then[:10], then[11:16])) in text,
           "html heading: Since <date>")
        ok(SECRET not in ht and "(confidential)" in text,
           "html: a confidential title is hidden in Since")
        ok(p.scripts == 1 and "<img" not in ht and "<script>alert" not in ht,
           "html: a hostile title is escaped")

    def test_09_junit_one_test_case_per_new_knot(self):
        # JUnit: one test case per new knot (new, or changed and gained)
        exp = self.exp
        gained = [k for k in exp["knots"]["changed"] if set(k["issues"]) - self.knots_then]
        new_knots = [k["issues"] for k in exp["knots"]["new"] + gained]
        for gate in (False, True):
            with self.subTest(fail_on_new_knots=gate):
                args = ["--format", "junit"] + (["--fail-on", "new-knots"] if gate else [])
                rc, ju, _ = self.report(*args)
                suite = junit_suite(ju, "new-knots")
                cases = suite.findall("testcase") if suite is not None else []
                # the first is the check itself
                ok(len(cases) == len(new_knots) + 1,
                   "junit%s: one test case per new knot" % (" gated" if gate else ""))
                named = [c.get("name") for c in cases[1:]]
                ok(sorted(named) == sorted("new knot: " + " ".join(k) for k in new_knots),
                   "junit: each test case is named after the knot's issues (%s)" % named)
                fails = [c.find("failure") is not None for c in cases]
                ok(all(fails) if gate else not any(fails),
                   "junit: failures exactly when --fail-on new-knots (%s)" % gate)
                ok(rc == (1 if gate else 0), "junit: exit code follows --fail-on")
                ok(suite is not None and int(suite.get("tests")) == len(cases) and
                   int(suite.get("failures")) == sum(fails),
                   "junit: the suite's counts are right")
                ok(SECRET not in ju, "junit: a confidential title is hidden")

    def test_10_junit_one_test_case_per_new_conflict(self):
        # new conflicts: the same rule, with --fail-on new-conflicts
        for gate in (False, True):
            with self.subTest(fail_on_new_conflicts=gate):
                args = ["--format", "junit"] + (["--fail-on", "new-conflicts"] if gate else [])
                rc, ju, _ = self.report(*args)
                suite = junit_suite(ju, "new-conflicts")
                cases = suite.findall("testcase") if suite is not None else []
                fails = [c.find("failure") is not None for c in cases]
                ok(len(cases) == len(self.exp["conflicts"]["new"]) + 1 and
                   (all(fails) if gate else not any(fails)) and rc == (1 if gate else 0),
                   "junit: a test case per new conflict, failing when gated (%s)" % gate)

    def test_11_a_point_before_a_baseline_one_line_says_why(self):
        # a point before a new baseline (an import starts one): one line why
        exp_file = self.path("snap-now.json")
        rc, out, _ = T.run(["export", "-o", exp_file], self.db)
        rc2, _, err = T.run(["import", exp_file], self.db)
        ok(rc == 0 and rc2 == 0, "export and import (%s)" % err.strip())
        rc, md, _ = self.report()
        ok(rc == 0 and re.search(r"^Nothing to compare with: the point of .* is before "
                                 r"a baseline at .*\.$", md, re.M) is not None,
           "markdown: a point before a baseline, one line says why")
        rc, ju, _ = self.report("--format", "junit", "--fail-on", "new-knots")
        suite = junit_suite(ju, "new-knots")
        ok(rc == 0 and suite is not None and len(suite.findall("testcase")) == 1,
           "junit: across a baseline nothing is new")


if __name__ == "__main__":
    igtest.main()
