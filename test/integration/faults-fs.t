#!/bin/bash
# A full (ENOSPC: no blocks, no inodes) or read-only (EROFS) data dir: ADD fails with a clean
# CNI error (code 5), rolls back (no veth, lease or state record), and everything works again once
# the file system is usable. The bridge's own state dir is another matter: the reference keeps
# no record there, so a read-only or full one does not fail ADD (plugins/bridge/state.c), and DEL
# still removes the veth, going by the netns. Small tmpfs mounts inside the sandbox's mount
# namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"
. "$(dirname "$0")/hostile-common.sh"

netns_new s1
NS=/run/netns/s1
mkfs() { # DIR OPTIONS : fresh tmpfs
	umount "$1" 2>/dev/null
	mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1"
}
conf_dd() { # DATADIR : bridge + host-local with that dataDir
	echo "{\"cniVersion\":\"1.0.0\",\"name\":\"fsnet\",\"type\":\"bridge\",\"bridge\":\"fsbr0\",\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.231.72.0/24\"}]],\"dataDir\":\"$1\"}}"
}
io_error() { # DESC : failed with code 5 (or 999 wrapping an errno), clean JSON
	local code
	code=$(err_code)
	if [ "$RC" = 1 ] && [[ $code =~ ^(5|999)$ ]]; then ok "$1"; else not_ok "$1" "rc=$RC code=$code" "$OUT"; fi
}
nothing_left() { # DESC
	is "$1: no host veth" "$(host_veths)" 0
	is "$1: no container link" "$(ns_links s1)" 0
	is "$1: no state record" "$(records fsnet)" 0
}
leases_in() { find "$1/fsnet" -type f ! -name lock ! -name 'last_reserved_ip*' ! -path '*/.owners/*' 2>/dev/null | wc -l; }

# --- leases on a file system without free blocks ---
mkfs "$T/full" size=64k
dd if=/dev/zero of="$T/full/fill" bs=4k 2>/dev/null
C=$(conf_dd "$T/full")
br ADD "$C" e1 $NS
io_error "ENOSPC (blocks) in dataDir: ADD fails with an I/O error"
like "the message names the problem" "$(json_get "$OUT" msg) $(json_get "$OUT" details)" 'ENOSPC|[Nn]o space'
nothing_left "ENOSPC blocks"
is "no lease in the full dataDir" "$(leases_in "$T/full")" 0
br DEL "$C" e1 $NS; ok_rc "DEL after the failed ADD"
rm -f "$T/full/fill"
br ADD "$C" e1 $NS; ok_rc "ADD works once there is space"
br DEL "$C" e1 $NS; ok_rc "DEL"
nothing_left "after recovery"
is "no lease left" "$(leases_in "$T/full")" 0

# --- no free inodes ---
mkfs "$T/noinode" nr_inodes=8,size=1m
mkdir -p "$T/noinode/fsnet"
i=0
while touch "$T/noinode/f$i" 2>/dev/null; do i=$((i + 1)); done
C=$(conf_dd "$T/noinode")
br ADD "$C" e2 $NS
io_error "ENOSPC (inodes) in dataDir: ADD fails with an I/O error"
nothing_left "ENOSPC inodes"
br DEL "$C" e2 $NS; ok_rc "DEL after the failed ADD"

# --- read-only dataDir ---
mkfs "$T/ro" size=1m
mkdir -p "$T/ro/fsnet"
mount -o remount,ro "$T/ro"
C=$(conf_dd "$T/ro")
br ADD "$C" e3 $NS
io_error "EROFS dataDir: ADD fails with an I/O error"
like "the message names the problem" "$(json_get "$OUT" msg) $(json_get "$OUT" details)" 'EROFS|[Rr]ead-only'
nothing_left "EROFS"
br DEL "$C" e3 $NS; ok_rc "DEL with a read-only dataDir and nothing to release"

# --- bridge's own state dir read-only / full: ADD works without a record, DEL by the netns ---
C=$(conf_dd "$T/leases")
no_record_cycle() { # DESC ID
	br ADD "$C" "$2" $NS; ok_rc "$1: ADD succeeds without a state record"
	like "$1: ADD says so on stderr" "$(cat "$T/stderr")" 'going on without a state record'
	is "$1: veth and lease are there" "$(host_veths)/$(ns_links s1)/$(leases_in "$T/leases")" 1/1/1
	is "$1: no record" "$(find /var/lib/cni/bridge -name "$2-*" | wc -l)" 0
	br CHECK "$(prev "$C" "$OUT")" "$2" $NS; ok_rc "$1: CHECK"
	br DEL "$C" "$2" $NS; ok_rc "$1: DEL"
	nothing_left "$1: after DEL"
	is "$1: lease released" "$(leases_in "$T/leases")" 0
	br DEL "$C" "$2" $NS; ok_rc "$1: DEL again"
}
mkdir -p /var/lib/cni/bridge
mkfs /var/lib/cni/bridge size=1m
mount -o remount,ro /var/lib/cni/bridge
no_record_cycle "read-only bridge state dir" e4
mkfs /var/lib/cni/bridge size=8k
dd if=/dev/zero of=/var/lib/cni/bridge/fill bs=4k 2>/dev/null
no_record_cycle "full bridge state dir" e5
umount /var/lib/cni/bridge
br ADD "$C" e6 $NS; ok_rc "ADD works with a usable state dir"
br DEL "$C" e6 $NS; ok_rc "DEL"
br DEL "$C" e6 $NS; ok_rc "DEL again"
nothing_left "end"
is "no lease left" "$(leases_in "$T/leases")" 0

umount "$T/full" "$T/noinode" "$T/ro" 2>/dev/null
ip netns del s1
done_testing
