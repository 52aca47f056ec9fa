#!/bin/bash
# bridge: one check per config key (mtu, hairpinMode, promiscMode, portIsolation, MAC sources and
# their precedence, disableContainerInterface, L2-only, dns, ipMasq + ipMasqBackend, macspoofchk,
# preserveDefaultVlan/vlanTrunk parsing) and the cleanup of each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1; netns_new c2
link_of() { ip -d -o link show "$1"; }
cont() { ip -n c1 -d -o link show eth0; }
roundtrip() { # DESC CONF : ADD, run $CHECKS (a function), CHECK, DEL, DEL, clean
	local desc=$1 c=$2 net
	net=$(json_get "$c" name)
	br ADD "$c" ctr1 /run/netns/c1; ok_rc "$desc: ADD"
	R=$OUT
	HV=$(json_get "$R" interfaces.1.name)
	$CHECKS
	br CHECK "$(prev "$c" "$R")" ctr1 /run/netns/c1; ok_rc "$desc: CHECK"
	br DEL "$c" ctr1 /run/netns/c1; ok_rc "$desc: DEL"
	br DEL "$c" ctr1 /run/netns/c1; ok_rc "$desc: DEL again"
	assert_clean "$net" c1
}

c_mtu() {
	like "mtu: bridge created with 1450" "$(link_of sa1bk1)" "mtu 1450"
	like "mtu: host veth" "$(link_of "$HV")" "mtu 1450"
	like "mtu: container" "$(cont)" "mtu 1450"
}
CHECKS=c_mtu roundtrip mtu "$(conf 1.0.0 nk1 sa1bk1 10.231.31.0/24 '"mtu":1450')"

c_hairpin() { like "hairpinMode: port hairpin on" "$(link_of "$HV")" "hairpin on"; }
CHECKS=c_hairpin roundtrip hairpinMode "$(conf 1.0.0 nk2 sa1bk2 10.231.32.0/24 '"hairpinMode":true')"

c_promisc() { like "promiscMode: bridge promiscuous" "$(ip -o link show sa1bk3)" "PROMISC"; }
CHECKS=c_promisc roundtrip promiscMode "$(conf 1.0.0 nk3 sa1bk3 10.231.33.0/24 '"promiscMode":true')"

c_iso() { like "portIsolation: port isolated" "$(link_of "$HV")" "isolated on"; }
CHECKS=c_iso roundtrip portIsolation "$(conf 1.0.0 nk4 sa1bk4 10.231.34.0/24 '"portIsolation":true')"

# MAC sources: runtimeConfig > args.cni.mac > CNI_ARGS
c_none() { :; }
C=$(conf 1.0.0 nk5 sa1bk5 10.231.35.0/24 '"runtimeConfig":{"mac":"02:00:00:00:00:01"},"args":{"cni":{"mac":"02:00:00:00:00:02"}}')
br ADD "$C" ctr1 /run/netns/c1 eth0 CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"; ok_rc "MAC: ADD with all three sources"
is "MAC: runtimeConfig wins" "$(json_get "$OUT" interfaces.2.mac)" "02:00:00:00:00:01"
like "MAC: set on the container interface" "$(cont)" "02:00:00:00:00:01"
br DEL "$C" ctr1 /run/netns/c1
C=$(conf 1.0.0 nk5 sa1bk5 10.231.35.0/24 '"args":{"cni":{"mac":"02:00:00:00:00:02"}}')
br ADD "$C" ctr1 /run/netns/c1 eth0 CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"; ok_rc "MAC: args + CNI_ARGS"
is "MAC: args.cni.mac beats CNI_ARGS" "$(json_get "$OUT" interfaces.2.mac)" "02:00:00:00:00:02"
br DEL "$C" ctr1 /run/netns/c1
C=$(conf 1.0.0 nk5 sa1bk5 10.231.35.0/24)
br ADD "$C" ctr1 /run/netns/c1 eth0 CNI_ARGS="IgnoreUnknown=1;MAC=02:00:00:00:00:03"; ok_rc "MAC: CNI_ARGS only (IgnoreUnknown for host-local, as the reference)"
is "MAC: CNI_ARGS used" "$(json_get "$OUT" interfaces.2.mac)" "02:00:00:00:00:03"
br DEL "$C" ctr1 /run/netns/c1
br ADD "$C" ctr1 /run/netns/c1 eth0 CNI_ARGS="FOO=1"; fail_rc "unknown CNI_ARGS key without IgnoreUnknown" 4 "FOO"
assert_clean nk5 c1

# disableContainerInterface (L2 only): container end stays down
c_down() { like "disableContainerInterface: container link down" "$(ip -n c1 -o link show eth0)" "state DOWN"; }
CHECKS=c_down roundtrip disableContainerInterface "$(conf 1.0.0 nk6 sa1bk6 none '"disableContainerInterface":true')"

