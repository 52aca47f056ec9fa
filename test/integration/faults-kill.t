#!/bin/bash
# Fault injection: SIGKILL of bridge (with its host-local child), of bridge alone, of host-local,
# and of cnictl at random points (0-20 ms) of ADD, many times; then DEL (twice) and GC must leave
# no veth, address, lease, state record, cache entry or firewall rule behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

N=${FAULT_ITERATIONS:-15}
netns_new f1
NS=/run/netns/f1
C=$(conf 1.0.0 faults fbr0 10.231.70.0/24 '"isGateway":true,"ipMasq":true')
C11=${C/1.0.0/1.1.0}
printf '%s' "$C" >"$T/conf"

# Warm up once so shared structures (the bridge, shared firewall chains) exist in the baseline;
# its duration sets the range of kill delays (at least 0-20 ms) so kills land all over ADD.
t0=$(date +%s%N)
br ADD "$C" warm $NS; ok_rc "warm-up ADD"
span=$((($(date +%s%N) - t0) / 1000000))
[ "$span" -lt 20 ] && span=20
echo "# an ADD takes $span ms here: kill delays are 0-$span ms"
br DEL "$C" warm $NS; ok_rc "warm-up DEL"
fw_base=$(snapshot | grep -vE '^(/|veth)' | grep -v ' fe80::')

