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

# One prefix routed through two networks of one container (eth0 and net1): the second ADD adds
# its route beside the first (IPv4: a second route, IPv6: a multipath route, as the reference's
# RouteAddEcmp); CHECK of either finds its own nexthop, also inside the multipath route; DEL of
# one leaves the other's route.
route_conf() { # NAME BRIDGE SUBNET4 SUBNET6 GW4 GW6
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"$1\",\"type\":\"bridge\",\"bridge\":\"$2\",\"isGateway\":true,
  \"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"$3\"}],[{\"subnet\":\"$4\"}]],
  \"routes\":[{\"dst\":\"10.99.0.0/16\",\"gw\":\"$5\"},{\"dst\":\"fd99::/64\",\"gw\":\"$6\"},{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\"}]}}"
}
CA=$(route_conf netra sa1br4 10.231.14.0/24 fd00:231:14::/64 10.231.14.1 fd00:231:14::1)
CB=$(route_conf netrb sa1br5 10.231.15.0/24 fd00:231:15::/64 10.231.15.1 fd00:231:15::1)
br ADD "$CA" ctr1 /run/netns/c1 eth0; ok_rc "routes via eth0: ADD"
RA=$OUT
br ADD "$CB" ctr1 /run/netns/c1 net1; ok_rc "the same prefixes via net1: ADD"
RB=$OUT
is "IPv4: one route per interface" "$(ip -n c1 -4 route show 10.99.0.0/16 | awk '{print $3, $5}' | sort | tr '\n' ' ')" \
	"10.231.14.1 eth0 10.231.15.1 net1 "
like "IPv6: one multipath route with both nexthops" "$(ip -n c1 -6 route show fd99::/64 | tr -s ' \t\n' ' ')" \
	"nexthop via fd00:231:14::1 dev eth0 .*nexthop via fd00:231:15::1 dev net1"
like "IPv6 default: both nexthops" "$(ip -n c1 -6 route show default | tr -s ' \t\n' ' ')" \
	"nexthop via fd00:231:14::1 dev eth0 .*nexthop via fd00:231:15::1 dev net1"
br CHECK "$(prev "$CA" "$RA")" ctr1 /run/netns/c1 eth0; ok_rc "CHECK eth0 (its nexthop in the multipath route)"
br CHECK "$(prev "$CB" "$RB")" ctr1 /run/netns/c1 net1; ok_rc "CHECK net1"
br ADD "$CA" ctr2 /run/netns/c1 eth0
fail_rc "ADD of another container's eth0 into the same netns still fails" "" "eth0"
br DEL "$CA" ctr1 /run/netns/c1 eth0; ok_rc "DEL eth0"
like "net1's IPv6 route stays, alone" "$(ip -n c1 -6 route show fd99::/64 | tr -s ' \t\n' ' ')" \
	"^fd99::/64 via fd00:231:15::1 dev net1 [^n]*$"
br CHECK "$(prev "$CB" "$RB")" ctr1 /run/netns/c1 net1; ok_rc "CHECK net1 after DEL eth0"
ip -n c1 -6 route del fd99::/64
br CHECK "$(prev "$CB" "$RB")" ctr1 /run/netns/c1 net1; fail_rc "CHECK net1 notices its route is gone" "" "fd99::/64"
br DEL "$CB" ctr1 /run/netns/c1 net1; ok_rc "DEL net1"
assert_clean netra c1
assert_clean netrb c1
ip link del sa1br4
ip link del sa1br5
done_testing
