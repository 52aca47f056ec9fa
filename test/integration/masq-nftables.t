#!/bin/bash
# ipMasq, nftables backend (nf_tables netlink, no libnftables): upstream's table layout,
# v4+v6, idempotent ADD, CHECK (by expressions), DEL without IPs, two attachments of one container, GC, long
# names, real packets, rules byte-for-byte what nft makes from their text; the table stays (as
# upstream) but no rule of ours is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/masq-common.sh"

TBL="inet cni_plugins_masquerade"
lst() { nft list table $TBL 2>/dev/null; }
rules() { lst | grep -c 'masquerade comment'; }

ok_masq "ADD v4+v6" -b nftables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
L=$(lst)
has "postrouting is a srcnat hook" "$L" "type nat hook postrouting priority srcnat; policy accept;"
has "multicast v4 returns" "$L" "ip daddr 224.0.0.0/4 return"
has "multicast v6 returns" "$L" "ip6 daddr ff00::/8 return"
has "goto masq_checks" "$L" "goto masq_checks"
like "v4 rule" "$L" 'ip saddr 10\.0\.0\.5 ip daddr != 10\.0\.0\.0/24 masquerade comment "[0-9a-f]{16}-[0-9a-f]{16}, net: net1, if: eth0, id: ctr1"'
like "v6 rule" "$L" 'ip6 saddr fd00:1::5 ip6 daddr != fd00:1::/64 masquerade comment "[0-9a-f]{16}-[0-9a-f]{16}, net: net1, if: eth0, id: ctr1"'
is "nothing in legacy x_tables" "$(grep -c nat /proc/net/ip_tables_names)" 0

ok_masq "ADD again (idempotent)" -b nftables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
is "still 2 rules" "$(rules)" 2
is "postrouting still 3 rules" "$(nft list chain $TBL postrouting | grep -cE 'return|goto')" 3
ok_masq "CHECK" -b nftables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
masq -b nftables check net1 ctr1 eth0 10.0.0.6/24
like "CHECK with another IP fails (999)" "$RC $OUT" "^1 error 999: .*10\.0\.0\.6"
H=$(nft -a list chain $TBL masq_checks | grep 'saddr 10.0.0.5' | grep -o 'handle [0-9]*')
nft delete rule $TBL masq_checks $H
masq -b nftables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
like "CHECK notices a removed rule" "$RC $OUT" "^1 error 999: .*saddr 10\.0\.0\.5"
H=$(nft -a list chain $TBL postrouting | grep 'goto' | grep -o 'handle [0-9]*')
nft delete rule $TBL postrouting $H
masq -b nftables check net1 ctr1 eth0 fd00:1::5/64
like "CHECK notices a missing goto" "$RC $OUT" "^1 error 999: .*goto masq_checks"
ok_masq "ADD repairs both" -b nftables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
ok_masq "CHECK after repair" -b nftables check net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64
# CHECK compares expressions, not text: the same rule written by nft passes, any addition fails.
CMT=$(nft list chain $TBL masq_checks | grep 'saddr 10.0.0.5 ' | grep -o 'comment ".*"')
swap4() { # rule text after "ip saddr 10.0.0.5": replace our v4 rule with it
	local h
	h=$(nft -a list chain $TBL masq_checks | grep 'saddr 10.0.0.5 ' | grep -o 'handle [0-9]*')
	nft delete rule $TBL masq_checks $h && nft add rule $TBL masq_checks ip saddr 10.0.0.5 "$@"
}
swap4 ip daddr != 10.0.0.0/24 counter masquerade "$CMT"
masq -b nftables check net1 ctr1 eth0 10.0.0.5/24
like "CHECK: a counter in the rule is a difference" "$RC $OUT" "^1 error 999: .*saddr 10\.0\.0\.5"
swap4 ip daddr != 10.0.0.0/24 masquerade random "$CMT"
masq -b nftables check net1 ctr1 eth0 10.0.0.5/24
like "CHECK: masquerade flags are a difference" "$RC $OUT" "^1 error 999: .*saddr 10\.0\.0\.5"
swap4 ip daddr != 10.0.0.0/24 masquerade comment '"another comment"'
masq -b nftables check net1 ctr1 eth0 10.0.0.5/24
like "CHECK: another comment is a difference" "$RC $OUT" "^1 error 999: .*saddr 10\.0\.0\.5"
swap4 ip daddr != 10.0.0.0/24 masquerade "$CMT"
ok_masq "CHECK: the same rule written by nft passes" -b nftables check net1 ctr1 eth0 10.0.0.5/24 \
	fd00:1::5/64
