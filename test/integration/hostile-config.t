#!/bin/bash
# Hostile network configurations: plugin paths in ipam.type, wrong JSON types, invalid MACs,
# CIDRs and VLANs, and a data dir prepared by an attacker (symlinked lease and cursor files,
# FIFOs and devices as resolvConf). Rejected with the right code, nothing touched, nothing
# outside the data dir written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

netns_new h2
NS=/run/netns/h2
IPAM='{"type":"host-local","ranges":[[{"subnet":"10.231.61.0/24"}]]}'
bconf() { # [EXTRA-MEMBERS] [IPAM] : bridge config
	local brk='"bridge":"hbr1",'
	[[ ${1:-} == *'"bridge":'* ]] && brk=
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"hcfg\",\"type\":\"bridge\",$brk\"ipam\":${2:-$IPAM}${1:+,$1}}"
}
hconf() { # IPAM-MEMBERS [TOP-LEVEL-EXTRA] : host-local config
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"hcfg\",\"type\":\"host-local\",\"ipam\":{\"type\":\"host-local\",$1}${2:+,$2}}"
}
hl() { # VERB CONF [VAR=VALUE...]
	local verb=$1 c=$2
	shift 2
	CNI_TYPE=host-local cni "$verb" "$c" CNI_CONTAINERID=hc1 CNI_NETNS=$NS CNI_IFNAME=eth0 "$@"
}
b() { # VERB CONF [VAR=VALUE...]
	local verb=$1 c=$2
	shift 2
	br "$verb" "$c" hc1 $NS eth0 "$@"
}
mkdir -p "$T/victim"
echo keep >"$T/victim/file"

# The bridge device exists before (a previous attachment made it): rejected configs must not
# touch it or anything else.
b ADD "$(bconf)"; ok_rc "setup: valid ADD"
b DEL "$(bconf)"; ok_rc "setup: DEL"

# --- plugin paths -------------------------------------------------------------------------
cat >"$T/victim/evil" <<'X'
#!/bin/sh
touch "$(dirname "$0")/ran"
echo '{"cniVersion":"1.0.0","ips":[{"address":"10.231.61.99/24"}]}'
X
chmod +x "$T/victim/evil"
snap_before
for t in "$T/victim/evil" "../../../$T/victim/evil" "../evil" "./host-local" "." ".." "sub/host-local"; do
	b ADD "$(bconf "" "{\"type\":\"$t\",\"ranges\":[[{\"subnet\":\"10.231.61.0/24\"}]]}")"
	rejected "ipam.type '$t' -> 7" 7
done
b ADD "$(bconf "" '{"type":"no-such-plugin"}')"; rejected "ipam.type not in CNI_PATH -> 7" 7
is "no plugin outside CNI_PATH was executed" "$(test -e "$T/victim/ran" && echo ran)" ""
b ADD "$(bconf)" CNI_PATH="$T/victim:$BIN"
is "a CNI_PATH entry is honoured only for the plain name (control)" "$RC" 0
b DEL "$(bconf)" CNI_PATH="$T/victim:$BIN"
snap_before

# --- wrong JSON types and values (bridge) ---------------------------------------------------
for kv in '"mtu":"1500"' '"mtu":1.5' '"mtu":-1' '"mtu":70000' '"isGateway":"true"' '"ipMasq":1' \
	'"hairpinMode":null,"promiscMode":"yes"' '"vlan":4095' '"vlan":-1' '"vlan":"1"' '"bridge":5' \
	'"bridge":"../../x"' '"bridge":"abcdefghijklmnop"' '"bridge":"br 0"' '"bridge":"br:0"' \
	'"bridge":".."' '"ipMasq":true,"ipMasqBackend":"pf"' '"vlanTrunk":[{"minID":20,"maxID":10}]' \
	'"vlanTrunk":[{"id":4095}]' '"vlanTrunk":{"id":1}' '"hairpinMode":true,"promiscMode":true' \
	'"dns":{"nameservers":"1.1.1.1"}' '"runtimeConfig":{"mac":5}' '"args":{"cni":"x"}'; do
	b ADD "$(bconf "$kv")"; rejected "bridge $kv -> 7" 7
done
b ADD "$(bconf "" '[]')"; rejected "bridge ipam as a list -> 7" 7
b ADD "$(bconf "" '{"type":5}')"; rejected "bridge ipam.type as a number -> 7" 7

# --- MACs ------------------------------------------------------------------------------------
for mac in zz:00:00:00:00:01 02:00:00:00:00 02:00:00:00:00:00:01 01:00:5e:00:00:01 \
	ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 "02-00-00-00-00-01x" "" ; do
	[ -z "$mac" ] && continue
	b ADD "$(bconf "\"runtimeConfig\":{\"mac\":\"$mac\"}")"; rejected "runtimeConfig.mac $mac -> 7" 7
