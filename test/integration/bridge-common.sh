# Helpers for the bridge-*.t integration tests (sourced after lib.sh). Runs our bridge with our
# host-local (CNI_PATH=$BIN) unless IPAM_PATH says otherwise.
# shellcheck shell=bash
IPAM_PATH=${IPAM_PATH:-$BIN}
HL_DIR=/var/lib/cni/networks
ST_DIR=/var/lib/cni/bridge

# exec_wrapper DIR : DIR/host-local, a script that execs our host-local. Same code, another file
# (no build-id of ours), so the bridge executes it instead of running host-local in-process.
exec_wrapper() {
	mkdir -p "$1"
	printf '#!/bin/sh\nexec %s/host-local "$@"\n' "$BIN" >"$1/host-local"
	chmod +x "$1/host-local"
}

# conf VERSION NAME BRIDGE SUBNET [EXTRA-JSON-MEMBERS] : one bridge config with host-local.
# SUBNET may be "none" (L2-only, empty ipam) or "dual" (10.231.N.0/24 + fd00:231:N::/64 with N
# from the bridge name digits).
conf() {
	local ver=$1 name=$2 br=$3 subnet=$4 extra=${5:-} ipam
	case $subnet in
	none) ipam='{}' ;;
	*,*) ipam="{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"${subnet%%,*}\"}],[{\"subnet\":\"${subnet#*,}\"}]]}" ;;
	*) ipam="{\"type\":\"host-local\",\"subnet\":\"$subnet\"}" ;;
	esac
	echo "{\"cniVersion\":\"$ver\",\"name\":\"$name\",\"type\":\"bridge\",\"bridge\":\"$br\",\"ipam\":$ipam${extra:+,$extra}}"
}

# br VERB CONF CONTAINERID NETNS-PATH [IFNAME] [VAR=VALUE...]
br() {
	local verb=$1 c=$2 id=$3 ns=$4 ifn=${5:-eth0}
	shift 4
	[ $# -gt 0 ] && shift
	CNI_TYPE=bridge CNI_PATH=$IPAM_PATH cni "$verb" "$c" CNI_CONTAINERID="$id" CNI_NETNS="$ns" CNI_IFNAME="$ifn" "$@"
}

# pingable FROM-NS ADDR : one echo request between two sandbox namespaces (busybox: no iputils)
ping_ok() { ip netns exec "$1" busybox ping -c1 -W1 "$2" >/dev/null 2>&1; }
# IPv6: up to five tries, because the very first echo can be lost while neighbour discovery
# runs on two hops at once (container -> bridge gateway -> next hop) right after ADD, and on a
# loaded machine (CI with every test running at once) that resolution can outlast three.
ping6_ok() {
	local i
	for i in 1 2 3 4 5; do
		ip netns exec "$1" busybox ping -6 -c1 -W1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

# prev CONF RESULT : CONF with prevResult = RESULT
prev() { python3 -c 'import json,sys;c=json.loads(sys.argv[1]);c["prevResult"]=json.loads(sys.argv[2]);print(json.dumps(c))' "$1" "$2"; }

# err_field FIELD : code/msg/details of the error JSON in $OUT
err_field() { json_get "$OUT" "$1"; }

# host veth count (links named veth*)
host_veths() { ip -o link show type veth 2>/dev/null | grep -c ' veth' || true; }
ns_links() { ip -n "$1" -o link show 2>/dev/null | grep -vc ' lo:' || true; }
leases() { # network
	find "$HL_DIR/$1" -type f ! -name lock ! -name 'last_reserved_ip*' ! -path '*/.owners/*' 2>/dev/null | wc -l
}
records() { find "$ST_DIR/${1:-}" -type f 2>/dev/null | wc -l; }

# assert_clean NETWORK [NETNS...] : no host veth, no container link, no lease, no state record
assert_clean() {
	local net=$1 ns
	shift
	is "no host veth left" "$(host_veths)" 0
	for ns in "$@"; do
		ip netns list | grep -qw "$ns" && is "no link left in $ns" "$(ns_links "$ns")" 0
	done
	is "no lease left for $net" "$(leases "$net")" 0
	is "no state record left for $net" "$(records "$net")" 0
}

# ok_rc DESC : the last cni call succeeded
ok_rc() { if [ "$RC" = 0 ]; then ok "$1"; else not_ok "$1" "rc=$RC" "$OUT" "$(cat "$T/stderr")"; fi; }
fail_rc() { # DESC [CODE] [MSG-REGEX]
	if [ "$RC" = 0 ]; then not_ok "$1" "unexpected success" "$OUT"; return; fi
	local code
	code=$(err_field code)
	if [ -n "${2:-}" ] && [ "$code" != "$2" ]; then not_ok "$1" "code $code, want $2" "$OUT"; return; fi
	if [ -n "${3:-}" ] && ! [[ $(err_field msg)$(err_field details) =~ $3 ]]; then not_ok "$1" "msg mismatch /$3/" "$OUT"; return; fi
	ok "$1"
}
