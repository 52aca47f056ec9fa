# shellcheck shell=bash
# Shared by the engine checks (test/engines/<engine>.sh, sourced after test/integration/lib.sh):
# a real container engine started by the test, in the test's sandbox, with $PLUGIN_DIR's bridge
# and host-local first in its plugin path and Debian's other plugins (portmap, firewall, tuning,
# loopback) beside them.
#
# What the sandbox does not isolate, and how it is handled here:
# - cgroups. runc creates one per container in every hierarchy; the engines' own processes
#   (conmon, containerd, its shims) detach from the test. So the test moves itself into a cgroup
#   of its own (ENGINE_TRACK, below its current cgroup of one hierarchy) and puts the
#   containers below /$ENGINE_CG: every process the test started, daemonised or not, is in one
#   of those two trees, and engine_cleanup ends each of them by PID and removes both trees.
# - /dev/shm (podman's locks): a private tmpfs.
# - mounts under $T (podman's shm mounts): unmounted before the sandbox removes $T.
ENGINE_ID=${T##*.}
ENGINE_CG=cni-engine.$ENGINE_ID
ENGINE_TRACK='' ENGINE_TRACK_HOME='' ENGINE_TRACK_MNT=''
ENGINE_CG_MNTS=()
ENGINE_LOG=$T/cni-calls.log
CNI_DEBIAN=${CNI_DEBIAN:-/usr/lib/cni}

# engine_skip REASON : the whole check is skipped (TAP plan 0, exit 77).
engine_skip() {
	echo "1..0 # SKIP $1"
	exit 77
}

# engine_need CMD... : skip unless every command is installed.
engine_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			engine_skip "$c is not installed (tools/deps.sh engines installs it)"
	done
}

# engine_cgroup_setup : find the cgroup hierarchies and move this shell into ENGINE_TRACK.
# The tracking hierarchy is the cgroup2 one where there is one (a hybrid host's has no
# controllers: any process may move), else the v1 "pids" one, else the first v1 one. The
# tracking cgroup sits below the shell's own cgroup, so the test never leaves the tree it was
# started in; container cgroups are absolute (/$ENGINE_CG/...) as runc's cgroupfs wants them.
engine_cgroup_setup() {
	local mnt fs opts v2='' pids='' first='' rel line
	while read -r _ _ _ _ mnt _ line; do
		line=${line#*- }
		fs=${line%% *} opts=${line##* }
		case $fs in
		cgroup2) ENGINE_CG_MNTS+=("$mnt") && v2=${v2:-$mnt} ;;
		cgroup)
			ENGINE_CG_MNTS+=("$mnt") && first=${first:-$mnt}
			[[ ,$opts, == *,pids,* ]] && pids=$mnt
			;;
		esac
	done </proc/self/mountinfo
	ENGINE_TRACK_MNT=${v2:-${pids:-$first}}
	[ -n "$ENGINE_TRACK_MNT" ] || engine_skip "no cgroup hierarchy is mounted"
	if [ "$ENGINE_TRACK_MNT" = "$v2" ]; then
		rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
	elif [ "$ENGINE_TRACK_MNT" = "$pids" ]; then
		rel=$(sed -n 's/^[0-9]*:pids://p' /proc/self/cgroup)
	else
		rel=$(sed -n "s/^[0-9]*:$(basename "$ENGINE_TRACK_MNT")://p" /proc/self/cgroup)
	fi
	ENGINE_TRACK_HOME=$ENGINE_TRACK_MNT${rel%/}
	ENGINE_TRACK=$ENGINE_TRACK_HOME/$ENGINE_CG.test
	if ! mkdir "$ENGINE_TRACK" 2>/dev/null || ! echo $BASHPID >"$ENGINE_TRACK/cgroup.procs"; then
		rmdir "$ENGINE_TRACK" 2>/dev/null
		engine_skip "cannot make a cgroup to track the engine's processes in $ENGINE_TRACK_HOME"
	fi
}

# engine_procs : the PIDs in the tracking cgroup and in the containers' cgroups, one a line.
engine_procs() {
	local d
	[ -n "$ENGINE_TRACK_MNT" ] || return 0
	for d in "$ENGINE_TRACK" "$ENGINE_TRACK_MNT/$ENGINE_CG"; do
		[ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} +
	done
	true
}

# engine_other_procs : engine_procs but this shell, one "PID COMMAND" a line.
engine_other_procs() {
	local p
	for p in $(engine_procs); do
		[ "$p" = $$ ] || [ "$p" = $BASHPID ] || [ ! -e "/proc/$p" ] ||
			echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
	done
}

