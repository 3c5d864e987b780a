#!/usr/bin/python3
"""The HTML report's diagram in headless Chromium, driven by real input
events through WebDriver: wheel zoom keeps the point under the pointer in
place, a drag pans (and does not follow the link it ends on), "Fit" shows
the whole drawing, the buttons and keys zoom, the controls are reachable
with Tab, and highlighting by project, milestone or label marks exactly
the drawn issues that carry it (checked against the snapshot itself). No
console error. A screenshot is left in the build directory
(report_html_view.png)."""
import os
import tempfile

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import igtest
from igtest import expect

BUILD = os.environ.get("IG_BUILD_DIR") or tempfile.gettempdir()
EXAMPLE = igtest.EXAMPLE


def near(what, got, want, tol=1.5):
    igtest.check(abs(got - want) <= tol, f"{what}: got {got:.2f}, want {want:.2f} (within {tol})")


def scale(d):
    return float(d.find_element(By.ID, "ig-view").get_attribute("data-scale"))


def rect(d, css):
    return d.execute_script(
        "var r=document.querySelector(arguments[0]).getBoundingClientRect();"
        "return [r.left,r.top,r.right,r.bottom];", css)


def node_center(d, ref):
    return d.execute_script(
        "var ref=arguments[0];"
        "var g=[].filter.call(document.querySelectorAll('#ig-view g.node'),function(g){"
        "return g.querySelector('title').textContent===ref;})[0];"
        "var r=g.getBoundingClientRect();return [(r.left+r.right)/2,(r.top+r.bottom)/2];", ref)


def drawn_refs(d):
    return set(d.execute_script(
        "return [].map.call(document.querySelectorAll('#ig-view g.node:not(.legend)'),"
        "function(g){return g.querySelector('title').textContent;});"))


def marked(d):
    return set(d.execute_script(
        "return [].map.call(document.querySelectorAll('#ig-view g.node.ig-mark'),"
        "function(g){return g.querySelector('title').textContent;});"))


def inside(inner, outer, tol=1.0):
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol and
            inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


