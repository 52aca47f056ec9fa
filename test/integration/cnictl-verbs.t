#!/bin/bash
# cnitool-compatible verbs: add/check/del/status/gc NET NETNS with cnitool's environment,
# container ID derivation and libcni cache layout; plugin errors reported with their code.
. "$(dirname "$0")/lib.sh"
CNICTL=$BIN/cnictl
mkdir -p "$T/conf"
export NETCONFPATH=$T/conf CNI_PATH=$BIN
CV() { "$CNICTL" "$1" --cache-dir "$T/cache" --state-dir "$T/state" "${@:2}"; }

. "$ROOT/tools/cni-leftovers.sh"
leases() { cni_leases; }

cat >"$T/conf/10-net1.conflist" <<EOC
{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"bridge","bridge":"vb0",
 "isGateway":true,"capabilities":{"ips":true},
 "ipam":{"type":"host-local","subnet":"10.244.210.0/24"}}]}
EOC
netns_new ns1
id=cnitool-$(printf %s /run/netns/ns1 | sha512sum | cut -c1-20)

out=$(CV add net1 /run/netns/ns1)
is "add exits 0" "$?" 0
like "add prints the result" "$(json_get "$out" ips.0.address)" '^10\.244\.210\.[0-9]+/24$'
[ -f "$T/cache/results/net1-$id-eth0" ] && ok "cache file named with the cnitool ID" ||
	not_ok "cache file named with the cnitool ID" "$(ls "$T/cache/results")"
cache=$(cat "$T/cache/results/net1-$id-eth0" 2>/dev/null)
is "cache containerId" "$(json_get "$cache" containerId)" "$id"
is "cache netns is the absolute path" "$(json_get "$cache" netns)" /run/netns/ns1
is "cache file mode 0600" "$(stat -c %a "$T/cache/results/net1-$id-eth0")" 600
like "address configured in the netns" "$(ip -n ns1 -o -4 addr show dev eth0)" "10\.244\.210\."

(cd /run/netns && CV check net1 ./ns1)
is "check with a relative path (same ID) exits 0" "$?" 0
(cd /run && CV check net1 netns/../netns/ns1)
is "check with an unclean path (same ID) exits 0" "$?" 0

CNI_IFNAME=eth1 CV add net1 /run/netns/ns1 >/dev/null
is "CNI_IFNAME=eth1 add exits 0" "$?" 0
[ -f "$T/cache/results/net1-$id-eth1" ] && ok "second attachment cached" || not_ok "second attachment cached"
CV add net1 /run/netns/ns1 -i eth2 >/dev/null
is "-i eth2 add exits 0" "$?" 0
ip -n ns1 link show eth2 >/dev/null 2>&1 && ok "-i names the interface" || not_ok "-i names the interface"

CAP_ARGS='{"ips":["10.244.210.99/24"]}' CV add net1 /run/netns/ns1 -i eth3 >/dev/null
is "CAP_ARGS ips add exits 0" "$?" 0
like "CAP_ARGS reached host-local" "$(ip -n ns1 -o -4 addr show dev eth3)" "10\.244\.210\.99/24"
like "cache keeps capabilityArgs" "$(json_get "$(cat "$T/cache/results/net1-$id-eth3")" capabilityArgs)" '10.244.210.99'

err=$(CNI_ARGS='bad' CV add net1 /run/netns/ns1 -i eth4 2>&1)
is "bad CNI_ARGS pair: exit 1" "$?" 1
like "bad CNI_ARGS message" "$err" "invalid CNI_ARGS pair"

for i in eth0 eth1 eth2 eth3; do
	CV del net1 /run/netns/ns1 -i $i
	is "del $i exits 0" "$?" 0
done
is "all cache files removed" "$(ls "$T/cache/results")" ""
is "no leases left" "$(leases)" ""
is "no interfaces left in the netns" "$(ip -n ns1 -o link show | grep -vc ' lo:')" 0
CV del net1 /run/netns/ns1
is "del again exits 0" "$?" 0

