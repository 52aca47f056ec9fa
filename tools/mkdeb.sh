#!/bin/sh
# Build the Debian package cni-c-plugins from finished binaries, with Debian's own tools
# (dpkg-shlibdeps, dpkg-gencontrol, dpkg-deb) and debian/{control,changelog,copyright}.
# Usage: tools/mkdeb.sh BIN_DIR OUT_DIR   (make deb: build/deb/bin build/deb)
# Writes OUT_DIR/cni-c-plugins_<version>_<arch>.deb and prints its path on the last line.
#
# Layout, and why:
#   /usr/lib/cni-c/{bridge,host-local}  Debian's containernetworking-plugins owns
#       /usr/lib/cni/bridge and /usr/lib/cni/host-local: our own directory lets both packages be
#       installed (no file conflict, no dpkg-divert taking the reference's files away from the
#       engines that use it), and each engine chooses by its plugin directory list
#       (docs/*.md). The bridge runs a host-local in-process only when it is its own build.
#   /usr/bin/cnictl, /usr/share/man/man1/cnictl.1.gz, /usr/share/man/man8/cni-c-plugins.8.gz
#   /usr/share/doc/cni-c-plugins/  copyright, changelog, README, the guides, examples/
#   Nothing in /etc: engines read their own configuration; the example network is for copying.
set -eu
cd "$(dirname "$0")/.."
bin=$1 out=$2
pkg=cni-c-plugins
die() {
	echo "mkdeb: $*" >&2
	exit 1
}

version=$(cat VERSION)
cl_version=$(dpkg-parsechangelog -l debian/changelog -SVersion)
[ "$cl_version" = "$version" ] ||
	die "debian/changelog is at $cl_version, VERSION at $version: add a changelog entry"
# Reproducible: every date is the changelog's.
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l debian/changelog -STimestamp)
export SOURCE_DATE_EPOCH
for f in bridge host-local cnictl; do
	[ -x "$bin/$f" ] || die "$bin/$f is missing (make deb builds it)"
done

root=$out/root
doc=$root/usr/share/doc/$pkg
rm -rf "$root" "$out/$pkg"_*.deb
umask 022
install -d "$root/DEBIAN" "$root/usr/lib/cni-c" "$root/usr/bin" "$root/usr/share/man/man1" \
	"$root/usr/share/man/man8" "$doc/examples" "$root/usr/share/lintian/overrides"

# Binaries, stripped as dh_strip strips programs (the GNU build-id note stays: the bridge
# recognises its host-local by it).
install -m 0755 "$bin/bridge" "$bin/host-local" "$root/usr/lib/cni-c/"
install -m 0755 "$bin/cnictl" "$root/usr/bin/"
for f in "$root/usr/lib/cni-c/bridge" "$root/usr/lib/cni-c/host-local" "$root/usr/bin/cnictl"; do
	strip --remove-section=.comment --remove-section=.note "$f"
done

# Manual pages: the version filled in, compressed as dh_compress does.
sed "s/@VERSION@/$version/g" man/cnictl.1 | gzip -9n >"$root/usr/share/man/man1/cnictl.1.gz"
sed "s/@VERSION@/$version/g" man/cni-c-plugins.8 |
	gzip -9n >"$root/usr/share/man/man8/cni-c-plugins.8.gz"

# Documentation: a native package's changelog is changelog.gz.
install -m 0644 debian/copyright "$doc/copyright"
gzip -9n <debian/changelog >"$doc/changelog.gz"
gzip -9n <README.md >"$doc/README.md.gz"
gzip -9n <plugins/ipam/README.md >"$doc/README.host-local.md.gz"
for f in docs/*.md; do
	gzip -9n <"$f" >"$doc/$(basename "$f").gz"
done
install -m 0644 docs/examples/* "$doc/examples/"
install -m 0644 debian/$pkg.lintian-overrides "$root/usr/share/lintian/overrides/$pkg"

# Control file: dependencies of the dynamically linked binaries from dpkg-shlibdeps, and, for
# static ones, the source packages they contain (Built-Using, for their licences).
dynamic="" built_using=""
for f in "$root/usr/lib/cni-c/bridge" "$root/usr/lib/cni-c/host-local" "$root/usr/bin/cnictl"; do
	if readelf -lW "$f" | grep -q 'program interpreter'; then
		dynamic="$dynamic $f"
	fi
done
if ! readelf -lW "$root/usr/lib/cni-c/bridge" | grep -q 'program interpreter'; then
	for dev in musl-dev libnl-3-dev libcjson-dev libiptc-dev; do
		s=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' "$dev")
		built_using="$built_using${built_using:+, }$s"
	done
fi
substvars=$out/substvars
: >"$substvars"
# shellcheck disable=SC2086 # a list of paths without spaces
[ -z "$dynamic" ] || dpkg-shlibdeps -T"$substvars" $dynamic
echo "cni-c:Built-Using=$built_using" >>"$substvars"
dpkg-gencontrol -p"$pkg" -cdebian/control -ldebian/changelog -T"$substvars" \
	-f"$out/files" -P"$root"
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

arch=$(sed -n 's/^Architecture: //p' "$root/DEBIAN/control")
deb=$out/${pkg}_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
