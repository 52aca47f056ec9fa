BRIDGE_SRCS := $(wildcard plugins/bridge/*.c)
# The masquerade dispatcher (masq.c) needs both backends; until masq_nftables.c exists the weak
# stand-ins in masq_stub.c are used instead of a half-linked set.
ifeq ($(wildcard plugins/bridge/masq_nftables.c),)
BRIDGE_SRCS := $(filter-out plugins/bridge/masq.c plugins/bridge/masq_iptables.c,$(BRIDGE_SRCS))
BRIDGE_LIBS :=
else
BRIDGE_LIBS := -lip4tc -lip6tc -lnftables
endif
BRIDGE_OBJS := $(BRIDGE_SRCS:%.c=$(BUILD)/%.o)
PROGRAMS += $(BIN)/bridge

$(BIN)/bridge: $(BRIDGE_OBJS) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NL) $(LIBS_JSON) $(BRIDGE_LIBS)
