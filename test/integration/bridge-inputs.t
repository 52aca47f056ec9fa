#!/bin/bash
# Every input class the spec and the reference accept, end to end: container IDs up to the
# longest we accept, ifnames with non-ASCII, control and quote bytes, the longest network name,
# the reference's older lease format, our older state-record names; and the names the kernel
# would rewrite, refused up front. Each attachment's lease must survive the recovery scans
# (STATUS, GC) while it lives, and everything must be gone after its DEL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

# gc_conf CONF [ID IFNAME]... : CONF as a 1.1.0 GC request listing those attachments
gc_conf() {
	python3 -c 'import json,sys
c=json.loads(sys.argv[1]); a=sys.argv[2:]
c["cniVersion"]="1.1.0"
c["cni.dev/valid-attachments"]=[{"containerID":a[i],"ifname":a[i+1]} for i in range(0,len(a),2)]
# raw bytes, as they came (argv holds undecodable ones as surrogates)
sys.stdout.buffer.write(json.dumps(c, ensure_ascii=False).encode("utf-8", "surrogateescape"))' "$@"
}
lease_holds() { # NET ADDR ID IFNAME : the lease file of ADDR holds exactly "<ID>\r\n<IFNAME>"
	[ "$(cat "$HL_DIR/$1/$2" 2>/dev/null)" = "$3"$'\r\n'"$4" ]
}
addr_of() { json_get "$OUT" ips.0.address | cut -d/ -f1; }
long_id() { printf 'c%.0s' $(seq "$1"); }

netns_new c1
netns_new c2

# --- container IDs of every length up to the maximum, with each masquerade backend ------------
for len in 1 246 247 255 313 314 400 1024; do
	id=$(long_id "$len")
	for backend in nftables iptables; do
		[ "$backend" = iptables ] && [ "$len" != 1024 ] && [ "$len" != 247 ] && continue
		C=$(conf 1.1.0 ids id0 10.232.50.0/24 "\"isGateway\":true,\"ipMasq\":true,\"ipMasqBackend\":\"$backend\",\"macspoofchk\":true")
		br ADD "$C" "$id" /run/netns/c1; ok_rc "ADD with a $len-byte container ID ($backend)"
		a=$(addr_of)
		check "the lease of a $len-byte ID holds it" lease_holds ids "$a" "$id" eth0
		br CHECK "$(prev "$C" "$OUT")" "$id" /run/netns/c1; ok_rc "CHECK ($len bytes)"
		br STATUS "$C" "" ""; ok_rc "STATUS ($len bytes)"
		CNI_TYPE=bridge cni GC "$(gc_conf "$C" "$id" eth0)"; ok_rc "GC listing it ($len bytes)"
		check "its lease survives STATUS and GC" lease_holds ids "$a" "$id" eth0
		br DEL "$C" "$id" /run/netns/c1; ok_rc "DEL ($len bytes)"
		br DEL "$C" "$id" /run/netns/c1; ok_rc "DEL again ($len bytes)"
		assert_clean ids c1
	done
done
C=$(conf 1.0.0 ids id0 10.232.50.0/24)
br ADD "$C" "$(long_id 1025)" /run/netns/c1; fail_rc "a 1025-byte container ID is refused" 4 "longer than 1024"
assert_clean ids c1

# --- ifnames in every byte class Go's ValidateInterfaceName accepts ----------------------------
C=$(conf 1.1.0 ifn if0 10.232.51.0/24 '"isGateway":true,"ipMasq":true')
names=($'eth\xc3\xa9' $'eth\x01' $'e\x7f' $'\xc3\xbc' 'a"b' 'abcdefghijklmno' $'abcdefghijklmn\xc3' 'eth%' 'x.tmp')
names=("${names[@]/eth%/eth_}") # '%' is refused below, on purpose
gc_args=()
k=0
for n in "${names[@]}"; do
	k=$((k + 1))
	br ADD "$C" "ctr$k" /run/netns/c1 "$n"; ok_rc "ADD with ifname $(printf '%q' "$n")"
	addrs[k]=$(addr_of)
	gc_args+=("ctr$k" "$n")
done
br STATUS "$C" "" ""; ok_rc "STATUS (recovery scan) with all of them attached"
CNI_TYPE=bridge cni GC "$(gc_conf "$C" "${gc_args[@]}")"; ok_rc "GC listing all of them"
k=0
for n in "${names[@]}"; do
	k=$((k + 1))
	check "lease of ifname $(printf '%q' "$n") survives STATUS and GC" lease_holds ifn "${addrs[k]}" "ctr$k" "$n"
done
br ADD "$C" other /run/netns/c2; ok_rc "another ADD"
is "it gets an address nobody holds" "$(printf '%s\n' "${addrs[@]}" | grep -cx "$(addr_of)")" 0
br DEL "$C" other /run/netns/c2; ok_rc "DEL the other"
k=0
for n in "${names[@]}"; do
	k=$((k + 1))
	br DEL "$C" "ctr$k" /run/netns/c1 "$n"; ok_rc "DEL ifname $(printf '%q' "$n")"
