#!/usr/bin/env python3
"""Generate examples/example.json, the bundled issuegraph snapshot.

A small organisation ("acme") shipping release 2.0 of its product across
five projects. The data is hand-written below so that every finding the
tools report has a reason a reader can see; only timestamps and ids are
derived, from a fixed seed, so the output is byte-identical on every run.

    /usr/bin/python3 examples/make_example.py            # rewrite example.json
    /usr/bin/python3 examples/make_example.py --check    # also print what it contains

What the data is built to contain (checked by --check):
  - a critical path of 7 open issues across infra, api and docs;
  - exactly one knot of open issues (3 issues, api + web);
  - a blocking cycle broken by a closed issue (a knot only with --all-states);
  - closed-blocked links (an open issue blocks a closed one);
  - due-date conflicts (an open blocker with no or a later due date);
  - a relates_to circle (never a knot);
  - titles with quotes, backslashes, <, >, &, an emoji, Japanese, Cyrillic, Arabic;
  - one confidential issue, weights (null, 0, >0), time_stats on some issues;
  - dependencies written only in descriptions ("Blocked by ...", as on GitLab
    Free), among them a second knot (web#3 <-> mobile#11), seen by `fetch`
    through the test server (import ignores descriptions).
"""

import datetime
import json
import os
import random
import sys

SOURCE = "https://gitlab.example.com"
SEED = 20261124

# Projects: (id, path). Group "acme" with subgroup "acme/platform".
PROJECTS = [
    (11, "acme/platform/api"),
    (12, "acme/platform/web"),
    (13, "acme/mobile"),
    (14, "acme/infra"),
    (15, "acme/docs"),
]

# Group milestones of "acme", in GitLab's shape (unknown fields are ignored by import).
MILESTONES = {
    "v2.0": {"id": 701, "iid": 1, "group_id": 2, "title": "v2.0", "due_date": "2026-12-15",
             "state": "active"},
    "v2.1": {"id": 702, "iid": 2, "group_id": 2, "title": "v2.1", "due_date": "2027-02-01",
             "state": "active"},
}

H = 3600  # seconds per hour, for time_stats

