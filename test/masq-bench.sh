#!/bin/bash
# ipMasq cost: libiptc vs nf_tables netlink (in-process, wall and CPU medians, via masqctl bench) vs
# the reference's way (exec iptables: 9 execs per ADD, 6 per DEL, as observed with strace),
# empty and with 500 other attachments. Runs itself inside a throw-away sandbox (never touches
# the host firewall). Usage: [MASQ_BENCH_N=50] test/masq-bench.sh
set -u
if [ -z "${CNI_SANDBOXED:-}" ]; then
	exec test/integration/sandbox.sh "$(readlink -f "$0")" "$@"
fi
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
M=$ROOT/build/test/masqctl
N=${MASQ_BENCH_N:-50}

cpu_ms() { # VAR : children user+sys CPU in ms so far (bash `times` in this very shell; a
	# $(...) subshell would only count its own children)
	local u s um us sm ss
	times >"$T/times"
	read -r u s < <(tail -1 "$T/times")
	um=${u%%m*} us=${u#*m} us=${us%s} sm=${s%%m*} ss=${s#*m} ss=${ss%s}
	printf -v "$1" '%d' $(((um + sm) * 60000 + 10#${us/./} + 10#${ss/./}))
}

exec_seq() { # IPT i add|del : the reference's command sequence for one attachment
	local ipt=$1 c=CNI-bench$2 cm="name: \"net1\" id: \"bench$2\""
	if [ "$3" = add ]; then
		$ipt --version >/dev/null
		$ipt -w -t nat -S >/dev/null
		$ipt -w -t nat -N "$c"
		$ipt -w -t nat -C "$c" -d 10.0.0.0/24 -m comment --comment "$cm" -j ACCEPT 2>/dev/null ||
			$ipt -w -t nat -A "$c" -d 10.0.0.0/24 -m comment --comment "$cm" -j ACCEPT
		$ipt -w -t nat -C "$c" ! -d 224.0.0.0/4 -m comment --comment "$cm" -j MASQUERADE 2>/dev/null ||
			$ipt -w -t nat -A "$c" ! -d 224.0.0.0/4 -m comment --comment "$cm" -j MASQUERADE
		$ipt -w -t nat -C POSTROUTING -s 10.0.0.5 -m comment --comment "$cm" -j "$c" 2>/dev/null ||
			$ipt -w -t nat -A POSTROUTING -s 10.0.0.5 -m comment --comment "$cm" -j "$c"
	else
		$ipt --version >/dev/null
		$ipt -w -t nat -D POSTROUTING -s 10.0.0.5 -m comment --comment "$cm" -j "$c"
		$ipt -w -t nat -D POSTROUTING -s 10.0.0.5/24 -m comment --comment "$cm" -j "$c" 2>/dev/null
		$ipt -w -t nat -S "$c" >/dev/null
		$ipt -w -t nat -F "$c"
		$ipt -w -t nat -X "$c"
	fi
}

med() { sort -n | awk '{a[NR]=$1} END{printf "%.2f", a[int(NR/2)+1]/1000}'; }

by_exec() { # label cmd-for-add cmd-for-del (each gets $i)
	local label=$1 add=$2 del=$3 a=() d=() c0 c1 c2 ca=0 cd=0 t0 t1 t2
	# shellcheck disable=SC2034 # $i is used by the eval'ed commands
	for i in $(seq 1 "$N"); do
		cpu_ms c0
		t0=$(date +%s%N)
		eval "$add" >/dev/null 2>&1
		t1=$(date +%s%N)
		cpu_ms c1
		eval "$del" >/dev/null 2>&1
		t2=$(date +%s%N)
		cpu_ms c2
		a+=($(((t1 - t0) / 1000))) d+=($(((t2 - t1) / 1000)))
		ca=$((ca + c1 - c0)) cd=$((cd + c2 - c1))
	done
	printf '%-34s wall add_median_ms=%s del_median_ms=%s | cpu add_mean_ms=%s del_mean_ms=%s\n' \
		"$label" "$(printf '%s\n' "${a[@]}" | med)" "$(printf '%s\n' "${d[@]}" | med)" \
		"$((ca / N))" "$((cd / N))"
}

round() {
	echo "== $1"
	"$M" -b iptables bench "$N" net1 10.0.0.5/24 | sed 's/^/libiptc in-process             /'
	"$M" -b iptables bench-cpu "$N" net1 10.0.0.5/24 | sed 's/^/libiptc in-process             /'
	"$M" -b nftables bench "$N" net1 10.0.0.5/24 | sed 's/^/nf_tables netlink in-process   /'
	"$M" -b nftables bench-cpu "$N" net1 10.0.0.5/24 | sed 's/^/nf_tables netlink in-process   /'
	by_exec "baseline (no-op; timing overhead)" ':' ':'
	by_exec "masqctl process, no-op (resolve)" '"$M" resolve' '"$M" resolve'
	by_exec "masqctl process, iptables" '"$M" -b iptables add net1 p$i eth0 10.0.0.5/24' '"$M" del net1 p$i eth0'
	by_exec "masqctl process, nftables" '"$M" -b nftables add net1 p$i eth0 10.0.0.5/24' '"$M" del net1 p$i eth0'
	by_exec "exec iptables-legacy (reference)" 'exec_seq iptables-legacy $i add' 'exec_seq iptables-legacy $i del'
}

if [ "${1:-}" = nft-only ]; then
	ip link set lo up
	by_exec "exec iptables (nf_tables, reference)" 'exec_seq iptables $i add' 'exec_seq iptables $i del'
	exit 0
fi
uptime
round "empty tables"
"$M" -b iptables fill 500 net1 && "$M" -b nftables fill 500 net1
round "500 other attachments in each backend"
# iptables-nft in a netns of its own: with legacy tables present it scans and warns
unshare --net bash "$(readlink -f "$0")" nft-only
uptime
