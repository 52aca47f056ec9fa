# Unit tests: one binary per test/unit/test-<module>.c, linked with libcni.
UNIT_SRCS := $(wildcard test/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
# Their objects are only named by pattern rules: keep them (no "rm ..." after every build, and
# no recompiling them all at the next one).
.SECONDARY: $(UNIT_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/test/%: $(BUILD)/test/unit/%.o $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NL) $(LIBS_JSON)

# Other fragments add binaries named build/test/test-* to EXTRA_TEST_BINS; run.sh runs them all.
test-bins: $(UNIT_BINS) $(EXTRA_TEST_BINS)
	@:
.PHONY: test-bins
include test/masq.mk

# make invariants-long: the invariant checker (test/invariants/) without a bound, in a sandbox:
# INVARIANT_SECONDS (default 600), INVARIANT_OPS, INVARIANT_SEED, INVARIANT_SCENARIO,
# INVARIANT_SYSCALL_KILLS, INVARIANT_ARGS (see test/invariants/long.sh). `make check` runs a
# bounded one (test/integration/invariants.t).
invariants-long: deps
	@$(MAKE) --no-print-directory all
	@test/integration/sandbox.sh test/invariants/long.sh
.PHONY: invariants-long

# The static plugins' allocator (lib/static/malloc.c), with its functions renamed so that the
# test keeps the system's malloc (and runs under the sanitizers and valgrind).
STATIC_MALLOC_RENAMES := $(foreach f,malloc free calloc realloc aligned_alloc posix_memalign \
	memalign malloc_usable_size,-D$(f)=sm_$(f))
$(BUILD)/test/unit/static-malloc.o: lib/static/malloc.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(STATIC_MALLOC_CFLAGS) $(STATIC_MALLOC_RENAMES) -c -o $@ $<
$(BUILD)/test/test-static-malloc: $(BUILD)/test/unit/test-static-malloc.o \
		$(BUILD)/test/unit/static-malloc.o
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^
