#!/bin/bash
# A node nobody prepared: the sandbox really has no /etc/cni, /var/lib/cni, /opt/cni and an
# empty /run (writes there stay private), and from that state bridge ADD/CHECK/DEL work for an
# L2-only network, host-local with its dataDir elsewhere, an IPAM that is not host-local,
# default host-local, a read-only /var/lib/cni (no state record: DEL goes by the netns, and
# leaves what is not provably this attachment's) and a containerID too long for a record's file
# name. cnictl works there too. Each case ends with DEL, nothing left, and DEL again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

# --- the sandbox is a fresh node ---
for d in /etc/cni /var/lib/cni /opt/cni; do
	if [ -e "$d" ] || [ -L "$d" ]; then not_ok "no $d" "$(ls -ld "$d")"; else ok "no $d"; fi
done
is "/run is empty" "$(ls -A /run)" ""
is "/run is a tmpfs" "$(stat -f -c %T /run)" tmpfs
[ -e /etc/passwd ] && [ -d /var/lib/dpkg ] && ok "the rest of /etc and /var/lib is there" ||
	not_ok "the rest of /etc and /var/lib is there"
probe=fresh-node-probe-$$
mkdir -p /etc/cni /var/lib/cni /opt/cni && touch /etc/cni/$probe /var/lib/cni/$probe /opt/cni/$probe
if [ "$(readlink /proc/1/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; then
	is "writes to the CNI dirs stay in the sandbox" \
		"$(ls /proc/1/root/etc/cni/$probe /proc/1/root/var/lib/cni/$probe \
			/proc/1/root/opt/cni/$probe 2>/dev/null)" ""
else
	skip "writes to the CNI dirs stay in the sandbox" "PID 1 shares our mount namespace"
fi
rm -rf /etc/cni /var/lib/cni /opt/cni
[ ! -e /var/lib/cni ] && ok "and are undone by rm" || not_ok "and are undone by rm"

netns_new f1
NS=/run/netns/f1
LEASES=$T/leases

# cycle DESC CONF : from no /var/lib/cni: ADD, CHECK, DEL, nothing left, DEL again.
# RECORD=0: no state record is expected while attached.
cycle() {
	local desc=$1 c=$2 net
	net=$(json_get "$c" name)
	[ -d /var/lib/cni ] && ! mountpoint -q /var/lib/cni && rm -rf /var/lib/cni
	br ADD "$c" fn1 $NS; ok_rc "$desc: ADD"
	local res=$OUT
	[ "${RECORD:-1}" = 0 ] &&
		like "$desc: ADD warns" "$(cat "$T/stderr")" 'going on without a state record'
	is "$desc: veth pair made" "$(host_veths)/$(ns_links f1)" 1/1
	is "$desc: state record" "$(records "$net")" "${RECORD:-1}"
	br CHECK "$(prev "$c" "$res")" fn1 $NS; ok_rc "$desc: CHECK"
	br DEL "$(prev "$c" "$res")" fn1 $NS; ok_rc "$desc: DEL"
	is "$desc: nothing left" "$(host_veths)/$(ns_links f1)/$(leases "$net")/$(records "$net")" \
		0/0/0/0
	br DEL "$c" fn1 $NS; ok_rc "$desc: DEL again"
}

# (a) L2-only: nothing but the bridge's own record needs /var/lib/cni
cycle "L2-only" "$(conf 1.0.0 fl2 fnbr0 none)"

# (b) host-local with dataDir elsewhere
C='{"cniVersion":"1.0.0","name":"fdd","type":"bridge","bridge":"fnbr1","isGateway":true,
 "ipam":{"type":"host-local","subnet":"10.231.91.0/24","dataDir":"'$LEASES'"}}'
cycle "dataDir elsewhere" "$C"
is "dataDir elsewhere: no lease dir under /var/lib/cni" "$(ls -A /var/lib/cni)" bridge
is "dataDir elsewhere: its lease released" "$(find "$LEASES/fdd" -type f -name '10.*' | wc -l)" 0

# (c) an IPAM that is not host-local: a fixed answer from a script in CNI_PATH, and Debian's
# static when installed
mkdir -p "$T/ipam"
cat >"$T/ipam/fixed-ipam" <<'EOS'
#!/bin/sh
cat >/dev/null
case $CNI_COMMAND in
ADD) echo '{"cniVersion":"1.0.0","ips":[{"address":"10.231.92.5/24","gateway":"10.231.92.1"}],"routes":[{"dst":"0.0.0.0/0"}]}' ;;
VERSION) echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
esac
EOS
chmod +x "$T/ipam/fixed-ipam"
C='{"cniVersion":"1.0.0","name":"ffx","type":"bridge","bridge":"fnbr2","isGateway":true,
 "ipam":{"type":"fixed-ipam"}}'
IPAM_PATH=$T/ipam:$BIN cycle "fixed-answer IPAM" "$C"
if [ -x "$REF/static" ]; then
	C='{"cniVersion":"1.0.0","name":"fst","type":"bridge","bridge":"fnbr3",
	 "ipam":{"type":"static","addresses":[{"address":"10.231.93.5/24"}]}}'
	IPAM_PATH=$BIN:$REF cycle "static IPAM" "$C"
else
	skip "static IPAM" "no $REF/static"
fi

