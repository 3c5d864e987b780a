#!/usr/bin/env python3
"""A local stand-in for GitLab's REST API v4, serving an issuegraph snapshot.

Only the endpoints issuegraph's crawler reads are served, the way GitLab
documents them: projects, their issues (paginated with Link / X-* headers),
single issues, issue links (link_type read from the queried side), groups and
their projects. Knobs reproduce what a real instance does to a client:
authentication, private projects, moved projects, foreign redirects, rate
limits, deep-offset refusals, latency and seeded faults (5xx, dropped
connections, truncated bodies, invalid JSON, hangs).

It binds 127.0.0.1 only and stops by itself (after --lifetime seconds, when
its parent process goes away, or when stdin closes with --stdin-lifeline),
so a test that crashes cannot leave it running.

Usable as a script (see --help) or as a module: ServerProcess starts it as
a child process for a test and stops it again.

Standard library only; run it with /usr/bin/python3.
"""

import argparse
import datetime
import email.utils
import gzip
import http.server
import json
import math
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FAULT_KINDS = ("500", "502", "503", "drop", "truncate", "badjson", "hang")
DEFAULT_FAULTS = ("500", "502", "503", "drop", "truncate", "badjson")

# Bodies GitLab (or the proxy in front of it) sends with these statuses.
MSG_401 = {"message": "401 Unauthorized"}
MSG_403 = {"message": "403 Forbidden"}
MSG_404_PROJECT = {"message": "404 Project Not Found"}
MSG_404_GROUP = {"message": "404 Group Not Found"}
MSG_404_ISSUE = {"message": "404 Not found"}
MSG_404_ROUTE = {"error": "404 Not Found"}
MSG_429 = {"message": "This endpoint has been requested too many times. Try again later."}
HTML_5XX = ("<!DOCTYPE html>\n<html><head><title>%(code)d %(reason)s</title></head>\n"
            "<body><h1>%(code)d</h1><p>%(reason)s</p><p>GitLab is not responding.</p>"
            "</body></html>\n")


