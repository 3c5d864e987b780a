#!/usr/bin/python3
"""report --format html on the bundled example, opened in headless Chromium
through WebDriver: no console errors, no external resource, the search box
highlights an issue in the diagram and in the lists; a screenshot is left in
the build directory (report_html.png) for a human to look at. Also the
--max-nodes overview and its note."""
import base64
import hashlib
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET

from selenium.webdriver.common.by import By

import igtest
from igtest import expect

BUILD = os.environ.get("IG_BUILD_DIR") or tempfile.gettempdir()
EXAMPLE = igtest.EXAMPLE


def run(db, *args):
    return igtest.ig(db, *args, ok=True)


def static_checks(html, what):
    # xmlTextWriter wrote it: apart from the doctype it is well-formed XML,
    # so no text from GitLab broke out of its element or attribute
    body = html.split("\n", 1)[1] if html.startswith("<!DOCTYPE html>") else None
    expect(f"{what}: starts with the HTML5 doctype", body is not None, True)
    # (the script is our own constant text, raw as HTML wants it: leave it out)
    body = re.sub(r"<script>.*?</script>", "<script/>", body or "", flags=re.S)
    try:
        ET.fromstring(body.encode())
    except ET.ParseError as e:
        igtest.check(False, f"{what}: not well-formed: {e}")
    # self-contained: nothing loaded from elsewhere
    expect(f"{what}: no src= attributes", re.findall(r"\ssrc=\"[^\"]*\"", html), [])
    expect(f"{what}: no stylesheet links", re.findall(r"<link[^>]*stylesheet", html), [])
    expect(f"{what}: no @import or url()", re.findall(r"@import|url\(", html), [])
    # a Content-Security-Policy that allows nothing but the page's own
    # inline script (by its hash) and styles
    csp = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    expect(f"{what}: one CSP meta tag", len(csp), 1)
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    expect(f"{what}: one inline script", len(scripts), 1)
    if csp and scripts:
        rules = {r.split()[0]: r.split()[1:] for r in csp[0].split(";") if r.strip()}
        want = "'sha256-%s'" % base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
        expect(f"{what}: CSP default-src", rules.get("default-src"), ["'none'"])
        expect(f"{what}: CSP script-src is the script's hash", rules.get("script-src"), [want])
        expect(f"{what}: CSP loads nothing remote",
               [v for vs in rules.values() for v in vs if ":" in v and v != "data:"], [])
        expect(f"{what}: CSP meta before the style and script", html.index("Content-Security-Policy") <
               min(html.index("<style"), html.index("<script")), True)
    # links that open a new tab do not hand it window.opener
    blank = re.findall(r'<a\b[^>]*\btarget="_blank"[^>]*>', html)
    expect(f"{what}: links with target=_blank but without rel=noopener",
           len([a for a in blank if not re.search(r'\brel="[^"]*\bnoopener\b', a)]), 0)


def hits(d):
    return d.execute_script(
        "return [].map.call(document.querySelectorAll('#ig-diagram g.node.ig-hit'),"
        " function(g){return g.querySelector('title').textContent;});")


def listed_hits(d):
    return d.execute_script(
        "return [].map.call(document.querySelectorAll('[data-ref].ig-hit'),"
        " function(e){return e.getAttribute('data-ref');});")


