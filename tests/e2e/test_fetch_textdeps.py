"""fetch reads text dependencies ("Blocked by #12") from descriptions (SPEC
"Text dependencies"), against tests/fixtures/textdeps_server.json, whose
expected text_deps are written by hand (the server returns them in its
readable snapshot; nothing here or there reads descriptions with
issuegraph's code).

- Free tier (no blocks links): the store equals the server's readable data,
  text_deps included; the issue reachable only through text, in a project
  the seeds do not cover, is crawled; references are batched with iids[]
  (no per-issue request); dropped references are counted in the summary;
  the placeholder warning; the 500 cap; the Free-tier note; cycles, path,
  check, render and report find the knot and the critical path written only
  in descriptions.
- Mixed tier (some blocks links): the same, with the links.
- --no-text-deps crawls in full and removes them; turning it back on
  brings them back.
- An incremental fetch after a description edit replaces that issue's
  text dependencies.
- Killed inside a write transaction, then resumed: the same store.
- A moved issue whose target GET /issues/:id refuses (not an administrator):
  the reference is dropped and counted.
- The grammar's version is a crawl option: a store filled under grammar 1
  (no version recorded, or version 1) is read again in full by the next
  fetch (every issue's links asked again, the dependencies only grammar 2
  reads come in), which starts a history restart: `changes` shows no knot
  as new.
"""
import json
import os
import re
import sqlite3
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (SRC, TOKEN, ServerProcess, check, control, export,  # noqa: E402
                           finish, issue, project, readable, reset_stats, run, stats, tmpdir,
                           write_snapshot)
import igtest  # noqa: E402

FIXTURE = os.path.join(SRC, "tests", "fixtures", "textdeps_server.json")
# the fixture's references reach into namespaces no seed covers (gamma,
# group): this file tests reading them, so every project is in scope
# (test_fetch_textscope.py tests the scope)
SEEDS = ["--group", "alpha", "--group", "beta", "--text-deps-scope", "instance"]
SERVER_ARGS = ["--token", TOKEN, "--private", "gamma/secret", "--issues-disabled",
               "gamma/locked"]
TYPES = {1: "blocks", 2: "is_blocked_by"}

d = tmpdir()
with open(FIXTURE) as f:
    DATA = json.load(f)
ID = {"%s#%d" % (p["path_with_namespace"], i["iid"]): i["id"]
      for p in DATA["projects"] for i in DATA["issues"] if i["project_id"] == p["id"]}


def text_deps(db):
    """The store's text dependencies in snapshot form: from export when it
    writes them, else read from the store's table."""
    got, err = export(db)
    if got is not None and "text_deps" in got:
        return got["text_deps"]
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT source_id, target_id, type, line, phrase FROM text_deps "
                       "ORDER BY source_id, target_id, type, line").fetchall()
    con.close()
    return [{"source_issue_id": s, "target_issue_id": t, "link_type": TYPES[ty], "line": li,
             "phrase": ph} for s, t, ty, li, ph in rows]


