#!/bin/bash
# Run one integration test in a throw-away world: a new network namespace (so links, routes,
# sysctls and firewall tables are private), a new mount namespace that looks like a fresh node
# (tools/cni-dirs.sh: no /etc/cni, /var/lib/cni, /opt/cni, an empty tmpfs /run; what the test
# writes there stays private), and a scratch $T directory. Nothing outside survives or is
# touched. A test that wants the CNI directories prepared says so (lib.sh:
# sandbox_prepared_dirs).
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
	exec unshare --net --mount --propagation private -- env CNI_SANDBOXED=1 "$0" "$@"
fi
. "$(dirname "$0")/../../tools/cni-dirs.sh"
if ! err=$(cni_fresh_node 2>&1); then
	echo "1..0 # SKIP cannot build a fresh-node sandbox: $err"
	exit 77
fi
ip link set lo up
T=$(mktemp -d /tmp/cni-it.XXXXXX)
export T
trap 'rm -rf "$T"' EXIT
# test/run.sh's timeout signals the whole process group: leave through the EXIT trap.
trap 'exit 143' TERM INT
bash "$test_file"
