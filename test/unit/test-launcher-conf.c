/* Launcher configuration handling: libcni lookup rules, version selection, request config
 * derivation, capability filtering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "json.h"
#include "runtime.h"
#include "../tap.h"

static char dir[] = "/tmp/test-launcher-conf.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static struct netconf *parse(const char *text)
{
	struct netconf *nc = NULL;
	if (conf_from_bytes(text, strlen(text), "test", &nc, NULL) < 0)
		return NULL;
	return nc;
}

TEST(conflist_basic)
{
	_cleanup_(conf_freep) struct netconf *nc = parse(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"n1\",\"plugins\":[{\"type\":\"bridge\"}]}");
	ASSERT_TRUE(nc);
	ASSERT_STREQ(nc->name, "n1");
	ASSERT_STREQ(nc->version, "0.4.0");
	ASSERT_FALSE(nc->disable_check);
	ASSERT_EQ(cJSON_GetArraySize(nc->plugins), 1);
}

TEST(conflist_errors)
{
	struct netconf *nc = NULL;
	struct cni_error err = {0};
	const char *no_plugins = "{\"name\":\"n\"}";
	ASSERT_ERR(conf_from_bytes(no_plugins, strlen(no_plugins), "x", &nc, &err));
	ASSERT_CONTAINS(err.msg, "no 'plugins' key");
	err = (struct cni_error){0};
	const char *empty = "{\"name\":\"n\",\"plugins\":[]}";
	ASSERT_ERR(conf_from_bytes(empty, strlen(empty), "x", &nc, &err));
	ASSERT_CONTAINS(err.msg, "no plugins in list");
	err = (struct cni_error){0};
	const char *notype = "{\"name\":\"n\",\"plugins\":[{}]}";
	ASSERT_ERR(conf_from_bytes(notype, strlen(notype), "x", &nc, &err));
	ASSERT_EQ(err.code, 7);
	err = (struct cni_error){0};
	const char *badname = "{\"name\":\"a/b\",\"plugins\":[{\"type\":\"x\"}]}";
	ASSERT_ERR(conf_from_bytes(badname, strlen(badname), "x", &nc, &err));
	ASSERT_EQ(err.code, 7);
}

TEST(cni_versions_pick_highest_supported)
{
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"cniVersion\":\"0.3.1\",\"cniVersions\":[\"1.0.0\",\"9.9.9\",\"0.4.0\"],"
		      "\"name\":\"n\",\"plugins\":[{\"type\":\"x\"}]}");
	ASSERT_TRUE(nc);
	ASSERT_STREQ(nc->version, "1.0.0");
}

TEST(disable_flags_accept_strings)
{
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"name\":\"n\",\"disableCheck\":\"true\",\"disableGC\":true,"
		      "\"plugins\":[{\"type\":\"x\"}]}");
	ASSERT_TRUE(nc);
	ASSERT_TRUE(nc->disable_check);
	ASSERT_TRUE(nc->disable_gc);
}

TEST(version_compare)
{
	ASSERT_TRUE(conf_version_at_least("1.1.0", "1.1.0"));
	ASSERT_TRUE(conf_version_at_least("1.0.0", "0.4.0"));
	ASSERT_FALSE(conf_version_at_least("0.3.1", "0.4.0"));
	ASSERT_FALSE(conf_version_at_least("", "0.4.0"));
	ASSERT_FALSE(conf_version_at_least(NULL, "0.2.0"));
}

TEST(load_lookup_order)
{
	_cleanup_(conf_freep) struct netconf *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct cni_error err = {0};

	ASSERT_TRUE(mkdtemp(dir));
	put("20-b.conflist",
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"second\"}]}");
	put("10-a.conflist",
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"first\"}]}");
	put("05-single.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"net\",\"type\":\"single\"}");
	put("06-only.json",
	    "{\"cniVersion\":\"0.3.1\",\"name\":\"only\",\"type\":\"solo\",\"k\":1}");
	ASSERT_OK(conf_load(dir, "net", NULL, &a, &err));
	/* conflists first, sorted by file name */
	ASSERT_STREQ(cJSON_GetArrayItem(a->plugins, 0)->child->valuestring, "first");
	ASSERT_OK(conf_load(dir, "only", NULL, &b, &err));
	ASSERT_STREQ(b->version, "0.3.1");
	ASSERT_STREQ(b->name, "only");
	ASSERT_STREQ(cJSON_GetObjectItem(cJSON_GetArrayItem(b->plugins, 0), "type")->valuestring,
		     "solo");
	/* the cached bytes are the upconverted list */
	ASSERT_CONTAINS(b->bytes, "\"plugins\"");
	ASSERT_OK(conf_load(dir, CONF_DEFAULT_NAME, NULL, &c, &err));
	ASSERT_STREQ(c->source, "(built-in)");
	ASSERT_TRUE(conf_has_cap(c, "ips"));
	ASSERT_FALSE(conf_has_cap(c, "portMappings"));
	ASSERT_ERR(conf_load(dir, "missing", NULL, &d, &err));
	ASSERT_CONTAINS(err.msg, "no net configuration with name \"missing\"");
}

