"""A second reading of the SPEC's "Text dependencies" grammar, for the
random test (test_textdeps_random.py) to hold fetch/textdeps.c against.

Written from the SPEC text (and the choices the SPEC leaves open, listed in
fetch/textdeps.h), not from the C: regular expressions per token, clarity
over speed. Works on bytes decoded as Latin-1, so every byte is one
character and only ASCII letters, digits and `_` are word characters.
"""
import re

WORD = "A-Za-z0-9_"

# (phrase as the SPEC spells it, T blocks R?)
PHRASES = [
    ("blocked by", False),
    ("depends on", False),
    ("depend on", False),
    ("requires", False),
    ("needs", False),
    ("blocks", True),
    ("required by", True),
    ("needed by", True),
]

# A boundary after a token: a non-word character or the end, or an
# emphasis run `_`/`__` that has one beyond it.
END = rf"(?:(?![{WORD}])|_{{1,2}}(?![{WORD}]))"
# A boundary before a phrase: the mirror image.
START = rf"(?:(?<![{WORD}])|(?<=(?<![{WORD}])_)|(?<=(?<![{WORD}])__))"

PHRASE_RE = re.compile(
    START
    + "(?:"
    + "|".join(
        "(" + r"[ \t]+".join(re.escape(w) for w in p.split(" ")) + ")"
        for p, _ in PHRASES
    )
    + ")"
    + rf"(?={END})",
    re.IGNORECASE,
)

EMPH = r"(?:(?<!\*)\*{1,2}(?!\*)|(?<!_)_{1,2}(?!_))"
HEAD_RE = re.compile(rf"(?:[ \t]|{EMPH})*(?::(?:[ \t]|{EMPH})*)?")
SEP_RE = re.compile(
    rf"(?:[ \t,]|{EMPH}|(?<![{WORD}])(?i:and)(?![{WORD}]))*"
)

# N: digits, then `+s`, `+` or nothing, whichever ends at a boundary.
NUM_RE = re.compile(rf"([0-9]+)(?:\+s(?={END})|\+(?={END})|(?={END}))")
SEG = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
PATH_REF_RE = re.compile(rf"({SEG}(?:/{SEG})*)#")
URL_HEAD_RE = re.compile(r"(https?)://([A-Za-z0-9.\-]+)(?::([0-9]*))?(?=/)", re.IGNORECASE)
URL_PATH_RE = re.compile(r"(?:/[A-Za-z0-9_.\-]*)*")
TAIL_RE = re.compile(r"[/?#][^ \t<>()]*")
LINK_TEXT_RE = re.compile(r"\[[^\[\]]*\]\(")

INT64_MAX = 2**63 - 1


def _port(scheme, port):
    """The port as the normalised origin writes it ('' for none/default)."""
    if not port:
        return ""
    port = port.lstrip("0") or "0"
    if port == {"http": "80", "https": "443"}[scheme]:
        return ""
    return port


def normalise_origin(url):
    m = URL_HEAD_RE.match(url) or re.match(
        r"(https?)://([A-Za-z0-9.\-]+)(?::([0-9]*))?$", url, re.IGNORECASE
    )
    if not m:
        return None
    scheme = m.group(1).lower()
    rest = url[m.end():]
    rest = re.split(r"[?#]", rest)[0].rstrip("/")
    port = _port(scheme, m.group(3))
    return f"{scheme}://{m.group(2).lower()}" + (f":{port}" if port else "") + rest


