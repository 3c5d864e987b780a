#!/usr/bin/python3
"""The CI/CD component and the project's own pipeline in a real GitLab CI
emulator: npm's gitlab-ci-local (pinned by tests/install-deps.sh, which
installs it; a missing one is a failure, not a skip), its jobs on the shell
executor (no container engine here) with issuegraph from the build dir, the
tokens and CI variables of each kind of pipeline, against the local GitLab
API test server.

- The configuration is validated by GitLab's CI JSON schema: gitlab-ci-local
  validates every pipeline it runs, and the schema it ships is also applied
  here to each YAML document on its own (the components' spec headers, the
  examples, .gitlab-ci.yml); a planted error must fail both.
- A scheduled pipeline on the protected default branch fails on the
  example's knot, publishes the reports and the Pages site, and keeps the
  store in the cache issuegraph-scheduled-true.
- A merge-request pipeline of an unprotected branch does not read that
  cache, says it has nothing to compare with (a warning), posts the note;
  with a committed baseline it passes.
- A tag pipeline runs none of the component's jobs; the project's own
  .gitlab-ci.yml runs its release jobs there (listed, not run: they build
  and publish).
"""
import json
import os
import re
import shutil
import subprocess
import urllib.request

import yaml

import igtest
from igtest import ServerProcess, expect

SRC = igtest.SRC
IG = igtest.BIN
EXAMPLE = igtest.EXAMPLE
TOKEN = "glpat-gcl-read"
WRITE = "glpat-gcl-note"
# 4.64.1: the newest that runs on Debian 12's Node.js 18 (later ones need Node 20 or 22)
GCL_VERSION = "4.64.1"
PROJECT = "acme/platform/api"


def gcl_js():
    if os.environ.get("IG_GCL"):
        return os.environ["IG_GCL"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "issuegraph", "gitlab-ci-local", "node_modules", "gitlab-ci-local",
                        "src", "index.js")


def control(server, path, body=None):
    req = urllib.request.Request(server.url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
                   cwd=cwd, check=True, capture_output=True, text=True)


def gitlab_schema(tmp):
    """GitLab's CI schema (ci.json of gitlab-org/gitlab) as gitlab-ci-local
    ships it (src/schema/schema.js, an ES module), read out by Node."""
    out = os.path.join(tmp, "ci.json")
    mod = os.path.join(os.path.dirname(gcl_js()), "schema", "schema.js")
    js = ("import {schema} from %s; import {writeFileSync} from 'node:fs';"
          "writeFileSync(%s, JSON.stringify(schema));" % (json.dumps("file://" + mod), json.dumps(out)))
    subprocess.run(["node", "--input-type=module", "-e", js], check=True, capture_output=True, text=True)
    with open(out) as f:
        return json.load(f)


def schema_errors(validator, docs):
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
            for d in docs for e in validator.iter_errors(d)]


