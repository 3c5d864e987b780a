#!/usr/bin/env bash
# Build issuegraph and run the whole test suite with ctest.
# usage: tests/run-tests.sh [--sanitize | --release] [ctest arguments...]
#   --sanitize  build in build-sanitize/ with AddressSanitizer and
#               UndefinedBehaviorSanitizer and run the suite there
#   --release   build in build-release/ as Release (-O3: the optimiser sees
#               other things, and warns about other things) and run it there
# Warnings are errors here (ISSUEGRAPH_WERROR=ON), not in a user's build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh test

build=build
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DISSUEGRAPH_TESTS=ON -DISSUEGRAPH_WERROR=ON)
if [ "${1:-}" = "--release" ]; then
	shift
	build=build-release
	cmake_args=(-DCMAKE_BUILD_TYPE=Release -DISSUEGRAPH_TESTS=ON -DISSUEGRAPH_WERROR=ON)
elif [ "${1:-}" = "--sanitize" ]; then
	shift
	build=build-sanitize
	cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DISSUEGRAPH_SANITIZE=ON -DISSUEGRAPH_TESTS=ON -DISSUEGRAPH_WERROR=ON)
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	if [ -f tests/lsan.supp ]; then
		export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
	fi
	export IG_SANITIZED=1
fi
jobs=$(nproc 2>/dev/null || echo 2)
# ISSUEGRAPH_TESTS=ON explicitly: examples/run-example.sh shares build/ and
# turns the tests off there, and a cached OFF must not make this a no-op.
cmake -S . -B "$build" "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$jobs"
cd "$build"
ctest --output-on-failure --no-tests=error -j"$jobs" "$@"
