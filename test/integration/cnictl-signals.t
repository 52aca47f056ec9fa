#!/bin/bash
# cnictl run and signals: forwarding to the payload, teardown on SIGTERM/SIGINT, the stop
# timeout, and SIGKILL of the launcher finished later by `cnictl gc` or `cnictl rm`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"
# Background runs call the binary directly so that $! is the launcher itself.

# wait_for FILE : up to 10 s
wait_for() {
	for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
# wait_state ID STATE : until `cnictl list` shows it
wait_state() {
	for _ in $(seq 100); do
		C list 2>/dev/null | grep -qE "^$1 .* $2 " && return 0
		sleep 0.1
	done
	return 1
}

# SIGTERM reaches the payload through the launcher and the init; teardown follows.
"$CNICTL" run "${O[@]}" --name t1 -- sh -c "trap 'echo term >$T/t1.term; exit 3' TERM; touch $T/t1.ready;
	while :; do sleep 0.1; done" &
pid=$!
wait_for "$T/t1.ready" && ok "payload started" || not_ok "payload started"
kill -TERM $pid
wait $pid
is "SIGTERM forwarded: payload's exit status" "$?" 3
[ -e "$T/t1.term" ] && ok "payload saw SIGTERM" || not_ok "payload saw SIGTERM"
is "teardown after SIGTERM" "$(leftovers)" ""

# SIGINT: payload with the default disposition dies, 128+2.
"$CNICTL" run "${O[@]}" --name t2 -- sh -c "touch $T/t2.ready; exec sleep 100" &
pid=$!
wait_for "$T/t2.ready"
sleep 0.2
kill -INT $pid
wait $pid
is "SIGINT forwarded: 130" "$?" 130
is "teardown after SIGINT" "$(leftovers)" ""

# SIGUSR1 is forwarded too and does not stop the launcher.
"$CNICTL" run "${O[@]}" --name t3 -- sh -c "trap 'echo usr1 >$T/t3.usr1' USR1; touch $T/t3.ready;
	while [ ! -e $T/t3.usr1 ]; do sleep 0.1; done; exit 4" &
pid=$!
wait_for "$T/t3.ready"
kill -USR1 $pid
wait $pid
is "SIGUSR1 forwarded, payload finished normally" "$?" 4

# A payload that ignores SIGTERM is killed after --stop-timeout.
"$CNICTL" run "${O[@]}" --name t4 --stop-timeout 1 -- sh -c "trap '' TERM; touch $T/t4.ready;
	while :; do sleep 0.1; done" 2>"$T/t4.err" &
pid=$!
wait_for "$T/t4.ready"
kill -TERM $pid
wait $pid
rc=$?
is "stop timeout: SIGKILL, 137" "$rc" 137
like "stop timeout message" "$(cat "$T/t4.err")" "did not stop within 1 s"
is "teardown after stop timeout" "$(leftovers)" ""

# SIGKILL of the launcher: the container dies with it (PDEATHSIG), the network stays until
# `cnictl gc` finishes the job from the state record.
"$CNICTL" run "${O[@]}" --name k1 -- sleep 1000 &
pid=$!
wait_state k1 running && ok "k1 running in list" || not_ok "k1 running in list" "$(C list)"
initpid=$(json_get "$(cat "$T/state/k1.json")" initPid)
kill -KILL $pid
wait $pid 2>/dev/null
for _ in $(seq 50); do kill -0 "$initpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$initpid" 2>/dev/null && not_ok "container init died with the launcher" || ok "container init died with the launcher"
[ -e /run/netns/k1 ] && ok "netns still mounted after SIGKILL" || not_ok "netns still mounted after SIGKILL"
[ -e "$T/cache/results/cnictl-k1-eth0" ] && ok "cache entry still there" || not_ok "cache entry still there"
like "list shows k1 dead" "$(C list)" "k1 .* dead "
C gc 2>"$T/gc.err"
is "gc exits 0" "$?" 0
like "gc reports the removal" "$(cat "$T/gc.err")" "removed dead container k1"
is "nothing left after SIGKILL + gc" "$(leftovers)" ""

# Same with rm.
"$CNICTL" run "${O[@]}" --name k2 -- sleep 1000 &
pid=$!
wait_state k2 running
C rm k2 2>"$T/rm.err"
is "rm refuses a running container" "$?" 1
like "rm says why" "$(cat "$T/rm.err")" "is running"
kill -KILL $pid
wait $pid 2>/dev/null
C rm k2
is "rm after SIGKILL exits 0" "$?" 0
is "nothing left after SIGKILL + rm" "$(leftovers)" ""
C rm k2 2>/dev/null
is "rm of an unknown container fails" "$?" 1

# rm --force on a live one.
"$CNICTL" run "${O[@]}" --name k3 -- sleep 1000 &
pid=$!
wait_state k3 running
C rm -f k3
is "rm -f exits 0" "$?" 0
wait $pid 2>/dev/null
is "nothing left after rm -f" "$(leftovers)" ""

# gc leaves live containers alone.
"$CNICTL" run "${O[@]}" --name live -- sleep 1000 &
pid=$!
wait_state live running
C gc
is "gc with a live container exits 0" "$?" 0
like "live container survives gc" "$(C list)" "live .* running "
[ -e "$T/cache/results/cnictl-live-eth0" ] && ok "live cache entry survives gc" || not_ok "live cache entry survives gc"
kill -TERM $pid
wait $pid
is "live container stopped by SIGTERM: 143" "$?" 143
# Signals while ADD is still running: the payload never starts, and everything is undone.
mkdir -p "$T/plugins"
cat >"$T/plugins/slow" <<'EOS'
#!/bin/sh
# Passes prevResult through after a pause on ADD; nothing else.
if [ "$CNI_COMMAND" = ADD ]; then
	touch "$SLOW_DIR/slow.started"
	sleep 2
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["prevResult"]))'
fi
EOS
chmod +x "$T/plugins/slow"
export SLOW_DIR=$T
cat >"$T/conf/slow.conflist" <<EOC
{"cniVersion":"1.0.0","name":"slow","plugins":[{"type":"bridge","bridge":"slowbr",
 "ipam":{"type":"host-local","subnet":"10.244.240.0/24"}},{"type":"slow"}]}
