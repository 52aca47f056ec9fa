BRIDGE_SRCS := $(wildcard plugins/bridge/*.c)
BRIDGE_OBJS := $(BRIDGE_SRCS:%.c=$(BUILD)/%.o)
BRIDGE_LIBS := # libip4tc, libip6tc: linked in (STATIC=1) or dlopen()ed on first use
# libnl-3 linked statically when its archive exists: one shared object less to map and relocate
# at every exec (the bridge uses libnl's core only, not libnl-route).
BRIDGE_NL_A := $(shell $(CC) -print-file-name=libnl-3.a)
BRIDGE_NL := $(if $(filter /%,$(BRIDGE_NL_A)),$(BRIDGE_NL_A),-lnl-3)
PROGRAMS += $(BIN)/bridge

# host-local's verbs are linked in, with the build-id of the bin/host-local they were built
# into (see builtin_ipam.h).
BRIDGE_IPAM_ID := $(BUILD)/plugins/bridge/hostlocal_build_id
$(BRIDGE_IPAM_ID).c: $(BIN)/host-local tools/build-id-c.sh
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)tools/build-id-c.sh $< >$@.tmp && mv -f $@.tmp $@
$(BRIDGE_IPAM_ID).o: $(BRIDGE_IPAM_ID).c plugins/bridge/builtin_ipam.h
	$(call say,CC,$@)$(CC) $(CPPFLAGS) -Iplugins/bridge -Iplugins/ipam $(CFLAGS) -c -o $@ $<

$(BIN)/bridge: $(BRIDGE_OBJS) $(BRIDGE_IPAM_ID).o $(HOSTLOCAL_CORE_OBJS) $(LIBCNI) \
		$(BRIDGE_IPTC_OBJS) $(BRIDGE_STATIC_OBJS) $(PLUGIN_JSON_OBJS) $(LINK_MODE)
	$(call link_program,$(PLUGIN_LDFLAGS) $(BRIDGE_STATIC_LDFLAGS) $(filter %.o %.a,$^) \
		$(BRIDGE_NL) $(PLUGIN_JSON_LIBS) $(BRIDGE_LIBS))
