#!/usr/bin/env python3
"""The analysis commands (cycles, path, blockers, order) as a user meets them:
golden text and JSON outputs on the bundled example, byte-identical reruns,
-o FILE, an empty graph, and the usage/store errors with their exit codes.

IG_UPDATE_GOLDEN=1 rewrites the golden files (review the diff!).
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("IG_BIN", "issuegraph")
SRC = os.environ.get("IG_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(SRC, "examples", "example.json")
GOLDEN = os.path.join(SRC, "tests", "e2e", "golden", "analyze")
UPDATE = os.environ.get("IG_UPDATE_GOLDEN") == "1"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(db, *args, env=None):
    cmd = [BIN] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


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


def main():
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "ex.db")
        p = run(db, "import", EXAMPLE)
        check(p.returncode == 0, "import example: " + p.stderr)

        # ---- golden outputs, and the same bytes on a rerun -----------------------
        os.makedirs(GOLDEN, exist_ok=True) if UPDATE else None
        for name, args in GOLDEN_CASES.items():
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

        # ---- what the example was built to show -----------------------------------------
        cj = json.loads(run(db, "cycles", "--format", "json").stdout)
        check([k["issues"] for k in cj["knots"]] ==
              [["acme/platform/api#5", "acme/platform/web#4", "acme/platform/web#5"]], "knot")
        check("cycles" not in cj and "truncated" not in cj, "cycles key only with --all")
        pj = json.loads(run(db, "path", "--format", "json").stdout)
        check(pj["weight"] == "count" and pj["cost"] == 7 and len(pj["path"]) == 7, "path")

        # ---- -o FILE: the same bytes, written atomically ----------------------------------
        out = os.path.join(tmp, "o.json")
        p = run(db, "order", "--format", "json", "-o", out)
        check(p.returncode == 0 and p.stdout == "", "-o: nothing on stdout")
        with open(out) as f:
            check(f.read() == run(db, "order", "--format", "json").stdout, "-o content")
        check([x for x in os.listdir(tmp) if ".tmp." in x] == [], "-o left a temporary file")
        p = run(db, "path", "-o", os.path.join(tmp, "no", "such", "dir", "f"))
        check(p.returncode == 2, "-o into a missing directory: exit %d" % p.returncode)

        # ---- refs: unknown, mistyped, closed, malformed ----------------------------------
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
        missing = os.path.join(tmp, "missing.db")
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

        # ---- stores: missing, never populated ------------------------------------------------
        for cmd in (["cycles"], ["path"], ["order"], ["blockers", "a/b#1"]):
            p = run(missing, *cmd)
            check(p.returncode == 4, "%s on a missing store: exit %d" % (cmd[0], p.returncode))

        # ---- --help ------------------------------------------------------------------------------
        for cmd in ("cycles", "path", "blockers", "order"):
            p = run(None, cmd, "--help")
            check(p.returncode == 0 and p.stdout.startswith("usage: issuegraph"),
                  "%s --help" % cmd)
        check("not a proven minimum" in run(None, "cycles", "--help").stdout,
              "cycles --help says the cut is a suggestion")

        # ---- an empty graph is an answer, not an error -----------------------------------
        empty = os.path.join(tmp, "empty.json")
        with open(empty, "w") as f:
            json.dump({"version": 1, "source": "https://gl.example", "projects": [],
                       "issues": [], "links": []}, f)
        edb = os.path.join(tmp, "empty.db")
        check(run(edb, "import", empty).returncode == 0, "import empty")
        want = {
            ("cycles",): {"knots": []},
            ("cycles", "--all"): {"knots": [], "cycles": [], "truncated": False},
            ("path",): {"weight": "count", "cost": 0, "path": []},
            ("order",): {"order": []},
        }
        for args, w in want.items():
            p = run(edb, *args, "--format", "json")
            check(p.returncode == 0 and json.loads(p.stdout) == w,
                  "empty %s: %d %s" % (args, p.returncode, p.stdout))
            p = run(edb, *args)
            check(p.returncode == 0 and p.stdout, "empty %s text" % (args,))
        p = run(edb, "blockers", "a/b#1")
        check(p.returncode == 2, "blockers on an empty graph: exit %d" % p.returncode)

        # ---- huge weights: the running total saturates as the analyser's does ----------
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
        hj = os.path.join(tmp, "huge.json")
        with open(hj, "w") as f:
            json.dump(huge, f)
        hdb = os.path.join(tmp, "huge.db")
        check(run(hdb, "import", hj).returncode == 0, "import huge weights")
        p = run(hdb, "path", "--weight", "weight")
        check(p.returncode == 0, "path with huge weights: exit %d %s" % (p.returncode, p.stderr))
        totals = [int(line.split()[2]) for line in p.stdout.splitlines()
                  if line.split() and line.split()[0].isdigit()]
        check(totals == [big, 2 ** 63 - 1, 2 ** 63 - 1],
              "path with huge weights: running totals %s, want saturated" % totals)
        pj = json.loads(run(hdb, "path", "--weight", "weight", "--format", "json").stdout or "{}")
        check(pj.get("cost") == 2 ** 63 - 1, "path json cost with huge weights: %s" % pj.get("cost"))

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("analysis commands: all checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
