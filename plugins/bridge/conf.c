/* bridge configuration: every key of upstream plugins/main/bridge (HEAD), validated up front so
 * a bad value is refused before anything is changed. */
#include <errno.h>
#include <string.h>

#include "bridge.h"
#include "json.h"

void br_conf_clear(struct br_conf *c)
{
	free(c->trunk);
	c->trunk = NULL;
	cni_dns_clear(&c->dns);
}

static int get_bool(const cJSON *cfg, const char *key, bool *ret, struct cni_error *err)
{
	return json_get_bool(cfg, NULL, key, false, ret, err);
}

/* vlanTrunk: [{"id": n} | {"minID": a, "maxID": b}], VLAN IDs 1..4094 (reference
 * collectVlanTrunk). */
static int parse_trunk(const cJSON *cfg, struct br_conf *c, struct cni_error *err)
{
	const cJSON *list = NULL, *it;
	size_t i = 0;
	int r;

	if ((r = json_get_array(cfg, NULL, "vlanTrunk", false, &list, err)) < 0 || !list)
		return r;
	c->trunk = calloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(*c->trunk));
	if (!c->trunk)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	cJSON_ArrayForEach(it, list) {
		char where[32];
		int64_t id = -1, min = -1, max = -1;

		snprintf(where, sizeof(where), "vlanTrunk[%zu]", i);
		if (!cJSON_IsObject(it))
			return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
					     "%s: expected an object, got %s", where,
					     json_type_name(it));
		if ((r = json_get_int(it, where, "id", false, INT32_MIN, INT32_MAX, &id, err)) <
			    0 ||
		    (r = json_get_int(it, where, "minID", false, INT32_MIN, INT32_MAX, &min, err)) <
			    0 ||
		    (r = json_get_int(it, where, "maxID", false, INT32_MIN, INT32_MAX, &max, err)) <
			    0)
			return r;
		if (json_has_field(it, "id")) {
			if (id < 1 || id > 4094)
				return cni_error_set(
					err, CNI_ERR_CONFIG, EINVAL, NULL,
					"incorrect trunk id parameter: %s.id = %lld (must be between 1 and 4094)",
					where, (long long)id);
			c->trunk[i++] = (struct br_trunk){(unsigned)id, (unsigned)id};
			continue;
		}
		bool has_min = json_has_field(it, "minID");
		bool has_max = json_has_field(it, "maxID");
		if (has_min != has_max || !has_min)
			return cni_error_set(
				err, CNI_ERR_CONFIG, EINVAL, NULL,
				"%s: minID and maxID should be configured simultaneously (or id alone)",
				where);
		if (min < 1 || min > 4094)
			return cni_error_set(
				err, CNI_ERR_CONFIG, EINVAL, NULL,
				"incorrect trunk minID parameter: %s.minID = %lld (must be between 1 and 4094)",
				where, (long long)min);
		if (max < 1 || max > 4094)
			return cni_error_set(
				err, CNI_ERR_CONFIG, EINVAL, NULL,
				"incorrect trunk maxID parameter: %s.maxID = %lld (must be between 1 and 4094)",
				where, (long long)max);
		if (min > max)
			return cni_error_set(
				err, CNI_ERR_CONFIG, EINVAL, NULL,
				"minID is greater than maxID in trunk parameter: %s = {%lld, %lld}",
				where, (long long)min, (long long)max);
		c->trunk[i++] = (struct br_trunk){(unsigned)min, (unsigned)max};
	}
	c->n_trunk = i;
	return 0;
}

static int parse_mac(const char *s, const char *key, struct br_conf *c, struct cni_error *err)
{
	if (nlu_mac_parse(s, c->mac) < 0 || (c->mac[0] & 1) ||
	    !(c->mac[0] | c->mac[1] | c->mac[2] | c->mac[3] | c->mac[4] | c->mac[5]))
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"invalid MAC address \"%s\" in %s (want a unicast aa:bb:cc:dd:ee:ff)", s,
			key);
	c->has_mac = true;
	return 0;
}

/* Container MAC: runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC (reference precedence). */
static int parse_mac_sources(const struct cni_request *req, struct br_conf *c,
			     struct cni_error *err)
{
	const cJSON *args = NULL, *cni = NULL;
	const char *s = NULL;
	int r;

	if (req->runtime_config &&
	    (r = json_get_string(req->runtime_config, "runtimeConfig", "mac", false, &s, err)) < 0)
		return r;
	if (s && *s)
		return parse_mac(s, "runtimeConfig.mac", c, err);
	s = NULL;
	if ((r = json_get_object(req->config, NULL, "args", false, &args, err)) < 0)
		return r;
	if (args && (r = json_get_object(args, "args", "cni", false, &cni, err)) < 0)
		return r;
	if (cni && (r = json_get_string(cni, "args.cni", "mac", false, &s, err)) < 0)
		return r;
	if (s && *s)
		return parse_mac(s, "args.cni.mac", c, err);
	s = cni_args_get(&req->args, "MAC");
	if (s && *s)
		return parse_mac(s, "CNI_ARGS MAC", c, err);
	return 0;
}

static int check_bridge_name(const char *name, const char *why, struct cni_error *err)
{
	if (!why)
		return 0;
	return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, why, "invalid \"bridge\" name \"%s\"",
			     name);
}

