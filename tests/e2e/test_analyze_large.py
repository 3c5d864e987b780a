#!/usr/bin/env python3
"""A 1,000,000-issue chain and a 1,000,000-issue single knot (a ring) through
the real binary: import, then cycles, path, order and blockers. Nothing may
recurse (the walks are 1M deep) and every answer is checked.

IG_LARGE_N changes the size (default 1000000).
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("IG_BIN", "issuegraph")
N = int(os.environ.get("IG_LARGE_N", "1000000"))
P = "big/chain"


def write_snapshot(path, ring):
    with open(path, "w") as f:
        f.write('{"version": 1, "source": "https://gl.example", "projects": '
                '[{"id": 1, "path_with_namespace": "%s"}],\n"issues": [\n' % P)
        # ids and iids run in opposite directions, so the store's order is
        # not the ref order
        f.write(",\n".join('{"id": %d, "project_id": 1, "iid": %d, "title": "t%d", '
                           '"state": "opened", "weight": 2}' % (N + 1 - i, i, i)
                           for i in range(1, N + 1)))
        f.write('],\n"links": [\n')
        m = N if ring else N - 1
        f.write(",\n".join('{"id": %d, "source_issue_id": %d, "target_issue_id": %d, '
                           '"link_type": "blocks"}' % (i, N + 1 - i, N + 1 - (i % N + 1))
                           for i in range(1, m + 1)))
        f.write("]}\n")


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(db, *args, out=None):
    cmd = [BIN, "--db", db] + list(args)
    if out:
        cmd += ["-o", out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("%s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()[:500]))
        sys.exit(1)
    return p.stdout


def first_last(path):
    with open(path) as f:
        first = f.readline()
        count = 1
        last = first
        for line in f:
            last = line
            count += 1
    return first, last, count


def main():
    with tempfile.TemporaryDirectory() as tmp:
        snap = os.path.join(tmp, "s.json")
        out = os.path.join(tmp, "out.txt")
        db = os.path.join(tmp, "big.db")

        # ---- the chain: no knot, a path of N steps --------------------------------
        write_snapshot(snap, ring=False)
        run(db, "import", snap)
        cyc = run(db, "cycles")
        check(cyc.startswith("No knots: no blocking cycle among %d open issues." % N), cyc[:200])
        cj = json.loads(run(db, "cycles", "--all", "--format", "json"))
        check(cj == {"knots": [], "cycles": [], "truncated": False}, "chain cycles json")

        run(db, "path", out=out)
        first, last, lines = first_last(out)
        check(first.strip() == "Critical path (--weight count): %d steps, cost %d." % (N, N),
              "chain path header: " + first)
        check(lines == N + 3 and last.split()[3] == "%s#%d" % (P, N), "chain path end: " + last)
        pj = json.loads(run(db, "path", "--weight", "weight", "--format", "json",
                            "--to", "%s#%d" % (P, N // 2)))
        check(pj["cost"] == 2 * (N // 2) and len(pj["path"]) == N // 2,
              "chain path --to: cost %s" % pj["cost"])
        check(pj["path"][0] == {"issues": ["%s#1" % P], "cost": 2}, "chain path --to start")

        run(db, "order", out=out)
        first, last, lines = first_last(out)
        check(lines == N and first.split() == ["1", "%s#1" % P] and
              last.split() == [str(N), "%s#%d" % (P, N)], "chain order")

        bj = json.loads(run(db, "blockers", "%s#%d" % (P, N), "--format", "json"))
        check(len(bj["blockers"]) == N - 1, "chain blockers count")
        check(bj["blockers"][0] == {"ref": "%s#%d" % (P, N - 1), "distance": 1} and
              bj["blockers"][-1] == {"ref": "%s#1" % P, "distance": N - 1}, "chain blockers ends")
        run(db, "blockers", "%s#1" % P, "--reverse", out=out)
        first, last, lines = first_last(out)
        check(lines == N + 1 and last.split() == [str(N - 1), "%s#%d" % (P, N)],
              "chain dependents: " + last)

        # ---- the ring: one knot of N ---------------------------------------------------
        write_snapshot(snap, ring=True)
        run(db, "import", snap)
        run(db, "cycles", out=out)
        with open(out) as f:
            text = f.read(4096)
        check(text.startswith("1 knot among %d open issues.\n\nknot 1: %d issues\n" % (N, N)),
              "ring cycles: " + text[:200])
        cj = json.loads(run(db, "cycles", "--format", "json", "--all", "--max-cycles", "3"))
        k = cj["knots"]
        check(len(k) == 1 and len(k[0]["issues"]) == N, "ring knot")
        check(k[0]["witness"][:2] == ["%s#1" % P, "%s#2" % P] and len(k[0]["witness"]) == N,
              "ring witness")
        check(k[0]["witness_shortest"] is (N <= 10000), "ring witness_shortest")
        check(k[0]["cut"] == [{"from": "%s#%d" % (P, N), "to": "%s#1" % P}] or
              len(k[0]["cut"]) == 1, "ring cut: %s" % k[0]["cut"][:3])
        check(len(cj["cycles"]) == 1 and len(cj["cycles"][0]) == N and
              cj["truncated"] is False, "ring elementary cycles")

        pj = json.loads(run(db, "path", "--weight", "weight", "--format", "json"))
        check(pj["cost"] == 2 * N and len(pj["path"]) == 1 and
              len(pj["path"][0]["issues"]) == N, "ring path")
        oj = json.loads(run(db, "order", "--format", "json"))
        check(len(oj["order"]) == 1 and len(oj["order"][0]["issues"]) == N, "ring order")
        bj = json.loads(run(db, "blockers", "%s#1" % P, "--format", "json"))
        check(len(bj["blockers"]) == N - 1 and bj["blockers"][0]["ref"] == "%s#%d" % (P, N) and
              bj["blockers"][-1] == {"ref": "%s#2" % P, "distance": N - 1}, "ring blockers")
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("1M chain and 1M knot: all checks pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
