#!/bin/bash
# cnictl run -p/--publish: the portMappings capability, end to end through Debian's portmap
# plugin on the built-in network: the sandbox's host side reaches a server in the container
# at 127.0.0.1:HOSTPORT (tcp and udp); the mappings go with the container.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"

if [ ! -x "$REF/portmap" ] || [ ! -x /bin/busybox ]; then
	echo "1..0 # SKIP needs $REF/portmap (containernetworking-plugins) and busybox-static"
	exit 77
fi
OP=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN:$REF")
P() { "$CNICTL" "$1" "${OP[@]}" "${@:2}"; }
# fetch URL : up to 5 s while the server starts
fetch() {
	for _ in $(seq 50); do
		timeout 2 busybox wget -q -O - "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

mkdir -p "$T/www"
echo "hello through portmap" >"$T/www/index.html"
"$CNICTL" run "${OP[@]}" --name web -p 127.0.0.1:18080:80 -p 18081:81 -p 127.0.0.1:15353:5353/udp \
	-- sh -c "busybox httpd -p 80 -h $T/www; busybox httpd -p 81 -h $T/www; exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"0.0.0.0\", 5353))
open(sys.argv[1], \"wb\").write(s.recvfrom(100)[0])' $T/udp.out" 2>"$T/web.err" &
pid=$!
wait_state web running P && ok "container with -p running" || not_ok "container with -p running" "$(cat "$T/web.err")"
like "the built-in network has portmap (found in CNI_PATH)" "$(cat "$T/cache/results/cnictl-web-eth0")" '"portMappings"'
is "127.0.0.1:18080 -> container port 80 (tcp, hostIP given)" "$(fetch http://127.0.0.1:18080/)" "hello through portmap"
is "127.0.0.1:18081 -> container port 81 (tcp, any host IP)" "$(fetch http://127.0.0.1:18081/)" "hello through portmap"
ip=$(json_get "$(cat "$T/cache/results/cnictl-web-eth0")" result.ips.0.address)
ip=${ip%/*}
like "portmap's DNAT names the container" "$(iptables -t nat -S 2>/dev/null)" "to-destination ${ip//./\\.}:80"
for _ in $(seq 20); do
	python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"datagram", ("127.0.0.1", 15353))'
	sleep 0.1
	[ -s "$T/udp.out" ] && break
done
like "127.0.0.1:15353/udp -> container port 5353" "$(cat "$T/udp.out" 2>/dev/null)" "datagram"
# The datagram ended the payload (and the container).
wait $pid
nat=$(iptables -t nat -S 2>/dev/null)
[[ $nat == *"$ip"* || $nat == *CNI-DN-* ]] && not_ok "the container's mappings are gone after teardown" "$nat" ||
	ok "the container's mappings are gone after teardown"
timeout 2 busybox wget -q -O - http://127.0.0.1:18080/ >/dev/null 2>&1 && not_ok "nothing answers on 18080 any more" || ok "nothing answers on 18080 any more"
is "-p: nothing left" "$(leftovers)" ""

# What reaches the plugins: CONVENTIONS.md's portMappings entries; -p replaces --cap-args's.
out=$(P run --name caps -p '[::1]:8443:443/tcp' -p 10.0.0.1:53:53/udp -p 80:8080 \
	--cap-args '{"portMappings":[{"hostPort":1,"containerPort":1}],"bandwidth":{"ingressRate":1}}' \
	-- cat "$T/state/caps.json" 2>/dev/null)
caps=$(json_get "$out" capabilityArgs)
is "portMappings from -p" "$(json_get "$caps" portMappings)" \
	'[{"hostPort": 8443, "containerPort": 443, "protocol": "tcp", "hostIP": "::1"}, {"hostPort": 53, "containerPort": 53, "protocol": "udp", "hostIP": "10.0.0.1"}, {"hostPort": 80, "containerPort": 8080, "protocol": "tcp"}]'
is "other --cap-args keys kept" "$(json_get "$caps" bandwidth.ingressRate)" 1

for bad in 80 0:80 80:0 70000:80 80:80/sctp x:80 1.2.3:80:80 '[::1:80:80' 80:80/ :80; do
	err=$(P run -p "$bad" -- touch "$T/bad.ran" 2>&1)
	rc=$?
	[ $rc = 125 ] && [[ $err == *"--publish $bad"* ]] && ok "-p '$bad' refused (125, named)" ||
		not_ok "-p '$bad' refused (125, named)" "rc $rc" "$err"
done
[ -e "$T/bad.ran" ] && not_ok "no payload ran for a bad -p" || ok "no payload ran for a bad -p"

# Without portmap in CNI_PATH the built-in network has no such capability: warned, dropped.
err=$(C run -p 18082:80 -- true 2>&1)
is "-p without portmap still runs" "$?" 0
like "-p without portmap is warned about" "$err" 'network "cnictl" declares no "portMappings" capability'
is "nothing left at the end" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
