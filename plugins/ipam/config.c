/* host-local config: every key of the reference (plugins: host-local/backend/allocator/config.go,
 * range.go, range_set.go), validated up front so a bad config fails before any lease is taken.
 * Stricter than the reference where it silently misbehaves: the gateway must be in the subnet
 * (plugins#1294) and rangeStart must not be after rangeEnd. Config errors are code 7, not 999. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostlocal.h"
#include "json.h"

#define OOM(err) cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory")

static int parse_addr_key(const cJSON *obj, const char *where, const char *key, struct ipaddr *ret,
			  bool *ret_set, struct cni_error *err)
{
	const char *s = NULL;
	int r;

	*ret_set = false;
	if ((r = json_get_string(obj, where, key, false, &s, err)) < 0)
		return r;
	if (!s)
		return 0;
	if (ipaddr_parse(s, ret) < 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s.%s: invalid IP address \"%s\"", where, key, s);
	*ret_set = true;
	return 0;
}

/* The subnet: a network address, big enough to hold at least one host besides the gateway. */
static int parse_subnet(const cJSON *obj, const char *where, struct ipprefix *ret,
			struct cni_error *err)
{
	char buf[IPPREFIX_STRLEN], net[IPADDR_STRLEN];
	struct ipprefix p, n;
	const char *s;
	int r;

	if ((r = json_get_string(obj, where, "subnet", true, &s, err)) < 0)
		return r;
	if (ipprefix_parse(s, &p) < 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s.subnet: invalid CIDR address \"%s\"", where, s);
	if (p.len > ipaddr_bits(p.addr.family) - 2)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "Network %s too small to allocate from",
				     ipprefix_format(&p, buf));
	ipprefix_network(&p, &n);
	if (!ipprefix_is_network(&p))
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"Network has host bits set. For a subnet mask of length %u the network address is %s",
			p.len, ipaddr_format(&n.addr, net));
	*ret = p;
	return 0;
}

/* Default end: IPv4 broadcast - 1; IPv6 the last address (reference lastIP()). */
static void default_end(const struct ipprefix *subnet, struct ipaddr *ret)
{
	struct ipaddr last;

	ipprefix_last(subnet, &last);
	if (subnet->addr.family == AF_INET)
		(void)ipaddr_add(&last, -1, &last);
	*ret = last;
}

static int check_in_subnet(const struct ipam_range *rg, const struct ipaddr *a, const char *what,
			   const char *where, struct cni_error *err)
{
	char as[IPADDR_STRLEN], ns[IPPREFIX_STRLEN];

	if (ipprefix_contains(&rg->subnet, a))
		return 0;
	return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "%s: %s %s not in network %s",
			     where, what, ipaddr_format(a, as), ipprefix_format(&rg->subnet, ns));
}

static int parse_range(const cJSON *obj, const char *where, struct ipam_range *ret,
		       struct cni_error *err)
{
	struct ipam_range rg = {0};
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	bool has_start, has_end, has_gw;
	int r;

	if (!cJSON_IsObject(obj))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: expected a range object, got %s", where,
				     json_type_name(obj));
	if ((r = parse_subnet(obj, where, &rg.subnet, err)) < 0 ||
	    (r = parse_addr_key(obj, where, "rangeStart", &rg.start, &has_start, err)) < 0 ||
	    (r = parse_addr_key(obj, where, "rangeEnd", &rg.end, &has_end, err)) < 0 ||
	    (r = parse_addr_key(obj, where, "gateway", &rg.gateway, &has_gw, err)) < 0)
		return r;
	if (!has_gw)
		(void)ipaddr_add(&rg.subnet.addr, 1, &rg.gateway);
	if (!has_start)
		(void)ipaddr_add(&rg.subnet.addr, 1, &rg.start);
	if (!has_end)
		default_end(&rg.subnet, &rg.end);
	if ((r = check_in_subnet(&rg, &rg.gateway, "gateway", where, err)) < 0 ||
	    (r = check_in_subnet(&rg, &rg.start, "RangeStart", where, err)) < 0 ||
	    (r = check_in_subnet(&rg, &rg.end, "RangeEnd", where, err)) < 0)
		return r;
	if (ipaddr_cmp(&rg.start, &rg.end) > 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: rangeStart %s is after rangeEnd %s", where,
				     ipaddr_format(&rg.start, a), ipaddr_format(&rg.end, b));
	*ret = rg;
	return 0;
}

