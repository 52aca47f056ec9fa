#!/bin/bash
# Parallel ADD/DEL of distinct attachments, per backend: iptables serialises on
# /run/xtables.lock (no lost update from libiptc's whole-table commits), nftables on atomic
# transactions (retrying once when a handle vanished). Nothing lost, nothing left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/masq-common.sh"

N=24
for b in iptables nftables; do
	pids=()
	for i in $(seq 1 $N); do
		"$M" -b $b add pnet p$i eth0 10.9.$((i / 250)).$((i % 250 + 1))/16 fd00:9::$i/64 >"$T/add.$i" 2>&1 &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	is "[$b] $N parallel ADDs succeed" "$fails" 0
	bad=0
	for i in $(seq 1 $N); do
		"$M" -b $b check pnet p$i eth0 10.9.$((i / 250)).$((i % 250 + 1))/16 fd00:9::$i/64 >/dev/null 2>&1 || bad=$((bad + 1))
	done
	is "[$b] every attachment's rules are there" "$bad" 0
	if [ $b = iptables ]; then
		is "[$b] $N v4 jumps" "$(iptables-legacy -w -t nat -S POSTROUTING | grep -c CNI-)" $N
	else
		is "[$b] $((2 * N)) nft rules" "$(nft list chain inet cni_plugins_masquerade masq_checks | grep -c "masquerade comment")" $((2 * N))
	fi
	pids=()
	for i in $(seq 1 $N); do
		"$M" del pnet p$i eth0 >"$T/del.$i" 2>&1 &
		pids+=($!)
	done
	fails=0
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
	is "[$b] $N parallel DELs succeed" "$fails" 0
	is "[$b] nothing left (legacy)" "$(iptables-legacy -w -t nat -S | grep -vc '^-P')$(ip6tables-legacy -w -t nat -S | grep -vc '^-P')" 00
	is "[$b] nothing left (nft)" "$(nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null | grep -c "masquerade comment")" 0
done
done_testing
