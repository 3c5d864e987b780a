"""fetch crawls what it should, exactly: the example group, a chain across 30
projects from one seed issue (with a private project and --depth), a project
over the paging threshold (updated_after continuation), the incremental
rule, --full pruning, a moved project, and seeds that do not exist."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (SRC, TOKEN, ServerProcess, big_snapshot, chain_snapshot, check,  # noqa
                           control, expected, finish, issue, project, readable, reset_stats, run,
                           same_as, stats, tmpdir, write_snapshot)
import igtest  # noqa: E402

d = tmpdir()


def hostile_snapshot():
    snap = {"version": 1, "source": "https://gitlab.example.com",
            "projects": [project(1, "h/app"), project(2, "h/lib")],
            "issues": [issue(100 + k, 1, k, 10 * k, path="h/app") for k in range(1, 11)]
            + [issue(201, 2, 1, 5, path="h/lib")],
            "links": [{"id": 1, "source_issue_id": 101, "target_issue_id": 109,
                       "link_type": "blocks"},
                      {"id": 2, "source_issue_id": 101, "target_issue_id": 201,
                       "link_type": "blocks"}]}
    # a title import accepts (output escapes it), to carry through the round trip
    snap["issues"][0]["title"] = "ok \x1b[2J \x1b]52;c;QQ==\x07 \u009b \\ \t\r\n"
    return snap


hostile_file = os.path.join(d, "hostile.json")


class FetchCrawl(igtest.TestCase):
    def test_01_the_example_group(self):
        # 1. The bundled example, as the README's script runs it.
        with ServerProcess(os.path.join(SRC, "examples", "example.json"), "--token", TOKEN) as srv:
            db = os.path.join(d, "example.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "acme"], db)
            check(rc == 0, "example: fetch --group acme exits 0 (%d: %s)" % (rc, err.strip()[-300:]))
            snap = readable(srv)
            same_as(db, expected(snap, seed_projects=[p["path_with_namespace"] for p in snap["projects"]
                                                      if p["path_with_namespace"].startswith("acme/")]),
                    "example: the store equals the server's readable data")
            rc, out, err = run(["stats", "--format", "json"], db)
            check(rc == 0 and '"--group acme"' in out, "example: stats shows the recorded seed")

    def test_02_a_chain_across_30_projects_from_one_issue(self):
        # 2. A chain across 30 projects reached from one seed issue.
        snapfile = write_snapshot(chain_snapshot(30), d)
        with ServerProcess(snapfile, "--token", TOKEN, "--private", "secret/hidden") as srv:
            snap = readable(srv)
            db = os.path.join(d, "chain.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--issue", "chain/p01#1", "--jobs", "4"], db)
            check(rc == 0, "chain: fetch --issue exits 0 (%s)" % err.strip()[-300:])
            exp = expected(snap, seed_issues=[("chain/p01", 1)])
            check(len({i["project_id"] for i in exp["issues"]}) == 30, "chain: the oracle reaches 30 projects")
            same_as(db, exp, "chain: the store equals what the crawl should reach")
            check("other/alone" not in open(db, "rb").read().decode("latin-1"),
                  "chain: an unlinked project is not fetched")
            # render marks the projects outside the seeds (the seeds come to
            # render through cli's view): only chain/p01 is a seed's project
            rc, out, err = run(["render", "--all-states"], db)
            r = subprocess.run(["dot", "-Tjson0"], input=out, capture_output=True, text=True)
            boxes = {o.get("label"): o.get("class") for o in json.loads(r.stdout)["objects"]
                     if o["name"].startswith("cluster")}
            check(rc == 0 and len(boxes) == 30 and boxes.get("chain/p01") == "cluster"
                  and all(c == "cluster foreign" for k, c in boxes.items() if k != "chain/p01"),
                  "chain: render marks every project but the seed's as foreign: %r" % boxes)

            # --depth 3: seeds hop 0, links read for hops 0..2
            db3 = os.path.join(d, "chain3.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--issue", "chain/p01#1", "--depth", "3"], db3)
            check(rc == 0, "depth: exits 0")
            same_as(db3, expected(snap, seed_issues=[("chain/p01", 1)], depth=3),
                    "depth: --depth 3 stores exactly three hops and their neighbours")

            # --follow-related expands relates_to neighbours too
            dbr = os.path.join(d, "chainr.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--issue", "chain/p03#1", "--follow-related"],
                               dbr)
            check(rc == 0, "related: exits 0")
            same_as(dbr, expected(snap, seed_issues=[("chain/p03", 1)], follow_related=True),
                    "related: --follow-related expands relates_to neighbours")

            # seeds that do not exist or are not readable
            for args in (["--project", "chain/nope"], ["--project", "secret/hidden"],
                         ["--issue", "chain/p01#99"], ["--group", "nogroup"]):
                rc, out, err = run(["fetch", "--url", srv.url] + args, os.path.join(d, "none.db"))
                check(rc == 3 and "not found or no access" in err,
                      "seed %s: exits 3 'not found or no access' (%d: %s)" % (" ".join(args), rc,
                                                                               err.strip()))

    def test_03_a_project_over_the_paging_threshold(self):
        # 3. A project over the paging threshold: X-Total omitted, deep offsets refused.
        snapfile = write_snapshot(big_snapshot(450), d)
        with ServerProcess(snapfile, "--token", TOKEN, "--no-total-above", "100",
                           "--max-offset", "200") as srv:
            snap = readable(srv)
            exp = expected(snap, seed_projects=["big/proj"])
            # (a) fetch knows the limit (test hook): it never asks for a refused page
            db = os.path.join(d, "big1.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "big/proj"], db,
                               env={"ISSUEGRAPH_TEST_MAX_OFFSET": "200"})
            check(rc == 0, "paging: exits 0 (%s)" % err.strip()[-300:])
            same_as(db, exp, "paging: updated_after continuation lists every issue")
            check(stats(srv)["by_status"].get("400", 0) == 0, "paging: no refused deep page requested")
            # (b) fetch does not know the limit: a 400 on a deep page continues too
            reset_stats(srv)
            db = os.path.join(d, "big2.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "big/proj", "--state", "all"], db)
            check(rc == 0, "paging: exits 0 after a refused deep page (%s)" % err.strip()[-300:])
            same_as(db, exp, "paging: a refused deep page continues with updated_after")

    def test_04_incremental_and_full(self):
        # 4. Incremental: added and deleted links, closed and new issues; fewer requests.
        snapfile = write_snapshot(chain_snapshot(12), d)
        with ServerProcess(snapfile, "--token", TOKEN) as srv:
            db = os.path.join(d, "incr.db")
            seeds = ["--project", "chain/p01", "--project", "chain/p02"]
            rc, out, err = run(["fetch", "--url", srv.url] + seeds, db)
            check(rc == 0, "incremental: first fetch exits 0")
            st1 = stats(srv)
            first = st1["requests"]
            same_as(db, expected(readable(srv), seed_projects=["chain/p01", "chain/p02"]),
                    "incremental: first fetch complete")
            control(srv, "change", {"op": "add_link", "source": 1007, "target": 1031,
                                    "link_type": "blocks", "id": 9001})  # p03#1 blocks p11#1 (new)
            control(srv, "change", {"op": "delete_link", "id": 1})        # p01#1 relates p01#2
            control(srv, "change", {"op": "close_issue", "issue": 1004})  # p02#1
            new = {"id": 7777, "project_id": 1, "iid": 50, "title": "new one", "state": "opened",
                   "confidential": False, "weight": None, "time_stats": {"time_estimate": 0,
                                                                         "total_time_spent": 0},
                   "milestone": None, "due_date": None, "labels": [], "created_at": "2026-11-01T00:00:00Z",
                   "updated_at": "2026-11-01T00:00:00Z", "closed_at": None,
                   "web_url": "https://gitlab.example.com/chain/p01/-/issues/50"}
            control(srv, "change", {"op": "add_issue", "issue": new})
            reset_stats(srv)
            rc, out, err = run(["fetch"], db)  # recorded url and seeds
            check(rc == 0, "incremental: second fetch (recorded seeds) exits 0 (%s)" % err.strip())
            st2 = stats(srv)
            second = st2["requests"]
            same_as(db, expected(readable(srv), seed_projects=["chain/p01", "chain/p02"]),
                    "incremental: added/deleted links, closed and new issues show up")
            check(second < first, "incremental: fewer requests (%d vs %d)" % (second, first))
            l1, l2 = st1["by_kind"].get("links", 0), st2["by_kind"].get("links", 0)
            check(l2 <= 8 and l2 < l1 / 2,
                  "incremental: only changed issues' links are read again (%d vs %d)" % (l2, l1))
            # --full prunes an issue deleted outright
            control(srv, "change", {"op": "delete_issue", "issue": 1005})  # p02#2
            rc, out, err = run(["fetch", "--full"], db)
            check(rc == 0, "full: exits 0")
            same_as(db, expected(readable(srv), seed_projects=["chain/p01", "chain/p02"]),
                    "full: an issue deleted outright is pruned")

    def test_05_a_moved_project(self):
        # 5. A moved project: 301 to the new path on the same origin is followed.
        with ServerProcess(os.path.join(SRC, "examples", "example.json"), "--token", TOKEN,
                           "--moved", "acme/oldname=acme/platform/api", "--log",
                           os.path.join(d, "moved.log")) as srv:
            db = os.path.join(d, "moved.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "acme/oldname"], db)
            check(rc == 0, "moved: a 301 on the same origin is followed (%d: %s)" % (rc, err.strip()))
            log = open(os.path.join(d, "moved.log")).read()
            check(" 301 " in log or "\t301\t" in log or "301" in log, "moved: the server answered 301")
            same_as(db, expected(readable(srv), seed_projects=["acme/platform/api"]),
                    "moved: the renamed project is crawled")

    def test_06_gitlab_free_and_an_empty_project(self):
        # 6. GitLab Free (only relates_to): said on stderr; an empty project is a
        #    valid, completed, empty crawl.
        free = {"version": 1, "source": "https://gitlab.example.com",
                "projects": [project(1, "free/app"), project(2, "free/empty")],
                "issues": [issue(11, 1, 1, 10, path="free/app"), issue(12, 1, 2, 20, path="free/app")],
                "links": [{"id": 1, "source_issue_id": 11, "target_issue_id": 12,
                           "link_type": "relates_to"}]}
        with ServerProcess(write_snapshot(free, d), "--token", TOKEN) as srv:
            db = os.path.join(d, "free.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "free/app"], db)
            check(rc == 0 and "no 'blocks' link" in err and "relates_to" in err,
                  "free tier: a crawl without blocks links says so (%s)" % err.strip())
            same_as(db, expected(readable(srv), seed_projects=["free/app"]), "free tier: stored")
            db = os.path.join(d, "empty.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "free/empty"], db)
            check(rc == 0, "empty project: fetch exits 0")
            rc, out, err = run(["stats", "--format", "json"], db)
            check(rc == 0 and '"completed": true' in out, "empty project: a valid, completed store")

    def test_07_hostile_records_are_skipped_and_counted(self):
        # 7. A hostile server: records that break the snapshot's rules are skipped
        #    and counted, never stored, so the store always exports and re-imports.
        hostile_snap = hostile_snapshot()
        raw_item = dict(hostile_snap["issues"][0], issue_link_id=90, link_type="relates_to")
        raw = {"issues": {"102": {"iid": -3}, "103": {"weight": -5}, "104": {"title": "cut\u0000here"},
                          "105": {"labels": [1, "x"]}, "106": {"project_id": 0},
                          "107": {"due_date": "2026-02-30"}, "108": {"title": "__absent__"}},
               "projects": {"2": {"path_with_namespace": "h/lib\x1b]52;c;QQ==\x07 #1"}},
               "links": {"101": [raw_item,                               # relates_to itself
                                 dict(raw_item, issue_link_id=91, link_type="frobs"),
                                 {k: v for k, v in raw_item.items() if k != "issue_link_id"}]}}
        with open(hostile_file, "w") as f:
            json.dump(raw, f)
        with ServerProcess(write_snapshot(hostile_snap, d), "--token", TOKEN,
                           "--hostile", hostile_file) as srv:
            db = os.path.join(d, "hostile.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "h/app"], db)
            check(rc == 0, "hostile: fetch exits 0 (%d: %s)" % (rc, err.strip()[-400:]))
            check("skipped 11 record(s)" in err and "iid: expected a positive integer" in err,
                  "hostile: the summary counts the 11 refused records and names the first (%s)"
                  % err.strip()[-400:])
            rc, out, err = run(["export"], db)
            check(rc == 0, "hostile: export exits 0 (%s)" % err.strip())
            exported = json.loads(out)
            ids = sorted(i["id"] for i in exported["issues"])
            check(ids == [101, 109, 110], "hostile: only the good issues are stored (%s)" % ids)
            check([p["path_with_namespace"] for p in exported["projects"]] == ["h/app"],
                  "hostile: the project with a bad path is not stored")
            check([(k["source_issue_id"], k["target_issue_id"], k["link_type"])
                   for k in exported["links"]] == [(101, 109, "blocks")],
                  "hostile: only the good link is stored (%s)" % exported["links"])
            snapfile = os.path.join(d, "hostile-export.json")
            with open(snapfile, "w") as f:
                f.write(out)
            rc, out, err = run(["import", snapfile], os.path.join(d, "hostile2.db"))
            check(rc == 0, "hostile: what fetch stored re-imports (%d: %s)" % (rc, err.strip()))
            # a group listing one project that breaks the rules: that one is skipped
            db = os.path.join(d, "hostile-group.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--group", "h"], db)
            check(rc == 0 and "skipped" in err and "path_with_namespace" in err,
                  "hostile group: a bad project of a group is skipped (%d: %s)" % (rc, err.strip()[-400:]))
            check("\x1b" not in err and "\\x1b]52" in err,
                  "hostile group: the refused path is printed escaped (%s)" % err.strip()[-400:])
            rc, out, err = run(["export"], db)
            check(rc == 0 and [p["path_with_namespace"] for p in json.loads(out)["projects"]]
                  == ["h/app"], "hostile group: only the good project is stored")

    def test_08_a_body_that_is_not_utf8_is_refused(self):
        # 8. A body that is not UTF-8 is refused as import refuses it (not valid
        #    JSON: retried, then exit 3), and nothing of it is stored.
        hostile_snap = hostile_snapshot()
        with open(hostile_file, "w") as f:
            json.dump({"issues": {"103": {"title": "bad __INVALID_UTF8__ bytes"}}}, f)
        with ServerProcess(write_snapshot(hostile_snap, d), "--token", TOKEN,
                           "--hostile", hostile_file) as srv:
            db = os.path.join(d, "hostile-utf8.db")
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "h/app", "--retries", "1"], db)
            check(rc == 3 and "JSON" in err,
                  "invalid UTF-8: the page is refused, exit 3 (%d: %s)" % (rc, err.strip()[-300:]))
            check(b"bad \xff" not in open(db, "rb").read() if os.path.exists(db) else True,
                  "invalid UTF-8: nothing of it is stored")

    def test_09_a_broken_seed_project_ends_the_fetch(self):
        # 9. A seed project whose record breaks the rules ends the fetch (exit 3).
        hostile_snap = hostile_snapshot()
        with open(hostile_file, "w") as f:
            json.dump({"projects": {"1": {"id": 0}}}, f)
        with ServerProcess(write_snapshot(hostile_snap, d), "--token", TOKEN,
                           "--hostile", hostile_file) as srv:
            rc, out, err = run(["fetch", "--url", srv.url, "--project", "h/app"],
                               os.path.join(d, "hostile3.db"))
            check(rc == 3 and "id: expected a positive integer" in err,
                  "hostile seed: a project with id 0 exits 3 (%d: %s)" % (rc, err.strip()))


if __name__ == "__main__":
    igtest.main()