H=$(nft -a list chain $TBL postrouting | grep 'goto' | grep -o 'handle [0-9]*')
nft delete rule $TBL postrouting $H
nft add rule $TBL postrouting jump masq_checks
masq -b nftables check net1 ctr1 eth0 10.0.0.5/24
like "CHECK: jump instead of goto is a difference" "$RC $OUT" "^1 error 999: .*goto masq_checks"
ok_masq "ADD repairs postrouting" -b nftables add net1 ctr1 eth0 10.0.0.5/24 fd00:1::5/64

if topo_up; then
	check "ma reaches its gateway" ping_ok ma 10.0.0.1
	check "v4 ping through masquerade" ping_ok ma 192.168.99.2
	check "v6 ping through masquerade" ping_ok ma fd00:99::2
	masq del net1 ctr1 eth0
	check_fail "after DEL: v4 ping fails" ping_ok ma 192.168.99.2
	check_fail "after DEL: v6 ping fails" ping_ok ma fd00:99::2
	topo_down
else
	skip "real packets" "cannot build topology"
fi
ok_masq "DEL without IPs" del net1 ctr1 eth0
is "no rule left" "$(rules)" 0
ok_masq "DEL twice" del net1 ctr1 eth0

ok_masq "ADD 10.0.0.5" -b nftables add net1 ctr1 eth0 10.0.0.5/24
ok_masq "re-ADD 10.0.0.9 replaces" -b nftables add net1 ctr1 eth0 10.0.0.9/24
is "only the new address" "$(lst | grep -o 'ip saddr [0-9.]*' | tr '\n' ' ')" "ip saddr 10.0.0.9 "

ok_masq "second attachment eth1" -b nftables add net1 ctr1 eth1 10.0.0.10/24
ok_masq "DEL eth0" del net1 ctr1 eth0
is "eth1's rule stays" "$(lst | grep -c 'if: eth1, id: ctr1')" 1
is "eth0's rule gone" "$(lst | grep -c 'if: eth0, id: ctr1')" 0
ok_masq "DEL eth1" del net1 ctr1 eth1

# Our netlink messages: the kernel holds exactly what nft itself makes from the listed text
# (prefixes byte-aligned or not, host routes, /0, v4 and v6; postrouting; comments).
bytecode() { # table : expressions and user data of every rule, as nft --debug=netlink shows them
	nft --debug=netlink list table "$1" 2>/dev/null | grep -E '^\s+(\[|userdata)'
}
ok_masq "ADD odd prefixes" -b nftables add net1 ctrB eth0 10.0.0.6/20 fd00:1::6/66 10.0.0.7/32 \
	10.0.0.8/0 fd00::9/128 fd00::a/8
nft add table inet cmpx
nft list table $TBL | awk '/^\tchain /{c=$2; print "add chain inet cmpx " c; next}
	/^\t\ttype /{sub(/^\t\t/, ""); sub(/;[^;]*;$/, ";"); print "delete chain inet cmpx " c;
		print "add chain inet cmpx " c " { " $0 " }"; next}
	/^\t\t/{sub(/^\t\t/, ""); print "add rule inet cmpx " c " " $0}' >"$T/replay.nft"
nft -f "$T/replay.nft"
B=$(bytecode "inet cmpx")
is "bytecode identical to nft's ($(grep -c '^add rule' "$T/replay.nft") rules)" "$(bytecode "$TBL")" "$B"
is "the comparison saw every rule" "$(echo "$B" | grep -c 'immediate reg 0 return\|masq ]\|goto')" 9
nft delete table inet cmpx
ok_masq "CHECK odd prefixes" -b nftables check net1 ctrB eth0 10.0.0.6/20 fd00:1::6/66 10.0.0.7/32 \
	10.0.0.8/0 fd00::9/128 fd00::a/8
ok_masq "DEL odd prefixes" del net1 ctrB eth0

