#!/bin/bash
# Key spellings through libcni 1.1.2 (test/interop/cnidrive) and cnictl: a spy plugin records
# the stdin each runtime hands it for a plugin entry whose keys are spelled in other cases
# ("Name", "CNIVersion", "RuntimeConfig", "runtimeconfig", "Capabilities", "IPMasq").
# libcni re-marshals the entry from a Go map (keys in byte order, other spellings kept next to
# the injected "name", "cniVersion", "runtimeConfig") and reads "Capabilities" as the struct
# field capabilities; cnictl must hand over the same keys in the same order and values, except
# that it drops capabilities (SPEC.md: must not be set). A list's own keys are map keys:
# "Name" is no name to either. A single-plugin .conf is found by "NAME" by both.
source "$(dirname "$0")/lib.sh"
source "$ROOT/test/interop/lib.sh"
interop_init
CNICTL=$BIN/cnictl
mkdir -p "$T/plugins"
cat >"$T/plugins/spy" <<'EOS'
#!/usr/bin/python3
import json, os, sys
raw = sys.stdin.read()
cmd = os.environ.get("CNI_COMMAND", "")
with open(os.path.join(os.environ["SPY_DIR"], os.environ["SPY_SIDE"] + "." + cmd), "w") as f:
    f.write(raw)
if cmd == "ADD":
    print(json.dumps({"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.2/24"}]}))
elif cmd == "VERSION":
    print(json.dumps({"cniVersion": "1.0.0", "supportedVersions": ["0.4.0", "1.0.0"]}))
EOS
chmod +x "$T/plugins/spy"
export SPY_DIR=$T CNI_PATH=$T/plugins
DRIVE_PATH=$T/plugins
netns_new k1
NS=/run/netns/k1
MAC=0a:58:0a:4e:00:2b

# view FILE : top-level keys in order, then the whole value with sorted keys; capabilities in
# any spelling dropped
view() {
	"$PY" - "$1" <<'EOF'
import collections, json, sys
try:
    c = json.load(open(sys.argv[1]), object_pairs_hook=collections.OrderedDict)
except Exception as e:
    print("<unreadable: %s>" % e)
    sys.exit()
for k in [k for k in c if k.lower() == "capabilities"]:
    del c[k]
# libcni 1.1.2 prints an empty "dns" in a 1.0.0 prevResult, HEAD and cnictl omit it
if isinstance(c.get("prevResult"), dict) and c["prevResult"].get("dns") == {}:
    del c["prevResult"]["dns"]
print(",".join(c))
print(json.dumps(c, sort_keys=True))
EOF
}
ctl() { # VERB NET : cnictl with its own cache
	OUT=$(env SPY_SIDE=ctl "$CNICTL" "$1" --cache-dir "$T/ctlcache" "$2" "$NS" 2>"$T/ctl.err")
	RC=$?
}

conf_put kc '{"cniVersion":"1.0.0","name":"kc","plugins":[{"type":"spy","Name":"wrong",
 "CNIVersion":"0.1.0","RuntimeConfig":{"old":1},"runtimeconfig":{"older":1},
 "Capabilities":{"mac":true},"ipMasq":true,"IPMasq":false,"b":{"z":1,"A":[{"y":1,"X":2}]}}]}'
export CAP_ARGS='{"mac":"'$MAC'"}' SPY_SIDE=drive
drive_ok "libcni ADD" add kc $NS
ctl add kc
if [ "$RC" = 0 ]; then ok "cnictl ADD"; else not_ok "cnictl ADD" "$OUT" "$(cat "$T/ctl.err")"; fi
mapfile -t D < <(view "$T/drive.ADD")
mapfile -t C < <(view "$T/ctl.ADD")
is "libcni: keys in byte order, other spellings kept beside the injected ones" "${D[0]}" \
	"CNIVersion,IPMasq,Name,RuntimeConfig,b,cniVersion,ipMasq,name,runtimeConfig,runtimeconfig,type"
is "cnictl: the same keys in the same order" "${C[0]}" "${D[0]}"
is "cnictl: the same values (runtimeConfig from the \"Capabilities\" spelling)" "${C[1]}" "${D[1]}"
like "runtimeConfig holds the mac" "${C[1]}" "\"runtimeConfig\": \\{\"mac\": \"$MAC\"\\}"
drive_ok "libcni DEL" del kc $NS
ctl del kc
is "cnictl DEL" "$RC" 0
is "cnictl DEL: the same request as libcni's" "$(view "$T/ctl.DEL")" "$(view "$T/drive.DEL")"

# A single-plugin file named by "NAME" (types.PluginConf: any case) is found by both.
printf '%s\n' '{"cniVersion":"1.0.0","NAME":"kc1","Type":"spy"}' >"$NETCONFPATH/kc1.conf"
drive_ok "libcni ADD by a .conf's \"NAME\"" add kc1 $NS
ctl add kc1
is "cnictl ADD by a .conf's \"NAME\"" "$RC" 0
is "cnictl: the same request as libcni's" "$(view "$T/ctl.ADD")" "$(view "$T/drive.ADD")"
drive del kc1 $NS
ctl del kc1

# A list's "Name" is not its name (a map key to libcni): neither finds the network.
export NETCONFPATH=$T/badconf
mkdir -p "$NETCONFPATH"
printf '%s\n' '{"cniVersion":"1.0.0","Name":"kc2","plugins":[{"type":"spy"}]}' >"$NETCONFPATH/kc2.conflist"
drive add kc2 $NS
is "libcni refuses a list without \"name\"" "$RC" 1
like "... saying so" "$OUT$(cat "$T/drive.err")" "no name"
ctl add kc2
is "cnictl refuses it too" "$RC" 1
like "... saying so" "$OUT$(cat "$T/ctl.err")" "no name"
done_testing
