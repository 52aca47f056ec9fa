BRIDGE_SRCS := $(wildcard plugins/bridge/*.c)
BRIDGE_OBJS := $(BRIDGE_SRCS:%.c=$(BUILD)/%.o)
BRIDGE_LIBS := # libip4tc, libip6tc: linked in (STATIC=1) or dlopen()ed on first use
PROGRAMS += $(BIN)/bridge

# host-local's verbs are linked in, with the build-id of the bin/host-local they were built
# into (see builtin_ipam.h).
BRIDGE_IPAM_ID := $(PLUGIN_BUILD)/plugins/bridge/hostlocal_build_id
$(BRIDGE_IPAM_ID).c: $(BIN)/host-local tools/build-id-c.sh
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)tools/build-id-c.sh $< >$@.tmp && mv -f $@.tmp $@
$(BRIDGE_IPAM_ID).o: $(BRIDGE_IPAM_ID).c plugins/bridge/builtin_ipam.h | $(PLUGIN_CC_READY)
	$(call say,CC,$@)$(PLUGIN_CC) $(CPPFLAGS) -Iplugins/bridge -Iplugins/ipam $(CFLAGS) -c -o $@ $<

$(BIN)/bridge: $(call plugin_objs,$(BRIDGE_OBJS) $(HOSTLOCAL_CORE_OBJS)) $(BRIDGE_IPAM_ID).o \
		$(PLUGIN_LIBCNI) $(BRIDGE_IPTC_OBJS) $(BRIDGE_STATIC_OBJS) $(PLUGIN_STATIC_OBJS) \
		$(PLUGIN_JSON_OBJS) $(filter %.a,$(PLUGIN_NL)) $(LINK_MODE)
	$(call link_program,$(PLUGIN_LDFLAGS) $(BRIDGE_STATIC_LDFLAGS) $(PLUGIN_LINK_FIRST) \
		$(filter %.o %.a,$^) $(filter -l%,$(PLUGIN_NL)) $(PLUGIN_JSON_LIBS) $(BRIDGE_LIBS) \
		$(PLUGIN_LINK_LAST))
