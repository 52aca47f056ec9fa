#!/bin/bash
# The monitor that owns each container: SIGKILL of `cnictl run` (alone or with its whole
# process group) stops the container and DELs its networks within seconds, without gc; a killed
# monitor leaves the job to `cnictl gc` / `cnictl rm`; --detach keeps the container running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"
# Background runs call the binary directly so that $! is the launcher itself.

wait_gone() { # FILE [TENTHS] : until it no longer exists (default 10 s)
	for _ in $(seq "${2:-100}"); do [ -e "$1" ] || return 0; sleep 0.1; done
	return 1
}
field() { json_get "$(cat "$T/state/$1.json")" "$2"; }
alive() { # PID : running, not a zombie waiting for its (new) parent to reap it
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $st != Z* ]]
}

# --- SIGKILL of the launcher: the monitor stops the container (SIGTERM first) and DELs ---
"$CNICTL" run "${O[@]}" --name k1 -- sh -c "trap 'echo term >$T/k1.term; exit 3' TERM;
	touch $T/k1.ready; while :; do sleep 0.1; done" 2>"$T/k1.err" &
pid=$!
wait_for "$T/k1.ready" && wait_state k1 running && ok "k1 running" || not_ok "k1 running" "$(C list)"
mon=$(field k1 ownerPid)
init=$(field k1 initPid)
[ "$mon" != "$pid" ] && alive "$mon" && ok "the record's owner is a monitor, not the launcher" ||
	not_ok "the record's owner is a monitor, not the launcher" "launcher $pid, owner $mon"
is "the monitor has its own process group" "$(ps -o pgid= -p "$mon" | tr -d ' ')" "$mon"
is "the payload stays in the launcher's process group (the terminal's job)" \
	"$(ps -o pgid= -p "$init" | tr -d ' ')" "$(ps -o pgid= -p "$pid" | tr -d ' ')"
kill -KILL $pid
wait $pid 2>/dev/null
start=$SECONDS
wait_gone "$T/state/k1.json" 50 && ok "record gone within 5 s of SIGKILL, no gc" ||
	not_ok "record gone within 5 s of SIGKILL, no gc" "$(C list)"
[ $((SECONDS - start)) -le 5 ] && ok "teardown took at most 5 s" || not_ok "teardown took at most 5 s"
[ -e "$T/k1.term" ] && ok "the payload got SIGTERM" || not_ok "the payload got SIGTERM"
for _ in $(seq 50); do alive "$mon" || break; sleep 0.1; done
alive "$mon" && not_ok "the monitor exited" || ok "the monitor exited"
alive "$init" && not_ok "container init gone" || ok "container init gone"
like "the monitor says why" "$(cat "$T/k1.err")" "\`cnictl run\` \(pid $pid\) is gone; stopping container k1"
is "SIGKILL of the launcher: nothing left, no gc needed" "$(leftovers)" ""

# A payload that ignores SIGTERM: SIGKILL after --stop-timeout.
"$CNICTL" run "${O[@]}" --name k2 --stop-timeout 1 -- sh -c "trap '' TERM; touch $T/k2.ready;
	while :; do sleep 0.1; done" 2>"$T/k2.err" &
pid=$!
wait_for "$T/k2.ready" && wait_state k2 running
kill -KILL $pid
wait $pid 2>/dev/null
wait_gone "$T/state/k2.json" 50 && ok "stubborn payload: torn down within 5 s" ||
	not_ok "stubborn payload: torn down within 5 s" "$(cat "$T/k2.err")"
like "stubborn payload: killed after the stop timeout" "$(cat "$T/k2.err")" "did not stop within 1 s, killing it"
is "stubborn payload: nothing left" "$(leftovers)" ""

# The launcher's whole process group (what a terminal's job control kills): the payload dies
# with it, the monitor is not in it and tears down.
setsid "$CNICTL" run "${O[@]}" --name k3 -- sleep 1000 2>/dev/null &
pid=$!
wait_state k3 running
mon=$(field k3 ownerPid)
kill -KILL -- -"$pid"
wait $pid 2>/dev/null
wait_gone "$T/state/k3.json" 50 && ok "SIGKILL of the launcher's process group: torn down" ||
	not_ok "SIGKILL of the launcher's process group: torn down" "$(C list)"
is "process group kill: nothing left" "$(leftovers)" ""

# ^C in a terminal: SIGINT to the foreground group reaches the launcher and the payload (not the
# monitor, which hears it from the launcher); exit status and teardown as always.
setsid "$CNICTL" run "${O[@]}" --name k4 -- sleep 1000 &
pid=$!
wait_state k4 running
kill -INT -- -"$pid"
wait $pid
is "SIGINT to the foreground group: 130" "$?" 130
is "SIGINT to the foreground group: nothing left" "$(leftovers)" ""

