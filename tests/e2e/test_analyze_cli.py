#!/usr/bin/env python3
"""The analysis commands (cycles, path, blockers, order) as a user meets them:
golden text and JSON outputs on the bundled example, byte-identical reruns,
-o FILE, an empty graph, and the usage/store errors with their exit codes.

IG_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
"""
import json
import os

import igtest
from igtest import check

EXAMPLE = igtest.EXAMPLE
GOLDEN = os.path.join(igtest.SRC, "tests", "e2e", "golden", "analyze")
UPDATE = os.environ.get("IG_UPDATE_GOLDEN") == "1"


def run(db, *args):
    return igtest.ig(db, *args)


GOLDEN_CASES = {
    "cycles.txt": ["cycles"],
    "cycles_all_states.json": ["cycles", "--all", "--all-states", "--format", "json"],
    "path.txt": ["path"],
    "path_weight.txt": ["path", "--weight", "weight", "--default-cost", "0"],
    "path_estimate.json": ["path", "--weight", "estimate", "--format", "json"],
    "path_to.json": ["path", "--to", "acme/platform/api#3", "--format", "json"],
    "path_milestone.txt": ["path", "--milestone", "v2.1"],
    "order.txt": ["order"],
    "order.json": ["order", "--format", "json"],
    "blockers.txt": ["blockers", "acme/docs#3"],
    "blockers_reverse.json": ["blockers", "acme/infra#2", "--reverse", "--format", "json"],
}



