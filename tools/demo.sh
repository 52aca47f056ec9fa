#!/bin/bash
# make demo: two containers on cnictl's default network ping each other, then everything is
# torn down and checked; then a memory limit is enforced (cgroup v1 or v2, whichever the host
# has) and a SIGKILLed `cnictl run` is cleaned up after by its container's monitor. The whole demo runs inside its own network + mount namespace
# (unshare), with private conf/cache/state dirs, so the host network is never touched: the
# only traffic is between the two demo containers.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CNICTL=$ROOT/bin/cnictl

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (namespaces, bridges)" >&2
	exit 1
fi
if [ -z "${CNICTL_DEMO_SANDBOXED:-}" ]; then
	exec unshare --net --mount --propagation private -- env CNICTL_DEMO_SANDBOXED=1 "$0" "$@"
fi
# A fresh node in this mount namespace: empty /run, no /var/lib/cni (host-local leases, bridge
# records), /etc/cni or /opt/cni; what the demo writes there stays private.
. "$ROOT/tools/cni-dirs.sh"
cni_fresh_node || exit 1
ip link set lo up
D=$(mktemp -d /tmp/cnictl-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
O=(--conf-dir "$D/conf" --cache-dir "$D/cache" --state-dir "$D/state" --cni-path "$ROOT/bin")
C() { "$CNICTL" "$1" "${O[@]}" "${@:2}"; }
mkdir -p "$D/conf"
PING=$(command -v ping || true)
if [ -z "$PING" ]; then
	mkdir -p "$D/bb" && ln -s /bin/busybox "$D/bb/ping" && PING=$D/bb/ping
fi
step() { printf '\n==> %s\n' "$*"; }
fail=0

wait_running() {
	for _ in $(seq 100); do
		C list 2>/dev/null | grep -qE "^$1 .* running " && return 0
		sleep 0.1
	done
	echo "demo: container $1 did not start" >&2
	return 1
}
ip_of() {
	C list --json | python3 -c 'import json,sys
for c in json.load(sys.stdin):
    if c["id"] == sys.argv[1]: print(c["ips"].split("/")[0])' "$1"
}

step "starting containers alpha and beta on the built-in network \"cnictl\" (bridge cnictl0)"
"$CNICTL" run "${O[@]}" --name alpha --result table --timing -- sleep 1000 &
pa=$!
wait_running alpha || fail=1
"$CNICTL" run "${O[@]}" --name beta --result table --timing -- sleep 1000 &
pb=$!
wait_running beta || fail=1

step "cnictl list"
C list
ipa=$(ip_of alpha)
ipb=$(ip_of beta)

step "alpha ($ipa) -> beta ($ipb)"
C exec alpha -- "$PING" -c 3 -i 0.2 -W 2 "$ipb" || fail=1
step "beta ($ipb) -> alpha ($ipa)"
C exec beta -- "$PING" -c 3 -i 0.2 -W 2 "$ipa" || fail=1

step "stopping both (SIGTERM is forwarded to the payload; DEL runs when it exits)"
kill -TERM "$pa" "$pb"
wait "$pa"
echo "alpha exited with $? (143 = SIGTERM)"
wait "$pb"
echo "beta exited with $? (143 = SIGTERM)"

step "a memory limit: --memory 32M, then a 64 MiB allocation (the host's cgroups; v1 or v2)"
# IDs with our PID: the cgroupfs is the host's, and only directories named after them are made.
C run --no-net --name "demo-mem-$$" --memory 32M -- sh -c '
	sed -n "s/^[0-9]*:\(memory\)\{0,1\}:\(.*\)/\2/p" /proc/self/cgroup | grep cnictl | head -1 |
		sed "s/^/  my cgroup: /"
	echo "  allocating 64 MiB..."; exec dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null'
rc=$?
if [ $rc = 137 ]; then
	echo "exit status 137: the OOM killer stopped it at the limit"
elif [ $rc = 125 ]; then
	echo "(this host offers no cgroup memory controller cnictl can use: see the error above)"
else
	echo "unexpected exit status $rc"
	fail=1
fi

step "SIGKILL of \`cnictl run\`: the container's monitor stops it and DELs its network, no gc"
"$CNICTL" run "${O[@]}" --name gamma -- sleep 1000 &
pg=$!
disown "$pg" # no job report from this shell: the monitor's own line says what happens
wait_running gamma || fail=1
C list
echo "kill -9 $pg (the cnictl run process)"
kill -KILL "$pg"
for _ in $(seq 100); do [ -e "$D/state/gamma.json" ] || break; sleep 0.1; done
if [ -e "$D/state/gamma.json" ]; then
	echo "gamma is still recorded after 10 s"
	fail=1
else
	echo "gamma is gone: record removed, network DELeted by its monitor"
fi

step "checking that nothing is left behind"
. "$ROOT/tools/cni-leftovers.sh"
left=$(cni_leftovers "$D/cache" "$D/state")
if [ -n "$left" ]; then
	echo "LEFT BEHIND:"
	echo "$left"
	fail=1
else
	echo "no veths, no netns mounts, no leases, no cache files, no state records"
fi
# The bridge outlives its last port by design (as with the reference plugin); remove it.
ip link del cnictl0 2>/dev/null
echo "links now: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"

if [ $fail = 0 ]; then
	step "demo OK"
else
	step "demo FAILED"
fi
exit $fail
