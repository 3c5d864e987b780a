#!/usr/bin/python3
"""The small traps of issue 16, each with the behaviour the SPEC fixes:
render's format from -o, its caption, refs as URLs and short names,
check --write-baseline, JUnit gating, a first report's --since, and docs
that point at files that exist."""
import json
import os
import re

import igtest

EXAMPLE = igtest.EXAMPLE


class RenderFormat(igtest.TestCase):
    """render -o FILE: the extension decides the format (SPEC "render")."""

    def setUp(self):
        super().setUp()
        self.db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")

    def test_extension_decides_the_format(self):
        magic = {"svg": b"<svg", "png": b"\x89PNG", "dot": b"digraph", "gv": b"digraph",
                 "mmd": b"flowchart", "mermaid": b"flowchart", "SVG": b"<svg"}
        for ext, want in magic.items():
            with self.subTest(ext=ext):
                out = self.path("graph." + ext)
                igtest.ig(self.db, "render", "-o", out, ok=0)
                with open(out, "rb") as f:
                    head = f.read(4096)
                if want in (b"<svg", b"flowchart"):  # (Mermaid: after the caption)
                    self.assertIn(want, head, f"-o graph.{ext} is not {want!r}: {head[:40]!r}")
                else:
                    self.assertTrue(head.startswith(want),
                                    f"-o graph.{ext} starts {head[:40]!r}, want {want!r}")

    def test_no_extension_and_stdout_are_dot(self):
        out = self.path("graph")
        igtest.ig(self.db, "render", "-o", out, ok=0)
        self.assertTrue(igtest.read_text(out).startswith("digraph"))
        r = igtest.ig(self.db, "render", ok=0)
        self.assertTrue(r.stdout.startswith("digraph"))

    def test_unknown_extension_or_contradiction_exits_2_before_any_work(self):
        missing = self.path("missing.db")  # exit 2, not 4: nothing opened
        for args in (["-o", self.path("graph.txt")],
                     ["-o", self.path("graph.jpg")],
                     ["--format", "svg", "-o", self.path("graph.png")],
                     ["--format", "dot", "-o", self.path("graph.mmd")]):
            with self.subTest(args=args):
                for db in (missing, self.db):
                    r = igtest.ig(db, "render", *args)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(os.path.basename(args[-1]), r.stderr)
                self.assertFalse(os.path.exists(args[-1]))
        self.assertFalse(os.path.exists(missing))

    def test_explicit_format_wins_over_an_unknown_extension(self):
        out = self.path("graph.txt")
        igtest.ig(self.db, "render", "--format", "mermaid", "-o", out, ok=0)
        self.assertIn("\nflowchart LR\n", igtest.read_text(out))
        out = self.path("graph.svg")
        igtest.ig(self.db, "render", "--format", "svg", "-o", out, ok=0)
        self.assertIn("<svg", igtest.read_text(out))


class WriteBaseline(igtest.TestCase):
    """check --write-baseline FILE: writes the file, prints nothing on
    stdout, exits 0 even with findings (SPEC "check", "Ratchet")."""

    def test_writes_prints_nothing_and_exits_0_with_findings(self):
        db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")
        r = igtest.ig(db, "check")
        self.assertEqual(r.returncode, 1, "the example has a knot: check fails")
        base = self.path("baseline.json")
        for extra in ([], ["--format", "json"], ["--fail-on", "knots,conflicts,closed-blocked"]):
            with self.subTest(extra=extra):
                r = igtest.ig(db, "check", "--write-baseline", base, *extra)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, "")
                b = igtest.read_json(base)
                self.assertEqual(set(b), {"findings"})
                kinds = [x["kind"] for x in b["findings"]]
                self.assertIn("knots", kinds)
                self.assertTrue(set(kinds) <= {"knots", "conflicts"}, kinds)
                self.assertEqual(kinds, sorted(kinds, key=["knots", "conflicts"].index))
                for x in b["findings"]:
                    want = {"kind", "issues"} if x["kind"] == "knots" else \
                        {"kind", "blocker", "blocked"}
                    self.assertEqual(set(x), want, x)
        igtest.ig(db, "check", "--fail-on", "new-knots,new-conflicts", "--baseline", base,
                  ok=0)


