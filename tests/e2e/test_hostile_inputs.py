#!/usr/bin/python3
"""Input that others can write, refused or defused (issue 19): bidi
controls in titles, a store whose schema is not issuegraph's, malformed
--baseline and --ignore-deps files, labels and milestones that only
confidential issues carry."""
import json
import os
import sqlite3
import subprocess

import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import igtest  # noqa: E402

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


class Case:
    """Helpers of the cases below (a mixin, not a test class)."""

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


class Bidi(Case, igtest.TestCase):
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


def knot_store_issues():
    # 1 <-> 2 a knot, 3 -> 4
    return ([issue(1, 1, "a"), issue(2, 2, "b"), issue(3, 3, "c"), issue(4, 4, "d")],
            [link(1, 1, 2), link(2, 2, 1), link(3, 3, 4)])


class Baseline(Case, igtest.TestCase):
    """F8: a malformed --baseline file exits 5 with one line naming the
    file and the key or line, never a crash; checked whenever given."""

    BAD = [
        # (content, what the message names)
        (b'{"findings":[{"kind":null}]}', "findings[0].kind"),  # SIGSEGV before
        (b'{"issues": 7}', "findings"),  # abort() in json-c before
        (b'{"findings":[{"kind":"knots","issues":7}]}', "findings[0].issues"),
        (b'{"findings":[{"kind":"knots"}]}', "findings[0].issues"),
        (b'{"findings":[{"kind":"knots","issues":[7]}]}', "findings[0].issues[0]"),
        (b'{"findings":[{"kind":"knots","issues":["g/app#1", null]}]}',
         "findings[0].issues[1]"),
        (b'{"findings":[{"kind":"knots","issues":["not a ref"]}]}', "findings[0].issues[0]"),
        (b'{"findings":[{"kind":"conflicts","blocker":1,"blocked":"g/app#1"}]}',
         "findings[0].blocker"),
        (b'{"findings":[{"kind":"conflicts","blocker":"g/app#1"}]}', "findings[0].blocked"),
        (b'{"findings":[{"kind":"new-conflicts","blocker":"g/app#1","blocked":{}}]}',
         "findings[0].blocked"),
        (b'{"findings":[{"kind":"knot"}]}', "unknown finding kind"),
        (b'{"findings":[{"kind":7}]}', "findings[0].kind"),
        (b'{"findings":[3]}', "findings[0]"),
        (b'{"findings":{}}', "findings"),
        (b'{"findings":null}', "findings"),
        (b'[]', "top level"),
        (b'"findings"', "top level"),
        (b'null', "top level"),
        (b'', "empty"),
        (b'{"findings":[]', "line 1"),
        (b'{"findings":[]}\n{}', "line 2"),
        (b'{"findings":[\n{"kind":"knots","issues":["g/app#1\n"]}]}', "line 2"),
        (b'{"findings":[{"kind":"knots","issues":["g/app#1\xff"]}]}', "line 1"),
        (b'{"findings":[{"kind":"knots","issues":["g/app#1\\u0000x"]}]}',
         "findings[0].issues[0]"),
        (b'{"findings":[{"kind":"kn\\u0000ots","issues":[]}]}', "unknown finding kind"),
        (b'{"findings":[]}\x00', "line 1"),
        (b'{"findings":[' + b"[" * 5000 + b"]" * 5000 + b']}', "line 1"),
    ]

    def test_malformed_baseline_exits_5_in_one_line(self):
        issues, links = knot_store_issues()
        db = self.store(snapshot(issues, links))
        f = self.path("base.json")
        for data, named in self.BAD:
            with open(f, "wb") as out:
                out.write(data)
            for args in (["check", "--fail-on", "new-knots,new-conflicts"],
                         ["check"],  # no new-* asked: still checked
                         ["report", "--format", "json"], ["report", "--format", "junit"]):
                with self.subTest(data=data[:60], args=args):
                    p = igtest.ig(db, *args, "--baseline", f, text=False)
                    self.assertOneLineError(p, 5, "--baseline: %s: " % f, named)

    def test_missing_unreadable_or_huge_baseline_exits_5(self):
        issues, links = knot_store_issues()
        db = self.store(snapshot(issues, links))
        huge = self.path("huge.json")
        with open(huge, "w") as f:
            f.write('{"findings": [], "pad": "' + "x" * (17 << 20) + '"}')
        for f, why in ((self.path("nope.json"), "No such file"), (self.dir, "directory"),
                       (huge, "larger than the 16 MiB limit")):
            p = igtest.ig(db, "check", "--baseline", f)
            self.assertOneLineError(p, 5, f, why)
            p = igtest.ig(db, "cycles", "--ignore-deps", f)
            self.assertOneLineError(p, 5, f, why)

    def test_well_formed_baseline_still_works(self):
        issues, links = knot_store_issues()
        db = self.store(snapshot(issues, links))
        base = self.path("base.json")
        igtest.ig(db, "check", "--write-baseline", base)
        self.assertIn("findings", igtest.read_json(base))
        igtest.ig(db, "check", "--fail-on", "new-knots", "--baseline", base, ok=0)
        # other kinds and keys pass, a ref that left the store is no error
        igtest.write_json(base, {"findings": [
            {"kind": "closed-blocked", "blocker": "g/app#9", "blocked": "g/app#8"},
            {"kind": "knots", "issues": ["g/app#1", "g/app#2"], "people": []},
            {"kind": "conflicts", "blocker": "gone/x#1", "blocked": "g/app#3", "x": 1}],
            "failed": True})
        igtest.ig(db, "check", "--fail-on", "new-knots,new-conflicts", "--baseline", base, ok=0)
        igtest.write_json(base, {"findings": []})
        igtest.ig(db, "check", "--fail-on", "new-knots", "--baseline", base, ok=1)


