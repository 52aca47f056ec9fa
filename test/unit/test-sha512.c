/* SHA-512 against FIPS 180-4 vectors and the reference plugin's chain name. */
#include <stdio.h>
#include <string.h>
#include "sha512.h"
#include "../tap.h"

static const char *hex(const char *s, size_t n)
{
	static char buf[129];
	return sha512_hex_prefix(s, strlen(s), n, buf);
}

TEST(fips_vectors)
{
	ASSERT_STREQ(hex("abc", 64),
		     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	ASSERT_STREQ(hex("", 8), "cf83e1357eefb8bd");
	/* 112 bytes: padding spills into a second block */
	ASSERT_STREQ(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
			 "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
			 16),
		     "8e959b75dae313da8cf4f72814fc143f");
}

TEST(reference_chain_name)
{
	/* cni-reference.md §2.4: sha512("sa1net"+"sa1ctr1")[:24] observed on the reference. */
	ASSERT_STREQ(hex("sa1netsa1ctr1", 12), "063ec9648c2ad4e52d568f47");
}

/* The names that stand in for ones too long or unusable: "sha512-" + hex of "<a>:<b>", or of a
 * alone; the same bytes whatever the lengths (state records, macspoofchk chains, comments). */
TEST(stand_in_names)
{
	char buf[SHA512_NAME_LEN(32) + 1], want[SHA512_NAME_LEN(32) + 1];

	ASSERT_TRUE(sha512_name("ctr1", "eth0", 12, buf) == buf);
	snprintf(want, sizeof(want), "sha512-%s", hex("ctr1:eth0", 12));
	ASSERT_STREQ(buf, want);
	ASSERT_TRUE(sha512_name("net1", NULL, 12, buf) == buf);
	snprintf(want, sizeof(want), "sha512-%s", hex("net1", 12));
	ASSERT_STREQ(buf, want);
	ASSERT_TRUE(sha512_name("a", "", 32, buf) == buf);
	snprintf(want, sizeof(want), "sha512-%s", hex("a:", 32));
	ASSERT_STREQ(buf, want);
	ASSERT_EQ(strlen(buf), (size_t)SHA512_NAME_LEN(32));
}

TAP_MAIN
