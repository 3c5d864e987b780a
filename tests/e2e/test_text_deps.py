#!/usr/bin/python3
"""Text dependencies after the crawl: a snapshot with text_deps
(tests/fixtures/text_deps.json) imported into a real store and analysed
with --deps links / text / links,text and --ignore-deps, every answer
compared with networkx on the same edges; origins and text_in in cycles'
JSON; where to act in cycles' text; the drawing of text-only edges in DOT
and Mermaid; stats' text_deps; the reports.

The fixture (open issues; g/a#6 is closed):
  links  g/a#1 blocks g/b#7, g/a#2 blocks g/a#3, g/a#5 blocks g/a#4,
         g/a#4 relates_to g/a#5
  text   g/a#1 line 3: blocked by g/b#7       g/b#7 -> g/a#1
         g/a#2 line 5: blocked by g/a#3       g/a#3 -> g/a#2
         g/a#3 line 12: depends on g/a#2      g/a#2 -> g/a#3 (also a link)
         g/a#4 line 1: blocks g/a#5           g/a#4 -> g/a#5
         g/a#4 line 9: needs g/a#5            g/a#5 -> g/a#4 (also a link)
         g/a#6 line 2: blocks g/a#4           g/a#6 -> g/a#4 (closed)
"""
import json
import os
import re

import networkx as nx

import igtest

SRC = igtest.SRC
FIXTURE = os.path.join(SRC, "tests", "fixtures", "text_deps.json")

ANALYSIS = ("cycles", "path", "order", "check", "render", "report", "stats")


def run(*args, db):
    p = igtest.ig(db, *args, timeout=120)
    return p.returncode, p.stdout, p.stderr


def model(deps, all_states=False, ignore=()):
    """The analysed graph of the fixture as networkx sees it."""
    with open(FIXTURE) as f:
        snap = json.load(f)
    path = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    ref = {i["id"]: "%s#%d" % (path[i["project_id"]], i["iid"]) for i in snap["issues"]
           if all_states or i["state"] == "opened"}
    G = nx.DiGraph()
    G.add_nodes_from(ref.values())
    ev = []
    if "links" in deps:
        ev += [e for e in snap["links"] if e["link_type"] != "relates_to"]
    if "text" in deps:
        ev += snap["text_deps"]
    for e in ev:
        a, b = e["source_issue_id"], e["target_issue_id"]
        if e["link_type"] == "is_blocked_by":
            a, b = b, a
        if a in ref and b in ref and (ref[a], ref[b]) not in ignore:
            G.add_edge(ref[a], ref[b])
    return G


def refkey(r):
    p, i = r.split("#")
    return (p.encode(), int(i))


def knots_of(G):
    ks = [sorted(c, key=refkey) for c in nx.strongly_connected_components(G)
          if len(c) > 1 or G.has_edge(next(iter(c)), next(iter(c)))]
    return sorted(ks, key=lambda k: refkey(k[0]))


