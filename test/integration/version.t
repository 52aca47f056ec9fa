#!/bin/bash
# The version in VERSION is compiled into every binary: bridge and host-local print it when run
# without CNI_COMMAND (the reference prints its own there), cnictl prints it for --version. The
# CNI VERSION verb's answer is the protocol's alone and stays byte for byte what it was.
. "$(dirname "$0")/lib.sh"

V=$(cat "$ROOT/VERSION")
like "VERSION holds one version" "$V" '^[0-9]+\.[0-9]+\.[0-9]+$'
protocols="CNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"
answer=$(printf '{\n\t"cniVersion":\t"1.1.0",\n\t"supportedVersions":\t%s\n}' \
	'["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]')
for p in bridge host-local; do
	out=$(env -i "$BIN/$p" 2>&1 </dev/null)
	is "$p without CNI_COMMAND: exit 0" $? 0
	is "$p without CNI_COMMAND: its name and version" "$(echo "$out" | sed -n 1p)" \
		"CNI $p plugin v$V (cni-c, the C implementation)"
	is "$p without CNI_COMMAND: the protocol versions" "$(echo "$out" | sed -n 2p)" "$protocols"
	is "$p without CNI_COMMAND: nothing else" "$(echo "$out" | wc -l)" 2
	is "$p VERSION verb: the answer is unchanged" \
		"$(env -i CNI_COMMAND=VERSION "$BIN/$p" 2>/dev/null </dev/null)" "$answer"
done

out=$("$BIN/cnictl" --version 2>&1)
is "cnictl --version: exit 0" $? 0
is "cnictl --version: name and version" "$(echo "$out" | sed -n 1p)" "cnictl $V (cni-c)"
is "cnictl --version: the protocol versions" "$(echo "$out" | sed -n 2p)" "$protocols"
like "cnictl --help lists --version" "$("$BIN/cnictl" --help)" '--version'
done_testing
