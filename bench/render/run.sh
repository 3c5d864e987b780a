#!/usr/bin/env bash
# Render time and peak memory of `issuegraph render --format svg` on
# generated graphs, with the dot and the sfdp layout: the median of
# $REPS runs (default 3) each, peak RSS from /usr/bin/time -f %M.
# A run over $TIMEOUT seconds (default 600) is stopped and reported as such.
#
# usage: bench/render/run.sh [SIZES...]     (default: 100 1000 5000)
# env:   IG_BIN (default build/cli/issuegraph), REPS, TIMEOUT, LAYOUTS ("dot sfdp")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
IG_BIN=${IG_BIN:-$here/../../build/cli/issuegraph}
REPS=${REPS:-3}
TIMEOUT=${TIMEOUT:-600}
LAYOUTS=${LAYOUTS:-dot sfdp}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-7s %-6s %-6s %10s %12s\n' issues drawn layout "median s" "peak RSS MB"
for n in "${sizes[@]}"; do
	/usr/bin/python3 "$here/gen_graph.py" "$n" "$work/g$n.json"
	"$IG_BIN" --db "$work/g$n.db" import "$work/g$n.json" >/dev/null 2>&1
	drawn=$("$IG_BIN" --db "$work/g$n.db" render | grep -c '^[[:space:]]*"[^"]*#[0-9]*"[[:space:]]*\[' || true)
	for layout in $LAYOUTS; do
		: >"$work/times"
		: >"$work/rss"
		status=ok
		for ((r = 0; r < REPS; r++)); do
			if ! timeout "$TIMEOUT" /usr/bin/time -f '%e %M' -o "$work/t" \
				"$IG_BIN" --db "$work/g$n.db" render --format svg --layout "$layout" \
				--max-nodes 0 -o "$work/out.svg"; then
				status="over ${TIMEOUT}s"
				break
			fi
			read -r secs kb <"$work/t"
			echo "$secs" >>"$work/times"
			echo "$kb" >>"$work/rss"
		done
		if [ "$status" = ok ]; then
			printf '%-7s %-6s %-6s %10s %12s\n' "$n" "$drawn" "$layout" \
				"$(median <"$work/times")" "$(awk '{print $1/1024}' "$work/rss" | median)"
		else
			printf '%-7s %-6s %-6s %10s %12s\n' "$n" "$drawn" "$layout" "$status" "-"
		fi
	done
done
