#!/usr/bin/env python3
"""A confidential issue's title never appears in any output that prints
titles (path text and JSON, render dot/svg/mermaid, report markdown/html/
junit/json) unless --show-confidential, and it does appear with it. The
confidential issues sit where every output names them: in a knot, on the
critical path, blocked while closed, in a due-date conflict. Their refs
and the public titles are always there."""
import os

import igtest

PUBLIC = {10: "zqpublicstart", 12: "zqpublicknot", 16: "zqpubliclate"}
SECRET = {11: "zqsecretknot", 13: "zqsecretpath", 14: "zqsecretclosed", 15: "zqsecretdue"}


def snapshot():
    issues = []
    iid = {10: 1, 11: 2, 12: 3, 13: 4, 14: 5, 15: 6, 16: 7}
    due = {15: "2026-12-01", 16: "2026-01-01"}
    for i, title in sorted({**PUBLIC, **SECRET}.items()):
        issues.append({
            "id": i, "project_id": 1, "iid": iid[i], "title": title,
            "state": "closed" if i == 14 else "opened",
            "confidential": i in SECRET,
            "milestone": None, "due_date": due.get(i),
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "closed_at": "2026-01-02T00:00:00Z" if i == 14 else None,
            "web_url": f"https://x.example/g/app/-/issues/{iid[i]}"})
    # 10 -> knot {11, 12} -> 13 -> 14 (closed, still blocked); 15 (due
    # late) blocks 16 (due early): a conflict
    pairs = [(10, 11), (11, 12), (12, 11), (12, 13), (13, 14), (15, 16)]
    links = [{"id": k + 1, "source_issue_id": a, "target_issue_id": b, "link_type": "blocks"}
             for k, (a, b) in enumerate(pairs)]
    return {"version": 1, "source": "https://x.example",
            "projects": [{"id": 1, "path_with_namespace": "g/app",
                          "web_url": "https://x.example/g/app"}],
            "issues": issues, "links": links, "text_deps": []}


def names(out, iid):
    """out names g/app#iid (as is, Markdown-escaped, or as a Mermaid entity)"""
    return any(f"g/app{h}{iid}" in out for h in ("#", "\\#", "#35;"))


def run(db, *args):
    """stdout of a run that must exit 0 (read as bytes: svg/html may carry
    anything, decoded leniently whatever the locale)."""
    p = igtest.ig(db, *args, ok=True, timeout=120, text=False)
    return p.stdout.decode("utf-8", "replace")


# (name, arguments, which secrets the output names when shown)
OUTPUTS = [
    ("path text", ["path"], {11, 13}),
    ("path json", ["path", "--format", "json"], set()),
    ("render dot", ["render"], {11, 13, 15}),
    ("render svg", ["render", "--format", "svg"], {11, 13, 15}),
    ("render mermaid", ["render", "--format", "mermaid"], {11, 13, 15}),
    ("report markdown", ["report"], {11}),
    ("report html", ["report", "--format", "html"], {11, 13, 15}),
    ("report junit", ["report", "--format", "junit"], {11}),
    ("report json", ["report", "--format", "json"], set()),
]

# each output in each scope: (label, arguments with the scope, arguments, shown)
OUTPUT_RUNS = [(f"{name}{' --all-states' if scope else ''}", args + scope, args, shown)
               for name, args, shown in OUTPUTS for scope in ([], ["--all-states"])]

# the reports that list the closed blocked issue (with --all-states)
CLOSED_BLOCKED_OUTPUTS = [
    ("report markdown", ["report"]),
    ("report junit", ["report", "--format", "junit"]),
    ("report html", ["report", "--format", "html"]),
]


class Confidential(igtest.TestCase, igtest.ClassDir):
    """One store, imported once for the class; every case only reads it."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        snap = igtest.write_json(os.path.join(tmp, "s.json"), snapshot())
        cls.db = os.path.join(tmp, "s.db")
        igtest.ig(cls.db, "import", "-q", snap, ok=True, timeout=120)

    def test_confidential_titles_hidden_without_show_confidential(self):
        for label, argv, _args, _shown in OUTPUT_RUNS:
            with self.subTest(output=label):
                hidden = run(self.db, *argv)
                for title in SECRET.values():
                    self.assertNotIn(title, hidden,
                                     f"{label}: confidential title {title} shown without "
                                     "--show-confidential")

    def test_confidential_refs_and_public_titles_still_shown(self):
        for label, argv, args, _shown in OUTPUT_RUNS:
            with self.subTest(output=label):
                hidden = run(self.db, *argv)
                self.assertTrue(names(hidden, 2),
                                f"{label}: the knot's confidential ref is missing")
                if args[-1] != "json":
                    self.assertIn(PUBLIC[12], hidden,
                                  f"{label}: public title {PUBLIC[12]} missing")

    def test_confidential_titles_shown_with_show_confidential(self):
        for label, argv, _args, shown in OUTPUT_RUNS:
            with self.subTest(output=label):
                told = run(self.db, *argv, "--show-confidential")
                for i in sorted(shown):
                    self.assertIn(SECRET[i], told,
                                  f"{label}: confidential title {SECRET[i]} missing with "
                                  "--show-confidential")

    def test_closed_blocked_confidential_issue_named_title_hidden_unless_asked(self):
        # closed-blocked names the closed confidential issue (report, all states)
        for name, args in CLOSED_BLOCKED_OUTPUTS:
            with self.subTest(output=name):
                out = run(self.db, *args, "--all-states")
                self.assertTrue(names(out, 5), f"{name}: the closed blocked issue's ref is missing")
                self.assertNotIn(SECRET[14], out, f"{name}: {SECRET[14]} shown")
                out = run(self.db, *args, "--all-states", "--show-confidential")
                self.assertIn(SECRET[14], out,
                              f"{name}: {SECRET[14]} missing with --show-confidential")


if __name__ == "__main__":
    igtest.main()
