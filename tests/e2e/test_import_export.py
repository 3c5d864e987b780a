#!/usr/bin/python3
"""import / export end to end: round trips, refused snapshots, refused stores.

Drives the real binary ($IG_BIN) on real SQLite files in a temporary
directory. Every refused import must exit 5 with one line naming the
problem and leave the store exactly as it was (same export, same bytes).
"""
import copy
import json
import os
import sqlite3
import subprocess
import sys

import igtest

BIN = igtest.BIN
SRC = igtest.SRC


LOCK_HOLDER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA locking_mode=EXCLUSIVE")
con.execute("BEGIN EXCLUSIVE")
con.execute("INSERT INTO meta(key, value) VALUES('lock.test', 'x')")
print("locked", flush=True)
sys.stdin.read()
con.execute("ROLLBACK")
con.close()
"""


def run(*args, db=None, stdin=None, cwd=None):
    p = igtest.ig(db, *args, input=stdin, cwd=cwd, text=False)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def base_snapshot():
    """A small valid snapshot touching every field and link kind."""
    host = "https://gitlab.example.com"
    return {
        "version": 1,
        "source": host,
        "projects": [
            {"id": 4, "path_with_namespace": "group/app", "web_url": host + "/group/app"},
            {"id": 7, "path_with_namespace": "group/sub/lib", "web_url": None},
        ],
        "issues": [
            {"id": 84, "project_id": 4, "iid": 14, "title": "Issues with auth",
             "state": "opened", "confidential": False, "weight": 3,
             "time_stats": {"time_estimate": 3600, "total_time_spent": 0},
             "milestone": {"title": "v1.0", "due_date": "2026-12-01"},
             "due_date": None, "labels": ["bug"],
             "assignees": [{"username": "zoe", "id": 12, "name": "Zoe"}, {"username": "ana"}],
             "created_at": "2026-01-07T12:44:33.959Z", "updated_at": "2026-01-07T12:44:33.959Z",
             "closed_at": None, "web_url": host + "/group/app/-/issues/14"},
            {"id": 85, "project_id": 4, "iid": 15, "title": "Café \"quotes\" \\ / ünïcode",
             "state": "closed", "confidential": True, "weight": None,
             "milestone": None, "due_date": "2027-02-28", "labels": [],
             "created_at": "2026-01-08T00:00:00Z", "closed_at": "2026-02-01T00:00:00Z",
             "extra_field_ignored": {"deep": [1, 2]}},
            {"id": 90, "project_id": 7, "iid": 1, "title": "lib work", "state": "opened"},
            {"id": 91, "project_id": 7, "iid": 2, "title": "more", "state": "opened",
             "weight": 0, "time_stats": {"time_estimate": 0, "total_time_spent": 60}},
        ],
        "links": [
            {"id": 1, "source_issue_id": 84, "target_issue_id": 85, "link_type": "blocks"},
            {"id": 2, "source_issue_id": 90, "target_issue_id": 84, "link_type": "is_blocked_by"},
            {"id": 3, "source_issue_id": 91, "target_issue_id": 90, "link_type": "relates_to"},
            # the same relation seen from the other side, same id: one link
            {"id": 1, "source_issue_id": 85, "target_issue_id": 84, "link_type": "is_blocked_by"},
            {"id": 3, "source_issue_id": 90, "target_issue_id": 91, "link_type": "relates_to"},
            # two ids for one relation: two links
            {"id": 4, "source_issue_id": 84, "target_issue_id": 85, "link_type": "blocks"},
            # an issue may block itself (a knot of one)
            {"id": 5, "source_issue_id": 91, "target_issue_id": 91, "link_type": "blocks"},
        ],
        "text_deps": [
            {"source_issue_id": 91, "target_issue_id": 84, "link_type": "blocks",
             "line": 1, "phrase": "blocks"},
            {"source_issue_id": 84, "target_issue_id": 90, "link_type": "is_blocked_by",
             "line": 5, "phrase": "depends on"},
            # the same dependency again: one, at the smallest line
            {"source_issue_id": 84, "target_issue_id": 90, "link_type": "is_blocked_by",
             "line": 3, "phrase": "blocked by"},
            {"source_issue_id": 90, "target_issue_id": 84, "link_type": "blocks",
             "line": 2, "phrase": "required by", "extra_field_ignored": True},
        ],
    }


def bad_variants():
    """(name, snapshot bytes, words the message must contain)."""
    good = base_snapshot()
    text = json.dumps(good).encode()
    out = []

    def mutate(name, fn, *words):
        d = copy.deepcopy(good)
        fn(d)
        out.append((name, json.dumps(d).encode(), words))

    out.append(("empty file", b"", ("empty",)))
    out.append(("only whitespace", b"  \n\t\n", ("empty",)))
    out.append(("truncated", text[: len(text) // 2], ("line 1, column", "unexpected end of input")))
    out.append(("not JSON", b"version: 1\n", ("line 1, column 1", "not valid JSON")))
    out.append(("garbage on line 3", b'{\n "version": 1,\n "source": x\n}', ("line 3, column",)))
    out.append(("trailing data", text + b"\n{}", ("line 2, column 1", "after the JSON document")))
    out.append(("trailing comma", text[:-2] + b",]}", ("not valid JSON",)))
    out.append(("top-level array", b"[1, 2]", ("top level",)))
    out.append(("top-level string", b'"hello"', ("top level",)))
    mutate("wrong version", lambda d: d.update(version=2), "version", "expected 1")
    mutate("version as string", lambda d: d.update(version="1"), "version")
    mutate("no version", lambda d: d.pop("version"), "version", "missing")
    mutate("no source", lambda d: d.pop("source"), "source", "missing")
    mutate("source not a string", lambda d: d.update(source=5), "source", "string")
    mutate("no issues array", lambda d: d.pop("issues"), "issues", "missing")
    mutate("links not an array", lambda d: d.update(links={}), "links", "expected an array")
    mutate("project not an object", lambda d: d["projects"].append(3), "projects[2]", "object")
    mutate("project path missing", lambda d: d["projects"][1].pop("path_with_namespace"),
           "projects[1].path_with_namespace", "missing")
    mutate("bad project path", lambda d: d["projects"][1].update(path_with_namespace="a b"),
           "projects[1].path_with_namespace")
    mutate("id as string", lambda d: d["issues"][1].update(id="85"), "issues[1].id", "integer")
    mutate("id as float", lambda d: d["issues"][1].update(id=85.5), "issues[1].id", "integer")
    mutate("iid zero", lambda d: d["issues"][2].update(iid=0), "issues[2].iid")
    mutate("title not a string", lambda d: d["issues"][0].update(title=["x"]), "issues[0].title",
           "string")
    mutate("bad state", lambda d: d["issues"][2].update(state="reopened"), "issues[2].state",
           '"opened" or "closed"')
    mutate("weight as string", lambda d: d["issues"][0].update(weight="3"), "issues[0].weight",
           "integer")
    mutate("confidential as int", lambda d: d["issues"][0].update(confidential=1),
           "issues[0].confidential")
    mutate("bad due date", lambda d: d["issues"][0].update(due_date="2026-02-30"),
           "issues[0].due_date", "YYYY-MM-DD")
    mutate("bad date format", lambda d: d["issues"][0].update(due_date="01/02/2026"),
           "issues[0].due_date")
    mutate("bad milestone date",
           lambda d: d["issues"][0]["milestone"].update(due_date="2026-13-01"),
           "issues[0].milestone.due_date")
    mutate("milestone without title", lambda d: d["issues"][0]["milestone"].pop("title"),
           "issues[0].milestone.title", "missing")
    mutate("labels not strings", lambda d: d["issues"][0].update(labels=[1]), "issues[0].labels")
    mutate("time_stats negative",
           lambda d: d["issues"][0]["time_stats"].update(time_estimate=-5),
           "issues[0].time_stats.time_estimate")
    mutate("duplicate project id", lambda d: d["projects"].append(
        {"id": 4, "path_with_namespace": "other/x"}), "projects[2].id", "twice")
    mutate("duplicate project path", lambda d: d["projects"].append(
        {"id": 9, "path_with_namespace": "group/app"}), "projects[2].path_with_namespace", "twice")
    mutate("duplicate issue id", lambda d: d["issues"].append(
        dict(d["issues"][2], iid=99)), "issues[4].id", "90", "twice")
    mutate("duplicate iid", lambda d: d["issues"].append(
        dict(d["issues"][2], id=99)), "issues[4].iid", "iid 1")
    mutate("issue in missing project", lambda d: d["issues"][3].update(project_id=99),
           "issues[3].project_id", "99 is not a project of the snapshot")
    mutate("link to missing issue", lambda d: d["links"][2].update(target_issue_id=1234),
           "links[2].target_issue_id", "1234 is not an issue")
    mutate("link from missing issue", lambda d: d["links"][0].update(source_issue_id=1234),
           "links[0].source_issue_id", "1234")
    mutate("unknown link_type", lambda d: d["links"][0].update(link_type="duplicates"),
           "links[0].link_type", "duplicates")
    mutate("one id for two relations", lambda d: d["links"].append(
        {"id": 2, "source_issue_id": 84, "target_issue_id": 91, "link_type": "blocks"}),
        "links[7]", "id 2 already names a different relation", "blocks 84->90")
    mutate("one id, reversed blocks", lambda d: d["links"].append(
        {"id": 1, "source_issue_id": 85, "target_issue_id": 84, "link_type": "blocks"}),
        "links[7]", "different relation")
    mutate("self relates_to", lambda d: d["links"].append(
        {"id": 9, "source_issue_id": 84, "target_issue_id": 84, "link_type": "relates_to"}),
        "links[7]", "relates_to itself")
    mutate("text dep relates_to", lambda d: d["text_deps"][1].update(link_type="relates_to"),
           "text_deps[1].link_type", "relates_to")
    mutate("text dep to itself", lambda d: d["text_deps"][0].update(target_issue_id=91),
           "text_deps[0]", "names itself")
    mutate("text dep to missing issue", lambda d: d["text_deps"][2].update(target_issue_id=1234),
           "text_deps[2].target_issue_id", "1234 is not an issue")
    mutate("text dep from missing issue", lambda d: d["text_deps"][0].update(source_issue_id=7),
           "text_deps[0].source_issue_id", "7 is not an issue")
    mutate("text dep line 0", lambda d: d["text_deps"][0].update(line=0), "text_deps[0].line")
    mutate("text dep line as string", lambda d: d["text_deps"][0].update(line="1"),
           "text_deps[0].line")
    mutate("text dep phrase not a string", lambda d: d["text_deps"][0].update(phrase=1),
           "text_deps[0].phrase")
    mutate("text dep without type", lambda d: d["text_deps"][0].pop("link_type"),
           "text_deps[0].link_type", "missing")
    mutate("text_deps not an array", lambda d: d.update(text_deps="none"), "text_deps",
           "expected an array")
    mutate("array given twice", lambda d: None, "given twice")
    out[-1] = ("array given twice",
               text[:-1] + b', "links": []}', ("links", "given twice"))
    out.append(("NUL in title", text.replace(b'"lib work"', b'"lib\\u0000work"'),
                ("issues[2].title", "NUL")))
    out.append(("invalid UTF-8", text.replace(b"lib work", b"lib \xff work"), ("not valid JSON",)))
    # the reader once took a NUL byte for the end of the input
    out.append(("NUL then data after the document", text + b"\0{\"x\": 1}",
                ("unexpected data after the JSON document",)))
    out.append(("NUL after the document", text + b"\n\0", ("line 2, column 1",
                                                          "unexpected data after")))
    out.append(("NUL inside the document", text[:20] + b"\0" + text[20:], ("not valid JSON",)))
    # values of unknown keys are skipped without being built, but still checked
    for name, extra, word in (("bad JSON in an unknown key", b"[1,,2]", "unexpected character"),
                              ("unclosed unknown value", b'{"a": [1, 2}', "unexpected character"),
                              ("bad number in an unknown key", b"01", "invalid number"),
                              ("bad escape in an unknown key", b'"a\\qb"', "invalid escape"),
                              ("invalid UTF-8 in an unknown key", b'"a\xc3("', "invalid UTF-8"),
                              ("control character in an unknown key", b'"a\tb"',
                               "invalid string")):
        out.append((name, text[:-1] + b', "extra": ' + extra + b"}", ("not valid JSON", word)))
    return out


class ImportExport(igtest.TestCase):
    def setUp(self):
        super().setUp()
        self.db = os.path.join(self.dir, "store.db")

    def write(self, name, data):
        p = self.path(name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def read(self, p):
        with open(p, "rb") as f:
            return f.read()

    def import_ok(self, snap_path, db=None):
        rc, out, err = run("import", snap_path, db=db or self.db)
        self.assertEqual(rc, 0, err)
        return err

    def export_ok(self, db=None):
        rc, out, err = run("export", db=db or self.db)
        self.assertEqual(rc, 0, err)
        self.assertEqual(err, "")
        return out

    def assert_one_line(self, err):
        self.assertTrue(err.endswith("\n"), repr(err))
        self.assertEqual(err.count("\n"), 1, repr(err))
        self.assertTrue(err.startswith("issuegraph: "), err)

    def no_side_files(self, db=None):
        db = db or self.db
        for ext in ("-wal", "-shm", "-journal"):
            self.assertFalse(os.path.exists(db + ext), db + ext)

    # ---- round trips -------------------------------------------------------

    def round_trip(self, snap_path):
        err = self.import_ok(snap_path)
        self.assertRegex(err, r"^imported \d+ projects, \d+ issues, \d+ links from ")
        self.no_side_files()
        first = self.export_ok()
        again = self.write("again.json", first)
        self.import_ok(again)
        second = self.export_ok()
        self.assertEqual(first, second)
        return first

    def test_round_trip__small_snapshot_is_byte_identical(self):
        p = self.write("snap.json", json.dumps(base_snapshot(), ensure_ascii=False).encode())
        out = self.round_trip(p)
        doc = json.loads(out)
        self.assertEqual(doc["version"], 1)
        self.assertEqual(doc["source"], "https://gitlab.example.com")
        self.assertEqual([p["id"] for p in doc["projects"]], [4, 7])
        self.assertEqual([i["id"] for i in doc["issues"]], [84, 85, 90, 91])
        # each link once, blocks with the blocker as source, relates_to from the smaller id
        self.assertEqual(doc["links"], [
            {"id": 1, "source_issue_id": 84, "target_issue_id": 85, "link_type": "blocks"},
            {"id": 2, "source_issue_id": 84, "target_issue_id": 90, "link_type": "blocks"},
            {"id": 3, "source_issue_id": 90, "target_issue_id": 91, "link_type": "relates_to"},
            {"id": 4, "source_issue_id": 84, "target_issue_id": 85, "link_type": "blocks"},
            {"id": 5, "source_issue_id": 91, "target_issue_id": 91, "link_type": "blocks"},
        ])
        # text deps: merged, sorted by source, target, type, line; always written
        self.assertEqual(doc["text_deps"], [
            {"source_issue_id": 84, "target_issue_id": 90, "link_type": "is_blocked_by",
             "line": 3, "phrase": "blocked by"},
            {"source_issue_id": 90, "target_issue_id": 84, "link_type": "blocks",
             "line": 2, "phrase": "required by"},
            {"source_issue_id": 91, "target_issue_id": 84, "link_type": "blocks",
             "line": 1, "phrase": "blocks"},
        ])
        self.assertEqual(list(doc.keys()),
                         ["version", "source", "projects", "issues", "links", "text_deps"])
        i85 = doc["issues"][1]
        self.assertEqual(i85["title"], "Café \"quotes\" \\ / ünïcode")
        self.assertEqual(i85["state"], "closed")
        self.assertIs(i85["confidential"], True)
        self.assertIsNone(i85["weight"])
        self.assertEqual(i85["time_stats"], {"time_estimate": 0, "total_time_spent": 0})
        self.assertNotIn("extra_field_ignored", i85)
        i84 = doc["issues"][0]
        self.assertEqual(list(i84.keys()), [
            "id", "project_id", "iid", "title", "state", "confidential", "weight", "time_stats",
            "milestone", "due_date", "labels", "assignees", "created_at", "updated_at",
            "closed_at", "web_url"])
        # GitLab's shape, the tracker's order, nothing but the username kept;
        # an issue without the key has none
        self.assertEqual(i84["assignees"], [{"username": "zoe"}, {"username": "ana"}])
        self.assertEqual(doc["issues"][2]["assignees"], [])
        self.assertEqual(i84["milestone"], {"title": "v1.0", "due_date": "2026-12-01"})
        self.assertEqual(i84["labels"], ["bug"])
        self.assertEqual(doc["issues"][3]["weight"], 0)

    def test_round_trip__example_json(self):
        example = os.path.join(SRC, "examples", "example.json")
        if not os.path.exists(example):
            self.skipTest("examples/example.json not written yet")
        self.round_trip(example)

    def test_round_trip__generated_snapshot(self):
        snap = self.path("gen.json")
        subprocess.run([sys.executable, os.path.join(SRC, "bench", "gen_snapshot.py"),
                        "3000", "6000", snap], check=True)
        out = self.round_trip(snap)
        doc = json.loads(out)
        self.assertEqual(len(doc["issues"]), 3000)
        self.assertGreater(len(doc["links"]), 5000)

    def test_import__older_snapshot_without_text_deps_loads(self):
        d = base_snapshot()
        d.pop("text_deps")
        self.import_ok(self.write("old.json", json.dumps(d).encode()))
        doc = json.loads(self.export_ok())
        self.assertEqual(doc["text_deps"], [])
        self.assertEqual(len(doc["links"]), 5)
        rc, out, err = run("stats", "--format", "json", db=self.db)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["text_deps"], 0)

    def test_stats__counts_text_dependency_pairs(self):
        self.import_ok(self.write("snap.json", json.dumps(base_snapshot()).encode()))
        rc, out, err = run("stats", "--format", "json", db=self.db)
        self.assertEqual(rc, 0, err)
        # 90 blocks 84 (written by both 84 and 90), 91 blocks 84: two pairs
        self.assertEqual(json.loads(out)["text_deps"], 2)
        rc, out, err = run("stats", db=self.db)
        self.assertEqual(rc, 0, err)
        self.assertIn(b"text deps:  2\n", out)

    def test_import__keys_in_any_order_and_from_stdin(self):
        d = base_snapshot()
        reordered = {"text_deps": d["text_deps"], "links": d["links"], "issues": d["issues"],
                     "projects": d["projects"], "source": d["source"], "version": 1}
        rc, _, err = run("import", "-", db=self.db, stdin=json.dumps(reordered).encode())
        self.assertEqual(rc, 0, err)
        self.assertIn("standard input", err)
        a = self.export_ok()
        self.import_ok(self.write("plain.json", json.dumps(d).encode()))
        self.assertEqual(a, self.export_ok())

    def test_import__quiet_prints_nothing(self):
        p = self.write("snap.json", json.dumps(base_snapshot()).encode())
        rc, out, err = run("import", "-q", p, db=self.db)
        self.assertEqual((rc, out, err), (0, b"", ""))

    def test_import__replaces_previous_contents(self):
        d = base_snapshot()
        self.import_ok(self.write("a.json", json.dumps(d).encode()))
        d2 = base_snapshot()
        d2["source"] = "https://other.example.com"
        d2["issues"] = d2["issues"][2:]
        d2["projects"] = d2["projects"][1:]
        d2["links"] = [d2["links"][2]]
        d2["text_deps"] = []
        self.import_ok(self.write("b.json", json.dumps(d2).encode()))
        doc = json.loads(self.export_ok())
        self.assertEqual(doc["source"], "https://other.example.com")
        self.assertEqual([i["id"] for i in doc["issues"]], [90, 91])
        self.assertEqual(len(doc["links"]), 1)
        self.assertEqual(doc["text_deps"], [])

    # ---- refused snapshots -------------------------------------------------

    def test_import__refuses_bad_snapshots_and_leaves_store_unchanged(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        before_export = self.export_ok()
        before_bytes = self.read(self.db)
        kinds = bad_variants()
        self.assertGreaterEqual(len(kinds), 15)
        for name, data, words in kinds:
            with self.subTest(name):
                p = self.write("bad.json", data)
                rc, out, err = run("import", p, db=self.db)
                self.assertEqual(rc, 5, "%s: %s" % (name, err))
                self.assert_one_line(err)
                self.assertTrue(err.startswith("issuegraph: import: %s: " % p), err)
                for w in words:
                    self.assertIn(w, err, name)
                self.assertEqual(self.read(self.db), before_bytes, name)
                self.no_side_files()
        self.assertEqual(self.export_ok(), before_export)

    def test_import__raw_control_character_in_a_string_exits_5(self):
        # RFC 8259: U+0000..U+001F must be escaped inside a string. json-c's
        # tokener takes a raw one even in strict mode (issue 19).
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        before = self.read(self.db)
        text = json.dumps(base_snapshot()).encode()
        cases = [
            ("newline in a title", text.replace(b"Issues with auth", b"Issues\nwith auth")),
            ("tab in a title", text.replace(b"Issues with auth", b"Issues\twith auth")),
            ("newline in the source", text.replace(b'"https://gitlab.example.com"',
                                                   b'"https://gitlab.\nexample.com"', 1)),
            ("newline in a label", text.replace(b'"bug"', b'"b\nug"')),
            ("escape then raw", text.replace(b"Issues with auth", b"Issues \\\\\nauth")),
        ]
        for name, data in cases:
            with self.subTest(name):
                self.assertNotEqual(data, text)
                p = self.write("bad.json", data)
                rc, _, err = run("import", p, db=self.db)
                self.assertEqual(rc, 5, "%s: %s" % (name, err))
                self.assert_one_line(err)
                self.assertIn("raw control character", err)
                self.assertEqual(self.read(self.db), before, name)
        # the same characters escaped are fine, and come back escaped
        d = base_snapshot()
        d["issues"][0]["title"] = "Issues\nwith\tauth"
        self.import_ok(self.write("esc.json", json.dumps(d).encode()))
        self.assertIn(b"Issues\\nwith\\tauth", self.export_ok())

    def test_import__unknown_top_level_values_are_skipped(self):
        d = base_snapshot()
        text = json.dumps(d).encode()
        extra = (b'{"a": [1, -2.5e3, true, false, null, {"b": "\\u00e9\\n\xc3\xa9"}], "c": {}},'
                 b' "more": [[], [[]], ""]')
        p = self.write("extra.json", text[:-1] + b', "extra": ' + extra + b"}")
        self.import_ok(p)
        self.assertEqual(len(json.loads(self.export_ok())["issues"]), len(d["issues"]))

    def test_import__a_record_over_64_mib_is_refused(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        before = self.read(self.db)
        d = base_snapshot()
        d["issues"][1]["title"] = "x" * (65 << 20)
        p = self.write("huge.json", json.dumps(d).encode())
        rc, _, err = run("import", p, db=self.db)
        self.assertEqual(rc, 5, err)
        self.assert_one_line(err)
        self.assertIn("larger than the 64 MiB limit for one record", err)
        self.assertEqual(self.read(self.db), before)

    def test_import__arrays_out_of_order_from_a_pipe_keep_input_positions(self):
        # links before issues, read from a pipe (no seeking back): the
        # links are kept aside and checked later, with positions in the input
        d = base_snapshot()
        d["links"][1]["target_issue_id"] = 1234
        text = ('{"version": 1, "source": "s",\n"links": %s,\n"projects": %s,\n"issues": %s}'
                % (json.dumps(d["links"]), json.dumps(d["projects"]), json.dumps(d["issues"])))
        rc, _, err = run("import", "-", db=self.db, stdin=text.encode())
        self.assertEqual(rc, 5, err)
        self.assertIn("links[1].target_issue_id: 1234 is not an issue", err)
        d["links"][1]["target_issue_id"] = 84
        bad = text.replace('[{"id": 1', '[{"id": 1 x', 1)
        rc, _, err = run("import", "-", db=self.db, stdin=bad.encode())
        self.assertEqual(rc, 5, err)
        self.assertIn("line 2, column 20: not valid JSON", err)  # the x

    def test_import__bad_snapshot_creates_no_store(self):
        p = self.write("bad.json", b'{"version": 1}')
        rc, _, err = run("import", p, db=self.db)
        self.assertEqual(rc, 5, err)
        self.assertFalse(os.path.exists(self.db))
        self.no_side_files()

    def test_import__unreadable_file_exits_5(self):
        rc, _, err = run("import", self.path("missing.json"), db=self.db)
        self.assertEqual(rc, 5, err)
        self.assert_one_line(err)
        self.assertIn("missing.json", err)
        self.assertFalse(os.path.exists(self.db))
        rc, _, err = run("import", self.dir, db=self.db)
        self.assertEqual(rc, 5, err)

    def test_import__usage_errors_exit_2(self):
        self.assertEqual(run("import", db=self.db)[0], 2)
        self.assertEqual(run("import", "a", "b", db=self.db)[0], 2)
        self.assertEqual(run("import", "--bogus", "a", db=self.db)[0], 2)
        rc, out, _ = run("import", "--help")
        self.assertEqual(rc, 0)
        self.assertIn(b"usage: issuegraph", out)
        rc, out, _ = run("export", "--help")
        self.assertEqual(rc, 0)
        self.assertIn(b"-o", out)
        self.assertEqual(run("export", "extra", db=self.db)[0], 2)
        self.assertFalse(os.path.exists(self.db))

    # ---- refused stores ----------------------------------------------------

    def test_export__missing_or_unpopulated_store_exits_4(self):
        rc, out, err = run("export", db=self.db)
        self.assertEqual((rc, out), (4, b""))
        self.assert_one_line(err)
        self.assertFalse(os.path.exists(self.db))
        # a store that was created but never completed an import
        p = self.write("bad.json", b"{}")
        open(self.db, "wb").close()
        rc, _, err = run("export", db=self.db)
        self.assertEqual(rc, 4, err)
        self.assertEqual(self.read(self.db), b"")
        del p

    def check_refused_store(self, data, words, cmds=("export", "import")):
        good = self.write("good.json", json.dumps(base_snapshot()).encode())
        for cmd in cmds:
            args = [cmd] + ([good] if cmd == "import" else [])
            rc, out, err = run(*args, db=self.db)
            self.assertEqual(rc, 4, "%s: %s" % (cmd, err))
            self.assert_one_line(err)
            for w in words:
                self.assertIn(w, err)
            self.assertEqual(self.read(self.db), data)

    def test_store__not_a_database(self):
        data = b"this is a text file, not a database\n" * 200
        self.write("store.db", data)
        self.check_refused_store(data, ("not an SQLite database",))
        self.no_side_files()

    def test_store__foreign_database(self):
        con = sqlite3.connect(self.db)
        con.execute("CREATE TABLE notes(x TEXT)")
        con.execute("INSERT INTO notes VALUES('mine')")
        con.commit()
        con.close()
        data = self.read(self.db)
        self.check_refused_store(data, ("issuegraph did not write",))
        self.no_side_files()

    def test_store__newer_schema(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        con = sqlite3.connect(self.db)
        con.execute("PRAGMA user_version = 99")
        con.commit()
        con.close()
        data = self.read(self.db)
        self.check_refused_store(data, ("newer issuegraph", "schema 99", "upgrade"))
        self.no_side_files()

    def test_store__locked(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        data = self.read(self.db)
        # Another process holding the store exclusively, as fetch and import
        # do. (Not this process: closing any descriptor of the file here, as
        # reading its bytes does, would drop this process's POSIX locks.)
        holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, self.db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            self.assertEqual(holder.stdout.readline(), b"locked\n")
            self.check_refused_store(data, ("locked by another process",))
        finally:
            holder.stdin.close()
            holder.wait(timeout=60)
        self.assertEqual(holder.returncode, 0)
        self.assertEqual(self.read(self.db), data)
        self.assertEqual(json.loads(self.export_ok())["issues"][0]["id"], 84)

    # ---- output ------------------------------------------------------------

    def test_export__to_file_atomically(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        expected = self.export_ok()
        out = self.path("out.json")
        self.write("out.json", b"old contents")
        rc, stdout, err = run("export", "-o", out, db=self.db)
        self.assertEqual((rc, stdout, err), (0, b"", ""))
        self.assertEqual(self.read(out), expected)
        rc, stdout, err = run("export", "-o", "-", db=self.db)
        self.assertEqual(stdout, expected)
        leftovers = [n for n in os.listdir(self.dir) if ".tmp." in n]
        self.assertEqual(leftovers, [])

    def test_export__unwritable_directory_fails_cleanly(self):
        self.import_ok(self.write("good.json", json.dumps(base_snapshot()).encode()))
        target = os.path.join(self.dir, "no", "such", "dir", "out.json")
        rc, out, err = run("export", "-o", target, db=self.db)
        self.assertNotEqual(rc, 0)
        self.assertIn(rc, (2, 4))
        self.assert_one_line(err)
        self.assertFalse(os.path.exists(os.path.dirname(target)))
        if os.geteuid() != 0:
            ro = self.path("ro")
            os.mkdir(ro, 0o500)
            rc, _, err = run("export", "-o", os.path.join(ro, "x.json"), db=self.db)
            self.assertNotEqual(rc, 0)
            self.assertEqual(os.listdir(ro), [])


if __name__ == "__main__":
    if not BIN:
        sys.exit("IG_BIN is not set")
    igtest.main()
