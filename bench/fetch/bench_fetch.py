#!/usr/bin/python3
"""Measure issuegraph fetch against the local GitLab API test server.

  /usr/bin/python3 bench/fetch/bench_fetch.py [--bin PATH] [--runs N] [--quick]

1. A 5,000-issue instance (50 projects of 100 issues, ~3,000 links) with
   20 ms added latency per request: requests/s and total time for --jobs
   1, 4, 8, 16 (median of --runs; --jobs 1 once, it is slow).
2. A 20 requests/s rate limit (on 5 of those projects): requests/s
   achieved, 429 answers, and whether any request failed (exit code).
3. A second fetch of the unchanged instance: its requests against the
   first one's.
Targets: --jobs 8 >= 80% of 8 x (1 / 20 ms) = 400 requests/s; under the
rate limit >= 90% of it and no failed request; second fetch <= 5%.
Writes nothing outside a temporary directory.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))

TOKEN = "bench-token"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def instance(n_projects=50, per_project=100, n_links=3000, seed=1):
    rng = random.Random(seed)
    projects, issues, links = [], [], []
    base = 1767225600
    gid = 0
    for p in range(1, n_projects + 1):
        path = "bench/team%02d/app" % p
        projects.append({"id": p, "path_with_namespace": path,
                         "web_url": "https://gitlab.example.com/" + path})
        for i in range(1, per_project + 1):
            gid += 1
            issues.append({"id": gid, "project_id": p, "iid": i, "title": "issue %d" % gid,
                           "state": "closed" if gid % 5 == 0 else "opened",
                           "confidential": False, "weight": gid % 8 or None,
                           "time_stats": {"time_estimate": 0, "total_time_spent": 0},
                           "milestone": None, "due_date": None, "labels": ["bench"],
                           "created_at": iso(base + gid * 60), "updated_at": iso(base + gid * 61),
                           "closed_at": None, "web_url": "https://gitlab.example.com/%s/-/issues/%d"
                           % (path, i)})
    seen = set()
    lid = 0
    while len(links) < n_links:
        a, b = rng.randint(1, gid), rng.randint(1, gid)
        if a == b or (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        lid += 1
        links.append({"id": lid, "source_issue_id": a, "target_issue_id": b,
                      "link_type": "blocks" if rng.random() < 0.8 else "relates_to"})
    return {"version": 1, "source": "https://gitlab.example.com", "projects": projects,
            "issues": issues, "links": links}


class NoDelayServer:
    """tests/gitlab_server/server.py on a free port."""

    def __init__(self, data, *args, timeout=60.0):
        self.dir = tempfile.mkdtemp(prefix="ig-bench-srv-")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(HERE, "..", "..", "tests", "gitlab_server", "server.py"), "--data", data,
             "--port", "0", "--port-file", port_file] + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.stop()
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def get(srv, path):
    with urllib.request.urlopen(srv.url + path) as r:
        return json.load(r)


def post(srv, path, body):
    req = urllib.request.Request(srv.url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()


def fetch(binary, db, url, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "ISSUEGRAPH_"))}
    env["GITLAB_TOKEN"] = TOKEN
    t0 = time.monotonic()
    p = subprocess.run([binary, "--db", db, "fetch", "--url", url, "--no-progress"] + args,
                       env=env, capture_output=True, text=True)
    return p.returncode, time.monotonic() - t0, p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("IG_BIN") or
                    os.path.join(SRC, "build", "cli", "issuegraph"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="skip --jobs 1 (about 2 minutes)")
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ig-bench-fetch-")
    snap = os.path.join(d, "instance.json")
    with open(snap, "w") as f:
        json.dump(instance(), f)
    print("instance: 50 projects, 5000 issues, 3000 links; server latency 20 ms/request")
    results = {}
    with NoDelayServer(snap, "--token", TOKEN, "--latency-ms", "20") as srv:
        for jobs in ([4, 8, 16] if a.quick else [1, 4, 8, 16]):
            runs = []
            for r in range(1 if jobs == 1 else a.runs):
                db = os.path.join(d, "j%d_%d.db" % (jobs, r))
                post(srv, "/__control/reset-stats", {})
                rc, secs, err = fetch(a.bin, db, srv.url, ["--group", "bench", "--jobs", str(jobs)])
                n = get(srv, "/__control/stats")["requests"]
                if rc != 0:
                    print("  --jobs %d: fetch failed (%d): %s" % (jobs, rc, err.strip()))
                runs.append((n / secs, secs, n))
            rps = statistics.median(x[0] for x in runs)
            secs = statistics.median(x[1] for x in runs)
            results[jobs] = rps
            print("  --jobs %-2d  %6.0f requests/s  %6.1f s  (%d requests, %d run%s)"
                  % (jobs, rps, secs, runs[0][2], len(runs), "" if len(runs) == 1 else "s"))
        # the yardstick: curl's own parallel mode on the same server
        urls = [srv.url + "/api/v4/projects/%d/issues/%d/links" % (1 + k // 100, 1 + k % 100)
                for k in range(400)]
        cfg = os.path.join(d, "curl.cfg")
        with open(cfg, "w") as f:
            f.write('header = "PRIVATE-TOKEN: %s"\n' % TOKEN)
            for u in urls:
                f.write('url = "%s"\noutput = "/dev/null"\n' % u)
        t0 = time.monotonic()
        subprocess.run(["curl", "-s", "--parallel", "--parallel-max", "8", "-K", cfg],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("  (yardstick: curl --parallel --parallel-max 8 on the same server: %.0f requests/s)"
              % (len(urls) / (time.monotonic() - t0)))
        ideal = 8 * 1000 / 20
        print("  --jobs 8 reaches %.0f%% of the %d requests/s that 8 x 20 ms allows (target 80%%)"
              % (100 * results[8] / ideal, ideal))

    # a second fetch of the unchanged instance (no latency: only counts matter)
    with NoDelayServer(snap, "--token", TOKEN) as srv:
        db = os.path.join(d, "again.db")
        rc, secs, err = fetch(a.bin, db, srv.url, ["--group", "bench"])
        first = get(srv, "/__control/stats")["requests"]
        post(srv, "/__control/reset-stats", {})
        rc2, secs2, err2 = fetch(a.bin, db, srv.url, [])
        second = get(srv, "/__control/stats")["requests"]
        print("second fetch of the unchanged instance: %d requests vs %d (%.1f%%; target <= 5%%)%s"
              % (second, first, 100.0 * second / first, "" if rc == rc2 == 0 else " FAILED"))

    # a 20 requests/s rate limit, 5 projects, their own links only (about 510 requests)
    with NoDelayServer(snap, "--token", TOKEN, "--rate-limit", "20") as srv:
        db = os.path.join(d, "rl.db")
        args = []
        for p in range(1, 6):
            args += ["--project", "bench/team%02d/app" % p]
        rc, secs, err = fetch(a.bin, db, srv.url, args + ["--jobs", "8", "--depth", "1"])
        st = get(srv, "/__control/stats")
        ok = st["by_status"].get("200", 0)
        print("rate limit 20 requests/s: %.1f successful requests/s (%.0f%% of 20; target 90%%), "
              "%d answers 429, %d requests in all, fetch exit %d (%s)"
              % (ok / secs, 100 * ok / secs / 20, st["by_status"].get("429", 0), st["requests"],
                 rc, "no failed request" if rc == 0 else "FAILED: " + err.strip()[-200:]))


if __name__ == "__main__":
    main()
