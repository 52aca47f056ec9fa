/* Launcher helpers: base64, cache entries, state records, paths, CNI_ARGS, cgroup values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "json.h"
#include "runtime.h"
#include "sha512.h"
#include "state.h"
#include "../tap.h"

static char dir[] = "/tmp/test-launcher-util.XXXXXX";

TEST(base64_roundtrip)
{
	const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "{\"a\":\n1}"};
	const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", NULL};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *e = NULL, *d = NULL;
		size_t len;
		ASSERT_OK(base64_encode(cases[i], strlen(cases[i]), &e));
		if (enc[i])
			ASSERT_STREQ(e, enc[i]);
		ASSERT_OK(base64_decode(e, &d, &len));
		ASSERT_EQ(len, strlen(cases[i]));
		ASSERT_TRUE(memcmp(d, cases[i], len) == 0);
	}
	char *d = NULL;
	size_t len;
	ASSERT_ERR(base64_decode("Zm9v!", &d, &len));
}

TEST(abs_path_is_lexical)
{
	_cleanup_free_ char *a = cli_abs_path("/run//netns/./x/../ns1/");
	ASSERT_STREQ(a, "/run/netns/ns1");
	_cleanup_free_ char *b = cli_abs_path("/..");
	ASSERT_STREQ(b, "/");
	char cwd[4096], want[4200];
	ASSERT_TRUE(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/ns", strcmp(cwd, "/") ? cwd : "");
	_cleanup_free_ char *c = cli_abs_path("ns");
	ASSERT_STREQ(c, want);
}

TEST(cnitool_container_id)
{
	/* printf %s /run/netns/ns1 | sha512sum | cut -c1-20 */
	char hex[21];
	sha512_hex_prefix("abc", 3, 10, hex);
	ASSERT_STREQ(hex, "ddaf35a193617abacc41");
}

TEST(cni_args_parsing)
{
	struct cni_args a = {0};
	ASSERT_OK(cli_parse_cni_args("K8S_POD_NAME=x;FOO=bar", true, &a));
	ASSERT_EQ(a.n, 3);
	ASSERT_STREQ(a.items[0].key, "IgnoreUnknown");
	ASSERT_STREQ(a.items[0].value, "1");
	ASSERT_STREQ(a.items[1].key, "K8S_POD_NAME");
	ASSERT_STREQ(a.items[2].value, "bar");
	cni_args_clear(&a);
	ASSERT_OK(cli_parse_cni_args("IgnoreUnknown=0", true, &a));
	ASSERT_EQ(a.n, 1);
	cni_args_clear(&a);
	ASSERT_OK(cli_parse_cni_args(NULL, false, &a));
	ASSERT_EQ(a.n, 0);
	ASSERT_ERR(cli_parse_cni_args("novalue=", false, &a));
	ASSERT_ERR(cli_parse_cni_args("=v", false, &a));
	ASSERT_ERR(cli_parse_cni_args("plain", false, &a));
}

TEST(cgroup_values)
{
	uint64_t v;
	ASSERT_OK(cg_parse_size("64M", &v));
	ASSERT_EQ(v, 64ull << 20);
	ASSERT_OK(cg_parse_size("1g", &v));
	ASSERT_EQ(v, 1ull << 30);
	ASSERT_OK(cg_parse_size("4096", &v));
	ASSERT_EQ(v, 4096);
	ASSERT_ERR(cg_parse_size("lots", &v));
	ASSERT_ERR(cg_parse_size("-1", &v));
	ASSERT_ERR(cg_parse_size("0", &v));
	ASSERT_OK(cg_parse_cpus("0.5", &v));
	ASSERT_EQ(v, 50000);
	ASSERT_OK(cg_parse_cpus("2", &v));
	ASSERT_EQ(v, 200000);
	ASSERT_ERR(cg_parse_cpus("0", &v));
	ASSERT_ERR(cg_parse_cpus("x", &v));
}

