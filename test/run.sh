#!/bin/bash
# Run every test and print one closing line: "N passed, N failed, N skipped".
# Unit tests (build/test/test-*) need no privileges. Integration tests (test/integration/*.t)
# each run in a fresh network + mount namespace (see test/integration/sandbox.sh).
# Usage: test/run.sh [pattern]   (pattern filters test names, e.g. "bridge")
# TEST_JOBS=N runs N integration tests at once (default: number of CPUs); each has its own
# sandbox, so they only share CPU time.
set -u
cd "$(dirname "$0")/.."
pattern=${1:-}
jobs=${TEST_JOBS:-$(nproc)}
passed=0 failed=0 skipped=0
failures=()
mkdir -p build
log_dir=$(mktemp -d "$PWD/build/test-logs.XXXXXX")
# An interrupted run leaves no logs behind (a failed one keeps them and says where).
trap 'rm -rf "$log_dir"; exit 143' TERM INT

. test/tally.sh

for t in build/test/test-*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	[[ -n $pattern && $name != *$pattern* ]] && continue
	log=$log_dir/$(basename "$t").log
	timeout 120 "$t" >"$log" 2>&1
	tally "$name" $? "$log"
done

# Integration tests run concurrently (bounded by $jobs); results are tallied in name order.
run_one() { # test-file log
	local start=$SECONDS
	timeout 600 test/integration/sandbox.sh "$1" </dev/null >"$2" 2>&1
	echo "$? $((SECONDS - start))" >"$2.status"
}
names=()
for t in test/integration/*.t; do
	[ -f "$t" ] || continue
	name=integration/$(basename "$t" .t)
	[[ -n $pattern && $name != *$pattern* ]] && continue
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_one "$t" "$log_dir/$(basename "$t").log" &
	names+=("$t")
done
wait
for t in "${names[@]}"; do
	log=$log_dir/$(basename "$t").log
	read -r status secs <"$log.status"
	tally "integration/$(basename "$t" .t)" "$status" "$log" "$secs"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]} (logs in $log_dir)"
else
	rm -rf "$log_dir"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
