#!/usr/bin/python3
"""examples/gitlab-ci.yml: its jobs' script: lines, run verbatim by bash the
way a GitLab runner does (set -eo pipefail, one shell per job), with the
CI_* variables a GitLab job has and issuegraph on PATH (the build dir),
against the local GitLab API test server. The build job and the
before_script lines (apt-get on debian:12) are checked for shape only.

The scheduled job must fail on the example's knot and publish its
artifacts; after the knot's link is removed on the server, the next
(incremental) run must pass; the merge-request job gates on conflicts;
with only the CI job token, the job fails instead of analysing nothing."""
import json
import os
import re
import shutil
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

import yaml

import igtest
from igtest import ServerProcess, expect

IG = igtest.BIN
SRC = igtest.SRC
TEMPLATE = os.path.join(SRC, "examples", "gitlab-ci.yml")
EXAMPLE = igtest.EXAMPLE

TOKEN = "glpat-test-template"


def job(doc, name):
    """The job with `extends` merged (hidden template keys first)."""
    j = dict(doc[name])
    parents = j.pop("extends", [])
    for p in [parents] if isinstance(parents, str) else parents:
        merged = dict(job(doc, p))
        merged.update(j)
        j = merged
    return j


def rule_matches(rules, env):
    """The subset of `rules: - if:` this template uses: $VAR == "value"."""
    for r in rules or []:
        cond = r.get("if")
        if cond is None:
            return True
        m = re.fullmatch(r'\$(\w+) == "([^"]*)"', cond.strip())
        if not m:
            raise ValueError(f"rule not understood by the test: {cond}")
        if env.get(m.group(1)) == m.group(2):
            return True
    return False


def ci_env(project_dir, server, source, extra=None, token=True):
    env = {
        "PATH": os.path.dirname(os.path.abspath(IG)) + ":/usr/bin:/bin",
        "HOME": project_dir, "LANG": "C.UTF-8",
        "GITLAB_CI": "true", "CI": "true",
        "CI_SERVER_URL": server.url,
        "CI_PROJECT_PATH": "acme/platform/api",
        "CI_PROJECT_DIR": project_dir,
        "CI_PIPELINE_SOURCE": source,
        "CI_JOB_TOKEN": "job-token-must-never-be-sent",
    }
    if token:
        env["GITLAB_TOKEN"] = TOKEN
    # a sanitized build's settings (suppressions of Graphviz's own leaks) pass through
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "IG_SANITIZED"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


