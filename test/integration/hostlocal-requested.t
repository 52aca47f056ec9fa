#!/bin/bash
# host-local: requested IPs from CNI_ARGS IP=, args.cni.ips and runtimeConfig.ips, and the
# CNI_ARGS key check.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

C=$(hl_conf q1 "$DUAL")
hl ADD "$C" r1 eth0 CNI_ARGS="IP=10.231.2.50"
is "CNI_ARGS IP honoured" "$(ips)" "10.231.2.50/24 fd00:231:2::2/64"
is "cursor follows the requested IP (reference)" "$(cat $D/q1/last_reserved_ip.0)" "10.231.2.50"
hl ADD "$C" r2 eth0 CNI_ARGS="IP=10.231.2.50"
is "taken IP refused" "$RC" 1
is "taken IP message" "$(msg)" "failed to allocate for range 0: requested IP address 10.231.2.50 is not available in range set 10.231.2.1-10.231.2.254"
is "failed request leaked nothing" "$(leases q1)" "10.231.2.50 fd00:231:2::2"

hl ADD "$C" r3 eth0 CNI_ARGS="IgnoreUnknown=1;IP=10.231.2.60/16,fd00:231:2::60;K8S_POD_NAME=x"
is "comma list, prefix ignored, IgnoreUnknown" "$(ips)" "10.231.2.60/24 fd00:231:2::60/64"
hl ADD "$C" r4 eth0 CNI_ARGS="K8S_POD_NAME=x"
is "unknown CNI_ARGS key refused with code 4" "$(code)" 4
like "... naming it" "$(msg)" 'ARGS: unknown args \["K8S_POD_NAME=x"\]'
hl ADD "$C" r4 eth0 CNI_ARGS="IP=nope"
is "invalid CNI_ARGS IP: code 4" "$(code)" 4

C2=$(hl_conf q1 "$DUAL" 1.0.0 '"args":{"cni":{"ips":["fd00:231:2::70"]}},"runtimeConfig":{"ips":["10.231.2.70/24"]}')
hl ADD "$C2" r5
is "args.cni.ips + runtimeConfig.ips" "$(ips)" "10.231.2.70/24 fd00:231:2::70/64"

hl ADD "$C" r6 eth0 CNI_ARGS="IP=10.231.2.1"
is "gateway refused" "$(msg)" "failed to allocate for range 0: requested ip 10.231.2.1 is subnet's gateway"
hl ADD "$C" r6 eth0 CNI_ARGS="IP=10.231.3.5"
is "outside every set" "$(msg)" "failed to allocate all requested IPs: 10.231.3.5"
is "... code 7" "$(code)" 7
hl ADD "$C" r6 eth0 CNI_ARGS="IP=10.231.2.80,10.231.2.81"
is "two in one set" "$(msg)" "failed to allocate all requested IPs: 10.231.2.81"
is "all-or-nothing: nothing of r6 kept" "$(grep -l r6 $D/q1/* 2>/dev/null | wc -l)" 0
C3=$(hl_conf q3 '"ranges":[[{"subnet":"10.231.4.0/24","rangeStart":"10.231.4.10","gateway":"10.231.4.1"}]]')
hl ADD "$C3" r7 eth0 CNI_ARGS="IP=10.231.4.1"
is "gateway outside rangeStart-rangeEnd is 'not allocated'" "$(msg)" "failed to allocate all requested IPs: 10.231.4.1"
hl ADD "$C3" r7 eth0 CNI_ARGS="IP=10.231.4.5"
is "below rangeStart refused" "$(msg)" "failed to allocate all requested IPs: 10.231.4.5"
hl ADD "$C" r8 eth0 CNI_ARGS="IP=10.231.2.90,10.231.2.90"
is "duplicates collapse; v6 continues after the last requested one" "$(ips)" "10.231.2.90/24 fd00:231:2::71/64"

for id in r1 r2 r3 r4 r5 r6 r7 r8; do hl DEL "$C" $id; hl DEL "$C" $id; done
is "everything released" "$(leases q1) $(leases q3)" " "
done_testing
