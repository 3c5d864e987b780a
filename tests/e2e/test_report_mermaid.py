#!/usr/bin/python3
"""The markdown report's Mermaid diagram: one ```mermaid block holding
every issue of the knots' witnesses and of the critical path (from the
report's own JSON), at most 60 issues with a note when more were left
out, confidential titles hidden, hostile titles unable to end the fence
or the label; and each block parsed and drawn by Mermaid itself (npm's
mermaid package, in Debian's headless Chromium)."""
import json
import os
import re
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

IG = os.environ.get("IG_BIN") or os.path.join(
    os.environ.get("IG_BUILD_DIR", "build"), "cli", "issuegraph")
SRC = os.environ.get("IG_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLE = os.path.join(SRC, "examples", "example.json")
NODE_DIR = os.environ.get("IG_NODE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
    "issuegraph", "node")
MERMAID_JS = os.path.join(NODE_DIR, "node_modules", "mermaid", "dist", "mermaid.min.js")
failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, want {want!r}")


def run(db, *args):
    p = subprocess.run([IG, "--db", db, *args], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit(f"issuegraph {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def blocks(md):
    return re.findall(r"^```mermaid\n(.*?)^```$", md, flags=re.S | re.M)


def node_labels(block):
    """Mermaid node id -> label text with Mermaid's entity codes decoded."""
    out = {}
    for m in re.finditer(r'^\s*(n\d+)\["(.*)"\]$', block, flags=re.M):
        text = re.sub(r"#(\d+);", lambda e: chr(int(e.group(1))), m.group(2))
        text = text.replace("#quot;", '"').replace("#lt;", "<").replace("#gt;", ">")
        text = text.replace("#amp;", "&")
        out[m.group(1)] = text
    return out


def refs_of(block):
    return {lab.split("<br/>")[0] for lab in node_labels(block).values()}


def snapshot(issues, links, confidential=()):
    return {"version": 1, "source": "https://x.example",
            "projects": [{"id": 1, "path_with_namespace": "g/p", "web_url": "https://x.example/g/p"}],
            "issues": [{"id": 100 + n, "project_id": 1, "iid": n, "state": "opened",
                        "title": t, "confidential": n in confidential,
                        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                        "web_url": f"https://x.example/g/p/-/issues/{n}"} for n, t in issues],
            "links": [{"id": i + 1, "source_issue_id": 100 + a, "target_issue_id": 100 + b,
                       "link_type": "blocks"} for i, (a, b) in enumerate(links)]}


def load(tmp, name, snap):
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(snap, f)
    db = os.path.join(tmp, name + ".db")
    run(db, "import", path)
    return db


def wanted(db, *extra):
    rep = json.loads(run(db, "report", "--format", "json", *extra))
    want = set()
    for k in rep["knots"]:
        want |= set(k["witness"])
    for s in rep["path"]["path"]:
        want |= set(s["issues"])
    return want


def main():
    collected = []
    with tempfile.TemporaryDirectory() as tmp:
        # the example: every witness and path issue, nothing else
        db = os.path.join(tmp, "ex.db")
        run(db, "import", EXAMPLE)
        md = run(db, "report")
        bs = blocks(md)
        expect("example: one mermaid block", len(bs), 1)
        want = wanted(db)
        expect("example: the diagram holds the witnesses and the path", refs_of(bs[0]), want)
        expect("example: no note (under the cap)", "The diagram shows" in md, False)
        collected.append(("example", bs[0], len(want)))

        # a knot of 100 issues: 60 drawn, and a note says so
        ring = [(n, f"ring {n}") for n in range(1, 101)]
        rdb = load(tmp, "ring", snapshot(ring, [(n, n % 100 + 1) for n in range(1, 101)]))
        md = run(rdb, "report")
        bs = blocks(md)
        expect("ring: one block", len(bs), 1)
        got = refs_of(bs[0])
        expect("ring: at most 60 issues", len(got), 60)
        expect("ring: drawn issues are witness issues", got <= wanted(rdb), True)
        expect("ring: the note says what was left out",
               "The diagram shows 60 of the 100 issues" in md, True)
        collected.append(("ring", bs[0], 60))

        # hostile titles stay inside their labels; confidential titles hidden
        hostile = ["```\n# injected heading", '"]\n  click n0 href "javascript:alert(1)"',
                   "%%{init: {'securityLevel':'loose'}}%%", "<img src=x onerror=alert(1)>",
                   "secret plan for the merger", "a | b ~~ c `d` e"]
        issues = [(n + 1, t) for n, t in enumerate(hostile)]
        links = [(n, n % len(hostile) + 1) for n in range(1, len(hostile) + 1)]
        hdb = load(tmp, "hostile", snapshot(issues, links, confidential=(5,)))
        md = run(hdb, "report")
        bs = blocks(md)
        expect("hostile: one block, nothing ended the fence early", len(bs), 1)
        body = bs[0]
        expect("hostile: no backtick inside the block", "`" in body, False)
        clicks = re.findall(r"^\s*click .*$", body, flags=re.M)
        expect("hostile: every click line is an https link to an issue",
               [c for c in clicks if not re.fullmatch(
                   r'\s*click n\d+ href "https://x\.example/g/p/-/issues/\d+" _blank', c)], [])
        expect("hostile: one click line per issue", len(clicks), len(hostile))
        expect("hostile: no directive", "%%{" in body, False)
        expect("hostile: no raw tag", "<img" in body, False)
        expect("hostile: confidential title hidden", "secret plan" in md, False)
        labels = node_labels(body)
        expect("hostile: the confidential issue says so",
               any(l.startswith("g/p#5<br/>(confidential)") for l in labels.values()), True)
        expect("hostile: a title survives as text",
               any("onerror=alert(1)" in l for l in labels.values()), True)
        shown = run(hdb, "report", "--show-confidential")
        expect("hostile: --show-confidential shows it", "secret plan" in blocks(shown)[0], True)
        collected.append(("hostile", body, len(hostile)))

        if not os.path.exists(MERMAID_JS):
            sys.exit(f"no {MERMAID_JS}: run tests/install-deps.sh test (it installs npm's mermaid)")
        page = os.path.join(tmp, "mermaid.html")
        with open(page, "w") as f:
            f.write("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                    f"<script src='file://{MERMAID_JS}'></script></head><body></body></html>")
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--allow-file-access-from-files", f"--user-data-dir={tmp}/profile"):
            opts.add_argument(a)
        d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            d.set_script_timeout(60)
            d.get("file://" + page)
            # the check can fail: Mermaid refuses a broken flowchart
            collected.append(("broken", 'flowchart LR\n  n0["unclosed\n  n0 --> \n', None))
            for name, text, n in collected:
                res = d.execute_async_script(
                    "var done=arguments[arguments.length-1],text=arguments[0],id=arguments[1];"
                    "mermaid.initialize({startOnLoad:false,securityLevel:'strict'});"
                    "mermaid.parse(text).then(function(){return mermaid.render(id,text);})"
                    ".then(function(r){var t=document.createElement('div');t.innerHTML=r.svg;"
                    "done({ok:true,nodes:t.querySelectorAll('g.node').length,"
                    "scripts:t.querySelectorAll('script').length,"
                    "js:[].filter.call(t.querySelectorAll('a'),function(a){"
                    "return /javascript:/i.test(a.getAttribute('href')||a.getAttribute('xlink:href')||'');}).length});})"
                    ".catch(function(e){done({ok:false,err:String(e&&e.message||e)});});",
                    text, "d" + name)
                if n is None:
                    expect(f"{name}: Mermaid refuses it", res.get("ok"), False)
                    continue
                expect(f"{name}: Mermaid parses and draws it", res.get("ok"), True)
                if not res.get("ok"):
                    failures.append(f"{name}: {res.get('err')}")
                    continue
                expect(f"{name}: Mermaid drew every issue", res["nodes"], n)
                expect(f"{name}: no script in the drawing", res["scripts"], 0)
                expect(f"{name}: no javascript: link in the drawing", res["js"], 0)
        finally:
            d.quit()

    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("ok: markdown report's Mermaid diagram (structure, cap, escaping; parsed by Mermaid)")


if __name__ == "__main__":
    main()
