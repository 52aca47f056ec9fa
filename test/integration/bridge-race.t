#!/bin/bash
# ADD racing DEL of the same attachment (runtimes should not, but a node must stay consistent):
# one attachment's verbs exclude each other, so each container ends either fully attached (an
# address with exactly one lease naming it, a state record) or fully detached (no interface, no
# lease, no record, no host veth). Before the attachment lock, 7-8 of 20 ended with an address
# and no lease. Also: GC leaves alone an attachment whose verb is still running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

N=20
C=$(conf 1.0.0 race rc0 10.232.40.0/24 '"isGateway":true,"ipMasq":true')
for i in $(seq $N); do netns_new r$i; done

# ADD of container i, then its DEL after (i-1) x 0.7 ms: the DEL's start sweeps the whole
# ADD (about 1 ms to its IPAM call, 3-15 ms to its end here).
for i in $(seq $N); do
	(br ADD "$C" ctr$i /run/netns/r$i) &
	sleep "$(printf '0.%04d' $(((i - 1) * 7)))"
	(br DEL "$C" ctr$i /run/netns/r$i) &
done
wait

lease_of() { # ID: the addresses whose lease holds "<ID>\r\neth0"
	local f
	for f in "$HL_DIR"/race/10.*; do
		[ -f "$f" ] && [ "$(cat "$f")" = "$1"$'\r\neth0' ] && basename "$f"
	done
}
attached=0 detached=0 broken=()
for i in $(seq $N); do
	addr=$(ip -n r$i -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}' | cut -d/ -f1)
	lease=$(lease_of ctr$i)
	if [ -n "$addr" ]; then
		if [ "$lease" = "$addr" ] && [ "$(records race | tr -d ' ')" -gt 0 ]; then
			attached=$((attached + 1))
		else
			broken+=("ctr$i: address $addr, lease '${lease}'")
		fi
	elif [ -z "$lease" ] && ! ip -n r$i link show eth0 >/dev/null 2>&1; then
		detached=$((detached + 1))
	else
		broken+=("ctr$i: no address, lease '${lease}', eth0 $(ip -n r$i -o link show eth0 2>/dev/null | wc -l)")
	fi
done
is "each of $N ADD/DEL races ends attached ($attached) or detached ($detached), nothing half" \
	"${#broken[@]}" 0
[ ${#broken[@]} -gt 0 ] && printf '#   %s\n' "${broken[@]}"
is "host veths = attached containers" "$(host_veths)" "$attached"
is "no address leased twice" "$(find "$HL_DIR/race" -maxdepth 1 -name '10.*' -exec cat {} + | tr '\r' ' ' | sort | uniq -d | wc -l)" 0

for i in $(seq $N); do br DEL "$C" ctr$i /run/netns/r$i; done
assert_clean race

# GC skips an attachment whose lock is held: hold ctr1's lock (as a running verb would) with a
# helper that keeps a byte-range lock open, then GC with an empty valid list.
br ADD "$C" ctr1 /run/netns/r1; ok_rc "ADD ctr1"
GC_CONF=$(python3 -c 'import json,sys;c=json.loads(sys.argv[1]);c["cniVersion"]="1.1.0";c["cni.dev/valid-attachments"]=[];print(json.dumps(c))' "$C")
python3 - "$T/held" <<'PY' &
import fcntl, os, struct, sys, time
def fnv(names):
    h = 0xcbf29ce484222325
    for n in names:
        for b in n.encode() + b"\0":
            h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
fd = os.open("/run/cni/attachments.lock", os.O_RDWR | os.O_CREAT, 0o600)
F_OFD_SETLK = 37
fcntl.fcntl(fd, F_OFD_SETLK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, fnv(["race", "ctr1", "eth0"]) >> 2, 1, 0))
open(sys.argv[1], "w").close()
time.sleep(30)
PY
holder=$!
for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.05; done
CNI_TYPE=bridge cni GC "$GC_CONF"; ok_rc "GC with ctr1's verb running"
is "GC left the busy attachment's veth and lease" "$(host_veths)/$(leases race)" 1/1
kill "$holder"; wait "$holder" 2>/dev/null
CNI_TYPE=bridge cni GC "$GC_CONF"; ok_rc "GC once it is idle"
is "GC removed them then" "$(host_veths)/$(leases race)" 0/0
br DEL "$C" ctr1 /run/netns/r1; ok_rc "DEL ctr1"
assert_clean race
# A runtime's timeout kills the bridge but not the IPAM plugin it executed (Go's
# exec.CommandContext kills the direct child only). The lock is passed to that child, so the
# runtime's DEL waits for the orphaned host-local ADD and then releases what it took.
mkdir -p "$T/slow"
printf '#!/bin/sh\n[ "$CNI_COMMAND" = ADD ] && sleep 0.3\nexec %s/host-local "$@"\n' "$BIN" >"$T/slow/host-local"
chmod +x "$T/slow/host-local"
(echo "$C" | exec env CNI_COMMAND=ADD CNI_PATH="$T/slow" CNI_CONTAINERID=orph CNI_NETNS=/run/netns/r1 \
	CNI_IFNAME=eth0 "$BIN/bridge" >/dev/null 2>&1) 2>/dev/null &
pid=$!
sleep 0.05
kill -9 "$pid"
wait "$pid" 2>/dev/null
IPAM_PATH=$T/slow br DEL "$C" orph /run/netns/r1; ok_rc "the runtime's DEL after killing the bridge mid-ADD"
sleep 0.5 # anything the orphan still did would have landed by now
is "no lease outlives that DEL" "$(leases race)" 0
assert_clean race
for i in $(seq $N); do ip netns del r$i; done
done_testing
