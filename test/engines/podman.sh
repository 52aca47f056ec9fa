#!/bin/bash
# podman 4 with its CNI network backend, started here with private storage, run root, network
# config dir, locks and cgroups, and $PLUGIN_DIR's bridge and host-local first in its plugin
# path (Debian's portmap, firewall and tuning beside them, in podman's own conflist). Two rounds,
# the first on a fresh node (no /var/lib/cni): two containers on a dual-stack network with
# masquerade get distinct addresses, ping each other and the gateways, the second's requested
# IPv4, IPv6 and MAC are honoured and its port mapping to 127.0.0.1 answers; then one is
# stopped (SIGTERM), the other's payload SIGKILLed, both removed, and nothing is left: no lease,
# veth, netns, cache entry, state record or firewall rule naming them.
# Runs inside a sandbox (test/integration/sandbox.sh); TAP on stdout.
#
# What this machine kind needs (no CAP_SYS_RESOURCE, hybrid cgroup v1, no systemd): runc cannot
# raise rlimits above the hard limit, and podman's defaults ask for RLIMIT_NOFILE 1048576 and
# RLIMIT_NPROC 32768 ("error setting rlimit type 7: operation not permitted"). default_ulimits
# = [] makes podman 4.3 ask for none; runc is also called through a wrapper that drops
# process.rlimits from the bundle's config.json, so none reaches it whatever podman's defaults.
# cgroup_manager cgroupfs, events to a file. `--cgroups disabled` would need crun (podman
# refuses it with runc), so the containers get cgroups, below /$ENGINE_CG (lib.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$ROOT/tools/cni-leftovers.sh"

engine_need podman conmon runc python3 nft
[ -x /bin/busybox ] || engine_skip "busybox-static is not installed"
ver=$(podman version --format '{{.Client.Version}}' 2>/dev/null)
[[ $ver == 4.* ]] || engine_skip "podman ${ver:-?}: the CNI backend is podman 4's"

NET=enet SUB4=10.89.7.0/24 SUB6=fd89:7::/64 GW4=10.89.7.1 GW6=fd89:7::1
IP4=10.89.7.50 IP6=fd89:7::50 MAC=02:89:07:00:00:50 PORT=18080
IMG=localhost/cni-engine-check:1
P=$T/podman

podman_teardown() {
	[ -n "${CONTAINERS_CONF:-}" ] || return 0
	podman rm -f -a -t 0
	podman network rm -f "$NET"
}
engine_traps podman_teardown

engine_cgroup_setup
# podman's SHM locks live in /dev/shm: a private one.
mount -t tmpfs -o mode=1777 tmpfs /dev/shm && ENGINE_SHM=1 ||
	engine_skip "cannot mount a private /dev/shm"
