/* CNI_* environment validation and CNI_ARGS parsing. */
#include "cni_env.h"
#include "../tap.h"

TEST(ifname_rules)
{
	struct cni_error err = {0};
	ASSERT_OK(cni_validate_ifname("eth0", NULL));
	ASSERT_OK(cni_validate_ifname("a23456789012345", NULL)); /* 15 bytes */
	ASSERT_ERR(cni_validate_ifname("a234567890123456", &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_STREQ(err.msg, "interface name is too long");
	ASSERT_ERR(cni_validate_ifname("", NULL));
	ASSERT_ERR(cni_validate_ifname(NULL, NULL));
	ASSERT_ERR(cni_validate_ifname(".", NULL));
	ASSERT_ERR(cni_validate_ifname("..", NULL));
	ASSERT_OK(cni_validate_ifname("...", NULL));
	ASSERT_ERR(cni_validate_ifname("a/b", NULL));
	ASSERT_ERR(cni_validate_ifname("a:b", NULL));
	ASSERT_ERR(cni_validate_ifname("a b", NULL));
	ASSERT_ERR(cni_validate_ifname("a\tb", NULL));
	ASSERT_ERR(cni_validate_ifname("eth\n", NULL));
	/* Go's unicode.IsSpace over runes: non-ASCII and control bytes are fine, Unicode spaces
	 * (well-formed only) are not. */
	ASSERT_OK(cni_validate_ifname("eth\xc3\xa9", NULL)); /* ethé */
	ASSERT_OK(cni_validate_ifname("eth\x01\x7f", NULL));
	ASSERT_OK(cni_validate_ifname("eth\xa0", NULL)); /* lone byte: U+FFFD in Go */
	ASSERT_OK(cni_validate_ifname("eth%d", NULL));
	ASSERT_ERR(cni_validate_ifname("eth\xc2\xa0", NULL)); /* U+00A0 */
	ASSERT_ERR(cni_validate_ifname("eth\xc2\x85", NULL)); /* U+0085 */
	ASSERT_ERR(cni_validate_ifname("a\xe2\x80\x83"
				       "b",
				       NULL));			/* U+2003 */
	ASSERT_ERR(cni_validate_ifname("a\xe3\x80\x80", NULL)); /* U+3000 */
	ASSERT_OK(cni_validate_ifname("a\xe2\x80\x8b", NULL));	/* U+200B is not a space */
}

TEST(ifname_kernel_rules)
{
	ASSERT_TRUE(cni_ifname_kernel_problem("eth0") == NULL);
	ASSERT_TRUE(cni_ifname_kernel_problem("eth\xc3\xa9") == NULL);
	ASSERT_TRUE(cni_ifname_kernel_problem("eth%d") != NULL);
	ASSERT_TRUE(cni_ifname_kernel_problem("%") != NULL);
	ASSERT_TRUE(cni_ifname_kernel_problem("eth\xc3\xa0") != NULL); /* "à": 0xA0 */
	ASSERT_TRUE(cni_ifname_kernel_problem("a b") != NULL);
	ASSERT_TRUE(cni_ifname_kernel_problem(NULL) != NULL);
}

TEST(container_id_rules)
{
	struct cni_error err = {0};
	ASSERT_OK(cni_validate_container_id("abc-DEF_1.2", NULL));
	ASSERT_OK(cni_validate_container_id("0", NULL));
	ASSERT_ERR(cni_validate_container_id("-abc", &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_STREQ(err.msg, "invalid characters in containerID");
	ASSERT_STREQ(err.details, "-abc");
	ASSERT_ERR(cni_validate_container_id("a/b", NULL));
	ASSERT_ERR(cni_validate_container_id("../x", NULL));
	ASSERT_ERR(cni_validate_container_id("a b", NULL));
	ASSERT_ERR(cni_validate_container_id("", NULL));
	ASSERT_ERR(cni_validate_container_id(".hidden", NULL));
}

TEST(network_name_rules)
{
	struct cni_error err = {0};
	ASSERT_OK(cni_validate_network_name("my-net_1.0", NULL));
	ASSERT_ERR(cni_validate_network_name("../etc", &err));
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_ERR(cni_validate_network_name("a/b", NULL));
	ASSERT_ERR(cni_validate_network_name("", NULL));
}

TEST(env_missing_vars)
{
	struct cni_env e;
	struct cni_error err = {0};
	clearenv();
	setenv("CNI_COMMAND", "ADD", 1);
	ASSERT_ERR(cni_env_load(&e, &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_STREQ(err.msg,
		     "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
	memset(&err, 0, sizeof(err));
	setenv("CNI_COMMAND", "DEL", 1);
	setenv("CNI_CONTAINERID", "c1", 1);
	setenv("CNI_IFNAME", "eth0", 1);
	ASSERT_OK(cni_env_load(&e, &err)); /* DEL may have no netns */
	ASSERT_STREQ(e.netns, "");
	setenv("CNI_COMMAND", "CHECK", 1);
	ASSERT_ERR(cni_env_load(&e, &err));
	ASSERT_STREQ(err.msg, "required env variables [CNI_NETNS] missing");
	memset(&err, 0, sizeof(err));
	setenv("CNI_COMMAND", "add", 1);
	ASSERT_ERR(cni_env_load(&e, &err));
	ASSERT_STREQ(err.msg, "unknown CNI_COMMAND: add");
	setenv("CNI_COMMAND", "GC", 1);
	ASSERT_OK(cni_env_load(&e, NULL));
	ASSERT_EQ(e.command, CNI_CMD_GC);
	setenv("CNI_COMMAND", "ADD", 1);
	setenv("CNI_NETNS", "/run/netns/x", 1);
	setenv("CNI_IFNAME", "toolongifname1234", 1);
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(cni_env_load(&e, &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
}

TEST(args_parse)
{
	struct cni_args a = {0};
	struct cni_error err = {0};
	ASSERT_OK(cni_args_parse("IP=10.0.0.2;MAC=aa:bb:cc:dd:ee:ff;K8S_POD_NAME=x", &a, &err));
	ASSERT_EQ(a.n, 3);
	ASSERT_STREQ(cni_args_get(&a, "IP"), "10.0.0.2");
	ASSERT_STREQ(cni_args_get(&a, "MAC"), "aa:bb:cc:dd:ee:ff");
	ASSERT_TRUE(cni_args_get(&a, "ip") == NULL); /* case-sensitive like Go */
	ASSERT_FALSE(a.ignore_unknown);
	static const char *const known[] = {"IP", "MAC", NULL};
	ASSERT_ERR(cni_args_check_known(&a, known, &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_CONTAINS(err.msg, "K8S_POD_NAME=x");
	cni_args_clear(&a);

	ASSERT_OK(cni_args_parse("IgnoreUnknown=1;K8S_POD_NAME=x;IP=1.2.3.4", &a, NULL));
	ASSERT_TRUE(a.ignore_unknown);
	ASSERT_OK(cni_args_check_known(&a, known, NULL));
	cni_args_clear(&a);
	ASSERT_OK(cni_args_parse("IgnoreUnknown=True", &a, NULL));
	ASSERT_TRUE(a.ignore_unknown);
	cni_args_clear(&a);
	ASSERT_OK(cni_args_parse("IgnoreUnknown=false;X=1", &a, NULL));
	ASSERT_FALSE(a.ignore_unknown);
	ASSERT_ERR(cni_args_check_known(&a, known, NULL));
	cni_args_clear(&a);
	/* "ignoreunknown" is itself an unknown key, as in Go. */
	ASSERT_OK(cni_args_parse("ignoreunknown=1", &a, NULL));
	ASSERT_ERR(cni_args_check_known(&a, known, NULL));
	cni_args_clear(&a);

	memset(&err, 0, sizeof(err));
	ASSERT_ERR(cni_args_parse("IP", &a, &err));
	ASSERT_EQ(err.code, CNI_ERR_ENV);
	ASSERT_CONTAINS(err.msg, "invalid pair");
	ASSERT_ERR(cni_args_parse("=x", &a, NULL));
	ASSERT_ERR(cni_args_parse("A=b=c", &a, NULL));
	ASSERT_ERR(cni_args_parse("IgnoreUnknown=maybe", &a, NULL));
	ASSERT_OK(cni_args_parse("", &a, NULL));
	ASSERT_EQ(a.n, 0);
	ASSERT_OK(cni_args_parse(NULL, &a, NULL));
	ASSERT_OK(cni_args_parse("A=;B=2", &a, NULL)); /* empty values are allowed */
	ASSERT_STREQ(cni_args_get(&a, "A"), "");
	cni_args_clear(&a);
	ASSERT_OK(cni_args_parse("A=1;A=2", &a, NULL));
	ASSERT_STREQ(cni_args_get(&a, "A"), "2");
	cni_args_clear(&a);
}

TEST(command_names)
{
	ASSERT_EQ(cni_command_parse("ADD"), CNI_CMD_ADD);
	ASSERT_EQ(cni_command_parse("STATUS"), CNI_CMD_STATUS);
	ASSERT_EQ(cni_command_parse("Add"), CNI_CMD_NONE);
	ASSERT_STREQ(cni_command_str(CNI_CMD_CHECK), "CHECK");
}

TAP_MAIN
