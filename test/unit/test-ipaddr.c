/* CIDR and address arithmetic, including the edges IPAM depends on. */
#include "ipaddr.h"
#include "../tap.h"

static const char *fmt(const struct ipaddr *a)
{
	static char buf[4][IPADDR_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return ipaddr_format(a, buf[i]);
}

static struct ipaddr A(const char *s) {
	struct ipaddr a = {0};
	if (ipaddr_parse(s, &a) < 0)
		abort();
	return a;
}

static struct ipprefix
P(const char *s) {
	struct ipprefix p = {0};
	if (ipprefix_parse(s, &p) < 0)
		abort();
	return p;
}

TEST(parse_v4_v6)
{
	struct ipaddr a;
	ASSERT_OK(ipaddr_parse("10.1.2.3", &a));
	ASSERT_EQ(a.family, AF_INET);
	ASSERT_STREQ(fmt(&a), "10.1.2.3");
	ASSERT_OK(ipaddr_parse("fd00:0:0::1", &a));
	ASSERT_EQ(a.family, AF_INET6);
	ASSERT_STREQ(fmt(&a), "fd00::1");
	ASSERT_ERR(ipaddr_parse("10.1.2", &a));
	ASSERT_ERR(ipaddr_parse("10.1.2.3/24", &a));
	ASSERT_ERR(ipaddr_parse("", &a));
	ASSERT_ERR(ipaddr_parse(NULL, &a));
	ASSERT_ERR(ipaddr_parse("256.1.1.1", &a));
}

/* Every digit count of every octet, and the prefix lengths' (formatted by hand, not inet_ntop). */
TEST(format_v4_digits)
{
	struct ipprefix p = {.addr = A("0.9.10.99")};
	char buf[IPPREFIX_STRLEN];

	ASSERT_STREQ(fmt(&p.addr), "0.9.10.99");
	p.addr = A("100.199.200.255");
	ASSERT_STREQ(fmt(&p.addr), "100.199.200.255");
	p.len = 0;
	ASSERT_STREQ(ipprefix_format(&p, buf), "100.199.200.255/0");
	p.len = 9;
	ASSERT_STREQ(ipprefix_format(&p, buf), "100.199.200.255/9");
	p.len = 32;
	ASSERT_STREQ(ipprefix_format(&p, buf), "100.199.200.255/32");
	p = P("fd00:1::/128");
	ASSERT_STREQ(ipprefix_format(&p, buf), "fd00:1::/128");
	p = P("255.255.255.255/32");
	ASSERT_STREQ(ipprefix_format(&p, buf), "255.255.255.255/32");
}

TEST(parse_prefix)
{
	struct ipprefix p;
	char buf[IPPREFIX_STRLEN];
	bool has;
	ASSERT_OK(ipprefix_parse("10.0.0.5/24", &p));
	ASSERT_EQ(p.len, 24);
	ASSERT_STREQ(ipprefix_format(&p, buf), "10.0.0.5/24");
	ASSERT_FALSE(ipprefix_is_network(&p));
	ASSERT_OK(ipprefix_parse("0.0.0.0/0", &p));
	ASSERT_EQ(p.len, 0);
	ASSERT_OK(ipprefix_parse("::/0", &p));
	ASSERT_OK(ipprefix_parse("fd00::/128", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0/33", &p));
	ASSERT_ERR(ipprefix_parse("fd00::/129", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0/", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0/08", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0/-1", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0/2x", &p));
	ASSERT_ERR(ipprefix_parse("10.0.0.0", &p));
	ASSERT_ERR(ipprefix_parse("/24", &p));
	ASSERT_OK(ipprefix_parse_optional("10.0.0.7", &p, &has));
	ASSERT_FALSE(has);
	ASSERT_EQ(p.len, 32);
	ASSERT_OK(ipprefix_parse_optional("fd00::7/64", &p, &has));
	ASSERT_TRUE(has);
	ASSERT_EQ(p.len, 64);
}

TEST(first_last_edges)
{
	struct ipprefix p = P("10.1.2.77/24");
	struct ipaddr a;
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.0");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.255");
	p = P("10.1.2.77/0");
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "0.0.0.0");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "255.255.255.255");
	p = P("10.1.2.77/31");
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.76");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.77");
	p = P("10.1.2.77/32");
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.77");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "10.1.2.77");
	p = P("fd00::1234/127");
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "fd00::1234");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "fd00::1235");
	p = P("fd00::1234/128");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "fd00::1234");
	p = P("fd00::/0");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	p = P("fd00:1:2:3:4:5:6:7/61");
	ipprefix_first(&p, &a);
	ASSERT_STREQ(fmt(&a), "fd00:1:2::");
	ipprefix_last(&p, &a);
	ASSERT_STREQ(fmt(&a), "fd00:1:2:7:ffff:ffff:ffff:ffff");
}

