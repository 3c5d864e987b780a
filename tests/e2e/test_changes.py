#!/usr/bin/python3
"""changes and the ratchet against the GitLab test server.

Fetch, change the server's data (a new knot, a resolved knot, a closed
blocker, a new conflict through due dates, a new issue, a reopened issue,
a deleted one), fetch again; `changes --format json` must equal what this
test computes with networkx from the store's exports before and after.
Then --since with several runs and with dates, and the exit codes of
check --fail-on new-knots/new-conflicts with --since and --baseline.
"""
import json
import os
import sys
import time

import networkx as nx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_testlib as T  # noqa: E402
import igtest  # noqa: E402
from igtest import check as ok  # noqa: E402

P = "g/p"
PID = 7


def gid(k):
    return 100 + k


def snapshot():
    issues = []
    for k in range(1, 11):
        i = T.issue(gid(k), PID, k, k * 10, state="closed" if k == 9 else "opened", path=P)
        i["due_date"] = None
        issues.append(i)
    links = [
        # knot 1 <-> 2 (to be resolved)
        {"id": 1, "source_issue_id": gid(1), "target_issue_id": gid(2), "link_type": "blocks"},
        {"id": 2, "source_issue_id": gid(2), "target_issue_id": gid(1), "link_type": "blocks"},
        # 3 blocks 4 (3 will be closed: 4 unblocked)
        {"id": 3, "source_issue_id": gid(4), "target_issue_id": gid(3),
         "link_type": "is_blocked_by"},
        # 7 blocks 8 (due dates make it a conflict)
        {"id": 4, "source_issue_id": gid(7), "target_issue_id": gid(8), "link_type": "blocks"},
        # 9 (closed, to be reopened) blocks 10 (to be deleted)
        {"id": 5, "source_issue_id": gid(9), "target_issue_id": gid(10), "link_type": "blocks"},
        # 4 blocks 6
        {"id": 6, "source_issue_id": gid(4), "target_issue_id": gid(6), "link_type": "blocks"},
    ]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [T.project(PID, P)], "issues": issues, "links": links}


# ---- the oracle: from two exports -------------------------------------------------

def ref_key(ref):
    path, iid = ref.rsplit("#", 1)
    return (path.encode(), int(iid))


def refs_of(exp):
    paths = {p["id"]: p["path_with_namespace"] for p in exp["projects"]}
    return {i["id"]: "%s#%d" % (paths[i["project_id"]], i["iid"]) for i in exp["issues"]}


def analysed(exp):
    """The analysed graph (open issues, blocking links between them)."""
    g = nx.DiGraph()
    ref = refs_of(exp)
    info = {}
    for i in exp["issues"]:
        due = i.get("due_date") or ((i.get("milestone") or {}).get("due_date"))
        info[ref[i["id"]]] = {"open": i["state"] == "opened", "due": due}
        if i["state"] == "opened":
            g.add_node(ref[i["id"]])
    for l in exp["links"]:
        if l["link_type"] != "blocks":
            continue
        a, b = ref[l["source_issue_id"]], ref[l["target_issue_id"]]
        if a in g and b in g:
            g.add_edge(a, b)
    return g, info


def knots(g):
    out = []
    for c in nx.strongly_connected_components(g):
        if len(c) > 1 or any(g.has_edge(v, v) for v in c):
            out.append(frozenset(c))
    return out


def ready(g, ks):
    in_knot = set().union(*ks) if ks else set()
    return {v for v in g if v not in in_knot and g.in_degree(v) == 0}


def conflicts(g, info):
    out = set()
    for x, y in g.edges():
        dy, dx = info[y]["due"], info[x]["due"]
        if dy is not None and (dx is None or dx > dy):
            out.add((x, y))
    return out


