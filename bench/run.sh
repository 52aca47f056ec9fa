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
# Leases and state records on the kind of file system a node has: a fresh journalled ext4
# (mkfs defaults) in an image file of build/, loop-mounted over the sandbox's /var/lib/cni.
# The sandbox's own /var/lib is an overlay on a tmpfs, where creating a file costs less and an
# fsync nothing; this machine's root file system is an ext4 without a journal, whose inode
# allocator then skips every inode deleted in the last seconds (recently_deleted), which a
# bench's churn makes cost milliseconds per file created. BENCH_LEASES=tmpfs keeps the
# sandbox's overlay. The mount dies with the namespace; the image is removed at the end.
case ${BENCH_LEASES:-ext4} in
ext4)
	LEASE_IMG=$ROOT/build/bench/var-lib-cni.ext4
	rm -f "$LEASE_IMG"
	trap 'umount /var/lib/cni 2>/dev/null; rm -f "$LEASE_IMG"' EXIT
	# Where there are no loop devices (a container), the sandbox's overlay, and the report
	# names it.
	truncate -s 512M "$LEASE_IMG" &&
		mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$LEASE_IMG" &&
		mkdir -p /var/lib/cni && mount -o loop "$LEASE_IMG" /var/lib/cni ||
		echo "bench: WARNING: no ext4 image for the leases; they stay on the sandbox's tmpfs overlay" >&2
	;;
tmpfs) ;;
*)
	echo "bench: BENCH_LEASES is ext4 (default) or tmpfs" >&2
	exit 1
	;;
esac
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