EOC
OS=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN:$T/plugins")
rm -f "$T/slow.started"
"$CNICTL" run "${OS[@]}" --name s1 --net slow -- touch "$T/s1.ran" 2>"$T/s1.err" &
pid=$!
wait_for "$T/slow.started"
kill -TERM $pid
wait $pid
is "SIGTERM during ADD: 128+15" "$?" 143
like "SIGTERM during ADD reported" "$(cat "$T/s1.err")" "stopped by signal 15 during setup"
[ -e "$T/s1.ran" ] && not_ok "payload never ran (SIGTERM during ADD)" || ok "payload never ran (SIGTERM during ADD)"
is "SIGTERM during ADD: nothing left" "$(leftovers)" ""

rm -f "$T/slow.started"
"$CNICTL" run "${OS[@]}" --name s2 --net slow -- touch "$T/s2.ran" 2>/dev/null &
pid=$!
wait_for "$T/slow.started"
initpid=$(json_get "$(cat "$T/state/s2.json")" initPid)
kill -KILL $pid
wait $pid 2>/dev/null
sleep 2.5
[ -e "$T/s2.ran" ] && not_ok "payload never ran (launcher SIGKILLed during ADD)" || ok "payload never ran (launcher SIGKILLed during ADD)"
kill -0 "$initpid" 2>/dev/null && not_ok "waiting child exited when the launcher died" || ok "waiting child exited when the launcher died"
C rm s2 2>/dev/null
is "rm after SIGKILL during ADD" "$?" 0
is "SIGKILL during ADD + rm: nothing left" "$(leftovers)" ""
ip link del slowbr 2>/dev/null

is "nothing left at the end" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
