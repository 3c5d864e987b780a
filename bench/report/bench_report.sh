#!/usr/bin/env bash
# Time check and every report format on generated snapshots, and print the
# figures (wall seconds, peak RSS) with whether bottlenecks were estimated.
# usage: bench/report/bench_report.sh [BUILD_DIR] [SIZES...]
#   SIZES: issue counts (links = 1.5 x issues); default 10000 100000.
#   e.g. bench/report/bench_report.sh build 10000 100000 1000000
# Everything goes to bench/out/report/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
ig=$PWD/$build/cli/issuegraph
[ -x "$ig" ] || { echo "bench_report: no binary at $ig (build first)" >&2; exit 1; }
out=$PWD/bench/out/report
mkdir -p "$out"

measure() { # label, command...
	local label=$1
	shift
	/usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/stdout" 2>"$out/stderr" || true
	read -r secs kb < <(tail -n 1 "$out/time")
	printf '%-34s %8.2f s %8d MiB\n' "$label" "$secs" "$((kb / 1024))"
}

for n in "${sizes[@]}"; do
	links=$((n * 3 / 2))
	snap=$out/snap-$n.json
	db=$out/snap-$n.db
	[ -s "$snap" ] || /usr/bin/python3 bench/gen_snapshot.py "$n" "$links" "$snap"
	rm -f "$db"
	echo "== $n issues, $links links"
	measure "import" "$ig" --db "$db" import "$snap"
	measure "check" "$ig" --db "$db" check
	measure "report --format json" "$ig" --db "$db" report --format json
	est=$(grep -c '"estimated": true' "$out/stdout" || true)
	measure "report --format markdown" "$ig" --db "$db" report --format markdown
	measure "report --format junit" "$ig" --db "$db" report --format junit
	measure "report --format html" "$ig" --db "$db" report --format html -o "$out/report-$n.html"
	echo "   bottlenecks estimated: $([ "$est" -gt 0 ] && echo yes || echo no);" \
		"html $(($(stat -c %s "$out/report-$n.html") / 1024)) KiB"
done
