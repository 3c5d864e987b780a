#!/usr/bin/env python3
"""A 1,000,000-issue chain and a 1,000,000-issue single knot (a ring) through
the real binary: import, then cycles, path, order and blockers. Nothing may
recurse (the walks are 1M deep) and every answer is checked.

IG_LARGE_N changes the size (default 1000000).
"""
import json
import os

import igtest
from igtest import check

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


def run(db, *args, out=None):
    return igtest.ig(db, *args, *(["-o", out] if out else []), ok=True, timeout=None).stdout


def first_last(path):
    with open(path) as f:
        first = f.readline()
        count = 1
        last = first
        for line in f:
            last = line
            count += 1
    return first, last, count


class Large(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """One store: the chain is imported, then the ring over it."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.snap = os.path.join(tmp, "s.json")
        cls.db = os.path.join(tmp, "big.db")

    def test_1_chain_no_knot_and_a_path_of_n_steps(self):
        snap, db, out = self.snap, self.db, self.path("out.txt")
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
        # a header, then per wave a blank line, its heading and its one issue
        check(lines == 1 + 3 * N and first.startswith("%d waves " % N) and
              last.split()[0] == "%s#%d" % (P, N), "chain order: one issue a wave")
        oj = json.loads(run(db, "order", "--format", "json"))
        check(len(oj["order"]) == N and oj["order"][0] == {"issues": ["%s#1" % P], "wave": 1} and
              oj["order"][-1] == {"issues": ["%s#%d" % (P, N)], "wave": N} and
              len(oj["waves"]) == N, "chain order in JSON: N waves")

        bj = json.loads(run(db, "blockers", "%s#%d" % (P, N), "--format", "json"))
        check(len(bj["blockers"]) == N - 1, "chain blockers count")
        check(bj["blockers"][0] == {"ref": "%s#%d" % (P, N - 1), "distance": 1} and
              bj["blockers"][-1] == {"ref": "%s#1" % P, "distance": N - 1}, "chain blockers ends")
        run(db, "blockers", "%s#1" % P, "--reverse", out=out)
        first, last, lines = first_last(out)
        check(lines == N + 1 and last.split() == [str(N - 1), "%s#%d" % (P, N)],
              "chain dependents: " + last)

    def test_2_ring_one_knot_of_n(self):
        snap, db, out = self.snap, self.db, self.path("out.txt")
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


if __name__ == "__main__":
    igtest.main()