class FirstReport(igtest.TestCase):
    """A first report warns of nothing: --since is used only when given or
    when an earlier point exists (SPEC "report")."""

    def test_first_report_is_silent_unless_since_is_given(self):
        db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")
        for fmt in ("markdown", "json", "html", "junit"):
            with self.subTest(format=fmt):
                r = igtest.ig(db, "report", "--format", fmt, ok=0)
                self.assertEqual(r.stderr, "")
                self.assertTrue(r.stdout)
        r = igtest.ig(db, "report", "--since", "1", ok=0)
        self.assertIn("--since", r.stderr, "a --since that was given: say there is no point")
        r = igtest.ig(db, "changes", ok=0)
        self.assertIn("no earlier point", r.stderr, "changes always says so")


class Caption(igtest.TestCase):
    """render's caption: the scope, the instance, when the store was
    fetched or imported, and which --weight the highlighted critical path
    uses (SPEC "render"); the README's demo tells the same story."""

    def setUp(self):
        super().setUp()
        self.db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")

    def caption(self, fmt, *args):
        out = self.path("g." + {"dot": "dot", "svg": "svg", "mermaid": "mmd"}[fmt])
        igtest.ig(self.db, "render", "-o", out, *args, ok=0)
        text = igtest.read_text(out)
        if fmt == "mermaid":
            m = re.match(r'---\ntitle: "(.*)"\n---\nflowchart LR\n', text)
        elif fmt == "dot":  # (DOT continues a long line with a backslash)
            m = re.search(r'^\t+label="(.*)",$', text.replace("\\\n", ""), re.M)
        else:
            m = re.search(r'<text[^>]*>([^<]*critical path[^<]*)</text>', text)
        self.assertIsNotNone(m, "%s: no caption" % fmt)
        return m.group(1).replace("&#45;", "-")

    def test_caption_names_the_weight_scope_and_instance(self):
        for fmt in ("dot", "svg", "mermaid"):
            with self.subTest(format=fmt):
                cap = self.caption(fmt)
                self.assertIn("--weight count", cap)
                self.assertIn("https://gitlab.example.com", cap)
                self.assertIn("open issues", cap)
                self.assertRegex(cap, r"imported \d{4}-\d\d-\d\dT")
                cap = self.caption(fmt, "--weight", "weight", "--milestone", "v2.0")
                self.assertIn("--weight weight", cap)
                self.assertIn("milestone v2.0", cap)

    def test_readme_demo_and_picture_use_one_weight(self):
        readme = igtest.read_text(os.path.join(igtest.SRC, "README.md"))
        demo = readme[readme.index("## A first run"):]
        demo = demo[:demo.index("```\n\n")]
        weights = lambda cmd: re.findall(  # noqa: E731
            r"^issuegraph %s[^#\n]*?(?:--weight (\w+))?\s*(?:#|$)" % cmd, demo, re.M)
        path, render = weights("path"), weights("render")
        self.assertTrue(path and render, demo)
        self.assertEqual(path[0] or "count", render[0] or "count",
                         "the demo's path and picture highlight different critical paths")


def scope_oracle(snap, milestone):
    """The SPEC's scoped counts of the summary, computed from the snapshot:
    open issues selected by milestone and their open transitive blockers;
    projects holding them; blocking and relates_to links between them;
    closed: the selected issues that are closed."""
    paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    info = {i["id"]: i for i in snap["issues"]}
    is_open = lambda i: info[i]["state"] == "opened"  # noqa: E731
    blocks = set()
    for link in snap["links"]:
        a, b = link["source_issue_id"], link["target_issue_id"]
        if link["link_type"] == "is_blocked_by":
            a, b = b, a
        if link["link_type"] != "relates_to" and is_open(a) and is_open(b):
            blocks.add((a, b))
    sel = {i for i in info if (info[i].get("milestone") or {}).get("title") == milestone}
    keep = {i for i in sel if is_open(i)}
    todo = list(keep)
    while todo:
        v = todo.pop()
        for a, b in blocks:
            if b == v and a not in keep:
                keep.add(a)
                todo.append(a)
    relates = {frozenset((l["source_issue_id"], l["target_issue_id"])) for l in snap["links"]
               if l["link_type"] == "relates_to"}
    return {"projects": len({paths[info[i]["project_id"]] for i in keep}),
            "opened": len(keep), "closed": sum(1 for i in sel if not is_open(i)),
            "blocks": sum(1 for a, b in blocks if a in keep and b in keep),
            "relates_to": sum(1 for r in relates if r <= keep)}


