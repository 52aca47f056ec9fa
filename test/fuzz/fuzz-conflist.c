/* Fuzz cnictl's network configuration list loader (conf_from_bytes, libcni ConfListFromBytes)
 * and the capability / version helpers over what it accepts. */
#include <string.h>

#include "conf.h"
#include "json.h"

#define FUZZ_NAME "conflist"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_error err = {0};
	_cleanup_(conf_freep) struct netconf *nc = NULL;

	if (conf_from_bytes((const char *)data, size, "fuzz.conflist", &nc, &err) < 0) {
		FUZZ_ASSERT(cni_error_is_set(&err));
		FUZZ_ASSERT(nc == NULL);
		return 0;
	}
	FUZZ_ASSERT(nc && nc->name && nc->json);
	FUZZ_ASSERT(cJSON_IsArray(nc->plugins) && cJSON_GetArraySize(nc->plugins) > 0);
	FUZZ_ASSERT(nc->bytes && nc->len > 0);
	const cJSON *p;
	cJSON_ArrayForEach(p, nc->plugins) {
		conf_plugin_has_cap(p, "portMappings");
		conf_plugin_has_cap(p, "");
	}
	conf_has_cap(nc, "ips");
	conf_has_cap(nc, "mac");
	for (const char *const *m = (const char *const[]){"0.4.0", "1.1.0", "", "x", NULL}; *m; m++)
		conf_version_at_least(nc->version, *m);
	/* What we cache must load again. */
	_cleanup_(conf_freep) struct netconf *again = NULL;
	memset(&err, 0, sizeof(err));
	if (conf_from_bytes(nc->bytes, nc->len, "cache", &again, &err) < 0)
		fprintf(stderr, "cached bytes do not load again: %s\n%.*s\n", err.msg, (int)nc->len,
			nc->bytes);
	FUZZ_ASSERT(again != NULL);
	FUZZ_ASSERT(strcmp(again->name, nc->name) == 0);
	return 0;
}
