/* Result decoding/encoding for every spec version (pkg/types/{020,040,100} in libcni). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cni_result.h"
#include "json.h"

/* ---- construction and teardown ---------------------------------------------------------- */

struct cni_result *cni_result_new(void)
{
	return calloc(1, sizeof(struct cni_result));
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void cni_dns_clear(struct cni_dns *dns)
{
	free_strv(dns->nameservers, dns->n_nameservers);
	free(dns->domain);
	free_strv(dns->search, dns->n_search);
	free_strv(dns->options, dns->n_options);
	memset(dns, 0, sizeof(*dns));
}

bool cni_dns_is_empty(const struct cni_dns *dns)
{
	return !dns->n_nameservers && !(dns->domain && *dns->domain) && !dns->n_search &&
	       !dns->n_options;
}

struct cni_result *cni_result_free(struct cni_result *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_interfaces; i++) {
		free(r->interfaces[i].name);
		free(r->interfaces[i].mac);
		free(r->interfaces[i].sandbox);
		free(r->interfaces[i].socket_path);
		free(r->interfaces[i].pci_id);
	}
	free(r->interfaces);
	free(r->ips);
	free(r->routes);
	cni_dns_clear(&r->dns);
	free(r);
	return NULL;
}

static int grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	memset((char *)p + n * size, 0, size);
	return 0;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int cni_result_add_interface(struct cni_result *r, const char *name, const char *mac,
			     const char *sandbox, size_t *ret_index)
{
	struct cni_interface *itf;

	if (grow((void **)&r->interfaces, r->n_interfaces, sizeof(*r->interfaces)) < 0)
		return -ENOMEM;
	itf = &r->interfaces[r->n_interfaces];
	if (dup_opt(name ? name : "", &itf->name) < 0 || dup_opt(mac, &itf->mac) < 0 ||
	    dup_opt(sandbox, &itf->sandbox) < 0) {
		free(itf->name);
		free(itf->mac);
		free(itf->sandbox);
		memset(itf, 0, sizeof(*itf));
		return -ENOMEM;
	}
	if (ret_index)
		*ret_index = r->n_interfaces;
	r->n_interfaces++;
	return 0;
}

int cni_result_add_ip(struct cni_result *r, const struct cni_ip *ip)
{
	if (grow((void **)&r->ips, r->n_ips, sizeof(*r->ips)) < 0)
		return -ENOMEM;
	r->ips[r->n_ips++] = *ip;
	return 0;
}

int cni_result_add_route(struct cni_result *r, const struct cni_route *route)
{
	if (grow((void **)&r->routes, r->n_routes, sizeof(*r->routes)) < 0)
		return -ENOMEM;
	r->routes[r->n_routes++] = *route;
	return 0;
}

static int copy_strv(char **src, size_t n, char ***ret)
{
	char **v;

	*ret = NULL;
	if (!n)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(v[i] = strdup(src[i]))) {
			free_strv(v, i);
			return -ENOMEM;
		}
	*ret = v;
	return 0;
}

int cni_dns_copy(struct cni_dns *dst, const struct cni_dns *src)
{
	struct cni_dns d = {0};

	if (copy_strv(src->nameservers, src->n_nameservers, &d.nameservers) < 0)
		goto oom;
	d.n_nameservers = src->n_nameservers;
	if (copy_strv(src->search, src->n_search, &d.search) < 0)
		goto oom;
	d.n_search = src->n_search;
	if (copy_strv(src->options, src->n_options, &d.options) < 0)
		goto oom;
	d.n_options = src->n_options;
	if (dup_opt(src->domain, &d.domain) < 0)
		goto oom;
	cni_dns_clear(dst);
	*dst = d;
	return 0;
oom:
	cni_dns_clear(&d);
	return -ENOMEM;
}

