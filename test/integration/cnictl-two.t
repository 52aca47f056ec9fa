#!/bin/bash
# Two containers on the default network reach each other; exec enters a running container;
# list shows both with their IPs; everything goes away afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"
# ping from iputils when installed, else busybox's (busybox-static is a test dependency).
PING=$(command -v ping || true)
if [ -z "$PING" ]; then
	mkdir -p "$T/bb"
	ln -s /bin/busybox "$T/bb/ping"
	PING=$T/bb/ping
fi

ip_of() { # ID : its IPv4 address from `cnictl list --json`
	python3 -c 'import json,sys
for c in json.load(sys.stdin):
    if c["id"] == sys.argv[1]: print(c["ips"].split("/")[0])' "$1" < <(C list --json)
}
wait_running() {
	for _ in $(seq 100); do
		C list 2>/dev/null | grep -qE "^$1 .* running " && return 0
		sleep 0.1
	done
	return 1
}

"$CNICTL" run "${O[@]}" --name a -- sleep 1000 &
pa=$!
"$CNICTL" run "${O[@]}" --name b --hostname bee -- sleep 1000 &
pb=$!
wait_running a && ok "a running" || not_ok "a running"
wait_running b && ok "b running" || not_ok "b running"
ipa=$(ip_of a)
ipb=$(ip_of b)
like "a has an IP in list" "$ipa" '^10\.244\.200\.[0-9]+$'
like "b has an IP in list" "$ipb" '^10\.244\.200\.[0-9]+$'
[ "$ipa" != "$ipb" ] && ok "distinct addresses" || not_ok "distinct addresses"
like "list table shows both" "$(C list)" "a .*cnictl:eth0 .*$ipa/24"

C exec a -- "$PING" -c 3 -i 0.2 -W 2 "$ipb" >/dev/null
is "a pings b" "$?" 0
C exec b -- "$PING" -c 3 -i 0.2 -W 2 "$ipa" >/dev/null
is "b pings a" "$?" 0
is "exec sees the container's hostname" "$(C exec b -- hostname)" bee
is "exec is in the container's PID namespace" "$(C exec a -- sh -c 'cat /proc/1/cmdline | tr "\0" " "')" "$(tr '\0' ' ' </proc/"$(json_get "$(cat "$T/state/a.json")" initPid)"/cmdline)"
err=$(C check a 2>&1)
is "check ID of a running container" "$?" 0
like "check ID reports each network" "$err" 'network "cnictl" \(eth0\): ok'
C exec a -- ip link set eth0 down
C check a 2>/dev/null
is "check ID fails when the container's interface is broken" "$?" 1
C exec a -- ip link set eth0 up
C check nosuch 2>/dev/null
is "check of an unknown container fails" "$?" 1
C exec a -- sh -c 'exit 7'
is "exec returns the command's status" "$?" 7
C exec a -- /nonexistent 2>/dev/null
is "exec of a missing command: 127" "$?" 127
C exec nosuch -- true 2>/dev/null
is "exec into an unknown container fails" "$?" 125
C run --name a -- true 2>/dev/null
is "a second container with the same name is refused" "$?" 125

kill -TERM $pa $pb
wait $pa
is "a stopped by SIGTERM: 143" "$?" 143
wait $pb
is "b stopped by SIGTERM: 143" "$?" 143
is "list empty afterwards" "$(C list | tail -n +2)" ""
is "nothing left" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
