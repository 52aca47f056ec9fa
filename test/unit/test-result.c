/* Result decoding/encoding across every pair of spec versions. */
#include "cni_result.h"
#include "json.h"
#include "../tap.h"

/* A rich result written in each version's own shape: two v4 + one v6 address, routes of both
 * families, DNS, and (0.3.0+) interfaces; 1.1.0 adds mtu/socketPath/pciID and route extras. */
static const char *const samples[CNI_VERSION_COUNT] = {
	[CNI_V010] =
		"{\"cniVersion\":\"0.1.0\",\"ip4\":{\"ip\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\","
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},\"ip6\":{\"ip\":\"fd00::2/64\",\"gateway\":"
		"\"fd00::1\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}]},"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V020] =
		"{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\","
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"}]},\"ip6\":{\"ip\":\"fd00::2/64\",\"gateway\":"
		"\"fd00::1\",\"routes\":[{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}]},"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V030] =
		"{\"cniVersion\":\"0.3.0\",\"interfaces\":[{\"name\":\"br0\",\"mac\":\"0a:00:00:00:00:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:02\",\"sandbox\":\"/run/netns/x\"}],"
		"\"ip\":[{\"version\":\"4\",\"interface\":1,\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"version\":\"4\",\"interface\":1,\"address\":\"10.2.0.2/24\"},"
		"{\"version\":\"6\",\"interface\":1,\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V031] =
		"{\"cniVersion\":\"0.3.1\",\"interfaces\":[{\"name\":\"br0\",\"mac\":\"0a:00:00:00:00:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:02\",\"sandbox\":\"/run/netns/x\"}],"
		"\"ips\":[{\"version\":\"4\",\"interface\":1,\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"version\":\"4\",\"interface\":1,\"address\":\"10.2.0.2/24\"},"
		"{\"version\":\"6\",\"interface\":1,\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V040] =
		"{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"br0\",\"mac\":\"0a:00:00:00:00:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:02\",\"sandbox\":\"/run/netns/x\"}],"
		"\"ips\":[{\"version\":\"4\",\"interface\":1,\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"version\":\"4\",\"interface\":1,\"address\":\"10.2.0.2/24\"},"
		"{\"version\":\"6\",\"interface\":1,\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V100] =
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"br0\",\"mac\":\"0a:00:00:00:00:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:02\",\"sandbox\":\"/run/netns/x\"}],"
		"\"ips\":[{\"interface\":1,\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"interface\":1,\"address\":\"10.2.0.2/24\"},"
		"{\"interface\":1,\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00::1\"}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
	[CNI_V110] =
		"{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"br0\",\"mac\":\"0a:00:00:00:00:01\"},"
		"{\"name\":\"eth0\",\"mac\":\"0a:00:00:00:00:02\",\"mtu\":1400,\"sandbox\":\"/run/netns/x\","
		"\"socketPath\":\"/s\",\"pciID\":\"0000:00:01.0\"}],"
		"\"ips\":[{\"interface\":1,\"address\":\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\"},"
		"{\"interface\":1,\"address\":\"10.2.0.2/24\"},"
		"{\"interface\":1,\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\"}],"
		"\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":1300,\"table\":100,\"scope\":0},"
		"{\"dst\":\"::/0\",\"gw\":\"fd00::1\",\"priority\":5,\"advmss\":1200}],"
		"\"dns\":{\"nameservers\":[\"10.1.0.1\"],\"domain\":\"ex\",\"search\":[\"a\"]}}",
};

static struct cni_result *decode_str(const char *s, enum cni_version fallback,
				     struct cni_error *err)
{
	cJSON *j = NULL;
	struct cni_result *r = NULL;
	if (json_parse(s, strlen(s), "test", &j, err) < 0)
		return NULL;
	if (cni_result_decode(j, fallback, &r, err) < 0)
		r = NULL;
	cJSON_Delete(j);
	return r;
}

static size_t count_family(const struct cni_result *r, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_ips; i++)
		n += r->ips[i].address.addr.family == family;
	return n;
}

static size_t routes_family(const struct cni_result *r, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_routes; i++)
		n += r->routes[i].dst.addr.family == family;
	return n;
}

/* Every (from, to) pair: decode the `from` sample, encode as `to`, check the JSON shape, decode
 * it back and check what must survive the conversion. */
