#!/bin/bash
# test/peer/run.sh SUITE PLUGIN_DIR OUTDIR : run the reference's test suite SUITE (bridge,
# host-local; built by test/peer/build.sh) against the plugins in PLUGIN_DIR, in a network and
# mount namespace of its own (own /run, so its netns and locks, own /var/lib/cni), its
# not-applicable specs skipped (test/peer/specs.txt). Writes OUTDIR/report.json (one JSON line
# per spec) and OUTDIR/log (ginkgo's output). The exit status is the suite's.
# Only inside a sandbox (test/integration/sandbox.sh): it mounts over /run and /var/lib/cni.
set -u
suite=$1 dir=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../../build/peer/bin/$suite.test
if [ -z "${CNI_SANDBOXED:-}" ]; then
	echo "peer/run.sh: run me inside test/integration/sandbox.sh" >&2
	exit 2
fi
mkdir -p "$out/tmp"
skip=$(/usr/bin/python3 "$here/compare.py" skip "$suite")
dir=$(cd "$dir" && pwd)
# shellcheck disable=SC2016 # expanded by the inner shell
timeout 300 unshare --net --mount --propagation private -- env -u XDG_RUNTIME_DIR \
	TMPDIR="$out/tmp" PEER_PLUGIN_DIR="$dir" PEER_REPORT="$out/report.json" \
	ACK_GINKGO_DEPRECATIONS=1.16.5 bash -c '
	set -e
	mount -t tmpfs tmpfs /run
	mkdir -p /var/lib/cni
	mount -t tmpfs tmpfs /var/lib/cni
	ip link set lo up
	cd "$TMPDIR"
	exec "$1" -ginkgo.noColor -ginkgo.skip="$2"' peer-"$suite" "$bin" "$skip" >"$out/log" 2>&1
