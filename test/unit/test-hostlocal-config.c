/* host-local config parsing and validation (plugins/ipam/config.c). */
#include <string.h>

#include "../../plugins/ipam/hostlocal.h"
#include "json.h"
#include "../tap.h"

struct loaded {
	cJSON *json;
	struct cni_request req;
	struct ipam_conf conf;
	struct cni_error err;
	int r;
};

static void load(struct loaded *l, const char *version, const char *text, const char *args)
{
	memset(l, 0, sizeof(*l));
	if (json_parse(text, strlen(text), "test", &l->json, &l->err) < 0) {
		l->r = -EINVAL;
		return;
	}
	l->req.config = l->json;
	l->req.name = "t";
	(void)cni_version_parse(version, &l->req.version);
	(void)json_get_object(l->json, NULL, "runtimeConfig", false, &l->req.runtime_config,
			      &l->err);
	if (cni_args_parse(args, &l->req.args, &l->err) < 0) {
		l->r = -EINVAL;
		return;
	}
	l->r = ipam_conf_load(&l->req, &l->conf, &l->err);
}

static void unload(struct loaded *l)
{
	ipam_conf_clear(&l->conf);
	cni_args_clear(&l->req.args);
	cJSON_Delete(l->json);
}

static const char *addr(const struct ipaddr *a)
{
	static char buf[4][IPADDR_STRLEN];
	static int i;
	return ipaddr_format(a, buf[i++ % 4]);
}

TEST(defaults_v4)
{
	struct loaded l;
	load(&l, "1.0.0", "{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]]}}", NULL);
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.n_sets, 1);
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].start), "10.231.1.1");
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].end), "10.231.1.254");
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].gateway), "10.231.1.1");
	ASSERT_STREQ(l.conf.data_dir, "/var/lib/cni/networks");
	ASSERT_TRUE(l.conf.resolv_conf == NULL);
	unload(&l);
}

TEST(defaults_v6_end_is_last_address)
{
	struct loaded l;
	load(&l, "1.0.0", "{\"ipam\":{\"ranges\":[[{\"subnet\":\"fd00:231::/126\"}]]}}", NULL);
	ASSERT_OK(l.r);
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].end), "fd00:231::3");
	unload(&l);
}

TEST(order_iprange_legacy_ranges)
{
	struct loaded l;
	load(&l, "1.0.0",
	     "{\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.231.3.0/24\"}]]},"
	     "\"ipam\":{\"subnet\":\"10.231.2.0/24\",\"gateway\":\"10.231.2.9\","
	     "\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]],\"dataDir\":\"/tmp/x\"}}",
	     NULL);
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.n_sets, 3);
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].subnet.addr), "10.231.3.0");
	ASSERT_STREQ(addr(&l.conf.sets[1].ranges[0].subnet.addr), "10.231.2.0");
	ASSERT_STREQ(addr(&l.conf.sets[1].ranges[0].gateway), "10.231.2.9");
	ASSERT_STREQ(addr(&l.conf.sets[2].ranges[0].subnet.addr), "10.231.1.0");
	ASSERT_STREQ(l.conf.data_dir, "/tmp/x");
	unload(&l);
}

TEST(requested_sources_and_dedup)
{
	struct loaded l;
	load(&l, "1.0.0",
	     "{\"args\":{\"cni\":{\"ips\":[\"10.231.1.6\",\"10.231.1.5/24\"]}},"
	     "\"runtimeConfig\":{\"ips\":[\"fd00:231::7/64\"]},"
	     "\"ipam\":{\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]]}}",
	     "IP=10.231.1.5, 10.231.1.4");
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.n_requested, 4);
	ASSERT_STREQ(addr(&l.conf.requested[0]), "10.231.1.5");
	ASSERT_STREQ(addr(&l.conf.requested[1]), "10.231.1.4");
	ASSERT_STREQ(addr(&l.conf.requested[2]), "10.231.1.6");
	ASSERT_STREQ(addr(&l.conf.requested[3]), "fd00:231::7");
	unload(&l);
}

