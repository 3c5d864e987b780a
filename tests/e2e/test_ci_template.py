#!/usr/bin/python3
"""templates/issuegraph.yml, the CI/CD component: its inputs interpolated
the way GitLab does ($[[ inputs.x ]] replaced as text, each value checked
against its input's regex), then its jobs' before_script + script run by
bash in one shell and after_script in another, as a GitLab runner does,
with the CI_* variables a GitLab job has and issuegraph (the build dir) and
issuegraph-mr-note (examples/mr-note.sh) on PATH, against the local GitLab
API test server. (tests/e2e/test_ci_gitlab_ci_local.py runs it in
gitlab-ci-local, a real GitLab CI emulator.)

The trust rules are checked by what the jobs do, not only by their text: a
pipeline variable ($GITLAB_HOST, $CI_SERVER_URL, $ISSUEGRAPH_DB, ...) does
not send the token elsewhere or choose the store; a cached store's seeds
are not crawled; the merge-request job gates against the committed
baseline and says so when there is none; the note is written only onto the
token's own note, and never changes the gate's result."""
import json
import os
import re
import subprocess
import urllib.request
import xml.etree.ElementTree as ET

import yaml

import igtest
from igtest import ServerProcess, expect

IG = igtest.BIN
SRC = igtest.SRC
COMPONENT = os.path.join(SRC, "templates", "issuegraph.yml")
EXAMPLE = igtest.EXAMPLE
MARKER = "<!-- issuegraph-report: this note is updated in place by the CI job -->"

TOKEN = "glpat-test-template"


def load_component():
    """(spec, body text) of the component file."""
    text = igtest.read_text(COMPONENT)
    head, sep, body = text.partition("\n---\n")
    assert sep, "the component has no header section"
    return yaml.safe_load(head)["spec"], body