mkdir -p "$P"/{net,tmp,root,run}
engine_plugin_dir "$T/cni-bin"
cat >"$T/runc-norlimits" <<'EOF'
#!/bin/sh
# runc with the bundle's process.rlimits dropped (runc cannot raise them without
# CAP_SYS_RESOURCE, and podman's defaults ask for RLIMIT_NOFILE and RLIMIT_NPROC).
b= prev=
for a; do
	case $prev in --bundle | -b) b=$a ;; esac
	case $a in --bundle=*) b=${a#--bundle=} ;; esac
	prev=$a
done
if [ -n "$b" ] && [ -f "$b/config.json" ]; then
	python3 -c 'import json, sys
p = sys.argv[1]
c = json.load(open(p))
c.get("process", {}).pop("rlimits", None)
json.dump(c, open(p, "w"))' "$b/config.json" || exit 1
fi
exec runc "$@"
EOF
chmod +x "$T/runc-norlimits"
cat >"$P/containers.conf" <<EOF
[containers]
default_ulimits = []
[network]
network_backend = "cni"
cni_plugin_dirs = ["$T/cni-bin", "$CNI_DEBIAN"]
network_config_dir = "$P/net"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
image_copy_tmp_dir = "$P/tmp"
tmp_dir = "$P/run/libpod"
runtime = "runc"
[engine.runtimes]
runc = ["$T/runc-norlimits"]
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$P/root"
runroot = "$P/run"
EOF
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
run() { podman run -d --cgroup-parent "/$ENGINE_CG" "$@"; }

engine_rootfs "$T/rootfs"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" . && podman import -q "$T/rootfs.tar" "$IMG" >/dev/null ||
	engine_skip "podman import failed"
if ! out=$(podman run --rm --network none --cgroup-parent "/$ENGINE_CG" "$IMG" /bin/true 2>&1); then
	engine_skip "podman cannot run a container here: $(echo "$out" | tail -1)"
fi

check "fresh node: no /var/lib/cni before the first container" test ! -e /var/lib/cni
check "network $NET created ($SUB4, $SUB6)" podman network create --subnet $SUB4 --subnet $SUB6 $NET
conf=$(cat "$P/net/$NET.conflist" 2>/dev/null)
is "podman's conflist: bridge with host-local, then portmap, firewall, tuning" \
	"$(json_get "$conf" plugins | python3 -c 'import json,sys
print(" ".join(p["type"] + ("/" + p["ipam"]["type"] if "ipam" in p else "") for p in json.load(sys.stdin)))')" \
	"bridge/host-local portmap firewall tuning"

inspect() { # CONTAINER FIELD : a field of the container's network settings on $NET
	podman inspect -f "{{(index .NetworkSettings.Networks \"$NET\").$2}}" "$1"
}
ENGINE_EXEC=pexec
pexec() { podman exec "$@"; }

# round LABEL A B : the scenario, with containers named A (dynamic address) and B (static).
round() {
	local L=$1 a=$2 b=$3 ida idb
	check "$L: $a starts with a dynamic address" \
		run --name "$a" --network $NET "$IMG" /bin/sh -c 'trap "exit 0" TERM; sleep 1000 & wait'
	check "$L: $b starts with --ip, --ip6, --mac-address and -p 127.0.0.1:$PORT:80" \
		run --name "$b" --network $NET --ip $IP4 --ip6 $IP6 --mac-address $MAC \
		-p 127.0.0.1:$PORT:80 "$IMG" /bin/httpd -f -p 80 -h /www
	ida=$(podman inspect -f '{{.Id}}' "$a") idb=$(podman inspect -f '{{.Id}}' "$b")
	engine_pair "$L" "$a" "$b"
	is "$L: requested IPv4, IPv6 and MAC honoured" "$B4 $B6 $BMAC" "$IP4 $IP6 $MAC"
	is "$L: podman read the addresses from the result" \
		"$(inspect "$a" IPAddress) $(inspect "$a" GlobalIPv6Address) $(inspect "$b" IPAddress) $(inspect "$b" GlobalIPv6Address) $(inspect "$b" MacAddress)" \
		"$A4 $A6 $B4 $B6 $MAC"
	is "$L: 127.0.0.1:$PORT answers from $b" \
		"$(retry 3 timeout 5 busybox wget -q -O- http://127.0.0.1:$PORT/index.html 2>&1)" "engine-check-$ENGINE_ID"
	is "$L: a lease per address, a cache entry per container" \
		"$(cni_leases | wc -l) $(ls /var/lib/cni/results | wc -l)" "4 2"
	is "$L: a masquerade rule for each address" "$(engine_masq "$A4" "$A6" "$B4" "$B6")" \
		"$A4 yes"$'\n'"$A6 yes"$'\n'"$B4 yes"$'\n'"$B6 yes"

	check "$L: $a stops on SIGTERM" podman stop -t 10 "$a"
	is "$L: $a exited 0" "$(podman inspect -f '{{.State.ExitCode}}' "$a")" 0
	check "$L: $b's payload SIGKILLed" engine_kill_payload "$(podman inspect -f '{{.State.Pid}}' "$b")"
	is "$L: $b exited 137" "$(timeout 30 podman wait "$b")" 137
	check "$L: both removed" podman rm "$a" "$b"
	engine_gone "$L" "$ida $idb" "$A4 $A6 $B4 $B6"
	is "$L: podman lists no container" "$(podman ps -aq)" ""
	engine_calls_checked "$L" "$ida" "$idb"
}

round "fresh node" c1 c2
round "second round" c3 c4
check "network removed" podman network rm $NET
is "podman's container storage is empty" "$(find "$P/root/vfs-containers" -mindepth 1 -maxdepth 1 -type d)" ""
is "no conmon or container process left" "$(engine_other_procs)" ""
done_testing
