#!/usr/bin/env python3
"""`ready` against networkx on seeded random graphs: which open issues can
start now (not in a knot, no open blocker), how many open issues each
blocks transitively, the ranking (most first, then ref order), with and
without --all-states, with each --deps choice, within a --milestone scope,
and the issues set apart because a blocker named in their description
could not be read (text_dropped, written into the store directly as a
crawl would). The model is computed here from the snapshot alone. The
report's JSON, markdown and HTML "Ready now" carry the same answer.

IG_READY_GRAPHS=N changes the number of graphs (default 80)."""
import json
import os
import random
import re
import sqlite3

import networkx as nx

import igtest

N_GRAPHS = int(os.environ.get("IG_READY_GRAPHS", "80"))
PATHS = ["g/a", "g/a-b", "g/a/x", "g/A", "g_x", "z"]


def run(db, *args, ok=0):
    return igtest.ig(db, *args, ok=ok, timeout=120)


def ref_key(ref):
    path, iid = ref.rsplit("#", 1)
    return (path.encode(), int(iid))


def make(rng, seed):
    n = rng.randint(1, 40)
    issues, refs = [], {}
    per_project = {}
    for i in range(n):
        path = rng.choice(PATHS)
        per_project[path] = per_project.get(path, 0) + 1
        iid = per_project[path] * rng.choice([1, 1, 3, 10])
        while f"{path}#{iid}" in refs.values():
            iid += 1
        iid_ref = f"{path}#{iid}"
        refs[100 + i] = iid_ref
        ms = rng.choice([None, None, "m1", "m2"])
        issues.append({"id": 100 + i, "project_id": PATHS.index(path) + 1, "iid": iid,
                       "title": f"t{i}", "state": "closed" if rng.random() < 0.2 else "opened",
                       "milestone": {"title": ms, "due_date": None} if ms else None,
                       "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                       "web_url": f"https://x.example/{path}/-/issues/{iid}"})
    links, text = [], []
    m = rng.randint(0, 2 * n)
    for k in range(m):
        a, b = rng.randrange(n), rng.randrange(n)
        if rng.random() < 0.7:
            if a == b and rng.random() < 0.7:
                continue
            links.append({"id": k + 1, "source_issue_id": 100 + a, "target_issue_id": 100 + b,
                          "link_type": "blocks"})
        elif a != b:
            text.append({"source_issue_id": 100 + a, "target_issue_id": 100 + b,
                         "link_type": rng.choice(["blocks", "is_blocked_by"]), "line": 1,
                         "phrase": "blocks"})
    projects = [{"id": i + 1, "path_with_namespace": p, "web_url": f"https://x.example/{p}"}
                for i, p in enumerate(PATHS)]
    snap = {"version": 1, "source": "https://x.example", "projects": projects, "issues": issues,
            "links": links, "text_deps": text}
    return snap, refs


def model(snap, refs, all_states, deps, milestone, dropped):
    state = {i["id"]: i["state"] for i in snap["issues"]}
    ms = {i["id"]: (i["milestone"] or {}).get("title") for i in snap["issues"]}
    nodes = [i for i in state if all_states or state[i] == "opened"]
    G = nx.DiGraph()
    G.add_nodes_from(nodes)
    edges = []
    if "links" in deps:
        edges += [(l["source_issue_id"], l["target_issue_id"]) for l in snap["links"]]
    if "text" in deps:
        for t in snap["text_deps"]:
            s, d = t["source_issue_id"], t["target_issue_id"]
            edges.append((s, d) if t["link_type"] == "blocks" else (d, s))
    for a, b in edges:
        if a in G and b in G:
            G.add_edge(a, b)
    in_knot = set()
    for comp in nx.strongly_connected_components(G):
        if len(comp) > 1 or any(G.has_edge(v, v) for v in comp):
            in_knot |= comp
    scope = None
    if milestone:
        sel = {v for v in G if ms[v] == milestone}
        scope = set(sel)
        for v in sel:
            scope |= nx.ancestors(G, v)
    ready, waiting = [], []
    for v in G:
        if state[v] != "opened" or v in in_knot:
            continue
        if any(state[u] == "opened" for u in G.predecessors(v) if u != v):
            continue
        if scope is not None and v not in scope:
            continue
        if dropped.get(v):
            waiting.append({"ref": refs[v], "references": dropped[v]})
        else:
            count = sum(1 for w in nx.descendants(G, v) if state[w] == "opened")
            ready.append({"ref": refs[v], "blocks_transitively": count})
    ready.sort(key=lambda r: (-r["blocks_transitively"], ref_key(r["ref"])))
    waiting.sort(key=lambda r: ref_key(r["ref"]))
    return {"ready": ready, "estimated": False, "unreadable_blockers": waiting}


class Ready(igtest.TestCase, igtest.ClassDir):
    """N_GRAPHS seeded random stores, made once for the class; each graph's
    choices (dropped blockers, --deps and --milestone per --all-states) are
    drawn from its seed's generator in a fixed order."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.graphs = []
        for seed in range(1, N_GRAPHS + 1):
            rng = random.Random(seed)
            snap, refs = make(rng, seed)
            path = igtest.write_json(os.path.join(tmp, f"s{seed}.json"), snap)
            db = os.path.join(tmp, f"s{seed}.db")
            run(db, "import", "-q", path)
            # a few issues' descriptions name a blocker that could not be read
            dropped = {}
            for i in rng.sample([i["id"] for i in snap["issues"]], k=min(3, len(snap["issues"]))):
                if rng.random() < 0.5:
                    dropped[i] = rng.randint(1, 4)
            con = sqlite3.connect(db)
            con.executemany("INSERT INTO text_dropped(issue_id, blocker_refs, all_refs) "
                            "VALUES(?, ?, ?)", [(i, c, c + 1) for i, c in dropped.items()])
            con.commit()
            con.close()
            queries = []
            for all_states in (False, True):
                deps = rng.choice(["links", "text", "links,text"])
                present = {(i["milestone"] or {}).get("title") for i in snap["issues"]
                           if all_states or i["state"] == "opened"} - {None}
                milestone = rng.choice(sorted(present)) if present and rng.random() < 0.4 else None
                queries.append((all_states, deps, milestone))
            cls.graphs.append((seed, snap, refs, db, dropped, queries))

    def test_ready_json_equals_the_networkx_model(self):
        compared = 0
        for seed, snap, refs, db, dropped, queries in self.graphs:
            for all_states, deps, milestone in queries:
                with self.subTest(seed=seed, all_states=all_states, deps=deps,
                                  milestone=milestone):
                    args = ["ready", "--format", "json", "--deps", deps]
                    if all_states:
                        args.append("--all-states")
                    if milestone:
                        args += ["--milestone", milestone]
                    got = json.loads(run(db, *args).stdout)
                    want = model(snap, refs, all_states, deps, milestone, dropped)
                    compared += 1
                    self.assertEqual(got, want)
        self.assertEqual(compared, 2 * N_GRAPHS)

    def test_report_json_markdown_and_html_carry_the_same_answer(self):
        for seed, _snap, _refs, db, _dropped, _queries in self.graphs:
            with self.subTest(seed=seed):
                # the report's JSON carries the same answer
                rep = json.loads(run(db, "report", "--format", "json").stdout)
                mine = json.loads(run(db, "ready", "--format", "json").stdout)
                self.assertEqual(rep.get("ready"), mine,
                                 "report's ready equals the ready command's")
                # the markdown and HTML reports list them in the same order
                md = run(db, "report").stdout
                sec = md.split("\n## Ready now\n", 1)
                self.assertEqual(len(sec), 2, "the markdown report has a Ready now section")
                body = sec[1].split("\n## ", 1)[0]
                rows = re.findall(r"^\| \[([^\]]+)\]\([^)]*\)[^|]*\| (\d+) \|$", body, re.M)
                # (markdown escapes # and _ with a backslash)
                got_md = [(re.sub(r"\\(.)", r"\1", r), int(n)) for r, n in rows]
                want_md = [(x["ref"], x["blocks_transitively"]) for x in mine["ready"]]
                self.assertEqual(got_md, want_md, "markdown Ready now")
                plain = re.sub(r"\\(.)", r"\1", body)
                for x in mine["unreadable_blockers"]:
                    self.assertIn(f"[{x['ref']}]", plain, f"markdown lists {x['ref']} as waiting")
                html = run(db, "report", "--format", "html").stdout
                part = html.split('id="ig-ready"', 1)
                self.assertEqual(len(part), 2, "the HTML report has a Ready now section")
                html_refs = re.findall(r'data-ref="([^"]+)"', part[1].split("</section>", 1)[0])
                want_h = [x["ref"] for x in mine["ready"]] + [x["ref"] for x in
                                                              mine["unreadable_blockers"]]
                self.assertEqual(html_refs, want_h, "HTML Ready now")

    def test_text_output_starts_with_its_summary(self):
        for seed, _snap, _refs, db, _dropped, _queries in self.graphs:
            with self.subTest(seed=seed):
                text = run(db, "ready").stdout
                self.assertTrue(text.startswith("Ready now:") or
                                text.startswith("No issue can start now."), repr(text[:60]))

    def test_unknown_milestone_is_a_usage_error(self):
        db = self.graphs[-1][3]
        p = run(db, "ready", "--milestone", "no such milestone", ok=2)
        self.assertIn("no such milestone", p.stderr, "unknown milestone names itself")


if __name__ == "__main__":
    igtest.main()
