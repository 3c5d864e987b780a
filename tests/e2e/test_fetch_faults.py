"""fetch under faults: 10% faults and a rate limit still give the exact data;
500 forever and a hanging server end with exit 3 after bounded tries;
malformed JSON is retried; 429 with a plain-text body is waited out;
401 is "token rejected"; 403 shows GitLab's message."""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (SRC, TOKEN, ServerProcess, chain_snapshot, check, expected,  # noqa
                           finish, readable, run, same_as, stats, tmpdir, write_snapshot)
import igtest  # noqa: E402

d = tmpdir()
example = os.path.join(SRC, "examples", "example.json")
snapfile = write_snapshot(chain_snapshot(30), d)


class FetchFaults(igtest.TestCase):
    def test_01_faults_and_a_rate_limit_give_the_same_data(self):
        # 1. 10% faults of every kind (but hang) and a rate limit: the same data.
        with ServerProcess(snapfile, "--token", TOKEN, "--fault-rate", "0.1", "--seed", "7",
                           "--rate-limit", "60", "--private", "secret/hidden") as srv:
            db = os.path.join(d, "faults.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "chain", "--jobs", "8"], db,
                               timeout=600)
            check(rc == 0, "faults: fetch exits 0 (%d: %s)" % (rc, err.strip()[-400:]))
            st = stats(srv)
            bad = sum(v for k, v in st["by_status"].items() if k != "200")
            check(bad > 0, "faults: the server did answer with faults (%s)" % st["by_status"])
            snap = readable(srv)
            same_as(db, expected(snap, seed_projects=[p["path_with_namespace"] for p in snap["projects"]
                                                      if p["path_with_namespace"].startswith("chain/")]),
                    "faults: the store equals the server's readable data")

    def test_02_500_forever_exits_3_after_retries(self):
        # 2. 500 forever: exit 3 after exactly --retries tries.
        with ServerProcess(example, "--token", TOKEN, "--fault-rate", "1", "--faults", "500") as srv:
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme", "--retries", "3"],
                               os.path.join(d, "500.db"), timeout=120)
            check(rc == 3 and "gave up after 3 tries" in err, "500 forever: exits 3 after 3 tries (%d: %s)"
                  % (rc, err.strip()))
            check(stats(srv)["requests"] == 3, "500 forever: 3 requests sent (%d)" % stats(srv)["requests"])

    def test_03_a_hanging_server_ends_with_timeout_and_retries(self):
        # 3. A server that hangs: --timeout 1 --retries 2 ends it (the subprocess
        #    time-out only guards the test from hanging itself).
        with ServerProcess(example, "--token", TOKEN, "--fault-rate", "1", "--faults", "hang") as srv:
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme", "--timeout", "1",
                                "--retries", "2"], os.path.join(d, "hang.db"), timeout=60)
            check(rc == 3 and "gave up after 2 tries" in err,
                  "hang: exits 3 after 2 timed-out tries (%d: %s)" % (rc, err.strip()))

    def test_04_malformed_json_bodies_are_retried(self):
        # 4. Malformed JSON bodies are retried.
        with ServerProcess(example, "--token", TOKEN, "--fault-rate", "0.3", "--seed", "3",
                           "--faults", "badjson") as srv:
            db = os.path.join(d, "badjson.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], db, timeout=300)
            check(rc == 0, "badjson: exits 0 (%s)" % err.strip()[-300:])
            check(stats(srv)["by_status"].get("badjson", 0) > 0, "badjson: bad bodies were sent")
            snap = readable(srv)
            same_as(db, expected(snap, seed_projects=[p["path_with_namespace"] for p in snap["projects"]
                                                      if p["path_with_namespace"].startswith("acme/")]),
                    "badjson: the store is complete")

    def test_05_429_with_a_plain_text_body_is_waited_out(self):
        # 5. 429 with a plain-text body (not JSON) is waited out.
        with ServerProcess(example, "--token", TOKEN, "--rate-limit", "25", "--rate-limit-plain") as srv:
            db = os.path.join(d, "429.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme", "--jobs", "16"], db,
                               timeout=300)
            st = stats(srv)
            check(rc == 0, "429 plain: exits 0 (%s)" % err.strip()[-300:])
            check(st["by_status"].get("429", 0) > 0, "429 plain: the limit was hit (%s)" % st["by_status"])
            check("rate-limited" in err, "429 plain: the summary counts rate-limited answers")

    def test_06_401_a_wrong_token(self):
        # 6. 401: a wrong token.
        with ServerProcess(example, "--token", TOKEN) as srv:
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], os.path.join(d, "401.db"),
                               token="wrong-token-value")
            check(rc == 3 and "token rejected" in err, "401: exits 3 'token rejected' (%d: %s)"
                  % (rc, err.strip()))
            check("wrong-token-value" not in err + out, "401: the token is not in the message")

    def test_07_403_shows_gitlabs_message(self):
        # 7. 403: a token without read_api; GitLab's message is shown.
        class Forbidden(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"error": "insufficient_scope",
                                   "error_description": "The request requires higher privileges.",
                                   "scope": "read_api"}).encode()
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden)
        threading.Thread(target=stub.serve_forever, daemon=True).start()
        try:
            rc, out, err = run(["fetch", "--url", "http://127.0.0.1:%d" % stub.server_address[1],
                                "--project", "g/p"], os.path.join(d, "403.db"))
            check(rc == 3 and "403" in err and "insufficient_scope" in err,
                  "403: exits 3 with GitLab's message (%d: %s)" % (rc, err.strip()))
        finally:
            stub.shutdown()


if __name__ == "__main__":
    igtest.main()
