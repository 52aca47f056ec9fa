#!/bin/bash
# host-local: 100 parallel ADDs get 100 distinct addresses with zero failures; the lock wait is
# bounded (code 11); timings of ours vs the reference are printed as diagnostics.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"
N=100

burst() { # PLUGIN_DIR NET SUBNET-THIRD-OCTET VERB : N parallel runs, outputs in $T/NET.i
	local dir=$1 net=$2 oct=$3 verb=$4 c i
	c=$(hl_conf "$net" '"ranges":[[{"subnet":"10.231.'"$oct"'.0/24"}],[{"subnet":"fd00:231:'"$oct"'::/64"}]]')
	for i in $(seq 1 $N); do
		(echo "$c" | CNI_COMMAND=$verb CNI_CONTAINERID=p$i CNI_NETNS=/run/netns/x CNI_IFNAME=eth0 \
			CNI_PATH=$dir "$dir/host-local" >"$T/$net.$i" 2>&1; echo $? >"$T/$net.$i.rc") &
	done
	wait
}
elapsed() { # cmd... : seconds with ms
	local s e
	s=$(date +%s%N)
	"$@"
	e=$(date +%s%N)
	echo "$(((e - s) / 1000000))"
}

ms_ours=$(elapsed burst "$BIN" par 10 ADD)
is "$N parallel ADDs: zero failures" "$(cat $T/par.*.rc | grep -vc '^0$')" 0
is "$N distinct IPv4 addresses" "$(cat $T/par.[0-9]* | grep -o '"10\.231\.10\.[0-9]*/24"' | sort -u | wc -l)" $N
is "$N distinct IPv6 addresses" "$(cat $T/par.[0-9]* | grep -o '"fd00:231:10::[0-9a-f]*/64"' | sort -u | wc -l)" $N
is "$N lease files per family" "$(ls $D/par | grep -c '^10\.')/$(ls $D/par | grep -c '^fd00')" "$N/$N"
is "no temp files left" "$(ls -A $D/par | grep -c tmp)" 0
ms_ours_del=$(elapsed burst "$BIN" par 10 DEL)
is "$N parallel DELs: zero failures" "$(cat $T/par.*.rc | grep -vc '^0$')" 0
is "everything released" "$(leases par)" ""

if [ -x "$REF/host-local" ]; then
	ms_ref=$(elapsed burst "$REF" refpar 11 ADD)
	is "reference: $N parallel ADDs succeed too" "$(cat $T/refpar.*.rc | grep -vc '^0$')" 0
	ms_ref_del=$(elapsed burst "$REF" refpar 11 DEL)
	echo "# $N parallel dual-stack ADDs: ours ${ms_ours} ms, reference ${ms_ref} ms"
	echo "# $N parallel DELs:            ours ${ms_ours_del} ms, reference ${ms_ref_del} ms"
	is "reference DELs leave nothing" "$(leases refpar)" ""
else
	skip "reference comparison" "no $REF/host-local"
fi

# mixed: ours and the reference allocating in the same directory at once share the flock
C=$(hl_conf mix "$V4")
for i in $(seq 1 40); do
	if [ $((i % 2)) = 0 ]; then d=$BIN; else d=$REF; fi
	(echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=m$i CNI_NETNS=/run/netns/x CNI_IFNAME=eth0 \
		CNI_PATH=$d "$d/host-local" >"$T/mix.$i" 2>&1; echo $? >"$T/mix.$i.rc") &
done
wait
is "40 mixed ours/reference ADDs: zero failures" "$(cat $T/mix.*.rc | grep -vc '^0$')" 0
is "40 distinct addresses" "$(cat $T/mix.[0-9]* | grep -o '"10\.231\.1\.[0-9]*/24"' | sort -u | wc -l)" 40
for i in $(seq 1 40); do hl DEL "$C" m$i; done
is "mixed: everything released" "$(leases mix)" ""

# bounded lock wait: someone holds the lock for longer than the timeout
mkdir -p $D/lk
C=$(hl_conf lk "$V4")
# a single process holds the lock (flock(1) would leave its child holding it after a kill)
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' $D/lk/lock &
holder=$!
for _ in $(seq 1 100); do flock -n $D/lk/lock true || break; sleep 0.05; done # until it is held
s=$(date +%s)
# with SIGALRM blocked and ignored by the caller (inherited across exec), the wait is still bounded
OUT=$(echo "$C" | CNI_COMMAND=ADD CNI_CONTAINERID=l1 CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN \
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
os.execv(sys.argv[1], sys.argv[1:])' "$BIN/host-local")
e=$(date +%s)
is "lock timeout is code 11 (try again)" "$(code)" 11
like "lock timeout message" "$(msg)" "timed out after 10000 ms waiting for the lock"
ok "waited about 10 s ($((e - s)) s)"
[ $((e - s)) -ge 9 ] && [ $((e - s)) -le 25 ] || not_ok "wait within 9..25 s" "$((e - s))"
is "nothing leased on timeout" "$(leases lk)" ""
kill "$holder" 2>/dev/null
wait 2>/dev/null
hl ADD "$C" l1
is "ADD works once the lock is free" "$(ips)" "10.231.1.2/24"
hl DEL "$C" l1
hl DEL "$C" l1
is "nothing left" "$(leases lk)" ""
done_testing