def crit_path(g):
    """(cost, steps) of the critical path with count weights: the largest
    cost, then the most steps, over the condensation."""
    if g.number_of_nodes() == 0:
        return {"cost": 0, "steps": 0}
    c = nx.condensation(g)
    best = {}
    for v in nx.topological_sort(c):
        size = len(c.nodes[v]["members"])
        prev = max((best[u] for u in c.predecessors(v)), default=(0, 0))
        best[v] = (prev[0] + size, prev[1] + 1)
    cost, steps = max(best.values())
    return {"cost": cost, "steps": steps}


def expected_changes(e1, e2, since_at, now_at):
    g1, i1 = analysed(e1)
    g2, i2 = analysed(e2)
    k1, k2 = knots(g1), knots(g2)
    in1 = set().union(*k1) if k1 else set()
    in2 = set().union(*k2) if k2 else set()
    new = [k for k in k2 if not (k & in1)]
    changed = [k for k in k2 if (k & in1) and k not in k1]
    resolved = [k for k in k1 if not (k & in2)]
    r1, r2 = ready(g1, k1), ready(g2, k2)
    unblocked = [v for v in r2 if v in i1 and i1[v]["open"] and v not in r1]
    blocked = [v for v in r1 if v in i2 and i2[v]["open"] and v not in r2]
    c1, c2 = conflicts(g1, i1), conflicts(g2, i2)
    ref1, ref2 = refs_of(e1), refs_of(e2)
    s1 = {i["id"]: i["state"] for i in e1["issues"]}
    s2 = {i["id"]: i["state"] for i in e2["issues"]}
    both = set(s1) & set(s2)

    def rl(xs):
        return sorted(xs, key=ref_key)

    def kl(ks):
        return [{"issues": rl(k)} for k in sorted(ks, key=lambda k: ref_key(min(k, key=ref_key)))]

    def cl(cs):
        return [{"blocker": a, "blocked": b}
                for a, b in sorted(cs, key=lambda e: (ref_key(e[0]), ref_key(e[1])))]

    return {
        "since": {"started_at": since_at}, "now": {"started_at": now_at},
        "knots": {"new": kl(new), "changed": kl(changed), "resolved": kl(resolved)},
        "unblocked": rl(unblocked), "blocked": rl(blocked),
        "conflicts": {"new": cl(c2 - c1), "resolved": cl(c1 - c2)},
        "closed": rl(ref2[i] for i in both if s1[i] == "opened" and s2[i] == "closed"),
        "opened": rl(ref2[i] for i in both if s1[i] == "closed" and s2[i] == "opened"),
        "added": rl(ref2[i] for i in set(s2) - set(s1)),
        "removed": rl(ref1[i] for i in set(s1) - set(s2)),
        "path": {"then": crit_path(g1), "now": crit_path(g2)},
    }


# ---- the test ----------------------------------------------------------------------

