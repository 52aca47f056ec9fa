# Helpers for hostile-*.t, faults-*.t and load-*.t (sourced after lib.sh and bridge-common.sh).
# shellcheck shell=bash

# snapshot : everything a rejected request must not have changed: links and addresses of the
# sandbox, files under the CNI state dirs (with size and mode), firewall rules.
snapshot() {
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
	ip -o addr show | awk '{print $2, $4}' | sort
	find /var/lib/cni /run/cni /etc/cni "$T/victim" -printf '%p %s %m %l\n' 2>/dev/null | sort
	iptables-save 2>/dev/null | grep -vE '^(#|:)' | sort
	ip6tables-save 2>/dev/null | grep -vE '^(#|:)' | sort
	nft list ruleset 2>/dev/null
}

# err_code : the "code" of the CNI error JSON in $OUT (no python: this runs hundreds of times)
err_code() {
	printf '%s' "$OUT" | grep -o '"code":[[:space:]]*[0-9]*' | head -1 | grep -o '[0-9]*$'
}

# rejected DESC CODE : the last call failed cleanly with error code CODE (exit 1, not a signal,
# CNI error JSON on stdout) and changed nothing since the last `snap_before`.
snap_before() { snapshot >"$T/snap.before"; }
rejected() {
	local desc=$1 want=$2 code
	if [ "$RC" != 1 ]; then
		not_ok "$desc" "exit status $RC (want 1)" "$(echo "$OUT" | head -5)" "$(head -5 "$T/stderr")"
		snap_before
		return
	fi
	code=$(err_code)
	if [ -n "$want" ] && [ "$code" != "$want" ]; then
		not_ok "$desc" "code '$code' (want $want)" "$(echo "$OUT" | head -5)"
		return
	fi
	snapshot >"$T/snap.after"
	if ! cmp -s "$T/snap.before" "$T/snap.after"; then
		not_ok "$desc" "state changed:" "$(diff "$T/snap.before" "$T/snap.after" | head -10)"
		snap_before
		return
	fi
	ok "$desc"
}

# lease_files [NET] : lease files (not lock/cursor) under host-local's default dataDir
lease_files() {
	find "/var/lib/cni/networks/${1:-}" -type f ! -name lock ! -name 'last_reserved_ip*' ! -path '*/.owners/*' \
		2>/dev/null | wc -l
}

# fw_rules : firewall rules that mention CNI (iptables and nft)
fw_rules() {
	{
		iptables-save 2>/dev/null
		ip6tables-save 2>/dev/null
		nft list ruleset 2>/dev/null
	} | grep -ciE 'cni|masq|bridge' || true
}
