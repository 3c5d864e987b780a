#!/usr/bin/env python3
"""The release section of `report --milestone M` (SPEC "report", the
report's "release") against an independent networkx model, on seeded
random stores: milestones with and without due dates (the same title
with several due dates, as milestones of several groups), confidential
issues (a milestone only they carry shows as "(confidential)"), knots,
closed issues, labels (--label narrows M's issues), --all-states and
--show-confidential. The model computes the whole "release" object from
the snapshot alone (and the store's last history point, the date
days_left counts from). The markdown and HTML reports open with the same
section, with people and due dates beside each outside blocker; bad
input; and the bundled example answers "what blocks v2.0, who owns it,
by when" in one report.

IG_RELEASE_GRAPHS=N changes the number of random stores (default 60)."""
import datetime
import json
import os
import random
import re
import sqlite3

import networkx as nx

import igtest

N_GRAPHS = int(os.environ.get("IG_RELEASE_GRAPHS", "60"))
PATHS = ["g/a", "g/a-b", "g/b", "z"]
TITLES = ["v1", "v1", "v2", "v3", "beta"]
DATES = ["2026-11-30", "2027-01-10", "2027-02-01", "2027-03-15"]


def run(db, *args, ok=0):
    return igtest.ig(db, *args, ok=ok, timeout=120)


def ref_key(ref):
    path, iid = ref.rsplit("#", 1)
    return (path.encode(), int(iid))


def make(rng):
    n = rng.randint(1, 35)
    issues, used = [], set()
    # one due date per milestone title: the analysis reads one date per
    # title (the earliest-of-titles rule is checked on its own below)
    title_due = {t: rng.choice([None] + DATES) for t in TITLES}
    for i in range(n):
        p = rng.randrange(len(PATHS))
        iid = rng.randint(1, 60)
        while (p, iid) in used:
            iid += 1
        used.add((p, iid))
        ms = rng.choice([None] + TITLES)
        issues.append({
            "id": 100 + i, "project_id": p + 1, "iid": iid, "title": f"t{i}",
            "state": "closed" if rng.random() < 0.2 else "opened",
            "confidential": rng.random() < 0.2,
            "milestone": ({"title": ms, "due_date": title_due[ms]} if ms else None),
            "due_date": rng.choice(DATES) if rng.random() < 0.25 else None,
            "labels": sorted(rng.sample(["x", "y"], rng.randint(0, 2))),
            "assignees": [{"username": u} for u in rng.sample(["ana", "bo", "cy"],
                                                              rng.randint(0, 2))],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "web_url": f"https://x.example/{PATHS[p]}/-/issues/{iid}"})
    links = []
    for k in range(rng.randint(0, 2 * n)):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            links.append({"id": k + 1, "source_issue_id": 100 + a, "target_issue_id": 100 + b,
                          "link_type": "blocks"})
    projects = [{"id": i + 1, "path_with_namespace": p, "web_url": f"https://x.example/{p}"}
                for i, p in enumerate(PATHS)]
    return {"version": 1, "source": "https://x.example", "projects": projects,
            "issues": issues, "links": links}


def last_point_day(db):
    con = sqlite3.connect(db)
    at = con.execute("SELECT at FROM hist_point ORDER BY id DESC LIMIT 1").fetchone()[0]
    con.close()
    return datetime.date.fromisoformat(at[:10])


