"""GitLab's GraphQL API (POST /api/graphql) over the REST test server's data.

A real GraphQL executor (Debian's python3-graphql-core) runs queries against
the schema subset in gitlab_subset.graphql; this module adds what GitLab adds
around it: its complexity rule and limits (read back through
`queryComplexity { score limit }`), its error shapes (errors in a 200 answer;
graphql-ruby's wording for an unknown field), keyset cursors, the Free tier
(only RELATED links, no EE types) and an old-version mode whose schema lacks
the work-item fields.

The server holds its lock around every call into this module.
"""

import base64
import datetime
import functools
import json
import logging
import os
import re

import graphql
from graphql.language import ast as gast

from server import parse_time  # the one time parser of the REST server

# graphql-core logs every resolver error with its traceback; the answer
# carries the error, as GitLab's does.
logging.getLogger("graphql").setLevel(logging.CRITICAL)

SDL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gitlab_subset.graphql")

# GitLab: max complexity 250 for a signed-in user, 200 without one; pages of
# at most 100 (a bigger `first` is capped, as graphql-ruby's max_page_size).
MAX_COMPLEXITY_USER = 250
MAX_COMPLEXITY_ANON = 200
MAX_PAGE_SIZE = 100
# Types::WorkItems::Widgets::LinkedItemsType: `field :linked_items, ..., complexity: 5`
LINKED_ITEMS_COMPLEXITY = 5

VERSIONS = {"full": "17.11.0", "old": "15.11.0"}

# GitLab's work item type names and their global ids (WorkItems::Type).
TYPE_NAMES = {"issue": ("Issue", 1), "incident": ("Incident", 2), "test_case": ("Test Case", 3),
              "requirement": ("Requirement", 4), "task": ("Task", 5), "objective": ("Objective", 6),
              "key_result": ("Key Result", 7), "epic": ("Epic", 8), "ticket": ("Ticket", 9)}

UNKNOWN_FIELD_RX = re.compile(r'^Cannot query field "([^"]+)" on type "([^"]+)"')


# -- the schema ---------------------------------------------------------------

def _marked(sdl, marker):
    """(types, fields) whose SDL line carries marker: type names, and
    (type name, field name) pairs."""
    types, fields, current = set(), set(), None
    for line in sdl.splitlines():
        m = re.match(r"\s*(?:type|interface|enum|input|scalar)\s+(\w+)", line)
        if m:
            current = m.group(1)
            if marker in line:
                types.add(current)
            continue
        m = re.match(r"\s*(\w+)\s*[(:]", line)
        if m and current and marker in line:
            fields.add((current, m.group(1)))
    return types, fields


def _old_version_type(name):
    return name.startswith("WorkItem") or name.startswith("LinkedWorkItem")


def _identity_scalar(t):
    t.serialize = lambda v: v
    t.parse_value = lambda v: v
    t.parse_literal = lambda node: getattr(node, "value", None)


def build_schema(mode, free):
    """The schema for a mode ('full' or 'old') and tier."""
    with open(SDL_PATH, encoding="utf-8") as f:
        sdl = f.read()
    drop_types, drop_fields = set(), set()
    if free:
        t, f_ = _marked(sdl, "@paid")
        drop_types |= t
        drop_fields |= f_
    if mode == "old":
        t, f_ = _marked(sdl, "@work-items")
        drop_types |= t
        drop_fields |= f_
    doc = graphql.parse(sdl)
    defs = []
    for d in doc.definitions:
        name = getattr(getattr(d, "name", None), "value", None)
        if name in drop_types or (mode == "old" and name and _old_version_type(name)):
            continue
        if isinstance(d, gast.ObjectTypeDefinition):
            d.fields = [fd for fd in d.fields if (name, fd.name.value) not in drop_fields]
        defs.append(d)
    doc.definitions = defs
    schema = graphql.build_ast_schema(doc)
    for t in schema.get_type_map().values():
        if isinstance(t, graphql.GraphQLScalarType) and t.name in (
                "Time", "Date") or (isinstance(t, graphql.GraphQLScalarType)
                                    and t.name.endswith("ID") and t.name != "ID"):
            _identity_scalar(t)
    widget = schema.get_type("WorkItemWidget")
    if widget is not None:
        widget.resolve_type = lambda value, info: value["__typename"]
    _attach_resolvers(schema)
    return schema