# engine_reap : end every process the test started (SIGKILL, by PID: each one is in a cgroup
# this test made), after this shell left the tracking cgroup. Repeats until none is left.
engine_reap() {
	local p i
	local -a left
	[ -n "$ENGINE_TRACK" ] && [ -d "$ENGINE_TRACK" ] || return 0
	echo $BASHPID >"$ENGINE_TRACK_HOME/cgroup.procs" 2>/dev/null
	for i in $(seq 50); do
		mapfile -t left < <(engine_procs)
		[ ${#left[@]} = 0 ] && break
		for p in "${left[@]}"; do
			[[ $p =~ ^[0-9]+$ ]] && [ "$p" -gt 1 ] && [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
		done
		sleep 0.1
	done
}

# engine_cgroups_remove : rmdir both cgroup trees, deepest first, in every hierarchy.
engine_cgroups_remove() {
	local m i
	for i in 1 2 3 4 5; do
		for m in "$ENGINE_TRACK" "${ENGINE_CG_MNTS[@]/%//$ENGINE_CG}"; do
			[ -n "$m" ] && [ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		engine_cgroups_left >/dev/null || return 0
		sleep 0.2
	done
}

# engine_cgroups_left : the cgroup directories of this test still there (status 1 if none).
engine_cgroups_left() {
	local m found=1
	for m in "$ENGINE_TRACK" "${ENGINE_CG_MNTS[@]/%//$ENGINE_CG}"; do
		[ -n "$m" ] && [ -d "$m" ] && echo "$m" && found=0
	done
	return $found
}

# engine_unmount_tmp : unmount whatever is still mounted below $T (deepest first).
engine_unmount_tmp() {
	local m
	while read -r _ _ _ _ m _; do
		[[ $m == "$T"/* ]] && printf '%s\n' "$m"
	done </proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

# engine_traps TEARDOWN : on exit, TEARDOWN (a function: the engine's own orderly removal of
# its containers), then engine_cleanup. On SIGTERM or SIGINT TEARDOWN is skipped: test/run.sh's
# timeout signals the whole process group, a daemon of the test with it, and engine_reap ends
# whatever is left without asking it.
engine_traps() {
	ENGINE_TEARDOWN=$1
	trap engine_cleanup EXIT
	trap 'ENGINE_TEARDOWN=; exit 143' TERM INT
}

# engine_cleanup : the EXIT trap (engine_traps).
engine_cleanup() {
	[ -n "${ENGINE_TEARDOWN:-}" ] && "$ENGINE_TEARDOWN" >/dev/null 2>&1
	engine_reap
	engine_unmount_tmp
	engine_cgroups_remove
	[ -n "${ENGINE_SHM:-}" ] && umount -l /dev/shm 2>/dev/null
	true
}

# engine_plugin_dir DIR : DIR gets a bridge that logs each call to $ENGINE_LOG
# ("VERB CONTAINERID IFNAME netns=present|absent") and execs $PLUGIN_DIR/bridge, and a symlink
# to $PLUGIN_DIR/host-local (a link, not a script: our bridge runs the host-local it was built
# with in-process only when CNI_PATH names that very file).
engine_plugin_dir() {
	local d=$1
	[ -x "$PLUGIN_DIR/bridge" ] && [ -x "$PLUGIN_DIR/host-local" ] ||
		engine_skip "no bridge and host-local in $PLUGIN_DIR"
	mkdir -p "$d"
	cat >"$d/bridge" <<EOF
#!/bin/sh
n=absent
[ -n "\$CNI_NETNS" ] && [ -e "\$CNI_NETNS" ] && n=present
echo "\$CNI_COMMAND \$CNI_CONTAINERID \$CNI_IFNAME netns=\$n" >>"$ENGINE_LOG"
exec "$PLUGIN_DIR/bridge" "\$@"
EOF
	chmod +x "$d/bridge"
	ln -sf "$PLUGIN_DIR/host-local" "$d/host-local"
}

# engine_calls VERB ID : how many VERB calls for container ID reached the bridge; "VERB ID
# netns=..." lines for engine_calls_netns.
engine_calls() {
	grep -c "^$1 $2 " "$ENGINE_LOG" 2>/dev/null
}
engine_calls_netns() { # VERB ID : the netns states of those calls, space-separated
	sed -n "s/^$1 $2 [^ ]* netns=//p" "$ENGINE_LOG" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# engine_rootfs DIR : a busybox-static root with the applets the checks use and a page for httpd.
engine_rootfs() {
	local r=$1 a
	mkdir -p "$r"/{bin,proc,sys,dev,etc,tmp,root,www}
	cp /bin/busybox "$r/bin/busybox"
	for a in sh sleep ip ping ping6 httpd cat wget true; do ln -s busybox "$r/bin/$a"; done
	echo "root:x:0:0:root:/root:/bin/sh" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
	echo "engine-check-$ENGINE_ID" >"$r/www/index.html"
}

# engine_leftovers : one line per thing a container left behind on the node: veths, netns
# mounts, any file under /var/lib/cni but host-local's locks and cursors and the owner index's
# stamp (leases, cache entries, state records, index entries), and any file under /run/cni but
# lock files (what tuning saves to restore at DEL).
engine_leftovers() {
	ip -o link show type veth | awk -F': ' '{print "veth " $2}'
	ls /run/netns 2>/dev/null | sed 's/^/netns /'
	[ -d /var/lib/cni ] && find /var/lib/cni -type f ! -name lock ! -name 'last_reserved_ip.*' \
		! -path '*/.owners/stamp' -printf 'file %p\n'
	[ -d /run/cni ] && find /run/cni -type f ! -name '*.lock' -printf 'file %p\n'
	true
}

# engine_rules WORD... : the firewall rules (nftables, and the legacy iptables tables where that
# tool exists) naming one of WORD (an address, a container ID), one a line.
engine_rules() {
	local a rules
	rules=$(nft list ruleset 2>/dev/null)
	if command -v iptables-legacy-save >/dev/null; then
		rules+=$'\n'$(iptables-legacy-save 2>/dev/null)$'\n'$(ip6tables-legacy-save 2>/dev/null)
	fi
	for a; do
		grep -F -w -e "$a" <<<"$rules" | sed "s/^[[:space:]]*//"
	done
	true
}

# engine_gone L IDS WORDS : after the containers of IDS (space-separated) went: nothing left on
# the node, and no rule naming WORDS (their addresses) or IDS. The second check names
# plugins#810 when a DEL came without a netns: the reference's bridge then leaves its masquerade
# rules behind (our record-based DEL removes them).
engine_gone() {
	local L=$1 id note=""
	for id in $2; do
		[[ " $(engine_calls_netns DEL "$id") " == *" absent "* ]] &&
			note=" (DEL came after the netns was gone: the reference leaks here, plugins#810)"
	done
	# A netns goes asynchronously (the kernel's cleanup_net) and its veths with it: a DEL that
	# came after the netns was released may return before the host end is gone.
	retry 15 eval '[ -z "$(engine_leftovers)" ]'
	is "$L: nothing left (leases, veths, netns, cache entries, records)" "$(engine_leftovers)" ""
	# shellcheck disable=SC2086
	is "$L: no firewall rule names their addresses or IDs$note" "$(engine_rules $3 $2)" ""
}

# engine_probe CONTAINER : "4 ADDR", "6 ADDR" (global addresses on eth0) and "mac MAC" lines, as
# the container sees them, through one "$ENGINE_EXEC CONTAINER CMD..." (the engine's exec).
engine_probe() {
	"$ENGINE_EXEC" "$1" /bin/sh -c 'ip -o addr show dev eth0 scope global |
		while read -r _ _ f a _; do echo "${f#inet} ${a%/*}"; done
		echo "mac $(cat /sys/class/net/eth0/address)"' | sed 's/^ /4 /'
}

# engine_pings CONTAINER ADDR... : "ADDR ok|fail" for each, one echo request (up to 3 tries,
# the very first one may be lost to neighbour discovery) from inside the container.
engine_pings() {
	local c=$1
	shift
	"$ENGINE_EXEC" "$c" /bin/sh -c 'for a; do r=fail
		for i in 1 2 3; do ping -c1 -W1 "$a" >/dev/null 2>&1 && r=ok && break; done
		echo "$a $r"; done' sh "$@"
}

# engine_pair L A B : containers A and B (running, on the network of SUB4/SUB6 with gateways
# GW4/GW6): each has an IPv4 and an IPv6 address in the subnets, distinct from the other's, and
# pings the other's two and both gateways. Sets A4 A6 AMAC B4 B6 BMAC from the containers' view.
engine_pair() {
	local L=$1 a=$2 b=$3 pa pb r t from to fam addr
	pa=$(engine_probe "$a") pb=$(engine_probe "$b")
	A4=$(sed -n 's/^4 //p' <<<"$pa" | head -1) A6=$(sed -n 's/^6 //p' <<<"$pa" | head -1)
	B4=$(sed -n 's/^4 //p' <<<"$pb" | head -1) B6=$(sed -n 's/^6 //p' <<<"$pb" | head -1)
	AMAC=$(sed -n 's/^mac //p' <<<"$pa") BMAC=$(sed -n 's/^mac //p' <<<"$pb")
	is "$L: one IPv4 and one IPv6 address each" \
		"$(grep -c '^[46] ' <<<"$pa") $(grep -c '^[46] ' <<<"$pb")" "2 2"
	check "$L: $a's $A4 in $SUB4, $b's $B4 too" eval 'in_subnet "$A4" $SUB4 && in_subnet "$B4" $SUB4'
	check "$L: $a's $A6 in $SUB6, $b's $B6 too" eval 'in_subnet "$A6" $SUB6 && in_subnet "$B6" $SUB6'
	[ "$A4" != "$B4" ] && [ "$A6" != "$B6" ] && ok "$L: distinct addresses" ||
		not_ok "$L: distinct addresses" "$a: $A4 $A6" "$b: $B4 $B6"
	r=$(engine_pings "$a" "$B4" "$B6" "$GW4" "$GW6" | sed "s/^/$a /"
		engine_pings "$b" "$A4" "$A6" "$GW4" "$GW6" | sed "s/^/$b /")
	for t in "$a $b IPv4 $B4" "$a $b IPv6 $B6" "$a gateway IPv4 $GW4" "$a gateway IPv6 $GW6" \
		"$b $a IPv4 $A4" "$b $a IPv6 $A6" "$b gateway IPv4 $GW4" "$b gateway IPv6 $GW6"; do
		read -r from to fam addr <<<"$t"
		is "$L: $from pings $to ($fam)" \
			"$(awk -v f="$from" -v x="$addr" '$1 == f && $2 == x {print $3}' <<<"$r")" ok
	done
}

# engine_masq ADDR... : "ADDR yes|no" each: whether a rule of a NAT table (nftables tables
# named *nat* or *masq*, the legacy iptables nat tables) has ADDR as its source: the address's
# masquerade rule, or the jump to its chain.
engine_masq() {
	local a rules
	rules=$(nft list ruleset 2>/dev/null | awk '/^table / {t = $3} t ~ /nat|masq/')
	if command -v iptables-legacy-save >/dev/null; then
		rules+=$'\n'$(iptables-legacy-save -t nat 2>/dev/null)$'\n'$(ip6tables-legacy-save -t nat 2>/dev/null)
	fi
	for a; do
		grep -q -F -e "saddr $a " -e "-s $a/" <<<"$rules" && echo "$a yes" || echo "$a no"
	done
}

# engine_kill_payload PID : SIGKILL to a container's payload, PID as the engine reports it.
# Anything but a PID above 1 (a stopped container's 0, an empty answer) is refused: kill(0) or
# kill(-1) would hit the test's own process group or every process.
engine_kill_payload() {
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -gt 1 ] || return 1
	kill -KILL "$1"
}

# retry N CMD... : CMD until it succeeds, at most N times 0.2 s apart.
retry() {
	local n=$1 i
	shift
	for ((i = 1; i <= n; i++)); do
		"$@" && return 0
		[ "$i" -lt "$n" ] && sleep 0.2
	done
	return 1
}

# in_subnet ADDR PREFIX : ADDR is in PREFIX (python3's ipaddress).
in_subnet() {
	python3 -c 'import ipaddress,sys
sys.exit(0 if ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(sys.argv[2]) else 1)' "$1" "$2"
}

# engine_calls_checked L IDA IDB : each of the two containers' ADD (once) and DEL (at least once)
# went through $PLUGIN_DIR/bridge; a diagnostic line says what netns each DEL had
engine_calls_checked() {
	local L=$1 ida=$2 idb=$3
	is "$L: each container's ADD and DEL went through $PLUGIN_DIR/bridge" \
		"$(engine_calls ADD "$ida") $(engine_calls ADD "$idb") $(($(engine_calls DEL "$ida") > 0)) $(($(engine_calls DEL "$idb") > 0))" \
		"1 1 1 1"
	echo "# $L: DEL calls, netns at the time: $ida: $(engine_calls_netns DEL "$ida"); $idb: $(engine_calls_netns DEL "$idb")"
}
