#!/usr/bin/env bash
# Static analysis: cppcheck over every translation unit of the build, with
# the compile commands CMake writes (same defines and include paths).
# usage: tests/static-analysis.sh
# Exit 1 on any finding. A finding that is wrong is suppressed where it is
# (// cppcheck-suppress id, with a comment saying why) or in
# tests/cppcheck.supp (with the reason); a finding that is right is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh test
command -v cppcheck >/dev/null || { echo "static-analysis: cppcheck is not installed" >&2; exit 1; }

build=build-analysis
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISSUEGRAPH_TESTS=ON \
	-DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
# version.h is generated at build time; cppcheck reads the generated one.
cmake --build "$build" --target issuegraph -j"$(nproc 2>/dev/null || echo 2)" >/dev/null

# warning, portability, performance: the classes that find bugs. "style"
# (scope could be reduced, could be const) is advice, not a gate.
cppcheck --project="$build/compile_commands.json" \
	--enable=warning,portability,performance \
	--inline-suppr --suppressions-list=tests/cppcheck.supp \
	--suppress=missingIncludeSystem \
	--error-exitcode=1 --quiet -j"$(nproc 2>/dev/null || echo 2)" \
	--template='{file}:{line}: {severity} {id}: {message}'
echo "static-analysis: cppcheck $(cppcheck --version | sed 's/^Cppcheck //'): no findings"
