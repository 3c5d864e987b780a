"""kill -9 at seeded random moments (and inside a write transaction, through
the ISSUEGRAPH_TEST_KILL_AT_COMMIT hook: SIGKILL right before the COMMIT of
the Nth unit), then fetch again: the same data as an uninterrupted crawl,
with fewer requests than starting over."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (BIN, TOKEN, ServerProcess, chain_snapshot, check, expected,  # noqa
                           readable, reset_stats, run, same_as, stats, write_snapshot)
import igtest  # noqa: E402

SEED = 20261124


def env():
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "ISSUEGRAPH_"))}
    e["GITLAB_TOKEN"] = TOKEN
    return e


def expanded(db):
    """How many issues' links the killed run had read and committed."""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        n = con.execute("SELECT count(*) FROM crawl_issues WHERE expanded").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def fewer(again, fresh, db):
    """Resuming never costs more than starting over, and costs less once the
    killed run had read some issue's links. (Before that, what it saved, a
    listing page, can be spent again: descriptions are never stored, so a
    resumed run reads the pending issues' descriptions again in one iids[]
    batch per project.)"""
    return again < fresh if expanded(db) > 0 else again <= fresh


def has_progress(db):
    """Did the killed run commit work beyond the start of a run (a page of
    issues, a link list)?"""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        row = con.execute("SELECT value FROM meta WHERE key = 'fetch.completed'").fetchone()
        n = con.execute("SELECT count(*) FROM crawl_issues").fetchone()[0]
        con.close()
        return row is not None and row[0] == "0" and n > 0
    except sqlite3.Error:
        return False


class FetchResume(igtest.TestCase, igtest.ClassDir):
    """One server and one uninterrupted reference crawl for the class; the
    random kill moments are drawn from SEED in a fixed order."""

    @classmethod
    def setUpClass(cls):
        d = cls.make_class_dir()
        snapfile = write_snapshot(chain_snapshot(30), d)
        cls.srv = srv = ServerProcess(snapfile, "--token", TOKEN, "--latency-ms", "15",
                                      "--private", "secret/hidden")
        cls.addClassCleanup(srv.stop)
        snap = readable(srv)
        cls.exp = expected(snap, seed_projects=[p["path_with_namespace"] for p in snap["projects"]
                                                if p["path_with_namespace"].startswith("chain/")])
        cls.args = ["fetch", "--url", srv.url, "--group", "chain", "--jobs", "2", "--no-progress"]
        # an uninterrupted crawl: the reference
        reset_stats(srv)
        t0 = time.monotonic()
        cls.ref_rc, out, err = run(cls.args, os.path.join(d, "ref.db"))
        took = time.monotonic() - t0
        cls.fresh = stats(srv)["requests"]
        rng = random.Random(SEED)
        cls.delays = [rng.uniform(0.1, max(0.2, took * 0.9)) for _k in range(5)]
        cls.repeat_at = [rng.randint(5, 30) for _k in range(3)]

    def test_1_reference_crawl_is_complete(self):
        check(self.ref_rc == 0, "reference crawl exits 0")
        same_as(os.path.join(type(self).dir, "ref.db"), self.exp, "reference crawl is complete")

    def test_2_kill_9_at_random_moments_then_resume(self):
        # kill -9 at random moments, each on its own store, then resume
        srv, args, exp, fresh = self.srv, self.args, self.exp, self.fresh
        for k, delay in enumerate(self.delays):
            with self.subTest(kill=k, delay="%.2f s" % delay):
                db = self.path("kill%d.db" % k)
                p = subprocess.Popen([BIN, "--db", db] + args, env=env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(delay)
                p.send_signal(signal.SIGKILL)
                p.wait()
                time.sleep(0.3)  # let the server finish answering the dead client
                progressed = has_progress(db)
                reset_stats(srv)
                rc, out, err = run(args, db)
                again = stats(srv)["requests"]
                check(rc == 0, "kill %d at %.2f s: the next fetch exits 0 (%s)" %
                      (k, delay, err.strip()))
                same_as(db, exp, "kill %d: the store equals an uninterrupted crawl" % k)
                if progressed:
                    check("resumed" in err and fewer(again, fresh, db),
                          "kill %d: resumed with fewer requests (%d vs %d)" % (k, again, fresh))

    def test_3_kill_inside_a_write_transaction_then_resume(self):
        # SIGKILL right before the Nth COMMIT
        srv, args, exp, fresh = self.srv, self.args, self.exp, self.fresh
        for n in (1, 2, 9, 40, 95):
            with self.subTest(commit=n):
                db = self.path("commit%d.db" % n)
                rc, out, err = run(args, db, env={"ISSUEGRAPH_TEST_KILL_AT_COMMIT": str(n)})
                check(rc == -signal.SIGKILL, "commit hook %d: the fetch was killed (%d)" % (n, rc))
                reset_stats(srv)
                rc, out, err = run(args, db)
                again = stats(srv)["requests"]
                check(rc == 0, "commit hook %d: the next fetch exits 0 (%s)" % (n, err.strip()))
                same_as(db, exp, "commit hook %d: the store equals an uninterrupted crawl" % n)
                if n > 1:
                    check(fewer(again, fresh, db),
                          "commit hook %d: fewer requests (%d vs %d)" % (n, again, fresh))

    def test_4_killed_again_and_again_on_one_store(self):
        srv, args, exp, fresh = self.srv, self.args, self.exp, self.fresh
        db = self.path("repeat.db")
        for at in self.repeat_at:
            rc, out, err = run(args, db, env={"ISSUEGRAPH_TEST_KILL_AT_COMMIT": str(at)})
        reset_stats(srv)
        rc, out, err = run(args, db)
        check(rc == 0, "repeated kills: the last fetch exits 0")
        same_as(db, exp, "repeated kills: the store equals an uninterrupted crawl")
        check(stats(srv)["requests"] < fresh, "repeated kills: fewer requests than starting over")


if __name__ == "__main__":
    igtest.main()
