#!/bin/bash
# The Debian package (make deb = make deps + make debian-package, tools/mkdeb.sh): it builds
# quietly and without a warning, lintian has nothing to say, its control fields and contents are
# what tools/mkdeb.sh promises (nothing of containernetworking-plugins' files, nothing in /etc or
# /opt), every path the guides and manual pages name is in it, and installed into a throwaway
# root (dpkg --root, never the machine's own) its plugins attach a container to the example
# network, the bridge running the packaged host-local in-process. dpkg -r leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

for tool in dpkg-deb dpkg-gencontrol dpkg-shlibdeps; do
	if ! command -v $tool >/dev/null; then
		skip "Debian package" "$tool is missing (tools/deps.sh installs dpkg-dev)"
		done_testing
		exit
	fi
done
V=$(cat "$ROOT/VERSION")
pkg=cni-c-plugins

# --- build ------------------------------------------------------------------------------------
out=$(make -C "$ROOT" --no-print-directory debian-package 2>&1)
rc=$?
is "make debian-package succeeds" $rc 0
[ $rc = 0 ] || echo "$out" | sed 's/^/# /' | tail -30
is "the build prints no warning" "$(echo "$out" | grep -ic warning)" 0
is "the build prints one short line per step, nothing else" \
	"$(echo "$out" | grep -cvE '^  [A-Z]+ +[^ ]+$')" 0
deb=$(ls "$ROOT"/build/deb/${pkg}_"$V"_*.deb 2>/dev/null)
if [ ! -f "$deb" ]; then
	not_ok "the package exists" "no build/deb/${pkg}_${V}_*.deb"
	done_testing
	exit
fi
if command -v lintian >/dev/null; then
	like "lintian ran" "$out" 'LINTIAN'
	is "lintian: no error, warning or info tag" \
		"$(echo "$out" | grep -E '^[EWIPX]: ' | grep -v '^[PX]: ')" ""
else
	skip "lintian has nothing to say" "lintian is not installed (tools/deps.sh installs it)"
fi

# --- control fields ---------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
is "Package" "$(field Package)" $pkg
is "Version is VERSION's" "$(field Version)" "$V"
is "Architecture is the machine's" "$(field Architecture)" "$(dpkg --print-architecture)"
like "Depends from dpkg-shlibdeps (cnictl: libc6, libcjson1)" "$(field Depends)" \
	'libc6 \(>= [0-9.]+\).*libcjson1'
like "Recommends the reference plugins (loopback, portmap)" "$(field Recommends)" \
	containernetworking-plugins
if readelf -lW "$ROOT/build/deb/bin/bridge" | grep -q 'program interpreter'; then
	skip "Built-Using names the statically linked sources" "dynamic build (STATIC=0)"
else
	like "Built-Using names the statically linked sources" "$(field Built-Using)" \
		'cjson \(= .*iptables \(= .*libnl3 \(= .*musl \(= '
fi
like "Description" "$(field Description)" '^CNI bridge and host-local plugins'
like "Installed-Size" "$(field Installed-Size)" '^[0-9]+$'
is "no maintainer scripts" "$(dpkg-deb -I "$deb" | grep -cE ' (pre|post)(inst|rm) ')" 0