def model(snap, milestone, labels, all_states, show_conf, today):
    """The SPEC's release object, from the snapshot alone."""
    paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    iss = {i["id"]: i for i in snap["issues"]}
    ref = {k: f"{paths[i['project_id']]}#{i['iid']}" for k, i in iss.items()}
    is_open = {k: i["state"] == "opened" for k, i in iss.items()}

    def mtitle(k):
        return (iss[k].get("milestone") or {}).get("title")

    def mdue_of(k):
        return (iss[k].get("milestone") or {}).get("due_date")

    def due(k):
        return iss[k].get("due_date") or mdue_of(k)

    def earliest(title):
        ds = [mdue_of(k) for k in iss if mtitle(k) == title and mdue_of(k)]
        return min(ds) if ds else None

    G = nx.DiGraph()
    G.add_nodes_from(k for k in iss if all_states or is_open[k])
    for l in snap["links"]:
        a, b = l["source_issue_id"], l["target_issue_id"]
        if l["link_type"] == "is_blocked_by":
            a, b = b, a
        elif l["link_type"] != "blocks":
            continue
        if a in G and b in G:
            G.add_edge(a, b)
    sel = {k for k in iss if mtitle(k) == milestone
           and all(lb in iss[k].get("labels", []) for lb in labels)}
    in_knot = set()
    for comp in nx.strongly_connected_components(G):
        if len(comp) > 1:
            in_knot |= comp
    sel_open = {k for k in sel if is_open[k]}
    ready = {v for v in sel_open if v not in in_knot
             and not any(is_open[u] for u in G.predecessors(v))}
    in_knots = len(sel_open & in_knot)
    conflicts = 0
    for x, y in G.edges():
        if y in sel and is_open[x] and is_open[y] and due(y) and (not due(x) or due(x) > due(y)):
            conflicts += 1
    # waves of order --milestone M: condensation levels, the largest in scope
    C = nx.condensation(G)
    wave = {}
    for c in nx.topological_sort(C):
        wave[c] = 1 + max((wave[p] for p in C.predecessors(c)), default=0)
    keep = {v for v in sel if v in G}
    for v in list(keep):
        keep |= nx.ancestors(G, v)
    waves = max((wave[C.graph["mapping"][v]] for v in keep), default=0)
    # outside blockers, by their milestone as shown
    public = {mtitle(k) for k in iss if mtitle(k) and not iss[k].get("confidential")}
    groups = {}
    for v in G:
        if v in sel or not is_open[v]:
            continue
        blocks = [w for w in G.successors(v) if w in sel and is_open[w]]
        if not blocks:
            continue
        t = mtitle(v)
        hidden = t and iss[v].get("confidential") and not show_conf and t not in public
        key = "(confidential)" if hidden else t
        g = groups.setdefault(key, {"titles": set(), "issues": []})
        if t:
            g["titles"].add(t)
        g["issues"].append({"ref": ref[v], "blocks": sorted((ref[w] for w in blocks),
                                                            key=ref_key)})
    out = []
    for key, g in groups.items():
        ds = [earliest(t) for t in g["titles"] if earliest(t)]
        out.append({"milestone": key, "due_date": min(ds) if ds else None,
                    "issues": sorted(g["issues"], key=lambda x: ref_key(x["ref"]))})
    out.sort(key=lambda g: (g["milestone"] is None, g["due_date"] is None,
                            g["due_date"] or "", (g["milestone"] or "").encode()))
    mdue = earliest(milestone)
    days = ((datetime.date.fromisoformat(mdue) - today).days if mdue else None)
    opened = sum(1 for k in sel if is_open[k])
    return {"milestone": milestone, "due_date": mdue, "days_left": days,
            "issues": {"opened": opened, "closed": len(sel) - opened},
            "ready": len(ready), "blocked": opened - len(ready) - in_knots,
            "in_knots": in_knots, "outside_blockers": out, "conflicts": conflicts,
            "waves": waves}


def unescape_md(s):
    return re.sub(r"\\(.)", r"\1", s)


def people_of(snap, ref_wanted):
    paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    for i in snap["issues"]:
        if f"{paths[i['project_id']]}#{i['iid']}" == ref_wanted:
            return ["@" + a["username"] for a in i.get("assignees", [])]
    raise KeyError(ref_wanted)


