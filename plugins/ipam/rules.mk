# host-local: main.c holds the verbs; the other files are linked into the unit tests too.
HOSTLOCAL_SRCS := $(wildcard plugins/ipam/*.c)
HOSTLOCAL_OBJS := $(HOSTLOCAL_SRCS:%.c=$(BUILD)/%.o)
HOSTLOCAL_CORE_OBJS := $(filter-out $(BUILD)/plugins/ipam/main.o,$(HOSTLOCAL_OBJS))
PROGRAMS += $(BIN)/host-local

# Link beside the target and rename over it: tests running while someone rebuilds never exec a
# half-written binary ("Permission denied" / ENOEXEC).
$(BIN)/host-local: $(HOSTLOCAL_OBJS) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@.tmp $^ $(LIBS_JSON)
	@mv -f $@.tmp $@

# Unit tests of the plugin's modules (more specific than test/rules.mk's pattern, so it wins).
$(BUILD)/test/test-hostlocal-%: $(BUILD)/test/unit/test-hostlocal-%.o $(HOSTLOCAL_CORE_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)
