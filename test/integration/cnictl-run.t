#!/bin/bash
# cnictl run: exit codes, what the payload sees, result/timing output, cache and state files,
# several networks, capabilities; nothing left afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"

for v in run exec list ls stop rm gc add check del status; do
	out=$("$CNICTL" $v --help 2>&1)
	rc=$?
	is "$v --help exits 0" "$rc" 0
	like "$v --help prints usage" "$out" "Usage: cnictl"
done
"$CNICTL" --help >/dev/null
is "cnictl --help exits 0" "$?" 0

# Global options before the verb too (as git, podman, ctr), or on both sides.
"$CNICTL" --conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN" run -- true
is "global options before the verb" "$?" 0
"$CNICTL" --conf-dir "$T/conf" -v --cache-dir "$T/cache" run --state-dir "$T/state" --cni-path "$BIN" -- true 2>/dev/null
is "global options before and after the verb" "$?" 0
is "globals before the verb: nothing left" "$(leftovers)" ""
like "cnictl --version" "$("$CNICTL" --version)" "^cnictl [^ ]+ \\(cni-c\\)"
like "cnictl run --version" "$("$CNICTL" run --version)" "^cnictl [^ ]+ \\(cni-c\\)"
err=$("$CNICTL" --bogus run -- true 2>&1)
is "unknown global option before the verb: 2" "$?" 2
like "unknown option named" "$err" "unknown option --bogus"
err=$(C run --bogus -- true 2>&1)
is "unknown run option: 125" "$?" 125
like "unknown run option named, with the usage" "$err" "unknown option --bogus.*Usage: cnictl run"
err=$(C run --memory 2>&1)
is "missing argument: 125" "$?" 125
like "missing argument named" "$err" "option --memory needs an argument"
# Every option --help shows is one the parser takes (its own value check may refuse "x").
bad=""
while read -r opt; do
	err=$("$CNICTL" run "$opt" x --help 2>&1 >/dev/null)
	[[ $err == *"unknown option"* ]] && bad+=" $opt"
done < <("$CNICTL" run --help | grep -oE '^ +(-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+')
is "every option in run --help is parsed" "$bad" ""

C run -- true
is "exit status 0" "$?" 0
C run -- sh -c 'exit 5'
is "exit status 5" "$?" 5
C run -- sh -c 'kill -TERM $$'
is "killed by SIGTERM: 128+15" "$?" 143
C run -- sh -c 'kill -KILL $$'
is "killed by SIGKILL: 128+9" "$?" 137
err=$(C run -- /nonexistent/cmd 2>&1)
is "command not found: 127" "$?" 127
like "not-found message" "$err" "exec /nonexistent/cmd: No such file"
C run -- /etc/passwd 2>/dev/null
is "not executable: 126" "$?" 126

