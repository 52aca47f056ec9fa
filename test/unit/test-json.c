/* Key lookup as Go's encoding/json does it (lib/json.c): struct fields match exactly or under
 * Go's case folding, the last matching key wins; map keys match exactly; key order after a
 * round trip through a Go map. */
#include <string.h>

#include "json.h"
#include "../tap.h"

static cJSON *parse(const char *s)
{
	cJSON *j = NULL;
	if (json_parse(s, strlen(s), "test", &j, NULL) < 0)
		return NULL;
	return j;
}

/* The value of json_field(json, name) as a string, or NULL when nothing matches. */
static const char *field(const char *json, const char *name)
{
	static cJSON *j;
	cJSON_Delete(j);
	j = parse(json);
	const cJSON *v = json_field(j, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The keys of an object, in order, joined by ','. */
static const char *keys(const cJSON *o)
{
	static char buf[256];
	size_t n = 0;
	buf[0] = '\0';
	for (const cJSON *c = o ? o->child : NULL; c && n < sizeof(buf) - 1; c = c->next)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", c->string);
	return buf;
}

TEST(exact_and_ascii_case)
{
	ASSERT_STREQ(field("{\"ipMasq\":\"exact\"}", "ipMasq"), "exact");
	ASSERT_STREQ(field("{\"IPMASQ\":\"upper\"}", "ipMasq"), "upper");
	ASSERT_STREQ(field("{\"ipmasq\":\"lower\"}", "ipMasq"), "lower");
	ASSERT_STREQ(field("{\"IpMaSq\":\"mixed\"}", "ipMasq"), "mixed");
	ASSERT_STREQ(field("{\"RuntimeConfig\":\"r\"}", "runtimeConfig"), "r");
	ASSERT_STREQ(field("{\"CNIVersion\":\"1.0.0\"}", "cniVersion"), "1.0.0");
	/* non-letters compare as they are */
	ASSERT_STREQ(field("{\"CNI.DEV/VALID-ATTACHMENTS\":\"v\"}", "cni.dev/valid-attachments"),
		     "v");
}

TEST(kelvin_sign_and_long_s)
{
	/* U+212A KELVIN SIGN folds to k, U+017F LATIN SMALL LETTER LONG S to s (Go fold.go) */
	ASSERT_STREQ(field("{\"macspoofch\\u212a\":\"kelvin\"}", "macspoofchk"), "kelvin");
	ASSERT_STREQ(field("{\"\\u212aind\":\"kelvin\"}", "kind"), "kelvin");
	ASSERT_STREQ(field("{\"ipMa\\u017fq\":\"long s\"}", "ipMasq"), "long s");
	ASSERT_STREQ(field("{\"\\u017fUBNET\":\"long s\"}", "subnet"), "long s");
	ASSERT_STREQ(field("{\"mac\\u017fpoofch\\u212a\":\"both\"}", "macspoofchk"), "both");
	/* ...but only for those letters */
	ASSERT_TRUE(field("{\"\\u212apMasq\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{\"ipMa\\u017f\\u017f\":\"x\"}", "ipMasq") == NULL);
	/* dotted/dotless i have no simple case folding to i in Go: no match */
	ASSERT_TRUE(field("{\"\\u0130sGateway\":\"x\"}", "isGateway") == NULL);
	ASSERT_TRUE(field("{\"\\u0131sGateway\":\"x\"}", "isGateway") == NULL);
	/* other non-ASCII, and a truncated KELVIN SIGN */
	ASSERT_TRUE(field("{\"ipM\\u00e4sq\":\"x\"}", "ipMasq") == NULL);
	_cleanup_(cJSON_Deletep) cJSON *cut = parse("{\"macspoofch\xe2\x84\":\"x\"}");
	ASSERT_TRUE(cut);
	ASSERT_TRUE(json_field(cut, "macspoofchk") == NULL);
}

TEST(other_keys_do_not_match)
{
	ASSERT_TRUE(field("{\"ip_masq\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{\"ipMasqq\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{\"ipMas\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{\" ipMasq\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{\"\":\"x\"}", "ipMasq") == NULL);
	ASSERT_TRUE(field("{}", "ipMasq") == NULL);
	ASSERT_TRUE(field("[\"ipMasq\"]", "ipMasq") == NULL);
	ASSERT_TRUE(json_field(NULL, "ipMasq") == NULL);
}

TEST(last_match_wins)
{
	ASSERT_STREQ(field("{\"ipMasq\":\"a\",\"IPMASQ\":\"b\"}", "ipMasq"), "b");
	ASSERT_STREQ(field("{\"IPMASQ\":\"a\",\"ipMasq\":\"b\"}", "ipMasq"), "b");
	ASSERT_STREQ(field("{\"ipmasq\":\"a\",\"ipMasq\":\"b\",\"IpMa\\u017fq\":\"c\",\"x\":1}",
			   "ipMasq"),
		     "c");
	/* the typed getters read the same member */
	_cleanup_(cJSON_Deletep) cJSON *j = parse("{\"isGateway\":true,\"IsGateway\":false}");
	bool b = true;
	ASSERT_OK(json_get_bool(j, NULL, "isGateway", true, &b, NULL));
	ASSERT_FALSE(b);
}

TEST(typed_getters_fold)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse(
		"{\"IsGateway\":true,\"MTU\":1400,\"Bridge\":\"br1\",\"IPAM\":{\"Type\":\"t\"},"
		"\"VlanTrunk\":[],\"ip_masq\":true}");
	const cJSON *ipam = NULL, *trunk = NULL;
	const char *s = NULL;
	int64_t n = 0;
	bool b = false;

	ASSERT_TRUE(j);
	ASSERT_OK(json_get_bool(j, NULL, "isGateway", true, &b, NULL));
	ASSERT_TRUE(b);
	ASSERT_OK(json_get_int(j, NULL, "mtu", true, 0, 65535, &n, NULL));
	ASSERT_EQ(n, 1400);
	ASSERT_OK(json_get_string(j, NULL, "bridge", true, &s, NULL));
	ASSERT_STREQ(s, "br1");
	ASSERT_OK(json_get_object(j, NULL, "ipam", true, &ipam, NULL));
	ASSERT_OK(json_get_string(ipam, "ipam", "type", true, &s, NULL));
	ASSERT_STREQ(s, "t");
	ASSERT_OK(json_get_array(j, NULL, "vlanTrunk", true, &trunk, NULL));
	ASSERT_TRUE(trunk);
	/* "ip_masq" is another key: ipMasq stays unset */
	b = false;
	ASSERT_OK(json_get_bool(j, NULL, "ipMasq", false, &b, NULL));
	ASSERT_FALSE(b);
	ASSERT_FALSE(json_has_field(j, "ipMasq"));
}

TEST(errors_name_the_key_as_written)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse("{\"IsGateway\":\"yes\",\"MTU\":1.5}");
	struct cni_error err = {0};
	int64_t n;
	bool b;

	ASSERT_ERR(json_get_bool(j, NULL, "isGateway", false, &b, &err));
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_STREQ(err.msg, "key IsGateway: expected bool, got string");
	err = (struct cni_error){0};
	ASSERT_ERR(json_get_int(j, "x", "mtu", false, 0, 10, &n, &err));
	ASSERT_CONTAINS(err.msg, "key x.MTU: 1.5");
	err = (struct cni_error){0};
	ASSERT_ERR(json_get_int(j, NULL, "vlan", true, 0, 10, &n, &err));
	ASSERT_STREQ(err.msg, "missing key vlan");
}

