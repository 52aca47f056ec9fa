#!/bin/bash
# Load: 200 parallel ADD/DEL cycles mixed on one network (bridge + host-local, dual stack, ipMasq):
# no duplicate address among live attachments at any check point, every call succeeds (or fails
# with "try again", code 11, and is retried), and nothing is left at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

N=${LOAD_N:-200}
C=$(conf 1.0.0 loadnet lbr0 10.231.80.0/22,fd00:231:80::/64 '"isGateway":true,"ipMasq":true')
printf '%s' "$C" >"$T/conf"
mkdir -p "$T/out"

# one VERB ID : one plugin call in namespace ld-ID; result in $T/out/ID.VERB; retried on code 11
one() {
	local verb=$1 id=$2 try out rc
	for try in 1 2 3 4 5; do
		out=$(env CNI_COMMAND="$verb" CNI_PATH="$BIN" CNI_CONTAINERID="ld$id" \
			CNI_NETNS="/run/netns/ld$id" CNI_IFNAME=eth0 "$BIN/bridge" <"$T/conf" 2>&1)
		rc=$?
		[ "$rc" = 0 ] && break
		[[ $out =~ \"code\":[[:space:]]*11 ]] || break
	done
	printf '%s\n' "$out" >"$T/out/$id.$verb"
	echo "$rc" >"$T/out/$id.$verb.rc"
}
failures() { # VERB IDS... : how many calls did not exit 0
	local v=$1 n=0 id
	shift
	for id in "$@"; do [ "$(cat "$T/out/$id.$v.rc" 2>/dev/null)" = 0 ] || n=$((n + 1)); done
	echo $n
}
addresses() { # IDS... : every address of the given attachments' ADD results, one per line
	local id
	for id in "$@"; do
		grep -o '"address":[[:space:]]*"[^"]*"' "$T/out/$id.ADD" | sed 's/.*"\([^"]*\)"$/\1/'
	done
}
dups() { sort | uniq -d | wc -l; }

for i in $(seq 0 "$N"); do ip netns add "ld$i"; done
ok "$N network namespaces"
one ADD 0 && one DEL 0 # warm-up: the bridge and shared firewall chains exist from here on
fw_base=$(snapshot | grep -vE '^(/|veth)' | grep -v ' fe80::')
seq_a=$(seq 1 2 "$N") seq_b=$(seq 2 2 "$N")

# Phase 1: odd IDs ADD in parallel.
t0=$(date +%s%N)
for i in $seq_a; do one ADD "$i" & done
wait
t1=$(date +%s%N)
# Phase 2, mixed: even IDs ADD while half of the odd IDs DEL, all at once.
del_a=$(seq 1 4 "$N") keep_a=$(seq 3 4 "$N")
for i in $seq_b; do one ADD "$i" & done
for i in $del_a; do one DEL "$i" & done
wait
t2=$(date +%s%N)
echo "# phase 1: $((N / 2)) parallel ADDs in $(((t1 - t0) / 1000000)) ms; phase 2: $((N / 2)) ADDs + $((N / 4)) DELs mixed in $(((t2 - t1) / 1000000)) ms"

# shellcheck disable=SC2086
{
	is "every ADD succeeded" "$(failures ADD $seq_a $seq_b)" 0
	is "every DEL succeeded" "$(failures DEL $del_a)" 0
	live="$keep_a $seq_b"
	n_live=$(echo $live | wc -w)
	is "live attachments hold distinct addresses" "$(addresses $live | dups)" 0
	is "each live attachment has an IPv4 and an IPv6 address" "$(addresses $live | wc -l)" $((2 * n_live))
	is "one lease per live address" "$(leases loadnet)" $((2 * n_live))
	is "one state record per live attachment" "$(records loadnet)" "$n_live"
	is "one host veth per live attachment" "$(host_veths)" "$n_live"
	# the kernel agrees: no address twice on the container side
	is "no address configured twice in the container namespaces" \
		"$(for i in $live; do ip -n "ld$i" -o addr show dev eth0 scope global; done | awk '{print $4}' | dups)" 0
}

# Phase 3: ADD the deleted ones again while everything else DELs, then DEL the rest.
t2=$(date +%s%N)
for i in $del_a; do one ADD "$i" & done
for i in $keep_a $seq_b; do one DEL "$i" & done
wait
for i in $del_a; do one DEL "$i" & done
wait
t3=$(date +%s%N)
echo "# phase 3: $((N / 4)) ADDs + $((3 * N / 4)) DELs mixed, then $((N / 4)) DELs: $(((t3 - t2) / 1000000)) ms"
# shellcheck disable=SC2086
{
	is "every DEL of phase 3 succeeded" "$(failures DEL $seq_a $seq_b)" 0
	is "re-ADDs succeeded" "$(failures ADD $del_a)" 0
}
assert_clean loadnet
leftover=0
for i in $(seq 0 "$N"); do
	[ "$(ns_links "ld$i")" = 0 ] || leftover=$((leftover + 1))
	ip netns del "ld$i"
done
is "no container namespace kept a link" "$leftover" 0
is "firewall and host addresses back to the warm-up state" \
	"$(snapshot | grep -vE '^(/|veth)' | grep -v ' fe80::')" "$fw_base"
done_testing
