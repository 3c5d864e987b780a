"""The first contact with an instance (SPEC "Progress" and URL diagnostics,
issue 19): a --url without a scheme, one with a group or project path
pasted, or a server that answers with something other than GitLab's API
gets one message naming the instance tried and the likely fix, within
seconds and without retries (counted on the server's side), not after
minutes of backoff.

The servers here are local (127.0.0.1): a web server answering every
request with an HTML page (200, or GitLab's 404 page under a path), and a
port where nothing listens.
"""
import http.server
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import check, run, tmpdir  # noqa: E402
import igtest  # noqa: E402

d = tmpdir()
PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>hi</body></html>\n"


class HtmlServer:
    """Every GET answers an HTML page: 200 at the root's paths, 404 (as
    GitLab's own 404 page) under /group/."""

    def __init__(self):
        self.gets = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.gets.append(self.path)
                status = 404 if self.path.startswith("/group/") else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fetch(url, name):
    t0 = time.monotonic()
    rc, out, err = run(["fetch", "--url", url, "--project", "g/p", "--no-progress"],
                       os.path.join(d, name + ".db"), timeout=120)
    return rc, err, time.monotonic() - t0


class FirstContact(igtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = HtmlServer()
        cls.addClassCleanup(cls.web.stop)

    def test_1_a_web_page_instead_of_the_api(self):
        self.web.gets.clear()
        rc, err, secs = fetch(self.web.url, "html")
        print("     %.2f s, %d requests: %s" % (secs, len(self.web.gets), err.strip()[-300:]))
        check(rc == 3, "an HTML answer exits 3 (rc %d)" % rc)
        check(self.web.url in err and "not GitLab's API" in err and "--url" in err,
              "the message names the instance tried and the fix (%s)" % err.strip()[-300:])
        check(len(self.web.gets) == 1, "one request, no retries (%d)" % len(self.web.gets))
        check(secs < 10, "within seconds (%.1f s)" % secs)

    def test_2_a_group_or_project_page_pasted(self):
        self.web.gets.clear()
        rc, err, secs = fetch(self.web.url + "/group/proj", "path")
        check(rc == 3 and "not a group or project page" in err and
              ("e.g. %s," % self.web.url) in err,
              "a pasted project URL: the message says --url names the instance, e.g. %s (%s)"
              % (self.web.url, err.strip()[-300:]))
        check(len(self.web.gets) == 1 and secs < 10,
              "a pasted project URL: one request (%d), %.1f s" % (len(self.web.gets), secs))

    def test_3_a_bare_host_is_https_and_says_so(self):
        host = "127.0.0.1:%d" % self.web.port
        self.web.gets.clear()
        rc, err, secs = fetch(host, "bare")
        print("     %.2f s: %s" % (secs, err.strip()[-300:]))
        check("no scheme: trying https://" + host in err,
              "a bare host: said on stderr that https:// is tried (%s)" % err.strip()[-300:])
        check(rc == 3 and "https://" + host in err and "--url http://" + host in err,
              "a bare host on a plain-http server: the TLS error names the instance and "
              "suggests http:// (%s)" % err.strip()[-300:])
        check(secs < 10, "a bare host: within seconds, not after retries (%.1f s)" % secs)

    def test_4_nothing_listens(self):
        url = "http://127.0.0.1:%d" % closed_port()
        rc, err, secs = fetch(url, "closed")
        check(rc == 3 and url in err and "check the host and port" in err,
              "a refused connection names the instance and the fix (%s)" % err.strip()[-300:])
        check(secs < 10, "a refused connection: within seconds (%.1f s)" % secs)


if __name__ == "__main__":
    igtest.main()