def run_job(doc, name, env):
    j = job(doc, name)
    env = dict(env)
    # GitLab expands variable references in `variables:` values
    for k, v in {**doc.get("variables", {}), **j.get("variables", {})}.items():
        if k not in env:
            env[k] = re.sub(r"\$(\w+)|\$\{(\w+)\}",
                            lambda m: env.get(m.group(1) or m.group(2), ""), str(v))
    script = "set -eo pipefail\n" + "\n".join(j["script"]) + "\n"
    p = subprocess.run(["bash", "-x", "-c", script], cwd=env["CI_PROJECT_DIR"], env=env,
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def control(server, path, body=None):
    req = urllib.request.Request(server.url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def check_shape(doc):
    build = job(doc, "build-issuegraph")
    expect("build: image", build.get("image"), "debian:12")
    text = "\n".join(build["script"])
    for dev in ("libcurl4-openssl-dev", "libjson-c-dev", "libsqlite3-dev", "libgraphviz-dev",
                "libxml2-dev", "cmake"):
        expect(f"build: installs {dev}", dev in text, True)
    expect("build: makes a .deb", "cpack -G DEB" in text, True)
    expect("build: passes it on", build.get("artifacts", {}).get("paths"), ["dist/"])
    sched = job(doc, "issuegraph-scheduled")
    expect("scheduled: cache holds the store", sched["cache"]["paths"], ["issuegraph.db"])
    expect("scheduled: cache saved even when the gate fails", sched["cache"].get("when"), "always")
    expect("scheduled: junit report", sched["artifacts"]["reports"]["junit"], "issuegraph-junit.xml")
    for f in ("issuegraph-report.html", "issuegraph.svg"):
        expect(f"scheduled: artifact {f}", f in sched["artifacts"]["paths"], True)
    expect("scheduled: artifacts kept when failing", sched["artifacts"].get("when"), "always")
    expect("scheduled: installs the .deb", any(".deb" in l for l in sched["before_script"]), True)
    expect("scheduled: needs the build", sched.get("needs"), ["build-issuegraph"])
    mr = job(doc, "issuegraph-merge-request")
    expect("mr: gates on what got worse (new-knots,new-conflicts)",
           any("check --fail-on new-knots,new-conflicts" in l for l in mr["script"]), True)
    expect("mr: uses a committed baseline when there is one",
           any(".issuegraph-baseline.json" in l for l in mr["script"]), True)
    expect("scheduled: shows the changes", any(l.startswith("issuegraph changes")
                                               for l in sched["script"]), True)
    expect("mr: publishes markdown", mr["artifacts"]["paths"], ["issuegraph-report.md"])
    expect("mr: only reads the cache", mr["cache"].get("policy"), "pull")
    expect("build: passes the note script on", "examples/mr-note.sh" in text, True)
    expect("mr: posts the note only with ISSUEGRAPH_NOTE_TOKEN",
           any("ISSUEGRAPH_NOTE_TOKEN" in l and "dist/mr-note.sh" in l for l in mr["script"]), True)
    expect("mr: the note script never sees the read token",
           any("GITLAB_TOKEN" in l for l in mr["script"]), False)
    # which jobs run for which pipeline
    for source, want in [("schedule", {"build-issuegraph", "issuegraph-scheduled"}),
                         ("merge_request_event", {"build-issuegraph", "issuegraph-merge-request"}),
                         ("push", set())]:
        got = {n for n in doc if not n.startswith(".") and isinstance(doc[n], dict)
               and "script" in job(doc, n)
               and rule_matches(job(doc, n).get("rules"), {"CI_PIPELINE_SOURCE": source})}
        expect(f"jobs of a {source} pipeline", got, want)


def knot_back(srv):
    """source/target ids for a link web#5 -> api#5, which closes the knot the
    scheduled runs saw resolved (link 673 was that link)."""
    snap = control(srv, "/__control/snapshot")
    paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    ids = {f"{paths[i['project_id']]}#{i['iid']}": i["id"] for i in snap["issues"]}
    return {"source": ids["acme/platform/web#5"], "target": ids["acme/platform/api#5"]}


def check_mr_note(doc, tmp):
    snap = json.load(open(EXAMPLE))
    pid = [p["id"] for p in snap["projects"] if p["path_with_namespace"] == "acme/platform/api"][0]
    proj = os.path.join(tmp, "mr-project")
    os.makedirs(os.path.join(proj, "dist"))
    shutil.copy(os.path.join(SRC, "examples", "mr-note.sh"), os.path.join(proj, "dist"))
    write = "glpat-api-scope-writer"
    with ServerProcess(EXAMPLE, "--token", TOKEN, "--write-token", write) as srv:
        # others' notes first: ours must be found past the first page
        for i in range(130):
            control(srv, "/__control/notes", {"project": str(pid), "mr": 7, "body": f"comment {i}"})
        base = {"CI_API_V4_URL": srv.api, "CI_PROJECT_ID": str(pid), "CI_MERGE_REQUEST_IID": "7"}

        def ours():
            notes = control(srv, "/__control/notes").get(f"{pid}!7", [])
            return notes, [n for n in notes if "issuegraph-report" in n["body"]]

        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event", base))
        notes, mine = ours()
        expect("mr note: not opted in, no note", len(mine), 0)
        expect("mr note: not opted in, the job says how", "ISSUEGRAPH_NOTE_TOKEN" in out + err, True)

        env = ci_env(proj, srv, "merge_request_event", {**base, "ISSUEGRAPH_NOTE_TOKEN": write})
        rc, out, err = run_job(doc, "issuegraph-merge-request", env)
        expect(f"mr note: the gate still decides the job (nothing new: stderr: {err[-400:]})",
               rc, 0)
        notes, mine = ours()
        expect("mr note: one note created", len(mine), 1)
        first = mine[0]["id"] if mine else None
        body = mine[0]["body"] if mine else ""
        expect("mr note: holds the report", "## Summary" in body and "```mermaid" in body, True)
        expect("mr note: others' notes untouched", len(notes), 131)

        # the next pipeline, after the knot's cut link is removed: the same note, updated
        control(srv, "/__control/change", {"op": "delete_link", "id": 673})
        rc, out, err = run_job(doc, "issuegraph-merge-request", env)
        notes, mine = ours()
        expect("mr note: still one note", len(mine), 1)
        expect("mr note: updated in place", mine[0]["id"] if mine else None, first)
        expect("mr note: the update is the new report", mine[0]["body"] != body if mine else None, True)
        expect("mr note: no new notes", len(notes), 131)

        # a read_api token put in ISSUEGRAPH_NOTE_TOKEN by mistake: refused, the job fails loudly
        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event",
                                      {**base, "ISSUEGRAPH_NOTE_TOKEN": TOKEN}))
        expect("mr note: a read token cannot write, the job fails", rc != 0, True)
        expect("mr note: the failure says why", "insufficient_scope" in err, True)
        stats = control(srv, "/__control/stats").get("notes", {})
        expect("mr note: writes only with the api-scope token", stats.get("writes"), 2)
        expect("mr note: the read token's write was refused (only when misconfigured)",
               stats.get("refused_writes"), 1)
        expect("mr note: the token never reached the log", TOKEN in out + err or write in out + err,
               False)


