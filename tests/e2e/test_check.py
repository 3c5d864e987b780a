#!/usr/bin/python3
"""check and report --fail-on: the findings and the exit codes for each kind
of finding, present and absent, on small snapshots built for each case and
imported into a real store."""
import json
import os
import subprocess
import sys
import tempfile

IG = os.environ.get("IG_BIN") or os.path.join(
    os.environ.get("IG_BUILD_DIR", "build"), "cli", "issuegraph")
KINDS = ["knots", "conflicts", "closed-blocked"]
failures = []


def issue(iid, state="opened", due=None, milestone=None, ms_due=None, title=None,
          confidential=False):
    return {
        "id": 1000 + iid, "project_id": 1, "iid": iid,
        "title": title or f"Issue {iid}", "state": state,
        "confidential": confidential, "weight": None,
        "time_stats": {"time_estimate": 0, "total_time_spent": 0},
        "milestone": ({"title": milestone, "due_date": ms_due} if milestone else None),
        "due_date": due, "labels": [],
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
        "closed_at": "2026-01-02T00:00:00.000Z" if state == "closed" else None,
        "web_url": f"https://gitlab.example.com/g/a/-/issues/{iid}",
    }


def snapshot(issues, blocks):
    """blocks: (a, b) pairs of iids, a blocks b."""
    return {
        "version": 1, "source": "https://gitlab.example.com",
        "projects": [{"id": 1, "path_with_namespace": "g/a",
                      "web_url": "https://gitlab.example.com/g/a"}],
        "issues": issues,
        "links": [{"id": i + 1, "source_issue_id": 1000 + a, "target_issue_id": 1000 + b,
                   "link_type": "blocks"} for i, (a, b) in enumerate(blocks)],
    }