TEST(every_version_pair)
{
	for (int from = 0; from < CNI_VERSION_COUNT; from++) {
		for (int to = 0; to < CNI_VERSION_COUNT; to++) {
			struct cni_error err = {0};
			struct cni_result *src = decode_str(samples[from], CNI_V010, &err);
			cJSON *out = NULL;
			if (!src)
				TAP_FAIL("decode %s: %s", cni_version_str(from), err.msg);
			if (cni_result_encode(src, to, &out, &err) < 0)
				TAP_FAIL("%s -> %s: %s", cni_version_str(from), cni_version_str(to),
					 err.msg);
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(out, "cniVersion");
			ASSERT_STREQ(v->valuestring, cni_version_str(to));
			bool legacy = to <= CNI_V020;
			ASSERT_EQ(cJSON_HasObjectItem(out, "ip4"), legacy);
			ASSERT_EQ(cJSON_HasObjectItem(out, "ips"), !legacy);
			ASSERT_FALSE(cJSON_HasObjectItem(out, "ip"));
			if (!legacy) {
				const cJSON *ip0 = cJSON_GetArrayItem(
					cJSON_GetObjectItemCaseSensitive(out, "ips"), 0);
				/* "version" exists exactly in 0.3.0-0.4.0 */
				ASSERT_EQ(cJSON_HasObjectItem(ip0, "version"), to < CNI_V100);
				ASSERT_EQ(cJSON_HasObjectItem(out, "interfaces"), from >= CNI_V030);
			}
			char *s = cJSON_PrintUnformatted(out);
			struct cni_result *back = decode_str(s, CNI_V010, &err);
			free(s);
			if (!back)
				TAP_FAIL("re-decode %s: %s", cni_version_str(to), err.msg);
			/* 0.1.0/0.2.0 keep only the first address of each family. */
			size_t want_v4 = (legacy || from <= CNI_V020) ? 1 : 2;
			ASSERT_EQ(count_family(back, AF_INET), want_v4);
			ASSERT_EQ(count_family(back, AF_INET6), 1);
			ASSERT_EQ(routes_family(back, AF_INET), 1);
			ASSERT_EQ(routes_family(back, AF_INET6), 1);
			char buf[IPPREFIX_STRLEN];
			ASSERT_STREQ(ipprefix_format(&back->ips[0].address, buf), "10.1.0.2/24");
			ASSERT_STREQ(ipaddr_format(&back->ips[0].gateway, buf), "10.1.0.1");
			ASSERT_EQ(back->dns.n_nameservers, 1);
			ASSERT_STREQ(back->dns.domain, "ex");
			/* 1.1.0-only fields survive only 1.1.0 -> 1.1.0. */
			bool full = from == CNI_V110 && to == CNI_V110;
			if (back->n_interfaces > 1) {
				ASSERT_EQ(back->interfaces[1].mtu, full ? 1400 : 0);
				ASSERT_EQ(back->interfaces[1].pci_id != NULL, full);
				ASSERT_STREQ(back->interfaces[1].sandbox, "/run/netns/x");
				ASSERT_EQ(back->ips[0].interface, 1);
			}
			ASSERT_EQ(back->routes[0].has != 0, full);
			if (full) {
				ASSERT_EQ(back->routes[0].mtu, 1300);
				ASSERT_EQ(back->routes[0].table, 100);
				ASSERT_TRUE(back->routes[0].has & CNI_ROUTE_SCOPE);
				ASSERT_EQ(back->routes[1].priority, 5);
			}
			cni_result_free(back);
			cni_result_free(src);
			cJSON_Delete(out);
		}
	}
}

TEST(no_ip_cannot_convert_to_legacy)
{
	struct cni_result *r = cni_result_new();
	struct cni_error err = {0};
	cJSON *out = NULL;
	ASSERT_OK(cni_result_add_interface(r, "eth0", "0a:00:00:00:00:02", "/run/netns/x", NULL));
	for (int to = 0; to < CNI_VERSION_COUNT; to++) {
		memset(&err, 0, sizeof(err));
		int rc = cni_result_encode(r, to, &out, &err);
		if (to <= CNI_V020) {
			ASSERT_ERR(rc);
			ASSERT_EQ(err.code, CNI_ERR_VERSION);
			ASSERT_STREQ(err.msg, "cannot convert: no valid IP addresses");
			ASSERT_ERR(cni_result_check_encodable(r, to, NULL));
		} else {
			ASSERT_OK(rc);
			ASSERT_OK(cni_result_check_encodable(r, to, NULL));
			cJSON_Delete(out);
		}
	}
	cni_result_free(r);
}