# -- value forms -----------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def gql_time(text):
    """GraphQL's Time: ISO 8601 to the second, in UTC."""
    d = parse_time(text)
    if d is None:
        return None
    return d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def encode_cursor(obj):
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def decode_cursor(text):
    try:
        obj = json.loads(base64.b64decode(text.encode(), validate=True))
    except (ValueError, TypeError, AttributeError):
        raise graphql.GraphQLError("Please provide a valid cursor")
    if not isinstance(obj, dict):
        raise graphql.GraphQLError("Please provide a valid cursor")
    return obj


def _page_size(first, last):
    for n, name in ((first, "first"), (last, "last")):
        if n is not None and n < 0:
            raise graphql.GraphQLError("Argument '%s' on Field has an invalid value (%d). "
                                       "Expected type 'Int'." % (name, n))
    sizes = [n for n in (first, last) if n is not None]
    return min(sizes + [MAX_PAGE_SIZE])


def offset_connection(rows, args):
    """A connection over a short in-memory list (assignees, labels, links,
    children): cursors are the row offset."""
    size = _page_size(args.get("first"), args.get("last"))
    start = 0
    if args.get("after"):
        start = int(decode_cursor(args["after"]).get("offset", -1)) + 1
    end = len(rows)
    if args.get("before"):
        end = min(end, int(decode_cursor(args["before"]).get("offset", len(rows))))
    start = max(0, start)
    window = rows[start:end]
    if args.get("last") is not None and args.get("first") is None:
        page = window[-size:] if size else []
        first_index = start + len(window) - len(page)
    else:
        page = window[:size]
        first_index = start
    edges = [{"cursor": encode_cursor({"offset": first_index + n}), "node": row}
             for n, row in enumerate(page)]
    return {
        "count": len(rows),
        "edges": edges, "nodes": list(page),
        "pageInfo": {"hasNextPage": first_index + len(page) < end,
                     "hasPreviousPage": first_index > 0,
                     "startCursor": edges[0]["cursor"] if edges else None,
                     "endCursor": edges[-1]["cursor"] if edges else None},
    }


# -- resolvers ----------------------------------------------------------------------

class Ctx:
    """Per request: the data, the tier, whether a user signed in, the score."""

    def __init__(self, data, gql, authenticated, score, limit):
        self.data = data
        self.gql = gql
        self.authenticated = authenticated
        self.score = score
        self.limit = limit


def _readable(d, iid):
    return (d.authenticated_view and d.issue_readable(iid)
            and d.issues_enabled(d.issues[iid]["project_id"]))


def project_node(d, pid):
    p = d.projects[pid]
    ns = p["path"].rsplit("/", 1)[0] if "/" in p["path"] else None
    return {"__pid": pid, "id": "gid://gitlab/Project/%d" % pid, "fullPath": p["path"],
            "name": p["name"], "nameWithNamespace": p["path"].replace("/", " / "),
            "webUrl": p["web_url"], "archived": p["archived"],
            "issuesEnabled": d.issues_enabled(pid),
            "group": group_node(d, d.groups[ns]) if ns in d.groups else None}


def group_node(d, gid):
    full = d.group_paths[gid]
    parent = full.rsplit("/", 1)[0] if "/" in full else None
    return {"__gid": gid, "id": "gid://gitlab/Group/%d" % gid, "fullPath": full,
            "name": full.rsplit("/", 1)[-1], "webUrl": "%s/groups/%s" % (d.source, full),
            "parent": (lambda: group_node(d, d.groups[parent])) if parent else None}


def namespace_node(d, pid=None, gid=None):
    if pid is not None:
        p = d.projects[pid]
        return {"__pid": pid, "id": "gid://gitlab/Namespaces::ProjectNamespace/%d" % (1000 + pid),
                "fullPath": p["path"], "name": p["name"], "webUrl": p["web_url"]}
    g = group_node(d, gid)
    return {"__gid": gid, "id": g["id"], "fullPath": g["fullPath"], "name": g["name"],
            "webUrl": g["webUrl"]}


