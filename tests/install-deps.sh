#!/usr/bin/env bash
# Install the Debian 12 packages issuegraph needs, when any is missing.
# usage: tests/install-deps.sh build|example|test|fuzz
# "build": compiler and libraries; "example": + the test server's Python and
# fonts; "test": + cmocka, networkx, Chromium/WebDriver for the HTML report,
# graphql-core for the test server's GitLab GraphQL endpoint,
# cppcheck for tests/static-analysis.sh, npm and npm's mermaid package for
# the markdown report's diagram, the programs the CI component's jobs call
# (curl and jq for issuegraph-mr-note) and npm's gitlab-ci-local (with git,
# rsync and jsonschema) that runs the component as GitLab CI would;
# "fuzz": build + clang and its libFuzzer/sanitizer runtimes
# (tests/fuzz/run.sh).
set -euo pipefail
set_name=${1:-test}

build=(build-essential cmake pkg-config file dpkg-dev
       libcurl4-openssl-dev libjson-c-dev libsqlite3-dev libgraphviz-dev graphviz
       libxml2-dev fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)
example=(python3 sqlite3)
test=(libcmocka-dev python3-networkx python3-yaml python3-selenium chromium chromium-driver
      libxml2-utils time procps cppcheck python3-graphql-core
      curl jq ca-certificates git rsync python3-jsonschema)
fuzz=(clang libclang-rt-14-dev)

pkgs=("${build[@]}")
case "$set_name" in
build) ;;
example) pkgs+=("${example[@]}") ;;
test) pkgs+=("${example[@]}" "${test[@]}") ;;
fuzz) pkgs+=("${fuzz[@]}") ;;
*) echo "usage: $0 build|example|test|fuzz" >&2; exit 2 ;;
esac

# The markdown report's Mermaid diagram is checked by Mermaid itself: npm's
# mermaid package (one pinned version, kept in a cache outside the tree).
mermaid_version=11.17.2
node_dir=${IG_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/issuegraph/node}
install_mermaid() {
	[ "$set_name" = test ] || return 0
	[ -f "$node_dir/node_modules/mermaid/dist/mermaid.min.js" ] && return 0
	echo "install-deps: installing npm's mermaid@$mermaid_version into $node_dir" >&2
	mkdir -p "$node_dir"
	npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error \
		"mermaid@$mermaid_version" >&2
}

# The CI component is run by a GitLab CI emulator: npm's gitlab-ci-local, one
# pinned version (the newest that runs on Debian 12's Node.js 18), in its own
# cache directory (an npm install into mermaid's would remove mermaid).
gcl_version=4.64.1
gcl_dir=${IG_GCL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/issuegraph/gitlab-ci-local}
install_gcl() {
	[ "$set_name" = test ] || return 0
	local js="$gcl_dir/node_modules/gitlab-ci-local/src/index.js"
	[ -f "$js" ] && [ "$(node "$js" --version 2>/dev/null)" = "$gcl_version" ] && return 0
	echo "install-deps: installing npm's gitlab-ci-local@$gcl_version into $gcl_dir" >&2
	mkdir -p "$gcl_dir"
	npm install --prefix "$gcl_dir" --no-save --no-audit --no-fund --loglevel=error \
		"gitlab-ci-local@$gcl_version" >&2
	node "$js" --version >/dev/null ||
		{ echo "install-deps: gitlab-ci-local@$gcl_version does not run on $(node --version)" >&2; exit 1; }
}

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# npm may come with another build of Node.js (it conflicts with Debian's npm)
if [ "$set_name" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi
if [ ${#missing[@]} -eq 0 ]; then
	install_mermaid
	install_gcl
	exit 0
fi

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
install_mermaid
install_gcl
