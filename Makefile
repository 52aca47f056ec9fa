# Non-recursive build: every component adds its targets from its own rules.mk.
#   make            build bin/bridge, bin/host-local, bin/cnictl
#   make check      install deps, build, run unit + integration tests
#   make conformance PLUGINS=DIR [REFERENCE=DIR]   the conformance kit against any plugin dir
#   make demo       two containers on the default network ping each other
#   make bench      ours vs the reference plugins, side by side
#   make install    PREFIX=/usr/local DESTDIR= CNI_BIN_DIR=/opt/cni/bin
#   make deb        the Debian package build/deb/cni-c-plugins_<version>_<arch>.deb
#   STATIC=0        link bridge and host-local dynamically (tools/static-link.mk)
#   V=1             print every command in full (default: one short line per step)

CC       ?= cc
# libnl-3's core only: lib/nlutil.c builds its rtnetlink requests itself (include/nlutil.h says
# why) and nothing calls libnl-route-3 (nm finds no rtnl_* reference), so it is not linked.
PKGS     := libnl-3.0 libcjson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wold-style-definition -Wnull-dereference
ifneq ($(CI),)
WARN     += -Werror
endif
CFLAGS   ?= $(OPT)
override CFLAGS += -std=gnu11 $(WARN) -fno-strict-aliasing -D_GNU_SOURCE
override CPPFLAGS += -Iinclude $(PKG_CFLAGS) -MMD -MP
LDFLAGS  ?=
SAN      ?=
override CFLAGS += $(SAN)
override LDFLAGS += $(SAN)

BUILD    := build
BIN      := bin
PREFIX   ?= /usr/local
DESTDIR  ?=
CNI_BIN_DIR ?= /opt/cni/bin

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBCNI   := $(BUILD)/libcni.a
LIBS_JSON := -lcjson -lm
LIBS_NL   := -lnl-3

# The version of every binary and of the package: VERSION, one line.
CNI_C_VERSION := $(shell cat VERSION)
# A header holding it, rewritten only when it changes, so that only its includers rebuild.
VERSION_H := $(BUILD)/gen/cni_c_version.h
$(shell mkdir -p $(dir $(VERSION_H)) && v='#define CNI_C_VERSION "$(CNI_C_VERSION)"' && \
	{ [ "$$(cat $(VERSION_H) 2>/dev/null)" = "$$v" ] || echo "$$v" >$(VERSION_H); })
override CPPFLAGS += -I$(dir $(VERSION_H))

# Quiet build: `$(call say,CC,$@)cmd` prints "  CC      target" (less "build/") instead of cmd;
# V=1 prints cmd.
V ?= 0
ifeq ($(V),1)
say =
else
say = @printf '  %-7s %s\n' '$(1)' '$(patsubst build/%,%,$(2))';
endif

PROGRAMS :=
all: programs

include tools/static-link.mk

# Link beside the target and rename over it: a test running while someone rebuilds never execs
# a half-written binary ("Permission denied" / ENOEXEC). Usage: $(call link_program,OBJS LIBS)
link_program = $(call say,LD,$@)mkdir -p $(dir $@) && $(CC) $(LDFLAGS) -o $@.tmp $(1) && \
	mv -f $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBCNI): $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

include plugins/ipam/rules.mk
include plugins/bridge/rules.mk
include launcher/rules.mk
include test/rules.mk
# Optional fragments owned by their directories (bench, fuzzing, interop suite, peer suites).
-include bench/rules.mk test/fuzz/rules.mk test/interop/rules.mk test/peer/rules.mk

programs: $(PROGRAMS)
	@:
# What the package ships (make deb builds them with BIN=build/deb/bin).
package-bins: $(BIN)/bridge $(BIN)/host-local $(BIN)/cnictl
	@:

deps:
	@tools/deps.sh engines
	@$(DEBIAN_SRC_FETCH)

check: deps
	@$(MAKE) --no-print-directory all test-bins
	@test/run.sh

# The conformance kit: tools/conformance.sh runs the tests marked "# conformance:" against any
# plugin directory. make conformance PLUGINS=DIR [REFERENCE=DIR]
conformance: deps
	@$(MAKE) --no-print-directory all test-bins
	@tools/conformance.sh "$(PLUGINS)" $(REFERENCE)

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# make deb: the Debian package, built apart in build/deb with Debian's build flags (hardening)
# and checked by lintian. tools/mkdeb.sh says what goes where and why.
DEB_DIR  := build/deb
# lintian warns when run as root, and needs no privilege.
LINTIAN   = $(if $(filter 0,$(shell id -u)),runuser -u nobody -- )lintian
deb: deps
	@$(MAKE) --no-print-directory debian-package
# The same without `make deps` (no apt-get): what test/integration/package.t runs.
debian-package:
	@DEB_BUILD_MAINT_OPTIONS=hardening=+all && export DEB_BUILD_MAINT_OPTIONS && \
	$(MAKE) --no-print-directory BUILD=$(DEB_DIR)/obj BIN=$(DEB_DIR)/bin \
		OPT="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" package-bins
	@deb=$$(tools/mkdeb.sh $(DEB_DIR)/bin $(DEB_DIR)) && \
	printf '  %-7s %s\n' DEB "$${deb#build/}" && \
	if command -v lintian >/dev/null; then \
		printf '  %-7s %s\n' LINTIAN "$${deb#build/}"; \
		$(LINTIAN) --display-info --fail-on error,warning "$$deb"; \
	else \
		echo "deb: lintian is not installed (tools/deps.sh lintian): not checked" >&2; \
	fi

MANDIR   ?= $(PREFIX)/share/man
install: all
	install -d $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BIN)/bridge $(BIN)/host-local $(DESTDIR)$(CNI_BIN_DIR)/
	install -m 0755 $(BIN)/cnictl $(DESTDIR)$(PREFIX)/bin/
	sed 's/@VERSION@/$(CNI_C_VERSION)/g' man/cnictl.1 >$(DESTDIR)$(MANDIR)/man1/cnictl.1
	sed 's/@VERSION@/$(CNI_C_VERSION)/g' man/cni-c-plugins.8 \
		>$(DESTDIR)$(MANDIR)/man8/cni-c-plugins.8

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BIN)

.PHONY: all programs package-bins deps check conformance demo bench deb debian-package install \
	format format-check clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