# L2-only: no addresses, link up, result without ips; two L2 containers reach each other once
# addressed by hand
C=$(conf 1.0.0 nk7 sa1bk7 none)
br ADD "$C" ctr1 /run/netns/c1; ok_rc "L2-only ADD c1"
is "L2-only: no ips in result" "$(json_get "$OUT" ips)" ""
like "L2-only: container link up" "$(ip -n c1 -o link show eth0)" "state UP|LOWER_UP"
BRMAC=$(json_get "$OUT" interfaces.0.mac)
[ "$BRMAC" != "00:00:00:00:00:00" ] && ok "L2-only: bridge MAC pinned, not all-zero ($BRMAC)" || not_ok "L2-only bridge MAC"
br ADD "$C" ctr2 /run/netns/c2; ok_rc "L2-only ADD c2"
ip -n c1 addr add 10.231.37.11/24 dev eth0; ip -n c2 addr add 10.231.37.12/24 dev eth0
check "L2-only: hand-addressed containers ping" ping_ok c1 10.231.37.12
br DEL "$C" ctr1 /run/netns/c1; br DEL "$C" ctr2 /run/netns/c2
like "L2-only: empty bridge keeps its MAC" "$(ip -o link show sa1bk7)" "$BRMAC"
assert_clean nk7 c1 c2

# dns: config dns replaces IPAM dns
C=$(conf 1.0.0 nk8 sa1bk8 10.231.38.0/24 '"dns":{"nameservers":["10.231.38.53"],"search":["example.test"]}')
br ADD "$C" ctr1 /run/netns/c1; ok_rc "dns ADD"
is "dns nameservers in result" "$(json_get "$OUT" dns.nameservers.0)" "10.231.38.53"
is "dns search in result" "$(json_get "$OUT" dns.search.0)" "example.test"
br DEL "$C" ctr1 /run/netns/c1
assert_clean nk8 c1

# ipMasq, both backends: rules present, CHECK verifies them, removed by DEL even when the netns
# is gone (plugins#810)
for be in nftables iptables; do
	C=$(conf 1.0.0 nm$be sa1bm 10.231.39.0/24 "\"ipMasq\":true,\"ipMasqBackend\":\"$be\"")
	br ADD "$C" ctr1 /run/netns/c1
	if [ "$RC" != 0 ]; then
		if [ "$be" = iptables ]; then skip "ipMasq $be" "$(err_field msg)"; continue; fi
		not_ok "ipMasq $be ADD" "$OUT"; continue
	fi
	ok "ipMasq $be: ADD"
	R=$OUT
	A=$(json_get "$R" ips.0.address)
	if [ $be = nftables ]; then rules() { nft list ruleset 2>/dev/null | grep -c "${A%/*}"; }
	else rules() { iptables-legacy-save -t nat 2>/dev/null | grep -c "${A%/*}"; }; fi
	[ "$(rules)" -ge 1 ] && ok "ipMasq $be: rule for ${A%/*} present" || not_ok "ipMasq $be: rule present"
	br CHECK "$(prev "$C" "$R")" ctr1 /run/netns/c1; ok_rc "ipMasq $be: CHECK"
	if [ $be = nftables ]; then
		h=$(nft -a list chain inet cni_plugins_masquerade masq_checks | grep "${A%/*}" | grep -o 'handle [0-9]*' | cut -d' ' -f2)
		nft delete rule inet cni_plugins_masquerade masq_checks handle "$h"
		br CHECK "$(prev "$C" "$R")" ctr1 /run/netns/c1; fail_rc "ipMasq $be: CHECK fails when the rule is removed"
		br DEL "$C" ctr1 /run/netns/c1; br ADD "$C" ctr1 /run/netns/c1; A=$(json_get "$OUT" ips.0.address)
	fi
	ip netns del c1
	br DEL "$C" ctr1 /run/netns/c1; ok_rc "ipMasq $be: DEL after the netns is gone"
	is "ipMasq $be: rules removed without the netns" "$(rules)" 0
	netns_new c1
	assert_clean "nm$be" c1
done

# macspoofchk: filter installed for the host veth and container MAC, CHECK verifies, DEL removes
C=$(conf 1.0.0 nk9 sa1bk9 10.231.40.0/24 '"macspoofchk":true')
br ADD "$C" ctr1 /run/netns/c1; ok_rc "macspoofchk ADD"
R=$OUT; HV=$(json_get "$R" interfaces.1.name); M=$(json_get "$R" interfaces.2.mac)
like "macspoofchk: rule on the host veth" "$(nft list table bridge nat)" "iifname \"$HV\""
like "macspoofchk: container MAC allowed" "$(nft list table bridge nat)" "ether saddr $M return"
br CHECK "$(prev "$C" "$R")" ctr1 /run/netns/c1; ok_rc "macspoofchk CHECK"
br DEL "$C" ctr1 ""; ok_rc "macspoofchk DEL with empty netns"
is "macspoofchk rules removed" "$(nft list table bridge nat 2>/dev/null | grep -c "$HV")" 0
assert_clean nk9 c1

# vlanTrunk / preserveDefaultVlan are parsed and validated (datapath needs VLAN filtering, absent
# on this kernel: see bridge-rollback.t)
br ADD "$(conf 1.0.0 nkv sa1bkv 10.231.41.0/24 '"vlanTrunk":[{"id":5},{"minID":10,"maxID":20}],"preserveDefaultVlan":true')" ctr1 /run/netns/c1
if [ "$RC" = 0 ]; then ok "vlanTrunk accepted"; br DEL "$(conf 1.0.0 nkv sa1bkv 10.231.41.0/24)" ctr1 /run/netns/c1
else fail_rc "vlanTrunk: clear error without kernel VLAN filtering" "" "VLAN|vlan_filtering"; fi
assert_clean nkv c1
done_testing
