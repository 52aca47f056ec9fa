#!/bin/bash
# Run the tests against an instrumented build and fail on any sanitizer or valgrind report.
#   test/fuzz/run-san.sh asan BUILD BIN [patterns]      unit + integration tests, ASan+UBSan build
#   test/fuzz/run-san.sh valgrind BUILD BIN [patterns]  unit tests + plugin smoke test under valgrind
# patterns: space-separated substrings of test names ("unit/ smoke bridge-basic"); all when empty.
# Reports go to files under BUILD/san-logs (a failing plugin exit status alone would be taken for
# an expected error by tests that check failures); any report fails the run.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
mode=$1 build=$2 bin=$3 patterns=${4:-}
selected() { # name
	local p
	[ -z "$patterns" ] && return 0
	for p in $patterns; do [[ $1 == *"$p"* ]] && return 0; done
	return 1
}
logs=$ROOT/$build/san-logs
rm -rf "$logs"
mkdir -p "$logs"
passed=0 failed=0 skipped=0
failures=()

. "$ROOT/test/tally.sh"

case $mode in
asan)
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$logs/asan:symbolize=1"
	export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
	wrap=()
	;;
valgrind)
	# Children forked without exec (test-skel's fake plugins) share the parent's heap and
	# report its allocations as lost: stay silent in them. Fuzz replays run in-process instead.
	wrap=(valgrind -q --error-exitcode=66 --leak-check=full --errors-for-leak-kinds=definite
		--show-leak-kinds=definite --child-silent-after-fork=yes --log-file="$logs/vg.%p"
		--suppressions="$ROOT/test/fuzz/valgrind.supp")
	export FUZZ_NO_FORK=1
	;;
*)
	echo "usage: $0 asan|valgrind BUILD BIN [pattern]" >&2
	exit 2
	;;
esac
export CNI_TEST_BIN=$ROOT/$bin

for t in "$build"/test/test-*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	selected "$name" || continue
	log=$logs/$(basename "$t").tap
	timeout 900 "${wrap[@]}" "$t" >"$log" 2>&1
	tally "$name" $? "$log"
done

if [ "$mode" = asan ]; then
	# Every integration test, with the instrumented plugins in place of bin/, and the smoke test.
	for t in test/integration/*.t test/fuzz/smoke.sh; do
		name=integration/$(basename "$t" .t)
		name=${name%.sh}
		selected "$name" || continue
		log=$logs/$(basename "$t").tap
		timeout 900 test/integration/sandbox.sh "$t" </dev/null >"$log" 2>&1
		tally "$name" $? "$log"
	done
else
	# One ADD/CHECK/DEL per plugin (bridge with host-local, host-local alone, cnictl), each
	# binary exec'd under valgrind through wrapper scripts in CNI_PATH.
	if selected integration/smoke-valgrind; then
		log=$logs/smoke.tap
		VG_WRAP="${wrap[*]}" timeout 900 test/integration/sandbox.sh test/fuzz/smoke.sh \
			</dev/null >"$log" 2>&1
		tally integration/smoke-valgrind $? "$log"
	fi
fi

# valgrind's notes about ioctls it cannot model are not findings.
reports=$(find "$logs" -type f \( -name 'asan.*' -o -name 'ubsan.*' -o -name 'vg.*' \) -size +0 |
	sort | while read -r f; do
		grep -vqE 'unhandled ioctl|could cause spurious|README_MISSING_SYSCALL|^==[0-9]+== *$' "$f" &&
			echo "$f"
	done)
if [ -n "$reports" ]; then
	echo
	echo "sanitizer/valgrind reports:"
	for r in $reports; do
		echo "== $r"
		head -40 "$r"
	done
	failed=$((failed + $(echo "$reports" | wc -l)))
	failures+=("reports")
fi
echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in $logs)"
echo "$mode: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
