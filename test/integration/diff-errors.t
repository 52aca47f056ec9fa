#!/bin/bash
# Differential, error paths and protocol edges: the same stdin and environment given to the
# reference plugins (/usr/lib/cni, Debian 1.1.1) and to ours. Where the reference is right we
# must match it (error code, success/failure); where it deviates from the spec (cni-reference.md
# §1.1, §1.6, §2.6, §4.1) the test asserts OUR behaviour, and the reference's, naming the bug.
# conformance: differential, errors and protocol edges (diff-errors)
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init

# pair VERB CONF [VAR=VALUE...] : run the plugin named by CONF's "type" from both dirs;
# reference in $R_OUT/$R_RC, ours in $O_OUT/$O_RC
pair() {
	PLUGIN_DIR=$REF cni "$@"
	R_OUT=$OUT R_RC=$RC
	PLUGIN_DIR=$BIN cni "$@"
	O_OUT=$OUT O_RC=$RC
}
code() { json_get "$1" code; }
ENV=(CNI_CONTAINERID=errs CNI_NETNS=/run/netns/e1 CNI_IFNAME=eth0)
netns_new e1

BR='{"cniVersion":"1.0.0","name":"errs","type":"bridge","bridge":"err0","isGateway":true,
     "ipam":{"type":"host-local","subnet":"10.80.0.0/24"}}'
HL='{"cniVersion":"1.0.0","name":"errs","type":"host-local","ipam":{"type":"host-local","subnet":"10.80.1.0/24"}}'

