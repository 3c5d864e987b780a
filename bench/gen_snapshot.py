#!/usr/bin/python3
"""Generate a deterministic issuegraph JSON snapshot (SPEC "JSON snapshot").

usage: gen_snapshot.py [--seed S] [--csv DIR] N_ISSUES N_LINKS OUT

Issues are spread over about N_ISSUES/1000 projects with a mix of every
field (null weights, milestones, labels, closed issues, confidential ones);
links are blocks / is_blocked_by / relates_to between random issues, with
distinct ids. The same arguments always give the same bytes. With --csv DIR
it also writes projects.csv, issues.csv and links.csv: the rows as the store
holds them (links in stored direction), for a plain sqlite3 bulk-load
comparison in bench/import_export.sh.
"""
import argparse
import csv
import json
import os
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--csv", metavar="DIR")
    ap.add_argument("n_issues", type=int)
    ap.add_argument("n_links", type=int)
    ap.add_argument("out")
    a = ap.parse_args()
    if a.n_issues < 2 and a.n_links > 0:
        sys.exit("gen_snapshot.py: links need at least 2 issues")
    rnd = random.Random(a.seed)
    host = "https://gitlab.example.com"
    n_projects = max(1, a.n_issues // 1000)
    projects = []
    for p in range(n_projects):
        pid = 100 + p
        path = "group%d/sub/app-%d" % (p % 37, p)
        projects.append((pid, path, host + "/" + path))

    labels_pool = ["bug", "feature", "backend", "frontend", "docs", "P1", "P2", "needs \"review\""]
    milestones = [("v%d.0" % k, "2027-%02d-%02d" % (k % 12 + 1, k % 28 + 1)) for k in range(20)]
    next_iid = [0] * n_projects
    csv_dir = a.csv
    if csv_dir:
        os.makedirs(csv_dir, exist_ok=True)
        pw = csv.writer(open(os.path.join(csv_dir, "projects.csv"), "w", newline=""))
        for pid, path, url in projects:
            pw.writerow([pid, path, url])
        iw_f = open(os.path.join(csv_dir, "issues.csv"), "w", newline="")
        iw = csv.writer(iw_f)
        lw_f = open(os.path.join(csv_dir, "links.csv"), "w", newline="")
        lw = csv.writer(lw_f)

    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(a.out, "w", encoding="utf-8") as out:
        out.write('{"version":1,"source":%s,"projects":[' % dumps(host))
        out.write(",".join(dumps({"id": pid, "path_with_namespace": path, "web_url": url})
                           for pid, path, url in projects))
        out.write('],"issues":[')
        for k in range(a.n_issues):
            issue_id = 1000 + k
            p = rnd.randrange(n_projects)
            next_iid[p] += 1
            iid = next_iid[p]
            pid, path, _ = projects[p]
            closed = rnd.random() < 0.2
            weight = rnd.choice([None, 0, 1, 2, 3, 5, 8])
            estimate = rnd.choice([0, 0, 3600, 7200, 28800])
            spent = rnd.choice([0, 0, 1800]) if estimate else 0
            ms = rnd.choice([None, None] + milestones)
            due = rnd.choice([None, None, None, "2026-12-%02d" % (k % 28 + 1)])
            labels = rnd.sample(labels_pool, rnd.randrange(3))
            created = "2026-%02d-%02dT12:%02d:33.959Z" % (k % 12 + 1, k % 28 + 1, k % 60)
            issue = {
                "id": issue_id, "project_id": pid, "iid": iid,
                "title": "Issue %d of %s: fix the \u00e9l\u00e8ve \\ path/%d" % (iid, path, k),
                "state": "closed" if closed else "opened",
                "confidential": rnd.random() < 0.05,
                "weight": weight,
                "time_stats": {"time_estimate": estimate, "total_time_spent": spent},
                "milestone": {"title": ms[0], "due_date": ms[1]} if ms else None,
                "due_date": due, "labels": labels,
                "created_at": created, "updated_at": created,
                "closed_at": created if closed else None,
                "web_url": "%s/%s/-/issues/%d" % (host, path, iid),
            }
            if k:
                out.write(",")
            out.write(dumps(issue))
            if csv_dir:
                iw.writerow([issue_id, pid, iid, issue["title"], 1 if closed else 0,
                             1 if issue["confidential"] else 0,
                             "" if weight is None else weight, estimate, spent,
                             ms[0] if ms else "", ms[1] if ms else "", due or "",
                             dumps(labels), created, created, created if closed else "",
                             issue["web_url"]])
        out.write('],"links":[')
        for k in range(a.n_links):
            s = 1000 + rnd.randrange(a.n_issues)
            t = 1000 + rnd.randrange(a.n_issues)
            kind = rnd.choice(["blocks", "blocks", "is_blocked_by", "relates_to"])
            if kind == "relates_to" and s == t:
                kind = "blocks"
            if k:
                out.write(",")
            out.write(dumps({"id": 5000 + k, "source_issue_id": s, "target_issue_id": t,
                             "link_type": kind}))
            if csv_dir:
                if kind == "is_blocked_by":
                    row = (t, s, 1)
                elif kind == "relates_to":
                    row = (min(s, t), max(s, t), 2)
                else:
                    row = (s, t, 1)
                lw.writerow([5000 + k, *row])
        out.write("]}\n")
    if csv_dir:
        iw_f.close()
        lw_f.close()


if __name__ == "__main__":
    main()