class ReportHtml(igtest.TestCase, igtest.ClassDir):
    """The example's HTML report (and its --max-nodes overview), made once,
    and one headless Chromium for the class."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.db = db = os.path.join(tmp, "ex.db")
        run(db, "import", EXAMPLE)
        cls.page = os.path.join(tmp, "report.html")
        run(db, "report", "--format", "html", "-o", cls.page)
        cls.html = igtest.read_text(cls.page)
        cls.rep = json.loads(run(db, "report", "--format", "json").stdout)
        cls.snap = igtest.read_json(EXAMPLE)
        cls.knot = cls.rep["knots"][0]["issues"]
        cls.small = os.path.join(tmp, "small.html")
        run(db, "report", "--format", "html", "--max-nodes", "30", "-o", cls.small)
        cls.d = igtest.chromium(tmp, 1600, 1000)
        cls.addClassCleanup(cls.d.quit)

    def open_page(self, path):
        """Load a page with the console log of earlier pages drained."""
        self.d.get_log("browser")
        self.d.get("file://" + path)

    def test_page_is_self_contained_and_well_formed(self):
        html, knot = self.html, self.knot
        static_checks(html, "html")
        expect("html: one inline svg", html.count("<svg"), 1)
        for r in knot:
            expect(f"html: knot member {r} in the diagram", f"<title>{r}</title>" in html, True)

    def test_overview_above_max_nodes(self):
        # says so and keeps knots and the path
        rep = self.rep
        sh = igtest.read_text(self.small)
        static_checks(sh, "html --max-nodes 30")
        expect("overview: the note says so", "over --max-nodes 30" in sh, True)
        drawn = set(re.findall(r'<g id="node\d+" class="[^"]*"[^>]*>\s*<title>([^<]+)</title>', sh))
        want = set(self.knot) | {r for s in rep["path"]["path"] for r in s["issues"]}
        expect("overview: knots and critical path drawn", want - drawn, set())
        expect("overview: fewer nodes than the whole graph",
               len(drawn) < rep["summary"]["issues"]["opened"], True)
        # and it opens cleanly in the browser
        self.open_page(self.small)
        expect("overview: no console errors",
               [l for l in self.d.get_log("browser") if l.get("level") == "SEVERE"], [])

    def test_browser_links_and_search_highlight(self):
        d, snap, knot = self.d, self.snap, self.knot
        self.open_page(self.page)
        expect("page title", d.title, "issuegraph report")
        nodes = d.execute_script("return document.querySelectorAll('#ig-diagram g.node').length")
        expect("diagram has nodes", nodes > 10, True)
        # clickable nodes: each drawn issue links to its web_url
        urls = {f"{p['path_with_namespace']}#{i['iid']}": i["web_url"]
                for p in snap["projects"] for i in snap["issues"] if i["project_id"] == p["id"]}
        links = d.execute_script(
            "return [].map.call(document.querySelectorAll('#ig-diagram g.node:not(.legend)'), function(g){"
            "var a=g.querySelector('a');return [g.querySelector('title').textContent,"
            " a?(a.getAttribute('href')||a.getAttribute('xlink:href')):null];});")
        bad = [(r, u) for r, u in links if r in urls and u != urls[r]]
        expect("every diagram node links to its web_url", bad, [])
        expect("diagram nodes are issues", all(r in urls for r, _ in links), True)
        box = d.find_element(By.ID, "ig-search")
        # an exact ref highlights exactly that issue
        target = knot[0]
        box.send_keys(target)
        expect(f"search {target}: highlighted node", hits(d), [target])
        expect(f"search {target}: highlighted in the lists",
               sorted(set(listed_hits(d))), [target])
        status = d.find_element(By.ID, "ig-status").text
        expect("search status says how many", status.startswith("1 in the diagram"), True)
        color = d.execute_script(
            "var g=document.querySelector('#ig-diagram g.node.ig-hit');"
            "var s=g.querySelector('polygon,ellipse,path');"
            "return getComputedStyle(s).stroke;")
        expect("highlight is drawn (red stroke)", color, "rgb(224, 0, 0)")
        d.save_screenshot(os.path.join(BUILD, "report_html.png"))
        # words of a title find their issue(s)
        box.clear()
        box.send_keys("postgresql")
        got = hits(d)
        expect("search by title word finds issues", len(got) >= 1, True)
        for r in got:
            expect(f"search by title: {r} matches", "postgresql" in d.execute_script(
                "var t=[].filter.call(document.querySelectorAll('#ig-diagram g.node'),"
                "function(g){return g.querySelector('title').textContent===arguments[0];},"
                ")[0];return t?t.textContent.toLowerCase():'';".replace("arguments[0]", json.dumps(r))),
                True)
        box.clear()
        box.send_keys("no such issue zzz")
        expect("search without a match highlights nothing", hits(d), [])
        logs = d.get_log("browser")
        bad = [l for l in logs if l.get("level") in ("SEVERE", "WARNING")]
        expect("no console errors or warnings", bad, [])

    def test_csp_refuses_an_injected_script(self):
        d, html, knot = self.d, self.html, self.knot
        # the CSP blocks a script injected into the page, and the page's
        # own script still runs under it (search works, no other error)
        injected = self.path("injected.html")
        with open(injected, "w", encoding="utf-8") as f:
            f.write(html.replace("</body>", "<script>window.injected=1</script>"
                                 "<div onclick=\"x()\" id=\"inj\"></div></body>", 1))
        self.open_page(injected)
        expect("CSP: the injected script did not run",
               d.execute_script("return window.injected === undefined"), True)
        box = d.find_element(By.ID, "ig-search")
        box.send_keys(knot[0])
        expect("CSP: the page's own script runs (search)", hits(d), [knot[0]])
        logs = [l for l in d.get_log("browser") if l.get("level") == "SEVERE"]
        expect("CSP: the injected script was refused by the policy",
               any("Content Security Policy" in l.get("message", "") for l in logs), True)
        expect("CSP: no other console error",
               [l for l in logs if "Content Security Policy" not in l.get("message", "")], [])

    def test_hostile_titles_and_urls_stay_text(self):
        d = self.d
        # hostile titles and URLs stay text: no script runs, no element is injected
        hostile = ['</script><script>window.pwned=1</script>', '"><img src=x onerror="window.pwned=2">',
                   "<svg onload=window.pwned=3>", "]]><!-- & &amp; \u202e \x01"]
        hs = {"version": 1, "source": "https://x.example",
              "projects": [{"id": 1, "path_with_namespace": "p", "web_url": "https://x.example/p"}],
              "issues": [{"id": 10 + i, "project_id": 1, "iid": i + 1, "state": "opened",
                          "title": t, "created_at": "2026-01-01T00:00:00Z",
                          "updated_at": "2026-01-01T00:00:00Z",
                          "web_url": "javascript:window.pwned=4" if i == 0 else
                          f"https://x.example/p/-/issues/{i + 1}\"onmouseover=\"window.pwned=5"}
                         for i, t in enumerate(hostile)],
              "links": [{"id": i + 1, "source_issue_id": 10 + i, "target_issue_id": 10 + (i + 1) % 4,
                         "link_type": "blocks"} for i in range(4)]}
        hdb = self.import_snapshot(hs, "hostile")
        hpage = self.path("hostile.html")
        run(hdb, "report", "--format", "html", "-o", hpage)
        static_checks(igtest.read_text(hpage), "hostile html")
        self.open_page(hpage)
        d.find_element(By.ID, "ig-search").send_keys("p#1")
        for a in d.find_elements(By.CSS_SELECTOR, "a"):
            d.execute_script("var e=arguments[0];e.dispatchEvent(new MouseEvent('mouseover',{bubbles:true}));", a)
        expect("hostile: nothing ran", d.execute_script("return window.pwned === undefined"), True)
        expect("hostile: one script element", d.execute_script("return document.scripts.length"), 1)
        expect("hostile: no injected img", d.execute_script("return document.images.length"), 0)
        hrefs = d.execute_script(
            "return [].map.call(document.querySelectorAll('a'),function(a){"
            "return a.getAttribute('href')||a.getAttribute('xlink:href')||'';});")
        expect("hostile: no javascript: link", [h for h in hrefs if "javascript" in h.lower()], [])
        texts = d.execute_script("return document.getElementById('ig-knots').textContent")
        expect("hostile: titles shown as text", "window.pwned=1" in texts, True)


if __name__ == "__main__":
    igtest.main()
