#!/bin/bash
# In-process IPAM: the bridge runs the host-local built with it inside its own process (no fork
# and exec) exactly when the file CNI_PATH names carries that build's GNU build-id. A wrapper
# script, or any other build, is executed as the spec describes. Both ways give the same
# results and the same errors, byte for byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

WRAP=$T/wrapped
exec_wrapper "$WRAP"

# traced VERB CONF ID IPAM-DIR [VAR=VALUE...] : run the bridge under strace; $OUT, $RC as cni(),
# and $EXECS = the programs it executed (basenames, one per line, itself first). The container
# is netns c1 for our host-local, c2 for the wrapper, c3 for any other.
traced() {
	local verb=$1 c=$2 id=$3 dir=$4 ns=c3
	shift 4
	case $dir in "$BIN") ns=c1 ;; "$WRAP") ns=c2 ;; esac
	OUT=$(echo "$c" | env CNI_COMMAND="$verb" CNI_PATH="$dir" CNI_CONTAINERID="$id" \
		CNI_NETNS="/run/netns/$ns" CNI_IFNAME="eth-$id" "$@" \
		strace -f -qq -e trace=execve -e signal=none -o "$T/trace" "$BIN/bridge" 2>"$T/stderr")
	RC=$?
	EXECS=$(sed -n 's/.*execve("\([^"]*\)".*/\1/p' "$T/trace" | sed 's#.*/##')
}
# ipam_part : the result's IPAM fields (ips without interface index, routes, dns)
ipam_part() {
	python3 -c 'import json,sys
r=json.loads(sys.argv[1])
for ip in r.get("ips",[]): ip.pop("interface",None)
print(json.dumps([r.get("ips"),r.get("routes"),r.get("dns")],sort_keys=True))' "$OUT"
}

for ns in c1 c2 c3; do netns_new $ns; done
A=$(conf 1.0.0 neti1 sa1bra 10.231.80.0/24,fd00:231:80::/64 '"isGateway":true')
B=${A//neti1/neti2}
B=${B//sa1bra/sa1brb}

traced ADD "$A" c1 "$BIN"
ok_rc "ADD with our host-local in CNI_PATH"
is "host-local ran in-process: the bridge executed nothing" "$EXECS" bridge
RES_A=$(ipam_part) PREV_A=$OUT
is "its lease is written" "$(leases neti1)" 2

traced ADD "$B" c1 "$WRAP"
ok_rc "ADD with a wrapper script as host-local"
is "the wrapper and the host-local it execs ran as programs" "$(echo "$EXECS" | tr '\n' ' ')" "bridge host-local host-local "
is "the same addresses, routes and dns either way" "$(ipam_part)" "$RES_A"

traced CHECK "$(prev "$A" "$PREV_A")" c1 "$BIN"
ok_rc "CHECK: host-local, in-process, finds the lease"
is "CHECK: nothing executed" "$EXECS" bridge

for verb in STATUS GC; do
	conf11=${A/1.0.0/1.1.0}
	traced "$verb" "$conf11" c1 "$BIN"
	ok_rc "$verb in-process"
	is "$verb: nothing executed" "$EXECS" bridge
done
is "GC without a valid-attachments list keeps the lease" "$(leases neti1)" 2

traced DEL "$A" c1 "$BIN"
ok_rc "DEL in-process"
is "DEL: nothing executed" "$EXECS" bridge
is "DEL released the leases" "$(leases neti1)" 0
traced DEL "$B" c1 "$WRAP"
ok_rc "DEL through the wrapper"
is "DEL through the wrapper released its leases" "$(leases neti2)" 0

# The same failures give the same error JSON (names mapped), and leave nothing behind.
same_error() { # DESC CONF-A [VAR=VALUE...]
	local desc=$1 ca=$2 out_a rc_a
	shift 2
	traced ADD "$ca" c2 "$BIN" "$@"
	out_a=$OUT rc_a=$RC
	local cb=${ca//neti1/neti2}
	traced ADD "${cb//sa1bra/sa1brb}" c2 "$WRAP" "$@"
	if [ "$rc_a" = 1 ] && [ "$RC" = 1 ] && [ "${OUT//neti2/neti1}" = "$out_a" ]; then
		ok "$desc: the same error either way"
	else
		not_ok "$desc: the same error either way" "in-process rc=$rc_a: $out_a" "executed rc=$RC: $OUT"
	fi
}
# A /30 holds one address besides the gateway: the first ADD takes it.
P=$(conf 1.0.0 neti1 sa1bra 10.231.81.0/30)
traced ADD "$P" c1 "$BIN"
traced ADD "${P//neti1/neti2}" c1 "$WRAP"
same_error "range exhausted" "$P"
same_error "requested IP outside the range" "$(conf 1.0.0 neti1 sa1bra 10.231.82.0/24)" CNI_ARGS=IP=10.9.9.9
same_error "invalid ipam config" "$(conf 1.0.0 neti1 sa1bra 10.231.83.0/33)"
same_error "unknown CNI_ARGS key is refused" "$(conf 1.0.0 neti1 sa1bra 10.231.84.0/24)" CNI_ARGS=IgnoreUnknown=0\;Foo=1
traced DEL "$P" c1 "$BIN"
traced DEL "${P//neti1/neti2}" c1 "$WRAP"
assert_clean neti1 c1
assert_clean neti2 c2

# Another build of host-local (the reference's, when installed) is executed.
if [ -x /usr/lib/cni/host-local ]; then
	traced ADD "$A" c3 /usr/lib/cni
	ok_rc "ADD with the reference host-local"
	is "the reference host-local was executed" "$(echo "$EXECS" | tr '\n' ' ')" "bridge host-local "
	traced DEL "$A" c3 /usr/lib/cni
	assert_clean neti1 c3
else
	skip "another build is executed" "no /usr/lib/cni/host-local"
fi
for ns in c1 c2 c3; do ip netns del $ns; done
done_testing