class TemplateShape(igtest.TestCase):
    def test_jobs_rules_and_artifacts_have_their_shape(self):
        check_shape(yaml.safe_load(igtest.read_text(TEMPLATE)))


class ExamplePipeline(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """The example on one server for the class; the jobs run in stages on
    one project directory (its cache), as successive pipelines would."""

    @classmethod
    def setUpClass(cls):
        cls.doc = yaml.safe_load(igtest.read_text(TEMPLATE))
        cls.sunday = subprocess.run(["date", "-u", "+%u"], capture_output=True,
                                    text=True).stdout.strip() == "7"
        tmp = cls.make_class_dir()
        cls.tmp = tmp
        cls.log = os.path.join(tmp, "requests.log")
        cls.proj = os.path.join(tmp, "project")
        os.mkdir(cls.proj)
        cls.srv = ServerProcess(EXAMPLE, "--token", TOKEN, "--log", cls.log, "--lifetime", "600")
        cls.addClassCleanup(cls.srv.stop)
        cls.env = ci_env(cls.proj, cls.srv, "schedule")

    def test_1_scheduled_run_fails_on_the_knot_and_publishes(self):
        doc, proj, srv, sunday = self.doc, self.proj, self.srv, self.sunday
        env = ci_env(proj, srv, "schedule")
        rc, out, err = run_job(doc, "issuegraph-scheduled", env)
        expect(f"scheduled run 1 fails on the knot (stderr: {err[-600:]})", rc, 1)
        expect("scheduled run 1: fetch --full only when asked or on Sunday",
               "issuegraph fetch --full" in err, sunday)
        junit = os.path.join(proj, "issuegraph-junit.xml")
        if os.path.exists(junit):
            root = ET.parse(junit).getroot()
            knots = [c for s in root.iter("testsuite") if s.get("name") == "knots"
                     for c in s.iter("testcase") if c.find("failure") is not None]
            expect("junit names the knot", any("acme/platform/api#5" in c.find("failure").get("message", "")
                                               for c in knots), True)
        else:
            igtest.check(False, "scheduled: no issuegraph-junit.xml")
        for f in ("issuegraph-report.html", "issuegraph.svg", "issuegraph-report.md", "issuegraph.db"):
            expect(f"scheduled: {f} written", os.path.exists(os.path.join(proj, f)), True)
        if os.path.exists(os.path.join(proj, "issuegraph.svg")):
            expect("svg is svg", "<svg" in open(os.path.join(proj, "issuegraph.svg")).read(), True)
        if os.path.exists(os.path.join(proj, "issuegraph-report.html")):
            expect("html has the inline svg",
                   "<svg" in open(os.path.join(proj, "issuegraph-report.html")).read(), True)
        requests_1 = control(srv, "/__control/stats")["requests"]
        expect("the crawl reached the server", requests_1 > 5, True)
        type(self).requests_1 = requests_1

    def test_2_full_fetch_takes_the_full_branch(self):
        doc, env = self.doc, self.env
        # FULL_FETCH=1 takes the --full branch
        rc, out, err = run_job(doc, "issuegraph-scheduled", {**env, "FULL_FETCH": "1"})
        expect("scheduled full run: still fails on the knot", rc, 1)
        expect("scheduled full run: fetch --full", "issuegraph fetch --full" in err, True)

    def test_3_after_the_fix_the_incremental_run_passes(self):
        doc, env, proj, srv, requests_1 = self.doc, self.env, self.proj, self.srv, self.requests_1
        # fix the knots on the server (remove the suggested cut, link 673:
        # web#5 blocks api#5; and the knot written in descriptions: web#3
        # no longer says it is blocked by mobile#11); the next
        # incremental run sees it and passes
        control(srv, "/__control/change", {"op": "delete_link", "id": 673})
        control(srv, "/__control/change", {"op": "edit_description", "issue": 3430,
                                           "description": "Users download invoices."})
        control(srv, "/__control/reset-stats", {})
        rc, out, err = run_job(doc, "issuegraph-scheduled", env)
        expect(f"scheduled run after the fix passes (stderr: {err[-600:]})", rc, 0)
        inc = control(srv, "/__control/stats")["requests"]
        expect("incremental run sends fewer requests than the first", inc < requests_1, True)

        changes = os.path.join(proj, "issuegraph-changes.json")
        ch = json.load(open(changes)) if os.path.exists(changes) else {}
        expect("scheduled: the changes artifact says the knot was resolved",
               [k["issues"] for k in ch.get("knots", {}).get("resolved", [])],
               [["acme/mobile#11", "acme/platform/web#3"],
                ["acme/platform/api#5", "acme/platform/web#4", "acme/platform/web#5"]])

    def test_4_merge_request_job_is_a_ratchet_with_a_baseline(self):
        doc, proj, srv = self.doc, self.proj, self.srv
        # the merge-request job is a ratchet: the example's old conflicts pass
        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event"))
        expect(f"merge-request job passes on old findings (stderr: {err[-600:]})", rc, 0)
        md = os.path.join(proj, "issuegraph-report.md")
        text = open(md).read() if os.path.exists(md) else ""
        expect("merge-request: markdown report written", "## Due-date conflicts" in text, True)
        # a new knot (api#5 blocks web#4 blocks web#5 blocks api#5 again) fails it
        control(srv, "/__control/change", {"op": "add_link", "id": 99673,
                                           "link_type": "blocks", **knot_back(srv)})
        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event"))
        expect(f"merge-request job fails on a new knot (stderr: {err[-600:]})", rc, 1)
        expect("merge-request: the check names the new knot", "new-knots" in out, True)
        # the team accepts it: a committed baseline holding it lets the gate pass
        # (the cache here also holds the knot as old, so check the baseline path:
        # the knot is new against an empty baseline and accepted in a full one)
        base = os.path.join(proj, ".issuegraph-baseline.json")
        with open(base, "w") as f:
            json.dump({"findings": []}, f)
        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event"))
        expect(f"merge-request: a knot missing from the baseline fails (stderr: {err[-600:]})",
               rc, 1)
        subprocess.run([IG, "--db", os.path.join(proj, "issuegraph.db"), "check",
                        "--write-baseline", base], capture_output=True, timeout=120)
        rc, out, err = run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event"))
        expect(f"merge-request: a knot in the baseline passes (stderr: {err[-600:]})", rc, 0)
        os.unlink(base)

    def test_5_merge_request_note(self):
        doc, tmp = self.doc, self.tmp
        # the opt-in merge request note: one note, updated in place,
        # written only with the api-scope token (see below for the server)
        check_mr_note(doc, tmp)

    def test_6_only_the_ci_job_token_fails_the_job(self):
        doc, srv = self.doc, self.srv
        # only the CI job token: fetch refuses it, the job fails (no silent pass)
        bare = self.path("bare")
        os.mkdir(bare)
        rc, out, err = run_job(doc, "issuegraph-scheduled",
                               ci_env(bare, srv, "schedule", token=False))
        expect("job token only: the job fails with fetch's exit 3", rc, 3)

    def test_7_the_token_went_out_only_as_private_token(self):
        log = self.log
        # the job token never went out; the real token only as PRIVATE-TOKEN
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        expect("request log written", bool(lines), True)
        api = [l for l in lines if " /api/v4/" in l]
        expect("every API request carried the token as PRIVATE-TOKEN (never JOB-TOKEN)",
               sorted({l.rsplit(" ", 1)[-1] for l in api}), ["PRIVATE-TOKEN"])
        expect("token never logged", any(TOKEN in l for l in lines), False)


class CleanProject(igtest.TestCase):
    def test_both_jobs_pass(self):
        doc = yaml.safe_load(igtest.read_text(TEMPLATE))
        # a clean project: both jobs pass
        clean = {"version": 1, "source": "https://gitlab.example.com",
                 "projects": [{"id": 1, "path_with_namespace": "acme/platform/api",
                               "web_url": "https://gitlab.example.com/acme/platform/api"}],
                 "issues": [{"id": 10 + i, "project_id": 1, "iid": i, "title": f"Clean {i}",
                             "state": "opened", "created_at": "2026-01-01T00:00:00Z",
                             "updated_at": "2026-01-01T00:00:00Z", "labels": [],
                             "web_url": f"https://gitlab.example.com/acme/platform/api/-/issues/{i}"}
                            for i in (1, 2, 3)],
                 "links": [{"id": 1, "source_issue_id": 11, "target_issue_id": 12, "link_type": "blocks"},
                           {"id": 2, "source_issue_id": 12, "target_issue_id": 13, "link_type": "blocks"}]}
        cpath = self.path("clean.json")
        igtest.write_json(cpath, clean)
        cproj = self.path("clean")
        os.mkdir(cproj)
        with ServerProcess(cpath, "--token", TOKEN) as srv:
            rc, out, err = run_job(doc, "issuegraph-scheduled", ci_env(cproj, srv, "schedule"))
            expect(f"clean: scheduled job passes (stderr: {err[-600:]})", rc, 0)
            rc, out, err = run_job(doc, "issuegraph-merge-request",
                                   ci_env(cproj, srv, "merge_request_event"))
            expect(f"clean: merge-request job passes (stderr: {err[-600:]})", rc, 0)


if __name__ == "__main__":
    igtest.main()
