#!/bin/bash
# host-local: the owner index (<dataDir>/<net>/.owners/) makes ADD's duplicate check and DEL
# without prevResult independent of the number of leases, without trusting it blindly: every
# entry is verified against the lease it names, and a directory changed by someone else (the
# reference, a crash, a person) is re-indexed before use.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"
# entry OWNER-ID [IFNAME] : path of the index entry of "<id>\r\n<ifname>" ("<id>" when IFNAME is -)
entry() {
	local owner=$1
	[ "${2:-eth0}" != - ] && owner="$1"$'\r\n'"${2:-eth0}"
	printf '%s/%s' "$D/ix/.owners" "$(printf '%s' "$owner" | sha512sum | cut -c1-64)"
}

C=$(hl_conf ix "$DUAL")
hl ADD "$C" a1
A1=$(ips)
is "ADD creates the owner's entry" "$(owners ix)" "$(basename "$(entry a1)")"
is "... listing its two addresses" "$(grep -v '^#' "$(entry a1)" | tr '\n' ' ')" "$(echo "$A1" | sed 's|/[0-9]*||g') "
like "... under a header that is no lease record" "$(head -1 "$(entry a1)")" "^# host-local owner index: a1 eth0$"
hl ADD "$C" a1
like "duplicate ADD refused through the index" "$(msg)" "failed to allocate for range 0: 10.231.2.2 has been allocated to a1, duplicate allocation is not allowed"
is "... code 999" "$(code)" 999
hl ADD "$C" a1 eth1
is "same ID, other ifname: allowed" "$RC" 0

