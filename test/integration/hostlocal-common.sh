# Helpers shared by the host-local integration tests (sourced after lib.sh).
# All subnets live in 10.231.0.0/16 and fd00:231::/32; leases under the sandbox's tmpfs.
# pyenv shims cost ~100 ms per python3 call on this machine: use the system interpreter.
[ -x /usr/bin/python3 ] && PATH=/usr/bin:$PATH
D=/var/lib/cni/networks

# hl_conf NAME IPAM-BODY [VERSION] [EXTRA-TOP-LEVEL] : a host-local config JSON
hl_conf() {
	local extra=${4:+,$4}
	printf '{"cniVersion":"%s","name":"%s","type":"host-local","ipam":{"type":"host-local",%s}%s}' \
		"${3:-1.0.0}" "$1" "$2" "$extra"
}
V4='"ranges":[[{"subnet":"10.231.1.0/24"}]]'
DUAL='"ranges":[[{"subnet":"10.231.2.0/24"}],[{"subnet":"fd00:231:2::/64"}]]'

# hl VERB CONF ID [IFNAME] [VAR=VALUE...] : run our plugin (PLUGIN_DIR=/usr/lib/cni for the reference)
hl() {
	local verb=$1 conf=$2 id=$3 ifname=${4:-eth0}
	shift 3
	[ $# -gt 0 ] && shift
	cni "$verb" "$conf" CNI_CONTAINERID="$id" CNI_NETNS=/run/netns/hl-none CNI_IFNAME="$ifname" "$@"
}
ref() {
	PLUGIN_DIR=$REF hl "$@"
}
code() { json_get "$OUT" code; }
msg() { json_get "$OUT" msg; }
ips() { # addresses of $OUT, space separated
	python3 -c 'import json,sys
r=json.loads(sys.argv[1]); print(" ".join(i["address"] for i in r.get("ips",[])))' "$OUT"
}
# leases NET : lease file names (not lock/last_reserved_ip/.owners), sorted, space separated
leases() {
	(cd "$D/$1" 2>/dev/null && ls -A | grep -v -e '^lock$' -e '^last_reserved_ip\.' -e '^\.owners$' | sort | tr '\n' ' ' | sed 's/ $//')
}
# owners NET : index entries of the owner index (not its stamp), sorted, space separated
owners() {
	(cd "$D/$1/.owners" 2>/dev/null && ls -A | grep -v '^stamp$' | sort | tr '\n' ' ' | sed 's/ $//')
}
# content FILE : bytes as a printable string (\r \n visible)
content() { od -An -c "$1" | tr -s ' ' | sed 's/^ //;s/ $//' | tr '\n' ' ' | sed 's/ $//'; }
# prev_result OUT : config with prevResult injected (for DEL/CHECK)
with_prev() { # CONF RESULT
	python3 -c 'import json,sys
c=json.loads(sys.argv[1]); c["prevResult"]=json.loads(sys.argv[2]); print(json.dumps(c))' "$1" "$2"
}
