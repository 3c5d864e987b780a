#!/bin/sh
# Build and run the textdeps benchmark (not part of the default build).
#   bench/textdeps/run.sh [runs]      (from anywhere; writes into $OUT)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-${TMPDIR:-/tmp}/bench_textdeps}
CC=${CC:-cc}
mkdir -p "$OUT"
$CC -std=c11 -O2 -g -Wall -Wextra -I"$SRC/fetch" "$HERE/bench_textdeps.c" "$SRC/fetch/textdeps.c" \
	-o "$OUT/bench_textdeps"
[ -f "$OUT/corpus.bin" ] || python3 "$HERE/gen_corpus.py" "$OUT/corpus.bin" 2000
"$OUT/bench_textdeps" "$OUT/corpus.bin" "${1:-5}"
"$OUT/bench_textdeps" --worst
