#!/usr/bin/python3
"""History benchmarks: store growth, `changes` and the ratchet at scale.

usage: bench/history/run.py [--issues N] [--big N] [--points P] [--skip-growth] [--skip-big]

(a) growth: a store of N issues (default 100,000; 1.5 links an issue) after
    P (default 30) imports through the history's recording path (the same
    triggers and point recording as a fetch), each changing the state or
    the due date of 1% of the issues and adding or removing links on 0.5%;
    sized after VACUUM, against a store of the final snapshot alone (no
    deltas). Target: at most +25%.
(b) `changes --format json` at BIG issues (default 1,000,000) with P
    points. Target: <= 3 s.
(c) `check --fail-on new-knots` at BIG issues. Target: <= 3 s.

For (b) and (c) the store is imported once, then each point's changes are
written with SQL straight into the tables (the schema's triggers record
them as they record a fetch) and the point is closed in SQL as
store_history_record() does (renumbering the open point's rows): 30
imports of 1M issues would take longer than the benchmark itself.

Every time is the median of 3 runs. IG_BIN: the binary (default
build/cli/issuegraph); OUT: work directory (default bench/out).
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("IG_BIN") or os.path.join(ROOT, "build", "cli", "issuegraph")
OUT = os.environ.get("OUT") or os.path.join(ROOT, "bench", "out")
PENDING = 9223372036854775807


def run(args, db, ok=(0,)):
    t = time.monotonic()
    p = subprocess.run([BIN, "--db", db] + args, capture_output=True, text=True)
    dt = time.monotonic() - t
    if p.returncode not in ok:
        sys.exit("bench: issuegraph %s exited %d: %s" % (" ".join(args), p.returncode,
                                                           p.stderr.strip()))
    return dt, p


def snapshot(n, links, path):
    if not os.path.exists(path):
        print("generating %d issues, %d links ..." % (n, links), file=sys.stderr)
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "gen_snapshot.py"),
                        str(n), str(links), path], check=True)
    with open(path) as f:
        return json.load(f)


def vacuum_size(db):
    v = db + ".vacuum"
    if os.path.exists(v):
        os.unlink(v)
    c = sqlite3.connect(db)
    c.execute("VACUUM INTO ?", (v,))
    c.close()
    size = os.path.getsize(v)
    os.unlink(v)
    return size


def mutate(snap, rnd, next_link):
    """One fetch's worth: state or due date of 1% of issues, links added or
    removed on 0.5% (half each)."""
    issues = snap["issues"]
    n = len(issues)
    for i in rnd.sample(range(n), max(1, n // 100)):
        it = issues[i]
        if rnd.random() < 0.5:
            if it["state"] == "opened":
                it["state"], it["closed_at"] = "closed", it["updated_at"]
            else:
                it["state"], it["closed_at"] = "opened", None
        else:
            it["due_date"] = "2027-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28))
    k = max(1, n // 200)
    links = snap["links"]
    for j in sorted(rnd.sample(range(len(links)), k // 2), reverse=True):
        links.pop(j)
    for _ in range(k - k // 2):
        a, b = rnd.sample(range(n), 2)
        links.append({"id": next_link, "source_issue_id": issues[a]["id"],
                      "target_issue_id": issues[b]["id"], "link_type": "blocks"})
        next_link += 1
    return next_link


def growth(n, points):
    d = os.path.join(OUT, "history")
    os.makedirs(d, exist_ok=True)
    snap = snapshot(n, n * 3 // 2, os.path.join(OUT, "hist-snap-%d.json" % n))
    rnd = random.Random(7)
    next_link = max(l["id"] for l in snap["links"]) + 1
    db = os.path.join(d, "growth.db")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    cur = os.path.join(d, "cur.json")
    times = []
    for r in range(points + 1):
        if r:
            next_link = mutate(snap, rnd, next_link)
        with open(cur, "w") as f:
            json.dump(snap, f)
        dt, _ = run(["import", cur], db)
        if r:
            times.append(dt)
    with_h = vacuum_size(db)
    c = sqlite3.connect(db)
    pts, deltas = c.execute("SELECT (SELECT count(*) FROM hist_point), (SELECT count(*) FROM "
                            "hist_issue) + (SELECT count(*) FROM hist_link)").fetchone()
    c.close()
    bare = os.path.join(d, "bare.db")
    for f in (bare, bare + "-wal", bare + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    run(["import", cur], bare)
    without = vacuum_size(bare)
    print("(a) growth: %d issues, %d imports: %d points kept, %d delta rows; after VACUUM "
          "%.1f MB with history, %.1f MB without: %+.1f%% (target <= +25%%); import with "
          "history recording: median %.2f s" %
          (n, points, pts, deltas, with_h / 1e6, without / 1e6,
           100.0 * (with_h - without) / without, statistics.median(times)))


def big(n, points):
    d = os.path.join(OUT, "history")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(OUT, "hist-snap-%d.json" % n)
    if not os.path.exists(path):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "gen_snapshot.py"),
                        str(n), str(n * 3 // 2), path], check=True)
    db = os.path.join(d, "big.db")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    dt, _ = run(["import", path], db)
    print("    import of %d issues: %.1f s" % (n, dt), file=sys.stderr)
    c = sqlite3.connect(db)
    c.execute("PRAGMA foreign_keys=ON")
    ids = [r[0] for r in c.execute("SELECT id FROM issues")]
    next_link = c.execute("SELECT max(id) FROM links").fetchone()[0] + 1
    rnd = random.Random(11)
    for p in range(2, points + 1):
        c.execute("BEGIN")
        for i in rnd.sample(ids, n // 100):
            if rnd.random() < 0.5:
                c.execute("UPDATE issues SET state = 1 - state WHERE id = ?", (i,))
            else:
                c.execute("UPDATE issues SET due_date = ? WHERE id = ?",
                          ("2027-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28)), i))
        k = n // 200
        gone = [r[0] for r in c.execute("SELECT id FROM links ORDER BY random() LIMIT ?",
                                        (k // 2,))]
        c.executemany("DELETE FROM links WHERE id = ?", [(x,) for x in gone])
        for _ in range(k - k // 2):
            a, b = rnd.sample(ids, 2)
            c.execute("INSERT INTO links(id, source_id, target_id, type) VALUES(?, ?, ?, 1)",
                      (next_link, a, b))
            next_link += 1
        # close the point as store_history_record() does
        for t in ("hist_issue", "hist_link", "hist_text"):
            c.execute("UPDATE %s SET point = ? WHERE point = ?" % t, (p, PENDING))
        c.execute("INSERT INTO hist_point(id, at, kind, config, baseline) VALUES(?, ?, 'fetch', "
                  "NULL, 0)", (p, "2026-11-%02dT02:00:00Z" % p))
        c.execute("COMMIT")
    c.close()
    ch = [run(["changes", "--format", "json", "-o", os.devnull], db)[0] for _ in range(3)]
    ck = [run(["check", "--fail-on", "new-knots", "-q"], db, ok=(0, 1))[0] for _ in range(3)]
    print("(b) changes --format json, %d issues, %d points: median %.2f s (target <= 3 s)" %
          (n, points, statistics.median(ch)))
    print("(c) check --fail-on new-knots, %d issues: median %.2f s (target <= 3 s)" %
          (n, statistics.median(ck)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=100000)
    ap.add_argument("--big", type=int, default=1000000)
    ap.add_argument("--points", type=int, default=30)
    ap.add_argument("--skip-growth", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    a = ap.parse_args()
    if not os.access(BIN, os.X_OK):
        sys.exit("bench: no binary at %s (set IG_BIN)" % BIN)
    os.makedirs(OUT, exist_ok=True)
    if not a.skip_growth:
        growth(a.issues, a.points)
    if not a.skip_big:
        big(a.big, a.points)


if __name__ == "__main__":
    main()
