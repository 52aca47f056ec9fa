HOSTLOCAL_SRCS := $(wildcard plugins/ipam/*.c)
HOSTLOCAL_OBJS := $(HOSTLOCAL_SRCS:%.c=$(BUILD)/%.o)
PROGRAMS += $(BIN)/host-local

$(BIN)/host-local: $(HOSTLOCAL_OBJS) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON)