done
b ADD "$(bconf '"args":{"cni":{"mac":"02:00:00:00:00:zz"}}')"; rejected "args.cni.mac invalid -> 7" 7
b ADD "$(bconf)" CNI_ARGS="MAC=not-a-mac"; rejected "CNI_ARGS MAC invalid -> 7" 7

# --- CIDRs and ranges (host-local alone and through bridge) ---------------------------------
for r in '{"subnet":"10.231.61.0/33"}' '{"subnet":"10.231.61.300/24"}' '{"subnet":"fd00::/129"}' \
	'{"subnet":"10.231.61.0/-1"}' '{"subnet":"10.231.61.0/ 24"}' '{"subnet":"10.231.61.0/024"}' \
	'{"subnet":"10.231.61.0"}' '{"subnet":"10.231.61.5/24"}' '{"subnet":"10.231.61.0/31"}' \
	'{"subnet":"10.231.61.0/24","rangeStart":"10.231.62.1"}' \
	'{"subnet":"10.231.61.0/24","rangeEnd":"10.231.61.256"}' \
	'{"subnet":"10.231.61.0/24","rangeStart":"10.231.61.9","rangeEnd":"10.231.61.8"}' \
	'{"subnet":"10.231.61.0/24","gateway":"10.231.61"}' '{"subnet":24}' '{}' \
	'{"subnet":"fe80::1%eth0/64"}'; do
	hl ADD "$(hconf "\"ranges\":[[$r]]")"; rejected "host-local range $r -> 7" 7
done
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24\u0000junk"}]]')"
rejected "host-local subnet with an escaped NUL (C would read a valid prefix) -> 6" 6
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24"}]],"routes":[{"dst":"10.0.0.0/8x"}]')"
rejected "host-local route with a bad dst -> 7" 7
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24"}]],"routes":[{"dst":"10.0.0.0/8","gw":"x"}]')"
rejected "host-local route with a bad gw -> 7" 7
hl ADD "$(hconf '"ranges":[]')"; rejected "host-local no ranges -> 7" 7
hl ADD "$(hconf '"ranges":[[]]')"; rejected "host-local empty range set -> 7" 7
hl ADD "$(hconf '"ranges":"10.231.61.0/24"')"; rejected "host-local ranges as a string -> 7" 7
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24"}]],"dataDir":5')"; rejected "host-local dataDir as a number -> 7" 7
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24"}]]' '"runtimeConfig":{"ips":["10.231.61.300"]}')"
rejected "host-local runtimeConfig.ips invalid -> 7" 7
hl ADD "$(hconf '"ranges":[[{"subnet":"10.231.61.0/24"}]]')" CNI_ARGS="IP=10.231.61.300"
rejected "host-local CNI_ARGS IP invalid -> 4" 4
b ADD "$(bconf "" '{"type":"host-local","ranges":[[{"subnet":"10.231.61.0/33"}]]}')"
rejected "bridge passes host-local's code 7 for a bad subnet" 7
b ADD "$(bconf "" '{"type":"host-local","ranges":[[{"subnet":"10.231.61.0/24"}]]}')" CNI_ARGS="IP=10.231.62.5"
rejected "bridge: requested IP outside every range, nothing left" ""
is "victim file untouched" "$(cat "$T/victim/file")" keep

# --- an attacker-prepared data dir ------------------------------------------------------------
D=$T/data
HC=$(hconf "\"ranges\":[[{\"subnet\":\"10.231.61.0/29\"}]],\"dataDir\":\"$D\"")
mkdir -p "$D/hcfg"
ln -s "$T/victim/file" "$D/hcfg/10.231.61.2"
ln -s "$T/victim/cursor" "$D/hcfg/last_reserved_ip.0"
echo keep >"$T/victim/cursor"
hl ADD "$HC"
is "ADD next to symlinked lease/cursor files succeeds" "$RC" 0
like "the symlinked address is not handed out" "$(json_get "$OUT" ips.0.address)" '^10\.231\.61\.[3-6]/29$'
is "symlink target of a lease not written" "$(cat "$T/victim/file")" keep
is "symlink target of the cursor not written" "$(cat "$T/victim/cursor")" keep
hl DEL "$HC"; ok_rc "DEL"
is "symlink target still intact after DEL" "$(cat "$T/victim/file")" keep
rm -rf "$D"

