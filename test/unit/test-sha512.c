/* SHA-512 against FIPS 180-4 vectors and the reference plugin's chain name. */
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

TAP_MAIN
