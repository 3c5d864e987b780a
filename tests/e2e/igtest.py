"""The e2e tests' shared helper library, on top of unittest (not a test itself).

A test file defines unittest.TestCase classes (usually subclasses of
igtest.TestCase) and ends with

    if __name__ == "__main__":
        igtest.main()

which runs its cases with verbosity 2: each case's name and result on its
own line, exit code 1 if any failed. See tests/e2e/README.md.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import warnings

SRC = os.environ.get("IG_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BIN = os.environ.get("IG_BIN") or os.path.join(
    os.environ.get("IG_BUILD_DIR") or os.path.join(SRC, "build"), "cli", "issuegraph")
EXAMPLE = os.path.join(SRC, "examples", "example.json")

sys.path.insert(0, os.path.join(SRC, "tests", "gitlab_server"))
from server import ServerProcess  # noqa: E402,F401  (re-exported for the tests)

# Variables of the caller's environment that would change what the binary
# does; ig() removes them unless a test sets them in env=.
CLEARED_ENV = ("ISSUEGRAPH_DB", "GITLAB_TOKEN", "GITLAB_ACCESS_TOKEN", "OAUTH_TOKEN",
               "CI_JOB_TOKEN", "GITLAB_HOST", "CI_SERVER_URL", "GITLAB_CI", "CI_PROJECT_PATH",
               "ISSUEGRAPH_TEST_KILL_AT_COMMIT", "ISSUEGRAPH_TEST_MAX_OFFSET",
               "ISSUEGRAPH_TEST_BODY_CAP", "ISSUEGRAPH_TEST_BODY_BUDGET")


class Failed(AssertionError):
    """ig(..., ok=...) got another exit code than the one asked for."""


def ig(db, *args, ok=None, env=None, cwd=None, input=None, timeout=300, text=True):
    """Run `issuegraph [--db DB] ARGS` (no --db when db is None) with a clean
    environment plus env; returns the CompletedProcess. ok=True asks for
    exit 0, ok=N for exit N (else Failed, naming the command and stderr)."""
    e = dict(os.environ)
    for k in CLEARED_ENV:
        e.pop(k, None)
    if env:
        e.update(env)
    cmd = [BIN] + (["--db", db] if db is not None else []) + [a if isinstance(a, (str, bytes)) else str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=text, env=e, cwd=cwd,
                       input=input, stdin=None if input is not None else subprocess.DEVNULL,
                       timeout=timeout)
    want = 0 if ok is True else ok
    if want is not None and want is not False and p.returncode != want:
        raise Failed("issuegraph %s exited %d, want %d: %s" %
                     (" ".join(map(str, args)), p.returncode, want,
                      (p.stderr if text else p.stderr.decode("utf-8", "replace")).strip()))
    return p


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    return path


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def ig_json(db, *args, **kw):
    """ig(..., ok=True) and its stdout parsed as JSON."""
    kw.setdefault("ok", True)
    return json.loads(ig(db, *args, **kw).stdout)


_current = None  # the igtest.TestCase running now
_running = False  # igtest.main() runs the file


def check(cond, what):
    """A soft assertion on the running igtest.TestCase: a false cond is
    reported as a failure of that case named by `what` (a subTest), and the
    case goes on, so one run names every broken check of a case. For
    helpers shared by many cases; in a case itself prefer self.assert*.
    Outside a case (setUpClass) it is a plain assertion."""
    if _current is None:
        if not cond:
            raise AssertionError(what)
        return True
    with _current.subTest(check=what):
        _current.assertTrue(cond, what)
    return bool(cond)


def expect(what, got, want):
    """check(got == want), naming both values when they differ."""
    return check(got == want, "%s: got %r, want %r" % (what, got, want))


def _leave(case):
    global _current
    if _current is case:
        _current = None


class TestCase(unittest.TestCase):
    """A case with its own temporary directory (self.dir), removed after it."""

    def setUp(self):
        global _current
        super().setUp()
        _current = self
        self.addCleanup(_leave, self)
        if not os.path.exists(BIN):
            self.fail("no binary at %s (set IG_BIN)" % BIN)
        self.dir = tempfile.mkdtemp(prefix="ig-e2e-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def import_snapshot(self, snap, name="s"):
        """A store NAME.db made by importing snap (a dict, or a file path)."""
        src = snap if isinstance(snap, str) else write_json(self.path(name + ".json"), snap)
        db = self.path(name + ".db")
        ig(db, "import", src, ok=True)
        return db

    def server(self, data, *args):
        """A GitLab test server on data (a dict or a file path), stopped after the case."""
        if not isinstance(data, str):
            data = write_json(tempfile.mktemp(suffix=".json", dir=self.dir), data)
        srv = ServerProcess(data, *args)
        self.addCleanup(srv.stop)
        return srv


class ClassDir:
    """Mix-in for classes whose cases share set-up: cls.dir, made in
    setUpClass (call cls.make_class_dir()) and removed after the class."""

    @classmethod
    def make_class_dir(cls):
        cls.dir = tempfile.mkdtemp(prefix="ig-e2e-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        return cls.dir


class Staged:
    """Mix-in for a scenario whose steps build on each other: its cases are
    numbered stages (test_1_..., test_2_...; unittest runs them in name
    order) sharing class state. Once a stage fails outright (an error or a
    failed assert outside a subTest), the later stages are skipped; a soft
    check that fails is reported and the scenario goes on."""

    _stage_broken = False

    def setUp(self):
        super().setUp()
        if type(self)._stage_broken:
            self.skipTest("an earlier stage failed")

    def run(self, result=None):
        def own(r):
            return [t for t, _ in r.failures + r.errors if t is self] if r else []
        out = super().run(result)
        if own(result):
            type(self)._stage_broken = True
        return out


def chromium_available():
    return bool(shutil.which("chromium")) and os.path.exists("/usr/bin/chromedriver")


def chromium(profile_dir, width=1600, height=1000, extra_args=()):
    """A headless Chromium (Debian's chromium and chromium-driver) driven by
    selenium, its profile in profile_dir; the caller quits it. A missing
    Chromium is an error, not a skip: tests/install-deps.sh installs it."""
    if not chromium_available():
        raise RuntimeError("chromium or chromedriver missing (Debian: chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run",
              "--user-data-dir=%s" % os.path.join(profile_dir, "profile"),
              "--window-size=%d,%d" % (width, height)) + tuple(extra_args):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def main():
    """Run the calling file's TestCases (or those named on the command line:
    Class or Class.test_x) with each case's name and result printed; exit 1
    if any failed or none ran."""
    global _running
    _running = True
    listed = os.environ.get("IG_E2E_CLASSES")
    if listed:
        # ctest runs this file once per class listed in tests/CMakeLists.txt:
        # a class missing from that list would never run
        main_mod = sys.modules["__main__"]
        classes = {n for n, v in vars(main_mod).items()
                   if isinstance(v, type) and issubclass(v, unittest.TestCase)
                   and v.__module__ == "__main__"}
        missing = sorted(classes - set(listed.split(",")))
        if missing:
            print("test classes not in the file's CLASSES in tests/CMakeLists.txt: %s"
                  % " ".join(missing), file=sys.stderr)
            sys.exit(1)
    # (ResourceWarnings of files the tests open to read are noise here)
    warnings.simplefilter("default")
    warnings.simplefilter("ignore", ResourceWarning)
    prog = unittest.main(module="__main__", verbosity=2, buffer=False, warnings=False,
                         exit=False)
    if prog.result.testsRun == 0:
        print("no test ran (a misspelt class or case name?)", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
