#!/usr/bin/env bash
# Install the Debian 12 packages issuegraph needs, when any is missing.
# usage: tests/install-deps.sh build|example|test|fuzz
# "build": compiler and libraries; "example": + the test server's Python and
# fonts; "test": + cmocka, networkx, Chromium/WebDriver for the HTML report,
# cppcheck for tests/static-analysis.sh; "fuzz": build + clang and its
# libFuzzer/sanitizer runtimes (tests/fuzz/run.sh).
set -euo pipefail
set_name=${1:-test}

build=(build-essential cmake pkg-config file dpkg-dev
       libcurl4-openssl-dev libjson-c-dev libsqlite3-dev libgraphviz-dev graphviz
       libxml2-dev fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)
example=(python3 sqlite3)
test=(libcmocka-dev python3-networkx python3-yaml python3-selenium chromium chromium-driver
      libxml2-utils time procps cppcheck)
fuzz=(clang libclang-rt-14-dev)

pkgs=("${build[@]}")
case "$set_name" in
build) ;;
example) pkgs+=("${example[@]}") ;;
test) pkgs+=("${example[@]}" "${test[@]}") ;;
fuzz) pkgs+=("${fuzz[@]}") ;;
*) echo "usage: $0 build|example|test|fuzz" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: these Debian packages are missing and you are not root: ${missing[*]}" >&2
		echo "install-deps: run this script as root, or: apt-get install ${missing[*]}" >&2
		exit 1
	fi
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
