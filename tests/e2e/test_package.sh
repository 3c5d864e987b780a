#!/usr/bin/env bash
# cpack -G DEB makes a .deb that declares its shared-library dependencies
# (so apt-get pulls them in on a fresh Debian 12) and holds a working
# binary and the man page, built as the README builds it: without the
# tests, so without the crawl's test hooks ($ISSUEGRAPH_TEST_*).
set -euo pipefail
: "${IG_BUILD_DIR:?}" "${IG_SOURCE_DIR:?}" "${IG_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# every hook, whatever its name: the SPEC says a build without the tests
# reads none (each must be compiled out, not only the crawl's)
hooks='ISSUEGRAPH_TEST_[A-Z_]+'
# the check below can fail: the test build has the hooks, each one we know of
strings "$IG_BIN" >"$tmp/test-build.strings"
for h in KILL_AT_COMMIT MAX_OFFSET BODY_CAP BODY_BUDGET; do
	grep -q "ISSUEGRAPH_TEST_$h" "$tmp/test-build.strings" ||
		{ echo "FAIL: the test build lacks the hook ISSUEGRAPH_TEST_$h (is the check still meaningful?)"; exit 1; }
done
# a build without the tests, kept next to the test build (incremental)
pkg=$IG_BUILD_DIR/package-build
cmake -S "$IG_SOURCE_DIR" -B "$pkg" -DCMAKE_BUILD_TYPE=Release -DISSUEGRAPH_TESTS=OFF \
	>"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; exit 1; }
cmake --build "$pkg" -j2 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
cpack -G DEB -B "$tmp/out" --config "$pkg/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1 ||
	{ cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/out/issuegraph_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libcurl4 libjson-c5 libsqlite3-0 libgvc6 libcgraph6 libxml2; do
	grep -q "$lib" <<<"$depends" || { echo "FAIL: Depends lacks $lib"; exit 1; }
done
dpkg-deb -x "$deb" "$tmp/root"
test -x "$tmp/root/usr/bin/issuegraph" || { echo "FAIL: no /usr/bin/issuegraph"; exit 1; }
ls "$tmp"/root/usr/share/man/man1/issuegraph.1* >/dev/null || { echo "FAIL: no man page"; exit 1; }
# the CI component's note writer, and what it needs said to apt
test -x "$tmp/root/usr/bin/issuegraph-mr-note" || { echo "FAIL: no /usr/bin/issuegraph-mr-note"; exit 1; }
bash -n "$tmp/root/usr/bin/issuegraph-mr-note" || { echo "FAIL: issuegraph-mr-note does not parse"; exit 1; }
recommends=$(dpkg-deb -f "$deb" Recommends)
echo "Recommends: $recommends"
for p in ca-certificates curl jq; do
	grep -qw "$p" <<<"$recommends" || { echo "FAIL: Recommends lacks $p"; exit 1; }
done
# the release image's recipe: Debian 12 slim, this .deb, no compiler, not root
cf=$IG_SOURCE_DIR/Containerfile
grep -Eq '^FROM (docker\.io/library/)?debian:12-slim$' "$cf" || { echo "FAIL: Containerfile: not FROM debian:12-slim"; exit 1; }
grep -q 'issuegraph_\*_amd64\.deb' "$cf" || { echo "FAIL: Containerfile does not install the .deb"; exit 1; }
grep -Eq '^USER [1-9][0-9]*' "$cf" || { echo "FAIL: Containerfile: the image runs as root"; exit 1; }
if grep -Eiq 'build-essential|cmake|gcc|git clone|-dev\b' "$cf"; then echo "FAIL: Containerfile compiles"; exit 1; fi
"$tmp/root/usr/bin/issuegraph" --version | grep -q '^issuegraph [0-9]' ||
	{ echo "FAIL: packaged binary does not run"; exit 1; }
strings "$tmp/root/usr/bin/issuegraph" >"$tmp/package.strings"
if grep -E "$hooks" "$tmp/package.strings"; then
	echo "FAIL: the packaged binary holds the test hooks"
	exit 1
fi
echo "ok: $(basename "$deb")"
