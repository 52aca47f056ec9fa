# How bridge and host-local are built and linked (cnictl and the tests are always dynamic glibc).
#   STATIC=1 (default): static PIEs on musl (Debian's musl-dev, through its musl-gcc specs).
#     Why musl: every exec of a glibc program, static or dynamic, first runs glibc's CPU
#     feature and cache probing, dozens of CPUID instructions, and CPUID traps to the hypervisor
#     on a virtual machine. On the 2-vCPU test machine one costs 6 µs and an empty static glibc
#     program takes 640 µs from spawn to reap against 180 µs for one without libc; musl does no
#     probing (README "Performance": ADD and DEL each pay one such start, or two with an
#     exec'd IPAM). Why static: a dynamic libc's resident pages and its loader are about a
#     third of the reference plugins' peak RSS, and a static PIE maps only the code it runs.
#     cJSON, libnl-3 and libiptc are compiled here from Debian's source packages at the
#     installed versions (tools/debian-source.sh; fetched once from the archive apt uses, into
#     build/debian-src), as Debian ships them built for glibc only. Nothing is dlopen()ed.
#     Plugin objects live apart, in $(BUILD)/musl; the unit tests link the glibc objects.
#   STATIC=0: dynamic glibc, libiptc dlopen()ed on first use. Sanitizer builds (SAN=...) are
#     always dynamic, as ASan and valgrind need the shared libc.
DEBIAN_SRC := build/debian-src
DEBIAN_SRC_DEVS := libcjson-dev libiptc-dev libnl-3-dev
# `make deps` (which check, demo and bench run) fetches the sources, or, where they cannot be
# had, leaves a note that makes the default dynamic, so those targets still work offline.
DEBIAN_SRC_GET = tools/debian-source.sh $(DEBIAN_SRC) $(DEBIAN_SRC_DEVS)
DEBIAN_SRC_FETCH = $(DEBIAN_SRC_GET) && \
	rm -f $(DEBIAN_SRC)/.unavailable || { \
	mkdir -p $(DEBIAN_SRC) && touch $(DEBIAN_SRC)/.unavailable; \
	echo "deps: WARNING: no Debian sources of cJSON/libiptc/libnl-3: plugins linked dynamically" >&2; }
# Debian's musl layout: /usr/lib/<triplet> and /usr/include/<triplet>, x86_64-linux-musl here.
MUSL_TRIPLET := $(patsubst %-gnu,%-musl,$(shell $(CC) -dumpmachine 2>/dev/null))
MUSL_LIB := /usr/lib/$(MUSL_TRIPLET)
# STATIC=1 where Debian's musl is installed for $(CC)'s target. clang names its target
# x86_64-pc-linux-gnu, has no musl there and reads no gcc specs: a clang build is dynamic.
STATIC ?= $(if $(SAN)$(wildcard $(DEBIAN_SRC)/.unavailable),0,$(if $(wildcard $(MUSL_LIB)/rcrt1.o),1,0))

ifeq ($(STATIC),1)
PLUGIN_BUILD := $(BUILD)/musl
# The kernel's UAPI headers and libiptc's, which musl's include directory lacks: links to
# Debian's, searched after musl's own headers. lib/static/include/linux/libc-compat.h comes
# first: it tells the kernel headers which definitions musl already makes.
MUSL_SYSINC := $(PLUGIN_BUILD)/sysinclude
MUSL_SYSINC_LINKS := linux=/usr/include/linux asm-generic=/usr/include/asm-generic \
	asm=/usr/include/$(shell $(CC) -print-multiarch)/asm libiptc=/usr/include/libiptc \
	xtables-version.h=/usr/include/xtables-version.h
