#!/bin/sh
# Build the libcni driver (test/interop/cnidrive.go) against Debian's libcni sources in GOPATH
# mode, offline: GO111MODULE=off, GOPATH = a private dir + /usr/share/gocode, GOCACHE and the
# output under build/test/interop/ (so repeated runs are cache hits). Rebuilds only when the
# source is newer than the binary.
# Usage: test/interop/build.sh [OUT]   (default build/test/interop/cnidrive)
# Exit 77 when go or the libcni sources are missing (callers skip).
set -eu
cd "$(dirname "$0")/../.."
out=${1:-build/test/interop/cnidrive}
src=test/interop/cnidrive.go
libcni=/usr/share/gocode/src/github.com/containernetworking/cni/libcni
if ! command -v go >/dev/null 2>&1 || [ ! -d "$libcni" ]; then
	echo "interop: go or golang-github-appc-cni-dev missing (run tools/deps.sh)" >&2
	exit 77
fi
if [ -x "$out" ] && [ ! "$src" -nt "$out" ]; then
	exit 0
fi
dir=$(cd "$(dirname "$out")" 2>/dev/null && pwd || { mkdir -p "$(dirname "$out")" && cd "$(dirname "$out")" && pwd; })
gopath=$dir/gopath
mkdir -p "$gopath/src/cnidrive" "$dir/gocache"
cp "$src" "$gopath/src/cnidrive/main.go"
cd "$gopath/src/cnidrive"
env GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$dir/gocache" GOFLAGS= \
	GOPROXY=off CGO_ENABLED=0 go build -o "$dir/cnidrive.tmp" .
mv "$dir/cnidrive.tmp" "$dir/$(basename "$out")"