class IgnoreDeps(Case, igtest.TestCase):
    """The --ignore-deps file: exit 5 naming the file and the line; a ref
    the store does not hold is a warning naming its line."""

    def test_malformed_file_exits_5_naming_the_line(self):
        issues, links = knot_store_issues()
        db = self.store(snapshot(issues, links))
        f = self.path("ignore.txt")
        for data, line in ((b"g/app#1 g/app#2\ng/app#1\n", 2),
                           (b"# c\n\ng/app#1 g/app#2 g/app#3\n", 3),
                           (b"g/app#1 g/app#2\x00 junk\n", 1),
                           (b"g/app#1\x00g/app#2\n", 1),
                           (b"g/app#1 g/app#2\x1b[2J\n", 1),
                           (b"g/app#1 #2\n", 1),
                           (b"g/app#1\xff g/app#2\n", 1)):
            with open(f, "wb") as out:
                out.write(data)
            for args in (["cycles"], ["check"], ["blockers", "g/app#1"], ["ready"]):
                with self.subTest(data=data, args=args):
                    p = igtest.ig(db, *args, "--ignore-deps", f, text=False)
                    self.assertOneLineError(p, 5, "--ignore-deps: %s: line %d: " % (f, line))
        p = igtest.ig(db, "cycles", "--ignore-deps", self.path("missing"))
        self.assertOneLineError(p, 5, "--ignore-deps: %s: " % self.path("missing"))

    def test_unknown_ref_is_a_warning_naming_its_line(self):
        issues, links = knot_store_issues()
        db = self.store(snapshot(issues, links))
        f = self.path("ignore.txt")
        with open(f, "w") as out:
            out.write("# a comment\ng/app#2 g/app#1  # the wrong one\r\ng/zz#9 g/app#1\n")
        for args in (["cycles", "--format", "json"], ["check", "--fail-on", "new-knots"],
                     ["changes"], ["report", "--format", "json"]):
            with self.subTest(args=args):
                p = igtest.ig(db, *args, "--ignore-deps", f)
                self.assertIn(p.returncode, (0, 1), p.stderr)
                warns = [l for l in p.stderr.splitlines() if "--ignore-deps" in l]
                self.assertEqual(len(warns), 1, p.stderr)
                self.assertIn("issuegraph: warning: %s: --ignore-deps: %s: line 3: g/zz#9"
                              % (args[0], f), warns[0])
        j = igtest.ig_json(db, "cycles", "--format", "json", "--ignore-deps", f)
        self.assertEqual(j["knots"], [])


class StoreSchema(Case, igtest.TestCase):
    """F3: a store's whole schema must be what the migrations make for its
    version (SPEC "Exit codes"), for every command, import included:
    exit 4, one line naming what differs, and no SQL from the file runs."""

    COMMANDS = (["stats"], ["check"], ["cycles"], ["export"],
                ["import", igtest.EXAMPLE, "-q"])

    def tampered(self, name, sql):
        db = self.path(name)
        igtest.ig(db, "import", igtest.EXAMPLE, "-q", ok=True)
        con = sqlite3.connect(db)
        con.executescript(sql)
        con.close()
        return db

    def test_foreign_schema_objects_are_refused(self):
        cases = [
            ("index.db", "CREATE INDEX evil ON issues(title || labels || title)",
             "an extra index evil"),
            ("fts.db", "DROP TABLE graph_image; "
                       "CREATE VIRTUAL TABLE graph_image USING fts5(id, stamp, data)",
             "an altered table graph_image"),
            ("table.db", "CREATE TABLE extra(x); INSERT INTO extra VALUES(1)",
             "an extra table extra"),
            ("trigger.db", "DROP TRIGGER hist_link_del; CREATE TRIGGER hist_link_del "
                           "AFTER DELETE ON links BEGIN DELETE FROM issues; END;",
             "an altered trigger hist_link_del"),
            ("noindex.db", "DROP INDEX links_target", "no index links_target"),
        ]
        for name, sql, words in cases:
            db = self.tampered(name, sql)
            with open(db, "rb") as f:
                before = f.read()
            for args in self.COMMANDS:
                with self.subTest(name=name, args=args):
                    p = igtest.ig(db, *args)
                    self.assertOneLineError(p, 4, "a schema issuegraph does not write", words)
            with open(db, "rb") as f:
                self.assertEqual(f.read(), before, "%s: the refused file changed" % name)

    def test_normal_and_migrated_stores_are_accepted(self):
        db = self.path("s.db")
        igtest.ig(db, "import", igtest.EXAMPLE, "-q", ok=True)
        for args in self.COMMANDS:
            self.assertIn(igtest.ig(db, *args).returncode, (0, 1), args)
        # SQLite's statistics (ANALYZE) are not issuegraph's schema
        con = sqlite3.connect(db)
        con.execute("ANALYZE")
        con.close()
        igtest.ig(db, "stats", ok=True)
        # a version-1 store (the first released schema) is checked against
        # version 1, then migrated
        old = self.path("v1.db")
        with open(os.path.join(igtest.SRC, "tests", "fixtures", "schema_v1.sql")) as f:
            con = sqlite3.connect(old)
            con.executescript(f.read())
            con.close()
        igtest.ig(old, "import", igtest.EXAMPLE, "-q", ok=True)
        igtest.ig(old, "stats", ok=True)
        con = sqlite3.connect(old)
        self.assertGreater(con.execute("PRAGMA user_version").fetchone()[0], 1)
        con.close()


