#!/bin/bash
# The libnftnl trial (README, "nf_tables messages: ours or libnftnl"): the nftables masquerade
# path with our own encoder (plugins/bridge/nft_netlink.c) against the same path with every
# message built and every reply parsed by libnftnl (plugins/bridge/nftnl/masq_nftables.c,
# `make NFT=libnftnl`), measured side by side by bench/driver.c's nft-ab phase.
#
#   bench/nftnl-trial.sh [REV]     (as root; REV: a commit that has the variant)
#   NFTNL_TRIAL_N=200 (ADD+DEL per side and run) NFTNL_TRIAL_RSS_N=20 NFTNL_TRIAL_MICRO_N=$N
#   NFTNL_TRIAL_TEST=1 (run masq-nftables.t on the variant)
#
# The variant was not adopted, so it is not in the tree: by default REV is the last commit that
# had plugins/bridge/nftnl/masq_nftables.c (036ec22 on the branch that ran the trial; found
# through merges). That commit's tree is exported to build/nftnl-trial/src and built three
# ways, only the switches differing (this tree's bench driver measures them):
#   A  ours, STATIC=1 (as shipped: a static PIE)
#   B  ours, STATIC=0 (dynamic libc and cJSON; libnl-3.a linked in)
#   C  libnftnl, STATIC=0 (libnftnl.a linked in, libmnl.so: Debian 12 has no libmnl.a)
# Runs: A vs C (what adopting would cost as things are shipped), then B vs C (the library's own
# cost at equal linkage), then the nftables path alone (build/test/masqctl of B and C,
# bench/nftnl-micro.py); each in its own sandbox (a private netns, the host firewall
# untouched), both sides alternating (AB BA ...), medians. Then `size`, lines of code, load
# average and kernel. Output: build/nftnl-trial/report.txt.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
N=${NFTNL_TRIAL_N:-200}
RSS_N=${NFTNL_TRIAL_RSS_N:-20}
VARIANT=plugins/bridge/nftnl/masq_nftables.c
OUT=$ROOT/build/nftnl-trial
[ "$(id -u)" = 0 ] || { echo "nftnl-trial: needs root (bench/run.sh)" >&2; exit 1; }

rev=${1:-}
if [ -z "$rev" ]; then
	if git cat-file -e "HEAD:$VARIANT" 2>/dev/null; then
		rev=HEAD
	else
		last=$(git rev-list -1 --full-history HEAD -- "$VARIANT")
		[ -n "$last" ] || { echo "nftnl-trial: no commit has $VARIANT" >&2; exit 1; }
		rev=$last^ # the commit that removed it: its parent still has it
	fi
fi
rev=$(git rev-parse --verify "$rev^{commit}")
git cat-file -e "$rev:$VARIANT" || { echo "nftnl-trial: $rev has no $VARIANT" >&2; exit 1; }

tools/deps.sh libnftnl-dev libmnl-dev
make -s deps >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT/src/build"
git archive "$rev" | tar -x -C "$OUT/src"
ln -s "$ROOT/build/debian-src" "$OUT/src/build/debian-src" # Debian sources of the static build
build() { # name make-switches...
	local name=$1
	shift
	make -C "$OUT/src" -s -j"$(nproc)" "$@" BUILD="build/$name" BIN="build/$name/bin" \
		"build/$name/bin/bridge" "build/$name/bin/host-local" "build/$name/test/masqctl" \
		>"$OUT/build-$name.log" 2>&1 ||
		{ echo "nftnl-trial: build $name failed: $OUT/build-$name.log" >&2; exit 1; }
	echo "$OUT/src/build/$name/bin"
}
A=$(build A STATIC=1 NFT=ours)
B=$(build B STATIC=0 NFT=ours)
C=$(build C STATIC=0 NFT=libnftnl)

