#!/usr/bin/env python3
"""A confidential issue's title never appears in any output that prints
titles (path text and JSON, render dot/svg/mermaid, report markdown/html/
junit/json) unless --show-confidential, and it does appear with it. The
confidential issues sit where every output names them: in a knot, on the
critical path, blocked while closed, in a due-date conflict. Their refs
and the public titles are always there."""
import json
import os
import subprocess
import sys
import tempfile

BIN = os.environ.get("IG_BIN", "issuegraph")
failures = []

PUBLIC = {10: "zqpublicstart", 12: "zqpublicknot", 16: "zqpubliclate"}
SECRET = {11: "zqsecretknot", 13: "zqsecretpath", 14: "zqsecretclosed", 15: "zqsecretdue"}


def check(cond, what):
    if not cond:
        failures.append(what)


def snapshot():
    issues = []
    iid = {10: 1, 11: 2, 12: 3, 13: 4, 14: 5, 15: 6, 16: 7}
    due = {15: "2026-12-01", 16: "2026-01-01"}
    for i, title in sorted({**PUBLIC, **SECRET}.items()):
        issues.append({
            "id": i, "project_id": 1, "iid": iid[i], "title": title,
            "state": "closed" if i == 14 else "opened",
            "confidential": i in SECRET,
            "milestone": None, "due_date": due.get(i),
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "closed_at": "2026-01-02T00:00:00Z" if i == 14 else None,
            "web_url": f"https://x.example/g/app/-/issues/{iid[i]}"})
    # 10 -> knot {11, 12} -> 13 -> 14 (closed, still blocked); 15 (due
    # late) blocks 16 (due early): a conflict
    pairs = [(10, 11), (11, 12), (12, 11), (12, 13), (13, 14), (15, 16)]
    links = [{"id": k + 1, "source_issue_id": a, "target_issue_id": b, "link_type": "blocks"}
             for k, (a, b) in enumerate(pairs)]
    return {"version": 1, "source": "https://x.example",
            "projects": [{"id": 1, "path_with_namespace": "g/app",
                          "web_url": "https://x.example/g/app"}],
            "issues": issues, "links": links, "text_deps": []}


def names(out, iid):
    """out names g/app#iid (as is, Markdown-escaped, or as a Mermaid entity)"""
    return any(f"g/app{h}{iid}" in out for h in ("#", "\\#", "#35;"))


def run(db, *args):
    p = subprocess.run([BIN, "--db", db, *args], capture_output=True, timeout=120)
    check(p.returncode == 0, f"{' '.join(args)}: exit {p.returncode}: {p.stderr!r}")
    return p.stdout.decode("utf-8", "replace")


# (name, arguments, which secrets the output names when shown)
OUTPUTS = [
    ("path text", ["path"], {11, 13}),
    ("path json", ["path", "--format", "json"], set()),
    ("render dot", ["render"], {11, 13, 15}),
    ("render svg", ["render", "--format", "svg"], {11, 13, 15}),
    ("render mermaid", ["render", "--format", "mermaid"], {11, 13, 15}),
    ("report markdown", ["report"], {11}),
    ("report html", ["report", "--format", "html"], {11, 13, 15}),
    ("report junit", ["report", "--format", "junit"], {11}),
    ("report json", ["report", "--format", "json"], set()),
]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        snap = os.path.join(tmp, "s.json")
        with open(snap, "w") as f:
            json.dump(snapshot(), f)
        db = os.path.join(tmp, "s.db")
        subprocess.run([BIN, "--db", db, "import", "-q", snap], check=True, timeout=120)
        for name, args, shown in OUTPUTS:
            for scope in ([], ["--all-states"]):
                label = f"{name}{' --all-states' if scope else ''}"
                hidden = run(db, *args, *scope)
                check(names(hidden, 2), f"{label}: the knot's confidential ref is missing")
                for i, title in SECRET.items():
                    check(title not in hidden,
                          f"{label}: confidential title {title} shown without "
                          "--show-confidential")
                if args[-1] != "json":
                    check(PUBLIC[12] in hidden, f"{label}: public title {PUBLIC[12]} missing")
                told = run(db, *args, *scope, "--show-confidential")
                for i in shown:
                    check(SECRET[i] in told,
                          f"{label}: confidential title {SECRET[i]} missing with "
                          "--show-confidential")
        # closed-blocked names the closed confidential issue (report, all states)
        for name, args in [("report markdown", ["report"]),
                           ("report junit", ["report", "--format", "junit"]),
                           ("report html", ["report", "--format", "html"])]:
            out = run(db, *args, "--all-states")
            check(names(out, 5), f"{name}: the closed blocked issue's ref is missing")
            check(SECRET[14] not in out, f"{name}: {SECRET[14]} shown")
            out = run(db, *args, "--all-states", "--show-confidential")
            check(SECRET[14] in out, f"{name}: {SECRET[14]} missing with --show-confidential")
    for f in failures:
        print("FAIL:", f)
    if failures:
        sys.exit(1)
    print(f"ok: {len(OUTPUTS)} outputs, confidential titles hidden unless asked for")


if __name__ == "__main__":
    main()
