#!/bin/bash
# host-local: GC releases every lease whose (containerID, ifname) is not in
# cni.dev/valid-attachments, does nothing without the key, never touches lock/cursors.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"
gl() { leases gc | tr ' ' '\n' | grep -v README | tr '\n' ' ' | sed 's/ $//'; }

C=$(hl_conf gc "$DUAL" 1.1.0)
for id in g1 g2 g3; do hl ADD "$C" $id; done
hl ADD "$C" g1 eth1
mkdir -p $D/gc
printf 'legacy1' >$D/gc/10.231.2.100
printf 'legacy2' >$D/gc/10.231.2.101
printf 'foreign\r\neth0' >$D/gc/10.231.9.9   # outside the ranges: still this network's lease
echo "not a lease" >$D/gc/README
total=$(gl | wc -w)
is "setup: 11 leases" "$total" 11

cni GC "$C"
is "GC without the key succeeds" "$RC" 0
is "... and releases nothing" "$(gl | wc -w)" "$total"

cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"g1","ifname":"eth0"},{"containerID":"g3","ifname":"eth0"},{"containerID":"legacy1","ifname":"eth0"}]')"
is "GC succeeds" "$RC" 0
is "kept: g1/eth0, g3/eth0 and legacy1 (ID match)" "$(for f in $(gl); do tr '\r\n' '|#' <$D/gc/$f; echo; done | sort | uniq -c | awk '{print $1"x"$2}' | tr '\n' ' ')" "2xg1|#eth0 2xg3|#eth0 1xlegacy1 "
is "lock and cursors untouched" "$(ls -A $D/gc | grep -c -e '^lock$' -e '^last_reserved_ip\.')" 3
is "unrelated files untouched" "$(cat $D/gc/README)" "not a lease"

cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/attachments":[{"containerID":"g1","ifname":"eth0"}]')"
is "legacy key cni.dev/attachments honoured" "$(gl | wc -w)" 2
cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"g1"}]')"
is "malformed attachment: code 7" "$(code)" 7
cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[]')"
is "empty list releases everything" "$(gl)" ""
is "lock and cursors still there" "$(ls -A $D/gc | grep -c -e '^lock$' -e '^last_reserved_ip\.')" 3
cni GC "$(hl_conf never "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[]')"
is "GC of a network without a store succeeds" "$RC" 0
is "... and creates nothing" "$(test -e $D/never && echo exists)" ""

# errors do not stop the sweep: an immutable lease cannot be unlinked (the leases of one ADD
# share an inode, so that is both of im1's), the others go
hl ADD "$C" im1
hl ADD "$C" im2
if chattr +i $D/gc/10.231.2.* 2>/dev/null && last=$(ls $D/gc/10.231.2.* | tail -1) && chattr -i "$last"; then
	cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[]')"
	is "GC reports the lease it could not release" "$RC" 1
	like "... with a count and the cause" "$(msg)" "GC: 2 of 4 stale leases could not be released"
	is "... after releasing the others" "$(gl | wc -w)" 2
	chattr -i $D/gc/10.231.2.*
	cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[]')"
	is "next GC completes" "$(gl)" ""
else
	skip "GC error reporting" "chattr +i unsupported here"
	hl DEL "$C" im1; hl DEL "$C" im2
fi
for i in $(seq 1 20); do hl ADD "$C" m$i; done
cni GC "$(hl_conf gc "$DUAL" 1.1.0 '"cni.dev/valid-attachments":[{"containerID":"m7","ifname":"eth0"}]')"
is "GC over 40 leases keeps only m7's two" "$(gl | wc -w)" 2
hl DEL "$C" m7
hl DEL "$C" m7
rm -f $D/gc/README
is "nothing left" "$(leases gc)" ""
done_testing