static bool ranges_overlap(const struct ipam_range *x, const struct ipam_range *y)
{
	if (x->start.family != y->start.family)
		return false;
	return ipaddr_cmp(&x->start, &y->end) <= 0 && ipaddr_cmp(&y->start, &x->end) <= 0;
}

static int parse_rangeset(const cJSON *arr, const char *where, struct ipam_rangeset *ret,
			  struct cni_error *err)
{
	struct ipam_rangeset set = {0};
	char sub[96];
	const cJSON *it;
	int r;

	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: expected a list of ranges, got %s", where,
				     json_type_name(arr));
	if (cJSON_GetArraySize(arr) == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "%s: empty range set",
				     where);
	set.ranges = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*set.ranges));
	if (!set.ranges)
		return OOM(err);
	cJSON_ArrayForEach(it, arr) {
		snprintf(sub, sizeof(sub), "%s[%zu]", where, set.n);
		if ((r = parse_range(it, sub, &set.ranges[set.n], err)) < 0)
			goto fail;
		set.n++;
	}
	*ret = set;
	return 0;
fail:
	free(set.ranges);
	return r;
}

int ipam_conf_add_rangesets(struct ipam_conf *conf, const cJSON *arr, const char *where,
			    struct cni_error *err)
{
	char sub[64];
	const cJSON *it;
	size_t n;
	int r;

	if (!cJSON_IsArray(arr))
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "%s: expected a list of range sets, got %s", where,
				     json_type_name(arr));
	n = (size_t)cJSON_GetArraySize(arr);
	struct ipam_rangeset *sets = realloc(conf->sets, (conf->n_sets + n + 1) * sizeof(*sets));
	if (!sets)
		return OOM(err);
	conf->sets = sets;
	size_t i = 0;
	cJSON_ArrayForEach(it, arr) {
		snprintf(sub, sizeof(sub), "%s[%zu]", where, i++);
		if ((r = parse_rangeset(it, sub, &conf->sets[conf->n_sets], err)) < 0)
			return r;
		conf->n_sets++;
	}
	return 0;
}

/* Legacy flat form: ipam.subnet (+rangeStart, rangeEnd, gateway) is one more range set. */
static int add_legacy_range(struct ipam_conf *conf, const cJSON *ipam, struct cni_error *err)
{
	struct ipam_range *rg;
	int r;

	if (!json_has_field(ipam, "subnet"))
		return 0;
	struct ipam_rangeset *sets = realloc(conf->sets, (conf->n_sets + 1) * sizeof(*sets));
	if (!sets)
		return OOM(err);
	conf->sets = sets;
	if (!(rg = calloc(1, sizeof(*rg))))
		return OOM(err);
	if ((r = parse_range(ipam, "ipam", rg, err)) < 0) {
		free(rg);
		return r;
	}
	conf->sets[conf->n_sets++] = (struct ipam_rangeset){.ranges = rg, .n = 1};
	return 0;
}

static int parse_routes(struct ipam_conf *conf, const cJSON *ipam, struct cni_error *err)
{
	const cJSON *arr = NULL, *it;
	char where[48];
	int r;

	if ((r = json_get_array(ipam, "ipam", "routes", false, &arr, err)) < 0)
		return r;
	if (!arr || cJSON_GetArraySize(arr) == 0)
		return 0;
	conf->routes = calloc((size_t)cJSON_GetArraySize(arr), sizeof(*conf->routes));
	if (!conf->routes)
		return OOM(err);
	cJSON_ArrayForEach(it, arr) {
		snprintf(where, sizeof(where), "ipam.routes[%zu]", conf->n_routes);
		if ((r = cni_route_decode(it, where, true, CNI_ERR_CONFIG,
					  &conf->routes[conf->n_routes], err)) < 0)
			return r;
		conf->n_routes++;
	}
	return 0;
}

/* Requested IPs: "ip" or "ip/prefix" (the prefix is ignored: the mask comes from the range).
 * Duplicates collapse, as in the reference's map. */
static int add_requested(struct ipam_conf *conf, const char *s, int code, const char *where,
			 struct cni_error *err)
{
	struct ipprefix p;
	struct ipaddr *v;

