#!/bin/bash
# A failing ADD: exit 125, the plugin's CNI error on stderr, the payload never runs, and DEL
# ran for every network attached so far including the one that failed: nothing is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cnictl-common.sh"

cat >"$T/conf/good.conflist" <<EOC
{"cniVersion":"1.0.0","name":"good","plugins":[{"type":"bridge","bridge":"fb0",
 "ipam":{"type":"host-local","subnet":"10.244.220.0/24"}}]}
EOC
cat >"$T/conf/chain.conflist" <<EOC
{"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"bridge","bridge":"fb1",
 "ipam":{"type":"host-local","subnet":"10.244.221.0/24"}},{"type":"nosuchplugin"}]}
EOC
cat >"$T/conf/badipam.conflist" <<EOC
{"cniVersion":"1.0.0","name":"badipam","plugins":[{"type":"bridge","bridge":"fb2",
 "ipam":{"type":"host-local","subnet":"10.244.222.0/33"}}]}
EOC

# Second plugin of the list is missing: bridge ADD succeeded, then the list fails.
err=$(C run --net chain -- touch "$T/ran1" 2>&1)
is "missing second plugin: exit 125" "$?" 125
like "error names the missing plugin" "$err" 'failed to find plugin "nosuchplugin"'
[ -e "$T/ran1" ] && not_ok "payload did not run" || ok "payload did not run"
is "bridge ADD undone by the list DEL" "$(leftovers)" ""

# Second network fails: the first is DELeted too.
err=$(C run --net good --net badipam -- touch "$T/ran2" 2>&1)
is "failing second network: exit 125" "$?" 125
like "plugin error printed with its code" "$err" 'network "badipam" \(eth1\): plugin type="bridge" failed \(add\): .*\(code [0-9]+\)'
[ -e "$T/ran2" ] && not_ok "payload did not run" || ok "payload did not run"
is "first network DELeted as well" "$(leftovers)" ""

# Unknown plugin type as the only plugin.
cat >"$T/conf/only.conflist" <<EOC
{"cniVersion":"1.0.0","name":"only","plugins":[{"type":"nosuchplugin"}]}
EOC
C run --net only -- true 2>/dev/null
is "only plugin missing: exit 125" "$?" 125
is "nothing left after the missing plugin" "$(leftovers)" ""

# A broken conflist sorted before the wanted one is an error (libcni parses in order).
echo '{"name":"junk","plugins":[{"type":"bridge"}' >"$T/conf/00-junk.conflist"
err=$(C run --net good -- true 2>&1)
is "unparsable conflist in the dir: exit 125" "$?" 125
like "parse error names the file" "$err" 'junk.conflist'
rm "$T/conf/00-junk.conflist"
is "nothing left at the end" "$(leftovers)" ""
for b in fb0 fb1 fb2; do ip link del $b 2>/dev/null; done
done_testing
