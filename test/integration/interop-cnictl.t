#!/bin/bash
# cnitool compatibility: `cnictl add|check|del NET NETNS` and libcni 1.1.2 (test/interop/cnidrive,
# run without -id so it derives the container ID exactly like cnitool) share one cache dir and
# must be interchangeable: what one ADDs the other CHECKs and DELs (prevResult and capability
# args from the cache), and the cache entries they write are equivalent.
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init
CNICTL=$BIN/cnictl

probe=$("$CNICTL" add --cache-dir "$T/probe" no-such-net /run/netns/none 2>&1)
if [ ! -x "$CNICTL" ] || [[ $probe == *"not implemented"* ]]; then
	echo "1..0 # SKIP cnictl add not implemented yet: $probe"
	exit 77
fi

use_plugins ours
export CNI_PATH=$DRIVE_PATH
CID= # cnitool-style IDs on both sides
ctl() { # VERB NET NETNS [VAR=VALUE...] : cnictl with the shared cache; $OUT, $RC
	local verb=$1 net=$2 ns=$3
	shift 3
	OUT=$(env "$@" "$CNICTL" "$verb" --cache-dir "$CACHE" "$net" "$ns" 2>"$T/ctl.err")
	RC=$?
}
ctl_ok() { # DESC VERB NET NETNS [VAR=VALUE...]
	local desc=$1
	shift
	ctl "$@"
	if [ "$RC" = 0 ]; then ok "$desc"; else not_ok "$desc" "exit $RC: $OUT" "$(head -5 "$T/ctl.err")"; fi
}
id_of() { echo "cnitool-$(printf %s "$1" | sha512sum | cut -c1-20)"; }
# cache_view FILE : the cache entry with the base64 config decoded and the result normalised.
# "netns" is dropped: libcni >= 1.2 (cnitool HEAD, and cnictl) records it, 1.1.2 does not and
# ignores it when reading.
cache_view() {
	"$PY" - "$1" <<'EOF'
import base64, json, re, sys
c = json.load(open(sys.argv[1]))
c.pop("netns", None)
c["config"] = json.loads(base64.b64decode(c["config"]))
s = json.dumps(c, sort_keys=True)
s = re.sub(r'[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}', '<mac>', s)
s = re.sub(r'veth[0-9a-f]{8}', 'veth*', s)
s = s.replace('"dns": {}, ', '')
print(s)
EOF
}

netns_new x1
NS=/run/netns/x1
ID=$(id_of $NS)
MAC=0a:58:0a:51:00:05

for v in 0.3.1 1.0.0; do
	conf_put ctl '{"cniVersion":"'$v'","name":"ctl","plugins":[
	  {"type":"bridge","bridge":"ctl0","isGateway":true,"ipMasq":true,
	   "capabilities":{"ips":true,"mac":true},
	   "ipam":{"type":"host-local","subnet":"10.81.0.0/24"}},
	  {"type":"tuning","capabilities":{"mac":true}}]}'
	cache=$CACHE/results/ctl-$ID-eth0
	caps='{"ips":["10.81.0.33"],"mac":"'$MAC'"}'

	# 1. cnictl ADD, libcni CHECK + DEL
	ctl_ok "$v: cnictl add" add ctl $NS CAP_ARGS="$caps" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p1"
	is "$v: cnictl result has the requested IP" "$(json_get "$OUT" ips.0.address)" 10.81.0.33/24
	[ -f "$cache" ] && ok "$v: cnictl wrote the libcni cache entry" || not_ok "$v: cnictl wrote the libcni cache entry" "$(ls -R "$CACHE")"
	cp "$cache" "$T/ctl.cache" 2>/dev/null
	drive cached ctl $NS
	is "$v: libcni reads cnictl's cached result" "$RC $(json_get "$OUT" ips.0.address)" "0 10.81.0.33/24"
	drive cachedconf ctl $NS
	like "$v: libcni reads cnictl's cached capability args" "$(json_get "$OUT" runtime.CapabilityArgs.mac)" "$MAC"
	like "$v: libcni reads cnictl's cached CNI_ARGS" "$(json_get "$OUT" runtime.Args)" 'K8S_POD_NAME'
	if [ $v != 0.3.1 ]; then
		drive_ok "$v: libcni CHECK of cnictl's attachment" check ctl $NS CAP_ARGS="$caps"
	fi
	drive_ok "$v: libcni DEL of cnictl's attachment" del ctl $NS CAP_ARGS="$caps" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p1"
	is "$v: cache entry removed by libcni" "$([ -e "$cache" ] && echo present)" ""
	(assert_clean ctl 10.81.0.33) >"$T/clean1"
	grep -q '^not ok' "$T/clean1" && not_ok "$v: nothing left after cnictl add / libcni del" "$(grep -A2 '^not ok' "$T/clean1")" ||
		ok "$v: nothing left after cnictl add / libcni del"

	# 2. libcni ADD, cnictl CHECK + DEL
	drive_ok "$v: libcni add" add ctl $NS CAP_ARGS="$caps" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p1"
	cp "$cache" "$T/drive.cache" 2>/dev/null
	is "$v: cache entries written by cnictl and libcni are equivalent" \
		"$(cache_view "$T/ctl.cache" 2>&1)" "$(cache_view "$T/drive.cache" 2>&1)"
	if [ $v != 0.3.1 ]; then
		ctl_ok "$v: cnictl check of libcni's attachment" check ctl $NS CAP_ARGS="$caps"
		ip -n x1 addr flush dev eth0
		ctl check ctl $NS CAP_ARGS="$caps"
		is "$v: cnictl check fails once the address is gone (prevResult from libcni's cache)" "$RC" 1
	fi
	ctl_ok "$v: cnictl del of libcni's attachment" del ctl $NS CAP_ARGS="$caps" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=p1"
	is "$v: cache entry removed by cnictl" "$([ -e "$cache" ] && echo present)" ""
	ctl_ok "$v: cnictl del again" del ctl $NS
	(assert_clean ctl 10.81.0.33) >"$T/clean2"
	grep -q '^not ok' "$T/clean2" && not_ok "$v: nothing left after libcni add / cnictl del" "$(grep -A2 '^not ok' "$T/clean2")" ||
		ok "$v: nothing left after libcni add / cnictl del"
done

ip netns del x1
ip link del ctl0 2>/dev/null
is "no link left but lo" "$(ip -o link show | grep -vc ': lo:')" 0
done_testing
