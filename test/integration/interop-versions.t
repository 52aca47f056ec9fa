#!/bin/bash
# Interop: our bridge + host-local driven by libcni 1.1.2 (test/interop/cnidrive, the library
# containerd and podman's CNI backend use), at every cniVersion libcni 1.1.2 can drive
# (0.1.0 ... 1.0.0), chained with the reference tuning (and portmap from 0.3.0 on, which needs
# a rich prevResult). Per version: VERSION validation, ADD (result shape of that version,
# kernel state, libcni cache), CHECK (refused by libcni below 0.4.0; must detect a removed
# address), DEL twice, nothing left.
# IOP_SIDE=ref runs the same against /usr/lib/cni (to prove the harness).
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init
use_plugins "${IOP_SIDE:-ours}"

netns_new c1
NS=/run/netns/c1

for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0; do
	chain='{"type":"tuning","sysctl":{"net.ipv4.conf.eth0.arp_ignore":"1"}}'
	case $v in
	0.1.0 | 0.2.0) ;;
	*) chain="$chain,"'{"type":"portmap","capabilities":{"portMappings":true}}' ;;
	esac
	conf_put iop '{"cniVersion":"'$v'","name":"iop","plugins":[
	  {"type":"bridge","bridge":"iop0","isGateway":true,
	   "ipam":{"type":"host-local","ranges":[[{"subnet":"10.77.0.0/24"}],[{"subnet":"fd77::/64"}]],
	           "routes":[{"dst":"0.0.0.0/0"},{"dst":"::/0"}]}},
	  '"$chain"']}'
	CID=iop-v$v
	CAPS='{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]}'

	drive validate iop "$NS"
	is "$v: ValidateNetworkList accepts the list" "$RC" 0

	drive add iop "$NS" CAP_ARGS="$CAPS"
	if [ "$RC" != 0 ]; then
		not_ok "$v: ADD" "exit $RC: $OUT" "$(head -5 "$T/drive.err")"
		drive del iop "$NS"
		continue
	fi
	ok "$v: ADD"
	res=$OUT
	mapfile -t F < <(json_fields "$res" cniVersion ip4.ip ip6.ip ip4.gateway interfaces \
		ips.0.address ips.1.address ips.0.interface interfaces.2.name interfaces.2.sandbox \
		interfaces.0.name ips.0.version ips.1.version)
	is "$v: result cniVersion" "${F[0]}" "$v"
	case $v in
	0.1.0 | 0.2.0)
		ip4=${F[1]} ip6=${F[2]}
		like "$v: ip4.ip from 10.77.0.0/24" "$ip4" '^10\.77\.0\.[0-9]+/24$'
		like "$v: ip6.ip from fd77::/64" "$ip6" '^fd77::[0-9a-f]+/64$'
		is "$v: ip4.gateway" "${F[3]}" 10.77.0.1
		is "$v: no interfaces in a $v result" "${F[4]}" ""
		;;
	*)
		ip4=${F[5]} ip6=${F[6]}
		like "$v: ips[0] from 10.77.0.0/24" "$ip4" '^10\.77\.0\.[0-9]+/24$'
		like "$v: ips[1] from fd77::/64" "$ip6" '^fd77::[0-9a-f]+/64$'
		is "$v: ips[0].interface points at the container veth" "${F[7]}" 2
		is "$v: interfaces[2] = eth0 in the sandbox" "${F[8]} ${F[9]}" "eth0 $NS"
		is "$v: interfaces[0] = the bridge" "${F[10]}" iop0
		if [ "$v" = 1.0.0 ]; then
			is "$v: no ips[].version in 1.0.0" "${F[11]}" ""
		else
			is "$v: ips[].version" "${F[11]}/${F[12]}" 4/6
		fi
		;;
	esac
	a4=${ip4%/*} a6=${ip6%/*}
	like "$v: kernel: eth0 holds the v4 address" "$(ip -n c1 -o -4 addr show dev eth0)" " ${ip4//./\\.} "
	like "$v: kernel: eth0 holds the v6 address" "$(ip -n c1 -o -6 addr show dev eth0 scope global)" " $ip6 "
	like "$v: kernel: v4 default route via the gateway" "$(ip -n c1 -4 route show default)" \
		'^default via 10\.77\.0\.1 dev eth0'
	like "$v: kernel: v6 default route via the gateway" "$(ip -n c1 -6 route show default)" \
		'^default via fd77::1 dev eth0'
	check "$v: the container reaches its gateway (ping inside the sandbox)" \
		ip netns exec c1 busybox ping -c1 -W3 10.77.0.1
	is "$v: kernel: one port on iop0" "$(ip -o link show master iop0 | wc -l)" 1
	is "$v: tuning ran after bridge (sysctl in the container)" \
		"$(ip netns exec c1 sysctl -n net.ipv4.conf.eth0.arp_ignore)" 1
	cache=$CACHE/results/iop-$CID-eth0
	if [ -f "$cache" ]; then
		ok "$v: libcni cached the result"
		drive cached iop "$NS"
		is "$v: cached result = ADD result" "$(norm_result "$OUT")" "$(norm_result "$res")"
	else
		not_ok "$v: libcni cached the result" "no $cache"
	fi

	drive check iop "$NS"
	case $v in
	0.1.0 | 0.2.0 | 0.3.0 | 0.3.1)
		is "$v: CHECK refused by libcni below 0.4.0" "$RC" 1
		like "$v: CHECK refusal message" "$(cat "$T/drive.err")" 'does not support the CHECK command'
		;;
	*)
		is "$v: CHECK passes after ADD" "$RC" 0
		ip -n c1 addr del "$ip4" dev eth0
		drive check iop "$NS"
		is "$v: CHECK fails once the v4 address is gone" "$RC" 1
		like "$v: CHECK failure is a CNI error with a message" "$(json_get "$OUT" msg)" '.'
		;;
	esac

	drive del iop "$NS"
	is "$v: DEL" "$RC" 0
	drive del iop "$NS"
	is "$v: DEL again" "$RC" 0
	is "$v: eth0 gone from the container" "$(ip -n c1 -o link show dev eth0 2>/dev/null | wc -l)" 0
	assert_clean iop "$a4" "$a6"
done

ip netns del c1
ip link del iop0 2>/dev/null
is "no link left but lo" "$(ip -o link show | grep -vc ': lo:')" 0
done_testing