# A stale rule of this attachment that nft itself wrote (e.g. by an older version) is replaced.
ok_masq "ADD ctrS" -b nftables add net1 ctrS eth0 10.0.0.30/24
CMT=$(nft list chain $TBL masq_checks | grep -o 'comment ".*id: ctrS"')
nft add rule $TBL masq_checks ip saddr 10.0.0.31 ip daddr != 10.0.0.0/24 masquerade "$CMT"
ok_masq "re-ADD ctrS" -b nftables add net1 ctrS eth0 10.0.0.30/24
is "only the re-ADD's rule" "$(lst | grep -o 'ip saddr [0-9.]*' | tr '\n' ' ')" "ip saddr 10.0.0.30 "
nft add rule $TBL masq_checks ip saddr 10.0.0.31 ip daddr != 10.0.0.0/24 masquerade "$CMT"
ok_masq "DEL ctrS" del net1 ctrS eth0
is "DEL removed the nft-made one too" "$(rules)" 0

# Long names: the comment is cut at 127 bytes; the hash tag still identifies the attachment.
LONGID=$(printf 'c%.0s' $(seq 1 120))
ok_masq "ADD with a 120-byte container ID" -b nftables add net1 "$LONGID" eth0 10.0.0.77/24
ok_masq "CHECK with a cut comment" -b nftables check net1 "$LONGID" eth0 10.0.0.77/24
ok_masq "DEL with a cut comment" del net1 "$LONGID" eth0
is "long-ID rule gone" "$(rules)" 0

# ADD sends only its own rules when table, chains and base rules are in place (re-sending
# them queues work whose grace period the socket's close waits for): the base rules keep their
# handles. Where something is missing, the full batch puts it back.
handles() { nft -a list chain $TBL postrouting | grep -o 'handle [0-9]*' | tr '\n' ' '; }
ok_masq "ADD fast1" -b nftables add net1 fast1 eth0 10.0.0.31/24
H1=$(handles)
ok_masq "ADD fast2" -b nftables add net1 fast2 eth0 10.0.0.32/24 fd00:1::32/64
is "the second ADD left the base rules as they were" "$(handles)" "$H1"
nft delete table $TBL
ok_masq "ADD after the table was deleted" -b nftables add net1 fast3 eth0 10.0.0.33/24
ok_masq "CHECK: base and rule back" -b nftables check net1 fast3 eth0 10.0.0.33/24
nft flush chain $TBL postrouting
ok_masq "ADD after postrouting was flushed" -b nftables add net1 fast4 eth0 10.0.0.34/24
ok_masq "CHECK: goto back" -b nftables check net1 fast4 eth0 10.0.0.34/24
is "postrouting has its 3 rules once" "$(nft list chain $TBL postrouting | grep -cE 'return|goto')" 3
for c in fast1 fast2 fast3 fast4; do ok_masq "DEL $c" -b nftables del net1 $c eth0; done
is "no fast-path rule left" "$(rules)" 0

# GC
ok_masq "ADD ctr1" -b nftables add net1 ctr1 eth0 10.0.0.21/24
ok_masq "ADD ctr2" -b nftables add net1 ctr2 eth0 10.0.0.22/24 fd00:1::22/64
ok_masq "ADD ctr2/eth1" -b nftables add net1 ctr2 eth1 10.0.0.23/24
ok_masq "ADD ctr3" -b nftables add net1 ctr3 eth0 10.0.0.24/24
ok_masq "ADD net2/ctr1" -b nftables add net2 ctr1 eth0 10.1.0.5/24
ok_masq "GC net1 keeping ctr2/eth0" gc net1 ctr2/eth0
is "net1 keeps only ctr2/eth0 (2 rules)" "$(lst | grep -c 'net: net1,')" 2
is "ctr2/eth0's rules kept" "$(lst | grep -c 'net: net1, if: eth0, id: ctr2')" 2
is "net2 untouched" "$(lst | grep -c 'net: net2,')" 1
ok_masq "GC net1 with no valid attachments" gc net1
ok_masq "GC net2 keeping its one" gc net2 ctr1/eth0
is "net2 still there" "$(lst | grep -c 'net: net2,')" 1
ok_masq "DEL net2/ctr1" del net2 ctr1 eth0

is "no rule of ours left" "$(rules)" 0
is "masq_checks empty" "$(nft list chain $TBL masq_checks | grep -vcE 'chain|^\s*}|table|^$')" 0
done_testing
