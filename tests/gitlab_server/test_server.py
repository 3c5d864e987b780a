#!/usr/bin/env python3
"""Checks the GitLab test server against GitLab's documented REST API behaviour.

Every expectation is written out here from GitLab's API documentation (issue
links, issues, groups, pagination, rate limits), for a small fixture written
by this file; nothing is derived from the server's own code. Each TestCase
starts its own server process on 127.0.0.1 and stops it again.

Run: /usr/bin/python3 tests/gitlab_server/test_server.py [-v]
"""

import email.utils
import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from server import ServerProcess  # noqa: E402  (starts server.py as a child process)

TOKEN = "tok-A"
AUTH = {"PRIVATE-TOKEN": TOKEN}


def ts(minutes):
    """Fixture timestamps: 2026-01-05 10:00 UTC plus some minutes."""
    h, m = divmod(600 + minutes, 60)
    return "2026-01-05T%02d:%02d:00.000Z" % (h, m)


def fixture():
    """Five projects: grp/app (25 issues), grp/sub/lib (3), grp/secret (2, served
    private), other/tool (1), grp/sub/deep/svc (1)."""
    projects = [(1, "grp/app"), (2, "grp/sub/lib"), (3, "grp/secret"), (4, "other/tool"),
                (5, "grp/sub/deep/svc")]
    issues = []

    def add(iid_, pid, path, iid, **kw):
        i = {"id": iid_, "project_id": pid, "iid": iid, "title": "issue %d" % iid_,
             "state": "opened", "confidential": False, "weight": None,
             "time_stats": {"time_estimate": 0, "total_time_spent": 0}, "milestone": None,
             "due_date": None, "labels": [], "created_at": ts(iid_ % 100),
             "updated_at": ts(iid_ % 100), "closed_at": None,
             "web_url": "https://gitlab.example.com/%s/-/issues/%d" % (path, iid)}
        i.update(kw)
        issues.append(i)

    for n in range(1, 26):
        # updated_at in an order that differs from id order, all distinct
        add(100 + n, 1, "grp/app", n, updated_at=ts(200 + (n * 7) % 25 * 3))
    issues[0].update(title='Quotes " and \\ backslash <&>', weight=3,
                     time_stats={"time_estimate": 5400, "total_time_spent": 0},
                     milestone={"title": "v1.0", "due_date": "2026-12-01"}, labels=["bug"])
    add(201, 2, "grp/sub/lib", 1)
    add(202, 2, "grp/sub/lib", 2)
    add(203, 2, "grp/sub/lib", 3, state="closed", closed_at=ts(90))
    add(301, 3, "grp/secret", 1)
    add(302, 3, "grp/secret", 2)
    add(401, 4, "other/tool", 1)
    add(501, 5, "grp/sub/deep/svc", 1)
    links = [
        {"id": 1, "source_issue_id": 101, "target_issue_id": 201, "link_type": "blocks"},
        {"id": 2, "source_issue_id": 202, "target_issue_id": 102, "link_type": "is_blocked_by"},
        {"id": 3, "source_issue_id": 203, "target_issue_id": 103, "link_type": "relates_to"},
        {"id": 4, "source_issue_id": 101, "target_issue_id": 301, "link_type": "blocks"},
        {"id": 5, "source_issue_id": 302, "target_issue_id": 102, "link_type": "blocks"},
        {"id": 6, "source_issue_id": 104, "target_issue_id": 105, "link_type": "blocks"},
    ]
    return {"version": 1, "source": "https://gitlab.example.com",
            "projects": [{"id": i, "path_with_namespace": p,
                          "web_url": "https://gitlab.example.com/" + p} for i, p in projects],
            "issues": issues, "links": links}


TMP = tempfile.mkdtemp(prefix="ig-test-server-")
DATA = os.path.join(TMP, "fixture.json")


