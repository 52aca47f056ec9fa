/* ipMasq / macspoofchk helpers that need no privileges: backend parsing and auto selection,
 * reference chain names, comment formats and parsing, nft listing parsing. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../plugins/bridge/masq_internal.h"
#include "../tap.h"

TEST(backend_parse)
{
	struct cni_error err = {0};
	enum masq_backend b = MASQ_NFTABLES;

	ASSERT_EQ(masq_backend_parse(NULL, &b, &err), 0);
	ASSERT_EQ(b, MASQ_AUTO);
	ASSERT_EQ(masq_backend_parse("iptables", &b, &err), 0);
	ASSERT_EQ(b, MASQ_IPTABLES);
	ASSERT_EQ(masq_backend_parse("nftables", &b, &err), 0);
	ASSERT_EQ(b, MASQ_NFTABLES);
	ASSERT_TRUE(masq_backend_parse("IPTABLES", &b, &err) < 0);
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_STREQ(err.msg, "unknown ipMasqBackend \"IPTABLES\"");
}

TEST(backend_resolve_follows_links)
{
	char dir[] = "/tmp/masq-unit.XXXXXX", link1[PATH_MAX], link2[PATH_MAX], nft[PATH_MAX],
	     legacy[PATH_MAX];
	const char *saved = masq_iptables_path;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(nft, sizeof(nft), "%s/xtables-nft-multi", dir);
	snprintf(legacy, sizeof(legacy), "%s/xtables-legacy-multi", dir);
	snprintf(link1, sizeof(link1), "%s/alt-iptables", dir);
	snprintf(link2, sizeof(link2), "%s/iptables", dir);
	fclose(fopen(nft, "w"));
	fclose(fopen(legacy, "w"));
	/* iptables -> alternatives link -> real binary, as on Debian */
	ASSERT_EQ(symlink(nft, link1), 0);
	ASSERT_EQ(symlink(link1, link2), 0);
	masq_iptables_path = link2;
	ASSERT_EQ(masq_backend_resolve(MASQ_AUTO), MASQ_NFTABLES);
	ASSERT_EQ(masq_backend_resolve(MASQ_IPTABLES), MASQ_IPTABLES);
	unlink(link1);
	ASSERT_EQ(symlink(legacy, link1), 0);
	if (access("/proc/net/ip_tables_names", F_OK) == 0)
		ASSERT_EQ(masq_backend_resolve(MASQ_AUTO), MASQ_IPTABLES);
	ASSERT_EQ(masq_backend_resolve(MASQ_NFTABLES), MASQ_NFTABLES);
	masq_iptables_path = saved;
	unlink(link2);
	unlink(link1);
	unlink(nft);
	unlink(legacy);
	rmdir(dir);
}

TEST(chain_name_is_reference)
{
	char buf[MASQ_IPT_CHAIN_LEN + 1];

	/* observed with the reference plugin (cni-reference.md 2.4) */
	ASSERT_STREQ(masq_ipt_chain_name("sa1net", "sa1ctr1", buf), "CNI-063ec9648c2ad4e52d568f47");
	ASSERT_EQ(strlen(buf), 28);
}

TEST(iptables_comment_parse)
{
	char net[128], id[128], ifn[128];

	ASSERT_TRUE(masq_ipt_parse_comment("name: \"n1\" id: \"c1\" if: \"eth0\"", net, id, ifn));
	ASSERT_STREQ(net, "n1");
	ASSERT_STREQ(id, "c1");
	ASSERT_STREQ(ifn, "eth0");
	/* the reference's own comment: no ifname */
	ASSERT_TRUE(masq_ipt_parse_comment("name: \"n1\" id: \"c1\"", net, id, ifn));
	ASSERT_STREQ(ifn, "");
	ASSERT_FALSE(masq_ipt_parse_comment("name: \"n1\"", net, id, ifn));
	ASSERT_FALSE(masq_ipt_parse_comment("name: \"n1\" id: \"c1\" extra", net, id, ifn));
	ASSERT_FALSE(masq_ipt_parse_comment("something else", net, id, ifn));
	ASSERT_FALSE(masq_ipt_parse_comment("", net, id, ifn));
}

TEST(nft_tag_and_comment)
{
	char tag[MASQ_NFT_TAG_LEN + 1], other[MASQ_NFT_TAG_LEN + 1], c[128];
	struct masq_attachment a = {"net1", "ctr1", "eth0"};

	masq_nft_tag("net1", "eth0", "ctr1", tag);
	ASSERT_EQ(strlen(tag), MASQ_NFT_TAG_LEN);
	ASSERT_EQ(tag[16], '-');
	masq_nft_tag("net1", "eth1", "ctr1", other);
	ASSERT_TRUE(strncmp(tag, other, 17) == 0);	/* same network part */
	ASSERT_TRUE(strcmp(tag + 17, other + 17) != 0); /* another attachment */
	masq_nft_tag("net1", "", "eth0ctr1", other);	/* no ambiguity by concatenation */
	ASSERT_TRUE(strcmp(tag, other) != 0);
	masq_nft_comment(&a, c);
	ASSERT_TRUE(strncmp(c, tag, MASQ_NFT_TAG_LEN) == 0);
	ASSERT_STREQ(c + MASQ_NFT_TAG_LEN, ", net: net1, if: eth0, id: ctr1");
}

TEST(nft_comment_is_bounded_and_sanitized)
{
	char id[300], c[128];
	struct masq_attachment a = {"n\"et", id, "eth0"};

	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = 0;
	masq_nft_comment(&a, c);
	ASSERT_EQ(strlen(c), 127);
	ASSERT_TRUE(strchr(c, '"') == NULL);
	ASSERT_TRUE(strstr(c, "net: n_et,") != NULL);
}

TEST(nft_sanitize)
{
	char buf[16];

	ASSERT_STREQ(nftx_sanitize("a\"b\\c\nd", buf, sizeof(buf)), "a_b_c_d");
	ASSERT_STREQ(nftx_sanitize("0123456789abcdefXYZ", buf, sizeof(buf)), "0123456789abcde");
}

TAP_MAIN