def interpolate(spec, body, inputs):
    """The component's body with inputs filled in as GitLab does: defaults,
    required inputs, each value matched against its regex."""
    values = {}
    for name, s in spec["inputs"].items():
        if name in inputs:
            v = inputs[name]
        elif s and "default" in s:
            v = s["default"]
        else:
            raise ValueError(f"input {name} is required")
        if s and s.get("regex") and not re.search(s["regex"], str(v)):
            raise ValueError(f"input {name}: {v!r} does not match {s['regex']}")
        values[name] = str(v)
    unknown = set(inputs) - set(values)
    if unknown:
        raise ValueError(f"unknown inputs {unknown}")

    def fill(m):
        if m.group(1) not in values:
            raise ValueError(f"unknown interpolation {m.group(1)}")
        return values[m.group(1)]
    return yaml.safe_load(re.sub(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", fill, body))


def component(**inputs):
    spec, body = load_component()
    return interpolate(spec, body, inputs)


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
    """The subset of `rules: - if:` the component uses: $VAR == "value" or
    $VAR == $OTHER, joined by &&."""
    def term(t):
        m = re.fullmatch(r'\$(\w+) == (?:"([^"]*)"|\$(\w+))', t.strip())
        if not m:
            raise ValueError(f"rule not understood by the test: {t}")
        want = m.group(2) if m.group(2) is not None else env.get(m.group(3))
        return env.get(m.group(1)) == want
    for r in rules or []:
        cond = r.get("if")
        if cond is None or all(term(t) for t in cond.split("&&")):
            return r.get("when") != "never"
    return False


def tool_dir(tmp):
    """A directory for PATH holding issuegraph-mr-note, as the package installs it."""
    d = os.path.join(tmp, "tools")
    if not os.path.isdir(d):
        os.makedirs(d)
        os.symlink(os.path.join(SRC, "examples", "mr-note.sh"), os.path.join(d, "issuegraph-mr-note"))
    return d


def ci_env(project_dir, server, source, extra=None, token=True):
    env = {
        "PATH": ":".join([os.path.dirname(os.path.abspath(IG)), tool_dir(os.path.dirname(project_dir)),
                          "/usr/bin", "/bin"]),
        "HOME": project_dir, "LANG": "C.UTF-8",
        "GITLAB_CI": "true", "CI": "true",
        "CI_SERVER_URL": server.url,
        "CI_API_V4_URL": server.api,
        "CI_PROJECT_PATH": "acme/platform/api",
        "CI_PROJECT_DIR": project_dir,
        "CI_PIPELINE_SOURCE": source,
        "CI_DEFAULT_BRANCH": "main",
        "CI_JOB_TOKEN": "job-token-must-never-be-sent",
    }
    if source == "merge_request_event":
        env["CI_COMMIT_REF_PROTECTED"] = "false"
    else:
        env.update({"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_PROTECTED": "true"})
    if token:
        env["GITLAB_TOKEN"] = TOKEN
    # a sanitized build's settings (suppressions of Graphviz's own leaks) pass through
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "IG_SANITIZED"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return env


class Run:
    def __init__(self, rc, out, err, after_rc=None, after=""):
        self.rc, self.out, self.err, self.after_rc, self.after = rc, out, err, after_rc, after

    @property
    def text(self):
        return self.out + self.err


def run_job(doc, name, env):
    """The job as a runner runs it: before_script and script in one bash
    (set -eo pipefail), then after_script in another whose result does not
    count. The job's rc honours allow_failure: exit_codes only in how the
    caller reads it (it is returned as is)."""
    j = job(doc, name)
    env = dict(env)
    for k, v in {**doc.get("variables", {}), **j.get("variables", {})}.items():
        env.setdefault(k, str(v))
    script = "set -eo pipefail\n" + "\n".join(j.get("before_script", []) + j["script"]) + "\n"
    p = subprocess.run(["bash", "-x", "-c", script], cwd=env["CI_PROJECT_DIR"], env=env,
                       capture_output=True, text=True, timeout=600)
    r = Run(p.returncode, p.stdout, p.stderr)
    if j.get("after_script"):
        a = subprocess.run(["bash", "-c", "set -eo pipefail\n" + "\n".join(j["after_script"])],
                           cwd=env["CI_PROJECT_DIR"], env=env, capture_output=True, text=True,
                           timeout=300)
        r.after_rc, r.after = a.returncode, a.stdout + a.stderr
    return r


def control(server, path, body=None):
    req = urllib.request.Request(server.url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def unquoted_vars(script):
    """$NAME / ${NAME...} references outside double quotes in a shell text
    (single-quoted text holds none). Crude, but enough for these scripts."""
    out, q, i = [], None, 0
    while i < len(script):
        c = script[i]
        if q == "'":
            q = None if c == "'" else q
        elif c == "\\":
            i += 1
        elif c == '"':
            q = None if q == '"' else '"'
        elif c == "'" and q is None:
            q = "'"
        elif c == "$" and q is None:
            m = re.match(r"\$\{?(\w+)", script[i:])
            if m and not m.group(1).isdigit():
                out.append(m.group(1))
        i += 1
    return out


def write_baseline(proj, base):
    """What a team commits: today's findings as accepted ones."""
    if os.path.exists(base):
        os.unlink(base)
    igtest.ig(os.path.join(proj, "issuegraph.db"), "check", "--write-baseline", base)
    igtest.check(os.path.exists(base), "check --write-baseline wrote no file")


def knot_back(srv):
    """source/target ids for a link web#5 -> api#5, which closes the knot the
    scheduled runs saw resolved (link 673 was that link)."""
    snap = control(srv, "/__control/snapshot")
    paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
    ids = {f"{paths[i['project_id']]}#{i['iid']}": i["id"] for i in snap["issues"]}
    return {"source": ids["acme/platform/web#5"], "target": ids["acme/platform/api#5"]}


class ComponentShape(igtest.TestCase):
    """The trust rules as the component's text states them."""

    def test_inputs_are_declared_and_checked(self):
        spec, body = load_component()
        used = set(re.findall(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", body))
        declared = set(spec["inputs"])
        self.assertEqual(used - declared, set(), "interpolations of undeclared inputs")
        for want in ("instance", "seeds", "milestone", "fail-on", "stage", "version", "image"):
            self.assertIn(want, declared)
        for name, s in spec["inputs"].items():
            self.assertTrue(s.get("description"), f"input {name} has no description")
            self.assertTrue(s.get("regex"), f"input {name} has no regex: it goes into scripts as text")
        self.assertNotIn("default", spec["inputs"]["instance"], "the instance must be written by the project")
        for name, bad in [("instance", "https://gitlab.example.com/$(id)"),
                          ("instance", "$CI_SERVER_URL"), ("instance", "https://evil.example' -x '"),
                          ("instance", "http://gitlab.example.com"),
                          ("seeds", "--group acme; curl evil"), ("seeds", "--group $GROUP"),
                          ("seeds", "--group 'x'"), ("seeds", "--url https://evil.example"),
                          ("milestone", "v1' ; id ; '"), ("fail-on", "knots;id"),
                          ("image", "debian:12 && id"), ("baseline", "../x; id"),
                          ("deb-sha256", "abc")]:
            with self.assertRaises(ValueError, msg=f"{name}={bad!r} accepted"):
                interpolate(spec, body, {"instance": "https://gitlab.example.com", name: bad})
        for name, good in [("instance", "https://gitlab.example.com"),
                           ("instance", "https://gitlab.example.com:8443/gitlab"),
                           ("instance", "http://127.0.0.1:8080"),
                           ("seeds", "--group acme --project other/api --issue acme/web#5"),
                           ("milestone", "Release 2.0 (Q3)")]:
            interpolate(spec, body, {"instance": "https://gitlab.example.com", name: good})

    def test_jobs_follow_the_trust_rules(self):
        doc = component(instance="https://gitlab.example.com")
        _, body = load_component()
        for var in ("GITLAB_HOST", "CI_SERVER_URL", "ISSUEGRAPH_DB", "ISSUEGRAPH_SEEDS"):
            self.assertNotIn("$" + var, body, f"the jobs read ${var}, which a pipeline variable can set")
        for word in ("cmake", "gcc", "git clone", "make ", "cpack"):
            self.assertNotIn(word, body, "a job compiles (it would hold every CI variable)")
        sched, mr = job(doc, "issuegraph-scheduled"), job(doc, "issuegraph-merge-request")
        self.assertIn("$CI_COMMIT_REF_PROTECTED", sched["cache"]["key"])
        self.assertIn("$CI_COMMIT_REF_PROTECTED", mr["cache"]["key"])
        self.assertNotEqual(sched["cache"]["key"], mr["cache"]["key"],
                            "the merge-request job would write the scheduled job's store")
        self.assertEqual(sched["cache"]["paths"], ["issuegraph.db"])
        self.assertEqual(sched["cache"].get("when"), "always")
        self.assertEqual(sched["artifacts"]["reports"]["junit"], "issuegraph-junit.xml")
        self.assertEqual(sched["artifacts"].get("when"), "always")
        self.assertEqual(mr["allow_failure"], {"exit_codes": [77]})
        self.assertIn("issuegraph-mr-note", "\n".join(mr["after_script"]))
        self.assertNotIn("issuegraph-mr-note", "\n".join(mr["script"]),
                         "the note must come after the gate, in after_script")
        self.assertNotIn("GITLAB_TOKEN", "\n".join(mr["after_script"]),
                         "the note script must never see the read token")
        self.assertEqual(sched["image"], "registry.gitlab.com/issuegraph/issuegraph:0.1.0")
        # every variable quoted, but the two split on purpose
        for name in ("issuegraph-scheduled", "issuegraph-merge-request"):
            j = job(doc, name)
            text = "\n".join(j["before_script"] + j["script"] + j.get("after_script", []))
            self.assertEqual(sorted(set(unquoted_vars(text)) - {"seeds", "full"}), [],
                             f"{name}: unquoted variables")
        # which jobs run for which pipeline
        jobs = [n for n in doc if not n.startswith(".") and isinstance(doc[n], dict)]
        for env, want in [
                ({"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"},
                 {"issuegraph-scheduled"}),
                ({"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "feature", "CI_DEFAULT_BRANCH": "main"},
                 set()),
                ({"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "feature", "CI_DEFAULT_BRANCH": "main"},
                 set()),
                ({"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"},
                 {"issuegraph-merge-request"}),
                ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1", "CI_DEFAULT_BRANCH": "main"}, set()),
                ({"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}, set())]:
            got = {n for n in jobs if rule_matches(job(doc, n).get("rules"), env)}
            self.assertEqual(got, want, f"jobs of a pipeline with {env}")


class DebFallback(igtest.TestCase):
    """An image without issuegraph (e.g. debian:12-slim): before_script
    installs the release .deb of `version` from `package-registry`, over
    https only, its SHA-256 checked when `deb-sha256` is given. apt-get and
    curl are stand-ins here that record their arguments (installing is
    linking the build's binary); the script's decisions are real."""

    def setup_job(self, **inputs):
        stubs = self.path("stubs")
        bin_dir = self.path("installed")
        os.makedirs(stubs, exist_ok=True)
        os.makedirs(bin_dir, exist_ok=True)
        log = self.path("calls.log")
        with open(os.path.join(stubs, "apt-get"), "w") as f:
            f.write('#!/bin/sh\necho "apt-get $*" >>%s\n'
                    'case "$*" in *install*/tmp/issuegraph_*.deb*) ln -sf %s %s/issuegraph ;; esac\n'
                    % (log, os.path.abspath(IG), bin_dir))
        with open(os.path.join(stubs, "curl"), "w") as f:
            f.write('#!/bin/sh\necho "curl $*" >>%s\n'
                    'while [ $# -gt 1 ]; do [ "$1" = -o ] && printf "a .deb" >"$2"; shift; done\n' % log)
        for n in ("apt-get", "curl"):
            os.chmod(os.path.join(stubs, n), 0o755)
        doc = component(instance="https://gitlab.example.com", image="debian:12-slim", **inputs)
        j = job(doc, "issuegraph-scheduled")
        script = "set -eo pipefail\n" + "\n".join(j["before_script"]) + "\nissuegraph --version\n"
        env = {"PATH": ":".join([stubs, bin_dir, "/usr/bin", "/bin"]), "HOME": self.dir, "LANG": "C.UTF-8"}
        p = subprocess.run(["bash", "-c", script], cwd=self.dir, env=env, capture_output=True,
                           text=True, timeout=120)
        calls = igtest.read_text(log) if os.path.exists(log) else ""
        return p, calls

    def test_installs_the_release_deb(self):
        import hashlib
        good = hashlib.sha256(b"a .deb").hexdigest()
        p, calls = self.setup_job(version="1.2.3", **{"deb-sha256": good})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("not in the image; installing the 1.2.3 .deb", p.stdout)
        self.assertIn("--proto =https", calls)
        self.assertIn("https://gitlab.com/api/v4/projects/issuegraph%2Fissuegraph/packages/generic/issuegraph/"
                      "1.2.3/issuegraph_1.2.3_amd64.deb", calls)
        self.assertIn("apt-get install -y -qq --no-install-recommends ca-certificates curl jq", calls)
        self.assertIn("/tmp/issuegraph_1.2.3_amd64.deb", calls)
        self.assertIn("warning: the component's version input is 1.2.3", p.stdout)

    def test_a_wrong_checksum_stops_the_job(self):
        p, calls = self.setup_job(**{"deb-sha256": "0" * 64})
        self.assertNotEqual(p.returncode, 0, "a .deb that does not match deb-sha256 was installed")
        self.assertEqual([l for l in calls.splitlines() if l.startswith("apt-get") and ".deb" in l], [],
                         "the .deb went to apt-get")


class ComponentPipeline(igtest.Staged, igtest.TestCase, igtest.ClassDir):
    """The component on one server for the class; the jobs run in stages on
    one project directory (its cache), as successive pipelines would."""

    @classmethod
    def setUpClass(cls):
        cls.sunday = subprocess.run(["date", "-u", "+%u"], capture_output=True,
                                    text=True).stdout.strip() == "7"
        tmp = cls.make_class_dir()
        cls.tmp = tmp
        cls.log = os.path.join(tmp, "requests.log")
        cls.proj = os.path.join(tmp, "project")
        os.mkdir(cls.proj)
        cls.srv = ServerProcess(EXAMPLE, "--token", TOKEN, "--log", cls.log, "--lifetime", "600")
        cls.addClassCleanup(cls.srv.stop)
        # a second server: where a pipeline variable would like the token to go
        cls.evil_log = os.path.join(tmp, "evil.log")
        cls.evil = ServerProcess(EXAMPLE, "--token", TOKEN, "--log", cls.evil_log, "--lifetime", "600")
        cls.addClassCleanup(cls.evil.stop)
        cls.doc = component(instance=cls.srv.url)

    def sched(self, extra=None, **kw):
        return run_job(self.doc, "issuegraph-scheduled", ci_env(self.proj, self.srv, "schedule", extra, **kw))

    def mr(self, extra=None, doc=None, proj=None, **kw):
        return run_job(doc or self.doc, "issuegraph-merge-request",
                       ci_env(proj or self.proj, self.srv, "merge_request_event", extra, **kw))

    def test_1_scheduled_run_fails_on_the_knot_and_publishes(self):
        proj = self.proj
        r = self.sched()
        expect(f"scheduled run 1 fails on the knot (stderr: {r.err[-600:]})", r.rc, 1)
        expect("scheduled run 1: fetch --full only when asked or on Sunday",
               "fetch --url " + self.srv.url + " --project acme/platform/api --full" in r.err, self.sunday)
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
        if os.path.exists(os.path.join(proj, "issuegraph-report.html")):
            expect("html has the inline svg",
                   "<svg" in open(os.path.join(proj, "issuegraph-report.html")).read(), True)
        type(self).requests_1 = control(self.srv, "/__control/stats")["requests"]
        expect("the crawl reached the server", self.requests_1 > 5, True)

    def test_2_pipeline_variables_do_not_steer_the_job(self):
        # a pipeline variable for the host, the server URL, the store and the
        # seeds: the token still goes only to the committed instance, the
        # store is ./issuegraph.db, the seeds are $CI_PROJECT_PATH
        elsewhere = os.path.join(self.tmp, "elsewhere.db")
        r = self.sched({"GITLAB_HOST": self.evil.url, "CI_SERVER_URL": self.evil.url,
                        "CI_API_V4_URL": self.evil.api, "ISSUEGRAPH_DB": elsewhere,
                        "ISSUEGRAPH_SEEDS": "--group acme", "FULL_FETCH": "1"})
        expect(f"steered run: still the knot (stderr: {r.err[-600:]})", r.rc, 1)
        expect("FULL_FETCH=1 takes the --full branch", "--project acme/platform/api --full" in r.err, True)
        evil = open(self.evil_log).read().splitlines() if os.path.exists(self.evil_log) else []
        expect("nothing went to the instance a pipeline variable named",
               [l for l in evil if "/api/" in l], [])
        expect("$ISSUEGRAPH_DB did not choose the store", os.path.exists(elsewhere), False)
        expect("$ISSUEGRAPH_SEEDS was not crawled", "--group" in r.err, False)

    def test_3_a_cached_stores_seeds_are_not_crawled(self):
        # the cache (anyone who could write it) records other seeds: the job
        # crawls the project, and the store then holds the project's seed
        db = os.path.join(self.proj, "issuegraph.db")
        igtest.ig(db, "fetch", "--url", self.srv.url, "--group", "acme",
                  env={"GITLAB_TOKEN": TOKEN}, ok=True)
        r = self.sched()
        expect(f"poisoned cache: the job still runs (stderr: {r.err[-600:]})", r.rc, 1)
        expect("poisoned cache: the crawl's seed is the project",
               f"fetch --url {self.srv.url} --project acme/platform/api" in r.err, True)
        st = igtest.ig(db, "stats", "--format", "json", ok=True).stdout
        expect("poisoned cache: the store's seeds are the project's now",
               "acme/platform/api" in st and '"acme"' not in st, True)

    def test_4_after_the_fix_the_incremental_run_passes(self):
        srv, proj = self.srv, self.proj
        control(srv, "/__control/change", {"op": "delete_link", "id": 673})
        control(srv, "/__control/change", {"op": "edit_description", "issue": 3430,
                                           "description": "Users download invoices."})
        control(srv, "/__control/reset-stats", {})
        r = self.sched()
        expect(f"scheduled run after the fix passes (stderr: {r.err[-600:]})", r.rc, 0)
        inc = control(srv, "/__control/stats")["requests"]
        expect("incremental run sends fewer requests than the first", inc < self.requests_1, True)
        changes = os.path.join(proj, "issuegraph-changes.json")
        ch = json.load(open(changes)) if os.path.exists(changes) else {}
        expect("scheduled: the changes artifact says the knot was resolved",
               [k["issues"] for k in ch.get("knots", {}).get("resolved", [])],
               [["acme/mobile#11", "acme/platform/web#3"],
                ["acme/platform/api#5", "acme/platform/web#4", "acme/platform/web#5"]])

    def test_5_merge_request_job_gates_against_the_committed_baseline(self):
        srv, proj = self.srv, self.proj
        base = os.path.join(proj, ".issuegraph-baseline.json")
        # no baseline: it says it has nothing to compare with, and ends as a warning
        r = self.mr()
        expect(f"mr without a baseline: exit 77, a warning (stderr: {r.err[-600:]})", r.rc, 77)
        expect("mr without a baseline: says so", "nothing to compare with" in r.text, True)
        md = os.path.join(proj, "issuegraph-report.md")
        expect("mr: markdown report written anyway",
               "## Due-date conflicts" in (open(md).read() if os.path.exists(md) else ""), True)
        # the team commits a baseline of today's findings: the gate passes
        write_baseline(proj, base)
        r = self.mr()
        expect(f"mr with the baseline: passes on old findings (stderr: {r.err[-600:]})", r.rc, 0)
        expect("mr: says what it compares with", "committed baseline" in r.text, True)
        # a new knot (api#5 blocks web#4 blocks web#5 blocks api#5 again) fails it
        control(srv, "/__control/change", {"op": "add_link", "id": 99673,
                                           "link_type": "blocks", **knot_back(srv)})
        r = self.mr()
        expect(f"mr: a knot missing from the baseline fails (stderr: {r.err[-600:]})", r.rc, 1)
        expect("mr: the check names the new knot", "new-knots" in r.out, True)
        # ... and stays failing on the next pipeline: the baseline, not the cache, decides
        r = self.mr()
        expect("mr: the next pipeline still fails (a cache would have forgotten)", r.rc, 1)
        write_baseline(proj, base)
        r = self.mr()
        expect(f"mr: a knot in the baseline passes (stderr: {r.err[-600:]})", r.rc, 0)
        # a pipeline without a read token (GITLAB_TOKEN protected, the branch is not)
        r = self.mr(token=False)
        expect("mr without a token: a warning, not a silent pass", (r.rc, "no read token" in r.text),
               (77, True))
        r = self.mr({"ISSUEGRAPH_MR_TOKEN": TOKEN}, token=False)
        expect(f"mr with ISSUEGRAPH_MR_TOKEN: gates (stderr: {r.err[-600:]})", r.rc, 0)
        os.unlink(base)

    def test_6_merge_request_note(self):
        self.check_mr_note()

    def check_mr_note(self):
        snap = json.load(open(EXAMPLE))
        pid = [p["id"] for p in snap["projects"] if p["path_with_namespace"] == "acme/platform/api"][0]
        proj = os.path.join(self.tmp, "mr-project")
        os.makedirs(proj)
        write = "glpat-api-scope-writer"
        with ServerProcess(EXAMPLE, "--token", TOKEN, "--write-token", write) as srv:
            doc = component(instance=srv.url)
            # someone pastes the marker into a comment first; others' notes
            # follow: ours must be found past the first page, and theirs left alone
            planted = control(srv, "/__control/notes", {"project": str(pid), "mr": 7,
                                                         "body": MARKER + "\nI was here first"})
            for i in range(130):
                control(srv, "/__control/notes", {"project": str(pid), "mr": 7, "body": f"comment {i}"})
            with open(os.path.join(proj, ".issuegraph-baseline.json"), "w") as f:
                json.dump({"findings": []}, f)
            base = {"CI_PROJECT_ID": str(pid), "CI_MERGE_REQUEST_IID": "7"}

            def run(extra=None):
                return run_job(doc, "issuegraph-merge-request",
                               ci_env(proj, srv, "merge_request_event", {**base, **(extra or {})}))

            def ours():
                notes = control(srv, "/__control/notes").get(f"{pid}!7", [])
                return notes, [n for n in notes if MARKER in n["body"] and n["id"] != planted["id"]]

            r = run()
            notes, mine = ours()
            expect("mr note: not opted in, no note", len(mine), 0)
            expect("mr note: not opted in, the job says how", "ISSUEGRAPH_NOTE_TOKEN" in r.after, True)
            # the example holds a knot the empty baseline does not: the gate fails
            expect("mr note: the gate fails on the knot", r.rc, 1)

            env = {"ISSUEGRAPH_NOTE_TOKEN": write}
            r = run(env)
            expect(f"mr note: the gate's result is the job's (stderr: {r.err[-400:]})", r.rc, 1)
            expect(f"mr note: posted after the failed gate ({r.after[-300:]})", r.after_rc, 0)
            notes, mine = ours()
            expect("mr note: one note of ours created", len(mine), 1)
            first = mine[0]["id"] if mine else None
            body = mine[0]["body"] if mine else ""
            expect("mr note: holds the report", "## Summary" in body and "```mermaid" in body, True)
            expect("mr note: the planted note is untouched",
                   [n["body"] for n in notes if n["id"] == planted["id"]], [planted["body"]])
            expect("mr note: ours is the token user's", mine[0]["author"]["id"] if mine else None, 202)
            expect("mr note: others' notes untouched", len(notes), 132)

            # the next pipeline, after the knot's cut link is removed: the same note, updated
            control(srv, "/__control/change", {"op": "delete_link", "id": 673})
            r = run(env)
            notes, mine = ours()
            expect("mr note: still one note of ours", len(mine), 1)
            expect("mr note: updated in place", mine[0]["id"] if mine else None, first)
            expect("mr note: the update is the new report", mine[0]["body"] != body if mine else None, True)
            expect("mr note: no new notes", len(notes), 132)

            # a read_api token put in ISSUEGRAPH_NOTE_TOKEN by mistake: the note
            # fails, says why, and the job's result is still the gate's
            gate = run().rc
            r = run({"ISSUEGRAPH_NOTE_TOKEN": TOKEN})
            expect("mr note: a failing note leaves the gate's result", r.rc, gate)
            expect("mr note: the failure says why", "insufficient_scope" in r.after, True)
            expect("mr note: the failure says the gate stands", "gate's result stands" in r.after, True)
            stats = control(srv, "/__control/stats").get("notes", {})
            expect("mr note: writes only with the api-scope token onto its own note", stats.get("writes"), 2)
            expect("mr note: refused writes: only the misconfigured read token's", stats.get("refused_writes"), 1)
            expect("mr note: the tokens never reached the log", TOKEN in r.text + r.after or write in r.text + r.after,
                   False)

    def test_7_only_the_ci_job_token_fails_the_job(self):
        bare = self.path("bare")
        os.mkdir(bare)
        r = run_job(self.doc, "issuegraph-scheduled", ci_env(bare, self.srv, "schedule", token=False))
        expect("job token only: the job fails with fetch's exit 3", r.rc, 3)

    def test_8_the_token_went_out_only_as_private_token(self):
        lines = open(self.log).read().splitlines() if os.path.exists(self.log) else []
        expect("request log written", bool(lines), True)
        api = [l for l in lines if " /api/v4/" in l]
        expect("every API request carried the token as PRIVATE-TOKEN (never JOB-TOKEN)",
               sorted({l.rsplit(" ", 1)[-1] for l in api}), ["PRIVATE-TOKEN"])
        expect("token never logged", any(TOKEN in l for l in lines), False)


class CleanProject(igtest.TestCase):
    def test_both_jobs_pass(self):
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
            doc = component(instance=srv.url)
            r = run_job(doc, "issuegraph-scheduled", ci_env(cproj, srv, "schedule"))
            expect(f"clean: scheduled job passes (stderr: {r.err[-600:]})", r.rc, 0)
            with open(os.path.join(cproj, ".issuegraph-baseline.json"), "w") as f:
                json.dump({"findings": []}, f)
            r = run_job(doc, "issuegraph-merge-request", ci_env(cproj, srv, "merge_request_event"))
            expect(f"clean: merge-request job passes (stderr: {r.err[-600:]})", r.rc, 0)


if __name__ == "__main__":
    igtest.main()
