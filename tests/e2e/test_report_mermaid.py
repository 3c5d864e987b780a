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

import igtest
from igtest import expect

EXAMPLE = igtest.EXAMPLE
NODE_DIR = os.environ.get("IG_NODE_DIR") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
    "issuegraph", "node")
MERMAID_JS = os.path.join(NODE_DIR, "node_modules", "mermaid", "dist", "mermaid.min.js")


def run(db, *args):
    return igtest.ig(db, *args, ok=True).stdout


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
    path = igtest.write_json(os.path.join(tmp, name + ".json"), snap)
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


HOSTILE = ["```\n# injected heading", '"]\n  click n0 href "javascript:alert(1)"',
           "%%{init: {'securityLevel':'loose'}}%%", "<img src=x onerror=alert(1)>",
           "secret plan for the merger", "a | b ~~ c `d` e"]


class MermaidBlock(igtest.TestCase, igtest.ClassDir):
    """Three stores (the example, a ring of 100, hostile titles) and their
    markdown reports, made once for the class."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.db = os.path.join(tmp, "ex.db")
        run(cls.db, "import", EXAMPLE)
        cls.md = run(cls.db, "report")
        ring = [(n, f"ring {n}") for n in range(1, 101)]
        cls.rdb = load(tmp, "ring", snapshot(ring, [(n, n % 100 + 1) for n in range(1, 101)]))
        cls.rmd = run(cls.rdb, "report")
        issues = [(n + 1, t) for n, t in enumerate(HOSTILE)]
        links = [(n, n % len(HOSTILE) + 1) for n in range(1, len(HOSTILE) + 1)]
        cls.hdb = load(tmp, "hostile", snapshot(issues, links, confidential=(5,)))
        cls.hmd = run(cls.hdb, "report")

    def test_example_holds_the_witnesses_and_the_path(self):
        # every witness and path issue, nothing else
        md = self.md
        bs = blocks(md)
        self.assertEqual(len(bs), 1, "example: one mermaid block")
        want = wanted(self.db)
        expect("example: the diagram holds the witnesses and the path", refs_of(bs[0]), want)
        expect("example: no note (under the cap)", "The diagram shows" in md, False)

    def test_ring_of_100_draws_60_and_says_so(self):
        md = self.rmd
        bs = blocks(md)
        self.assertEqual(len(bs), 1, "ring: one block")
        got = refs_of(bs[0])
        expect("ring: at most 60 issues", len(got), 60)
        expect("ring: drawn issues are witness issues", got <= wanted(self.rdb), True)
        expect("ring: the note says what was left out",
               "The diagram shows 60 of the 100 issues" in md, True)

    def test_hostile_titles_stay_in_labels_and_confidential_hidden(self):
        md = self.hmd
        bs = blocks(md)
        self.assertEqual(len(bs), 1, "hostile: one block, nothing ended the fence early")
        body = bs[0]
        expect("hostile: no backtick inside the block", "`" in body, False)
        clicks = re.findall(r"^\s*click .*$", body, flags=re.M)
        expect("hostile: every click line is an https link to an issue",
               [c for c in clicks if not re.fullmatch(
                   r'\s*click n\d+ href "https://x\.example/g/p/-/issues/\d+" _blank', c)], [])
        expect("hostile: one click line per issue", len(clicks), len(HOSTILE))
        expect("hostile: no directive", "%%{" in body, False)
        expect("hostile: no raw tag", "<img" in body, False)
        expect("hostile: confidential title hidden", "secret plan" in md, False)
        labels = node_labels(body)
        expect("hostile: the confidential issue says so",
               any(l.startswith("g/p#5<br/>(confidential)") for l in labels.values()), True)
        expect("hostile: a title survives as text",
               any("onerror=alert(1)" in l for l in labels.values()), True)
        shown = run(self.hdb, "report", "--show-confidential")
        expect("hostile: --show-confidential shows it", "secret plan" in blocks(shown)[0], True)

    def test_mermaid_parses_and_draws_every_block(self):
        self.assertTrue(os.path.exists(MERMAID_JS),
                        f"no {MERMAID_JS}: run tests/install-deps.sh test "
                        "(it installs npm's mermaid)")
        collected = [("example", blocks(self.md)[0], len(wanted(self.db))),
                     ("ring", blocks(self.rmd)[0], 60),
                     ("hostile", blocks(self.hmd)[0], len(HOSTILE)),
                     # the check can fail: Mermaid refuses a broken flowchart
                     ("broken", 'flowchart LR\n  n0["unclosed\n  n0 --> \n', None)]
        page = self.path("mermaid.html")
        with open(page, "w") as f:
            f.write("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                    f"<script src='file://{MERMAID_JS}'></script></head><body></body></html>")
        d = igtest.chromium(self.dir, extra_args=("--allow-file-access-from-files",))
        self.addCleanup(d.quit)
        d.set_script_timeout(60)
        d.get("file://" + page)
        for name, text, n in collected:
            with self.subTest(block=name):
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
                    self.assertEqual(res.get("ok"), False, f"{name}: Mermaid refuses it")
                    continue
                self.assertEqual(res.get("ok"), True,
                                 f"{name}: Mermaid parses and draws it: {res.get('err')}")
                expect(f"{name}: Mermaid drew every issue", res["nodes"], n)
                expect(f"{name}: no script in the drawing", res["scripts"], 0)
                expect(f"{name}: no javascript: link in the drawing", res["js"], 0)


if __name__ == "__main__":
    igtest.main()
