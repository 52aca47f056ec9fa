#!/bin/bash
# bridge: IPv6-only and dual-stack attachments; containers reach each other over v4 and v6 at once
# (no DAD wait: container addresses and the bridge gateway are added without DAD); default routes
# via isDefaultGateway; an IPAM default route is not duplicated.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1; netns_new c2
C6=$(conf 1.0.0 net6 sa1br6 fd00:231:6::/64 '"isGateway":true')
br ADD "$C6" ctr1 /run/netns/c1; ok_rc "IPv6-only ADD"
is "v6 address" "$(json_get "$OUT" ips.0.address)" "fd00:231:6::2/64"
is "v6 gateway" "$(json_get "$OUT" ips.0.gateway)" "fd00:231:6::1"
like "container v6 address present and not tentative" "$(ip -n c1 -o -6 addr show dev eth0 scope global)" "fd00:231:6::2/64"
[[ $(ip -n c1 -o -6 addr show dev eth0 scope global) == *tentative* ]] && not_ok "no tentative v6 address" || ok "no tentative v6 address"
like "bridge v6 gateway present (nodad)" "$(ip -o -6 addr show dev sa1br6 scope global)" "fd00:231:6::1/64.*nodad"
is "accept_dad=0 in container" "$(ip netns exec c1 cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" 0
is "ndisc_notify=1 in container" "$(ip netns exec c1 cat /proc/sys/net/ipv6/conf/eth0/ndisc_notify)" 1
is "IPv6 forwarding on" "$(cat /proc/sys/net/ipv6/conf/all/forwarding)" 1
br ADD "$C6" ctr2 /run/netns/c2; ok_rc "IPv6-only ADD c2"
check "c1 pings c2 over IPv6 at once" ping6_ok c1 fd00:231:6::3
R=$(conf 1.0.0 net6 sa1br6 fd00:231:6::/64 '"isGateway":true')
br DEL "$C6" ctr1 /run/netns/c1; ok_rc "DEL c1"
br DEL "$C6" ctr2 /run/netns/c2; ok_rc "DEL c2"
assert_clean net6 c1 c2

CD=$(conf 1.0.0 netd sa1br7 "10.231.7.0/24,fd00:231:7::/64" '"isDefaultGateway":true')
br ADD "$CD" ctr1 /run/netns/c1; ok_rc "dual-stack ADD"
R1=$OUT
is "two addresses" "$(json_get "$R1" ips.0.address) $(json_get "$R1" ips.1.address)" "10.231.7.2/24 fd00:231:7::2/64"
like "v4 default route via gateway" "$(ip -n c1 route show default)" "default via 10.231.7.1 dev eth0"
like "v6 default route via gateway" "$(ip -n c1 -6 route show default)" "default via fd00:231:7::1 dev eth0"
is "default routes in the result" "$(json_get "$R1" routes.0.dst) $(json_get "$R1" routes.1.dst)" "0.0.0.0/0 ::/0"
br ADD "$CD" ctr2 /run/netns/c2; ok_rc "dual-stack ADD c2"
check "dual stack: v4 ping" ping_ok c1 10.231.7.3
check "dual stack: v6 ping" ping6_ok c1 fd00:231:7::3
br CHECK "$(prev "$CD" "$R1")" ctr1 /run/netns/c1; ok_rc "dual-stack CHECK"
br DEL "$CD" ctr1 /run/netns/c1; ok_rc "DEL c1"
br DEL "$CD" ctr2 /run/netns/c2; ok_rc "DEL c2"
assert_clean netd c1 c2

# IPAM already hands out a default route (without gw): no second default route, no EEXIST
# (the reference fails "file exists" here, cni-reference.md §2.1).
CR='{"cniVersion":"1.0.0","name":"netr","type":"bridge","bridge":"sa1br8","isDefaultGateway":true,"ipam":{"type":"host-local","subnet":"10.231.8.0/24","routes":[{"dst":"0.0.0.0/0"}]}}'
br ADD "$CR" ctr1 /run/netns/c1; ok_rc "isDefaultGateway with an IPAM default route"
is "one default route" "$(ip -n c1 route show default | wc -l)" 1
is "one route in the result" "$(json_get "$OUT" routes | python3 -c 'import json,sys;print(len(json.load(sys.stdin)))')" 1
br DEL "$CR" ctr1 /run/netns/c1; ok_rc "DEL"
assert_clean netr c1

# enabledad: DAD runs and ADD waits until the address is usable.
CE=$(conf 1.0.0 nete sa1br9 fd00:231:9::/64 '"enabledad":true')
br ADD "$CE" ctr1 /run/netns/c1; ok_rc "enabledad ADD waits for DAD"
is "accept_dad=1" "$(ip netns exec c1 cat /proc/sys/net/ipv6/conf/eth0/accept_dad)" 1
[[ $(ip -n c1 -o -6 addr show dev eth0 scope global) == *tentative* ]] && not_ok "address no longer tentative after ADD" || ok "address no longer tentative after ADD"
br DEL "$CE" ctr1 /run/netns/c1; ok_rc "DEL"
assert_clean nete c1
done_testing
