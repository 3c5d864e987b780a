"""A second reading of the SPEC's "Text dependencies" grammar (version 2), for the
random test (test_textdeps_random.py) to hold fetch/textdeps.c against.

Written from the SPEC text (and the choices the SPEC leaves open, listed in
fetch/textdeps.h), not from the C: regular expressions per token, clarity
over speed. Works on bytes decoded as Latin-1, so every byte is one
character and only ASCII letters, digits and `_` are word characters.
"""
import re

WORD = "A-Za-z0-9_"

# (phrase as the SPEC spells it, T blocks R?, kinds): "inline" phrases are
# read where they stand, "cond" ones only with an end word after their
# list, "head" words open a list on a heading or label line.
PHRASES = [
    ("blocked by", False, "inline head"),
    ("blocked on", False, "inline head"),
    ("depends on", False, "inline head"),
    ("depend on", False, "inline"),
    ("requires", False, "inline"),
    ("needs", False, "inline"),
    ("blocks", True, "inline head"),
    ("unblocks", True, "inline head"),
    ("required by", True, "inline head"),
    ("needed by", True, "inline"),
    ("part of", True, "inline"),
    ("waiting for", False, "cond"),
    ("waiting on", False, "cond"),
    ("wait for", False, "cond"),
    ("until", False, "cond"),
    ("once", False, "cond"),
    ("dependencies", False, "head"),
    ("blockers", False, "head"),
    ("prerequisites", False, "head"),
    ("blocking", True, "head"),
]

# A boundary after N: a non-word character or the end, or an emphasis
# run `_`/`__` that has one beyond it (`_#2_`).
END = rf"(?:(?![{WORD}])|_{{1,2}}(?![{WORD}]))"
# Phrases, heading words and end words start and end at a plain word
# boundary (`_` is a word character).
WB_START = rf"(?<![{WORD}])"
WB_END = rf"(?![{WORD}])"
# between the words of a phrase: spaces and tabs, or one `-` or `_`
PSEP = r"(?:[ \t]+|-|_)"


def _phrase_re(kinds):
    idx = [k for k, (_, _, kind) in enumerate(PHRASES) if set(kind.split()) & kinds]
    alts = "|".join("(?P<p%d>%s)" % (k, PSEP.join(re.escape(w) for w in PHRASES[k][0].split()))
                    for k in idx)
    return re.compile(WB_START + "(?:" + alts + ")" + WB_END, re.IGNORECASE)


PHRASE_RE = _phrase_re({"inline", "cond"})
HEADWORDS_RE = _phrase_re({"head"})


def _which(m):
    """The index in PHRASES of the phrase a PHRASE_RE/HEADWORDS_RE match read."""
    return next(int(g[1:]) for g, v in m.groupdict().items() if v is not None)


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
# a word that may stand before a reference of a list, and the blank after it
SKIP_RE = re.compile(r"(?:issues?|prs?|mrs?|pull[ \t]+requests?|merge[ \t]+requests?)[ \t]+",
                     re.IGNORECASE)
SUBJECT_WORDS = {"is", "are", "was", "were", "also", "still", "now", "instead", "currently"}
# after a conditional phrase's list: closing emphasis, blanks, an optional
# auxiliary, the end word
COND_END_RE = re.compile(
    EMPH + r"*[ \t]+"
    r"(?:(?:to[ \t]+be|has[ \t]+been|have[ \t]+been|is|are|be|to|gets|get)[ \t]+)?"
    r"(?:merged|merges|merge|closed|closes|close|fixed|resolved|done|landed|lands|released"
    r"|shipped|finished|completed)" + WB_END, re.IGNORECASE)
STARS = r"(?:\*{1,2}(?!\*))?"
# a heading or label line; its words (group w) must then be heading words
OPENER_RE = re.compile(r"(?: {0,3}#{1,6}[ \t]+|[ \t]*)" + STARS + r"(?P<w>[^:*]*?)" + STARS
                       + ":?" + STARS + r"[ \t]*\Z", re.DOTALL)
