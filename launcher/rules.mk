CNICTL_SRCS := $(wildcard launcher/*.c)
CNICTL_OBJS := $(CNICTL_SRCS:%.c=$(BUILD)/%.o)
PROGRAMS += $(BIN)/cnictl

$(BIN)/cnictl: $(CNICTL_OBJS) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NL) $(LIBS_JSON)