def request(srv, path, headers=None, method="GET", body=None, timeout=10):
    """One request on a fresh connection: (status, headers dict, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def get_json(srv, path, headers=AUTH):
    status, hdrs, body = request(srv, path, headers)
    return status, hdrs, json.loads(body)


# Link: <URL>; rel="next", <URL>; rel="first" ...  (RFC 8288 as GitLab writes it)
LINK_ITEM = re.compile(r'<([^<>]+)>; rel="(prev|next|first|last)"')
LINK_HEADER = re.compile(r'^<[^<>]+>; rel="[a-z]+"(, <[^<>]+>; rel="[a-z]+")*$')


def parse_link(value):
    assert LINK_HEADER.match(value), "bad Link header syntax: %r" % value
    return {rel: url for url, rel in LINK_ITEM.findall(value)}


# The keys GitLab's "List issue relations" example shows for each linked issue.
LINK_ITEM_KEYS = {"id", "iid", "issue_link_id", "project_id", "title", "state", "labels",
                  "milestone", "due_date", "web_url", "confidential", "weight", "link_type",
                  "link_created_at", "link_updated_at", "created_at", "updated_at",
                  "assignees", "author", "description", "user_notes_count", "references"}


class Api(unittest.TestCase):
    """The main server: a private project, a moved project, totals omitted above 20."""

    @classmethod
    def setUpClass(cls):
        cls.log = os.path.join(TMP, "api.log")
        cls.srv = ServerProcess(DATA, "--token", TOKEN, "--private", "grp/secret",
                                "--no-total-above", "20", "--max-offset", "50",
                                "--moved", "old/app=grp/app", "--log", cls.log)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def links_of(self, project, iid):
        status, _, body = get_json(self.srv, "/api/v4/projects/%s/issues/%d/links"
                                   % (urllib.parse.quote(project, safe=""), iid))
        self.assertEqual(status, 200)
        return [(x["id"], x["link_type"], x["issue_link_id"], x["references"]["full"])
                for x in body]

    def test_link_type_from_each_side(self):
        # blocks from the blocker, is_blocked_by from the blocked, relates_to from both;
        # links to issues of the private project are left out.
        self.assertEqual(self.links_of("grp/app", 1), [(201, "blocks", 1, "grp/sub/lib#1")])
        self.assertEqual(self.links_of("grp/sub/lib", 1),
                         [(101, "is_blocked_by", 1, "grp/app#1")])
        # link 2 was given from the blocked side (202 is_blocked_by 102)
        self.assertEqual(self.links_of("grp/app", 2), [(202, "blocks", 2, "grp/sub/lib#2")])
        self.assertEqual(self.links_of("grp/sub/lib", 2),
                         [(102, "is_blocked_by", 2, "grp/app#2")])
        self.assertEqual(self.links_of("grp/app", 3), [(203, "relates_to", 3, "grp/sub/lib#3")])
        self.assertEqual(self.links_of("grp/sub/lib", 3), [(103, "relates_to", 3, "grp/app#3")])
        self.assertEqual(self.links_of("grp/app", 4), [(105, "blocks", 6, "grp/app#5")])
        self.assertEqual(self.links_of("grp/app", 6), [])

    def test_link_item_shape(self):
        status, hdrs, body = get_json(self.srv, "/api/v4/projects/2/issues/1/links")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("application/json"))
        self.assertIn("date", hdrs)
        self.assertEqual(len(body), 1)
        item = body[0]
        self.assertLessEqual(LINK_ITEM_KEYS, set(item), LINK_ITEM_KEYS - set(item))
        self.assertEqual(item["id"], 101)
        self.assertEqual(item["iid"], 1)
        self.assertEqual(item["project_id"], 1)
        self.assertEqual(item["title"], 'Quotes " and \\ backslash <&>')
        self.assertEqual(item["state"], "opened")
        self.assertEqual(item["labels"], ["bug"])
        self.assertEqual(item["weight"], 3)
        self.assertIs(item["confidential"], False)
        self.assertEqual(item["milestone"]["title"], "v1.0")
        self.assertEqual(item["milestone"]["due_date"], "2026-12-01")
        self.assertEqual(item["web_url"], "https://gitlab.example.com/grp/app/-/issues/1")
        self.assertRegex(item["link_created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

    def test_issue_shape(self):
        status, _, i = get_json(self.srv, "/api/v4/projects/grp%2Fapp/issues/1")
        self.assertEqual(status, 200)
        self.assertEqual(i["references"], {"short": "#1", "relative": "#1",
                                           "full": "grp/app#1"})
        self.assertEqual(i["type"], "ISSUE")
        self.assertEqual(i["time_stats"], {"time_estimate": 5400, "total_time_spent": 0,
                                           "human_time_estimate": "1h 30m",
                                           "human_total_time_spent": None})
        m = i["milestone"]
        self.assertLessEqual({"id", "iid", "title", "due_date", "state"}, set(m))
        self.assertIsInstance(m["id"], int)
        self.assertEqual(i["closed_at"], None)
        for key in ("assignees", "author", "user_notes_count", "description", "due_date",
                    "created_at", "updated_at"):
            self.assertIn(key, i)
        status, _, body = get_json(self.srv, "/api/v4/projects/1/issues/999")
        self.assertEqual((status, body), (404, {"message": "404 Not found"}))
        status, _, body = get_json(self.srv, "/api/v4/projects/1/issues/999/links")
        self.assertEqual((status, body), (404, {"message": "404 Not found"}))

    def test_project(self):
        status, _, p = get_json(self.srv, "/api/v4/projects/grp%2Fsub%2Flib")
        self.assertEqual(status, 200)
        self.assertEqual((p["id"], p["path_with_namespace"], p["archived"]),
                         (2, "grp/sub/lib", False))
        self.assertEqual(p["web_url"], "https://gitlab.example.com/grp/sub/lib")
        self.assertEqual(p["namespace"]["full_path"], "grp/sub")
        status, _, p2 = get_json(self.srv, "/api/v4/projects/2")
        self.assertEqual(p, p2)
        # paths are looked up case-insensitively; the answer has the canonical path
        status, _, p3 = get_json(self.srv, "/api/v4/projects/GRP%2FSub%2FLib")
        self.assertEqual((status, p3["path_with_namespace"]), (200, "grp/sub/lib"))
        status, _, body = get_json(self.srv, "/api/v4/projects/nope%2Fnothing")
        self.assertEqual((status, body), (404, {"message": "404 Project Not Found"}))

    def test_private_project_is_404(self):
        for path in ("/api/v4/projects/grp%2Fsecret", "/api/v4/projects/3",
                     "/api/v4/projects/3/issues", "/api/v4/projects/grp%2Fsecret/issues/1",
                     "/api/v4/projects/3/issues/2/links"):
            status, hdrs, body = get_json(self.srv, path)
            self.assertEqual(status, 404, path)
            self.assertEqual(body, {"message": "404 Project Not Found"}, path)

    def test_auth(self):
        path = "/api/v4/projects/1/issues/1"
        for headers in ({}, {"PRIVATE-TOKEN": "wrong"}, {"Authorization": "Bearer wrong"},
                        {"Authorization": "Basic dG9rLUE="}):
            status, _, body = get_json(self.srv, path, headers)
            self.assertEqual((status, body), (401, {"message": "401 Unauthorized"}), headers)
        status, _, body = get_json(self.srv, path, {"Authorization": "Bearer " + TOKEN})
        self.assertEqual((status, body["id"]), (200, 101))
        status, _, body = get_json(self.srv, path, {"private-token": TOKEN})
        self.assertEqual(status, 200)

    def test_pagination_follows_next(self):
        url = "/api/v4/projects/grp%2Fapp/issues?order_by=updated_at&sort=asc&per_page=7"
        seen, pages = [], 0
        while url:
            status, hdrs, body = get_json(self.srv, url)
            self.assertEqual(status, 200)
            pages += 1
            self.assertLessEqual(pages, 10)
            links = parse_link(hdrs["link"])
            self.assertEqual(hdrs["x-page"], str(pages))
            self.assertEqual(hdrs["x-per-page"], "7")
            self.assertIn("first", links)
            # 25 issues > --no-total-above 20: no total, no last page
            self.assertNotIn("x-total", hdrs)
            self.assertNotIn("x-total-pages", hdrs)
            self.assertNotIn("last", links)
            self.assertEqual("prev" in links, pages > 1)
            self.assertEqual(hdrs["x-prev-page"], str(pages - 1) if pages > 1 else "")
            self.assertEqual(hdrs["x-next-page"], str(pages + 1) if "next" in links else "")
            seen += [(x["updated_at"], x["id"]) for x in body]
            nxt = links.get("next")
            if nxt:
                u = urllib.parse.urlsplit(nxt)
                self.assertEqual((u.scheme, u.hostname, u.port), ("http", "127.0.0.1",
                                                                  self.srv.port))
                self.assertEqual(urllib.parse.parse_qs(u.query)["order_by"], ["updated_at"])
                url = u.path + "?" + u.query
            else:
                url = None
        self.assertEqual(pages, 4)
        self.assertEqual(sorted(i for _, i in seen), list(range(101, 126)))  # each once
        self.assertEqual(seen, sorted(seen))  # updated_at ascending

    def test_totals_below_limit(self):
        status, hdrs, body = get_json(self.srv, "/api/v4/projects/2/issues?per_page=2")
        self.assertEqual(status, 200)
        self.assertEqual((hdrs["x-total"], hdrs["x-total-pages"]), ("3", "2"))
        links = parse_link(hdrs["link"])
        self.assertEqual(set(links), {"next", "first", "last"})
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(links["last"]).query)
                         ["page"], ["2"])
        # default order: created_at descending
        self.assertEqual([x["id"] for x in body], [203, 202])

    def test_state_and_iids_filters(self):
        _, _, body = get_json(self.srv, "/api/v4/projects/2/issues?state=closed")
        self.assertEqual([x["id"] for x in body], [203])
        _, _, body = get_json(self.srv, "/api/v4/projects/2/issues?state=opened&sort=asc")
        self.assertEqual([x["id"] for x in body], [201, 202])
        _, _, body = get_json(self.srv,
                              "/api/v4/projects/1/issues?iids[]=3&iids[]=5&iids%5B%5D=24")
        self.assertEqual(sorted(x["iid"] for x in body), [3, 5, 24])

    def test_updated_after_is_inclusive(self):
        # issue 102's updated_at is ts(200 + 14 % 25 * 3) = ts(242) = 2026-01-05T14:02:00.000Z
        _, _, one = get_json(self.srv, "/api/v4/projects/1/issues/2")
        self.assertEqual(one["updated_at"], "2026-01-05T14:02:00.000Z")
        q = urllib.parse.quote("2026-01-05T14:02:00Z")
        _, _, body = get_json(self.srv, "/api/v4/projects/1/issues?per_page=30&updated_after="
                              + q)
        got = {x["id"] for x in body}
        self.assertIn(102, got)  # "updated on or after"
        self.assertTrue(all(x["updated_at"] >= "2026-01-05T14:02:00.000Z" for x in body))
        # updated_at minutes 200..272 step 3; 242 and later: (272-242)/3+1 = 11 issues
        self.assertEqual(len(got), 11)

    def test_max_offset(self):
        status, _, body = get_json(self.srv, "/api/v4/projects/1/issues?per_page=7&page=8")
        self.assertEqual(status, 400)
        self.assertIn("message", body)

    def test_groups(self):
        def ids(path):
            status, hdrs, body = get_json(self.srv, path)
            self.assertEqual(status, 200, path)
            return [p["id"] for p in body]
        # the private grp/secret is omitted; other/tool is not in grp
        self.assertEqual(ids("/api/v4/groups/grp/projects?include_subgroups=true"
                             "&with_shared=false&archived=false"), [1, 2, 5])
        self.assertEqual(ids("/api/v4/groups/grp/projects"), [1])
        self.assertEqual(ids("/api/v4/groups/grp%2Fsub/projects?include_subgroups=true"), [2, 5])
        status, _, g = get_json(self.srv, "/api/v4/groups/grp%2Fsub")
        self.assertEqual((status, g["full_path"]), (200, "grp/sub"))
        status, _, g2 = get_json(self.srv, "/api/v4/groups/%d" % g["id"])
        self.assertEqual(g2["full_path"], "grp/sub")
        status, _, body = get_json(self.srv, "/api/v4/groups/nope")
        self.assertEqual((status, body), (404, {"message": "404 Group Not Found"}))
        status, hdrs, body = get_json(self.srv, "/api/v4/groups/grp/projects?"
                                      "include_subgroups=true&per_page=2&page=2")
        self.assertEqual([p["id"] for p in body], [5])
        self.assertEqual(set(parse_link(hdrs["link"])), {"prev", "first", "last"})
        self.assertEqual(hdrs["x-total"], "3")

    def test_moved_project_301(self):
        status, hdrs, _ = request(self.srv, "/api/v4/projects/old%2Fapp/issues?per_page=5", AUTH)
        self.assertEqual(status, 301)
        self.assertEqual(hdrs["location"], "http://127.0.0.1:%d/api/v4/projects/grp%%2Fapp/issues"
                         "?per_page=5" % self.srv.port)

    def test_gzip(self):
        path = "/api/v4/projects/1/issues?per_page=10"
        _, plain_hdrs, plain = request(self.srv, path, AUTH)
        self.assertNotIn("content-encoding", plain_hdrs)
        status, hdrs, body = request(self.srv, path, dict(AUTH, **{"Accept-Encoding": "gzip"}))
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-encoding"], "gzip")
        self.assertEqual(int(hdrs["content-length"]), len(body))
        self.assertEqual(json.loads(gzip.decompress(body)), json.loads(plain))

    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        try:
            for iid in (1, 2, 3):
                conn.request("GET", "/api/v4/projects/1/issues/%d" % iid, headers=AUTH)
                resp = conn.getresponse()
                self.assertEqual(resp.version, 11)
                self.assertIsNotNone(resp.getheader("Content-Length"))
                self.assertEqual(json.loads(resp.read())["iid"], iid)
        finally:
            conn.close()

    def test_readable_snapshot(self):
        _, _, snap = get_json(self.srv, "/__control/snapshot?readable=1", {})
        self.assertEqual([p["id"] for p in snap["projects"]], [1, 2, 4, 5])
        ids = [i["id"] for i in snap["issues"]]
        self.assertNotIn(301, ids)
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(ids), 25 + 3 + 1 + 1)
        self.assertEqual(snap["links"], [
            {"id": 1, "source_issue_id": 101, "target_issue_id": 201, "link_type": "blocks"},
            {"id": 2, "source_issue_id": 102, "target_issue_id": 202, "link_type": "blocks"},
            {"id": 3, "source_issue_id": 103, "target_issue_id": 203, "link_type": "relates_to"},
            {"id": 6, "source_issue_id": 104, "target_issue_id": 105, "link_type": "blocks"},
        ])
        first = snap["issues"][0]
        self.assertEqual(first["milestone"], {"title": "v1.0", "due_date": "2026-12-01"})
        self.assertEqual(first["time_stats"], {"time_estimate": 5400, "total_time_spent": 0})

    def test_stats_and_log(self):
        status, _, _ = request(self.srv, "/__control/reset-stats", method="POST")
        self.assertEqual(status, 200)
        get_json(self.srv, "/api/v4/projects/1/issues/1/links")
        get_json(self.srv, "/api/v4/projects/1/issues/1/links")
        get_json(self.srv, "/api/v4/projects/1", {})
        _, _, st = get_json(self.srv, "/__control/stats", {})
        self.assertEqual(st["requests"], 3)
        self.assertEqual(st["by_kind"].get("links"), 2)
        self.assertEqual(st["by_status"], {"200": 2, "401": 1})
        with open(self.log) as f:
            text = f.read()
        self.assertIn("PRIVATE-TOKEN", text)
        self.assertNotIn(TOKEN, text)

    def test_rate_limit_json(self):
        status, _, _ = request(self.srv, "/__control/faults", method="POST",
                               body={"rate_limit": 1})
        self.assertEqual(status, 200)
        try:
            hit = None
            for _ in range(30):
                status, hdrs, body = request(self.srv, "/api/v4/projects/1", AUTH)
                if status == 429:
                    hit = (hdrs, body)
                    break
                self.assertEqual(status, 200)
            self.assertIsNotNone(hit, "no 429 at 1 request per second")
            hdrs, body = hit
            self.assertTrue(hdrs["content-type"].startswith("application/json"))
            self.assertIn("message", json.loads(body))
            self.assertGreaterEqual(int(hdrs["retry-after"]), 1)
            self.assertEqual(hdrs["ratelimit-limit"], "1")
            self.assertEqual(hdrs["ratelimit-remaining"], "0")
            self.assertGreaterEqual(int(hdrs["ratelimit-observed"]), 2)
            reset = int(hdrs["ratelimit-reset"])
            self.assertLess(abs(reset - time.time()), 3600)  # a Unix time, not a delta
            self.assertEqual(email.utils.parsedate_to_datetime(hdrs["ratelimit-resettime"])
                             .timestamp(), reset)
        finally:
            request(self.srv, "/__control/faults", method="POST", body={"rate_limit": 0})


class RateLimitPlain(unittest.TestCase):
    def test_plain_body(self):
        with ServerProcess(DATA, "--token", TOKEN, "--rate-limit", "1",
                           "--rate-limit-plain") as srv:
            hit = None
            for _ in range(30):
                status, hdrs, body = request(srv, "/api/v4/projects/1", AUTH)
                if status == 429:
                    hit = (hdrs, body)
                    break
            self.assertIsNotNone(hit)
            hdrs, body = hit
            self.assertEqual(body, b"Retry later\n")
            self.assertTrue(hdrs["content-type"].startswith("text/plain"))
            self.assertIn("retry-after", hdrs)
            self.assertIn("ratelimit-reset", hdrs)


def outcome(srv, path):
    """What one request gets: a status, or 'drop' / 'truncate' / 'badjson'."""
    try:
        status, hdrs, body = request(srv, path, AUTH)
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return "drop"
    except http.client.IncompleteRead:
        return "truncate"
    if status == 200:
        try:
            json.loads(body)
        except ValueError:
            return "badjson"
    ctype = hdrs.get("content-type", "")
    return "%d%s" % (status, "html" if "html" in ctype else "")


class Faults(unittest.TestCase):
    PATH = "/api/v4/projects/1/issues/1"

    def run_seed(self, seed, n=40):
        with ServerProcess(DATA, "--token", TOKEN, "--fault-rate", "0.5", "--seed", str(seed)) as s:
            return [outcome(s, self.PATH) for _ in range(n)]

    def test_seeded_faults_reproducible(self):
        a = self.run_seed(7)
        b = self.run_seed(7)
        c = self.run_seed(8)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        self.assertIn("200", a)
        faults = [x for x in a if x != "200"]
        self.assertGreater(len(faults), 5)
        # 5xx (JSON or HTML), drops, truncations and invalid JSON all occur at this rate
        kinds = {x.rstrip("html") for x in faults}
        self.assertLessEqual(kinds, {"500", "502", "503", "drop", "truncate", "badjson"})
        self.assertGreaterEqual(len(kinds), 3, a)

    def test_live_fault_rate(self):
        with ServerProcess(DATA, "--token", TOKEN) as s:
            self.assertEqual({outcome(s, self.PATH) for _ in range(5)}, {"200"})
            request(s, "/__control/faults", method="POST",
                    body={"fault_rate": 1.0, "faults": "503"})
            got = {outcome(s, self.PATH) for _ in range(5)}
            self.assertLessEqual(got, {"503", "503html"})


class Redirect(unittest.TestCase):
    def test_302_to_other_host(self):
        with ServerProcess(DATA, "--token", TOKEN, "--redirect-to", "http://127.0.0.2:9") as s:
            status, hdrs, _ = request(s, "/api/v4/projects/grp%2Fapp/issues?page=2", AUTH)
            self.assertEqual(status, 302)
            self.assertEqual(hdrs["location"],
                             "http://127.0.0.2:9/api/v4/projects/grp%2Fapp/issues?page=2")


class Changes(unittest.TestCase):
    def setUp(self):
        self.srv = ServerProcess(DATA, "--token", TOKEN)

    def tearDown(self):
        self.srv.stop()

    def change(self, op):
        status, _, body = request(self.srv, "/__control/change", method="POST", body=op)
        self.assertEqual(status, 200, body)

    def updated(self, iid):
        return get_json(self.srv, "/api/v4/projects/1/issues/%d" % iid)[2]["updated_at"]

    def listed_after(self, when):
        _, _, body = get_json(self.srv, "/api/v4/projects/1/issues?per_page=100&updated_after="
                              + urllib.parse.quote(when))
        return {x["id"] for x in body}

    def test_link_changes_bump_updated_at(self):
        # the fixture is older than any change made now
        self.assertEqual(self.listed_after("2026-01-06T00:00:00Z"), set())
        before = {i: self.updated(i) for i in (10, 20)}
        self.change({"op": "add_link", "source": 120, "target": 110, "link_type": "blocks",
                     "id": 50})
        after = {i: self.updated(i) for i in (10, 20)}
        for i in (10, 20):
            self.assertGreater(after[i], before[i])
        # both ends of the new link, and only they, are listed as updated
        self.assertEqual(self.listed_after("2026-01-06T00:00:00Z"), {110, 120})
        # "updated on or after": an issue's exact updated_at includes it
        self.assertIn(110, self.listed_after(after[10]))
        _, _, links = get_json(self.srv, "/api/v4/projects/1/issues/10/links")
        self.assertEqual([(x["id"], x["link_type"], x["issue_link_id"]) for x in links],
                         [(120, "is_blocked_by", 50)])
        t = self.updated(10)
        self.change({"op": "delete_link", "id": 50})
        self.assertGreater(self.updated(10), t)
        _, _, links = get_json(self.srv, "/api/v4/projects/1/issues/10/links")
        self.assertEqual(links, [])

    def test_close_reopen_add_delete(self):
        self.change({"op": "close_issue", "issue": 107})
        _, _, body = get_json(self.srv, "/api/v4/projects/1/issues?state=closed")
        self.assertEqual([x["id"] for x in body], [107])
        self.assertIsNotNone(body[0]["closed_at"])
        self.change({"op": "reopen_issue", "issue": 107})
        _, _, body = get_json(self.srv, "/api/v4/projects/1/issues?state=closed")
        self.assertEqual(body, [])
        self.change({"op": "add_issue", "issue": {"id": 999, "project_id": 1, "iid": 26,
                                                  "title": "new", "state": "opened"}})
        status, _, i = get_json(self.srv, "/api/v4/projects/grp%2Fapp/issues/26")
        self.assertEqual((status, i["id"], i["references"]["full"]), (200, 999, "grp/app#26"))
        self.change({"op": "delete_issue", "issue": 101})
        status, _, _ = get_json(self.srv, "/api/v4/projects/1/issues/1")
        self.assertEqual(status, 404)
        _, _, links = get_json(self.srv, "/api/v4/projects/2/issues/1/links")
        self.assertEqual(links, [])
        status, _, body = request(self.srv, "/__control/change", method="POST",
                                  body={"op": "close_issue", "issue": 12345})
        self.assertEqual(status, 400)


class Lifetime(unittest.TestCase):
    def wait_gone(self, pid, seconds=20):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().split(") ", 1)[1].startswith("Z"):
                        return True
            except (FileNotFoundError, ProcessLookupError):
                return True
            time.sleep(0.1)
        return False

    def test_lifetime(self):
        srv = ServerProcess(DATA, "--lifetime", "1")
        try:
            self.assertEqual(srv.proc.wait(20), 0)
        finally:
            srv.stop()

    def test_exits_when_parent_dies(self):
        port_file = os.path.join(TMP, "orphan.port")
        script = ("import subprocess, sys, time\n"
                  "p = subprocess.Popen([sys.executable, %r, '--data', %r, '--port-file', %r])\n"
                  "print(p.pid, flush=True)\n"
                  "time.sleep(60)\n" % (os.path.join(HERE, "server.py"), DATA, port_file))
        parent = subprocess.Popen(["/usr/bin/python3", "-c", script], stdout=subprocess.PIPE)
        try:
            child = int(parent.stdout.readline())
            end = time.monotonic() + 20
            while not os.path.exists(port_file) and time.monotonic() < end:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(port_file))
        finally:
            parent.kill()
            parent.wait()
            parent.stdout.close()
        self.assertTrue(self.wait_gone(child), "server outlived its parent")


TEXT_DATA = os.path.join(TMP, "text.json")


def text_fixture():
    """The main fixture with descriptions, a moved issue, one expected text
    dependency, and grp/sub/lib with its issues feature disabled."""
    snap = fixture()
    by_id = {i["id"]: i for i in snap["issues"]}
    by_id[101]["description"] = "Blocked by #2\nplain text"
    by_id[102]["description"] = "nothing here"
    by_id[203].update(moved_to_id=401)
    snap["links"].append({"id": 7, "source_issue_id": 104, "target_issue_id": 106,
                          "link_type": "relates_to"})
    snap["text_deps"] = [{"source_issue_id": 101, "target_issue_id": 102,
                          "link_type": "is_blocked_by", "line": 1, "phrase": "blocked by"}]
    return snap


class TextDeps(unittest.TestCase):
    """--tier free, --issues-disabled, descriptions, moved_to_id, /issues/:id,
    edit_description, and text_deps in the readable snapshot. From GitLab's
    documentation: on Free only relates_to links exist; a project with its
    issues feature off answers 403 for its issues; GET /issues/:id is for
    administrators; an issue moved elsewhere is closed and names moved_to_id."""

    def setUp(self):
        self.srv = ServerProcess(TEXT_DATA, "--token", TOKEN, "--tier", "free",
                                 "--issues-disabled", "grp/sub/lib", "--private", "grp/secret")

    def tearDown(self):
        self.srv.stop()

    def test_free_tier_links_are_relates_to_only(self):
        _, _, body = get_json(self.srv, "/api/v4/projects/grp%2Fapp/issues/1/links")
        self.assertEqual([x["link_type"] for x in body], [])  # 101's links are all blocks
        _, _, body = get_json(self.srv, "/api/v4/projects/grp%2Fapp/issues/4/links")
        self.assertEqual([(x["id"], x["link_type"]) for x in body], [(106, "relates_to")])
        snap = get_json(self.srv, "/__control/snapshot?readable=1", {})[2]
        self.assertEqual([x["link_type"] for x in snap["links"]], ["relates_to"])

    def test_issues_disabled_is_403_for_its_issues_only(self):
        for path in ("/api/v4/projects/grp%2Fsub%2Flib/issues?iids[]=1",
                     "/api/v4/projects/2/issues/1", "/api/v4/projects/2/issues/1/links"):
            status, _, body = get_json(self.srv, path)
            self.assertEqual(status, 403, path)
            self.assertEqual(body, {"message": "403 Forbidden"})
        status, _, body = get_json(self.srv, "/api/v4/projects/grp%2Fsub%2Flib")
        self.assertEqual((status, body["issues_enabled"]), (200, False))
        snap = get_json(self.srv, "/__control/snapshot?readable=1", {})[2]
        self.assertIn(2, [p["id"] for p in snap["projects"]])
        self.assertNotIn(201, [i["id"] for i in snap["issues"]])

    def test_description_and_moved_to_id_everywhere(self):
        _, _, one = get_json(self.srv, "/api/v4/projects/1/issues/1")
        self.assertEqual(one["description"], "Blocked by #2\nplain text")
        self.assertIsNone(one["moved_to_id"])
        _, _, lst = get_json(self.srv, "/api/v4/projects/1/issues?iids[]=1&iids[]=2")
        self.assertEqual({x["iid"]: x["description"] for x in lst},
                         {1: "Blocked by #2\nplain text", 2: "nothing here"})
        srv2 = ServerProcess(TEXT_DATA, "--token", TOKEN)
        try:
            _, _, links = get_json(srv2, "/api/v4/projects/1/issues/3/links")
            self.assertEqual([(x["id"], x["moved_to_id"]) for x in links], [(203, 401)])
            self.assertIn("description", links[0])
        finally:
            srv2.stop()

    def test_issue_by_id_is_for_administrators(self):
        status, _, body = get_json(self.srv, "/api/v4/issues/401")
        self.assertEqual((status, body["iid"], body["project_id"]), (200, 1, 4))
        self.assertEqual(get_json(self.srv, "/api/v4/issues/301")[0], 404)  # private
        self.assertEqual(get_json(self.srv, "/api/v4/issues/9999")[0], 404)
        srv2 = ServerProcess(TEXT_DATA, "--token", TOKEN, "--no-admin")
        try:
            self.assertEqual(get_json(srv2, "/api/v4/issues/401")[0], 403)
        finally:
            srv2.stop()

    def test_readable_snapshot_has_text_deps(self):
        snap = get_json(self.srv, "/__control/snapshot?readable=1", {})[2]
        self.assertEqual(snap["text_deps"], [
            {"source_issue_id": 101, "target_issue_id": 102, "link_type": "is_blocked_by",
             "line": 1, "phrase": "blocked by"}])

    def test_edit_description_bumps_updated_at(self):
        before = get_json(self.srv, "/api/v4/projects/1/issues/2")[2]["updated_at"]
        op = {"op": "edit_description", "issue": 102, "description": "Blocks #1",
              "text_deps": [{"target_issue_id": 101, "link_type": "blocks", "line": 1,
                             "phrase": "blocks"}]}
        status, _, body = request(self.srv, "/__control/change", method="POST", body=op)
        self.assertEqual(status, 200, body)
        after = get_json(self.srv, "/api/v4/projects/1/issues/2")[2]
        self.assertEqual(after["description"], "Blocks #1")
        self.assertGreater(after["updated_at"], before)
        snap = get_json(self.srv, "/__control/snapshot?readable=1", {})[2]
        self.assertEqual([(t["source_issue_id"], t["target_issue_id"], t["link_type"])
                          for t in snap["text_deps"]],
                         [(101, 102, "is_blocked_by"), (102, 101, "blocks")])


def main():
    with open(TEXT_DATA, "w", encoding="utf-8") as f:
        json.dump(text_fixture(), f)
    with open(DATA, "w", encoding="utf-8") as f:
        json.dump(fixture(), f)
    try:
        prog = unittest.main(exit=False, verbosity=2)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
