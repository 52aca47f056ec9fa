# How bridge and host-local are linked (cnictl and the tests are always dynamic).
#   STATIC=1 (default): static PIEs. A dynamic libc's resident pages and ld.so alone are about a
#     third of the reference plugins' peak RSS; a static PIE maps only the code it runs.
#     Debian 12 ships cJSON and libiptc only as shared objects, so both are compiled here from
#     Debian's source packages at the installed versions (tools/debian-source.sh; fetched once
#     from the archive apt uses, into build/debian-src). libnl-3 and glibc come as Debian's
#     archives. Nothing is dlopen()ed: the bridge's libiptc is linked in, and glibc's NSS is
#     not even linked (--wrap, below).
#   STATIC=0: dynamic, libiptc dlopen()ed on first use. Sanitizer builds (SAN=...) are always
#     dynamic, as ASan and valgrind need the shared libc.
DEBIAN_SRC := build/debian-src
DEBIAN_SRC_DEVS := libcjson-dev libiptc-dev
# `make deps` (which check, demo and bench run) fetches the sources, or, where they cannot be
# had, leaves a note that makes the default dynamic, so those targets still work offline.
DEBIAN_SRC_GET = tools/debian-source.sh $(DEBIAN_SRC) $(DEBIAN_SRC_DEVS)
DEBIAN_SRC_FETCH = $(DEBIAN_SRC_GET) && \
	rm -f $(DEBIAN_SRC)/.unavailable || { \
	mkdir -p $(DEBIAN_SRC) && touch $(DEBIAN_SRC)/.unavailable; \
	echo "deps: WARNING: no Debian sources of cJSON/libiptc: plugins linked dynamically" >&2; }
STATIC ?= $(if $(SAN)$(wildcard $(DEBIAN_SRC)/.unavailable),0,1)

ifeq ($(STATIC),1)
PLUGIN_LDFLAGS := -static-pie
PLUGIN_JSON_OBJS := $(BUILD)/static-deps/cJSON.o
PLUGIN_JSON_LIBS := -lm
BRIDGE_IPTC_OBJS := $(BUILD)/static-deps/libip4tc.o $(BUILD)/static-deps/libip6tc.o
BRIDGE_STATIC_OBJS := $(BUILD)/static-deps/nss_wrap.o
BRIDGE_STATIC_LDFLAGS = $(foreach f,$(STATIC_WRAPPED),-Wl,--wrap=$(f))
else
PLUGIN_LDFLAGS :=
PLUGIN_JSON_OBJS :=
PLUGIN_JSON_LIBS := $(LIBS_JSON)
BRIDGE_IPTC_OBJS :=
BRIDGE_STATIC_OBJS :=
BRIDGE_STATIC_LDFLAGS :=
endif

# Switching STATIC must relink the plugins although no object changed: they depend on this file,
# rewritten only when the mode differs from the last build's.
LINK_MODE := $(BUILD)/link-mode
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(LINK_MODE) 2>/dev/null)" = "$(STATIC)" ] || \
	echo "$(STATIC)" >$(LINK_MODE); })

# The headers change when apt upgrades the -dev packages: then fetch the new sources.
$(DEBIAN_SRC)/cjson/.debian-version $(DEBIAN_SRC)/iptables/.debian-version &: \
		/usr/include/cjson/cJSON.h /usr/include/libiptc/libiptc.h tools/debian-source.sh
	@$(DEBIAN_SRC_GET) || \
		{ echo "static build: no Debian sources; 'make STATIC=0' links dynamically" >&2; exit 1; }
	@touch $(DEBIAN_SRC)/cjson/.debian-version $(DEBIAN_SRC)/iptables/.debian-version

# Compiled as Debian's packages compile them (their own flags, not our warnings).
$(BUILD)/static-deps/cJSON.o: $(DEBIAN_SRC)/cjson/.debian-version
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(OPT) -c -o $@ $(DEBIAN_SRC)/cjson/cJSON.c
$(BUILD)/static-deps/libip%tc.o: $(DEBIAN_SRC)/iptables/.debian-version
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(OPT) -D_GNU_SOURCE -D_REENTRANT -D_FILE_OFFSET_BITS=64 \
		-I$(DEBIAN_SRC)/iptables/include -c -o $@ $(DEBIAN_SRC)/iptables/libiptc/libip$*tc.c

# The glibc functions that load shared objects at run time (NSS lookups, dlopen) are wrapped in
# the static bridge: every reference, from libnl-3.a's addr.o and utils.o and from
# masq_iptables.c, goes to lib/static/nss_wrap.c, which says why none is reached and fails
# cleanly should one be. glibc's NSS code is then not linked at all, and the link prints none of
# its "Using 'dlopen' in statically linked applications requires at runtime the shared
# libraries ..." warnings. test/integration/static-link.t checks that no NSS code is linked and
# that nothing opens a shared object or an NSS file at run time.
STATIC_WRAPPED := getaddrinfo getnameinfo getprotobyname getprotobynumber dlopen dlsym dlerror
$(BUILD)/static-deps/nss_wrap.o: lib/static/nss_wrap.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
