#!/bin/bash
# make invariants-long: the invariant checker without a bound, run by test/integration/sandbox.sh.
# Every scenario (kills after a delay and at system calls, concurrent attachments, killed ADDs
# DELeted while their host-local runs on, ADD racing DEL of one attachment), going on after a
# violation so one run reports all it finds.
#   INVARIANT_SECONDS  stop after this long (default 600; 0 = no limit)
#   INVARIANT_OPS      stop after this many operations (default: no limit; given alone, the
#                      time limit is off)
#   INVARIANT_SEED     seed (default: random, printed)
#   INVARIANT_SCENARIO all (default), mix (no same-attachment race) or race
#   INVARIANT_RACES    race scenario: how many races (default 200)
#   INVARIANT_SYSCALL_KILLS  1 (default) or 0
#   INVARIANT_ORPHANS  share of rounds with a killed bridge whose host-local runs on (0.04)
#   INVARIANT_ARGS     more driver options (e.g. --nets invdual --verbose)
. "$(dirname "$0")/../integration/lib.sh"
secs=${INVARIANT_SECONDS:-600}
[ -n "${INVARIANT_OPS:-}" ] && [ -z "${INVARIANT_SECONDS:-}" ] && secs=0
args=(--bin "$BIN" --scenario "${INVARIANT_SCENARIO:-all}" --seconds "$secs"
	--ops "${INVARIANT_OPS:-0}" --races "${INVARIANT_RACES:-200}" --keep-going)
[ -n "${INVARIANT_SEED:-}" ] && args+=(--seed "$INVARIANT_SEED")
[ "${INVARIANT_SYSCALL_KILLS:-1}" = 1 ] && args+=(--syscall-kills)
args+=(--orphans "${INVARIANT_ORPHANS:-0.04}")
# shellcheck disable=SC2086 # INVARIANT_ARGS is a list of options
exec /usr/bin/python3 "$ROOT/test/invariants/invcheck.py" "${args[@]}" ${INVARIANT_ARGS:-}
