# host-local: main.c is the program; the other files are linked into the unit tests, and into
# the bridge, which runs this very build in-process (include/invoke.h). That is recognised by
# the GNU build-id, so the link always records one.
HOSTLOCAL_SRCS := $(wildcard plugins/ipam/*.c)
HOSTLOCAL_OBJS := $(HOSTLOCAL_SRCS:%.c=$(BUILD)/%.o)
HOSTLOCAL_CORE_OBJS := $(filter-out $(BUILD)/plugins/ipam/main.o,$(HOSTLOCAL_OBJS))
HOSTLOCAL_BUILD_ID := -Wl,--build-id=sha1
PROGRAMS += $(BIN)/host-local

$(BIN)/host-local: $(call plugin_objs,$(HOSTLOCAL_OBJS)) $(PLUGIN_LIBCNI) $(PLUGIN_STATIC_OBJS) $(PLUGIN_JSON_OBJS) \
		$(LINK_MODE)
	$(call link_program,$(PLUGIN_LDFLAGS) $(HOSTLOCAL_BUILD_ID) $(PLUGIN_LINK_FIRST) \
		$(filter %.o %.a,$^) $(PLUGIN_JSON_LIBS) $(PLUGIN_LINK_LAST))

# Unit tests of the plugin's modules (more specific than test/rules.mk's pattern, so it wins).
$(BUILD)/test/test-hostlocal-%: $(BUILD)/test/unit/test-hostlocal-%.o $(HOSTLOCAL_CORE_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)