class Release(igtest.TestCase, igtest.ClassDir):
    """N_GRAPHS seeded random stores made once; two queries each."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.graphs = []
        for seed in range(1, N_GRAPHS + 1):
            rng = random.Random(seed)
            snap = make(rng)
            path = igtest.write_json(os.path.join(tmp, f"s{seed}.json"), snap)
            db = os.path.join(tmp, f"s{seed}.db")
            run(db, "import", "-q", path)
            titles = sorted({(i["milestone"] or {}).get("title") for i in snap["issues"]}
                            - {None})
            queries = []
            for _ in range(2):
                if not titles:
                    break
                m = rng.choice(titles)
                carried = {lb for i in snap["issues"]
                           if (i["milestone"] or {}).get("title") == m for lb in i["labels"]}
                labels = [rng.choice(sorted(carried))] if carried and rng.random() < 0.3 else []
                queries.append((m, labels, rng.random() < 0.25, rng.random() < 0.25))
            cls.graphs.append((seed, snap, db, last_point_day(db), queries))

    def args(self, m, labels, all_states, show_conf):
        a = ["report", "--milestone", m]
        for lb in labels:
            a += ["--label", lb]
        if all_states:
            a.append("--all-states")
        if show_conf:
            a.append("--show-confidential")
        return a

    def test_release_json_equals_the_networkx_model(self):
        compared = nonempty = hidden = undated = 0
        for seed, snap, db, today, queries in self.graphs:
            for q in queries:
                with self.subTest(seed=seed, query=q):
                    got = json.loads(run(db, *self.args(*q), "--format", "json").stdout)
                    want = model(snap, q[0], q[1], q[2], q[3], today)
                    self.assertEqual(got.get("release"), want)
                    self.assertEqual(want["ready"] + want["blocked"] + want["in_knots"],
                                     want["issues"]["opened"])
                    compared += 1
                    nonempty += bool(want["outside_blockers"])
                    hidden += any(g["milestone"] == "(confidential)"
                                  for g in want["outside_blockers"])
                    undated += want["due_date"] is None
        # the random stores reach every case the model tells apart
        self.assertGreater(compared, N_GRAPHS)
        self.assertGreater(nonempty, 5)
        self.assertGreater(undated, 0)
        if N_GRAPHS >= 60:
            self.assertGreater(hidden, 0)

    def test_no_release_without_milestone(self):
        db = self.graphs[0][2]
        got = json.loads(run(db, "report", "--format", "json").stdout)
        self.assertNotIn("release", got)
        self.assertNotIn("## Release", run(db, "report").stdout)

    def test_markdown_and_html_open_with_the_same_section(self):
        checked = 0
        for seed, snap, db, today, queries in self.graphs:
            for q in queries:
                with self.subTest(seed=seed, query=q):
                    rel = json.loads(run(db, *self.args(*q), "--format", "json").stdout)["release"]
                    md = run(db, *self.args(*q)).stdout
                    heads = re.findall(r"^## (.*)$", md, re.M)
                    self.assertEqual(unescape_md(heads[0]), f"Release {q[0]}",
                                     "the markdown report opens with the release")
                    sec = md.split("\n## ", 2)[1]
                    plain = unescape_md(sec)
                    row = re.search(r"^\| Days left \| (.+) \|$", plain, re.M)
                    self.assertTrue(row and row.group(1).strip(), "Days left is shown")
                    if rel["days_left"] is None:
                        self.assertEqual(row.group(1), "none (no due date)")
                        self.assertIn("No due date", plain)
                    else:
                        self.assertEqual(row.group(1).split()[0], str(rel["days_left"]))
                    for label, key in (("Open issues", None), ("Ready now", "ready"),
                                       ("Blocked", "blocked"), ("In knots", "in_knots"),
                                       ("Due-date conflicts", "conflicts"),
                                       ("Waves left", "waves")):
                        want = rel["issues"]["opened"] if key is None else rel[key]
                        self.assertIn(f"| {label} | {want} |", plain)
                    # groups in order, each blocker with its people and due date
                    got_groups = re.findall(r"^#### (.*)$", plain, re.M)
                    want_groups = [
                        "No milestone" if g["milestone"] is None else
                        f"Milestone {g['milestone']} (due {g['due_date']})" if g["due_date"]
                        else f"Milestone {g['milestone']} (no due date)"
                        for g in rel["outside_blockers"]]
                    self.assertEqual(got_groups, want_groups)
                    html = run(db, *self.args(*q), "--format", "html").stdout
                    body = html.split("<body>", 1)[1]
                    self.assertLess(body.find('id="ig-release"'), body.find('id="ig-summary"'))
                    self.assertLess(body.find('id="ig-release"'), body.find('id="ig-diagram"'))
                    hsec = body.split('id="ig-release"', 1)[1].split("</section>", 1)[0]
                    self.assertEqual(re.findall(r"<h4>([^<]*)</h4>", hsec),
                                     [g.replace("&", "&amp;") for g in want_groups])
                    for g in rel["outside_blockers"]:
                        for x in g["issues"]:
                            line = re.search(r"^- \[" + re.escape(x["ref"]) + r"\].*$",
                                             plain, re.M)
                            self.assertTrue(line, f"markdown lists {x['ref']}")
                            who = people_of(snap, x["ref"])
                            self.assertIn(" ".join(who) if who else "unassigned",
                                          line.group(0))
                            self.assertRegex(line.group(0), r"· (due \d{4}-\d\d-\d\d|no due date)")
                            self.assertIn("blocks " + ", ".join(
                                f"[{b}]" for b in x["blocks"]), re.sub(r"\]\([^)]*\)", "]",
                                                                       line.group(0)))
                            li = re.search(r'<li><a class="ig-issue"[^>]*data-ref="'
                                           + re.escape(x["ref"]) + r'".*?</li>', hsec)
                            self.assertTrue(li, f"HTML lists {x['ref']}")
                            self.assertIn('<span class="ig-people">'
                                          + (" ".join(who) if who else "unassigned"),
                                          li.group(0))
                            checked += 1
        self.assertGreater(checked, 5)

    def test_unknown_milestone_names_the_nearest(self):
        db = self.path("ex.db")
        run(db, "import", "-q", igtest.EXAMPLE)
        for fmt in ("markdown", "json", "html"):
            p = run(db, "report", "--milestone", "V2.O", "--format", fmt, ok=2)
            self.assertIn("did you mean 'v2.0'", p.stderr)
            self.assertEqual(p.stdout, "")


class Example(igtest.TestCase):
    """The bundled example: one report --milestone v2.0 says what blocks
    v2.0 from outside, who owns each blocker and by when."""

    def test_what_blocks_v2_0_who_owns_it_by_when(self):
        db = self.path("ex.db")
        run(db, "import", "-q", igtest.EXAMPLE)
        snap = igtest.read_json(igtest.EXAMPLE)
        rel = json.loads(run(db, "report", "--milestone", "v2.0", "--format",
                             "json").stdout)["release"]
        want = model(snap, "v2.0", [], False, False, last_point_day(db))
        self.assertEqual(rel, want)
        self.assertEqual(rel["due_date"], "2026-12-15")
        self.assertEqual([g["milestone"] for g in rel["outside_blockers"]], ["v2.1", None])
        md = unescape_md(run(db, "report", "--milestone", "v2.0").stdout)
        self.assertTrue(md.split("\n## ", 1)[1].startswith("Release v2.0"))
        self.assertIn("Due 2026-12-15", md)
        self.assertRegex(md, r"- \[acme/platform/api#7\]\([^)]*\) Deprecate /v1/orders with a "
                             r"Sunset header · @bilal @ana · due 2027-02-01 \(milestone v2\.1\) "
                             r"· blocks \[acme/docs#2\]")
        self.assertRegex(md, r"#### No milestone\n\n- \[acme/platform/web#12\]\([^)]*\) "
                             r"Upgrade to React 19 · @chen · no due date · blocks "
                             r"\[acme/platform/web#7\]")

    def test_due_date_is_the_earliest_of_the_milestones_of_that_title(self):
        # milestones of several groups share a title: M's and each group's
        # date is the earliest among them (a closed issue's milestone too)
        snap = igtest.read_json(igtest.EXAMPLE)
        extra = dict(snap["issues"][0])
        base = max(i["id"] for i in snap["issues"])
        for k, (title, due) in enumerate((("v2.0", "2026-12-01"), ("v2.1", "2027-01-20"))):
            x = json.loads(json.dumps(extra))
            x.update({"id": base + 1 + k, "iid": 900 + k, "state": "closed",
                      "closed_at": "2026-06-01T00:00:00Z", "due_date": None,
                      "milestone": {"title": title, "due_date": due}})
            snap["issues"].append(x)
        db = self.import_snapshot(snap)
        rel = json.loads(run(db, "report", "--milestone", "v2.0", "--format",
                             "json").stdout)["release"]
        self.assertEqual(rel["due_date"], "2026-12-01")
        self.assertEqual(rel["days_left"],
                         (datetime.date(2026, 12, 1) - last_point_day(db)).days)
        self.assertEqual(rel["outside_blockers"][0]["milestone"], "v2.1")
        self.assertEqual(rel["outside_blockers"][0]["due_date"], "2027-01-20")

    def test_milestone_without_due_date(self):
        snap = igtest.read_json(igtest.EXAMPLE)
        for i in snap["issues"]:
            if (i.get("milestone") or {}).get("title") == "v2.0":
                i["milestone"]["due_date"] = None
        db = self.import_snapshot(snap)
        rel = json.loads(run(db, "report", "--milestone", "v2.0", "--format",
                             "json").stdout)["release"]
        self.assertIsNone(rel["due_date"])
        self.assertIn("days_left", rel)
        self.assertIsNone(rel["days_left"])
        md = unescape_md(run(db, "report", "--milestone", "v2.0").stdout)
        self.assertIn("| Days left | none (no due date) |", md)
        self.assertIn("| Due date | none |", md)
        html = run(db, "report", "--milestone", "v2.0", "--format", "html").stdout
        self.assertIn("<th>Days left</th><td class=\"n\">none (no due date)</td>", html)
        self.assertNotRegex(html, r"<td class=\"n\"></td>")


if __name__ == "__main__":
    igtest.main()
