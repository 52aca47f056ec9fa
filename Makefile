# Non-recursive build: every component adds its targets from its own rules.mk.
#   make            build bin/bridge, bin/host-local, bin/cnictl
#   make check      install deps, build, run unit + integration tests
#   make conformance PLUGINS=DIR [REFERENCE=DIR]   the conformance kit against any plugin dir
#   make demo       two containers on the default network ping each other
#   make bench      ours vs the reference plugins, side by side
#   make install    PREFIX=/usr/local DESTDIR= CNI_BIN_DIR=/opt/cni/bin
#   STATIC=0        link bridge and host-local dynamically (tools/static-link.mk)

CC       ?= cc
PKGS     := libnl-3.0 libnl-route-3.0 libcjson
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
LIBS_NL   := -lnl-route-3 -lnl-3

PROGRAMS :=
all: programs

include tools/static-link.mk

# Link beside the target and rename over it: a test running while someone rebuilds never execs
# a half-written binary ("Permission denied" / ENOEXEC). Usage: $(call link_program,OBJS LIBS)
link_program = mkdir -p $(dir $@) && $(CC) $(LDFLAGS) -o $@.tmp $(1) && mv -f $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBCNI): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

include plugins/ipam/rules.mk
include plugins/bridge/rules.mk
include launcher/rules.mk
include test/rules.mk
# Optional fragments owned by their directories (bench, fuzzing, interop suite, peer suites).
-include bench/rules.mk test/fuzz/rules.mk test/interop/rules.mk test/peer/rules.mk

programs: $(PROGRAMS)

deps:
	@tools/deps.sh
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

install: all
	install -d $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN)/bridge $(BIN)/host-local $(DESTDIR)$(CNI_BIN_DIR)/
	install -m 0755 $(BIN)/cnictl $(DESTDIR)$(PREFIX)/bin/

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BIN)

.PHONY: all programs deps check conformance demo bench install format format-check clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
