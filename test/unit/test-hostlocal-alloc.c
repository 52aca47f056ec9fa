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
	/* Content we cannot parse is still somebody's lease: never garbage. */
	ASSERT_TRUE(store_owner_is_valid("\x01"));
	ASSERT_TRUE(store_owner_is_valid("c 1"));
	char id[16], ifn[16];
	store_owner_split("c1\r\neth0", id, sizeof(id), ifn, sizeof(ifn));
	ASSERT_STREQ(id, "c1");
	ASSERT_STREQ(ifn, "eth0");
	store_owner_split("c1", id, sizeof(id), ifn, sizeof(ifn));
	ASSERT_STREQ(id, "c1");
	ASSERT_STREQ(ifn, "");
}

/* Every record a valid request can write (cni_env.h's definition) fits the store's buffers, is
 * kept by a scan, splits back into the same ID and ifname, and matches exactly its owner. */
TEST(owner_every_valid_request)
{
	char owner[STORE_OWNER_MAX], id[STORE_OWNER_MAX], ifn[STORE_OWNER_MAX];
	char long_id[CNI_CONTAINER_ID_MAX + 1];
	size_t checked = 0;

	memset(long_id, 'a', CNI_CONTAINER_ID_MAX);
	long_id[CNI_CONTAINER_ID_MAX] = '\0';
	ASSERT_OK(cni_validate_container_id(long_id, NULL));
	for (int b = 1; b < 256; b++) {
		/* The byte alone, after a prefix, and as the tail of a 15-byte name. */
		char names[3][CNI_IFNAME_MAX + 1];
		snprintf(names[0], sizeof(names[0]), "%c", b);
		snprintf(names[1], sizeof(names[1]), "eth%c", b);
		snprintf(names[2], sizeof(names[2]), "abcdefghijklmn%c", b);
		for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
			if (cni_validate_ifname(names[k], NULL) < 0)
				continue;
			ASSERT_TRUE(store_owner_format(long_id, names[k], owner, sizeof(owner)) >
				    0);
			ASSERT_TRUE(store_owner_is_valid(owner));
			store_owner_split(owner, id, sizeof(id), ifn, sizeof(ifn));
			ASSERT_STREQ(id, long_id);
			ASSERT_STREQ(ifn, names[k]);
			ASSERT_EQ(store_match_owner(owner, long_id, names[k]), STORE_MATCH_EXACT);
			checked++;
		}
	}
	/* Non-ASCII as the issue reported it: "ethé" (UTF-8). */
	ASSERT_OK(cni_validate_ifname("eth\xc3\xa9", NULL));
	ASSERT_TRUE(checked > 3 * 200);
}

TAP_MAIN
