#!/usr/bin/env bash
# ready against order on one generated store: the issue's target is ready
# within 1.5x of order (both load the graph and walk its condensation once;
# ready also counts what each ready issue blocks).
# usage: IG_BIN=build/cli/issuegraph bash bench/ready/run.sh [ISSUES] [LINKS] [RUNS]
# Prints each run's wall time and peak RSS, then the medians and the ratio.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ig=${IG_BIN:-$here/../../build/cli/issuegraph}
n=${1:-1000000}
m=${2:-1500000}
runs=${3:-3}
out=${OUT:-$here/../out/ready}
mkdir -p "$out"
snap=$out/snap-$n-$m.json
db=$out/ready-$n-$m.db
[ -f "$snap" ] || /usr/bin/python3 "$here/../gen_snapshot.py" "$n" "$m" "$snap" >/dev/null
[ -f "$db" ] || "$ig" --db "$db" import -q "$snap"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for cmd in order ready; do
	: >"$out/$cmd.times"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %M" -o "$out/$cmd.one" "$ig" --db "$db" "$cmd" --format json \
			-o "$out/$cmd.json"
		read -r t kb <"$out/$cmd.one"
		echo "$cmd: ${t} s, $((kb / 1024)) MiB"
		echo "$t" >>"$out/$cmd.times"
	done
done
o=$(median <"$out/order.times")
r=$(median <"$out/ready.times")
echo "medians of $runs at $n issues, $m links: order $o s, ready $r s, ready/order $(awk -v a="$r" -v b="$o" 'BEGIN {printf "%.2f", a / b}') (target <= 1.5)"
