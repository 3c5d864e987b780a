#!/usr/bin/env python3
"""The graph image through the real binary: the first analysis leaves one
in the store, later ones read it and answer the same; an import of other
data drops it (the answer is the new data's, as on a fresh store); an
image damaged inside the store (bytes rewritten, truncated, another
store's) is not trusted and the answer stays right; a store opened from a
read-only directory still answers. Each answer is compared with the same
command on a fresh store of the same snapshot."""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN = os.environ.get("IG_BIN", "issuegraph")
SRC = os.environ.get("IG_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
COMMANDS = [["cycles", "--format", "json"], ["path", "--format", "json"],
            ["order", "--format", "json"], ["check"], ["cycles", "--all-states", "--format", "json"],
            ["ready", "--format", "json", "--deps", "links"]]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(db, *args):
    p = subprocess.run([BIN, "--db", db, *args], capture_output=True, text=True, timeout=120)
    if p.returncode not in (0, 1):
        raise SystemExit(f"issuegraph {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return (p.returncode, p.stdout)


def answers(db):
    return [run(db, *c) for c in COMMANDS]


def image(db):
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT stamp, data FROM graph_image").fetchone()
    finally:
        con.close()
    return row


def sql(db, stmt, *params):
    con = sqlite3.connect(db)
    con.execute(stmt, params)
    con.commit()
    con.close()


def fresh_answers(tmp, snap, name):
    db = os.path.join(tmp, name + ".db")
    run(db, "import", "-q", snap)
    return answers(db)


def changed_snapshot(base, rng):
    """base with a ring of blocking links added over random issues and a
    few issues closed: other knots, other paths."""
    s = json.loads(json.dumps(base))
    ids = [i["id"] for i in s["issues"]]
    ring = rng.sample(ids, min(4, len(ids)))
    next_id = max([l["id"] for l in s["links"]] + [0]) + 1
    for a, b in zip(ring, ring[1:] + ring[:1]):
        s["links"].append({"id": next_id, "source_issue_id": a, "target_issue_id": b,
                           "link_type": "blocks"})
        next_id += 1
    for i in rng.sample(s["issues"], max(1, len(ids) // 5)):
        i["state"] = "closed" if i.get("state") == "opened" else "opened"
    return s


def main():
    rng = random.Random(20261129)
    with open(os.path.join(SRC, "examples", "example.json")) as f:
        base = json.load(f)
    with tempfile.TemporaryDirectory() as tmp:
        snap_a = os.path.join(tmp, "a.json")
        with open(snap_a, "w") as f:
            json.dump(base, f)
        snap_b = os.path.join(tmp, "b.json")
        with open(snap_b, "w") as f:
            json.dump(changed_snapshot(base, rng), f)
        want_a = fresh_answers(tmp, snap_a, "fresh_a")
        want_b = fresh_answers(tmp, snap_b, "fresh_b")
        check(want_a != want_b, "the changed snapshot changes some answer (else this test proves nothing)")

        db = os.path.join(tmp, "s.db")
        run(db, "import", "-q", snap_a)
        check(image(db) is None, "no image right after import")
        got = answers(db)
        check(got == want_a, "first analysis (builds the image) answers as a fresh store")
        img = image(db)
        check(img is not None, "the first analysis leaves an image")
        check(answers(db) == want_a, "analyses reading the image answer the same")

        # damaged in place: the stamp still matches, the bytes do not
        stamp, data = img
        damaged = [bytes(len(data)), data[: len(data) // 2], data + b"\0" * 8,
                   bytes(b ^ 0xFF if k % 97 == 5 else b for k, b in enumerate(data))]
        for k, bad in enumerate(damaged):
            sql(db, "UPDATE graph_image SET data = ?", bad)
            check(answers(db) == want_a, f"damaged image {k}: the answer is still right")
            check(image(db) is not None and image(db)[1] == data,
                  f"damaged image {k}: rebuilt by the next analysis")

        # an import of other data drops the image; answers are the new data's
        run(db, "import", "-q", snap_b)
        check(image(db) is None, "an import drops the image")
        check(answers(db) == want_b, "after a re-import: answers of the new data")
        img_b = image(db)
        check(img_b is not None and img_b[0] != stamp, "a new image with a new stamp")

        # a foreign image: store A's row planted into store B
        sql(db, "UPDATE graph_image SET stamp = ?, data = ?", stamp, data)
        check(answers(db) == want_b, "another store's image is not used")

        # a write by hand (any writer) drops it too
        run(db, "cycles")
        sql(db, "UPDATE issues SET state = 1 - state WHERE id = (SELECT min(id) FROM issues)")
        check(image(db) is None, "an UPDATE of issues by hand drops the image")

        # a read-only copy (directory and file) still answers
        ro = os.path.join(tmp, "ro")
        os.mkdir(ro)
        shutil.copy(os.path.join(tmp, "fresh_b.db"), os.path.join(ro, "s.db"))
        os.chmod(os.path.join(ro, "s.db"), 0o444)
        os.chmod(ro, 0o555)
        try:
            if os.access(ro, os.W_OK):
                print("read-only case skipped (running as root)")
            else:
                check(answers(os.path.join(ro, "s.db")) == want_b, "a read-only store answers")
        finally:
            os.chmod(ro, 0o755)

    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
