#!/bin/bash
# Import / export at scale: wall time and peak RSS of `issuegraph import` and
# `issuegraph export` on a generated snapshot (default 1,000,000 issues and
# 2,000,000 links), each the median of 3 runs, next to a plain sqlite3 CLI
# bulk load of the same rows (CSV .import into the same tables in one
# transaction) for comparison.
#
# usage: bench/import_export.sh [ISSUES [LINKS]]
#   IG_BIN   the binary (default: build/cli/issuegraph beside this script)
#   OUT      work directory (default: bench/out, git-ignored)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
issues=${1:-1000000}
links=${2:-2000000}
bin=${IG_BIN:-$root/build/cli/issuegraph}
out=${OUT:-$here/out}
py=/usr/bin/python3
runs=3

[ -x "$bin" ] || { echo "bench: no binary at $bin (set IG_BIN)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 CLI not installed" >&2; exit 2; }
mkdir -p "$out"
snap=$out/snap-$issues-$links.json
csvdir=$out/csv-$issues-$links
if [ ! -s "$snap" ] || [ ! -s "$csvdir/links.csv" ]; then
	echo "generating $issues issues, $links links ..." >&2
	$py "$here/gen_snapshot.py" --csv "$csvdir" "$issues" "$links" "$snap"
fi
echo "snapshot: $snap ($(du -h "$snap" | cut -f1))"

# "LABEL: W s wall, C s CPU, peak RSS M MB", each the median over the
# lines "wall KB user sys" of file F (columns sorted apart)
report() {
	local label=$1 f=$2
	awk -v label="$label" '
		{ w[NR] = $1; m[NR] = $2; c[NR] = $3 + $4 }
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)]
		}
		END { printf "%s: %.2f s wall, %.2f s CPU, peak RSS %.0f MB (median of %d)\n",
			label, med(w, NR), med(c, NR), med(m, NR) / 1024, NR }' "$f"
}
median_wall() {
	cut -d' ' -f1 "$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
median_cpu() {
	awk '{ print $3 + $4 }' "$1" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

db=$out/bench.db
times=$out/times.txt

: >"$times"
for i in $(seq $runs); do
	rm -f "$db" "$db-wal" "$db-shm"
	/usr/bin/time -o "$times" -a -f '%e %M %U %S' "$bin" --db "$db" import -q "$snap"
done
report "issuegraph import" "$times"
imp_t=$(median_wall "$times")
imp_c=$(median_cpu "$times")

: >"$times"
for i in $(seq $runs); do
	/usr/bin/time -o "$times" -a -f '%e %M %U %S' "$bin" --db "$db" export -o "$out/export.json"
done
report "issuegraph export" "$times"

# Replacing a full store (import over the previous contents).
: >"$times"
/usr/bin/time -o "$times" -a -f '%e %M %U %S' "$bin" --db "$db" import -q "$out/export.json"
report "issuegraph import over a full store" "$times"

# The same rows through the sqlite3 CLI into the same (empty) tables, same
# page cache size as issuegraph's import; foreign keys off (the CLI default;
# issuegraph checks references itself during an import).
base=$out/empty.db
rm -f "$base"*
printf '{"version":1,"source":"","projects":[],"issues":[],"links":[]}' |
	"$bin" --db "$base" import -q -
: >"$times"
for i in $(seq $runs); do
	cp "$base" "$db"
	rm -f "$db-wal" "$db-shm"
	/usr/bin/time -o "$times" -a -f '%e %M %U %S' sqlite3 "$db" >/dev/null <<EOF
PRAGMA foreign_keys=OFF;
PRAGMA cache_size=-131072;
.mode csv
BEGIN;
.import $csvdir/projects.csv projects
.import $csvdir/issues.csv issues
.import $csvdir/links.csv links
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
EOF
done
n=$(sqlite3 "$db" 'SELECT count(*) FROM issues')
[ "$n" = "$issues" ] || { echo "bench: sqlite3 loaded $n issues, not $issues" >&2; exit 1; }
report "sqlite3 CLI CSV .import" "$times"
sq_t=$(median_wall "$times")
sq_c=$(median_cpu "$times")
awk -v a="$imp_t" -v b="$sq_t" -v c="$imp_c" -v d="$sq_c" 'BEGIN {
	printf "import / sqlite3 bulk load: %.2fx wall, %.2fx CPU\n", a / b, c / d }'
rm -f "$db" "$db-wal" "$db-shm" "$base"
