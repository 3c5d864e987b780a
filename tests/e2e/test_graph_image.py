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

import igtest

COMMANDS = [["cycles", "--format", "json"], ["path", "--format", "json"],
            ["order", "--format", "json"], ["check"], ["cycles", "--all-states", "--format", "json"],
            ["ready", "--format", "json", "--deps", "links"]]


def run(db, *args):
    """(exit code, stdout) of a run that must exit 0 or 1 (check's findings)."""
    p = igtest.ig(db, *args, timeout=120)
    if p.returncode not in (0, 1):
        raise igtest.Failed(f"issuegraph {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return (p.returncode, p.stdout)


def answers(db):
    return [run(db, *c) for c in COMMANDS]


def image(db):
    """The store's graph_image row (stamp, data), or None."""
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


class Snapshots:
    """Class set-up shared by the classes here: snapshot A (the example) and
    B (A changed), and the answers of fresh stores of each (fresh_a.db,
    fresh_b.db in cls.class_dir)."""

    @classmethod
    def setUpClass(cls):
        # (cls.class_dir: each case's own self.dir shadows cls.dir)
        tmp = cls.class_dir = cls.make_class_dir()
        rng = random.Random(20261129)
        base = igtest.read_json(igtest.EXAMPLE)
        cls.snap_a = igtest.write_json(os.path.join(tmp, "a.json"), base)
        cls.snap_b = igtest.write_json(os.path.join(tmp, "b.json"), changed_snapshot(base, rng))
        cls.want_a = fresh_answers(tmp, cls.snap_a, "fresh_a")
        cls.want_b = fresh_answers(tmp, cls.snap_b, "fresh_b")


class FreshStores(Snapshots, igtest.TestCase, igtest.ClassDir):
    """Cases on the fresh stores alone."""

    def test_the_changed_snapshot_changes_some_answer(self):
        # else the cases comparing A's and B's answers prove nothing
        self.assertNotEqual(self.want_a, self.want_b)

    def test_a_read_only_store_answers(self):
        ro = self.path("ro")
        os.mkdir(ro)
        shutil.copy(os.path.join(self.class_dir, "fresh_b.db"), os.path.join(ro, "s.db"))
        os.chmod(os.path.join(ro, "s.db"), 0o444)
        os.chmod(ro, 0o555)
        self.addCleanup(os.chmod, ro, 0o755)
        if os.access(ro, os.W_OK):
            self.skipTest("running as root: the directory stays writable")
        self.assertEqual(answers(os.path.join(ro, "s.db")), self.want_b)


class ImageLifecycle(Snapshots, igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """One store through the image's life, in order: imported from A,
    analysed, its image damaged, re-imported from B, a foreign image
    planted, written by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.store = os.path.join(cls.class_dir, "s.db")

    def test_01_no_image_right_after_import(self):
        run(self.store, "import", "-q", self.snap_a)
        self.assertIsNone(image(self.store))

    def test_02_first_analysis_answers_as_a_fresh_store(self):
        # this analysis builds the image
        self.assertEqual(answers(self.store), self.want_a)

    def test_03_the_first_analysis_leaves_an_image(self):
        img = image(self.store)
        self.assertIsNotNone(img)
        type(self).stamp, type(self).data = img

    def test_04_analyses_reading_the_image_answer_the_same(self):
        self.assertEqual(answers(self.store), self.want_a)

    def test_05_a_damaged_image_is_not_trusted_and_is_rebuilt(self):
        # damaged in place: the stamp still matches, the bytes do not
        data = self.data
        damaged = [("zeroed", bytes(len(data))),
                   ("truncated", data[: len(data) // 2]),
                   ("extended", data + b"\0" * 8),
                   ("bits flipped", bytes(b ^ 0xFF if k % 97 == 5 else b
                                          for k, b in enumerate(data)))]
        for k, (kind, bad) in enumerate(damaged):
            sql(self.store, "UPDATE graph_image SET data = ?", bad)
            with self.subTest(damage=kind, k=k, check="the answer is still right"):
                self.assertEqual(answers(self.store), self.want_a)
            with self.subTest(damage=kind, k=k, check="rebuilt by the next analysis"):
                img = image(self.store)
                self.assertTrue(img is not None and img[1] == data)

    def test_06_an_import_of_other_data_drops_the_image(self):
        run(self.store, "import", "-q", self.snap_b)
        self.assertIsNone(image(self.store))

    def test_07_after_a_reimport_the_answers_are_the_new_datas(self):
        self.assertEqual(answers(self.store), self.want_b)

    def test_08_a_new_image_with_a_new_stamp(self):
        img_b = image(self.store)
        self.assertIsNotNone(img_b)
        self.assertNotEqual(img_b[0], self.stamp)

    def test_09_another_stores_image_is_not_used(self):
        # a foreign image: store A's row planted into store B
        sql(self.store, "UPDATE graph_image SET stamp = ?, data = ?", self.stamp, self.data)
        self.assertEqual(answers(self.store), self.want_b)

    def test_10_an_update_of_issues_by_hand_drops_the_image(self):
        # a write by hand (any writer) drops it too
        run(self.store, "cycles")
        sql(self.store, "UPDATE issues SET state = 1 - state WHERE id = (SELECT min(id) FROM issues)")
        self.assertIsNone(image(self.store))


if __name__ == "__main__":
    igtest.main()