rand_delay() { local ms=$((RANDOM % (span + 1))); printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
partial=0 # killed ADDs that left something for DEL to clean (proves kills hit mid-ADD)
left_over() { [ "$(host_veths)" != 0 ] || [ "$(leases faults)" != 0 ] || [ "$(records faults)" != 0 ]; }

# kill_add MODE ID IFNAME : start ADD, SIGKILL it after 0-20 ms. MODE group = the plugin and
# every child (a runtime killing the process group); MODE plugin = the plugin only, its IPAM
# child finishes on its own.
kill_add() {
	local mode=$1 id=$2 ifn=$3 pid
	setsid env CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID="$id" CNI_NETNS=$NS \
		CNI_IFNAME="$ifn" "$BIN/bridge" <"$T/conf" >/dev/null 2>&1 &
	pid=$!
	sleep "$(rand_delay)"
	if [ "$mode" = group ]; then kill -9 -- "-$pid" 2>/dev/null; else kill -9 "$pid" 2>/dev/null; fi
	wait "$pid" 2>/dev/null
}

bad=0
for i in $(seq 1 "$N"); do
	kill_add group "kg$i" eth0
	left_over && partial=$((partial + 1))
	br DEL "$C" "kg$i" $NS
	[ "$RC" = 0 ] || { bad=$((bad + 1)); echo "# DEL kg$i: $OUT"; }
	br DEL "$C" "kg$i" $NS
	[ "$RC" = 0 ] || { bad=$((bad + 1)); echo "# second DEL kg$i: $OUT"; }
done
is "$N x (kill -9 of bridge+host-local during ADD, DEL, DEL): every DEL succeeds" "$bad" 0
is "nothing left in the container" "$(ns_links f1)" 0
assert_clean faults

bad=0
for i in $(seq 1 "$N"); do
	kill_add plugin "kp$i" eth0
	sleep 0.2 # the orphaned host-local finishes its ADD; DEL must then release it
	left_over && partial=$((partial + 1))
	br DEL "$C" "kp$i" $NS
	[ "$RC" = 0 ] || { bad=$((bad + 1)); echo "# DEL kp$i: $OUT"; }
done
is "$N x (kill -9 of bridge only during ADD, DEL): every DEL succeeds" "$bad" 0
echo "# $partial of $((2 * N)) killed bridge ADDs left partial state that DEL removed"
assert_clean faults

# deterministically at the narrowest point: killed between writing its state record's temp file
# and renaming it (its IPAM child, not traced, finishes). The ":" keeps each subshell alive, so
# the shell's "Killed" goes to its /dev/null.
if command -v strace >/dev/null; then
	(CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID=kt CNI_NETNS=$NS CNI_IFNAME=eth0 \
		strace -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=1 \
		"$BIN/bridge" <"$T/conf" >/dev/null; :) 2>/dev/null
	sleep 0.2
	like "bridge ADD killed at its state record's rename leaves the temp file" \
		"$(find "$ST_DIR/faults" -type f 2>/dev/null)" '\.tmp$'
	br DEL "$C" kt $NS
	ok_rc "... DEL"
	assert_clean faults
else
	skip "bridge ADD killed at its state record's rename" "no strace"
fi

# Killed ADDs, then no DEL at all: GC with an empty valid-attachment list must clean up.
for i in $(seq 1 10); do kill_add group "kc$i" "eth$i"; done
br ADD "$C" keep $NS eth99; ok_rc "ADD of an attachment GC must keep"
KEEP=$OUT
python3 -c 'import json,sys
c=json.loads(sys.argv[1]); c["cni.dev/valid-attachments"]=[{"containerID":"keep","ifname":"eth99"}]
print(json.dumps(c))' "$C11" >"$T/gc"
CNI_TYPE=bridge CNI_PATH=$BIN cni GC "$(cat "$T/gc")"
ok_rc "GC after killed ADDs"
is "GC keeps the valid attachment's link" "$(ns_links f1)" 1
is "GC keeps the valid attachment's lease" "$(leases faults)" 1
br DEL "$(prev "$C" "$KEEP")" keep $NS eth99; ok_rc "DEL the kept attachment"
assert_clean faults f1

# host-local alone, killed mid-ADD, then DEL
HL='{"cniVersion":"1.0.0","name":"faults-hl","type":"host-local","ipam":{"type":"host-local","ranges":[[{"subnet":"10.231.71.0/24"}],[{"subnet":"fd00:231:71::/64"}]]}}'
printf '%s' "$HL" >"$T/hl"
bad=0
for i in $(seq 1 "$N"); do
	env CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID="kh$i" CNI_NETNS=$NS CNI_IFNAME=eth0 \
		"$BIN/host-local" <"$T/hl" >/dev/null 2>&1 &
	pid=$!
	sleep "$(rand_delay)"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	CNI_TYPE=host-local cni DEL "$HL" CNI_CONTAINERID="kh$i" CNI_NETNS=$NS CNI_IFNAME=eth0
	[ "$RC" = 0 ] || { bad=$((bad + 1)); echo "# DEL kh$i: $OUT"; }
done
is "$N x (kill -9 of host-local during ADD, DEL): every DEL succeeds" "$bad" 0
is "no lease and no temp file left" "$(find /var/lib/cni/networks/faults-hl -type f ! -name lock ! -name 'last_reserved_ip*' ! -path '*/.owners/*' | wc -l)" 0
CNI_TYPE=host-local cni ADD "$HL" CNI_CONTAINERID=after CNI_NETNS=$NS CNI_IFNAME=eth0
ok_rc "host-local ADD works after the kills (lock not stuck)"
CNI_TYPE=host-local cni DEL "$HL" CNI_CONTAINERID=after CNI_NETNS=$NS CNI_IFNAME=eth0

# cnictl add killed at random points, then cnictl del: no cache entry, nothing left
if "$BIN/cnictl" add --help 2>&1 | grep -q 'add|check|del'; then
	mkdir -p "$T/net.d"
	python3 -c 'import json,sys
c=json.loads(sys.argv[1]); p={k:v for k,v in c.items() if k not in ("cniVersion","name")}
print(json.dumps({"cniVersion":"1.0.0","name":"faults","plugins":[p]}))' "$C" >"$T/net.d/10-faults.conflist"
	ctl() { NETCONFPATH=$T/net.d CNI_PATH=$BIN "$BIN/cnictl" "$@" >"$T/ctl.out" 2>&1; }
	bad=0
	for i in $(seq 1 "$((N / 2))"); do
		ip netns add "k$i"
		setsid env NETCONFPATH="$T/net.d" CNI_PATH="$BIN" "$BIN/cnictl" add faults "/run/netns/k$i" \
			>/dev/null 2>&1 &
		pid=$!
		sleep "$(rand_delay)"
		kill -9 -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		ctl del faults "/run/netns/k$i" || { bad=$((bad + 1)); echo "# cnictl del k$i: $(cat "$T/ctl.out")"; }
		ctl del faults "/run/netns/k$i" || { bad=$((bad + 1)); echo "# cnictl del again k$i: $(cat "$T/ctl.out")"; }
		ip netns del "k$i"
	done
	is "$((N / 2)) x (kill -9 of cnictl add, cnictl del twice): every DEL succeeds" "$bad" 0
	is "no cache entry left" "$(find /var/lib/cni/results -type f 2>/dev/null | wc -l)" 0
	# the same, deterministically, at the narrowest point: killed between writing its cache
	# entry's temp file and renaming it into place
	if command -v strace >/dev/null; then
		ip netns add kr
		(NETCONFPATH=$T/net.d CNI_PATH=$BIN strace -qq -o /dev/null -e trace=rename \
			-e inject=rename:signal=KILL:when=1 "$BIN/cnictl" add faults /run/netns/kr \
			>/dev/null; :) 2>/dev/null
		like "cnictl add killed at its cache rename leaves a temp file" \
			"$(find /var/lib/cni/results -type f 2>/dev/null)" '\.tmp\.[0-9]+$'
		ctl del faults /run/netns/kr
		is "... which its DEL removes" "$(find /var/lib/cni/results -type f 2>/dev/null)" ""
		ip netns del kr
	else
		skip "cnictl add killed at its cache rename" "no strace"
	fi
	assert_clean faults
else
	skip "cnictl add killed" "cnictl has no add verb"
fi

is "firewall and addresses back to the warm-up baseline" \
	"$(snapshot | grep -vE '^(/|veth)' | grep -v ' fe80::')" "$fw_base"
ip netns del f1
done_testing
