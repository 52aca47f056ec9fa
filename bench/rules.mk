# make bench: build/bench/driver runs ours and the reference side by side (bench/run.sh).
BENCH_DRIVER := $(BUILD)/bench/driver
PROGRAMS += $(BENCH_DRIVER)

$(BENCH_DRIVER): $(BUILD)/bench/driver.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)