TEST(load_dir_plugins_appended)
{
	_cleanup_(conf_freep) struct netconf *nc = NULL;
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/net", dir);
	mkdir(sub, 0755);
	put("net/50-extra.conf", "{\"type\":\"extra\"}");
	ASSERT_OK(conf_load(dir, "net", NULL, &nc, NULL));
	ASSERT_EQ(cJSON_GetArraySize(nc->plugins), 2);
	ASSERT_CONTAINS(nc->bytes, "extra");
}

TEST(empty_dir_messages)
{
	_cleanup_(conf_freep) struct netconf *nc = NULL;
	struct cni_error err = {0};
	ASSERT_ERR(conf_load("/nonexistent-dir", "x", NULL, &nc, &err));
	ASSERT_CONTAINS(err.msg, "no net configurations found");
	ASSERT_OK(conf_load("/nonexistent-dir", CONF_DEFAULT_NAME, NULL, &nc, &err));
}

TEST(names_listing)
{
	char **names = NULL;
	ASSERT_OK(conf_list_names(dir, &names, NULL));
	size_t n = 0;
	bool net = false, only = false, def = false;
	for (; names[n]; n++) {
		net |= strcmp(names[n], "net") == 0;
		only |= strcmp(names[n], "only") == 0;
		def |= strcmp(names[n], CONF_DEFAULT_NAME) == 0;
	}
	conf_names_free(names);
	ASSERT_EQ(n, 3);
	ASSERT_TRUE(net && only && def);
}

TEST(request_config_injection)
{
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\","
		      "\"name\":\"wrong\",\"cniVersion\":\"0.1.0\",\"capabilities\":{\"ips\":true,"
		      "\"mac\":false},\"runtimeConfig\":{\"old\":1}}]}");
	_cleanup_(cJSON_Deletep) cJSON *caps = NULL, *prev = NULL, *conf = NULL;
	const char *c = "{\"ips\":[\"10.0.0.5/24\"],\"mac\":\"02:00:00:00:00:01\",\"other\":1}";
	const char *p = "{\"cniVersion\":\"1.0.0\",\"ips\":[]}";
	ASSERT_TRUE(nc);
	ASSERT_OK(json_parse(c, strlen(c), "caps", &caps, NULL));
	ASSERT_OK(json_parse(p, strlen(p), "prev", &prev, NULL));
	ASSERT_OK(rt_build_config(nc, cJSON_GetArrayItem(nc->plugins, 0), prev, caps, &conf, NULL));
	ASSERT_STREQ(cJSON_GetObjectItem(conf, "name")->valuestring, "n");
	ASSERT_STREQ(cJSON_GetObjectItem(conf, "cniVersion")->valuestring, "1.0.0");
	ASSERT_FALSE(cJSON_GetObjectItem(conf, "capabilities"));
	ASSERT_TRUE(cJSON_GetObjectItem(conf, "prevResult"));
	const cJSON *rc = cJSON_GetObjectItem(conf, "runtimeConfig");
	ASSERT_TRUE(cJSON_GetObjectItem(rc, "ips"));
	ASSERT_FALSE(cJSON_GetObjectItem(rc, "mac"));	/* declared false */
	ASSERT_FALSE(cJSON_GetObjectItem(rc, "other")); /* not declared */
	ASSERT_FALSE(cJSON_GetObjectItem(rc, "old"));	/* replaced, as libcni does */
	/* the plugin object itself is untouched */
	ASSERT_TRUE(cJSON_GetObjectItem(cJSON_GetArrayItem(nc->plugins, 0), "capabilities"));
}