# The cursor is rewritten in place, but never through a hard link to someone else's file.
mkdir -p "$D/hcfg"
echo keep >"$T/victim/linked"
ln "$T/victim/linked" "$D/hcfg/last_reserved_ip.0"
hl ADD "$HC"
is "ADD next to a hard-linked cursor succeeds" "$RC" 0
is "hard-linked cursor's other name not written" "$(cat "$T/victim/linked")" keep
is "cursor replaced by a file of its own" "$(stat -c %h "$D/hcfg/last_reserved_ip.0") $(cat "$D/hcfg/last_reserved_ip.0")" "1 $(json_get "$OUT" ips.0.address | cut -d/ -f1)"
hl ADD "$HC" CNI_CONTAINERID=hard2
is "second ADD rewrites the own cursor in place" "$(stat -c %h "$D/hcfg/last_reserved_ip.0") $(cat "$D/hcfg/last_reserved_ip.0")" "1 $(json_get "$OUT" ips.0.address | cut -d/ -f1)"
rm -rf "$D"

mkdir -p "$D"
ln -s "$T/victim" "$D/hcfg"
hl ADD "$HC"
if [ "$RC" = 0 ]; then
	hl DEL "$HC"
	ok "network dir as a symlink: followed like the reference (config author owns dataDir)"
else
	like "network dir as a symlink: refused cleanly" "$(json_get "$OUT" code)" '^(5|7|999)$'
fi
rm -rf "$D"

HC2() { hconf "\"ranges\":[[{\"subnet\":\"10.231.61.0/29\"}]],\"resolvConf\":\"$1\""; }
mkfifo "$T/fifo"
mkdir -p "$T/dir"
head -c 200000 /dev/zero | tr '\0' a >"$T/bigresolv"
# A FIFO must not block the plugin (and the network's lock) forever: run under a 10 s timeout.
mkdir -p "$T/tbin"
printf '#!/bin/sh\nexec timeout 10 %s "$@"\n' "$BIN/host-local" >"$T/tbin/host-local"
chmod +x "$T/tbin/host-local"
for f in "$T/fifo" "$T/dir" /dev/zero "$T/bigresolv" "$T/missing"; do
	snap_before
	start=$(date +%s)
	PLUGIN_DIR=$T/tbin hl ADD "$(HC2 "$f")"
	rejected "resolvConf $(basename "$f") -> clean error" ""
	[ $(($(date +%s) - start)) -lt 15 ] && ok "resolvConf $(basename "$f"): no hang" ||
		not_ok "resolvConf $(basename "$f"): took $(($(date +%s) - start)) s"
done

# --- DEL of a hostile config does not delete outside the data dir ----------------------------
snap_before
hl DEL "$(hconf "\"ranges\":[[{\"subnet\":\"10.231.61.0/24\"}]],\"dataDir\":\"$T/victim/..\"")" CNI_CONTAINERID=victim
is "DEL with dataDir pointing above the victim succeeds (nothing owned)" "$RC" 0
is "victim file untouched" "$(cat "$T/victim/file")" keep

# ifname "lo" exists in every netns: ADD must fail without touching it, DEL must not remove it
b ADD "$(bconf)" CNI_IFNAME=lo
is "ADD with CNI_IFNAME=lo fails" "$RC" 1
is "lo still up" "$(ip -n h2 -o link show lo | grep -c UP)" 1
b DEL "$(bconf)" CNI_IFNAME=lo
is "lo survives DEL" "$(ip -n h2 -o link show lo | wc -l)" 1

# cnictl: a conflist whose plugin type is a path must not exec anything
if "$BIN/cnictl" add --help 2>&1 | grep -q 'add|check|del'; then
	mkdir -p "$T/net.d"
	rm -f "$T/victim/ran"
	for t in "$T/victim/evil" "../victim/evil" ".." "./bridge"; do
		echo "{\"cniVersion\":\"1.0.0\",\"name\":\"hctl\",\"plugins\":[{\"type\":\"$t\"}]}" >"$T/net.d/10-hctl.conflist"
		snap_before
		OUT=$(NETCONFPATH=$T/net.d CNI_PATH="$BIN:$T/victim" timeout 20 "$BIN/cnictl" add hctl $NS 2>&1)
		RC=$?
		if [ "$RC" != 0 ] && [ ! -e "$T/victim/ran" ]; then ok "cnictl refuses plugin type '$t'"; else not_ok "cnictl refuses plugin type '$t'" "rc=$RC" "$OUT"; fi
		NETCONFPATH=$T/net.d CNI_PATH="$BIN" timeout 20 "$BIN/cnictl" del hctl $NS >/dev/null 2>&1
	done
	is "no cache entry for the refused network" "$(find /var/lib/cni/results -name 'hctl-*' 2>/dev/null | wc -l)" 0
else
	skip "cnictl plugin type paths" "cnictl has no add verb"
fi

assert_clean hcfg h2
ip netns del h2
done_testing