def user_node(d, a):
    u = d.user_obj(a)
    return {"id": "gid://gitlab/User/%s" % u.get("id"), "username": u.get("username"),
            "name": u.get("name"), "state": u.get("state", "active"), "webUrl": u.get("web_url")}


def work_item_node(d, iid):
    """A WorkItem's scalar fields; widgets come from its resolver."""
    i = d.issues[iid]
    path = d.projects[i["project_id"]]["path"]
    tname, tid = TYPE_NAMES.get(i.get("type") or "issue", (str(i.get("type")).title(), 99))
    return {
        "__iid": iid,
        "id": "gid://gitlab/WorkItem/%d" % iid, "iid": str(i["iid"]), "title": i["title"],
        "state": "CLOSED" if i["state"] == "closed" else "OPEN",
        "confidential": bool(i.get("confidential")),
        "createdAt": gql_time(i["created_at"]), "updatedAt": gql_time(i["updated_at"]),
        "closedAt": gql_time(i.get("closed_at")), "webUrl": i["web_url"],
        "__ref": (i["iid"], path),
        "author": {"id": "gid://gitlab/User/1", "username": "root", "name": "Administrator",
                   "state": "active", "webUrl": "%s/root" % d.source},
        "namespace": lambda: namespace_node(d, pid=i["project_id"]),
        "project": lambda: project_node(d, i["project_id"]),
        "workItemType": {"id": "gid://gitlab/WorkItems::Type/%d" % tid, "name": tname,
                         "iconName": "issue-type-%s" % (i.get("type") or "issue")},
    }


def _visible_links(d, iid, free):
    """(link record, other issue id, link type from iid's side), by link id,
    unreadable others left out; the Free tier sees relates_to only."""
    out = []
    for link in (d.links[k] for k in sorted(d.adj[iid])):
        if link["source"] == iid:
            other, ltype = link["target"], link["type"]
        else:
            other = link["source"]
            ltype = "is_blocked_by" if link["type"] == "blocks" else link["type"]
        if not _readable(d, other):
            continue
        if free and ltype != "relates_to":
            continue
        out.append((link, other, ltype))
    return out


def widgets_of(d, iid, free):
    i = d.issues[iid]
    ts = i.get("time_stats") or {}
    m = i.get("milestone")
    milestone = None
    if isinstance(m, dict):
        mo = d.milestone_obj(m, i["project_id"])
        milestone = {"id": "gid://gitlab/Milestone/%s" % mo["id"], "iid": str(mo["iid"]),
                     "title": mo["title"], "state": mo["state"],
                     "dueDate": gql_time(mo["due_date"]) if mo["due_date"] else None,
                     "startDate": gql_time(mo["start_date"]) if mo["start_date"] else None,
                     "webPath": "/%s/-/milestones/%s" % (d.projects[i["project_id"]]["path"],
                                                         mo["iid"])}
    assignees = sorted((user_node(d, a) for a in (i.get("assignees") or [])),
                       key=lambda u: (u["name"] or "", u["username"] or ""))
    labels = [{"id": "gid://gitlab/ProjectLabel/%d" % (5000 + sum(map(ord, t))),
               "title": t, "color": "#6699cc", "description": None}
              for t in (i.get("labels") or [])]
    parent = d.parent_of.get(iid)
    children = [c for c in d.children_of.get(iid, []) if _readable(d, c)]
    out = [
        {"__typename": "WorkItemWidgetAssignees", "type": "ASSIGNEES",
         "allowsMultipleAssignees": not free, "canInviteMembers": False, "__rows": assignees},
        {"__typename": "WorkItemWidgetDescription", "type": "DESCRIPTION",
         "description": i.get("description"), "edited": False},
        {"__typename": "WorkItemWidgetHierarchy", "type": "HIERARCHY",
         "hasChildren": bool(children),
         "hasParent": parent is not None and _readable(d, parent),
         "parent": (lambda: work_item_node(d, parent))
         if parent is not None and _readable(d, parent) else None,
         "__rows": children},
        {"__typename": "WorkItemWidgetLabels", "type": "LABELS", "allowsScopedLabels": not free,
         "__rows": labels},
        {"__typename": "WorkItemWidgetLinkedItems", "type": "LINKED_ITEMS", "__iid": iid},
        {"__typename": "WorkItemWidgetMilestone", "type": "MILESTONE", "milestone": milestone},
        {"__typename": "WorkItemWidgetStartAndDueDate", "type": "START_AND_DUE_DATE",
         "dueDate": i.get("due_date"), "startDate": None, "isFixed": False, "rollUp": False},
        {"__typename": "WorkItemWidgetTimeTracking", "type": "TIME_TRACKING",
         "timeEstimate": ts.get("time_estimate") or 0,
         "totalTimeSpent": ts.get("total_time_spent") or 0},
    ]
    if not free:
        out.append({"__typename": "WorkItemWidgetWeight", "type": "WEIGHT",
                    "weight": i.get("weight")})
    return out


