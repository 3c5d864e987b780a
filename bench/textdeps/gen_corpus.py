#!/usr/bin/env python3
"""Write the realistic textdeps benchmark corpus: descriptions of about
2 KB, about 20% of each inside fenced code blocks or code spans, one
phrase and three references each (mixed forms: #N, name#N, full paths,
issue URLs bare, in <...> and as link targets), UTF-8 prose. Fixed seed.
Grammar 2's forms too: a fifth of the descriptions hold their three
references as a "## Dependencies" task list instead, a tenth as "Waiting
on … to be merged", and the phrases include "Blocked on", "Depends-On:",
"Unblocks", "Part of" and "Blocked by issue".

Output (stdout or the file named): each description as a 4-byte
little-endian length and then its bytes.
"""
import random
import struct
import sys

ORIGIN = "https://gitlab.example.com"
WORDS = ("the login page fails when a user with two factor authentication "
         "tries to sign in from a new device after the session expired and "
         "we need to refresh the token größe naïve café 日本語 ✓ before we "
         "ship the release candidate to staging and production").split()
PHRASES = ["Blocked by", "**Blocked by:**", "Depends on", "depends on", "Requires",
           "Needs", "Blocks", "Required by", "needed by", "Blocked on", "Depends-On:",
           "Unblocks", "Part of", "Blocked by issue"]


def ref(rng):
    r = rng.random()
    n = rng.randint(1, 5000)
    if r < 0.3:
        return f"#{n}"
    if r < 0.45:
        return f"lib#{n}"
    if r < 0.65:
        return f"group/sub/project-{rng.randint(1, 50)}#{n}"
    if r < 0.8:
        return f"{ORIGIN}/group/web/-/issues/{n}#note_{rng.randint(1, 99999)}"
    if r < 0.9:
        return f"<{ORIGIN}/group/api/issues/{n}>"
    return f"[the {rng.choice(WORDS)} bug]({ORIGIN}/group/app/-/work_items/{n})"


def prose(rng, size):
    out = []
    n = 0
    while n < size:
        w = rng.choice(WORDS)
        if rng.random() < 0.05:
            w = rng.choice(["#42", "!17", "@alice", "~bug", "`x`"])
        out.append(w)
        n += len(w.encode()) + 1
        if rng.random() < 0.08:
            out.append("\n")
    return " ".join(out)


def code(rng, size):
    if rng.random() < 0.5:
        body = prose(rng, size - 8)
        return "\n```\n" + body + "\nblocks #1234\n```\n"
    parts, n = [], 0
    while n < size:
        s = "`" + prose(rng, rng.randint(10, 40)).replace("\n", " ").replace("`", "") + "`"
        parts.append(s)
        n += len(s.encode()) + 1
    return " ".join(parts)


def description(rng):
    text = prose(rng, 700) + "\n\n"
    text += code(rng, 220) + "\n"
    r = rng.random()
    if r < 0.2:
        text += (f"## Dependencies\n\n- [ ] {ref(rng)}\n- [x] {ref(rng)} (the "
                 f"{rng.choice(WORDS)} part)\n- {ref(rng)}\n\n")
    elif r < 0.3:
        text += f"Waiting on {ref(rng)}, {ref(rng)} and {ref(rng)} to be merged.\n\n"
    else:
        text += (f"{rng.choice(PHRASES)} {ref(rng)}, {ref(rng)} and {ref(rng)}.\n\n")
    text += prose(rng, 600) + "\n"
    text += code(rng, 200) + "\n" + prose(rng, 250) + "\n"
    return text.encode()


def main():
    rng = random.Random(11)
    out = open(sys.argv[1], "wb") if len(sys.argv) > 1 else sys.stdout.buffer
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    for _ in range(count):
        d = description(rng)
        out.write(struct.pack("<I", len(d)) + d)
    out.close()


if __name__ == "__main__":
    main()
