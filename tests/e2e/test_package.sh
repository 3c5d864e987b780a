#!/usr/bin/env bash
# cpack -G DEB makes a .deb that declares its shared-library dependencies
# (so apt-get pulls them in on a fresh Debian 12) and holds a working
# binary and the man page.
set -euo pipefail
: "${IG_BUILD_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpack -G DEB -B "$tmp/out" --config "$IG_BUILD_DIR/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1 ||
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
"$tmp/root/usr/bin/issuegraph" --version | grep -q '^issuegraph [0-9]' ||
	{ echo "FAIL: packaged binary does not run"; exit 1; }
echo "ok: $(basename "$deb")"
