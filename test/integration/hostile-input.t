#!/bin/bash
# Hostile input to both plugins: malformed, oversized and ambiguous JSON, hostile names and
# environment. Each request must fail with the right CNI error code (exit 1, never a signal) and
# change nothing: no link, address, file or firewall rule.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

netns_new h1
NS=/run/netns/h1
HL='"ipam":{"type":"host-local","ranges":[[{"subnet":"10.231.60.0/24"}]]}'
conf_for() { # PLUGIN [EXTRA-MEMBERS] : a valid config of that plugin type
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"hostile\",\"type\":\"$1\",\"bridge\":\"hbr0\",$HL${2:+,$2}}"
}
# run PLUGIN VERB STDIN [VAR=VALUE...] : like br() but for either plugin, stdin verbatim
run() {
	local p=$1 verb=$2 in=$3
	shift 3
	[[ $in == @* ]] || { printf '%s' "$in" >"$T/stdin"; in=@$T/stdin; }
	OUT=$(env CNI_COMMAND="$verb" CNI_PATH="$BIN" CNI_CONTAINERID=hctr \
		CNI_NETNS=$NS CNI_IFNAME=eth0 "$@" timeout 20 "$BIN/$p" <"${in#@}" 2>"$T/stderr")
	RC=$?
}

# Pre-existing state a rejected request must leave alone.
mkdir -p /var/lib/cni/networks/hostile "$T/victim"
echo keep >"$T/victim/file"

big=$(head -c $((4 * 1024 * 1024 + 16)) /dev/zero | tr '\0' ' ')
deep() { printf '%*s' "$1" '' | tr ' ' '['; printf '%*s' "$1" '' | tr ' ' ']'; }

for p in bridge host-local; do
	C=$(conf_for $p)
	snap_before
	run $p ADD ""; rejected "$p: empty stdin -> 6" 6
	run $p ADD "not json"; rejected "$p: not JSON -> 6" 6
	run $p ADD "[1,2]"; rejected "$p: JSON array instead of object -> 6" 6
	run $p ADD "${C%\}},\"pad\":\"x\"}$big"; rejected "$p: 4 MiB + 16 bytes -> 6" 6
	run $p ADD "${C%\}},\"x\":$(deep 65)}"; rejected "$p: nesting 66 deep -> 6" 6
	run $p ADD "${C%\}},\"x\":$(deep 200000)}"; rejected "$p: nesting 200000 deep -> 6, no crash" 6
	run $p ADD "${C%\}},\"name\":\"other\"}"; rejected "$p: duplicate key -> 6" 6
	run $p ADD "$C {}"; rejected "$p: trailing data -> 6" 6
	printf '{"cniVersion":"1.0.0","name":"hostile"\x00,"type":"%s"}' $p >"$T/nul"
	run $p ADD "@$T/nul"
	rejected "$p: NUL byte -> 6" 6
	run $p ADD "$(printf '{"cniVersion":"1.0.0","name":"host\xffile","type":"%s"}' $p)"
	rejected "$p: invalid UTF-8 in the network name -> 7" 7
	run $p ADD "${C/1.0.0/9.9.9}"; rejected "$p: unknown cniVersion -> 1" 1
	run $p ADD "${C/\"1.0.0\"/1}"; rejected "$p: cniVersion as a number -> 7" 7
	run $p ADD "${C/\"hostile\"/\"../../../tmp/x\"}"; rejected "$p: network name ../../../tmp/x -> 7" 7
	run $p ADD "${C/\"hostile\"/\"a/b\"}"; rejected "$p: network name with / -> 7" 7
	run $p ADD "${C/\"hostile\"/\"..\"}"; rejected "$p: network name .. -> 7" 7
	run $p ADD "${C/\"hostile\"/\".hidden\"}"; rejected "$p: network name .hidden -> 7" 7
	run $p ADD "${C/\"hostile\"/[\"hostile\"]}"; rejected "$p: network name as a list -> 7" 7
	run $p ADD "${C/\"hostile\"/\"$(printf 'n%.0s' {1..256})\"}"; rejected "$p: 256-byte network name -> 7" 7

	for id in ../../x a/b .x -x "a b" "$(printf 'a\nb')" "$(printf 'i%.0s' {1..1025})"; do
		run $p ADD "$C" CNI_CONTAINERID="$id"
		rejected "$p: container ID '${id:0:20}' -> 4" 4
	done
	run $p ADD "$C" CNI_CONTAINERID=; rejected "$p: empty container ID -> 4" 4
	for ifn in "" abcdefghijklmnop a/b . .. "eth 0" eth0:1 $'e\tth' $'eth\n'; do
		run $p ADD "$C" CNI_IFNAME="$ifn"
		rejected "$p: ifname '$ifn' -> 4" 4
	done
	run $p ADD "$C" CNI_COMMAND=add; rejected "$p: lower-case command -> 4" 4
	run $p ADD "$C" CNI_COMMAND=FOO; rejected "$p: unknown command -> 4" 4
	run $p ADD "$C" CNI_ARGS=IP; rejected "$p: CNI_ARGS pair without = -> 4" 4
	run $p ADD "$C" CNI_ARGS="FOO=1"; rejected "$p: unknown CNI_ARGS key -> 4" 4
	run $p ADD "$C" CNI_ARGS="IgnoreUnknown=maybe"; rejected "$p: IgnoreUnknown=maybe -> 4" 4
	run $p ADD "$C" CNI_ARGS="a=b=c"; rejected "$p: CNI_ARGS a=b=c -> 4" 4
	run $p CHECK "${C/1.0.0/0.3.1}"; rejected "$p: CHECK on 0.3.1 -> 1" 1
	run $p GC "$C"; rejected "$p: GC on 1.0.0 -> 1" 1
	is "$p: victim file untouched" "$(cat "$T/victim/file")" keep
done

# DEL gets the same validation: a hostile name or ID must not select files to delete.
touch /var/lib/cni/networks/hostile/10.231.60.9
snap_before
for p in bridge host-local; do
	C=$(conf_for $p)
	run $p DEL "${C/\"hostile\"/\"../networks/hostile\"}"; rejected "$p: DEL with a traversing network name -> 7" 7
	run $p DEL "$C" CNI_CONTAINERID=../hostile; rejected "$p: DEL with a traversing container ID -> 4" 4
	run $p DEL "$C" CNI_IFNAME=../../x; rejected "$p: DEL with a traversing ifname -> 4" 4
done
rm -f /var/lib/cni/networks/hostile/10.231.60.9

is "no link left in h1" "$(ns_links h1)" 0
is "no host veth" "$(host_veths)" 0
is "no lease" "$(lease_files)" 0
ip netns del h1
done_testing