class AnalyzeCli(igtest.TestCase, igtest.ClassDir):
    @classmethod
    def setUpClass(cls):
        cls.db = os.path.join(cls.make_class_dir(), "ex.db")
        igtest.ig(cls.db, "import", EXAMPLE, ok=True)

    def test_golden_outputs_and_the_same_bytes_on_a_rerun(self):
        db = self.db
        os.makedirs(GOLDEN, exist_ok=True) if UPDATE else None
        for name, args in GOLDEN_CASES.items():
            with self.subTest(golden=name):
                p = run(db, *args)
                check(p.returncode == 0, "%s: exit %d %s" % (name, p.returncode, p.stderr))
                again = run(db, *args)
                check(p.stdout == again.stdout, "%s: not byte-identical on a rerun" % name)
                if name.endswith(".json"):
                    json.loads(p.stdout)
                path = os.path.join(GOLDEN, name)
                if UPDATE:
                    with open(path, "w") as f:
                        f.write(p.stdout)
                    continue
                with open(path) as f:
                    want = f.read()
                check(p.stdout == want, "%s differs from %s" % (" ".join(args), path))

    def test_what_the_example_was_built_to_show(self):
        db = self.db
        cj = json.loads(run(db, "cycles", "--format", "json").stdout)
        check([k["issues"] for k in cj["knots"]] ==
              [["acme/platform/api#5", "acme/platform/web#4", "acme/platform/web#5"]], "knot")
        check("cycles" not in cj and "truncated" not in cj, "cycles key only with --all")
        pj = json.loads(run(db, "path", "--format", "json").stdout)
        check(pj["weight"] == "count" and pj["cost"] == 7 and len(pj["path"]) == 7, "path")

    def test_output_file_same_bytes_written_atomically(self):
        db = self.db
        out = self.path("o.json")
        p = run(db, "order", "--format", "json", "-o", out)
        check(p.returncode == 0 and p.stdout == "", "-o: nothing on stdout")
        with open(out) as f:
            check(f.read() == run(db, "order", "--format", "json").stdout, "-o content")
        check([x for x in os.listdir(self.dir) if ".tmp." in x] == [], "-o left a temporary file")
        p = run(db, "path", "-o", self.path("no", "such", "dir", "f"))
        check(p.returncode == 2, "-o into a missing directory: exit %d" % p.returncode)

    def test_refs_unknown_mistyped_closed_malformed(self):
        db = self.db
        p = run(db, "blockers", "acme/dcs#3")
        check(p.returncode == 2 and "did you mean acme/docs#3" in p.stderr,
              "mistyped project: %d %s" % (p.returncode, p.stderr))
        p = run(db, "path", "--to", "acme/docs#999")
        check(p.returncode == 2 and "acme/docs#999" in p.stderr and "did you mean" in p.stderr,
              "unknown iid: %s" % p.stderr)
        p = run(db, "blockers", "acme/platform/api#13")  # closed
        check(p.returncode == 2 and "--all-states" in p.stderr, "closed ref: %s" % p.stderr)
        p = run(db, "blockers", "acme/platform/api#13", "--all-states", "--format", "json")
        check(p.returncode == 0 and json.loads(p.stdout)["issue"] == "acme/platform/api#13",
              "closed ref with --all-states")
        missing = self.path("missing.db")
        for args in (["blockers", "not-a-ref"], ["blockers"], ["blockers", "a/b#1", "a/b#2"],
                     ["path", "--to", "x#0"], ["path", "--weight", "size"],
                     ["path", "--default-cost", "-1"], ["path", "--default-cost", "1.5"],
                     ["cycles", "--max-cycles", "many"], ["order", "--format", "xml"],
                     ["cycles", "--bogus"], ["order", "extra"],
                     ["path", "--to", "a/b#1", "--milestone", "v1"]):
            p = run(missing, *args)
            check(p.returncode == 2, "%s: exit %d, want 2 (before opening the store)" %
                  (" ".join(args), p.returncode))
            check(not os.path.exists(missing), "%s created the store" % " ".join(args))
        p = run(db, "path", "--milestone", "v9.9")
        check(p.returncode == 2 and "v9.9" in p.stderr, "unknown milestone: %s" % p.stderr)

    def test_missing_store_is_4(self):
        missing = self.path("missing.db")
        for cmd in (["cycles"], ["path"], ["order"], ["blockers", "a/b#1"]):
            p = run(missing, *cmd)
            check(p.returncode == 4, "%s on a missing store: exit %d" % (cmd[0], p.returncode))

    def test_help(self):
        for cmd in ("cycles", "path", "blockers", "order"):
            p = run(None, cmd, "--help")
            check(p.returncode == 0 and p.stdout.startswith("usage: issuegraph"),
                  "%s --help" % cmd)
        check("not a proven minimum" in run(None, "cycles", "--help").stdout,
              "cycles --help says the cut is a suggestion")

    def test_empty_graph_is_an_answer(self):
        empty = self.path("empty.json")
        with open(empty, "w") as f:
            json.dump({"version": 1, "source": "https://gl.example", "projects": [],
                       "issues": [], "links": []}, f)
        edb = self.path("empty.db")
        check(run(edb, "import", empty).returncode == 0, "import empty")
        want = {
            ("cycles",): {"knots": []},
            ("cycles", "--all"): {"knots": [], "cycles": [], "truncated": False},
            ("path",): {"weight": "count", "cost": 0, "path": []},
            ("order",): {"order": [], "waves": [], "issues": {}},
        }
        for args, w in want.items():
            p = run(edb, *args, "--format", "json")
            check(p.returncode == 0 and json.loads(p.stdout) == w,
                  "empty %s: %d %s" % (args, p.returncode, p.stdout))
            p = run(edb, *args)
            check(p.returncode == 0 and p.stdout, "empty %s text" % (args,))
        p = run(edb, "blockers", "a/b#1")
        check(p.returncode == 2, "blockers on an empty graph: exit %d" % p.returncode)

    def test_huge_weights_saturate(self):
        # huge weights: the running total saturates as the analyser's does
        # (the sum overflowed int64 in path's text output: UB, caught under the
        # sanitizer build, a negative total in the plain one)
        big = 2 ** 63 - 10
        huge = {"version": 1, "source": "https://gl.example",
                "projects": [{"id": 1, "path_with_namespace": "g/a", "web_url": None}],
                "issues": [{"id": 10 + i, "project_id": 1, "iid": i + 1, "title": "t%d" % i,
                            "state": "opened", "weight": big,
                            "created_at": "2026-01-01T00:00:00Z",
                            "updated_at": "2026-01-01T00:00:00Z"} for i in range(3)],
                "links": [{"id": 1, "source_issue_id": 10, "target_issue_id": 11, "link_type": "blocks"},
                          {"id": 2, "source_issue_id": 11, "target_issue_id": 12, "link_type": "blocks"}]}
        hj = self.path("huge.json")
        with open(hj, "w") as f:
            json.dump(huge, f)
        hdb = self.path("huge.db")
        check(run(hdb, "import", hj).returncode == 0, "import huge weights")
        p = run(hdb, "path", "--weight", "weight")
        check(p.returncode == 0, "path with huge weights: exit %d %s" % (p.returncode, p.stderr))
        totals = [int(line.split()[2]) for line in p.stdout.splitlines()
                  if line.split() and line.split()[0].isdigit()]
        check(totals == [big, 2 ** 63 - 1, 2 ** 63 - 1],
              "path with huge weights: running totals %s, want saturated" % totals)
        pj = json.loads(run(hdb, "path", "--weight", "weight", "--format", "json").stdout or "{}")
        check(pj.get("cost") == 2 ** 63 - 1, "path json cost with huge weights: %s" % pj.get("cost"))


if __name__ == "__main__":
    igtest.main()
