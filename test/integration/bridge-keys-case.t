#!/bin/bash
# bridge + host-local with config keys spelled as Go's encoding/json also accepts them
# ("IsGateway", "IPMasq", "IPAM": {"Type", "Ranges", "Subnet"...}, "RuntimeConfig", U+212A
# KELVIN SIGN for k, a later spelling overriding an earlier one): ADD, CHECK (prevResult as
# "PrevResult") and DEL behave exactly as with the canonical spelling: same result, addresses,
# routes, masquerade and spoof-check rules, and nothing left after DEL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

netns_new c1
MAC=02:00:00:00:00:45
A=10.231.45.20
CANON='{"cniVersion":"1.0.0","name":"nkc","type":"bridge","bridge":"sa1bkc","isGateway":true,
 "ipMasq":true,"ipMasqBackend":"nftables","mtu":1400,"hairpinMode":true,"macspoofchk":true,
 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.231.45.0/24","rangeStart":"10.231.45.10",
  "gateway":"10.231.45.1"}]],"routes":[{"dst":"0.0.0.0/0"}]},
 "runtimeConfig":{"mac":"'$MAC'","ips":["'$A'"]}}'
# "ipMasq":false is overridden by the later "IPMasq"; "ip_masq" is no spelling of ipMasq.
FOLDED='{"CNIVersion":"1.0.0","NAME":"nkc","Type":"bridge","Bridge":"sa1bkc","IsGateway":true,
 "ipMasq":false,"IPMasq":true,"ip_masq":false,"IPMasqBackend":"nftables","MTU":1400,
 "HairpinMode":true,"MacSpoofCh\u212a":true,
 "IPAM":{"Type":"host-local","Ranges":[[{"Subnet":"10.231.45.0/24","RangeStart":"10.231.45.10",
  "GATEWAY":"10.231.45.1"}]],"Routes":[{"Dst":"0.0.0.0/0"}]},
 "RuntimeConfig":{"MAC":"'$MAC'","IPs":["'$A'"]}}'

masq_rules() { nft list ruleset 2>/dev/null | grep -c "$A"; }
spoof_rules() { nft list table bridge nat 2>/dev/null | grep -c "iifname \"$1\""; }
# with_prev KEY CONF RESULT : CONF with RESULT under KEY
with_prev() { python3 -c 'import json,sys;c=json.loads(sys.argv[2]);c[sys.argv[1]]=json.loads(sys.argv[3]);print(json.dumps(c))' "$@"; }

# roundtrip DESC CONF PREVKEY : ADD, what it set up, CHECK, DEL, DEL, clean; the normalised ADD
# result in $NORM
roundtrip() {
	local d=$1 c=$2 key=$3 hv
	br ADD "$c" ctr1 /run/netns/c1; ok_rc "$d: ADD"
	R=$OUT
	NORM=$(echo "$R" | python3 "$ROOT/test/interop/norm.py" result "$MAC")
	hv=$(json_get "$R" interfaces.1.name)
	is "$d: result address (RuntimeConfig ips)" "$(json_get "$R" ips.0.address)" "$A/24"
	is "$d: result gateway" "$(json_get "$R" ips.0.gateway)" 10.231.45.1
	is "$d: result container MAC (RuntimeConfig mac)" "$(json_get "$R" interfaces.2.mac)" "$MAC"
	like "$d: container address" "$(ip -n c1 -o addr show dev eth0)" "inet $A/24"
	like "$d: container MTU" "$(ip -n c1 -o link show eth0)" "mtu 1400"
	like "$d: default route via the gateway" "$(ip -n c1 route show default)" "default via 10.231.45.1"
	like "$d: bridge holds the gateway" "$(ip -o addr show dev sa1bkc)" "10.231.45.1/24"
	like "$d: hairpin on the host veth" "$(ip -d -o link show "$hv")" "hairpin on"
	[ "$(masq_rules)" -ge 1 ] && ok "$d: masquerade rule for $A" || not_ok "$d: masquerade rule for $A" "$(nft list ruleset 2>&1 | head -20)"
	[ "$(spoof_rules "$hv")" -ge 1 ] && ok "$d: MAC spoof check on $hv" || not_ok "$d: MAC spoof check on $hv"
	[ -f "$HL_DIR/nkc/$A" ] && ok "$d: lease in network nkc" || not_ok "$d: lease in network nkc" "$(ls -R "$HL_DIR" 2>&1)"
	br CHECK "$(with_prev "$key" "$c" "$R")" ctr1 /run/netns/c1; ok_rc "$d: CHECK with $key"
	br DEL "$c" ctr1 /run/netns/c1; ok_rc "$d: DEL"
	br DEL "$c" ctr1 /run/netns/c1; ok_rc "$d: DEL again"
	is "$d: masquerade rule removed" "$(masq_rules)" 0
	is "$d: spoof check removed" "$(spoof_rules "$hv")" 0
	assert_clean nkc c1
}

roundtrip canonical "$CANON" prevResult
N1=$NORM
roundtrip folded "$FOLDED" PrevResult
is "folded spelling: the same ADD result as the canonical one" "$NORM" "$N1"

# A bad value under a folded key is refused, naming the key as written, with nothing left.
br ADD "${FOLDED/\"IsGateway\":true/\"IsGateway\":\"yes\"}" ctr1 /run/netns/c1
fail_rc "bad value under a folded key" 7 "IsGateway"
assert_clean nkc c1
done_testing
