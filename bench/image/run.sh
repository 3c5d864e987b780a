#!/usr/bin/env bash
# The graph image (analyze/graph_image.c) against loading from rows, in the
# same run: check, report --format json, cycles and path on one store.
# usage: IG_BIN=build/cli/issuegraph [BASE_BIN=/path/to/issuegraph-without-image]
#        bash bench/image/run.sh [ISSUES] [LINKS] [RUNS]
# Per command and run, interleaved:
#   image  the image in place (every run after the first since a change)
#   first  the image dropped first (sqlite3 DELETE): the run that rebuilds it
#   base   BASE_BIN (a build without the image, e.g. of main) on its own
#          import of the same snapshot; skipped when BASE_BIN is unset
# Prints each run's wall time, user CPU and peak RSS, then medians and ratios.
# Stores: $OUT/img-N-M.db (and base-N-M.db); DB=/BASE_DB= reuse existing ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ig=${IG_BIN:-$here/../../build/cli/issuegraph}
base=${BASE_BIN:-}
n=${1:-1000000}
m=${2:-1500000}
runs=${3:-3}
out=${OUT:-$here/../out/image}
mkdir -p "$out"
snap=$out/snap-$n-$m.json
db=${DB:-$out/img-$n-$m.db}
bdb=${BASE_DB:-$out/base-$n-$m.db}
need_snap() { [ -f "$snap" ] || /usr/bin/python3 "$here/../gen_snapshot.py" "$n" "$m" "$snap" >/dev/null; }
[ -f "$db" ] || { need_snap; "$ig" --db "$db" import -q "$snap"; }
if [ -n "$base" ] && [ ! -f "$bdb" ]; then need_snap; "$base" --db "$bdb" import -q "$snap"; fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

one() { # label bin db args...
	local label=$1 bin=$2 store=$3
	shift 3
	# exit 1 is "knots found" (check), not a failure
	/usr/bin/time -f "%e %U %M" -o "$out/one.t" "$bin" --db "$store" "$@" >/dev/null 2>"$out/one.err" || [ $? -eq 1 ]
	read -r t u kb < <(tail -n 1 "$out/one.t") # after "Command exited with ..."
	echo "$t" >>"$out/$label.wall"
	echo "$u" >>"$out/$label.user"
	printf '  %-6s %6.2f s wall %6.2f s user %5d MiB\n' "$label" "$t" "$u" $((kb / 1024))
}

"$ig" --db "$db" check >/dev/null 2>&1 || true # leave an image in place
for cmd in "check" "report --format json" "cycles --format json" "path --format json"; do
	echo "$cmd ($n issues, $m links):"
	rm -f "$out"/*.wall "$out"/*.user
	for _ in $(seq "$runs"); do
		# shellcheck disable=SC2086
		[ -z "$base" ] || one base "$base" "$bdb" $cmd
		sqlite3 "$db" "DELETE FROM graph_image"
		# shellcheck disable=SC2086
		one first "$ig" "$db" $cmd
		# shellcheck disable=SC2086
		one image "$ig" "$db" $cmd
	done
	line="  medians of $runs:"
	for l in base first image; do
		[ -f "$out/$l.wall" ] || continue
		line="$line $l $(median <"$out/$l.wall") s ($(median <"$out/$l.user") s user)"
	done
	echo "$line"
	if [ -n "$base" ]; then
		awk -v a="$(median <"$out/base.wall")" -v b="$(median <"$out/image.wall")" \
			-v c="$(median <"$out/base.user")" -v d="$(median <"$out/image.user")" \
			'BEGIN {printf "  base/image: %.2fx wall, %.2fx user CPU\n", a / b, c / d}'
	fi
done