MUSL_CC = $(CC) -specs $(MUSL_LIB)/musl-gcc.specs -idirafter $(MUSL_SYSINC)
PLUGIN_CC = $(MUSL_CC) -Ilib/static/include
PLUGIN_CC_READY := $(MUSL_SYSINC)/.made
# The link is gcc's own, not musl-gcc's (whose specs cannot make a static PIE): musl's rcrt1.o
# relocates the PIE itself; libc.a, libgcc and gcc's crt objects around the program's.
PLUGIN_LDFLAGS := -nostdlib -static-pie
PLUGIN_LINK_FIRST := $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o $(shell $(CC) -print-file-name=crtbeginS.o)
PLUGIN_LINK_LAST := -L$(MUSL_LIB) -lc $(shell $(CC) -print-libgcc-file-name) \
	$(shell $(CC) -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o
PLUGIN_JSON_OBJS := $(PLUGIN_BUILD)/static-deps/cJSON.o
PLUGIN_JSON_LIBS :=
PLUGIN_NL := $(PLUGIN_BUILD)/static-deps/libnl-3.a
PLUGIN_STATIC_OBJS := $(PLUGIN_BUILD)/static-deps/malloc.o
BRIDGE_IPTC_OBJS := $(PLUGIN_BUILD)/static-deps/libip4tc.o $(PLUGIN_BUILD)/static-deps/libip6tc.o
BRIDGE_STATIC_OBJS := $(PLUGIN_BUILD)/static-deps/nss_wrap.o
BRIDGE_STATIC_LDFLAGS = $(foreach f,$(STATIC_WRAPPED),-Wl,--wrap=$(f))
else
PLUGIN_BUILD := $(BUILD)
PLUGIN_CC = $(CC)
PLUGIN_CC_READY :=
PLUGIN_LDFLAGS :=
PLUGIN_LINK_FIRST :=
PLUGIN_LINK_LAST :=
PLUGIN_JSON_OBJS :=
PLUGIN_JSON_LIBS := $(LIBS_JSON)
PLUGIN_STATIC_OBJS :=
# libnl-3 linked statically when its archive exists: one shared object less to map and
# relocate at every exec (the bridge uses libnl's core only, not libnl-route).
PLUGIN_NL_A := $(shell $(CC) -print-file-name=libnl-3.a)
PLUGIN_NL := $(if $(filter /%,$(PLUGIN_NL_A)),$(PLUGIN_NL_A),-lnl-3)
BRIDGE_IPTC_OBJS :=
BRIDGE_STATIC_OBJS :=
BRIDGE_STATIC_LDFLAGS :=
endif
# lib/static/malloc.c is compiled without builtins (here and for its unit test, test/rules.mk):
# gcc would turn calloc's malloc and memset into a call to calloc.
STATIC_MALLOC_CFLAGS := -fno-builtin
# The plugins' copies of objects named $(BUILD)/...: $(call plugin_objs,OBJS)
plugin_objs = $(patsubst $(BUILD)/%,$(PLUGIN_BUILD)/%,$(1))
PLUGIN_LIBCNI := $(PLUGIN_BUILD)/libcni.a

# Switching STATIC, or changing what goes into the plugins' links, must relink them although no
# object changed (make sees prerequisites' times, not a list that lost one): they depend on this
# file, rewritten only when the mode or those inputs differ from the last build's.
LINK_MODE := $(BUILD)/link-mode
LINK_SIGNATURE := $(STATIC) $(PLUGIN_LDFLAGS) $(PLUGIN_STATIC_OBJS) $(BRIDGE_STATIC_OBJS) \
	$(BRIDGE_IPTC_OBJS) $(PLUGIN_JSON_OBJS) $(PLUGIN_NL)
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(LINK_MODE) 2>/dev/null)" = "$(strip $(LINK_SIGNATURE))" ] || \
	echo "$(strip $(LINK_SIGNATURE))" >$(LINK_MODE); })

ifeq ($(STATIC),1)
$(MUSL_SYSINC)/.made: tools/static-link.mk
	@mkdir -p $(dir $@)
	@for l in $(MUSL_SYSINC_LINKS); do ln -sfn "$${l#*=}" "$(dir $@)$${l%%=*}"; done
	@touch $@
