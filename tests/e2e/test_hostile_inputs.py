#!/usr/bin/python3
"""Input that others can write, refused or defused (issue 19): bidi
controls in titles, a store whose schema is not issuegraph's, malformed
--baseline and --ignore-deps files, labels and milestones that only
confidential issues carry."""
import json
import os
import sqlite3
import subprocess

import igtest

HOST = "https://gitlab.example.com"
# U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069; U+2028, U+2029
BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
        "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029"]


def issue(i, iid, title, conf=False, labels=(), milestone=None, state="opened"):
    return {"id": i, "project_id": 1, "iid": iid, "title": title, "state": state,
            "confidential": conf, "weight": 1,
            "time_stats": {"time_estimate": 0, "total_time_spent": 0},
            "milestone": {"title": milestone, "due_date": "2027-01-01"} if milestone else None,
            "due_date": None, "labels": list(labels),
            "created_at": "2026-01-07T12:44:33Z", "updated_at": "2026-01-07T12:44:33Z",
            "closed_at": None, "web_url": "%s/g/app/-/issues/%d" % (HOST, iid)}


def link(i, a, b):
    return {"id": i, "source_issue_id": a, "target_issue_id": b, "link_type": "blocks"}


def snapshot(issues, links):
    return {"version": 1, "source": HOST,
            "projects": [{"id": 1, "path_with_namespace": "g/app", "web_url": None}],
            "issues": issues, "links": links}


class Case(igtest.TestCase):
    def store(self, snap, name="s.db"):
        db = self.path(name)
        igtest.ig(db, "import", igtest.write_json(self.path(name + ".json"), snap), "-q",
                  ok=True)
        return db

    def assertOneLineError(self, p, code, *needles):
        err = p.stderr if isinstance(p.stderr, str) else p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, code, err)
        self.assertEqual(err.count("\n"), 1, repr(err))
        self.assertTrue(err.startswith("issuegraph: "), err)
        for n in needles:
            self.assertIn(n, err)


class Bidi(Case):
    """SPEC "Exit codes": bidi controls and U+2028/U+2029 are written as
    \\uXXXX in every output but JSON, so a title cannot reorder a line."""

    ESCAPED = ("\\u061C\\u200E\\u200F\\u202A\\u202B\\u202C\\u202D\\u202E"
               "\\u2066\\u2067\\u2068\\u2069\\u2028\\u2029")

    def bidi_store(self):
        evil = "evil " + "".join(BIDI) + " end"
        # 1 <-> 2 a knot (cycles, check), 2 -> 3, 4 ready
        issues = [issue(1, 1, "knot a " + evil, labels=["l" + BIDI[7]], milestone="m" + BIDI[7]),
                  issue(2, 2, "knot b " + evil), issue(3, 3, "blocked " + evil),
                  issue(4, 4, "ready " + evil), issue(5, 5, "conf " + evil, conf=True)]
        db = self.store(snapshot(issues, [link(1, 1, 2), link(2, 2, 1), link(3, 2, 3)]))
        # import refuses such a path; a store from a cache anyone could
        # write may still hold one: every ref then carries the controls
        con = sqlite3.connect(db)
        con.execute("UPDATE projects SET path = ? WHERE id = 1", ("g/" + "".join(BIDI) + "app",))
        con.commit()
        con.close()
        return db

    def test_text_outputs_escape_bidi_controls(self):
        db = self.bidi_store()
        title = "evil " + self.ESCAPED + " end"
        ref = "g/" + self.ESCAPED + "app#1"
        for args, must in ((["cycles"], ref), (["check"], ref), (["ready"], title),
                           (["cycles", "--all"], ref), (["path"], ref),
                           (["order"], ref), (["stats"], None),
                           (["report"], None), (["report", "--format", "html"], None),
                           (["report", "--format", "junit"], None),
                           (["render", "--format", "dot"], None),
                           (["render", "--format", "mermaid"], None),
                           (["render", "--format", "svg"], None),
                           (["changes"], None)):
            with self.subTest(args=args):
                p = igtest.ig(db, *args, text=False)
                self.assertIn(p.returncode, (0, 1), p.stderr)
                out = p.stdout.decode("utf-8") + p.stderr.decode("utf-8")
                raw = [hex(ord(c)) for c in out if c in BIDI]
                self.assertEqual(raw, [], "raw bidi controls in %s" % args)
                if must:
                    self.assertIn(must, p.stdout.decode("utf-8"))
        # JSON keeps the text as it is (JSON's own escapes decode to it)
        j = igtest.ig_json(db, "ready", "--format", "json")
        self.assertIn("g/" + "".join(BIDI) + "app#4", [r["ref"] for r in j["ready"]])

    def test_markdown_escapes_the_backslash_in_turn(self):
        db = self.bidi_store()
        out = igtest.ig(db, "report", ok=True).stdout
        self.assertIn("\\\\u202E", out)
        self.assertFalse(any(c in BIDI for c in out))


if __name__ == "__main__":
    igtest.main()
