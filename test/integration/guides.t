#!/bin/bash
# The engine guides (docs/*.md) and the example network: every TOML, JSON and shell block parses;
# the example network in the manual page is the shipped one; the Kubernetes template, rendered
# by Go's text/template as containerd renders it (single and dual stack), and its hand-written
# fallback are networks our plugins attach a container to; and cnitool.md's cnictl steps run as
# written, with our plugins where the package would put them (/opt/cni/bin here, a private tmpfs
# in the sandbox, as are /etc/cni and /run/netns). containerd, CRI-O, podman and kubelet
# themselves are not installed here: their blocks are checked for syntax only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

# Fenced blocks of every guide as $T/blocks/<guide>.<n>.<language>
mkdir -p "$T/blocks"
python3 - "$T/blocks" "$ROOT"/docs/*.md <<'EOF'
import os, re, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    name = os.path.basename(path)[:-3]
    for n, m in enumerate(re.finditer(r'^```([\w-]*)\n(.*?)^```$', open(path).read(), re.M | re.S)):
        open(os.path.join(out, f"{name}.{n}.{m.group(1) or 'text'}"), 'w').write(m.group(2))
EOF
is "the guides have blocks" "$(find "$T/blocks" -type f | wc -l | awk '$1 >= 15 { print "yes" }')" yes
for guide in containerd cri-o podman kubernetes cnitool; do
	[ -f "$ROOT/docs/$guide.md" ] || not_ok "docs/$guide.md exists"
done

bad=""
for f in "$T"/blocks/*.toml; do
	python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], "rb"))' "$f" 2>/dev/null ||
		bad+=" $(basename "$f")"
done
is "every TOML block parses" "$bad" ""
bad=""
for f in "$T"/blocks/*.json "$ROOT"/docs/examples/*.conflist; do
	[ -f "$f" ] || continue
	python3 -m json.tool "$f" >/dev/null 2>&1 || bad+=" $(basename "$f")"
done
is "every JSON block and example parses" "$bad" ""
bad=""
for f in "$T"/blocks/*.sh; do
	bash -n "$f" 2>/dev/null || bad+=" $(basename "$f")"
done
is "every shell block parses" "$bad" ""

# The manual page shows the shipped example, byte for byte.
man_example=$(sed -n '/^\.SH EXAMPLES/,/^\.SH SEE/p' "$ROOT/man/cni-c-plugins.8" |
	sed -n '/^{$/,/^}$/p' | sed 's/\\-/-/g; s/\\e/\\/g')
is "cni-c-plugins.8 shows docs/examples/10-cni-c.conflist" "$man_example" \
	"$(cat "$ROOT/docs/examples/10-cni-c.conflist")"

# attach NAME CONFLIST-FILE : ADD, check eth0's addresses against the regexes in WANT[@], CHECK,
# DEL with cnictl and our plugins (portmap from the reference), then nothing left.
attach() {
	local name=$1 file=$2 net res w
	net=$(json_get "$(cat "$file")" name)
	mkdir -p "$T/net-$name" && cp "$file" "$T/net-$name/"
	netns_new gd1
	export NETCONFPATH=$T/net-$name CNI_PATH=$BIN:$REF CNICTL_CACHE_DIR=$T/cache
	res=$("$BIN/cnictl" add "$net" /run/netns/gd1 2>"$T/stderr")
	is "$name: ADD" $? 0
	for w in "${WANT[@]}"; do
		like "$name: eth0 has $w" "$(ip -n gd1 -o addr show eth0 2>&1)" "$w"
	done
	"$BIN/cnictl" check "$net" /run/netns/gd1 2>>"$T/stderr"
	is "$name: CHECK" $? 0
	"$BIN/cnictl" del "$net" /run/netns/gd1 2>>"$T/stderr"
	is "$name: DEL" $? 0
	[ -n "$res" ] || sed 's/^/# /' "$T/stderr"
	assert_clean "$net" gd1
	ip netns del gd1
	ip link del cni-c0 2>/dev/null
	unset NETCONFPATH CNI_PATH CNICTL_CACHE_DIR
}

WANT=('inet 10\.77\.0\.' 'inet6 fd5e:c2a1:77::')
attach example "$ROOT/docs/examples/10-cni-c.conflist"

# --- kubernetes.md: the template, as containerd renders it --------------------------------
tmpl=$(ls "$T"/blocks/kubernetes.*.go-template 2>/dev/null | head -1)
if [ -z "$tmpl" ]; then
	not_ok "kubernetes.md has the conf_template (a go-template block)"
elif ! command -v go >/dev/null; then
	skip "kubernetes.md template renders" "go is not installed (tools/deps.sh installs it)"
else
	mkdir -p "$T/render"
	cat >"$T/render/main.go" <<'EOF'
// The values containerd's CRI plugin gives a conf_template (docs/cri/config.md).
package main

import (
	"os"
	"strings"
	"text/template"
)

func main() {
	t := template.Must(template.ParseFiles(os.Args[1]))
	v := struct {
		PodCIDR       string
		PodCIDRRanges []string
		Routes        []string
	}{strings.Split(os.Args[2], ",")[0], strings.Split(os.Args[2], ","), strings.Split(os.Args[3], ",")}
	if err := t.Execute(os.Stdout, v); err != nil {
		panic(err)
	}
}
EOF
	render() { # CIDRS ROUTES
		(cd "$T/render" && env GO111MODULE=off GOPATH="$T/render/gopath" GOFLAGS= GOPROXY=off \
			GOCACHE="$ROOT/build/test/guides-gocache" go run main.go "$tmpl" "$1" "$2")
	}
	render 10.244.1.0/24 0.0.0.0/0 >"$T/k8s-v4.conflist" 2>"$T/stderr"
	is "kubernetes.md template renders (single stack)" $? 0
	render 10.244.1.0/24,fd00:10:244:1::/64 0.0.0.0/0,::/0 >"$T/k8s-dual.conflist" 2>>"$T/stderr"
	is "kubernetes.md template renders (dual stack)" $? 0
	sed 's/^/# /' "$T/stderr"
	WANT=('inet 10\.244\.1\.')
	attach k8s-template-v4 "$T/k8s-v4.conflist"
	WANT=('inet 10\.244\.1\.' 'inet6 fd00:10:244:1::')
	attach k8s-template-dual "$T/k8s-dual.conflist"

	# The hand-written fallback: the guide's block, with kubectl answering for the node, the
	# template read from where the test put it, and the network written to /etc/cni/net.d (a
	# private tmpfs here).
	fallback=$(grep -l 'kubectl get node' "$T"/blocks/kubernetes.*.sh | xargs grep -l 'sed -e')
	mkdir -p "$T/kubectl" /etc/cni/net.d
	printf '#!/bin/sh\necho 10.244.7.0/24\n' >"$T/kubectl/kubectl"
	chmod +x "$T/kubectl/kubectl"
	sed "s|/etc/containerd/cni-c.conflist.template|$tmpl|" "$fallback" >"$T/fallback.sh"
	PATH=$T/kubectl:$PATH bash -e "$T/fallback.sh"
	is "kubernetes.md fallback writes /etc/cni/net.d/10-cni-c.conflist" $? 0
	WANT=('inet 10\.244\.7\.')
	attach k8s-fallback /etc/cni/net.d/10-cni-c.conflist
	rm -f /etc/cni/net.d/10-cni-c.conflist
fi

# --- cnitool.md: the cnictl steps, as written ----------------------------------------------
# Our plugins where cnictl looks for them by default (/usr/lib/cni-c is not installed here).
mkdir -p /opt/cni/bin /etc/cni/net.d
ln -sf "$BIN/bridge" "$BIN/host-local" /opt/cni/bin/
steps=$(grep -l '^cnictl add' "$T"/blocks/cnitool.*.sh | head -1)
run=$(grep -l '^cnictl run' "$T"/blocks/cnitool.*.sh | head -1)
cp "$ROOT/docs/examples/10-cni-c.conflist" /etc/cni/net.d/
# cnictl where the package puts it: in PATH.
out=$(cd "$T" && PATH=$BIN:$PATH bash -ex "$steps" 2>&1)
is "cnitool.md: cnictl add, check, del" $? 0
like "cnitool.md: ... with our bridge" "$out" '"name":[[:space:]]*"cni-c0"'
out=$(cd "$T" && PATH=$BIN:$PATH bash -e "$run" 2>&1)
is "cnitool.md: cnictl run --net cni-c" $? 0
like "cnitool.md: ... eth0 in the container" "$out" 'inet 10\.77\.0\.'
ip link del cni-c0 2>/dev/null
assert_clean cni-c
rm -f /etc/cni/net.d/10-cni-c.conflist /opt/cni/bin/bridge /opt/cni/bin/host-local
done_testing