def _r_widgets(root, info, onlyTypes=None, exceptTypes=None):
    ctx = info.context
    out = widgets_of(ctx.data, root["__iid"], ctx.data.free)
    if onlyTypes:
        out = [w for w in out if w["type"] in onlyTypes]
    if exceptTypes:
        out = [w for w in out if w["type"] not in exceptTypes]
    return out


def _r_reference(root, info, full=False):
    n, path = root["__ref"]
    return "%s#%d" % (path, n) if full else "#%d" % n


def _r_rows(root, info, **args):
    return offset_connection(root["__rows"], args)


def _r_children(root, info, **args):
    d = info.context.data
    return offset_connection([work_item_node(d, c) for c in root["__rows"]], args)


def _r_linked(root, info, filter=None, **args):
    d = info.context.data
    want = {"RELATED": "relates_to", "BLOCKS": "blocks", "BLOCKED_BY": "is_blocked_by"}.get(filter)
    rows = []
    for link, other, ltype in _visible_links(d, root["__iid"], d.free):
        if want and ltype != want:
            continue
        rows.append({"linkId": "gid://gitlab/WorkItems::RelatedWorkItemLink/%d" % link["id"],
                     "linkType": ltype, "linkCreatedAt": gql_time(link["created_at"]),
                     "linkUpdatedAt": gql_time(link["updated_at"]),
                     "workItem": (lambda o=other: work_item_node(d, o)),
                     "workItemState": "CLOSED" if d.issues[other]["state"] == "closed" else "OPEN"})
    return offset_connection(rows, args)


def _r_project(root, info, fullPath):
    d = info.context.data
    pid = d.find_project(fullPath) if not str(fullPath).isdigit() else None
    if pid is None or not d.authenticated_view or not d.project_readable(pid):
        return None
    return project_node(d, pid)


def _r_group(root, info, fullPath):
    d = info.context.data
    gid = d.find_group(fullPath) if not str(fullPath).isdigit() else None
    if gid is None or not d.authenticated_view:
        return None
    return group_node(d, gid)


def _r_namespace(root, info, fullPath):
    d = info.context.data
    if not d.authenticated_view or str(fullPath).isdigit():
        return None
    pid = d.find_project(fullPath)
    if pid is not None:
        return namespace_node(d, pid=pid) if d.project_readable(pid) else None
    gid = d.find_group(fullPath)
    return namespace_node(d, gid=gid) if gid is not None else None


def _r_work_item(root, info, id):
    d = info.context.data
    m = re.match(r"^gid://gitlab/WorkItem/(\d+)$", str(id))
    if not m:
        raise graphql.GraphQLError('"%s" does not represent an instance of WorkItem' % id)
    iid = int(m.group(1))
    return work_item_node(d, iid) if iid in d.issues and _readable(d, iid) else None


def _group_projects(d, gid, sub, archived=True):
    full = d.group_paths[gid]
    out = []
    for pid in sorted(d.projects):
        p = d.projects[pid]
        ns = p["path"].rsplit("/", 1)[0] if "/" in p["path"] else ""
        if not (ns == full or (sub and ns.startswith(full + "/"))):
            continue
        if not d.project_readable(pid) or (p["archived"] and not archived):
            continue
        out.append(pid)
    return out