# --- VERSION -------------------------------------------------------------------------------
for p in bridge host-local; do
	pair VERSION '{"cniVersion":"0.4.0","type":"'$p'"}'
	is "$p VERSION: both succeed" "$O_RC/$R_RC" 0/0
	# Reference bug: VERSION answers the library's version (1.0.0) whatever was asked; the
	# spec (SPEC.md › VERSION Success) says echo the request's cniVersion (cni-reference.md §1.1).
	is "$p VERSION: reference answers 1.0.0 (reference bug, harness)" "$(json_get "$R_OUT" cniVersion)" 1.0.0
	deliberate "$p VERSION echoes the requested 0.4.0" "$(json_get "$O_OUT" cniVersion)" 0.4.0 \
		"$(json_get "$R_OUT" cniVersion)" "VERSION echoes the requested cniVersion (SPEC.md; the reference answers 1.0.0)"
	missing=
	for sv in $(json_get "$R_OUT" supportedVersions | tr -d '[]"' | tr ',' ' '); do
		[[ $(json_get "$O_OUT" supportedVersions) == *\"$sv\"* ]] || missing="$missing $sv"
	done
	missing=${missing# }
	is "$p VERSION: ours supports every version the reference does" "$missing" ""
	# Deliberate: spec 1.1.0 (GC/STATUS) is supported by ours, not by Debian's 1.1.1.
	has11() { [[ $(json_get "$1" supportedVersions) == *'"1.1.0"'* ]] && echo yes || echo no; }
	deliberate "$p VERSION lists 1.1.0" "$(has11 "$O_OUT")" yes "$(has11 "$R_OUT")" \
		"spec 1.1.0 (GC, STATUS) supported; Debian's 1.1.1 stops at 1.0.0"
done

# --- errors the reference gets right: same code --------------------------------------------
pair ADD "$(echo "$BR" | sed 's/"1.0.0"/"9.9.9"/')" "${ENV[@]}"
is "unsupported cniVersion: code 1 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 1/1
# Deliberate: our error JSON carries cniVersion (SPEC.md › Error); the Go skel omits it.
is "unsupported cniVersion: reference error has no cniVersion (harness)" "$(json_get "$R_OUT" cniVersion)" ""
has_ver() { [[ $(json_get "$1" cniVersion) =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && echo yes || echo no; }
deliberate "unsupported cniVersion: the error names a cniVersion" "$(has_ver "$O_OUT")" yes "$(has_ver "$R_OUT")" \
	"error JSON carries cniVersion (SPEC.md Error; the Go skel omits it)"

CNI_TYPE=bridge pair ADD '{"cniVersion":"1.0.0","name":' "${ENV[@]}"
is "stdin not JSON: code 6 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 6/6

pair ADD "$BR" CNI_NETNS=/run/netns/e1 CNI_IFNAME=eth0
is "CNI_CONTAINERID missing: code 4 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 4/4
like "CNI_CONTAINERID missing: our message names it" "$(json_get "$O_OUT" msg)" CNI_CONTAINERID

pair ADD "$BR" CNI_CONTAINERID=errs CNI_NETNS=/run/netns/e1 CNI_IFNAME=eth0123456789abcdef
is "ifname too long: code 4 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 4/4

pair ADD "$BR" CNI_CONTAINERID='bad id!' CNI_NETNS=/run/netns/e1 CNI_IFNAME=eth0
is "invalid container ID: code 4 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 4/4

pair ADD "$(echo "$BR" | sed 's/"name":"errs",//')" "${ENV[@]}"
is "network name missing: code 7 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 7/7

pair CHECK "$(echo "$BR" | sed 's/"1.0.0"/"0.3.1"/')" "${ENV[@]}"
is "CHECK with a 0.3.1 config: code 1 on both" "$(code "$O_OUT")/$(code "$R_OUT")" 1/1

pair ADD "$BR" "${ENV[@]}" CNI_ARGS="FOO=1"
is "CNI_ARGS with an unknown key and no IgnoreUnknown fails on both" \
	"$([ "$O_RC" != 0 ] && echo fail)/$([ "$R_RC" != 0 ] && echo fail)" fail/fail
is "... and ours left no interface behind" "$(ip -n e1 -o link show dev eth0 2>/dev/null | wc -l)" 0
ip -n e1 link del eth0 2>/dev/null # the reference's failed ADD may leave its veth (§2.2)
PLUGIN_DIR=$REF cni DEL "$BR" "${ENV[@]}"
pair ADD "$BR" "${ENV[@]}" CNI_ARGS="IP=10.80.0.9"
# Deliberate: the reference bridge parses CNI_ARGS with only MAC known, so IP= (meant for its
# IPAM, which gets the same environment) fails without IgnoreUnknown (cni-reference.md §1.11).
# Ours knows IP as well and lets host-local honour it.
is "CNI_ARGS IP= without IgnoreUnknown: reference fails (harness)" "$([ "$R_RC" != 0 ] && echo fail)" fail
ip_why="CNI_ARGS IP= accepted without IgnoreUnknown (the reference bridge refuses what it forwards to IPAM)"
deliberate "CNI_ARGS IP= without IgnoreUnknown: the requested IP is allocated" \
	"$O_RC $(json_get "$O_OUT" ips.0.address)" "0 10.80.0.9/24" "$R_RC $(json_get "$R_OUT" ips.0.address)" "$ip_why"
pair DEL "$BR" "${ENV[@]}" CNI_ARGS="IP=10.80.0.9"
deliberate "... DEL with the same CNI_ARGS" "$O_RC" 0 "$R_RC" "$ip_why"
ip -n e1 link del eth0 2>/dev/null

# --- config errors: reference reports 999 for everything, the spec says 7 ------------------
# Reference bug (cni-reference.md §1.6, §3.1): "Both reference plugins report all their own
# failures as 999"; invalid network config is code 7 (SPEC.md › Error).
cfgerr() { # desc conf
	pair ADD "$2" "${ENV[@]}"
	is "$1: reference code 999 (reference bug, harness)" "$(code "$R_OUT")" 999
	deliberate "$1: code 7" "$(code "$O_OUT")" 7 "$(code "$R_OUT")" \
		"error codes from the spec: 7 for bad config (the reference answers 999)"
	is "$1: ours left no interface" "$(ip -n e1 -o link show dev eth0 2>/dev/null | wc -l)" 0
	ip -n e1 link del eth0 2>/dev/null
}
cfgerr "host-local without ranges" \
	'{"cniVersion":"1.0.0","name":"errs","type":"host-local","ipam":{"type":"host-local"}}'
cfgerr "host-local subnet with host bits" \
	'{"cniVersion":"1.0.0","name":"errs","type":"host-local","ipam":{"type":"host-local","subnet":"10.80.1.7/24"}}'
cfgerr "host-local /31 too small" \
	'{"cniVersion":"1.0.0","name":"errs","type":"host-local","ipam":{"type":"host-local","subnet":"10.80.1.0/31"}}'
cfgerr "bridge hairpin + promisc" \
	"$(echo "$BR" | sed 's/"isGateway":true/"isGateway":true,"hairpinMode":true,"promiscMode":true/')"
rm -rf /var/lib/cni/networks/errs

# --- spec 1.1.0 ------------------------------------------------------------------------------
V11=$(echo "$BR" | sed 's/"1.0.0"/"1.1.0"/')
pair STATUS "$V11"
# Deliberate: 1.1.0 support. Debian's 1.1.1 skel does not know STATUS (code 3 "missing
# containerID", cni-reference.md §1.3) and rejects cniVersion 1.1.0.
is "STATUS 1.1.0: reference fails (no 1.1.0, harness)" "$([ "$R_RC" != 0 ] && echo fail)" fail
v11_why="spec 1.1.0 (GC, STATUS) supported; Debian's 1.1.1 refuses cniVersion 1.1.0"
deliberate "STATUS 1.1.0 succeeds" "$O_RC" 0 "$R_RC" "$v11_why"
PLUGIN_DIR=$REF cni ADD "$V11" "${ENV[@]}"
is "ADD at 1.1.0: reference code 1 (harness)" "$(code "$OUT")" 1
ref_add11=$RC
PLUGIN_DIR=$BIN cni ADD "$V11" "${ENV[@]}"
deliberate "ADD at cniVersion 1.1.0 succeeds" "$RC" 0 "$ref_add11" "$v11_why"
if [ "$RC" = 0 ]; then
	is "ADD at cniVersion 1.1.0: result cniVersion" "$(json_get "$OUT" cniVersion)" 1.1.0
	PLUGIN_DIR=$BIN cni GC "$(echo "$V11" | sed 's/{"cniVersion"/{"cni.dev\/valid-attachments":[{"containerID":"errs","ifname":"eth0"}],"cniVersion"/')"
	is "GC 1.1.0 keeping the attachment succeeds" "$RC" 0
	is "... and keeps its lease" "$(leases errs | wc -l)" 1
	PLUGIN_DIR=$BIN cni DEL "$V11" "${ENV[@]}"
	is "DEL at 1.1.0 succeeds" "$RC" 0
else
	skip "GC and DEL at cniVersion 1.1.0" "ADD at 1.1.0 refused, as the reference"
fi
is "no lease left after 1.1.0 round" "$(leases errs | tr '\n' ' ')" ""

# --- DEL with an empty CNI_NETNS after an ipMasq ADD (through libcni: prevResult from cache) --
conf_put masq '{"cniVersion":"1.0.0","name":"masq","plugins":[
  {"type":"bridge","bridge":"err1","isGateway":true,"ipMasq":true,
   "ipam":{"type":"host-local","subnet":"10.80.2.0/24"}}]}'
for s in ref ours; do
	use_plugins $s
	CID=emptyns-$s
	netns_new e2
	drive add masq /run/netns/e2
	ip=$(json_get "$OUT" ips.0.address)
	ip=${ip%/*}
	is "$s: ipMasq ADD (harness)" "$RC/$([ "$(masq_lines "$ip")" -gt 0 ] && echo rules)" 0/rules
	drive del masq ""
	is "$s: DEL with empty CNI_NETNS succeeds" "$RC" 0
	left=$(masq_lines "$ip")
	if [ $s = ref ]; then
		# Reference bug plugins#810 (open; cni-reference.md §2.6 step 2, §4.1 #1): with an
		# empty CNI_NETNS the bridge only releases the IP and leaks the masquerade rules.
		[ "$left" -gt 0 ] && ok "ref: masquerade rules leak after DEL with empty netns (plugins#810, harness)" ||
			not_ok "ref: masquerade rules leak after DEL with empty netns (plugins#810, harness)"
		ref_left=$left
	else
		deliberate "ours: DEL with empty netns removes the masquerade rules" "$left" 0 "$ref_left" \
			"DEL never leaks: the state record names the rules when CNI_NETNS is empty (plugins#810)"
	fi
	[ "$left" -gt 0 ] && { iptables -t nat -F POSTROUTING; iptables -t nat -F; iptables -t nat -X; }
	is "$s: lease released" "$(leases masq | tr '\n' ' ')" ""
	ip netns del e2
	rm -rf "$CACHE"/results
done

# --- DEL after the netns is gone (runtime removed it first) --------------------------------
for s in ref ours; do
	use_plugins $s
	CID=gonens-$s
	netns_new e3
	drive add masq /run/netns/e3
	ip=$(json_get "$OUT" ips.0.address)
	ip=${ip%/*}
	is "$s: ipMasq ADD in e3 (harness)" "$RC" 0
	ip netns del e3
	drive del masq /run/netns/e3
	is "$s: DEL with a vanished netns succeeds" "$RC" 0
	left=$(masq_lines "$ip")
	if [ $s = ref ]; then
		# Reference bug plugins#810 / PR #1078 (open; cni-reference.md §2.6 step 4): a netns
		# path that no longer exists means IPAM DEL only, and the masquerade rules leak.
		[ "$left" -gt 0 ] && ok "ref: masquerade rules leak after DEL with vanished netns (plugins#810, harness)" ||
			not_ok "ref: masquerade rules leak after DEL with vanished netns (plugins#810, harness)"
		ref_left=$left
	else
		deliberate "ours: DEL with a vanished netns removes the masquerade rules" "$left" 0 "$ref_left" \
			"DEL never leaks: the state record names the rules when the netns is gone (plugins#810)"
	fi
	[ "$left" -gt 0 ] && { iptables -t nat -F POSTROUTING; iptables -t nat -F; iptables -t nat -X; }
	is "$s: lease released (vanished netns)" "$(leases masq | tr '\n' ' ')" ""
	rm -rf "$CACHE"/results
done

# --- duplicate ADD: both refuse the second ADD of one attachment --------------------------
for s in ref ours; do
	d=$REF
	[ $s = ours ] && d=$BIN
	PLUGIN_DIR=$d cni ADD "$BR" "${ENV[@]}"
	first=$RC
	PLUGIN_DIR=$d cni ADD "$BR" "${ENV[@]}"
	is "$s: second ADD of the same attachment fails" "$first/$([ "$RC" != 0 ] && echo fail)" "0/fail"
	PLUGIN_DIR=$d cni DEL "$BR" "${ENV[@]}"
	is "$s: DEL after the duplicate" "$RC" 0
	is "$s: no lease left" "$(leases errs | tr '\n' ' ')" ""
	is "$s: no eth0 left" "$(ip -n e1 -o link show dev eth0 2>/dev/null | wc -l)" 0
done

ip netns del e1
ip link del err0 2>/dev/null
ip link del err1 2>/dev/null
is "no link left but lo" "$(ip -o link show | grep -vc ': lo:')" 0
done_testing