class ReportScope(igtest.TestCase):
    """The report's summary counts the scope when there is one (SPEC
    "report", "Scope"), in JSON and in the HTML and markdown summaries."""

    def test_summary_counts_are_of_the_scope(self):
        snap = igtest.read_json(EXAMPLE)
        db = self.import_snapshot(snap, "ex")
        for ms in ("v2.0", "v2.1"):
            with self.subTest(milestone=ms):
                want = scope_oracle(snap, ms)
                rep = json.loads(igtest.ig(db, "report", "--format", "json",
                                           "--milestone", ms, ok=0).stdout)
                s = rep["summary"]
                got = {"projects": s["projects"], "opened": s["issues"]["opened"],
                       "closed": s["issues"]["closed"], "blocks": s["links"]["blocks"],
                       "relates_to": s["links"]["relates_to"]}
                self.assertEqual(got, want)
                html = igtest.ig(db, "report", "--format", "html", "--milestone", ms,
                                 ok=0).stdout
                summary = html[html.index('id="ig-summary"'):]
                summary = summary[:summary.index("</section>")]
                for label, key in (("Open issues", "opened"), ("Closed issues", "closed"),
                                   ("Blocking links", "blocks"), ("Projects", "projects")):
                    self.assertRegex(summary, r"%s</t[hd]>\s*<td[^>]*>%d<" % (label, want[key]))
        whole = json.loads(igtest.ig(db, "report", "--format", "json", ok=0).stdout)["summary"]
        self.assertEqual(whole["issues"]["opened"],
                         sum(1 for i in snap["issues"] if i["state"] == "opened"))


class ReportHtmlLayout(igtest.TestCase):
    """The HTML report's findings use the page's width: below the diagram,
    not in a narrow column beside it that leaves the space under the
    diagram empty. Headless Chromium at 1400x1000 (a screenshot is left in
    the build directory: report_html_layout.png)."""

    def test_findings_use_the_width_under_the_diagram(self):
        db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")
        page = self.path("report.html")
        igtest.ig(db, "report", "--format", "html", "-o", page, ok=0)
        d = igtest.chromium(self.path("chromium"), 1400, 1000)
        try:
            d.get("file://" + page)
            boxes = d.execute_script(
                "var r=function(e){var b=e.getBoundingClientRect();"
                "return [b.left,b.top+scrollY,b.right,b.bottom+scrollY];};"
                "return {diagram:r(document.getElementById('ig-diagram')),"
                "main:r(document.querySelector('main')),"
                "sections:[].map.call(document.querySelectorAll('main section'),"
                "function(s){return [s.id].concat(r(s));})};")
            build = os.environ.get("IG_BUILD_DIR")
            if build:
                d.set_window_size(1400, 1000)
                d.save_screenshot(os.path.join(build, "report_html_layout.png"))
        finally:
            d.quit()
        dg, main = boxes["diagram"], boxes["main"]
        below = [s for s in boxes["sections"]
                 if s[2] >= dg[3] - 1 and s[1] < dg[2] and s[0] not in ("ig-diagram",)]
        self.assertTrue(below, "no finding below the diagram, left of its right edge: %s"
                        % boxes)
        area = sum((s[3] - s[1]) * (s[4] - s[2]) for s in boxes["sections"])
        page = (main[2] - main[0]) * (main[3] - main[1])
        self.assertGreater(area / page, 0.6, "the sections fill %.0f%% of the page"
                           % (100 * area / page))


def two_apps():
    """g/app and h/sub/app both hold issue 1; only g/app holds 2; g/app#1
    blocks g/app#2, h/sub/app#1 blocks g/app#2, g/app#3 is closed."""
    projects = [(1, "g/app"), (2, "h/sub/app"), (3, "g/lib")]
    issues = []
    for k, (pid, iid, state) in enumerate([(1, 1, "opened"), (1, 2, "opened"),
                                           (1, 3, "closed"), (2, 1, "opened"),
                                           (3, 7, "opened")]):
        path = dict(projects)[pid]
        issues.append({"id": 100 + k, "project_id": pid, "iid": iid, "title": "T%d" % k,
                       "state": state, "created_at": "2026-01-01T00:00:00Z",
                       "updated_at": "2026-01-01T00:00:00Z",
                       "web_url": "https://gitlab.example.com/%s/-/issues/%d" % (path, iid)})
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [{"id": p, "path_with_namespace": path,
                          "web_url": "https://gitlab.example.com/" + path}
                         for p, path in projects],
            "issues": issues,
            "links": [{"id": 1, "source_issue_id": 100, "target_issue_id": 101,
                       "link_type": "blocks"},
                      {"id": 2, "source_issue_id": 103, "target_issue_id": 101,
                       "link_type": "blocks"}]}


