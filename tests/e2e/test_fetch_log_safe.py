#!/usr/bin/python3
"""fetch -v log lines are safe text: a server whose rel="next" link holds
raw C1 controls (U+009B, a terminal's CSI), a DEL, or an ESC reaches the
log line (the URL asked for) or the error, and stderr must still hold no
raw C0 byte but the newline, no DEL and no C1 (raw or as UTF-8): they come
out as "\\xNN". The server is a small one of this file's own, because the
GitLab test server never sends such links."""
import http.server
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import TOKEN, issue, project  # noqa: E402
import igtest  # noqa: E402

# raw bytes of the next link's query, sent as they are (latin-1 str -> bytes)
NEXT_TAILS = {
    # UTF-8 of U+009B (CSI) and U+0085, a DEL: a URL curl accepts
    "c1": "&x=\xc2\x9b31mRED\xc2\x85",
    # an ESC: a URL curl refuses (the error names the path)
    "esc": "&x=\x1b[31mRED",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, body, link=None):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if link:
            self.send_header("Link", link)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        base = "http://%s:%d" % self.server.server_address[:2]
        p = self.path
        if self.headers.get("PRIVATE-TOKEN") != TOKEN:
            self.send_error(401)
        elif p.lower().startswith("/api/v4/projects/g%2fa"):
            self.answer(project(1, "g/a"))
        elif p.startswith("/api/v4/projects/1/issues/1/links"):
            self.answer([])
        elif p.startswith("/api/v4/projects/1/issues?") and "page=2" not in p:
            nxt = (base + "/api/v4/projects/1/issues?page=2&per_page=100"
                   + NEXT_TAILS[self.server.mode])
            self.answer([issue(11, 1, 1, 1, path="g/a")], '<%s>; rel="next"' % nxt)
        elif p.startswith("/api/v4/projects/1/issues?"):
            self.answer([])
        else:
            self.send_error(404)


def serve(mode):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.mode = mode
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def unsafe(b):
    """Raw control bytes in b: C0 but LF, DEL, C1 as single bytes or as UTF-8."""
    text = b.decode("utf-8", errors="surrogateescape")
    return re.findall(r"[\x00-\x09\x0b-\x1f\x7f\x80-\x9f]|[\udc80-\udc9f]", text)


def fetch(mode, tmp):
    """fetch -v from this file's server in mode; (exit code, stderr bytes)."""
    srv = serve(mode)
    try:
        url = "http://%s:%d" % srv.server_address[:2]
        db = os.path.join(tmp, mode + ".db")
        p = igtest.ig(db, "fetch", "-v", "--no-text-deps", "--url", url,
                      "--project", "g/a", "--jobs", "1", "--retries", "1",
                      env={"GITLAB_TOKEN": TOKEN}, timeout=60, text=False)
        return p.returncode, p.stderr
    finally:
        srv.shutdown()
        srv.server_close()


class FetchLogSafe(igtest.TestCase, igtest.ClassDir):
    """One fetch per kind of next link (c1, esc), made once for the class;
    the cases read its exit code and stderr."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.runs = {mode: fetch(mode, tmp) for mode in NEXT_TAILS}

    def test_c1_next_link_fetch_succeeds(self):
        rc, err = self.runs["c1"]
        self.assertEqual(rc, 0, "c1: the fetch succeeds (stderr %r)" % err[-400:])

    def test_c1_logs_the_page_the_next_link_named(self):
        _, err = self.runs["c1"]
        self.assertIn(b"GET /api/v4/projects/1/issues?page=2", err,
                      "c1: -v logs the page the server's next link named: %r" % err[-600:])

    def test_c1_csi_is_written_escaped(self):
        _, err = self.runs["c1"]
        self.assertTrue(b"\\xc2\\x9b" in err or b"\\x9b" in err,
                        "c1: the CSI is written escaped: %r" % err[-600:])

    def test_esc_logs_the_first_page(self):
        _, err = self.runs["esc"]
        self.assertIn(b"GET /api/v4/projects/1/issues?", err,
                      "esc: -v logs the first page: %r" % err[-600:])

    def test_no_raw_control_bytes_on_stderr(self):
        for mode in NEXT_TAILS:
            with self.subTest(mode=mode):
                _, err = self.runs[mode]
                self.assertEqual(unsafe(err), [],
                                 "%s: no raw control bytes on stderr" % mode)


if __name__ == "__main__":
    igtest.main()