def run(db, *args):
    p = subprocess.run([IG, "--db", db, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def store_of(tmp, name, snap):
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(snap, f)
    db = os.path.join(tmp, name + ".db")
    rc, out, err = run(db, "import", path)
    if rc != 0:
        sys.exit(f"import of {name} failed ({rc}): {err}")
    return db


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def gate_cases(db, name, present, extra=()):
    """For each kind, check and report --fail-on KIND exit 1 iff KIND is present."""
    for kind in KINDS:
        want = 1 if kind in present else 0
        rc, out, err = run(db, "check", "--fail-on", kind, *extra)
        expect(f"{name}: check --fail-on {kind} {' '.join(extra)} (stderr {err.strip()!r})",
               rc, want)
        rc, out, err = run(db, "report", "--format", "json", "--fail-on", kind, *extra)
        expect(f"{name}: report --fail-on {kind} {' '.join(extra)} (stderr {err.strip()!r})",
               rc, want)
        if rc in (0, 1):
            rep = json.loads(out)
            expect(f"{name}: report summary count of {kind} > 0",
                   rep["summary"]["findings"][kind] > 0, kind in present)
    # all kinds at once, and the default (knots)
    rc, _, _ = run(db, "check", "--fail-on", ",".join(KINDS), *extra)
    expect(f"{name}: check --fail-on all", rc, 1 if present else 0)
    rc, _, _ = run(db, "check", *extra)
    expect(f"{name}: check (default knots)", rc, 1 if "knots" in present else 0)
    # report without --fail-on never gates
    rc, _, _ = run(db, "report", *extra)
    expect(f"{name}: report without --fail-on", rc, 0)


def main():
    if not os.path.exists(IG):
        sys.exit(f"no binary at {IG}")
    with tempfile.TemporaryDirectory() as tmp:
        # 1. clean: a chain, no dates
        db = store_of(tmp, "clean", snapshot([issue(1), issue(2), issue(3)], [(1, 2), (2, 3)]))
        gate_cases(db, "clean", set())
        rc, out, err = run(db, "check")
        expect("clean: text summary", out.strip().splitlines()[-1:],
               ["summary: 0 findings (knots 0, conflicts 0, closed-blocked 0); "
                "fail on knots: passed"])

        # 2. a knot of two open issues, plus one outside it
        db = store_of(tmp, "knot", snapshot([issue(1), issue(2), issue(3)],
                                            [(1, 2), (2, 1), (2, 3)]))
        gate_cases(db, "knot", {"knots"})
        rc, out, err = run(db, "check", "--format", "json")
        expect("knot: json", json.loads(out),
               {"findings": [{"kind": "knots", "issues": ["g/a#1", "g/a#2"]}], "failed": True})
        rc, out, err = run(db, "check")
        lines = out.strip().splitlines()
        expect("knot: one line per finding + summary", len(lines), 2)
        expect("knot: line names the issues",
               lines[0].startswith("knots: 2 issues: g/a#1 g/a#2; cycle g/a#1 -> g/a#2 -> g/a#1"),
               True)

        # 2b. an issue that blocks itself is a knot
        db = store_of(tmp, "self", snapshot([issue(1), issue(2)], [(1, 1)]))
        gate_cases(db, "self-loop", {"knots"})

        # 3. conflicts: blocker due later than blocked; blocker without a date;
        #    and a pair that is fine (blocker due earlier)
        db = store_of(tmp, "conflict", snapshot(
            [issue(1, due="2027-03-01"), issue(2, due="2026-12-01"),
             issue(3), issue(4, milestone="v1", ms_due="2026-11-01"),
             issue(5, due="2026-01-01"), issue(6, due="2026-06-01")],
            [(1, 2), (3, 4), (5, 6)]))
        gate_cases(db, "conflict", {"conflicts"})
        rc, out, err = run(db, "check", "--format", "json")
        expect("conflict: json findings", json.loads(out)["findings"], [
            {"kind": "conflicts", "blocker": "g/a#1", "blocked": "g/a#2",
             "blocker_due": "2027-03-01", "blocked_due": "2026-12-01"},
            {"kind": "conflicts", "blocker": "g/a#3", "blocked": "g/a#4",
             "blocker_due": None, "blocked_due": "2026-11-01"},
        ])
        # a closed blocker is no conflict
        db = store_of(tmp, "conflict-closed", snapshot(
            [issue(1, state="closed", due="2027-03-01"), issue(2, due="2026-12-01")], [(1, 2)]))
        gate_cases(db, "conflict with a closed blocker", set())
        # an equal date is fine
        db = store_of(tmp, "conflict-equal", snapshot(
            [issue(1, due="2026-12-01"), issue(2, due="2026-12-01")], [(1, 2)]))
        gate_cases(db, "conflict with equal dates", set())

        # 4. closed-blocked: an open issue blocks a closed one (read on every issue);
        #    a closed issue blocking an open one is not a finding
        db = store_of(tmp, "closed-blocked", snapshot(
            [issue(1), issue(2, state="closed"), issue(3, state="closed"), issue(4)],
            [(1, 2), (3, 4)]))
        gate_cases(db, "closed-blocked", {"closed-blocked"})
        rc, out, err = run(db, "check", "--format", "json", "--fail-on", "closed-blocked")
        expect("closed-blocked: json", json.loads(out),
               {"findings": [{"kind": "closed-blocked", "blocker": "g/a#1",
                              "blocked": "g/a#2"}], "failed": True})

        # 5. a cycle through a closed issue is a knot only with --all-states
        db = store_of(tmp, "closed-knot", snapshot(
            [issue(1), issue(2, state="closed")], [(1, 2), (2, 1)]))
        gate_cases(db, "cycle through a closed issue", {"closed-blocked"})
        gate_cases(db, "cycle through a closed issue --all-states",
                   {"knots", "closed-blocked"}, ("--all-states",))

        # 6. --milestone: a knot upstream of the milestone counts, one beside it not
        db = store_of(tmp, "milestone", snapshot(
            [issue(1), issue(2), issue(3, milestone="v1"),
             issue(4), issue(5), issue(6, milestone="v2"),
             issue(7, milestone="v3", state="closed")],
            [(1, 2), (2, 1), (2, 3), (4, 5), (5, 4), (4, 6)]))
        gate_cases(db, "milestone v1 (knot upstream)", {"knots"}, ("--milestone", "v1"))
        rc, out, err = run(db, "check", "--format", "json", "--milestone", "v2")
        expect("milestone v2: only its own knot", json.loads(out)["findings"],
               [{"kind": "knots", "issues": ["g/a#4", "g/a#5"]}])
        db2 = store_of(tmp, "milestone-clean", snapshot(
            [issue(1), issue(2), issue(3, milestone="v1"), issue(4)],
            [(1, 2), (2, 1), (4, 3)]))
        gate_cases(db2, "milestone v1 (knot beside it)", set(), ("--milestone", "v1"))
        gate_cases(db2, "no milestone (knot counts)", {"knots"})
        rc, out, err = run(db, "check", "--milestone", "v3")
        expect("milestone with closed issues only: nothing in scope", rc, 0)
        rc, out, err = run(db, "check", "--milestone", "nope")
        expect("unknown milestone exits 2", rc, 2)

        # 7. usage and store errors
        rc, out, err = run(db, "check", "--fail-on", "knots,bogus")
        expect("bad --fail-on exits 2", rc, 2)
        expect("bad --fail-on names it", "bogus" in err, True)
        rc, out, err = run(db, "check", "--fail-on", "")
        expect("empty --fail-on exits 2", rc, 2)
        rc, out, err = run(db, "report", "--format", "pdf")
        expect("bad report format exits 2", rc, 2)
        rc, out, err = run(os.path.join(tmp, "missing.db"), "check")
        expect("missing store exits 4", rc, 4)
        rc, out, err = run(os.path.join(tmp, "missing.db"), "check", "--bogus")
        expect("usage before store: exits 2", rc, 2)
        rc, out, err = run(db, "check", "--help")
        expect("check --help exits 0", (rc, "--fail-on" in out), (0, True))

        # 8. an empty store (a fetch that found nothing) is valid, and check says so
        db = store_of(tmp, "empty", snapshot([], []))
        rc, out, err = run(db, "check")
        expect("empty store: exit 0", rc, 0)
        expect("empty store: says so on stderr", "no issues" in err, True)

        # 9. -o writes the file atomically, nothing on stdout
        db = store_of(tmp, "o", snapshot([issue(1), issue(2)], [(1, 2), (2, 1)]))
        target = os.path.join(tmp, "check.txt")
        rc, out, err = run(db, "check", "-o", target)
        expect("check -o: exit 1 (knot) and empty stdout", (rc, out), (1, ""))
        expect("check -o: file written", open(target).read().startswith("knots: "), True)
        expect("check -o: no temporary left",
               [f for f in os.listdir(tmp) if ".tmp." in f], [])

    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok: check/report exit codes and findings")


if __name__ == "__main__":
    main()