class ConfidentialFacets(Case, igtest.TestCase):
    """F6: a label or milestone that only confidential issues carry is not
    in the HTML report's highlight menu, nor a cluster of `render --cluster
    milestone`, unless --show-confidential (SPEC "Confidential issues")."""

    def facet_store(self):
        # 1 blocks 2 blocks 3; 3 and 4 confidential: "secret*" only on them,
        # "shared*" on a public issue too
        issues = [issue(1, 1, "public", labels=["sharedlabel"], milestone="sharedms"),
                  issue(2, 2, "public two"),
                  issue(3, 3, "hiddentitle", conf=True, labels=["secretlabel", "sharedlabel"],
                        milestone="secretms"),
                  issue(4, 4, "hiddentitletwo", conf=True, labels=["secretlabeltwo"],
                        milestone="sharedms")]
        return self.store(snapshot(issues, [link(1, 1, 2), link(2, 2, 3), link(3, 3, 4)]))

    SECRETS = ("secretlabel", "secretms", "hiddentitle")

    def test_html_highlight_menu(self):
        db = self.facet_store()
        html = igtest.ig(db, "report", "--format", "html", ok=True).stdout
        for w in self.SECRETS:
            self.assertNotIn(w, html)
        self.assertIn("sharedlabel", html)
        self.assertIn("sharedms", html)
        html = igtest.ig(db, "report", "--format", "html", "--show-confidential",
                         ok=True).stdout
        for w in self.SECRETS:
            self.assertIn(w, html)

    def test_render_cluster_milestone(self):
        db = self.facet_store()
        for fmt in ("dot", "mermaid", "svg"):
            with self.subTest(fmt=fmt):
                out = igtest.ig(db, "render", "--format", fmt, "--cluster", "milestone",
                                ok=True).stdout
                for w in self.SECRETS:
                    self.assertNotIn(w, out)
                self.assertIn("sharedms", out)
                self.assertIn("(confidential)", out)
                out = igtest.ig(db, "render", "--format", fmt, "--cluster", "milestone",
                                "--show-confidential", ok=True).stdout
                self.assertIn("secretms", out)
                self.assertNotIn("(confidential)", out)


class FetchInstance(Case, igtest.TestCase):
    """F11: when fetch takes the instance from the store (a row anyone who
    can write the store could set), it says so on stderr, in one line
    naming the instance and the store."""

    def test_instance_taken_from_the_store_is_named(self):
        import fetch_testlib as ft
        with igtest.ServerProcess(igtest.EXAMPLE, "--token", ft.TOKEN) as srv:
            db = self.path("f.db")
            rc, _, err = ft.run(["fetch", "--url", srv.url, "--group", "acme", "-q"], db)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("taken from the store", err)
            for args in (["fetch"], ["fetch", "-q"], ["fetch", "--group", "acme"]):
                with self.subTest(args=args):
                    rc, _, err = ft.run(args, db)
                    self.assertEqual(rc, 0, err)
                    lines = [l for l in err.splitlines() if "taken from the store" in l]
                    self.assertEqual(lines, ["issuegraph: warning: fetch: the instance %s is "
                                             "taken from the store %s (a fetch recorded it); "
                                             "--url names another" % (srv.url, db)], err)
            # named otherwise: nothing said
            for args, env in ((["fetch", "--url", srv.url], None),
                              (["fetch"], {"GITLAB_HOST": srv.url})):
                rc, _, err = ft.run(args, db, env=env)
                self.assertEqual(rc, 0, err)
                self.assertNotIn("taken from the store", err)


if __name__ == "__main__":
    igtest.main()