def iso_now(after=None):
    """GitLab's timestamp form for now; strictly later than `after` if given."""
    now = datetime.datetime.now(datetime.timezone.utc)
    if after:
        prev = parse_time(after)
        if prev is not None and now <= prev:
            now = prev + datetime.timedelta(milliseconds=1)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def parse_time(text):
    """ISO 8601 (with Z, an offset, or none = UTC; date alone = midnight) to an aware datetime."""
    if not isinstance(text, str) or not text:
        return None
    t = text.strip()
    if t.endswith("Z") or t.endswith("z"):
        t = t[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(t)
    except ValueError:
        try:
            d = datetime.datetime.strptime(text.strip()[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d


def human_duration(seconds):
    """GitLab's human time form (1w = 5d, 1d = 8h): '1w 2d 3h 30m'; None for 0."""
    if not seconds:
        return None
    parts = []
    for unit, size in (("w", 5 * 8 * 3600), ("d", 8 * 3600), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            parts.append("%d%s" % (n, unit))
    return " ".join(parts)


class DataError(Exception):
    pass


class GitLabData:
    """The instance's contents, normalised from a snapshot. Not thread-safe:
    the server holds its lock around every use."""

    def __init__(self, snap, private=(), tier="premium", issues_disabled=()):
        if not isinstance(snap, dict):
            raise DataError("snapshot is not a JSON object")
        self.source = snap.get("source") or "https://gitlab.example.com"
        self.private = set(private)
        # GitLab Free/CE: the links API knows only relates_to
        self.free = tier == "free"
        self.issues_disabled = {x.lower() for x in issues_disabled}
        self.projects = {}   # id -> {"id", "path", "web_url", "archived"}
        self.by_path = {}    # path -> id
        for p in snap.get("projects", []):
            pid, path = p["id"], p["path_with_namespace"]
            self.projects[pid] = {
                "id": pid, "path": path,
                "web_url": p.get("web_url") or "%s/%s" % (self.source, path),
                "archived": bool(p.get("archived", False)),
                "name": p.get("name") or path.rsplit("/", 1)[-1],
            }
            self.by_path[path.lower()] = pid  # GitLab finds paths case-insensitively
        self.issues = {}     # id -> snapshot issue dict (copied)
        self.by_iid = {}     # (project_id, iid) -> id
        self.by_project = {pid: set() for pid in self.projects}  # project id -> issue ids
        self.times = {}      # issue id -> {"created_at": datetime, "updated_at": datetime}
        self.adj = {}        # issue id -> ids of its links
        self.version = 0     # bumped by every change; keys the listing cache
        self.hostile = {}    # --hostile: raw overrides, see _raw()
        self.pad_arrays = 0  # --pad-arrays: the length of a "__PAD__" value
        for i in snap.get("issues", []):
            self._put_issue(dict(i))
        self.links = {}      # id -> {"id","source","target","type","created_at","updated_at"}
        for link in snap.get("links", []):
            self._put_link(link)
        # The text dependencies a complete crawl must find, as the data
        # states them (written by hand, see tests/fixtures/): the server
        # does not read descriptions itself; it serves them.
        self.text_deps = {}  # source issue id -> [export-form entries]
        for td in snap.get("text_deps", []):
            for key in ("source_issue_id", "target_issue_id"):
                if td.get(key) not in self.issues:
                    raise DataError("text dep names an unknown issue %r" % td.get(key))
            self.text_deps.setdefault(td["source_issue_id"], []).append(dict(td))
        # The work-item hierarchy (snapshot "hierarchy": parent_id, child_id);
        # REST cannot see it, GraphQL's HIERARCHY widget serves it.
        self.parent_of = {}    # child issue id -> parent issue id
        self.children_of = {}  # parent issue id -> child ids, sorted
        for h in snap.get("hierarchy", []):
            self._put_child(h.get("parent_id"), h.get("child_id"))
        # GraphQL answers as to a signed-in user unless told otherwise
        self.authenticated_view = True
        self._number_groups()
        self._number_milestones()

    # -- loading ---------------------------------------------------------

    def _put_issue(self, i):
        for key in ("id", "project_id", "iid"):
            if not isinstance(i.get(key), int):
                raise DataError("issue without integer %s: %r" % (key, i.get("id")))
        if i["project_id"] not in self.projects:
            raise DataError("issue %d names unknown project %d" % (i["id"], i["project_id"]))
        if i["id"] in self.issues:
            raise DataError("issue id %d given twice" % i["id"])
        if (i["project_id"], i["iid"]) in self.by_iid:
            raise DataError("iid %d given twice in project %d" % (i["iid"], i["project_id"]))
        i.setdefault("state", "opened")
        i.setdefault("title", "")
        i.setdefault("labels", [])
        i.setdefault("type", "issue")
        i.setdefault("confidential", False)
        i.setdefault("weight", None)
        i.setdefault("due_date", None)
        i.setdefault("milestone", None)
        i.setdefault("closed_at", None)
        i.setdefault("time_stats", {"time_estimate": 0, "total_time_spent": 0})
        now = iso_now()
        i.setdefault("created_at", now)
        i.setdefault("updated_at", i["created_at"])
        if not i.get("web_url"):
            i["web_url"] = "%s/%s/-/issues/%d" % (self.source, self.projects[i["project_id"]]["path"],
                                                  i["iid"])
        self.issues[i["id"]] = i
        self.by_iid[(i["project_id"], i["iid"])] = i["id"]
        self.by_project[i["project_id"]].add(i["id"])
        self.adj[i["id"]] = set()
        self._parse_times(i)

    def _put_child(self, parent, child):
        if parent not in self.issues or child not in self.issues or parent == child:
            raise DataError("hierarchy pair %r/%r names a missing issue or one issue twice"
                            % (parent, child))
        if child in self.parent_of:
            raise DataError("issue %d given two parents" % child)
        self.parent_of[child] = parent
        self.children_of.setdefault(parent, []).append(child)
        self.children_of[parent].sort()

    def _drop_child(self, child):
        parent = self.parent_of.pop(child, None)
        if parent is not None:
            self.children_of[parent].remove(child)
            if not self.children_of[parent]:
                del self.children_of[parent]
        return parent

    def _parse_times(self, i):
        t = {}
        for key in ("created_at", "updated_at"):
            t[key] = parse_time(i[key])
            if t[key] is None:
                raise DataError("issue %d: bad %s %r" % (i["id"], key, i[key]))
        self.times[i["id"]] = t

    def _put_link(self, link, created_at=None):
        lid, s, t, ltype = (link.get("id"), link.get("source_issue_id"),
                            link.get("target_issue_id"), link.get("link_type"))
        if not isinstance(lid, int):
            raise DataError("link without integer id")
        if s not in self.issues or t not in self.issues:
            raise DataError("link %d names an unknown issue" % lid)
        if ltype == "is_blocked_by":
            s, t, ltype = t, s, "blocks"
        elif ltype == "relates_to":
            s, t = min(s, t), max(s, t)
        elif ltype != "blocks":
            raise DataError("link %d has unknown link_type %r" % (lid, ltype))
        old = self.links.get(lid)
        if old:
            if (old["source"], old["target"], old["type"]) != (s, t, ltype):
                raise DataError("link id %d given for two relations" % lid)
            return old
        if not created_at:
            created_at = link.get("created_at")
        if not created_at:
            # A link cannot be older than its issues; derive a stable time from them.
            created_at = max(self.issues[s]["created_at"], self.issues[t]["created_at"])
        rec = {"id": lid, "source": s, "target": t, "type": ltype,
               "created_at": created_at, "updated_at": link.get("updated_at") or created_at}
        self.links[lid] = rec
        self.adj[s].add(lid)
        self.adj[t].add(lid)
        return rec

    def _number_groups(self):
        """Groups are the namespace prefixes of project paths; ids in path order."""
        names = set()
        for p in self.projects.values():
            parts = p["path"].split("/")[:-1]
            for n in range(1, len(parts) + 1):
                names.add("/".join(parts[:n]))
        self.groups = {}       # full_path -> id
        self.groups_ci = {}    # lower-case full_path -> id
        self.group_paths = {}  # id -> full_path
        for n, full in enumerate(sorted(names), start=1):
            self.groups[full] = n
            self.groups_ci[full.lower()] = n
            self.group_paths[n] = full

    def _number_milestones(self):
        """Milestones without an id in the snapshot get stable ids by title."""
        titles = sorted({i["milestone"]["title"] for i in self.issues.values()
                         if isinstance(i.get("milestone"), dict) and "title" in i["milestone"]})
        self.milestone_ids = {t: (900 + n, n) for n, t in enumerate(titles, start=1)}

    # -- visibility ------------------------------------------------------

    def project_readable(self, pid):
        return pid in self.projects and self.projects[pid]["path"] not in self.private

    def issue_readable(self, iid):
        return iid in self.issues and self.project_readable(self.issues[iid]["project_id"])

    def issues_enabled(self, pid):
        return self.projects[pid]["path"].lower() not in self.issues_disabled

    def find_project(self, ident):
        """Project id for a numeric id or full path, or None."""
        if ident.isdigit():
            pid = int(ident)
            return pid if pid in self.projects else None
        return self.by_path.get(ident.lower())

    def find_group(self, ident):
        if ident.isdigit():
            gid = int(ident)
            return gid if gid in self.group_paths else None
        return self.groups_ci.get(ident.lower())

    # -- GitLab's objects ------------------------------------------------

    def namespace_obj(self, full_path):
        gid = self.groups[full_path]
        parent = full_path.rsplit("/", 1)[0] if "/" in full_path else None
        name = full_path.rsplit("/", 1)[-1]
        return {"id": gid, "name": name, "path": name, "kind": "group", "full_path": full_path,
                "parent_id": self.groups[parent] if parent else None, "avatar_url": None,
                "web_url": "%s/groups/%s" % (self.source, full_path)}

    def group_obj(self, gid):
        full = self.group_paths[gid]
        ns = self.namespace_obj(full)
        return {"id": gid, "web_url": ns["web_url"], "name": ns["name"], "path": ns["path"],
                "description": "", "visibility": "private", "full_name": full.replace("/", " / "),
                "full_path": full, "parent_id": ns["parent_id"], "created_at": None}

    # -- hostile records (--hostile FILE) --------------------------------

    def _raw(self, kind, key, obj):
        """Overwrite obj's fields with the raw values --hostile gives for it
        (the string "__absent__" removes a field): records a real GitLab
        would never send, for testing what fetch refuses."""
        for k, v in self.hostile.get(kind, {}).get(str(key), {}).items():
            if v == "__absent__":
                obj.pop(k, None)
            elif v == "__PAD__":
                # --pad-arrays N: a small body that parses into a big tree
                obj[k] = [[]] * self.pad_arrays
            else:
                obj[k] = v
        return obj

    def project_obj(self, pid):
        return self._raw("projects", pid, self._project_obj(pid))

    def issue_obj(self, iid, context_pid=None):
        return self._raw("issues", iid, self._issue_obj(iid, context_pid))

    def _project_obj(self, pid):
        p = self.projects[pid]
        ns_path = p["path"].rsplit("/", 1)[0] if "/" in p["path"] else None
        return {
            "id": pid, "description": None, "name": p["name"],
            "name_with_namespace": p["path"].replace("/", " / "),
            "path": p["path"].rsplit("/", 1)[-1], "path_with_namespace": p["path"],
            "created_at": None, "default_branch": "main", "web_url": p["web_url"],
            "archived": p["archived"], "visibility": "private",
            "issues_enabled": self.issues_enabled(pid),
            "namespace": self.namespace_obj(ns_path) if ns_path else None,
        }

    def milestone_obj(self, m, project_id):
        if not isinstance(m, dict):
            return None
        title = m.get("title")
        mid, miid = self.milestone_ids.get(title, (None, None))
        out = {"id": m.get("id", mid), "iid": m.get("iid", miid),
               "title": title, "description": m.get("description", ""),
               "state": m.get("state", "active"),
               "created_at": m.get("created_at"), "updated_at": m.get("updated_at"),
               "due_date": m.get("due_date"), "start_date": m.get("start_date"),
               "expired": False, "web_url": None}
        if "group_id" in m:
            out["group_id"] = m["group_id"]
        else:
            out["project_id"] = m.get("project_id", project_id)
        return out

    def user_obj(self, a):
        """A user as GitLab's API shows one (an assignee), from the data's
        {"username": ...} (anything else given is kept, a test's hostile
        value too)."""
        if not isinstance(a, dict):
            return a
        name = a.get("username")
        out = {"id": 100 + sum(map(ord, name)) if isinstance(name, str) else 0,
               "username": name, "name": (name or "").capitalize(), "state": "active",
               "locked": False, "avatar_url": None, "web_url": "%s/%s" % (self.source, name)}
        out.update(a)
        return out

    def _issue_obj(self, iid, context_pid=None):
        """An issue as GitLab's issue API returns it; references.relative is
        relative to the project the request named."""
        i = self.issues[iid]
        path = self.projects[i["project_id"]]["path"]
        ts = i.get("time_stats") or {}
        est = ts.get("time_estimate") or 0
        spent = ts.get("total_time_spent") or 0
        full = "%s#%d" % (path, i["iid"])
        assignees = [self.user_obj(a) for a in (i.get("assignees") or [])]
        author = i.get("author") or {"id": 1, "username": "root", "name": "Administrator",
                                     "state": "active", "locked": False, "avatar_url": None,
                                     "web_url": "%s/root" % self.source}
        return {
            "id": i["id"], "iid": i["iid"], "project_id": i["project_id"],
            "title": i["title"], "description": i.get("description"),
            "state": i["state"], "created_at": i["created_at"], "updated_at": i["updated_at"],
            "closed_at": i.get("closed_at"), "closed_by": None,
            "moved_to_id": i.get("moved_to_id"),
            "labels": list(i.get("labels") or []),
            "milestone": self.milestone_obj(i.get("milestone"), i["project_id"]),
            "assignees": assignees, "assignee": assignees[0] if assignees else None,
            "author": author, "type": str(i.get("type") or "issue").upper(),
            "issue_type": i.get("type") or "issue",
            "user_notes_count": i.get("user_notes_count", 0), "merge_requests_count": 0,
            "upvotes": 0, "downvotes": 0, "due_date": i.get("due_date"),
            "confidential": bool(i.get("confidential")), "discussion_locked": None,
            "web_url": i["web_url"],
            "time_stats": {"time_estimate": est, "total_time_spent": spent,
                           "human_time_estimate": human_duration(est),
                           "human_total_time_spent": human_duration(spent)},
            "task_completion_status": {"count": 0, "completed_count": 0},
            "weight": i.get("weight"), "blocking_issues_count": self._blocking_count(iid),
            "has_tasks": False,
            "references": {"short": "#%d" % i["iid"],
                           "relative": ("#%d" % i["iid"]) if context_pid == i["project_id"]
                           else full,
                           "full": full},
            "severity": "UNKNOWN", "subscribed": False,
        }

    def _blocking_count(self, iid):
        return sum(1 for link in (self.links[k] for k in self.adj[iid])
                   if link["type"] == "blocks" and link["source"] == iid
                   and self.issue_readable(link["target"])
                   and self.issues[link["target"]]["state"] == "opened")

    def link_items(self, iid):
        """GET .../issues/:iid/links: the other issue of every link, with
        link_type from the queried issue's side, by link id; unreadable left out."""
        out = []
        ctx = self.issues[iid]["project_id"]
        for link in (self.links[k] for k in sorted(self.adj[iid])):
            if link["source"] == iid:
                other, ltype = link["target"], link["type"]
            elif link["target"] == iid:
                other = link["source"]
                ltype = "is_blocked_by" if link["type"] == "blocks" else link["type"]
            else:
                continue
            if not self.issue_readable(other) or not self.issues_enabled(
                    self.issues[other]["project_id"]):
                continue
            if self.free and ltype != "relates_to":
                continue
            item = self.issue_obj(other, ctx)
            item["issue_link_id"] = link["id"]
            item["link_type"] = ltype
            item["link_created_at"] = link["created_at"]
            item["link_updated_at"] = link["updated_at"]
            out.append(item)
        # --hostile: raw link items appended as they are
        out.extend(self.hostile.get("links", {}).get(str(iid), []))
        return out

    # -- changes (the control endpoint) ---------------------------------

    def _touch(self, iid):
        i = self.issues[iid]
        i["updated_at"] = iso_now(after=i["updated_at"])
        self.times[iid]["updated_at"] = parse_time(i["updated_at"])

    def change(self, op):
        """Apply one change; returns a JSON-able result. Raises DataError."""
        self.version += 1
        kind = op.get("op")
        if kind == "add_link":
            lid = op.get("id")
            if lid is None:
                lid = max(self.links, default=0) + 1
            if lid in self.links:
                raise DataError("link id %d exists" % lid)
            rec = self._put_link({"id": lid, "source_issue_id": op.get("source"),
                                  "target_issue_id": op.get("target"),
                                  "link_type": op.get("link_type", "relates_to")},
                                 created_at=iso_now())
            self._touch(rec["source"])
            self._touch(rec["target"])
            return {"link": rec}
        if kind == "delete_link":
            rec = self.links.pop(op.get("id"), None)
            if rec is None:
                raise DataError("no link %r" % op.get("id"))
            self.adj[rec["source"]].discard(rec["id"])
            self.adj[rec["target"]].discard(rec["id"])
            self._touch(rec["source"])
            self._touch(rec["target"])
            return {"link": rec}
        if kind == "edit_description":
            iid = op.get("issue")
            if iid not in self.issues or not isinstance(op.get("description"), str):
                raise DataError("edit_description needs an issue and a description string")
            self.issues[iid]["description"] = op["description"]
            self._touch(iid)
            if "text_deps" in op:  # the test's own reading of the new text
                self.text_deps[iid] = [dict(td, source_issue_id=iid) for td in op["text_deps"]]
            return {"issue": iid, "updated_at": self.issues[iid]["updated_at"]}
        if kind in ("close_issue", "reopen_issue"):
            iid = op.get("issue")
            if iid not in self.issues:
                raise DataError("no issue %r" % iid)
            i = self.issues[iid]
            self._touch(iid)
            if kind == "close_issue":
                i["state"], i["closed_at"] = "closed", i["updated_at"]
            else:
                i["state"], i["closed_at"] = "opened", None
            return {"issue": iid, "updated_at": i["updated_at"]}
        if kind == "set_due_date":
            iid = op.get("issue")
            if iid not in self.issues:
                raise DataError("no issue %r" % iid)
            due = op.get("due_date")
            if due is not None and not isinstance(due, str):
                raise DataError("due_date must be a string or null")
            self.issues[iid]["due_date"] = due
            self._touch(iid)
            return {"issue": iid, "updated_at": self.issues[iid]["updated_at"]}
        if kind == "set_labels":
            iid = op.get("issue")
            labels = op.get("labels")
            if iid not in self.issues:
                raise DataError("no issue %r" % iid)
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise DataError("labels must be a list of strings")
            self.issues[iid]["labels"] = list(labels)
            self._touch(iid)
            return {"issue": iid, "updated_at": self.issues[iid]["updated_at"]}
        if kind == "set_assignees":
            iid = op.get("issue")
            names = op.get("assignees")
            if iid not in self.issues:
                raise DataError("no issue %r" % iid)
            if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
                raise DataError("assignees must be a list of usernames")
            self.issues[iid]["assignees"] = [{"username": x} for x in names]
            self._touch(iid)
            return {"issue": iid, "updated_at": self.issues[iid]["updated_at"]}
        if kind == "add_issue":
            issue = op.get("issue")
            if not isinstance(issue, dict):
                raise DataError("add_issue needs an issue object")
            issue = dict(issue)
            now = iso_now()
            issue.setdefault("created_at", now)
            issue["updated_at"] = now
            self._put_issue(issue)
            self._number_milestones()
            return {"issue": issue["id"], "updated_at": issue["updated_at"]}
        if kind == "add_child":
            # GitLab is not known to touch updated_at for a hierarchy change
            self._put_child(op.get("parent"), op.get("child"))
            return {"parent": op["parent"], "child": op["child"]}
        if kind == "remove_child":
            parent = self._drop_child(op.get("child"))
            if parent is None:
                raise DataError("issue %r has no parent" % op.get("child"))
            return {"parent": parent, "child": op["child"]}
        if kind == "delete_issue":
            iid = op.get("issue")
            if iid not in self.issues:
                raise DataError("no issue %r" % iid)
            self._drop_child(iid)
            for c in list(self.children_of.get(iid, [])):
                self._drop_child(c)
            for lid in [k for k, v in self.links.items() if iid in (v["source"], v["target"])]:
                rec = self.links.pop(lid)
                other = rec["target"] if rec["source"] == iid else rec["source"]
                if other != iid:
                    self.adj[other].discard(lid)
                    self._touch(other)
            i = self.issues.pop(iid)
            del self.by_iid[(i["project_id"], i["iid"])]
            self.by_project[i["project_id"]].discard(iid)
            del self.adj[iid], self.times[iid]
            return {"issue": iid}
        raise DataError("unknown op %r" % kind)

    # -- export ------------------------------------------------------------

    def snapshot(self, readable_only):
        """The data in the SPEC's export form (each link once, arrays by id)."""
        pids = sorted(p for p in self.projects if not readable_only or self.project_readable(p))
        projects = [{"id": p, "path_with_namespace": self.projects[p]["path"],
                     "web_url": self.projects[p]["web_url"]} for p in pids]
        keep = set(pids)
        issues = []
        for iid in sorted(self.issues):
            i = self.issues[iid]
            if i["project_id"] not in keep:
                continue
            ts = i.get("time_stats") or {}
            m = i.get("milestone")
            issues.append({
                "id": i["id"], "project_id": i["project_id"], "iid": i["iid"],
                "title": i["title"], "state": i["state"],
                "confidential": bool(i.get("confidential")), "weight": i.get("weight"),
                "time_stats": {"time_estimate": ts.get("time_estimate") or 0,
                               "total_time_spent": ts.get("total_time_spent") or 0},
                "milestone": ({"title": m.get("title"), "due_date": m.get("due_date")}
                              if isinstance(m, dict) else None),
                "due_date": i.get("due_date"), "labels": list(i.get("labels") or []),
                "assignees": [{"username": a.get("username")} for a in i.get("assignees") or []],
                "created_at": i["created_at"], "updated_at": i["updated_at"],
                "closed_at": i.get("closed_at"), "web_url": i["web_url"],
            })
        if readable_only:  # an issues-disabled project answers 403 for its issues
            issues = [i for i in issues if self.issues_enabled(i["project_id"])]
        kept_issues = {i["id"] for i in issues}
        links = [{"id": v["id"], "source_issue_id": v["source"], "target_issue_id": v["target"],
                  "link_type": v["type"]}
                 for k, v in sorted(self.links.items())
                 if v["source"] in kept_issues and v["target"] in kept_issues
                 and not (readable_only and self.free and v["type"] != "relates_to")]
        # export form: one entry per (source, target, type), smallest line
        best = {}
        for src, tds in self.text_deps.items():
            for td in tds:
                if td["source_issue_id"] in kept_issues and td["target_issue_id"] in kept_issues:
                    key = (td["source_issue_id"], td["target_issue_id"], td["link_type"])
                    if key not in best or td["line"] < best[key]["line"]:
                        best[key] = {"source_issue_id": key[0], "target_issue_id": key[1],
                                     "link_type": key[2], "line": td["line"],
                                     "phrase": td["phrase"]}
        text_deps = [best[k] for k in sorted(best)]
        out = {"version": 1, "source": self.source, "projects": projects,
               "issues": issues, "links": links, "text_deps": text_deps}
        # Only data with a hierarchy or other types has these keys (snapshots
        # without them load as before; REST crawls cannot see them).
        if any(i.get("type", "issue") != "issue" for i in self.issues.values()):
            for i in issues:
                i["type"] = self.issues[i["id"]].get("type") or "issue"
        if self.parent_of:
            out["hierarchy"] = [{"parent_id": p, "child_id": c}
                                for c, p in sorted(self.parent_of.items(), key=lambda x: (x[1], x[0]))
                                if p in kept_issues and c in kept_issues]
        return out


class State:
    """Everything the handler threads share, behind one lock."""

    def __init__(self, data, opts):
        self.lock = threading.Lock()
        self.data = data
        self.opts = opts
        self.fault_rate = opts.fault_rate
        self.rate_limit = opts.rate_limit
        self.faults = opts.faults
        self.rng = random.Random(opts.seed)
        self.window = []  # times of accepted API requests in the last second
        self.list_cache = {}  # (project, order_by, sort, data version) -> ordered issue ids
        self.stop = threading.Event()
        self.notes = {}  # "project!mr_iid" -> merge request notes, in creation order
        self.next_note_id = 9000
        self.log = open(opts.log, "a", encoding="utf-8", buffering=1) if opts.log else None
        self.graphql_mode = opts.graphql
        self._graphql = None
        self.reset_stats()

    def graphql_api(self):
        """The GraphQL endpoint (graphql_api.py), or None where this server
        has none: --graphql off, or python3-graphql-core not installed."""
        if self.graphql_mode == "off":
            return None
        with self.lock:
            if self._graphql is None:
                try:
                    import graphql_api
                except ImportError as e:
                    print("server.py: no GraphQL endpoint: %s (apt-get install "
                          "python3-graphql-core)" % e, file=sys.stderr)
                    self.graphql_mode = "off"
                    return None
                self._graphql = graphql_api.GraphQLApi(self.data)
            self._graphql.mode = self.graphql_mode
            return self._graphql

    def reset_stats(self):
        self.stats = {"requests": 0, "by_status": {}, "by_kind": {}}

    def count(self, kind, status):
        self.stats["requests"] += 1
        key = str(status)
        self.stats["by_status"][key] = self.stats["by_status"].get(key, 0) + 1
        if kind:
            self.stats["by_kind"][kind] = self.stats["by_kind"].get(kind, 0) + 1


ROUTES = [
    (re.compile(r"^/api/v4/projects/([^/]+)$"), "project"),
    (re.compile(r"^/api/v4/projects/([^/]+)/issues$"), "issues_list"),
    (re.compile(r"^/api/v4/projects/([^/]+)/issues/(\d+)$"), "issue"),
    (re.compile(r"^/api/v4/projects/([^/]+)/issues/(\d+)/links$"), "links"),
    (re.compile(r"^/api/v4/groups/([^/]+)$"), "group"),
    (re.compile(r"^/api/v4/issues/(\d+)$"), "issue_by_id"),
    (re.compile(r"^/api/v4/groups/([^/]+)/projects$"), "group_projects"),
]


# Merge request notes (the CI template's opt-in report note). Reading takes
# either token; writing only --write-token (GitLab: a token with the `api`
# scope; a read_api token gets 403 insufficient_scope).
# The users behind the tokens (GET /user) and the author of notes planted
# through /__control/notes unless the request names one.
READ_USER = {"id": 101, "username": "issuegraph-reader"}
WRITE_USER = {"id": 202, "username": "issuegraph-bot"}
OTHER_USER = {"id": 303, "username": "someone"}
NOTES_RX = re.compile(r"^/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes(?:/(\d+))?$")


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status, self.body = status, body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two send() calls; with Nagle's algorithm on,
    # every answer after the first on a kept-alive connection would wait for
    # the client's delayed ACK (~40 ms). nginx in front of GitLab does not.
    disable_nagle_algorithm = True

    def version_string(self):
        return "nginx"

    # set on the class by make_server()
    state = None

    def log_message(self, fmt, *args):  # keep stderr quiet; --log has the record
        pass

    # -- plumbing ----------------------------------------------------------

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _auth_name(self):
        for name in ("PRIVATE-TOKEN", "Authorization", "JOB-TOKEN"):
            if self.headers.get(name) is not None:
                return name
        return "-"

    def _log(self, status):
        st = self.state
        if st.log:
            with st.lock:
                st.log.write("%s %s %s %s\n" % (self.command, self.path, status, self._auth_name()))

    def _wants_gzip(self):
        enc = self.headers.get("Accept-Encoding") or ""
        for part in enc.split(","):
            fields = [f.strip() for f in part.split(";")]
            if fields[0].lower() in ("gzip", "*"):
                q = [f for f in fields[1:] if f.startswith("q=")]
                if not q or float(q[0][2:] or 0) > 0:
                    return True
        return False

    def _send(self, status, body, headers=(), ctype="application/json"):
        """Send a whole answer with Content-Length; body is bytes or a JSON-able value."""
        if not isinstance(body, (bytes, bytearray)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
            # --hostile: the marker becomes bytes that are not UTF-8
            body = body.replace(INVALID_UTF8_MARKER, b"\xff\xfe")
        hdrs = list(headers)
        if body and self._wants_gzip():
            body = gzip.compress(body, mtime=0)
            hdrs.append(("Content-Encoding", "gzip"))
        self.send_response(status)
        self.send_header("Content-Type", ctype if not ctype.startswith("application/json")
                         else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Cache-Control", "max-age=0, private, must-revalidate")
        for k, v in hdrs:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._log(status)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        body = self._read_body()
        raw_path, _, query = self.path.partition("?")
        try:
            if raw_path.startswith("/__control/"):
                self._control(raw_path, query, body)
            elif NOTES_RX.match(raw_path):
                self._mr_notes(raw_path, query, body)
            elif raw_path == "/api/v4/user" and self.command == "GET":
                self._user()
            elif raw_path.startswith("/api/v4/"):
                self._api(raw_path, query)
            elif raw_path == "/api/graphql":
                self._graphql(body)
            else:
                self._send(404, MSG_404_ROUTE)
        except (ConnectionError, socket.timeout):
            self.close_connection = True

    # -- control -------------------------------------------------------------

    def _control(self, path, query, body):
        st = self.state
        if path == "/__control/notes" and self.command == "GET":
            with st.lock:
                out = json.loads(json.dumps(st.notes))
            return self._send(200, out)
        if path == "/__control/notes" and self.command == "POST":
            try:
                req = json.loads(body or b"{}")
                key, text = "%s!%d" % (req["project"].lower(), int(req["mr"])), str(req["body"])
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                return self._send(400, {"error": "want project, mr, body: %s" % e})
            with st.lock:
                st.next_note_id += 1
                author = req.get("author") or OTHER_USER
                note = {"id": st.next_note_id, "body": text, "system": False,
                        "noteable_type": "MergeRequest", "author": author}
                st.notes.setdefault(key, []).append(note)
            return self._send(201, note)
        if path == "/__control/graphql" and self.command == "POST":
            try:
                req = json.loads(body or b"{}")
                if not isinstance(req, dict):
                    raise ValueError("body must be a JSON object")
                if req.get("mode", st.graphql_mode) not in ("full", "old", "off"):
                    raise ValueError("mode is full, old or off")
                if req.get("tier", "free" if st.data.free else "premium") not in ("free", "premium"):
                    raise ValueError("tier is free or premium")
                errors = req.get("errors", [])
                if not isinstance(errors, list) or not all(isinstance(x, str) for x in errors):
                    raise ValueError("errors is a list of messages")
            except ValueError as e:
                return self._send(400, {"error": str(e)})
            with st.lock:
                st.graphql_mode = req.get("mode", st.graphql_mode)
                if "tier" in req:
                    st.data.free = req["tier"] == "free"
                    st.data.version += 1
            api = st.graphql_api()
            with st.lock:
                if api is not None:
                    api.forced.extend(errors)
                    if "group_work_items" in req:
                        api.group_items = bool(req["group_work_items"])
                out = {"mode": st.graphql_mode, "tier": "free" if st.data.free else "premium",
                       "queued_errors": len(api.forced) if api else 0}
            return self._send(200, out)
        if path == "/__control/stats" and self.command == "GET":
            with st.lock:
                out = json.loads(json.dumps(st.stats))
            return self._send(200, out)
        if path == "/__control/reset-stats" and self.command == "POST":
            with st.lock:
                st.reset_stats()
            return self._send(200, {"ok": True})
        if path == "/__control/snapshot" and self.command == "GET":
            q = urllib.parse.parse_qs(query)
            readable = q.get("readable", ["0"])[0] not in ("0", "false", "")
            with st.lock:
                out = st.data.snapshot(readable)
            return self._send(200, out)
        if path in ("/__control/change", "/__control/faults") and self.command == "POST":
            try:
                req = json.loads(body or b"{}")
                if not isinstance(req, dict):
                    raise DataError("body must be a JSON object")
                with st.lock:
                    if path == "/__control/change":
                        out = st.data.change(req)
                    else:
                        if "fault_rate" in req:
                            st.fault_rate = float(req["fault_rate"])
                        if "rate_limit" in req:
                            st.rate_limit = int(req["rate_limit"] or 0)
                            st.window = []
                        if "faults" in req:
                            st.faults = parse_faults(req["faults"])
                        if "latency_ms" in req:
                            st.opts.latency_ms = int(req["latency_ms"])
                        out = {"fault_rate": st.fault_rate, "rate_limit": st.rate_limit,
                               "faults": list(st.faults)}
            except (ValueError, DataError, TypeError, KeyError) as e:
                return self._send(400, {"error": str(e)})
            return self._send(200, out)
        return self._send(404, MSG_404_ROUTE)

    # -- GitLab API ----------------------------------------------------------

    def _api(self, path, query):
        st = self.state
        kind = None
        match = None
        for rx, k in ROUTES:
            m = rx.match(path)
            if m:
                kind, match = k, m
                break
        if self._gate(kind):
            return

        if st.opts.redirect_to and path.startswith("/api/v4/projects/"):
            with st.lock:
                st.count(kind, 302)
            return self._send(302, {"message": "302 Found"},
                              [("Location", st.opts.redirect_to.rstrip("/") + self.path)])

        if not self._authorized():
            with st.lock:
                st.count(kind, 401)
            return self._send(401, MSG_401)
        return self._api_authorized(kind, match, path, query)

    def _gate(self, kind):
        """Latency, rate limit and seeded faults, as for every API request;
        True when the request has been answered here."""
        st = self.state
        if st.opts.latency_ms > 0:
            time.sleep(st.opts.latency_ms / 1000.0)

        with st.lock:
            limited = self._rate_check()
            fault = None
            if not limited and st.fault_rate > 0 and st.faults:
                if st.rng.random() < st.fault_rate:
                    fault = st.rng.choice(st.faults)
                    fault_html = st.rng.random() < 0.5
        if limited:
            status, headers = limited
            with st.lock:
                st.count(kind, 429)
            if st.opts.rate_limit_plain:
                self._send(429, b"Retry later\n", headers, ctype="text/plain")
            else:
                self._send(429, MSG_429, headers)
            return True
        if fault:
            self._fault(kind, fault, fault_html)
            return True
        return False

    def _graphql(self, body):
        """POST /api/graphql: GitLab's GraphQL API over the same data
        (graphql_api.py); the same gate, token and redirect rules as REST."""
        st = self.state
        kind = "graphql"
        api = st.graphql_api()
        if api is None:  # --graphql off, or no graphql-core: no GraphQL here
            with st.lock:
                st.count(kind, 404)
            return self._send(404, MSG_404_ROUTE)
        if self._gate(kind):
            return
        if st.opts.redirect_to:
            with st.lock:
                st.count(kind, 302)
            return self._send(302, {"message": "302 Found"},
                              [("Location", st.opts.redirect_to.rstrip("/") + self.path)])
        if self.command != "POST":
            with st.lock:
                st.count(kind, 405)
            return self._send(405, {"message": "405 Method Not Allowed"})
        carries = (self.headers.get("PRIVATE-TOKEN") is not None
                   or self.headers.get("Authorization") is not None)
        if carries and not self._authorized():
            with st.lock:
                st.count(kind, 401)
            return self._send(401, {"errors": [{"message": "Invalid token"}]})
        with st.lock:
            status, out = api.execute(body, carries, st.stats)
            st.count(kind, status)
        return self._send(status, out, self._ratelimit_headers())

    def _api_authorized(self, kind, match, path, query):
        st = self.state
        if st.opts.huge_body_mb and kind in st.opts.huge_kinds and self.command == "GET":
            q = urllib.parse.parse_qs(query)
            try:
                per_page = int((q.get("per_page") or ["20"])[0])
            except ValueError:
                per_page = 20
            if per_page > st.opts.huge_above:
                with st.lock:
                    st.count(kind, "huge")
                return self._send_huge(st.opts.huge_body_mb)

        if self.command != "GET":
            with st.lock:
                st.count(kind, 405)
            return self._send(405, {"message": "405 Method Not Allowed"})

        if kind is None:
            with st.lock:
                st.count(kind, 404)
            return self._send(404, MSG_404_ROUTE)

        ident = urllib.parse.unquote(match.group(1))
        if kind.startswith("project") or kind in ("issues_list", "issue", "links"):
            for old, new in st.opts.moved:
                if ident.lower() == old.lower():
                    seg = urllib.parse.quote(new, safe="")
                    rest = path[len("/api/v4/projects/") + len(match.group(1)):]
                    loc = "http://%s/api/v4/projects/%s%s%s" % (
                        self._host(), seg, rest, ("?" + query) if query else "")
                    with st.lock:
                        st.count(kind, 301)
                    return self._send(301, {"message": "301 Moved Permanently"},
                                      [("Location", loc)])

        try:
            with st.lock:
                status, body, headers = self._route(kind, match, ident, path, query)
                st.count(kind, status)
        except HttpError as e:
            with st.lock:
                st.count(kind, e.status)
            return self._send(e.status, e.body)
        return self._send(status, body, headers + self._ratelimit_headers())

    def _send_huge(self, mb):
        """--huge-body-mb: a 200 whose body is mb MiB of [[],[],...], streamed
        (chunked) as it is generated, never held in memory."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"[]," * 21845  # 64 KiB
        total = mb << 20
        sent = 0

        def write(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        try:
            write(b"[")
            while sent < total:
                write(chunk)
                sent += len(chunk)
            write(b"[]]")
            self.wfile.write(b"0\r\n\r\n")
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        self._log(200)

    def _host(self):
        return self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]

    def _token_kind(self):
        """'read', 'write' or None: which configured token the request carries."""
        value = self.headers.get("PRIVATE-TOKEN")
        if value is None:
            scheme, _, rest = (self.headers.get("Authorization") or "").partition(" ")
            value = rest.strip() if scheme.lower() == "bearer" else None
        if value is not None and self.state.opts.write_token and value == self.state.opts.write_token:
            return "write"
        if value is not None and value == self.state.opts.token:
            return "read"
        return None

    def _user(self):
        """GET /user: the token's own user (the note writer asks who it is)."""
        kind = self._token_kind()
        if kind is None:
            return self._send(401, MSG_401)
        return self._send(200, dict(WRITE_USER if kind == "write" else READ_USER))

    def _mr_notes(self, path, query, body):
        with self.state.lock:
            out = self._mr_notes_locked(path, query, body)
        self._send(*out)

    def _mr_notes_locked(self, path, query, body):
        """Under the lock: (status, body[, headers]) of a notes request."""
        st = self.state
        m = NOTES_RX.match(path)
        key = "%s!%s" % (urllib.parse.unquote(m.group(1)).lower(), m.group(2))
        note_id = int(m.group(3)) if m.group(3) else None
        kind = self._token_kind()
        ns = st.stats.setdefault("notes", {"reads": 0, "writes": 0, "refused_writes": 0,
                                           "by_token": {}})
        ns["by_token"][kind or "none"] = ns["by_token"].get(kind or "none", 0) + 1
        if kind is None:
            return (401, MSG_401)
        notes = st.notes.setdefault(key, [])
        if self.command == "GET" and note_id is None:
            ns["reads"] += 1
            q = urllib.parse.parse_qs(query)
            per_page = max(1, min(100, int(q.get("per_page", ["20"])[0])))
            page = max(1, int(q.get("page", ["1"])[0]))
            rows = notes[(page - 1) * per_page: page * per_page]
            more = page * per_page < len(notes)
            return (200, rows, [("X-Next-Page", str(page + 1) if more else ""),
                                          ("X-Page", str(page)),
                                          ("X-Per-Page", str(per_page))])
        if self.command not in ("POST", "PUT") or (self.command == "PUT") != (note_id is not None):
            return (405, {"message": "405 Method Not Allowed"})
        if kind != "write":
            ns["refused_writes"] += 1
            return (403, {"error": "insufficient_scope",
                                    "error_description": "The request requires higher "
                                    "privileges than provided by the access token.",
                                    "scope": "api"})
        try:
            req = json.loads(body or b"{}")
            text = req["body"]
            if not isinstance(text, str) or not text:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return (400, {"message": "400 (Bad request) \"body\" not given"})
        if len(text) > 1000000:
            return (400, {"message": {"note": ["is too long (maximum is 1000000 characters)"]}})
        ns["writes"] += 1
        if note_id is None:
            st.next_note_id += 1
            note = {"id": st.next_note_id, "body": text, "system": False,
                    "noteable_type": "MergeRequest", "author": dict(WRITE_USER)}
            notes.append(note)
            return (201, note)
        for note in notes:
            if note["id"] == note_id:
                # GitLab: only a note's author may edit it
                if note.get("author", {}).get("id") != WRITE_USER["id"]:
                    ns["refused_writes"] += 1
                    return (403, {"message": "403 Forbidden"})
                note["body"] = text
                return (200, note)
        return (404, {"message": "404 Not found"})

    def _authorized(self):
        token = self.state.opts.token
        if self.headers.get("PRIVATE-TOKEN") is not None:
            return self.headers.get("PRIVATE-TOKEN") == token
        auth = self.headers.get("Authorization")
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            return scheme.lower() == "bearer" and value.strip() == token
        return False

    def _rate_check(self):
        """Under the lock: None if the request may pass (and record it), else (429, headers)."""
        st = self.state
        if not st.rate_limit or st.rate_limit <= 0:
            return None
        now = time.time()
        st.window = [t for t in st.window if t > now - 1.0]
        if len(st.window) < st.rate_limit:
            st.window.append(now)
            return None
        reset_at = st.window[0] + 1.0
        retry = max(1, int(math.ceil(reset_at - now)))
        reset_unix = int(math.ceil(reset_at))
        headers = [
            ("Retry-After", str(retry)),
            ("RateLimit-Name", "throttle_authenticated_api"),
            ("RateLimit-Limit", str(st.rate_limit)),
            ("RateLimit-Observed", str(len(st.window) + 1)),
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Reset", str(reset_unix)),
            ("RateLimit-ResetTime", email.utils.formatdate(reset_unix, usegmt=True)),
        ]
        return 429, headers

    def _ratelimit_headers(self):
        st = self.state
        with st.lock:
            if not st.rate_limit or st.rate_limit <= 0:
                return []
            used = len(st.window)
            limit = st.rate_limit
        return [("RateLimit-Limit", str(limit)), ("RateLimit-Observed", str(used)),
                ("RateLimit-Remaining", str(max(0, limit - used)))]

    def _fault(self, kind, fault, html):
        st = self.state
        with st.lock:
            st.count(kind, fault if fault in ("drop", "truncate", "hang", "badjson") else int(fault))
        if fault in ("500", "502", "503"):
            code = int(fault)
            reason = self.responses.get(code, ("Error",))[0]
            if html:
                body = (HTML_5XX % {"code": code, "reason": reason}).encode()
                return self._send(code, body, ctype="text/html; charset=utf-8")
            return self._send(code, {"message": "%d %s" % (code, reason)})
        if fault == "drop":
            self._log("drop")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if fault == "truncate":
            body = json.dumps([{"id": 1, "iid": 1, "title": "truncated " * 20}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) * 2))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._log("truncate")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if fault == "badjson":
            return self._send(200, b'[{"id": 1, "iid": 1, "title": "cut off', [("X-Page", "1")])
        if fault == "hang":
            self._log("hang")
            st.stop.wait(max(1.0, st.opts.lifetime))
            self.close_connection = True
            return None
        return None

    # -- the endpoints, under the lock -------------------------------------

    def _project_or_404(self, ident):
        d = self.state.data
        pid = d.find_project(ident)
        if pid is None or not d.project_readable(pid):
            raise HttpError(404, MSG_404_PROJECT)
        return pid

    def _issues_or_403(self, ident):
        """A project whose issues feature is disabled answers 403 for its issues."""
        pid = self._project_or_404(ident)
        if not self.state.data.issues_enabled(pid):
            raise HttpError(403, MSG_403)
        return pid

    def _route(self, kind, match, ident, path, query):
        d = self.state.data
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        if kind == "project":
            return 200, d.project_obj(self._project_or_404(ident)), []
        if kind == "issue_by_id":
            # GitLab answers this to administrators only
            if self.state.opts.no_admin:
                raise HttpError(403, MSG_403)
            iid = int(ident)
            if not d.issue_readable(iid) or not d.issues_enabled(d.issues[iid]["project_id"]):
                raise HttpError(404, MSG_404_ISSUE)
            return 200, d.issue_obj(iid), []
        if kind == "issues_list":
            pid = self._issues_or_403(ident)
            return self._issues_list(pid, q, path, query)
        if kind in ("issue", "links"):
            pid = self._issues_or_403(ident)
            iid = d.by_iid.get((pid, int(match.group(2))))
            if iid is None:
                raise HttpError(404, MSG_404_ISSUE)
            if kind == "issue":
                return 200, d.issue_obj(iid, pid), []
            return 200, d.link_items(iid), []
        if kind in ("group", "group_projects"):
            gid = d.find_group(ident)
            if gid is None:
                raise HttpError(404, MSG_404_GROUP)
            if kind == "group":
                return 200, d.group_obj(gid), []
            return self._group_projects(gid, q, path, query)
        raise HttpError(404, MSG_404_ROUTE)

    def _int_param(self, q, name, default):
        if name not in q or q[name][0] == "":
            return default
        try:
            return int(q[name][0])
        except ValueError:
            raise HttpError(400, {"error": "%s is invalid" % name})

    def _paginate(self, rows, q, path, query):
        """One page of rows, with GitLab's Link and X-* headers."""
        opts = self.state.opts
        per_page = self._int_param(q, "per_page", 20)
        page = self._int_param(q, "page", 1)
        if per_page < 1:
            per_page = 20
        per_page = min(per_page, 100)
        if page < 1:
            page = 1
        if page * per_page > opts.max_offset:
            raise HttpError(400, {"message": "Offset pagination has a maximum allowed offset of "
                                  "%d for requests that return objects of this type. Remaining "
                                  "records can be retrieved using keyset pagination."
                                  % opts.max_offset})
        total = len(rows)
        pages = max(1, (total + per_page - 1) // per_page)
        start = (page - 1) * per_page
        items = rows[start:start + per_page]
        has_next = start + per_page < total
        has_prev = page > 1
        show_total = opts.no_total_above is None or total <= opts.no_total_above

        pairs = [(k, v) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True)
                 if k not in ("page", "per_page")]

        def url(n):
            qs = urllib.parse.urlencode(pairs + [("page", n), ("per_page", per_page)])
            return "<http://%s%s?%s>" % (self._host(), path, qs)

        links = []
        if has_prev:
            links.append('%s; rel="prev"' % url(page - 1))
        if has_next:
            links.append('%s; rel="next"' % url(page + 1))
        links.append('%s; rel="first"' % url(1))
        if show_total:
            links.append('%s; rel="last"' % url(pages))
        headers = [("Link", ", ".join(links)),
                   ("X-Page", str(page)), ("X-Per-Page", str(per_page)),
                   ("X-Next-Page", str(page + 1) if has_next else ""),
                   ("X-Prev-Page", str(page - 1) if has_prev else "")]
        if show_total:
            headers += [("X-Total", str(total)), ("X-Total-Pages", str(pages))]
        if opts.hostile_link or opts.hostile_link_origin or opts.hostile_x_page is not None:
            items, headers = self._hostile_paging(rows, items, headers, page, per_page, path,
                                                  pairs, has_next)
        return items, headers

    def _hostile_paging(self, rows, items, headers, page, per_page, path, pairs, has_next):
        """--hostile-link / --hostile-link-origin / --hostile-x-page: a server
        (or the proxy in front of it) that lies in its paging headers."""
        opts = self.state.opts
        origin = (opts.hostile_link_origin or "http://%s" % self._host()).rstrip("/")
        mode = opts.hostile_link
        nxt = page + 1
        if mode == "endless":
            # a next link on every page; pages past the end repeat the last rows
            has_next = True
            if not items and rows:
                items = rows[-per_page:]
        elif mode == "loop":
            nxt = 1 if page > 1 else 2
        out = []
        for k, v in headers:
            if k == "Link":
                qs = urllib.parse.urlencode(pairs + [("page", nxt), ("per_page", per_page)])
                p = path
                if mode == "dotdot":
                    p = path + "/../../../../admin/users"
                elif mode == "outside":
                    p = "/admin/issues"
                elif mode == "longurl":
                    qs += "&pad=" + "x" * 20000
                v = '<%s%s?%s>; rel="next"' % (origin, p, qs) if has_next else ""
            elif k == "X-Page" and opts.hostile_x_page is not None:
                v = opts.hostile_x_page
            out.append((k, v))
        return items, out

    def _issues_list(self, pid, q, path, query):
        d = self.state.data
        state = (q.get("state") or ["all"])[0] or "all"
        if state not in ("opened", "closed", "all"):
            raise HttpError(400, {"error": "state does not have a valid value"})
        order_by = (q.get("order_by") or ["created_at"])[0] or "created_at"
        if order_by not in ("created_at", "updated_at"):
            raise HttpError(400, {"error": "order_by does not have a valid value"})
        sort = (q.get("sort") or ["desc"])[0] or "desc"
        if sort not in ("asc", "desc"):
            raise HttpError(400, {"error": "sort does not have a valid value"})
        after = before = None
        if "updated_after" in q:
            after = parse_time(q["updated_after"][0])
            if after is None:
                raise HttpError(400, {"error": "updated_after is invalid"})
        if "updated_before" in q:
            before = parse_time(q["updated_before"][0])
            if before is None:
                raise HttpError(400, {"error": "updated_before is invalid"})
        iids = None
        if "iids[]" in q or "iids" in q:
            try:
                iids = {int(v) for v in q.get("iids[]", []) + q.get("iids", []) if v != ""}
            except ValueError:
                raise HttpError(400, {"error": "iids is invalid"})

        # The project's issues in this order are cached until the next change,
        # so paging through a large project does not sort it once per page.
        st = self.state
        key = (pid, order_by, sort, d.version)
        ordered = st.list_cache.get(key)
        if ordered is None:
            ordered = sorted(d.by_project[pid],
                             key=lambda k: (d.times[k][order_by], k), reverse=(sort == "desc"))
            if len(st.list_cache) > 64:
                st.list_cache.clear()
            st.list_cache[key] = ordered
        rows = []
        for k in ordered:
            i = d.issues[k]
            if state != "all" and i["state"] != state:
                continue
            if iids is not None and i["iid"] not in iids:
                continue
            up = d.times[k]["updated_at"]
            if after is not None and up < after:    # "updated on or after"
                continue
            if before is not None and up > before:  # "updated on or before"
                continue
            rows.append(k)
        page, headers = self._paginate(rows, q, path, query)
        objs = [d.issue_obj(k, pid) for k in page]
        if self.state.opts.hostile_updated_at is not None:
            objs = [dict(o, updated_at=self.state.opts.hostile_updated_at) for o in objs]
        return 200, objs, headers

    def _group_projects(self, gid, q, path, query):
        d = self.state.data
        full = d.group_paths[gid]
        sub = (q.get("include_subgroups") or ["false"])[0].lower() == "true"
        archived = (q.get("archived") or [None])[0]
        rows = []
        for pid in sorted(d.projects):
            p = d.projects[pid]
            if not d.project_readable(pid):
                continue
            ns = p["path"].rsplit("/", 1)[0] if "/" in p["path"] else ""
            if not (ns == full or (sub and ns.startswith(full + "/"))):
                continue
            if archived is not None and archived.lower() in ("true", "false"):
                if p["archived"] != (archived.lower() == "true"):
                    continue
            rows.append(pid)
        page, headers = self._paginate(rows, q, path, query)
        return 200, [d.project_obj(pid) for pid in page], headers


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client killed mid-answer (the resume tests kill -9 fetch) is
        # expected, not a server fault worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError, TimeoutError)):
            return
        super().handle_error(request, client_address)


# A string value that --hostile gives becomes these invalid UTF-8 bytes on the wire.
INVALID_UTF8_MARKER = b"__INVALID_UTF8__"


def parse_faults(value):
    kinds = value.split(",") if isinstance(value, str) else list(value)
    kinds = [k.strip() for k in kinds if k.strip()]
    for k in kinds:
        if k not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r (known: %s)" % (k, ",".join(FAULT_KINDS)))
    return tuple(kinds)


def add_hostile_args(ap):
    """A hostile server (or proxy): see the README, "Hostile mode"."""
    ap.add_argument("--hostile-link", choices=("loop", "endless", "dotdot", "outside", "longurl"),
                    help="lie in Link rel=next: back to a page already read, a next link on "
                    "every page, a path with /../, a path outside /api/v4/, a 20 kB URL")
    ap.add_argument("--hostile-link-origin", metavar="URL",
                    help="Link rel=next names this scheme://host:port instead of ours")
    ap.add_argument("--hostile-x-page", metavar="VALUE", help="X-Page on every listing page")
    ap.add_argument("--hostile-updated-at", metavar="VALUE",
                    help="every listed issue's updated_at")
    ap.add_argument("--huge-body-mb", type=int, default=0, metavar="N",
                    help="listings asked with per_page above --huge-above answer N MiB of "
                    "[[],[],...], streamed")
    ap.add_argument("--huge-above", type=int, default=0, metavar="K")
    ap.add_argument("--huge-kinds", default="issues_list", metavar="KINDS",
                    help="route kinds the huge body applies to (comma-separated; "
                    "default issues_list; links for link lists)")


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Local GitLab REST API v4 test server.")
    ap.add_argument("--data", required=True, help="snapshot JSON (issuegraph's import format)")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--port-file", help="write the port number here once listening")
    ap.add_argument("--token", default="test-token")
    ap.add_argument("--write-token", default=None, metavar="T",
                    help="the only token that may write merge request notes (api scope)")
    ap.add_argument("--private", action="append", default=[], metavar="PATH")
    ap.add_argument("--tier", choices=("free", "premium"), default="premium",
                    help="free: the links API returns relates_to links only (GitLab Free/CE)")
    ap.add_argument("--issues-disabled", action="append", default=[], metavar="PATH",
                    help="the project's issues feature is off: 403 for its issues")
    ap.add_argument("--no-admin", action="store_true",
                    help="the token is no administrator: GET /issues/:id answers 403")
    ap.add_argument("--graphql", choices=("full", "old", "off"), default="full",
                    help="POST /api/graphql: full (work items and their widgets), old (an "
                    "instance from before work items: their fields are unknown) or off (404)")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--rate-limit", type=int, default=0, metavar="N",
                    help="requests per second (sliding 1 s window)")
    ap.add_argument("--rate-limit-plain", action="store_true")
    ap.add_argument("--fault-rate", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults", default=",".join(DEFAULT_FAULTS))
    ap.add_argument("--no-total-above", type=int, default=None, metavar="N")
    ap.add_argument("--max-offset", type=int, default=50000)
    ap.add_argument("--moved", action="append", default=[], metavar="OLD=NEW")
    ap.add_argument("--redirect-to", metavar="URL")
    ap.add_argument("--lifetime", type=float, default=900.0)
    ap.add_argument("--stdin-lifeline", action="store_true")
    ap.add_argument("--log")
    ap.add_argument("--hostile", metavar="FILE",
                    help='raw records GitLab would never send: {"issues": {ID: {field: value}}, '
                         '"projects": {ID: {...}}, "links": {ISSUE_ID: [raw link items]}}; '
                         'a value "__absent__" removes the field; the text __INVALID_UTF8__ '
                         'in a value is sent as bytes that are not UTF-8')
    ap.add_argument("--pad-arrays", type=int, default=0, metavar="N",
                    help='a --hostile value "__PAD__" becomes N empty arrays (a small '
                         'body whose parsed tree is big)')
    add_hostile_args(ap)
    opts = ap.parse_args(argv)
    opts.huge_kinds = tuple(k for k in opts.huge_kinds.split(",") if k)
    try:
        opts.faults = parse_faults(opts.faults)
    except ValueError as e:
        ap.error(str(e))
    moved = []
    for m in opts.moved:
        old, sep, new = m.partition("=")
        if not sep or not old or not new:
            ap.error("--moved wants OLD=NEW, got %r" % m)
        moved.append((old, new))
    opts.moved = moved
    return opts


def make_server(opts):
    """Load the data and bind; returns (server, state). Raises DataError/OSError."""
    with open(opts.data, encoding="utf-8") as f:
        snap = json.load(f)
    data = GitLabData(snap, opts.private, opts.tier, opts.issues_disabled)
    if opts.hostile:
        with open(opts.hostile, encoding="utf-8") as f:
            data.hostile = json.load(f)
    data.pad_arrays = opts.pad_arrays
    state = State(data, opts)
    handler = type("BoundHandler", (Handler,), {"state": state})
    srv = Server(("127.0.0.1", opts.port), handler)
    return srv, state


def _watch(srv, state, opts, parent):
    """Stop the server after --lifetime, or when the parent process (as it
    was at start: read before the port file tells anyone we listen) is gone."""
    deadline = time.monotonic() + opts.lifetime
    while not state.stop.is_set():
        if time.monotonic() >= deadline or os.getppid() != parent:
            break
        state.stop.wait(0.25)
    state.stop.set()
    srv.shutdown()


def _lifeline(state):
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    state.stop.set()


def main(argv=None):
    parent = os.getppid()
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        srv, state = make_server(opts)
    except (OSError, ValueError, KeyError, DataError) as e:
        print("server.py: %s" % e, file=sys.stderr)
        return 2
    port = srv.server_address[1]
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, opts.port_file)
    print("listening on http://127.0.0.1:%d" % port, flush=True)
    threading.Thread(target=_watch, args=(srv, state, opts, parent), daemon=True).start()
    if opts.stdin_lifeline:
        threading.Thread(target=_lifeline, args=(state,), daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    state.stop.set()
    srv.server_close()
    sys.stdout.flush()
    os._exit(0)  # handler threads may be hanging on purpose


class ServerProcess:
    """Run server.py as a child process for a test:

        with ServerProcess("snap.json", "--private", "g/secret") as srv:
            urllib.request.urlopen(srv.url + "/api/v4/projects/1")

    .port, .url ("http://127.0.0.1:PORT") and .api ("...:PORT/api/v4") are set
    once it listens; stop() ends it (the context manager does)."""

    def __init__(self, data, *args, python="/usr/bin/python3", timeout=20.0):
        self.dir = tempfile.mkdtemp(prefix="ig-gitlab-")
        port_file = os.path.join(self.dir, "port")
        cmd = [python, os.path.abspath(__file__), "--data", data, "--port", "0",
               "--port-file", port_file] + list(args)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("server.py exited with %d" % self.proc.returncode)
            if time.monotonic() > end:
                self.stop()
                raise RuntimeError("server.py did not start")
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d" % self.port
        self.api = self.url + "/api/v4"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
