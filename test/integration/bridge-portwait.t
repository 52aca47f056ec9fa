#!/bin/bash
# ADD waits for the host end to be oper-up and reports the bridge's MAC as it is once our port
# has joined. Both are learnt from the link notifications (add.c: follow_links); these tests
# take the notifications away with strace and check that ADD then asks instead.
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
	*ENOBUFS*) add_traced "$id" -e trace=recvfrom -e inject=recvfrom:error=ENOBUFS ;;
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
assert_clean pnet
done_testing
