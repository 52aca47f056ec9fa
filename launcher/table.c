/* Tables and timing lines. Results are decoded with lib/cni_result so every version prints the
 * same way. */
#include <stdlib.h>
#include <string.h>

#include "cni_result.h"
#include "json.h"
#include "table.h"

static struct cni_result *decode(const cJSON *result, const char *version)
{
	struct cni_result *res = NULL;
	enum cni_version v = CNI_V100;
	(void)cni_version_parse(version ? version : "", &v);
	if (cni_result_decode(result, v, &res, NULL) < 0)
		return NULL;
	return res;
}

void table_print_result(FILE *f, const char *net, const char *ifname, const char *version,
			const cJSON *result)
{
	_cleanup_(cni_result_freep) struct cni_result *res = decode(result, version);
	const cJSON *jv = json_field(result, "cniVersion");
	char a[IPPREFIX_STRLEN], g[IPADDR_STRLEN];

	fprintf(f, "network %s (%s), result cniVersion %s\n", net, ifname,
		cJSON_IsString(jv) ? jv->valuestring : "?");
	if (!res) {
		fprintf(f, "  (result could not be decoded)\n");
		return;
	}
	if (res->n_interfaces) {
		fprintf(f, "  %-3s %-16s %-18s %s\n", "IDX", "INTERFACE", "MAC", "SANDBOX");
		for (size_t i = 0; i < res->n_interfaces; i++) {
			const struct cni_interface *it = &res->interfaces[i];
			fprintf(f, "  %-3zu %-16s %-18s %s\n", i, it->name, it->mac ? it->mac : "-",
				it->sandbox ? it->sandbox : "(host)");
		}
	}
	if (res->n_ips) {
		fprintf(f, "  %-43s %-39s %s\n", "ADDRESS", "GATEWAY", "INTERFACE");
		for (size_t i = 0; i < res->n_ips; i++) {
			const struct cni_ip *ip = &res->ips[i];
			const char *ifn = "-";
			if (ip->interface >= 0 && (size_t)ip->interface < res->n_interfaces)
				ifn = res->interfaces[ip->interface].name;
			fprintf(f, "  %-43s %-39s %s\n", ipprefix_format(&ip->address, a),
				ip->gateway.family ? ipaddr_format(&ip->gateway, g) : "-", ifn);
		}
	}
	if (res->n_routes) {
		fprintf(f, "  %-43s %s\n", "ROUTE", "VIA");
		for (size_t i = 0; i < res->n_routes; i++) {
			const struct cni_route *rt = &res->routes[i];
			fprintf(f, "  %-43s %s\n", ipprefix_format(&rt->dst, a),
				rt->gw.family ? ipaddr_format(&rt->gw, g) : "(gateway)");
		}
	}
	if (!cni_dns_is_empty(&res->dns)) {
		fprintf(f, "  DNS");
		for (size_t i = 0; i < res->dns.n_nameservers; i++)
			fprintf(f, " nameserver=%s", res->dns.nameservers[i]);
		if (res->dns.domain)
			fprintf(f, " domain=%s", res->dns.domain);
		for (size_t i = 0; i < res->dns.n_search; i++)
			fprintf(f, " search=%s", res->dns.search[i]);
		fprintf(f, "\n");
	}
}

void table_print_timing(const char *verb, const char *net, const char *type,
			const struct invoke_output *o)
{
	double user = (double)o->usage.ru_utime.tv_sec * 1e3 + o->usage.ru_utime.tv_usec / 1e3;
	double sys = (double)o->usage.ru_stime.tv_sec * 1e3 + o->usage.ru_stime.tv_usec / 1e3;
	fprintf(stderr,
		"timing: %-6s %-16s %-12s wall %8.2f ms  user %7.2f ms  sys %7.2f ms  maxrss %6ld KiB  exit %d\n",
		verb, net, type, o->wall_ms, user, sys, o->usage.ru_maxrss, o->exit_status);
}

char *table_result_ips(const cJSON *result, const char *version)
{
	_cleanup_(cni_result_freep) struct cni_result *res = decode(result, version);
	size_t cap = 1, len = 0;
	char *s;

	if (res)
		cap += res->n_ips * (IPPREFIX_STRLEN + 1);
	if (!(s = calloc(1, cap)))
		return NULL;
	for (size_t i = 0; res && i < res->n_ips; i++) {
		char a[IPPREFIX_STRLEN];
		len += (size_t)snprintf(s + len, cap - len, "%s%s", len ? "," : "",
					ipprefix_format(&res->ips[i].address, a));
	}
	return s;
}
