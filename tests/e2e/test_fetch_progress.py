#!/usr/bin/python3
"""fetch's progress reporting as a person sees it: on a terminal, one live
line on stderr redrawn in place (issues, link lists, requests, rate, queue,
retries, elapsed) and cleared before the summary; on a pipe, only the
summary; -q silent; --no-progress keeps the summary without the live line.
The terminal is a real pseudo-terminal; the server adds latency so the
crawl lasts long enough to redraw."""
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (BIN, TOKEN, ServerProcess, check, issue,  # noqa: E402
                           project)
import igtest  # noqa: E402

LIVE = "\r\033[Kfetch: "


def snapshot():
    issues = [issue(100 + i, 1, i + 1, 10 * i) for i in range(60)]
    links = [{"id": 1000 + i, "source_issue_id": 100 + i, "target_issue_id": 101 + i,
              "link_type": "blocks"} for i in range(59)]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [project(1, "g/p")], "issues": issues, "links": links}


def env():
    e = {k: v for k, v in os.environ.items()
         if k not in ("GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN", "CI_JOB_TOKEN",
                      "GITLAB_CI", "ISSUEGRAPH_DB")}
    e["GITLAB_TOKEN"] = TOKEN
    return e


def fetch_on_tty(url, db, *extra):
    """Run fetch with stderr on a pseudo-terminal; return (rc, stdout, stderr)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, "--db", db, "fetch", "--url", url, "--project", "g/p",
                          "--jobs", "2", *extra],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                         env=env())
    os.close(slave)
    err = b""
    while True:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk and p.poll() is not None:
                break
            err += chunk
        elif p.poll() is not None:
            break
    out = p.stdout.read()
    p.wait(timeout=60)
    os.close(master)
    return p.returncode, out.decode(), err.decode("utf-8", "replace")


class FetchProgress(igtest.TestCase, igtest.ClassDir):
    @classmethod
    def setUpClass(cls):
        data = igtest.write_json(os.path.join(cls.make_class_dir(), "snap.json"), snapshot())
        cls.srv = ServerProcess(data, "--token", TOKEN, "--latency-ms", "40")
        cls.addClassCleanup(cls.srv.stop)

    def test_tty_one_live_line_redrawn_then_the_summary(self):
        rc, out, err = fetch_on_tty(self.srv.url, self.path("a.db"))
        check(rc == 0, "tty: fetch exits 0 (%r)" % err[-300:])
        live = err.count(LIVE)
        check(live >= 2, "tty: the live line is redrawn in place (%d draws)" % live)
        first = err[err.find(LIVE):].split("\r", 2)[1] if live else ""
        for word in ("issues", "link lists", "requests", "/s)", "queue", "retries", " s"):
            check(word in first, "tty: the live line shows %r" % word.strip())
        last = err.rsplit("\r\033[K", 1)[-1]
        check(live and last.startswith("fetch: ") and " read, " in last
              and last.rstrip("\r\n").count("\n") == 0 and last.endswith("\n"),
              "tty: the line is cleared and the summary ends it (%r)" % last)
        check(out == "", "tty: nothing on stdout")
        check(TOKEN not in err, "tty: no token on the terminal")

    def test_tty_no_progress_and_quiet(self):
        rc, out, err = fetch_on_tty(self.srv.url, self.path("b.db"), "--no-progress")
        check(rc == 0 and LIVE not in err and "fetch:" in err,
              "--no-progress: a summary, no live line")
        rc, out, err = fetch_on_tty(self.srv.url, self.path("c.db"), "-q")
        check(rc == 0 and err == "", "-q: silent on a terminal (%r)" % err[:200])

    def test_pipe_only_the_summary(self):
        r = subprocess.run([BIN, "--db", self.path("e.db"), "fetch", "--url", self.srv.url,
                            "--project", "g/p"], capture_output=True, text=True, env=env(),
                           stdin=subprocess.DEVNULL, timeout=120)
        check(r.returncode == 0, "pipe: fetch exits 0")
        check("\r" not in r.stderr and "\033" not in r.stderr,
              "pipe: no live line, no terminal codes")
        check(len(r.stderr.strip().splitlines()) == 1 and "fetch:" in r.stderr,
              "pipe: one summary line (%r)" % r.stderr)


    def test_pipe_plain_lines_in_a_ci_log(self):
        # a CI log: plain lines while the counts move, at most one a period (10 s;
        # scaled down here to 0.3 s by the test build's hook), no terminal codes
        e = env()
        e["ISSUEGRAPH_TEST_PROGRESS_PERIOD"] = "0.3"
        t0 = time.monotonic()
        r = subprocess.run([BIN, "--db", self.path("ci.db"), "fetch", "--url", self.srv.url,
                            "--project", "g/p", "--jobs", "1"], capture_output=True, text=True,
                           env=e, stdin=subprocess.DEVNULL, timeout=120)
        secs = time.monotonic() - t0
        lines = r.stderr.strip().splitlines()
        prog = [ln for ln in lines if ln.startswith("fetch: ") and " read, " not in ln]
        print("     %.1f s, %d progress lines; first: %r" % (secs, len(prog), prog[:1]))
        check(r.returncode == 0 and "\r" not in r.stderr and "\033" not in r.stderr,
              "CI log: fetch exits 0 with no terminal codes")
        check(len(prog) >= 2 and all(w in prog[0] for w in ("issues", "link lists", "requests",
                                                            "queue", " s")),
              "CI log: plain progress lines with the counts (%r)" % prog[:2])
        check(len(prog) <= secs / 0.3 + 1, "CI log: at most one line a period (%d in %.1f s)"
              % (len(prog), secs))
        check(lines[-1].startswith("fetch: ") and " read, " in lines[-1] or
              "no 'blocks'" in lines[-1], "CI log: the summary comes last")
        r = subprocess.run([BIN, "--db", self.path("ci2.db"), "fetch", "--url", self.srv.url,
                            "--project", "g/p", "--no-progress"], capture_output=True, text=True,
                           env=e, stdin=subprocess.DEVNULL, timeout=120)
        check(len(r.stderr.strip().splitlines()) == 1, "CI log: --no-progress turns them off")

    def test_pipe_a_waiting_fetch_says_on_what(self):
        # one slow answer: nothing moves for 3 s; with a period of 0.2 s a line
        # comes at least every 1.2 s saying what the fetch waits on
        data = igtest.write_json(self.path("slow.json"), snapshot())
        with ServerProcess(data, "--token", TOKEN, "--latency-ms", "3000") as slow:
            e = env()
            e["ISSUEGRAPH_TEST_PROGRESS_PERIOD"] = "0.2"
            p = subprocess.Popen([BIN, "--db", self.path("w.db"), "fetch", "--url", slow.url,
                                  "--project", "g/p", "--depth", "0"], stderr=subprocess.PIPE,
                                 stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=e,
                                 text=True)
            try:
                _, err = p.communicate(timeout=60)
            finally:
                if p.poll() is None:
                    p.kill()
            waits = [ln for ln in err.splitlines() if "waiting for" in ln]
            print("     %r" % waits[:1])
            check(p.returncode == 0 and waits and "request(s) in flight" in waits[0],
                  "a waiting fetch says on what it waits (%r)" % err[-300:])


if __name__ == "__main__":
    igtest.main()
