# Shared helpers for integration tests (sourced). Each test runs inside sandbox.sh, so it may
# create links and namespaces freely; it still cleans up and asserts nothing is left.
# TAP output: ok/not ok lines numbered automatically; call done_testing at the end.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${CNI_TEST_BIN:-$ROOT/bin} # make asan / make valgrind / make conformance: other builds
# The reference plugins; make conformance REFERENCE=DIR points it elsewhere. DEB_CNI holds
# Debian's other plugins (tuning, portmap, loopback) for chains.
REF=${CNI_REF_BIN:-/usr/lib/cni}
DEB_CNI=/usr/lib/cni
_n=0 _failed=0

ok() { # desc (pass)
	_n=$((_n + 1))
	echo "ok $_n - $1"
}
not_ok() { # desc [diagnostic...]
	_n=$((_n + 1)) _failed=$((_failed + 1))
	echo "not ok $_n - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
}
skip() { # desc reason
	_n=$((_n + 1))
	echo "ok $_n - $1 # SKIP $2"
}
check() { # desc cmd... : passes when the command succeeds
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "command: $*" "$(echo "$out" | head -20)"; fi
}
check_fail() { # desc cmd... : passes when the command fails
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then not_ok "$desc" "command unexpectedly succeeded: $*" "$(echo "$out" | head -20)"; else ok "$desc"; fi
}
is() { # desc got expected
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected: '$3'"; fi
}
like() { # desc got regex
	if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got:      '$2'" "expected match: '$3'"; fi
}
# deliberate DESC GOT OURS THEIRS REASON : a check where we deliberately differ from the
# reference (README "Where we deliberately differ"): OURS is our behaviour, THEIRS what the
# reference did in this run. make check asserts GOT = OURS, marked "# differs: REASON" (which
# tools/conformance.sh counts). Under make conformance (CNI_CONFORMANCE=1, any plugins in $BIN)
# GOT = THEIRS passes as well: those plugins behave as the reference there.
deliberate() {
	local desc=$1 got=$2 ours=$3 theirs=$4 reason=$5
	if [ "$got" = "$ours" ]; then
		if [ "$ours" = "$theirs" ]; then ok "$desc"; else ok "$desc # differs: $reason"; fi
	elif [ -n "${CNI_CONFORMANCE:-}" ] && [ "$got" = "$theirs" ]; then
		ok "$desc (as the reference)"
	else
		not_ok "$desc" "got:       '$got'" "ours:      '$ours'" "reference: '$theirs'"
	fi
}
done_testing() {
	echo "1..$_n"
	[ "$_failed" = 0 ]
}

# cni VERB CONFIG-JSON [VAR=VALUE...] : run a plugin (CNI_TYPE=bridge by default, from $PLUGIN_DIR)
# with the config on stdin. Output in $OUT, exit status in $RC.
PLUGIN_DIR=${PLUGIN_DIR:-$BIN}
cni() {
	local verb=$1 conf=$2 plugin
	shift 2
	plugin=$(echo "$conf" | sed -n 's/.*"type" *: *"\([^"]*\)".*/\1/p' | head -1)
	OUT=$(echo "$conf" | env CNI_COMMAND="$verb" CNI_PATH="${CNI_PATH:-$PLUGIN_DIR}" "$@" \
		"$PLUGIN_DIR/${CNI_TYPE:-$plugin}" 2>"$T/stderr")
	RC=$?
}

# json_get JSON PATH : tiny extractor using python3 (always present on Debian via the test deps)
json_get() {
	python3 -c 'import json,sys
v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    if k=="": continue
    v=v[int(k)] if isinstance(v,list) else v.get(k)
    if v is None: break
print(json.dumps(v) if isinstance(v,(dict,list)) else ("" if v is None else v))' "$1" "$2"
}

# netns_new NAME : named netns under the sandbox's private /run/netns, lo up
netns_new() {
	ip netns add "$1" && ip -n "$1" link set lo up
}

# sandbox_prepared_dirs : opt out of the fresh node (sandbox.sh) for a test that needs the
# layout a packaged install leaves: empty /etc/cni/net.d, /opt/cni/bin and /var/lib/cni (private
# to the sandbox, like everything written there).
sandbox_prepared_dirs() {
	mkdir -p /etc/cni/net.d /opt/cni/bin /var/lib/cni
}

# cnitool_init : $CNITOOL, libcni's cnitool: $CNITOOL if set, else a cnitool in PATH, else the
# one test/peer/build.sh builds offline from Debian's libcni source (golang-github-appc-cni,
# cached in build/peer). Skips the test (exit 77) with the reason when there is none.
cnitool_init() {
	local rc=0
	CNITOOL=${CNITOOL:-$(command -v cnitool || true)}
	[ -n "$CNITOOL" ] && [ -x "$CNITOOL" ] && return 0
	"$ROOT/test/peer/build.sh" >"$T/peer-build.log" 2>&1 || rc=$?
	if [ "$rc" = 77 ]; then
		echo "1..0 # SKIP no cnitool: $(tail -1 "$T/peer-build.log")"
		exit 77
	elif [ "$rc" != 0 ]; then
		not_ok "build cnitool (test/peer/build.sh)" "$(tail -20 "$T/peer-build.log")"
		done_testing
		exit 1
	fi
	CNITOOL=$ROOT/build/peer/bin/cnitool
}
