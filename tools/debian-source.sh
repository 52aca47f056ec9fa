#!/bin/sh
# tools/debian-source.sh DEST DEV-PACKAGE...
# Unpack into DEST/<source-package>/ the Debian source of each installed -dev package, at exactly
# its installed version, with Debian's patches applied (dpkg-source -x). The static build
# compiles cJSON and libiptc from these, because Debian 12 ships them only as shared objects.
#
# Where from: the archive apt installed that version from (apt-cache policy), read through a
# private apt state under DEST/.apt, so the machine's apt configuration, lists and cache are
# left untouched. apt checks every file against the archive's signed index, as for a binary
# package. Idempotent: a package whose DEST/<source>/.debian-version matches is skipped.
# Exit 1 with one line on stderr when a source cannot be had (offline, version gone from the
# archive): the caller says how to build without it (STATIC=0).
set -eu
dest=$1
shift
mkdir -p "$dest"
exec 9>"$dest/.lock" # two makes fetching at once take turns
flock 9

fail() {
	echo "debian-source: $*" >&2
	exit 1
}

# "URI SUITE COMPONENT" of every archive that offers the installed version of $1.
archives_of() {
	LC_ALL=C apt-cache policy "$1" | awk -v v="$2" '
		$1 == "***" { ver = $2; next }                                   # installed version
		NF == 2 && $1 !~ /^[0-9]+$/ && $2 ~ /^-?[0-9]+$/ { ver = $1; next } # other version
		$2 ~ /:\/\// && ver == v { split($3, sc, "/"); print $2, sc[1], sc[2] }'
}

apt_private() { # apt-get with DEST/.apt as its whole state
	apt-get -qq -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts="$apt/parts" \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o APT::Sandbox::User=root "$@"
}

apt=$(cd "$dest" && pwd)/.apt
for dev in "$@"; do
	src=$(dpkg-query -W -f='${source:Package}' "$dev" 2>/dev/null) ||
		fail "$dev is not installed (make deps)"
	version=$(dpkg-query -W -f='${source:Version}' "$dev")
	[ "$(cat "$dest/$src/.debian-version" 2>/dev/null)" = "$version" ] && continue

	rm -rf "$apt" "${dest:?}/${src:?}" "$dest/$src.new"
	mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/get"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	opts=""
	[ -r "$keyring" ] && opts="[signed-by=$keyring] "
	archives_of "$dev" "$(dpkg-query -W -f='${Version}' "$dev")" | sort -u |
		while read -r uri suite component; do
			echo "deb-src $opts$uri $suite $component"
		done >"$apt/sources.list"
	[ -s "$apt/sources.list" ] || fail "no configured archive offers $dev $version"
	apt_private update >"$apt/log" 2>&1 || fail "apt-get update of source indexes failed (offline?): $apt/log"
	(cd "$apt/get" && apt_private source --download-only "$src=$version") >>"$apt/log" 2>&1 ||
		fail "cannot download source $src $version: $apt/log"
	dpkg-source --no-copy -x "$apt/get/${src}_${version#*:}.dsc" "$dest/$src.new" >>"$apt/log" 2>&1 ||
		fail "cannot unpack source $src $version: $apt/log"
	echo "$version" >"$dest/$src.new/.debian-version"
	mv "$dest/$src.new" "$dest/$src"
	rm -rf "$apt"
	echo "debian-source: $src $version unpacked in $dest/$src" >&2
done