class DiagramView(igtest.TestCase, igtest.ClassDir):
    """The example's HTML report, made once; one headless Chromium for the
    class; each case loads the page afresh."""

    @classmethod
    def setUpClass(cls):
        tmp = cls.make_class_dir()
        cls.snap = snap = igtest.read_json(EXAMPLE)
        paths = {p["id"]: p["path_with_namespace"] for p in snap["projects"]}
        cls.by_ref = {f"{paths[i['project_id']]}#{i['iid']}": i for i in snap["issues"]}
        db = os.path.join(tmp, "ex.db")
        igtest.ig(db, "import", EXAMPLE, ok=True)
        cls.page = os.path.join(tmp, "report.html")
        igtest.ig(db, "report", "--format", "html", "-o", cls.page, ok=True)
        cls.d = igtest.chromium(tmp, 1400, 1000)
        cls.addClassCleanup(cls.d.quit)

    def setUp(self):
        super().setUp()
        d = self.d
        d.get_log("browser")  # drain what earlier pages logged
        d.get("file://" + self.page)
        self.view = d.find_element(By.ID, "ig-view")
        self.vr = rect(d, "#ig-view")
        self.drawn = drawn_refs(d)
        self.ref = sorted(self.drawn)[len(self.drawn) // 2]
        self.s0 = scale(d)

    def tearDown(self):
        logs = [l for l in self.d.get_log("browser") if l.get("level") in ("SEVERE", "WARNING")]
        expect("no console errors or warnings", logs, [])
        super().tearDown()

    def test_on_load_the_whole_drawing_is_in_view(self):
        expect("on load the whole drawing is in view",
               inside(rect(self.d, "#ig-view svg"), self.vr), True)
        expect("diagram drawn", len(self.drawn) > 10, True)

    def test_wheel_zoom_keeps_the_point_under_the_pointer(self):
        d, ref, s0 = self.d, self.ref, self.s0
        # wheel zoom at a node keeps that node under the pointer
        cx, cy = node_center(d, ref)
        s0 = scale(d)
        origin = ScrollOrigin.from_viewport(int(cx), int(cy))
        ActionChains(d).scroll_from_origin(origin, 0, -300).perform()
        s1 = scale(d)
        expect("wheel up zooms in", s1 > s0 * 1.2, True)
        nx, ny = node_center(d, ref)
        near("wheel zoom: node stays under the pointer (x)", nx, int(cx), 2.0)
        near("wheel zoom: node stays under the pointer (y)", ny, int(cy), 2.0)
        ActionChains(d).scroll_from_origin(origin, 0, 300).perform()
        near("wheel down zooms back out", scale(d), s0, s0 * 0.01)

    def test_drag_pans_and_does_not_follow_a_link(self):
        d, ref, s0, view = self.d, self.ref, self.s0, self.view
        # drag pans by the distance dragged, and does not follow a link
        url = d.current_url
        cx, cy = node_center(d, ref)
        (ActionChains(d).move_to_element_with_offset(view, 0, 0)
         .move_by_offset(0, 0).perform())
        start = d.execute_script(
            "var r=document.getElementById('ig-view').getBoundingClientRect();"
            "return [r.left,r.top];")
        ox, oy = int(cx - start[0]), int(cy - start[1])
        ac = ActionChains(d)
        ac.move_to_element_with_offset(view, ox - view.size["width"] // 2,
                                       oy - view.size["height"] // 2)
        ac.click_and_hold().move_by_offset(60, 25).move_by_offset(60, 25).release().perform()
        nx, ny = node_center(d, ref)
        near("drag pans x by 120", nx - cx, 120, 2.0)
        near("drag pans y by 50", ny - cy, 50, 2.0)
        expect("a drag ending on a node does not navigate", d.current_url, url)
        near("drag does not zoom", scale(d), s0, 1e-6)

    def test_buttons_zoom_and_fit(self):
        d, s0, vr = self.d, self.s0, self.vr
        # buttons
        d.find_element(By.ID, "ig-zin").click()
        near("zoom-in button: x1.25", scale(d), s0 * 1.25, s0 * 0.01)
        d.find_element(By.ID, "ig-zout").click()
        d.find_element(By.ID, "ig-zout").click()
        near("zoom-out button: x0.8", scale(d), s0 * 0.8, s0 * 0.01)
        d.find_element(By.ID, "ig-actual").click()
        near("1:1 button", scale(d), 1.0, 1e-6)
        for _ in range(6):
            d.find_element(By.ID, "ig-zin").click()
        expect("zoomed in: the drawing overflows the view",
               inside(rect(d, "#ig-view svg"), vr), False)
        d.find_element(By.ID, "ig-fit").click()
        sr = rect(d, "#ig-view svg")
        expect("fit: the whole drawing is in view", inside(sr, vr), True)
        expect("fit: it fills the view in one direction",
               abs((sr[2] - sr[0]) - (vr[2] - vr[0])) < 4 or
               abs((sr[3] - sr[1]) - (vr[3] - vr[1])) < 4, True)
        fit_scale = scale(d)

    def test_tab_reaches_the_controls_and_keys_zoom_and_pan(self):
        d, view = self.d, self.view
        d.find_element(By.ID, "ig-fit").click()  # the keys are measured from "Fit"
        fit_scale = scale(d)
        # keyboard: Tab reaches the controls, keys zoom and pan
        d.find_element(By.ID, "ig-search").click()
        order = []
        for _ in range(7):
            d.switch_to.active_element.send_keys(Keys.TAB)
            order.append(d.switch_to.active_element.get_attribute("id"))
        for want in ("ig-zin", "ig-zout", "ig-fit", "ig-actual", "ig-hl", "ig-view"):
            expect(f"Tab reaches {want}", want in order, True)
        view.click()  # focus (a click without a drag)
        d.switch_to.active_element.send_keys("+")
        near("'+' key zooms in", scale(d), fit_scale * 1.25, fit_scale * 0.01)
        before = rect(d, "#ig-view svg")
        d.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
        after = rect(d, "#ig-view svg")
        near("ArrowLeft pans right by 40", after[0] - before[0], 40, 1.0)
        d.switch_to.active_element.send_keys("0")
        near("'0' key fits", scale(d), fit_scale, fit_scale * 0.01)

    def test_highlight_marks_exactly_the_drawn_issues_carrying_it(self):
        d, drawn, by_ref = self.d, self.drawn, self.by_ref
        # highlight: exactly the drawn issues carrying the choice
        sel = Select(d.find_element(By.ID, "ig-hl"))
        options = [(o.text, o.get_attribute("value")) for o in sel.options]
        expect("highlight has choices", len(options) > 5, True)
        groups = d.execute_script(
            "return [].map.call(document.querySelectorAll('#ig-hl optgroup'),"
            "function(g){return g.label;});")
        expect("highlight groups", groups, ["Project", "Milestone", "Label"])

        def want_for(kind, name):
            out = set()
            for r in drawn:
                i = by_ref[r]
                if kind == "Project" and r.rsplit("#", 1)[0] == name:
                    out.add(r)
                if kind == "Milestone" and (i.get("milestone") or {}).get("title") == name:
                    out.add(r)
                if kind == "Label" and name in (i.get("labels") or []):
                    out.add(r)
            return out

        checked = 0
        for kind in groups:
            opts = d.execute_script(
                "return [].map.call(document.querySelectorAll("
                "'#ig-hl optgroup[label=\"'+arguments[0]+'\"] option'),"
                "function(o){return [o.value,o.textContent];});", kind)
            expect(f"{kind}: options", len(opts) > 0, True)
            for value, text in opts:
                name = text.rsplit(" (", 1)[0]
                sel.select_by_value(value)
                want = want_for(kind, name)
                expect(f"highlight {kind} {name}", marked(d), want)
                expect(f"highlight {kind} {name}: count in the label",
                       text.endswith(f"({len(want)})"), True)
                checked += 1
        expect("every choice checked", checked, len(options) - 1)
        sel.select_by_value("0")
        d.save_screenshot(os.path.join(BUILD, "report_html_view.png"))
        sel.select_by_value("")
        expect("no choice marks nothing", marked(d), set())


if __name__ == "__main__":
    igtest.main()
