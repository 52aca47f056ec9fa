#!/bin/bash
# cnictl run and signals: forwarding to the payload, teardown on SIGTERM/SIGINT, the stop
# timeout, signals and SIGKILL during ADD.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"
# Background runs call the binary directly so that $! is the launcher itself.


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

# SIGKILL of the launcher, and of its monitor: cnictl-monitor.t.

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

# SIGKILL of the launcher during ADD: the monitor finishes the ADD, sees the launcher gone,
# never starts the payload and tears everything down by itself.
rm -f "$T/slow.started"
"$CNICTL" run "${OS[@]}" --name s2 --net slow -- touch "$T/s2.ran" 2>"$T/s2.err" &
pid=$!
wait_for "$T/slow.started"
initpid=$(json_get "$(cat "$T/state/s2.json")" initPid)
kill -KILL $pid
wait $pid 2>/dev/null
for _ in $(seq 100); do [ -e "$T/state/s2.json" ] || break; sleep 0.1; done
[ -e "$T/state/s2.json" ] && not_ok "monitor removed s2 after SIGKILL of the launcher during ADD" || ok "monitor removed s2 after SIGKILL of the launcher during ADD"
[ -e "$T/s2.ran" ] && not_ok "payload never ran (launcher SIGKILLed during ADD)" || ok "payload never ran (launcher SIGKILLed during ADD)"
kill -0 "$initpid" 2>/dev/null && not_ok "waiting child exited" || ok "waiting child exited"
like "monitor says why it tears down" "$(cat "$T/s2.err")" "is gone; tearing down"
is "SIGKILL during ADD: nothing left, no rm needed" "$(leftovers)" ""
ip link del slowbr 2>/dev/null

is "nothing left at the end" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
