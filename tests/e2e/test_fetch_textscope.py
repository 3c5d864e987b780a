"""Text references are assertions anyone can write (SPEC "Text
dependencies", issue 19): what they may make fetch read, and what they
may cost.

- F1 --text-deps-scope: a public project's description naming a private
  project's issue in another namespace makes no request for it, prints no
  title, adds no knot, keeps its issue out of `ready`, and is counted
  "outside the scope"; `--text-deps-scope instance` reads it (a changed
  crawl option: a full crawl), and going back prunes it again. The
  decision does not depend on the order of answers (a namespace reached
  through a link later in the crawl lets the reference in either way);
  `seeds` keeps a reference to an issue the store holds anyway.
- F2 a reference whose path breaks GitLab's limits is dropped and counted
  without a request; a 1,024+-byte path within them is looked up and
  never fails the fetch.
- F9 at most 2,000 unknown projects looked up per fetch; one that answered
  404 is not asked again until a full crawl (request counting).
- F4 500 referenced projects whose answers are huge JSON trees: the
  fetch's peak RSS stays far under the 512 MiB budget (printed).
"""
import json
import os
import re
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fetch_testlib import (BIN, TOKEN, ServerProcess, check, control, issue,  # noqa: E402
                           project, run, tmpdir)
import igtest  # noqa: E402

d = tmpdir()
# AddressSanitizer's quarantine and shadow memory add hundreds of MiB
RSS_MAX = 1024 if os.environ.get("IG_SANITIZED") else 256

# "--text-deps-scope instance" reads what builds before the option read; a
# build without the option runs F2, F4 and F9 as they were (so that each can
# be shown to fail there for its own reason, not for the option)
_help = subprocess.run([BIN, "fetch", "--help"], capture_output=True, text=True).stdout
INSTANCE = ["--text-deps-scope", "instance"] if "--text-deps-scope" in _help else []


def snap(projects, issues, links=()):
    return {"version": 1, "source": "https://gitlab.example.com", "projects": projects,
            "issues": issues, "links": list(links)}


def iss(gid, pid, iid, path, desc, title=None):
    o = issue(gid, pid, iid, gid, path=path)
    o["description"] = desc
    o["confidential"] = False
    if title:
        o["title"] = title
    return o


def write(name, data):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        json.dump(data, f)
    return p


def requests(log):
    with open(log) as f:
        return [ln.split()[1] for ln in f if ln.startswith("GET /api/")]


def fetch(srv, db, *args):
    return run(["fetch", "--url", srv.url, "--no-progress"] + list(args), db)


