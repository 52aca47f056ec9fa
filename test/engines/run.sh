#!/bin/bash
# The engine checks against any directory holding a `bridge` and a `host-local` (ours, the
# reference's, another implementation's), for a conformance kit or by hand, as root:
#   test/engines/run.sh PLUGIN_DIR [ENGINE...]     ENGINE: podman, containerd (default: both)
# Each engine runs in a sandbox of its own (test/integration/sandbox.sh: private network and
# mount namespaces, a fresh node), its TAP on stdout, then one line:
#   engines: podman P/T, containerd P/T        (an engine that cannot run: "podman skipped (why)")
# Exit status 0 when no check failed (skips included), 1 otherwise, 2 on bad usage.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 PLUGIN_DIR [podman|containerd ...]" >&2
	exit 2
fi
dir=$(cd "$1" && pwd)
shift
if [ ! -x "$dir/bridge" ] || [ ! -x "$dir/host-local" ]; then
	echo "$0: $dir holds no executable bridge and host-local" >&2
	exit 2
fi
[ $# -gt 0 ] || set -- podman containerd
summary=() status=0
for e in "$@"; do
	if [ ! -f "$here/$e.sh" ]; then
		echo "$0: no engine '$e' (podman, containerd)" >&2
		exit 2
	fi
	echo "# engine $e, plugins from $dir"
	out=$(PLUGIN_DIR=$dir "$here/../integration/sandbox.sh" "$here/$e.sh" </dev/null 2>&1)
	rc=$?
	echo "$out"
	plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' <<<"$out" | tail -1)
	pass=$(grep -cE '^ok [0-9]+' <<<"$out")
	fail=$(grep -cE '^not ok [0-9]+' <<<"$out")
	if [ "$rc" = 77 ] && [ "${plan:-0}" = 0 ]; then
		summary+=("$e skipped ($(sed -n 's/^1\.\.0 # SKIP //p' <<<"$out"))")
		continue
	fi
	summary+=("$e $pass/${plan:-?}")
	if [ "$rc" != 0 ] || [ "$fail" != 0 ] || [ "$pass" != "${plan:-}" ]; then
		status=1
	fi
done
summary_line=$(printf '%s, ' "${summary[@]}")
echo "engines: ${summary_line%, }"
exit $status