TEST(request_config_keeps_runtime_config_without_caps)
{
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"x\","
		      "\"runtimeConfig\":{\"keep\":1}}]}");
	_cleanup_(cJSON_Deletep) cJSON *conf = NULL;
	ASSERT_TRUE(nc);
	ASSERT_OK(rt_build_config(nc, cJSON_GetArrayItem(nc->plugins, 0), NULL, NULL, &conf, NULL));
	ASSERT_TRUE(cJSON_GetObjectItem(cJSON_GetObjectItem(conf, "runtimeConfig"), "keep"));
	ASSERT_FALSE(cJSON_GetObjectItem(conf, "prevResult"));
}

/* The keys of an object, in order, joined by ','. */
static const char *keys(const cJSON *o)
{
	static char buf[512];
	size_t n = 0;
	buf[0] = '\0';
	for (const cJSON *c = o ? o->child : NULL; c && n < sizeof(buf) - 1; c = c->next)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", c->string);
	return buf;
}

/* libcni NetworkConfFromBytes reads the list from a map[string]interface{}: exact keys. */
TEST(list_keys_are_exact)
{
	static const struct {
		const char *json, *needle;
	} bad[] = {
		{"{\"Name\":\"n\",\"plugins\":[{\"type\":\"x\"}]}", "no name"},
		{"{\"name\":\"n\",\"Plugins\":[{\"type\":\"x\"}]}", "no 'plugins' key"},
		{"{\"name\":null,\"plugins\":[{\"type\":\"x\"}]}", "\"name\": expected string"},
		{"{\"name\":\"n\",\"plugins\":null}", "\"plugins\": expected array"},
		{"{\"name\":\"n\",\"cniVersion\":1,\"plugins\":[{\"type\":\"x\"}]}", "cniVersion"},
		{"{\"name\":\"n\",\"disableCheck\":null,\"plugins\":[{\"type\":\"x\"}]}",
		 "disableCheck"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct netconf *nc = NULL;
		struct cni_error err = {0};
		ASSERT_ERR(conf_from_bytes(bad[i].json, strlen(bad[i].json), "x", &nc, &err));
		ASSERT_EQ(err.code, 7);
		ASSERT_CONTAINS(err.msg, bad[i].needle);
	}
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"name\":\"n\",\"CNIVersion\":\"1.0.0\",\"DisableCheck\":true,"
		      "\"plugins\":[{\"type\":\"x\"}]}");
	ASSERT_TRUE(nc);
	ASSERT_STREQ(nc->version, "");
	ASSERT_FALSE(nc->disable_check);
}

/* Plugin objects are decoded into types.PluginConf (any case); libcni re-marshals each from a
 * map first, so keys come in byte order and that order picks among spellings. */
