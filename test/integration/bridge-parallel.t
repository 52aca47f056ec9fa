#!/bin/bash
# bridge: many ADDs racing to create the same bridge (EEXIST tolerated, re-read, type-checked) and
# to add the same gateway address; all succeed with distinct addresses; parallel DELs clean up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

N=8
C=$(conf 1.0.0 npar sa1bp 10.231.60.0/24 '"isGateway":true,"ipMasq":true')
for i in $(seq $N); do netns_new p$i; done
for i in $(seq $N); do
	(echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=par$i CNI_NETNS=/run/netns/p$i CNI_IFNAME=eth0 \
		CNI_PATH=$BIN "$BIN/bridge" >"$T/out$i" 2>"$T/err$i"; echo $? >"$T/rc$i") &
done
wait
fails=0
for i in $(seq $N); do [ "$(cat "$T/rc$i")" = 0 ] || { fails=$((fails + 1)); cat "$T/out$i" "$T/err$i"; }; done
is "$N parallel ADDs on a new bridge all succeed" "$fails" 0
is "one bridge" "$(ip -o link show type bridge | grep -c sa1bp)" 1
is "$N distinct addresses" "$(cat "$T"/out* | grep -o '"10.231.60.[0-9]*/24"' | sort -u | wc -l)" "$N"
is "one gateway address on the bridge" "$(ip -o -4 addr show dev sa1bp | wc -l)" 1
is "$N ports" "$(ip -o link show master sa1bp | wc -l)" "$N"
check "p1 pings p$N" ping_ok p1 "$(json_get "$(cat "$T/out$N")" ips.0.address | cut -d/ -f1)"
for i in $(seq $N); do
	(echo "$C" | CNI_COMMAND=DEL CNI_CONTAINERID=par$i CNI_NETNS=/run/netns/p$i CNI_IFNAME=eth0 \
		CNI_PATH=$BIN "$BIN/bridge" >/dev/null 2>&1; echo $? >"$T/drc$i") &
done
wait
fails=0
for i in $(seq $N); do [ "$(cat "$T/drc$i")" = 0 ] || fails=$((fails + 1)); done
is "$N parallel DELs succeed" "$fails" 0
assert_clean npar p1 p$N
is "no masquerade rule left" "$(nft list ruleset 2>/dev/null | grep -c 'saddr 10.231.60'; iptables-legacy-save -t nat 2>/dev/null | grep -c 10.231.60)" "$(printf '0\n0')"
done_testing
