#!/bin/bash
# Differential through cnitool, libcni's own command-line runtime (Debian's libcni 1.1.2
# source, built offline by test/peer/build.sh): the same cnitool add/check/del steps against
# the reference plugins ($REF) and against ours ($BIN), each alone in CNI_PATH, each side from
# a clean host netns state. A dual-stack gateway network with ipMasq; container a asks for
# its IPs and MAC through CAP_ARGS, and gets a second interface (CNI_IFNAME=net1) on a second
# network, with an IP requested in CNI_ARGS and a second pair of default routes; container b
# takes what comes. Compared: every result (normalised:
# MACs but the requested one, host veth names), the exit status of each check and del,
# masquerade presence; on both sides the containers reach each other and the gateway, CHECK
# finds a removed address, and nothing is left (veth, lease, cache entry, rule).
# cnitool 1.1.2 has add, check and del only: gc and status came with libcni 1.2.0.
# conformance: cnitool add/check/del (diff-cnitool)
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init
cnitool_init
MAC=0a:58:0a:4e:00:09
mkdir -p "$T/conf"
export NETCONFPATH=$T/conf
cat >"$T/conf/10-cnit.conflist" <<'EOC'
{"cniVersion":"1.0.0","name":"cnit","plugins":[{"type":"bridge","bridge":"cnit0",
 "isGateway":true,"ipMasq":true,"capabilities":{"ips":true,"mac":true},
 "ipam":{"type":"host-local","ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]],
         "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}}]}
EOC
# a second network, for a's second interface: its own default routes (a second default route
# in a's netns), no masquerade
cat >"$T/conf/20-cnit2.conflist" <<'EOC'
{"cniVersion":"1.0.0","name":"cnit2","plugins":[{"type":"bridge","bridge":"cnit1",
 "isGateway":true,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.77.0.0/24"}],
 [{"subnet":"fd77::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}}]}
EOC
CAPS_A='{"ips":["10.78.0.9/24","fd78::9/64"],"mac":"'$MAC'"}'
ARGS_N1="IgnoreUnknown=1;IP=10.77.0.20"

reset_host() {
	ip netns del a 2>/dev/null
	ip netns del b 2>/dev/null
	ip link del cnit0 2>/dev/null
	ip link del cnit1 2>/dev/null
	rm -rf /var/lib/cni/networks /var/lib/cni/results /var/lib/cni/bridge
	nft flush ruleset 2>/dev/null
	sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
}

# ct NAME VERB NETNS [VAR=VALUE...] : cnitool VERB NET NETNS (NET=cnit, or cnit2 for
# CNI_IFNAME=net1); stdout in $d/NAME, status in $d/NAME.rc
ct() {
	local name=$1 verb=$2 ns=$3 net=cnit
	shift 3
	[[ " $* " == *" CNI_IFNAME=net1 "* ]] && net=cnit2
	env CNI_PATH="$dir" "$@" "$CNITOOL" "$verb" $net "/run/netns/$ns" >"$d/$name" 2>"$d/$name.err"
	echo $? >"$d/$name.rc"
}
ping_ok() { # NETNS ADDR (v6: three tries, the first echo can race neighbour discovery)
	local i
	for i in 1 2 3; do
		ip netns exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

for side in ref ours; do
	dir=$REF
	[ $side = ours ] && dir=$BIN
	d=$T/$side
	mkdir -p "$d"
	SIDE=$side
	reset_host
	netns_new a
	netns_new b
	ct add-a add a CAP_ARGS="$CAPS_A"
	ct add-b add b
	ct add-a1 add a CNI_IFNAME=net1 CNI_ARGS="$ARGS_N1"
	is "$side: cnitool add a, add b, add a net1" \
		"$(cat "$d/add-a.rc" "$d/add-b.rc" "$d/add-a1.rc" | tr '\n' ' ')" "0 0 0 "
	[ "$(cat "$d/add-a.rc")" = 0 ] || echo "#   $(head -c 300 "$d/add-a.err")"
	b4=$(json_get "$(cat "$d/add-b")" ips.0.address)
	b6=$(json_get "$(cat "$d/add-b")" ips.1.address)
	is "$side: a has the requested IPv4 and MAC" \
		"$(ip -n a -o -4 addr show dev eth0 | awk '{print $4}') $(ip -n a -o link show eth0 | grep -o "$MAC")" \
		"10.78.0.9/24 $MAC"
	is "$side: a's net1 (network cnit2) has the IP asked for in CNI_ARGS" \
		"$(ip -n a -o -4 addr show dev net1 | awk '{print $4}')" 10.77.0.20/24
	ip -n a -4 route show default >"$d/routes4"
	ip -n a -6 route show default >"$d/routes6"
	check "$side: a reaches b over IPv4" ping_ok a "${b4%/*}"
	check "$side: b reaches a over IPv6" ping_ok b fd78::9
	check "$side: b reaches the gateway" ping_ok b 10.78.0.1
	[ "$(masq_lines "${b4%/*}")" -gt 0 ] && echo yes >"$d/masq" || echo no >"$d/masq"
	ct check-a check a CAP_ARGS="$CAPS_A"
	ct check-a1 check a CNI_IFNAME=net1 CNI_ARGS="$ARGS_N1"
	ct check-b check b
	ip -n b addr del "$b6" dev eth0
	ct check-b-tampered check b
	# put it back: the reference's DEL tears masquerade down for the addresses eth0 still has
	# (a removed one would leak its rules)
	ip -n b addr add "$b6" dev eth0 nodad
	ct del-a del a CAP_ARGS="$CAPS_A"
	ct del-a1 del a CNI_IFNAME=net1 CNI_ARGS="$ARGS_N1"
	ct del-b del b
	ct del-b2 del b
	(assert_clean cnit 10.78.0.9 "${b4%/*}" && assert_clean cnit2 10.77.0.20) >"$d/clean.tap"
	is "$side: no cache entry left" "$(ls /var/lib/cni/results 2>/dev/null)" ""
	reset_host
done

for r in add-a add-b add-a1; do
	is "ours vs reference: result of $r" "$(norm_result "$(cat "$T/ours/$r")" $MAC)" \
		"$(norm_result "$(cat "$T/ref/$r")" $MAC)"
done
is "ours vs reference: a's IPv4 default routes (eth0 and net1)" "$(cat "$T/ours/routes4")" "$(cat "$T/ref/routes4")"
is "ours vs reference: a's IPv6 default routes" "$(cat "$T/ours/routes6")" "$(cat "$T/ref/routes6")"
is "ours vs reference: masquerade rules after add" "$(cat "$T/ours/masq")" "$(cat "$T/ref/masq")"
for v in check-a check-a1 check-b del-a del-a1 del-b del-b2; do
	is "ours vs reference: exit status of cnitool $v" "$(cat "$T/ours/$v.rc")" "$(cat "$T/ref/$v.rc")"
done
is "reference: check a passes (harness)" "$(cat "$T/ref/check-a.rc")" 0
is "reference: check finds b's removed IPv6 address (harness)" "$(cat "$T/ref/check-b-tampered.rc")" 1
is "ours: check finds b's removed IPv6 address" "$(cat "$T/ours/check-b-tampered.rc")" 1
like "ours: check names the missing address" "$(cat "$T/ours/check-b-tampered.err")" 'fd78::'
for side in ref ours; do
	grep -q '^not ok' "$T/$side/clean.tap" && not_ok "$side leaves nothing behind" "$(grep -A2 '^not ok' "$T/$side/clean.tap")" ||
		ok "$side leaves nothing behind"
done
skip "cnitool gc, cnitool status" "cnitool 1.1.2 (Debian's libcni) has add, check and del only"
is "no link left but lo" "$(ip -o link show | grep -vc ': lo:')" 0
done_testing
