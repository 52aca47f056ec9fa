#!/bin/bash
# Run every test and print one closing line: "N passed, N failed, N skipped".
# Unit tests (build/test/test-*) need no privileges. Integration tests (test/integration/*.t)
# each run in a fresh network + mount namespace (see test/integration/sandbox.sh).
# Usage: test/run.sh [pattern]   (pattern filters test names, e.g. "bridge")
set -u
cd "$(dirname "$0")/.."
pattern=${1:-}
passed=0 failed=0 skipped=0
failures=()
log_dir=$(mktemp -d /tmp/cni-test-logs.XXXXXX)

# Count TAP lines of one test program's output; a crash without "not ok" counts as a failure.
tally() { # name status logfile
	local name=$1 status=$2 log=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (SKIP|skip)' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	if [ "$status" = 77 ] && [ $((p + f + s)) = 0 ]; then
		s=1
	elif [ "$status" != 0 ] && [ "$status" != 77 ] && [ "$f" = 0 ]; then
		f=1
		echo "not ok - $name exited with status $status" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" != 0 ]; then
		failures+=("$name")
		echo "FAIL $name ($p passed, $f failed, $s skipped)"
		grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed, $s skipped)"
	fi
}

for t in build/test/test-*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	[[ -n $pattern && $name != *$pattern* ]] && continue
	log=$log_dir/$(basename "$t").log
	timeout 120 "$t" >"$log" 2>&1
	tally "$name" $? "$log"
done

for t in test/integration/*.t; do
	[ -f "$t" ] || continue
	name=integration/$(basename "$t" .t)
	[[ -n $pattern && $name != *$pattern* ]] && continue
	log=$log_dir/$(basename "$t").log
	timeout 600 test/integration/sandbox.sh "$t" </dev/null >"$log" 2>&1
	tally "$name" $? "$log"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $log_dir)"
else
	rm -rf "$log_dir"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