TEST(add_and_overflow)
{
	struct ipaddr a = A("10.0.0.255"), r;
	ASSERT_OK(ipaddr_add(&a, 1, &r));
	ASSERT_STREQ(fmt(&r), "10.0.1.0");
	ASSERT_OK(ipaddr_add(&r, -1, &r));
	ASSERT_STREQ(fmt(&r), "10.0.0.255");
	a = A("255.255.255.255");
	ASSERT_ERR(ipaddr_add(&a, 1, &r));
	ASSERT_OK(ipaddr_add(&a, 0, &r));
	a = A("0.0.0.0");
	ASSERT_ERR(ipaddr_add(&a, -1, &r));
	ASSERT_OK(ipaddr_add(&a, 0xffffffffLL, &r));
	ASSERT_STREQ(fmt(&r), "255.255.255.255");
	ASSERT_ERR(ipaddr_add(&a, 0x100000000LL, &r));
	ASSERT_ERR(ipaddr_add(&a, INT64_MIN, &r));
	a = A("fd00::ffff:ffff:ffff:ffff");
	ASSERT_OK(ipaddr_add(&a, 1, &r));
	ASSERT_STREQ(fmt(&r), "fd00:0:0:1::");
	ASSERT_OK(ipaddr_add(&r, -1, &r));
	ASSERT_STREQ(fmt(&r), "fd00::ffff:ffff:ffff:ffff");
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ASSERT_ERR(ipaddr_add(&a, 1, &r));
	a = A("::");
	ASSERT_ERR(ipaddr_add(&a, -1, &r));
	ASSERT_OK(ipaddr_add(&a, INT64_MAX, &r));
	ASSERT_STREQ(fmt(&r), "::7fff:ffff:ffff:ffff");
	a = A("::1:0:0:0:0");
	ASSERT_OK(ipaddr_add(&a, -1, &r));
	ASSERT_STREQ(fmt(&r), "::ffff:ffff:ffff:ffff");
}

TEST(contains_overlaps_cmp)
{
	struct ipprefix p = P("10.1.0.0/16"), q = P("10.1.5.0/24"), o = P("10.2.0.0/16");
	struct ipaddr a = A("10.1.255.255"), b = A("10.2.0.0"), v6 = A("fd00::1");
	ASSERT_TRUE(ipprefix_contains(&p, &a));
	ASSERT_FALSE(ipprefix_contains(&p, &b));
	ASSERT_FALSE(ipprefix_contains(&p, &v6));
	ASSERT_TRUE(ipprefix_overlaps(&p, &q));
	ASSERT_TRUE(ipprefix_overlaps(&q, &p));
	ASSERT_FALSE(ipprefix_overlaps(&p, &o));
	struct ipprefix all = P("0.0.0.0/0"), all6 = P("::/0");
	ASSERT_TRUE(ipprefix_contains(&all, &b));
	ASSERT_FALSE(ipprefix_overlaps(&all, &all6));
	ASSERT_TRUE(ipaddr_cmp(&a, &b) < 0);
	ASSERT_TRUE(ipaddr_cmp(&b, &v6) < 0);
	ASSERT_TRUE(ipaddr_equal(&a, &a));
	struct ipprefix n;
	ipprefix_network(&q, &n);
	ASSERT_TRUE(ipprefix_is_network(&n));
	ASSERT_TRUE(ipprefix_is_network(&all));
}

TAP_MAIN