TEST(cache_roundtrip)
{
	_cleanup_(conf_freep) struct netconf *nc = NULL, *back = NULL;
	_cleanup_(cJSON_Deletep) cJSON *res = NULL, *entry = NULL, *all = NULL, *caps = NULL;
	const char *list =
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n1\",\"plugins\":[{\"type\":\"x\"}]}";
	const char *r = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\"}]}";
	const char *c = "{\"mac\":\"02:00:00:00:00:01\"}";
	struct cni_args args = {0};
	char path[600];

	ASSERT_TRUE(mkdtemp(dir));
	ASSERT_OK(conf_from_bytes(list, strlen(list), "t", &nc, NULL));
	ASSERT_OK(json_parse(r, strlen(r), "r", &res, NULL));
	ASSERT_OK(json_parse(c, strlen(c), "c", &caps, NULL));
	ASSERT_OK(cli_parse_cni_args("A=b", true, &args));
	struct rt_conf rt = {.container_id = "ctr1",
			     .netns = "/run/netns/x",
			     .ifname = "eth0",
			     .args = &args,
			     .cap_args = caps,
			     .cache_dir = dir};
	ASSERT_OK(cache_write(nc, &rt, res, NULL));
	snprintf(path, sizeof(path), "%s/results/n1-ctr1-eth0", dir);
	ASSERT_EQ(access(path, R_OK), 0);
	ASSERT_OK(cache_read(dir, "n1", "ctr1", "eth0", &entry, NULL));
	ASSERT_STREQ(cJSON_GetObjectItem(entry, "kind")->valuestring, "cniCacheV1");
	ASSERT_STREQ(cJSON_GetObjectItem(entry, "containerId")->valuestring, "ctr1");
	ASSERT_STREQ(cJSON_GetObjectItem(entry, "ifName")->valuestring, "eth0");
	ASSERT_STREQ(cJSON_GetObjectItem(entry, "networkName")->valuestring, "n1");
	ASSERT_STREQ(cJSON_GetObjectItem(entry, "netns")->valuestring, "/run/netns/x");
	const cJSON *pairs = cJSON_GetObjectItem(entry, "cniArgs");
	ASSERT_EQ(cJSON_GetArraySize(pairs), 2);
	ASSERT_STREQ(cJSON_GetArrayItem(cJSON_GetArrayItem(pairs, 1), 0)->valuestring, "A");
	ASSERT_TRUE(cJSON_GetObjectItem(cJSON_GetObjectItem(entry, "capabilityArgs"), "mac"));
	ASSERT_OK(cache_config(entry, &back, NULL));
	ASSERT_EQ(back->len, strlen(list));
	ASSERT_TRUE(memcmp(back->bytes, list, back->len) == 0);
	ASSERT_OK(cache_list(dir, &all, NULL));
	ASSERT_EQ(cJSON_GetArraySize(all), 1);
	ASSERT_OK(cache_remove(dir, "n1", "ctr1", "eth0"));
	ASSERT_OK(cache_remove(dir, "n1", "ctr1", "eth0"));
	cJSON *none = NULL;
	ASSERT_EQ(cache_read(dir, "n1", "ctr1", "eth0", &none, NULL), -ENOENT);
	cni_args_clear(&args);
}

TEST(state_roundtrip)
{
	_cleanup_(state_freep) struct state *back = NULL;
	struct state s = {0};
	struct state_net net = {.name = "n1", .ifname = "eth0", .config = "{\"x\":1}"};
	char **ids = NULL;

	s.id = "c1";
	s.name = "c1";
	s.status = "running";
	s.owner_pid = getpid();
	ASSERT_OK(proc_start_time(getpid(), &s.owner_start));
	s.netns = "/run/netns/c1";
	s.cache_dir = dir;
	s.cni_path = "/opt/cni/bin";
	s.attached = 1;
	s.nets = &net;
	s.n_nets = 1;
	s.cgroups = (char *[]){"/sys/fs/cgroup/memory/cnictl/c1", "/sys/fs/cgroup/pids/cnictl/c1",
			       NULL};
	s.cgroup_parent_owned = true;
	s.etc_dir = "/run/cnictl/c1.etc";
	ASSERT_OK(cli_parse_cni_args("K=v", true, &s.args));
	ASSERT_OK(state_write(dir, &s, NULL));
	cni_args_clear(&s.args);
	ASSERT_OK(state_read(dir, "c1", &back, NULL));
	ASSERT_STREQ(back->status, "running");
	ASSERT_STREQ(back->nets[0].config, "{\"x\":1}");
	ASSERT_EQ(back->attached, 1);
	ASSERT_EQ(back->args.n, 2);
	ASSERT_STREQ(back->cgroups[0], "/sys/fs/cgroup/memory/cnictl/c1");
	ASSERT_STREQ(back->cgroups[1], "/sys/fs/cgroup/pids/cnictl/c1");
	ASSERT_TRUE(back->cgroups[2] == NULL);
	ASSERT_TRUE(back->cgroup_parent_owned);
	ASSERT_STREQ(back->etc_dir, "/run/cnictl/c1.etc");
	ASSERT_TRUE(state_owner_alive(back));
	back->owner_start++;
	ASSERT_FALSE(state_owner_alive(back)); /* PID reuse is detected by the start time */
	ASSERT_OK(state_list_ids(dir, &ids, NULL));
	ASSERT_STREQ(ids[0], "c1");
	ASSERT_TRUE(ids[1] == NULL);
	free(ids[0]);
	free(ids);
	struct state *none = NULL;
	struct cni_error err = {0};
	ASSERT_ERR(state_read(dir, "nope", &none, &err));
	ASSERT_EQ(err.code, 3);
	ASSERT_ERR(state_read(dir, "../etc", &none, NULL));
	ASSERT_OK(state_remove(dir, "c1"));
}

/* Records written before "cgroups" named one v2 directory as "cgroup". */
TEST(state_older_cgroup_key)
{
	_cleanup_(state_freep) struct state *back = NULL;
	char path[600];
	snprintf(path, sizeof(path), "%s/old.json", dir);
	FILE *f = fopen(path, "we");
	ASSERT_TRUE(f != NULL);
	fprintf(f, "{\"id\":\"old\",\"cacheDir\":\"/c\",\"cniPath\":\"/p\","
		   "\"cgroup\":\"/sys/fs/cgroup/cnictl/old\",\"networks\":[]}");
	fclose(f);
	ASSERT_OK(state_read(dir, "old", &back, NULL));
	ASSERT_STREQ(back->cgroups[0], "/sys/fs/cgroup/cnictl/old");
	ASSERT_TRUE(back->cgroups[1] == NULL);
	ASSERT_FALSE(back->cgroup_parent_owned);
	ASSERT_OK(state_remove(dir, "old"));
}

TEST(cleanup_dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

TAP_MAIN
