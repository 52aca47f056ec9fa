#!/bin/bash
# bridge DEL: idempotent; works after the netns is gone and with an empty CNI_NETNS (the lease and
# the state record still go); never deletes an interface that belongs to another container.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

C=$(conf 1.0.0 neta sa1br1 10.231.11.0/24 '"isGateway":true')

# netns removed before DEL
netns_new c1
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD"
ip netns del c1
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL after the netns is gone"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL again"
assert_clean neta

# empty CNI_NETNS while the netns still exists: the host veth named in the record goes, and with
# it the container end
netns_new c1
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD"
br DEL "$C" ctr1 ""; ok_rc "DEL with empty CNI_NETNS"
is "container interface removed too" "$(ns_links c1)" 0
br DEL "$C" ctr1 ""; ok_rc "DEL with empty CNI_NETNS again"
assert_clean neta c1

# DEL without any ADD, without netns, spec 0.3.1 (no prevResult)
br DEL "$(conf 0.3.1 neta sa1br1 10.231.11.0/24)" never /run/netns/nope; ok_rc "DEL of an attachment that never existed"

# another container's interface
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD ctr1"
br ADD "$C" ctr2 /run/netns/c1; fail_rc "ADD ctr2 with the same ifname in the same netns fails" "" "already exists"
is "ctr1's interface survives the failed ADD" "$(ns_links c1)" 1
is "ctr1's lease survives the failed ADD" "$(leases neta)" 1
br DEL "$C" ctr2 /run/netns/c1; ok_rc "DEL ctr2 (same netns, same ifname)"
is "ctr1's interface survives ctr2's DEL" "$(ns_links c1)" 1
is "ctr1's host veth survives" "$(host_veths)" 1
is "ctr1's lease survives" "$(leases neta)" 1
br ADD "$C" ctr1 /run/netns/c1; fail_rc "second ADD of the same attachment is refused" "" "already exists"
is "and leaves the first one alone" "$(ns_links c1)/$(leases neta)/$(records neta)" "1/1/1"
br DEL "$C" ctr1 /run/netns/c1; ok_rc "DEL ctr1"
assert_clean neta c1

# DEL when the netns path is not a netns
br ADD "$C" ctr1 /run/netns/c1; ok_rc "ADD"
br DEL "$C" ctr1 /tmp; ok_rc "DEL with a bogus netns path still cleans up by record"
assert_clean neta c1
# an ADD killed between writing its state record's temp file and renaming it: a GC that does
# not list the attachment removes that temp file too (and DEL does as well)
GCC=$(python3 -c 'import json,sys;c=json.loads(sys.argv[1]);c["cniVersion"]="1.1.0";c["cni.dev/valid-attachments"]=[];print(json.dumps(c))' "$C")
(echo "$C" | strace -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=1 \
	env CNI_COMMAND=ADD CNI_PATH="$BIN" CNI_CONTAINERID=tmp1 CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 \
	"$BIN/bridge" >/dev/null 2>&1) 2>/dev/null
like "the killed ADD left a temp file" "$(ls -A $ST_DIR/neta)" '^\.tmp1:eth0\.tmp$'
CNI_TYPE=bridge cni GC "$GCC"; ok_rc "GC listing nothing"
is "the temp file is gone" "$(ls -A $ST_DIR/neta)" ""
# killed in the middle of writing it: a torn temp file, whose name still says whose it is
mkdir -p "$ST_DIR/neta"
printf '{"containerID":"to' >"$ST_DIR/neta/.torn1:eth0.tmp"
CNI_TYPE=bridge cni GC "$GCC"; ok_rc "GC with a torn temp file"
is "the torn temp file is gone" "$(ls -A $ST_DIR/neta)" ""
br DEL "$C" tmp1 /run/netns/c1; ok_rc "the runtime's DEL"
assert_clean neta c1
done_testing
