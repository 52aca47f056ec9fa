#!/bin/bash
# ipMasq backend selection: an unknown ipMasqBackend is code 7; auto picks nftables where
# `iptables` resolves (through alternatives) to xtables-nft-multi, iptables (libiptc) where it
# is legacy; DEL cleans an attachment in both backends whatever the config says now.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/masq-common.sh"

masq -b bogus resolve
like "unknown backend is a config error (7)" "$RC $OUT" '^1 error 7: unknown ipMasqBackend "bogus"'
is "explicit iptables stays" "$("$M" -b iptables resolve)" iptables
is "explicit nftables stays" "$("$M" -b nftables resolve)" nftables

case $(readlink -f /usr/sbin/iptables) in
*xtables-nft-multi) want=nftables ;;
*) want=iptables ;;
esac
is "auto on this host ($(readlink -f /usr/sbin/iptables))" "$("$M" resolve)" "$want"
is "auto without an iptables binary, legacy tables available" "$("$M" -p /nonexistent/iptables resolve)" iptables

# Switch the alternatives inside this private mount namespace only.
mkdir -p "$T/alt"
cp -a /etc/alternatives/. "$T/alt/" 2>/dev/null
if [ -L /etc/alternatives/iptables ] && mount -t tmpfs tmpfs /etc/alternatives &&
	cp -a "$T/alt/." /etc/alternatives/; then
	ln -sfn /usr/sbin/xtables-legacy-multi /etc/alternatives/iptables
	is "auto with iptables -> legacy" "$("$M" resolve)" iptables
	ok_masq "auto ADD (legacy host)" add net1 ctr1 eth0 10.0.0.5/24
	is "rules went to legacy x_tables" "$(iptables-legacy -w -t nat -S | grep -c 'id: \\"ctr1\\"')" 3
	ln -sfn /usr/sbin/xtables-nft-multi /etc/alternatives/iptables
	is "auto with iptables -> nft" "$("$M" resolve)" nftables
	ok_masq "auto ADD (nft host), same attachment" add net1 ctr1 eth0 10.0.0.5/24
	is "rule went to nftables" "$(nft list table inet cni_plugins_masquerade | grep -c 'id: ctr1')" 1
	ok_masq "auto CHECK (nft)" check net1 ctr1 eth0 10.0.0.5/24
	ok_masq "DEL cleans both backends" del net1 ctr1 eth0
	is "legacy: nothing left" "$(iptables-legacy -w -t nat -S | grep -vc '^-P')" 0
	is "nft: nothing left" "$(nft list table inet cni_plugins_masquerade | grep -c 'masquerade comment')" 0
	umount /etc/alternatives
else
	skip "auto with switched alternatives" "no /etc/alternatives/iptables or cannot mount"
fi
ok_masq "DEL twice" del net1 ctr1 eth0
done_testing
