# Helpers for the interop (libcni driver) and differential tests (sourced after
# test/integration/lib.sh, inside the sandbox: /etc/cni, /var/lib/cni, /run are private tmpfs).
#
#   interop_init              build (cached) or locate the libcni driver; skip the test without it
#   use_plugins ours|ref      CNI_PATH for the driver: ours = $BIN, ref = $REF, each followed
#                             by /usr/lib/cni (tuning, portmap)
#   conf_put NAME JSON        write /etc/cni/net.d/NAME.conflist
#   drive VERB NET NETNS [VAR=VALUE...]   run the driver; $OUT, $RC, stderr in $T/drive.err
#   kstate_dump DIR NETNS     dump kernel state (container netns + host) for norm.py
#   kstate DIR ASPECT [KEEP_MAC...]       normalised aspect of a dump (see norm.py)
#   norm_result JSON [KEEP_MAC...]        normalised CNI result
#   masq_lines IP             nft ruleset lines mentioning "saddr IP" (iptables-nft or nft)
#   assert_clean NET [IP...]  no veth, no lease of NET, no cache entry, no rule naming the IPs
IOP=$ROOT/test/interop
# Debian's interpreter directly: a python3 found first in PATH may be a version-manager shim
# (pyenv's costs ~10x the start-up time of /usr/bin/python3 here).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
DRIVE=$ROOT/build/test/interop/cnidrive
export NETCONFPATH=/etc/cni/net.d
CACHE=${CACHE:-$T/cache}
CID=${CID:-}
mkdir -p "$NETCONFPATH" "$CACHE"

interop_init() {
	local rc=0
	"$IOP/build.sh" "$DRIVE" >"$T/build.log" 2>&1 || rc=$?
	if [ "$rc" = 77 ]; then
		echo "1..0 # SKIP libcni driver unavailable: $(tail -1 "$T/build.log")"
		exit 77
	elif [ "$rc" != 0 ]; then
		not_ok "build the libcni driver" "$(tail -20 "$T/build.log")"
		done_testing
		exit 1
	fi
}

use_plugins() {
	case $1 in
	ours) DRIVE_PATH=$BIN:$DEB_CNI ;;
	ref) DRIVE_PATH=$REF:$DEB_CNI ;;
	*) echo "use_plugins: ours|ref" >&2; return 1 ;;
	esac
	SIDE=$1
}
use_plugins ours

conf_put() {
	printf '%s\n' "$2" >"$NETCONFPATH/$1.conflist"
}

drive() {
	local verb=$1 net=$2 ns=$3 idflag=()
	shift 3
	[ -n "$CID" ] && idflag=(-id "$CID")
	OUT=$(env CNI_PATH="$DRIVE_PATH" "$@" "$DRIVE" -cache-dir "$CACHE" "${idflag[@]}" \
		"$verb" "$net" "$ns" 2>"$T/drive.err")
	RC=$?
}

# drive_ok DESC VERB NET NETNS [VAR=VALUE...] : drive and pass when the verb succeeds
drive_ok() {
	local desc=$1
	shift
	drive "$@"
	if [ "$RC" = 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "exit $RC: $(echo "$OUT" | head -5)" "$(head -5 "$T/drive.err")"
	fi
}

kstate_dump() {
	local d=$1 ns=$2
	mkdir -p "$d"
	ip -n "$ns" -j -d link show >"$d/ctr-link.json" 2>/dev/null
	ip -n "$ns" -j addr show >"$d/ctr-addr.json" 2>/dev/null
	ip -n "$ns" -j -4 route show table main >"$d/ctr-route4.json" 2>/dev/null
	ip -n "$ns" -j -6 route show table main >"$d/ctr-route6.json" 2>/dev/null
	ip -j -d link show >"$d/host-link.json"
	ip -j addr show >"$d/host-addr.json"
	bridge -j -d link show >"$d/bridge-link.json" 2>/dev/null
	sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding >"$d/sysctl.txt" 2>/dev/null
	nft list ruleset >"$d/ruleset.txt" 2>/dev/null
	ip netns exec "$ns" sysctl net.ipv4.conf.eth0.arp_notify net.ipv6.conf.eth0.accept_dad \
		net.ipv6.conf.eth0.disable_ipv6 >"$d/ctr-sysctl.txt" 2>/dev/null
}

kstate() {
	"$PY" "$IOP/norm.py" kstate "$@"
}

norm_result() {
	local j=$1
	shift
	printf '%s' "$j" | "$PY" "$IOP/norm.py" result "$@"
}

masq_lines() {
	nft list ruleset 2>/dev/null | grep -cE "saddr $1( |$)"
}

# leases NET : reservation files of NET (not lock / last_reserved_ip.*)
leases() {
	local d=/var/lib/cni/networks/$1
	[ -d "$d" ] || return 0
	find "$d" -maxdepth 1 -type f ! -name lock ! -name 'last_reserved_ip.*' -printf '%f\n' | sort
}

assert_clean() {
	local net=$1 ip left
	shift
	is "$SIDE: no veth left" "$(ip -o link show type veth | wc -l)" 0
	is "$SIDE: no lease of $net left" "$(leases "$net" | tr '\n' ' ')" ""
	is "$SIDE: no cache entry left" "$(find "$CACHE" -type f 2>/dev/null | tr '\n' ' ')" ""
	left=""
	for ip in "$@"; do
		[ "$(masq_lines "$ip")" = 0 ] || left="$left $ip"
	done
	is "$SIDE: no nat rule for${*:+ $*} left" "${left# }" ""
	# Only the bridge's masquerade chains (CNI-<24 hex>): the reference portmap 1.1.1 leaves
	# its CNI-DN-* chains behind on this iptables-nft host, which is not ours to judge.
	is "$SIDE: no per-container masquerade chain left" \
		"$(nft list ruleset 2>/dev/null | grep -E 'chain CNI-[0-9a-f]{24} ' | tr -s ' ' | tr '\n' ' ')" ""
}

# json_fields JSON PATH... : several paths at once, one value per line (objects/lists as compact
# JSON, missing = empty line); use with mapfile: mapfile -t F < <(json_fields "$res" a b.0.c)
# json_get JSON PATH : the same for one path; replaces lib.sh's python3 version in these
# suites, because a static Go start is far cheaper than a python3 start.
json_fields() {
	"$DRIVE" get "$@"
}
json_get() {
	"$DRIVE" get "$1" "$2"
}