def dropped(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT issue_id, blocker_refs, all_refs FROM text_dropped").fetchall()
    con.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def same_store(db, snap, what):
    """export == the readable snapshot (projects: those holding issues, as
    a crawl stores only projects it stored issues of), text_deps included."""
    got, err = export(db)
    if got is None:
        check(False, what + ": export failed: " + err)
        return
    with_issues = {i["project_id"] for i in snap["issues"]}
    exp_projects = [p for p in snap["projects"] if p["id"] in with_issues]
    ok = True
    for key, exp in (("projects", exp_projects), ("issues", snap["issues"]),
                     ("links", snap["links"])):
        if got[key] != exp:
            ok = False
            print("     %s differ: %d stored, %d expected" % (key, len(got[key]), len(exp)))
    td = text_deps(db)
    if td != snap["text_deps"]:
        ok = False
        a = {json.dumps(x, sort_keys=True) for x in td}
        b = {json.dumps(x, sort_keys=True) for x in snap["text_deps"]}
        print("     text_deps: extra %s\n     missing %s" % (sorted(a - b)[:5],
                                                          sorted(b - a)[:5]))
    check(ok, what)


def log_lines(path):
    with open(path) as f:
        return [ln.split()[1] for ln in f if ln.startswith("GET /api/")]


def fetch(srv, db, *extra, env=None):
    return run(["fetch", "--url", srv.url, "--no-progress"] + SEEDS + list(extra), db,
               env=env)


class FetchTextDeps(igtest.TestCase):
    def test_1_free_tier_text_deps_are_the_only_dependencies(self):
        # ---- Free tier ---------------------------------------------------------------
        log = os.path.join(d, "free.log")
        with ServerProcess(FIXTURE, *SERVER_ARGS, "--tier", "free", "--log", log) as srv:
            snap = readable(srv)
            check(snap["links"] and all(ln["link_type"] == "relates_to" for ln in snap["links"]),
                  "free tier: the server serves relates_to links only")
            db = os.path.join(d, "free.db")
            rc, out, err = fetch(srv, db)
            check(rc == 0, "free tier: fetch exits 0 (%s)" % err.strip()[-300:])
            same_store(db, snap, "free tier: the store equals the server's data, text deps included")

            got = export(db)[0] or {"issues": [], "projects": []}
            stored = {i["id"] for i in got["issues"]}
            check({ID["gamma/ext#1"], ID["gamma/ext#2"]} <= stored,
                  "free tier: issues reachable only through text, in a project no seed covers, "
                  "are crawled (two hops deep)")
            check(ID["gamma/ext#3"] in stored and
                  {"source_issue_id": ID["alpha/app#13"], "target_issue_id": ID["gamma/ext#3"],
                   "link_type": "is_blocked_by", "line": 1, "phrase": "blocked by"} in text_deps(db),
                  "free tier: a reference to a moved issue stands for the issue it moved to")
            check("gamma/locked" not in [p["path_with_namespace"] for p in got["projects"]] and
                  "gamma/secret" not in [p["path_with_namespace"] for p in got["projects"]],
                  "free tier: 403 and 404 projects are not stored")

            paths = log_lines(log)
            single = [p for p in paths if re.match(r"^/api/v4/projects/[^/]+/issues/\d+$", p)]
            check(single == [], "free tier: no per-issue request (%s)" % single[:3])
            # (percent-escapes may come lower-case: the client rebases every URL on
            # the instance through curl's URL API, which writes them so)
            batches = [p for p in paths if "iids%5b%5d=" in p.lower() or "iids[]=" in p]
            sizes = [p.count("iids") for p in batches]
            check(batches and max(sizes) <= 100, "free tier: references are listed in iids[] "
                  "batches of at most 100 (%s)" % sizes)

            m = re.search(r"(\d+) dependencies from text, (\d+) references dropped", err)
            check(m is not None and int(m.group(1)) == 523 and int(m.group(2)) == 26,
                  "free tier: the summary counts 523 dependencies and 26 dropped references "
                  "(%s)" % (m.group(0) if m else err.strip()[-300:]))
            check(re.search(r"warning: .*group/project#123 is named in 22 descriptions", err)
                  is not None, "free tier: warns about the placeholder in 22 descriptions")
            check("20 references not read" in err and "500" in err,
                  "free tier: warns that 20 references are over the 500 cap")
            n17 = sum(1 for t in text_deps(db) if t["source_issue_id"] == ID["alpha/app#17"])
            check(n17 == 500, "free tier: 500 references of a 520-reference description (%d)" % n17)
            dr = dropped(db)
            check(dr.get(ID["alpha/app#14"]) == (2, 2) and dr.get(ID["alpha/app#15"]) == (1, 1) and
                  dr.get(ID["alpha/app#16"]) == (1, 1) and dr.get(ID["alpha/app#17"]) == (0, 20) and
                  dr.get(ID["beta/api#2"]) == (1, 1),
                  "free tier: dropped references are stored per issue (%s)" %
                  {k: v for k, v in dr.items() if k < 5005})
            check(re.search(r"no 'blocks' link found.*523 dependencies were found in descriptions",
                            err) is not None,
                  "free tier: the note says no blocks link was seen and how many text deps instead")

            # the analysis sees the knot and the critical path written only in text
            KNOT = ["alpha/app#1", "alpha/lib#1"]
            PATH = ["beta/web#1", "beta/web#2", "beta/web#3", "beta/web#4", "beta/api#1"]
            rc, out, err = run(["cycles", "--format", "json"], db)
            knots = json.loads(out)["knots"] if rc == 0 else []
            check([k["issues"] for k in knots] == [KNOT],
                  "free tier: cycles finds the knot written in two projects' descriptions (%s)"
                  % [k["issues"] for k in knots])
            rc, out, err = run(["path", "--format", "json"], db)
            steps = [st["issues"] for st in json.loads(out)["path"]] if rc == 0 else []
            check(steps == [[r] for r in PATH],
                  "free tier: path is the critical path written in descriptions (%s)" % steps)
            rc, out, err = run(["check"], db)
            check(rc == 1 and "alpha/app#1" in out + err and "alpha/lib#1" in out + err,
                  "free tier: check fails on the text knot (exit %d)" % rc)
            rc, out, err = run(["render"], db)
            check(rc == 0 and re.search(r'"alpha/app#1" -> "alpha/lib#1"', out) and
                  re.search(r'"beta/web#3" -> "beta/web#4"', out),
                  "free tier: render draws text dependencies as blocking edges")
            rc, out, err = run(["report", "--format", "json"], db)
            rep = json.loads(out) if rc == 0 else {}
            check([k["issues"] for k in rep.get("knots", [])] == [KNOT] and
                  [st["issues"] for st in rep.get("path", {}).get("path", [])] == [[r] for r in PATH],
                  "free tier: report holds the text knot and critical path")
            rc, out, err = run(["cycles", "--format", "json", "--deps", "links"], db)
            check(rc == 0 and json.loads(out)["knots"] == [],
                  "free tier: with --deps links alone there is no knot (no blocks link)")

            # one seed naming 500 issues nobody else stored: five iids[] batches of 100
            with open(log, "w"):
                pass
            rc, out, err = run(["fetch", "--url", srv.url, "--no-progress", "--issue", "alpha/app#17",
                                "--depth", "1", "--text-deps-scope", "instance"], os.path.join(d, "one.db"))
            many = [p for p in log_lines(log) if p.startswith("/api/v4/projects/3/")]
            check(rc == 0 and len(many) == 5 and all(p.count("iids") == 100 for p in many),
                  "500 references to one project: five iids[] requests of 100 (%s)"
                  % [p.count("iids") for p in many])
            check(len(text_deps(os.path.join(d, "one.db"))) == 500,
                  "500 references to one project: 500 text deps stored")

            # an incremental fetch after a description edit replaces its text deps
            app3 = ID["alpha/app#3"]
            control(srv, "change", {"op": "edit_description", "issue": app3,
                                    "description": "Intro\nNeeds #11 and ~~#7~~",
                                    "text_deps": [{"target_issue_id": ID["alpha/app#11"],
                                                   "link_type": "is_blocked_by", "line": 2,
                                                   "phrase": "needs"}]})
            rc, out, err = fetch(srv, db)
            snap2 = readable(srv)
            check(rc == 0 and "changes only" in err, "edit: the next fetch is incremental (%s)"
                  % err.strip()[-200:])
            mine = [t for t in text_deps(db) if t["source_issue_id"] == app3]
            check(mine == [{"source_issue_id": app3, "target_issue_id": ID["alpha/app#11"],
                            "link_type": "is_blocked_by", "line": 2, "phrase": "needs"}],
                  "edit: the edited issue's text deps are replaced (%s)" % mine)
            same_store(db, snap2, "edit: the whole store equals the server's data again")

            # kill inside a write transaction, then resume
            for n in (2, 9, 25, 80):
                kdb = os.path.join(d, "kill%d.db" % n)
                rc, out, err = fetch(srv, kdb, "--jobs", "3",
                                     env={"ISSUEGRAPH_TEST_KILL_AT_COMMIT": str(n)})
                check(rc == -9, "kill at commit %d: the fetch was killed (rc %d)" % (n, rc))
                rc, out, err = fetch(srv, kdb, "--jobs", "3")
                check(rc == 0 and "resumed" in err, "kill at commit %d: the next fetch resumes "
                      "(%s)" % (n, err.strip()[-200:]))
                same_store(kdb, snap2, "kill at commit %d: the resumed store is complete" % n)

    def test_2_mixed_tier_blocks_links_too(self):
        # ---- mixed tier: blocks links too ----------------------------------------------
        with ServerProcess(FIXTURE, *SERVER_ARGS) as srv:
            snap = readable(srv)
            check(any(ln["link_type"] == "blocks" for ln in snap["links"]),
                  "mixed tier: the server serves blocks links")
            db = os.path.join(d, "mixed.db")
            rc, out, err = fetch(srv, db)
            check(rc == 0 and "no 'blocks' link" not in err, "mixed tier: fetch exits 0, no "
                  "Free-tier note")
            same_store(db, snap, "mixed tier: the store equals the server's data, links and text deps")

            rc, out, err = fetch(srv, db, "--no-text-deps")
            check(rc == 0 and "changes only" not in err and "dependencies from text" not in err,
                  "--no-text-deps: a changed crawl option crawls in full (%s)" % err.strip()[-200:])
            check(text_deps(db) == [] and dropped(db) == {},
                  "--no-text-deps: stored text deps and dropped counts are removed")
            got = export(db)[0]
            check(got is not None and got["links"] == snap["links"], "--no-text-deps: links stay")
            rc, out, err = fetch(srv, db)
            check(rc == 0 and "changes only" not in err, "text deps back on: crawls in full")
            same_store(db, snap, "text deps back on: the store is complete again")

    def test_3_a_moved_issue_only_an_administrator_can_follow(self):
        # ---- a moved issue whose target only an administrator may look up --------------
        with ServerProcess(FIXTURE, *SERVER_ARGS, "--no-admin") as srv:
            db = os.path.join(d, "noadmin.db")
            rc, out, err = fetch(srv, db)
            m = re.search(r"(\d+) references dropped", err)
            check(rc == 0 and m is not None and int(m.group(1)) == 27,
                  "not an administrator: GET /issues/:id answers 403, the moved reference is "
                  "dropped and counted (%s)" % (m.group(0) if m else err.strip()[-200:]))
            td = [t for t in text_deps(db) if t["source_issue_id"] == ID["alpha/app#13"]]
            check(td == [] and dropped(db).get(ID["alpha/app#13"]) == (1, 1),
                  "not an administrator: no text dep for the moved reference (%s)" % td)

    def test_4_a_store_read_under_grammar_1_is_read_again_in_full(self):
        # Two knots only grammar 2 sees ("blocked on", "waiting on ... to be
        # merged", a "## Blockers" list), beside dependencies both read.
        texts = {1: "Blocked on #2", 2: "Waiting on #1 to be merged", 3: "Blocked by #4",
                 4: "## Blockers\n\n- [ ] #3", 5: "Depends on #1"}
        issues = []
        for n, text in texts.items():
            i = issue(100 + n, 1, n, 10 * n, path="g/app")
            i["description"] = text
            issues.append(i)
        snap = {"source": "https://gitlab.example.com", "version": 1,
                "projects": [project(1, "g/app")], "issues": issues, "links": []}
        gd = os.path.join(d, "grammar")
        os.makedirs(gd, exist_ok=True)
        data = write_snapshot(snap, gd)
        # (source, target, line, phrase): a heading list's dependency has the
        # item's line and the heading's words
        ALL = {(101, 102, 1, "blocked on"), (102, 101, 1, "waiting on"),
               (103, 104, 1, "blocked by"), (104, 103, 3, "blockers"), (105, 101, 1, "depends on")}
        OLD = {(103, 104, 1, "blocked by"), (105, 101, 1, "depends on")}  # what grammar 1 reads
        KNOTS = [["g/app#1", "g/app#2"], ["g/app#3", "g/app#4"]]

        def deps(db):
            return {(t["source_issue_id"], t["target_issue_id"], t["line"], t["phrase"])
                    for t in text_deps(db)}

        def knots(db):
            rc, out, err = run(["cycles", "--format", "json"], db)
            return [k["issues"] for k in json.loads(out)["knots"]] if rc == 0 else None

        for old in ("", " grammar=1"):
            what = "grammar%s" % (old.strip() and " 1 recorded" or " not recorded")
            with ServerProcess(data, "--token", TOKEN) as srv:
                db = os.path.join(gd, "store%d.db" % len(old))
                rc, out, err = run(["fetch", "--url", srv.url, "--no-progress", "--project",
                                    "g/app"], db)
                check(rc == 0 and deps(db) == ALL and knots(db) == KNOTS,
                      "%s: grammar 2 reads every form and finds both knots (%s)" % (what, err[-200:]))
                # the store as grammar 1 left it: its text deps, its options
                # (history off while the rows go, as if never stored)
                con = sqlite3.connect(db)
                opts = con.execute("SELECT value FROM meta WHERE key = 'fetch.options'").fetchone()[0]
                check(" grammar=2" in opts.split("\n")[0],
                      "%s: the store records the grammar among the crawl options (%r)" % (what, opts))
                con.execute("INSERT INTO meta(key, value) VALUES('history.bulk', '1')")
                con.execute("DELETE FROM text_deps WHERE phrase NOT IN ('blocked by', 'depends on')")
                con.execute("DELETE FROM meta WHERE key = 'history.bulk'")
                con.execute("UPDATE meta SET value = replace(value, ' grammar=2', ?) "
                            "WHERE key = 'fetch.options'", (old,))
                con.execute("UPDATE hist_point SET config = replace(config, ' grammar=2', ?)", (old,))
                con.commit()
                con.close()
                check(deps(db) == OLD and knots(db) == [], "%s: the faked old store has no knot" % what)

                reset_stats(srv)
                rc, out, err = run(["fetch", "--url", srv.url, "--no-progress"], db)
                asked = stats(srv)["by_kind"]
                check(rc == 0 and "changes only" not in err,
                      "%s: the next fetch crawls in full (%s)" % (what, err.strip()[-200:]))
                check(asked.get("links") == len(issues) and asked.get("issues_list", 0) >= 1,
                      "%s: every issue is read again (%s)" % (what, asked))
                check(deps(db) == ALL and knots(db) == KNOTS,
                      "%s: the dependencies grammar 2 reads are in the store (%s)"
                      % (what, sorted(ALL - deps(db))))
                rc, out, err = run(["changes", "--format", "json"], db)
                ch = json.loads(out) if rc == 0 else {}
                check(rc == 0 and ch.get("since") is None and ch["knots"]["new"] == [] and
                      "crawl options differ" in err,
                      "%s: a history restart: changes shows no new knot (%s / %s)"
                      % (what, ch.get("knots"), err.strip()[-200:]))

                reset_stats(srv)
                rc, out, err = run(["fetch", "--url", srv.url, "--no-progress"], db)
                check(rc == 0 and "changes only" in err and not stats(srv)["by_kind"].get("links"),
                      "%s: the fetch after is incremental again (%s)" % (what, err.strip()[-200:]))


if __name__ == "__main__":
    igtest.main()
