#!/bin/bash
# Run the libFuzzer binaries built by `make fuzz` (build-fuzz/fuzz/fuzz-<target>).
# Usage: test/fuzz/run-fuzz.sh [--merge] BUILD_DIR SECONDS MAX_LEN TARGET...
# Seeds: test/fuzz/corpus/<target>/ (read only); new inputs go to BUILD_DIR/corpus/<target>/;
# crashers are written to test/fuzz/corpus/<target>/crash-<sha1> so the replay test in
# `make check` keeps failing until the bug is fixed. --merge folds the scratch corpus into the
# seed corpus, keeping only inputs that add coverage.
set -u
cd "$(dirname "$0")/../.." || exit 2
merge=0
if [ "${1:-}" = --merge ]; then merge=1; shift; fi
build=$1 seconds=$2 max_len=$3
shift 3
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
summary=()
for t in "$@"; do
	bin=$build/fuzz/fuzz-$t seeds=test/fuzz/corpus/$t scratch=$build/corpus/$t
	mkdir -p "$scratch" "$seeds"
	log=$build/fuzz-$t.log
	dict=()
	case $t in args | ipaddr | env | resolvconf) ;; *) dict=(-dict=test/fuzz/json.dict) ;; esac
	if [ "$merge" = 1 ]; then
		"$bin" -merge=1 -max_len="$max_len" "$seeds" "$scratch" >"$log" 2>&1 || status=1
		summary+=("$t: merged, $(find "$seeds" -type f | wc -l) seeds")
		continue
	fi
	before=$(find "$seeds" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
	echo "fuzz $t for ${seconds}s ..."
	# -fork keeps going after a crash; each crasher is saved by its own name.
	"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$seeds/" -print_final_stats=1 "${dict[@]}" "$scratch" "$seeds" >"$log" 2>&1
	rc=$?
	after=$(find "$seeds" -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	summary+=("$t: ${execs:-?} execs, ${cov:-cov: ?}, $((after - before)) new crashers (rc $rc)")
	if [ "$rc" != 0 ] || [ "$after" != "$before" ]; then
		status=1
		grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -5 | sed 's/^/    /'
	fi
done
printf '%s\n' "${summary[@]}"
exit $status