TEST(null_is_absent)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse("{\"ID\":null,\"minID\":1}");
	ASSERT_TRUE(json_field(j, "id"));
	ASSERT_FALSE(json_has_field(j, "id"));
	ASSERT_TRUE(json_has_field(j, "MINID"));
}

TEST(exact_duplicates_still_refused)
{
	cJSON *j = NULL;
	struct cni_error err = {0};
	const char *dup = "{\"ipMasq\":true,\"ipMasq\":false}";
	ASSERT_ERR(json_parse(dup, strlen(dup), "x", &j, &err));
	ASSERT_CONTAINS(err.msg, "duplicate key");
	const char *folded = "{\"ipMasq\":true,\"IPMasq\":false}";
	ASSERT_OK(json_parse(folded, strlen(folded), "x", &j, NULL));
	cJSON_Delete(j);
}

TEST(map_keys_are_exact)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse("{\"Name\":\"a\",\"ips\":[1]}");
	ASSERT_TRUE(json_map_get(j, "name") == NULL);
	ASSERT_STREQ(json_map_get(j, "Name")->valuestring, "a");
	ASSERT_TRUE(json_map_get(j, "IPs") == NULL);
	ASSERT_TRUE(json_map_get(NULL, "ips") == NULL);
	/* m[k] = v replaces only k itself */
	ASSERT_OK(json_map_set(j, "name", cJSON_CreateString("b")));
	ASSERT_OK(json_map_set(j, "ips", cJSON_CreateString("c")));
	ASSERT_STREQ(keys(j), "Name,name,ips");
	ASSERT_STREQ(json_map_get(j, "ips")->valuestring, "c");
	ASSERT_EQ(json_map_set(j, "x", NULL), -ENOMEM);
}

