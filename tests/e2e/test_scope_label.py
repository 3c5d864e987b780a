#!/usr/bin/python3
"""The --label L scope (SPEC "Scope") against a networkx oracle.

Random graphs in two projects, with random labels drawn from a pool that
holds labels differing only by case, with spaces, with unicode and with
punctuation, random milestones, due dates and closed issues, imported
into a real store. For random scopes (one or two --label, sometimes with
--milestone, with and without --all-states) this test computes on its
own what `ready`, `check --format json`, `report --format json`, `path`,
`render --format dot`, `cycles`, `order` and `blockers` (both ways) must
answer and compares. Then `changes
--label` over two fetches from the GitLab test server, where labels,
links and states change in between: each side reads its own labels.
A label no issue carries exits 2 naming it.
"""
import json
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_testlib as T  # noqa: E402
import igtest  # noqa: E402
import networkx as nx  # noqa: E402

N_GRAPHS = int(os.environ.get("IG_SCOPE_GRAPHS", "12"))
QUERIES = 6
POOL = ["bug", "Bug", "BUG", "needs review", "needs  review", "ünïcødé ✓", "Ünïcødé ✓",
        "prio::high", "a,b", "x"]
MILESTONES = ["v1", "V1", "v 2"]
PROJECTS = [(1, "g/a"), (2, "g/b")]


def ref_key(ref):
    path, iid = ref.rsplit("#", 1)
    return (path.encode(), int(iid))


def rl(xs):
    return sorted(xs, key=ref_key)


# ---- random snapshots ------------------------------------------------------------