# --- contents ---------------------------------------------------------------------------------
listing=$(dpkg-deb -c "$deb")
files=$(echo "$listing" | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||')
for f in /usr/lib/cni-c/bridge /usr/lib/cni-c/host-local /usr/bin/cnictl \
	/usr/share/man/man1/cnictl.1.gz /usr/share/man/man8/cni-c-plugins.8.gz \
	/usr/share/doc/$pkg/copyright /usr/share/doc/$pkg/changelog.gz \
	/usr/share/doc/$pkg/README.md.gz /usr/share/doc/$pkg/examples/10-cni-c.conflist \
	/usr/share/lintian/overrides/$pkg; do
	echo "$files" | grep -qxF "$f" || not_ok "the package holds $f"
done
is "nothing in /etc, /opt, /var or /usr/local" "$(echo "$files" | grep -cE '^/(etc|opt|var|usr/local)(/|$)')" 0
is "owned by root" "$(echo "$listing" | awk '$2 != "root/root"' | wc -l)" 0
ref_files=$(dpkg -L containernetworking-plugins 2>/dev/null)
if [ -n "$ref_files" ]; then
	both=$(comm -12 <(echo "$files" | sort) <(echo "$ref_files" | sort) | while read -r f; do
		echo "$listing" | grep -q "^d.* \.$f/$" || echo "$f"
	done)
	is "no file in common with containernetworking-plugins (only directories)" "$both" ""
else
	skip "no file in common with containernetworking-plugins" "it is not installed"
fi
# Every path of the package that the guides, the manual pages and README name.
named=$({ cat "$ROOT"/docs/*.md "$ROOT"/README.md; sed 's/\\-/-/g; s/\\f[BIRP]//g' "$ROOT"/man/*; } |
	grep -oE '/usr/(lib/cni-c|share/doc/cni-c-plugins)(/[A-Za-z0-9._-]+)*' | sort -u)
missing=""
for p in $named; do
	echo "$files" | grep -qxF "$p" || missing+=" $p"
done
is "every path the guides, manual pages and README name is in the package ($(echo "$named" |
	wc -w))" "$missing" ""

# --- unpacked: the binaries and pages as shipped ---------------------------------------------
dpkg-deb -x "$deb" "$T/x"
is "bridge: its version" "$(env -i "$T/x/usr/lib/cni-c/bridge" 2>&1 | head -1)" \
	"CNI bridge plugin v$V (cni-c, the C implementation)"
is "host-local: its version" "$(env -i "$T/x/usr/lib/cni-c/host-local" 2>&1 | head -1)" \
	"CNI host-local plugin v$V (cni-c, the C implementation)"
is "cnictl --version" "$("$T/x/usr/bin/cnictl" --version | head -1)" "cnictl $V (cni-c)"
is "the binaries are stripped" "$(file "$T"/x/usr/lib/cni-c/* "$T/x/usr/bin/cnictl" |
	grep -vc ', stripped')" 0
if command -v man >/dev/null; then
	for page in "$T"/x/usr/share/man/man*/*.gz; do
		err=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
			"$page" 2>&1 >/dev/null)
		is "$(basename "$page"): renders without a warning" "$err" ""
		like "$(basename "$page"): carries the version" "$(MANWIDTH=80 man -l -P cat "$page" |
			tail -1)" "cni-c $V"
	done
fi

# --- installed into a throwaway root ---------------------------------------------------------
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/log"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
dpkgr() { dpkg --root="$R" --log="$R/var/log/dpkg.log" "$@"; }
# The root has no libc6 or libcjson1 package: the host's are used at run time.
out=$(dpkgr --force-depends -i "$deb" 2>&1)
is "dpkg --root -i installs it" $? 0
is "installed" "$(dpkgr -s $pkg 2>/dev/null | sed -n 's/^Status: //p')" "install ok installed"
is "dpkg -L lists what dpkg-deb -c lists" "$(dpkgr -L $pkg | grep -v '^/\.$' | sort)" \
	"$(echo "$files" | grep -v '^$' | sort)"

# The example network, attached with the installed cnictl and plugins (portmap from the
# reference in /usr/lib/cni), CHECKed and DELeted.
mkdir -p "$T/net.d" "$T/cache"
cp "$R/usr/share/doc/$pkg/examples/10-cni-c.conflist" "$T/net.d/"
netns_new pk1
ctl() {
	env NETCONFPATH="$T/net.d" CNI_PATH="$R/usr/lib/cni-c:/usr/lib/cni" \
		CNICTL_CACHE_DIR="$T/cache" strace -f -qq -e trace=execve -o "$T/trace" \
		"$R/usr/bin/cnictl" "$@" 2>"$T/stderr"
}
res=$(ctl add cni-c /run/netns/pk1)
rc=$?
is "cnictl add of the example network, installed plugins" $rc 0
[ $rc = 0 ] || sed 's/^/# /' "$T/stderr"
like "eth0 has an address of 10.77.0.0/24" "$(ip -n pk1 -o addr show eth0)" 'inet 10\.77\.0\.'
like "eth0 has an address of fd5e:c2a1:77::/64" "$(ip -n pk1 -o addr show eth0)" \
	'inet6 fd5e:c2a1:77::'
like "the result names the bridge cni-c0" "$res" '"name":[[:space:]]*"cni-c0"'
like "the packaged bridge was executed" "$(grep -c 'execve(".*/usr/lib/cni-c/bridge"' "$T/trace")" \
	'^[1-9]'
is "the bridge ran the packaged host-local in-process (not executed)" \
	"$(grep -c 'execve(".*/host-local"' "$T/trace")" 0
like "portmap came from the reference" "$(grep -o 'execve("[^"]*portmap"' "$T/trace" | head -1)" \
	'/usr/lib/cni/portmap'
ctl check cni-c /run/netns/pk1
is "cnictl check" $? 0
ctl del cni-c /run/netns/pk1
is "cnictl del" $? 0
ip link del cni-c0 2>/dev/null
assert_clean cni-c pk1
ip netns del pk1

out=$(dpkgr -r $pkg 2>&1)
is "dpkg --root -r removes it" $? 0
is "nothing of it is left in the root" "$(find "$R" -mindepth 1 -not -path "$R/var/*" \
	-not -path "$R/var")" ""
done_testing