int cni_result_dup(const struct cni_result *r, struct cni_result **ret)
{
	_cleanup_(cni_result_freep) struct cni_result *c = cni_result_new();

	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_interfaces; i++) {
		const struct cni_interface *s = &r->interfaces[i];
		if (cni_result_add_interface(c, s->name, s->mac, s->sandbox, NULL) < 0)
			return -ENOMEM;
		struct cni_interface *d = &c->interfaces[i];
		d->mtu = s->mtu;
		if (dup_opt(s->socket_path, &d->socket_path) < 0 ||
		    dup_opt(s->pci_id, &d->pci_id) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < r->n_ips; i++)
		if (cni_result_add_ip(c, &r->ips[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < r->n_routes; i++)
		if (cni_result_add_route(c, &r->routes[i]) < 0)
			return -ENOMEM;
	if (cni_dns_copy(&c->dns, &r->dns) < 0)
		return -ENOMEM;
	*ret = TAKE_PTR(c);
	return 0;
}

/* ---- decoding ------------------------------------------------------------------------------ */

static int decode_error(struct cni_error *err, const char *where, const char *what)
{
	return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL, "error decoding result: %s: %s",
			     where, what);
}

/* Getter errors are config errors (7); inside a result they are decode errors (6). */
static int as_decode(int r, struct cni_error *err)
{
	if (r < 0 && err && err->code == CNI_ERR_CONFIG)
		err->code = CNI_ERR_DECODE;
	return r;
}

static int decode_strv(const cJSON *obj, const char *where, const char *key, char ***ret,
		       size_t *ret_n, struct cni_error *err)
{
	const cJSON *arr = NULL, *it;
	size_t n = 0;
	char **v;
	int r = as_decode(json_get_array(obj, where, key, false, &arr, err), err);

	if (r < 0 || !arr)
		return r;
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (!v)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			free_strv(v, n);
			return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL,
					     "%s.%s: expected a list of strings", where, key);
		}
		if (!(v[n] = strdup(it->valuestring))) {
			free_strv(v, n);
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		}
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cni_dns_decode(const cJSON *json, const char *where, struct cni_dns *ret, struct cni_error *err)
{
	struct cni_dns d = {0};
	const char *domain = NULL;
	int r;

	if (!json || cJSON_IsNull(json))
		return 0;
	if (!cJSON_IsObject(json))
		return cni_error_set(err, CNI_ERR_DECODE, EINVAL, NULL, "%s: expected object",
				     where);
	if ((r = decode_strv(json, where, "nameservers", &d.nameservers, &d.n_nameservers, err)) <
		    0 ||
	    (r = decode_strv(json, where, "search", &d.search, &d.n_search, err)) < 0 ||
	    (r = decode_strv(json, where, "options", &d.options, &d.n_options, err)) < 0 ||
	    (r = as_decode(json_get_string(json, where, "domain", false, &domain, err), err)) < 0)
		goto fail;
	if (domain && !(d.domain = strdup(domain))) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		goto fail;
	}
	cni_dns_clear(ret);
	*ret = d;
	return 0;
fail:
	cni_dns_clear(&d);
	return r;
}

static int parse_gateway(const cJSON *obj, const char *where, struct ipaddr *ret,
			 struct cni_error *err)
{
	const char *s = NULL;
	int r = as_decode(json_get_string(obj, where, "gateway", false, &s, err), err);

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	if (s && *s && ipaddr_parse(s, ret) < 0)
		return decode_error(err, where, "invalid gateway address");
	return 0;
}

int cni_route_decode(const cJSON *obj, const char *where, bool full, int code,
		     struct cni_route *ret, struct cni_error *err)
{
	static const struct {
		const char *key;
		unsigned bit;
		size_t off;
	} extras[] = {
		{"mtu", CNI_ROUTE_MTU, offsetof(struct cni_route, mtu)},
		{"advmss", CNI_ROUTE_ADVMSS, offsetof(struct cni_route, advmss)},
		{"priority", CNI_ROUTE_PRIORITY, offsetof(struct cni_route, priority)},
		{"table", CNI_ROUTE_TABLE, offsetof(struct cni_route, table)},
		{"scope", CNI_ROUTE_SCOPE, offsetof(struct cni_route, scope)},
	};
	struct cni_route rt = {0};
	const char *dst = NULL, *gw = NULL;
	int r;