$(PLUGIN_BUILD)/%.o: %.c | $(PLUGIN_CC_READY)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(PLUGIN_CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(PLUGIN_LIBCNI): $(call plugin_objs,$(LIB_OBJS))
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

# The headers change when apt upgrades the -dev packages: then fetch the new sources.
DEBIAN_SRC_STAMPS := $(DEBIAN_SRC)/cjson/.debian-version $(DEBIAN_SRC)/iptables/.debian-version \
	$(DEBIAN_SRC)/libnl3/.debian-version
$(DEBIAN_SRC_STAMPS) &: /usr/include/cjson/cJSON.h /usr/include/libiptc/libiptc.h \
		/usr/include/libnl3/netlink/version.h tools/debian-source.sh
	@$(DEBIAN_SRC_GET) || \
		{ echo "static build: no Debian sources; 'make STATIC=0' links dynamically" >&2; exit 1; }
	@touch $(DEBIAN_SRC_STAMPS)

# Compiled as Debian's packages compile them (their own flags, not our warnings).
$(PLUGIN_BUILD)/static-deps/cJSON.o: $(DEBIAN_SRC)/cjson/.debian-version | $(PLUGIN_CC_READY)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(PLUGIN_CC) $(OPT) -c -o $@ $(DEBIAN_SRC)/cjson/cJSON.c
$(PLUGIN_BUILD)/static-deps/libip%tc.o: $(DEBIAN_SRC)/iptables/.debian-version | $(PLUGIN_CC_READY)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(PLUGIN_CC) $(OPT) -D_GNU_SOURCE -D_REENTRANT -D_FILE_OFFSET_BITS=64 \
		-I$(DEBIAN_SRC)/iptables/include -c -o $@ $(DEBIAN_SRC)/iptables/libiptc/libip$*tc.c
# libnl-3's core, the sources its Makefile.am lists for libnl-3.la; its configure (which needs
# flex and bison for libnl-route) is not run: defs.h holds the two answers the core uses. Its
# own copies of the kernel headers know musl: no libc-compat.h of ours.
LIBNL_CORE := addr attr cache cache_mngr cache_mngt data error handlers hash hashtable mpls msg \
	nl object socket utils version
LIBNL_OBJS := $(LIBNL_CORE:%=$(PLUGIN_BUILD)/static-deps/libnl/%.o)
$(PLUGIN_BUILD)/static-deps/libnl/defs.h: tools/static-link.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' '#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__' '#define HAVE_LITTLE_ENDIAN 1' \
		'#else' '#define HAVE_BIG_ENDIAN 1' '#endif' '#define HAVE_STRERROR_L 1' >$@
$(LIBNL_OBJS): $(PLUGIN_BUILD)/static-deps/libnl/%.o: $(DEBIAN_SRC)/libnl3/.debian-version \
		$(PLUGIN_BUILD)/static-deps/libnl/defs.h | $(PLUGIN_CC_READY)
	$(call say,CC,$@)$(MUSL_CC) $(OPT) -D_GNU_SOURCE -DSYSCONFDIR=\"/etc/libnl\" \
		-I$(DEBIAN_SRC)/libnl3/include/linux-private -I$(DEBIAN_SRC)/libnl3/include \
		-I$(dir $@) -c -o $@ $(DEBIAN_SRC)/libnl3/lib/$*.c
$(PLUGIN_NL): $(LIBNL_OBJS)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

# The libc functions that would look names up in system databases or load shared objects at
# run time (getaddrinfo and the like, dlopen) are wrapped in the static bridge: every
# reference, from libnl's addr.o and utils.o and from masq_iptables.c, goes to
# lib/static/nss_wrap.c, which says why none is reached and fails cleanly should one be; the
# resolver is then not linked at all. test/integration/static-link.t checks that none is linked
# and that nothing opens a shared object or a name-service file at run time.
STATIC_WRAPPED := getaddrinfo getnameinfo getprotobyname getprotobynumber dlopen dlsym dlerror
$(PLUGIN_BUILD)/static-deps/malloc.o: override CFLAGS += $(STATIC_MALLOC_CFLAGS)
$(PLUGIN_BUILD)/static-deps/%.o: lib/static/%.c | $(PLUGIN_CC_READY)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(PLUGIN_CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
endif