# Issues per project, in iid order:
# (key, title, state, milestone, weight, estimate_s, spent_s, due_date, labels, confidential)
O, C = "opened", "closed"
ISSUES = {
    "acme/platform/api": [
        ("a1", "Define v2 REST API surface for orders and billing", C, "v2.0", 3, 8 * H, 10 * H, None, ["api", "design"], False),
        ("a2", "Migrate orders schema to v2 (partitioned tables)", O, "v2.0", 5, 16 * H, 4 * H, None, ["backend", "database"], False),
        ("a3", "Implement /v2/orders endpoint", O, "v2.0", 5, 24 * H, 6 * H, None, ["api", "backend"], False),
        ("a4", "Implement /v2/billing/invoices endpoint", O, "v2.0", 3, 12 * H, 0, None, ["api", "backend", "billing"], False),
        ("a5", "Token refresh race when two tabs renew at once", O, "v2.0", 2, 0, 0, None, ["auth", "bug"], False),
        ("a6", "Rate limit public API per token", O, "v2.0", 2, 8 * H, 0, None, ["api"], False),
        ("a7", "Deprecate /v1/orders with a Sunset header", O, "v2.1", 1, 2 * H, 0, None, ["api", "deprecation"], False),
        ("a8", 'Crash when order note contains "quotes"', C, None, 1, 0, 0, None, ["bug"], False),
        ("a9", "CLI installer fails on C:\\New folder", O, None, 0, 0, 0, None, ["bug", "windows"], False),
        ("a10", "Security: SSRF in webhook URL validation", O, "v2.0", 3, 6 * H, 1 * H, None, ["security"], True),
        ("a11", "Generate OpenAPI 3.1 schema from handlers", O, "v2.0", None, 6 * H, 0, None, ["api", "tooling"], False),
        ("a12", "Webhook retries with exponential backoff", O, "v2.1", 3, 0, 0, None, ["api", "webhooks"], False),
        ("a13", "Upgrade service runtime to Python 3.12", C, None, 2, 4 * H, 5 * H, None, ["maintenance"], False),
        ("a14", "Audit log for admin actions", O, "v2.1", 5, 20 * H, 0, None, ["compliance"], False),
        ("a15", "Fix N+1 query in /v2/orders listing", O, "v2.0", 2, 4 * H, 0, None, ["bug", "performance"], False),
        ("a16", "Flaky test: test_invoice_rounding", C, None, 1, 0, 0, None, ["flaky-test"], False),
        ("a17", "Config loader drops a value ending in \\", O, None, None, 0, 0, None, ["bug", "config"], False),
    ],
    "acme/platform/web": [
        ("w1", "Design system: new order table component", C, "v2.0", 3, 10 * H, 12 * H, None, ["frontend", "design-system"], False),
        ("w2", "Orders page uses /v2/orders", O, "v2.0", 3, 8 * H, 2 * H, None, ["frontend"], False),
        ("w3", "Invoice download from the billing page", O, "v2.0", 2, 0, 0, None, ["frontend", "billing"], False),
        ("w4", "Session renew fails after token refresh", O, "v2.0", 2, 0, 0, None, ["auth", "bug"], False),
        ("w5", "Login redirect loop on expired session", O, "v2.0", 1, 3 * H, 0, None, ["auth", "bug"], False),
        ("w6", "Render <script> & <style> tags safely in markdown preview", O, "v2.0", 2, 0, 0, None, ["security", "frontend"], False),
        ("w7", "Add 🚀 launch banner for Acme Cloud 2.0", O, "v2.0", 1, 2 * H, 0, "2026-12-01", ["frontend", "marketing"], False),
        ("w8", "日本語ロケールの日付表示を修正", O, "v2.1", 1, 0, 0, None, ["i18n"], False),
        ("w9", "Исправить перевод экрана входа", O, "v2.1", 1, 0, 0, None, ["i18n"], False),
        ("w10", "دعم الكتابة من اليمين إلى اليسار في لوحة التحكم", O, "v2.1", 3, 0, 0, None, ["i18n", "rtl"], False),
        ("w11", "Dark mode for the dashboard", C, None, 3, 0, 0, None, ["frontend"], False),
        ("w12", "Upgrade to React 19", O, None, 5, 16 * H, 0, None, ["frontend", "maintenance"], False),
        ("w13", "Lighthouse performance budget in CI", O, None, None, 0, 0, None, ["performance", "ci"], False),
        ("w14", "Checkout: show tax breakdown per line", O, "v2.0", 2, 0, 0, None, ["frontend", "billing"], False),
        ("w15", "Remove jQuery from legacy admin", C, None, 2, 6 * H, 7 * H, None, ["maintenance"], False),
        ("w16", "Accessibility: focus order in the order form", O, "v2.0", 1, 0, 0, None, ["a11y"], False),
    ],
    "acme/mobile": [
        ("m1", "Offline orders sync", O, "v2.1", 8, 40 * H, 6 * H, "2027-01-15", ["mobile", "sync"], False),
        ("m2", "Push notifications for order status", O, "v2.1", 3, 0, 0, "2027-01-20", ["mobile"], False),
        ("m3", "Migrate app to the /v2/orders API", O, "v2.0", 3, 12 * H, 0, None, ["mobile", "api"], False),
        ("m4", "Biometric login on Android", O, None, 3, 0, 0, None, ["mobile", "auth"], False),
        ("m5", "Crash on rotate in order detail (Android 15)", C, None, 1, 0, 0, None, ["bug", "android"], False),
        ("m6", "Release Acme Mobile 2.0 to the app stores", O, "v2.1", 1, 0, 0, "2027-01-25", ["release"], False),
        ("m7", "Cache invalidation loop after background sync", O, None, 2, 0, 0, None, ["bug", "sync"], False),
        ("m8", "Background sync scheduler", O, None, 3, 8 * H, 2 * H, None, ["sync"], False),
        ("m9", "iOS 18 widget for open orders", O, None, None, 0, 0, None, ["ios"], False),
        ("m10", "Reduce APK size below 30 MB", C, None, 2, 0, 0, None, ["android", "performance"], False),
        ("m11", "Deep links to invoices", O, "v2.1", 2, 0, 0, None, ["mobile", "billing"], False),
        ("m12", "Crash reporting with symbolicated stack traces", C, None, 1, 2 * H, 2 * H, None, ["tooling"], False),
        ("m13", "Tablet layout for order list", O, None, 3, 0, 0, None, ["mobile", "design"], False),
    ],
    "acme/infra": [
        ("i1", "Terraform module for PostgreSQL 16 clusters", C, "v2.0", 3, 8 * H, 9 * H, None, ["terraform", "database"], False),
        ("i2", "Provision production PostgreSQL 16 cluster", O, "v2.0", 5, 12 * H, 3 * H, None, ["database"], False),
        ("i3", "Blue/green deployment for the API", O, "v2.0", 3, 0, 0, None, ["deploy"], False),
        ("i4", "Kubernetes 1.31 upgrade", O, None, 5, 24 * H, 0, None, ["kubernetes"], False),
        ("i5", "Object storage bucket for invoice PDFs", O, "v2.0", 1, 2 * H, 0, None, ["storage", "billing"], False),
        ("i6", "CDN configuration for web assets", C, None, 2, 0, 0, None, ["cdn"], False),
        ("i7", "Sync worker queue on Redis streams", C, None, 3, 0, 0, None, ["sync", "redis"], False),
        ("i8", "Point-in-time recovery drill", O, None, 2, 4 * H, 0, None, ["database", "backup"], False),
        ("i9", "Load test the v2 API at 2k rps", O, "v2.0", 3, 6 * H, 0, None, ["performance"], False),
        ("i10", "Rotate TLS certificates with cert-manager", C, None, 1, 0, 0, None, ["security"], False),
        ("i11", "Alerting on p99 latency for /v2 endpoints", O, "v2.0", 2, 0, 0, None, ["observability"], False),
        ("i12", "Staging environment parity with production", O, None, None, 0, 0, None, ["environments"], False),
        ("i13", "Move CI runners to ARM instances", C, None, 2, 0, 0, None, ["ci"], False),
    ],
    "acme/docs": [
        ("d1", "Document the v2 orders API", O, "v2.0", 2, 6 * H, 0, None, ["docs", "api"], False),
        ("d2", "Migration guide from v1 to v2", O, "v2.0", 3, 0, 0, "2026-12-10", ["docs"], False),
        ("d3", "Release notes for Acme Cloud 2.0", O, "v2.0", 1, 0, 0, None, ["docs", "release"], False),
        ("d4", "Update dashboard screenshots", O, None, 1, 0, 0, None, ["docs"], False),
        ("d5", "Translate the getting-started guide (日本語, Русский, العربية)", O, "v2.1", 2, 0, 0, None, ["docs", "i18n"], False),
        ("d6", "Fix broken links after site migration", C, None, 1, 0, 0, None, ["docs"], False),
        ("d7", "Document webhook signature verification", O, "v2.1", 1, 0, 0, None, ["docs", "webhooks"], False),
        ("d8", "Style guide: use \"sign in\" not \"log in\"", C, None, None, 0, 0, None, ["docs"], False),
        ("d9", "Runbook: database failover", O, None, 2, 0, 0, None, ["docs", "database"], False),
        ("d10", "Document the mobile offline mode", O, "v2.1", 1, 0, 0, None, ["docs", "mobile"], False),
    ],
}