# --- the monitor killed: the container dies with it; gc or rm finish the job ---
"$CNICTL" run "${O[@]}" --name m1 -- sleep 1000 2>"$T/m1.err" &
pid=$!
wait_state m1 running
mon=$(field m1 ownerPid)
init=$(field m1 initPid)
kill -KILL "$mon"
wait $pid
is "monitor killed: the launcher exits 125" "$?" 125
like "monitor killed: the launcher says how to finish" "$(cat "$T/m1.err")" "monitor of container m1 .* killed by signal 9; \`cnictl rm m1\` or \`cnictl gc\`"
for _ in $(seq 50); do alive "$init" || break; sleep 0.1; done
alive "$init" && not_ok "monitor killed: the container died with it" || ok "monitor killed: the container died with it"
[ -e /run/netns/m1 ] && ok "monitor killed: netns still mounted" || not_ok "monitor killed: netns still mounted"
like "monitor killed: list shows m1 dead" "$(C list)" "m1 .* dead "
C gc 2>"$T/gc.err"
is "gc exits 0" "$?" 0
like "gc reports the removal" "$(cat "$T/gc.err")" "removed dead container m1"
is "monitor killed + gc: nothing left" "$(leftovers)" ""

# Both killed at once, rm finishes.
"$CNICTL" run "${O[@]}" --name m2 -- sleep 1000 &
pid=$!
wait_state m2 running
mon=$(field m2 ownerPid)
C rm m2 2>"$T/rm.err"
is "rm refuses a running container" "$?" 1
like "rm says why" "$(cat "$T/rm.err")" "is running \(monitor pid $mon\)"
kill -KILL "$mon" $pid
wait $pid 2>/dev/null
wait_state m2 dead
C rm m2
is "rm after SIGKILL of launcher and monitor exits 0" "$?" 0
is "launcher and monitor killed + rm: nothing left" "$(leftovers)" ""
C rm m2 2>/dev/null
is "rm of an unknown container fails" "$?" 1

# rm --force on a live one.
"$CNICTL" run "${O[@]}" --name m3 -- sleep 1000 2>/dev/null &
pid=$!
wait_state m3 running
C rm -f m3
is "rm -f exits 0" "$?" 0
wait $pid 2>/dev/null
is "nothing left after rm -f" "$(leftovers)" ""

# --- --detach: the container outlives `cnictl run` ---
start=$SECONDS
id=$(C run -d --name d1 --log "$T/d1.log" -- sh -c 'echo out; echo err >&2;
	read -r line && echo "stdin: $line" || echo "stdin: eof"; exec sleep 1000' </dev/zero)
rc=$?
is "run -d exits 0" "$rc" 0
is "run -d prints the container ID" "$id" d1
[ $((SECONDS - start)) -le 5 ] && ok "run -d returns at once" || not_ok "run -d returns at once"
wait_state d1 running && ok "detached container running" || not_ok "detached container running" "$(C list)"
mon=$(field d1 ownerPid)
is "the detached monitor has its own session" "$(ps -o sid= -p "$mon" | tr -d ' ')" "$mon"
for _ in $(seq 50); do grep -q stdin "$T/d1.log" 2>/dev/null && break; sleep 0.1; done
is "--log has the payload's stdout and stderr; stdin is /dev/null" "$(cat "$T/d1.log")" $'out\nerr\nstdin: eof'
C stop d1
is "stop exits 0" "$?" 0
[ -e "$T/state/d1.json" ] && not_ok "stop waited for the teardown" || ok "stop waited for the teardown"
alive "$mon" && not_ok "detached monitor gone after stop" || ok "detached monitor gone after stop"
is "detached + stop: nothing left" "$(leftovers)" ""
C stop d1 2>/dev/null
is "stop of an unknown container fails" "$?" 1

# Detached payload that ends by itself: its monitor tears down alone.
id=$(C run -d --name d2 -- sh -c 'sleep 0.5; exit 7')
is "run -d (short payload) exits 0" "$?" 0
wait_gone "$T/state/d2.json" 50 && ok "detached payload exited: torn down by its monitor" ||
	not_ok "detached payload exited: torn down by its monitor" "$(C list)"
is "detached, exited by itself: nothing left" "$(leftovers)" ""

# Detached, monitor killed: gc.
id=$(C run -d --name d3 -- sleep 1000)
wait_state d3 running
kill -KILL "$(field d3 ownerPid)"
wait_state d3 dead && ok "detached, monitor killed: dead" || not_ok "detached, monitor killed: dead" "$(C list)"
C gc 2>/dev/null
is "detached, monitor killed + gc: nothing left" "$(leftovers)" ""

C run --log "$T/x.log" -- true 2>"$T/err"
is "--log without --detach: 125" "$?" 125
like "--log without --detach says so" "$(cat "$T/err")" "--log needs --detach"
C run -d --log /nonexistent/dir/log -- true 2>"$T/err"
is "unwritable --log: 125" "$?" 125
is "unwritable --log: nothing left" "$(leftovers)" ""

is "nothing left at the end" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
