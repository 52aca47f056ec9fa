#!/bin/bash
# Interoperability with the real cnitool (libcni): each side DELs and CHECKs what the other
# ADDed, through the shared cache in /var/lib/cni (private tmpfs in the sandbox).
# Debian packages no cnitool: test/peer/build.sh builds it from Debian's libcni source
# (CNITOOL=/path/to/cnitool or one in PATH is used instead; lib.sh cnitool_init).
. "$(dirname "$0")/lib.sh"
cnitool_init
CNICTL=$BIN/cnictl
mkdir -p "$T/conf"
export NETCONFPATH=$T/conf CNI_PATH=$BIN
cat >"$T/conf/10-inter.conflist" <<EOC
{"cniVersion":"1.0.0","name":"inter","plugins":[{"type":"bridge","bridge":"ib0",
 "isGateway":true,"ipam":{"type":"host-local","subnet":"10.244.250.0/24"}}]}
EOC
netns_new ins
id=cnitool-$(printf %s /run/netns/ins | sha512sum | cut -c1-20)
. "$ROOT/tools/cni-leftovers.sh"
leases() { cni_leases; }

# cnictl ADD, cnitool CHECK + DEL
"$CNICTL" add inter /run/netns/ins --cache-dir /var/lib/cni >/dev/null
is "cnictl add" "$?" 0
[ -f "/var/lib/cni/results/inter-$id-eth0" ] && ok "cache entry at libcni's path" || not_ok "cache entry at libcni's path"
"$CNITOOL" check inter /run/netns/ins
is "cnitool check reads cnictl's cache" "$?" 0
"$CNITOOL" del inter /run/netns/ins
is "cnitool del of cnictl's attachment" "$?" 0
is "cache entry removed by cnitool" "$(ls /var/lib/cni/results)" ""
is "lease released" "$(leases)" ""
is "interface gone" "$(ip -n ins -o link show | grep -c eth0)" 0

# cnitool ADD, cnictl CHECK + DEL (relative path gives the same ID on both sides)
"$CNITOOL" add inter /run/netns/ins >/dev/null
is "cnitool add" "$?" 0
(cd /run/netns && "$CNICTL" check inter ins --cache-dir /var/lib/cni)
is "cnictl check reads cnitool's cache" "$?" 0
cache=$(cat "/var/lib/cni/results/inter-$id-eth0")
is "cnitool's cache has the same kind" "$(json_get "$cache" kind)" cniCacheV1
"$CNICTL" del inter /run/netns/ins --cache-dir /var/lib/cni
is "cnictl del of cnitool's attachment" "$?" 0
is "cache entry removed by cnictl" "$(ls /var/lib/cni/results)" ""
is "lease released" "$(leases)" ""
"$CNITOOL" del inter /run/netns/ins
is "cnitool del again" "$?" 0

# The result cnictl prints is the result cnitool prints.
a=$("$CNICTL" add inter /run/netns/ins --cache-dir /var/lib/cni)
"$CNICTL" del inter /run/netns/ins --cache-dir /var/lib/cni
b=$("$CNITOOL" add inter /run/netns/ins)
"$CNITOOL" del inter /run/netns/ins
# cnitool re-encodes through Go types (v1.1.2 adds an empty "dns"); compare the content.
shape() { python3 -c 'import json,sys
r=json.loads(sys.argv[1])
print(r["cniVersion"], len(r["interfaces"]), [i.get("interface") for i in r["ips"]], [i["gateway"] for i in r["ips"]])' "$1"; }
is "same result content as cnitool" "$(shape "$a")" "$(shape "$b")"
is "nothing cached at the end" "$(ls /var/lib/cni/results)" ""
is "no veth at the end" "$(ip -o link show type veth)" ""
ip netns del ins
ip link del ib0 2>/dev/null
done_testing
