#!/bin/bash
# ipMasq, iptables backend (libiptc, legacy x_tables): reference chain/rule layout and comments,
# v4+v6, idempotent ADD, CHECK, DEL without IPs, two attachments of one container sharing the
# reference chain, GC, cleanup of reference-made rules, xtables lock timeout, real packets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/masq-common.sh"

nat4() { iptables-legacy -w -t nat -S 2>/dev/null; }
nat6() { ip6tables-legacy -w -t nat -S 2>/dev/null; }
CH=$("$M" chain net1 ctr1)
is "chain name is the reference's (sha512(net+id)[:24])" "$("$M" chain sa1net sa1ctr1)" CNI-063ec9648c2ad4e52d568f47

ok_masq "ADD v4+v6" -b iptables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
CM='name: \"net1\" id: \"ctr1\" if: \"eth0\"'
S4=$(nat4)
has "v4 POSTROUTING jump" "$S4" "-A POSTROUTING -s 10.0.0.5/32 -m comment --comment \"$CM\" -j $CH"
has "v4 ACCEPT own subnet" "$S4" "-A $CH -d 10.0.0.0/24 -m comment --comment \"$CM\" -j ACCEPT"
has "v4 MASQUERADE non-multicast" "$S4" "-A $CH ! -d 224.0.0.0/4 -m comment --comment \"$CM\" -j MASQUERADE"
S6=$(nat6)
has "v6 POSTROUTING jump" "$S6" "-A POSTROUTING -s fd00:1::5/128 -m comment --comment \"$CM\" -j $CH"
has "v6 ACCEPT own subnet" "$S6" "-A $CH -d fd00:1::/64 -m comment --comment \"$CM\" -j ACCEPT"
has "v6 MASQUERADE non-multicast" "$S6" "-A $CH ! -d ff00::/8 -m comment --comment \"$CM\" -j MASQUERADE"
is "v4: 3 rules + chain" "$(nat4 | grep -c "$CH")" 4
is "nothing landed in nf_tables (libiptc writes legacy x_tables)" "$(nft list ruleset 2>/dev/null | grep -c CNI-)" 0

ok_masq "ADD again (idempotent)" -b iptables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
is "v4 rule count unchanged" "$(nat4 | grep -c "$CH")" 4
is "v6 rule count unchanged" "$(nat6 | grep -c "$CH")" 4
ok_masq "CHECK" -b iptables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
masq -b iptables check net1 ctr1 eth0 10.0.0.6/24
is "CHECK with another IP fails (999)" "$RC:${OUT%%:*}" "1:error 999"
iptables-legacy -w -t nat -D POSTROUTING -s 10.0.0.5/32 -m comment --comment "name: \"net1\" id: \"ctr1\" if: \"eth0\"" -j "$CH"
masq -b iptables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
like "CHECK notices a removed POSTROUTING jump" "$RC $OUT" "^1 error 999: .*POSTROUTING -s 10.0.0.5/32"
ok_masq "ADD repairs it" -b iptables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
ok_masq "CHECK after repair" -b iptables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64

# Real packets: ma (10.0.0.5) reaches mb only when masqueraded (mb has no route back).
if topo_up; then
	check "ma reaches its gateway" ping_ok ma 10.0.0.1
	check "v4 ping through MASQUERADE" ping_ok ma 192.168.99.2
	check "v6 ping through MASQUERADE" ping_ok ma fd00:99::2
	like "MASQUERADE rule counted packets" "$(iptables-legacy -w -t nat -L "$CH" -v -x -n | awk '/MASQUERADE/{print $1}')" '^[1-9]'
	masq del net1 ctr1 eth0
	check_fail "after DEL: v4 ping fails (no masquerade)" ping_ok ma 192.168.99.2
	check_fail "after DEL: v6 ping fails" ping_ok ma fd00:99::2
	topo_down
else
	skip "real packets" "cannot build topology"
fi
ok_masq "DEL without IPs (again)" del net1 ctr1 eth0
is "v4: nothing of ctr1 left" "$(nat4 | grep -c "$CH")" 0
is "v6: nothing of ctr1 left" "$(nat6 | grep -c "$CH")" 0
ok_masq "DEL twice" del net1 ctr1 eth0

