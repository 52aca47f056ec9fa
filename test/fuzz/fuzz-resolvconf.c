/* Fuzz host-local's resolv.conf parser; what it returns must encode as a result's dns. */
#include <string.h>

#include "hostlocal.h"
#include "json.h"

#define FUZZ_NAME "resolvconf"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = fuzz_strndup(data, size);
	_cleanup_(cni_result_freep) struct cni_result *res = cni_result_new();
	_cleanup_(cJSON_Deletep) cJSON *out = NULL;
	struct cni_error err = {0};
	struct cni_ip ip = {.interface = -1};

	FUZZ_ASSERT(res != NULL);
	if (resolvconf_parse_text(text, &res->dns) < 0)
		return 0;
	for (size_t i = 0; i < res->dns.n_nameservers; i++)
		FUZZ_ASSERT(res->dns.nameservers[i][0] &&
			    !strpbrk(res->dns.nameservers[i], " \t\n"));
	for (size_t i = 0; i < res->dns.n_search; i++)
		FUZZ_ASSERT(res->dns.search[i][0] && !strpbrk(res->dns.search[i], " \t\n"));
	FUZZ_ASSERT(ipprefix_parse("10.0.0.2/24", &ip.address) == 0);
	FUZZ_ASSERT(cni_result_add_ip(res, &ip) == 0);
	FUZZ_ASSERT(cni_result_encode(res, CNI_V110, &out, &err) == 0);
	return 0;
}
