#!/bin/bash
# host-local: ADD/CHECK/DEL basics, result shape, on-disk layout, round robin, routes, dns.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

C=$(hl_conf n1 "$V4")
hl ADD "$C" c1
is "ADD v4 succeeds" "$RC" 0
is "first address is .2 (gateway .1 skipped)" "$(ips)" "10.231.1.2/24"
is "gateway defaults to network+1" "$(json_get "$OUT" ips.0.gateway)" "10.231.1.1"
is "no interfaces in an IPAM result" "$(json_get "$OUT" interfaces)" ""
is "no interface index" "$(json_get "$OUT" ips.0.interface)" ""
R1=$OUT
is "lease file content is ID CR LF ifname, no newline" "$(content $D/n1/10.231.1.2)" 'c 1 \r \n e t h 0'
is "lease mode 0600" "$(stat -c %a $D/n1/10.231.1.2)" 600
is "dir mode 0755" "$(stat -c %a $D/n1)" 755
is "cursor written" "$(cat $D/n1/last_reserved_ip.0)" "10.231.1.2"
is "lock file exists" "$(test -f $D/n1/lock && echo y)" y
is "no temp files left" "$(ls -A $D/n1 | grep -c tmp)" 0
# The cursor is written over in place: one that gets shorter (the range wraps) is cut to it.
mkdir -p $D/nw && printf '10.231.1.254' >$D/nw/last_reserved_ip.0
hl ADD "$(hl_conf nw "$V4")" w1
is "after the range's end, the next ADD wraps to its start" "$(ips)" "10.231.1.2/24"
is "... and the cursor, shorter now, reads exactly" "$(content $D/nw/last_reserved_ip.0)" "1 0 . 2 3 1 . 1 . 2"
hl DEL "$(hl_conf nw "$V4")" w1

hl CHECK "$(with_prev "$C" "$R1")" c1
is "CHECK with prevResult passes" "$RC" 0
hl CHECK "$C" c1
is "CHECK without prevResult passes" "$RC" 0
hl CHECK "$(with_prev "$C" "$R1")" c1 eth1
is "CHECK for another ifname fails" "$RC" 1
hl CHECK "$(with_prev "$C" "$R1")" c9
like "CHECK for another container fails" "$(msg)" "leased to another attachment|Failed to find"

hl ADD "$C" c1
is "duplicate ADD refused" "$RC" 1
is "duplicate message (as the reference)" "$(msg)" "failed to allocate for range 0: 10.231.1.2 has been allocated to c1, duplicate allocation is not allowed"
is "duplicate ADD leaves one lease" "$(leases n1)" "10.231.1.2"

hl ADD "$C" c1 eth1
is "same container, other ifname gets its own lease" "$(ips)" "10.231.1.3/24"
hl ADD "$C" c2
is "next container gets .4" "$(ips)" "10.231.1.4/24"

hl DEL "$(with_prev "$C" "$R1")" c1
is "DEL with prevResult" "$RC" 0
is "only c1/eth0 released" "$(leases n1)" "10.231.1.3 10.231.1.4"
hl DEL "$(with_prev "$C" "$R1")" c1
is "second DEL succeeds" "$RC" 0
hl ADD "$C" c3
is "round robin: released .2 not reused at once" "$(ips)" "10.231.1.5/24"
hl DEL "$C" c1 eth1
is "DEL without prevResult (scan)" "$RC" 0
hl DEL "$C" c2; hl DEL "$C" c3
is "DEL of unknown container succeeds" "$(hl DEL "$C" nobody; echo $RC)" 0
is "all leases released" "$(leases n1)" ""

# CHECK with prevResult notices a single missing lease of a dual-stack attachment
C2=$(hl_conf n2 "$DUAL")
hl ADD "$C2" d1
is "dual stack ADD" "$(ips)" "10.231.2.2/24 fd00:231:2::2/64"
R2=$OUT
is "IPv6 lease name compressed" "$(leases n2)" "10.231.2.2 fd00:231:2::2"
rm -f "$D/n2/10.231.2.2"
hl CHECK "$(with_prev "$C2" "$R2")" d1
is "CHECK fails when one of the leases is gone" "$RC" 1
like "CHECK message names the address" "$(msg)" "no lease for 10.231.2.2"
hl DEL "$(with_prev "$C2" "$R2")" d1
is "DEL dual stack" "$(leases n2)" ""
hl DEL "$(with_prev "$C2" "$R2")" d1
is "DEL dual stack twice" "$RC" 0

# legacy flat form goes before "ranges"; runtimeConfig.ipRanges before both
C3=$(hl_conf n3 '"subnet":"10.231.3.0/24","rangeStart":"10.231.3.10","rangeEnd":"10.231.3.20","gateway":"10.231.3.254","ranges":[[{"subnet":"fd00:231:3::/64"}]]' 1.0.0 \
	'"runtimeConfig":{"ipRanges":[[{"subnet":"10.231.4.0/24","rangeStart":"10.231.4.100"}]]}')
