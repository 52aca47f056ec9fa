#!/bin/bash
# The reference project's own test suites, run against our plugins: the Go suites of
# plugins/main/bridge and plugins/ipam/host-local of containernetworking-plugins, from Debian's
# source package at the installed version (the source of /usr/lib/cni), built offline by
# test/peer/build.sh with their cmdAdd/cmdCheck/cmdDel replaced by an exec of a plugin binary.
# Each suite runs twice, against the reference binaries (the harness's self-check) and against
# ours ($BIN), at once, each in its own network + mount namespace; then spec by spec
# (test/peer/compare.py, test/peer/specs.txt): every applicable spec passes on ours, or fails
# the same way on the reference, or differs for a documented, asserted reason. Specs that only
# call Go internals are not applicable (listed with the reason, not run).
# conformance: peer suite: per prefix
. "$(dirname "$0")/lib.sh"
PEER=$ROOT/test/peer
REF_DIR=$REF
OURS_DIR=$BIN
rc=0
"$PEER/build.sh" >"$T/build.log" 2>&1 || rc=$?
if [ "$rc" = 77 ]; then
	echo "1..0 # SKIP $(tail -1 "$T/build.log")"
	exit 77
elif [ "$rc" != 0 ]; then
	not_ok "build the reference's suites (test/peer/build.sh)" "$(tail -20 "$T/build.log")"
	done_testing
	exit 1
fi
for d in "$REF_DIR" "$OURS_DIR"; do
	for p in bridge host-local; do
		[ -x "$d/$p" ] || { not_ok "$d/$p exists"; done_testing; exit 1; }
	done
done

declare -A mine theirs extra
for s in bridge host-local; do
	"$PEER/run.sh" "$s" "$REF_DIR" "$T/ref.$s" &
	"$PEER/run.sh" "$s" "$OURS_DIR" "$T/ours.$s" &
	wait
	for side in ref ours; do
		[ -s "$T/$side.$s/report.json" ] ||
			not_ok "$s suite ran against $side" "$(tail -20 "$T/$side.$s/log")"
	done
	/usr/bin/python3 "$PEER/compare.py" compare "$s" "$T/ref.$s/report.json" \
		"$T/ours.$s/report.json" "$T/$s.summary" >"$T/$s.cmp"
	while IFS=$'\t' read -r st desc diag; do
		case $st in
		pass) ok "$desc${diag:+ $diag}" ;;
		same) skip "$desc" "$diag" ;;
		differs) skip "$desc" "differs: $diag" ;;
		harness) not_ok "reference run, $desc (harness self-check)" "$diag" ;;
		*) not_ok "$desc" "$diag" ;;
		esac
	done <"$T/$s.cmp"
	# pass total ref_pass same differs na, then the not-applicable specs and unused entries
	/usr/bin/python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))
print(c["pass"], c["total"], c["ref_pass"], c["same"], c["differs"], c["na"])
for s in c["na_specs"]: print("na", s)
for u in c["unused"]: print("unused", u)' "$T/$s.summary" >"$T/$s.counts"
	read -r p t rp same differs na <"$T/$s.counts"
	mine[$s]="$p/$t" theirs[$s]="$rp/$t"
	extra[$s]="$same fail the same way, $differs differ, $na not applicable"
	sed -n 's/^na /#   not applicable: /p' "$T/$s.counts"
	# An unused "na" or "differs" entry means the suite or our plugins changed: update specs.txt.
	# (Not under make conformance: the differs entries are about our plugins.)
	[ -n "${CNI_CONFORMANCE:-}" ] ||
		is "$s: every na/differs entry of test/peer/specs.txt still applies" \
			"$(sed -n 's/^unused \(na\|differs\) /\1 /p' "$T/$s.counts")" ""
done
echo "# report: peer suites: bridge ${mine[bridge]}, host-local ${mine[host-local]} (reference ${theirs[bridge]}, ${theirs[host-local]})"
echo "# report:   bridge: ${extra[bridge]}; host-local: ${extra[host-local]}"
echo "#   not built: host-local's backend/allocator and backend/disk suites (they test the"
echo "#   allocator's and the lock's Go API; no plugin binary runs)"
done_testing
