#!/bin/sh
# Builds real crictl binaries from their tags for the reset bench's anchor (`crictl rmp -af`),
# cached under .cache/bench/ (git-ignored). Prints the path of each binary it has, one a line:
#   .cache/bench/crictl-v1.36.0
# Usage: sh scripts/bench/crictl.sh [TAG ...]      (default: v1.36.0 v1.26.1)
# Source: a cri-tools git repo (a clone or a bare mirror) named by CRI_TOOLS_SRC; default the
#   mirror /work/.mirror/kubernetes-sigs+cri-tools/repo when present. Without a source and without a
#   cached binary it prints nothing for that tag and says why on stderr: the bench then skips crictl.
# Go: Debian's golang-1.26 from trixie-backports, fetched with a private apt sources list (own
#   lists, own cache: the machine's apt state is never touched) and unpacked with dpkg -x.
#   GO=/path/to/go uses a toolchain you have instead.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$ROOT/.cache/bench"
SRC=${CRI_TOOLS_SRC:-/work/.mirror/kubernetes-sigs+cri-tools/repo}
[ $# -gt 0 ] || set -- v1.36.0 v1.26.1
mkdir -p "$CACHE"

go_toolchain() {
  if [ -n "${GO:-}" ]; then echo "$GO"; return; fi
  goroot="$CACHE/go-1.26"
  if [ -x "$goroot/bin/go" ]; then echo "$goroot/bin/go"; return; fi
  apt="$CACHE/apt"
  rm -rf "$apt" && mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$apt/x"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main" >"$apt/sources.list"
  set -- -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Get::List-Cleanup=0
  apt-get "$@" -qq update >&2
  (cd "$apt/debs" && apt-get "$@" -qq download golang-1.26-go golang-1.26-src >&2)
  for d in "$apt"/debs/*.deb; do dpkg -x "$d" "$apt/x"; done
  tmp="$goroot.tmp" && rm -rf "$tmp" && mkdir -p "$tmp"
  cp -a "$apt/x/usr/lib/go-1.26/." "$tmp/"
  # golang-1.26-go's GOROOT links src/, lib/, pkg/include … into /usr/share/go-1.26, which both
  # packages fill (the -src package's tree plus the generated files the -go package ships there):
  # replace the links with that merged tree.
  find "$tmp" -maxdepth 2 -type l -delete
  cp -a "$apt/x/usr/share/go-1.26/." "$tmp/"
  rm -rf "$apt" && mv "$tmp" "$goroot"
  echo "$goroot/bin/go"
}

for tag in "$@"; do
  bin="$CACHE/crictl-$tag"
  if [ -x "$bin" ]; then echo "$bin"; continue; fi
  if ! git -C "$SRC" rev-parse -q --verify "refs/tags/$tag" >/dev/null 2>&1; then
    echo "crictl $tag: no cri-tools source with that tag at $SRC (set CRI_TOOLS_SRC)" >&2
    continue
  fi
  go=$(go_toolchain)
  tree="$CACHE/cri-tools-$tag" && rm -rf "$tree" && mkdir -p "$tree"
  git -C "$SRC" archive "$tag" | tar -x -C "$tree"
  (cd "$tree" && GOROOT=$(dirname "$(dirname "$go")") GOFLAGS=-mod=vendor GOTOOLCHAIN=local GOPROXY=off \
    CGO_ENABLED=0 GOCACHE="$CACHE/gocache" "$go" build -o "$bin.tmp" \
    -ldflags "-X sigs.k8s.io/cri-tools/pkg/version.Version=$tag" ./cmd/crictl >&2)
  mv "$bin.tmp" "$bin" && rm -rf "$tree"
  echo "$bin"
done