class Refs(igtest.TestCase):
    """Refs on the command line: URLs on the store's instance, short
    name#N, and a did-you-mean that lists real refs (SPEC "Words" -> ref)."""

    def setUp(self):
        super().setUp()
        self.db = self.import_snapshot(two_apps(), "apps")

    def blockers(self, ref, *extra):
        return igtest.ig(self.db, "blockers", ref, "--format", "json", *extra)

    def test_urls_and_short_names_name_the_issue(self):
        for arg in ("g/app#2", "https://gitlab.example.com/g/app/-/issues/2",
                    "https://gitlab.example.com/g/app/issues/2",
                    "https://GITLAB.example.com:443/g/app/-/issues/2/designs?x=1#note_4",
                    "https://gitlab.example.com/g/app/-/work_items/2", "app#2"):
            with self.subTest(ref=arg):
                r = self.blockers(arg)
                self.assertEqual(r.returncode, 0, r.stderr)
                got = json.loads(r.stdout)
                self.assertEqual(got["issue"], "g/app#2")
                self.assertEqual([b["ref"] for b in got["blockers"]], ["g/app#1", "h/sub/app#1"])
        r = igtest.ig(self.db, "path", "--to", "lib#7", "--format", "json", ok=0)
        self.assertEqual(json.loads(r.stdout)["path"][-1]["issues"], ["g/lib#7"])
        r = igtest.ig(self.db, "render", "--focus",
                      "https://gitlab.example.com/h/sub/app/-/issues/1", "--radius", "0", ok=0)
        self.assertIn('"h/sub/app#1"', r.stdout)

    def test_a_short_name_several_projects_hold_exits_2_listing_them(self):
        r = self.blockers("app#1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("g/app#1", r.stderr)
        self.assertIn("h/sub/app#1", r.stderr)

    def test_a_url_of_another_host_or_not_an_issue_exits_2(self):
        for arg in ("https://other.example.com/g/app/-/issues/2",
                    "https://gitlab.example.com/g/app/-/merge_requests/2",
                    "https://gitlab.example.com/groups/g/-/issues"):
            with self.subTest(ref=arg):
                r = self.blockers(arg)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(arg, r.stderr)

    def test_unknown_ref_lists_real_refs_not_stats(self):
        for arg, near in (("zzz/qqq#2", "g/app#2"), ("g/app#9", "g/app#"),
                          ("lib#8", "g/lib#7"), ("nope#1", "#1")):
            with self.subTest(ref=arg):
                r = self.blockers(arg)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("did you mean", r.stderr)
                self.assertIn(near, r.stderr)
                self.assertNotIn("stats", r.stderr)
        r = self.blockers("g/app#3")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--all-states", r.stderr)
        self.blockers("app#3", "--all-states").check_returncode()


# The SPEC's exit codes ("Exit codes"), and a word each row must hold.
SPEC_EXIT = {0: "success", 1: "finding", 2: "usage", 3: "remote", 4: "store",
             5: "input file", 6: "out of memory"}
# The long options each macro of cli/cli.h puts into a command's table.
MACRO_OPTS = {"CLI_COMMON_LONGOPTS": ["all-states", "format", "output", "quiet", "verbose",
                                      "no-progress", "deps", "ignore-deps", "help"],
              "CLI_SCOPE_LONGOPTS": ["milestone", "label"],
              "CLI_DEPS_LONGOPTS": ["deps", "ignore-deps"],
              "CLI_COST_LONGOPTS": ["weight", "default-cost"]}
SHORT = {"output": "-o", "quiet": "-q", "verbose": "-v", "help": "-h"}


class Docs(igtest.TestCase):
    """The README, the man page and every --help are true: what they point
    to is in the repository, the exit codes are the SPEC's and the code's,
    and each command's help names every option its table accepts."""

    def text(self, rel):
        return igtest.read_text(os.path.join(igtest.SRC, rel))

    def repo_paths(self, text):
        """The repository paths a document names: backticked or linked
        tokens whose first segment is a top-level entry of the repository,
        and bare upper-case *.md names (README.md, SPEC.md)."""
        top = set(os.listdir(igtest.SRC)) - {"build", ".git"}
        tokens = set(re.findall(r"`([^`\s]+)`", text)) | \
            set(re.findall(r"\]\(([^)\s#]+)", text)) | \
            set(re.findall(r"(?<![\w/.])((?:[\w.-]+/)+[\w.-]+\.\w+|[A-Z][A-Z_]*\.md)\b",
                           text))
        out = set()
        for t in tokens:
            t = t.rstrip(".,;:)")
            if t.startswith(("http", "-", "$", "<", "/")) or "#" in t:
                continue
            if re.fullmatch(r"[A-Z][A-Z_]*\.md", t) or t.split("/")[0] in top:
                out.add(t)
        return out

    def test_every_path_the_readme_and_man_page_name_exists(self):
        for doc in ("README.md", "doc/issuegraph.1", "doc/reference.md"):
            text = self.text(doc).replace("\\-", "-").replace("\\fI", "").replace("\\fR", "")
            base = os.path.dirname(doc) if doc == "doc/reference.md" else ""
            paths = self.repo_paths(text)
            self.assertTrue(paths or doc == "doc/reference.md", doc)
            for p in sorted(paths):
                with self.subTest(doc=doc, path=p):
                    where = os.path.normpath(os.path.join(igtest.SRC, base, p))
                    if not os.path.exists(where):
                        where = os.path.join(igtest.SRC, p)
                    self.assertTrue(os.path.exists(where), "%s names %s, not in the repository"
                                    % (doc, p))
        self.assertIn("doc/reference.md", self.text("README.md"))
        self.assertIn("doc/reference.md", self.text("doc/issuegraph.1"))

    def test_readme_exit_codes_are_the_specs_and_the_codes(self):
        readme = self.text("README.md")
        table = readme[readme.index("## Exit codes"):]
        rows = dict(re.findall(r"^\| (\d) \| (.*) \|$", table[:table.index("\n## ")], re.M))
        self.assertEqual(sorted(int(k) for k in rows), sorted(SPEC_EXIT))
        for code, word in SPEC_EXIT.items():
            self.assertIn(word, rows[str(code)].lower(), "README exit %d" % code)
        for opt in ("`import`", "`--baseline`", "`--ignore-deps`"):
            self.assertIn(opt, rows["5"])
        enum = dict((k, int(v)) for k, v in
                    re.findall(r"CLI_EXIT_(\w+) = (\d+)", self.text("cli/cli.h")))
        self.assertEqual(enum, {"OK": 0, "FINDINGS": 1, "USAGE": 2, "REMOTE": 3, "STORE": 4,
                                "INPUT": 5, "NOMEM": 6})
        man = self.text("doc/issuegraph.1")
        man = man[man.index(".SH EXIT STATUS"):]
        for code in SPEC_EXIT:
            self.assertRegex(man, r"(?m)(^|[ ;])%d " % code)
        # and what the binary does
        db = self.import_snapshot(igtest.read_json(EXAMPLE), "ex")
        missing = self.path("nothing-here")
        for args, code in ((["cycles", "--bogus"], 2), (["cycles", "--ignore-deps", missing], 5),
                           (["check", "--fail-on", "new-knots", "--baseline", missing], 5),
                           (["cycles"], 0)):
            with self.subTest(args=args):
                self.assertEqual(igtest.ig(db, *args).returncode, code)
        self.assertEqual(igtest.ig(missing, "cycles").returncode, 4)

    def test_every_help_names_the_options_its_command_accepts(self):
        cli = os.path.join(igtest.SRC, "cli")
        for f in sorted(os.listdir(cli)):
            if not (f.startswith("cmd_") and f.endswith(".c")):
                continue
            cmd = f[4:-2]
            src = igtest.read_text(os.path.join(cli, f))
            opts = set(re.findall(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument', src))
            for macro, names in MACRO_OPTS.items():
                if re.search(r"^\s*%s,?$" % macro, src, re.M):
                    opts |= set(names)
            helptext = igtest.ig(None, cmd, "--help", ok=0).stdout
            named = set(re.findall(r"(?<![\w-])--([a-z][a-z-]*)", helptext))
            with self.subTest(command=cmd):
                unnamed = sorted(o for o in opts - named
                                 if not (o in SHORT and re.search(r"(?<![\w-])%s\b" % SHORT[o],
                                                                  helptext)))
                self.assertEqual(unnamed, [], "%s --help does not name them" % cmd)
                self.assertEqual(sorted(named - opts - {"db"}), [],
                                 "%s --help names options it does not take" % cmd)


if __name__ == "__main__":
    igtest.main()