def _r_group_projects(root, info, includeSubgroups=False, includeArchived=True, **args):
    d = info.context.data
    rows = [project_node(d, pid) for pid in
            _group_projects(d, root["__gid"], includeSubgroups, includeArchived)]
    return offset_connection(rows, args)


SORTS = {"CREATED_ASC": ("created_at", False), "CREATED_DESC": ("created_at", True),
         "UPDATED_ASC": ("updated_at", False), "UPDATED_DESC": ("updated_at", True)}


def work_items_connection(d, pids, args):
    """Work items of these projects, GitLab's filters, keyset cursors on
    (sort time, id): a page stays right when items change between pages."""
    field, desc = SORTS[args.get("sort") or "CREATED_DESC"]
    state = args.get("state")
    types = {t.lower() for t in args["types"]} if args.get("types") else None
    iids = set()
    if args.get("iids") is not None:
        iids = {str(x) for x in args["iids"]}
    if args.get("iid") is not None:
        iids.add(str(args["iid"]))
    filter_iids = args.get("iids") is not None or args.get("iid") is not None
    after_t = before_t = None
    if args.get("updatedAfter") is not None:
        after_t = parse_time(args["updatedAfter"])
        if after_t is None:
            raise graphql.GraphQLError("updatedAfter is not a valid Time")
    if args.get("updatedBefore") is not None:
        before_t = parse_time(args["updatedBefore"])
        if before_t is None:
            raise graphql.GraphQLError("updatedBefore is not a valid Time")
    rows = []
    for pid in pids:
        if not d.issues_enabled(pid):
            continue
        for k in d.by_project[pid]:
            i = d.issues[k]
            if state in ("opened", "closed") and i["state"] != state:
                continue
            if state == "locked":
                continue
            if types is not None and (i.get("type") or "issue") not in types:
                continue
            if filter_iids and str(i["iid"]) not in iids:
                continue
            up = d.times[k]["updated_at"]
            if after_t is not None and up < after_t:
                continue
            if before_t is not None and up > before_t:
                continue
            rows.append(k)
    # GraphQL's times are to the second: order and cursors use the same
    keyf = {k: (gql_time(d.issues[k][field]), k) for k in rows}
    rows.sort(key=lambda k: keyf[k], reverse=desc)
    size = _page_size(args.get("first"), args.get("last"))
    count = len(rows)  # GitLab's count: the whole filtered list, whatever the cursor
    if args.get("after"):
        c = decode_cursor(args["after"])
        try:
            ck = (str(c[field]), int(c["id"]))
        except (KeyError, ValueError, TypeError):
            raise graphql.GraphQLError("Please provide a valid cursor")
        rows = [k for k in rows if (keyf[k] < ck if desc else keyf[k] > ck)]
        had_prev = True
    else:
        had_prev = False
    page = rows[:size]
    edges = [{"cursor": encode_cursor({field: keyf[k][0], "id": str(k)}),
              "node": work_item_node(d, k)} for k in page]
    return {"count": count,
            "edges": edges, "nodes": [e["node"] for e in edges],
            "pageInfo": {"hasNextPage": len(rows) > size, "hasPreviousPage": had_prev,
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def _r_project_items(root, info, **args):
    return work_items_connection(info.context.data, [root["__pid"]], args)


def _r_group_items(root, info, includeDescendants=False, excludeProjects=False, **args):
    d = info.context.data
    if not info.context.gql.group_items:
        return None  # in the schema, but group-level work items turned off
    # Group-level work items (epics) are not in this data: without
    # includeDescendants a group lists none, as a GitLab group without epics.
    if not includeDescendants or excludeProjects:
        return work_items_connection(d, [], args)
    pids = [p for p in _group_projects(d, root["__gid"], True) if not d.projects[p]["archived"]]
    return work_items_connection(d, pids, args)


def _r_namespace_items(root, info, **args):
    d = info.context.data
    if "__pid" in root:
        return work_items_connection(d, [root["__pid"]], args)
    return work_items_connection(d, [], args)


def _r_complexity(root, info):
    return {"score": info.context.score, "limit": info.context.limit}


def _r_metadata(root, info):
    g = info.context.gql
    return {"version": VERSIONS[g.mode], "revision": "0123456789a",
            "enterprise": not info.context.data.free}


def _r_current_user(root, info):
    if not info.context.authenticated:
        return None
    return {"id": "gid://gitlab/User/2", "username": "issuegraph-test", "name": "Test user",
            "state": "active", "webUrl": "%s/issuegraph-test" % info.context.data.source}


def _attach_resolvers(schema):
    table = {
        ("Query", "project"): _r_project, ("Query", "group"): _r_group,
        ("Query", "namespace"): _r_namespace, ("Query", "workItem"): _r_work_item,
        ("Query", "queryComplexity"): _r_complexity, ("Query", "metadata"): _r_metadata,
        ("Query", "currentUser"): _r_current_user,
        ("Project", "workItems"): _r_project_items, ("Group", "workItems"): _r_group_items,
        ("Namespace", "workItems"): _r_namespace_items,
        ("Group", "projects"): _r_group_projects,
        ("WorkItem", "widgets"): _r_widgets, ("WorkItem", "reference"): _r_reference,
        ("WorkItemWidgetAssignees", "assignees"): _r_rows,
        ("WorkItemWidgetLabels", "labels"): _r_rows,
        ("WorkItemWidgetHierarchy", "children"): _r_children,
        ("WorkItemWidgetLinkedItems", "linkedItems"): _r_linked,
    }
    for (tname, fname), fn in table.items():
        t = schema.get_type(tname)
        if t is not None and fname in t.fields:
            t.fields[fname].resolver = fn


# -- complexity (GitLab's rule) ----------------------------------------------------

def _unwrap(t):
    while isinstance(t, (graphql.GraphQLNonNull, graphql.GraphQLList)):
        t = t.of_type
    return t


def _arg_value(node, variables):
    if isinstance(node, gast.Variable):
        return variables.get(node.name.value)
    if isinstance(node, gast.IntValue):
        return int(node.value)
    return getattr(node, "value", None)


def complexity(schema, doc, op_name, variables):
    """GitLab's score of a validated query: every field 1 plus its children;
    a connection (children + 1) x (1 + 0.01 x page size), the page size being
    the smaller of first/last and 100; linkedItems a fixed 5 plus its
    children; an abstract type's selections score as their costliest
    possible type (graphql-ruby)."""
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, gast.FragmentDefinition)}
    ops = [d for d in doc.definitions if isinstance(d, gast.OperationDefinition)]
    op = next((o for o in ops if op_name is None or (o.name and o.name.value == op_name)), None)
    if op is None:
        return 0

    def applies(cond, t):
        if cond is None:
            return True
        ct = schema.get_type(cond.name.value)
        if ct is None:
            return False
        if ct is t:
            return True
        if isinstance(ct, graphql.GraphQLInterfaceType) and isinstance(t, graphql.GraphQLObjectType):
            return ct in t.interfaces
        return False

    def for_type(sels, t, seen):
        total = 0.0
        for s in sels:
            if isinstance(s, gast.Field):
                total += field_cost(s, t, seen)
            elif isinstance(s, gast.InlineFragment):
                if applies(s.type_condition, t):
                    total += for_type(s.selection_set.selections, t, seen)
            elif isinstance(s, gast.FragmentSpread):
                f = frags.get(s.name.value)
                if f is not None and s.name.value not in seen and applies(f.type_condition, t):
                    total += for_type(f.selection_set.selections, t, seen | {s.name.value})
        return total

    def selections(ss, t, seen):
        if ss is None:
            return 0.0
        if isinstance(t, (graphql.GraphQLInterfaceType, graphql.GraphQLUnionType)):
            return max([for_type(ss.selections, pt, seen) for pt in schema.get_possible_types(t)]
                       or [0.0])
        return for_type(ss.selections, t, seen)

    def field_cost(f, parent, seen):
        name = f.name.value
        if name == "__typename":
            return 0.0
        fields = getattr(parent, "fields", {})
        if name == "__schema":
            rt = schema.get_type("__Schema")
        elif name == "__type":
            rt = schema.get_type("__Type")
        elif name in fields:
            rt = _unwrap(fields[name].type)
        else:
            return 1.0
        child = selections(f.selection_set, rt, seen)
        if name == "linkedItems":
            return LINKED_ITEMS_COMPLEXITY + child
        if rt.name.endswith("Connection"):
            args = {a.name.value: _arg_value(a.value, variables) for a in (f.arguments or [])}
            sizes = [n for n in (args.get("first"), args.get("last")) if isinstance(n, int)]
            limit = min(sizes + [MAX_PAGE_SIZE])
            return (child + 1) * (1 + 0.01 * max(limit, 0))
        return 1.0 + child

    root = schema.get_query_type()
    return int(round(selections(op.selection_set, root, frozenset())))


