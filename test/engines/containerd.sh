#!/bin/bash
# containerd 1.6 and `ctr run --cni` (go-cni and libcni inside), the daemon started here for the
# test's duration with private root, state and sockets, killed by PID at the end. ctr reads the
# first file of /etc/cni/net.d and the plugins in /opt/cni/bin, and caches in /var/lib/cni, with
# no flag to change them: the sandbox's private overlays. /opt/cni/bin holds $PLUGIN_DIR's
# bridge and host-local and Debian's portmap and loopback; the conflist is containerd's own
# example (bridge with isGateway, ipMasq, dual-stack host-local ranges, then portmap).
# Two rounds, the first on a fresh node (no /var/lib/cni): two containers (busybox rootfs, no
# registry) get distinct addresses in the subnets and ping each other and the gateways; one is
# stopped (SIGTERM), the other's payload SIGKILLed, and once `ctr run` returns (it calls DEL
# then, after the task and its netns are gone) nothing is left: no lease, veth, cache entry,
# state record or firewall rule naming them.
# Runs inside a sandbox (test/integration/sandbox.sh); TAP on stdout.
#
# On this machine kind (no CAP_SYS_RESOURCE, hybrid cgroup v1, no systemd) plain runc works:
# ctr's default spec asks only for RLIMIT_NOFILE 1024, below the hard limit. `ctr run --rootfs`
# takes a directory (no image, no snapshotter) and gives the payload no PATH: --env PATH=/bin.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$ROOT/tools/cni-leftovers.sh"

engine_need containerd ctr runc containerd-shim-runc-v2 python3 nft
[ -x /bin/busybox ] || engine_skip "busybox-static is not installed"
ver=$(ctr --version 2>/dev/null | awk '{print $3}')
[[ $ver == 1.6.* ]] || engine_skip "ctr ${ver:-?}: these checks are written for containerd 1.6"

NET=enet SUB4=10.89.8.0/24 SUB6=fd89:8::/64 GW4=10.89.8.1 GW6=fd89:8::1
CD=$T/containerd
NS=cni-engine
CTD_PID=
declare -A RUN_PID=()

ct() { ctr --address "$CD/sock" --connect-timeout 5s -n $NS "$@"; }
containerd_teardown() {
	local c
	[ -n "$CTD_PID" ] || return 0
	for c in $(ct task ls -q 2>/dev/null); do ct task kill -s SIGKILL "$c"; done
	for c in "${!RUN_PID[@]}"; do wait "${RUN_PID[$c]}"; done
	for c in $(ct container ls -q 2>/dev/null); do ct task delete -f "$c"; ct container delete "$c"; done
	kill -TERM "$CTD_PID" && wait "$CTD_PID"
}
engine_traps containerd_teardown

engine_cgroup_setup
mkdir -p "$CD" /etc/cni/net.d /opt/cni/bin
engine_plugin_dir /opt/cni/bin
for p in loopback portmap; do ln -s "$CNI_DEBIAN/$p" /opt/cni/bin/$p; done
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$CD/sock"
[ttrpc]
  address = "$CD/ttrpc.sock"
EOF
cat >/etc/cni/net.d/10-$NET.conflist <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NET",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni-eng0",
      "isGateway": true,
      "ipMasq": true,
      "promiscMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$SUB4"}], [{"subnet": "$SUB6"}]],
        "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
CTD_PID=$!
for _ in $(seq 100); do
	[ -S "$CD/sock" ] && ct version >/dev/null 2>&1 && break
	kill -0 $CTD_PID 2>/dev/null || break
	sleep 0.1
done
ct version >/dev/null 2>&1 || engine_skip "containerd does not start here: $(tail -1 "$CD/log")"

# start NAME [--cni] : `ctr run` NAME in the background on a copy of the busybox root, its
# payload a shell that exits on SIGTERM; returns once the task runs (with --cni: after ADD).
start() {
	local c=$1 i
	shift
	cp -a "$T/rootfs" "$T/rootfs-$c"
	ct run "$@" --rm --cgroup "/$ENGINE_CG/$c" --env PATH=/bin --rootfs "$T/rootfs-$c" "$c" \
		/bin/sh -c 'trap "exit 0" TERM; sleep 1000 & wait' >"$T/$c.out" 2>&1 &
	RUN_PID[$c]=$!
	for i in $(seq 300); do
		[ "$(ct task ls | awk -v c="$c" '$1 == c {print $3}')" = RUNNING ] && return 0
		kill -0 "${RUN_PID[$c]}" 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$T/$c.out" ] || echo "ctr run $c: no running task after $i tries" >"$T/$c.out"
	return 1
}
# finish NAME : wait for NAME's `ctr run` (it removes the container); its status. A task still
# running after 30 s is SIGKILLed through containerd.
finish() {
	local i
	for i in $(seq 300); do
		kill -0 "${RUN_PID[$1]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "${RUN_PID[$1]}" 2>/dev/null && ct task kill -s SIGKILL "$1"
	wait "${RUN_PID[$1]}"
	local r=$?
	unset "RUN_PID[$1]"
	[ -s "$T/$1.out" ] && sed "s/^/# $1: /" "$T/$1.out"
	rm -rf "$T/rootfs-$1"
	return $r
}
task_pid() { ct task ls | awk -v c="$1" '$1 == c {print $2}'; }
ENGINE_EXEC=cexec
_exec_n=0
cexec() {
	local c=$1
	shift
	_exec_n=$((_exec_n + 1))
	ct task exec --exec-id "e$_exec_n" "$c" "$@"
}

engine_rootfs "$T/rootfs"
if ! start probe || ! ct task kill probe || ! finish probe; then
	engine_skip "containerd cannot run a container here: $(tail -1 "$T/probe.out")"
fi

check "fresh node: no /var/lib/cni before the first container" test ! -e /var/lib/cni

# round LABEL A B
round() {
	local L=$1 a=$2 b=$3 ida idb
	ida=$NS-$a idb=$NS-$b
	start "$a" --cni && ok "$L: ctr run --cni $a" || not_ok "$L: ctr run --cni $a" "$(cat "$T/$a.out")"
	start "$b" --cni && ok "$L: ctr run --cni $b" || not_ok "$L: ctr run --cni $b" "$(cat "$T/$b.out")"
	engine_pair "$L" "$a" "$b"
	is "$L: a lease per address, a cache entry per container" \
		"$(cni_leases | wc -l) $(ls /var/lib/cni/results 2>/dev/null | wc -l)" "4 2"
	is "$L: a masquerade rule for each address" "$(engine_masq "$A4" "$A6" "$B4" "$B6")" \
		"$A4 yes"$'\n'"$A6 yes"$'\n'"$B4 yes"$'\n'"$B6 yes"

	check "$L: $a stops on SIGTERM" ct task kill "$a"
	finish "$a"
	is "$L: ctr run $a returns 0" "$?" 0
	check "$L: $b's payload SIGKILLed" engine_kill_payload "$(task_pid "$b")"
	finish "$b"
	is "$L: ctr run $b returns 137" "$?" 137
	engine_gone "$L" "$ida $idb" "$A4 $A6 $B4 $B6"
	is "$L: containerd lists no container or task" "$(ct container ls -q)$(ct task ls -q)" ""
	engine_calls_checked "$L" "$ida" "$idb"
}

round "fresh node" c1 c2
round "second round" c3 c4
kill -TERM $CTD_PID && wait $CTD_PID
is "containerd ended by SIGTERM" "$?" 0
CTD_PID=
is "no shim, container or daemon process left" "$(engine_other_procs)" ""
done_testing
