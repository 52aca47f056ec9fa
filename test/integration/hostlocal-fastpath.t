#!/bin/bash
# host-local: DEL and CHECK with prevResult are direct lookups (no directory scan), DEL without
# it uses the owner index, and a lease named in prevResult is only removed when this attachment
# owns it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"
C=$(hl_conf fp "$DUAL")
for i in $(seq 1 50); do hl ADD "$C" f$i; done
hl ADD "$C" me
R=$OUT
if ! command -v strace >/dev/null; then
	skip "syscall counts" "no strace"
else
	# LeakSanitizer cannot run under ptrace (make asan)
	sc() { # VERB CONF -> number of getdents64 calls and of lease opens
		echo "$2" | CNI_COMMAND=$1 CNI_CONTAINERID=me CNI_NETNS=/x CNI_IFNAME=eth0 CNI_PATH=$BIN \
			ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -e trace=getdents64,openat -o "$T/st" "$BIN/host-local" >/dev/null 2>&1
		echo "$(grep -c getdents64 "$T/st") $(grep -c 'openat(.*"10\.\|openat(.*"fd00' "$T/st")"
	}
	is "CHECK with prevResult: no scan, 2 lease reads" "$(sc CHECK "$(with_prev "$C" "$R")")" "0 2"
	is "DEL with prevResult: no scan, 2 lease reads" "$(sc DEL "$(with_prev "$C" "$R")")" "0 2"
	is "... and the leases are gone" "$(grep -l '^me' $D/fp/* 2>/dev/null | wc -l)" 0
	hl ADD "$C" me
	is "DEL without prevResult: no scan, the owner index names the 2 leases" "$(sc DEL "$C")" "0 2"
	is "... and the leases are gone" "$(grep -l '^me' $D/fp/* 2>/dev/null | wc -l)" 0
	rm "$D/fp/.owners/stamp"
	read -r n _ <<<"$(sc DEL "$C")"
	[ "$n" -gt 0 ] && ok "DEL without a trusted index falls back to a scan" || not_ok "scan expected" "$n"
fi
for i in $(seq 1 50); do hl DEL "$C" f$i; done
hl DEL "$C" me
is "nothing left" "$(leases fp)" ""
done_testing