{
	echo "libnftnl trial, $(date -u +%Y-%m-%d), source $rev"
	echo "kernel $(uname -r); libnftnl $(dpkg-query -W -f='${Version}' libnftnl-dev)," \
		"libmnl $(dpkg-query -W -f='${Version}' libmnl-dev); $(nproc) CPUs"
	echo "A = ours STATIC=1, B = ours STATIC=0, C = libnftnl STATIC=0 (libnftnl.a + libmnl.so)"
} >"$OUT/report.txt"

if [ "${NFTNL_TRIAL_TEST:-1}" = 1 ]; then
	# The variant's kernel bytecode against nft's (and the rest of the nftables backend's test)
	make -C "$OUT/src" -s -j"$(nproc)" STATIC=0 NFT=libnftnl all test-bins \
		>"$OUT/build-test.log" 2>&1 || { echo "nftnl-trial: test build failed" >&2; exit 1; }
	(cd "$OUT/src" && test/run.sh masq-nftables) | tail -1 | sed 's/^/masq-nftables.t on C: /' \
		>>"$OUT/report.txt"
fi

run() { # label ours-dir ref-dir
	echo "== $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))" >>"$OUT/report.txt"
	BENCH_OURS_DIR=$2 BENCH_REF_DIR=$3 bench/run.sh --phases nft-ab --backend-n "$N" \
		--rss-n "$RSS_N" --ours-name "$4" --ref-name "$5" --out "$OUT/$1.md" \
		--samples "$OUT/$1.tsv" >/dev/null 2>"$OUT/$1.log" ||
		{ echo "nftnl-trial: bench $1 failed: $OUT/$1.log" >&2; exit 1; }
	grep -E '^\| (metric|nft-ab)|^ours = ' "$OUT/$1.md" >>"$OUT/report.txt"
}
run A-vs-C "$A" "$C" "A (ours, static)" "C (libnftnl)"
run B-vs-C "$B" "$C" "B (ours, dynamic)" "C (libnftnl)"

# The nftables path alone (no veth, no IPAM): build/test/masqctl of B and C, in a sandbox as
# bench/run.sh builds one.
echo "== masqctl B vs C (load average $(cut -d' ' -f1-3 /proc/loadavg))" >>"$OUT/report.txt"
MICRO_N=${NFTNL_TRIAL_MICRO_N:-$N}
unshare --net --mount --propagation private -- env CNI_SANDBOXED=1 bash -c '
	. tools/cni-dirs.sh && cni_fresh_node && ip link set lo up &&
	python3 bench/nftnl-micro.py "$1" "B=$2" "C=$3"' micro "$MICRO_N" \
	"$OUT/src/build/B/test/masqctl" "$OUT/src/build/C/test/masqctl" >>"$OUT/report.txt"

{
	echo "== size (text data bss of bin/bridge)"
	for b in A B C; do
		printf '%s %s\n' "$b" "$(size "$OUT/src/build/$b/bin/bridge" | awk 'NR == 2 {print $1, $2, $3}')"
	done
	echo "== lines of the masquerade path (all, and code: neither blank nor only comment)"
	count() { # files...: "total code" lines (code: something outside /* */ comments)
		cat "$@" | awk '{
			all++; line = $0; out = ""
			while (line != "") {
				if (inc) {
					p = index(line, "*/")
					if (!p) break
					line = substr(line, p + 2); inc = 0
				} else {
					p = index(line, "/*")
					if (!p) { out = out line; break }
					out = out substr(line, 1, p - 1); line = substr(line, p + 2); inc = 1
				}
			}
			if (out ~ /[^ \t]/) code++
		} END { print all, code }'
	}
	s=$OUT/src/plugins/bridge
	echo "ours:     masq_nftables.c $(count "$s/masq_nftables.c"), nft_netlink.c (encoder," \
		"parser, CHECK comparison) $(count "$s/nft_netlink.c"), nft_socket.c $(count "$s/nft_socket.c")"
	echo "libnftnl: nftnl/masq_nftables.c $(count "$s/nftnl/masq_nftables.c")," \
		"nft_socket.c $(count "$s/nft_socket.c")"
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$OUT/report.txt"
cat "$OUT/report.txt"