TEST(remove_field_takes_every_spelling)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse(
		"{\"capabilities\":{},\"a\":1,\"Capabilities\":{},\"CAPABILITIE\\u017f\":1,\"b\":2,"
		"\"capabilitiesX\":3}");
	json_remove_field(j, "capabilities");
	ASSERT_STREQ(keys(j), "a,b,capabilitiesX");
	json_remove_field(j, "a");
	json_remove_field(j, "b");
	json_remove_field(j, "capabilitiesX");
	ASSERT_STREQ(keys(j), "");
	ASSERT_TRUE(j->child == NULL);
}

TEST(sort_keys_like_a_go_map)
{
	_cleanup_(cJSON_Deletep) cJSON *j = parse(
		"{\"type\":\"x\",\"runtimeconfig\":1,\"RuntimeConfig\":2,\"runtimeConfig\":3,"
		"\"ipam\":{\"z\":1,\"Subnet\":2,\"a\":[{\"y\":1,\"b\":2}]},\"\\u212a\":0,\"K\":0}");
	ASSERT_OK(json_sort_keys(j));
	/* byte order: upper case before lower case, UTF-8 after ASCII */
	ASSERT_STREQ(keys(j), "K,RuntimeConfig,ipam,runtimeConfig,runtimeconfig,type,\xe2\x84\xaa");
	const cJSON *ipam = json_field(j, "ipam");
	ASSERT_STREQ(keys(ipam), "Subnet,a,z");
	ASSERT_STREQ(keys(cJSON_GetArrayItem(json_field(ipam, "a"), 0)), "b,y");
	/* so after a Go map round trip, "runtimeconfig" is the one a struct decodes */
	ASSERT_EQ(json_field(j, "runtimeConfig")->valueint, 1);
	/* the list is still well formed: appending and counting work */
	ASSERT_TRUE(cJSON_AddNumberToObject(j, "zz", 9));
	ASSERT_EQ(cJSON_GetArraySize(j), 8);
	ASSERT_STREQ(keys(j),
		     "K,RuntimeConfig,ipam,runtimeConfig,runtimeconfig,type,\xe2\x84\xaa,zz");
	ASSERT_TRUE(j->child->prev == cJSON_GetArrayItem(j, 7));
	cJSON *one = parse("{\"a\":[3,2,1]}");
	ASSERT_OK(json_sort_keys(one));
	ASSERT_EQ(cJSON_GetArrayItem(json_field(one, "a"), 0)->valueint, 3); /* arrays keep order */
	cJSON_Delete(one);
	ASSERT_OK(json_sort_keys(NULL));
}

TAP_MAIN
