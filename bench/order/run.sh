#!/usr/bin/env bash
# order in waves (issue 16) against the order before it (Kahn, refs only),
# in the same run: text and JSON on one generated store.
# usage: IG_BIN=build/cli/issuegraph BASE_BIN=/path/to/old/issuegraph \
#        bash bench/order/run.sh [ISSUES] [LINKS] [RUNS]
# BASE_BIN: a build of an older commit (e.g. 0ebb3e5, before waves); it
# gets its own import of the same snapshot (an older build cannot open a
# newer store). Runs are interleaved; prints each run's wall time, user
# CPU and peak RSS, then medians and the ratio now/base.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ig=${IG_BIN:-$here/../../build/cli/issuegraph}
base=${BASE_BIN:?set BASE_BIN to an older issuegraph build}
n=${1:-1000000}
m=${2:-1500000}
runs=${3:-3}
out=${OUT:-$here/../out/order}
mkdir -p "$out"
snap=$out/snap-$n-$m.json
db=$out/now-$n-$m.db
bdb=$out/base-$n-$m.db
[ -f "$snap" ] || /usr/bin/python3 "$here/../gen_snapshot.py" "$n" "$m" "$snap" >/dev/null
[ -f "$db" ] || "$ig" --db "$db" import -q "$snap"
[ -f "$bdb" ] || "$base" --db "$bdb" import -q "$snap"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
one() { # label bin db args...
	local label=$1 bin=$2 store=$3
	shift 3
	/usr/bin/time -f "%e %U %M" -o "$out/one.t" "$bin" --db "$store" "$@" >/dev/null 2>"$out/one.err"
	read -r t u kb < <(tail -n 1 "$out/one.t")
	echo "$t" >>"$out/$label.wall"
	echo "$u" >>"$out/$label.user"
	printf '  %-5s %6.2f s wall %6.2f s user %5d MiB\n' "$label" "$t" "$u" $((kb / 1024))
}
# leave each store's graph image in place (both builds keep one)
"$ig" --db "$db" order >/dev/null 2>&1
"$base" --db "$bdb" order >/dev/null 2>&1
for cmd in "order" "order --format json"; do
	echo "$cmd ($n issues, $m links):"
	rm -f "$out"/*.wall "$out"/*.user
	for _ in $(seq "$runs"); do
		# shellcheck disable=SC2086
		one base "$base" "$bdb" $cmd
		# shellcheck disable=SC2086
		one now "$ig" "$db" $cmd
	done
	bw=$(median <"$out/base.wall") nw=$(median <"$out/now.wall")
	echo "  medians of $runs: base $bw s ($(median <"$out/base.user") s user)," \
		"now $nw s ($(median <"$out/now.user") s user); now/base $(awk -v a="$nw" -v b="$bw" 'BEGIN {printf "%.2f", a / b}')"
done