	if (ipprefix_parse_optional(s, &p, NULL) < 0)
		return cni_error_set(err, code, EINVAL, NULL, "%s: invalid IP \"%s\"", where, s);
	for (size_t i = 0; i < conf->n_requested; i++)
		if (ipaddr_equal(&conf->requested[i], &p.addr))
			return 0;
	if (!(v = realloc(conf->requested, (conf->n_requested + 1) * sizeof(*v))))
		return OOM(err);
	conf->requested = v;
	conf->requested[conf->n_requested++] = p.addr;
	return 0;
}

static int add_requested_list(struct ipam_conf *conf, const cJSON *arr, const char *where,
			      struct cni_error *err)
{
	const cJSON *it;
	int r;

	if (!arr)
		return 0;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
					     "%s: expected a list of strings, found %s", where,
					     json_type_name(it));
		if ((r = add_requested(conf, it->valuestring, CNI_ERR_CONFIG, where, err)) < 0)
			return r;
	}
	return 0;
}

/* CNI_ARGS IP=a[,b...]; any other key is refused unless IgnoreUnknown (reference IPAMEnvArgs). */
static int add_requested_env(struct ipam_conf *conf, const struct cni_request *req,
			     struct cni_error *err)
{
	static const char *const known[] = {"IP", NULL};
	_cleanup_free_ char *copy = NULL;
	const char *ip;
	char *save = NULL;
	int r;

	if ((r = cni_args_check_known(&req->args, known, err)) < 0)
		return r;
	if (!(ip = cni_args_get(&req->args, "IP")))
		return 0;
	if (!(copy = strdup(ip)))
		return OOM(err);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t += strspn(t, " \t");
		size_t n = strlen(t);
		while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
			t[--n] = '\0';
		if ((r = add_requested(conf, t, CNI_ERR_ENV, "CNI_ARGS IP", err)) < 0)
			return r;
	}
	return 0;
}

static int load_requested(struct ipam_conf *conf, const struct cni_request *req,
			  struct cni_error *err)
{
	const cJSON *args = NULL, *cni = NULL, *ips = NULL, *rips = NULL;
	int r;

	if ((r = add_requested_env(conf, req, err)) < 0)
		return r;
	if ((r = json_get_object(req->config, NULL, "args", false, &args, err)) < 0)
		return r;
	if (args && (r = json_get_object(args, "args", "cni", false, &cni, err)) < 0)
		return r;
	if (cni && (r = json_get_array(cni, "args.cni", "ips", false, &ips, err)) < 0)
		return r;
	if ((r = add_requested_list(conf, ips, "args.cni.ips", err)) < 0)
		return r;
	if (req->runtime_config && (r = json_get_array(req->runtime_config, "runtimeConfig", "ips",
						       false, &rips, err)) < 0)
		return r;
	return add_requested_list(conf, rips, "runtimeConfig.ips", err);
}

int ipam_conf_validate(const struct ipam_conf *conf, struct cni_error *err)
{
	char a[IPPREFIX_STRLEN], b[IPPREFIX_STRLEN];

	if (conf->n_sets == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL, "no IP ranges specified");
	for (size_t i = 0; i < conf->n_sets; i++) {
		const struct ipam_rangeset *s = &conf->sets[i];
		for (size_t j = 0; j < s->n; j++) {
			if (s->ranges[j].subnet.addr.family != ipam_rangeset_family(s))
				return cni_error_set(
					err, CNI_ERR_CONFIG, EINVAL, NULL,
					"invalid range set %zu: mixed address families", i);
			for (size_t k = j + 1; k < s->n; k++)
				if (ranges_overlap(&s->ranges[j], &s->ranges[k]))
					return cni_error_set(
						err, CNI_ERR_CONFIG, EINVAL, NULL,
						"invalid range set %zu: subnets %s and %s overlap",
						i, ipprefix_format(&s->ranges[j].subnet, a),
						ipprefix_format(&s->ranges[k].subnet, b));
		}
	}
	for (size_t i = 0; i < conf->n_sets; i++)
		for (size_t j = i + 1; j < conf->n_sets; j++)
			for (size_t x = 0; x < conf->sets[i].n; x++)
				for (size_t y = 0; y < conf->sets[j].n; y++)
					if (ranges_overlap(&conf->sets[i].ranges[x],
							   &conf->sets[j].ranges[y]))
						return cni_error_set(
							err, CNI_ERR_CONFIG, EINVAL, NULL,
							"range set %zu overlaps with %zu", i, j);
	return 0;
}

