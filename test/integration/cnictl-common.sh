# Shared by the cnictl-*.t tests (sourced after lib.sh): the launcher with private conf, cache
# and state dirs under $T, and a listing of everything a container could leave behind.
CNICTL=$BIN/cnictl
O=(--conf-dir "$T/conf" --cache-dir "$T/cache" --state-dir "$T/state" --cni-path "$BIN")
C() { "$CNICTL" "$1" "${O[@]}" "${@:2}"; }
mkdir -p "$T/conf"

. "$ROOT/tools/cni-leftovers.sh"
leftovers() { cni_leftovers "$T/cache" "$T/state"; }