TEST(v6_only_legacy)
{
	struct cni_error err = {0};
	struct cni_result *r =
		decode_str("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::5/64\"}]}",
			   CNI_V010, &err);
	cJSON *out = NULL;
	ASSERT_TRUE(r != NULL);
	ASSERT_OK(cni_result_encode(r, CNI_V020, &out, &err));
	ASSERT_FALSE(cJSON_HasObjectItem(out, "ip4"));
	ASSERT_TRUE(cJSON_HasObjectItem(out, "ip6"));
	cJSON_Delete(out);
	cni_result_free(r);
}

TEST(dns_empty_rules)
{
	struct cni_result *r = cni_result_new();
	struct cni_ip ip = {.interface = -1};
	cJSON *out = NULL;
	ipprefix_parse("10.0.0.2/24", &ip.address);
	ASSERT_OK(cni_result_add_ip(r, &ip));
	ASSERT_OK(cni_result_encode(r, CNI_V040, &out, NULL));
	ASSERT_TRUE(cJSON_HasObjectItem(out, "dns")); /* Go's 0.4.0 type prints "dns": {} */
	cJSON_Delete(out);
	ASSERT_OK(cni_result_encode(r, CNI_V100, &out, NULL));
	ASSERT_FALSE(cJSON_HasObjectItem(out, "dns")); /* libcni HEAD omits it from 1.0.0 */
	ASSERT_FALSE(cJSON_HasObjectItem(out, "interfaces"));
	const cJSON *ip0 = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "ips"), 0);
	ASSERT_FALSE(cJSON_HasObjectItem(ip0, "interface"));
	ASSERT_FALSE(cJSON_HasObjectItem(ip0, "gateway"));
	cJSON_Delete(out);
	cni_result_free(r);
}

TEST(missing_version_uses_fallback)
{
	struct cni_error err = {0};
	struct cni_result *r = decode_str("{\"ip4\":{\"ip\":\"10.0.0.2/24\"}}", CNI_V020, &err);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->n_ips, 1);
	cni_result_free(r);
	r = decode_str("{\"ips\":[{\"address\":\"10.0.0.2/24\"}]}", CNI_V100, &err);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->n_ips, 1);
	cni_result_free(r);
}

TEST(malformed_results)
{
	static const char *const bad[] = {
		"{\"cniVersion\":\"9.9.9\"}",
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.300/24\"}]}",
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.3\"}]}",
		"{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.3/24\",\"interface\":4}]}",
		"{\"cniVersion\":\"1.0.0\",\"ips\":{}}",
		"{\"cniVersion\":\"1.0.0\",\"routes\":[{\"gw\":\"10.0.0.1\"}]}",
		"{\"cniVersion\":\"1.0.0\",\"dns\":{\"nameservers\":[1]}}",
		"{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"fd00::1/64\"}}",
		"{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":5}]}",
		"[]",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cni_error err = {0};
		struct cni_result *r = decode_str(bad[i], CNI_V010, &err);
		if (r)
			TAP_FAIL("accepted: %s", bad[i]);
		if (err.code != CNI_ERR_DECODE && err.code != CNI_ERR_VERSION)
			TAP_FAIL("code %d for %s", err.code, bad[i]);
	}
}

