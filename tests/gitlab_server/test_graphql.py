#!/usr/bin/env python3
"""Checks the test server's GitLab GraphQL endpoint (POST /api/graphql).

The expectations are written from GitLab's GraphQL reference and from the
REST answers of the same server for the same data: a crawl through either
API must see the same issues, fields and links. The fixture is written by
this file. Each TestCase starts its own server on 127.0.0.1.

Needs Debian's python3-graphql-core (tests/install-deps.sh test).
Run: /usr/bin/python3 tests/gitlab_server/test_graphql.py [-v]
"""

import json
import os
import re
import shutil
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server import ServerProcess  # noqa: E402

TOKEN = "tok-G"
TMP = tempfile.mkdtemp(prefix="ig-gql-test-")
DATA = os.path.join(TMP, "data.json")

N_APP = 250  # grp/app: more than two pages of 100


def ts(minutes):
    """Fixture times: 2026-01-05 00:00 UTC plus some minutes (to the millisecond)."""
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    return "2026-01-%02dT%02d:%02d:00.250Z" % (5 + d, h, m)


def fixture():
    projects = [(1, "grp/app"), (2, "grp/sub/lib"), (3, "grp/secret")]
    issues = []

    def add(id_, pid, path, iid, **kw):
        i = {"id": id_, "project_id": pid, "iid": iid, "title": "issue %d" % id_,
             "state": "opened", "created_at": ts(id_), "updated_at": ts(id_ + 5000),
             "web_url": "https://gitlab.example.com/%s/-/issues/%d" % (path, iid)}
        i.update(kw)
        issues.append(i)

    for n in range(1, N_APP + 1):
        kw = {}
        if n % 7 == 0:
            kw.update(labels=["bug", "ui"], weight=n % 5,
                      time_stats={"time_estimate": 3600 * (n % 3), "total_time_spent": 60 * n},
                      milestone={"title": "v%d" % (n % 3), "due_date": "2026-12-0%d" % (1 + n % 3)},
                      due_date="2026-11-%02d" % (1 + n % 28),
                      assignees=[{"username": "zoe"}, {"username": "ana"}],
                      description="Blocked by #%d" % (n + 1))
        if n % 11 == 0:
            kw.update(state="closed", closed_at=ts(n + 6000))
        if n in (3, 4, 5):
            kw.update(type="task")
        add(1000 + n, 1, "grp/app", n, **kw)
    add(2001, 2, "grp/sub/lib", 1)
    add(2002, 2, "grp/sub/lib", 2)
    add(3001, 3, "grp/secret", 1)
    links = [
        {"id": 1, "source_issue_id": 1001, "target_issue_id": 2001, "link_type": "blocks"},
        {"id": 2, "source_issue_id": 2002, "target_issue_id": 1002, "link_type": "is_blocked_by"},
        {"id": 3, "source_issue_id": 1003, "target_issue_id": 1004, "link_type": "relates_to"},
        {"id": 4, "source_issue_id": 1001, "target_issue_id": 3001, "link_type": "blocks"},
        {"id": 5, "source_issue_id": 1010, "target_issue_id": 1200, "link_type": "blocks"},
    ]
    # issue 1002 blocks 1001 from both sides: 1001 has three links, one hidden
    links.append({"id": 6, "source_issue_id": 1002, "target_issue_id": 1001,
                  "link_type": "blocks"})
    hierarchy = [{"parent_id": 1002, "child_id": 1003}, {"parent_id": 1002, "child_id": 1004},
                 {"parent_id": 1002, "child_id": 1005}, {"parent_id": 2001, "child_id": 1006}]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [{"id": i, "path_with_namespace": p,
                          "web_url": "https://gitlab.example.com/" + p} for i, p in projects],
            "issues": issues, "links": links, "hierarchy": hierarchy}


def post(srv, query, variables=None, headers=None):
    """(status, JSON answer) of one GraphQL request."""
    hdrs = {"Content-Type": "application/json"}
    hdrs.update({"PRIVATE-TOKEN": TOKEN} if headers is None else headers)
    req = urllib.request.Request(srv.url + "/api/graphql", method="POST", headers=hdrs,
                                 data=json.dumps({"query": query,
                                                  "variables": variables or {}}).encode())
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def rest(srv, path):
    rows, page = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request("%s%s%sper_page=100&page=%d" % (srv.api, path, sep, page),
                                     headers={"PRIVATE-TOKEN": TOKEN})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = json.load(r)
            nxt = r.headers.get("X-Next-Page")
        if not isinstance(body, list):
            return body
        rows += body
        if not nxt:
            return rows
        page = int(nxt)