# Links: (source key, link_type from the source's side, target key).
# Some blocking links are written from the blocked side (is_blocked_by), as a
# dump made from either issue's link list would hold them.
LINKS = [
    # the critical path (by count; m1 is the heaviest single issue): i2 -> a2 -> a3 -> a15 -> i9 -> i3 -> d3 (7 open issues)
    ("a2", "is_blocked_by", "i2"),
    ("a2", "blocks", "a3"),
    ("a3", "blocks", "a15"),
    ("i9", "is_blocked_by", "a15"),
    ("i9", "blocks", "i3"),
    ("i3", "blocks", "d3"),
    # side branches of the release
    ("a1", "blocks", "a2"),          # closed blocks open: ignored by default
    ("i1", "blocks", "i2"),          # closed blocks open
    ("a3", "blocks", "w2"),
    ("w1", "blocks", "w2"),
    ("w2", "blocks", "d4"),
    ("a3", "blocks", "m3"),
    ("m3", "blocks", "m1"),
    ("m1", "blocks", "m6"),
    ("m1", "blocks", "d10"),
    ("a3", "blocks", "d1"),
    ("d1", "blocks", "d3"),
    ("a4", "blocks", "w3"),
    ("i5", "blocks", "a4"),
    ("w14", "is_blocked_by", "a4"),
    ("a4", "blocks", "m11"),
    ("a6", "blocks", "i9"),
    ("i11", "is_blocked_by", "i3"),
    ("a10", "blocks", "d3"),
    ("w6", "blocks", "d3"),
    ("a11", "blocks", "d1"),
    ("a12", "blocks", "d7"),
    ("m2", "blocks", "m6"),
    ("i2", "blocks", "i8"),
    ("i8", "blocks", "d9"),
    ("w16", "blocks", "d3"),
    # due-date conflicts: d2 is due 2026-12-10 but a7 is planned for v2.1;
    # w7 is due 2026-12-01 but the React upgrade has no date at all.
    ("a7", "blocks", "d2"),
    ("w7", "is_blocked_by", "w12"),
    # the knot: a5 -> w4 -> w5 -> a5, all open, across api and web
    ("a5", "blocks", "w4"),
    ("w5", "is_blocked_by", "w4"),
    ("w5", "blocks", "a5"),
    # a cycle broken by a closed issue: m7 -> m8 -> i7 (closed) -> m7.
    # It is a knot only with --all-states; m8 blocking the closed i7 is a
    # closed-blocked finding.
    ("m7", "blocks", "m8"),
    ("m8", "blocks", "i7"),
    ("m7", "is_blocked_by", "i7"),
    # closed-blocked: the open Kubernetes upgrade blocks the closed runtime upgrade
    ("i4", "blocks", "a13"),
    # closed blocks closed
    ("i6", "blocks", "w11"),
    ("m12", "blocks", "m5"),
    # relates_to, including a circle (never a knot)
    ("w8", "relates_to", "w9"),
    ("w9", "relates_to", "w10"),
    ("w10", "relates_to", "w8"),
    ("d5", "relates_to", "w10"),
    ("a10", "relates_to", "w6"),
    ("m4", "relates_to", "a5"),
    ("a8", "relates_to", "d8"),
    ("a9", "relates_to", "a17"),
    ("w13", "relates_to", "w12"),
    ("i12", "relates_to", "i3"),
    ("m9", "relates_to", "m13"),
]

