/* isGateway: the gateway address on the bridge, or with "vlan" on the "<bridge>.<vlan>" gateway
 * leg (reference ensureVlanInterface: a veth whose named end stays in the host netns and whose
 * other end is an access port of that VLAN on the bridge); forwarding; the bridge MAC pin. */
#include <errno.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "br_internal.h"

/* The interface holding the gateway. IPv4: one address per interface; a different one is an
 * error unless forceAddress, which removes the others (reference ensureAddr). IPv6: only an
 * overlapping prefix conflicts. IPv6 addresses are added without DAD (IFA_F_NODAD) so the gateway
 * is usable at once (moby#48609). */
static int ensure_gateway_addr(struct br_ctx *ctx, int ifindex, const char *ifname,
			       const struct ipprefix *want, struct cni_error *err)
{
	_cleanup_free_ struct nlu_addr *v = NULL;
	int fam = want->addr.family;
	char a[IPPREFIX_STRLEN], b[IPPREFIX_STRLEN];
	size_t n = 0;
	int r;

	if ((r = nlu_addr_list(ctx->hsk, ifindex, fam, &v, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (v[i].prefix.len == want->len && ipaddr_equal(&v[i].prefix.addr, &want->addr))
			return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (fam == AF_INET6 &&
		    (v[i].scope != RT_SCOPE_UNIVERSE || !ipprefix_overlaps(&v[i].prefix, want)))
			continue;
		if (!ctx->conf.force_address)
			return cni_error_set(
				err, CNI_ERR_CONFIG, EEXIST, NULL,
				"\"%s\" already has an IP address different from %s (%s); set forceAddress to replace it",
				ifname, ipprefix_format(want, a), ipprefix_format(&v[i].prefix, b));
		if ((r = nlu_addr_del(ctx->hsk, ifindex, &v[i].prefix, err)) < 0)
			return r;
	}
	r = nlu_addr_add(ctx->hsk, ifindex, want, fam == AF_INET6 ? IFA_F_NODAD : 0, err);
	if (r == -EEXIST) { /* a concurrent ADD added it */
		memset(err, 0, sizeof(*err));
		return 0;
	}
	return r;
}

/* The "<bridge>.<vlan>" leg, shared by every attachment of that VLAN and never removed by DEL
 * (as the reference). An existing link of that name is used as it is (an operator's own vlan
 * device works too). A new one: veth "<bridge>.<vlan>" in the host netns, its peer an access port
 * of the VLAN on the bridge, both up; removed again if this ADD fails (br_undo_vlan_leg). */
static int ensure_vlan_leg(struct br_ctx *ctx, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	char port[IFNAMSIZ];
	struct nlu_veth v = {
		.mtu = ctx->br.mtu,
		.master = ctx->br.ifindex,
		.up = true,
		.peer_name = ctx->leg.name,
		.peer_ns_fd = -1,
		.peer_up = false, /* the kernel refuses both ends up in the create (-ENOTCONN) */
	};
	int r = -EEXIST, port_index;

	if (ctx->leg.ifindex)
		return 0;
	if (!br_vlan_leg_name(c, ctx->leg.name)) /* br_conf_parse refuses it first */
		return cni_error_set(err, CNI_ERR_CONFIG, ENAMETOOLONG, NULL,
				     "vlan gateway interface name too long");
	if (nlu_link_get(ctx->hsk, ctx->leg.name, 0, &ctx->leg, NULL) >= 0)
		return 0;
	for (int i = 0; i < 10 && r == -EEXIST; i++) {
		struct cni_error e = {0};
		br_random_veth_name(port);
		v.name = port;
		r = nlu_veth_create(ctx->hsk, &v, &e);
		if (r == -EEXIST && nlu_link_get(ctx->hsk, ctx->leg.name, 0, &ctx->leg, NULL) >= 0)
			return 0; /* a concurrent ADD made the leg */
		if (r < 0 && r != -EEXIST) {
			*err = e;
			cni_error_prefix(err, "create vlan gateway \"%s\"", ctx->leg.name);
			return r;
		}
	}
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EEXIST, NULL,
				     "create vlan gateway \"%s\": no free veth name",
				     ctx->leg.name);
	ctx->leg_created = true;
	if ((r = nlu_link_get(ctx->hsk, ctx->leg.name, 0, &ctx->leg, err)) < 0 ||
	    (r = nlu_link_set_up(ctx->hsk, ctx->leg.ifindex, true, err)) < 0)
		return r;
	port_index = ctx->leg.peer;
	if (!port_index)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENODEV, NULL,
				     "vlan gateway \"%s\": peer not found", ctx->leg.name);
	if ((r = br_port_vlans(ctx, port_index, false, err)) < 0)
		cni_error_prefix(err, "vlan gateway \"%s\"", ctx->leg.name);
	return r;
}

