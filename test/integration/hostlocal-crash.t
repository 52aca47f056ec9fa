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

# A power loss: nothing is fsynced, so the disk may keep a lease it never got the content of,
# made long before the last request of that boot. This boot trusts its own stamp and leaves
# such a lease alone (no power loss happened); the first request of the next boot (the stamp
# names the boot) rebuilds the index from a full scan and removes it.
hl ADD "$C" p1
lost=$(ips)
lost=${lost%/*}
: >"$D/cr/$lost" # its content lost, the directory as it was
sleep 3          # the next stamp's time (2 s in its past) is after the loss
hl ADD "$C" p2
is "same boot: the stamp is trusted, the empty lease stays" "$RC $(leases cr | wc -w)" "0 2"
sed -i -E 's/ [0-9a-f-]{36}$/ 00000000-0000-0000-0000-000000000000/' "$D/cr/.owners/stamp"
hl ADD "$C" p3
is "next boot: ADD works" "$RC" 0
grep -q "removing crash leftover \"$D/cr/$lost\"" "$T/stderr" &&
	ok "... the empty lease removed by a full rebuild" ||
	not_ok "... the empty lease removed by a full rebuild" "$(cat "$T/stderr") $(leases cr)"
hl DEL "$C" p2
hl DEL "$C" p3
is "... and nothing else lost or left" "$(leases cr)" ""

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
# every lease a killed ADD left is still seen by the duplicate check (the owner index is rebuilt
# after a crash, never trusted with a lease missing)
missed=0 held=0
for f in $D/cr/10.231.1.*; do
	id=$(head -c 4 "$f" | tr -d '\r')
	[[ $id == kk* ]] || continue
	held=$((held + 1))
	hl ADD "$C" "$id"
	[[ $(msg) == *"duplicate allocation is not allowed"* ]] || missed=$((missed + 1))
done
is "duplicate ADD refused for each of the $held leases left by killed ADDs" "$missed" 0
for i in $(seq 1 30); do hl DEL "$C" kk$i; done
hl DEL "$C" k2; hl DEL "$C" k3
is "all released" "$(leases cr)" ""
is "only lock, cursor and the owner index remain" "$(ls -A $D/cr | tr '\n' ' ')" ".owners last_reserved_ip.0 lock "
is "... with no entry" "$(owners cr)" ""
# kill -9 at every syscall of the kinds that change the store (strace fault injection), in turn:
# never a torn lease, and whatever lease the killed ADD left is seen by the next duplicate check
# and released by DEL without prevResult (the owner index is never trusted with a lease missing)
if ! command -v strace >/dev/null; then
	skip "kill -9 at each syscall" "no strace"
else
	CD=$(hl_conf cr2 "$DUAL")
	# killed_at VERB ID SYSCALL N: run VERB with SIGKILL injected at the N-th SYSCALL; true when
	# it was killed there (false: it made fewer such calls and completed)
	killed_at() {
		(echo "$CD" | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN \
			strace -f -qq -o /dev/null -e trace=$3 -e inject=$3:signal=KILL:when=$4 \
			"$BIN/host-local" >/dev/null) 2>/dev/null
		[ $? = 137 ]
	}
	# recovered ID: a lease the killed call left is refused as a duplicate (else missed+1) and
	# released by DEL without prevResult (else left+1)
	recovered() {
		if grep -qs "^$1" $D/cr2/10.* $D/cr2/fd00*; then
			hl ADD "$CD" $1
			[[ $(msg) == *"duplicate allocation is not allowed"* ]] || missed=$((missed + 1))
		fi
		hl DEL "$CD" $1
		grep -qs "^$1" $D/cr2/10.* $D/cr2/fd00* && left=$((left + 1))
	}
	hl ADD "$CD" base
	points=0 torn=0 missed=0 left=0
	for sc in openat write linkat renameat unlinkat utimensat; do
		for n in $(seq 1 40); do
			id=s$points
			if ! killed_at ADD $id $sc $n; then # fewer than n such calls: the ADD completed
				hl DEL "$CD" $id
				break
			fi
			points=$((points + 1))
			for f in $D/cr2/10.* $D/cr2/fd00*; do
				[ -e "$f" ] || continue
				[[ $(tr '\r\n' '|#' <"$f") =~ ^[a-z0-9]+\|#eth0$ ]] || torn=$((torn + 1))
			done
			recovered $id
		done
	done
	[ "$points" -ge 15 ] && ok "killed ADD at $points syscalls" || not_ok "too few kill points" "$points"
	is "... never a torn lease" "$torn" 0
	is "... a lease left is always seen by the duplicate check" "$missed" 0
	is "... and released by DEL without prevResult" "$left" 0
	# the same for DEL without prevResult: what a killed DEL leaves is still found
	points=0 missed=0 left=0
	for sc in openat write unlinkat utimensat; do
		for n in $(seq 1 40); do
			id=d$points
			hl ADD "$CD" $id
			killed_at DEL $id $sc $n || break
			points=$((points + 1))
			recovered $id
		done
	done
	[ "$points" -ge 10 ] && ok "killed DEL at $points syscalls" || not_ok "too few kill points" "$points"
	is "... a lease left is always seen by the duplicate check" "$missed" 0
	is "... and released by the next DEL" "$left" 0
	hl DEL "$CD" base
	is "... nothing left" "$(leases cr2) $(owners cr2)" " "
fi

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
