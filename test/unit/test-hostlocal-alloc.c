/* host-local allocation order and lease-record helpers (plugins/ipam/alloc.c, store.c). */
#include <string.h>

#include "../../plugins/ipam/hostlocal.h"
#include "../tap.h"

static struct ipam_range mk(const char *subnet, const char *start, const char *end, const char *gw)
{
	struct ipam_range r = {0};
	(void)ipprefix_parse(subnet, &r.subnet);
	(void)ipaddr_parse(start, &r.start);
	(void)ipaddr_parse(end, &r.end);
	(void)ipaddr_parse(gw, &r.gateway);
	return r;
}

/* The whole walk as "a b c". */
static void walk(const struct ipam_rangeset *set, const char *cursor, char *out, size_t size)
{
	struct alloc_iter it;
	struct ipaddr c = {0}, a;
	char buf[IPADDR_STRLEN];
	size_t len = 0;

	if (cursor)
		(void)ipaddr_parse(cursor, &c);
	alloc_iter_init(&it, set, &c);
	out[0] = '\0';
	while (alloc_iter_next(&it, &a, NULL) && len < size)
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "",
					ipaddr_format(&a, buf));
}

TEST(walk_skips_gateway_network_broadcast)
{
	struct ipam_range r = mk("10.231.1.0/29", "10.231.1.0", "10.231.1.7", "10.231.1.1");
	struct ipam_rangeset set = {&r, 1};
	char out[256];

	walk(&set, NULL, out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.2 10.231.1.3 10.231.1.4 10.231.1.5 10.231.1.6");
	ASSERT_EQ(alloc_capacity(&set), 5);
}

TEST(walk_round_robin_from_cursor)
{
	struct ipam_range r = mk("10.231.1.0/29", "10.231.1.1", "10.231.1.6", "10.231.1.1");
	struct ipam_rangeset set = {&r, 1};
	char out[256];

	walk(&set, "10.231.1.4", out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.5 10.231.1.6 10.231.1.2 10.231.1.3 10.231.1.4");
	walk(&set, "10.231.1.6", out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.2 10.231.1.3 10.231.1.4 10.231.1.5 10.231.1.6");
	/* a cursor outside the set (re-keyed range sets) starts at rangeStart */
	walk(&set, "10.231.9.9", out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.2 10.231.1.3 10.231.1.4 10.231.1.5 10.231.1.6");
	walk(&set, "fd00::1", out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.2 10.231.1.3 10.231.1.4 10.231.1.5 10.231.1.6");
}

TEST(walk_multi_range_wraps)
{
	struct ipam_range r[2] = {
		mk("10.231.1.0/24", "10.231.1.10", "10.231.1.11", "10.231.1.1"),
		mk("10.231.2.0/24", "10.231.2.10", "10.231.2.11", "10.231.2.1"),
	};
	struct ipam_rangeset set = {r, 2};
	char out[256];

	walk(&set, "10.231.1.11", out, sizeof(out));
	ASSERT_STREQ(out, "10.231.2.10 10.231.2.11 10.231.1.10 10.231.1.11");
	ASSERT_EQ(alloc_capacity(&set), 4);
}

TEST(walk_gateway_in_range_start)
{
	struct ipam_range r = mk("10.231.1.0/30", "10.231.1.1", "10.231.1.2", "10.231.1.1");
	struct ipam_rangeset set = {&r, 1};
	char out[256];

	walk(&set, NULL, out, sizeof(out));
	ASSERT_STREQ(out, "10.231.1.2");
	ASSERT_EQ(alloc_capacity(&set), 1);
	/* all reserved: the walk ends at once */
	struct ipam_range g = mk("10.231.1.0/30", "10.231.1.1", "10.231.1.1", "10.231.1.1");
	struct ipam_rangeset gs = {&g, 1};
	walk(&gs, NULL, out, sizeof(out));
	ASSERT_STREQ(out, "");
	ASSERT_EQ(alloc_capacity(&gs), 0);
}

TEST(walk_ipv6)
{
	struct ipam_range r = mk("fd00:231::/126", "fd00:231::1", "fd00:231::3", "fd00:231::1");
	struct ipam_rangeset set = {&r, 1};
	char out[256];

	walk(&set, "fd00:231::2", out, sizeof(out));
	ASSERT_STREQ(out, "fd00:231::3 fd00:231::2");
	struct ipam_range big =
		mk("fd00:231::/64", "fd00:231::1", "fd00:231::ffff:ffff:ffff:ffff", "fd00:231::1");
	struct ipam_rangeset bs = {&big, 1};
	ASSERT_EQ(alloc_capacity(&bs), 0xffffffffffffffffULL - 1);
}

TEST(owner_match)
{
	ASSERT_EQ(store_match_owner("c1\r\neth0", "c1", "eth0"), STORE_MATCH_EXACT);
	ASSERT_EQ(store_match_owner("c1\r\neth0", "c1", "eth1"), STORE_MATCH_NONE);
	ASSERT_EQ(store_match_owner("c1", "c1", "eth0"), STORE_MATCH_LEGACY);
	ASSERT_EQ(store_match_owner("c10\r\neth0", "c1", "eth0"), STORE_MATCH_NONE);
	ASSERT_EQ(store_match_owner("c1\r\neth0", "c10", "eth0"), STORE_MATCH_NONE);
	ASSERT_EQ(store_match_owner("c1\neth0", "c1", "eth0"), STORE_MATCH_NONE);
	char buf[64];
	ASSERT_EQ(store_owner_format("abc", "eth0", buf, sizeof(buf)), 9);
	ASSERT_EQ(memcmp(buf, "abc\r\neth0", 10), 0);
	ASSERT_ERR(store_owner_format("abc", "eth0", buf, 5));
}

TEST(owner_validity)
{
	ASSERT_TRUE(store_owner_is_valid("c1\r\neth0"));
	ASSERT_TRUE(store_owner_is_valid("c1"));
	ASSERT_FALSE(store_owner_is_valid(""));
	ASSERT_FALSE(store_owner_is_valid("\x01"));
	ASSERT_FALSE(store_owner_is_valid("c1\r\n"));
	ASSERT_FALSE(store_owner_is_valid("c 1"));
	char id[16], ifn[16];
	store_owner_split("c1\r\neth0", id, sizeof(id), ifn, sizeof(ifn));
	ASSERT_STREQ(id, "c1");
	ASSERT_STREQ(ifn, "eth0");
	store_owner_split("c1", id, sizeof(id), ifn, sizeof(ifn));
	ASSERT_STREQ(id, "c1");
	ASSERT_STREQ(ifn, "");
}

TAP_MAIN
