# make bench: build/bench/driver runs ours and the reference side by side (bench/run.sh);
# build/bench/rusage-shim (static, tiny) measures each plugin's own peak RSS.
BENCH_DRIVER := $(BUILD)/bench/driver
BENCH_SHIM := $(BUILD)/bench/rusage-shim
PROGRAMS += $(BENCH_DRIVER) $(BENCH_SHIM)

$(BENCH_DRIVER): $(BUILD)/bench/driver.o $(BUILD)/bench/kwork.o $(BUILD)/lib/fsutil.o
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)

# Plain static build on purpose: no sanitizer flags (they cannot link -static) and no extra
# runtime, so its memory high-water mark stays far below any plugin's.
$(BENCH_SHIM): bench/rusage-shim.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -static -o $@ $<

# The process-start floor (bench/noop.c): static, no C library, one system call.
BENCH_NOOP := $(BUILD)/bench/noop
PROGRAMS += $(BENCH_NOOP)
$(BENCH_NOOP): bench/noop.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)$(CC) -O2 -Wall -Wextra -Werror -nostdlib -static -fno-pie -o $@ $<

# The exec'd floors, built and linked as the plugins are: bench/kadd.c does the kernel floor's
# ADD, bench/kdel.c its DEL (one RTM_DELLINK), both with bench/kwork.c, which the driver runs
# in-process.
BENCH_KADD := $(BUILD)/bench/kadd
BENCH_KDEL := $(BUILD)/bench/kdel
PROGRAMS += $(BENCH_KADD) $(BENCH_KDEL)
$(BENCH_KADD): $(call plugin_objs,$(BUILD)/bench/kadd.o $(BUILD)/bench/kwork.o) $(LINK_MODE)
	$(call link_program,$(PLUGIN_LDFLAGS) $(PLUGIN_LINK_FIRST) $(filter %.o,$^) \
		$(PLUGIN_LINK_LAST))
$(BENCH_KDEL): $(call plugin_objs,$(BUILD)/bench/kdel.o $(BUILD)/bench/kwork.o) $(LINK_MODE)
	$(call link_program,$(PLUGIN_LDFLAGS) $(PLUGIN_LINK_FIRST) $(filter %.o,$^) \
		$(PLUGIN_LINK_LAST))