class Changes(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """One store and one server for the class; the stages run in order,
    each on the fetches of the ones before it."""

    @classmethod
    def setUpClass(cls):
        d = cls.make_class_dir()
        cls.db = os.path.join(d, "ig.db")
        snap = T.write_snapshot(snapshot(), d)
        cls.srv = T.ServerProcess(snap, "--token", T.TOKEN)
        cls.addClassCleanup(cls.srv.stop)
        cls.at = {}

    def fetch(self, *extra):
        time.sleep(1.1)  # points a second apart: --since TIME is exact
        rc, out, err = T.run(["fetch", "--url", self.srv.url, "--project", P, "-q"] +
                             list(extra), self.db)
        self.assertEqual(rc, 0, "fetch %s exits 0 (%s)" % (" ".join(extra), err.strip()))
        rc, out, err = T.run(["stats", "--format", "json"], self.db)
        return json.loads(out)["last_fetch"]["started_at"]

    def changes(self, *args):
        rc, out, err = T.run(["changes", "--format", "json"] + list(args), self.db)
        ok(rc == 0, "changes %s exits 0 (%s)" % (" ".join(args), err.strip()))
        return json.loads(out) if out else None, err

    def check_rc(self, *args):
        rc, out, err = T.run(["check", "-q"] + list(args), self.db)
        return rc

    def change(self, **op):
        T.control(self.srv, "change", op)

    def test_1_one_point_has_no_earlier_one(self):
        db = self.db
        at1 = self.fetch()
        e1, _ = T.export(db)
        got, err = self.changes()
        ok(got is not None and got["since"] is None and got["knots"]["new"] == [] and
           got["path"]["then"] is None,
           "one point: since null, empty lists, path.then null")
        ok("no earlier point" in err, "one point: stderr says there is no earlier point")
        type(self).at[1], type(self).e1 = at1, e1

    def test_2_changes_equal_the_networkx_oracle(self):
        db, at1, e1 = self.db, self.at[1], self.e1
        self.change(op="delete_link", id=2)                      # knot 1-2 resolved
        self.change(op="close_issue", issue=gid(3))              # 4 unblocked
        self.change(op="add_link", id=10, source=gid(5), target=gid(6), link_type="blocks")
        self.change(op="add_link", id=11, source=gid(6), target=gid(5), link_type="blocks")
        self.change(op="set_due_date", issue=gid(8), due_date="2026-12-01")
        self.change(op="set_due_date", issue=gid(7), due_date="2027-01-15")  # conflict 7 -> 8
        self.change(op="reopen_issue", issue=gid(9))             # 9 open again: 10 blocked
        self.change(op="delete_issue", issue=gid(10))            # removed (with --full)
        self.change(op="add_issue", issue=T.issue(gid(11), PID, 11, 500, path=P))
        self.change(op="add_link", id=12, source=gid(11), target=gid(4), link_type="blocks")
        # 9 blocks 2: 2 was in a knot then, not ready now
        self.change(op="add_link", id=13, source=gid(9), target=gid(2), link_type="blocks")
        at2 = self.fetch("--full")
        e2, _ = T.export(db)

        exp = expected_changes(e1, e2, at1, at2)
        got, _ = self.changes()
        ok(got == exp, "changes JSON equals the networkx oracle")
        if got != exp:
            print("got:      " + json.dumps(got, sort_keys=True))
            print("expected: " + json.dumps(exp, sort_keys=True))
        ok(exp["knots"]["new"] and exp["knots"]["resolved"] and exp["unblocked"] and
           exp["conflicts"]["new"] and exp["added"] and exp["opened"] and
           exp["closed"] and exp["removed"],
           "the scenario exercises every kind of change")

        rc, text, _ = T.run(["changes"], db)
        ok(rc == 0 and "knots new: 1" in text and "g/p#5 g/p#6" in text,
           "changes text lists the new knot")

        rc, out, _ = T.run(["report", "--format", "json"], db)
        ok(rc == 0 and json.loads(out)["changes"] == exp,
           "report --format json holds the changes")
        rc, _, _ = T.run(["report", "--fail-on", "new-knots", "-o", self.path("r.md")],
                         db)
        ok(rc == 1, "report --fail-on new-knots: a new knot fails")
        type(self).at[2], type(self).e2 = at2, e2

    def test_3_the_ratchet_against_the_point_before(self):
        db, at1, at2, e1, e2 = self.db, self.at[1], self.at[2], self.e1, self.e2
        # the ratchet against the point before
        ok(self.check_rc("--fail-on", "new-knots") == 1, "check --fail-on new-knots: a new knot fails")
        ok(self.check_rc("--fail-on", "new-conflicts") == 1,
           "check --fail-on new-conflicts: a new conflict fails")
        ok(self.check_rc("--fail-on", "conflicts") == 1, "check --fail-on conflicts still works")

        at3 = self.fetch()   # nothing changed
        got, _ = self.changes()
        ok(got["since"] == {"started_at": at2} and got["now"] == {"started_at": at3} and
           got["knots"]["new"] == [] and got["added"] == [] and got["closed"] == [],
           "an unchanged fetch: no changes since the point before")
        ok(self.check_rc("--fail-on", "new-knots") == 0, "check --fail-on new-knots: an old knot passes")
        ok(self.check_rc("--fail-on", "new-knots,new-conflicts") == 0,
           "check --fail-on new-knots,new-conflicts passes when nothing got worse")
        rc, _, _ = T.run(["report", "--fail-on", "new-knots", "-o", self.path("r.md")],
                         db)
        ok(rc == 0, "report --fail-on new-knots: an old knot passes")
        ok(self.check_rc("--fail-on", "new-knots", "--since", "2") == 1,
           "check --since 2: the knot is new against two points back")
        exp2 = expected_changes(e1, e2, at1, at3)
        got, _ = self.changes("--since", "2")
        ok(got == exp2, "changes --since 2 equals the oracle against the first fetch")
        type(self).at[3] = at3

    def test_4_since_as_a_date_or_time(self):
        db, at1, at3, e1, e2 = self.db, self.at[1], self.at[3], self.e1, self.e2
        # --since as a date or time
        got, err = self.changes("--since", "2000-01-01")
        ok(got["since"] is None and "no earlier point" in err,
           "--since before every point: since null, says so")
        got, _ = self.changes("--since", "2999-01-01")
        ok(got["since"] == {"started_at": at3} and got["knots"]["new"] == [],
           "--since a future date picks the latest point")
        got, _ = self.changes("--since", at1)
        ok(got == expected_changes(e1, e2, at1, at3),
           "--since the first fetch's RFC 3339 time picks that point")
        rc, _, err = T.run(["changes", "--since", "yesterday"], db)
        ok(rc == 2 and "--since" in err, "--since with a bad value exits 2")
        rc, _, err = T.run(["changes", "--since", "0"], db)
        ok(rc == 2, "--since 0 exits 2")

    def test_5_baseline_and_write_baseline(self):
        db, at1 = self.db, self.at[1]
        # --baseline and --write-baseline
        base = self.path("baseline.json")
        # (--fail-on closed-blocked: there is none, so check exits 0)
        ok(self.check_rc("--write-baseline", base, "--fail-on", "closed-blocked") == 0 and
           os.path.exists(base),
           "check --write-baseline writes the file")
        with open(base) as f:
            b = json.load(f)
        ok({"kind": "knots", "issues": ["g/p#5", "g/p#6"]} in b["findings"],
           "the baseline lists the knot in check's JSON shape")
        ok(self.check_rc("--fail-on", "new-knots,new-conflicts", "--baseline", base) == 0,
           "--baseline: accepted knot and conflict pass")
        self.change(op="add_link", id=14, source=gid(8), target=gid(7), link_type="blocks")
        self.fetch()
        ok(self.check_rc("--fail-on", "new-knots", "--baseline", base) == 1,
           "--baseline: a knot not in the file fails")
        rc, out, _ = T.run(["check", "--fail-on", "new-knots", "--baseline", base,
                            "--format", "json"], db)
        f = json.loads(out)["findings"]
        ok({"kind": "new-knots", "issues": ["g/p#7", "g/p#8"]} in f and
           not any(x["kind"] == "new-knots" and x["issues"] == ["g/p#5", "g/p#6"]
                        for x in f),
           "new-knots lists the new knot only")
        rc, out, _ = T.run(["check", "--format", "json"], db)
        ok(not any(x["kind"].startswith("new-") for x in json.loads(out)["findings"]),
           "new-* are listed only when --fail-on names them")
        ok(self.check_rc("--write-baseline", base, "--fail-on", "closed-blocked") == 0 and
           self.check_rc("--fail-on", "new-knots", "--baseline", base) == 0,
           "--write-baseline round trip: the rewritten baseline passes")
        rc, _, err = T.run(["check", "--fail-on", "new-knots", "--baseline",
                            self.path("nope.json")], db)
        ok(rc == 5, "--baseline with a missing file exits 5")

        rc, out, _ = T.run(["stats", "--format", "json"], db)
        h = json.loads(out)["history"]
        ok(h["points"] == 4 and h["first"] == at1, "stats shows the history's span and size")


if __name__ == "__main__":
    igtest.main()
