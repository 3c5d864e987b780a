"""The token stays secret and the credential rules hold: never in any output
(also with -v), never in the database file, never sent to a redirect target
on another port; no token, or only $CI_JOB_TOKEN, exits 3 before anything
is sent; plain http to a non-loopback host exits 3 before connecting; the
token sources (file, GITLAB_TOKEN, OAUTH_TOKEN as Bearer) work; a store
holding another instance, or locked by another process, exits 4."""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (SRC, TOKEN, ServerProcess, check, expected, finish, readable,  # noqa
                           run, same_as, stats, tmpdir)
import igtest  # noqa: E402

d = tmpdir()
example = os.path.join(SRC, "examples", "example.json")


def acme(snap):
    return expected(snap, seed_projects=[p["path_with_namespace"] for p in snap["projects"]
                                         if p["path_with_namespace"].startswith("acme/")])


class TokenAndStore(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """One server for the class; the stages share the store of stage 1."""

    @classmethod
    def setUpClass(cls):
        cls.srv = ServerProcess(example, "--token", TOKEN, "--log", os.path.join(d, "a.log"))
        cls.addClassCleanup(cls.srv.stop)
        cls.snap = readable(cls.srv)
        cls.db = os.path.join(d, "v.db")

    def test_1_verbose_never_prints_or_stores_the_token(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 1. -v: one line per request, never the token or a header
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme", "-v"], db)
        check(rc == 0, "verbose: exits 0")
        lines = [ln for ln in err.splitlines() if ln.startswith("GET /api/v4/")]
        check(len(lines) == stats(srv)["requests"], "verbose: one log line per request (%d)"
              % len(lines))
        check(TOKEN not in out + err, "verbose: the token is in no output")
        check("private-token" not in err.lower() and "authorization" not in err.lower(),
              "verbose: no request header is printed")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(db + suffix):
                data = open(db + suffix, "rb").read()
                check(TOKEN.encode() not in data, "the token is not in %s" % os.path.basename(db + suffix))
        check(not os.path.exists(db + "-wal") or os.path.getsize(db + "-wal") == 0,
              "the store is one self-contained file after fetch")
        same_as(db, acme(snap), "verbose: the crawl is complete")

    def test_2_token_sources(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 2. token sources: --token-file (whitespace stripped), OAUTH_TOKEN as Bearer
        tf = os.path.join(d, "token")
        with open(tf, "w") as f:
            f.write("  %s  \nsecond line\n" % TOKEN)
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme", "--token-file", tf],
                           os.path.join(d, "tf.db"), token=None)
        check(rc == 0, "--token-file: exits 0 (%s)" % err.strip())
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], os.path.join(d, "oa.db"),
                           token=None, env={"OAUTH_TOKEN": TOKEN})
        check(rc == 0, "$OAUTH_TOKEN (Bearer): exits 0 (%s)" % err.strip())
        log = open(os.path.join(d, "a.log")).read()
        check(" Authorization" in log and TOKEN not in log, "$OAUTH_TOKEN was sent as Authorization")

    def test_3_no_token_exits_3_before_sending(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 3. no token: exit 3 before anything is sent, saying how to give one
        before = stats(srv)["requests"]
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], os.path.join(d, "nt.db"),
                           token=None)
        check(rc == 3 and "GITLAB_TOKEN" in err, "no token: exits 3 naming $GITLAB_TOKEN (%d: %s)"
              % (rc, err.strip()))
        check(stats(srv)["requests"] == before, "no token: nothing was sent")
        type(self).before = before

    def test_4_only_a_ci_job_token_exits_3(self):
        srv, snap, db = self.srv, self.snap, self.db
        before = self.before
        # 4. only a CI job token: exit 3 naming the fix; never sent
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], os.path.join(d, "ci.db"),
                           token=None, env={"CI_JOB_TOKEN": "job-token-xyz", "GITLAB_CI": "true"})
        check(rc == 3 and "read_api" in err and "GITLAB_TOKEN" in err,
              "CI_JOB_TOKEN only: exits 3 naming the fix (%d: %s)" % (rc, err.strip()))
        check(stats(srv)["requests"] == before, "CI_JOB_TOKEN only: nothing was sent")
        check("job-token-xyz" not in out + err, "CI_JOB_TOKEN only: the job token is not printed")
        check("JOB-TOKEN" not in open(os.path.join(d, "a.log")).read(), "the job token was never sent")

    def test_5_a_store_of_another_instance_exits_4(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 5. a store that holds another instance
        rc, out, err = run(["fetch", "--url", "http://127.0.0.1:9", "--group", "acme"], db)
        check(rc == 4 and srv.url in err, "another instance: exits 4 (%d: %s)" % (rc, err.strip()))

    def test_6_a_locked_store_exits_4(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 6. a store locked by another process
        con = sqlite3.connect(db, timeout=0.1, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], db, timeout=120)
        con.execute("ROLLBACK")
        con.close()
        check(rc == 4, "locked store: exits 4 (%d: %s)" % (rc, err.strip()))

    def test_7_recorded_instance_and_seeds_are_the_defaults(self):
        srv, snap, db = self.srv, self.snap, self.db
        # 7. the recorded instance and seeds are the defaults
        rc, out, err = run(["fetch"], db)
        check(rc == 0, "no --url and no seed: the store's instance and seeds (%s)" % err.strip())


class Rules(igtest.TestCase):
    def test_08_a_redirect_to_another_port_gets_nothing(self):
        # 8. a redirect to another port: exit 3 naming the target, nothing sent there
        with ServerProcess(example, "--token", TOKEN, "--log", os.path.join(d, "b.log")) as other:
            with ServerProcess(example, "--token", TOKEN, "--redirect-to", other.url) as srv:
                rc, out, err = run(["fetch", "--url", srv.url, "--project", "acme/platform/api"],
                                   os.path.join(d, "redir.db"))
                check(rc == 3 and other.url in err and "refused" in err,
                      "redirect to another port: exits 3 naming the target (%d: %s)" % (rc, err.strip()))
                check(TOKEN not in out + err, "redirect: the token is not printed")
            blog = open(os.path.join(d, "b.log")).read()
            check(blog == "" and stats(other)["requests"] == 0,
                  "redirect: the other server received nothing (%r)" % blog[:200])

    def test_08b_an_imported_source_is_not_trusted_with_the_token(self):
        # 8b. an imported snapshot's source does not decide where the token goes:
        #     without --url, fetch exits 2 before sending anything; naming the
        #     instance makes it the store's own (recorded by a fetch)
        with ServerProcess(example, "--token", TOKEN, "--log", os.path.join(d, "imp.log")) as srv:
            import json as _json
            hostile = _json.load(open(example))
            hostile["source"] = srv.url
            hf = os.path.join(d, "hostile.json")
            with open(hf, "w") as f:
                _json.dump(hostile, f)
            db = os.path.join(d, "imported.db")
            rc, out, err = run(["import", hf], db)
            check(rc == 0, "import a snapshot naming the test server as its source (%s)" % err.strip())
            rc, out, err = run(["fetch", "--group", "acme"], db)
            check(rc == 2 and "--url" in err and "import" in err,
                  "imported instance, no --url: exits 2 asking for --url (%d: %s)" % (rc, err.strip()))
            sent = open(os.path.join(d, "imp.log")).read()
            check(stats(srv)["requests"] == 0 and sent == "",
                  "imported instance, no --url: nothing was sent (%r)" % sent[:300])
            rc, out, err = run(["fetch", "--group", "acme"], db, env={"GITLAB_HOST": srv.url})
            check(rc == 0, "imported instance named by $GITLAB_HOST: fetch works (%s)" % err.strip())
            rc, out, err = run(["fetch"], db)
            check(rc == 0, "after a fetch named it, the store's instance is used alone (%s)"
                  % err.strip())
            before = stats(srv)["requests"]
            rc, out, err = run(["fetch"], db, env={"GITLAB_CI": "true"})
            check(rc == 2 and "--url" in err, "in CI the store's instance is not used alone (%d: %s)"
                  % (rc, err.strip()))
            check(stats(srv)["requests"] == before, "in CI without --url: nothing was sent")

    def test_08b2_in_ci_a_pipeline_variable_or_a_cache_steers_nothing(self):
        # SPEC: in a CI job $GITLAB_HOST is ignored (with a note) and the seeds
        # recorded in a (cached) store are not used: the seed is $CI_PROJECT_PATH
        with ServerProcess(example, "--token", TOKEN, "--log", os.path.join(d, "ci-real.log")) \
                as real, ServerProcess(example, "--token", TOKEN,
                                       "--log", os.path.join(d, "ci-evil.log")) as evil:
            db = os.path.join(d, "ci.db")
            rc, out, err = run(["fetch", "--url", real.url, "--group", "acme"], db)
            check(rc == 0, "ci: a first fetch records the seed --group acme (%s)" % err.strip())
            open(os.path.join(d, "ci-real.log"), "w").close()
            env = {"GITLAB_CI": "true", "CI_SERVER_URL": real.url, "GITLAB_HOST": evil.url,
                   "CI_PROJECT_PATH": "acme/mobile"}
            rc, out, err = run(["fetch"], db, env=env)
            check(rc == 0, "ci: fetch without seeds works (%d: %s)" % (rc, err.strip()))
            check(stats(evil)["requests"] == 0,
                  "ci: $GITLAB_HOST got no request (%d)" % stats(evil)["requests"])
            check("$GITLAB_HOST is ignored in a CI job" in err,
                  "ci: a note says $GITLAB_HOST is ignored (%s)" % err.strip())
            check("seeds recorded in the store are not used" in err and "acme/mobile" in err,
                  "ci: a note says the recorded seeds are not used (%s)" % err.strip())
            sent = open(os.path.join(d, "ci-real.log")).read()
            check("/projects/acme%2Fmobile/issues" in sent and "/groups/acme/issues" not in sent,
                  "ci: the crawl's seed is $CI_PROJECT_PATH, not the recorded group")
            # outside CI the same store keeps its recorded seed and $GITLAB_HOST counts
            rc, out, err = run(["fetch", "--url", real.url], db)
            check(rc == 0 and "not used" not in err, "outside CI the recorded seeds are used")
            env2 = {"GITLAB_CI": "true", "GITLAB_HOST": evil.url, "CI_PROJECT_PATH": "acme/mobile"}
            rc, out, err = run(["fetch", "--url", real.url], db, env=env2)
            check(rc == 0 and stats(evil)["requests"] == 0,
                  "ci: --url as written wins and $GITLAB_HOST gets nothing (%d: %s)"
                  % (rc, err.strip()))

    def test_08c_secrets_in_url_are_refused_unechoed(self):
        # 8c. secrets in --url are refused without being echoed
        for bad, part in (("http://127.0.0.1:9/?private_token=Qs3cretQ", "query"),
                          ("http://bob:Ps3cretP@127.0.0.1:9", "password"),
                          ("http://Us3cretU@127.0.0.1:9", "user"),
                          ("http://127.0.0.1:9/#Fs3cretF", "fragment")):
            rc, out, err = run(["fetch", "--url", bad, "--group", "acme"], os.path.join(d, "s.db"))
            secret = [w for w in ("Qs3cretQ", "Ps3cretP", "Us3cretU", "Fs3cretF", "bob") if w in bad]
            check(rc == 2 and part in err and not any(w in out + err for w in secret),
                  "--url with a %s: exits 2 naming the part, not echoing it (%d: %s)"
                  % (part, rc, err.strip()))
        rc, out, err = run(["fetch", "--group", "acme"], os.path.join(d, "s.db"),
                           env={"GITLAB_HOST": "https://h.example/?private_token=Es3cretE"})
        check(rc == 2 and "GITLAB_HOST" in err and "Es3cretE" not in err,
              "$GITLAB_HOST with a query: exits 2 naming it, not echoing it (%d: %s)"
              % (rc, err.strip()))

    def test_09_plain_http_off_loopback_exits_3(self):
        # 9. plain http to a host that is not loopback: exit 3 before connecting
        #    (192.0.2.1 is TEST-NET-1: nothing would answer, so a connect would hang)
        rc, out, err = run(["fetch", "--url", "http://192.0.2.1", "--group", "acme", "--connect-timeout",
                            "30"], os.path.join(d, "http.db"), timeout=20)
        check(rc == 3 and "plain http" in err and "--allow-http" in err,
              "http:// to a non-loopback host: exits 3 before connecting (%d: %s)" % (rc, err.strip()))

    def test_10_usage_errors_come_first(self):
        # 10. usage errors come first (exit 2), before the token or the store
        rc, out, err = run(["fetch", "--jobs", "0", "--group", "acme"], os.path.join(d, "u.db"), token=None)
        check(rc == 2, "--jobs 0: usage error exits 2")
        rc, out, err = run(["fetch", "--issue", "not-a-ref", "--url", "http://127.0.0.1:9"],
                           os.path.join(d, "u.db"))
        check(rc == 2, "--issue not-a-ref: usage error exits 2")
        rc, out, err = run(["fetch", "--url", "http://127.0.0.1:9"], os.path.join(d, "u2.db"))
        check(rc == 2 and "no seed" in err, "no seed at all: exits 2 (%d: %s)" % (rc, err.strip()))
        check(not os.path.exists(os.path.join(d, "u.db")) and not os.path.exists(os.path.join(d, "u2.db")),
              "a usage error creates no store")


if __name__ == "__main__":
    igtest.main()
