#!/bin/bash
# host-local: exhaustion (code, message, nothing leaked, all-or-nothing across range sets) and
# STATUS (50 when an ADD cannot be served).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

# /30: .1 gateway, .2 the only host (.0 network, .3 broadcast)
C=$(hl_conf ex '"ranges":[[{"subnet":"10.231.1.0/30"}],[{"subnet":"fd00:231:1::/64"}]]' 1.1.0)
cni STATUS "$C"
is "STATUS on an empty store succeeds" "$RC" 0
hl ADD "$C" e1
is "one address in a /30" "$(ips)" "10.231.1.2/30 fd00:231:1::2/64"
cni STATUS "$C"
is "STATUS with a full range set: code 50" "$(code)" 50
is "STATUS message" "$(msg)" "no IP addresses available in range set: 10.231.1.1-10.231.1.2"
hl ADD "$C" e2
is "exhausted ADD fails" "$RC" 1
is "exhausted message" "$(msg)" "failed to allocate for range 0: no IP addresses available in range set: 10.231.1.1-10.231.1.2"
is "exhausted code" "$(code)" 999
is "no IPv6 lease leaked by the failed ADD (all-or-nothing)" "$(leases ex)" "10.231.1.2 fd00:231:1::2"
C2=$(hl_conf ex '"ranges":[[{"subnet":"fd00:231:1::/64"}],[{"subnet":"10.231.1.0/30"}]]' 1.1.0)
hl ADD "$C2" e3
is "v6 first, v4 exhausted: nothing kept" "$(leases ex)" "10.231.1.2 fd00:231:1::2"
is "no temp files" "$(ls -A $D/ex | grep -c tmp)" 0
hl DEL "$C" e1
cni STATUS "$C"
is "STATUS after DEL succeeds" "$RC" 0
hl ADD "$C" e2
is "address reusable after DEL" "$(ips)" "10.231.1.2/30 fd00:231:1::3/64"
hl DEL "$C" e2; hl DEL "$C" e2

# a multi-range set is exhausted only when all its ranges are
C3=$(hl_conf ex3 '"ranges":[[{"subnet":"10.231.2.0/24","rangeStart":"10.231.2.10","rangeEnd":"10.231.2.11"},{"subnet":"10.231.3.0/24","rangeStart":"10.231.3.10","rangeEnd":"10.231.3.10"}]]' 1.1.0)
hl ADD "$C3" a1; hl ADD "$C3" a2
cni STATUS "$C3"
is "STATUS with one free address left" "$RC" 0
hl ADD "$C3" a3
cni STATUS "$C3"
is "STATUS when all ranges are full: 50" "$(code)" 50
# a stale lease file outside the ranges does not count
echo -n "x" >"$D/ex3/10.231.2.99"
cni STATUS "$C3"
is "leases outside the ranges do not count" "$(code)" 50
rm -f "$D/ex3/10.231.2.99"
for i in 1 2 3; do hl DEL "$C3" a$i; done
cni STATUS "$C3"
is "STATUS ok again" "$RC" 0
is "nothing left" "$(leases ex) $(leases ex3)" " "
done_testing