# status: no-op below 1.1.0, executes the plugins at 1.1.0.
CV status net1
is "status (1.0.0, no exec) exits 0" "$?" 0
cat >"$T/conf/20-v11.conflist" <<EOC
{"cniVersion":"1.1.0","name":"v11","plugins":[{"type":"bridge","bridge":"vb1",
 "ipam":{"type":"host-local","subnet":"10.244.211.0/24"}}]}
EOC
err=$(CV status v11 --timing 2>&1)
is "status (1.1.0) exits 0" "$?" 0
like "status executed the plugin" "$err" "timing: STATUS +v11 +bridge"

# gc NET like cnitool: no valid list, every cached attachment of the network goes.
CV add v11 /run/netns/ns1 >/dev/null
[ -n "$(leases)" ] && ok "v11 lease taken" || not_ok "v11 lease taken"
err=$(CV gc v11 --timing 2>&1)
is "gc v11 exits 0" "$?" 0
like "gc DELeted the cached attachment" "$err" "timing: DEL +v11"
like "gc sent GC to the plugin" "$err" "timing: GC +v11 +bridge"
is "gc removed the cache file" "$(ls "$T/cache/results")" ""
is "gc released the lease" "$(leases)" ""

# Single-plugin .conf files are found by name and wrapped into a list, as libcni does.
cat >"$T/conf/30-single.conf" <<EOC
{"cniVersion":"0.4.0","name":"single","type":"bridge","bridge":"vb2",
 "ipam":{"type":"host-local","subnet":"10.244.212.0/24"}}
EOC
out=$(CV add single /run/netns/ns1)
is "add from a .conf file exits 0" "$?" 0
like "result in 0.4.0 shape" "$(json_get "$out" cniVersion)" "0.4.0"
conf=$(json_get "$(cat "$T/cache/results/single-$id-eth0")" config | base64 -d)
is "cached config is the upconverted list" "$(json_get "$conf" plugins.0.type)" bridge
CV check single /run/netns/ns1
is "check 0.4.0 exits 0" "$?" 0
CV del single /run/netns/ns1
is "del from a .conf file exits 0" "$?" 0

# A conflist wins over a .conf of the same name.
cat >"$T/conf/40-dup.conf" <<EOC
{"cniVersion":"1.0.0","name":"net1","type":"nosuchplugin"}
EOC
CV add net1 /run/netns/ns1 >/dev/null
is "conflist preferred over .conf with the same name" "$?" 0
CV del net1 /run/netns/ns1
rm "$T/conf/40-dup.conf"

# Errors: unknown network, missing plugin, plugin error with its code.
err=$(CV add nosuch /run/netns/ns1 2>&1)
is "unknown network: exit 1" "$?" 1
like "unknown network message" "$err" 'no net configuration with name "nosuch"'
cat >"$T/conf/50-broken.conflist" <<EOC
{"cniVersion":"1.0.0","name":"broken","plugins":[{"type":"bridge","bridge":"vb3",
 "ipam":{"type":"host-local","subnet":"10.244.213.0/33"}}]}
EOC
err=$(CV add broken /run/netns/ns1 2>&1)
is "plugin error: exit 1" "$?" 1
like "plugin error is reported with its code" "$err" 'plugin type="bridge" failed \(add\): .*\(code [0-9]+\)'
CV del broken /run/netns/ns1 2>/dev/null
cat >"$T/conf/60-missing.conflist" <<EOC
{"cniVersion":"1.0.0","name":"missing","plugins":[{"type":"nosuchplugin"}]}
EOC
err=$(CV add missing /run/netns/ns1 2>&1)
like "missing plugin message" "$err" 'failed to find plugin "nosuchplugin"'
CV add 2>/dev/null
is "usage error: exit 2" "$?" 2

is "nothing cached at the end" "$(ls "$T/cache/results")" ""
is "no leases at the end" "$(leases)" ""
is "no veths at the end" "$(ip -o link show type veth)" ""
ip netns del ns1
for b in vb0 vb1 vb2 vb3; do ip link del $b 2>/dev/null; done
done_testing