void br_undo_vlan_leg(struct br_ctx *ctx)
{
	if (ctx->leg_created)
		(void)nlu_link_del(ctx->hsk, ctx->leg.ifindex, ctx->leg.name, NULL);
	ctx->leg_created = false;
}

/* Read first (over netlink: O(1), where the /proc/sys path walk is O(number of netns)), write
 * only when it is off. */
static int enable_forwarding(struct br_ctx *ctx, int family, const char *path,
			     struct cni_error *err)
{
	int r = nlu_forwarding_get(ctx->hsk, family, NULL);

	if (r == 1)
		return 0;
	if ((r = br_sysctl_ensure(path, "1")) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "enable forwarding (%s)",
				     path);
	return 0;
}

/* A bridge we did not create may still follow its ports' MACs: pin it to the MAC it had when we
 * looked it up (reference ensureAddr). An empty unpinned bridge reads all-zero (plugins#620:
 * setting that is EINVAL), so then take the one it has now, with our port. */
static int pin_bridge_mac(struct br_ctx *ctx, struct cni_error *err)
{
	static const uint8_t zero[NLU_MAC_LEN];
	struct nlu_link l = ctx->br;
	int r;

	if ((!l.has_mac || !memcmp(l.mac, zero, NLU_MAC_LEN)) &&
	    (r = nlu_link_get(ctx->hsk, NULL, ctx->br.ifindex, &l, err)) < 0)
		return r;
	if (!l.has_mac || !memcmp(l.mac, zero, NLU_MAC_LEN))
		return 0;
	if ((r = nlu_link_set_mac(ctx->hsk, ctx->br.ifindex, l.mac, err)) < 0)
		return r;
	memcpy(ctx->br.mac, l.mac, NLU_MAC_LEN);
	ctx->br_mac_known = true;
	return 0;
}

int br_setup_gateway(struct br_ctx *ctx, struct cni_error *err)
{
	const struct cni_result *res = ctx->ipam;
	bool v4 = false, v6 = false;
	int r;

	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ip *ip = &res->ips[i];
		struct ipprefix gw;
		if (!ip->gateway.family)
			continue;
		gw.addr = ip->gateway;
		gw.len = ip->address.len;
		if (ctx->conf.vlan) {
			if ((r = ensure_vlan_leg(ctx, err)) < 0 ||
			    (r = ensure_gateway_addr(ctx, ctx->leg.ifindex, ctx->leg.name, &gw,
						     err)) < 0)
				return r;
		} else if ((r = ensure_gateway_addr(ctx, ctx->br.ifindex, ctx->conf.bridge, &gw,
						    err)) < 0) {
			return r;
		}
		if (gw.addr.family == AF_INET)
			v4 = true;
		else
			v6 = true;
	}
	if ((v4 &&
	     (r = enable_forwarding(ctx, AF_INET, "/proc/sys/net/ipv4/ip_forward", err)) < 0) ||
	    (v6 && (r = enable_forwarding(ctx, AF_INET6, "/proc/sys/net/ipv6/conf/all/forwarding",
					  err)) < 0))
		return r;
	/* Also with a vlan leg (the reference then pins only the leg, and the bridge MAC flaps as
	 * ports come and go). */
	if (!ctx->br_created && (v4 || v6))
		return pin_bridge_mac(ctx, err);
	return 0;
}
