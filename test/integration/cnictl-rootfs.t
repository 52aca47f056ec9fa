#!/bin/bash
# --rootfs: pivot_root into a busybox-static root built here, fresh /proc, network attached;
# the container's own /etc/hostname, /etc/hosts and /etc/resolv.conf bound over the rootfs's
# (or onto a private /etc when the rootfs lacks them), the rootfs on disk unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"

if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1; then
	echo "1..0 # SKIP busybox-static is not installed (tools/deps.sh installs it)"
	exit 77
fi
R=$T/rootfs
mkdir -p "$R"/{bin,proc,sys,dev,etc,tmp,root}
cp /bin/busybox "$R/bin/busybox"
for a in sh ls cat hostname ip ping sleep echo mount grep readlink; do ln -s busybox "$R/bin/$a"; done
echo "inside" >"$R/etc/marker"

out=$(C run --rootfs "$R" --hostname rfs -- /bin/sh -c '
	echo "marker=$(cat /etc/marker)"
	echo "root=$(ls / | tr "\n" " ")"
	echo "host=$(hostname)"
	echo "pid1=$(cat /proc/1/cmdline | tr "\0" " ")"
	echo "procs=$(ls /proc | grep -c "^[0-9]")"
	ip -o -4 addr show dev eth0 | sed "s/^/addr=/"
	echo "null=$(echo x >/dev/null && echo ok)"' 2>&1)
is "rootfs run exits 0" "$?" 0
like "sees the rootfs's files" "$out" "marker=inside"
like "root is the rootfs (no /usr)" "$out" "root=bin dev etc proc root sys tmp "
like "hostname" "$out" "host=rfs"
like "fresh /proc: PID 1 is our init" "$out" "pid1=.*cnictl"
like "fresh /proc: only the container's processes" "$out" $'procs=[1-9]\n'
like "eth0 configured" "$out" "addr=.*10\.244\.200\."
like "/dev usable" "$out" "null=ok"
C run --rootfs "$R" -- /bin/sh -c 'exit 9'
is "exit status through the rootfs" "$?" 9
C run --rootfs "$R" -- /bin/nonexistent 2>/dev/null
is "missing command in the rootfs: 127" "$?" 127
C run --rootfs "$T/nonexistent" -- /bin/sh -c true 2>/dev/null
is "missing rootfs: 125" "$?" 125
C run --rootfs "$R" --ns net,pid -- /bin/sh -c true 2>/dev/null
is "--rootfs without mnt namespace refused: 125" "$?" 125

# exec enters the container's mount namespace, so it sees the rootfs too.
"$CNICTL" run "${O[@]}" --name rf --rootfs "$R" -- /bin/sleep 1000 &
pid=$!
wait_state rf running
is "exec sees the rootfs" "$(C exec rf -- /bin/cat /etc/marker)" inside
kill -TERM $pid
wait $pid
is "rootfs container stopped by SIGTERM: 143" "$?" 143
mountpoint -q "$R/dev" && not_ok "host /dev bind not left on the rootfs" || ok "host /dev bind not left on the rootfs"
is "no netns left" "$(ls /run/netns)" ""
is "no veth left" "$(ip -o link show type veth)" ""
is "no state left" "$(find "$T/state" -mindepth 1 ! -name lock)" ""

# --- /etc/hostname, /etc/hosts, /etc/resolv.conf ---
snapshot() { (cd "$1" && find . -printf '%p %y %m %s\n' -exec sh -c '[ -f "$1" ] && md5sum <"$1"' _ {} \; | sort); }
before=$(snapshot "$R")
host_resolv=$(cat /etc/resolv.conf 2>/dev/null)
# The minimal rootfs has none of the three: a private /etc with the rootfs's entries bound back.
out=$(C run --rootfs "$R" --name e1 --hostname web -- /bin/sh -c '
	echo "hostname=$(cat /etc/hostname)"
	cat /etc/hosts | sed "s/^/hosts: /"
	echo "resolv<<"; cat /etc/resolv.conf; echo ">>"
	echo "marker=$(cat /etc/marker)"
	echo "etc=$(ls /etc | tr "\n" " ")"
	echo changed >/etc/marker && echo new >/etc/newfile && echo "written"
	echo "addr=$(ip -o -4 addr show dev eth0 | sed "s/.*inet \([0-9.]*\).*/\1/")"' 2>&1)
is "etc: run exits 0" "$?" 0
like "etc: /etc/hostname" "$out" "hostname=web"
like "etc: /etc/hosts has localhost" "$out" $'hosts: 127\.0\.0\.1\tlocalhost'
like "etc: /etc/hosts has ::1" "$out" $'hosts: ::1\tlocalhost'
addr=$(sed -n 's/^addr=//p' <<<"$out")
like "etc: /etc/hosts has the container's IP with hostname and name" "$out" "hosts: ${addr//./\\.}"$'\tweb e1'
resolv=$(sed -n '/^resolv<</,/^>>/p' <<<"$out" | sed '1d;$d')
is "etc: /etc/resolv.conf is the host's without DNS in the result" "$resolv" "$host_resolv"
like "etc: the rootfs's other /etc entries still there" "$out" "marker=inside"
like "etc: /etc lists them all" "$out" "etc=hostname hosts marker resolv.conf "
like "etc: /etc is writable" "$out" "written"
is "etc: a write to an existing /etc file reaches the rootfs (bound back)" "$(cat "$R/etc/marker")" changed
[ -e "$R/etc/newfile" ] && not_ok "etc: a new /etc file stays private" || ok "etc: a new /etc file stays private"
echo inside >"$R/etc/marker"
is "etc: the rootfs on disk is unchanged" "$(snapshot "$R")" "$before"
[ -e "$T/state/e1.etc" ] && not_ok "etc: the private copies are removed" || ok "etc: the private copies are removed"

# A rootfs with all three files (a distribution's): bound over them, the files on disk kept.
R2=$T/rootfs2
cp -a "$R" "$R2"
for f in hostname hosts resolv.conf; do echo "ORIGINAL $f" >"$R2/etc/$f"; done
before2=$(snapshot "$R2")
out=$(C run --rootfs "$R2" --name e2 -- /bin/sh -c '
	echo "hostname=$(cat /etc/hostname)"; grep -c ORIGINAL /etc/hosts /etc/resolv.conf
	echo "hosts2=$(grep e2 /etc/hosts)"; echo extra >>/etc/hosts && echo appended' 2>&1)
like "etc, files present: our hostname" "$out" "hostname=e2"
like "etc, files present: ours, not the rootfs's" "$out" "/etc/hosts:0"
like "etc, files present: our resolv.conf" "$out" "/etc/resolv.conf:0"
like "etc, files present: hostname once when it is the name" "$out" $'hosts2=[0-9.]+\te2\n'
like "etc, files present: /etc/hosts writable" "$out" "appended"
is "etc, files present: the rootfs on disk is unchanged" "$(snapshot "$R2")" "$before2"

# DNS from the CNI result: a chained plugin adds it.
mkdir -p "$T/plugins"
cat >"$T/plugins/adddns" <<'EOS'
#!/bin/sh
# Passes prevResult through with a dns section on ADD; nothing else.
if [ "$CNI_COMMAND" = ADD ]; then
	python3 -c 'import json,sys; r=json.load(sys.stdin)["prevResult"]
r["dns"]={"nameservers":["10.1.2.3","10.1.2.4"],"domain":"example.test","search":["a.test","b.test"],"options":["ndots:2"]}
print(json.dumps(r))'
fi
EOS
chmod +x "$T/plugins/adddns"
cat >"$T/conf/dns.conflist" <<EOC
{"cniVersion":"1.0.0","name":"dns","plugins":[{"type":"bridge","bridge":"dnsbr",
 "ipam":{"type":"host-local","subnet":"10.244.241.0/24"}},{"type":"adddns"}]}
EOC
OD=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN:$T/plugins")
out=$("$CNICTL" run "${OD[@]}" --rootfs "$R" --net dns --name e3 -- /bin/cat /etc/resolv.conf 2>&1)
like "etc: nameservers from the result" "$out" $'nameserver 10\.1\.2\.3\nnameserver 10\.1\.2\.4'
like "etc: search from the result" "$out" "search a.test b.test"
like "etc: options from the result" "$out" "options ndots:2"
[[ $out == *"$host_resolv"* && -n $host_resolv ]] && not_ok "etc: not the host's when the result has DNS" || ok "etc: not the host's when the result has DNS"
ip link del dnsbr 2>/dev/null

# No network: the hostname still resolves.
out=$(C run --rootfs "$R" --no-net --hostname solo -- /bin/cat /etc/hosts 2>&1)
like "etc, --no-net: 127.0.1.1 for the hostname" "$out" $'127\.0\.1\.1\tsolo'

# resolv.conf a dangling symlink (as with systemd-resolved): replaced in the private /etc only.
R3=$T/rootfs3
cp -a "$R" "$R3"
ln -s ../run/systemd/resolve/stub-resolv.conf "$R3/etc/resolv.conf"
out=$(C run --rootfs "$R3" -- /bin/sh -c 'cat /etc/resolv.conf >/dev/null && echo readable' 2>&1)
like "etc: a dangling resolv.conf link gets our file" "$out" "readable"
is "etc: the link on disk is unchanged" "$(readlink "$R3/etc/resolv.conf")" ../run/systemd/resolve/stub-resolv.conf

# exec sees them too; a rootfs without /etc only warns.
"$CNICTL" run "${O[@]}" --name e4 --rootfs "$R" -- /bin/sleep 1000 &
pid=$!
wait_state e4 running
is "etc: exec sees /etc/hostname" "$(C exec e4 -- /bin/cat /etc/hostname)" e4
kill -TERM $pid
wait $pid
R4=$T/rootfs4
mkdir -p "$R4"/{bin,proc,sys,dev}
cp /bin/busybox "$R4/bin/busybox"
ln -s busybox "$R4/bin/sh"
err=$(C run --rootfs "$R4" -- /bin/sh -c 'exit 0' 2>&1)
is "etc: a rootfs without /etc runs" "$?" 0
like "etc: ... with a warning" "$err" "has no /etc directory"
[ -e "$R4/etc" ] && not_ok "etc: no /etc created in it" || ok "etc: no /etc created in it"
is "etc: no state left" "$(find "$T/state" -mindepth 1 ! -name lock)" ""
is "etc: nothing left" "$(leftovers)" ""
ip link del cnictl0 2>/dev/null
done_testing
