#!/bin/bash
# Syscall fault injection with strace: the Nth netlink send/receive, file open, rename, unlink,
# mkdir... of an ADD (bridge and its host-local child) fails with an errno. ADD must either
# succeed or fail with a CNI error JSON and roll back completely on its own (no veth, lease or
# state record before any DEL); DEL then succeeds and leaves nothing either way.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

if ! command -v strace >/dev/null || ! strace -qq -o /dev/null -e inject=getpid:error=EPERM true 2>/dev/null; then
	echo "1..0 # SKIP strace with syscall injection not available"
	exit 77
fi
# Every call of each group (a sample once missed the lost ack of the veth creation). strace
# counts each syscall of a group apart: when=N fails the Nth sendmsg and the Nth recvmsg, so a
# run can also lose the answer of a later request (the check that follows, the rollback's).
PER_GROUP=${INJECT_PER_GROUP:-100}
netns_new j1
NS=/run/netns/j1
C=$(conf 1.0.0 inject jbr0 10.231.73.0/24,fd00:231:73::/64 '"isGateway":true,"ipMasq":true')
printf '%s' "$C" >"$T/conf"
br ADD "$C" warm $NS; ok_rc "warm-up ADD"
br DEL "$C" warm $NS; ok_rc "warm-up DEL"

run_add() { # strace-args... : ADD of attachment "inj" under strace; sets OUT RC
	OUT=$(strace -f -qq -o /dev/null "$@" env CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID=inj \
		CNI_NETNS=$NS CNI_IFNAME=eth0 "$BIN/bridge" <"$T/conf" 2>"$T/stderr")
	RC=$?
}
count_calls() { # syscall-list : how often a normal ADD makes them (bridge + host-local)
	strace -f -qq -o "$T/trace" -e trace="$1" env CNI_COMMAND=ADD CNI_PATH="$BIN" \
		CNI_CONTAINERID=cnt CNI_NETNS=$NS CNI_IFNAME=eth0 "$BIN/bridge" <"$T/conf" >/dev/null 2>&1
	grep -vc -e 'resumed>' -e '+++' -e '---' "$T/trace"
	br DEL "$C" cnt $NS
}
left() { echo "$(host_veths)/$(ns_links j1)/$(leases inject)/$(records inject)"; }

for group in "sendmsg,sendto,recvmsg:ENOBUFS" "openat,open:EACCES" \
	"rename,renameat,renameat2,linkat,link:EIO" \
	"mkdir,mkdirat,unlinkat,unlink:EIO" "flock,fcntl:EINTR" "setns:EINVAL"; do
	calls=${group%%:*} errno=${group##*:}
	total=$(count_calls "$calls")
	[ "${total:-0}" -gt 0 ] || { skip "$calls" "no such calls in an ADD"; continue; }
	step=$(((total + PER_GROUP - 1) / PER_GROUP))
	failed=0 succeeded=0 bad_json=0 not_rolled_back=0 del_failed=0 crashed=0
	for n in $(seq 1 "$step" "$total"); do
		run_add -e trace="$calls" -e inject="$calls:error=$errno:when=$n"
		if [ "$RC" = 0 ]; then
			succeeded=$((succeeded + 1))
		elif [ "$RC" = 134 ] && grep -q 'cannot return to the original network namespace' "$T/stderr"; then
			# lib/netns.c aborts on purpose: carrying on in the container's netns is worse.
			failed=$((failed + 1))
			echo "# $calls #$n: deliberate abort (could not return to the original netns)"
		elif [ "$RC" -gt 1 ]; then
			crashed=$((crashed + 1))
			echo "# $calls #$n: exit status $RC: $(head -3 "$T/stderr")"
		else
			failed=$((failed + 1))
			[[ $OUT =~ \"code\":[[:space:]]*[0-9]+ ]] || { bad_json=$((bad_json + 1)); echo "# $calls #$n: no error JSON: $OUT"; }
			if [ "$(left)" != "0/0/0/0" ]; then
				not_rolled_back=$((not_rolled_back + 1))
				echo "# $calls #$n ($errno): left veth/link/lease/record $(left) after: $(err_field msg)"
			fi
		fi
		br DEL "$C" inj $NS
		[ "$RC" = 0 ] || { del_failed=$((del_failed + 1)); echo "# $calls #$n: DEL failed: $OUT"; }
		[ "$(left)" = "0/0/0/0" ] || { del_failed=$((del_failed + 1)); echo "# $calls #$n: left $(left) after DEL"; }
	done
	echo "# $calls=$errno: $total calls per ADD; injected at $((failed + succeeded + crashed)) points: $failed failed, $succeeded tolerated"
	is "$calls=$errno: no crash" "$crashed" 0
	is "$calls=$errno: every failure is CNI error JSON" "$bad_json" 0
	is "$calls=$errno: every failed ADD rolled back by itself" "$not_rolled_back" 0
	is "$calls=$errno: DEL succeeds and leaves nothing" "$del_failed" 0
done
assert_clean inject j1
ip netns del j1
done_testing