/* The reference decodes Net/IPAMConfig/Range with encoding/json: keys in any case. */
TEST(keys_in_any_case)
{
	struct loaded l;
	load(&l, "0.4.0",
	     "{\"RuntimeConfig\":{\"IPRanges\":[[{\"SUBNET\":\"10.231.3.0/24\"}]],"
	     "\"IPs\":[\"10.231.2.7\"]},"
	     "\"ARGS\":{\"CNI\":{\"IPS\":[\"10.231.2.6\"]}},"
	     "\"IPAM\":{\"Type\":\"host-local\",\"Subnet\":\"10.231.2.0/24\","
	     "\"RangeStart\":\"10.231.2.5\",\"RANGEEND\":\"10.231.2.50\",\"Gateway\":\"10.231.2.9\","
	     "\"Ranges\":[[{\"\u017fubnet\":\"10.231.1.0/24\",\"rangestart\":\"10.231.1.3\"}]],"
	     "\"DataDir\":\"/tmp/x\",\"ResolvConf\":\"/tmp/r\","
	     "\"Routes\":[{\"Dst\":\"0.0.0.0/0\",\"GW\":\"10.231.2.1\",\"MTU\":1300}]}}",
	     NULL);
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.n_sets, 3);
	ASSERT_STREQ(addr(&l.conf.sets[0].ranges[0].subnet.addr), "10.231.3.0");
	ASSERT_STREQ(addr(&l.conf.sets[1].ranges[0].start), "10.231.2.5");
	ASSERT_STREQ(addr(&l.conf.sets[1].ranges[0].end), "10.231.2.50");
	ASSERT_STREQ(addr(&l.conf.sets[1].ranges[0].gateway), "10.231.2.9");
	ASSERT_STREQ(addr(&l.conf.sets[2].ranges[0].start), "10.231.1.3");
	ASSERT_STREQ(l.conf.data_dir, "/tmp/x");
	ASSERT_STREQ(l.conf.resolv_conf, "/tmp/r");
	ASSERT_EQ(l.conf.n_routes, 1);
	ASSERT_STREQ(addr(&l.conf.routes[0].gw), "10.231.2.1");
	ASSERT_EQ(l.conf.routes[0].mtu, 1300);
	ASSERT_EQ(l.conf.n_requested, 2);
	ASSERT_STREQ(addr(&l.conf.requested[0]), "10.231.2.6");
	ASSERT_STREQ(addr(&l.conf.requested[1]), "10.231.2.7");
	unload(&l);
	/* last spelling wins; other keys are ignored */
	load(&l, "1.0.0",
	     "{\"ipam\":{\"dataDir\":\"/tmp/a\",\"DATADIR\":\"/tmp/b\",\"data_dir\":\"/tmp/c\","
	     "\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]],\"subnets\":\"x\"}}",
	     NULL);
	ASSERT_OK(l.r);
	ASSERT_STREQ(l.conf.data_dir, "/tmp/b");
	ASSERT_EQ(l.conf.n_sets, 1);
	unload(&l);
}

TEST(unknown_cni_args)
{
	struct loaded l;
	load(&l, "1.0.0", "{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]]}}", "MAC=x");
	ASSERT_ERR(l.r);
	ASSERT_EQ(l.err.code, CNI_ERR_ENV);
	unload(&l);
	load(&l, "1.0.0", "{\"ipam\":{\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}]]}}",
	     "IgnoreUnknown=1;MAC=x");
	ASSERT_OK(l.r);
	unload(&l);
}

static void expect_bad(const char *version, const char *ipam, const char *needle)
{
	char text[2048];
	struct loaded l;

	snprintf(text, sizeof(text), "{\"ipam\":{%s}}", ipam);
	load(&l, version, text, NULL);
	if (l.r >= 0 || l.err.code != CNI_ERR_CONFIG || !strstr(l.err.msg, needle))
		printf("#   for %s: r=%d code=%d msg=%s (want \"%s\")\n", ipam, l.r, l.err.code,
		       l.err.msg, needle);
	ASSERT_ERR(l.r);
	ASSERT_EQ(l.err.code, CNI_ERR_CONFIG);
	ASSERT_CONTAINS(l.err.msg, needle);
	ASSERT_TRUE(l.conf.sets == NULL);
	unload(&l);
}