out=$(C run --name box1 --hostname h1 -- sh -c '
	echo "pid=$$"; echo "host=$(hostname)"
	ip -o -4 addr show dev eth0 | awk "{print \"addr=\" \$4}"
	ip -o link show lo | grep -q "UP" && echo lo=up
	ip route show default | awk "{print \"gw=\" \$3}"
	echo "netns=$(ls /run/netns 2>/dev/null)"
	ls /sys/class/net | tr "\n" " " | sed "s/^/sysnet=/"; echo
	cat '"$T"'/cache/results/cnictl-box1-eth0 > '"$T"'/cache-copy
	cat '"$T"'/state/box1.json > '"$T"'/state-copy' 2>&1)
is "payload in container exits 0" "$?" 0
like "payload is PID 2 (init is PID 1)" "$out" "pid=2"
like "hostname set" "$out" "host=h1"
like "eth0 has an address on the default network" "$out" "addr=10\.244\.200\.[0-9]+/24"
like "lo is up" "$out" "lo=up"
like "default route via the bridge" "$out" "gw=10\.244\.200\.1"
like "/sys shows the container's devices" "$out" "sysnet=.*eth0"
# One python start for all the lookups: cache entry fields, the decoded config, the state record.
mapfile -t F < <(python3 - "$T/cache-copy" "$T/state-copy" <<'EOP'
import base64, json, sys
try:
    c = json.load(open(sys.argv[1]))
except Exception:
    c = {}
try:
    s = json.load(open(sys.argv[2]))
except Exception:
    s = {}
try:
    conf = json.loads(base64.b64decode(c.get("config", "")))
except Exception:
    conf = {}
ips = c.get("result", {}).get("ips", [{}])
for v in (c.get("kind"), c.get("containerId"), c.get("ifName"), c.get("networkName"),
          c.get("netns"), json.dumps(c.get("cniArgs")), conf.get("name"),
          ips[0].get("address") if ips else "", s.get("status"),
          (s.get("networks") or [{}])[0].get("name")):
    print("" if v is None else v)
EOP
)
is "cache kind" "${F[0]}" cniCacheV1
is "cache containerId" "${F[1]}" box1
is "cache ifName" "${F[2]}" eth0
is "cache networkName" "${F[3]}" cnictl
is "cache netns is the bind mount" "${F[4]}" /run/netns/box1
like "cache cniArgs has IgnoreUnknown and K8S_POD_NAME" "${F[5]}" 'IgnoreUnknown.*K8S_POD_NAME'
is "cache config is the conflist (base64)" "${F[6]}" cnictl
like "cache result has the IP" "${F[7]}" '^10\.244\.200\.'
is "state record written while running" "${F[8]}" running
is "state record names the network" "${F[9]}" cnictl
is "nothing left after exit" "$(leftovers)" ""

out=$(C run --ns net,uts -- sh -c 'echo pid=$$' 2>&1)
like "--ns net,uts: no PID namespace" "$out" "pid=[0-9]+"
[[ $out == pid=2 ]] && not_ok "--ns without pid keeps host PIDs" "$out" || ok "--ns without pid keeps host PIDs"

err=$(C run --result table --timing -- true 2>&1 >/dev/null)
like "--result table prints an address table" "$err" "ADDRESS +GATEWAY"
like "--result table names the network" "$err" "network cnictl \(eth0\)"
like "--timing prints ADD with rusage" "$err" "timing: ADD +cnictl +bridge +wall +[0-9.]+ ms +user +[0-9.]+ ms +sys +[0-9.]+ ms +maxrss +[0-9]+ KiB"
like "--timing prints DEL" "$err" "timing: DEL"
err=$(C run --result json -- true 2>&1 >/dev/null)
like "--result json prints the result" "$err" '"cniVersion":[[:space:]]*"1.0.0"'

cat >"$T/conf/second.conflist" <<EOC
{"cniVersion":"1.0.0","name":"second","plugins":[{"type":"bridge","bridge":"cnictl1",
 "ipam":{"type":"host-local","subnet":"10.244.201.0/24"}}]}
EOC
out=$(C run --net cnictl --net second -- sh -c 'ip -o -4 addr show | awk "{print \$2, \$4}"' 2>&1)
like "two networks: eth0 on the first" "$out" "eth0 10\.244\.200\."
like "two networks: eth1 on the second" "$out" "eth1 10\.244\.201\."
out=$(C run --net second:net1 -- sh -c 'ip -o -4 addr show | awk "{print \$2, \$4}"' 2>&1)
like "--net NAME:IFNAME" "$out" "net1 10\.244\.201\."
is "nothing left after two networks" "$(leftovers)" ""

out=$(C run --ip 10.244.200.77 --mac 02:00:00:aa:bb:cc -- sh -c \
	'ip -o -4 addr show dev eth0; cat /sys/class/net/eth0/address' 2>&1)
like "--ip reaches host-local via the ips capability" "$out" "10\.244\.200\.77/24"
like "--mac reaches bridge via the mac capability" "$out" "02:00:00:aa:bb:cc"
err=$(C run --net second --ip 10.244.201.9 -- true 2>&1)
like "undeclared capability: warned" "$err" 'network "second" declares no "ips" capability'
err=$(C run --cap-args '{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' -- true 2>&1)
like "--cap-args undeclared key warned" "$err" 'no "portMappings" capability'

# cgroup limits: cnictl-cgroup.t.
C run --memory lots -- true 2>/dev/null
is "--memory junk: exit 125" "$?" 125

C run --no-net -- sh -c 'ip -o link show | grep -qv " lo:" && exit 1; exit 0'
is "--no-net: only lo" "$?" 0
C run --name bad/name -- true 2>/dev/null
is "invalid container name: exit 125" "$?" 125
C run --net nosuchnet -- true 2>"$T/err"
is "unknown network: exit 125" "$?" 125
like "unknown network message" "$(cat "$T/err")" 'no net configuration with name "nosuchnet"'

is "nothing left at the end" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
ip link del cnictl1 2>/dev/null
done_testing