done
is "no masquerade rule left" "$(nft list ruleset 2>/dev/null | grep -c " masquerade comment")" 0
assert_clean ifn c1 c2

# --- names the kernel would rewrite or refuse: code 4 (CNI_IFNAME) or 7 (bridge) ------------
for n in 'eth%d' '%' $'eth\xc3\xa0' $'eth\xc2\xa0' $'a\xe3\x80\x80'; do
	br ADD "$C" ctrk /run/netns/c1 "$n"
	fail_rc "ifname $(printf '%q' "$n") refused with code 4" 4
done
is "nothing was created in the netns" "$(ns_links c1)" 0
br ADD "$(conf 1.0.0 tpl 'x%d' 10.232.52.0/24)" ctrk /run/netns/c1; fail_rc "bridge name x%d refused with code 7" 7 "template"
is "no bridge x0 was left" "$(ip -o link show type bridge | grep -c ' x[0-9]')" 0
br DEL "$(conf 1.0.0 tpl 'x%d' 10.232.52.0/24)" ctrk /run/netns/c1; ok_rc "DEL with that config still succeeds"
assert_clean ifn c1
assert_clean tpl c1

# --- the longest network name, both masquerade backends ------------------------------------------
net=$(printf 'n%.0s' $(seq 255))
for backend in nftables iptables; do
	C=$(conf 1.1.0 "$net" ln0 10.232.53.0/24 "\"isGateway\":true,\"ipMasq\":true,\"ipMasqBackend\":\"$backend\"")
	br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD on a 255-byte network name ($backend)"
	br CHECK "$(prev "$C" "$OUT")" ctr1 /run/netns/c1; ok_rc "CHECK on it ($backend)"
	br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL on it ($backend)"
	assert_clean "$net" c1
done

# --- the reference's older lease format: "<id>" without "\r\n<ifname>" ---------------------------
for ver in 0.3.1 0.4.0 1.0.0 1.1.0; do
	C=$(conf "$ver" old od0 10.232.54.0/24)
	# written by an older host-local: DEL without prevResult finds it by a scan
	mkdir -p "$HL_DIR/old"
	printf 'legacy1' >"$HL_DIR/old/10.232.54.77"
	br DEL "$C" legacy1 /run/netns/c1; ok_rc "DEL of an ID-only lease ($ver)"
	is "the ID-only lease is released ($ver)" "$(leases old)" 0
	# rewritten in place after our ADD (the reference's test 'verify DEL works on backwards
	# compatible allocate'): the directory does not change, so the owner index is still sealed
	br ADD "$C" legacy2 /run/netns/c1; ok_rc "ADD ($ver)"
	a=$(json_get "$OUT" ips.0.address | cut -d/ -f1)
	[ -z "$a" ] && a=$(json_get "$OUT" ip4.ip | cut -d/ -f1)
	printf 'legacy2' >"$HL_DIR/old/$a"
	br DEL "$C" legacy2 /run/netns/c1; ok_rc "DEL after the lease became ID-only ($ver)"
	is "that lease is released too ($ver)" "$(leases old)" 0
	assert_clean old c1
done
# GC: an ID-only lease belongs to every ifname of its container
C=$(conf 1.1.0 old od0 10.232.54.0/24)
printf 'legacy3' >"$HL_DIR/old/10.232.54.78"
CNI_TYPE=bridge cni GC "$(gc_conf "$C" legacy3 net1)"; ok_rc "GC listing the container under any ifname"
is "keeps its ID-only lease" "$(leases old)" 1
CNI_TYPE=bridge cni GC "$(gc_conf "$C")"; ok_rc "GC not listing it"
is "releases it" "$(leases old)" 0

# --- state records: names two attachments could share, and our older name -----------------------
C=$(conf 1.0.0 rec rc0 10.232.55.0/24)
br ADD "$C" a-b /run/netns/c1 c; ok_rc "ADD a-b/c"
br ADD "$C" a /run/netns/c2 b-c; ok_rc "ADD a/b-c (the same older record name)"
is "two records" "$(records rec)" 2
br DEL "$C" a /run/netns/c2 b-c; ok_rc "DEL a/b-c"
is "a-b/c keeps its record, veth and lease" "$(records rec)/$(host_veths)/$(leases rec)" 1/1/1
# a record under the name earlier versions wrote is still found
mv "$ST_DIR/rec/a-b:c" "$ST_DIR/rec/a-b-c"
br DEL "$C" a-b /run/netns/c1 c; ok_rc "DEL finds the record under its older name"
assert_clean rec c1 c2

# --- accept_ra=0 also on a bridge that existed -------------------------------------------------
ip link add ra0 type bridge
echo 1 >/proc/sys/net/ipv6/conf/ra0/accept_ra
C=$(conf 1.0.0 ra ra0 10.232.56.0/24)
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD on an existing bridge"
is "its accept_ra is 0" "$(cat /proc/sys/net/ipv6/conf/ra0/accept_ra)" 0
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL"
ip link del ra0
assert_clean ra c1

ip netns del c1
ip netns del c2
done_testing
