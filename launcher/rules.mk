CNICTL_SRCS := $(wildcard launcher/*.c)
CNICTL_OBJS := $(CNICTL_SRCS:%.c=$(BUILD)/%.o)
# Everything but main(), for the launcher's unit tests.
CNICTL_LIB_OBJS := $(filter-out $(BUILD)/launcher/main.o,$(CNICTL_OBJS))
PROGRAMS += $(BIN)/cnictl

$(BIN)/cnictl: $(CNICTL_OBJS) $(LIBCNI)
	$(call link_program,$^ $(LIBS_JSON))

# test/unit/test-launcher-*.c link the launcher's objects too (a more specific pattern than
# test/rules.mk's, so GNU make prefers it).
$(BUILD)/test/test-launcher-%: $(BUILD)/test/unit/test-launcher-%.o $(CNICTL_LIB_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NL) $(LIBS_JSON)

$(BUILD)/test/unit/test-launcher-%.o: CPPFLAGS += -Ilauncher
