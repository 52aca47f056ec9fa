#!/bin/bash
# make conformance PLUGINS=DIR [REFERENCE=DIR]
# A CNI conformance run for any directory holding a `bridge` and a `host-local` (ours, the
# reference, another implementation), against a reference (default /usr/lib/cni, Debian's
# containernetworking-plugins): every integration test that declares itself part of the kit
# with a header line "# conformance: AREA" (the differential tests, the reference's own test
# suites, cnitool, container engines) runs in its sandbox with CNI_TEST_BIN=PLUGINS,
# CNI_REF_BIN=REFERENCE and CNI_CONFORMANCE=1; then one table, per area, of the checks that
# pass, fail, differ (a deliberate difference of this project's plugins, with its reason;
# under CNI_CONFORMANCE the tests also pass the reference's behaviour there) or were skipped.
# "AREA: per prefix" splits a test's rows by the word its check descriptions start with.
# Exit 0 when nothing failed.
# Usage: tools/conformance.sh PLUGINS [REFERENCE]    (root; TEST_JOBS=N as test/run.sh)
set -u
cd "$(dirname "$0")/.."
usage() {
	echo "usage: make conformance PLUGINS=DIR [REFERENCE=DIR]: $*" >&2
	exit 2
}
[ $# -ge 1 ] && [ -n "$1" ] || usage "PLUGINS is required"
plugins=$(cd "$1" 2>/dev/null && pwd) || usage "no directory $1"
ref=$(cd "${2:-/usr/lib/cni}" 2>/dev/null && pwd) || usage "no directory ${2:-}"
for d in "$plugins" "$ref"; do
	for p in bridge host-local; do
		[ -x "$d/$p" ] || usage "$d has no executable $p"
	done
done
[ "$(id -u)" = 0 ] || usage "the tests need root (network and mount namespaces)"

mapfile -t tests < <(grep -l '^# conformance: ' test/integration/*.t | sort)
log_dir=$(mktemp -d /tmp/cni-conformance.XXXXXX)
trap 'rm -rf "$log_dir"; exit 143' TERM INT
jobs=${TEST_JOBS:-$(nproc)}
echo "conformance: $plugins against $ref (${#tests[@]} tests)"
for t in "${tests[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	(
		timeout 900 env CNI_TEST_BIN="$plugins" CNI_REF_BIN="$ref" CNI_CONFORMANCE=1 \
			test/integration/sandbox.sh "$t" </dev/null >"$log_dir/$(basename "$t").log" 2>&1
		echo $? >"$log_dir/$(basename "$t").status"
	) &
done
wait

/usr/bin/python3 - "$log_dir" "${tests[@]}" <<'EOF'
import os, re, sys
log_dir, tests = sys.argv[1], sys.argv[2:]
rows, order = {}, []          # area -> counts
notes = {"differs": {}, "fail": [], "skip": {}}
for t in tests:
    name = os.path.basename(t)
    area = name
    per_prefix = False
    with open(t) as f:
        for line in f:
            m = re.match(r"# conformance: (.*)", line)
            if m:
                area = m.group(1).strip()
                if area.endswith(": per prefix"):
                    area, per_prefix = area[: -len(": per prefix")], True
                break
    log = os.path.join(log_dir, name + ".log")
    status = open(log[:-4] + ".status").read().strip() if os.path.exists(log[:-4] + ".status") else "?"
    lines = open(log, errors="replace").read().splitlines() if os.path.exists(log) else []
    seen = 0
    for i, line in enumerate(lines):
        m = re.match(r"(not ok|ok) \d+ - (.*)", line)
        if not m:
            continue
        seen += 1
        desc = m.group(2)
        a = area
        if per_prefix and ": " in desc:
            a = area + " " + desc.split(": ", 1)[0]
        if a not in rows:
            rows[a] = {"pass": 0, "fail": 0, "differs": 0, "skip": 0}
            order.append(a)
        if m.group(1) == "not ok":
            rows[a]["fail"] += 1
            diag = []
            for l in lines[i + 1:i + 6]:
                if not l.startswith("#"):
                    break
                diag.append(l.lstrip("# ").rstrip())
            notes["fail"].append("%s: %s%s" % (a, desc, (" -- " + " | ".join(diag)) if diag else ""))
            continue
        d = re.search(r" # (SKIP|skip) (.*)$", desc)
        if d and d.group(2).startswith("differs: "):
            rows[a]["differs"] += 1
            why = d.group(2)[len("differs: "):]
            notes["differs"].setdefault((a, why), []).append(desc[: d.start()])
        elif d:
            rows[a]["skip"] += 1
            notes["skip"].setdefault((a, d.group(2)), 0)
            notes["skip"][(a, d.group(2))] += 1
        elif " # differs: " in desc:
            rows[a]["differs"] += 1
            check, why = desc.split(" # differs: ", 1)
            notes["differs"].setdefault((a, why), []).append(check)
        else:
            rows[a]["pass"] += 1
    if status not in ("0", "77") and not any(r for r in notes["fail"] if r.startswith(area)):
        rows.setdefault(area, {"pass": 0, "fail": 0, "differs": 0, "skip": 0})
        if area not in order:
            order.append(area)
        rows[area]["fail"] += 1
        notes["fail"].append("%s: %s exited with status %s: %s" % (
            area, name, status, " | ".join(lines[-3:])))
    if status == "77" and seen == 0:
        why = next((l for l in lines if "SKIP" in l), "skipped")
        rows.setdefault(area, {"pass": 0, "fail": 0, "differs": 0, "skip": 0})
        if area not in order:
            order.append(area)
        rows[area]["skip"] += 1
        notes["skip"][(area, why.split("# SKIP", 1)[-1].strip())] = 1

w = max([len(a) for a in order] + [4])
print()
print("%-*s  %5s  %5s  %7s  %5s" % (w, "area", "pass", "fail", "differs", "skip"))
tot = {"pass": 0, "fail": 0, "differs": 0, "skip": 0}
for a in order:
    r = rows[a]
    print("%-*s  %5d  %5d  %7d  %5d" % (w, a, r["pass"], r["fail"], r["differs"], r["skip"]))
    for k in tot:
        tot[k] += r[k]
print("%-*s  %5d  %5d  %7d  %5d" % (w, "total", tot["pass"], tot["fail"], tot["differs"], tot["skip"]))
if notes["differs"]:
    print("\ndiffers (deliberate differences of this project's plugins, README \"Where we deliberately differ\"):")
    for (a, why), checks in notes["differs"].items():
        print("  %s, %d check%s: %s" % (a, len(checks), "s" if len(checks) > 1 else "", why))
        for c in checks[:3]:
            print("      - %s" % c)
        if len(checks) > 3:
            print("      - ... %d more" % (len(checks) - 3))
if notes["skip"]:
    print("\nskipped:")
    for (a, why), n in notes["skip"].items():
        print("  %s, %d: %s" % (a, n, why))
if notes["fail"]:
    print("\nfailed:")
    for f in notes["fail"]:
        print("  " + f[:600])
print("\nconformance: %d passed, %d failed, %d differ, %d skipped" % (
    tot["pass"], tot["fail"], tot["differs"], tot["skip"]))
sys.exit(1 if tot["fail"] else 0)
EOF
rc=$?
if [ "$rc" = 0 ]; then rm -rf "$log_dir"; else echo "logs in $log_dir"; fi
exit "$rc"
