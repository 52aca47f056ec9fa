/* Fuzz cni_result_decode for every version shape, then encode to every version: never crash,
 * check_encodable agrees with encode, and decode(encode(x)) re-encodes to the same JSON. */
#include <string.h>

#include "cni_result.h"
#include "json.h"

#define FUZZ_NAME "result"
#include "fuzz.h"

static char *encode_text(const struct cni_result *res, enum cni_version v, int *ret_r)
{
	struct cni_error err = {0};
	_cleanup_(cJSON_Deletep) cJSON *out = NULL;

	*ret_r = cni_result_encode(res, v, &out, &err);
	if (*ret_r < 0) {
		FUZZ_ASSERT(cni_error_is_set(&err));
		return NULL;
	}
	FUZZ_ASSERT(out != NULL);
	char *s = json_print(out, false);
	FUZZ_ASSERT(s != NULL);
	return s;
}

static void round_trip(const struct cni_result *res, enum cni_version v)
{
	struct cni_error err = {0};
	_cleanup_(cJSON_Deletep) cJSON *parsed = NULL;
	_cleanup_(cni_result_freep) struct cni_result *back = NULL;
	_cleanup_free_ char *t1 = NULL, *t2 = NULL;
	int r, r2;

	int enc = cni_result_check_encodable(res, v, &err);
	t1 = encode_text(res, v, &r);
	/* check_encodable exists so a plugin can refuse before acting: it must predict encode. */
	FUZZ_ASSERT((enc == 0) == (r == 0));
	if (r < 0)
		return;
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(json_parse(t1, strlen(t1), "encoded", &parsed, &err) == 0);
	/* What we print for version v must be read back as version v (a fallback that differs
	 * checks that the embedded cniVersion wins). */
	r = cni_result_decode(parsed, v == CNI_V010 ? CNI_V110 : CNI_V010, &back, &err);
	if (r < 0)
		fprintf(stderr, "decode of our own %s output failed: %s (%s)\n%s\n",
			cni_version_str(v), err.msg, err.details, t1);
	FUZZ_ASSERT(r == 0);
	t2 = encode_text(back, v, &r2);
	FUZZ_ASSERT(r2 == 0);
	if (strcmp(t1, t2) != 0)
		fprintf(stderr, "round trip for %s differs:\n%s\n%s\n", cni_version_str(v), t1, t2);
	FUZZ_ASSERT(strcmp(t1, t2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_error err = {0};
	_cleanup_(cJSON_Deletep) cJSON *root = NULL;

	if (size < 1)
		return 0;
	/* First byte picks the fallback version (a result without "cniVersion"). */
	enum cni_version fallback = (enum cni_version)(data[0] % CNI_VERSION_COUNT);
	if (json_parse((const char *)data + 1, size - 1, "result", &root, &err) < 0)
		return 0;

	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	memset(&err, 0, sizeof(err));
	if (cni_result_decode(root, fallback, &res, &err) < 0) {
		FUZZ_ASSERT(err.code == CNI_ERR_DECODE || err.code == CNI_ERR_VERSION ||
			    err.code == CNI_ERR_CONFIG);
		FUZZ_ASSERT(res == NULL);
		return 0;
	}
	FUZZ_ASSERT(res != NULL);

	_cleanup_(cni_result_freep) struct cni_result *copy = NULL;
	FUZZ_ASSERT(cni_result_dup(res, &copy) == 0);
	for (int v = 0; v < CNI_VERSION_COUNT; v++) {
		round_trip(res, (enum cni_version)v);
		/* The copy must encode identically to the original. */
		int r1, r2;
		_cleanup_free_ char *a = encode_text(res, (enum cni_version)v, &r1);
		_cleanup_free_ char *b = encode_text(copy, (enum cni_version)v, &r2);
		FUZZ_ASSERT(r1 == r2);
		FUZZ_ASSERT(!a == !b);
		FUZZ_ASSERT(!a || strcmp(a, b) == 0);
	}

	/* DNS copy/clear on its own. */
	struct cni_dns d = {0};
	FUZZ_ASSERT(cni_dns_copy(&d, &res->dns) == 0);
	FUZZ_ASSERT(cni_dns_is_empty(&d) == cni_dns_is_empty(&res->dns));
	cni_dns_clear(&d);
	return 0;
}
