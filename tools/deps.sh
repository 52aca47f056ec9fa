#!/bin/sh
# Install the Debian packages the build, tests, demo and bench need, only when missing.
# (musl-tools is the C library the static plugins are built on: tools/static-link.mk;
# dpkg-dev unpacks the Debian sources of the static build: tools/debian-source.sh, and builds
# the package: tools/mkdeb.sh; man-db renders the manual pages and lintian checks the package,
# in make deb and in the tests; go and the golang-*-dev packages build the libcni driver, the
# reference's test suites and cnitool: test/interop/build.sh, test/peer/build.sh.)
# Usage: tools/deps.sh [extra-package | group ...]
# Groups: "engines", the container engines of test/engines/ (podman 4 with conmon and runc, and
# containerd 1.6; `make deps` installs them). e2fsprogs makes the bench's ext4 lease file
# system (bench/run.sh).
set -eu
extra=""
for a in "$@"; do
	case $a in
	engines) extra="$extra podman conmon runc containerd" ;;
	*) extra="$extra $a" ;;
	esac
done
pkgs="gcc make pkg-config libc6-dev musl-tools libcjson-dev libnl-3-dev
      dpkg-dev xz-utils
      libiptc-dev libip4tc-dev libip6tc-dev libxtables-dev
      iproute2 iptables nftables util-linux procps e2fsprogs
      containernetworking-plugins busybox-static python3 strace
      golang-go golang-github-appc-cni-dev man-db lintian
      golang-github-onsi-ginkgo-dev golang-gomega-dev golang-github-vishvananda-netlink-dev
      golang-github-vishvananda-netns-dev golang-github-coreos-go-iptables-dev
      golang-github-networkplumbing-go-nft-dev golang-github-alexflint-go-filemutex-dev
      golang-github-safchain-ethtool-dev golang-golang-x-sys-dev $extra"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# Debian's podman ships /etc/cni/net.d/87-podman-bridge.conflist: on a node whose runtime takes
# the first file there (containerd, CRI-O), installing the test engines would change its pod
# network. The tests run podman with configs of their own, so that file is never installed.
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--path-exclude=/etc/cni -o Dpkg::Options::=--path-exclude='/etc/cni/*' \
	$missing >/dev/null
