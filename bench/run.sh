#!/bin/bash
# make bench: our bridge/host-local against the reference (Debian containernetworking-plugins),
# alternately in one run, inside a throw-away network + mount namespace like
# test/integration/sandbox.sh (a fresh node: tools/cni-dirs.sh). Everything
# the bench creates (bridges, veths, container netns, leases, firewall rules) lives there and
# dies with it.
#
#   bench/run.sh [driver options]      e.g. --quick, --phases seq,gm, -n 100, --growth 10,100,500
#   BENCH_OURS_DIR=/path  BENCH_REF_DIR=/usr/lib/cni  (plugin directories, also CNI_PATH)
#   BENCH_NICE=-10  (niceness of the whole run, both sides alike; default 0)
# The table is printed and also written to build/bench/report.md; every timed operation goes
# to build/bench/samples.tsv.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OURS_DIR=${BENCH_OURS_DIR:-$ROOT/bin}
REF_DIR=${BENCH_REF_DIR:-/usr/lib/cni}
DRIVER=$ROOT/build/bench/driver

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (network namespaces, bridges)" >&2
	exit 1
fi
if [ -z "${CNI_SANDBOXED:-}" ]; then
	make -C "$ROOT" --no-print-directory -s build/bench/driver build/bench/rusage-shim build/bench/noop build/bench/kadd build/bench/kdel || exit 1
	# BENCH_NICE<0 favours the whole run (both sides alike) over other work on a shared box;
	# it does not help against kernel lock contention (rtnl) from other netns churn.
	exec nice -n "${BENCH_NICE:-0}" unshare --net --mount --propagation private -- \
		env CNI_SANDBOXED=1 "$0" "$@"
fi
. "$ROOT/tools/cni-dirs.sh"
cni_fresh_node || { echo "bench: cannot build the sandbox" >&2; exit 1; }
mkdir -p /run/netns "$ROOT/build/bench"
# Leases and state records on this machine's own file system, as on a node, where /var/lib is
# on its disk: the sandbox's /var/lib is an overlay on a tmpfs, where creating a file costs
# less and an fsync nothing. BENCH_LEASES=tmpfs keeps the sandbox's. The directory is
# build/'s, emptied before and after (the mount dies with the namespace).
if [ "${BENCH_LEASES:-disk}" = disk ]; then
	LEASE_DIR=$ROOT/build/bench/var-lib-cni
	rm -rf "$LEASE_DIR" && mkdir -p "$LEASE_DIR" /var/lib/cni &&
		mount --bind "$LEASE_DIR" /var/lib/cni || exit 1
	trap 'umount /var/lib/cni; rm -rf "$LEASE_DIR"' EXIT
fi
ip link set lo up
# Bridges for the in-process kernel baseline and the conforming floor (the plugins create
# their own bridges): one each, since a bridge holds at most 1023 ports.
for b in bbr-kern bbr-kconf; do
	ip link add $b type bridge && ip link set $b up || exit 1
done
# Run frozen copies (on the sandbox's tmpfs, both sides alike): other work may rebuild bin/
# while the bench runs.
SNAP=/run/bench-plugins
mkdir -p "$SNAP/ours" "$SNAP/ref"
for p in bridge host-local; do
	[ -e "$OURS_DIR/$p" ] && cp "$OURS_DIR/$p" "$SNAP/ours/"
	[ -e "$REF_DIR/$p" ] && cp "$REF_DIR/$p" "$SNAP/ref/"
done
PATH=/usr/sbin:/usr/bin:/sbin:/bin "$DRIVER" --ours "$SNAP/ours" --ref "$SNAP/ref" \
	--ours-name "$OURS_DIR" --ref-name "$REF_DIR" --out "$ROOT/build/bench/report.md" \
	--samples "$ROOT/build/bench/samples.tsv" --shim "$ROOT/build/bench/rusage-shim" \
	--noop "$ROOT/build/bench/noop" --kadd "$ROOT/build/bench/kadd" \
	--kdel "$ROOT/build/bench/kdel" "$@"