def rows(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def outside(err):
    m = re.search(r"(\d+) outside the scope \(--text-deps-scope (\w+)", err)
    return (int(m.group(1)), m.group(2)) if m else None


class TextScope(igtest.TestCase):
    def test_1_a_public_description_cannot_reach_a_private_project(self):
        data = snap([project(1, "pub/app"), project(2, "secret/plans")], [
            iss(101, 1, 1, "pub/app", "Blocked by secret/plans#1"),
            iss(102, 1, 2, "pub/app", "nothing"),
            iss(201, 2, 1, "secret/plans", "Blocked by pub/app#1",
                title="TOP SECRET merger plan"),
        ])
        log = os.path.join(d, "f1.log")
        with ServerProcess(write("f1.json", data), "--token", TOKEN, "--log", log) as srv:
            db = os.path.join(d, "f1.db")
            rc, out, err = fetch(srv, db, "--project", "pub/app")
            check(rc == 0, "default scope: fetch exits 0 (%s)" % err.strip()[-300:])
            asked = [p for p in requests(log) if "secret" in p.lower() or "/projects/2" in p]
            check(asked == [], "default scope: no request for the private project (%s)" % asked)
            check(outside(err) == (1, "namespace"),
                  "default scope: the summary counts 1 reference outside the scope and names "
                  "--text-deps-scope (%s)" % err.strip()[-300:])
            rc, out, _ = run(["report"], db)
            check(rc == 0 and "TOP SECRET" not in out,
                  "default scope: the report holds no title of the private issue")
            rc, out, _ = run(["check"], db)
            check(rc == 0, "default scope: check finds no knot (exit %d)" % rc)
            rc, out, _ = run(["ready", "--format", "json"], db)
            r = json.loads(out) if rc == 0 else {}
            ready_refs = json.dumps(r.get("ready", r))
            check("pub/app#1" in json.dumps(r.get("unreadable_blockers", [])) and
                  '"pub/app#1"' not in json.dumps(r.get("ready", [])),
                  "default scope: the dropped blocker keeps pub/app#1 out of ready (%s)"
                  % ready_refs[:300])
            check(rows(db, "SELECT blocker_refs, all_refs FROM text_dropped WHERE issue_id = 101")
                  == [(1, 1)], "default scope: the dropped reference is stored as a blocker")

            # seeds: the same
            rc, out, err = fetch(srv, os.path.join(d, "f1s.db"), "--project", "pub/app",
                                 "--text-deps-scope", "seeds")
            check(rc == 0 and outside(err) == (1, "seeds"), "seeds scope: outside too (%s)"
                  % err.strip()[-200:])

            # instance: read, and the knot is there
            open(log, "w").close()
            rc, out, err = fetch(srv, db, *INSTANCE)
            check(rc == 0 and "changes only" not in err,
                  "instance scope: a changed crawl option crawls in full (%s)" % err.strip()[-200:])
            check(any("secret" in p.lower() for p in requests(log)),
                  "instance scope: the private project is read")
            rc, out, _ = run(["check"], db)
            check(rc == 1 and "secret/plans#1" in out, "instance scope: check finds the knot")

            # back to the default: the store holds what the scope allows again
            rc, out, err = fetch(srv, db)
            check(rc == 0 and "changes only" not in err, "back to namespace: a full crawl")
            check(rows(db, "SELECT count(*) FROM issues WHERE id = 201") == [(0,)],
                  "back to namespace: the private issue is removed from the store")
            rc, out, _ = run(["report"], db)
            check("TOP SECRET" not in out, "back to namespace: no title in the report")
            check(rows(db, "SELECT blocker_refs, all_refs FROM text_dropped WHERE issue_id = 101")
                  == [(1, 1)] and rows(db, "SELECT count(*) FROM text_deps") == [(0,)],
                  "back to namespace: the reference is dropped again, not kept by the stale "
                  "copy the run prunes")
            rc, out, err = fetch(srv, db)
            check(rc == 0 and "changes only" in err and outside(err) is None,
                  "an incremental fetch after it reads nothing new (%s)" % err.strip()[-200:])

    def test_2_the_decision_does_not_depend_on_the_order_of_answers(self):
        # pub/app#A names other/lib#1 in its description; pub/app#B links (blocks) to
        # other/tool#1, which puts namespace "other" in the scope. Both orders.
        results = []
        for variant in (0, 1):
            a, b = (1, 2) if variant == 0 else (2, 1)
            issues = [
                iss(100 + a, 1, a, "pub/app", "Blocked by other/lib#1 and other/tool#2"),
                iss(100 + b, 1, b, "pub/app", "nothing"),
                iss(301, 3, 1, "other/lib", "x"),
                iss(401, 4, 1, "other/tool", "y"),
                iss(402, 4, 2, "other/tool", "z"),
                iss(501, 5, 1, "far/away", "w"),
                iss(103, 1, 3, "pub/app", "Blocked by other/tool#1, other/tool#2 and far/away#1"),
            ]
            links = [{"id": 1, "source_issue_id": 100 + b, "target_issue_id": 401,
                      "link_type": "blocks"}]
            data = snap([project(1, "pub/app"), project(3, "other/lib"),
                         project(4, "other/tool"), project(5, "far/away")], issues, links)
            log = os.path.join(d, "f1o%d.log" % variant)
            with ServerProcess(write("f1o%d.json" % variant, data), "--token", TOKEN,
                               "--log", log) as srv:
                db = os.path.join(d, "f1o%d.db" % variant)
                rc, out, err = fetch(srv, db, "--project", "pub/app", "--jobs", "1")
                deps = rows(db, "SELECT source_id, target_id FROM text_deps ORDER BY 1, 2")
                got = {(s, t) for s, t in deps}
                check(rc == 0 and (100 + a, 301) in got and (100 + a, 402) in got,
                      "order %d: a reference into a namespace reached through a link later "
                      "is followed (%s)" % (variant, sorted(got)))
                check(not any("far" in p for p in requests(log)) and outside(err) == (1, "namespace"),
                      "order %d: far/away is never asked and counted outside (%s)"
                      % (variant, err.strip()[-200:]))
                role = {100 + a: "A", 100 + b: "B", 103: "C"}
                results.append(sorted((role.get(s, s), t) for s, t in got))

                # killed inside a write transaction, then resumed: the references
                # kept for the end of the interrupted crawl are decided by the next
                for n in (2, 4, 6):
                    kdb = os.path.join(d, "f1k%d_%d.db" % (variant, n))
                    rc, _, _ = run(["fetch", "--url", srv.url, "--no-progress", "--project",
                                    "pub/app", "--jobs", "1"], kdb,
                                   env={"ISSUEGRAPH_TEST_KILL_AT_COMMIT": str(n)})
                    rc2, _, err2 = fetch(srv, kdb, "--project", "pub/app", "--jobs", "1")
                    kgot = {(s, t) for s, t in rows(kdb, "SELECT source_id, target_id "
                                                         "FROM text_deps")}
                    kdrop = rows(kdb, "SELECT issue_id, blocker_refs, all_refs FROM text_dropped "
                                      "ORDER BY 1")
                    check(rc == -9 and rc2 == 0 and "resumed" in err2 and kgot == got and
                          kdrop == rows(db, "SELECT issue_id, blocker_refs, all_refs FROM "
                                            "text_dropped ORDER BY 1"),
                          "order %d, killed at commit %d and resumed: the same text "
                          "dependencies and dropped counts (%s)" % (variant, n, sorted(kgot)))

                # seeds: other/tool#1 is held anyway (through the link): kept; the rest dropped
                open(log, "w").close()
                sdb = os.path.join(d, "f1s%d.db" % variant)
                rc, out, err = fetch(srv, sdb, "--project", "pub/app", "--jobs", "1",
                                     "--text-deps-scope", "seeds")
                got = {(s, t) for s, t in rows(sdb, "SELECT source_id, target_id FROM text_deps")}
                check(rc == 0 and got == {(103, 401)},
                      "order %d, seeds: only the reference to an issue held anyway is kept (%s)"
                      % (variant, sorted(got)))
                asked = [p for p in requests(log) if "lib" in p or "far" in p or
                         "/projects/3" in p or "/projects/5" in p or
                         ("/projects/4/" in p and "iids%5b%5d=2" in p.lower())]
                check(asked == [], "order %d, seeds: nothing outside is asked (%s)"
                      % (variant, asked[:3]))
                check(outside(err) == (4, "seeds"), "order %d, seeds: 4 outside (%s)"
                      % (variant, err.strip()[-200:]))
        check(results[0] == results[1], "both orders give the same text dependencies (%s)"
              % results)

    def test_3_paths_that_break_gitlabs_limits(self):
        long_seg = "a" * 300
        deep = "/".join("s%d" % k for k in range(23))
        long_ok = "/".join(["b" * 250] * 5)  # 1,254 bytes, within the limits
        seg255 = "c" * 255 + "/p"  # the limits themselves: asked
        deep22 = "/".join("t%d" % k for k in range(22))
        desc = ("Blocked by %s/p#1\nBlocked by %s#2\nBlocked by %s#3\nBlocked by pub/app#2\n"
                "Blocked by %s#4\nBlocked by %s#5" % (long_seg, deep, long_ok, seg255, deep22))
        data = snap([project(1, "pub/app")], [
            iss(101, 1, 1, "pub/app", desc), iss(102, 1, 2, "pub/app", "ok")])
        log = os.path.join(d, "f2.log")
        with ServerProcess(write("f2.json", data), "--token", TOKEN, "--log", log) as srv:
            db = os.path.join(d, "f2.db")
            for n in range(2):
                rc, out, err = fetch(srv, db, "--project", "pub/app", *INSTANCE,
                                     *(["--full"] if n else []))
                check(rc == 0, "fetch %d with a 1,254-byte path and over-limit paths exits 0 "
                      "(rc %d: %s)" % (n, rc, err.strip()[-300:]))
                check(re.search(r"2 references dropped: their path breaks GitLab's limits", err),
                      "fetch %d: the two over-limit references are counted" % n)
            asked = requests(log)
            check(not any(long_seg in p or "s22" in p for p in asked),
                  "over-limit paths are never asked")
            check(sum(1 for p in asked if "bbbb" in p) == 2,
                  "the long path within the limits is looked up (once per full crawl)")
            check(sum(1 for p in asked if "c" * 255 in p) == 2 and
                  sum(1 for p in asked if "t21" in p) == 2,
                  "a 255-byte segment and 22 segments are within the limits: looked up")
            check(rows(db, "SELECT blocker_refs, all_refs FROM text_dropped WHERE issue_id = 101")
                  == [(5, 5)] and rows(db, "SELECT target_id FROM text_deps") == [(102,)],
                  "the five dropped references keep pub/app#1 out of ready; the good one stays")

    def test_4_project_lookups_are_capped_and_404s_remembered(self):
        # one description naming 500 projects that do not exist
        refs = "\n".join("Blocked by nowhere%d/p#1" % k for k in range(500))
        data = snap([project(1, "pub/app")], [iss(101, 1, 1, "pub/app", refs),
                                              iss(102, 1, 2, "pub/app", "x")])
        log = os.path.join(d, "f9.log")

        def lookups():
            return sum(1 for p in requests(log) if "nowhere" in p)
        with ServerProcess(write("f9.json", data), "--token", TOKEN, "--log", log) as srv:
            db = os.path.join(d, "f9.db")
            rc, out, err = fetch(srv, db, "--project", "pub/app", *INSTANCE)
            n1 = lookups()
            check(rc == 0 and n1 == 500, "first fetch: 500 lookups (%d)" % n1)
            control(srv, "change", {"op": "edit_description", "issue": 101,
                                    "description": refs + "\nedited"})
            open(log, "w").close()
            rc, out, err = fetch(srv, db, *INSTANCE)
            n2 = lookups()
            check(rc == 0 and "changes only" in err and n2 == 0,
                  "after an edit: no project that answered 404 is asked again (%d, %s)"
                  % (n2, err.strip()[-300:]))
            open(log, "w").close()
            rc, out, err = fetch(srv, db, "--full", *INSTANCE)
            n3 = lookups()
            check(rc == 0 and n3 == 500, "--full asks them again (%d, %s)" % (n3, err.strip()[-300:]))
            open(log, "w").close()
            rc, out, err = fetch(srv, db, *INSTANCE)
            check(rc == 0 and lookups() == 0, "and the next incremental fetch does not")

        # five descriptions naming 2,500 distinct unknown projects
        issues = [iss(100 + i, 1, i, "pub/app", "\n".join(
            "Needs nowhere%d/p#1" % (i * 500 + k) for k in range(500))) for i in range(1, 6)]
        open(log, "w").close()
        with ServerProcess(write("f9b.json", snap([project(1, "pub/app")], issues)),
                           "--token", TOKEN, "--log", log) as srv:
            rc, out, err = fetch(srv, os.path.join(d, "f9b.db"), "--project", "pub/app",
                                 *INSTANCE)
            n = lookups()
            check(rc == 0 and n == 2000, "2,500 unknown projects: 2,000 looked up (%d)" % n)
            check(re.search(r"500 references not read: more than 2000 projects", err),
                  "the other 500 are counted (%s)" % err.strip()[-300:])

    def test_5_memory_with_500_hostile_referenced_projects(self):
        n = 500
        projects = [project(1, "pub/app")] + [project(10 + k, "ns%d/p" % k) for k in range(n)]
        issues = [iss(101, 1, 1, "pub/app", "\n".join(
            "Blocked by ns%d/p#1" % k for k in range(n)))]
        issues += [iss(1000 + k, 10 + k, 1, "ns%d/p" % k, "x") for k in range(n)]
        # every project answer carries 10,000 empty arrays: a small body, a big tree
        hostile = {"projects": {str(10 + k): {"padding": "__PAD__"} for k in range(n)}}
        hp = write("f4h.json", hostile)
        db = os.path.join(d, "f4.db")
        with ServerProcess(write("f4.json", snap(projects, issues)), "--token", TOKEN,
                           "--hostile", hp, "--pad-arrays", "10000") as srv:
            env = dict(os.environ, GITLAB_TOKEN=TOKEN)
            for k in ("GITLAB_HOST", "CI_SERVER_URL", "GITLAB_CI"):
                env.pop(k, None)
            p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", BIN, "--db", db, "fetch",
                                "--url", srv.url, "--no-progress", "--project", "pub/app"] + INSTANCE, env=env,
                               capture_output=True, text=True, timeout=900)
            m = re.search(r"MAXRSS_KB (\d+)", p.stderr)
            rss = int(m.group(1)) / 1024.0 if m else -1
            print("     peak RSS of fetch with %d hostile referenced projects: %.1f MiB" % (n, rss))
            check(p.returncode == 0, "fetch exits 0 (%s)" % p.stderr.strip()[-300:])
            check(rows(db, "SELECT count(*) FROM text_deps") == [(n,)],
                  "all %d references are read" % n)
            check(0 < rss < RSS_MAX, "peak RSS %.1f MiB stays under %d MiB (the budget is 512)"
                  % (rss, RSS_MAX))

        # link lists parked while their neighbours' projects are looked up: 300
        # issues each linked to an issue of its own project, whose object (in
        # every link list) carries 10,000 empty arrays
        n = 300
        projects = [project(1, "pub/app")] + [project(10 + k, "pub/p%d" % k) for k in range(n)]
        issues = [iss(100 + k, 1, k + 1, "pub/app", "x") for k in range(n)]
        issues += [iss(1000 + k, 10 + k, 1, "pub/p%d" % k, "y") for k in range(n)]
        links = [{"id": k + 1, "source_issue_id": 100 + k, "target_issue_id": 1000 + k,
                  "link_type": "blocks"} for k in range(n)]
        hostile = {"issues": {str(1000 + k): {"padding": "__PAD__"} for k in range(n)}}
        db = os.path.join(d, "f4l.db")
        with ServerProcess(write("f4l.json", snap(projects, issues, links)), "--token", TOKEN,
                           "--hostile", write("f4lh.json", hostile), "--pad-arrays", "10000",
                           "--latency-ms", "20") as srv:
            p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", BIN, "--db", db, "fetch",
                                "--url", srv.url, "--no-progress", "--project", "pub/app",
                                "--jobs", "16", "--depth", "1"], env=env,
                               capture_output=True, text=True, timeout=900)
            m = re.search(r"MAXRSS_KB (\d+)", p.stderr)
            rss = int(m.group(1)) / 1024.0 if m else -1
            print("     peak RSS of fetch with %d parked hostile link lists: %.1f MiB" % (n, rss))
            check(p.returncode == 0 and rows(db, "SELECT count(*) FROM links") == [(n,)],
                  "parked link lists: fetch exits 0 with every link (%s)"
                  % p.stderr.strip()[-300:])
            check(0 < rss < RSS_MAX, "parked link lists: peak RSS %.1f MiB stays under %d MiB"
                  % (rss, RSS_MAX))


    def test_6_a_reference_moved_out_of_the_scope(self):
        # pub/old#5 was moved to secret/plans#2: the reference stands for the issue
        # it moved to, which is outside the scope
        old = iss(301, 3, 5, "pub/old", "gone", title="old")
        old["state"] = "closed"
        old["closed_at"] = old["updated_at"]
        old["moved_to_id"] = 202
        data = snap([project(1, "pub/app"), project(2, "secret/plans"), project(3, "pub/old")], [
            iss(101, 1, 1, "pub/app", "Blocked by pub/old#5"),
            old,
            iss(202, 2, 2, "secret/plans", "x", title="TOP SECRET moved"),
        ])
        with ServerProcess(write("f1m.json", data), "--token", TOKEN) as srv:
            db = os.path.join(d, "f1m.db")
            rc, out, err = fetch(srv, db, "--project", "pub/app")
            check(rc == 0 and rows(db, "SELECT count(*) FROM issues WHERE id = 202") == [(0,)],
                  "moved out of the scope: the issue it moved to is not stored (%s)"
                  % err.strip()[-200:])
            check(outside(err) == (1, "namespace") and
                  rows(db, "SELECT blocker_refs FROM text_dropped WHERE issue_id = 101") == [(1,)],
                  "moved out of the scope: counted outside, a dropped blocker")
            rc, out, _ = run(["report"], db)
            check("TOP SECRET" not in out, "moved out of the scope: no title in the report")
            rc, out, err = fetch(srv, os.path.join(d, "f1mi.db"), "--project", "pub/app",
                                 *INSTANCE)
            check(rc == 0 and rows(os.path.join(d, "f1mi.db"),
                                   "SELECT target_id FROM text_deps") == [(202,)],
                  "instance scope: the move is followed")


    def test_7_the_issue_whose_own_link_widens_the_scope(self):
        # pub/app#1 links to other/tool#1 and names other/lib#1 in its description:
        # its own link puts "other" in the scope while its unit commits
        data = snap([project(1, "pub/app"), project(3, "other/lib"), project(4, "other/tool")], [
            iss(101, 1, 1, "pub/app", "Blocked by other/lib#1"),
            iss(301, 3, 1, "other/lib", "x"),
            iss(401, 4, 1, "other/tool", "y"),
        ], [{"id": 1, "source_issue_id": 101, "target_issue_id": 401, "link_type": "blocks"}])
        with ServerProcess(write("f1w.json", data), "--token", TOKEN) as srv:
            db = os.path.join(d, "f1w.db")
            rc, out, err = fetch(srv, db, "--project", "pub/app")
            check(rc == 0 and rows(db, "SELECT source_id, target_id FROM text_deps") ==
                  [(101, 301)] and rows(db, "SELECT count(*) FROM text_dropped") == [(0,)],
                  "a reference into the namespace its own issue's link reaches is followed "
                  "(%s)" % err.strip()[-200:])


if __name__ == "__main__":
    igtest.main()
