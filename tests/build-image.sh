#!/usr/bin/env bash
# Build the release image here as the release pipeline's build-image job
# does (.gitlab-ci.yml): the .deb by CPack, then Containerfile by buildah
# (Debian's package, no daemon), then run it: non-root, issuegraph and
# issuegraph-mr-note on PATH, `issuegraph --version`. Not part of ctest: it
# takes minutes and needs Debian's mirror.
#
# Where docker.io cannot be reached (only Debian's and npm's registries are
# here), the base is a stand-in: a debootstrap minbase bookworm root
# imported as localhost/debian-minbase:12 and given to `buildah build
# --from` in place of debian:12-slim; everything after FROM runs as written.
# usage: tests/build-image.sh [WORKDIR]   (as root)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/issuegraph-image}
bah=(buildah --storage-driver vfs)
mkdir -p "$work"
command -v buildah >/dev/null || apt-get install -y -qq --no-install-recommends buildah >/dev/null
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DISSUEGRAPH_TESTS=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
rm -f "$work"/build/issuegraph_*.deb
(cd "$work/build" && cpack -G DEB >/dev/null)
rm -rf "$work/ctx" && mkdir -p "$work/ctx/dist"
cp "$work"/build/issuegraph_*_amd64.deb "$work/ctx/dist/"
cp "$src/Containerfile" "$work/ctx/"
from=()
if ! timeout 120 "${bah[@]}" pull -q docker.io/library/debian:12-slim >/dev/null 2>&1; then
	echo "build-image: docker.io/library/debian:12-slim cannot be pulled here; using a debootstrap minbase stand-in" >&2
	if ! "${bah[@]}" inspect localhost/debian-minbase:12 >/dev/null 2>&1; then
		command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
		mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 | awk '{print $2}')
		[ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list | grep -v security | head -n1 | awk '{print $2}')
		rm -rf "$work/root"
		debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1
		ctr=$("${bah[@]}" from scratch)
		mnt=$("${bah[@]}" mount "$ctr")
		tar -C "$work/root" -cf - . | tar -C "$mnt" -xf -
		"${bah[@]}" umount "$ctr" >/dev/null
		"${bah[@]}" commit -q "$ctr" localhost/debian-minbase:12 >/dev/null
		"${bah[@]}" rm "$ctr" >/dev/null
		rm -rf "$work/root"
	fi
	from=(--from localhost/debian-minbase:12)
fi
version=$(dpkg-deb -f "$work"/ctx/dist/issuegraph_*_amd64.deb Version)
"${bah[@]}" build -q --isolation chroot "${from[@]}" -f "$work/ctx/Containerfile" \
	-t "localhost/issuegraph:$version" "$work/ctx" >/dev/null
ctr=$("${bah[@]}" from "localhost/issuegraph:$version")
trap '"${bah[@]}" rm "$ctr" >/dev/null 2>&1 || true' EXIT
out=$("${bah[@]}" run --isolation chroot "$ctr" -- sh -c \
	'id -u; for t in issuegraph issuegraph-mr-note curl jq; do command -v "$t"; done; issuegraph --version')
echo "$out"
[ "$(sed -n 1p <<<"$out")" != 0 ] || { echo "FAIL: the image runs as root"; exit 1; }
for t in issuegraph issuegraph-mr-note curl jq; do
	grep -qx "/usr/bin/$t" <<<"$out" || { echo "FAIL: no /usr/bin/$t in the image"; exit 1; }
done
grep -qx "issuegraph $version" <<<"$out" || { echo "FAIL: the image's issuegraph is not $version"; exit 1; }
"${bah[@]}" images --digests "localhost/issuegraph:$version"
echo "ok: localhost/issuegraph:$version"
