# Shared by the cnictl-*.t tests (sourced after lib.sh): the launcher with private conf, cache
# and state dirs under $T, and a listing of everything a container could leave behind.
CNICTL=$BIN/cnictl
O=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN")
C() { "$CNICTL" "$1" "${O[@]}" "${@:2}"; }
mkdir -p "$T/conf"

# One line per leftover: veths, netns mounts, cache entries, state records, leases.
leftovers() {
	ip -o link show type veth | awk -F': ' '{print "veth " $2}'
	ls /run/netns | sed 's/^/netns /'
	ls "$T/cache/results" 2>/dev/null | sed 's/^/cache /'
	find "$T/state" -mindepth 1 -maxdepth 1 ! -name lock -printf 'state %f\n' 2>/dev/null
	for d in /var/lib/cni/networks/*/; do
		[ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 ! -name lock \
			! -name 'last_reserved_ip.*' ! -name .owners -printf 'lease %p\n'
		# host-local's owner index: only its stamp may stay
		[ -d "$d.owners" ] && find "$d.owners" -mindepth 1 ! -name stamp -printf 'owner-index %p\n'
	done
	true
}
