/* Fuzz cni_args_parse (CNI_ARGS "K=V;K2=V2") and the lookups on its result. */
#include <string.h>

#include "cni_env.h"

#define FUZZ_NAME "args"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_strndup(data, size);
	struct cni_error err = {0};
	struct cni_args a = {0};
	static const char *const known[] = {"IP", "MAC", "K8S_POD_NAME", NULL};

	if (cni_args_parse(s, &a, &err) < 0) {
		FUZZ_ASSERT(err.code == CNI_ERR_ENV || err.code == CNI_ERR_INTERNAL);
		FUZZ_ASSERT(a.n == 0 && a.items == NULL);
		return 0;
	}
	for (size_t i = 0; i < a.n; i++) {
		FUZZ_ASSERT(a.items[i].key && a.items[i].key[0]);
		FUZZ_ASSERT(a.items[i].value);
		FUZZ_ASSERT(!strchr(a.items[i].key, '=') && !strchr(a.items[i].key, ';'));
		FUZZ_ASSERT(!strchr(a.items[i].value, '=') && !strchr(a.items[i].value, ';'));
		FUZZ_ASSERT(cni_args_get(&a, a.items[i].key) != NULL);
	}
	cni_args_get(&a, "IP");
	memset(&err, 0, sizeof(err));
	cni_args_check_known(&a, known, &err);
	memset(&err, 0, sizeof(err));
	cni_args_check_known(&a, NULL, &err);
	cni_args_clear(&a);
	FUZZ_ASSERT(a.n == 0 && a.items == NULL);
	return 0;
}
