BRIDGE_SRCS := $(wildcard plugins/bridge/*.c)
BRIDGE_OBJS := $(BRIDGE_SRCS:%.c=$(BUILD)/%.o)
BRIDGE_LIBS := # libip4tc, libip6tc: dlopen()ed on first use (masq_iptables.c)
# libnl-3 linked statically when its archive exists: one shared object less to map and relocate
# at every exec (the bridge uses libnl's core only, not libnl-route).
BRIDGE_NL_A := $(shell $(CC) -print-file-name=libnl-3.a)
BRIDGE_NL := $(if $(filter /%,$(BRIDGE_NL_A)),$(BRIDGE_NL_A),-lnl-3)
PROGRAMS += $(BIN)/bridge

$(BIN)/bridge: $(BRIDGE_OBJS) $(LIBCNI)
	$(call link_program,$^ $(BRIDGE_NL) $(LIBS_JSON) $(BRIDGE_LIBS))
