#!/bin/sh
# Build, offline, what other people wrote to test a CNI plugin, at the versions Debian ships:
#   build/peer/bin/bridge.test      the Go test suite of plugins/main/bridge      } of
#   build/peer/bin/host-local.test  the Go test suite of plugins/ipam/host-local  } containernetworking-plugins
#   build/peer/bin/cnitool          cnitool, libcni's command-line runtime (golang-github-appc-cni)
# from Debian's source packages at the installed versions (tools/debian-source.sh, into
# build/debian-src), in GOPATH mode (GO111MODULE=off, GOPROXY=off) against Debian's golang-*-dev
# packages in /usr/share/gocode.
#
# The suites call their package's cmdAdd/cmdCheck/cmdDel in-process. In the build copy those
# are renamed refCmdAdd/refCmdCheck/refCmdDel and test/peer/exec_plugin.go defines cmdAdd etc.
# as an exec of $PEER_PLUGIN_DIR/<plugin>; test/peer/report_test.go writes one JSON line per
# spec into $PEER_REPORT. So one binary runs against any plugin directory (test/peer/run.sh).
#
# Cached: nothing is rebuilt while the inputs (source versions, go version, the installed
# golang-*-dev packages, the files of test/peer used here) are unchanged; Go's build cache is
# build/peer/gocache.
# Exit 77 with the reason on stderr when something needed is missing (no go, a source package
# or a golang-*-dev package unavailable): callers skip and say why.
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
out=$root/build/peer
peer=$root/test/peer
srcdir=$root/build/debian-src

skip() {
	echo "peer: $*" >&2
	exit 77
}

command -v go >/dev/null 2>&1 || skip "go is not installed (golang-go; make deps)"

# Go packages the suites and cnitool import, by the Debian package that ships them.
gocode=/usr/share/gocode/src
missing=""
for pair in github.com/onsi/ginkgo:golang-github-onsi-ginkgo-dev \
	github.com/onsi/gomega:golang-gomega-dev \
	github.com/vishvananda/netlink:golang-github-vishvananda-netlink-dev \
	github.com/vishvananda/netns:golang-github-vishvananda-netns-dev \
	github.com/coreos/go-iptables:golang-github-coreos-go-iptables-dev \
	github.com/networkplumbing/go-nft:golang-github-networkplumbing-go-nft-dev \
	github.com/alexflint/go-filemutex:golang-github-alexflint-go-filemutex-dev \
	golang.org/x/sys:golang-golang-x-sys-dev \
	github.com/safchain/ethtool:golang-github-safchain-ethtool-dev \
	github.com/containernetworking/cni:golang-github-appc-cni-dev; do
	[ -d "$gocode/${pair%%:*}" ] || missing="$missing ${pair#*:}"
done
[ -z "$missing" ] || skip "missing Go sources in $gocode:$missing (make deps)"

err=$(tools/debian-source.sh "$srcdir" containernetworking-plugins golang-github-appc-cni-dev 2>&1) ||
	skip "no Debian source package: $(echo "$err" | tail -1)"
plugins_src=$srcdir/golang-github-containernetworking-plugins
cni_src=$srcdir/golang-github-appc-cni

mkdir -p "$out/bin"
exec 9>"$out/.lock" # two builds at once take turns; the second finds the first's result
flock 9
stamp=$(
	go version
	cat "$plugins_src/.debian-version" "$cni_src/.debian-version"
	dpkg-query -W 'golang-*-dev' 2>/dev/null
	cat "$peer/build.sh" "$peer/exec_plugin.go" "$peer/report_test.go"
)
stamp=$(printf '%s' "$stamp" | sha256sum | cut -d' ' -f1)
bins="$out/bin/bridge.test $out/bin/host-local.test $out/bin/cnitool"
fresh=1
for b in $bins; do [ -x "$b" ] || fresh=0; done
if [ $fresh = 1 ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

gopath=$out/gopath
rm -rf "$gopath" "$out/.stamp"
org=$gopath/src/github.com/containernetworking
mkdir -p "$org"
# The copies: everything but Debian's packaging (small: a few MB).
cp -a "$plugins_src" "$org/plugins"
cp -a "$cni_src" "$org/cni"
rm -rf "$org/plugins/debian" "$org/cni/debian" "$org/plugins/.pc" "$org/cni/.pc"

# patch_pkg DIR PLUGIN FILE SUITE : rename FILE's cmd* definitions, add the exec and the reporter
patch_pkg() {
	d=$org/plugins/$1
	sed -i -e 's/^func cmdAdd(/func refCmdAdd(/' -e 's/^func cmdCheck(/func refCmdCheck(/' \
		-e 's/^func cmdDel(/func refCmdDel(/' "$d/$3"
	for f in refCmdAdd refCmdCheck refCmdDel; do
		grep -q "^func $f(" "$d/$3" || {
			echo "peer: $1/$3 has no func ${f#ref} to rename: the suite's layout changed" >&2
			exit 1
		}
	done
	sed "s/@PLUGIN@/$2/" "$peer/exec_plugin.go" >"$d/zz_peer_exec.go"
	cp "$peer/report_test.go" "$d/zz_peer_report_test.go"
	sed -i 's/^\(\s*\)RunSpecs(t, \(.*\))$/\1RunSpecsWithDefaultAndCustomReporters(t, \2, peerReporters())/' "$d/$4"
	grep -q peerReporters "$d/$4" || {
		echo "peer: $1/$4 has no RunSpecs(t, ...) line: the suite's layout changed" >&2
		exit 1
	}
}
patch_pkg plugins/main/bridge bridge bridge.go bridge_suite_test.go
patch_pkg plugins/ipam/host-local host-local main.go host_local_suite_test.go

goenv() {
	env GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOCACHE="$out/gocache" GOFLAGS= \
		GOPROXY=off CGO_ENABLED=0 "$@"
}
(cd "$org/plugins" &&
	goenv go test -c -o "$out/bin/bridge.test.tmp" ./plugins/main/bridge &&
	goenv go test -c -o "$out/bin/host-local.test.tmp" ./plugins/ipam/host-local)
(cd "$org/cni" && goenv go build -o "$out/bin/cnitool.tmp" ./cnitool)
for b in $bins; do mv -f "$b.tmp" "$b"; done
echo "$stamp" >"$out/.stamp"
