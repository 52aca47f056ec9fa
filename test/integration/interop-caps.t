#!/bin/bash
# Interop: capability args and CNI_ARGS through libcni 1.1.2 (test/interop/cnidrive), at
# cniVersion 0.4.0 and 1.0.0: dual stack with ipMasq, requested IPs (capability "ips", declared
# on the bridge entry because host-local only sees bridge's stdin), requested MAC (capability
# "mac", declared by bridge and tuning), portMappings to the reference portmap; CNI_ARGS
# IP=...; a conflicting request fails cleanly; masquerade rules appear with ADD and go with DEL.
# IOP_SIDE=ref runs the same against /usr/lib/cni.
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init
use_plugins "${IOP_SIDE:-ours}"

netns_new c1
netns_new c2
MAC=0a:58:0a:4e:00:2a

for v in 0.4.0 1.0.0; do
	conf_put caps '{"cniVersion":"'$v'","name":"caps","plugins":[
	  {"type":"bridge","bridge":"caps0","isGateway":true,"ipMasq":true,
	   "capabilities":{"ips":true,"mac":true},
	   "ipam":{"type":"host-local","ranges":[[{"subnet":"10.78.0.0/24"}],[{"subnet":"fd78::/64"}]],
	           "routes":[{"dst":"0.0.0.0/0"}]}},
	  {"type":"tuning","capabilities":{"mac":true}},
	  {"type":"portmap","capabilities":{"portMappings":true}}]}'

	# 1. requested IPs + MAC + port mapping through capability args
	CID=caps-a-$v
	caps='{"ips":["10.78.0.42/24","fd78::42/64"],"mac":"'$MAC'",
	       "portMappings":[{"hostPort":18081,"containerPort":80,"protocol":"tcp"}]}'
	drive_ok "$v: validate lists the capabilities" validate caps /run/netns/c1
	is "$v: capabilities" "$(echo $OUT | tr -d ' \n')" '["ips","mac","portMappings"]'
	drive_ok "$v: ADD with ips+mac+portMappings" add caps /run/netns/c1 CAP_ARGS="$caps"
	res=$OUT
	is "$v: requested v4 address" "$(json_get "$res" ips.0.address)" 10.78.0.42/24
	is "$v: requested v6 address" "$(json_get "$res" ips.1.address)" fd78::42/64
	is "$v: result container MAC = requested" "$(json_get "$res" interfaces.2.mac)" $MAC
	is "$v: kernel: eth0 MAC = requested" \
		"$(json_get "$(ip -n c1 -j link show dev eth0)" 0.address)" $MAC
	like "$v: kernel: eth0 has 10.78.0.42/24" "$(ip -n c1 -o addr show dev eth0)" ' 10\.78\.0\.42/24 '
	like "$v: kernel: eth0 has fd78::42/64" "$(ip -n c1 -o addr show dev eth0)" ' fd78::42/64 '
	is "$v: lease file for 10.78.0.42 owned by the attachment" \
		"$(cat /var/lib/cni/networks/caps/10.78.0.42 2>/dev/null | tr '\r\n' '|~')" "$CID|~eth0"
	[ "$(masq_lines 10.78.0.42)" -gt 0 ] && ok "$v: v4 masquerade rule present" ||
		not_ok "$v: v4 masquerade rule present" "$(nft list ruleset | head -40)"
	[ "$(masq_lines fd78::42)" -gt 0 ] && ok "$v: v6 masquerade rule present" ||
		not_ok "$v: v6 masquerade rule present"
	# CHECK without portMappings: the reference portmap 1.1.1 fails CHECK on any dual-stack
	# attachment ("could not check ipv6 dnat: rule [...v4 rules...] not found"), not ours to judge.
	drive_ok "$v: CHECK" check caps /run/netns/c1 CAP_ARGS='{"ips":["10.78.0.42/24","fd78::42/64"],"mac":"'$MAC'"}'

	# 2. a second container asking for the same IP fails, and leaves nothing of its own
	CID=caps-b-$v
	drive add caps /run/netns/c2 CAP_ARGS='{"ips":["10.78.0.42"]}'
	is "$v: second ADD for a taken requested IP fails" "$RC" 1
	like "$v: ... with a CNI error message" "$(json_get "$OUT" msg)" '10\.78\.0\.42'
	drive_ok "$v: DEL after the failed ADD" del caps /run/netns/c2
	is "$v: c2 has no eth0" "$(ip -n c2 -o link show dev eth0 2>/dev/null | wc -l)" 0
	is "$v: only c1's two leases remain" "$(leases caps | tr '\n' ' ')" "10.78.0.42 fd78::42 "

	# 3. CNI_ARGS IP= (with IgnoreUnknown, as containerd sends it)
	drive add caps /run/netns/c2 CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=b;IP=10.78.0.77"
	if [ "$RC" = 0 ]; then ok "$v: ADD with CNI_ARGS IP="; else not_ok "$v: ADD with CNI_ARGS IP=" "$OUT"; fi
	is "$v: CNI_ARGS IP honoured" "$(json_get "$OUT" ips.0.address)" 10.78.0.77/24
	drive_ok "$v: CHECK c2" check caps /run/netns/c2 CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=b;IP=10.78.0.77"
	drive_ok "$v: DEL c2" del caps /run/netns/c2 CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=b;IP=10.78.0.77"
	is "$v: c2 masquerade rules gone, c1's kept" "$(masq_lines 10.78.0.77)/$(masq_lines 10.78.0.42)" \
		"0/$(masq_lines 10.78.0.42)"
	[ "$(masq_lines 10.78.0.42)" -gt 0 ] && ok "$v: c1 rules still there" || not_ok "$v: c1 rules still there"

	CID=caps-a-$v
	drive_ok "$v: DEL c1" del caps /run/netns/c1 CAP_ARGS="$caps"
	drive_ok "$v: DEL c1 again" del caps /run/netns/c1 CAP_ARGS="$caps"
	assert_clean caps 10.78.0.42 fd78::42 10.78.0.77
done

ip netns del c1
ip netns del c2
ip link del caps0 2>/dev/null
is "no link left but lo" "$(ip -o link show | grep -vc ': lo:')" 0
done_testing
