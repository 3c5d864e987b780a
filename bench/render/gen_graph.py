#!/usr/bin/python3
"""Generate a deterministic snapshot shaped like a real issue tracker, for
render benchmarks: N issues over max(1, N/100) projects, each issue blocked
by 0-2 earlier ones (80% a recent issue of its own project, 20% any earlier
issue), one small knot per 200 issues, relates_to on 15% of issues, 85%
open, titles of 3-10 words.

usage: gen_graph.py [--seed S] N OUT
"""
import argparse
import json
import random

WORDS = ("add fix remove migrate orders api cache login token refresh page mobile "
         "android ios release docs guide schema table index query deploy cluster "
         "alert latency budget report export import invoice billing user admin "
         "search filter banner layout widget sync offline queue worker retry").split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    host = "https://gitlab.example.com"
    n_proj = max(1, a.n // 100)
    projects = [{"id": p + 1, "path_with_namespace": f"group{p % 7}/app-{p}",
                 "web_url": f"{host}/group{p % 7}/app-{p}"} for p in range(n_proj)]
    issues, by_proj, links = [], [[] for _ in range(n_proj)], []
    for i in range(a.n):
        p = rnd.randrange(n_proj)
        iid = len(by_proj[p]) + 1
        title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 10))).capitalize()
        issues.append({
            "id": i + 1, "project_id": p + 1, "iid": iid, "title": title,
            "state": "opened" if rnd.random() < 0.85 else "closed",
            "confidential": False, "weight": rnd.choice([None, 1, 2, 3, 5]),
            "time_stats": {"time_estimate": 0, "total_time_spent": 0},
            "milestone": {"title": f"v{rnd.randint(1, 5)}.0", "due_date": None}
            if rnd.random() < 0.5 else None,
            "due_date": None, "labels": [],
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
            "closed_at": None,
            "web_url": f"{host}/{projects[p]['path_with_namespace']}/-/issues/{iid}"})
        if issues[-1]["state"] == "closed":
            issues[-1]["closed_at"] = "2026-02-01T00:00:00.000Z"
        for _ in range(rnd.choice((0, 1, 1, 2))):
            if by_proj[p] and rnd.random() < 0.8:
                blocker = rnd.choice(by_proj[p][-30:])
            elif i:
                blocker = rnd.randrange(i) + 1
            else:
                continue
            links.append((blocker, i + 1, "blocks"))
        if i and i % 200 == 199:  # a knot: this issue blocks one that blocks it
            links.append((i + 1, rnd.randrange(max(1, i - 20), i) + 1, "blocks"))
            links.append((links[-1][1], i + 1, "blocks"))
        if rnd.random() < 0.15 and i:
            links.append((rnd.randrange(i) + 1, i + 1, "relates_to"))
        by_proj[p].append(i + 1)
    seen, out_links = set(), []
    for s, t, kind in links:
        if s == t or (s, t, kind) in seen:
            continue
        seen.add((s, t, kind))
        out_links.append({"id": len(out_links) + 1, "source_issue_id": s, "target_issue_id": t,
                          "link_type": kind})
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"version": 1, "source": host, "projects": projects, "issues": issues,
                   "links": out_links}, f)


if __name__ == "__main__":
    main()
