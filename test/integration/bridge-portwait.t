#!/bin/bash
# ADD waits for the host end to be oper-up and reports the bridge's MAC as it is once our port
# has joined. The first is learnt from the link notifications (add.c: follow_links), the second
# from the bridge's id or by asking (add.c: bridge_mac_unchanged); these tests take the
# notifications away with strace and check that ADD then asks instead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

if ! command -v strace >/dev/null || ! strace -qq -o /dev/null -e inject=getpid:error=EPERM true 2>/dev/null; then
	echo "1..0 # SKIP strace with syscall injection not available"
	exit 77
fi

mac_of() { ip -o link show "$1" | grep -o 'link/ether [^ ]*' | cut -d' ' -f2; }
oper_of() { ip -o link show "$1" | grep -o 'state [A-Z]*' | cut -d' ' -f2; }

# add_traced ID STRACE-ARGS... : ADD of container ID (netns /run/netns/ID) on bridge pbr0
add_traced() {
	local id=$1
	shift
	OUT=$(printf '%s' "$C" | strace -f -qq -o /dev/null "$@" env CNI_COMMAND=ADD \
		CNI_PATH="$BIN" CNI_CONTAINERID="$id" CNI_NETNS="/run/netns/$id" CNI_IFNAME=eth0 \
		"$BIN/bridge" 2>"$T/stderr")
	RC=$?
}

# Each case gets a bridge that is not ours, without ports and without a fixed MAC: the first
# port to join gives it its MAC, so our ADD changes the bridge's MAC under our feet.
i=0
for case in "notifications" "notifications dropped (ENOBUFS)" "notifications never come"; do
	i=$((i + 1)) id=p$i
	C=$(conf 1.0.0 pnet "pbr$i" 10.231.74.0/24)
	ip link add "pbr$i" type bridge && ip link set "pbr$i" up
	before=$(mac_of "pbr$i")
	netns_new "$id"
	case $case in
	notifications) add_traced "$id" -e trace=none ;;
	*ENOBUFS*) add_traced "$id" -e trace=recvmmsg -e inject=recvmmsg:error=ENOBUFS ;;
	*never*) add_traced "$id" -e trace=poll -e inject=poll:retval=0 ;;
	esac
	ok_rc "[$case] ADD"
	host=$(json_get "$OUT" interfaces.1.name)
	is "[$case] host end oper-up when ADD returned" "$(oper_of "$host")" UP
	is "[$case] the bridge took our port's MAC" "$(mac_of "pbr$i")" "$(mac_of "$host")"
	# The kernel queues a link notification while making the change, so silence without
	# ENOBUFS cannot happen: the injected silence only exercises the wait's timeout.
	if [[ $case != *never* ]]; then
		is "[$case] result has the bridge's new MAC" "$(json_get "$OUT" interfaces.0.mac)" \
			"$(mac_of "pbr$i")"
	fi
	[ "$(mac_of "pbr$i")" != "$before" ] || echo "# [$case] the bridge's random MAC was already the lowest"
	br DEL "$C" "$id" "/run/netns/$id"
	ok_rc "[$case] DEL"
	ip netns del "$id"
	ip link del "pbr$i"
done

# A bridge that is not ours, without a fixed MAC, with ports already: it keeps the lowest of its
# ports' MACs, and a host end's (fe:...) is above every one the kernel gives but another host
# end's. Each result has the bridge's MAC as it is once the port joined, whichever was lower.
C=$(conf 1.0.0 pnet pbrm 10.231.74.0/24)
ip link add pbrm type bridge && ip link set pbrm up
ip link add pmx0 type veth peer name pmx1 && ip link set pmx0 master pbrm
for k in 1 2 3 4 5 6; do
	netns_new "pm$k"
	br ADD "$C" "pm$k" "/run/netns/pm$k"
	ok_rc "ADD pm$k on a bridge with ports and no fixed MAC"
	is "pm$k: result has the bridge's MAC" "$(json_get "$OUT" interfaces.0.mac)" "$(mac_of pbrm)"
	[ "$k" = 1 ] && ip link del pmx0 # from the second ADD on, only host ends are ports
done
for k in 1 2 3 4 5 6; do
	br DEL "$C" "pm$k" "/run/netns/pm$k"
	ok_rc "DEL pm$k"
	ip netns del "pm$k"
done
ip link del pbrm
assert_clean pnet
done_testing