/* spec 0.1.0/0.2.0 results carry one address per family (reference config.go). */
static int check_version_families(const struct ipam_conf *conf, enum cni_version v,
				  struct cni_error *err)
{
	size_t n4 = 0, n6 = 0;

	if (v >= CNI_V030)
		return 0;
	for (size_t i = 0; i < conf->n_sets; i++)
		ipam_rangeset_family(&conf->sets[i]) == AF_INET ? n4++ : n6++;
	if (n4 > 1 || n6 > 1)
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"CNI version %s does not support more than 1 address per family",
			cni_version_str(v));
	return 0;
}

int ipam_conf_load(const struct cni_request *req, struct ipam_conf *ret, struct cni_error *err)
{
	struct ipam_conf conf = {.data_dir = IPAM_DEFAULT_DATA_DIR};
	const cJSON *ipam = NULL, *ranges = NULL, *rt_ranges = NULL;
	const char *data_dir = NULL;
	int r;

	if ((r = json_get_object(req->config, NULL, "ipam", false, &ipam, err)) < 0)
		goto fail;
	if (!ipam) {
		r = cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				  "IPAM config missing 'ipam' key");
		goto fail;
	}
	/* Order of the reference: runtimeConfig.ipRanges, legacy flat range, ranges. */
	if (req->runtime_config && (r = json_get_array(req->runtime_config, "runtimeConfig",
						       "ipRanges", false, &rt_ranges, err)) < 0)
		goto fail;
	if (rt_ranges &&
	    (r = ipam_conf_add_rangesets(&conf, rt_ranges, "runtimeConfig.ipRanges", err)) < 0)
		goto fail;
	if ((r = add_legacy_range(&conf, ipam, err)) < 0 ||
	    (r = json_get_array(ipam, "ipam", "ranges", false, &ranges, err)) < 0)
		goto fail;
	if (ranges && (r = ipam_conf_add_rangesets(&conf, ranges, "ipam.ranges", err)) < 0)
		goto fail;
	if ((r = ipam_conf_validate(&conf, err)) < 0 ||
	    (r = check_version_families(&conf, req->version, err)) < 0 ||
	    (r = parse_routes(&conf, ipam, err)) < 0 ||
	    (r = json_get_string(ipam, "ipam", "dataDir", false, &data_dir, err)) < 0 ||
	    (r = json_get_string(ipam, "ipam", "resolvConf", false, &conf.resolv_conf, err)) < 0)
		goto fail;
	if (data_dir && *data_dir)
		conf.data_dir = data_dir;
	if (conf.resolv_conf && !*conf.resolv_conf)
		conf.resolv_conf = NULL;
	if ((r = load_requested(&conf, req, err)) < 0)
		goto fail;
	*ret = conf;
	return 0;
fail:
	ipam_conf_clear(&conf);
	return r;
}

void ipam_conf_clear(struct ipam_conf *conf)
{
	for (size_t i = 0; i < conf->n_sets; i++)
		free(conf->sets[i].ranges);
	free(conf->sets);
	free(conf->routes);
	free(conf->requested);
	*conf = (struct ipam_conf){0};
}

void ipam_rangeset_format(const struct ipam_rangeset *set, char *buf, size_t size)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < set->n && len < size; i++) {
		int k = snprintf(buf + len, size - len, "%s%s-%s", i ? "," : "",
				 ipaddr_format(&set->ranges[i].start, a),
				 ipaddr_format(&set->ranges[i].end, b));
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

bool ipam_rangeset_contains(const struct ipam_rangeset *set, const struct ipaddr *a,
			    const struct ipam_range **ret_range)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct ipam_range *rg = &set->ranges[i];
		if (a->family == rg->start.family && ipaddr_cmp(a, &rg->start) >= 0 &&
		    ipaddr_cmp(a, &rg->end) <= 0) {
			if (ret_range)
				*ret_range = rg;
			return true;
		}
	}
	return false;
}