def control(srv, path, body=None):
    req = urllib.request.Request(srv.url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


WIDGETS = """
  widgets {
    type
    ... on WorkItemWidgetAssignees { assignees { nodes { username } } }
    ... on WorkItemWidgetLabels { labels { nodes { title } } }
    ... on WorkItemWidgetMilestone { milestone { title dueDate } }
    ... on WorkItemWidgetStartAndDueDate { dueDate }
    ... on WorkItemWidgetWeight { weight }
    ... on WorkItemWidgetTimeTracking { timeEstimate totalTimeSpent }
    ... on WorkItemWidgetDescription { description }
    ... on WorkItemWidgetHierarchy {
      parent { id iid reference(full: true) }
      children { pageInfo { hasNextPage endCursor } nodes { id iid reference(full: true) } }
    }
    ... on WorkItemWidgetLinkedItems {
      linkedItems { pageInfo { hasNextPage endCursor }
        nodes { linkId linkType workItem { id iid reference(full: true) } } }
    }
  }"""

RICH = """query($path: ID!, $first: Int, $after: String, $updatedAfter: Time) {
  queryComplexity { score limit }
  project(fullPath: $path) {
    workItems(first: $first, after: $after, updatedAfter: $updatedAfter, sort: CREATED_ASC) {
      pageInfo { hasNextPage endCursor }
      nodes { id iid title state confidential createdAt updatedAt closedAt webUrl
              reference(full: true) workItemType { name } %s }
    }
  }
}""" % WIDGETS


def widget(node, kind):
    return next(w for w in node["widgets"] if w["type"] == kind)


def all_items(srv, path, page=100, **extra):
    """Every work item of a project, page by page; (items, pages, scores)."""
    items, after, pages, scores = [], None, 0, []
    while True:
        st, out = post(srv, RICH, dict({"path": path, "first": page, "after": after}, **extra))
        assert st == 200 and "errors" not in out, out
        pages += 1
        scores.append(out["data"]["queryComplexity"]["score"])
        conn = out["data"]["project"]["workItems"]
        assert len(conn["nodes"]) <= page
        items += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return items, pages, scores
        after = conn["pageInfo"]["endCursor"]
        if pages >= 50:
            raise AssertionError("paging does not end")


class Premium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ServerProcess(DATA, "--token", TOKEN, "--private", "grp/secret")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_paging_100_at_a_time_equals_rest(self):
        items, pages, scores = all_items(self.srv, "grp/app")
        self.assertEqual(pages, 3)  # 100 + 100 + 50
        self.assertEqual(len(items), N_APP)
        self.assertEqual(len({i["id"] for i in items}), N_APP)
        self.assertEqual([int(i["iid"]) for i in items], list(range(1, N_APP + 1)))  # CREATED_ASC
        by_iid = {int(i["iid"]): i for i in items}
        issues = rest(self.srv, "/projects/grp%2Fapp/issues")
        self.assertEqual(len(issues), N_APP)
        for r in issues:
            g = by_iid[r["iid"]]
            self.assertEqual(g["id"], "gid://gitlab/WorkItem/%d" % r["id"])
            self.assertEqual(g["title"], r["title"])
            self.assertEqual(g["state"], {"opened": "OPEN", "closed": "CLOSED"}[r["state"]])
            self.assertEqual(g["webUrl"], r["web_url"])
            self.assertEqual(g["reference"], r["references"]["full"])
            # GraphQL's times are to the second, REST's to the millisecond
            self.assertEqual(g["createdAt"], r["created_at"][:19] + "Z")
            self.assertEqual(g["updatedAt"], r["updated_at"][:19] + "Z")
            self.assertEqual(g["closedAt"], r["closed_at"] and r["closed_at"][:19] + "Z")
            self.assertEqual(g["workItemType"]["name"].lower(), r["issue_type"])
            self.assertEqual([x["title"] for x in widget(g, "LABELS")["labels"]["nodes"]],
                             r["labels"])
            self.assertEqual(widget(g, "WEIGHT")["weight"], r["weight"])
            self.assertEqual(widget(g, "START_AND_DUE_DATE")["dueDate"], r["due_date"])
            self.assertEqual(widget(g, "TIME_TRACKING")["timeEstimate"],
                             r["time_stats"]["time_estimate"])
            self.assertEqual(widget(g, "TIME_TRACKING")["totalTimeSpent"],
                             r["time_stats"]["total_time_spent"])
            self.assertEqual(widget(g, "DESCRIPTION")["description"], r["description"])
            m = widget(g, "MILESTONE")["milestone"]
            self.assertEqual(m and m["title"], r["milestone"] and r["milestone"]["title"])
            # assignees: GraphQL by name, REST in the order they were added
            self.assertEqual([a["username"] for a in widget(g, "ASSIGNEES")["assignees"]["nodes"]],
                             sorted(a["username"] for a in r["assignees"]))
        self.assertEqual(by_iid[7]["widgets"][0]["assignees"]["nodes"],
                         [{"username": "ana"}, {"username": "zoe"}])
        self.assertEqual(by_iid[3]["workItemType"]["name"], "Task")
        self.assertLess(max(scores), 250)

    def test_linked_items_equal_rest_links_from_both_sides(self):
        items, _, _ = all_items(self.srv, "grp/app")
        items += all_items(self.srv, "grp/sub/lib")[0]
        seen = 0
        for g in items:
            path, _, iid = g["reference"].rpartition("#")
            conn = widget(g, "LINKED_ITEMS")["linkedItems"]
            self.assertFalse(conn["pageInfo"]["hasNextPage"])
            got = sorted((n["linkId"], n["linkType"], n["workItem"]["reference"])
                         for n in conn["nodes"])
            want = sorted(("gid://gitlab/WorkItems::RelatedWorkItemLink/%d" % r["issue_link_id"],
                           r["link_type"], r["references"]["full"])
                          for r in rest(self.srv, "/projects/%s/issues/%s/links"
                                        % (urllib.parse.quote(path, safe=""), iid)))
            self.assertEqual(got, want, g["reference"])
            seen += len(got)
        self.assertEqual(seen, 10)  # links 1, 2, 3, 5, 6 from both sides; 4 is private
        by_ref = {g["reference"]: g for g in items}
        a1 = {(n["linkType"], n["workItem"]["reference"])
              for n in widget(by_ref["grp/app#1"], "LINKED_ITEMS")["linkedItems"]["nodes"]}
        self.assertEqual(a1, {("blocks", "grp/sub/lib#1"), ("is_blocked_by", "grp/app#2")})
        lib2 = widget(by_ref["grp/sub/lib#2"], "LINKED_ITEMS")["linkedItems"]["nodes"]
        self.assertEqual([(n["linkType"], n["workItem"]["reference"]) for n in lib2],
                         [("is_blocked_by", "grp/app#2")])

    def test_linked_items_filter_and_paging(self):
        # (graphql-core 2 parses no `null` literal: nulls go in variables)
        q = """query($after: String, $filter: WorkItemRelatedLinkType) {
                 project(fullPath: "grp/app") { workItems(iids: ["1"]) { nodes { widgets {
                 ... on WorkItemWidgetLinkedItems { linkedItems(first: 1, after: $after,
                 filter: $filter) { pageInfo { hasNextPage endCursor } nodes { linkType } } } } } } } }"""
        st, out = post(self.srv, q, {"filter": "BLOCKS"})
        nodes = [w for w in out["data"]["project"]["workItems"]["nodes"][0]["widgets"] if w]
        self.assertEqual(nodes[0]["linkedItems"]["nodes"], [{"linkType": "blocks"}])
        st, out = post(self.srv, q)
        conn = [w for w in out["data"]["project"]["workItems"]["nodes"][0]["widgets"] if w][0]
        self.assertTrue(conn["linkedItems"]["pageInfo"]["hasNextPage"])
        cur = conn["linkedItems"]["pageInfo"]["endCursor"]
        st, out = post(self.srv, q, {"after": cur})
        conn2 = [w for w in out["data"]["project"]["workItems"]["nodes"][0]["widgets"] if w][0]
        self.assertFalse(conn2["linkedItems"]["pageInfo"]["hasNextPage"])
        self.assertEqual(sorted([conn["linkedItems"]["nodes"][0]["linkType"],
                                 conn2["linkedItems"]["nodes"][0]["linkType"]]),
                         ["blocks", "is_blocked_by"])

    def test_hierarchy_parent_and_children(self):
        items = {g["reference"]: g for g in all_items(self.srv, "grp/app")[0]}
        h = widget(items["grp/app#2"], "HIERARCHY")
        self.assertIsNone(h["parent"])
        self.assertEqual([c["reference"] for c in h["children"]["nodes"]],
                         ["grp/app#3", "grp/app#4", "grp/app#5"])
        for n in (3, 4, 5):
            self.assertEqual(widget(items["grp/app#%d" % n], "HIERARCHY")["parent"]["reference"],
                             "grp/app#2")
        # a parent in another project
        self.assertEqual(widget(items["grp/app#6"], "HIERARCHY")["parent"]["reference"],
                         "grp/sub/lib#1")
        # children paged: first 2, then the rest after the cursor
        q = """query($after: String) { project(fullPath: "grp/app") { workItems(iids: ["2"]) {
               nodes { widgets(onlyTypes: [HIERARCHY]) { ... on WorkItemWidgetHierarchy {
               hasChildren children(first: 2, after: $after) { pageInfo { hasNextPage endCursor }
               nodes { iid } } } } } } } }"""
        _, out = post(self.srv, q)
        w = out["data"]["project"]["workItems"]["nodes"][0]["widgets"]
        self.assertEqual(len(w), 1)
        self.assertTrue(w[0]["hasChildren"])
        self.assertEqual([c["iid"] for c in w[0]["children"]["nodes"]], ["3", "4"])
        self.assertTrue(w[0]["children"]["pageInfo"]["hasNextPage"])
        _, out = post(self.srv, q, {"after": w[0]["children"]["pageInfo"]["endCursor"]})
        w = out["data"]["project"]["workItems"]["nodes"][0]["widgets"]
        self.assertEqual([c["iid"] for c in w[0]["children"]["nodes"]], ["5"])
        self.assertFalse(w[0]["children"]["pageInfo"]["hasNextPage"])

    def test_complexity_of_rich_page_reported_and_big_query_refused(self):
        st, out = post(self.srv, RICH, {"path": "grp/app", "first": 100})
        score = out["data"]["queryComplexity"]
        self.assertEqual(score["limit"], 250)
        # GitLab's rule: connection (children + 1) x (1 + 0.01 x first); about 70-80 here
        self.assertGreater(score["score"], 50)
        self.assertLess(score["score"], 120)
        _, small = post(self.srv, RICH, {"path": "grp/app", "first": 10})
        self.assertLess(small["data"]["queryComplexity"]["score"], score["score"])
        # the same page asked six times over with aliases is too much
        big = "query($path: ID!) { %s }" % " ".join(
            'p%d: project(fullPath: $path) { workItems(first: 100) { nodes { id %s } } }'
            % (n, WIDGETS) for n in range(6))
        st, out = post(self.srv, big, {"path": "grp/app"})
        self.assertEqual(st, 200)
        self.assertFalse("data" in out, "answered, not refused")
        self.assertEqual(len(out["errors"]), 1)
        m = re.match(r"^Query has complexity of (\d+), which exceeds max complexity of 250$",
                     out["errors"][0]["message"])
        self.assertTrue(m, out)
        self.assertGreater(int(m.group(1)), 250)
        stats = control(self.srv, "/__control/stats")["graphql"]
        self.assertGreaterEqual(stats["refused_complexity"], 1)
        self.assertGreaterEqual(stats["complexity_max"], int(m.group(1)))

    def test_first_above_100_is_capped(self):
        _, out = post(self.srv, '{ project(fullPath: "grp/app") { workItems(first: 500) '
                      '{ count nodes { iid } pageInfo { hasNextPage } } } }')
        conn = out["data"]["project"]["workItems"]
        self.assertEqual(len(conn["nodes"]), 100)
        self.assertEqual(conn["count"], N_APP)
        self.assertTrue(conn["pageInfo"]["hasNextPage"])

    def test_iids_batches_through_namespace_and_project(self):
        q = """query($path: ID!, $iids: [String!]) { namespace(fullPath: $path) {
               workItems(iids: $iids) { nodes { iid title } } } }"""
        _, out = post(self.srv, q, {"path": "grp/app", "iids": ["5", "250", "77", "999"]})
        got = sorted(int(n["iid"]) for n in out["data"]["namespace"]["workItems"]["nodes"])
        self.assertEqual(got, [5, 77, 250])
        _, out = post(self.srv, q, {"path": "grp/sub/lib", "iids": ["2"]})
        self.assertEqual(out["data"]["namespace"]["workItems"]["nodes"],
                         [{"iid": "2", "title": "issue 2002"}])
        _, out = post(self.srv, q, {"path": "grp/secret", "iids": ["1"]})
        self.assertIsNone(out["data"]["namespace"])

    def test_group_work_items_need_include_descendants(self):
        q = """query($d: Boolean, $after: String) { group(fullPath: "grp") {
               workItems(includeDescendants: $d, first: 100, after: $after) {
               count pageInfo { hasNextPage endCursor } nodes { reference(full: true) } } } }"""
        _, out = post(self.srv, q, {"d": False})
        self.assertEqual(out["data"]["group"]["workItems"]["nodes"], [])  # no epics here
        refs, after = [], None
        while True:
            _, out = post(self.srv, q, {"d": True, "after": after})
            conn = out["data"]["group"]["workItems"]
            refs += [n["reference"] for n in conn["nodes"]]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
            self.assertLess(len(refs), 1000, "paging does not end")
        self.assertEqual(len(refs), N_APP + 2)  # grp/secret is private
        self.assertEqual(len(set(refs)), len(refs))
        self.assertFalse(any(r.startswith("grp/secret") for r in refs))
        control(self.srv, "/__control/graphql", {"group_work_items": False})
        try:
            _, out = post(self.srv, q, {"d": True})
            self.assertIsNone(out["data"]["group"]["workItems"])
        finally:
            control(self.srv, "/__control/graphql", {"group_work_items": True})

    def test_private_project_null_and_tokens(self):
        q = '{ project(fullPath: "grp/secret") { id } other: project(fullPath: "grp/app") { id } }'
        st, out = post(self.srv, q)
        self.assertEqual(out["data"], {"project": None, "other": {"id": "gid://gitlab/Project/1"}})
        st, out = post(self.srv, q, headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(out["data"]["other"], {"id": "gid://gitlab/Project/1"})
        st, out = post(self.srv, q, headers={"PRIVATE-TOKEN": "wrong"})
        self.assertEqual((st, out), (401, {"errors": [{"message": "Invalid token"}]}))
        # no token: an anonymous user sees no private project, and has the lower limit
        st, out = post(self.srv, q + "", headers={})
        self.assertEqual((st, out["data"]), (200, {"project": None, "other": None}))
        _, out = post(self.srv, "{ queryComplexity { limit } }", headers={})
        self.assertEqual(out["data"]["queryComplexity"]["limit"], 200)

    def test_version_and_stats(self):
        control(self.srv, "/__control/reset-stats", {})
        _, out = post(self.srv, "{ metadata { version enterprise } }")
        self.assertEqual(out["data"]["metadata"], {"version": "17.11.0", "enterprise": True})
        post(self.srv, RICH, {"path": "grp/app", "first": 100})
        stats = control(self.srv, "/__control/stats")
        self.assertEqual(stats["by_kind"], {"graphql": 2})
        self.assertEqual(stats["graphql"]["requests"], 2)
        self.assertGreater(stats["graphql"]["complexity_total"], 50)


class Changes(unittest.TestCase):
    def setUp(self):
        self.srv = ServerProcess(DATA, "--token", TOKEN, "--private", "grp/secret")

    def tearDown(self):
        self.srv.stop()

    def test_updated_after(self):
        # every fixture issue was updated in January 2026; change two now
        control(self.srv, "/__control/change", {"op": "close_issue", "issue": 1042})
        control(self.srv, "/__control/change", {"op": "add_link", "source": 1100,
                                                 "target": 1101, "link_type": "blocks"})
        items, pages, _ = all_items(self.srv, "grp/app", updatedAfter="2026-02-01T00:00:00Z")
        self.assertEqual(sorted(i["iid"] for i in items), ["100", "101", "42"])
        self.assertEqual(pages, 1)
        rest_rows = rest(self.srv, "/projects/grp%2Fapp/issues?updated_after=2026-02-01T00:00:00Z")
        self.assertEqual(sorted(str(r["iid"]) for r in rest_rows), ["100", "101", "42"])
        by_iid = {i["iid"]: i for i in items}
        self.assertEqual(by_iid["42"]["state"], "CLOSED")
        self.assertEqual([(n["linkType"], n["workItem"]["iid"]) for n in
                          widget(by_iid["100"], "LINKED_ITEMS")["linkedItems"]["nodes"]],
                         [("blocks", "101")])

    def test_cursor_holds_across_an_added_issue(self):
        q = """query($after: String) { project(fullPath: "grp/app") {
               workItems(first: 100, after: $after, sort: CREATED_ASC) {
               pageInfo { hasNextPage endCursor } nodes { iid } } } }"""
        _, out = post(self.srv, q)
        conn = out["data"]["project"]["workItems"]
        iids = [n["iid"] for n in conn["nodes"]]
        control(self.srv, "/__control/change", {"op": "add_issue", "issue": {
            "id": 1999, "project_id": 1, "iid": 999, "title": "new"}})
        while conn["pageInfo"]["hasNextPage"]:
            _, out = post(self.srv, q, {"after": conn["pageInfo"]["endCursor"]})
            conn = out["data"]["project"]["workItems"]
            iids += [n["iid"] for n in conn["nodes"]]
            self.assertLess(len(iids), 1000, "paging does not end")
        self.assertEqual(iids, [str(n) for n in range(1, N_APP + 1)] + ["999"])

    def test_hierarchy_changes_and_snapshot(self):
        snap = control(self.srv, "/__control/snapshot?readable=1")
        self.assertEqual(snap["hierarchy"][:2], [{"parent_id": 1002, "child_id": 1003},
                                                 {"parent_id": 1002, "child_id": 1004}])
        self.assertEqual({i["id"]: i["type"] for i in snap["issues"]}[1003], "task")
        before = {i["iid"]: i["updatedAt"] for i in all_items(self.srv, "grp/app")[0]}
        control(self.srv, "/__control/change", {"op": "add_child", "parent": 1010, "child": 1011})
        control(self.srv, "/__control/change", {"op": "remove_child", "child": 1005})
        items = {i["iid"]: i for i in all_items(self.srv, "grp/app")[0]}
        self.assertEqual(widget(items["11"], "HIERARCHY")["parent"]["iid"], "10")
        self.assertIsNone(widget(items["5"], "HIERARCHY")["parent"])
        self.assertEqual([c["iid"] for c in widget(items["2"], "HIERARCHY")["children"]["nodes"]],
                         ["3", "4"])
        # GitLab is not known to touch updated_at for a hierarchy change
        self.assertEqual({k: v["updatedAt"] for k, v in items.items()}, before)

    def test_forced_errors_answer_data_null(self):
        control(self.srv, "/__control/graphql",
                {"errors": ["Timeout on WorkItem.widgets", "Internal server error"]})
        for msg in ("Timeout on WorkItem.widgets", "Internal server error"):
            st, out = post(self.srv, "{ metadata { version } }")
            self.assertEqual((st, out), (200, {"data": None, "errors": [{"message": msg}]}))
        _, out = post(self.srv, "{ metadata { version } }")
        self.assertEqual(out, {"data": {"metadata": {"version": "17.11.0"}}})

    def test_bad_cursor_is_an_error(self):
        st, out = post(self.srv, '{ project(fullPath: "grp/app") { workItems(after: "bm9wZQ==") '
                       '{ nodes { id } } } }')
        self.assertEqual(st, 200)
        self.assertEqual(out["data"], {"project": {"workItems": None}})
        self.assertEqual(out["errors"][0]["message"], "Please provide a valid cursor")

    def test_rate_limit_applies(self):
        control(self.srv, "/__control/faults", {"rate_limit": 1})
        codes = [post(self.srv, "{ metadata { version } }")[0] for _ in range(4)]
        control(self.srv, "/__control/faults", {"rate_limit": 0})
        self.assertIn(429, codes)
        self.assertEqual(codes[0], 200)

    def test_graphql_off_is_404(self):
        control(self.srv, "/__control/graphql", {"mode": "off"})
        st, _ = post(self.srv, "{ metadata { version } }")
        self.assertEqual(st, 404)


class FreeTier(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ServerProcess(DATA, "--token", TOKEN, "--tier", "free")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_only_related_links(self):
        q = """{ project(fullPath: "grp/app") { workItems(iids: ["1", "3", "4"]) { nodes { iid
               widgets { ... on WorkItemWidgetLinkedItems { linkedItems { nodes { linkType
               workItem { iid } } } } } } } } }"""
        st, out = post(self.srv, q)
        self.assertNotIn("errors", out)
        got = {}
        for n in out["data"]["project"]["workItems"]["nodes"]:
            for w in n["widgets"]:
                for x in (w.get("linkedItems") or {}).get("nodes", []):
                    got.setdefault(n["iid"], []).append((x["linkType"], x["workItem"]["iid"]))
        self.assertEqual(got, {"3": [("relates_to", "4")], "4": [("relates_to", "3")]})
        # REST on the same server says the same
        self.assertEqual([r["link_type"] for r in rest(self.srv, "/projects/1/issues/1/links")], [])

    def test_no_weight_widget_type(self):
        st, out = post(self.srv, '{ project(fullPath: "grp/app") { workItems(first: 1) { nodes '
                       '{ widgets { ... on WorkItemWidgetWeight { weight } } } } } }')
        self.assertEqual(st, 200)
        self.assertFalse("data" in out, out.get("errors"))
        self.assertIn("WorkItemWidgetWeight", out["errors"][0]["message"])
        _, out = post(self.srv, "{ metadata { enterprise } }")
        self.assertEqual(out["data"]["metadata"]["enterprise"], False)

    def test_switch_tier_live(self):
        control(self.srv, "/__control/graphql", {"tier": "premium"})
        try:
            _, out = post(self.srv, '{ project(fullPath: "grp/app") { workItems(iids: ["1"]) '
                          '{ nodes { widgets { ... on WorkItemWidgetLinkedItems { linkedItems '
                          '{ nodes { linkType } } } } } } } }')
            types = [x["linkType"] for w in out["data"]["project"]["workItems"]["nodes"][0]["widgets"]
                     for x in (w.get("linkedItems") or {}).get("nodes", [])]
            self.assertEqual(sorted(types), ["blocks", "blocks", "is_blocked_by"])
        finally:
            control(self.srv, "/__control/graphql", {"tier": "free"})


class OldVersion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ServerProcess(DATA, "--token", TOKEN, "--graphql", "old")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_work_items_unknown(self):
        st, out = post(self.srv, RICH, {"path": "grp/app", "first": 100})
        self.assertEqual(st, 200)
        self.assertFalse("data" in out, out.get("errors"))
        msgs = [e["message"] for e in out["errors"]]
        self.assertIn("Field 'workItems' doesn't exist on type 'Project'", msgs)
        e = next(e for e in out["errors"] if e["message"].startswith("Field 'workItems'"))
        self.assertEqual(e["extensions"], {"code": "undefinedField", "typeName": "Project",
                                           "fieldName": "workItems"})
        _, out = post(self.srv, '{ __type(name: "WorkItemWidgetLinkedItems") { name } '
                      'metadata { version } project(fullPath: "grp/app") { fullPath } }')
        self.assertEqual(out["data"], {"__type": None, "metadata": {"version": "15.11.0"},
                                       "project": {"fullPath": "grp/app"}})

    def test_switch_live(self):
        control(self.srv, "/__control/graphql", {"mode": "full"})
        try:
            _, out = post(self.srv, '{ __type(name: "WorkItemWidgetLinkedItems") { name } }')
            self.assertEqual(out["data"]["__type"], {"name": "WorkItemWidgetLinkedItems"})
        finally:
            control(self.srv, "/__control/graphql", {"mode": "old"})


def main():
    with open(DATA, "w", encoding="utf-8") as f:
        json.dump(fixture(), f)
    try:
        prog = unittest.main(exit=False, verbosity=2)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