# Re-ADD with another address replaces this attachment's rules.
ok_masq "ADD 10.0.0.5" -b iptables add net1 ctr1 eth0 10.0.0.5/24
ok_masq "re-ADD 10.0.0.9" -b iptables add net1 ctr1 eth0 10.0.0.9/24
is "old jump gone, new one there" "$(nat4 | grep POSTROUTING | grep -o -- '-s [0-9./]*' | tr '\n' ' ')" "-s 10.0.0.9/32 "

# Two attachments of one container share the reference chain; DEL of one keeps the other.
ok_masq "ADD second attachment eth1" -b iptables add net1 ctr1 eth1 10.0.0.10/24
is "one chain" "$(nat4 | grep -c "^-N $CH")" 1
is "two jumps" "$(nat4 | grep -c "^-A POSTROUTING.*-j $CH")" 2
ok_masq "DEL eth0" del net1 ctr1 eth0
is "eth1 rules stay (3)" "$(nat4 | grep -c "^-A.*if: \\\\\"eth1\\\\\"")" 3
is "no eth0 rule left" "$(nat4 | grep -c 'if: \\"eth0\\"')" 0
ok_masq "CHECK eth1 still passes" -b iptables check net1 ctr1 eth1 10.0.0.10/24
ok_masq "DEL eth1" del net1 ctr1 eth1
is "chain removed with its last rule" "$(nat4 | grep -c "$CH")" 0

# Rules in the reference's own format (no ifname in the comment) are cleaned by DEL.
RC_CM='name: "net1" id: "ctr7"'
CH7=$("$M" chain net1 ctr7)
iptables-legacy -w -t nat -N "$CH7" &&
	iptables-legacy -w -t nat -A "$CH7" -d 10.0.0.0/24 -m comment --comment "$RC_CM" -j ACCEPT &&
	iptables-legacy -w -t nat -A "$CH7" ! -d 224.0.0.0/4 -m comment --comment "$RC_CM" -j MASQUERADE &&
	iptables-legacy -w -t nat -A POSTROUTING -s 10.0.0.7 -m comment --comment "$RC_CM" -j "$CH7"
is "reference-made rules present" "$(nat4 | grep -c "$CH7")" 4
ok_masq "DEL removes reference-made rules" del net1 ctr7 eth0
is "nothing of ctr7 left" "$(nat4 | grep -c "$CH7")" 0

# GC: only rules of net1 whose attachment is not valid go.
for c in ctr1 ctr2 ctr3; do masq -b iptables add net1 $c eth0 10.0.0.$((RANDOM % 200 + 2))/24; done
ok_masq "ADD ctr2/eth1" -b iptables add net1 ctr2 eth1 10.0.0.250/24 fd00:1::250/64
ok_masq "ADD net2 ctr1" -b iptables add net2 ctr1 eth0 10.1.0.5/24
ok_masq "GC net1 keeping ctr2/eth0" gc net1 ctr2/eth0
is "ctr1, ctr3 and ctr2/eth1 of net1 gone" "$(nat4 | grep -c 'name: \\"net1\\"')" 3
has "ctr2/eth0 kept" "$(nat4)" 'id: \"ctr2\" if: \"eth0\"'
is "v6 of ctr2/eth1 gone" "$(nat6 | grep -c 'name: \\"net1\\"')" 0
is "net2 untouched" "$(nat4 | grep -c 'name: \\"net2\\"')" 3
is "emptied chains removed" "$(nat4 | grep -c "^-N $("$M" chain net1 ctr1)")" 0
ok_masq "GC net1 with an empty list removes the rest" gc net1
ok_masq "DEL net2 ctr1" del net2 ctr1 eth0

# Lock: another holder of /run/xtables.lock makes us give up with code 11 after the bound.
flock /run/xtables.lock sleep 5 &
HOLDER=$!
sleep 0.2
t0=$(date +%s%N)
masq -b iptables -l 300 add net1 ctr9 eth0 10.0.0.9/24
t1=$(date +%s%N)
like "lock held elsewhere: try again later (11)" "$RC $OUT" "^1 error 11: .*xtables.lock"
like "gave up after about the bound (ms)" "$(( (t1 - t0) / 1000000 ))" '^(2[89][0-9]|[3-9][0-9][0-9]|1[0-9][0-9][0-9])$'
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null
ok_masq "lock free again: ADD works" -b iptables add net1 ctr9 eth0 10.0.0.9/24
ok_masq "DEL" del net1 ctr9 eth0

is "nothing left in v4 nat" "$(nat4 | grep -vc '^-P')" 0
is "nothing left in v6 nat" "$(nat6 | grep -vc '^-P')" 0
done_testing
