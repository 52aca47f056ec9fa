#!/bin/bash
# --rootfs: pivot_root into a busybox-static root built here, fresh /proc, network attached.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"

if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1; then
	echo "1..0 # SKIP busybox-static is not installed (tools/deps.sh installs it)"
	exit 77
fi
R=$T/rootfs
mkdir -p "$R"/{bin,proc,sys,dev,etc,tmp,root}
cp /bin/busybox "$R/bin/busybox"
for a in sh ls cat hostname ip ping sleep echo mount; do ln -s busybox "$R/bin/$a"; done
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
for _ in $(seq 100); do C list | grep -qE '^rf .* running ' && break; sleep 0.1; done
is "exec sees the rootfs" "$(C exec rf -- /bin/cat /etc/marker)" inside
kill -TERM $pid
wait $pid
is "rootfs container stopped by SIGTERM: 143" "$?" 143
mountpoint -q "$R/dev" && not_ok "host /dev bind not left on the rootfs" || ok "host /dev bind not left on the rootfs"
is "no netns left" "$(ls /run/netns)" ""
is "no veth left" "$(ip -o link show type veth)" ""
is "no state left" "$(find "$T/state" -mindepth 1 ! -name lock)" ""
ip link del cnictl0 2>/dev/null
done_testing