hl ADD "$C3" l1
is "ipRanges, legacy range, ranges (in that order)" "$(ips)" "10.231.4.100/24 10.231.3.10/24 fd00:231:3::2/64"
is "legacy gateway" "$(json_get "$OUT" ips.1.gateway)" "10.231.3.254"
hl DEL "$C3" l1
is "legacy DEL" "$(leases n3)" ""

# routes, dataDir, resolvConf
printf '# comment\nnameserver 10.231.9.1\nnameserver 10.231.9.2 extra\n; other\ndomain a.example\ndomain b.example\nsearch s1.example s2.example\noptions ndots:2 edns0\n' >"$T/resolv"
C4=$(hl_conf n4 '"ranges":[[{"subnet":"10.231.5.0/24","gateway":"10.231.5.1"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"10.231.99.0/24","gw":"10.231.5.9"}],"dataDir":"'"$T"'/leases","resolvConf":"'"$T"'/resolv"')
hl ADD "$C4" r1
is "ADD with routes/dns" "$RC" 0
is "routes copied" "$(json_get "$OUT" routes)" '[{"dst": "0.0.0.0/0"}, {"dst": "10.231.99.0/24", "gw": "10.231.5.9"}]'
is "nameservers" "$(json_get "$OUT" dns.nameservers)" '["10.231.9.1", "10.231.9.2"]'
is "domain: last wins" "$(json_get "$OUT" dns.domain)" "b.example"
is "search" "$(json_get "$OUT" dns.search)" '["s1.example", "s2.example"]'
is "options" "$(json_get "$OUT" dns.options)" '["ndots:2", "edns0"]'
is "dataDir honoured" "$(ls $T/leases/n4 | grep -c 10.231.5.2)" 1
C5=$(hl_conf n4 '"ranges":[[{"subnet":"10.231.5.0/24"}]],"dataDir":"'"$T"'/leases","resolvConf":"'"$T"'/missing"')
hl ADD "$C5" r2
is "unreadable resolvConf fails ADD" "$RC" 1
is "... with an I/O error" "$(code)" 5
is "... and takes no lease" "$(ls $T/leases/n4 | grep -c 10.231.5.3)" 0
hl DEL "$C4" r1
is "dataDir DEL" "$(ls $T/leases/n4 | grep -c '^10')" 0

# gateway inside the range, rangeStart = gateway: first lease skips it
C6=$(hl_conf n6 '"ranges":[[{"subnet":"10.231.6.0/24","gateway":"10.231.6.2"}]]')
hl ADD "$C6" g1
is "gateway .2: first lease is .1" "$(ips)" "10.231.6.1/24"
hl ADD "$C6" g2
is "then .3" "$(ips)" "10.231.6.3/24"
hl DEL "$C6" g1; hl DEL "$C6" g2
is "nothing left" "$(leases n6)" ""

# multiple ranges in one set wrap to the next range
C7=$(hl_conf n7 '"ranges":[[{"subnet":"10.231.7.0/24","rangeStart":"10.231.7.10","rangeEnd":"10.231.7.11"},{"subnet":"10.231.8.0/24","rangeStart":"10.231.8.10","rangeEnd":"10.231.8.10"}]]')
for i in 1 2 3; do hl ADD "$C7" m$i; got[$i]=$(ips); done
is "a set's ranges form one pool" "${got[1]} ${got[2]} ${got[3]}" "10.231.7.10/24 10.231.7.11/24 10.231.8.10/24"
hl ADD "$C7" m4
like "pool exhausted" "$(msg)" "no IP addresses available in range set: 10.231.7.10-10.231.7.11,10.231.8.10-10.231.8.10"
for i in 1 2 3 4; do hl DEL "$C7" m$i; done
is "nothing left" "$(leases n7)" ""

# delegated from a main plugin: its whole stdin (type bridge, other keys, a full prevResult)
CB='{"cniVersion":"1.0.0","name":"dl","type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local",'"$DUAL"'}}'
CNI_TYPE=host-local hl ADD "$CB" dl1
is "delegated ADD" "$(ips)" "10.231.2.2/24 fd00:231:2::2/64"
PR='{"cniVersion":"1.0.0","interfaces":[{"name":"cni0","mac":"aa:bb:cc:dd:ee:ff"},{"name":"eth0","mac":"aa:bb:cc:dd:ee:01","sandbox":"/run/netns/x"}],"ips":[{"address":"10.231.2.2/24","gateway":"10.231.2.1","interface":1},{"address":"fd00:231:2::2/64","gateway":"fd00:231:2::1","interface":1}]}'
CNI_TYPE=host-local hl CHECK "$(with_prev "$CB" "$PR")" dl1
is "delegated CHECK with the main plugin's prevResult" "$RC" 0
CNI_TYPE=host-local hl DEL "$(with_prev "$CB" "$PR")" dl1
is "delegated DEL" "$(leases dl)" ""

done_testing
