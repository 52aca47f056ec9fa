# Sourced by tools/demo.sh and the cnictl tests: what a container run can leave behind on the
# host (inside a sandbox: its private tmpfs).

# host-local's lease files under the default dataDir, one path per line: not its lock, cursors
# or owner index.
cni_leases() {
	local d
	for d in /var/lib/cni/networks/*/; do
		[ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 ! -name lock \
			! -name 'last_reserved_ip.*' ! -name .owners -printf '%p\n'
	done
	true
}

# cni_leftovers CACHE_DIR STATE_DIR: one line per leftover: veths, netns mounts, cache entries,
# state records, leases, and owner-index entries (only the index's stamp may stay).
cni_leftovers() {
	local d
	ip -o link show type veth | awk -F': ' '{print "veth " $2}'
	ls /run/netns 2>/dev/null | sed 's/^/netns /'
	ls "$1/results" 2>/dev/null | sed 's/^/cache /'
	find "$2" -mindepth 1 -maxdepth 1 ! -name lock -printf 'state %f\n' 2>/dev/null
	cni_leases | sed 's/^/lease /'
	for d in /var/lib/cni/networks/*/.owners; do
		[ -d "$d" ] && find "$d" -mindepth 1 ! -name stamp -printf 'owner-index %p\n'
	done
	true
}