# a stale entry (here: naming someone else's lease, written without touching the directory, so
# the index stays trusted) neither blocks an ADD nor lets DEL release the other owner's lease
hl ADD "$C" b1
B1=$(ips)
printf '# host-local owner index: s1 eth0\n%s\n' "${B1%%/*}" >"$(entry s1)"
hl ADD "$C" s1
is "stale entry naming another owner's lease: ADD succeeds" "$RC" 0
is "... and the entry now lists s1's own addresses" "$(grep -vc '^#' "$(entry s1)")" 2
printf '# host-local owner index: s2 eth0\n%s\n' "${B1%%/*}" >"$(entry s2)"
hl DEL "$C" s2
is "DEL through a stale entry leaves the other owner's lease" "$(cat "$D/ix/${B1%%/*}" | tr '\r\n' '|#')" "b1|#eth0"
is "... and drops the stale entry" "$(test -e "$(entry s2)" && echo present)" ""

# a lease rewritten in place to another owner: the old owner's entry is stale, ignored
hl ADD "$C" w1
W1=$(ips)
printf 'w2\r\neth0' >"$D/ix/${W1%%/*}"
hl ADD "$C" w1
is "lease rewritten to another owner: the old owner's ADD is no duplicate" "$RC" 0
hl DEL "$C" w1
is "... DEL w1 leaves w2's lease" "$(tr '\r\n' '|#' <"$D/ix/${W1%%/*}")" "w2|#eth0"
rm "$D/ix/${W1%%/*}"

# the reference releases our lease: its DEL changes the directory, so we re-index; the stale
# entry neither blocks a new ADD nor survives
if [ -x "$REF/host-local" ]; then
	hl ADD "$C" r1
	ref DEL "$C" r1
	is "reference DEL releases our leases" "$(grep -l '^r1' "$D"/ix/* 2>/dev/null)" ""
	is "... and leaves our entry (not a lease to it)" "$(test -e "$(entry r1)" && echo present)" present
	hl ADD "$C" r1
	is "our ADD after the reference's DEL succeeds" "$RC" 0
	R1=$(ips)
	is "... and the entry lists the new addresses only" "$(grep -v '^#' "$(entry r1)" | tr '\n' ' ')" "$(echo "$R1" | sed 's|/[0-9]*||g') "
	# leases the reference made are indexed before use
	ref ADD "$C" r2
	hl ADD "$C" r2
	like "duplicate of a reference lease refused" "$(msg)" "has been allocated to r2, duplicate allocation is not allowed"
	is "... its entry was built from the lease" "$(grep -vc '^#' "$(entry r2)")" 2
	hl DEL "$C" r2
	is "our DEL (no prevResult) releases the reference's leases" "$(grep -l '^r2' "$D"/ix/* 2>/dev/null)" ""
	# the reference never takes an index file for a lease (it walks into .owners)
	hl ADD "$C" q1
	for f in $(grep -l '^q1' "$D"/ix/* 2>/dev/null); do rm "$f"; done
	ref CHECK "$C" q1
	is "reference CHECK does not take our entry for a lease" "$RC" 1
	ref DEL "$C" q1
	is "reference DEL does not remove our entry" "$(test -e "$(entry q1)" && echo present)" present
	hl DEL "$C" q1
	hl DEL "$C" r1
else
	skip "reference interplay" "no $REF/host-local"
fi

# after a foreign change only the leases changed since the stamp are read (one fstatat for each
# of the others), and that is enough to see a lease the reference just made
if [ -x "$REF/host-local" ] && command -v strace >/dev/null; then
	O=$(hl_conf old "$V4")
	for i in $(seq 1 20); do hl ADD "$O" o$i; done
	sleep 3 # o1..o20 become older than the next stamp's time (2 s before it)
	hl ADD "$O" o21
	ref ADD "$O" n1
	echo "$O" | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 CNI_COMMAND=ADD \
		CNI_CONTAINERID=n1 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN \
		strace -f -e trace=openat,newfstatat -o "$T/st" "$BIN/host-local" >"$T/out" 2>&1
	like "reference lease among 21 older ones: duplicate refused" "$(cat "$T/out")" "has been allocated to n1, duplicate allocation is not allowed"
	opened=$(grep -c 'openat(.*"10\.231\.1\.' "$T/st")
	[ "$opened" -le 3 ] && ok "... reading $opened leases, not 22" || not_ok "... too many lease reads" "$opened"
	is "... after one fstatat per lease" "$(grep -c 'newfstatat(.*"10\.231\.1\.' "$T/st")" 22
	hl DEL "$O" n1
	for i in $(seq 1 21); do hl DEL "$O" o$i; done
	is "... nothing left" "$(leases old) $(owners old)" " "
else
	skip "update after a foreign change reads only changed leases" "no $REF/host-local or strace"
fi

# a lease nobody indexed (a crash between link and entry, or a person): the directory changed,
# so the next request re-indexes and sees it
mkdir -p "$D/ix"
printf 'k1\r\neth0' >"$D/ix/10.231.2.200"
hl ADD "$C" k1
like "hand-made lease seen by the duplicate check" "$(msg)" "10.231.2.200 has been allocated to k1"
hl DEL "$C" k1
is "... and released by DEL" "$(test -e "$D/ix/10.231.2.200" && echo present)" ""
# a legacy ID-only lease has an entry of its own ("<id>")
printf 'k2' >"$D/ix/10.231.2.201"
hl ADD "$C" k2 eth3
like "legacy lease seen by the duplicate check" "$(msg)" "10.231.2.201 has been allocated to k2"
is "... through its legacy entry" "$(test -e "$(entry k2 -)" && echo present)" present
hl DEL "$C" k2 eth3
is "... released by DEL" "$(test -e "$D/ix/10.231.2.201" && echo present)" ""
is "... entry dropped" "$(test -e "$(entry k2 -)" && echo present)" ""

# CHECK without prevResult uses the index too
hl CHECK "$C" a1
is "CHECK without prevResult" "$RC" 0
hl CHECK "$C" nobody
like "CHECK of an unknown container" "$(msg)" "Failed to find address added by container nobody"

# GC drops the entries of the leases it releases
for id in g1 g2 g3; do hl ADD "$C" $id; done
cni GC "$(hl_conf ix "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"g2","ifname":"eth0"},{"containerID":"a1","ifname":"eth0"},{"containerID":"a1","ifname":"eth1"},{"containerID":"b1","ifname":"eth0"},{"containerID":"s1","ifname":"eth0"},{"containerID":"w1","ifname":"eth0"}]')"
is "GC" "$RC" 0
for id in g1 g3; do
	is "GC removed $id's entry" "$(test -e "$(entry $id)" && echo present)" ""
done
is "GC kept g2's entry" "$(test -e "$(entry g2)" && echo present)" present
hl ADD "$C" g2
like "... which still refuses a duplicate" "$(msg)" "has been allocated to g2"
hl ADD "$C" g1
is "g1 can be added again" "$RC" 0

# syscalls of an ADD do not grow with the number of leases
if ! command -v strace >/dev/null; then
	skip "syscall counts" "no strace"
else
	N=$(hl_conf big '"ranges":[[{"subnet":"10.231.16.0/20"}]]')
	# LeakSanitizer cannot run under ptrace (make asan)
	add_trace() { # ID -> "getdents64-calls openat-calls"
		echo "$N" | CNI_COMMAND=ADD CNI_CONTAINERID=$1 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN \
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=getdents64,openat -o "$T/st" "$BIN/host-local" >/dev/null 2>&1
		echo "$(grep -c getdents64 "$T/st") $(grep -c openat "$T/st")"
	}
	for i in $(seq 1 10); do hl ADD "$N" n$i; done
	at10=$(add_trace p10)
	# 290 more leases by hand; the next request indexes them (the directory changed)
	for i in $(seq 11 300); do printf 'n%d\r\neth0' $i >"$D/big/10.231.$((17 + i / 200)).$((i % 200 + 10))"; done
	hl ADD "$N" n301
	is "ADD after 290 unindexed leases" "$RC" 0
	is "... indexed them all" "$(owners big | wc -w)" 302
	at300=$(add_trace p300)
	is "ADD with 10 leases: no directory read" "${at10%% *}" 0
	is "ADD with 300 leases: no directory read" "${at300%% *}" 0
	is "... and as many opens as with 10 (${at10#* })" "${at300#* }" "${at10#* }"
	cni GC "$(hl_conf big '"ranges":[[{"subnet":"10.231.16.0/20"}]]' 1.1.0 '"cni.dev/valid-attachments":[]')"
	is "GC of everything: nothing left" "$(leases big) $(owners big)" " "
fi

for id in a1 b1 s1 w1 g1 g2; do hl DEL "$C" $id; done
hl DEL "$C" a1 eth1
is "nothing left: no lease" "$(leases ix)" ""
is "... and no index entry" "$(owners ix)" ""
hl DEL "$C" a1
is "DEL again succeeds" "$RC" 0
done_testing