# (d) default host-local
cycle "default host-local" "$(conf 1.0.0 fhl fnbr4 10.231.94.0/24)"

# (e) /var/lib/cni read-only, dataDir elsewhere: no record, and DEL still removes the veth
rm -rf /var/lib/cni
mkdir /var/lib/cni && mount -t tmpfs -o ro,mode=0755 tmpfs /var/lib/cni
C='{"cniVersion":"1.0.0","name":"fro","type":"bridge","bridge":"fnbr5","ipMasq":true,
 "ipam":{"type":"host-local","subnet":"10.231.95.0/24","dataDir":"'$LEASES'"}}'
RECORD=0 cycle "read-only /var/lib/cni" "$C"
# ... and DEL without a record leaves what nothing proves to be this attachment's
br ADD "$C" fn1 $NS; ok_rc "read-only: ADD for the ownership checks"
R=$OUT
other=$(prev "$C" "$(echo "$R" | sed 's/"mac":[[:space:]]*"[0-9a-f:]*"/"mac":"02:00:00:00:00:01"/g')")
br DEL "$other" fn1 $NS; ok_rc "read-only: DEL with a prevResult of another MAC succeeds"
is "... and leaves the veth" "$(host_veths)/$(ns_links f1)" 1/1
like "... saying why" "$(cat "$T/stderr")" 'another MAC than prevResult'
ip -n f1 link add fnx1 type bridge
br DEL "$C" fn1 $NS fnx1; ok_rc "read-only: DEL of an ifname that is no veth succeeds"
is "... and leaves it" "$(ip -n f1 -o link show fnx1 | wc -l)" 1
ip -n f1 link del fnx1
ip link add fnbrx type bridge
ip link add fnv0 type veth peer name fnv1 netns f1
ip link set fnv0 master fnbrx
br DEL "$C" fn1 $NS fnv1; ok_rc "read-only: DEL of a veth on another bridge succeeds"
is "... and leaves it" "$(ip -o link show fnv0 | wc -l)" 1
ip link del fnv0
ip link del fnbrx
br DEL "$(prev "$C" "$R")" fn1 $NS; ok_rc "read-only: DEL with the right prevResult"
is "read-only: nothing left" "$(host_veths)/$(ns_links f1)/$(find "$LEASES/fro" -type f -name '10.*' | wc -l)" 0/0/0
br DEL "$C" fn1 $NS; ok_rc "read-only: DEL again"
umount /var/lib/cni
rmdir /var/lib/cni

# (f) a containerID of 300 bytes (the skeleton takes up to 1024): too long for a record's file
# name on most file systems, fine for the reference
long=$(printf 'c%.0s' $(seq 300))
C=$(conf 1.0.0 flg fnbr7 10.231.97.0/24)
br ADD "$C" "$long" $NS; ok_rc "300-byte containerID: ADD"
R=$OUT
br CHECK "$(prev "$C" "$R")" "$long" $NS; ok_rc "300-byte containerID: CHECK"
br DEL "$(prev "$C" "$R")" "$long" $NS; ok_rc "300-byte containerID: DEL"
is "300-byte containerID: nothing left" "$(host_veths)/$(ns_links f1)/$(leases flg)/$(records flg)" 0/0/0/0
br DEL "$C" "$long" $NS; ok_rc "300-byte containerID: DEL again"

# --- cnictl on a fresh node: its defaults (conf /etc/cni/net.d, cache /var/lib/cni, state
# /run/cnictl); the network config is the one thing an admin must have written ---
rm -rf /var/lib/cni
mkdir -p /etc/cni/net.d
cat >/etc/cni/net.d/10-fctl.conflist <<EOC
{"cniVersion":"1.0.0","name":"fctl","plugins":[{"type":"bridge","bridge":"fnbr6",
 "isGateway":true,"ipam":{"type":"host-local","subnet":"10.231.96.0/24"}}]}
EOC
export CNI_PATH=$BIN
out=$("$BIN/cnictl" add fctl $NS 2>&1)
is "cnictl add exits 0" "$?" 0
like "cnictl add prints the result" "$(json_get "$out" ips.0.address 2>/dev/null)" '^10\.231\.96\.'
"$BIN/cnictl" check fctl $NS
is "cnictl check exits 0" "$?" 0
"$BIN/cnictl" del fctl $NS
is "cnictl del exits 0" "$?" 0
is "cnictl: nothing left" "$(host_veths)/$(ns_links f1)/$(leases fctl)/$(ls /var/lib/cni/results)" 0/0/0/
"$BIN/cnictl" del fctl $NS
is "cnictl del again exits 0" "$?" 0
out=$("$BIN/cnictl" run -- true 2>&1)
is "cnictl run on the built-in network exits 0" "$?" 0
[ -n "$out" ] && echo "$out" | sed 's/^/# /'
is "cnictl run: nothing left" "$(host_veths)/$(ls /run/netns)/$(leases cnictl)" 0/f1/0
unset CNI_PATH
rm -rf /etc/cni

ip netns del f1
for b in fnbr0 fnbr1 fnbr2 fnbr3 fnbr4 fnbr5 fnbr6 fnbr7 cnictl0; do ip link del "$b" 2>/dev/null; done
is "no link left" "$(ip -o link show | grep -vc ' lo:')" 0
done_testing