ITEM_RE = re.compile(r" {0,3}(?:[-*+]|[0-9]{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
BLANK_RE = re.compile(r"[ \t]*\Z")


def opener(line):
    """The PHRASES index of the list a heading/label line opens, or None."""
    m = OPENER_RE.match(line)
    w = m and HEADWORDS_RE.fullmatch(m.group("w"))
    return _which(w) if w else None

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

    def wrapped(self, s, i):
        if s.startswith("(", i):
            r = self.core(s, i + 1)
            if r and s.startswith(")", r[2]):
                return r[0], r[1], r[2] + 1
            return None
        return self.core(s, i)

    def item(self, s, i):
        m = SKIP_RE.match(s, i)
        r = self.wrapped(s, m.end()) if m else None
        return r or self.wrapped(s, i)

    def read_list(self, s, k):
        """The reference list at k: ([(path, iid)], end of the last) or ([], None)."""
        got, last = [], None
        while True:
            r = self.item(s, k)
            if not r:
                break
            path, iid, last = r
            got.append((path, iid))
            k = SEP_RE.match(s, last).end()
            if k == last:
                break
        return got, last

    def keep(self, got, blocks, line, phrase):
        for path, iid in got:
            if not (path == self.project and iid == self.iid):
                self.refs.append((path, iid, blocks, line, phrase))

    # ---- phrases -------------------------------------------------------------
    def subject(self, s, p):
        """Whether a bare reference stands right before the phrase at p."""
        pre = s[:p]
        while True:
            m = re.search(r"[ \t]+\Z", pre)
            if not m:
                break
            pre = pre[:m.start()]
            w = re.search(r"[^ \t]*\Z", pre).group(0)
            if not (w and w.lower() in SUBJECT_WORDS):
                break
            pre = pre[:len(pre) - len(w)]
        run = re.search(r"[^ \t]*\Z", pre).group(0)
        if not run:
            return False
        r = self.core(s, len(pre) - len(run))
        return r is not None and r[2] == len(pre)

    def segment(self, s, line, item=None):
        """item: (phrase, blocks) when s starts a list item under a heading."""
        pos = 0
        if item:
            k = re.compile(f"{EMPH}*").match(s).end()
            got, last = self.read_list(s, k)
            self.keep(got, item[1], line, item[0])
            if last is not None:
                pos = last
        while True:
            m = PHRASE_RE.search(s, pos)
            if not m:
                return
            phrase, blocks, kind = PHRASES[_which(m)]
            k = HEAD_RE.match(s, m.end()).end()
            got, last = self.read_list(s, k)
            if got and not self.subject(s, m.start()) and (
                    kind != "cond" or COND_END_RE.match(s, last)):
                self.keep(got, blocks, line, phrase)
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


def block_kind(line, n, lines, gq_lines, state, fence, in_gq):
    """What the block rules make of a line."""
    if fence:
        return "fence-body"
    if in_gq:
        return "gq-body"
    if state["comment"]:
        return "comment"
    if line == ">>>" and gq_lines[-1] > n:
        return "gq-open"
    if re.match(r" {0,3}>", line):
        return "quote"
    m = re.match(r" {0,3}(`{3,}|~{3,})(.*)$", line, re.DOTALL)
    if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
        return "fence-open"
    return "normal"


def extract(text, project_path, iid, origins, max_refs=0):
    """text: bytes. Returns {"deps": [...], "dropped": N} as textdeps_dump."""
    s = text.decode("latin-1")
    lines = re.split(r"\r\n|\r|\n", s) if s else []
    r = _Reader(project_path, iid, origins)
    gq_lines = [n for n, l in enumerate(lines) if l == ">>>"]
    state = {"comment": False}
    fence = None  # (char, length)
    in_gq = False
    heading = None  # PHRASES index of the open heading/label list
    for n, line in enumerate(lines):
        lineno = n + 1
        item = None
        kind = block_kind(line, n, lines, gq_lines, state, fence, in_gq)
        if kind != "normal":
            heading = None  # any line of another kind ends a heading list
        if kind == "fence-body":
            m = re.fullmatch(r" {0,3}(`+|~+)[ \t]*", line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= fence[1]:
                fence = None
            continue
        if kind == "gq-body":
            if line == ">>>":
                in_gq = False
            continue
        if kind == "gq-open":
            in_gq = True
            continue
        if kind == "quote":
            continue
        if kind == "fence-open":
            m = re.match(r" {0,3}(`{3,}|~{3,})", line)
            fence = (m.group(1)[0], len(m.group(1)))
            continue
        start = 0
        if kind == "comment":
            c = line.find("-->")
            if c < 0:
                continue
            state["comment"] = False
            start = c + 3
        elif not BLANK_RE.match(line):
            m = ITEM_RE.match(line) if heading is not None else None
            if m:
                item = (PHRASES[heading][0], PHRASES[heading][1])
            else:
                heading = opener(line)
        for k, seg in enumerate(_visible(line, start, state)):
            if k == 0 and item:
                # the item's text: its first visible segment after the marker
                r.segment(seg[m.end():], lineno, item)
                continue
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