# Descriptions with text dependencies (SPEC "Text dependencies"); `fetch`
# reads them, `import` does not. TEXT_DEPS is what they say, by hand, for
# --check: (blocker key, blocked key).
DESCRIPTIONS = {
    "w3": "Users download invoices as PDF.\n\n**Blocked by:** acme/mobile#11 (one invoice URL "
          "scheme for web and mobile)",
    "m11": "Deep links open the invoice page.\n\nDepends on acme/platform/web#3",
    "d9": "Requires acme/infra#8 and acme/infra#12\n\n> Blocked by #1 (quoted from an old "
          "plan: not a dependency)",
    "d10": "Needs [offline sync](https://gitlab.example.com/acme/mobile/-/issues/1) first.",
    "a5": "Two tabs renew the token at once.\n\n```\nblocked by #4\n```\n"
          "~~Blocked by acme/infra#3~~",
}
TEXT_DEPS = [("m11", "w3"), ("w3", "m11"), ("i8", "d9"), ("i12", "d9"), ("m1", "d10")]

BASE = datetime.datetime(2026, 5, 4, 9, 0, 0, tzinfo=datetime.timezone.utc)
SNAPSHOT_TIME = datetime.datetime(2026, 11, 20, 17, 30, 0, tzinfo=datetime.timezone.utc)


