#!/bin/bash
# host-local: byte-level compatibility with the reference (/usr/lib/cni/host-local): the same
# requests produce identical files, and each plugin releases and checks the other's leases.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"
if [ ! -x "$REF/host-local" ]; then
	skip "reference compatibility" "no $REF/host-local"
	done_testing
	exit 0
fi

# same sequence in two directories, one per plugin; compare every file byte for byte
R='"ranges":[[{"subnet":"10.231.1.0/24"}],[{"subnet":"fd00:231:1::/64","rangeStart":"fd00:231:1::a"}]]'
CO=$(hl_conf cmp "$R,\"dataDir\":\"$T/ours\"")
CR=$(hl_conf cmp "$R,\"dataDir\":\"$T/ref\"")
for id in a1 a2 a3; do
	hl ADD "$CO" $id; o=$(ips)
	ref ADD "$CR" $id; r=$(ips)
	is "same addresses for $id" "$o" "$r"
done
hl DEL "$CO" a2; ref DEL "$CR" a2
hl ADD "$CO" a4 net1; o=$(ips)
ref ADD "$CR" a4 net1; r=$(ips)
is "same round-robin after a DEL" "$o" "$r"
is "same file names, plus our owner index" "$(ls -A $T/ours/cmp | tr '\n' ' ')" ".owners $(ls -A $T/ref/cmp | tr '\n' ' ')"
same=0 diff=0
for p in "$T"/ref/cmp/* "$T"/ref/cmp/.[!.]*; do
	[ -e "$p" ] || continue
	f=${p##*/}
	if cmp -s "$T/ours/cmp/$f" "$T/ref/cmp/$f"; then same=$((same + 1)); else diff=$((diff + 1)); echo "# differs: $f"; fi
done
is "every file byte-identical ($same files)" "$diff" 0
is "lease content bytes" "$(content $T/ours/cmp/10.231.1.2)" "$(content $T/ref/cmp/10.231.1.2)"

# allocation error messages are the reference's, word for word
msgs() { # runner dataDir-suffix -> the messages of a fixed scenario, one per line
	local c c2
	c=$(hl_conf em "$R,\"dataDir\":\"$T/em$2\"")
	c2=$(hl_conf em2 "\"ranges\":[[{\"subnet\":\"10.231.7.0/30\"}]],\"dataDir\":\"$T/em$2\"")
	$1 ADD "$c" e1 eth0 CNI_ARGS="IP=10.231.1.50"
	$1 ADD "$c" e2 eth0 CNI_ARGS="IP=10.231.1.50"; msg
	$1 ADD "$c" e2 eth0 CNI_ARGS="IP=10.231.1.1"; msg
	$1 ADD "$c" e1; msg
	$1 ADD "$c" e3 eth0 CNI_ARGS="IP=10.231.9.5"; msg
	$1 ADD "$c2" x1; $1 ADD "$c2" x2; msg
	for id in e1 e2 e3; do $1 DEL "$c" $id; done
	$1 DEL "$c2" x1; $1 DEL "$c2" x2
}
mo=$(msgs hl o)
mr=$(msgs ref r)
is "allocation error messages identical to the reference" "$(echo "$mo" | tr "\n" "|")" "$(echo "$mr" | tr "\n" "|")"
is "... (5 scenarios)" "$(echo "$mo" | grep -c .)" 5

# ours ADD -> reference DEL, CHECK
C=$(hl_conf x "$R")
hl ADD "$C" o1
RO=$OUT
ref CHECK "$(with_prev "$C" "$RO")" o1
is "reference CHECK accepts our lease" "$RC" 0
ref DEL "$C" o1
is "reference DEL releases our leases" "$(leases x)" ""
# reference ADD -> ours CHECK, DEL (with and without prevResult)
ref ADD "$C" r1
RR=$OUT
hl CHECK "$(with_prev "$C" "$RR")" r1
is "our CHECK accepts the reference's lease" "$RC" 0
hl DEL "$(with_prev "$C" "$RR")" r1
is "our DEL (prevResult) releases the reference's leases" "$(leases x)" ""
ref ADD "$C" r2
hl DEL "$C" r2
is "our DEL (scan) releases the reference's leases" "$(leases x)" ""
# the reference continues our round robin and vice versa
hl ADD "$C" o2; o=$(ips)
ref ADD "$C" r3; r=$(ips)
like "reference continues after our cursor" "$o -> $r" "10.231.1.([0-9]+)/24 .* -> 10.231.1.[0-9]+/24"
ref DEL "$C" r3; hl DEL "$C" o2

# duplicate detection across plugins
ref ADD "$C" d1
hl ADD "$C" d1
like "our ADD refuses a duplicate of a reference lease" "$(msg)" "has been allocated to d1, duplicate allocation is not allowed"
hl DEL "$C" d1
hl ADD "$C" d2
ref ADD "$C" d2
like "reference refuses a duplicate of our lease" "$(msg)" "duplicate allocation is not allowed"
ref DEL "$C" d2
is "nothing left" "$(leases x)" ""

# legacy leases holding only the container ID (pre-ifname) are matched
mkdir -p $D/x
printf 'old1' >$D/x/10.231.1.200
hl CHECK "$C" old1
is "CHECK matches a legacy ID-only lease" "$RC" 0
hl ADD "$C" old1
like "duplicate check sees a legacy lease" "$(msg)" "10.231.1.200 has been allocated to old1"
hl DEL "$C" old1
is "DEL releases a legacy lease" "$(leases x)" ""
printf 'old2' >$D/x/10.231.1.201
hl DEL "$(with_prev "$C" '{"cniVersion":"1.0.0","ips":[{"address":"10.231.1.201/24"}]}')" old2
is "DEL with prevResult releases a legacy lease" "$(leases x)" ""
# an exact lease wins over a legacy one of the same ID (another ifname's old record stays)
printf 'old3' >$D/x/10.231.1.202
printf 'old3\r\neth1' >$D/x/10.231.1.203
hl DEL "$C" old3 eth1
is "exact match released, legacy kept" "$(leases x)" "10.231.1.202"
hl DEL "$C" old3
is "then the legacy one" "$(leases x)" ""

# DEL never removes another attachment's lease named in a wrong prevResult
hl ADD "$C" v1; RV=$OUT
hl DEL "$(with_prev "$C" "$RV")" v2
is "DEL with someone else's prevResult leaves the lease" "$(leases x | wc -w)" 2
hl DEL "$C" v1
is "nothing left" "$(leases x)" ""
done_testing
