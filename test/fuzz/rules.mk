# Reliability and security targets (owned by test/fuzz/):
#   make fuzz       libFuzzer (clang) on every parser, FUZZ_SECONDS each (default 60), inputs <= 64 KiB;
#                   crashers land in test/fuzz/corpus/<target>/crash-*; scratch corpus in build/libfuzzer/
#   make fuzz-merge fold the coverage-increasing scratch inputs back into the seed corpus
#   make asan       rebuild everything with ASan+UBSan in build/asan/, run unit + integration
#   make valgrind   unit tests + one ADD/DEL/CHECK per plugin under valgrind
#   make lint       cppcheck, shellcheck, and the "only lib prints to stdout" grep
# `make check` replays every seed corpus: build/test/test-fuzz-<target> (plain cc, no libFuzzer).

FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_LIB_TARGETS := json result args ipaddr env skel

# Plugin parsers: a target exists once its fuzz file and the plugin code it drives do.
FUZZ_PLUGIN_TARGETS :=
BRIDGE_LIB_OBJS := $(filter-out %/main.o,$(BRIDGE_OBJS))
HOSTLOCAL_LIB_OBJS := $(filter-out %/main.o,$(HOSTLOCAL_OBJS))
CNICTL_LIB_OBJS := $(filter-out %/main.o,$(CNICTL_OBJS))
ifneq ($(wildcard plugins/ipam/config.c),)
FUZZ_PLUGIN_TARGETS += hostlocal-config
FUZZ_ARCHIVES_hostlocal-config := $(BUILD)/test/fuzz/libhostlocal.a
endif
ifneq ($(wildcard plugins/ipam/resolvconf.c),)
FUZZ_PLUGIN_TARGETS += resolvconf
FUZZ_ARCHIVES_resolvconf := $(BUILD)/test/fuzz/libhostlocal.a
endif
ifneq ($(wildcard plugins/bridge/conf.c),)
FUZZ_PLUGIN_TARGETS += bridge-config
FUZZ_ARCHIVES_bridge-config := $(BUILD)/test/fuzz/libbridge.a
endif
ifneq ($(wildcard launcher/conf.c),)
FUZZ_PLUGIN_TARGETS += conflist
FUZZ_ARCHIVES_conflist := $(BUILD)/test/fuzz/libcnictl.a
endif
# Only targets whose fuzz-<target>.c has been written.
FUZZ_TARGETS := $(FUZZ_LIB_TARGETS) \
	$(foreach t,$(FUZZ_PLUGIN_TARGETS),$(if $(wildcard test/fuzz/fuzz-$(t).c),$(t)))
FUZZ_LIBS_EXTRA ?= $(BRIDGE_LIBS) $(HOSTLOCAL_LIBS) $(CNICTL_LIBS)

FUZZ_REPLAY_BINS := $(FUZZ_TARGETS:%=$(BUILD)/test/test-fuzz-%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
EXTRA_TEST_BINS += $(FUZZ_REPLAY_BINS)
# test/rules.mk expanded its prerequisite list before this file was read: add ours here.
test-bins: $(FUZZ_REPLAY_BINS)

$(BUILD)/test/fuzz/%.o: override CPPFLAGS += -Iplugins/ipam -Iplugins/bridge -Ilauncher \
	-DFUZZ_CORPUS_ROOT=\"$(CURDIR)/test/fuzz/corpus\" \
	$(if $(FUZZ_LIBFUZZER),-DFUZZ_LIBFUZZER)

# Plugin code without its main(), as archives so a target pulls only the objects it needs.
$(BUILD)/test/fuzz/libbridge.a: $(BRIDGE_LIB_OBJS)
$(BUILD)/test/fuzz/libhostlocal.a: $(HOSTLOCAL_LIB_OBJS)
$(BUILD)/test/fuzz/libcnictl.a: $(CNICTL_LIB_OBJS)
$(BUILD)/test/fuzz/lib%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

$(foreach t,$(FUZZ_TARGETS),$(eval $(BUILD)/test/test-fuzz-$(t) $(BUILD)/fuzz/fuzz-$(t): \
	$(FUZZ_ARCHIVES_$(t))))

$(FUZZ_REPLAY_BINS): $(BUILD)/test/test-fuzz-%: $(BUILD)/test/fuzz/fuzz-%.o $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $< $(FUZZ_ARCHIVES_$*) $(LIBCNI) $(LIBS_NL) $(LIBS_JSON) \
		$(FUZZ_LIBS_EXTRA)

$(FUZZ_BINS): $(BUILD)/fuzz/fuzz-%: $(BUILD)/test/fuzz/fuzz-%.o $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_ARCHIVES_$*) $(LIBCNI) $(LIBS_NL) \
		$(LIBS_JSON) $(FUZZ_LIBS_EXTRA)

fuzz-bins: $(FUZZ_BINS)

FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_MAKE = $(MAKE) --no-print-directory CC=clang BUILD=build/libfuzzer BIN=build/libfuzzer/bin \
	SAN="$(FUZZ_SAN)" FUZZ_LIBFUZZER=1 OPT="-O1 -g"

# FUZZ_TARGETS="json result" make fuzz   runs a subset.
fuzz:
	@tools/deps.sh clang libclang-rt-14-dev llvm
	@$(FUZZ_MAKE) fuzz-bins
	@test/fuzz/run-fuzz.sh build/libfuzzer $(FUZZ_SECONDS) $(FUZZ_MAX_LEN) $(FUZZ_TARGETS)

fuzz-merge:
	@tools/deps.sh clang libclang-rt-14-dev llvm
	@$(FUZZ_MAKE) fuzz-bins
	@test/fuzz/run-fuzz.sh --merge build/libfuzzer 0 $(FUZZ_MAX_LEN) $(FUZZ_TARGETS)

# SAN_TESTS="unit/ smoke bridge-basic" limits make asan / make valgrind to matching tests.
SAN_TESTS ?=
ASAN_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	@tools/deps.sh
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin SAN="$(ASAN_SAN)" \
		OPT="-O1 -g" all test-bins
	@test/fuzz/run-san.sh asan build/asan build/asan/bin "$(SAN_TESTS)"

# valgrind cannot follow a static binary's malloc: it checks a dynamic build of its own.
valgrind:
	@tools/deps.sh valgrind
	@$(MAKE) --no-print-directory BUILD=build/dyn BIN=build/dyn/bin STATIC=0 all test-bins
	@test/fuzz/run-san.sh valgrind build/dyn build/dyn/bin "$(SAN_TESTS)"

lint:
	@tools/deps.sh cppcheck shellcheck
	@test/fuzz/lint.sh

.PHONY: fuzz fuzz-bins fuzz-merge asan valgrind lint
