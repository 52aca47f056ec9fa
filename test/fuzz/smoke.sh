#!/bin/bash
# One ADD/CHECK/DEL (+ second DEL) per plugin: bridge with host-local IPAM, host-local alone,
# and cnictl's one-shot verbs when it has them. Run inside test/integration/sandbox.sh by
# `make valgrind` with VG_WRAP="valgrind ..." (every plugin exec goes through a wrapper in
# CNI_PATH, so host-local delegated from bridge is checked too); without VG_WRAP it is a plain
# smoke test.
source "$(dirname "$0")/../integration/lib.sh"
W=$T/wrap
mkdir -p "$W"
for p in bridge host-local; do
	printf '#!/bin/sh\nexec %s %s "$@"\n' "${VG_WRAP:-}" "$BIN/$p" >"$W/$p"
	chmod +x "$W/$p"
done
PLUGIN_DIR=$W
netns_new smoke

IPAM='"ipam":{"type":"host-local","ranges":[[{"subnet":"10.99.0.0/24"}],[{"subnet":"fd00:99::/64"}]],"routes":[{"dst":"0.0.0.0/0"}]}'
BR='{"cniVersion":"1.0.0","name":"smoke","type":"bridge","bridge":"smk0","isGateway":true,"ipMasq":true,'$IPAM'}'
with_prev() {
	python3 -c 'import json,sys
c=json.loads(sys.argv[1]); c["prevResult"]=json.loads(sys.argv[2]); print(json.dumps(c))' "$1" "$2"
}
E=(CNI_CONTAINERID=smoke1 CNI_NETNS=/run/netns/smoke CNI_IFNAME=eth0)

CNI_TYPE=bridge cni ADD "$BR" "${E[@]}"
is "bridge ADD" "$RC" 0 || cat "$T/stderr"
R=$OUT
CNI_TYPE=bridge cni CHECK "$(with_prev "$BR" "$R")" "${E[@]}"
is "bridge CHECK" "$RC" 0
CNI_TYPE=bridge cni DEL "$(with_prev "$BR" "$R")" "${E[@]}"
is "bridge DEL" "$RC" 0
CNI_TYPE=bridge cni DEL "$BR" "${E[@]}"
is "bridge DEL again" "$RC" 0
CNI_TYPE=bridge cni ADD '{"cniVersion":"1.0.0","name":"smoke","type":"bridge","bridge":"../x"}' "${E[@]}"
is "bridge refuses a bad config" "$RC" 1

HL='{"cniVersion":"1.0.0","name":"smoke-hl","type":"host-local",'$IPAM'}'
CNI_TYPE=host-local cni ADD "$HL" "${E[@]}"
is "host-local ADD" "$RC" 0
CNI_TYPE=host-local cni CHECK "$(with_prev "$HL" "$OUT")" "${E[@]}"
is "host-local CHECK" "$RC" 0
CNI_TYPE=host-local cni DEL "$HL" "${E[@]}"
is "host-local DEL" "$RC" 0
CNI_TYPE=host-local cni DEL "$HL" "${E[@]}"
is "host-local DEL again" "$RC" 0
CNI_TYPE=host-local cni ADD '{"cniVersion":"1.0.0","name":"smoke-hl","ipam":{"type":"host-local"}}' "${E[@]}"
is "host-local refuses a config without ranges" "$RC" 1
CNI_TYPE=host-local cni VERSION '{"cniVersion":"0.4.0"}'
is "host-local VERSION" "$RC" 0

# cnictl one-shot verbs (cnitool-compatible): add/check/del NET NETNS, conflist from NETCONFPATH.
if [ -x "$BIN/cnictl" ] && "$BIN/cnictl" --help 2>&1 | grep -qw add; then
	mkdir -p "$T/net.d"
	echo '{"cniVersion":"1.0.0","name":"smokectl","plugins":[{"type":"bridge","bridge":"smk1",'"$IPAM"'}]}' \
		>"$T/net.d/10-smokectl.conflist"
	sed -i 's/10.99.0.0/10.98.0.0/; s/fd00:99::/fd00:98::/' "$T/net.d/10-smokectl.conflist"
	ctl() { NETCONFPATH=$T/net.d CNI_PATH=$W ${VG_WRAP:-} "$BIN/cnictl" "$@" >"$T/ctl.out" 2>&1; }
	ctl add smokectl /run/netns/smoke
	is "cnictl add" "$?" 0 || cat "$T/ctl.out"
	ctl check smokectl /run/netns/smoke
	is "cnictl check" "$?" 0 || cat "$T/ctl.out"
	ctl del smokectl /run/netns/smoke
	is "cnictl del" "$?" 0 || cat "$T/ctl.out"
	ctl del smokectl /run/netns/smoke
	is "cnictl del again" "$?" 0
else
	skip "cnictl add/check/del" "cnictl has no one-shot verbs yet"
fi

is "no veth left in the container" "$(ip -n smoke -o link show type veth | wc -l)" 0
is "no veth left on the host" "$(ip -o link show type veth | wc -l)" 0
is "no lease left" "$(find /var/lib/cni/networks -type f ! -name lock ! -name 'last_reserved_ip.*' ! -path '*/.owners/*' 2>/dev/null | wc -l)" 0
ip netns del smoke
done_testing
