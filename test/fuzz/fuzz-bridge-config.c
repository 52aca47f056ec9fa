/* Fuzz bridge's config parser (br_conf_parse, strict for ADD/CHECK and lenient for DEL/GC).
 * Whatever it accepts must be safe to hand to the kernel: a bridge name that fits IFNAMSIZ and
 * is no path, VLANs in range, trunks ordered.
 * Input: bytes up to the first '\n' are CNI_ARGS, the rest is the network config. */
#include <string.h>

#include "bridge.h"
#include "json.h"

#define FUZZ_NAME "bridge-config"
#include "fuzz.h"

static void check_conf(const struct br_conf *c)
{
	FUZZ_ASSERT(c->bridge && c->bridge[0]);
	FUZZ_ASSERT(strlen(c->bridge) < IFNAMSIZ);
	FUZZ_ASSERT(!strchr(c->bridge, '/') && strcmp(c->bridge, "..") != 0);
	FUZZ_ASSERT(c->vlan <= 4094);
	FUZZ_ASSERT(c->mtu == 0 || (c->mtu >= 68 && c->mtu <= 65535));
	for (size_t i = 0; i < c->n_trunk; i++)
		FUZZ_ASSERT(c->trunk[i].min >= 1 && c->trunk[i].min <= c->trunk[i].max &&
			    c->trunk[i].max <= 4094);
	FUZZ_ASSERT(!c->ipam_type || c->ipam_type[0]);
	if (c->is_default_gateway)
		FUZZ_ASSERT(c->is_gateway);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_error err = {0};
	struct cni_request req = {0};
	struct br_conf c = {0};
	_cleanup_(cJSON_Deletep) cJSON *config = NULL;
	_cleanup_free_ char *args = NULL;
	const char *version = NULL;

	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	args = fuzz_strndup(data, (size_t)(nl - data));
	size -= (size_t)(nl + 1 - data);
	data = nl + 1;
	if (json_parse((const char *)data, size, "network config", &config, &err) < 0 ||
	    !cJSON_IsObject(config))
		return 0;
	req.config = config;
	if (json_get_string(config, NULL, "cniVersion", false, &version, &err) < 0 ||
	    cni_version_parse(version && *version ? version : "0.1.0", &req.version) < 0)
		return 0;
	if (json_get_string(config, NULL, "name", false, &req.name, &err) < 0 ||
	    cni_validate_network_name(req.name, &err) < 0 ||
	    json_get_object(config, NULL, "runtimeConfig", false, &req.runtime_config, &err) < 0 ||
	    json_get_object(config, NULL, "prevResult", false, &req.prev_result, &err) < 0 ||
	    cni_args_parse(args, &req.args, &err) < 0)
		return 0;

	for (int strict = 0; strict < 2; strict++) {
		memset(&err, 0, sizeof(err));
		if (br_conf_parse(&req, strict, &c, &err) < 0) {
			FUZZ_ASSERT(cni_error_is_set(&err));
			FUZZ_ASSERT(err.code == CNI_ERR_CONFIG || err.code == CNI_ERR_ENV ||
				    err.code == CNI_ERR_DECODE || err.code == CNI_ERR_INTERNAL);
			continue;
		}
		check_conf(&c);
		br_conf_clear(&c);
	}
	cni_args_clear(&req.args);
	return 0;
}
