# Shared by the cnictl-*.t tests (sourced after lib.sh): the launcher with private conf, cache
# and state dirs under $T, and a listing of everything a container could leave behind.
CNICTL=$BIN/cnictl
O=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN")
C() { "$CNICTL" "$1" "${O[@]}" "${@:2}"; }
mkdir -p "$T/conf"

. "$ROOT/tools/cni-leftovers.sh"
leftovers() { cni_leftovers "$T/cache" "$T/state"; }

wait_for() { # FILE : until it exists, up to 10 s
	for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}
wait_state() { # ID STATE [CMD] : until `CMD list` (default C) shows it, up to 10 s
	for _ in $(seq 100); do
		"${3:-C}" list 2>/dev/null | grep -qE "^$1 .* $2 " && return 0
		sleep 0.1
	done
	return 1
}
