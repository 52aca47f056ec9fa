#!/bin/bash
# bridge: a host whose IPv6 is disabled by sysctl (net.ipv6.conf.all/default.disable_ipv6=1, as
# some nodes are set up): the host end's IPv6 address generation is turned off where the kernel
# allows it, ADD, CHECK and DEL work, the containers talk over IPv4, nothing is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
netns_new c1; netns_new c2
C=$(conf 1.0.0 net1 sa1br0 10.231.1.0/24 '"isGateway":true')

br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD c1 with IPv6 disabled on the host"
R1=$OUT
HV=$(json_get "$R1" interfaces.1.name)
like "host veth enslaved and up" "$(ip -o link show "$HV")" "master sa1br0 state UP"
is "host veth: no IPv6 address" "$(ip -o -6 addr show dev "$HV" | wc -l)" 0
br ADD "$C" ctr2 /run/netns/c2; ok_rc "ADD c2"
check "c1 pings c2" ping_ok c1 10.231.1.3
br CHECK "$(prev "$C" "$R1")" ctr1 /run/netns/c1; ok_rc "CHECK c1"
br DEL "$(prev "$C" "$R1")" ctr1 /run/netns/c1; ok_rc "DEL c1"
br DEL "$C" ctr2 /run/netns/c2; ok_rc "DEL c2"
is "no host veths left" "$(host_veths)" 0
is "no leases left" "$(leases net1)" 0
done_testing