class GitlabCiLocal(igtest.Staged, igtest.TestCase, igtest.ClassDir):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(gcl_js()):
            raise AssertionError("gitlab-ci-local is not installed at %s: run "
                                 "`bash tests/install-deps.sh test`" % gcl_js())
        v = subprocess.run(["node", gcl_js(), "--version"], capture_output=True, text=True, timeout=60)
        if v.returncode != 0 or v.stdout.strip() != GCL_VERSION:
            raise AssertionError("gitlab-ci-local %s does not run here: %s" % (GCL_VERSION, (v.stdout + v.stderr)[-400:]))
        tmp = cls.make_class_dir()
        cls.tmp = tmp
        cls.log = os.path.join(tmp, "requests.log")
        cls.srv = ServerProcess(EXAMPLE, "--token", TOKEN, "--write-token", WRITE, "--log", cls.log,
                                "--lifetime", "600")
        cls.addClassCleanup(cls.srv.stop)
        snap = igtest.read_json(EXAMPLE)
        cls.pid = [p["id"] for p in snap["projects"] if p["path_with_namespace"] == PROJECT][0]
        # issuegraph-mr-note as the package installs it
        tools = os.path.join(tmp, "tools")
        os.mkdir(tools)
        os.symlink(os.path.join(SRC, "examples", "mr-note.sh"), os.path.join(tools, "issuegraph-mr-note"))
        cls.path_env = ":".join([os.path.dirname(os.path.abspath(IG)), tools, "/usr/bin", "/bin"])
        # the consumer's project: its remote names it acme/platform/api; it
        # holds the component (so gitlab-ci-local takes it at this commit,
        # as GitLab does for $CI_SERVER_FQDN/$CI_PROJECT_PATH/...@$CI_COMMIT_SHA)
        proj = os.path.join(tmp, "project")
        os.mkdir(proj)
        git(proj, "init", "-q", "-b", "main")
        git(proj, "remote", "add", "origin", "https://gitlab.example.com/%s.git" % PROJECT)
        shutil.copytree(os.path.join(SRC, "templates"), os.path.join(proj, "templates"))
        example = igtest.read_text(os.path.join(SRC, "examples", "gitlab-ci.yml"))
        ci = re.sub(r"issuegraph/issuegraph/(issuegraph(?:-pages)?)@0\.1\.0",
                    r"$CI_PROJECT_PATH/\1@$CI_COMMIT_SHA", example)
        ci = ci.replace("instance: https://gitlab.example.com", "instance: " + cls.srv.url)
        assert ci.count("@$CI_COMMIT_SHA") == 2 and cls.srv.url in ci, "examples/gitlab-ci.yml changed shape"
        with open(os.path.join(proj, ".gitlab-ci.yml"), "w") as f:
            f.write(ci)
        git(proj, "add", ".")
        git(proj, "commit", "-qm", "use it")
        cls.proj = proj

    def gcl(self, *args, variables=None, unset=(), cwd=None, isolate=True):
        env = {"PATH": self.path_env, "HOME": self.tmp, "LANG": "C.UTF-8",
               "GCL_IGNORE_PREDEFINED_VARS": "CI_PIPELINE_SOURCE,GITLAB_CI,CI_COMMIT_REF_PROTECTED,"
                                             "CI_API_V4_URL,CI_PROJECT_ID,CI_COMMIT_BRANCH,CI_COMMIT_TAG,CI_SERVER_URL"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "IG_SANITIZED"):
            if k in os.environ:
                env[k] = os.environ[k]
        # --shell-isolation: each job in its own build directory, with the
        # cache and artifacts carried as GitLab does (the cache keys are
        # checked through it). But gitlab-ci-local 4.73 re-copies the
        # checkout over that directory before after_script, deleting what
        # the job wrote; so the note (after_script) is checked without it.
        cmd = ["node", gcl_js(), "--no-color", "--force-shell-executor",
               "--max-job-name-padding", "0"] + (["--shell-isolation"] if isolate else [])
        # as GitLab sets them in a real job (gitlab-ci-local's own say GITLAB_CI=false)
        for k, v in {"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com",
                     **(variables or {})}.items():
            cmd += ["--variable", "%s=%s" % (k, v)]
        for k in unset:
            cmd += ["--unset-variable", k]
        p = subprocess.run(cmd + list(args), cwd=cwd or self.proj, env=env, capture_output=True,
                           text=True, timeout=600)
        self.stdout = p.stdout
        return p.returncode, p.stdout + p.stderr

    def listed(self, rc):
        """The job names of a --list-csv run: the jobs the pipeline would run
        (None if it failed). The header line starts with "name;"."""
        lines = self.stdout.splitlines()
        head = [i for i, l in enumerate(lines) if l.startswith("name;")]
        if rc != 0 or not head:
            return None
        return sorted(l.split(";")[0] for l in lines[head[0] + 1:] if l.strip())

    def cache_file(self, key):
        return os.path.join(self.proj, ".gitlab-ci-local", "cache", key, "issuegraph.db")

    def test_1_schema_validation(self):
        import jsonschema
        schema = gitlab_schema(self.tmp)
        v = jsonschema.Draft7Validator(schema)
        files = [os.path.join(SRC, "templates", f) for f in sorted(os.listdir(os.path.join(SRC, "templates")))]
        files += [os.path.join(SRC, "examples", "gitlab-ci.yml"), os.path.join(SRC, ".gitlab-ci.yml")]
        for f in files:
            docs = list(yaml.safe_load_all(igtest.read_text(f)))
            expect(f"{os.path.relpath(f, SRC)}: valid by GitLab's CI schema", schema_errors(v, docs), [])
        # the check can fail: a misspelt cache policy and an unknown key
        bad = {"job": {"script": ["true"], "cache": {"paths": ["x"], "policy": "pul"}, "artifact": {}}}
        expect("a planted error is caught", len(schema_errors(v, [bad])) >= 1, True)
        rc, out = self.gcl("--list", variables={"CI_PIPELINE_SOURCE": "schedule"})
        expect(f"gitlab-ci-local validates the pipeline ({out[-400:]})",
               (rc, "json schema validated" in out), (0, True))
        # gitlab-ci-local's own validation fails on the planted error, in a copy
        broken = os.path.join(self.tmp, "broken")
        shutil.copytree(self.proj, broken, symlinks=True)
        with open(os.path.join(broken, ".gitlab-ci.yml"), "a") as f:
            f.write("\nplanted:\n  script: [\"true\"]\n  cache: {paths: [x], policy: pul}\n")
        rc, out = self.gcl("--list", cwd=broken)
        expect(f"gitlab-ci-local refuses a pipeline its schema rejects ({out[-300:]})", rc != 0, True)

    def test_2_scheduled_pipeline(self):
        rc, out = self.gcl(variables={"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_REF_PROTECTED": "true",
                                      "GITLAB_TOKEN": TOKEN})
        type(self).sched_out = out
        expect(f"scheduled pipeline: fails (the knot) ({out[-1500:]})", rc != 0, True)
        expect("scheduled: the job failed with the gate's exit 1", "issuegraph-scheduled finished" in out
               and re.search(r"issuegraph-scheduled\s+finished in .* FAIL 1", out) is not None, True)
        expect("scheduled: the fetch ran", "fetch: 48 issues" in out, True)
        expect("scheduled: the pages job ran after the failed gate", re.search(r"PASS\s+pages", out) is not None, True)
        arts = os.path.join(self.proj, ".gitlab-ci-local", "artifacts")
        for f in ("issuegraph-scheduled/issuegraph-report.html", "issuegraph-scheduled/issuegraph.svg",
                  "issuegraph-scheduled/issuegraph-report.md", "issuegraph-scheduled/issuegraph-changes.json",
                  "pages/public/index.html", "pages/public/issuegraph.svg"):
            expect(f"artifact {f}", os.path.exists(os.path.join(arts, f)), True)
        idx = os.path.join(arts, "pages", "public", "index.html")
        expect("the Pages site is the HTML report with its graph",
               "<svg" in (igtest.read_text(idx) if os.path.exists(idx) else ""), True)
        expect("the store is cached under the protected key",
               os.path.exists(self.cache_file("issuegraph-scheduled-true")), True)
        st = igtest.ig(self.cache_file("issuegraph-scheduled-true"), "stats", ok=True).stdout \
            if os.path.exists(self.cache_file("issuegraph-scheduled-true")) else ""
        expect("the cached store's seed is the project", "seeds:      --project acme/platform/api" in st, True)

    def test_3_merge_request_pipeline(self):
        before = os.path.getmtime(self.cache_file("issuegraph-scheduled-true"))
        mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_REF_PROTECTED": "false",
              "CI_MERGE_REQUEST_IID": "7", "CI_PROJECT_ID": str(self.pid), "CI_API_V4_URL": self.srv.api,
              "GITLAB_TOKEN": TOKEN, "ISSUEGRAPH_NOTE_TOKEN": WRITE}
        rc, out = self.gcl(variables=mr, unset=["CI_COMMIT_BRANCH"])
        type(self).mr_out = out
        if os.environ.get("IG_GCL_DEBUG"):
            print(out)
        expect(f"mr pipeline without a baseline: the job ends as a warning, the pipeline passes ({out[-1500:]})",
               rc, 0)
        expect("mr: says it has nothing to compare with", "nothing to compare with" in out, True)
        # (gitlab-ci-local empties the build directory before after_script,
        # so the cache it saves here holds no store: the key is what counts)
        expect("mr: its own cache, per protection level",
               "cache created in '.gitlab-ci-local/cache/issuegraph-mr-false'" in out, True)
        expect("mr: the scheduled job's cache untouched",
               os.path.getmtime(self.cache_file("issuegraph-scheduled-true")), before)
        # the team commits today's findings as its baseline: the gate passes,
        # and the note is posted after it (without isolation, see gcl())
        base = os.path.join(self.proj, ".issuegraph-baseline.json")
        igtest.ig(self.cache_file("issuegraph-scheduled-true"), "check", "--write-baseline", base)
        git(self.proj, "add", ".issuegraph-baseline.json")
        git(self.proj, "commit", "-qm", "accept today's findings")
        rc, out = self.gcl(variables=mr, unset=["CI_COMMIT_BRANCH"], isolate=False)
        expect(f"mr with the committed baseline: passes ({out[-1500:]})",
               (rc, "comparing with the committed baseline" in out), (0, True))
        expect("mr: the job passed outright", re.search(r"PASS\s+issuegraph-merge-request", out) is not None, True)
        notes = control(self.srv, "/__control/notes").get(f"{self.pid}!7", [])
        expect(f"mr: the note was posted (after_script) ({out[-600:]})", len(notes), 1)
        body = notes[0]["body"] if notes else ""
        rc, out = self.gcl(variables=mr, unset=["CI_COMMIT_BRANCH"], isolate=False)
        notes = control(self.srv, "/__control/notes").get(f"{self.pid}!7", [])
        expect("mr: the next pipeline updates the same note", (len(notes), "updated note" in out), (1, True))
        expect("mr: the note holds the report", "## Summary" in body, True)

    def test_4_tag_pipelines(self):
        tag = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v0.1.0", "CI_COMMIT_REF_PROTECTED": "true"}
        rc, out = self.gcl("--list-csv", variables=tag, unset=["CI_COMMIT_BRANCH"])
        jobs = self.listed(rc)
        expect(f"a tag pipeline of the consumer runs none of the component's jobs ({out[-300:]})", jobs, [])
        # the project's own pipeline: on a tag, the release jobs
        own = os.path.join(self.tmp, "own")
        os.mkdir(own)
        git(own, "init", "-q", "-b", "main")
        git(own, "remote", "add", "origin", "https://gitlab.example.com/issuegraph/issuegraph.git")
        shutil.copy(os.path.join(SRC, ".gitlab-ci.yml"), own)
        git(own, "add", ".")
        git(own, "commit", "-qm", "x")
        rc, out = self.gcl("--list-csv", variables=tag, unset=["CI_COMMIT_BRANCH"], cwd=own)
        jobs = self.listed(rc)
        expect(f"the release pipeline on a tag ({out[-300:]})", jobs,
               sorted(["test", "package-deb", "build-image", "publish-deb", "publish-image"]))
        rc, out = self.gcl("--list-csv", variables={"CI_PIPELINE_SOURCE": "push"}, cwd=own)
        jobs = self.listed(rc)
        expect(f"the project's pipeline on a branch: the tests only ({out[-300:]})", jobs, ["test"])

    def test_5_the_readme_shows_these_outputs(self):
        # the README's two sample outputs (the example's issues): each line
        # appears in the pipeline's output, "…" standing for anything
        readme = igtest.read_text(os.path.join(SRC, "README.md"))
        section = readme[readme.index("## In GitLab CI"):readme.index("## Exit codes")]
        blocks = re.findall(r"\n  ```\n(.*?)\n  ```", section, re.S)
        expect("the README shows two sample outputs", len(blocks), 2)
        for block, out in zip(blocks, (self.sched_out, getattr(self, "mr_out", ""))):
            for line in block.splitlines():
                rx = r"\s+".join(".*".join(re.escape(p) for p in w.split("…")) for w in line.split())
                expect(f"README line in the pipeline's output: {line.strip()}",
                       re.search(rx, out) is not None, True)

    def test_6_the_tokens_stayed_home(self):
        lines = igtest.read_text(self.log).splitlines() if os.path.exists(self.log) else []
        api = [l for l in lines if " /api/v4/" in l]
        expect("requests reached the test server", len(api) > 10, True)
        expect("tokens went only as PRIVATE-TOKEN", sorted({l.rsplit(" ", 1)[-1] for l in api}),
               ["PRIVATE-TOKEN"])


if __name__ == "__main__":
    igtest.main()
