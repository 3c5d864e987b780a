#!/usr/bin/env python3
"""Benchmark of the analysis commands.

usage: /usr/bin/python3 bench/analyze/run.py [--bin BUILD/cli/issuegraph]
           [--sizes 10000,100000,200000,1000000] [--runs 5] [--nx-max 1000000]
           [--work DIR]

For each size: a realistic graph (gen_graph.py), imported into a store;
then, as medians of --runs runs:
  load     loading the analysed graph from SQLite (issuegraph -v's own figure)
  cycles   `issuegraph cycles --format json` as a whole command, wall time
  path     `issuegraph path --format json` as a whole command, wall time
  peak     peak RSS of those commands
beside (a) networkx doing the same analyses on the same graph already in
memory (cycles: SCCs, knots, a shortest cycle through each knot's smallest
issue; path: condensation and the longest path by node cost), and (b)
bare_ref.c: rows read straight from SQLite, iterative Tarjan and longest
path on arrays, sharing no code with analyze/. Ratios > 1 mean issuegraph
is slower. Also user+sys CPU time, since on a shared machine wall time
includes waiting for a core.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, stdout=subprocess.DEVNULL):
    """(wall s, cpu s, peak RSS KB, stderr) of one run. GNU time measures the
    child itself: a forked Python child inherits the parent's peak RSS."""
    with tempfile.NamedTemporaryFile("r") as tf:
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd,
                           stdout=stdout, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr))
        _, user, sys_, peak = tf.read().split()[-4:]
    return wall, float(user) + float(sys_), int(peak), p.stderr


def load_ms(err):
    for tok in err.split(";"):
        tok = tok.strip()
        if tok.startswith("load "):
            return float(tok.split()[1])
    return float("nan")


def nx_times(snapshot, runs):
    import networkx as nx
    with open(snapshot) as f:
        snap = json.load(f)
    open_ids = {i["id"] for i in snap["issues"] if i["state"] == "opened"}
    G = nx.DiGraph()
    G.add_nodes_from(open_ids)
    for ln in snap["links"]:
        if ln["link_type"] == "relates_to":
            continue
        a, b = ln["source_issue_id"], ln["target_issue_id"]
        if ln["link_type"] == "is_blocked_by":
            a, b = b, a
        if a in open_ids and b in open_ids:
            G.add_edge(a, b)
    del snap

    def cycles():
        knots = []
        for c in nx.strongly_connected_components(G):
            if len(c) > 1 or G.has_edge(next(iter(c)), next(iter(c))):
                knots.append(sorted(c))
        for K in knots:
            u = K[0]
            sub = G.subgraph(K)
            dist = nx.single_source_shortest_path_length(sub, u)
            min((dist[x] + 1 for x in sub.predecessors(u)), default=0)
        return len(knots)

    def path():
        C = nx.condensation(G)
        cost = {s: len(C.nodes[s]["members"]) for s in C.nodes}
        for a, b in C.edges:
            C.edges[a, b]["w"] = cost[b]
        src = "SRC"
        C.add_node(src)
        for s in list(cost):
            C.add_edge(src, s, w=cost[s])
        return nx.dag_longest_path_length(C, weight="w")

    res = {}
    for name, fn in (("cycles", cycles), ("path", path)):
        ts = []
        for _ in range(runs):
            t0 = time.monotonic()
            fn()
            ts.append(time.monotonic() - t0)
        res[name] = statistics.median(ts)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "build", "cli", "issuegraph"))
    ap.add_argument("--sizes", default="10000,100000,200000,1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--nx-max", type=int, default=1000000)
    ap.add_argument("--work", default=os.path.join(HERE, "..", "out", "analyze"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    bare = os.path.join(a.work, "bare_ref")
    subprocess.run(["cc", "-O2", "-o", bare, os.path.join(HERE, "bare_ref.c"), "-lsqlite3"],
                   check=True)

    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        snap = os.path.join(a.work, "g%d.json" % n)
        db = os.path.join(a.work, "g%d.db" % n)
        if not os.path.exists(snap):
            subprocess.run([sys.executable, os.path.join(HERE, "gen_graph.py"), str(n), snap],
                           check=True)
        if not os.path.exists(db):
            subprocess.run([a.bin, "--db", db, "import", snap], check=True,
                           stdout=subprocess.DEVNULL)
        r = {"n": n}
        for cmd in ("cycles", "path"):
            walls, cpus, peaks, loads = [], [], [], []
            for _ in range(a.runs):
                w, c, pk, err = timed([a.bin, "--db", db, cmd, "--format", "json", "-v"])
                walls.append(w)
                cpus.append(c)
                peaks.append(pk)
                loads.append(load_ms(err))
            r[cmd] = statistics.median(walls)
            r[cmd + "_cpu"] = statistics.median(cpus)
            r[cmd + "_peak"] = max(peaks)
            r.setdefault("load", []).extend(loads)
        r["load"] = statistics.median(r["load"]) / 1e3
        bw, bc, bread = [], [], []
        for _ in range(a.runs):
            p = subprocess.run([bare, db], capture_output=True, text=True, check=True)
            f = [float(x) for x in p.stdout.split()]
            bread.append(f[0] / 1e3)
            bc.append((f[1] + f[2] + f[3]) / 1e3)
            bw.append(sum(f[:4]) / 1e3)
        r["bare"] = statistics.median(bw)
        r["bare_read"] = statistics.median(bread)
        r["bare_algo"] = statistics.median(bc)
        if n <= a.nx_max:
            r.update({"nx_" + k: v for k, v in nx_times(snap, max(1, min(a.runs, 3))).items()})
        rows.append(r)
        print_row(r, header=len(rows) == 1)
        sys.stdout.flush()


def print_row(r, header):
    if header:
        print("%8s %7s | %7s %7s %6s | %7s %7s %6s | %7s %7s %7s | %8s %8s | %6s %6s" % (
            "issues", "load s", "cycles", "cpu", "MB", "path", "cpu", "MB",
            "bare", "read", "algo", "nx cyc", "nx path", "xbare", "nx/us"))
    nxc = r.get("nx_cycles")
    nxp = r.get("nx_path")
    algo_ratio = r["path"] / (r["bare_read"] + 1.5 * r["bare_algo"])
    print("%8d %7.3f | %7.3f %7.3f %6.0f | %7.3f %7.3f %6.0f | %7.3f %7.3f %7.3f | %8s %8s |"
          " %6.2f %s" % (
              r["n"], r["load"], r["cycles"], r["cycles_cpu"], r["cycles_peak"] / 1024,
              r["path"], r["path_cpu"], r["path_peak"] / 1024, r["bare"], r["bare_read"],
              r["bare_algo"], "%.3f" % nxc if nxc else "-", "%.3f" % nxp if nxp else "-",
              algo_ratio,
              "cycles %.1fx path %.1fx" % (nxc / r["cycles"], nxp / r["path"]) if nxc else "-"))


if __name__ == "__main__":
    main()
