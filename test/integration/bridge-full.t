#!/bin/bash
# The kernel's limit: one bridge holds 1023 ports (BR_MAX_PORTS 1024, port 0 reserved). The ADD
# that would need one more gets a clear error naming the limit, and leaves nothing behind
# (no veth, no lease, no state record); a port freed makes room again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

ip link add full0 type bridge
# 1022 ports from plain veth pairs (one batch), then ours as the 1023rd. Their peers live in
# one netns, whose deletion removes all pairs at once (one RCU wait, not 1022).
netns_new junk
for i in $(seq 1022); do echo "link add fp$i type veth peer name fq$i netns junk"; echo "link set fp$i master full0"; done >"$T/batch"
check "1022 ports attached" ip -batch "$T/batch"
is "the bridge has 1022 ports" "$(ip -o link show master full0 | wc -l)" 1022
C=$(conf 1.0.0 full full0 10.232.64.0/22)
netns_new c1
netns_new c2
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD of the 1023rd port"
br ADD "$C" ctr2 /run/netns/c2; fail_rc "ADD of a 1024th is refused" 999 "at most 1023 ports"
is "it left no interface in its netns" "$(ns_links c2)" 0
is "nor a lease (only ctr1's)" "$(leases full)" 1
is "nor a state record (only ctr1's)" "$(records full)" 1
is "the bridge still has 1023 ports" "$(ip -o link show master full0 | wc -l)" 1023
br DEL "$C" ctr2 /run/netns/c2; ok_rc "DEL of the refused one"
ip link del fp1
br ADD "$C" ctr2 /run/netns/c2; ok_rc "with one port freed, the ADD fits"
br DEL "$C" ctr2 /run/netns/c2; ok_rc "DEL ctr2"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL ctr1"
ip link del full0
ip netns del junk
for _ in $(seq 100); do [ "$(host_veths)" = 0 ] && break; sleep 0.1; done
assert_clean full c1 c2
ip netns del c1
ip netns del c2
done_testing
