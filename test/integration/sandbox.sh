#!/bin/bash
# Run one integration test in a throw-away world: a new network namespace (so links, routes,
# sysctls and firewall tables are private), a new mount namespace with tmpfs over /run,
# /var/lib/cni, /etc/cni and /opt/cni (so /run/netns, the xtables lock, leases and configs are
# private), and a scratch $T directory. Nothing outside survives or is touched.
# Exit 77 (skip) when the sandbox cannot be built (not root, no unshare).
set -u
test_file=$1
# System tools only: a user's PATH may put slow shims (pyenv's python3 is ~10x slower to start)
# or other builds of ip/iptables/nft in front of Debian's.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP integration tests need root"
	exit 77
fi
if [ -z "${CNI_SANDBOXED:-}" ]; then
	if ! unshare --net --mount true 2>/dev/null; then
		echo "1..0 # SKIP cannot create namespaces"
		exit 77
	fi
	. "$(dirname "$0")/../../tools/cni-dirs.sh"
	cni_dirs_create
	unshare --net --mount --propagation private -- env CNI_SANDBOXED=1 "$0" "$@"
	rc=$?
	cni_dirs_remove
	exit $rc
fi
for d in /run /var/lib/cni /etc/cni /opt/cni; do
	mount -t tmpfs -o mode=0755 tmpfs "$d" || { echo "1..0 # SKIP cannot mount tmpfs on $d"; exit 77; }
done
mkdir -p /run/netns
ip link set lo up
T=$(mktemp -d /tmp/cni-it.XXXXXX)
export T
trap 'rm -rf "$T"' EXIT
# test/run.sh's timeout signals the whole process group: leave through the EXIT trap.
trap 'exit 143' TERM INT
bash "$test_file"
