# shellcheck shell=bash
# Shared by masq-*.t (sourced after lib.sh): the masqctl driver and a tiny routed topology to
# prove masquerading with real packets, all inside the test's sandbox:
#   netns ma (10.0.0.5/24, fd00:1::5/64) --veth-- sandbox (forwarding) --veth-- netns mb
#   (192.168.99.2/24, fd00:99::2/64). mb has no route back to 10.0.0.0/24 / fd00:1::/64, so a
#   ping from ma to mb only comes back when the sandbox masquerades it.
M=$ROOT/build/test/masqctl
if [ ! -x "$M" ]; then
	echo "1..0 # SKIP build/test/masqctl not built (make test-bins)"
	exit 77
fi

topo_up() {
	netns_new ma && netns_new mb || return 1
	ip link add ma0 type veth peer name eth0 netns ma &&
		ip link add mb0 type veth peer name eth0 netns mb || return 1
	ip addr add 10.0.0.1/24 dev ma0 && ip addr add fd00:1::1/64 dev ma0 nodad &&
		ip addr add 192.168.99.1/24 dev mb0 && ip addr add fd00:99::1/64 dev mb0 nodad &&
		ip link set ma0 up && ip link set mb0 up || return 1
	ip -n ma addr add 10.0.0.5/24 dev eth0 && ip -n ma addr add fd00:1::5/64 dev eth0 nodad &&
		ip -n ma link set eth0 up && ip -n ma route add default via 10.0.0.1 &&
		ip -n ma -6 route add default via fd00:1::1 || return 1
	ip -n mb addr add 192.168.99.2/24 dev eth0 && ip -n mb addr add fd00:99::2/64 dev eth0 nodad &&
		ip -n mb link set eth0 up || return 1
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

topo_down() {
	ip link del ma0 2>/dev/null
	ip link del mb0 2>/dev/null
	ip netns del ma 2>/dev/null
	ip netns del mb 2>/dev/null
}

ping_ok() { # ns addr (busybox: no iputils here)
	ip netns exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1
}
has() { # desc got substring : like, for fixed strings
	if [[ $2 == *"$3"* ]]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected substring: '$3'"; fi
}

# masq VERB ARGS... : run masqctl; output in $OUT, status in $RC
masq() {
	OUT=$("$M" "$@" 2>&1)
	RC=$?
}
ok_masq() { # desc VERB ARGS...
	local desc=$1
	shift
	masq "$@"
	if [ "$RC" = 0 ]; then ok "$desc"; else not_ok "$desc" "masqctl $*" "$OUT"; fi
}