	if (!cJSON_IsObject(obj))
		return cni_error_set(err, code, EINVAL, NULL, "%s: expected a route object, got %s",
				     where, json_type_name(obj));
	if ((r = json_get_string(obj, where, "dst", true, &dst, err)) < 0 ||
	    (r = json_get_string(obj, where, "gw", false, &gw, err)) < 0)
		goto out;
	if (ipprefix_parse(dst, &rt.dst) < 0)
		return cni_error_set(err, code, EINVAL, NULL, "%s.dst: invalid CIDR address \"%s\"",
				     where, dst);
	if (gw && *gw && ipaddr_parse(gw, &rt.gw) < 0)
		return cni_error_set(err, code, EINVAL, NULL, "%s.gw: invalid IP address \"%s\"",
				     where, gw);
	for (size_t i = 0; full && i < ARRAY_SIZE(extras); i++) {
		int64_t v;
		if (!json_has_field(obj, extras[i].key))
			continue;
		r = json_get_int(obj, where, extras[i].key, false, INT32_MIN, INT32_MAX, &v, err);
		if (r < 0)
			goto out;
		*(int *)((char *)&rt + extras[i].off) = (int)v;
		rt.has |= extras[i].bit;
	}
	*ret = rt;
	return 0;
out:
	/* The getters report config errors (7); the caller decides what a bad route is. */
	if (err && err->code == CNI_ERR_CONFIG)
		err->code = code;
	return r;
}

