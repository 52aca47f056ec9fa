#!/bin/bash
# What plugins receive from cnictl (request config and environment, seen by a spy plugin in
# the chain), CHECK after ADD, and `cnictl gc` at cniVersion 1.1.0: stale cached attachments
# DELeted, live ones passed as cni.dev/valid-attachments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"
mkdir -p "$T/plugins"
O=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN:$T/plugins")

# spy: records env + stdin per command, passes prevResult through on ADD.
cat >"$T/plugins/spy" <<'EOS'
#!/usr/bin/python3
import json, os, sys
conf = json.load(sys.stdin)
cmd = os.environ.get("CNI_COMMAND", "")
rec = {"env": {k: v for k, v in os.environ.items() if k.startswith("CNI_")}, "conf": conf}
with open(os.path.join(os.environ["SPY_DIR"], "spy." + cmd + ".json"), "w") as f:
    json.dump(rec, f)
if cmd == "ADD":
    print(json.dumps(conf["prevResult"]))
elif cmd == "VERSION":
    print(json.dumps({"cniVersion": "1.1.0", "supportedVersions": ["1.0.0", "1.1.0"]}))
EOS
chmod +x "$T/plugins/spy"
export SPY_DIR=$T

cat >"$T/conf/gcnet.conflist" <<EOC
{"cniVersion":"1.1.0","name":"gcnet","plugins":[
 {"type":"bridge","bridge":"gcbr0","isGateway":true,"capabilities":{"ips":true},
  "ipam":{"type":"host-local","subnet":"10.244.230.0/24"}},
 {"type":"spy","capabilities":{"mac":true,"portMappings":true},"extra":{"kept":true}}]}
EOC
# fields FILE PATH... : several json_get lookups with one python start, one value per line.
fields() {
	python3 - "$@" <<'EOP'
import json, sys
try:
    root = json.load(open(sys.argv[1]))
except Exception:
    root = {}
for path in sys.argv[2:]:
    v = root
    for k in path.split("."):
        if isinstance(v, list):
            v = v[int(k)] if int(k) < len(v) else None
        elif isinstance(v, dict):
            v = v.get(k)
        else:
            v = None
    print(json.dumps(v) if isinstance(v, (dict, list)) else ("" if v is None else v))
EOP
}
leases() { cni_leases; }

"$CNICTL" run "${O[@]}" --name live --net gcnet --check --mac 02:11:22:33:44:55 \
	--cni-args FOO=bar -- sleep 1000 &
pid=$!
wait_state live running && ok "live container running (ADD + CHECK passed)" || not_ok "live container running"

mapfile -t F < <(fields "$T/spy.ADD.json" conf.name conf.cniVersion conf.prevResult.ips.0.address \
	conf.runtimeConfig.mac conf.runtimeConfig.ips conf.capabilities conf.extra.kept \
	env.CNI_CONTAINERID env.CNI_NETNS env.CNI_IFNAME env.CNI_ARGS env.CNI_PATH)
is "spy: name injected" "${F[0]}" gcnet
is "spy: cniVersion injected" "${F[1]}" 1.1.0
like "spy: prevResult is bridge's result" "${F[2]}" '^10\.244\.230\.'
is "spy: runtimeConfig has the declared mac" "${F[3]}" 02:11:22:33:44:55
is "spy: undeclared capability args not passed" "${F[4]}" ""
is "spy: capabilities removed" "${F[5]}" ""
is "spy: unknown keys passed through" "${F[6]}" True
is "spy: CNI_CONTAINERID" "${F[7]}" live
is "spy: CNI_NETNS is the bind mount" "${F[8]}" /run/netns/live
is "spy: CNI_IFNAME" "${F[9]}" eth0
is "spy: CNI_ARGS (IgnoreUnknown first, K8S_POD_NAME from --name)" "${F[10]}" "IgnoreUnknown=1;FOO=bar;K8S_POD_NAME=live"
like "spy: CNI_PATH" "${F[11]}" "$T/plugins"
like "spy: CHECK got the cached result as prevResult" "$(fields "$T/spy.CHECK.json" conf.prevResult.ips.0.address)" '^10\.244\.230\.'

# A cnitool-style attachment whose netns is then removed is stale; one whose netns stays is not.
netns_new gone
netns_new kept
C add gcnet /run/netns/gone >/dev/null
C add gcnet /run/netns/kept >/dev/null
gone_id=cnitool-$(printf %s /run/netns/gone | sha512sum | cut -c1-20)
kept_id=cnitool-$(printf %s /run/netns/kept | sha512sum | cut -c1-20)
ip netns del gone
is "three leases before gc" "$(leases | wc -l)" 3

rm -f "$T"/spy.*.json
err=$(C gc --timing 2>&1)
is "gc exits 0" "$?" 0
like "gc DELeted the stale attachment" "$err" "timing: DEL +gcnet"
[ -e "$T/cache/results/gcnet-$gone_id-eth0" ] && not_ok "stale cache entry removed" || ok "stale cache entry removed"
[ -e "$T/cache/results/gcnet-$kept_id-eth0" ] && ok "attachment with a live netns kept" || not_ok "attachment with a live netns kept"
[ -e "$T/cache/results/gcnet-live-eth0" ] && ok "live container's attachment kept" || not_ok "live container's attachment kept"
is "two leases after gc" "$(leases | wc -l)" 2
valid=$(python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))["conf"]
print(" ".join(sorted(a["containerID"]+"/"+a["ifname"] for a in c["cni.dev/valid-attachments"])))' "$T/spy.GC.json" 2>/dev/null)
is "GC got the live attachments as cni.dev/valid-attachments" "$valid" "$(echo "$kept_id/eth0 live/eth0" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
mapfile -t F < <(fields "$T/spy.GC.json" env.CNI_CONTAINERID env.CNI_COMMAND)
is "GC env: no container ID" "${F[0]}" ""
is "GC env: command" "${F[1]}" GC

kill -TERM $pid
wait $pid
is "live stopped: 143" "$?" 143
like "spy: DEL got the cached result as prevResult" "$(fields "$T/spy.DEL.json" conf.prevResult.ips.0.address)" '^10\.244\.230\.'
C del gcnet /run/netns/kept
is "del of the kept attachment" "$?" 0
ip netns del kept
is "no leases left" "$(leases)" ""
is "no cache left" "$(ls "$T/cache/results")" ""
is "no veth left" "$(ip -o link show type veth)" ""
ip link del gcbr0 2>/dev/null
done_testing
