#!/bin/bash
# bridge: output shape for every spec version 0.1.0 .. 1.1.0, VERSION, chained prevResult on ADD,
# GC and STATUS (1.1.0).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1
keys() { python3 -c 'import json,sys;print(" ".join(sorted(json.loads(sys.argv[1]).keys())))' "$1"; }

CNI_TYPE=bridge cni VERSION '{"cniVersion":"0.4.0"}'
is "VERSION echoes the request" "$(json_get "$OUT" cniVersion)" 0.4.0
like "VERSION lists 0.1.0..1.1.0" "$(json_get "$OUT" supportedVersions)" '"0.1.0".*"1.1.0"'

for v in 0.1.0 0.2.0; do
	C=$(conf $v nv sa1bv0 10.231.50.0/24 '"isGateway":true')
	br ADD "$C" ctr1 /run/netns/c1; ok_rc "$v ADD"
	is "$v: shape" "$(keys "$OUT")" "cniVersion dns ip4"
	like "$v: ip4.ip" "$(json_get "$OUT" ip4.ip)" "^10.231.50.[0-9]+/24$"
	is "$v: ip4.gateway" "$(json_get "$OUT" ip4.gateway)" "10.231.50.1"
	br DEL "$C" ctr1 /run/netns/c1; ok_rc "$v DEL"
done
C=$(conf 0.3.0 nv sa1bv0 10.231.50.0/24)
br ADD "$C" ctr1 /run/netns/c1; ok_rc "0.3.0 ADD"
like "0.3.0: interfaces + ip list" "$(keys "$OUT")" "interfaces"
is "0.3.0: ip version field" "$(json_get "$OUT" ips.0.version)$(json_get "$OUT" ip.0.version)" 4
br DEL "$C" ctr1 /run/netns/c1; ok_rc "0.3.0 DEL"
for v in 0.3.1 0.4.0; do
	C=$(conf $v nv sa1bv0 10.231.50.0/24)
	br ADD "$C" ctr1 /run/netns/c1; ok_rc "$v ADD"
	is "$v: ips[].version" "$(json_get "$OUT" ips.0.version)" 4
	is "$v: ips[].interface" "$(json_get "$OUT" ips.0.interface)" 2
	br DEL "$C" ctr1 /run/netns/c1; ok_rc "$v DEL"
done
for v in 1.0.0 1.1.0; do
	C=$(conf $v nv sa1bv0 10.231.50.0/24)
	br ADD "$C" ctr1 /run/netns/c1; ok_rc "$v ADD"
	is "$v: no ips[].version" "$(json_get "$OUT" ips.0.version)" ""
	is "$v: cniVersion" "$(json_get "$OUT" cniVersion)" $v
	R=$OUT
	br CHECK "$(prev "$C" "$R")" ctr1 /run/netns/c1; ok_rc "$v CHECK"
	br DEL "$(prev "$C" "$R")" ctr1 /run/netns/c1; ok_rc "$v DEL with prevResult"
done
C=$(conf 0.3.1 nv sa1bv0 10.231.50.0/24)
br CHECK "$C" ctr1 /run/netns/c1; fail_rc "CHECK refused below 0.4.0" 1 "CHECK"
assert_clean nv c1

# chained: a prevResult on ADD is kept and ours appended
C=$(conf 1.0.0 nv sa1bv0 10.231.50.0/24)
P='{"cniVersion":"1.0.0","interfaces":[{"name":"tap0","mac":"02:00:00:00:00:aa"}],"ips":[],"dns":{"nameservers":["10.231.50.99"]}}'
br ADD "$(prev "$C" "$P")" ctr1 /run/netns/c1; ok_rc "chained ADD"
is "chained: previous interface kept first" "$(json_get "$OUT" interfaces.0.name)" tap0
is "chained: ours appended" "$(json_get "$OUT" interfaces.3.name)" eth0
is "chained: ip points at our container iface" "$(json_get "$OUT" ips.0.interface)" 3
is "chained: previous dns kept" "$(json_get "$OUT" dns.nameservers.0)" 10.231.50.99
br DEL "$C" ctr1 /run/netns/c1; ok_rc "chained DEL"
assert_clean nv c1

# STATUS and GC (1.1.0)
C=$(conf 1.1.0 nv sa1bv0 10.231.50.0/24 '"ipMasq":true,"ipMasqBackend":"nftables"')
netns_new c2
br ADD "$C" ctr1 /run/netns/c1; ok_rc "GC: ADD ctr1"
br ADD "$C" ctr2 /run/netns/c2; ok_rc "GC: ADD ctr2"
A2=$(json_get "$OUT" ips.0.address)
br STATUS "$C" "" ""; ok_rc "STATUS"
br GC "$(python3 -c 'import json,sys;c=json.loads(sys.argv[1]);c["cni.dev/valid-attachments"]=[{"containerID":"ctr1","ifname":"eth0"}];print(json.dumps(c))' "$C")" "" ""
ok_rc "GC with ctr1 valid"
is "GC: ctr2's masquerade rule gone" "$(nft list ruleset | grep -c "${A2%/*} ")" 0
is "GC: ctr2's lease gone (forwarded to host-local)" "$(leases nv)" 1
is "GC: ctr2's state record gone" "$(records nv)" 1
is "GC: ctr2's host veth gone" "$(host_veths)" 1
is "GC: ctr1 untouched" "$(ns_links c1)" 1
br GC "$C" "" ""; ok_rc "GC without a list is a no-op"
is "GC without a list: ctr1 kept" "$(records nv)/$(leases nv)" "1/1"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL ctr1"
br DEL "$C" ctr2 /run/netns/c2; ok_rc "DEL ctr2 after GC"
assert_clean nv c1 c2
is "no masquerade rule left" "$(nft list ruleset | grep -c 'saddr 10.231.50')" 0
done_testing