static int parse_keys(const cJSON *cfg, struct br_conf *c, struct cni_error *err)
{
	const char *backend = NULL;
	int64_t mtu = 0, vlan = 0;
	int r;

	if ((r = json_get_string(cfg, NULL, "bridge", false, &c->bridge, err)) < 0 ||
	    (r = get_bool(cfg, "isGateway", &c->is_gateway, err)) < 0 ||
	    (r = get_bool(cfg, "isDefaultGateway", &c->is_default_gateway, err)) < 0 ||
	    (r = get_bool(cfg, "forceAddress", &c->force_address, err)) < 0 ||
	    (r = get_bool(cfg, "ipMasq", &c->ip_masq, err)) < 0 ||
	    (r = json_get_string(cfg, NULL, "ipMasqBackend", false, &backend, err)) < 0 ||
	    (r = json_get_int(cfg, NULL, "mtu", false, 0, 65535, &mtu, err)) < 0 ||
	    (r = get_bool(cfg, "hairpinMode", &c->hairpin, err)) < 0 ||
	    (r = get_bool(cfg, "promiscMode", &c->promisc, err)) < 0 ||
	    (r = json_get_int(cfg, NULL, "vlan", false, INT32_MIN, INT32_MAX, &vlan, err)) < 0 ||
	    (r = get_bool(cfg, "preserveDefaultVlan", &c->preserve_default_vlan, err)) < 0 ||
	    (r = get_bool(cfg, "macspoofchk", &c->macspoofchk, err)) < 0 ||
	    (r = get_bool(cfg, "enabledad", &c->enable_dad, err)) < 0 ||
	    (r = get_bool(cfg, "disableContainerInterface", &c->disable_container_iface, err)) <
		    0 ||
	    (r = get_bool(cfg, "portIsolation", &c->port_isolation, err)) < 0 ||
	    (r = parse_trunk(cfg, c, err)) < 0)
		return r;
	if ((r = masq_backend_parse(backend, &c->masq_backend, err)) < 0)
		return r;
	if (vlan < 0 || vlan > 4094)
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"invalid VLAN ID %lld in \"vlan\" (must be between 0 and 4094)",
			(long long)vlan);
	if (mtu && mtu < 68)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "invalid \"mtu\" %lld (must be 0 or between 68 and 65535)",
				     (long long)mtu);
	c->vlan = (unsigned)vlan;
	c->mtu = (unsigned)mtu;
	if (!c->bridge || !*c->bridge)
		c->bridge = BR_DEFAULT_BRIDGE;
	return check_bridge_name(c->bridge, cni_ifname_problem(c->bridge), err);
}

static int parse_ipam_dns(const cJSON *cfg, struct br_conf *c, struct cni_error *err)
{
	const cJSON *ipam = NULL;
	int r;

	if ((r = json_get_object(cfg, NULL, "ipam", false, &ipam, err)) < 0)
		return r;
	if (ipam && (r = json_get_string(ipam, "ipam", "type", false, &c->ipam_type, err)) < 0)
		return r;
	if (c->ipam_type && !*c->ipam_type)
		c->ipam_type = NULL;
	r = cni_dns_decode(json_field(cfg, "dns"), "dns", &c->dns, err);
	if (r < 0 && err && err->code == CNI_ERR_DECODE)
		err->code = CNI_ERR_CONFIG;
	return r;
}

static int check_combinations(const struct br_conf *c, struct cni_error *err)
{
	int r;

	/* Only where we may create the bridge: DEL and GC must still clean up after a name that
	 * the reference accepted. */
	if ((r = check_bridge_name(c->bridge, cni_ifname_kernel_problem(c->bridge), err)) < 0)
		return r;
	if (c->hairpin && c->promisc)
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"cannot set hairpin mode and promiscuous mode at the same time (hairpinMode: true, promiscMode: true)");
	if (c->ipam_type && c->disable_container_iface)
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"cannot use IPAM when disableContainerInterface flag is set (ipam.type: \"%s\")",
			c->ipam_type);
	/* isGateway + vlan: the gateway lives on a "<bridge>.<vlan>" leg (br_vlan_leg_name). */
	if (c->is_gateway && c->vlan && !br_vlan_leg_name(c, NULL))
		return cni_error_set(
			err, CNI_ERR_CONFIG, ENAMETOOLONG, NULL,
			"bridge \"%s\" with vlan %u and isGateway: the gateway interface name \"%s.%u\" is longer than 15 bytes",
			c->bridge, c->vlan, c->bridge, c->vlan);
	return 0;
}

bool br_vlan_leg_name(const struct br_conf *c, char buf[IFNAMSIZ])
{
	char tmp[IFNAMSIZ];
	int n = snprintf(buf ? buf : tmp, IFNAMSIZ, "%s.%u", c->bridge, c->vlan);

	return n > 0 && n < IFNAMSIZ;
}

int br_conf_parse(const struct cni_request *req, bool strict, struct br_conf *ret,
		  struct cni_error *err)
{
	static const char *const known_args[] = {"MAC", "IP", NULL};
	struct br_conf c = {.network = req->name};
	int r;

	if ((r = parse_keys(req->config, &c, err)) < 0 ||
	    (r = parse_ipam_dns(req->config, &c, err)) < 0)
		goto fail;
	/* SPEC.md: isDefaultGateway implies isGateway (reference bridge.go loadNetConf). */
	if (c.is_default_gateway)
		c.is_gateway = true;
	if (strict && ((r = check_combinations(&c, err)) < 0 ||
		       (r = cni_args_check_known(&req->args, known_args, err)) < 0 ||
		       (r = parse_mac_sources(req, &c, err)) < 0))
		goto fail;
	*ret = c;
	return 0;
fail:
	br_conf_clear(&c);
	return r;
}
