#!/usr/bin/python3
"""The text-dependency extractor's share of fetch's CPU time.

  /usr/bin/python3 bench/fetch/bench_textdeps.py [--bin PATH] [--issues N] [--jobs N]

A generated instance of N issues (default 100,000: 100 projects of 1,000)
whose descriptions look like real ones (a few markdown paragraphs, a task
list, sometimes a code block or a quote, ~1 KB) and hold text dependencies
in the SPEC's forms: "Blocked by #N", cross-project "Depends on path#N",
issue URLs, lists with "and". `fetch -v` prints the extractor's thread CPU
time (summed around each textdeps_extract() call) and the process CPU time
(getrusage); this prints both and the share. Target: <= 5%.
Writes nothing outside a temporary directory.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from bench_fetch import TOKEN, NoDelayServer, iso  # noqa: E402

WORDS = ("the order service should retry when the upstream payment gateway times out and "
         "we need to keep the invoice state consistent across regions while the migration "
         "runs in the background without blocking checkout for customers").split()


def para(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def description(rng, path, n_per, n_projects, src):
    parts = ["## Summary", para(rng, 30), para(rng, 25)]
    if rng.random() < 0.5:
        parts.append("Blocked by #%d" % rng.randint(1, n_per))
    if rng.random() < 0.2:
        parts.append("**Depends on:** bench/team%02d/app#%d and #%d"
                     % (rng.randint(1, n_projects), rng.randint(1, n_per), rng.randint(1, n_per)))
    if rng.random() < 0.1:
        parts.append("This blocks %s/%s/-/issues/%d" % (src, path, rng.randint(1, n_per)))
    # grammar 2: a heading list, a conditional phrase, a subject decoy
    if rng.random() < 0.2:
        parts.append("## Dependencies\n\n- [ ] #%d\n- [x] bench/team%02d/app#%d (done)"
                     % (rng.randint(1, n_per), rng.randint(1, n_projects), rng.randint(1, n_per)))
    if rng.random() < 0.1:
        parts.append("Waiting on #%d to be merged." % rng.randint(1, n_per))
    if rng.random() < 0.1:
        parts.append("#%d is also blocked on #%d." % (rng.randint(1, n_per), rng.randint(1, n_per)))
    parts += ["## Steps", "- [ ] " + para(rng, 8), "- [x] " + para(rng, 6)]
    if rng.random() < 0.3:
        parts += ["```", "blocked by #%d in a log line" % rng.randint(1, n_per), "```"]
    if rng.random() < 0.2:
        parts.append("> Needs #%d (quoted, not a dependency)" % rng.randint(1, n_per))
    parts.append(para(rng, 20))
    return "\n\n".join(parts)


def instance(n_issues, per_project=1000, seed=7):
    rng = random.Random(seed)
    src = "https://gitlab.example.com"
    n_projects = max(1, n_issues // per_project)
    projects, issues, links = [], [], []
    base = 1767225600
    gid = 0
    for p in range(1, n_projects + 1):
        path = "bench/team%02d/app" % p
        projects.append({"id": p, "path_with_namespace": path, "web_url": "%s/%s" % (src, path)})
        for i in range(1, per_project + 1):
            gid += 1
            issues.append({"id": gid, "project_id": p, "iid": i, "title": "issue %d" % gid,
                           "state": "opened", "labels": [], "created_at": iso(base + gid),
                           "updated_at": iso(base + gid), "web_url": "%s/%s/-/issues/%d"
                           % (src, path, i),
                           "description": description(rng, path, per_project, n_projects, src)})
    for k in range(1, n_issues // 20):
        a, b = rng.randint(1, gid), rng.randint(1, gid)
        if a != b:
            links.append({"id": k, "source_issue_id": a, "target_issue_id": b,
                          "link_type": "relates_to"})
    return {"version": 1, "source": src, "projects": projects, "issues": issues,
            "links": links}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("IG_BIN") or
                    os.path.join(SRC, "build", "cli", "issuegraph"))
    ap.add_argument("--issues", type=int, default=100000)
    ap.add_argument("--jobs", type=int, default=8)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="ig-bench-text-")
    try:
        snap = instance(a.issues)
        size = sum(len(i["description"]) for i in snap["issues"])
        path = os.path.join(d, "instance.json")
        with open(path, "w") as f:
            json.dump(snap, f)
        print("instance: %d projects, %d issues, %.1f MB of descriptions"
              % (len(snap["projects"]), len(snap["issues"]), size / 1e6))
        del snap
        with NoDelayServer(path, "--token", TOKEN, "--tier", "free", "--lifetime", "3600",
                           timeout=600) as srv:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("GITLAB_", "ISSUEGRAPH_"))}
            env["GITLAB_TOKEN"] = TOKEN
            t0 = time.monotonic()
            p = subprocess.run([a.bin, "--db", os.path.join(d, "b.db"), "fetch", "--url",
                                srv.url, "--group", "bench", "--jobs", str(a.jobs), "-v"],
                               env=env, capture_output=True, text=True)
            secs = time.monotonic() - t0
        summary = [ln for ln in p.stderr.splitlines() if not re.match(r"^fetch: GET ", ln)
                   and "GET /api" not in ln]
        print("fetch exit %d in %.1f s" % (p.returncode, secs))
        for ln in summary[-6:]:
            print("  " + ln)
        m = re.search(r"text extractor ([\d.]+) s CPU of ([\d.]+) s process CPU \(([\d.]+)%\)",
                      p.stderr)
        if m:
            print("extractor share of process CPU: %s%% (%s s of %s s; target <= 5%%)"
                  % (m.group(3), m.group(1), m.group(2)))
        return 0 if p.returncode == 0 and m else 1
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
