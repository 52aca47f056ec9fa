#!/bin/bash
# Minimal reproductions of the defects the invariant checker found, one case per argument
# (default: all), each on its own network. Run inside the sandbox:
#   test/integration/sandbox.sh test/invariants/repro.sh [gc-tmp] [orphan] [race]
# Prints REPRODUCED or "not reproduced" per case; exits 1 when any case reproduced.
#   gc-tmp  ADD killed between writing its state record's temp file and renaming it; a GC
#           that does not list the attachment leaves /var/lib/cni/bridge/<net>/<id>-<if>.tmp
#   orphan  only the bridge is killed (as Go's exec.CommandContext does) while the host-local
#           it executed is still starting; the runtime's DEL succeeds, then host-local takes
#           the lease, which nothing releases until a GC
#   race    DEL started right after ADD of the same attachment: ADD ends with its addresses
#           on the container interface but without their leases (N_RACES tries, default 40)
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/bridge-common.sh"
cases=${*:-gc-tmp orphan race}
found=0
netns_new rp
NS=/run/netns/rp
trap 'ip netns del rp 2>/dev/null; ip link del inv90 2>/dev/null; ip link del inv91 2>/dev/null; ip link del inv92 2>/dev/null' EXIT
verdict() { # CASE yes|"" : REPRODUCED when the condition held ("yes")
	if [ "$2" = yes ]; then
		echo "$1: REPRODUCED"
		found=1
	else
		echo "$1: not reproduced"
	fi
}
run() { # VERB CONF-FILE ID [IPAM-DIR]
	env CNI_COMMAND="$1" CNI_PATH="${4:-$BIN}" CNI_CONTAINERID="$3" CNI_NETNS=$NS CNI_IFNAME=eth0 \
		"$BIN/bridge" <"$2"
}

for c in $cases; do
	case $c in
	gc-tmp)
		conf 1.1.0 inv-gctmp inv90 10.231.90.0/24 '"isGateway":true' >"$T/gc.conf"
		(strace -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=1 \
			env CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID=g1 CNI_NETNS=$NS CNI_IFNAME=eth0 \
			"$BIN/bridge" <"$T/gc.conf" >/dev/null; :) 2>/dev/null
		echo "gc-tmp: after the killed ADD: $(cd /var/lib/cni/bridge/inv-gctmp && ls)"
		python3 -c 'import json,sys;c=json.load(open(sys.argv[1]));c["cni.dev/valid-attachments"]=[];print(json.dumps(c))' \
			"$T/gc.conf" >"$T/gc.gc"
		env CNI_COMMAND=GC CNI_PATH="$BIN" "$BIN/bridge" <"$T/gc.gc"
		echo "gc-tmp: GC (valid-attachments []) rc=$?; left: $(cd /var/lib/cni/bridge/inv-gctmp && ls)"
		verdict gc-tmp "$([ -e /var/lib/cni/bridge/inv-gctmp/g1-eth0.tmp ] && echo yes)"
		run DEL "$T/gc.conf" g1 >/dev/null 2>&1 # (DEL does remove it)
		;;
	orphan)
		mkdir -p "$T/slow"
		printf '#!/bin/sh\n[ "$CNI_COMMAND" = ADD ] && sleep 0.2\nexec %s/host-local "$@"\n' "$BIN" \
			>"$T/slow/host-local"
		chmod +x "$T/slow/host-local"
		conf 1.1.0 inv-orphan inv91 10.231.91.0/24 '"isGateway":true' >"$T/or.conf"
		(exec env CNI_COMMAND=ADD CNI_PATH="$T/slow" CNI_CONTAINERID=o1 CNI_NETNS=$NS CNI_IFNAME=eth0 \
			"$BIN/bridge" <"$T/or.conf" >/dev/null 2>&1) &
		pid=$!
		sleep 0.05
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		run DEL "$T/or.conf" o1 "$T/slow" >/dev/null 2>&1
		echo "orphan: bridge killed at 50 ms, runtime's DEL rc=$?"
		sleep 0.4 # the orphaned host-local finishes
		left=$(grep -l '^o1' /var/lib/cni/networks/inv-orphan/10.* 2>/dev/null)
		echo "orphan: leases naming o1 after the DEL: ${left:-none}"
		verdict orphan "$([ -n "$left" ] && echo yes)"
		;;
	race)
		conf 1.1.0 inv-race inv92 10.231.92.0/24,fd31:92::/64 '"isGateway":true' >"$T/ra.conf"
		n=0 bad=0
		for i in $(seq 1 "${N_RACES:-40}"); do
			run ADD "$T/ra.conf" r1 >/dev/null 2>&1 &
			run DEL "$T/ra.conf" r1 >/dev/null 2>&1
			wait
			n=$((n + 1))
			addrs=$(ip -n rp -br addr show dev eth0 2>/dev/null | awk '{print $3}')
			if [ -n "$addrs" ] && ! ls /var/lib/cni/networks/inv-race/ | grep -q '^10\.'; then
				bad=$((bad + 1))
				[ "$bad" = 1 ] && echo "race: try $i: eth0 has $addrs, /var/lib/cni/networks/inv-race has no lease"
			fi
			run DEL "$T/ra.conf" r1 >/dev/null 2>&1
			ip -n rp link del eth0 2>/dev/null # the DEL cannot: no state record names it
		done
		echo "race: $bad of $n ADD+DEL pairs left an address without its lease"
		verdict race "$([ "$bad" -gt 0 ] && echo yes)"
		;;
	*) echo "unknown case $c" && exit 2 ;;
	esac
done
exit $found
