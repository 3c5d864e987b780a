#!/usr/bin/python3
"""check and report --fail-on: the findings and the exit codes for each kind
of finding, present and absent, on small snapshots built for each case and
imported into a real store."""
import json
import os

import igtest

KINDS = ["knots", "conflicts", "closed-blocked"]


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
    p = igtest.ig(db, *args, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Check(igtest.TestCase):
    def store_of(self, name, snap):
        return self.import_snapshot(snap, name)

    def gate_cases(self, db, name, present, extra=()):
        """For each kind, check and report --fail-on KIND exit 1 iff KIND is present."""
        for kind in KINDS:
            with self.subTest(store=name, fail_on=kind, extra=" ".join(extra)):
                want = 1 if kind in present else 0
                rc, out, err = run(db, "check", "--fail-on", kind, *extra)
                self.assertEqual(rc, want, f"check --fail-on {kind} (stderr {err.strip()!r})")
                rc, out, err = run(db, "report", "--format", "json", "--fail-on", kind, *extra)
                self.assertEqual(rc, want, f"report --fail-on {kind} (stderr {err.strip()!r})")
                if rc in (0, 1):
                    rep = json.loads(out)
                    self.assertEqual(rep["summary"]["findings"][kind] > 0, kind in present,
                                     f"report summary count of {kind} > 0")
        with self.subTest(store=name, extra=" ".join(extra), what="all kinds, default, report"):
            # all kinds at once, and the default (knots)
            rc, _, _ = run(db, "check", "--fail-on", ",".join(KINDS), *extra)
            self.assertEqual(rc, 1 if present else 0, "check --fail-on all")
            rc, _, _ = run(db, "check", *extra)
            self.assertEqual(rc, 1 if "knots" in present else 0, "check (default knots)")
            # report without --fail-on never gates
            rc, _, _ = run(db, "report", *extra)
            self.assertEqual(rc, 0, "report without --fail-on")

    def test_clean_chain(self):
        # a chain, no dates
        db = self.store_of("clean", snapshot([issue(1), issue(2), issue(3)], [(1, 2), (2, 3)]))
        self.gate_cases(db, "clean", set())
        rc, out, err = run(db, "check")
        self.assertEqual(out.strip().splitlines()[-1:],
                         ["summary: 0 findings (knots 0, conflicts 0, closed-blocked 0); "
                          "fail on knots: passed"], "text summary")

    def test_knot(self):
        # a knot of two open issues, plus one outside it
        db = self.store_of("knot", snapshot([issue(1), issue(2), issue(3)],
                                            [(1, 2), (2, 1), (2, 3)]))
        self.gate_cases(db, "knot", {"knots"})
        rc, out, err = run(db, "check", "--format", "json")
        self.assertEqual(json.loads(out),
                         {"findings": [{"kind": "knots", "issues": ["g/a#1", "g/a#2"]}],
                          "failed": True})
        rc, out, err = run(db, "check")
        lines = out.strip().splitlines()
        self.assertEqual(len(lines), 2, "one line per finding + summary")
        self.assertTrue(
            lines[0].startswith("knots: 2 issues: g/a#1 g/a#2; cycle g/a#1 -> g/a#2 -> g/a#1"),
            "line names the issues: " + lines[0])

    def test_self_loop_is_a_knot(self):
        db = self.store_of("self", snapshot([issue(1), issue(2)], [(1, 1)]))
        self.gate_cases(db, "self-loop", {"knots"})

    def test_conflicts(self):
        # blocker due later than blocked; blocker without a date; and a pair
        # that is fine (blocker due earlier)
        db = self.store_of("conflict", snapshot(
            [issue(1, due="2027-03-01"), issue(2, due="2026-12-01"),
             issue(3), issue(4, milestone="v1", ms_due="2026-11-01"),
             issue(5, due="2026-01-01"), issue(6, due="2026-06-01")],
            [(1, 2), (3, 4), (5, 6)]))
        self.gate_cases(db, "conflict", {"conflicts"})
        rc, out, err = run(db, "check", "--format", "json")
        self.assertEqual(json.loads(out)["findings"], [
            {"kind": "conflicts", "blocker": "g/a#1", "blocked": "g/a#2",
             "blocker_due": "2027-03-01", "blocked_due": "2026-12-01"},
            {"kind": "conflicts", "blocker": "g/a#3", "blocked": "g/a#4",
             "blocker_due": None, "blocked_due": "2026-11-01"},
        ])

    def test_conflict_with_a_closed_blocker_is_none(self):
        db = self.store_of("conflict-closed", snapshot(
            [issue(1, state="closed", due="2027-03-01"), issue(2, due="2026-12-01")], [(1, 2)]))
        self.gate_cases(db, "conflict with a closed blocker", set())

    def test_conflict_with_equal_dates_is_none(self):
        db = self.store_of("conflict-equal", snapshot(
            [issue(1, due="2026-12-01"), issue(2, due="2026-12-01")], [(1, 2)]))
        self.gate_cases(db, "conflict with equal dates", set())

    def test_closed_blocked(self):
        # an open issue blocks a closed one (read on every issue); a closed
        # issue blocking an open one is not a finding
        db = self.store_of("closed-blocked", snapshot(
            [issue(1), issue(2, state="closed"), issue(3, state="closed"), issue(4)],
            [(1, 2), (3, 4)]))
        self.gate_cases(db, "closed-blocked", {"closed-blocked"})
        rc, out, err = run(db, "check", "--format", "json", "--fail-on", "closed-blocked")
        self.assertEqual(json.loads(out),
                         {"findings": [{"kind": "closed-blocked", "blocker": "g/a#1",
                                        "blocked": "g/a#2"}], "failed": True})

    def test_cycle_through_a_closed_issue_is_a_knot_only_with_all_states(self):
        db = self.store_of("closed-knot", snapshot(
            [issue(1), issue(2, state="closed")], [(1, 2), (2, 1)]))
        self.gate_cases(db, "cycle through a closed issue", {"closed-blocked"})
        self.gate_cases(db, "cycle through a closed issue --all-states",
                        {"knots", "closed-blocked"}, ("--all-states",))

    def test_milestone_scope(self):
        # a knot upstream of the milestone counts, one beside it not
        db = self.store_of("milestone", snapshot(
            [issue(1), issue(2), issue(3, milestone="v1"),
             issue(4), issue(5), issue(6, milestone="v2"),
             issue(7, milestone="v3", state="closed")],
            [(1, 2), (2, 1), (2, 3), (4, 5), (5, 4), (4, 6)]))
        self.gate_cases(db, "milestone v1 (knot upstream)", {"knots"}, ("--milestone", "v1"))
        rc, out, err = run(db, "check", "--format", "json", "--milestone", "v2")
        self.assertEqual(json.loads(out)["findings"],
                         [{"kind": "knots", "issues": ["g/a#4", "g/a#5"]}],
                         "milestone v2: only its own knot")
        db2 = self.store_of("milestone-clean", snapshot(
            [issue(1), issue(2), issue(3, milestone="v1"), issue(4)],
            [(1, 2), (2, 1), (4, 3)]))
        self.gate_cases(db2, "milestone v1 (knot beside it)", set(), ("--milestone", "v1"))
        self.gate_cases(db2, "no milestone (knot counts)", {"knots"})
        rc, out, err = run(db, "check", "--milestone", "v3")
        self.assertEqual(rc, 0, "milestone with closed issues only: nothing in scope")
        rc, out, err = run(db, "check", "--milestone", "nope")
        self.assertEqual(rc, 2, "unknown milestone exits 2")

    def test_usage_and_store_errors(self):
        db = self.store_of("usage", snapshot([issue(1), issue(2)], [(1, 2)]))
        rc, out, err = run(db, "check", "--fail-on", "knots,bogus")
        self.assertEqual(rc, 2, "bad --fail-on exits 2")
        self.assertIn("bogus", err, "bad --fail-on names it")
        rc, out, err = run(db, "check", "--fail-on", "")
        self.assertEqual(rc, 2, "empty --fail-on exits 2")
        rc, out, err = run(db, "report", "--format", "pdf")
        self.assertEqual(rc, 2, "bad report format exits 2")
        rc, out, err = run(self.path("missing.db"), "check")
        self.assertEqual(rc, 4, "missing store exits 4")
        rc, out, err = run(self.path("missing.db"), "check", "--bogus")
        self.assertEqual(rc, 2, "usage before store: exits 2")
        rc, out, err = run(db, "check", "--help")
        self.assertEqual((rc, "--fail-on" in out), (0, True), "check --help exits 0")

    def test_empty_store_is_valid_and_says_so(self):
        # a fetch that found nothing
        db = self.store_of("empty", snapshot([], []))
        rc, out, err = run(db, "check")
        self.assertEqual(rc, 0, "empty store: exit 0")
        self.assertIn("no issues", err, "empty store: says so on stderr")

    def test_output_file_is_atomic(self):
        # -o writes the file atomically, nothing on stdout
        db = self.store_of("o", snapshot([issue(1), issue(2)], [(1, 2), (2, 1)]))
        target = self.path("check.txt")
        rc, out, err = run(db, "check", "-o", target)
        self.assertEqual((rc, out), (1, ""), "check -o: exit 1 (knot) and empty stdout")
        self.assertTrue(igtest.read_text(target).startswith("knots: "), "check -o: file written")
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp." in f], [],
                         "check -o: no temporary left")


if __name__ == "__main__":
    igtest.main()
