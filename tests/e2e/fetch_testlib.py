"""Shared helpers of the tests/e2e/test_fetch_*.py tests (not a test itself).

Snapshots are generated here (seeded, deterministic); what a complete crawl
must store is computed independently of issuegraph's code from the
server's readable snapshot: the seeds, then breadth-first over blocking
links (both directions), relates_to neighbours stored but not expanded.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request

SRC = os.environ.get("IG_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("IG_BIN") or os.path.join(SRC, "build", "cli", "issuegraph")
sys.path.insert(0, os.path.join(SRC, "tests", "gitlab_server"))
from server import ServerProcess  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import igtest  # noqa: E402

TOKEN = "s3cret-T0ken-4-tests"

FAILURES = []


def check(cond, what):
    """In a file run by igtest.main(): igtest.check (a failure of the running
    case, named by what). In a plain script: print and remember for finish()."""
    if igtest._running:
        return igtest.check(cond, what)
    if cond:
        print("ok   - " + what)
    else:
        print("FAIL - " + what)
        FAILURES.append(what)
    return bool(cond)


def finish():
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        sys.exit(1)
    print("all checks passed")


def ts(n):
    """A distinct ISO time per n (seconds apart)."""
    base = 1767225600  # 2026-01-01T00:00:00Z
    t = base + n
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def issue(iid_global, pid, iid, n, state="opened", weight=None, path="g/p"):
    return {"id": iid_global, "project_id": pid, "iid": iid, "title": "Issue %d" % iid_global,
            "state": state, "confidential": iid_global % 7 == 0, "weight": weight,
            "time_stats": {"time_estimate": 3600 * (iid_global % 3), "total_time_spent": 0},
            "milestone": None, "due_date": None, "labels": ["l%d" % (iid_global % 3)],
            "assignees": [{"username": "u%d" % ((iid_global + k) % 5)}
                          for k in range(iid_global % 3)],
            "created_at": ts(n), "updated_at": ts(n + 1),
            "closed_at": ts(n + 1) if state == "closed" else None,
            "web_url": "https://gitlab.example.com/%s/-/issues/%d" % (path, iid)}


def project(pid, path):
    return {"id": pid, "path_with_namespace": path,
            "web_url": "https://gitlab.example.com/" + path}


def write_snapshot(snap, directory):
    path = os.path.join(directory, "snap.json")
    with open(path, "w") as f:
        json.dump(snap, f)
    return path


def chain_snapshot(n_projects=30):
    """Project k (k = 1..n) holds issues; issue k.1 blocks issue (k+1).1
    (stated from alternating sides), each k.1 relates to k.2, some k.2
    block k.3 (not reached: k.2 is only a relates_to neighbour). One
    private project is linked to; one project is never reached."""
    projects, issues, links = [], [], []
    gid = 1000
    n = 0
    lid = 1
    first = {}
    for k in range(1, n_projects + 1):
        path = "chain/p%02d" % k
        projects.append(project(k, path))
        for i in range(1, 4):
            gid += 1
            n += 10
            issues.append(issue(gid, k, i, n, state="closed" if (k + i) % 5 == 0 else "opened",
                                weight=i if i != 2 else None, path=path))
            if i == 1:
                first[k] = gid
        links.append({"id": lid, "source_issue_id": first[k], "target_issue_id": first[k] + 1,
                      "link_type": "relates_to"})
        lid += 1
        links.append({"id": lid, "source_issue_id": first[k] + 1,
                      "target_issue_id": first[k] + 2, "link_type": "blocks"})
        lid += 1
    for k in range(1, n_projects):
        if k % 2:
            links.append({"id": lid, "source_issue_id": first[k],
                          "target_issue_id": first[k + 1], "link_type": "blocks"})
        else:
            links.append({"id": lid, "source_issue_id": first[k + 1],
                          "target_issue_id": first[k], "link_type": "is_blocked_by"})
        lid += 1
    # a cycle back from the last to the 10th
    links.append({"id": lid, "source_issue_id": first[n_projects],
                  "target_issue_id": first[10], "link_type": "blocks"})
    lid += 1
    # a private project linked from p05
    projects.append(project(500, "secret/hidden"))
    issues.append(issue(5001, 500, 1, 9000, path="secret/hidden"))
    links.append({"id": lid, "source_issue_id": 5001, "target_issue_id": first[5],
                  "link_type": "blocks"})
    lid += 1
    # a project nobody links to
    projects.append(project(600, "other/alone"))
    issues.append(issue(6001, 600, 1, 9100, path="other/alone"))
    return {"version": 1, "source": "https://gitlab.example.com", "projects": projects,
            "issues": issues, "links": links}


def big_snapshot(n_issues=450, pid=1, path="big/proj"):
    """One project with many issues (distinct updated_at) and a few links."""
    projects = [project(pid, path)]
    issues, links = [], []
    for i in range(1, n_issues + 1):
        issues.append(issue(10000 + i, pid, i, i * 5, state="closed" if i % 4 == 0 else "opened",
                            path=path))
    lid = 1
    for i in range(1, n_issues, 7):
        links.append({"id": lid, "source_issue_id": 10000 + i, "target_issue_id": 10000 + i + 1,
                      "link_type": "blocks"})
        lid += 1
    return {"version": 1, "source": "https://gitlab.example.com", "projects": projects,
            "issues": issues, "links": links}


def expected(snap, seed_projects=(), seed_issues=(), depth=None, follow_related=False):
    """What a complete crawl stores, from a readable snapshot (export form)."""
    projects = {p["id"]: p for p in snap["projects"]}
    by_path = {p["path_with_namespace"]: p["id"] for p in snap["projects"]}
    issues = {i["id"]: i for i in snap["issues"]}
    by_ref = {(i["project_id"], i["iid"]): i["id"] for i in snap["issues"]}
    adj = {}
    for ln in snap["links"]:
        s, t = ln["source_issue_id"], ln["target_issue_id"]
        adj.setdefault(s, []).append((t, ln))
        adj.setdefault(t, []).append((s, ln))
    hop = {}
    frontier = []
    for sp in seed_projects:
        pid = by_path.get(sp, sp)
        for i in snap["issues"]:
            if i["project_id"] == pid:
                hop[i["id"]] = 0
                frontier.append(i["id"])
    for path, iid in seed_issues:
        k = by_ref[(by_path[path], iid)]
        hop[k] = 0
        frontier.append(k)
    stored = set(hop)
    expanded = set()
    level = 0
    while frontier:
        nxt = []
        for k in frontier:
            if depth is not None and hop[k] >= depth:
                continue
            if k in expanded:
                continue
            expanded.add(k)
            for other, ln in adj.get(k, []):
                stored.add(other)
                blocking = ln["link_type"] != "relates_to" or follow_related
                if blocking and other not in hop:
                    hop[other] = hop[k] + 1
                    nxt.append(other)
        frontier = nxt
        level += 1
    links = [ln for ln in snap["links"] if ln["source_issue_id"] in expanded or
             ln["target_issue_id"] in expanded]
    pids = {issues[k]["project_id"] for k in stored}
    for sp in seed_projects:
        pids.add(by_path.get(sp, sp))
    return {"projects": [projects[p] for p in sorted(pids)],
            "issues": [issues[k] for k in sorted(stored)],
            "links": sorted(links, key=lambda ln: ln["id"])}


def readable(srv):
    with urllib.request.urlopen(srv.url + "/__control/snapshot?readable=1") as r:
        return json.load(r)


def stats(srv):
    with urllib.request.urlopen(srv.url + "/__control/stats") as r:
        return json.load(r)


def control(srv, what, body):
    req = urllib.request.Request(srv.url + "/__control/" + what, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        return r.read()


def reset_stats(srv):
    control(srv, "reset-stats", {})


def run(args, db, env=None, token=TOKEN, timeout=300, clear_env=True):
    """Run issuegraph --db db ARGS; returns (rc, stdout, stderr)."""
    e = dict(os.environ)
    for k in ("GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN", "CI_JOB_TOKEN",
              "GITLAB_HOST", "CI_SERVER_URL", "GITLAB_CI", "CI_PROJECT_PATH", "ISSUEGRAPH_DB",
              "ISSUEGRAPH_TEST_KILL_AT_COMMIT", "ISSUEGRAPH_TEST_MAX_OFFSET",
              "ISSUEGRAPH_TEST_BODY_CAP", "ISSUEGRAPH_TEST_BODY_BUDGET"):
        if clear_env:
            e.pop(k, None)
    if token is not None:
        e["GITLAB_TOKEN"] = token
    if env:
        e.update(env)
    p = subprocess.run([BIN, "--db", db] + list(args), env=e, capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def export(db):
    rc, out, err = run(["export"], db)
    if rc != 0:
        return None, err
    return json.loads(out), ""


def same_as(db, exp, what):
    got, err = export(db)
    if got is None:
        check(False, what + " (export failed: %s)" % err.strip())
        return False
    ok = True
    for key in ("projects", "issues", "links"):
        if got[key] != exp[key]:
            ok = False
            a = {x["id"]: x for x in got[key]}
            b = {x["id"]: x for x in exp[key]}
            extra = sorted(set(a) - set(b))[:5]
            missing = sorted(set(b) - set(a))[:5]
            diff = [k for k in a if k in b and a[k] != b[k]][:3]
            print("     %s: %d stored, %d expected; extra %s missing %s" %
                  (key, len(a), len(b), extra, missing))
            for k in diff:
                print("     differs: %s\n          vs %s" % (a[k], b[k]))
    check(ok, what)
    return ok


def tmpdir():
    """A temporary directory, removed when the test process exits."""
    d = tempfile.mkdtemp(prefix="ig-fetch-test-")
    atexit.register(shutil.rmtree, d, True)
    return d
