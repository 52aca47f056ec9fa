/* bridge config parsing and validation (plugins/bridge/conf.c), without a kernel. */
#include <string.h>

#include "../../plugins/bridge/conf.c"
#include "../tap.h"

/* conf.c's only outside dependency besides libcni; the real one lives in masq.c. */
int masq_backend_parse(const char *s, enum masq_backend *ret, struct cni_error *err)
{
	if (!s)
		*ret = MASQ_AUTO;
	else if (!strcmp(s, "iptables"))
		*ret = MASQ_IPTABLES;
	else if (!strcmp(s, "nftables"))
		*ret = MASQ_NFTABLES;
	else
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "unknown ipMasqBackend \"%s\"", s);
	return 0;
}

static struct cni_error e;
static struct br_conf c;

/* Parse `json` (+ CNI_ARGS) as ADD would; returns r and leaves the error in e. */
static int parse(const char *json, const char *cni_args)
{
	static cJSON *cfg;
	static struct cni_request req;
	int r;

	cJSON_Delete(cfg);
	cni_args_clear(&req.args);
	br_conf_clear(&c);
	memset(&e, 0, sizeof(e));
	memset(&req, 0, sizeof(req));
	if (json_parse(json, strlen(json), "test", &cfg, &e) < 0)
		return -EINVAL;
	req.config = cfg;
	req.name = "n";
	req.runtime_config = json_field(cfg, "runtimeConfig"); /* as lib/cni_skel.c */
	if (cni_args_parse(cni_args, &req.args, &e) < 0)
		return -EINVAL;
	r = br_conf_parse(&req, true, &c, &e);
	return r;
}

TEST(defaults)
{
	ASSERT_OK(parse("{\"name\":\"n\",\"type\":\"bridge\"}", NULL));
	ASSERT_STREQ(c.bridge, "cni0");
	ASSERT_TRUE(c.ipam_type == NULL); /* L2-only */
	ASSERT_FALSE(c.is_gateway);
	ASSERT_EQ(c.masq_backend, MASQ_AUTO);
	ASSERT_FALSE(c.has_mac);
	ASSERT_OK(parse("{\"ipam\":{}}", NULL));
	ASSERT_TRUE(c.ipam_type == NULL);
	ASSERT_OK(parse("{\"ipam\":{\"type\":\"\"}}", NULL));
	ASSERT_TRUE(c.ipam_type == NULL);
}

/* The configuration of every_key, however its keys are spelled, as parsed into c. */
static void assert_every_key(void)
{
	ASSERT_STREQ(c.bridge, "br9");
	ASSERT_TRUE(c.is_gateway); /* implied by isDefaultGateway */
	ASSERT_TRUE(c.force_address && c.ip_masq && c.hairpin && c.preserve_default_vlan);
	ASSERT_TRUE(c.macspoofchk && c.enable_dad && c.port_isolation);
	ASSERT_EQ(c.masq_backend, MASQ_NFTABLES);
	ASSERT_EQ(c.mtu, 1400);
	ASSERT_EQ(c.vlan, 7);
	ASSERT_EQ(c.n_trunk, 2);
	ASSERT_EQ(c.trunk[0].min, 3);
	ASSERT_EQ(c.trunk[1].min, 10);
	ASSERT_EQ(c.trunk[1].max, 12);
	ASSERT_STREQ(c.ipam_type, "host-local");
	ASSERT_STREQ(c.dns.nameservers[0], "10.0.0.53");
}

TEST(every_key)
{
	ASSERT_OK(parse(
		"{\"bridge\":\"br9\",\"isDefaultGateway\":true,\"forceAddress\":true,"
		"\"ipMasq\":true,\"ipMasqBackend\":\"nftables\",\"mtu\":1400,"
		"\"hairpinMode\":true,\"vlan\":7,\"vlanTrunk\":[{\"id\":3},{\"minID\":10,"
		"\"maxID\":12}],\"preserveDefaultVlan\":true,\"macspoofchk\":true,"
		"\"enabledad\":true,\"portIsolation\":true,\"ipam\":{\"type\":\"host-local\"},"
		"\"dns\":{\"nameservers\":[\"10.0.0.53\"]}}",
		NULL));
	assert_every_key();
}

