BRIDGE_SRCS := $(wildcard plugins/bridge/*.c)
BRIDGE_OBJS := $(BRIDGE_SRCS:%.c=$(BUILD)/%.o)
BRIDGE_LIBS := -lip4tc -lip6tc -lnftables
PROGRAMS += $(BIN)/bridge

$(BIN)/bridge: $(BRIDGE_OBJS) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NL) $(LIBS_JSON) $(BRIDGE_LIBS)
