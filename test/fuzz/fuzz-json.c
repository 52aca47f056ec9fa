/* Fuzz json_parse, the key lookups and the typed getters: never crash, and whatever parses
 * prints back to JSON that parses again to the same text. */
#include <string.h>

#include "json.h"

#define FUZZ_NAME "json"
#include "fuzz.h"

static void poke_getters(const cJSON *obj)
{
	struct cni_error err = {0};
	const char *s = NULL;
	const cJSON *o = NULL;
	bool b;
	int64_t i;

	/* Every getter on every key the plugins read, with and without `required`. */
	static const char *const keys[] = {"cniVersion", "name",      "type",	"ipam",
					   "bridge",	 "mtu",	      "ranges", "subnet",
					   "vlan",	 "isGateway", "args",	""};
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		for (int req = 0; req < 2; req++) {
			memset(&err, 0, sizeof(err));
			json_get_string(obj, "x", keys[k], req, &s, &err);
			memset(&err, 0, sizeof(err));
			json_get_bool(obj, NULL, keys[k], req, &b, &err);
			memset(&err, 0, sizeof(err));
			json_get_int(obj, "x", keys[k], req, -5, 4094, &i, &err);
			memset(&err, 0, sizeof(err));
			json_get_int(obj, NULL, keys[k], req, INT64_MIN, INT64_MAX, &i, &err);
			memset(&err, 0, sizeof(err));
			json_get_object(obj, "x", keys[k], req, &o, &err);
			memset(&err, 0, sizeof(err));
			json_get_array(obj, "x", keys[k], req, &o, &err);
		}
	}
	FUZZ_ASSERT(json_type_name(obj) != NULL);
}

/* After json_sort_keys: every object's keys in byte order, nothing lost, a sound list. */
static void check_sorted(const cJSON *item)
{
	size_t n = 0;
	const cJSON *last = NULL;

	for (const cJSON *c = item->child; c; c = c->next, n++) {
		if (cJSON_IsObject(item) && last)
			FUZZ_ASSERT(strcmp(last->string, c->string) <= 0);
		check_sorted(c);
		last = c;
	}
	FUZZ_ASSERT(n == (size_t)cJSON_GetArraySize(item));
	FUZZ_ASSERT(!item->child || item->child->prev == last);
}

/* Key lookup: a key always finds a member (itself or a later spelling), and once every
 * spelling is removed none is found. */
static void poke_keys(const cJSON *root)
{
	_cleanup_(cJSON_Deletep) cJSON *sorted = json_dup(root), *cut = json_dup(root);

	FUZZ_ASSERT(sorted && cut);
	FUZZ_ASSERT(json_sort_keys(sorted) == 0);
	check_sorted(sorted);
	if (!cJSON_IsObject(root))
		return;
	for (const cJSON *c = root->child; c; c = c->next) {
		FUZZ_ASSERT(json_field(root, c->string) != NULL);
		FUZZ_ASSERT(json_map_get(root, c->string) == c);
		json_remove_field(cut, c->string);
		FUZZ_ASSERT(json_field(cut, c->string) == NULL);
	}
}

/* Regression checks that need a fixed input, run once. */
static void fixed_checks(void)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{"{\"a\":\"x\\u0000y\"}", false}, /* escaped NUL would cut the C string */
		{"{\"a\\u0000\":1}", false},
		{"{\"a\":\"x\\\\u0000y\"}", true}, /* an escaped backslash, then text */
		{"{\"a\":\"\\u00000\"}", false},
		{"{\"a\":\"\\u0001\"}", true},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cni_error err = {0};
		_cleanup_(cJSON_Deletep) cJSON *j = NULL;
		int r = json_parse(cases[i].in, strlen(cases[i].in), "fixed", &j, &err);
		if ((r == 0) != cases[i].ok)
			fprintf(stderr, "fixed case %zu (%s): r=%d\n", i, cases[i].in, r);
		FUZZ_ASSERT((r == 0) == cases[i].ok);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool fixed_done;
	if (!fixed_done) {
		fixed_done = true;
		fixed_checks();
	}
	struct cni_error err = {0};
	_cleanup_(cJSON_Deletep) cJSON *root = NULL, *again = NULL, *dup = NULL;
	_cleanup_free_ char *text = NULL, *text2 = NULL, *pretty = NULL;
	int r;

	r = json_parse((const char *)data, size, "fuzz input", &root, &err);
	if (r < 0) {
		FUZZ_ASSERT(err.code == CNI_ERR_DECODE);
		FUZZ_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		_cleanup_free_ char *j = cni_error_to_json(&err, "1.0.0");
		FUZZ_ASSERT(j != NULL);
		return 0;
	}
	FUZZ_ASSERT(root != NULL);
	poke_getters(root);
	for (const cJSON *c = root->child; c; c = c->next)
		poke_getters(c);
	poke_keys(root);

	FUZZ_ASSERT((dup = json_dup(root)) != NULL);
	FUZZ_ASSERT((text = json_print(root, false)) != NULL);
	FUZZ_ASSERT((pretty = json_print(dup, true)) != NULL);
	memset(&err, 0, sizeof(err));
	r = json_parse(text, strlen(text), "reprinted", &again, &err);
	FUZZ_ASSERT(r == 0);
	FUZZ_ASSERT((text2 = json_print(again, false)) != NULL);
	FUZZ_ASSERT(strcmp(text, text2) == 0);
	return 0;
}
