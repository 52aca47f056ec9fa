/* Fuzz host-local's config parser (ipam_conf_load: ranges, legacy range, routes, runtimeConfig
 * ipRanges/ips, args.cni.ips, CNI_ARGS IP) and walk the allocator over what it accepts: every
 * candidate must lie in the set, never be reserved, and the walk must end.
 * Input: bytes up to the first '\n' are CNI_ARGS, the rest is the network config. */
#include <string.h>

#include "hostlocal.h"
#include "json.h"

#define FUZZ_NAME "hostlocal-config"
#include "fuzz.h"

static void walk(const struct ipam_rangeset *set, const struct ipaddr *cursor)
{
	struct alloc_iter it;
	struct ipaddr a;
	const struct ipam_range *rg = NULL, *rg2 = NULL;
	unsigned long long cap = alloc_capacity(set), n = 0;

	alloc_iter_init(&it, set, cursor);
	while (n < 600 && alloc_iter_next(&it, &a, &rg)) {
		n++;
		FUZZ_ASSERT(rg != NULL);
		FUZZ_ASSERT(a.family == ipam_rangeset_family(set));
		FUZZ_ASSERT(ipam_rangeset_contains(set, &a, &rg2));
		FUZZ_ASSERT(ipprefix_contains(&rg->subnet, &a));
		FUZZ_ASSERT(!alloc_is_reserved(rg, &a));
	}
	FUZZ_ASSERT(n <= cap);
	if (n < 600)
		FUZZ_ASSERT(n == cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_error err = {0};
	struct cni_request req = {0};
	struct ipam_conf conf = {0};
	_cleanup_(cJSON_Deletep) cJSON *config = NULL;
	_cleanup_free_ char *args = NULL;
	const char *version = NULL;
	char buf[4096], small[24];

	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	args = fuzz_strndup(data, (size_t)(nl - data));
	size -= (size_t)(nl + 1 - data);
	data = nl + 1;
	if (json_parse((const char *)data, size, "network config", &config, &err) < 0 ||
	    !cJSON_IsObject(config))
		return 0;
	/* The same preparation as cni_main's load_request. */
	req.config = config;
	if (json_get_string(config, NULL, "cniVersion", false, &version, &err) < 0)
		return 0;
	if (cni_version_parse(version && *version ? version : "0.1.0", &req.version) < 0)
		return 0;
	if (json_get_object(config, NULL, "runtimeConfig", false, &req.runtime_config, &err) < 0 ||
	    cni_args_parse(args, &req.args, &err) < 0)
		return 0;
	req.name = "fuzz";

	memset(&err, 0, sizeof(err));
	if (ipam_conf_load(&req, &conf, &err) < 0) {
		FUZZ_ASSERT(cni_error_is_set(&err));
		FUZZ_ASSERT(err.code == CNI_ERR_CONFIG || err.code == CNI_ERR_ENV ||
			    err.code == CNI_ERR_INTERNAL);
		FUZZ_ASSERT(conf.sets == NULL && conf.n_sets == 0);
		cni_args_clear(&req.args);
		return 0;
	}
	memset(&err, 0, sizeof(err));
	FUZZ_ASSERT(ipam_conf_validate(&conf, &err) == 0);
	FUZZ_ASSERT(conf.data_dir && conf.data_dir[0]);
	for (size_t i = 0; i < conf.n_sets; i++) {
		const struct ipam_rangeset *set = &conf.sets[i];
		FUZZ_ASSERT(set->n > 0);
		for (size_t j = 0; j < set->n; j++) {
			const struct ipam_range *r = &set->ranges[j];
			FUZZ_ASSERT(ipprefix_is_network(&r->subnet));
			FUZZ_ASSERT(ipprefix_contains(&r->subnet, &r->start));
			FUZZ_ASSERT(ipprefix_contains(&r->subnet, &r->end));
			FUZZ_ASSERT(ipaddr_cmp(&r->start, &r->end) <= 0);
		}
		ipam_rangeset_format(set, buf, sizeof(buf));
		ipam_rangeset_format(set, small, sizeof(small));
		FUZZ_ASSERT(strlen(small) < sizeof(small));
		walk(set, NULL);
		walk(set, &set->ranges[set->n - 1].end);
		for (size_t k = 0; k < conf.n_requested; k++)
			walk(set, &conf.requested[k]);
	}
	ipam_conf_clear(&conf);
	cni_args_clear(&req.args);
	return 0;
}
