#!/usr/bin/env bash
# The cost of the schema check on open (issue 19, F3: must stay <= 5 ms).
# usage: bash bench/schema/run.sh [RUNS]   (after building build/)
# Builds bench_schema against build/store/libig_store.a, imports
# examples/example.json into a temporary store, and prints the median of
# RUNS (default 25) of store_schema_check() alone and of a whole
# store_open(), in milliseconds. The check's cost does not grow with the
# data: it reads sqlite_master and builds the reference schema in memory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../..
build=${IG_BUILD_DIR:-$src/build}
runs=${1:-25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/store" -I"$src/store/internal" \
	"$here/bench_schema.c" "$build/store/libig_store.a" \
	$(pkg-config --libs sqlite3 json-c) -o "$tmp/bench_schema"
"$build/cli/issuegraph" --db "$tmp/s.db" import -q "$src/examples/example.json"
"$tmp/bench_schema" "$tmp/s.db" "$runs"
