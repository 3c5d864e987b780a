#!/usr/bin/python3
"""render: the real binary on the bundled example and on a snapshot of
hostile titles (tests/fixtures/render_hostile.json), imported into a real
store. DOT must be accepted by `dot`, SVG must parse as XML with no element
or attribute coming from a title, Mermaid must keep its line structure, and
the options must select, mark and refuse as the issue says."""
import os
import pty
import re
import subprocess
import xml.etree.ElementTree as ET

import igtest
from igtest import check

IG = igtest.BIN
EXAMPLE = igtest.EXAMPLE
HOSTILE = os.path.join(igtest.SRC, "tests", "fixtures", "render_hostile.json")
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def run(db, *args, stdout=subprocess.PIPE):
    return subprocess.run([IG, "--db", db, *args], stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=300)


def safe(text):
    """The SPEC's safe text: C0 controls, DEL and U+0080..U+009F as \\xNN."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f else c
                   for c in text)


def normalise(title):
    """Compare titles with runs of white space (and the no-break spaces
    Graphviz writes for doubled spaces) as one space."""
    return re.sub(r"[\s\xa0]+", " ", title)


# Every element and attribute Graphviz's SVG writer uses for our graphs. A
# title that injected markup would add to these sets.
SVG_TAGS = {"svg", "g", "title", "a", "path", "polygon", "polyline", "ellipse", "text",
            "text"}
SVG_ATTRS = {"width", "height", "viewBox", "xmlns", "id", "class", "transform", "fill",
             "stroke", "stroke-width", "stroke-dasharray", "points", "d", "cx", "cy", "rx",
             "ry", "x", "y", "text-anchor", "font-family", "font-size", "font-weight",
             XLINK + "href", XLINK + "title", "target"}


def check_svg(svg_bytes, snapshot, what, drawn_refs, show_confidential=False):
    try:
        root = ET.fromstring(svg_bytes)
    except ET.ParseError as e:
        check(False, f"{what}: SVG does not parse: {e}")
        return
    tags = {el.tag.replace(SVG_NS, "") for el in root.iter()}
    check(tags <= SVG_TAGS, f"{what}: unexpected SVG elements {tags - SVG_TAGS}")
    attrs = set()
    for el in root.iter():
        attrs |= set(el.attrib)
    check(attrs <= SVG_ATTRS, f"{what}: unexpected SVG attributes {attrs - SVG_ATTRS}")
    hrefs = {}
    for a in root.iter(SVG_NS + "a"):
        href = a.get(XLINK + "href")
        title = a.get(XLINK + "title") or ""
        if href:
            check(href.startswith("https://"), f"{what}: href {href!r}")
            check(a.get("target") == "_blank", f"{what}: link without target=_blank")
            hrefs[title.split(":")[0].split(" ")[0]] = (href, title)
    projects = {p["id"]: p["path_with_namespace"] for p in snapshot["projects"]}
    for i in snapshot["issues"]:
        ref = f"{projects[i['project_id']]}#{i['iid']}"
        if ref not in drawn_refs:
            continue
        if not i["web_url"].startswith("https://"):
            check(ref not in hrefs, f"{what}: {ref} links to a non-http URL")
            continue
        check(ref in hrefs, f"{what}: {ref} has no link")
        if ref not in hrefs:
            continue
        href, tooltip = hrefs[ref]
        if '"' not in i["web_url"]:
            check(href == i["web_url"], f"{what}: {ref} links to {href!r}")
        if i["confidential"] and not show_confidential:
            check(i["title"] not in tooltip, f"{what}: confidential title of {ref} shown")
        else:
            check(normalise(tooltip) == normalise(f"{ref}: {safe(i['title'])}"),
                  f"{what}: tooltip of {ref} is {tooltip!r}")


MERMAID_LINE = [
    # the caption: Mermaid's front matter title (a YAML double-quoted string)
    re.compile(r"^---$"),
    re.compile(r'^title: "([^"\\<>]|\\\\|\\")*"$'),
    re.compile(r"^flowchart LR$"),
    re.compile(r"^  %% issuegraph: [^\"]*$"),
    re.compile(r'^  subgraph c\d+\["[^"]*"\]$'),
    re.compile(r"^  end$"),
    re.compile(r'^ {2,4}n\d+\["[^"]*"\]$'),
    re.compile(r'^  n\d+ (-->|-\.-|-\.->\|"text"\|) n\d+$'),
    re.compile(r'^  click n\d+ href "https?://[^"\s<>\\]*" _blank$'),
    re.compile(r"^  classDef \w+ [\w:#,\- .]+$"),
    re.compile(r"^  class ([nk]\d+)(,[nk]\d+)* \w+$"),
    # the key (--legend)
    re.compile(r'^  subgraph key\["Key"\]$'),
    re.compile(r'^    k\d+\["[\w (),]*"\]( (-->|-\.-|-\.->)\|"[\w ]*"\| k\d+\["\w*"\])?$'),
    re.compile(r"^  linkStyle \d+(,\d+)* [\w:#,\- .]+$"),
]


def check_mermaid(text, what):
    lines = text.split("\n")
    check(lines[-1] == "", f"{what}: Mermaid does not end in a newline")
    for n, line in enumerate(lines[:-1], 1):
        if not any(p.match(line) for p in MERMAID_LINE):
            check(False, f"{what}: Mermaid line {n} has an unexpected shape: {line!r}")
            continue
        m = re.search(r'\["([^"]*)"\]', line)
        if m:
            label = m.group(1).replace("<br/>", "\n")
            for bad in "<>`%\\":
                check(bad not in label, f"{what}: {bad!r} in Mermaid label {label!r}")
            check(not re.search(r"#(?!(quot|lt|gt|amp|35|37|92|96);)", label),
                  f"{what}: bare # in Mermaid label {label!r}")


def dot_accepts(text, what):
    r = subprocess.run(["dot", "-Tcanon"], input=text, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    check(r.returncode == 0 and not r.stderr,
          f"{what}: dot -Tcanon rejects it: {r.stderr.decode(errors='replace')}")


class Render(igtest.TestCase, igtest.ClassDir):
    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.ex_db = os.path.join(tmp, "example.db")
        igtest.ig(cls.ex_db, "import", EXAMPLE, ok=True)
        cls.h_db = os.path.join(tmp, "hostile.db")
        igtest.ig(cls.h_db, "import", HOSTILE, ok=True)
        cls.hostile = hostile = igtest.read_json(HOSTILE)
        cls.example = igtest.read_json(EXAMPLE)
        cls.h_refs_all = {f"{p}#{i['iid']}" for i in hostile["issues"]
                          for p in [next(pp["path_with_namespace"] for pp in hostile["projects"]
                                         if pp["id"] == i["project_id"])]}
        cls.h_refs_open = {f"{p}#{i['iid']}" for i in hostile["issues"]
                           if i["state"] == "opened"
                           for p in [next(pp["path_with_namespace"]
                                          for pp in hostile["projects"]
                                          if pp["id"] == i["project_id"])]}

    def test_dot_is_accepted_by_dot(self):
        # both snapshots and several options
        for db, name in ((self.ex_db, "example"), (self.h_db, "hostile")):
            for extra in ([], ["--all-states", "--legend"], ["--reduce", "--cluster", "milestone"],
                          ["--cluster", "none", "--no-related"]):
                r = run(db, "render", *extra)
                check(r.returncode == 0, f"{name} dot {extra}: exit {r.returncode}")
                dot_accepts(r.stdout, f"{name} dot {extra}")
                check(b"SECRET" not in r.stdout, f"{name} dot {extra}: confidential title")

    def test_svg_parses_links_every_issue_and_has_no_markup_from_titles(self):
        hostile, example, h_db, ex_db = self.hostile, self.example, self.h_db, self.ex_db
        r = run(h_db, "render", "--format", "svg", "--all-states", "--legend")
        check(r.returncode == 0, f"hostile svg: exit {r.returncode} {r.stderr!r}")
        check_svg(r.stdout, hostile, "hostile svg --all-states", self.h_refs_all)
        check(b"SECRET" not in r.stdout, "hostile svg: confidential title shown")
        r = run(h_db, "render", "--format", "svg", "--show-confidential")
        check(b"SECRET" in r.stdout, "--show-confidential does not show the title")
        check_svg(r.stdout, hostile, "hostile svg open", self.h_refs_open, show_confidential=True)
        r = run(ex_db, "render", "--format", "svg", "--layout", "sfdp")
        check(r.returncode == 0, f"example svg sfdp: exit {r.returncode}")
        ex_open = {f"{p['path_with_namespace']}#{i['iid']}" for i in example["issues"]
                   if i["state"] == "opened" for p in example["projects"]
                   if p["id"] == i["project_id"]}
        check_svg(r.stdout, example, "example svg sfdp", ex_open)

    def test_mermaid_structure_and_escaped_labels(self):
        for extra in ([], ["--all-states", "--legend", "--cluster", "milestone"],
                      ["--show-confidential"]):
            r = run(self.h_db, "render", "--format", "mermaid", *extra)
            check(r.returncode == 0, f"hostile mermaid {extra}: exit {r.returncode}")
            check_mermaid(r.stdout.decode("utf-8"), f"hostile mermaid {extra}")
        r = run(self.ex_db, "render", "--format", "mermaid")
        check_mermaid(r.stdout.decode("utf-8"), "example mermaid")

    def test_png_to_a_pipe_not_to_a_terminal(self):
        ex_db = self.ex_db
        r = run(ex_db, "render", "--format", "png")
        check(r.returncode == 0 and r.stdout[:8] == b"\x89PNG\r\n\x1a\n", "png to a pipe")
        master, slave = pty.openpty()
        r = run(ex_db, "render", "--format", "png", stdout=slave)
        os.close(slave)
        os.close(master)
        check(r.returncode == 2 and b"-o" in r.stderr, f"png to a terminal: exit {r.returncode}")
        out = self.path("ex.png")
        r = run(ex_db, "render", "--format", "png", "-o", out)
        with open(out, "rb") as f:
            check(r.returncode == 0 and f.read(4) == b"\x89PNG", "png -o FILE")

    def test_node_limit_refuses_layouts_with_a_hint(self):
        ex_db = self.ex_db
        out = self.path("big.svg")
        r = run(ex_db, "render", "--format", "svg", "--max-nodes", "5", "-o", out)
        check(r.returncode == 2, f"--max-nodes 5 svg: exit {r.returncode}")
        err = r.stderr.decode()
        for hint in ("--focus", "--milestone", "--knots-only", "sfdp"):
            check(hint in err, f"--max-nodes hint lacks {hint}: {err!r}")
        check(not os.path.exists(out), "--max-nodes: output file created anyway")
        r = run(ex_db, "render", "--max-nodes", "5")
        check(r.returncode == 0, "DOT is limited by --max-nodes")
        r = run(ex_db, "render", "--format", "svg", "--max-nodes", "0")
        check(r.returncode == 0, "--max-nodes 0 does not lift the limit")

    def test_selection(self):
        h_db = self.h_db

        def drawn(db, *args):
            r = run(db, "render", *args)
            check(r.returncode == 0, f"render {args}: exit {r.returncode} {r.stderr!r}")
            return set(re.findall(rb'^\t*"([^"]+#\d+)"\s*\[', r.stdout, re.M))

        allo = drawn(h_db)
        check({x.decode() for x in allo} == self.h_refs_open, f"default draws {allo}")
        check(len(drawn(h_db, "--all-states")) == len(self.h_refs_all), "--all-states")
        ko = drawn(h_db, "--knots-only")
        check(ko == {b"hostile/app#1", b"hostile/app#2", b"hostile/app#3"}, f"--knots-only {ko}")
        fo = drawn(h_db, "--focus", "hostile/app#5", "--radius", "1")
        check(fo == {b"hostile/app#4", b"hostile/app#5", b"hostile/app#6"}, f"--focus {fo}")
        ms = drawn(h_db, "--milestone", 'v1 "<b>" \\ & #1')
        check({b"hostile/app#4", b"hostile/app#5", b"hostile/app#6", b"hostile/app#1"} <= ms
              and b"hostile/app#7" not in ms, f"--milestone {ms}")
        r = run(h_db, "render", "--no-related")
        check(b"relates" not in r.stdout, "--no-related leaves relates_to links")
        r = run(h_db, "render")
        check(r.stdout.count(b"class=relates") == 3, "relates_to links missing")
        full = run(h_db, "render").stdout.count(b"->")
        red = run(h_db, "render", "--reduce").stdout.count(b"->")
        check(red == full - 1, f"--reduce: {full} -> {red} links (hostile/app#4 -> #6 implied)")

    def test_usage_errors_before_the_store(self):
        # exit 2, not 4
        nodb = self.path("missing.db")
        for args in (["--format", "gif"], ["--layout", "circo"], ["--cluster", "x"],
                     ["--radius", "2"], ["--focus", "not a ref"], ["--max-nodes", "-1"],
                     ["--weight", "heavy"], ["--default-cost", "-3"], ["extra"],
                     ["--bogus"]):
            r = run(nodb, "render", *args)
            check(r.returncode == 2, f"render {args}: exit {r.returncode}, want 2")
        r = run(nodb, "render")
        check(r.returncode == 4, f"render on a missing store: exit {r.returncode}")
        for args in (["--focus", "hostile/app#99"], ["--focus", "other/lib#4"],
                     ["--milestone", "nope"]):
            r = run(self.h_db, "render", *args)
            check(r.returncode == 2, f"render {args}: exit {r.returncode}, want 2")
        r = run(self.h_db, "render", "--help")
        check(r.returncode == 0 and b"--max-nodes" in r.stdout, "render --help")


if __name__ == "__main__":
    igtest.main()
