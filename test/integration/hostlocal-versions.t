#!/bin/bash
# host-local: the ADD result in every spec version's shape, and verbs per version.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

shape() { # one-line summary of the result's keys
	python3 -c 'import json,sys
r=json.loads(sys.argv[1]); out=[r.get("cniVersion","-")]
for k in ("ip4","ip6"):
    if k in r: out.append(k+"="+r[k]["ip"]+"@"+r[k].get("gateway",""))
for k in ("ip","ips"):
    for i in r.get(k,[]): out.append(k+"="+i["address"]+"v"+i.get("version","-")+("i" if "interface" in i else ""))
if "interfaces" in r: out.append("interfaces")
print(" ".join(out))' "$OUT"
}
n=0
for v in 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0; do
	n=$((n + 1))
	C=$(hl_conf ver$n '"ranges":[[{"subnet":"10.231.'$n'.0/24"}],[{"subnet":"fd00:231:'$n'::/64"}]]' $v)
	hl ADD "$C" v$n
	case $v in
	0.1.0 | 0.2.0) want="$v ip4=10.231.$n.2/24@10.231.$n.1 ip6=fd00:231:$n::2/64@fd00:231:$n::1" ;;
	0.3.0 | 0.3.1 | 0.4.0) want="$v ips=10.231.$n.2/24v4 ips=fd00:231:$n::2/64v6" ;;
	*) want="$v ips=10.231.$n.2/24v- ips=fd00:231:$n::2/64v-" ;;
	esac
	is "ADD $v result shape" "$(shape)" "$want"
	R=$OUT
	if [ "$v" = 0.1.0 ] || [ "$v" = 0.2.0 ] || [ "$v" = 0.3.0 ] || [ "$v" = 0.3.1 ]; then
		hl CHECK "$C" v$n
		is "CHECK refused for $v (code 1)" "$(code)" 1
		hl DEL "$C" v$n
	else
		hl CHECK "$(with_prev "$C" "$R")" v$n
		is "CHECK $v" "$RC" 0
		hl DEL "$(with_prev "$C" "$R")" v$n
	fi
	is "DEL $v" "$RC" 0
	hl DEL "$C" v$n
	is "DEL $v again" "$RC" 0
	is "nothing left ($v)" "$(leases ver$n)" ""
	for verb in STATUS GC; do
		cni $verb "$C"
		if [ "$v" = 1.1.0 ]; then is "$verb $v succeeds" "$RC" 0; else is "$verb refused for $v (code 1)" "$(code)" 1; fi
	done
done
CNI_TYPE=host-local cni VERSION '{"cniVersion":"1.0.0"}'
like "VERSION lists 0.1.0 to 1.1.0" "$(json_get "$OUT" supportedVersions)" '"0.1.0".*"1.1.0"'
C='{"name":"vx","type":"host-local","ipam":{"type":"host-local",'"$V4"'}}'
hl ADD "$C" x1
is "missing cniVersion = 0.1.0 shape" "$(json_get "$OUT" ip4.ip)" "10.231.1.2/24"
hl DEL "$C" x1
is "nothing left" "$(leases vx)" ""
done_testing
