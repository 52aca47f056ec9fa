#!/bin/bash
# host-local: every invalid config is refused up front with code 7 and a message naming it;
# nothing is written to the lease store.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hostlocal-common.sh"

bad() { # desc ipam-body expected-code message-regex [version] [extra-top-level]
	local c
	c=$(hl_conf bad "$2" "${5:-1.0.0}" "${6:-}")
	hl ADD "$c" b1
	if [ "$RC" = 1 ] && [ "$(code)" = "$3" ] && [[ $(msg) =~ $4 ]]; then
		ok "$1"
	else
		not_ok "$1" "rc=$RC code=$(code) msg=$(msg)" "expected code $3 and /$4/"
	fi
}
bad "no ranges" '"routes":[]' 7 "no IP ranges specified"
bad "empty ranges list" '"ranges":[]' 7 "no IP ranges specified"
bad "empty range set" '"ranges":[[]]' 7 "ipam.ranges\[0\]: empty range set"
bad "bad CIDR" '"ranges":[[{"subnet":"10.231.1.0/33"}]]' 7 'ipam.ranges\[0\]\[0\].subnet: invalid CIDR address "10.231.1.0/33"'
bad "not a CIDR" '"ranges":[[{"subnet":"foo"}]]' 7 'invalid CIDR address "foo"'
bad "missing subnet" '"ranges":[[{"rangeStart":"10.231.1.5"}]]' 7 "subnet"
bad "subnet wrong type" '"ranges":[[{"subnet":5}]]' 7 "subnet"
bad "host bits set" '"ranges":[[{"subnet":"10.231.1.5/24"}]]' 7 "Network has host bits set. For a subnet mask of length 24 the network address is 10.231.1.0"
bad "/31 too small" '"ranges":[[{"subnet":"10.231.1.0/31"}]]' 7 "Network 10.231.1.0/31 too small to allocate from"
bad "/32 too small" '"ranges":[[{"subnet":"10.231.1.1/32"}]]' 7 "too small to allocate from"
bad "/127 too small" '"ranges":[[{"subnet":"fd00:231::/127"}]]' 7 "Network fd00:231::/127 too small"
bad "/128 too small" '"ranges":[[{"subnet":"fd00:231::1/128"}]]' 7 "too small"
bad "rangeStart outside subnet" '"ranges":[[{"subnet":"10.231.1.0/24","rangeStart":"10.231.2.1"}]]' 7 "RangeStart 10.231.2.1 not in network 10.231.1.0/24"
bad "rangeEnd outside subnet" '"ranges":[[{"subnet":"10.231.1.0/24","rangeEnd":"10.231.2.1"}]]' 7 "RangeEnd 10.231.2.1 not in network 10.231.1.0/24"
bad "rangeStart wrong family" '"ranges":[[{"subnet":"10.231.1.0/24","rangeStart":"fd00:231::1"}]]' 7 "RangeStart fd00:231::1 not in network"
bad "reversed range" '"ranges":[[{"subnet":"10.231.1.0/24","rangeStart":"10.231.1.50","rangeEnd":"10.231.1.10"}]]' 7 "rangeStart 10.231.1.50 is after rangeEnd 10.231.1.10"
bad "invalid rangeStart" '"ranges":[[{"subnet":"10.231.1.0/24","rangeStart":"10.231.1.x"}]]' 7 'rangeStart: invalid IP address "10.231.1.x"'
bad "gateway outside subnet" '"ranges":[[{"subnet":"10.231.1.0/24","gateway":"10.231.2.1"}]]' 7 "gateway 10.231.2.1 not in network 10.231.1.0/24"
bad "gateway wrong family" '"ranges":[[{"subnet":"10.231.1.0/24","gateway":"fd00:231::1"}]]' 7 "gateway fd00:231::1 not in network"
bad "mixed families in a set" '"ranges":[[{"subnet":"10.231.1.0/24"},{"subnet":"fd00:231::/64"}]]' 7 "invalid range set 0: mixed address families"
bad "overlap inside a set" '"ranges":[[{"subnet":"10.231.1.0/24"},{"subnet":"10.231.1.0/25"}]]' 7 "invalid range set 0: subnets 10.231.1.0/24 and 10.231.1.0/25 overlap"
bad "overlap across sets" '"ranges":[[{"subnet":"10.231.1.0/24"}],[{"subnet":"10.231.1.128/25"}]]' 7 "range set 0 overlaps with 1"
bad "legacy range overlaps ranges" '"subnet":"10.231.1.0/24","ranges":[[{"subnet":"10.231.1.0/24"}]]' 7 "range set 0 overlaps with 1"
bad "ipRanges overlap ranges" "$V4" 7 "range set 0 overlaps with 1" 1.0.0 '"runtimeConfig":{"ipRanges":[[{"subnet":"10.231.1.0/24"}]]}'
bad "ranges not a list" '"ranges":{"subnet":"10.231.1.0/24"}' 7 "ranges"
bad "range set not a list" '"ranges":[{"subnet":"10.231.1.0/24"}]' 7 "expected a list of ranges"
bad "bad route" '"ranges":[[{"subnet":"10.231.1.0/24"}]],"routes":[{"dst":"nope"}]' 7 'ipam.routes\[0\].dst: invalid CIDR address "nope"'
bad "route without dst" '"ranges":[[{"subnet":"10.231.1.0/24"}]],"routes":[{"gw":"10.231.1.1"}]' 7 "dst"
bad "dataDir wrong type" '"ranges":[[{"subnet":"10.231.1.0/24"}]],"dataDir":5' 7 "dataDir"
bad "two v4 sets with 0.2.0" '"ranges":[[{"subnet":"10.231.1.0/24"}],[{"subnet":"10.231.2.0/24"}]]' 7 "CNI version 0.2.0 does not support more than 1 address per family" 0.2.0
bad "two v6 sets with 0.1.0" '"ranges":[[{"subnet":"fd00:231:1::/64"}],[{"subnet":"fd00:231:2::/64"}]]' 7 "does not support more than 1 address per family" 0.1.0
bad "bad runtimeConfig.ips entry" "$V4" 7 'runtimeConfig.ips: invalid IP "x"' 1.0.0 '"runtimeConfig":{"ips":["x"]}'
bad "bad args.cni.ips entry" "$V4" 7 'args.cni.ips: invalid IP "10.231.1.999"' 1.0.0 '"args":{"cni":{"ips":["10.231.1.999"]}}'

c='{"cniVersion":"1.0.0","name":"bad","type":"host-local"}'
hl ADD "$c" b1
is "missing ipam key: code 7" "$(code)" 7
is "missing ipam key: message" "$(msg)" "IPAM config missing 'ipam' key"
c=$(hl_conf bad '"ranges":[[{"subnet":"10.231.1.0/24"}],[{"subnet":"fd00:231:1::/64"}]]' 0.2.0)
hl ADD "$c" b1
is "one set per family with 0.2.0 is fine" "$RC" 0
hl DEL "$c" b1
hl DEL "$(hl_conf bad '"ranges":[]')" b1
is "DEL with a bad config fails with code 7" "$(code)" 7
is "nothing leased by failed configs" "$(leases bad)" ""

# the network name never leaves dataDir (the skeleton refuses path characters first)
for n in ../evil a/b .. .hidden; do
	c=$(hl_conf "$n" "$V4")
	hl ADD "$c" b1
	is "network name '$n' refused with code 7" "$(code)" 7
done
is "nothing created outside dataDir" "$(ls -A /var/lib/cni | tr '\n' ' ')" "networks "
is "only the 'bad' network dir exists" "$(ls -A $D | tr '\n' ' ')" "bad "
done_testing
