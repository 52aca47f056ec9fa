/* Error objects, strict JSON parsing and the error JSON each failure kind produces. */
#include "cni_error.h"
#include "json.h"
#include "../tap.h"

TEST(first_error_wins)
{
	struct cni_error err = {0};
	ASSERT_EQ(cni_error_set(&err, CNI_ERR_CONFIG, EINVAL, NULL, "bad %s", "x"), -EINVAL);
	ASSERT_EQ(cni_error_set(&err, CNI_ERR_INTERNAL, ENOENT, NULL, "later"), -ENOENT);
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_STREQ(err.msg, "bad x");
	ASSERT_STREQ(err.details, ""); /* input errors carry no errno noise */
	ASSERT_EQ(cni_error_set(NULL, 7, 0, NULL, "no err"), -EINVAL);
}

TEST(system_error_details)
{
	struct cni_error err = {0};
	cni_error_set(&err, CNI_ERR_INTERNAL, -EEXIST, NULL, "create veth '%s'", "veth1");
	ASSERT_EQ(err.sys_errno, EEXIST);
	ASSERT_STREQ(err.details, "EEXIST: File exists");
	cni_error_add_details(&err, "kernel says %s", "no");
	ASSERT_STREQ(err.details, "EEXIST: File exists: kernel says no");
	cni_error_prefix(&err, "bridge %s", "cni0");
	ASSERT_STREQ(err.msg, "bridge cni0: create veth 'veth1'");
	ASSERT_STREQ(errno_name(ENODEV), "ENODEV");
	ASSERT_STREQ(errno_name(-EADDRNOTAVAIL), "EADDRNOTAVAIL");
}

TEST(error_json_shape)
{
	struct cni_error err = {0};
	cni_error_set(&err, CNI_ERR_TRY_AGAIN, EAGAIN, "lock busy", "timed out waiting for lock");
	char *s = cni_error_to_json(&err, "1.0.0");
	cJSON *j = cJSON_Parse(s);
	ASSERT_TRUE(j != NULL);
	ASSERT_STREQ(cJSON_GetObjectItem(j, "cniVersion")->valuestring, "1.0.0");
	ASSERT_EQ(cJSON_GetObjectItem(j, "code")->valueint, 11);
	ASSERT_STREQ(cJSON_GetObjectItem(j, "msg")->valuestring, "timed out waiting for lock");
	ASSERT_STREQ(cJSON_GetObjectItem(j, "details")->valuestring, "lock busy");
	cJSON_Delete(j);
	free(s);
	/* No version known yet, an unset code becomes 999, empty details are omitted. */
	struct cni_error empty = {0};
	s = cni_error_to_json(&empty, NULL);
	j = cJSON_Parse(s);
	ASSERT_FALSE(cJSON_HasObjectItem(j, "cniVersion"));
	ASSERT_FALSE(cJSON_HasObjectItem(j, "details"));
	ASSERT_EQ(cJSON_GetObjectItem(j, "code")->valueint, 999);
	cJSON_Delete(j);
	free(s);
}

TEST(long_messages_truncate_safely)
{
	struct cni_error err = {0};
	char big[4000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cni_error_set(&err, 7, 0, big, "%s", big);
	ASSERT_EQ(strlen(err.msg), sizeof(err.msg) - 1);
	ASSERT_EQ(strlen(err.details), sizeof(err.details) - 1);
	cni_error_prefix(&err, "ctx");
	ASSERT_EQ(strncmp(err.msg, "ctx: aaa", 8), 0);
	cni_error_add_details(&err, "more");
	ASSERT_EQ(strlen(err.details), sizeof(err.details) - 1);
}

static int parse(const char *s, struct cni_error *err)
{
	cJSON *j = NULL;
	int r = json_parse(s, strlen(s), "config", &j, err);
	cJSON_Delete(j);
	return r;
}

TEST(strict_json)
{
	struct cni_error err = {0};
	ASSERT_OK(parse("{\"a\": {\"b\": [1, 2]}}\n", NULL));
	ASSERT_ERR(parse("{\"a\": 1, \"a\": 2}", &err));
	ASSERT_EQ(err.code, CNI_ERR_DECODE);
	ASSERT_CONTAINS(err.msg, "duplicate key \"a\"");
	ASSERT_OK(parse("[{\"a\": 1}, {\"a\": 2}]", NULL)); /* same key in different objects */
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(parse("{} {}", &err));
	ASSERT_CONTAINS(err.msg, "trailing data");
	ASSERT_ERR(parse("", NULL));
	ASSERT_ERR(parse("{\"a\":", NULL));
	char deep[400];
	size_t k = 0;
	for (int i = 0; i < 100; i++)
		deep[k++] = '[';
	for (int i = 0; i < 100; i++)
		deep[k++] = ']';
	deep[k] = '\0';
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(parse(deep, &err));
	ASSERT_CONTAINS(err.msg, "nesting");
	cJSON *j = NULL;
	ASSERT_ERR(json_parse("{}\0{}", 5, "x", &j, NULL));
}

TEST(typed_getters)
{
	cJSON *j = cJSON_Parse(
		"{\"s\":\"x\",\"b\":true,\"n\":1500,\"f\":1.5,\"o\":{},\"a\":[],\"z\":null}");
	struct cni_error err = {0};
	const char *s = NULL;
	bool b = false;
	int64_t n = 0;
	const cJSON *o = NULL;
	ASSERT_OK(json_get_string(j, NULL, "s", true, &s, NULL));
	ASSERT_STREQ(s, "x");
	ASSERT_OK(json_get_bool(j, NULL, "b", false, &b, NULL));
	ASSERT_TRUE(b);
	ASSERT_OK(json_get_int(j, NULL, "n", false, 0, 65535, &n, NULL));
	ASSERT_EQ(n, 1500);
	ASSERT_ERR(json_get_int(j, NULL, "n", false, 0, 1000, &n, &err));
	ASSERT_EQ(err.code, CNI_ERR_CONFIG);
	ASSERT_ERR(json_get_int(j, NULL, "f", false, 0, 10, &n, NULL));
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(json_get_string(j, "ipam", "b", false, &s, &err));
	ASSERT_STREQ(err.msg, "key ipam.b: expected string, got bool");
	ASSERT_OK(json_get_object(j, NULL, "o", true, &o, NULL));
	ASSERT_OK(json_get_array(j, NULL, "a", true, &o, NULL));
	s = "unchanged";
	ASSERT_OK(json_get_string(j, NULL, "missing", false, &s, NULL));
	ASSERT_STREQ(s, "unchanged");
	ASSERT_OK(json_get_string(j, NULL, "z", false, &s, NULL)); /* null = absent */
	memset(&err, 0, sizeof(err));
	ASSERT_ERR(json_get_string(j, NULL, "missing", true, &s, &err));
	ASSERT_STREQ(err.msg, "missing key missing");
	cJSON_Delete(j);
}

TAP_MAIN
