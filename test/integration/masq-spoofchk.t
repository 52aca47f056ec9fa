#!/bin/bash
# macspoofchk (nf_tables netlink, no libnftables; table bridge nat): reference layout and
# comments, rules byte-for-byte what nft makes from their text, idempotent ADD, CHECK (also
# negative), two attachments, DEL twice; real frames over a bridge: a container that changes
# its MAC is cut off until it restores it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/masq-common.sh"

lst() { nft list table bridge nat 2>/dev/null; }
ours() { lst | grep -c 'comment "macspoofchk-'; }

netns_new s1; netns_new s2
ip link add sb0 type bridge && ip link set sb0 up
for i in 1 2; do
	ip link add sv$i type veth peer name eth0 netns s$i
	ip link set sv$i master sb0 up
	ip -n s$i addr add 10.0.5.$i/24 dev eth0
	ip -n s$i link set eth0 up
done
MAC1=$(ip -n s1 -o link show eth0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2)
MAC2=$(ip -n s2 -o link show eth0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2)

ok_masq "ADD s1" spoof-add ctr1 eth0 sv1 "$MAC1"
L=$(lst)
has "PREROUTING is a filter hook at -300 (prints as dstnat)" "$L" "type filter hook prerouting priority dstnat; policy accept;"
has "jump from the host veth" "$L" "iifname \"sv1\" jump cni-br-iface-ctr1-eth0 comment \"macspoofchk-ctr1-eth0\""
has "jump to the mac chain" "$L" "jump cni-br-iface-ctr1-eth0-mac comment \"macspoofchk-ctr1-eth0\""
has "own MAC returns" "$L" "ether saddr $MAC1 return comment \"macspoofchk-ctr1-eth0\""
has "anything else drops" "$L" "drop comment \"macspoofchk-ctr1-eth0\""
ok_masq "ADD s1 again (idempotent)" spoof-add ctr1 eth0 sv1 "$MAC1"
is "still 4 rules" "$(ours)" 4
ok_masq "ADD s2" spoof-add ctr2 eth0 sv2 "$MAC2"
ok_masq "CHECK s1" spoof-check ctr1 eth0 sv1 "$MAC1"

# Our netlink messages: the kernel holds exactly what nft makes from the listed text (chains
# first: rules jump to them).
bytecode() { # table
	nft --debug=netlink list table "$1" 2>/dev/null | grep -E '^\s+(\[|userdata)'
}
nft add table bridge cmpx
lst | awk '/^\tchain /{c=$2; print "add chain bridge cmpx " c; next}
	/^\t\ttype /{sub(/^\t\t/, ""); sub(/dstnat/, "-300"); print "delete chain bridge cmpx " c;
		print "add chain bridge cmpx " c " { " $0 " }"; next}
	/^\t\t/{sub(/^\t\t/, ""); r[n++] = "add rule bridge cmpx " c " " $0}
	END{for (i = 0; i < n; i++) print r[i]}' >"$T/replay.nft"
nft -f "$T/replay.nft"
B=$(bytecode "bridge cmpx")
is "bytecode identical to nft's" "$(bytecode "bridge nat")" "$B"
is "the comparison saw all 8 rules" "$(echo "$B" | grep -c 'immediate reg 0')" 8
nft delete table bridge cmpx
masq spoof-check ctr1 eth0 sv1 02:00:00:00:00:01
like "CHECK with another MAC fails (999)" "$RC $OUT" "^1 error 999: .*ether saddr 02:00:00:00:00:01"
masq spoof-check ctr1 eth0 sv2 "$MAC1"
like "CHECK with another host veth fails" "$RC $OUT" '^1 error 999: .*iifname "sv2"'
# CHECK compares expressions: the drop missing fails; the same rule written by nft passes.
M1=cni-br-iface-ctr1-eth0-mac
H=$(nft -a list chain bridge nat $M1 | grep 'drop' | grep -o 'handle [0-9]*')
nft delete rule bridge nat $M1 $H
masq spoof-check ctr1 eth0 sv1 "$MAC1"
like "CHECK notices the missing drop" "$RC $OUT" "^1 error 999: .*'drop comment \"macspoofchk-ctr1-eth0\"'"
nft add rule bridge nat $M1 drop comment '"macspoofchk-ctr1-eth0"'
ok_masq "CHECK passes with the drop written by nft" spoof-check ctr1 eth0 sv1 "$MAC1"
H=$(nft -a list chain bridge nat $M1 | grep 'drop' | grep -o 'handle [0-9]*')
nft delete rule bridge nat $M1 $H
nft add rule bridge nat $M1 counter drop comment '"macspoofchk-ctr1-eth0"'
masq spoof-check ctr1 eth0 sv1 "$MAC1"
like "CHECK: a counter in the drop is a difference" "$RC $OUT" "^1 error 999: .*drop comment"
ok_masq "ADD repairs the mac chain" spoof-add ctr1 eth0 sv1 "$MAC1"
ok_masq "CHECK after repair" spoof-check ctr1 eth0 sv1 "$MAC1"
masq spoof-add ctr1 eth0 sv1 not-a-mac
is "ADD rejects a malformed MAC" "$RC" 1

check "s1 pings s2 over the bridge" ping_ok s1 10.0.5.2
ip -n s1 link set eth0 address 02:00:00:00:00:66
ip -n s1 neigh flush all; ip -n s2 neigh flush all
check_fail "s1 with a spoofed MAC is cut off" ping_ok s1 10.0.5.2
ip -n s1 link set eth0 address "$MAC1"
ip -n s1 neigh flush all; ip -n s2 neigh flush all
check "s1 with its own MAC again" ping_ok s1 10.0.5.2

ok_masq "DEL s1" spoof-del ctr1 eth0
is "s2's rules stay" "$(lst | grep -c 'macspoofchk-ctr2-eth0')" 4
is "s1's chains gone" "$(lst | grep -c 'cni-br-iface-ctr1-eth0')" 0
ok_masq "DEL s1 twice" spoof-del ctr1 eth0
ip -n s1 link set eth0 address 02:00:00:00:00:66
check "without the filter a changed MAC passes" ping_ok s1 10.0.5.2
ok_masq "DEL s2" spoof-del ctr2 eth0
is "no rule of ours left" "$(ours)" 0
is "no per-attachment chain left" "$(lst | grep -c 'cni-br-iface')" 0
ok_masq "DEL without any table" spoof-del ctr3 eth1
ip link del sv1; ip link del sv2; ip link del sb0
done_testing