class TextDeps(igtest.TestCase, igtest.ClassDir):
    @classmethod
    def setUpClass(cls):
        cls.db = os.path.join(cls.make_class_dir(), "store.db")
        igtest.ig(cls.db, "import", FIXTURE, ok=True)

    def ok(self, *args, code=0):
        rc, out, err = run(*args, db=self.db)
        self.assertEqual(rc, code, "%s: %s" % (" ".join(args), err))
        return out

    def json(self, *args, code=0):
        return json.loads(self.ok(*args, "--format", "json", code=code))

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    # ---- the graph each --deps gives, against networkx ------------------------

    def test_deps__every_command_agrees_with_networkx(self):
        for deps in ("links", "text", "links,text", "text,links"):
            for st in ([], ["--all-states"]):
                with self.subTest(deps=deps, all_states=bool(st)):
                    G = model(deps.split(","), all_states=bool(st))
                    opts = ["--deps", deps] + st
                    cy = self.json("cycles", *opts)
                    self.assertEqual([k["issues"] for k in cy["knots"]], knots_of(G))
                    for k in cy["knots"]:
                        w = k["witness"]
                        self.assertEqual([(e["from"], e["to"]) for e in k["edges"]],
                                         list(zip(w, w[1:] + w[:1])))
                        for e in k["edges"] + k["cut"]:
                            self.assertTrue(G.has_edge(e["from"], e["to"]), e)
                    # check: the same knots, exit 1 when there is one
                    ch = self.json("check", *opts, code=1 if knots_of(G) else 0)
                    self.assertEqual([f["issues"] for f in ch["findings"] if f["kind"] == "knots"],
                                     knots_of(G))
                    # blockers and dependents of every issue: distances as networkx
                    for v in G.nodes:
                        out = self.json("blockers", v, *opts)
                        d = nx.single_source_shortest_path_length(G.reverse(), v)
                        want = sorted(((r, n) for r, n in d.items() if r != v),
                                      key=lambda x: (x[1], refkey(x[0])))
                        self.assertEqual([(b["ref"], b["distance"]) for b in out["blockers"]],
                                         want, v)
                        out = self.json("blockers", "--reverse", v, *opts)
                        d = nx.single_source_shortest_path_length(G, v)
                        self.assertEqual(sorted((b["ref"], b["distance"])
                                                for b in out["dependents"]),
                                         sorted((r, n) for r, n in d.items() if r != v))
                    # order: the condensation, each step before the steps it blocks
                    order = [s["issues"] for s in self.json("order", *opts)["order"]]
                    C = nx.condensation(G)
                    self.assertEqual(sorted(map(sorted, order)),
                                     sorted(sorted(C.nodes[c]["members"]) for c in C.nodes))
                    pos = {r: i for i, s in enumerate(order) for r in s}
                    for a, b in G.edges:
                        if pos[a] != pos[b]:
                            self.assertLess(pos[a], pos[b], (a, b))
                    # path: the longest path of the condensation, by issue count
                    cost = {c: len(C.nodes[c]["members"]) for c in C.nodes}
                    best = {}
                    for c in nx.topological_sort(C):
                        best[c] = cost[c] + max((best[p] for p in C.predecessors(c)), default=0)
                    p = self.json("path", *opts)
                    self.assertEqual(p["cost"], max(best.values()))

    def test_deps__links_only_has_no_knot_text_gives_three(self):
        self.assertEqual(self.json("cycles", "--deps", "links")["knots"], [])
        self.assertEqual(len(self.json("cycles")["knots"]), 3)
        # g/a#1 blocks g/b#7 is a link only: text alone leaves that knot open
        self.assertEqual([k["issues"] for k in self.json("cycles", "--deps", "text")["knots"]],
                         [["g/a#2", "g/a#3"], ["g/a#4", "g/a#5"]])

    # ---- origins and text_in ------------------------------------------------------

    def test_cycles__edges_carry_origins_and_text_in(self):
        k = self.json("cycles")["knots"]
        self.assertEqual(k[0], {
            "issues": ["g/a#1", "g/b#7"], "witness": ["g/a#1", "g/b#7"],
            "witness_shortest": True,
            "edges": [{"from": "g/a#1", "to": "g/b#7", "origins": ["link"]},
                      {"from": "g/b#7", "to": "g/a#1", "origins": ["text"],
                       "text_in": [{"ref": "g/a#1", "line": 3}]}],
            "cut": [{"from": "g/b#7", "to": "g/a#1", "origins": ["text"],
                     "text_in": [{"ref": "g/a#1", "line": 3}]}]})
        self.assertEqual(k[1]["edges"][0], {"from": "g/a#2", "to": "g/a#3",
                                            "origins": ["link", "text"],
                                            "text_in": [{"ref": "g/a#3", "line": 12}]})
        # with text left out, the same edge is a link only
        k = self.json("cycles", "--deps", "links,text", "--all-states")["knots"]
        self.assertEqual(k[2]["cut"], [{"from": "g/a#5", "to": "g/a#4",
                                        "origins": ["link", "text"],
                                        "text_in": [{"ref": "g/a#4", "line": 9}]}])
        k = self.json("cycles", "--deps", "text")["knots"]
        self.assertEqual(k[0]["edges"][0]["origins"], ["text"])

    def test_cycles__text_says_where_to_act(self):
        out = self.ok("cycles")
        self.assertIn("    edit line 3 of the description of g/a#1\n", out)
        self.assertIn("    edit line 5 of the description of g/a#2\n", out)
        self.assertIn("    remove the link g/a#5 -> g/a#4 and edit line 9 of the "
                      "description of g/a#4\n", out)

    def test_check__text_says_where_to_act_on_the_cut(self):
        lines = self.ok("check", code=1).splitlines()
        self.assertTrue(lines[0].endswith(
            "; cut g/b#7 -> g/a#1 (edit line 3 of the description of g/a#1)"), lines[0])
        self.assertTrue(lines[2].endswith(
            "(remove the link g/a#5 -> g/a#4 and edit line 9 of the description of g/a#4)"),
            lines[2])

    def test_report__json_knots_are_cycles_knots_and_text_says_text(self):
        rep = self.json("report")
        self.assertEqual(rep["knots"], self.json("cycles")["knots"])
        self.assertEqual(rep["summary"]["text_deps"], 6)
        md = self.ok("report")
        self.assertIn("edit line 5 of the description of g/a\\#2", md)
        self.assertIn("2 of the cycle's 2 links come from description text.", md)
        junit = self.ok("report", "--format", "junit")
        self.assertIn("remove the link g/a#5 blocks g/a#4 and edit line 9 of the "
                      "description of g/a#4", junit)
        html = self.ok("report", "--format", "html")
        self.assertIn("come from description text", html)

    # ---- --ignore-deps ----------------------------------------------------------------

    def test_ignore_deps__drops_a_dependency_whatever_its_origin(self):
        f = self.write("ignore.txt", "# silence wrong edges\n\n"
                      "g/b#7 g/a#1   # written in g/a#1's description\n"
                      "  g/a#5\tg/a#4\n"          # a link and a text line
                      "g/zz#9 g/a#1\n")           # not in the store: no error
        k = self.json("cycles", "--ignore-deps", f)["knots"]
        self.assertEqual([x["issues"] for x in k], [["g/a#2", "g/a#3"]])
        G = model(["links", "text"], ignore={("g/b#7", "g/a#1"), ("g/a#5", "g/a#4")})
        self.assertEqual([x["issues"] for x in k], knots_of(G))
        out = self.json("blockers", "g/a#4", "--ignore-deps", f)
        self.assertEqual(out["blockers"], [])
        for cmd in ANALYSIS:
            # -o into the test's directory (never a device: -o renames into place;
            # render's format follows the extension)
            self.ok(cmd, "--ignore-deps", f,
                    "-o", self.path(cmd + (".dot" if cmd == "render" else ".out")),
                    code=1 if cmd == "check" else 0)

    def test_ignore_deps__malformed_line_exits_5_naming_file_and_line(self):
        # SPEC "Exit codes": a bad input file is 5 (it was 2 before issue 19)
        f = self.write("bad.txt", "g/a#1 g/a#2\ng/a#1\n")
        for cmd in ANALYSIS + ("blockers",):
            args = [cmd] + (["g/a#1"] if cmd == "blockers" else []) + ["--ignore-deps", f]
            rc, out, err = run(*args, db=self.db)
            self.assertEqual(rc, 5, "%s: %s" % (cmd, err))
            self.assertIn("%s: line 2:" % f, err)
        for text in ("a b\n", "g/a#1 g/a#2 g/a#3\n", "g/a#1 #2\n"):
            rc, out, err = run("cycles", "--ignore-deps", self.write("b2.txt", text), db=self.db)
            self.assertEqual(rc, 5, text)
        rc, out, err = run("cycles", "--ignore-deps", self.write("x", "") + "-missing",
                           db=self.db)
        self.assertEqual(rc, 5, err)

    def test_deps__bad_value_exits_2_on_every_command(self):
        for cmd in ANALYSIS + ("blockers",):
            for bad in ("issues", "links,", "", "links,text,notes"):
                args = [cmd] + (["g/a#1"] if cmd == "blockers" else []) + ["--deps", bad]
                rc, out, err = run(*args, db=self.db)
                self.assertEqual(rc, 2, "%s --deps %r: %s" % (cmd, bad, err))
                self.assertIn("--deps", err)

    # ---- drawing ------------------------------------------------------------------------

    def dot_edges(self, *args):
        dot = self.ok("render", "--cluster", "none", *args)
        edges = {}
        for a, b, attrs in re.findall(r'"([^"]+)" -> "([^"]+)"\s*\[(.*?)\];', dot, re.S):
            kv = dict(re.findall(r'(\w+)=("[^"]*"|[^,\s\]]+)', attrs))
            edges.setdefault((a, b), []).append({k: v.strip('"') for k, v in kv.items()})
        return dot, edges

    def test_render__text_only_edges_are_dotted_with_their_description(self):
        dot, e = self.dot_edges()
        only_text = e[("g/b#7", "g/a#1")][0]
        self.assertEqual(only_text["style"], "dotted")
        self.assertIn("text", only_text["class"].split())
        self.assertEqual(only_text["tooltip"], "text: g/a#1, line 3: blocked by")
        self.assertEqual(e[("g/a#3", "g/a#2")][0]["tooltip"], "text: g/a#2, line 5: blocked by")
        # a link (with or without text) stays solid; relates_to stays dashed without arrow
        both = e[("g/a#2", "g/a#3")][0]
        self.assertNotIn("dotted", both.get("style", ""))
        self.assertNotIn("text", both["class"].split())
        link = e[("g/a#1", "g/b#7")][0]
        self.assertNotIn("style", link)
        rel = [x for x in e[("g/a#4", "g/a#5")] if x["class"] == "relates"][0]
        self.assertEqual((rel["style"], rel["dir"]), ("dashed", "none"))
        txt = [x for x in e[("g/a#4", "g/a#5")] if x["class"] != "relates"][0]
        self.assertEqual(txt["style"], "dotted")
        # --deps links: no text edge at all
        dot, e = self.dot_edges("--deps", "links")
        self.assertNotIn(("g/b#7", "g/a#1"), e)
        self.assertNotIn("dotted", dot)
        # the key says what a dotted edge is
        dot, e = self.dot_edges("--legend")
        self.assertIn("written only in a description", dot)

    def test_render__mermaid_text_edges_have_their_own_form(self):
        mm = self.ok("render", "--format", "mermaid", "--cluster", "none")
        ref_of = {k: v.replace("#35;", "#")
                  for k, v in re.findall(r'^  (n\d+)\["([^"<]+)<br/>', mm, re.M)}
        text, links, rel = set(), set(), set()
        for a, form, b in re.findall(r'^  (n\d+) (-->|-\.->\|"text"\||-\.-) (n\d+)$', mm, re.M):
            {"-->": links, "-.-": rel}.get(form, text).add((ref_of[a], ref_of[b]))
        self.assertEqual(text, {("g/b#7", "g/a#1"), ("g/a#3", "g/a#2"), ("g/a#4", "g/a#5")})
        self.assertEqual(links, {("g/a#1", "g/b#7"), ("g/a#2", "g/a#3"), ("g/a#5", "g/a#4")})
        self.assertEqual(rel, {("g/a#4", "g/a#5")})

    # ---- stats ----------------------------------------------------------------------------

    def test_stats__counts_distinct_text_pairs_whatever_deps(self):
        self.assertEqual(self.json("stats")["text_deps"], 6)
        self.assertEqual(self.json("stats", "--deps", "links")["text_deps"], 6)
        self.assertIn("text deps:  6\n", self.ok("stats"))


if __name__ == "__main__":
    igtest.main()
