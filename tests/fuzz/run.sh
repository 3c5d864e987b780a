#!/usr/bin/env bash
# Build the libFuzzer targets in build-fuzz/ and run each for SECONDS.
# usage: tests/fuzz/run.sh [--grow] SECONDS [target...]
#   --grow   afterwards merge the new interesting inputs into the committed
#            corpus tests/fuzz/corpus/<target>/ (otherwise it is only read)
#   target   names from tests/fuzz/CMakeLists.txt (default: all of them)
# Prints a summary table (executions per second, libFuzzer's final cov: and
# ft:); exits 1 if any target crashed, leaving the input in
# build-fuzz/crashes/<target>-crash-<sha1> (rerun: build-fuzz/fuzz_<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
src=$PWD

grow=0
if [ "${1:-}" = "--grow" ]; then
	grow=1
	shift
fi
secs=${1:?usage: tests/fuzz/run.sh [--grow] SECONDS [target...]}
shift
case "$secs" in '' | *[!0-9]*) echo "run.sh: SECONDS must be a number: $secs" >&2; exit 2 ;; esac

bash tests/install-deps.sh fuzz

build=build-fuzz
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DISSUEGRAPH_FUZZ=ON -DISSUEGRAPH_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz -j"$(nproc 2>/dev/null || echo 2)" >"$build/build.log" 2>&1 ||
	{ cat "$build/build.log"; echo "run.sh: the fuzz build failed" >&2; exit 1; }

if [ $# -gt 0 ]; then
	targets=("$@")
else
	mapfile -t targets < <(grep -v '^$' "$build/fuzz-targets.txt")
fi

mkdir -p "$build/crashes" "$build/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}

failed=()
rows=()
for t in "${targets[@]}"; do
	bin=$build/fuzz_$t
	[ -x "$bin" ] || { echo "run.sh: no target $t (see tests/fuzz/CMakeLists.txt)" >&2; exit 2; }
	seeds=$src/tests/fuzz/corpus/$t
	work=$build/corpus/$t # new inputs land here, never in the committed seeds
	mkdir -p "$seeds" "$work"
	log=$build/logs/$t.log
	args=(-max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$build/crashes/$t-" -dict="$src/tests/fuzz/gitlab.dict")
	[ -f "$src/tests/fuzz/$t.options" ] && mapfile -t -O ${#args[@]} args < <(grep -v '^#' "$src/tests/fuzz/$t.options")
	echo "run.sh: fuzz_$t for ${secs}s" >&2
	status=ok
	"$bin" "${args[@]}" "$work" "$seeds" >"$log" 2>&1 || status=CRASH
	if [ "$status" = CRASH ]; then
		failed+=("$t")
		tail -n 40 "$log" >&2
		ls "$build/crashes/$t-"* 2>/dev/null | sed 's/^/run.sh: crashing input: /' >&2 || true
	fi
	done_line=$(grep -E '^#[0-9]+ +DONE ' "$log" | tail -n 1 || true)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
	# a run cut short by a crash has no DONE line: its last status line
	[ -n "$cov" ] || cov=$(grep -oE ' cov: [0-9]+' "$log" | tail -n 1 | tr -dc 0-9 || true)
	[ -n "$ft" ] || ft=$(grep -oE ' ft: [0-9]+' "$log" | tail -n 1 | tr -dc 0-9 || true)
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1 || true)
	units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1 || true)
	if [ "$grow" = 1 ] && [ "$status" = ok ]; then
		"$bin" -merge=1 -dict="$src/tests/fuzz/gitlab.dict" "$seeds" "$work" >>"$log" 2>&1 ||
			echo "run.sh: merging into $seeds failed (see $log)" >&2
	fi
	rows+=("$(printf '%-10s %-6s %10s %10s %8s %8s' "$t" "$status" "${units:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}")")
done

printf '%-10s %-6s %10s %10s %8s %8s\n' target result execs exec/s cov ft
printf '%s\n' "${rows[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "run.sh: FAILED: ${failed[*]} (inputs in $build/crashes/)" >&2
	exit 1
fi
