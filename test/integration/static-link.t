#!/bin/bash
# The static build (STATIC=1, tools/static-link.mk): bridge and host-local have no program
# interpreter and no shared-object dependency, and at run time they open no shared object and
# no NSS file, also where the bridge masquerades through the libiptc compiled into it (the
# static link must contain no resolver code, and nothing may dlopen). Their C library is musl:
# no glibc start-up CPU probing (CPUID traps on a virtual machine), and the allocator is
# lib/static/malloc.c (README "Build dependencies" says why). Skipped
# for a dynamic build.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge-common.sh"

if readelf -lW "$BIN/bridge" | grep -q 'Requesting program interpreter'; then
	skip "static link" "dynamic build (STATIC=0)"
	done_testing
	exit
fi

for p in bridge host-local; do
	is "$p: no program interpreter" "$(readelf -lW "$BIN/$p" | grep -c 'program interpreter')" 0
	is "$p: no NEEDED shared object" "$(readelf -dW "$BIN/$p" | grep -c NEEDED)" 0
	like "$p: static PIE (ASLR kept)" "$(readelf -hW "$BIN/$p")" 'Type: +DYN'
	# tools/static-link.mk wraps the lookups that pull in glibc's NSS (lib/static/nss_wrap.c).
	syms=$(nm "$BIN/$p" 2>/dev/null)
	if [ -z "$syms" ]; then
		skip "$p: no NSS code linked" "no symbol table (stripped)"
		continue
	fi
	is "$p: no NSS code linked" "$(echo "$syms" | grep -c ' __nss_')" 0
	is "$p: no glibc CPU feature probing linked" "$(echo "$syms" | grep -c ' _dl_x86_cpu_features$')" 0
	for f in malloc free; do
		at=$(echo "$syms" | awk -v f=$f '$2 == "T" && $3 == f { print $1 }')
		like "$p: $f is lib/static/malloc.c's" "$(addr2line -e "$BIN/$p" "0x$at")" \
			'lib/static/malloc\.c:[0-9]+'
	done
	is "$p: no libc getaddrinfo, getnameinfo, getprotobyname, getprotobynumber linked" \
		"$(echo "$syms" | grep -cE ' [TW] (getaddrinfo|getnameinfo|getprotoby(name|number))$')" 0
done

# traced VERB CONF : br under strace; the files it tried to open, one per line, in $OPENED
traced() {
	local verb=$1 c=$2
	OUT=$(echo "$c" |
		env CNI_COMMAND="$verb" CNI_CONTAINERID=st1 CNI_NETNS=/run/netns/c1 CNI_IFNAME=eth0 \
			CNI_PATH="$IPAM_PATH" strace -f -qq -e trace=open,openat -o "$T/trace" \
			"$BIN/bridge" 2>"$T/stderr")
	RC=$?
	OPENED=$(grep -o '"[^"]*"' "$T/trace" | tr -d '"')
}
foreign() { echo "$OPENED" | grep -E '\.so(\.|$)|nsswitch|/etc/(protocols|hosts|services|resolv)' || true; }

netns_new c1
for backend in iptables nftables; do
	C=$(conf 1.0.0 snet sbr0 10.231.71.0/24,fd00:231:71::/64 \
		"\"isGateway\":true,\"ipMasq\":true,\"ipMasqBackend\":\"$backend\"")
	traced ADD "$C"
	ok_rc "[$backend] ADD with ipMasq, traced"
	R=$OUT
	is "[$backend] ADD opened no shared object or NSS file" "$(foreign)" ""
	if [ $backend = iptables ]; then
		is "[$backend] masquerade rules written through the linked-in libiptc" \
			"$(iptables-legacy -w -t nat -S 2>/dev/null | grep -c 'id: \\"st1\\"')" 3
		is "[$backend] v6 rules too" \
			"$(ip6tables-legacy -w -t nat -S 2>/dev/null | grep -c 'id: \\"st1\\"')" 3
	fi
	traced CHECK "$(prev "$C" "$R")"
	ok_rc "[$backend] CHECK, traced"
	is "[$backend] CHECK opened no shared object or NSS file" "$(foreign)" ""
	traced DEL "$C"
	ok_rc "[$backend] DEL, traced"
	is "[$backend] DEL opened no shared object or NSS file" "$(foreign)" ""
	is "[$backend] no legacy nat rule left" \
		"$(iptables-legacy -w -t nat -S 2>/dev/null | grep -c st1)" 0
done
assert_clean snet c1
ip netns del c1
done_testing
