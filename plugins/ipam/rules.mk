# host-local: main.c holds the verbs; the other files are linked into the unit tests too.
HOSTLOCAL_SRCS := $(wildcard plugins/ipam/*.c)
HOSTLOCAL_OBJS := $(HOSTLOCAL_SRCS:%.c=$(BUILD)/%.o)
HOSTLOCAL_CORE_OBJS := $(filter-out $(BUILD)/plugins/ipam/main.o,$(HOSTLOCAL_OBJS))
PROGRAMS += $(BIN)/host-local

$(BIN)/host-local: $(HOSTLOCAL_OBJS) $(LIBCNI)
	$(call link_program,$^ $(LIBS_JSON))

# Unit tests of the plugin's modules (more specific than test/rules.mk's pattern, so it wins).
$(BUILD)/test/test-hostlocal-%: $(BUILD)/test/unit/test-hostlocal-%.o $(HOSTLOCAL_CORE_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)
