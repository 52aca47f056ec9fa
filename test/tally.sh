# Sourced by test/run.sh and test/fuzz/run-san.sh: count one test program's TAP output into the
# caller's passed/failed/skipped/failures. A crash without any "not ok" counts as a failure;
# exit 77 without results is a skip. Lines "# report: TEXT" are printed under the result.
tally() { # name status logfile [seconds]
	local name=$1 status=$2 log=$3 secs=${4:+, ${4}s} p f s
	p=$(grep -cE '^ok [0-9]+' "$log")
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
		echo "FAIL $name (status $status, $p passed, $f failed, $s skipped$secs)"
		grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed, $s skipped$secs)"
	fi
	# A test's "# report: ..." lines are its figures for the run's output (peer-suites.t).
	sed -n 's/^# report: /    /p' "$log"
}