TEST(bad_values_are_code_7_naming_key_and_value)
{
	static const struct {
		const char *json, *needle;
	} cases[] = {
		{"{\"hairpinMode\":true,\"promiscMode\":true}", "hairpin"},
		{"{\"vlan\":4095}", "4095"},
		{"{\"vlan\":-3}", "-3"},
		{"{\"vlanTrunk\":[{\"id\":0}]}", "trunk id"},
		{"{\"vlanTrunk\":[{\"minID\":5,\"maxID\":4}]}", "minID is greater"},
		{"{\"vlanTrunk\":[{\"maxID\":4}]}", "simultaneously"},
		{"{\"vlanTrunk\":[{\"minID\":1,\"maxID\":4095}]}", "maxID"},
		{"{\"vlanTrunk\":[7]}", "vlanTrunk[0]"},
		{"{\"ipMasqBackend\":\"ipfw\"}", "ipfw"},
		{"{\"mtu\":70000}", "mtu"},
		{"{\"mtu\":10}", "mtu"},
		{"{\"isGateway\":\"yes\"}", "isGateway"},
		{"{\"bridge\":\"a/b\"}", "a/b"},
		{"{\"bridge\":\"0123456789abcdef\"}", "0123456789abcdef"},
		{"{\"disableContainerInterface\":true,\"ipam\":{\"type\":\"host-local\"}}",
		 "disableContainerInterface"},
		{"{\"runtimeConfig\":{\"mac\":\"00:11:22:33:44\"}}", "00:11:22:33:44"},
		{"{\"args\":{\"cni\":{\"mac\":\"ff:ff:ff:ff:ff:ff\"}}}", "ff:ff:ff:ff:ff:ff"},
		{"{\"runtimeConfig\":{\"mac\":\"00:00:00:00:00:00\"}}", "00:00:00:00:00:00"},
		{"{\"dns\":{\"nameservers\":\"x\"}}", "nameservers"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_ERR(parse(cases[i].json, NULL));
		ASSERT_EQ(e.code, CNI_ERR_CONFIG);
		ASSERT_CONTAINS(e.msg, cases[i].needle);
	}
}

TEST(mac_precedence)
{
	char buf[18];

	ASSERT_OK(parse("{\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:01\"},"
			"\"args\":{\"cni\":{\"mac\":\"02:00:00:00:00:02\"}}}",
			"MAC=02:00:00:00:00:03"));
	ASSERT_STREQ(nlu_mac_format(c.mac, buf), "02:00:00:00:00:01");
	ASSERT_OK(parse("{\"args\":{\"cni\":{\"mac\":\"02:00:00:00:00:02\"}}}",
			"MAC=02:00:00:00:00:03"));
	ASSERT_STREQ(nlu_mac_format(c.mac, buf), "02:00:00:00:00:02");
	ASSERT_OK(parse("{}", "MAC=02:00:00:00:00:03"));
	ASSERT_STREQ(nlu_mac_format(c.mac, buf), "02:00:00:00:00:03");
	ASSERT_TRUE(c.has_mac);
	/* only the chosen source is validated */
	ASSERT_OK(parse("{\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:01\"}}",
			"MAC=junk;IgnoreUnknown=1"));
}

/* The reference decodes with encoding/json: any case, KELVIN SIGN for k, LONG S for s. */
TEST(keys_in_any_case)
{
	char buf[18];

	ASSERT_OK(parse(
		"{\"Bridge\":\"br9\",\"ISDEFAULTGATEWAY\":true,\"forceaddress\":true,"
		"\"IPMasq\":true,\"IpMasqBackend\":\"nftables\",\"MTU\":1400,"
		"\"HairpinMode\":true,\"VLAN\":7,\"VlanTrunk\":[{\"ID\":3},{\"MinId\":10,"
		"\"maxid\":12}],\"PreserveDefaultVlan\":true,\"MacSpoofCh\u212a\":true,"
		"\"EnableDAD\":true,\"PortI\u017folation\":true,\"IPAM\":{\"Type\":\"host-local\"},"
		"\"DNS\":{\"Nameservers\":[\"10.0.0.53\"]},"
		"\"RuntimeConfig\":{\"MAC\":\"02:00:00:00:00:01\"}}",
		NULL));
	assert_every_key();
	ASSERT_STREQ(nlu_mac_format(c.mac, buf), "02:00:00:00:00:01");
	ASSERT_OK(parse("{\"ARGS\":{\"Cni\":{\"Mac\":\"02:00:00:00:00:02\"}}}", NULL));
	ASSERT_STREQ(nlu_mac_format(c.mac, buf), "02:00:00:00:00:02");
	/* the last spelling wins, as Go assigns keys in input order */
	ASSERT_OK(parse("{\"ipMasq\":true,\"IPMASQ\":false,\"isGateway\":false,\"IsGateway\":true}",
			NULL));
	ASSERT_FALSE(c.ip_masq);
	ASSERT_TRUE(c.is_gateway);
	/* a key that is not a spelling of a field is ignored */
	ASSERT_OK(parse("{\"ip_masq\":true,\"is-gateway\":true,\"mtu \":1}", NULL));
	ASSERT_FALSE(c.ip_masq);
	ASSERT_FALSE(c.is_gateway);
	ASSERT_EQ(c.mtu, 0);
	/* errors name the key as written */
	ASSERT_ERR(parse("{\"IsGateway\":\"yes\"}", NULL));
	ASSERT_CONTAINS(e.msg, "IsGateway");
	/* a null id is no id (the reference's *int) */
	ASSERT_OK(parse("{\"vlanTrunk\":[{\"id\":null,\"minID\":4,\"maxID\":6}]}", NULL));
	ASSERT_EQ(c.trunk[0].min, 4);
}

TEST(cni_args_unknown_keys)
{
	ASSERT_ERR(parse("{}", "FOO=bar"));
	ASSERT_EQ(e.code, CNI_ERR_ENV);
	ASSERT_OK(parse("{}", "IgnoreUnknown=1;FOO=bar"));
	ASSERT_OK(parse("{}", "IP=10.0.0.2"));
}

TAP_MAIN
