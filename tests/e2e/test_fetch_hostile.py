"""A hostile server (or the proxy in front of it) or a tampered store cannot
leak the token or hang or flood fetch: a rel="next" naming another origin is
used for its path and query only (the other listener gets nothing), one
outside the API prefix or with /../ exits 3, and so does a frontier URL
edited in the store; a proxy from the environment is never used for a
loopback instance; paging ends whatever Link and X-Page say; a bad
updated_at is refused before it reaches the frontier; huge bodies shrink
per_page or exit 3 with memory bounded."""
import os
import resource
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (TOKEN, ServerProcess, big_snapshot, check, expected, finish,  # noqa
                           readable, run, same_as, stats, tmpdir, write_snapshot)
import igtest  # noqa: E402

d = tmpdir()
snapfile = write_snapshot(big_snapshot(450), d)
SEED = ["--project", "big/proj"]


def sql(db, statement):
    """Edit the store with the sqlite3 CLI (as a user or an attacker could)."""
    p = subprocess.run(["sqlite3", db, statement], capture_output=True, text=True)
    check(p.returncode == 0, "sqlite3 %r (%s)" % (statement[:60], p.stderr.strip()))
    return p.stdout


class FetchHostile(igtest.TestCase):
    def test_01_rel_next_to_another_origin_is_used_for_path_only(self):
        # 1. rel="next" naming another port: path and query go to the instance, the
        #    other listener (which would log the token header) receives nothing
        with ServerProcess(snapfile, "--token", TOKEN, "--log", os.path.join(d, "other.log")) as other:
            with ServerProcess(snapfile, "--token", TOKEN, "--hostile-link-origin", other.url) as srv:
                exp = expected(readable(srv), seed_projects=["big/proj"])
                db = os.path.join(d, "origin.db")
                rc, out, err = run(["fetch", "--url", srv.url] + SEED, db)
                check(rc == 0, "next link on another port: the crawl goes on at the instance (%d: %s)"
                      % (rc, err.strip()))
                same_as(db, exp, "next link on another port: the crawl is complete")
                check(TOKEN not in out + err, "next link on another port: the token is not printed")

                # 2. a frontier URL pointing elsewhere (edited in the store): the
                #    resumed request goes to the instance too
                sql(db, "UPDATE meta SET value = '0' WHERE key = 'fetch.completed'; "
                    "UPDATE crawl_projects SET list_done = 0, list_next = "
                    "'%s/api/v4/projects/1/issues?order_by=updated_at&sort=asc&per_page=100"
                    "&state=all&page=3' WHERE is_seed = 1" % other.url)
                rc, out, err = run(["fetch", "--url", srv.url] + SEED, db)
                check(rc == 0, "frontier URL on another port: resumed at the instance (%d: %s)"
                      % (rc, err.strip()))
                same_as(db, exp, "frontier URL on another port: the store is complete")
                sql(db, "UPDATE meta SET value = '0' WHERE key = 'fetch.completed'; "
                    "UPDATE crawl_projects SET list_done = 0, list_next = "
                    "'%s/api/v4/../admin/users?page=3' WHERE is_seed = 1" % srv.url)
                before = stats(srv)["requests"]
                rc, out, err = run(["fetch", "--url", srv.url] + SEED, db)
                check(rc == 3 and "outside" in err,
                      "frontier URL outside the API: exits 3 (%d: %s)" % (rc, err.strip()))
                check(stats(srv)["requests"] == before, "frontier URL outside the API: nothing sent")
            olog = open(os.path.join(d, "other.log")).read()
            check(olog == "" and stats(other)["requests"] == 0,
                  "the other port received nothing (%r)" % olog[:200])

    def test_03_next_links_outside_the_api_exit_3(self):
        # 3. next links outside the API prefix, or with /../: exit 3
        for mode in ("dotdot", "outside"):
            with ServerProcess(snapfile, "--token", TOKEN, "--hostile-link", mode) as srv:
                rc, out, err = run(["fetch", "--url", srv.url] + SEED, os.path.join(d, mode + ".db"))
                check(rc == 3 and "outside" in err and "refused" in err,
                      "next link %s: exits 3 (%d: %s)" % (mode, rc, err.strip()))

    def test_05_paging_ends_whatever_link_and_x_page_say(self):
        # 5. paging bounds: whatever Link and X-Page say, the listing ends
        def run_bounded(args, db, env=None):
            try:
                return run(args, db, env=env, timeout=60)
            except subprocess.TimeoutExpired:
                return -1, "", "timed out: the listing did not end"

        small = {"ISSUEGRAPH_TEST_MAX_OFFSET": "300"}
        with ServerProcess(snapfile, "--token", TOKEN, "--hostile-x-page", "9223372036854775807") as srv:
            exp = expected(readable(srv), seed_projects=["big/proj"])
            db = os.path.join(d, "xpage.db")
            rc, out, err = run_bounded(["fetch", "--url", srv.url] + SEED, db, env=small)
            check(rc == 0, "X-Page: 2^63-1: the listing goes on past the offset limit (%d: %s)"
                  % (rc, err.strip()))
            same_as(db, exp, "X-Page: 2^63-1: the crawl is complete")
        for mode, xpage, want in (("loop", None, "repeats"), ("endless", "1", "cannot page on"),
                                  ("endless", None, "cannot page on"), ("longurl", None, "bytes long")):
            args = ["--token", TOKEN, "--hostile-link", mode]
            if xpage:
                args += ["--hostile-x-page", xpage]
            with ServerProcess(snapfile, *args) as srv:
                db = os.path.join(d, "page-%s-%s.db" % (mode, xpage))
                rc, out, err = run_bounded(["fetch", "--url", srv.url] + SEED, db, env=small)
                check(rc == 3 and want in err, "next link %s (X-Page %s): exits 3 with %r (%d: %s)"
                      % (mode, xpage, want, rc, err.strip()[:300]))
                check(stats(srv)["by_kind"].get("issues_list", 0) < 40,
                      "next link %s: a bounded number of pages read (%d)"
                      % (mode, stats(srv)["by_kind"].get("issues_list", 0)))
                longest = sql(db, "SELECT max(length(list_next)) FROM crawl_projects").strip()
                check(longest in ("", "0") or int(longest) <= 8192,
                      "next link %s: no unusable next position stored (%s)" % (mode, longest))

        # a group listing whose next links never end
        example = os.path.join(igtest.SRC, "examples", "example.json")
        for mode in ("endless",):
            with ServerProcess(example, "--token", TOKEN, "--hostile-link", mode) as srv:
                rc, out, err = run_bounded(["fetch", "--url", srv.url, "--group", "acme"],
                                           os.path.join(d, "group-%s.db" % mode))
                check(rc == 3 and "--group acme" in err and "do not end" in err,
                      "group listing, next link %s: exits 3 (%d: %s)" % (mode, rc, err.strip()[:300]))

        # a very long or malformed updated_at is refused before it reaches the frontier
        for bad in ("2026-01-01T00:00:00." + "9" * 5000 + "Z", "not-a-time&state=opened"):
            with ServerProcess(snapfile, "--token", TOKEN, "--hostile-updated-at", bad) as srv:
                db = os.path.join(d, "upd.db")
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db + suffix):
                        os.unlink(db + suffix)
                rc, out, err = run_bounded(["fetch", "--url", srv.url] + SEED, db, env=small)
                check(rc == 3 and "RFC 3339" in err and len(err) < 1000,
                      "updated_at %r: exits 3, message bounded (%d: %s)" % (bad[:30], rc, err.strip()[:200]))
                kept = sql(db, "SELECT count(*) FROM crawl_projects WHERE list_updated_after = '%s'"
                           % bad.replace("'", "''")).strip()
                check(kept == "0", "updated_at %r: not in the frontier (%s)" % (bad[:30], kept))
        # a frontier whose updated_after was edited to something unusable: exit 3, nothing sent
        with ServerProcess(snapfile, "--token", TOKEN) as srv:
            db = os.path.join(d, "frontier-after.db")
            rc, out, err = run(["fetch", "--url", srv.url] + SEED, db)
            sql(db, "UPDATE meta SET value = '0' WHERE key = 'fetch.completed'; "
                "UPDATE crawl_projects SET list_done = 0, list_next = NULL, list_updated_after = '%s' "
                "WHERE is_seed = 1" % ("x" * 5000))
            before = stats(srv)["requests"]
            rc, out, err = run_bounded(["fetch", "--url", srv.url] + SEED, db)
            check(rc == 3 and "--full" in err, "frontier updated_after unusable: exits 3 naming --full "
                  "(%d: %s)" % (rc, err.strip()[:200]))
            check(stats(srv)["requests"] == before, "frontier updated_after unusable: nothing sent")
            rc, out, err = run(["fetch", "--url", srv.url, "--full"] + SEED, db)
            check(rc == 0, "then fetch --full repairs it (%d: %s)" % (rc, err.strip()[:200]))

    def test_06_bounded_memory_whatever_the_server_sends(self):
        # 6. bounded memory whatever the server sends (peak RSS of the fetch process,
        #    measured by a wrapper with getrusage(RUSAGE_CHILDREN))
        RSS_WRAPPER = ("import resource, subprocess, sys\n"
                       "p = subprocess.run(sys.argv[1:])\n"
                       "sys.stderr.write('maxrss_kib=%d\\n' % "
                       "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                       "sys.exit(p.returncode)\n")

        # ASan's shadow memory and quarantine: a looser bound under the sanitizers
        RSS_MAX = 400 if os.environ.get("IG_SANITIZED") else 100

        def run_rss(args, db, env):
            e = {k: v for k, v in os.environ.items()
                 if not k.startswith(("GITLAB_", "ISSUEGRAPH_", "CI_"))}
            e["GITLAB_TOKEN"] = TOKEN
            e.update(env)
            from fetch_testlib import BIN
            p = subprocess.run(["/usr/bin/python3", "-c", RSS_WRAPPER, BIN, "--db", db] + args, env=e,
                               capture_output=True, text=True, timeout=300)
            rss = [int(ln.split("=")[1]) for ln in p.stderr.splitlines() if ln.startswith("maxrss_kib=")]
            return p.returncode, p.stderr, (rss[0] if rss else -1) // 1024

        # a listing page over the per-body cap is asked again with a smaller per_page
        with ServerProcess(snapfile, "--token", TOKEN, "--huge-body-mb", "3", "--huge-above", "25") as srv:
            exp = expected(readable(srv), seed_projects=["big/proj"])
            db = os.path.join(d, "huge-list.db")
            rc, err, rss = run_rss(["fetch", "--url", srv.url] + SEED, db,
                                   {"ISSUEGRAPH_TEST_BODY_CAP": str(1 << 20)})
            check(rc == 0, "huge listing pages: per_page shrinks until they fit (%d: %s)"
                  % (rc, err.strip()[-300:]))
            same_as(db, exp, "huge listing pages: the crawl is complete")
            check(0 < rss < RSS_MAX, "huge listing pages: peak RSS %d MiB (< %d)" % (rss, RSS_MAX))
            check(stats(srv)["by_status"].get("huge", 0) == 2,
                  "huge listing pages: asked at 100 and 50, then 25 (%s)" % stats(srv)["by_status"])

        # a link list over the cap fails with a clear message; one whose JSON tree
        # would be huge ([[],[],...] under the cap) too, before json-c builds it
        for mb, cap, want in (("8", str(2 << 20), "larger than 2 MiB"),
                              ("4", str(32 << 20), "arrays and objects")):
            with ServerProcess(snapfile, "--token", TOKEN, "--huge-body-mb", mb,
                               "--huge-kinds", "links") as srv:
                db = os.path.join(d, "huge-links-%s.db" % mb)
                rc, err, rss = run_rss(["fetch", "--url", srv.url] + SEED, db,
                                       {"ISSUEGRAPH_TEST_BODY_CAP": cap})
                check(rc == 3 and want in err, "huge link list (%s MiB): exits 3 saying %r (%d: %s)"
                      % (mb, want, rc, err.strip()[-300:]))
                check(0 < rss < RSS_MAX, "huge link list (%s MiB): peak RSS %d MiB (< %d)"
                      % (mb, rss, RSS_MAX))

        # a tiny budget for all buffered bodies: transfers wait their turn, the
        # crawl still completes
        with ServerProcess(snapfile, "--token", TOKEN) as srv:
            exp = expected(readable(srv), seed_projects=["big/proj"])
            db = os.path.join(d, "budget.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--jobs", "16"] + SEED, db,
                               env={"ISSUEGRAPH_TEST_BODY_BUDGET": str(40000)})
            check(rc == 0, "a small body budget: the crawl completes (%d: %s)" % (rc, err.strip()))
            same_as(db, exp, "a small body budget: the store is complete")

    def test_04_no_proxy_for_a_loopback_instance(self):
        # 4. a proxy from the environment is never used for a loopback instance
        class Recorder:
            """A listener that records connections (a proxy that must stay unused)."""

            def __init__(self):
                self.sock = socket.socket()
                self.sock.bind(("127.0.0.1", 0))
                self.sock.listen(16)
                self.port = self.sock.getsockname()[1]
                self.connections = 0
                self.stop = False
                threading.Thread(target=self._loop, daemon=True).start()

            def _loop(self):
                while not self.stop:
                    try:
                        c, _ = self.sock.accept()
                    except OSError:
                        return
                    self.connections += 1
                    c.close()

            def close(self):
                self.stop = True
                self.sock.close()

        proxy = Recorder()
        purl = "http://127.0.0.1:%d" % proxy.port
        penv = {"http_proxy": purl, "HTTP_PROXY": purl, "https_proxy": purl, "HTTPS_PROXY": purl,
                "ALL_PROXY": purl, "all_proxy": purl}
        for k in ("no_proxy", "NO_PROXY"):
            os.environ.pop(k, None)
        with ServerProcess(snapfile, "--token", TOKEN) as srv:
            exp = expected(readable(srv), seed_projects=["big/proj"])
            for host in ("127.0.0.1", "localhost"):
                db = os.path.join(d, "proxy-%s.db" % host)
                url = "http://%s:%d" % (host, srv.port)
                rc, out, err = run(["fetch", "--url", url, "--retries", "1"] + SEED, db, env=penv)
                check(rc == 0, "proxy in the environment, %s instance: fetch works (%d: %s)"
                      % (host, rc, err.strip()))
            check(proxy.connections == 0,
                  "the proxy saw no connection for a loopback instance (%d)" % proxy.connections)
        proxy.close()


if __name__ == "__main__":
    igtest.main()