TEST(plugin_keys_fold_after_sorting)
{
	_cleanup_(conf_freep) struct netconf *nc =
		parse("{\"name\":\"n\",\"plugins\":[{\"Type\":\"bridge\",\"ipMasq\":true,"
		      "\"IPMasq\":false,\"Capabilities\":{\"ips\":true,\"MAC\":true},"
		      "\"ipam\":{\"type\":\"host-local\",\"Subnet\":\"s\"}}]}");
	const cJSON *p;
	ASSERT_TRUE(nc);
	p = cJSON_GetArrayItem(nc->plugins, 0);
	ASSERT_STREQ(keys(p), "Capabilities,IPMasq,Type,ipMasq,ipam");
	ASSERT_STREQ(keys(json_field(p, "ipam")), "Subnet,type");
	ASSERT_TRUE(cJSON_IsTrue(json_field(p, "ipMasq"))); /* "ipMasq" sorts last */
	/* capability names are map keys: exact */
	ASSERT_TRUE(conf_plugin_has_cap(p, "ips"));
	ASSERT_TRUE(conf_plugin_has_cap(p, "MAC"));
	ASSERT_FALSE(conf_plugin_has_cap(p, "mac"));
	ASSERT_FALSE(conf_plugin_has_cap(p, "IPs"));
	struct netconf *bad = NULL;
	const char *notype = "{\"name\":\"n\",\"plugins\":[{\"type_\":\"x\"}]}";
	ASSERT_ERR(conf_from_bytes(notype, strlen(notype), "x", &bad, NULL));
}

/* InjectConf sets exactly "name", "cniVersion", "prevResult", "runtimeConfig" in a map and
 * re-marshals it: other spellings stay, and the plugin's decoder then takes whichever sorts
 * last. capabilities goes in every spelling (SPEC.md: must not be set). */
TEST(request_config_injection_other_spellings)
{
	_cleanup_(conf_freep) struct netconf *nc = parse(
		"{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"x\","
		"\"Name\":\"wrong\",\"CNIVersion\":\"0.1.0\",\"RuntimeConfig\":{\"old\":1},"
		"\"runtimeconfig\":{\"older\":1},\"PrevResult\":{},\"Capabilities\":{\"ips\":true},"
		"\"CAPABILITIES\":{}}]}");
	_cleanup_(cJSON_Deletep) cJSON *caps = NULL, *prev = NULL, *conf = NULL;
	const char *c = "{\"ips\":[\"10.0.0.5/24\"],\"IPs\":[\"10.0.0.6/24\"]}";
	const char *p = "{\"cniVersion\":\"1.0.0\"}";
	ASSERT_TRUE(nc);
	ASSERT_OK(json_parse(c, strlen(c), "caps", &caps, NULL));
	ASSERT_OK(json_parse(p, strlen(p), "prev", &prev, NULL));
	/* "Capabilities" sorts after "CAPABILITIES": {"ips": true} is the one declared */
	ASSERT_OK(rt_build_config(nc, cJSON_GetArrayItem(nc->plugins, 0), prev, caps, &conf, NULL));
	ASSERT_STREQ(keys(conf), "CNIVersion,Name,PrevResult,RuntimeConfig,cniVersion,name,"
				 "prevResult,runtimeConfig,runtimeconfig,type");
	ASSERT_STREQ(json_field(conf, "name")->valuestring, "n");
	ASSERT_STREQ(json_field(conf, "cniVersion")->valuestring, "1.0.0");
	ASSERT_TRUE(json_map_get(json_field(conf, "prevResult"), "cniVersion"));
	const cJSON *rc = json_map_get(conf, "runtimeConfig");
	ASSERT_STREQ(keys(rc), "ips");
	ASSERT_STREQ(cJSON_GetArrayItem(json_map_get(rc, "ips"), 0)->valuestring, "10.0.0.5/24");
	/* as with libcni, the plugin reads the stale "runtimeconfig": it sorts after */
	ASSERT_TRUE(json_map_get(json_field(conf, "runtimeConfig"), "older"));
	ASSERT_FALSE(json_field(conf, "capabilities"));
}

TEST(cleanup_dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

TAP_MAIN
