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

# median time and median RSS of a file of "seconds KB" lines (sorted apart)
median_pair() {
	local f=$1
	local t m
	t=$(cut -d' ' -f1 "$f" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	m=$(cut -d' ' -f2 "$f" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	echo "$t $m"
}

db=$out/bench.db
times=$out/times.txt

: >"$times"
for i in $(seq $runs); do
	rm -f "$db" "$db-wal" "$db-shm"
	/usr/bin/time -o "$times" -a -f '%e %M' "$bin" --db "$db" import -q "$snap"
done
read -r imp_t imp_m < <(median_pair "$times")
printf 'issuegraph import: %.2f s (median of %d), peak RSS %d MB\n' "$imp_t" $runs $((imp_m / 1024))

: >"$times"
for i in $(seq $runs); do
	/usr/bin/time -o "$times" -a -f '%e %M' "$bin" --db "$db" export -o "$out/export.json"
done
read -r exp_t exp_m < <(median_pair "$times")
printf 'issuegraph export: %.2f s (median of %d), peak RSS %d MB\n' "$exp_t" $runs $((exp_m / 1024))

# Replacing a full store (import over the previous contents).
: >"$times"
/usr/bin/time -o "$times" -a -f '%e %M' "$bin" --db "$db" import -q "$out/export.json"
read -r re_t re_m <"$times"
printf 'issuegraph import over a full store: %.2f s, peak RSS %d MB\n' "$re_t" $((re_m / 1024))

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
	/usr/bin/time -o "$times" -a -f '%e %M' sqlite3 "$db" >/dev/null <<EOF
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
read -r sq_t sq_m < <(median_pair "$times")
printf 'sqlite3 CLI CSV .import: %.2f s (median of %d), peak RSS %d MB\n' "$sq_t" $runs $((sq_m / 1024))
awk -v a="$imp_t" -v b="$sq_t" 'BEGIN { printf "import / sqlite3 bulk load: %.2fx\n", a / b }'
rm -f "$db" "$db-wal" "$db-shm" "$base"
