#!/bin/bash
# host-local: what a crash can leave behind (a temp file, an empty or half-written lease, a
# garbage cursor, a process killed while holding the lock) never breaks the store, and the next
# request under the lock cleans it up.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

C=$(hl_conf cr "$V4")
mkdir -p $D/cr
printf 'c1\r\neth0' >$D/cr/.tmp-host-local.99999            # our temp file, crashed before link
: >$D/cr/10.231.1.2                                          # reference crashed between create and write (plugins#498)
printf '\0\0\0' >$D/cr/10.231.1.3                            # garbage
printf 'zz' >$D/cr/last_reserved_ip.0                        # garbage cursor
printf 'c1\r\neth0' >$D/cr/.tmp-host-local.99998.cursor.0    # cursor temp
hl ADD "$C" c1
is "ADD works over crash leftovers" "$RC" 0
is "garbage cursor ignored: starts at rangeStart, empty lease recovered" "$(ips)" "10.231.1.2/24"
is "leftovers removed, cursor rewritten" "$(ls -A $D/cr | tr '\n' ' ')" ".owners 10.231.1.2 last_reserved_ip.0 lock "
is "cursor valid" "$(cat $D/cr/last_reserved_ip.0)" "10.231.1.2"
hl DEL "$C" c1
is "DEL" "$(leases cr)" ""

# DEL (scan) and GC also recover
: >$D/cr/10.231.1.7
printf 'c2\r\neth0' >$D/cr/.tmp-host-local.12345
hl DEL "$C" c2
is "DEL without prevResult recovers leftovers" "$(leases cr)" ""
: >$D/cr/10.231.1.8
cni GC "$(hl_conf cr "$V4" 1.1.0 '"cni.dev/valid-attachments":[]')"
is "GC recovers leftovers" "$(leases cr)" ""

# kill -9 while waiting for and while holding the lock
flock $D/cr/lock sleep 3 &
holder=$!
for _ in $(seq 1 100); do flock -n $D/cr/lock true || break; sleep 0.05; done # until it is held
echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=k1 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN $BIN/host-local >/dev/null 2>&1 &
victim=$!
sleep 0.3
kill -9 $victim
wait $victim 2>/dev/null
wait $holder
is "ADD killed while waiting left nothing" "$(leases cr)" ""
hl ADD "$C" k2
is "next ADD fine after a killed waiter" "$RC" 0
killed=0
for i in $(seq 1 30); do
	echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=kk$i CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN $BIN/host-local >/dev/null 2>&1 &
	p=$!
	sleep 0.0$((RANDOM % 10))
	kill -9 $p 2>/dev/null && killed=$((killed + 1))
	wait $p 2>/dev/null
done
ok "killed $killed ADDs at random points"
bad=0
for f in $D/cr/10.231.1.*; do
	[ -s "$f" ] || bad=$((bad + 1))
	[[ $(tr '\r\n' '|#' <"$f") =~ ^k[a-z0-9]+\|#eth0$ ]] || bad=$((bad + 1))
done
is "no lease is empty or half written after kill -9" "$bad" 0
hl ADD "$C" k3
is "store usable after the kills" "$RC" 0
for i in $(seq 1 30); do hl DEL "$C" kk$i; done
hl DEL "$C" k2; hl DEL "$C" k3
is "all released" "$(leases cr)" ""
is "only lock, cursor and the owner index remain" "$(ls -A $D/cr | tr '\n' ' ')" ".owners last_reserved_ip.0 lock "
is "... with no entry" "$(owners cr)" ""
# a read-only data dir without a lock file: DEL and GC with nothing to release still succeed
mkdir -p "$T/ro" && mount -t tmpfs -o size=1m tmpfs "$T/ro" && mkdir -p "$T/ro/rnet" &&
	mount -o remount,ro "$T/ro"
CRO=$(hl_conf rnet "$V4,\"dataDir\":\"$T/ro\"" 1.1.0)
hl DEL "$CRO" ro1
is "DEL on a read-only dataDir with nothing to release" "$RC" 0
cni GC "$(hl_conf rnet "$V4,\"dataDir\":\"$T/ro\"" 1.1.0 '"cni.dev/valid-attachments":[]')"
is "GC on a read-only dataDir with nothing to release" "$RC" 0
hl ADD "$CRO" ro1
is "ADD on a read-only dataDir: I/O error" "$(code)" 5
umount "$T/ro"

done_testing
