#!/usr/bin/env python3
"""Generate a realistic large issue graph as a JSON snapshot (SPEC "JSON
snapshot") for the analysis benchmarks.

usage: gen_graph.py N OUT.json [--seed S]

Shape: many projects in groups and subgroups, project sizes skewed (a few
big ones, many small), iids per project from 1 with gaps, ~25% closed,
weights and time estimates on part of the issues, a few milestones per
group. Links: ~1.2 blocking links per issue, mostly acyclic (an older
issue blocks a newer one, usually nearby in the same project, sometimes
across projects), with some back links that make small knots and one
bigger knot; ~0.8 relates_to links per issue.
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    n = a.n

    # projects: group/subgroup/project, sizes Pareto-skewed
    nproj = max(1, n // 400)
    groups = ["grp%02d" % g for g in range(max(1, min(40, nproj // 5 + 1)))]
    projects = []
    for p in range(nproj):
        g = rng.choice(groups)
        path = "%s/proj%04d" % (g, p) if rng.random() < 0.6 else \
            "%s/sub%d/proj%04d" % (g, rng.randrange(5), p)
        projects.append({"id": 1000 + p * 3, "path_with_namespace": path,
                         "web_url": "https://gitlab.example.com/" + path})
    weights = [rng.paretovariate(1.2) for _ in range(nproj)]
    total = sum(weights)
    sizes = [max(1, int(n * w / total)) for w in weights]
    while sum(sizes) > n:
        i = rng.randrange(nproj)
        if sizes[i] > 1:
            sizes[i] -= 1
    while sum(sizes) < n:
        sizes[rng.randrange(nproj)] += 1

    milestones = {g: [("%s v%d.%d" % (g, 1 + k // 3, k % 3), "2027-%02d-01" % (1 + k % 12))
                      for k in range(4)] for g in groups}

    # issues: creation order interleaves projects; global ids increase with it
    owner = []
    for p, s in enumerate(sizes):
        owner += [p] * s
    rng.shuffle(owner)
    next_iid = [1] * nproj
    proj_issues = [[] for _ in range(nproj)]
    issues = []
    for k, p in enumerate(owner):
        next_iid[p] += 1 if rng.random() < 0.95 else rng.randint(2, 5)  # gaps: deleted issues
        iid = next_iid[p] - 1
        g = projects[p]["path_with_namespace"].split("/")[0]
        ms = rng.choice(milestones[g]) if rng.random() < 0.4 else None
        est = rng.randint(1, 40) * 1800 if rng.random() < 0.4 else 0
        issues.append({
            "id": 500000 + k * 2, "project_id": projects[p]["id"], "iid": iid,
            "title": "Issue %d of %s" % (iid, projects[p]["path_with_namespace"]),
            "state": "closed" if rng.random() < 0.25 else "opened",
            "confidential": rng.random() < 0.02,
            "weight": rng.choice([1, 2, 3, 5, 8]) if rng.random() < 0.6 else None,
            "time_stats": {"time_estimate": est,
                           "total_time_spent": rng.randint(0, est) if est else 0},
            "milestone": {"title": ms[0], "due_date": ms[1]} if ms else None,
            "due_date": None, "labels": [],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "closed_at": None, "web_url": None,
        })
        proj_issues[p].append(k)

    links = []
    lid = [1]

    def link(a_, b_, kind):
        links.append({"id": lid[0], "source_issue_id": issues[a_]["id"],
                      "target_issue_id": issues[b_]["id"], "link_type": kind})
        lid[0] += 1

    def nearby(k):
        p = owner[k]
        lst = proj_issues[p]
        # the position of k in its project: issues are appended in k order
        i = pos_in_proj[k]
        j = min(len(lst) - 1, max(0, i + rng.randint(-60, 60)))
        return lst[j]

    pos_in_proj = [0] * n
    for lst in proj_issues:
        for i, k in enumerate(lst):
            pos_in_proj[k] = i

    nblock = int(n * 1.2)
    for _ in range(nblock):
        a_ = rng.randrange(n)
        b_ = nearby(a_) if rng.random() < 0.75 else rng.randrange(n)
        if a_ == b_:
            continue
        if a_ > b_:
            a_, b_ = b_, a_  # older blocks newer: acyclic
        if rng.random() < 0.004:
            a_, b_ = b_, a_  # a back link: small knots appear
        if rng.random() < 0.3:
            link(b_, a_, "is_blocked_by")
        else:
            link(a_, b_, "blocks")
    # one bigger knot: a ring through ~0.1% of the issues
    ring = rng.sample(range(n), max(2, n // 1000))
    for i in range(len(ring)):
        link(ring[i], ring[(i + 1) % len(ring)], "blocks")
    for _ in range(int(n * 0.8)):
        a_ = rng.randrange(n)
        b_ = nearby(a_) if rng.random() < 0.7 else rng.randrange(n)
        if a_ != b_:
            link(a_, b_, "relates_to")

    with open(a.out, "w") as f:
        f.write('{"version": 1, "source": "https://gitlab.example.com",\n"projects": [\n')
        import json
        f.write(",\n".join(json.dumps(p) for p in projects))
        f.write('],\n"issues": [\n')
        f.write(",\n".join(json.dumps(i) for i in issues))
        f.write('],\n"links": [\n')
        f.write(",\n".join(json.dumps(x) for x in links))
        f.write("]}\n")


if __name__ == "__main__":
    main()
