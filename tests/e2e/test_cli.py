#!/usr/bin/python3
"""The command line's contract, run as a process: --help on every command,
--version, the SPEC's exit codes for usage errors and store problems, and
--db before or after the command."""
import json
import os
import shutil
import stat
import threading
import sqlite3
import subprocess
import sys
import tempfile

import igtest

IG = igtest.BIN
SRC = igtest.SRC
EXAMPLE = igtest.EXAMPLE

COMMANDS = ["fetch", "import", "export", "stats", "cycles", "path", "blockers",
            "order", "ready", "render", "changes", "check", "report"]
# Commands that read an existing store (everything but fetch and import).
READERS = [["export"], ["stats"], ["cycles"], ["path"], ["blockers", "acme/mobile#1"],
           ["order"], ["ready"], ["render"], ["changes"], ["check"], ["report"]]


def run(*args, env=None, cwd=None):
    return igtest.ig(None, *args, env=env, cwd=cwd, timeout=120)


class Cli(igtest.TestCase):
    def db(self, name="s.db"):
        return self.path(name)

    def assertOneLineError(self, r, code, *needles):
        self.assertEqual(r.returncode, code, r.stderr)
        first = r.stderr.splitlines()[0] if r.stderr else ""
        self.assertTrue(first.startswith("issuegraph: "), r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^issuegraph \d+\.\d+\.\d+\n$")

    def test_help_lists_every_command(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for c in COMMANDS:
            self.assertIn(c, r.stdout)

    def test_every_command_has_help(self):
        for c in COMMANDS:
            for flag in ("--help", "-h"):
                r = run(c, flag)
                self.assertEqual(r.returncode, 0, f"{c} {flag}: {r.stderr}")
                self.assertIn("usage: issuegraph", r.stdout, c)
                self.assertIn(c, r.stdout)
                self.assertEqual(r.stderr, "", c)

    def test_no_command_is_usage(self):
        r = run()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)

    def test_unknown_command(self):
        self.assertOneLineError(run("frobnicate"), 2, "unknown command", "frobnicate")

    def test_unknown_option_on_every_command(self):
        for c in COMMANDS:
            r = run(c, "--no-such-option")
            self.assertEqual(r.returncode, 2, f"{c}: {r.stderr}")
            self.assertIn("issuegraph", r.stderr)

    def test_db_without_value(self):
        self.assertOneLineError(run("stats", "--db"), 2, "--db")

    def test_usage_checked_before_store(self):
        # A bad value exits 2 even though the store is missing (validated first).
        missing = self.db("missing.db")
        for args in (["path", "--weight", "bogus"], ["stats", "--format", "yaml"],
                     ["cycles", "--max-cycles", "-3"], ["blockers"],
                     ["blockers", "not a ref"], ["path", "--default-cost", "-1"]):
            r = run("--db", missing, *args)
            self.assertEqual(r.returncode, 2, f"{args}: {r.stderr}")
            self.assertFalse(os.path.exists(missing), args)

    def test_missing_store_is_4_and_not_created(self):
        missing = self.db("missing.db")
        for args in READERS:
            r = run("--db", missing, *args)
            self.assertOneLineError(r, 4, "run 'issuegraph fetch'")
            self.assertFalse(os.path.exists(missing), args)

    def test_unpopulated_store_is_4(self):
        # A store that no fetch or import ever completed into: one made by an
        # older version (schema 1, kept as a fixture) whose first fetch was
        # killed. Every reader refuses it ("run fetch first") after migrating.
        path = self.db()
        with open(os.path.join(SRC, "tests", "fixtures", "schema_v1.sql")) as f:
            schema = f.read()
        con = sqlite3.connect(path)
        con.executescript(schema)
        con.close()
        for args in READERS:
            r = run("--db", path, *args)
            self.assertOneLineError(r, 4, "no fetch or import has completed")
        # and a failed import does not create a store at all
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            f.write("{")
        r = run("--db", self.db("new.db"), "import", bad)
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertFalse(os.path.exists(self.db("new.db")))

    def test_db_before_or_after_command_and_env(self):
        path = self.db()
        r = run("import", EXAMPLE, "--db", path, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = run("--db", path, "stats", "--format", "json")
        b = run("stats", "--db", path, "--format", "json")
        c = run("stats", "--format", "json", env={"ISSUEGRAPH_DB": path})
        d = run("stats", f"--db={path}", "--format", "json")
        for r in (a, b, c, d):
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(a.stdout, b.stdout)
        self.assertEqual(a.stdout, c.stdout)
        self.assertEqual(a.stdout, d.stdout)
        # the default is ./issuegraph.db in the working directory
        r = run("stats", cwd=self.dir)
        self.assertEqual(r.returncode, 4)
        os.rename(path, os.path.join(self.dir, "issuegraph.db"))
        r = run("stats", "--format", "json", cwd=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, a.stdout)

    def test_stats_json_matches_example(self):
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        r = run("--db", path, "stats", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        st = json.loads(r.stdout)
        with open(EXAMPLE, encoding="utf-8") as f:
            snap = json.load(f)
        self.assertEqual(st["instance"], snap["source"])
        self.assertEqual(st["projects"], len(snap["projects"]))
        self.assertEqual(st["issues"]["opened"],
                         sum(1 for i in snap["issues"] if i["state"] == "opened"))
        self.assertEqual(st["issues"]["closed"],
                         sum(1 for i in snap["issues"] if i["state"] == "closed"))
        rel = {(min(l["source_issue_id"], l["target_issue_id"]),
                max(l["source_issue_id"], l["target_issue_id"]), l["id"])
               for l in snap["links"] if l["link_type"] == "relates_to"}
        blk = {l["id"] for l in snap["links"] if l["link_type"] != "relates_to"}
        self.assertEqual(st["links"], {"blocks": len(blk), "relates_to": len(rel)})
        self.assertEqual(st["knots"], 1)  # the example has exactly one knot
        self.assertEqual(st["seeds"], [])
        self.assertIsNone(st["last_fetch"])
        # --all-states adds the cycle that a closed issue breaks
        r = run("--db", path, "stats", "--format", "json", "--all-states")
        self.assertEqual(json.loads(r.stdout)["knots"], 2)
        # text output names the same numbers
        r = run("--db", path, "stats")
        self.assertIn(f"{st['projects']}", r.stdout)
        self.assertIn("knots:      1", r.stdout)

    def test_output_file_is_atomic_and_complete(self):
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        out = os.path.join(self.dir, "stats.json")
        r = run("--db", path, "stats", "--format", "json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        with open(out) as f:
            json.load(f)
        self.assertEqual(sorted(os.listdir(self.dir)), sorted(["s.db", "stats.json"]))
        r = run("--db", path, "stats", "-o", os.path.join(self.dir, "no/such/dir/x"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("issuegraph: stats:", r.stderr)

    def test_full_stdout_is_an_error(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        with open("/dev/full", "w") as full:
            r = subprocess.run([IG, "--db", path, "export"], stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("issuegraph:", r.stderr)

    def test_output_to_a_fifo_or_device_writes_it_in_place(self):
        # -o onto a device or a pipe must not rename a temporary file over it
        # (as root that would turn /dev/null into a regular file)
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        d = tempfile.mkdtemp()
        try:
            fifo = os.path.join(d, "out.fifo")
            os.mkfifo(fifo)
            got = []

            def read_all():
                with open(fifo, "rb") as f:
                    got.append(f.read())

            reader = threading.Thread(target=read_all)
            reader.start()
            r = run("--db", path, "order", "--format", "json", "-o", fifo)
            reader.join(30)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced")
            self.assertIn("order", json.loads(got[0].decode()))
            self.assertEqual(sorted(os.listdir(d)), ["out.fifo"], "no temporary file left")
            r = run("--db", path, "order", "-o", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("is a directory", r.stderr)
        finally:
            shutil.rmtree(d)

    def test_full_stdout_is_reported_once(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        for cmd in (["export"], ["stats"], ["cycles"], ["path"], ["order"], ["check"],
                    ["report", "--format", "json"], ["render", "--format", "dot"],
                    ["blockers", "acme/mobile#1", "--format", "json"]):
            with open("/dev/full", "w") as full:
                r = subprocess.run([IG, "--db", path, *cmd], stdout=full,
                                   stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertEqual(r.returncode, 4, (cmd, r.stderr))
            # (a warning such as report's "no earlier point" is not the failure)
            lines = [l for l in r.stderr.splitlines() if not l.startswith("issuegraph: warning:")]
            self.assertEqual(len(lines), 1, (cmd, r.stderr))
            self.assertTrue(lines[0].startswith("issuegraph: %s: " % cmd[0]), r.stderr)
            # one prefix: the module's reason carries no "render:" of its own
            self.assertNotIn("%s: %s:" % (cmd[0], cmd[0]), r.stderr)

    def test_failed_checkpoint_at_close_exits_4(self):
        # Another process reads an old snapshot while a third has committed
        # after it: closing cannot fold the log into the .db, which then is
        # not self-contained. Every command says so and exits 4.
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        reader = sqlite3.connect(path, isolation_level=None)
        writer = sqlite3.connect(path, isolation_level=None)
        try:
            # The reader's snapshot holds part of the log, the rest came after
            # it (two real changes: a no-op UPDATE writes nothing).
            writer.execute("INSERT INTO meta VALUES('test-scratch', '1')")
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM issues").fetchone()
            writer.execute("DELETE FROM meta WHERE key = 'test-scratch'")
            for cmd in READERS:
                r = run("--db", path, *cmd)
                self.assertEqual(r.returncode, 4, (cmd, r.returncode, r.stderr))
                self.assertIn("issuegraph: %s: %s: cannot fold the write-ahead log" %
                              (cmd[0], path), r.stderr)
        finally:
            reader.execute("ROLLBACK")
            reader.close()
            writer.close()
        # Once the reader is gone, the same command closes cleanly.
        self.assertEqual(run("--db", path, "stats").returncode, 0)

    def test_overlong_seed_is_a_usage_error_not_out_of_memory(self):
        long_path = "g/" + "a" * 5000
        for opt, value in (("--group", long_path), ("--project", long_path),
                           ("--issue", long_path + "#1")):
            r = run("--db", self.db(), "fetch", "--url", "http://127.0.0.1:9", opt, value,
                    env={"GITLAB_TOKEN": "glpat-x"})
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertRegex(r.stderr, r"^issuegraph: fetch: %s: 500\d bytes long" % opt)
            self.assertNotIn("out of memory", r.stderr)
            self.assertFalse(os.path.exists(self.db()))

    def test_one_file_left_after_commands(self):
        # Every command leaves one self-contained .db (WAL checkpointed).
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        self.assertEqual(run("--db", path, "stats").returncode, 0)
        self.assertFalse(os.path.exists(path + "-wal") and os.path.getsize(path + "-wal") > 0)
        con = sqlite3.connect(path)
        n = con.execute("select count(*) from issues").fetchone()[0]
        con.close()
        self.assertGreater(n, 0)

    def sqlite3_cli(self, path, sql):
        # The sqlite3 CLI, as anyone who can write a shared CI cache could use it.
        subprocess.run(["sqlite3", path, sql], check=True, capture_output=True, timeout=60)

    def test_store__trigger_planted_in_a_cached_store_never_runs(self):
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        self.sqlite3_cli(path, "CREATE TABLE pwned(x); "
                               "CREATE TRIGGER evil AFTER UPDATE ON meta BEGIN "
                               "INSERT INTO pwned VALUES(1); DELETE FROM links; END; "
                               "CREATE TRIGGER evil2 AFTER INSERT ON issues BEGIN "
                               "INSERT INTO pwned VALUES(2); END;")
        for args in (["stats"], ["check"], ["import", EXAMPLE, "-q"], ["export"]):
            r = run("--db", path, *args)
            self.assertOneLineError(r, 4, "trigger")
        con = sqlite3.connect(path)
        self.assertEqual(con.execute("select count(*) from pwned").fetchone()[0], 0)
        self.assertGreater(con.execute("select count(*) from links").fetchone()[0], 0)
        con.close()

    def test_store__view_planted_in_a_cached_store_is_refused(self):
        path = self.db()
        self.assertEqual(run("--db", path, "import", EXAMPLE, "-q").returncode, 0)
        # A view that shadows nothing but would run a function when read.
        self.sqlite3_cli(path, "CREATE VIEW v AS SELECT load_extension('/tmp/x') AS y;")
        r = run("--db", path, "stats")
        self.assertOneLineError(r, 4, "view")

    # ---- text from a snapshot or a server never reaches the terminal raw ----

    HOSTILE = ("\x1b[2J \x1b]52;c;SGVsbG8=\x07 \u009b31m \x7f \t tab \r cr \n lf "
               "\\ back\\slash \ufffd")

    def hostile_store(self):
        host = "https://gitlab.example.com"
        T = self.HOSTILE

        def issue(i, pid, iid, due=None, conf=False):
            return {"id": i, "project_id": pid, "iid": iid, "title": "t%d %s" % (i, T),
                    "state": "opened", "confidential": conf, "weight": 2,
                    "time_stats": {"time_estimate": 0, "total_time_spent": 0},
                    "milestone": {"title": "m " + T, "due_date": "2026-12-01"},
                    "due_date": due, "labels": ["l " + T],
                    "created_at": "2026-01-07T12:44:33Z", "updated_at": "2026-01-07T12:44:33Z",
                    "closed_at": None, "web_url": "%s/h/app/-/issues/%d" % (host, iid)}
        snap = {"version": 1, "source": host + "/\x1b]52;c;QQ==\x07\u009b\x7f",
                "projects": [{"id": 1, "path_with_namespace": "h/app", "web_url": None},
                             {"id": 2, "path_with_namespace": "h/lib", "web_url": None}],
                "issues": [issue(11, 1, 1, "2027-01-01"), issue(12, 1, 2, "2026-01-01"),
                           issue(13, 2, 3), issue(14, 2, 4, conf=True)],
                "links": [{"id": 1, "source_issue_id": 11, "target_issue_id": 12,
                           "link_type": "blocks"},
                          {"id": 2, "source_issue_id": 12, "target_issue_id": 11,
                           "link_type": "blocks"},
                          {"id": 3, "source_issue_id": 12, "target_issue_id": 13,
                           "link_type": "blocks"},
                          {"id": 4, "source_issue_id": 13, "target_issue_id": 14,
                           "link_type": "blocks"}]}
        path = self.db()
        snapfile = os.path.join(self.dir, "hostile.json")
        with open(snapfile, "w", encoding="utf-8") as f:
            json.dump(snap, f)
        r = run("--db", path, "import", snapfile, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        # import refuses such a path; a store written otherwise (an older
        # version, a tampered cache) can still hold one, with invalid UTF-8
        con = sqlite3.connect(path)
        con.execute("UPDATE projects SET path = CAST(? AS TEXT) WHERE id = 2",
                    (b"h/lib\x1b[2J\xc2\x9b\x7f\xff\t\\",))
        con.execute("UPDATE issues SET title = CAST(? AS TEXT) WHERE id = 13",
                    (b"bad \xff\xfe utf-8 \xc3",))
        con.commit()
        con.close()
        return path

    @staticmethod
    def drop_unquoted_tabs(line):
        """Graphviz separates DOT tokens with tabs of its own: drop those
        outside quoted strings (a tab inside one would come from data)."""
        out, quoted, k = bytearray(), False, 0
        while k < len(line):
            b = line[k]
            if quoted and b == 0x5c and k + 1 < len(line):  # backslash: keep the pair
                out += line[k:k + 2]
                k += 2
                continue
            if b == 0x22:
                quoted = not quoted
            if b != 0x09 or quoted:
                out.append(b)
            k += 1
        return bytes(out)

    def assertSafeText(self, data, what, indent_tabs=False):
        """Every line: no byte < 0x20 (the tool's own newlines split the
        lines; Graphviz indents DOT with tabs of its own), no DEL, valid
        UTF-8, no C1 control."""
        for n, line in enumerate(data.split(b"\n"), 1):
            if indent_tabs:
                line = self.drop_unquoted_tabs(line)
            bad = [b for b in line if b < 0x20 or b == 0x7f]
            self.assertEqual(bad, [], "%s line %d: %r" % (what, n, line))
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as e:
                self.fail("%s line %d: not UTF-8 (%s): %r" % (what, n, e, line))
            c1 = [c for c in text if 0x80 <= ord(c) <= 0x9f]
            self.assertEqual(c1, [], "%s line %d: %r" % (what, n, line))

    def run_bytes(self, *args):
        e = dict(os.environ)
        e.pop("ISSUEGRAPH_DB", None)
        return subprocess.run([IG, *args], capture_output=True, stdin=subprocess.DEVNULL,
                              env=e, timeout=120)

    def test_output__hostile_titles_paths_and_instance_are_escaped_everywhere(self):
        path = self.hostile_store()
        commands = [["stats"], ["cycles"], ["cycles", "--all"], ["path"],
                    ["path", "--weight", "weight", "--to", "h/app#2"], ["blockers", "h/app#2"],
                    ["blockers", "h/app#1", "--reverse"], ["order"], ["check"],
                    ["check", "--fail-on", "knots,conflicts,closed-blocked"],
                    ["check", "--milestone", "m " + self.HOSTILE.replace("\ufffd", "x")],
                    ["report"], ["report", "--show-confidential"],
                    ["report", "--format", "html"], ["report", "--format", "junit"],
                    ["render"], ["render", "--format", "mermaid"],
                    ["render", "--show-confidential"],
                    ["render", "--format", "mermaid", "--show-confidential"],
                    # error messages that quote store text: an unknown ref's suggestion
                    ["blockers", "h/lib#9"], ["blockers", "h/app#9"],
                    ["path", "--milestone", "nope"]]
        seen_escape = False
        for args in commands:
            r = self.run_bytes("--db", path, *args)
            what = " ".join(args)
            self.assertIn(r.returncode, (0, 1, 2), "%s: %r" % (what, r.stderr))
            dot = args[0] == "render" and "mermaid" not in args
            self.assertSafeText(r.stdout, what + " (stdout)", indent_tabs=dot)
            self.assertSafeText(r.stderr, what + " (stderr)")
            seen_escape |= b"\\x1b" in r.stdout + r.stderr
        self.assertTrue(seen_escape, "the controls are shown as \\xNN")
        r = self.run_bytes("--db", path, "stats")
        self.assertIn(b"https://gitlab.example.com/\\x1b]52;c;QQ==\\x07\\x9b\\x7f", r.stdout)
        r = self.run_bytes("--db", path, "path", "--weight", "weight")
        self.assertIn(b"h/lib\\x1b[2J\\x9b\\x7f\\xff\\x09\\#3", r.stdout)
        self.assertIn(b"bad \\xff\\xfe utf-8 \\xc3", r.stdout)
        self.assertIn(b"\\x1b[2J \\x1b]52;c;SGVsbG8=\\x07 \\x9b31m \\x7f \\x09 tab \\x0d cr "
                      b"\\x0a lf \\ back\\slash \xef\xbf\xbd", r.stdout)

        # an unknown ref's suggestion quotes a stored path
        con = sqlite3.connect(path)
        con.execute("UPDATE projects SET path = 'h/lib' || char(7) WHERE id = 2")
        con.commit()
        con.close()
        r = self.run_bytes("--db", path, "blockers", "h/lib#3")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertSafeText(r.stderr, "unknown ref suggestion")
        self.assertIn(b"(did you mean h/lib\\x07#3?)", r.stderr)


if __name__ == "__main__":
    igtest.main()