def make(rng, seed):
    n = rng.randint(6, 28)
    # one due date per milestone, as GitLab has
    ms_due = {t: rng.choice([None, "2026-12-01", "2027-02-01"]) for t in MILESTONES}
    issues = []
    for k in range(n):
        pid, path = PROJECTS[k % 2]
        iid = k // 2 + 1
        state = "closed" if rng.random() < 0.2 else "opened"
        ms = None
        if rng.random() < 0.5:
            t = rng.choice(MILESTONES)
            ms = {"title": t, "due_date": ms_due[t]}
        issues.append({
            "id": 1000 * seed + k + 1, "project_id": pid, "iid": iid, "title": "Issue %d" % k,
            "state": state, "confidential": False, "weight": None,
            "time_stats": {"time_estimate": 0, "total_time_spent": 0},
            "milestone": ms,
            "due_date": rng.choice([None, None, "2026-11-15", "2026-12-20", "2027-01-10"]),
            "labels": rng.sample(POOL, rng.choice([0, 1, 1, 2, 2, 3])),
            "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
            "closed_at": "2026-01-02T00:00:00.000Z" if state == "closed" else None,
            "web_url": "https://gitlab.example.com/%s/-/issues/%d" % (path, iid)})
    ids = [i["id"] for i in issues]
    pairs = set()
    for _ in range(rng.randint(n // 2, n + n // 2)):
        a, b = rng.choice(ids), rng.choice(ids)
        if a != b or rng.random() < 0.1:
            pairs.add((a, b))
    links = [{"id": 100000 * seed + k + 1, "source_issue_id": a, "target_issue_id": b,
              "link_type": "blocks"} for k, (a, b) in enumerate(sorted(pairs))]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [{"id": p, "path_with_namespace": path,
                          "web_url": "https://gitlab.example.com/" + path}
                         for p, path in PROJECTS],
            "issues": issues, "links": links}


# ---- the oracle ------------------------------------------------------------------

class Model:
    """An export or snapshot read independently of issuegraph: refs, states,
    labels, milestones, due dates; the analysed graph and the full graph."""

    def __init__(self, snap, all_states=False):
        paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
        self.ref = {i["id"]: "%s#%d" % (paths[i["project_id"]], i["iid"])
                    for i in snap["issues"]}
        self.info = {}
        for i in snap["issues"]:
            ms = i.get("milestone") or {}
            self.info[self.ref[i["id"]]] = {
                "open": i["state"] == "opened", "labels": set(i.get("labels") or []),
                "milestone": ms.get("title"), "due": i.get("due_date") or ms.get("due_date")}
        self.full = nx.DiGraph()
        self.full.add_nodes_from(self.info)
        for link in snap["links"]:
            if link["link_type"] == "blocks":
                self.full.add_edge(self.ref[link["source_issue_id"]],
                                   self.ref[link["target_issue_id"]])
        keep = [v for v in self.info if all_states or self.info[v]["open"]]
        self.g = self.full.subgraph(keep).copy()

    def selected(self, h, labels, milestone):
        return {v for v in h if set(labels) <= self.info[v]["labels"] and
                (milestone is None or self.info[v]["milestone"] == milestone)}

    def scope(self, h, labels, milestone):
        sel = self.selected(h, labels, milestone)
        out = set(sel)
        for v in sel:
            out |= nx.ancestors(h, v)
        return out

    def knots(self):
        return [frozenset(c) for c in nx.strongly_connected_components(self.g)
                if len(c) > 1 or any(self.g.has_edge(v, v) for v in c)]

    def ready(self, keep):
        in_knot = set().union(*self.knots())
        out = []
        for v in self.g:
            if not self.info[v]["open"] or v in in_knot or v not in keep:
                continue
            if any(self.info[u]["open"] for u in self.g.predecessors(v) if u != v):
                continue
            count = sum(1 for w in nx.descendants(self.g, v) if self.info[w]["open"])
            out.append({"ref": v, "blocks_transitively": count})
        out.sort(key=lambda r: (-r["blocks_transitively"], ref_key(r["ref"])))
        return {"ready": out, "estimated": False, "unreadable_blockers": []}

    def conflicts(self, keep):
        out = set()
        for x, y in self.g.edges():
            if not (self.info[x]["open"] and self.info[y]["open"]) or y not in keep:
                continue
            dx, dy = self.info[x]["due"], self.info[y]["due"]
            if dy is not None and (dx is None or dx > dy):
                out.add((x, y))
        return out

    def closed_blocked(self, keep_full):
        return {(x, y) for x, y in self.full.edges()
                if self.info[x]["open"] and not self.info[y]["open"] and y in keep_full}

    def findings(self, labels, milestone):
        keep = self.scope(self.g, labels, milestone)
        keep_full = self.scope(self.full, labels, milestone)
        ks = sorted((rl(k) for k in self.knots() if k & keep), key=lambda k: ref_key(k[0]))
        pair = lambda e: (ref_key(e[0]), ref_key(e[1]))  # noqa: E731
        return {"knots": ks,
                "conflicts": sorted(self.conflicts(keep), key=pair),
                "closed-blocked": sorted(self.closed_blocked(keep_full), key=pair)}

    def best_path(self, ends):
        """(cost, steps) of the largest-cost, then longest, path of the
        condensation (count weights) that ends at a step holding an issue of
        ends; (0, 0) when there is none."""
        if self.g.number_of_nodes() == 0:
            return (0, 0)
        c = nx.condensation(self.g)
        down = {}
        for s in reversed(list(nx.topological_sort(c))):
            size = len(c.nodes[s]["members"])
            cands = [(size, 1)] if c.nodes[s]["members"] & ends else []
            cands += [(size + down[t][0], 1 + down[t][1]) for t in c.successors(s) if t in down]
            if cands:
                down[s] = max(cands)
        return max(down.values(), default=(0, 0))


# ---- the commands ----------------------------------------------------------------

def run(db, *args):
    return T.run(list(args), db, token=None)


def scope_args(labels, milestone):
    a = []
    for lab in labels:
        a += ["--label", lab]
    if milestone is not None:
        a += ["--milestone", milestone]
    return a


def finding_sets(findings):
    out = {"knots": [], "conflicts": [], "closed-blocked": []}
    for f in findings:
        if f["kind"] == "knots":
            out["knots"].append(f["issues"])
        else:
            out[f["kind"]].append((f["blocker"], f["blocked"]))
    return out


NODE_RE = re.compile(r'^\s*"([^"]+)"\s*\[', re.M)


class Query:
    """One random scope on one graph, drawn from the graph's generator (in
    this order: how many labels, which, a milestone or not, --all-states),
    with what the oracle says of it."""

    def __init__(self, rng, m_open, m_all, labels_present, milestones_present):
        k = rng.choice([1, 1, 2, 2, 3])
        self.labels = rng.sample(labels_present, min(k, len(labels_present)))
        self.milestone = (rng.choice(milestones_present)
                          if milestones_present and rng.random() < 0.35 else None)
        self.all_states = rng.random() < 0.4
        self.m = m_all if self.all_states else m_open
        self.args = (scope_args(self.labels, self.milestone) +
                     (["--all-states"] if self.all_states else []))
        self.what = "labels %r milestone %r all_states %s" % (self.labels, self.milestone,
                                                               self.all_states)
        self.keep = self.m.scope(self.m.g, self.labels, self.milestone)
        self.sel = self.m.selected(self.m.g, self.labels, self.milestone)

    def params(self):
        return {"labels": self.labels, "milestone": self.milestone,
                "all_states": self.all_states}


class RandomScopes(igtest.TestCase, igtest.ClassDir):
    """N_GRAPHS seeded random stores, imported once for the class, and each
    graph's QUERIES random scopes, its label nobody carries and its label
    differing by case only, drawn from the seed's generator in a fixed
    order. Each case compares one command with the oracle on every
    (seed, scope), a subTest each."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.graphs = []
        cls.seen = {"multi": 0, "milestone": 0, "nonempty": 0, "queries": 0, "near": 0}
        for seed in range(1, N_GRAPHS + 1):
            rng = random.Random(seed)
            snap = make(rng, seed)
            path = os.path.join(tmp, "s%d.json" % seed)
            with open(path, "w") as f:
                json.dump(snap, f, ensure_ascii=rng.random() < 0.5)
            db = os.path.join(tmp, "s%d.db" % seed)
            rc, _, err = run(db, "import", path)
            igtest.check(rc == 0, "seed %d: import (%s)" % (seed, err.strip()))
            m_open, m_all = Model(snap), Model(snap, all_states=True)
            labels_present = sorted({x for i in snap["issues"] for x in i["labels"]})
            milestones_present = sorted({i["milestone"]["title"] for i in snap["issues"]
                                         if i["milestone"]})
            if not labels_present:
                continue
            queries = []
            for _ in range(QUERIES):
                q = Query(rng, m_open, m_all, labels_present, milestones_present)
                cls.seen["multi"] += len(q.labels) > 1
                cls.seen["milestone"] += q.milestone is not None
                cls.seen["nonempty"] += bool(q.sel) and len(q.keep) < q.m.g.number_of_nodes()
                cls.seen["queries"] += 1
                queries.append(q)
            # a label no issue carries, even one that differs only by case or space
            absent = [x for x in POOL + ["bug ", "nope"] if x not in labels_present]
            absent_label = rng.choice(absent)
            # a label that differs from a carried one only by case
            by_case = None
            for lab in labels_present:
                other = lab.swapcase()
                if lab.isascii() and other != lab and other not in labels_present:
                    by_case = (other, [x for x in labels_present if x.lower() == lab.lower()])
                    cls.seen["near"] += 1
                    break
            cls.graphs.append((seed, db, labels_present, queries, absent_label, by_case))
        cls.rows = [(seed, db, q) for seed, db, _, queries, _, _ in cls.graphs for q in queries]

    def run_json(self, db, q, *args):
        """(exit code, parsed stdout) of a command that must exit 0 or 1 with JSON."""
        rc, out, err = run(db, *args, *q.args)
        self.assertIn(rc, (0, 1), "%s: exit %d (%s)" % (q.what, rc, err.strip()[:300]))
        try:
            return rc, json.loads(out)
        except ValueError:
            self.fail("%s: JSON output" % q.what)

    def test_ready_equals_the_oracle(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                _, got = self.run_json(db, q, "ready", "--format", "json")
                want = q.m.ready(q.keep)
                self.assertEqual(got, want, "%s: ready\n  got  %s\n  want %s" % (q.what, got, want))

    def test_check_findings_and_exit_code_equal_the_oracle(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                rc, got = self.run_json(db, q, "check", "--format", "json",
                                        "--fail-on", "knots,conflicts,closed-blocked")
                want = q.m.findings(q.labels, q.milestone)
                with self.subTest(check="findings"):
                    have = finding_sets(got["findings"])
                    self.assertEqual(have, want, "%s: check findings\n  got  %s\n  want %s"
                                     % (q.what, have, want))
                with self.subTest(check="exit code"):
                    self.assertEqual(rc, 1 if any(want.values()) else 0,
                                     "%s: check exits 1 iff findings" % q.what)

    def test_report_json_equals_the_oracle_in_scope(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                _, rep = self.run_json(db, q, "report", "--format", "json")
                want = q.m.findings(q.labels, q.milestone)
                with self.subTest(check="findings"):
                    self.assertTrue(
                        [k["issues"] for k in rep["knots"]] == want["knots"] and
                        [(c["blocker"], c["blocked"]) for c in rep["conflicts"]] ==
                        want["conflicts"] and
                        [(c["blocker"], c["blocked"]) for c in rep["closed_blocked"]] ==
                        want["closed-blocked"],
                        "%s: report knots, conflicts, closed_blocked in scope" % q.what)
                with self.subTest(check="ready"):
                    self.assertEqual(rep["ready"], q.m.ready(q.keep),
                                     "%s: report ready in scope" % q.what)
                with self.subTest(check="summary counts"):
                    m = q.m
                    opened = {v for v in q.keep if m.info[v]["open"]}
                    closed = {v for v in m.selected(m.full, q.labels, q.milestone)
                              if not m.info[v]["open"]}
                    want_counts = {
                        "projects": len({v.split("#")[0] for v in opened}),
                        "issues": {"opened": len(opened), "closed": len(closed)},
                        "links": {"blocks": sum(1 for a, b in m.g.edges()
                                                if a in opened and b in opened),
                                  "relates_to": 0}}
                    have = {k: rep["summary"][k] for k in want_counts}
                    self.assertEqual(have, want_counts, "%s: the summary counts the scope"
                                     % q.what)
                with self.subTest(check="summary"):
                    self.assertTrue(rep["summary"]["labels"] == q.labels and
                                    rep["summary"]["milestone"] == q.milestone,
                                    "%s: report summary names the scope" % q.what)

    def test_path_equals_the_oracle(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                _, got = self.run_json(db, q, "path", "--format", "json")
                m, ends, what = q.m, q.sel, q.what
                cost, steps = m.best_path(ends)
                with self.subTest(check="cost and steps"):
                    self.assertTrue(got["cost"] == cost and len(got["path"]) == steps,
                                    "%s: path cost %s in %d steps, oracle %d in %d" %
                                    (what, got["cost"], len(got["path"]), cost, steps))
                if not got["path"]:
                    continue
                comps = {frozenset(c) for c in nx.strongly_connected_components(m.g)}
                steps_ok = all(frozenset(s["issues"]) in comps for s in got["path"])
                linked = all(any(m.g.has_edge(a, b) for a in s["issues"] for b in t["issues"])
                             for s, t in zip(got["path"], got["path"][1:]))
                with self.subTest(check="steps"):
                    self.assertTrue(steps_ok and linked and set(got["path"][-1]["issues"]) & ends,
                                    "%s: the path's steps are components, each blocks the next, "
                                    "the last is selected" % what)

    def test_render_draws_the_scope(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                rc, dot, err = run(db, "render", "--format", "dot", *q.args)
                drawn = set(NODE_RE.findall(dot))
                self.assertTrue(rc == 0 and drawn == q.keep,
                                "%s: render draws the scope\n  got  %s\n  want %s"
                                % (q.what, rl(drawn), rl(q.keep)))

    def test_cycles_lists_the_knots_in_scope(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                _, got = self.run_json(db, q, "cycles", "--all", "--format", "json")
                want = sorted((rl(k) for k in q.m.knots() if k & q.keep),
                              key=lambda k: ref_key(k[0]))
                with self.subTest(check="knots"):
                    self.assertEqual([k["issues"] for k in got["knots"]], want,
                                     "%s: cycles in scope" % q.what)
                with self.subTest(check="elementary cycles"):
                    in_scope = {v for k in want for v in k}
                    want_cycles = sum(1 for c in nx.simple_cycles(q.m.g) if c[0] in in_scope)
                    self.assertTrue(all(set(c) <= in_scope for c in got["cycles"]) and
                                    len(got["cycles"]) == want_cycles,
                                    "%s: --all lists the %d cycles through knots in scope, "
                                    "got %s" % (q.what, want_cycles, got["cycles"]))

    def test_order_lists_the_steps_in_scope(self):
        for seed, db, q in self.rows:
            with self.subTest(seed=seed, **q.params()):
                _, got = self.run_json(db, q, "order", "--format", "json")
                steps = [frozenset(s["issues"]) for s in got["order"]]
                comps = {frozenset(c) for c in nx.strongly_connected_components(q.m.g)
                         if set(c) & q.keep}
                with self.subTest(check="steps"):
                    self.assertEqual(set(steps), comps, "%s: order's steps are the "
                                     "components in scope" % q.what)
                    self.assertEqual(len(steps), len(comps), "%s: each once" % q.what)
                at = {v: i for i, st in enumerate(steps) for v in st}
                with self.subTest(check="blockers first"):
                    late = [(a, b) for a, b in q.m.g.edges()
                            if a in at and b in at and at[a] > at[b]]
                    self.assertEqual(late, [], "%s: a step after one it blocks" % q.what)

    def test_blockers_lists_those_in_scope(self):
        for seed, db, q in self.rows:
            g = q.m.g
            if not g.number_of_nodes():
                continue
            v = rl(g.nodes)[seed % g.number_of_nodes()]  # may lie outside the scope
            for reverse in (False, True):
                with self.subTest(seed=seed, ref=v, reverse=reverse, **q.params()):
                    args = ["blockers", v, "--format", "json"] + (["--reverse"] if reverse else [])
                    _, got = self.run_json(db, q, *args)
                    h = g if reverse else g.reverse(copy=False)
                    dist = nx.single_source_shortest_path_length(h, v)
                    want = sorted(((u, d) for u, d in dist.items() if u != v and u in q.keep),
                                  key=lambda x: (x[1], ref_key(x[0])))
                    have = [(b["ref"], b["distance"])
                            for b in got["dependents" if reverse else "blockers"]]
                    self.assertEqual(have, want, "%s: blockers %s%s in scope"
                                     % (q.what, v, " --reverse" if reverse else ""))

    def test_a_label_nobody_carries_exits_2_naming_it(self):
        for seed, db, labels_present, _, lab, _ in self.graphs:
            for cmd in (["ready"], ["check"], ["report", "--format", "json"], ["path"],
                        ["render"], ["changes"], ["cycles"], ["order"],
                        ["blockers", "g/a#1", "--all-states"]):
                with self.subTest(seed=seed, command=cmd[0], label=lab):
                    rc, out, err = run(db, *cmd, "--label", labels_present[0], "--label", lab)
                    with self.subTest(check="exit 2 naming it"):
                        self.assertTrue(rc == 2 and ("'%s'" % lab) in err and "label" in err,
                                        "seed %d: %s --label %r (no issue carries it) exits 2 "
                                        "naming it (%d: %s)"
                                        % (seed, cmd[0], lab, rc, err.strip()[:200]))
                    near = [x for x in labels_present
                            if x.lower() == lab.lower() and lab.isascii()]
                    with self.subTest(check="suggestion"):
                        self.assertEqual("did you mean" in err, bool(near),
                                         "seed %d: %s --label %r suggests a label differing by "
                                         "case only when one exists (%s)"
                                         % (seed, cmd[0], lab, err.strip()[:200]))

    def test_a_label_differing_by_case_only_is_suggested(self):
        for seed, db, _, _, _, by_case in self.graphs:
            if by_case is None:
                continue
            other, near = by_case
            with self.subTest(seed=seed, label=other):
                rc, _, err = run(db, "ready", "--label", other)
                self.assertTrue(rc == 2 and any("did you mean '%s'?" % x in err for x in near),
                                "seed %d: --label %r suggests %s (%s)"
                                % (seed, other, near, err.strip()))

    def test_the_random_scopes_cover_what_they_must(self):
        seen = self.seen
        with self.subTest(check="case suggestion"):
            self.assertGreater(seen["near"], 2, "the case suggestion was tried: %s" % seen)
        with self.subTest(check="scopes"):
            self.assertTrue(seen["multi"] > 5 and seen["milestone"] > 3 and seen["nonempty"] > 5,
                            "the random scopes include repeated --label, --milestone and proper "
                            "scopes: %s" % seen)


# ---- changes: each side its own labels -----------------------------------------

P, PID = "g/p", 7


def gid(k):
    return 500 + k


def changes_snapshot():
    labels = {1: ["bug"], 2: ["bug"], 3: ["Bug"], 4: ["bug", "ui"], 5: [], 6: ["ui"],
              7: ["bug"], 8: ["ünï ✓"], 9: ["bug"], 10: ["x y"]}
    issues = []
    for k in range(1, 11):
        i = T.issue(gid(k), PID, k, k * 10, path=P)
        i["labels"] = labels[k]
        i["due_date"] = None
        issues.append(i)
    issues[7]["due_date"] = "2026-12-01"   # 8
    links = [
        {"id": 1, "source_issue_id": gid(1), "target_issue_id": gid(2), "link_type": "blocks"},
        {"id": 2, "source_issue_id": gid(2), "target_issue_id": gid(1), "link_type": "blocks"},
        {"id": 3, "source_issue_id": gid(3), "target_issue_id": gid(4), "link_type": "blocks"},
        {"id": 4, "source_issue_id": gid(5), "target_issue_id": gid(6), "link_type": "blocks"},
        {"id": 5, "source_issue_id": gid(7), "target_issue_id": gid(8), "link_type": "blocks"},
        {"id": 6, "source_issue_id": gid(9), "target_issue_id": gid(10), "link_type": "blocks"},
    ]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [T.project(PID, P)], "issues": issues, "links": links}


def expected_changes(e1, e2, at1, at2, labels, milestone=None):
    m1, m2 = Model(e1), Model(e2)
    keep1, keep2 = m1.scope(m1.g, labels, milestone), m2.scope(m2.g, labels, milestone)
    k1, k2 = m1.knots(), m2.knots()
    in1, in2 = set().union(*k1), set().union(*k2)
    new = [k for k in k2 if k & keep2 and not k & in1]
    changed = [k for k in k2 if k & keep2 and k & in1 and k not in k1]
    resolved = [k for k in k1 if k & keep1 and not k & in2]
    r1 = {x["ref"] for x in m1.ready(set(m1.g))["ready"]}
    r2 = {x["ref"] for x in m2.ready(set(m2.g))["ready"]}
    unblocked = [v for v in r2 if v in keep2 and v in m1.info and m1.info[v]["open"]
                 and v not in r1]
    blocked = [v for v in r1 if v in m2.g and v in keep2 and v not in r2]
    c1, c2 = m1.conflicts(keep1), m2.conflicts(keep2)
    s1 = {r: i["open"] for r, i in m1.info.items()}
    s2 = {r: i["open"] for r, i in m2.info.items()}
    both = set(s1) & set(s2)

    def kl(ks):
        return [{"issues": rl(k)} for k in sorted(ks, key=lambda k: ref_key(min(k, key=ref_key)))]

    def cl(cs):
        return [{"blocker": a, "blocked": b}
                for a, b in sorted(cs, key=lambda e: (ref_key(e[0]), ref_key(e[1])))]

    def path(m, sel):
        cost, steps = m.best_path(sel)
        return {"cost": cost, "steps": steps}

    return {
        "since": {"started_at": at1}, "now": {"started_at": at2},
        "knots": {"new": kl(new), "changed": kl(changed), "resolved": kl(resolved)},
        "unblocked": rl(unblocked), "blocked": rl(blocked),
        "conflicts": {"new": cl(c2 - c1), "resolved": cl(c1 - c2)},
        "closed": rl(v for v in both if s1[v] and not s2[v]),
        "opened": rl(v for v in both if not s1[v] and s2[v]),
        "added": rl(set(s2) - set(s1)), "removed": rl(set(s1) - set(s2)),
        "path": {"then": path(m1, m1.selected(m1.g, labels, milestone)),
                 "now": path(m2, m2.selected(m2.g, labels, milestone))},
    }


class ChangesByLabel(igtest.TestCase, igtest.ClassDir):
    """changes --label over two fetches from the GitLab test server, made
    once for the class: labels, links and states change in between, and
    each side must read its own labels."""

    CASES = [["bug"], ["Bug"], ["bug", "Bug"], ["ui"], ["ünï ✓"], ["x y"], ["bug", "ui"]]

    @classmethod
    def setUpClass(cls):
        d = cls.make_class_dir()
        cls.db = db = os.path.join(d, "changes.db")
        srv = T.ServerProcess(T.write_snapshot(changes_snapshot(), d), "--token", T.TOKEN)
        cls.addClassCleanup(srv.stop)

        def fetch(*extra):
            time.sleep(1.1)
            rc, _, err = T.run(["fetch", "--url", srv.url, "--project", P, "-q"] + list(extra),
                               db)
            igtest.check(rc == 0, "fetch exits 0 (%s)" % err.strip())
            _, out, _ = T.run(["stats", "--format", "json"], db)
            return json.loads(out)["last_fetch"]["started_at"]

        def change(**op):
            T.control(srv, "change", op)

        cls.at1 = fetch()
        cls.e1, _ = T.export(db)
        # the knot 1 <-> 2 (bug then) is resolved, and 1 and 2 leave bug: only a
        # then side read with then's labels sees it resolved in the bug scope
        change(op="delete_link", id=2)
        # labels move: 3 becomes bug, 6 joins it
        change(op="set_labels", issue=gid(1), labels=["done"])
        change(op="set_labels", issue=gid(2), labels=[])
        change(op="set_labels", issue=gid(3), labels=["bug", "Bug"])
        change(op="set_labels", issue=gid(6), labels=["ui", "bug"])
        # a new knot inside the bug scope (4 <-> 3), one outside (9 <-> 10 without bug)
        change(op="add_link", id=20, source=gid(4), target=gid(3), link_type="blocks")
        change(op="set_labels", issue=gid(9), labels=["x y"])
        change(op="add_link", id=21, source=gid(10), target=gid(9), link_type="blocks")
        # a conflict in scope: 7 blocks 8, 8 due earlier than 7; 8 joins bug
        change(op="set_due_date", issue=gid(7), due_date="2027-03-01")
        change(op="set_labels", issue=gid(8), labels=["ünï ✓", "bug"])
        change(op="close_issue", issue=gid(5))
        cls.at2 = fetch("--full")
        cls.e2, _ = T.export(db)

    def expected(self, labels):
        return expected_changes(self.e1, self.e2, self.at1, self.at2, labels)

    def test_changes_label_equals_the_oracle(self):
        for labels in self.CASES:
            with self.subTest(labels=labels):
                rc, out, err = T.run(["changes", "--format", "json"] +
                                     scope_args(labels, None), self.db)
                if rc == 2:
                    # a label carried then but by no issue now is unknown now
                    now_labels = {x for i in self.e2["issues"] for x in i["labels"]}
                    self.assertFalse(set(labels) <= now_labels,
                                     "changes --label %r exits 2 only for a label nobody "
                                     "carries now" % labels)
                    continue
                self.assertEqual(rc, 0, "changes --label %r exits 0 (%s)" % (labels, err.strip()))
                got = json.loads(out)
                exp = self.expected(labels)
                self.assertEqual(got, exp, "changes --label %r equals the oracle\n  got  %s\n"
                                 "  want %s" % (labels, json.dumps(got, sort_keys=True),
                                                json.dumps(exp, sort_keys=True)))

    def test_the_bug_scope_sees_a_new_and_a_resolved_knot_and_a_new_conflict(self):
        exp = self.expected(["bug"])
        self.assertTrue(exp["knots"]["new"] and exp["knots"]["resolved"] and
                        exp["conflicts"]["new"],
                        "the bug scope sees a new knot, a resolved knot and a new conflict")

    def test_bug_and_Bug_are_different_scopes(self):
        self.assertNotEqual(self.expected(["bug"]), self.expected(["Bug"]),
                            "bug and Bug are different scopes")

    def test_report_label_holds_the_scoped_changes(self):
        rc, out, _ = T.run(["report", "--format", "json", "--label", "bug"], self.db)
        self.assertTrue(rc == 0 and json.loads(out)["changes"] == self.expected(["bug"]),
                        "report --label bug holds the scoped changes")

    def test_the_markdown_report_names_the_labels_of_its_scope(self):
        rc, md, _ = T.run(["report", "--label", "bug", "--label", "ui"], self.db)
        self.assertTrue(rc == 0 and "Scope: the issues with labels **bug** and **ui** and their "
                        "transitive blockers." in md,
                        "the markdown report names the labels of its scope")


if __name__ == "__main__":
    igtest.main()