static int decode_routes(const cJSON *arr, bool full, struct cni_result *res, int only_family,
			 struct cni_error *err)
{
	const cJSON *it;
	int r;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return decode_error(err, "routes", "expected array");
	cJSON_ArrayForEach(it, arr) {
		struct cni_route rt;
		if ((r = cni_route_decode(it, "route", full, CNI_ERR_DECODE, &rt, err)) < 0)
			return r;
		if (only_family && rt.dst.addr.family != only_family)
			continue;
		if (cni_result_add_route(res, &rt) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	return 0;
}

/* 0.1.0/0.2.0: {"ip4": {"ip", "gateway", "routes"}, "ip6": {...}} */
static int decode_legacy(const cJSON *json, struct cni_result *res, struct cni_error *err)
{
	static const struct {
		const char *key;
		int family;
	} fams[] = {{"ip4", AF_INET}, {"ip6", AF_INET6}};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(fams); i++) {
		const cJSON *o = NULL;
		const char *ip = NULL;
		struct cni_ip cip = {.interface = -1};

		if ((r = as_decode(json_get_object(json, NULL, fams[i].key, false, &o, err), err)) <
		    0)
			return r;
		if (!o)
			continue;
		if ((r = as_decode(json_get_string(o, fams[i].key, "ip", true, &ip, err), err)) < 0)
			return r;
		if (ipprefix_parse(ip, &cip.address) < 0 ||
		    cip.address.addr.family != fams[i].family)
			return decode_error(err, fams[i].key, "invalid ip");
		if ((r = parse_gateway(o, fams[i].key, &cip.gateway, err)) < 0)
			return r;
		if (cni_result_add_ip(res, &cip) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		r = decode_routes(json_field(o, "routes"), false, res, fams[i].family, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int decode_interfaces(const cJSON *arr, bool full, struct cni_result *res,
			     struct cni_error *err)
{
	const cJSON *it;
	int r;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return decode_error(err, "interfaces", "expected array");
	cJSON_ArrayForEach(it, arr) {
		const char *name = NULL, *mac = NULL, *sandbox = NULL, *sock = NULL, *pci = NULL;
		int64_t mtu = 0;
		if (!cJSON_IsObject(it))
			return decode_error(err, "interfaces", "expected object");
		if ((r = as_decode(json_get_string(it, "interface", "name", false, &name, err),
				   err)) < 0 ||
		    (r = as_decode(json_get_string(it, "interface", "mac", false, &mac, err),
				   err)) < 0 ||
		    (r = as_decode(json_get_string(it, "interface", "sandbox", false, &sandbox, err),
				   err)) < 0)
			return r;
		if (full &&
		    ((r = as_decode(json_get_int(it, "interface", "mtu", false, 0, INT32_MAX, &mtu,
						 err),
				    err)) < 0 ||
		     (r = as_decode(json_get_string(it, "interface", "socketPath", false, &sock,
						    err),
				    err)) < 0 ||
		     (r = as_decode(json_get_string(it, "interface", "pciID", false, &pci, err),
				    err)) < 0))
			return r;
		if (cni_result_add_interface(res, name, mac && *mac ? mac : NULL,
					     sandbox && *sandbox ? sandbox : NULL, NULL) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		struct cni_interface *itf = &res->interfaces[res->n_interfaces - 1];
		itf->mtu = (int)mtu;
		if ((sock && *sock && !(itf->socket_path = strdup(sock))) ||
		    (pci && *pci && !(itf->pci_id = strdup(pci))))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	return 0;
}

static int decode_ips(const cJSON *arr, struct cni_result *res, struct cni_error *err)
{
	const cJSON *it;
	int r;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return decode_error(err, "ips", "expected array");
	cJSON_ArrayForEach(it, arr) {
		const char *addr = NULL;
		int64_t idx = -1;
		struct cni_ip ip = {.interface = -1};

		if (!cJSON_IsObject(it))
			return decode_error(err, "ips", "expected object");
		if ((r = as_decode(json_get_string(it, "ips[]", "address", true, &addr, err),
				   err)) < 0 ||
		    (r = parse_gateway(it, "ips[]", &ip.gateway, err)) < 0 ||
		    (r = as_decode(json_get_int(it, "ips[]", "interface", false, 0, INT32_MAX, &idx,
						err),
				   err)) < 0)
			return r;
		if (ipprefix_parse(addr, &ip.address) < 0)
			return decode_error(err, "ips[].address", "invalid CIDR");
		if (idx >= 0 && (size_t)idx >= res->n_interfaces)
			return decode_error(err, "ips[].interface", "index out of range");
		ip.interface = (int)idx;
		if (cni_result_add_ip(res, &ip) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	return 0;
}

int cni_result_decode(const cJSON *json, enum cni_version fallback, struct cni_result **ret,
		      struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	enum cni_version v = fallback;
	const char *vs = NULL;
	int r;

	if (!cJSON_IsObject(json))
		return decode_error(err, "result", "expected object");
	if ((r = as_decode(json_get_string(json, NULL, "cniVersion", false, &vs, err), err)) < 0)
		return r;
	if (vs && cni_version_parse(vs, &v) < 0)
		return cni_error_set(err, CNI_ERR_VERSION, EINVAL, NULL,
				     "result has unsupported cniVersion \"%s\"", vs);
	if (!(res = cni_result_new()))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");

	if (v <= CNI_V020) {
		r = decode_legacy(json, res, err);
	} else {
		const cJSON *ips = json_field(json, "ips");
		/* The 0.3.0 spec text named the list "ip"; libcni always wrote "ips". */
		if (!ips && v == CNI_V030)
			ips = json_field(json, "ip");
		bool full = v >= CNI_V110;
		if ((r = decode_interfaces(json_field(json, "interfaces"), full, res, err)) < 0 ||
		    (r = decode_ips(ips, res, err)) < 0)
			return r;
		r = decode_routes(json_field(json, "routes"), full, res, 0, err);
	}
	if (r < 0)
		return r;
	r = cni_dns_decode(json_field(json, "dns"), "dns", &res->dns, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(res);
	return 0;
}

int cni_result_decode_remarshaled(const cJSON *json, enum cni_version fallback,
				  struct cni_result **ret, struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *sorted = NULL;

	if (!cJSON_IsObject(json))
		return cni_result_decode(json, fallback, ret, err);
	if (!(sorted = json_dup(json)) || json_sort_keys(sorted) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return cni_result_decode(sorted, fallback, ret, err);
}

/* ---- encoding ------------------------------------------------------------------------------ */

#define OOM_IF(cond)                                                              \
	do {                                                                      \
		if (cond)                                                         \
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, \
					     "out of memory");                    \
	} while (0)

static int add_strv(cJSON *obj, const char *key, char *const *v, size_t n)
{
	cJSON *arr;
	if (!n)
		return 0;
	arr = cJSON_AddArrayToObject(obj, key);
	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(v[i]);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -ENOMEM;
		}
	}
	return 0;
}

static int encode_dns(cJSON *parent, const struct cni_dns *dns, bool omit_empty,
		      struct cni_error *err)
{
	cJSON *o;

	if (omit_empty && cni_dns_is_empty(dns))
		return 0;
	OOM_IF(!(o = cJSON_AddObjectToObject(parent, "dns")));
	OOM_IF(add_strv(o, "nameservers", dns->nameservers, dns->n_nameservers) < 0);
	OOM_IF(dns->domain && *dns->domain && !cJSON_AddStringToObject(o, "domain", dns->domain));
	OOM_IF(add_strv(o, "search", dns->search, dns->n_search) < 0);
	OOM_IF(add_strv(o, "options", dns->options, dns->n_options) < 0);
	return 0;
}

static int encode_route(cJSON *arr, const struct cni_route *rt, bool full, struct cni_error *err)
{
	char buf[IPPREFIX_STRLEN];
	cJSON *o = cJSON_CreateObject();

	OOM_IF(!o || !cJSON_AddItemToArray(arr, o));
	OOM_IF(!cJSON_AddStringToObject(o, "dst", ipprefix_format(&rt->dst, buf)));
	if (rt->gw.family)
		OOM_IF(!cJSON_AddStringToObject(o, "gw", ipaddr_format(&rt->gw, buf)));
	if (full) {
		OOM_IF((rt->has & CNI_ROUTE_MTU) && !cJSON_AddNumberToObject(o, "mtu", rt->mtu));
		OOM_IF((rt->has & CNI_ROUTE_ADVMSS) &&
		       !cJSON_AddNumberToObject(o, "advmss", rt->advmss));
		OOM_IF((rt->has & CNI_ROUTE_PRIORITY) &&
		       !cJSON_AddNumberToObject(o, "priority", rt->priority));
		OOM_IF((rt->has & CNI_ROUTE_TABLE) &&
		       !cJSON_AddNumberToObject(o, "table", rt->table));
		OOM_IF((rt->has & CNI_ROUTE_SCOPE) &&
		       !cJSON_AddNumberToObject(o, "scope", rt->scope));
	}
	return 0;
}

static const struct cni_ip *first_ip_of(const struct cni_result *r, int family)
{
	for (size_t i = 0; i < r->n_ips; i++)
		if (r->ips[i].address.addr.family == family)
			return &r->ips[i];
	return NULL;
}

int cni_result_check_encodable(const struct cni_result *r, enum cni_version version,
			       struct cni_error *err)
{
	if (version <= CNI_V020 && !first_ip_of(r, AF_INET) && !first_ip_of(r, AF_INET6))
		return cni_error_set(err, CNI_ERR_VERSION, EINVAL,
				     "a result without IP addresses has no 0.1.0/0.2.0 form",
				     "cannot convert: no valid IP addresses");
	return 0;
}

static int encode_legacy(const struct cni_result *r, cJSON *o, struct cni_error *err)
{
	static const struct {
		const char *key;
		int family;
	} fams[] = {{"ip4", AF_INET}, {"ip6", AF_INET6}};
	char buf[IPPREFIX_STRLEN];
	int ret = cni_result_check_encodable(r, CNI_V020, err);

	if (ret < 0)
		return ret;
	for (size_t f = 0; f < ARRAY_SIZE(fams); f++) {
		const struct cni_ip *ip = first_ip_of(r, fams[f].family);
		cJSON *fo, *routes = NULL;
		if (!ip)
			continue;
		OOM_IF(!(fo = cJSON_AddObjectToObject(o, fams[f].key)));
		OOM_IF(!cJSON_AddStringToObject(fo, "ip", ipprefix_format(&ip->address, buf)));
		if (ip->gateway.family)
			OOM_IF(!cJSON_AddStringToObject(fo, "gateway",
							ipaddr_format(&ip->gateway, buf)));
		for (size_t i = 0; i < r->n_routes; i++) {
			if (r->routes[i].dst.addr.family != fams[f].family)
				continue;
			if (!routes)
				OOM_IF(!(routes = cJSON_AddArrayToObject(fo, "routes")));
			if ((ret = encode_route(routes, &r->routes[i], false, err)) < 0)
				return ret;
		}
	}
	return encode_dns(o, &r->dns, false, err);
}

static int encode_interfaces(const struct cni_result *r, cJSON *o, bool full, struct cni_error *err)
{
	cJSON *arr;

	if (!r->n_interfaces)
		return 0;
	OOM_IF(!(arr = cJSON_AddArrayToObject(o, "interfaces")));
	for (size_t i = 0; i < r->n_interfaces; i++) {
		const struct cni_interface *itf = &r->interfaces[i];
		cJSON *io = cJSON_CreateObject();
		OOM_IF(!io || !cJSON_AddItemToArray(arr, io));
		OOM_IF(!cJSON_AddStringToObject(io, "name", itf->name ? itf->name : ""));
		OOM_IF(itf->mac && !cJSON_AddStringToObject(io, "mac", itf->mac));
		if (full)
			OOM_IF(itf->mtu && !cJSON_AddNumberToObject(io, "mtu", itf->mtu));
		OOM_IF(itf->sandbox && !cJSON_AddStringToObject(io, "sandbox", itf->sandbox));
		if (full) {
			OOM_IF(itf->socket_path &&
			       !cJSON_AddStringToObject(io, "socketPath", itf->socket_path));
			OOM_IF(itf->pci_id && !cJSON_AddStringToObject(io, "pciID", itf->pci_id));
		}
	}
	return 0;
}

static int encode_ips(const struct cni_result *r, cJSON *o, bool with_version,
		      struct cni_error *err)
{
	char buf[IPPREFIX_STRLEN];
	cJSON *arr;

	if (!r->n_ips)
		return 0;
	OOM_IF(!(arr = cJSON_AddArrayToObject(o, "ips")));
	for (size_t i = 0; i < r->n_ips; i++) {
		const struct cni_ip *ip = &r->ips[i];
		cJSON *io = cJSON_CreateObject();
		OOM_IF(!io || !cJSON_AddItemToArray(arr, io));
		if (with_version)
			OOM_IF(!cJSON_AddStringToObject(
				io, "version", ip->address.addr.family == AF_INET ? "4" : "6"));
		if (ip->interface >= 0)
			OOM_IF(!cJSON_AddNumberToObject(io, "interface", ip->interface));
		OOM_IF(!cJSON_AddStringToObject(io, "address", ipprefix_format(&ip->address, buf)));
		if (ip->gateway.family)
			OOM_IF(!cJSON_AddStringToObject(io, "gateway",
							ipaddr_format(&ip->gateway, buf)));
	}
	return 0;
}

int cni_result_encode(const struct cni_result *r, enum cni_version version, cJSON **ret,
		      struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = cJSON_CreateObject();
	bool full = version >= CNI_V110;
	int rc;

	OOM_IF(!o || !cJSON_AddStringToObject(o, "cniVersion", cni_version_str(version)));
	if (version <= CNI_V020) {
		if ((rc = encode_legacy(r, o, err)) < 0)
			return rc;
	} else {
		if ((rc = encode_interfaces(r, o, full, err)) < 0 ||
		    (rc = encode_ips(r, o, version < CNI_V100, err)) < 0)
			return rc;
		if (r->n_routes) {
			cJSON *arr;
			OOM_IF(!(arr = cJSON_AddArrayToObject(o, "routes")));
			for (size_t i = 0; i < r->n_routes; i++)
				if ((rc = encode_route(arr, &r->routes[i], full, err)) < 0)
					return rc;
		}
		/* libcni HEAD drops an empty dns object from 1.0.0 on; older types print {}. */
		if ((rc = encode_dns(o, &r->dns, version >= CNI_V100, err)) < 0)
			return rc;
	}
	*ret = TAKE_PTR(o);
	return 0;
}

int cni_result_print(const struct cni_result *r, enum cni_version version, FILE *out,
		     struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *o = NULL;
	_cleanup_free_ char *s = NULL;
	int rc = cni_result_encode(r, version, &o, err);

	if (rc < 0)
		return rc;
	OOM_IF(!(s = json_print(o, true)));
	fputs(s, out);
	fputc('\n', out);
	if (fflush(out) != 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "write result to stdout");
	return 0;
}