# -- the endpoint ---------------------------------------------------------------------

class GraphQLApi:
    """One per server: the schemas, the mode and the queued forced errors."""

    def __init__(self, data, mode="full"):
        self.data = data
        self.mode = mode
        self.schemas = {}
        self.forced = []  # messages the next answers carry instead of data
        self.group_items = True  # False: Group.workItems answers null (turned off)
        self.parsed = {}  # (mode, tier, query text) -> (document, validation errors)

    def schema(self):
        key = (self.mode, self.data.free)
        if key not in self.schemas:
            self.schemas[key] = build_schema(self.mode, self.data.free)
        return self.schemas[key]

    def execute(self, body, authenticated, stats):
        """(status, JSON body) of one POST /api/graphql; counts into stats."""
        gs = stats.setdefault("graphql", {"requests": 0, "complexity_total": 0,
                                          "complexity_max": 0, "refused_complexity": 0,
                                          "errors": 0})
        gs["requests"] += 1
        status, out = self._execute(body, authenticated, gs)
        if isinstance(out, dict) and out.get("errors"):
            gs["errors"] += 1
        return status, out

    def _execute(self, body, authenticated, gs):
        if self.forced:
            return 200, {"data": None, "errors": [{"message": self.forced.pop(0)}]}
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return 400, {"errors": [{"message": "Unexpected end of document"}]}
        if not isinstance(req, dict) or not isinstance(req.get("query"), str):
            return 200, {"errors": [{"message": "No query string was present"}]}
        variables = req.get("variables") or {}
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables else {}
            except ValueError:
                variables = None
        if not isinstance(variables, dict):
            return 200, {"errors": [{"message": "Variables are invalid JSON"}]}
        op_name = req.get("operationName") or None
        schema = self.schema()
        # A crawl sends the same few queries again and again: parse and
        # validate each once (execution never changes the document).
        key = (self.mode, self.data.free, req["query"])
        if key not in self.parsed:
            try:
                doc = graphql.parse(req["query"])
                errs = graphql.validate(schema, doc)
            except graphql.GraphQLError as e:
                doc, errs = None, [e]
            if len(self.parsed) >= 64:
                self.parsed.clear()
            self.parsed[key] = (doc, errs)
        doc, errs = self.parsed[key]
        if errs:
            return 200, {"errors": [_format(e) for e in errs]}
        limit = MAX_COMPLEXITY_USER if authenticated else MAX_COMPLEXITY_ANON
        score = complexity(schema, doc, op_name, variables)
        gs["complexity_total"] += score
        gs["complexity_max"] = max(gs["complexity_max"], score)
        if score > limit:
            gs["refused_complexity"] += 1
            return 200, {"errors": [{"message": "Query has complexity of %d, which exceeds max "
                                     "complexity of %d" % (score, limit)}]}
        self.data.authenticated_view = authenticated
        ctx = Ctx(self.data, self, authenticated, score, limit)
        result = graphql.execute(schema, doc, context_value=ctx, variable_values=variables,
                                 operation_name=op_name)
        out = {}
        if result.errors:
            out["errors"] = [_format(e) for e in result.errors]
        out["data"] = result.data
        return 200, out


def _format(e):
    """graphql-core's error in GitLab's (graphql-ruby's) words where they differ."""
    f = graphql.format_error(e)
    msg = f.get("message") or ""
    m = UNKNOWN_FIELD_RX.match(msg)
    if m:
        f["message"] = "Field '%s' doesn't exist on type '%s'" % (m.group(1), m.group(2))
        f["extensions"] = {"code": "undefinedField", "typeName": m.group(2),
                           "fieldName": m.group(1)}
    return f
