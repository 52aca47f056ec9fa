#!/bin/bash
# bridge: ADD/CHECK/DEL on IPv4 with isGateway; two containers talk over the bridge, a third on
# another bridge cannot reach them; result shape; state record; DEL twice; nothing left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1; netns_new c2; netns_new c3
C=$(conf 1.0.0 net1 sa1br0 10.231.1.0/24 '"isGateway":true')
C3=$(conf 1.0.0 net3 sa1br3 10.231.3.0/24 '"isGateway":true')

br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD c1"
R1=$OUT
is "3 interfaces" "$(json_get "$R1" interfaces | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')" 3
is "interfaces[0] is the bridge" "$(json_get "$R1" interfaces.0.name)" sa1br0
like "interfaces[1] is veth+8 hex" "$(json_get "$R1" interfaces.1.name)" '^veth[0-9a-f]{8}$'
is "interfaces[2] is eth0" "$(json_get "$R1" interfaces.2.name)" eth0
is "sandbox is CNI_NETNS" "$(json_get "$R1" interfaces.2.sandbox)" /run/netns/c1
is "ip points at the container iface" "$(json_get "$R1" ips.0.interface)" 2
is "address" "$(json_get "$R1" ips.0.address)" 10.231.1.2/24
is "gateway" "$(json_get "$R1" ips.0.gateway)" 10.231.1.1
is "container MAC matches result" "$(ip -n c1 -o link show eth0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2)" "$(json_get "$R1" interfaces.2.mac)"
is "bridge MAC matches result" "$(cat /sys/class/net/sa1br0/address 2>/dev/null || ip -o link show sa1br0 | grep -o 'link/ether [^ ]*' | cut -d' ' -f2)" "$(json_get "$R1" interfaces.0.mac)"
HV=$(json_get "$R1" interfaces.1.name)
like "host veth enslaved to the bridge and up" "$(ip -o link show "$HV")" "master sa1br0 state UP"
like "host veth MAC fe:..., as the result says" "$(ip -o link show "$HV")" "link/ether $(json_get "$R1" interfaces.1.mac) "
like "host veth MAC above the kernel's (bridges take their ports' lowest)" "$(json_get "$R1" interfaces.1.mac)" '^fe:'
like "bridge holds the gateway" "$(ip -o addr show dev sa1br0)" "10.231.1.1/24"
is "host veth: no IPv6 link-local address (no DAD/MLD floods)" "$(ip -o -6 addr show dev "$HV" | wc -l)" 0
like "host veth: IPv6 address generation off" "$(ip -d link show "$HV")" "addrgenmode none"
like "container keeps its link-local address" "$(ip -n c1 -o -6 addr show dev eth0)" "fe80::"
is "ip_forward on" "$(cat /proc/sys/net/ipv4/ip_forward)" 1
is "arp_notify on in container" "$(ip netns exec c1 cat /proc/sys/net/ipv4/conf/eth0/arp_notify)" 1
like "state record written" "$(cat $ST_DIR/net1/ctr1:eth0)" "\"hostInterface\":\"$HV\""
BRMAC=$(json_get "$R1" interfaces.0.mac)

br ADD "$C" ctr2 /run/netns/c2; ok_rc "ADD c2"
R2=$OUT
is "second address" "$(json_get "$R2" ips.0.address)" 10.231.1.3/24
is "bridge MAC stays pinned when ports join" "$(json_get "$R2" interfaces.0.mac)" "$BRMAC"
br ADD "$C3" ctr3 /run/netns/c3; ok_rc "ADD c3 on another bridge"

check "c1 pings c2 over the bridge" ping_ok c1 10.231.1.3
check "c2 pings c1 over the bridge" ping_ok c2 10.231.1.2
check_fail "c3 (other bridge, no route) cannot reach c1" ping_ok c3 10.231.1.2

br CHECK "$(prev "$C" "$R1")" ctr1 /run/netns/c1
ok_rc "CHECK c1 passes"
br CHECK "$C" ctr1 /run/netns/c1
fail_rc "CHECK without prevResult fails" 7 "Required prevResult missing"

br STATUS "$(conf 1.1.0 net1 sa1br0 10.231.1.0/24)" "" ""; ok_rc "STATUS (forwarded to host-local)"

for n in 1 2; do
	br DEL "$C" ctr$n /run/netns/c$n; ok_rc "DEL c$n"
done
br DEL "$C3" ctr3 /run/netns/c3; ok_rc "DEL c3"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL c1 again (idempotent)"
assert_clean net1 c1 c2
assert_clean net3 c3
like "bridge stays (as the reference)" "$(ip -o link show sa1br0)" "sa1br0"
done_testing