def iso(t):
    """GitLab's timestamp form: UTC with milliseconds and Z."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


# Who works where: an issue's assignees come from its project's team by its
# iid (no draw from the random stream, so adding people moved no id or time):
# every fifth issue unassigned, every seventh with two people.
TEAMS = {
    "acme/platform/api": ["ana", "bilal"],
    "acme/platform/web": ["chen", "dana"],
    "acme/mobile": ["emeka", "fatima"],
    "acme/infra": ["goran", "bilal"],
    "acme/docs": ["hana"],
}


def assignees(path, iid):
    team = TEAMS.get(path, ["ana"])
    if iid % 5 == 0:
        return []
    first = team[iid % len(team)]
    names = [first]
    if iid % 7 == 0 and len(team) > 1:
        names.append(team[(iid + 1) % len(team)])
    return [{"username": u} for u in names]


def build():
    rng = random.Random(SEED)
    pid = {path: i for i, path in PROJECTS}
    # Creation times: each project's issues in iid order, interleaved in time.
    drafts = []
    for path, rows in ISSUES.items():
        t = BASE + datetime.timedelta(minutes=rng.randrange(0, 3000))
        for iid, row in enumerate(rows, start=1):
            t += datetime.timedelta(minutes=rng.randrange(600, 4000),
                                    milliseconds=rng.randrange(0, 1000))
            drafts.append((t, path, iid, row))
    drafts.sort(key=lambda d: (d[0], d[1]))

    issues = []
    by_key = {}
    next_id = 3100
    for created, path, iid, row in drafts:
        key, title, state, ms, weight, est, spent, due, labels, conf = row
        next_id += rng.randrange(1, 40)  # ids are instance-wide and sparse
        updated = created + datetime.timedelta(hours=rng.randrange(1, 900),
                                               milliseconds=rng.randrange(0, 1000))
        if updated > SNAPSHOT_TIME:
            updated = SNAPSHOT_TIME - datetime.timedelta(minutes=rng.randrange(1, 600))
        issue = {
            "id": next_id,
            "project_id": pid[path],
            "iid": iid,
            "title": title,
            "state": state,
            "confidential": conf,
            "weight": weight,
            "time_stats": {"time_estimate": est, "total_time_spent": spent},
            "milestone": dict(MILESTONES[ms]) if ms else None,
            "due_date": due,
            "labels": sorted(labels),
            "assignees": assignees(path, iid),
            "created_at": iso(created),
            "updated_at": iso(updated),
            "closed_at": iso(updated) if state == C else None,
            "web_url": "%s/%s/-/issues/%d" % (SOURCE, path, iid),
        }
        if key in DESCRIPTIONS:
            issue["description"] = DESCRIPTIONS[key]
        issues.append(issue)
        by_key[key] = issue

    links = []
    link_id = 500
    for src, ltype, dst in LINKS:
        link_id += rng.randrange(1, 9)
        links.append({"id": link_id, "source_issue_id": by_key[src]["id"],
                      "target_issue_id": by_key[dst]["id"], "link_type": ltype})

    projects = [{"id": i, "path_with_namespace": p, "web_url": "%s/%s" % (SOURCE, p)}
                for i, p in PROJECTS]
    return {"version": 1, "source": SOURCE, "projects": projects,
            "issues": sorted(issues, key=lambda x: x["id"]), "links": links}


def check(snap):
    """Recompute the intended findings with the SPEC's definitions; print them."""
    issues = {i["id"]: i for i in snap["issues"]}
    pid = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}

    def ref(i):
        return "%s#%d" % (pid[issues[i]["project_id"]], issues[i]["iid"])

    def due(i):
        x = issues[i]
        return x["due_date"] or (x["milestone"] or {}).get("due_date")

    edges = set()
    for link in snap["links"]:
        s, t = link["source_issue_id"], link["target_issue_id"]
        if link["link_type"] == "blocks":
            edges.add((s, t))
        elif link["link_type"] == "is_blocked_by":
            edges.add((t, s))
    by_key = {}
    for path, rows in ISSUES.items():
        for iid, row in enumerate(rows, start=1):
            by_key[row[0]] = next(i for i in issues.values() if i["iid"] == iid and
                                  pid[i["project_id"]] == path)["id"]
    if "--links-only" not in sys.argv[1:]:
        for s, t in TEXT_DEPS:
            edges.add((by_key[s], by_key[t]))
    is_open = {i: issues[i]["state"] == "opened" for i in issues}

    def sccs(all_states):
        nodes = [i for i in issues if all_states or is_open[i]]
        adj = {n: [] for n in nodes}
        for s, t in edges:
            if s in adj and t in adj:
                adj[s].append(t)
        # Kosaraju with explicit stacks
        order, seen = [], set()
        for n in nodes:
            if n in seen:
                continue
            stack = [(n, iter(adj[n]))]
            seen.add(n)
            while stack:
                v, it = stack[-1]
                for w in it:
                    if w not in seen:
                        seen.add(w)
                        stack.append((w, iter(adj[w])))
                        break
                else:
                    stack.pop()
                    order.append(v)
        radj = {n: [] for n in nodes}
        for s in adj:
            for t in adj[s]:
                radj[t].append(s)
        comp, out = {}, []
        for n in reversed(order):
            if n in comp:
                continue
            group, stack = [], [n]
            comp[n] = n
            while stack:
                v = stack.pop()
                group.append(v)
                for w in radj[v]:
                    if w not in comp:
                        comp[w] = n
                        stack.append(w)
            if len(group) > 1 or (n, n) in edges:
                out.append(sorted(ref(g) for g in group))
        return sorted(out)

    print("issues: %d (%d open), links: %d" % (len(issues), sum(is_open.values()),
                                               len(snap["links"])))
    print("knots:", sccs(False))
    print("knots --all-states:", sccs(True))
    for s, t in sorted(edges):
        if is_open[s] and is_open[t] and due(t) and (not due(s) or due(s) > due(t)):
            print("conflict: %s (%s) blocks %s (%s)" % (ref(s), due(s), ref(t), due(t)))
        if is_open[s] and not is_open[t]:
            print("closed-blocked: %s blocks %s" % (ref(s), ref(t)))
    # longest path by count on the open DAG (knot members skipped for brevity)
    knot_members = {r for k in sccs(False) for r in k}
    dag = [(s, t) for s, t in edges if is_open[s] and is_open[t]
           and ref(s) not in knot_members and ref(t) not in knot_members]
    best = {i: [i] for i in issues if is_open[i]}
    for _ in range(len(best)):
        for s, t in dag:
            if len(best[s]) + 1 > len(best[t]):
                best[t] = best[s] + [t]
    longest = max(best.values(), key=len)
    print("longest open chain (%d): %s" % (len(longest), " -> ".join(ref(i) for i in longest)))


def main():
    snap = build()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "example.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(snap, f, ensure_ascii=False, indent=1)
        f.write("\n")
    if "--check" in sys.argv[1:]:
        check(snap)


if __name__ == "__main__":
    main()