#define R(x) "\"ranges\":[[" x "]]"
TEST(bad_configs)
{
	expect_bad("1.0.0", "\"type\":\"host-local\"", "no IP ranges specified");
	expect_bad("1.0.0", "\"ranges\":[[]]", "empty range set");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/31\"}"), "too small");
	expect_bad("1.0.0", R("{\"subnet\":\"fd00::/128\"}"), "too small");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.1/24\"}"), "host bits set");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\",\"gateway\":\"10.231.2.1\"}"),
		   "gateway 10.231.2.1 not in network");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\",\"gateway\":\"fd00::1\"}"),
		   "gateway fd00::1 not in network");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\",\"rangeStart\":\"10.231.0.1\"}"),
		   "RangeStart 10.231.0.1 not in network");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\",\"rangeEnd\":\"10.231.0.1\"}"),
		   "RangeEnd 10.231.0.1 not in network");
	expect_bad(
		"1.0.0",
		R("{\"subnet\":\"10.231.1.0/24\",\"rangeStart\":\"10.231.1.9\",\"rangeEnd\":\"10.231.1.8\"}"),
		"is after rangeEnd");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\"},{\"subnet\":\"fd00::/64\"}"),
		   "mixed address families");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\"},{\"subnet\":\"10.231.0.0/16\"}"),
		   "overlap");
	expect_bad("1.0.0",
		   "\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}],[{\"subnet\":\"10.231.0.0/16\"}]]",
		   "range set 0 overlaps with 1");
	expect_bad("0.2.0",
		   "\"ranges\":[[{\"subnet\":\"10.231.1.0/24\"}],[{\"subnet\":\"10.231.2.0/24\"}]]",
		   "does not support more than 1 address per family");
	expect_bad("1.0.0", R("{\"subnet\":\"10.231.1.0/24\"}") ",\"routes\":[{\"dst\":\"x\"}]",
		   "ipam.routes[0].dst");
}

TEST(disjoint_ranges_in_one_subnet_are_fine)
{
	struct loaded l;
	load(&l, "1.0.0",
	     "{\"ipam\":"
	     "{" R("{\"subnet\":\"10.231.1.0/24\",\"rangeStart\":\"10.231.1.10\",\"rangeEnd\":\"10.231.1.19\"},"
		   "{\"subnet\":\"10.231.1.0/24\",\"rangeStart\":\"10.231.1.20\",\"rangeEnd\":\"10.231.1.29\"}") "}}",
	     NULL);
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.sets[0].n, 2);
	char buf[128];
	ipam_rangeset_format(&l.conf.sets[0], buf, sizeof(buf));
	ASSERT_STREQ(buf, "10.231.1.10-10.231.1.19,10.231.1.20-10.231.1.29");
	unload(&l);
}

TEST(missing_ipam)
{
	struct loaded l;
	load(&l, "1.0.0", "{\"name\":\"x\"}", NULL);
	ASSERT_ERR(l.r);
	ASSERT_EQ(l.err.code, CNI_ERR_CONFIG);
	ASSERT_STREQ(l.err.msg, "IPAM config missing 'ipam' key");
	unload(&l);
}

TEST(routes_with_extras)
{
	struct loaded l;
	load(&l, "1.1.0",
	     "{\"ipam\":{" R(
		     "{\"subnet\":\"10.231.1.0/24\"}") ",\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.231.1.1\",\"mtu\":1400}]}}",
	     NULL);
	ASSERT_OK(l.r);
	ASSERT_EQ(l.conf.n_routes, 1);
	ASSERT_STREQ(addr(&l.conf.routes[0].gw), "10.231.1.1");
	ASSERT_EQ(l.conf.routes[0].mtu, 1400);
	ASSERT_TRUE(l.conf.routes[0].has & CNI_ROUTE_MTU);
	unload(&l);
}

TEST(resolvconf_text)
{
	struct cni_dns d;
	ASSERT_OK(resolvconf_parse_text(
		"# c\n; c\nnameserver 10.231.0.1 x\n  nameserver fd00:231::1\n"
		"domain a\ndomain b\nsearch x y\noptions ndots:1\nbogus\n",
		&d));
	ASSERT_EQ(d.n_nameservers, 2);
	ASSERT_STREQ(d.nameservers[0], "10.231.0.1");
	ASSERT_STREQ(d.nameservers[1], "fd00:231::1");
	ASSERT_STREQ(d.domain, "b");
	ASSERT_EQ(d.n_search, 2);
	ASSERT_STREQ(d.search[1], "y");
	ASSERT_EQ(d.n_options, 1);
	cni_dns_clear(&d);
}

TAP_MAIN