class _Reader:
    def __init__(self, project_path, iid, origins):
        self.project = project_path
        self.iid = iid
        self.ns = project_path.rsplit("/", 1)[0] + "/" if "/" in project_path else ""
        self.origins = []
        for o in origins:
            m = re.match(r"(https?://[^/]+)(.*)$", o)
            if m:
                self.origins.append((m.group(1), m.group(2)))
        self.refs = []  # (path, iid, blocks, line, phrase) in text order

    # ---- references -------------------------------------------------------
    def num(self, s, i):
        m = NUM_RE.match(s, i)
        if not m:
            return None
        v = int(m.group(1))
        if v < 1 or v > INT64_MAX:
            return None
        return v, m.end()

    def url(self, s, i):
        m = URL_HEAD_RE.match(s, i)
        if not m:
            return None
        scheme = m.group(1).lower()
        port = _port(scheme, m.group(3))
        origin = f"{scheme}://{m.group(2).lower()}" + (f":{port}" if port else "")
        k = m.end()
        best = None
        for o, prefix in self.origins:
            if o == origin and s.startswith(prefix + "/", k):
                if best is None or len(prefix) > len(best):
                    best = prefix
        if best is None:
            return None
        k += len(best)
        pm = URL_PATH_RE.match(s, k)
        segs = pm.group(0).split("/")[1:]
        markers = [j for j, g in enumerate(segs) if g in ("-", "issues", "work_items")]
        if not markers:
            return None
        j = markers[0]
        before = segs[:j]
        if not before or before[0] == "groups":
            return None
        if not all(re.fullmatch(SEG, g) for g in before):
            return None
        if segs[j] == "-":
            if j + 1 >= len(segs) or segs[j + 1] not in ("issues", "work_items"):
                return None
            j += 1
        if j + 1 >= len(segs):
            return None  # no "/" after the marker
        n_at = k + sum(len(g) + 1 for g in segs[: j + 1]) + 1
        n = self.num(s, n_at)
        if not n:
            return None
        iid, e = n
        t = TAIL_RE.match(s, e)
        if t:
            e = t.end()
        return "/".join(before), iid, e

    def core(self, s, i):
        """One reference at i: (path, iid, end) or None."""
        if s.startswith("#", i):
            n = self.num(s, i + 1)
            return (self.project,) + n if n else None
        if s.startswith("<", i):
            u = self.url(s, i + 1)
            if u and s.startswith(">", u[2]):
                return u[0], u[1], u[2] + 1
            return None
        m = LINK_TEXT_RE.match(s, i)
        if m:
            u = self.url(s, m.end())
            if u and s.startswith(")", u[2]):
                return u[0], u[1], u[2] + 1
            return None
        if s.startswith("[", i):
            return None
        if re.match(r"https?://", s[i:i + 8], re.IGNORECASE):
            return self.url(s, i)
        m = PATH_REF_RE.match(s, i)
        if m:
            n = self.num(s, m.end())
            if not n:
                return None
            path = m.group(1)
            if "/" not in path:
                path = self.ns + path
            return (path,) + n
        return None

    def item(self, s, i):
        if s.startswith("(", i):
            r = self.core(s, i + 1)
            if r and s.startswith(")", r[2]):
                return r[0], r[1], r[2] + 1
            return None
        return self.core(s, i)

    # ---- phrases -------------------------------------------------------------
    def segment(self, s, line):
        pos = 0
        while True:
            m = PHRASE_RE.search(s, pos)
            if not m:
                return
            k = next(g for g in range(1, len(PHRASES) + 1) if m.group(g) is not None)
            phrase, blocks = PHRASES[k - 1]
            k = HEAD_RE.match(s, m.end()).end()
            last = None
            while True:
                r = self.item(s, k)
                if not r:
                    break
                path, iid, last = r
                if not (path == self.project and iid == self.iid):
                    self.refs.append((path, iid, blocks, line, phrase))
                k = SEP_RE.match(s, last).end()
                if k == last:
                    break
            pos = last if last is not None else m.end()


INLINE_RE = re.compile(r"`+|~+|<!--")


def _visible(line, start, state):
    """Visible segments of line[start:], code spans, strike and comments
    cut out; sets state['comment'] when a comment stays open."""
    out = []
    seg = i = start
    while True:
        m = INLINE_RE.search(line, i)
        if not m:
            break
        p, tok = m.start(), m.group(0)
        if tok == "<!--":
            out.append(line[seg:p])
            c = line.find("-->", p + 4)
            if c < 0:
                state["comment"] = True
                return out
            i = seg = c + 3
            continue
        n = len(tok)
        closer = None
        if tok[0] == "`":
            closer = re.compile(rf"(?<!`)`{{{n}}}(?!`)").search(line, p + n)
        elif n == 2:
            closer = re.compile(r"(?<!~)~~(?!~)").search(line, p + 2)
        if closer:
            out.append(line[seg:p])
            i = seg = closer.end()
        else:
            i = p + n
    out.append(line[seg:])
    return out


def extract(text, project_path, iid, origins, max_refs=0):
    """text: bytes. Returns {"deps": [...], "dropped": N} as textdeps_dump."""
    s = text.decode("latin-1")
    lines = re.split(r"\r\n|\r|\n", s) if s else []
    r = _Reader(project_path, iid, origins)
    gq_lines = [n for n, l in enumerate(lines) if l == ">>>"]
    state = {"comment": False}
    fence = None  # (char, length)
    in_gq = False
    for n, line in enumerate(lines):
        lineno = n + 1
        if fence:
            m = re.fullmatch(r" {0,3}(`+|~+)[ \t]*", line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1]:
                fence = None
            continue
        if in_gq:
            if line == ">>>":
                in_gq = False
            continue
        start = 0
        if state["comment"]:
            c = line.find("-->")
            if c < 0:
                continue
            state["comment"] = False
            start = c + 3
        else:
            if line == ">>>" and gq_lines[-1] > n:
                in_gq = True
                continue
            if re.match(r" {0,3}>", line):
                continue
            m = re.match(r" {0,3}(`{3,}|~{3,})(.*)$", line, re.DOTALL)
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence = (m.group(1)[0], len(m.group(1)))
                continue
        for seg in _visible(line, start, state):
            r.segment(seg, lineno)

    cap = max_refs or 500
    first = {}
    for path, i, *_ in r.refs:
        first.setdefault((path, i), len(first))
    kept = {p for p, k in first.items() if k < cap}
    deps = {}
    for path, i, blocks, lineno, phrase in r.refs:
        if (path, i) in kept and (path, i, blocks) not in deps:
            deps[(path, i, blocks)] = {
                "project_path": path, "iid": i, "blocks": blocks,
                "line": lineno, "phrase": phrase,
            }
    items = [deps[k] for k in sorted(deps, key=lambda k: (k[0].encode("latin-1"), k[1], k[2]))]
    return {"deps": items, "dropped": len(first) - len(kept)}
