#!/usr/bin/env bash
# The main job end to end on the bundled example: build issuegraph, serve
# examples/example.json through the local GitLab API test server on
# 127.0.0.1, crawl it with the real `fetch`, then analyse and render it.
# Everything it writes goes to build/example/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tests/install-deps.sh example

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISSUEGRAPH_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target issuegraph >/dev/null
ig=$PWD/build/cli/issuegraph
out=$PWD/build/example
mkdir -p "$out"
rm -f "$out/issuegraph.db" "$out/port"

# A local stand-in for https://gitlab.example.com, with a token of its own.
token=example-token-$$
python3 tests/gitlab_server/server.py --data examples/example.json --port 0 \
	--port-file "$out/port" --token "$token" --lifetime 300 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/port" ] && break; sleep 0.1; done
[ -s "$out/port" ] || { echo "run-example: the test server did not start" >&2; exit 1; }
url=http://127.0.0.1:$(cat "$out/port")

export ISSUEGRAPH_DB=$out/issuegraph.db
step() { printf '\n\033[1m$ issuegraph %s\033[0m\n' "$*"; }

step fetch --url "$url" --group acme
GITLAB_TOKEN=$token "$ig" fetch --url "$url" --group acme
step stats
"$ig" stats
step cycles
"$ig" cycles
step path --weight weight
"$ig" path --weight weight
step ready
"$ig" ready
step check --fail-on knots,conflicts
"$ig" check --fail-on knots,conflicts && echo "(exit 0)" || echo "(exit $?: the example has a knot on purpose)"
step render --format svg --legend -o "$out/graph.svg"
"$ig" render --format svg --legend -o "$out/graph.svg"
step report --format html -o "$out/report.html"
"$ig" report --format html -o "$out/report.html"
"$ig" report --format markdown -o "$out/report.md"

printf '\nWrote %s/graph.svg, report.html and report.md (open them in a browser).\n' "$out"
