#!/bin/bash
# ipMasq and macspoofchk through bin/bridge: rules per backend (auto, iptables, nftables),
# masqueraded traffic from a container to a namespace that has no route back, CHECK notices a
# removed rule (the reference does not), GC by valid-attachments, DEL twice, nothing left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/masq-common.sh"

nat4() { iptables-legacy -w -t nat -S 2>/dev/null; }
nat6() { ip6tables-legacy -w -t nat -S 2>/dev/null; }
nftm() { nft list table inet cni_plugins_masquerade 2>/dev/null | grep -c 'masquerade comment'; }
spoof() { nft list table bridge nat 2>/dev/null | grep -c 'comment "macspoofchk-'; }

# Outside world: netns "ext" (192.168.77.2, fd00:77::2) without any route back.
netns_new ext
ip link add ext0 type veth peer name eth0 netns ext
ip addr add 192.168.77.1/24 dev ext0 && ip addr add fd00:77::1/64 dev ext0 nodad && ip link set ext0 up
ip -n ext addr add 192.168.77.2/24 dev eth0 && ip -n ext addr add fd00:77::2/64 dev eth0 nodad &&
	ip -n ext link set eth0 up
sysctl -qw net.ipv6.conf.all.forwarding=1

for backend in auto nftables iptables; do
	netns_new c1
	extra='"isGateway":true,"ipMasq":true,"macspoofchk":true'
	[ $backend != auto ] && extra="$extra,\"ipMasqBackend\":\"$backend\""
	C=$(conf 1.0.0 mnet sa9br0 10.231.9.0/24,fd00:231:9::/64 "$extra")
	br ADD "$C" mctr1 /run/netns/c1; ok_rc "[$backend] ADD with ipMasq + macspoofchk"
	R=$OUT
	ip -n c1 route add default via 10.231.9.1 2>/dev/null
	ip -n c1 -6 route add default via fd00:231:9::1 2>/dev/null
	eff=$backend
	[ $backend = auto ] && eff=$("$M" resolve)
	if [ $eff = nftables ]; then
		is "[$backend] two nft masquerade rules (v4+v6)" "$(nftm)" 2
		is "[$backend] nothing in legacy nat" "$(nat4 | grep -c mctr1)" 0
	else
		is "[$backend] v4 rules in legacy nat" "$(nat4 | grep -c 'id: \\"mctr1\\"')" 3
		is "[$backend] v6 rules in legacy nat" "$(nat6 | grep -c 'id: \\"mctr1\\"')" 3
	fi
	is "[$backend] four macspoofchk rules" "$(spoof)" 4
	check "[$backend] container reaches ext (masqueraded) over v4" ping_ok c1 192.168.77.2
	check "[$backend] container reaches ext (masqueraded) over v6" ping6_ok c1 fd00:77::2
	br CHECK "$(prev "$C" "$R")" mctr1 /run/netns/c1; ok_rc "[$backend] CHECK"
	if [ $eff = nftables ]; then
		H=$(nft -a list chain inet cni_plugins_masquerade masq_checks | grep 'saddr 10.231.9' | grep -o 'handle [0-9]*')
		nft delete rule inet cni_plugins_masquerade masq_checks $H
	else
		CH=$("$M" chain mnet mctr1)
		iptables-legacy -w -t nat -D "$CH" ! -d 224.0.0.0/4 -m comment --comment "name: \"mnet\" id: \"mctr1\" if: \"eth0\"" -j MASQUERADE
	fi
	br CHECK "$(prev "$C" "$R")" mctr1 /run/netns/c1
	fail_rc "[$backend] CHECK fails once a masquerade rule is gone" 999
	check_fail "[$backend] and traffic out stops" ping_ok c1 192.168.77.2
	br DEL "$C" mctr1 /run/netns/c1; ok_rc "[$backend] DEL"
	is "[$backend] no nft masquerade rule left" "$(nftm)" 0
	is "[$backend] no legacy v4 rule left" "$(nat4 | grep -vc '^-P')" 0
	is "[$backend] no legacy v6 rule left" "$(nat6 | grep -vc '^-P')" 0
	is "[$backend] no macspoofchk rule left" "$(spoof)" 0
	br DEL "$C" mctr1 /run/netns/c1; ok_rc "[$backend] DEL twice"
	ip netns del c1
done

C=$(conf 1.0.0 mnet sa9br0 10.231.9.0/24 '"ipMasq":true,"ipMasqBackend":"pf"')
netns_new c1
br ADD "$C" mctr1 /run/netns/c1
fail_rc "unknown ipMasqBackend is code 7" 7 'ipMasqBackend'
br DEL "$C" mctr1 /run/netns/c1

# GC: two containers, only one valid.
C=$(conf 1.1.0 mnet sa9br0 10.231.9.0/24 '"isGateway":true,"ipMasq":true')
netns_new c2
br ADD "$C" mctr1 /run/netns/c1; ok_rc "ADD c1"
br ADD "$C" mctr2 /run/netns/c2; ok_rc "ADD c2"
GCC=$(python3 -c 'import json,sys;c=json.loads(sys.argv[1]);c["cni.dev/valid-attachments"]=[{"containerID":"mctr2","ifname":"eth0"}];print(json.dumps(c))' "$C")
br GC "$GCC" "" ""; ok_rc "GC keeping mctr2"
if [ "$("$M" resolve)" = nftables ]; then
	is "mctr1's rule gone, mctr2's kept" "$(nft list table inet cni_plugins_masquerade | grep -o 'id: mctr[0-9]' | tr '\n' ' ')" "id: mctr2 "
else
	is "mctr1's rules gone, mctr2's kept" "$(nat4 | grep -o 'id: \\"mctr[0-9]' | sort -u | tr '\n' ' ')" 'id: \"mctr2 '
fi
br DEL "$C" mctr1 /run/netns/c1; ok_rc "DEL c1"
br DEL "$C" mctr2 /run/netns/c2; ok_rc "DEL c2"
is "no masquerade rule left" "$(nftm)$(nat4 | grep -vc '^-P')" 00
assert_clean mnet c1 c2
ip link del sa9br0 2>/dev/null
ip link del ext0
done_testing
