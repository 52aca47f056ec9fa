#!/bin/bash
# bridge CHECK: passes on what ADD built, fails after each kind of tampering, works for L2-only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1
C=$(conf 1.0.0 netc sa1br2 10.231.12.0/24 '"isDefaultGateway":true,"hairpinMode":true,"mtu":1400')
fresh() { # re-create the attachment; sets R and HV
	br DEL "$C" ctr1 /run/netns/c1
	br ADD "$C" ctr1 /run/netns/c1
	R=$OUT
	HV=$(json_get "$R" interfaces.1.name)
}
chk() { br CHECK "$(prev "$C" "$R")" ctr1 /run/netns/c1; }

fresh
chk; ok_rc "CHECK passes right after ADD"
is "hairpin on" "$(ip -d -o link show "$HV" | grep -o 'hairpin [a-z]*')" "hairpin on"
is "MTU 1400 on both ends" "$(ip -o link show "$HV" | grep -o 'mtu [0-9]*') $(ip -n c1 -o link show eth0 | grep -o 'mtu [0-9]*')" "mtu 1400 mtu 1400"

ip -n c1 addr del 10.231.12.2/24 dev eth0
chk; fail_rc "address removed" "" "Failed to match addr 10.231.12.2/24"
fresh
ip -n c1 route del default
chk; fail_rc "default route removed" "" "Expected route 0.0.0.0/0"
fresh
ip -n c1 link set eth0 mtu 1300
chk; fail_rc "container MTU changed" "" "MTU"
fresh
ip link set "$HV" mtu 1300
chk; fail_rc "host veth MTU changed" "" "MTU"
fresh
ip link set "$HV" nomaster
chk; fail_rc "veth detached from the bridge" "" "not attached to bridge"
fresh
ip link set "$HV" type bridge_slave hairpin off
chk; fail_rc "hairpin flipped" "" "hairpin"
fresh
ip -n c1 link set eth0 address 02:11:22:33:44:55
chk; fail_rc "container MAC changed" "" "MAC"
fresh
ip addr del 10.231.12.1/24 dev sa1br2
chk; fail_rc "bridge gateway address removed" "" "gateway address"
fresh
ip link set "$HV" type bridge_slave isolated on
chk; fail_rc "port isolation flipped" "" "isolation"
fresh
A=$(json_get "$R" ips.0.address)
rm -f "/var/lib/cni/networks/netc/${A%/*}"
chk; fail_rc "lease removed: IPAM CHECK fails" "" "Failed to find address"
fresh
ip -n c1 link del eth0
chk; fail_rc "container interface deleted" "" "eth0"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL again"
assert_clean netc c1

# L2-only: CHECK works without IPAM (the reference always fails "no plugin name provided")
CL=$(conf 1.0.0 netl sa1br3 none)
br ADD "$CL" ctr1 /run/netns/c1; ok_rc "L2-only ADD"
RL=$OUT
br CHECK "$(prev "$CL" "$RL")" ctr1 /run/netns/c1; ok_rc "L2-only CHECK"
br DEL "$CL" ctr1 /run/netns/c1; ok_rc "L2-only DEL"
assert_clean netl c1
done_testing