/* Results are decoded by encoding/json into types100.Result etc.: keys in any case. */
TEST(keys_in_any_case)
{
	struct cni_error err = {0};
	char a[IPPREFIX_STRLEN];
	struct cni_result *r = decode_str(
		"{\"CNIVersion\":\"1.1.0\",\"Interfaces\":[{\"Name\":\"br0\"},{\"NAME\":\"eth0\","
		"\"Mac\":\"0a:00:00:00:00:02\",\"Sandbox\":\"/run/netns/x\",\"MTU\":1400,"
		"\"SocketPath\":\"/s\",\"PciId\":\"p\"}],\"IPs\":[{\"Interface\":1,"
		"\"Address\":\"10.1.0.2/24\",\"Gateway\":\"10.1.0.1\"}],\"Routes\":[{\"Dst\":"
		"\"0.0.0.0/0\",\"GW\":\"10.1.0.1\",\"Table\":7,\"\u017fcope\":0}],"
		"\"DNS\":{\"Nameservers\":[\"10.1.0.1\"],\"Domain\":\"ex\",\"Search\":[\"a\"],"
		"\"Options\":[\"o\"]},\"cni_version\":\"junk\"}",
		CNI_V010, &err);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->n_interfaces, 2);
	ASSERT_STREQ(r->interfaces[1].name, "eth0");
	ASSERT_STREQ(r->interfaces[1].mac, "0a:00:00:00:00:02");
	ASSERT_STREQ(r->interfaces[1].sandbox, "/run/netns/x");
	ASSERT_EQ(r->interfaces[1].mtu, 1400); /* 1.1.0 shape: the version key was read */
	ASSERT_STREQ(r->interfaces[1].pci_id, "p");
	ASSERT_EQ(r->n_ips, 1);
	ASSERT_EQ(r->ips[0].interface, 1);
	ASSERT_STREQ(ipprefix_format(&r->ips[0].address, a), "10.1.0.2/24");
	ASSERT_STREQ(ipaddr_format(&r->ips[0].gateway, a), "10.1.0.1");
	ASSERT_EQ(r->n_routes, 1);
	ASSERT_EQ(r->routes[0].table, 7);
	ASSERT_TRUE(r->routes[0].has & CNI_ROUTE_SCOPE);
	ASSERT_STREQ(r->dns.domain, "ex");
	ASSERT_STREQ(r->dns.options[0], "o");
	cni_result_free(r);
	/* legacy shape too */
	r = decode_str("{\"cniVersion\":\"0.2.0\",\"IP4\":{\"IP\":\"10.0.0.2/24\","
		       "\"Routes\":[{\"DST\":\"0.0.0.0/0\"}]}}",
		       CNI_V010, &err);
	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(r->n_ips, 1);
	ASSERT_EQ(r->n_routes, 1);
	cni_result_free(r);
	/* a null route extra is no extra (was read uninitialised) */
	r = decode_str("{\"cniVersion\":\"1.1.0\",\"routes\":[{\"dst\":\"0.0.0.0/0\","
		       "\"mtu\":null}]}",
		       CNI_V010, &err);
	ASSERT_TRUE(r != NULL);
	ASSERT_FALSE(r->routes[0].has & CNI_ROUTE_MTU);
	cni_result_free(r);
}

/* Straight from a plugin's stdout the last spelling wins; after the reference's map round trip
 * (prevResult, cached results) keys are in byte order first ("IPs" < "ips"). */
TEST(last_spelling_wins_in_input_or_map_order)
{
	const char *s = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.1/24\"}],"
			"\"IPs\":[{\"address\":\"10.0.0.2/24\"}]}";
	struct cni_result *r = decode_str(s, CNI_V010, NULL);
	cJSON *j = NULL;
	char a[IPPREFIX_STRLEN];

	ASSERT_TRUE(r != NULL);
	ASSERT_STREQ(ipprefix_format(&r->ips[0].address, a), "10.0.0.2/24");
	cni_result_free(r);
	r = NULL;
	ASSERT_OK(json_parse(s, strlen(s), "test", &j, NULL));
	ASSERT_OK(cni_result_decode_remarshaled(j, CNI_V010, &r, NULL));
	ASSERT_STREQ(ipprefix_format(&r->ips[0].address, a), "10.0.0.1/24");
	/* the input itself is left as it was */
	ASSERT_STREQ(cJSON_GetArrayItem(j, 1)->string, "ips");
	cni_result_free(r);
	cJSON_Delete(j);
}

TEST(dup_is_deep)
{
	struct cni_error err = {0};
	struct cni_result *r = decode_str(samples[CNI_V110], CNI_V010, &err), *c = NULL;
	ASSERT_TRUE(r != NULL);
	ASSERT_OK(cni_result_dup(r, &c));
	ASSERT_TRUE(c->interfaces[1].name != r->interfaces[1].name);
	ASSERT_STREQ(c->interfaces[1].socket_path, "/s");
	ASSERT_EQ(c->n_ips, 3);
	ASSERT_STREQ(c->dns.search[0], "a");
	cni_result_free(r);
	cni_result_free(c);
}

TAP_MAIN
