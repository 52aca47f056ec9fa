# The bridge's masquerade / macspoofchk backends, tested without the bridge plugin:
# build/test/masqctl (test/masq-driver.c) and unit tests test/unit/test-masq-*.c linked with them.
MASQ_OBJS := $(addprefix $(BUILD)/plugins/bridge/,masq.o masq_iptables.o masq_nftables.o \
	nft_netlink.o spoofchk_nftables.o)
MASQ_LIBS := # libip4tc/libip6tc are dlopen()ed (masq_iptables.c)

$(BUILD)/test/masqctl: $(BUILD)/test/masq-driver.o $(MASQ_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON) $(MASQ_LIBS)

# More specific than the generic unit-test rule (shorter stem), so it wins for test-masq-*.
$(BUILD)/test/test-masq-%: $(BUILD)/test/unit/test-masq-%.o $(MASQ_OBJS) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_JSON) $(MASQ_LIBS)

test-bins: $(BUILD)/test/masqctl
