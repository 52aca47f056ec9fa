/* bridge ADD (reference order, cni-reference.md §2.2), with a full rollback of every kernel
 * change on failure, and few netlink round trips: the veth is created with its container end born
 * in the container netns, enslaved and up, in one RTM_NEWLINK; the container netns is entered
 * once. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <linux/if_addr.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>

#include "attachment_lock.h"
#include "br_internal.h"
#include "invoke.h"
#include "monotonic.h"
#include "netns.h"
#include "spoofchk.h"

#define BR_OPER_UP 6 /* IF_OPER_UP, RFC 2863 (linux/if.h clashes with net/if.h) */

/* ---- sysctls ---- */

int br_sysctl_ensure(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	char buf[32];
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, value))
			return 0;
	}
	if (pwrite(fd, value, strlen(value), 0) < 0)
		return negative_errno();
	return 1;
}

/* /proc/sys/net/<fam>/conf/<ifname>/<key> in the current netns. */
static int sysctl_set(const char *fam, const char *ifname, const char *key, const char *value,
		      bool required, struct cni_error *err)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam, ifname, key);
	r = br_sysctl_ensure(path, value);
	if (r < 0 && required)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "set sysctl %s=%s", path,
				     value);
	return 0;
}

/* ---- bridge ---- */

/* A request whose answer was lost (ENOBUFS, an interrupted receive) may have been carried out
 * all the same: the link is ours, for the rollback to delete, if it has the name and the random
 * MAC we asked for. Asked by ioctl, which works while netlink answers are being lost. Its
 * ifindex, or 0. */
static int made_anyway(struct br_ctx *ctx, const char *name, const uint8_t mac[NLU_MAC_LEN])
{
	uint8_t m[NLU_MAC_LEN];
	int ifindex = nlu_ifindex(ctx->hsk, name);

	if (!ifindex || nlu_link_mac(ctx->hsk, name, m) < 0 || memcmp(m, mac, NLU_MAC_LEN) != 0)
		return 0;
	return ifindex;
}

/* Bridge created on demand, race-safe: concurrent ADDs may all try; EEXIST means someone else
 * won, so re-read and type-check. */
int br_ensure_bridge(struct br_ctx *ctx, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	struct cni_error e = {0};
	uint8_t mac[NLU_MAC_LEN];
	bool vlan = c->vlan || c->n_trunk;
	int r;

	r = nlu_link_get(ctx->hsk, c->bridge, 0, &ctx->br, &e);
	if (r == -ENODEV) {
		nlu_mac_random(mac);
		r = nlu_bridge_create(ctx->hsk, c->bridge, c->mtu, mac, vlan, err);
		if (r < 0 && r != -EEXIST && (ctx->br.ifindex = made_anyway(ctx, c->bridge, mac))) {
			ctx->br_created = true; /* the rollback's to delete */
			return r;
		}
		if (r == -EEXIST) {
			memset(err, 0, sizeof(*err));
		} else if (r < 0) {
			if (r == -EOPNOTSUPP && vlan)
				cni_error_add_details(
					err,
					"this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING), needed by \"vlan\"/\"vlanTrunk\"");
			return r;
		} else {
			ctx->br_created = true;
		}
		r = nlu_link_get(ctx->hsk, c->bridge, 0, &ctx->br, err);
		if (r < 0)
			return r;
	} else if (r < 0) {
		*err = e;
		return r;
	}
	if (strcmp(ctx->br.kind, "bridge") != 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EEXIST, NULL,
				     "\"%s\" already exists but is not a bridge (bridge: \"%s\")",
				     c->bridge, c->bridge);
	/* Also on a bridge that existed, as the reference does: a router advertisement on the
	 * bridge must not give the host a route through a container. The link's message tells
	 * whether it is 0 already (no /proc/sys walk then). */
	if (ctx->br.ipv6_accept_ra != 0)
		(void)sysctl_set("ipv6", c->bridge, "accept_ra", "0", false, NULL);
	if (!(ctx->br.flags & IFF_UP) &&
	    (r = nlu_link_set_up(ctx->hsk, ctx->br.ifindex, true, err)) < 0)
		return r;
	if (c->promisc && !(ctx->br.flags & IFF_PROMISC) &&
	    (r = nlu_link_set_promisc(ctx->hsk, ctx->br.ifindex, err)) < 0)
		return r;
	return 0;
}

/* Undo a bridge this ADD created, if nobody else attached to it meanwhile. */
static void undo_bridge(struct br_ctx *ctx)
{
	_cleanup_free_ int *ports = NULL;
	size_t n = 0;

	if (!ctx->br_created)
		return;
	if (nlu_link_list_ports(ctx->hsk, ctx->br.ifindex, &ports, &n, NULL) < 0 || n > 0)
		return;
	(void)nlu_link_del(ctx->hsk, ctx->br.ifindex, ctx->conf.bridge, NULL);
}

/* ---- veth ---- */

void br_random_veth_name(char buf[IFNAMSIZ])
{
	uint32_t v;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)random() ^ (uint32_t)getpid();
	snprintf(buf, IFNAMSIZ, "veth%08x", v);
}

/* ADD twice for one attachment (SPEC.md › ADD forbids it): keep the first one intact. Checked
 * before IPAM starts, so that the rollback's IPAM DEL can never release the first one's lease. */
static int refuse_live_attachment(struct br_ctx *ctx, struct cni_error *err)
{
	const char *ifname = ctx->req->env.ifname;
	struct br_state old = {0};
	struct nlu_link l;
	bool live;

	if (br_state_read(ctx->req->name, ctx->req->env.container_id, ifname, &old, NULL) < 0)
		return 0;
	live = old.host_ifname[0] && nlu_link_get(ctx->hsk, old.host_ifname, 0, &l, NULL) >= 0;
	br_state_clear(&old);
	if (live)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EEXIST, NULL,
			"attachment %s/%s already exists (host veth \"%s\"); DEL it first",
			ctx->req->env.container_id, ifname, l.name);
	return 0;
}

/* net/bridge/br_private.h: BR_MAX_PORTS is 1 << BR_PORT_BITS (10), and port number 0 is never
 * given out (br_if.c find_portno), so a bridge holds 1023 ports. */
#define BR_KERNEL_MAX_PORTS 1023

static void follow_port(struct br_ctx *ctx);

/* Random host name veth+8 hex, drawn again when taken; the container end is born in the
 * container netns with its MAC and MTU and the host end enslaved, in one request; the host end
 * is set up after (below). */
static int create_veth(struct br_ctx *ctx, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	const char *ifname = ctx->req->env.ifname;
	struct nlu_veth v = {
		.mac = ctx->host_mac,
		.mtu = c->mtu,
		.master = ctx->br.ifindex,
		.up = false, /* up once IPv6 address generation is off (below) */
		.peer_name = ifname,
		.peer_ns_fd = ctx->ns_fd,
		.peer_mac = ctx->cont_mac,
		.peer_up = false,
	};
	struct nlu_link l;
	int r = -EEXIST;

	/* fe:xx:xx:xx:xx:xx (locally administered, unicast), as libvirt gives its taps: a bridge
	 * whose MAC was never set takes its ports' lowest (br_stp_recalculate_bridge_id), and no
	 * address the kernel or a vendor gives starts as high, so our port joining a bridge that
	 * has a port already leaves its MAC alone (bridge_mac_unchanged). */
	nlu_mac_random(ctx->host_mac);
	ctx->host_mac[0] = 0xfe;
	for (int i = 0; i < 10; i++) {
		struct cni_error e = {0};

		br_random_veth_name(ctx->host_ifname);
		v.name = ctx->host_ifname;
		if ((r = br_state_save(ctx, err)) < 0)
			return r;
		r = nlu_veth_create(ctx->hsk, &v, &e);
		if (r >= 0)
			break;
		if (r == -EXFULL)
			return cni_error_set(
				err, CNI_ERR_INTERNAL, EXFULL, e.details[0] ? e.details : NULL,
				"bridge \"%s\" is full: the kernel allows at most %d ports on one bridge (BR_MAX_PORTS %d, port 0 reserved)",
				c->bridge, BR_KERNEL_MAX_PORTS, BR_KERNEL_MAX_PORTS + 1);
		if (r != -EEXIST) {
			if ((ctx->host_index = made_anyway(ctx, ctx->host_ifname, ctx->host_mac)))
				ctx->veth_created = true;
			*err = e;
			cni_error_prefix(err, "netns \"%s\"", ctx->req->env.netns);
			return r;
		}
		/* Which name is taken? The host one means: retry with another. */
		if (nlu_link_get(ctx->hsk, ctx->host_ifname, 0, &l, NULL) == -ENODEV)
			return cni_error_set(
				err, CNI_ERR_INTERNAL, EEXIST, NULL,
				"container interface \"%s\" already exists in netns \"%s\"", ifname,
				ctx->req->env.netns);
	}
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EEXIST, NULL,
				     "no free host veth name after 10 attempts");
	ctx->veth_created = true;
	ctx->host_index = nlu_ifindex(ctx->hsk, ctx->host_ifname);
	if (!ctx->host_index)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "look up new host veth '%s'", ctx->host_ifname);
	/* A bridge port needs no IPv6 address of its own. Without a link-local one it sends no
	 * DAD, MLD or router solicitation, each flooded by the bridge to every other port (and
	 * processed in every container), and adds no fe80::/64 route to the host's table, where
	 * the insertion walks one sibling per port: both grow ADD with the number of containers.
	 * Turned off while the link is still down, in a request of its own: in the request that
	 * sets it up, the kernel would change the flags first and then announce the mode's change
	 * to a link without carrier, for which IPv6 walks all the host's routes (nlutil.h; 60 us an
	 * ADD at 200 containers, more with each). Without IPv6 the kernel refuses it: nothing to
	 * turn off. */
	struct cni_error e = {0};
	r = nlu_link_set_addrgen_none(ctx->hsk, ctx->host_index, &e);
	if (r < 0 && r != -EAFNOSUPPORT) {
		*err = e;
		return r;
	}
	return nlu_link_set_up(ctx->hsk, ctx->host_index, true, err);
}

/* VLAN membership of a bridge port: the access VLAN (PVID, untagged) and, for the container's
 * port, the trunk. preserveDefaultVlan false (upstream default since v1.8.0) drops the bridge's
 * default PVID 1 first, so the port sees only its own VLANs. */
int br_port_vlans(struct br_ctx *ctx, int ifindex, bool trunk, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	size_t n_trunk = trunk ? c->n_trunk : 0;
	int r;

	if (!c->vlan && !n_trunk)
		return 0;
	if (!c->preserve_default_vlan && (r = nlu_bridge_vlan_del(ctx->hsk, ifindex, 1, err)) < 0)
		goto fail;
	if (c->vlan &&
	    (r = nlu_bridge_vlan_add(ctx->hsk, ifindex, c->vlan, c->vlan, true, true, err)) < 0)
		goto fail;
	for (size_t i = 0; i < n_trunk; i++) {
		if ((r = nlu_bridge_vlan_add(ctx->hsk, ifindex, c->trunk[i].min, c->trunk[i].max,
					     false, false, err)) < 0)
			goto fail;
	}
	if (!c->vlan && n_trunk &&
	    (r = nlu_bridge_vlan_add(ctx->hsk, ifindex, 1, 1, true, true, err)) < 0)
		goto fail;
	return 0;
fail:
	if (r == -EOPNOTSUPP || r == -EINVAL)
		cni_error_add_details(
			err,
			"bridge \"%s\" has no VLAN filtering (it must be created with vlan_filtering, and the kernel needs CONFIG_BRIDGE_VLAN_FILTERING)",
			c->bridge);
	return r;
}

/* Bridge port options: hairpin and isolation (only written when wanted: a new port starts with
 * both off), then VLANs. */
static int configure_port(struct br_ctx *ctx, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	int r;

	if ((c->hairpin || c->port_isolation) &&
	    (r = nlu_brport_set(ctx->hsk, ctx->host_index, c->hairpin, c->port_isolation, err)) < 0)
		return r;
	return br_port_vlans(ctx, ctx->host_index, true, err);
}

/* ---- IPAM and result ---- */

/* IPAM ADD runs beside the bridge's own kernel work (bridge, veth, port): it is started right
 * after the request is validated and collected here. */
static int run_ipam(struct br_ctx *ctx, struct cni_error *err)
{
	const struct br_conf *c = &ctx->conf;
	struct cni_result *res;
	int r;

	r = invoke_delegate_finish(ctx->req, &ctx->ipam_call, &ctx->ipam, err);
	if (r < 0)
		return r;
	ctx->ipam_done = true;
	res = ctx->ipam;
	if (res->n_ips == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "IPAM plugin returned missing IP config");
	/* Gateway: IPAM's, else with isGateway the subnet's first address (reference
	 * calcGateways). */
	for (size_t i = 0; i < res->n_ips; i++) {
		struct cni_ip *ip = &res->ips[i];
		if (!ip->gateway.family && c->is_gateway) {
			struct ipprefix net;
			ipprefix_network(&ip->address, &net);
			if (ipaddr_add(&net.addr, 1, &ip->gateway) < 0)
				ip->gateway.family = 0;
		}
	}
	if (c->is_default_gateway)
		return br_add_default_routes(ctx, err);
	return 0;
}

static bool has_default_route(const struct cni_result *res, int family)
{
	for (size_t i = 0; i < res->n_routes; i++)
		if (res->routes[i].dst.addr.family == family && res->routes[i].dst.len == 0)
			return true;
	return false;
}

/* isDefaultGateway: a default route via the family's gateway unless IPAM gave one (with or
 * without gw: the reference only recognises one with gw and then fails with EEXIST). */
int br_add_default_routes(struct br_ctx *ctx, struct cni_error *err)
{
	struct cni_result *res = ctx->ipam;
	bool done4 = has_default_route(res, AF_INET), done6 = has_default_route(res, AF_INET6);

	for (size_t i = 0; i < res->n_ips; i++) {
		const struct cni_ip *ip = &res->ips[i];
		int fam = ip->address.addr.family;
		struct cni_route rt = {0};

		if (!ip->gateway.family || (fam == AF_INET ? done4 : done6))
			continue;
		rt.dst.addr.family = fam;
		rt.gw = ip->gateway;
		if (cni_result_add_route(res, &rt) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		if (fam == AF_INET)
			done4 = true;
		else
			done6 = true;
	}
	return 0;
}

/* ---- container side ---- */

static bool has_v6(const struct br_ctx *ctx)
{
	if (!ctx->ipam)
		return false;
	for (size_t i = 0; i < ctx->ipam->n_ips; i++)
		if (ctx->ipam->ips[i].address.addr.family == AF_INET6)
			return true;
	return false;
}

/* Runs inside the container netns (the one setns of ADD): per-interface sysctls and ifindex. */
static int container_prepare(struct nl_sock *sk, void *data, struct cni_error *err)
{
	struct br_ctx *ctx = data;
	const char *ifn = ctx->req->env.ifname;
	int r;

	ctx->cont_index = nlu_ifindex(sk, ifn);
	if (!ctx->cont_index)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "look up container interface \"%s\"", ifn);
	if (!ctx->conf.ipam_type)
		return 0;
	/* arp_notify is set over netlink once the socket is ours (configure_container).
	 * enabledad false: no DAD, written even for IPv4-only attachments as the reference does,
	 * so a later IPv6 address (a chained plugin, the user) is not left tentative. Not
	 * required: the kernel may have IPv6 disabled. true: enhanced DAD and wait for it. */
	if (!ctx->conf.enable_dad)
		(void)sysctl_set("ipv6", ifn, "accept_dad", "0", false, NULL);
	if (!has_v6(ctx))
		return 0;
	if ((r = sysctl_set("ipv6", ifn, "disable_ipv6", "0", true, err)) < 0)
		return r;
	if (ctx->conf.enable_dad) {
		(void)sysctl_set("ipv6", ifn, "enhanced_dad", "1", false, NULL);
		if ((r = sysctl_set("ipv6", ifn, "accept_dad", "1", true, err)) < 0)
			return r;
	}
	/* Unsolicited neighbour advertisement on link up (the IPv6 twin of arp_notify). */
	(void)sysctl_set("ipv6", ifn, "ndisc_notify", "1", false, NULL);
	(void)sysctl_set("ipv6", ifn, "keep_addr_on_down", "1", false, NULL);
	return 0;
}

static const struct ipaddr *family_gateway(const struct cni_result *res, int family)
{
	for (size_t i = 0; i < res->n_ips; i++)
		if (res->ips[i].address.addr.family == family && res->ips[i].gateway.family)
			return &res->ips[i].gateway;
	return NULL;
}

/* An existing route is fine only when it is the same route (dst, gw, device). */
static bool route_exists(struct nl_sock *sk, const struct nlu_route *want)
{
	_cleanup_free_ struct nlu_route *v = NULL;
	size_t n = 0;

	if (nlu_route_list(sk, want->dst.addr.family, &v, &n, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct ipprefix a, b;
		ipprefix_network(&v[i].dst, &a);
		ipprefix_network(&want->dst, &b);
		if (a.len == b.len && ipaddr_equal(&a.addr, &b.addr) && v[i].oif == want->oif &&
		    v[i].gw.family == want->gw.family &&
		    (!want->gw.family || ipaddr_equal(&v[i].gw, &want->gw)))
			return true;
	}
	return false;
}

static int wait_dad(struct br_ctx *ctx, struct cni_error *err)
{
	for (int i = 0; i < 100; i++) {
		_cleanup_free_ struct nlu_addr *v = NULL;
		size_t n = 0;
		bool tentative = false;
		int r = nlu_addr_list(ctx->csk, ctx->cont_index, AF_INET6, &v, &n, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n; k++) {
			char buf[IPPREFIX_STRLEN];
			if (v[k].flags & IFA_F_DADFAILED)
				return cni_error_set(
					err, CNI_ERR_INTERNAL, EADDRINUSE, NULL,
					"IPv6 duplicate address detection failed for %s on \"%s\"",
					ipprefix_format(&v[k].prefix, buf), ctx->req->env.ifname);
			if (v[k].flags & IFA_F_TENTATIVE)
				tentative = true;
		}
		if (!tentative)
			return 0;
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	return cni_error_set(err, CNI_ERR_INTERNAL, ETIMEDOUT, NULL,
			     "IPv6 addresses on \"%s\" still tentative after 5 s",
			     ctx->req->env.ifname);
}

/* Addresses, link up (which, with arp_notify/ndisc_notify, announces them), routes. */
static int configure_container(struct br_ctx *ctx, struct cni_error *err)
{
	const struct cni_result *res = ctx->ipam;
	int r;

	r = nlu_open_in_netns(ctx->ns_fd, container_prepare, ctx, &ctx->csk, err);
	if (r < 0)
		return r;
	/* Gratuitous ARP when the link comes up with its addresses (arp_notify), over netlink:
	 * a /proc/sys path walk costs O(number of netns) in the kernel (proc_sys_compare). */
	if (res && (r = nlu_link_set_ipv4_devconf(ctx->csk, ctx->cont_index,
						  IPV4_DEVCONF_ARP_NOTIFY, 1, err)) < 0)
		return r;
	for (size_t i = 0; res && i < res->n_ips; i++) {
		const struct cni_ip *ip = &res->ips[i];
		unsigned flags = ip->address.addr.family == AF_INET6 && !ctx->conf.enable_dad
					 ? IFA_F_NODAD
					 : 0;
		r = nlu_addr_add(ctx->csk, ctx->cont_index, &ip->address, flags, err);
		if (r < 0) {
			cni_error_prefix(err, "container interface \"%s\"", ctx->req->env.ifname);
			return r;
		}
	}
	if (ctx->conf.disable_container_iface)
		return 0;
	follow_port(ctx);
	if ((r = nlu_link_set_up(ctx->csk, ctx->cont_index, true, err)) < 0)
		return r;
	if (ctx->conf.enable_dad && has_v6(ctx) && (r = wait_dad(ctx, err)) < 0)
		return r;
	for (size_t i = 0; res && i < res->n_routes; i++) {
		const struct cni_route *cr = &res->routes[i];
		const struct ipaddr *gw = cr->gw.family ? &cr->gw
							: family_gateway(res, cr->dst.addr.family);
		struct nlu_route rt = {.dst = cr->dst, .oif = ctx->cont_index, .scope = -1};
		if (gw)
			rt.gw = *gw;
		if (cr->has & CNI_ROUTE_PRIORITY)
			rt.priority = cr->priority;
		if (cr->has & CNI_ROUTE_TABLE)
			rt.table = cr->table;
		if (cr->has & CNI_ROUTE_SCOPE)
			rt.scope = cr->scope;
		struct cni_error e = {0};
		r = nlu_route_add(ctx->csk, &rt, &e);
		if (r == -EEXIST && route_exists(ctx->csk, &rt))
			continue;
		if (r < 0) {
			*err = e;
			cni_error_prefix(err, "container interface \"%s\"", ctx->req->env.ifname);
			return r;
		}
	}
	return 0;
}

/* ---- masquerade, spoof check ---- */

static struct masq_attachment masq_att(const struct br_ctx *ctx)
{
	return (struct masq_attachment){.network = ctx->req->name,
					.container_id = ctx->req->env.container_id,
					.ifname = ctx->req->env.ifname};
}

static int setup_masq(struct br_ctx *ctx, struct cni_error *err)
{
	struct masq_attachment a = masq_att(ctx);
	_cleanup_free_ struct ipprefix *ips = calloc(ctx->ipam->n_ips + 1, sizeof(*ips));
	int r;

	if (!ips)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < ctx->ipam->n_ips; i++)
		ips[i] = ctx->ipam->ips[i].address;
	r = masq_add(ctx->conf.masq_backend, &a, ips, ctx->ipam->n_ips, err);
	if (r < 0) {
		cni_error_prefix(err, "ipMasq");
		return r;
	}
	ctx->masq_done = true;
	return 0;
}

static struct spoofchk_attachment spoof_att(const struct br_ctx *ctx)
{
	return (struct spoofchk_attachment){.container_id = ctx->req->env.container_id,
					    .ifname = ctx->req->env.ifname,
					    .host_ifname = ctx->host_ifname,
					    .mac = ctx->cont_mac_str};
}

/* ---- port state ---- */

/* A link notification: the host end's operstate. */
static void on_link_event(const struct nlu_link *l, void *data)
{
	struct br_ctx *ctx = data;

	if (l->ifindex == ctx->host_index)
		ctx->port_up = l->operstate == BR_OPER_UP;
}

static void follow_links_stop(struct br_ctx *ctx)
{
	if (ctx->link_mon >= 0)
		close(ctx->link_mon);
	ctx->link_mon = -EBADF;
}

/* Catch up with the link notifications, waiting up to timeout_ms for some. False once they
 * cannot be relied on (none subscribed, or the kernel dropped some): then ask instead. */
static bool follow_links(struct br_ctx *ctx, int timeout_ms)
{
	if (ctx->link_mon >= 0 &&
	    nlu_monitor_read(ctx->link_mon, timeout_ms, on_link_event, ctx) < 0)
		follow_links_stop(ctx);
	return ctx->link_mon >= 0;
}

/* Listen to the host netns' link notifications from just before the container end comes up,
 * which brings our port up (wait_port_up): a short while, in which a busy node's other links
 * queue a few dozen at most, read and dropped here (nlutil.h says why unfiltered). */
static void follow_port(struct br_ctx *ctx)
{
	if (ctx->link_mon < 0)
		(void)nlu_monitor_open(&ctx->link_mon, NULL);
}

/* Whether our port joining left the bridge's MAC as looked up (the result reports it): a
 * bridge we created or pinned keeps it; one whose MAC was set, or that took it from its ports,
 * says so in its bridge id (nlutil.h), and keeps it as our port joins, whose MAC is higher
 * (create_veth). A bridge without ports and without a MAC set takes our port's: then ask, as
 * also when a concurrent ADD or DEL may have changed it. */
static bool bridge_mac_unchanged(const struct br_ctx *ctx)
{
	const struct nlu_link *b = &ctx->br;

	return ctx->br_created || ctx->br_mac_known ||
	       (b->has_mac && b->has_bridge_id && !memcmp(b->bridge_id_mac, b->mac, NLU_MAC_LEN) &&
		memcmp(b->mac, ctx->host_mac, NLU_MAC_LEN) < 0);
}

/* The host end must be oper-up (the bridge port forwarding) before we report success
 * (plugins#468). Learnt from the link notifications as it happens: asking (RTM_GETLINK) waits
 * for rtnl, which kernel workers hold for long stretches where hundreds of ports share the
 * bridge. Without notifications: asked at once, then backed off (no sleep on the fast path).
 * (Asking once when the notifications have not said up yet was measured: the kernel then does
 * the link's pending state change in our process, 3-5 % more CPU per ADD, for a median that
 * moved by -3 % and +4 % in two A/B runs.) */
static int wait_port_up(struct br_ctx *ctx, struct cni_error *err)
{
	static const long delays_ms[] = {0, 1, 2, 5, 10, 50, 500, 1000, 1000};
	static const char *const names[] = {"unknown", "notpresent", "down", "lowerlayerdown",
					    "testing", "dormant",    "up"};
	size_t tries = ARRAY_SIZE(delays_ms);
	struct nlu_link l = {0};
	double patience = 0, start = monotonic_ms();
	bool listening = follow_links(ctx, 0); /* first catch up with what is queued */
	int r;

	for (size_t i = 0; i < tries; i++)
		patience += (double)delays_ms[i];
	while (listening && !ctx->port_up) {
		int left = (int)(patience - (monotonic_ms() - start));
		if (left <= 0) {
			tries = 1; /* waited as long as the back-off would: one look for the message */
			break;
		}
		listening = follow_links(ctx, left);
	}
	if (ctx->port_up)
		return 0;
	for (size_t i = 0; i < tries; i++) {
		if (delays_ms[i])
			nanosleep(&(struct timespec){0, delays_ms[i] * 1000000L}, NULL);
		if ((r = nlu_link_get(ctx->hsk, NULL, ctx->host_index, &l, err)) < 0)
			return r;
		if (l.operstate == BR_OPER_UP)
			break;
	}
	if (l.operstate != BR_OPER_UP)
		return cni_error_set(err, CNI_ERR_INTERNAL, EIO, NULL,
				     "bridge port in error state: %s (host veth \"%s\")",
				     l.operstate < ARRAY_SIZE(names) ? names[l.operstate] : "?",
				     ctx->host_ifname);
	return 0;
}

/* ---- state record ---- */

/* A record that cannot be stored (code 5) does not fail ADD (state.c says why): one warning and
 * no further attempts in this ADD. A record written earlier stays if it names our veth; one
 * written before the veth existed goes, since its host name may have been someone else's. */
int br_state_save(struct br_ctx *ctx, struct cni_error *err)
{
	_cleanup_free_ struct ipprefix *ips = NULL;
	struct br_state s = {.ip_masq = ctx->conf.ip_masq && ctx->conf.ipam_type,
			     .spoofchk = ctx->conf.macspoofchk,
			     .masq_backend = ctx->conf.masq_backend};
	struct cni_error e = {0};
	int r;

	if (ctx->state_unwritable)
		return 0;
	snprintf(s.host_ifname, sizeof(s.host_ifname), "%s", ctx->host_ifname);
	snprintf(s.mac, sizeof(s.mac), "%s", ctx->cont_mac_str);
	snprintf(s.bridge, sizeof(s.bridge), "%s", ctx->conf.bridge);
	if (ctx->ipam && ctx->ipam->n_ips) {
		if (!(ips = calloc(ctx->ipam->n_ips, sizeof(*ips))))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		for (size_t i = 0; i < ctx->ipam->n_ips; i++)
			ips[i] = ctx->ipam->ips[i].address;
		s.ips = ips;
		s.n_ips = ctx->ipam->n_ips;
	}
	r = br_state_write(ctx->req->name, ctx->req->env.container_id, ctx->req->env.ifname, &s,
			   &e);
	if (r >= 0) {
		ctx->state_written = true;
		ctx->state_final = s.n_ips > 0;
		return r;
	}
	if (e.code != CNI_ERR_IO) {
		*err = e;
		return r;
	}
	fprintf(stderr, "bridge: ADD %s/%s: %s: %s; going on without a state record\n",
		ctx->req->env.container_id, ctx->req->env.ifname, e.msg, e.details);
	ctx->state_unwritable = true;
	if (ctx->state_written && !ctx->veth_created) {
		(void)br_state_remove(ctx->req->name, ctx->req->env.container_id,
				      ctx->req->env.ifname, NULL);
		ctx->state_written = false;
	}
	return 0;
}

/* ---- result ---- */

static int build_result(struct br_ctx *ctx, struct cni_result **ret, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *res = NULL;
	char brmac[18], hmac[18], legmac[18];
	size_t base, cidx;
	int r;

	if (ctx->req->prev_result) {
		if ((r = cni_request_prev_result(ctx->req, &res, err)) < 0)
			return r;
	} else if (!(res = cni_result_new())) {
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	}
	base = res->n_interfaces;
	(void)base;
	if (cni_result_add_interface(res, ctx->conf.bridge, nlu_mac_format(ctx->br.mac, brmac),
				     NULL, NULL) < 0 ||
	    cni_result_add_interface(res, ctx->host_ifname, nlu_mac_format(ctx->host_mac, hmac),
				     NULL, NULL) < 0 ||
	    cni_result_add_interface(res, ctx->req->env.ifname, ctx->cont_mac_str,
				     ctx->req->env.netns, &cidx) < 0 ||
	    (ctx->leg.ifindex &&
	     cni_result_add_interface(res, ctx->leg.name, nlu_mac_format(ctx->leg.mac, legmac),
				      NULL, NULL) < 0))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (ctx->ipam) {
		for (size_t i = 0; i < ctx->ipam->n_ips; i++) {
			struct cni_ip ip = ctx->ipam->ips[i];
			ip.interface = (int)cidx;
			if (cni_result_add_ip(res, &ip) < 0)
				return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
						     "out of memory");
		}
		for (size_t i = 0; i < ctx->ipam->n_routes; i++)
			if (cni_result_add_route(res, &ctx->ipam->routes[i]) < 0)
				return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
						     "out of memory");
	}
	/* DNS: the config's when set, else IPAM's (plugins PR #733), else prevResult's. */
	const struct cni_dns *dns = !cni_dns_is_empty(&ctx->conf.dns) ? &ctx->conf.dns
				    : ctx->ipam && !cni_dns_is_empty(&ctx->ipam->dns)
					    ? &ctx->ipam->dns
					    : NULL;
	if (dns && cni_dns_copy(&res->dns, dns) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	*ret = TAKE_PTR(res);
	return 0;
}

/* L2-only results have no IPs, which 0.1.0/0.2.0 cannot express: refuse before touching
 * anything (the reference fails only after creating the veth). */
static int check_expressible(const struct cni_request *req, const struct br_conf *c,
			     struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *probe = NULL;
	int r;

	if (c->ipam_type)
		return 0;
	if ((r = cni_request_prev_result(req, &probe, err)) < 0)
		return r;
	if (!probe && !(probe = cni_result_new()))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (cni_result_check_encodable(probe, req->version, NULL) < 0)
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"L2-only mode (no ipam.type) cannot be used with cniVersion \"%s\": results before 0.3.0 must carry an IP address",
			cni_version_str(req->version));
	return 0;
}

/* Release what IPAM gave, collecting first an IPAM ADD still running (a step before it
 * failed): a lease it made must not outlive this failed ADD. */
static void undo_ipam(struct br_ctx *ctx)
{
	if (ctx->ipam_call.running &&
	    invoke_delegate_finish(ctx->req, &ctx->ipam_call, NULL, NULL) >= 0)
		ctx->ipam_done = true;
	if (ctx->ipam_done)
		(void)invoke_delegate(ctx->req, ctx->conf.ipam_type, CNI_CMD_DEL, NULL, NULL);
}

static void ctx_clear(struct br_ctx *ctx)
{
	ctx->hsk = nlu_close(ctx->hsk);
	ctx->csk = nlu_close(ctx->csk);
	follow_links_stop(ctx);
	if (ctx->ns_fd >= 0)
		close(ctx->ns_fd);
	ctx->ns_fd = -EBADF;
	ctx->ipam = cni_result_free(ctx->ipam);
	br_conf_clear(&ctx->conf);
}

/* The environment check accepts what the reference does; the name we give the container's
 * interface must also come out of the kernel as asked (code 4, as for any bad CNI_IFNAME). */
static int check_new_ifname(const char *ifname, struct cni_error *err)
{
	const char *why = cni_ifname_kernel_problem(ifname);

	if (!why)
		return 0;
	return cni_error_set(err, CNI_ERR_ENV, EINVAL, ifname, "CNI_IFNAME: %s", why);
}

int br_cmd_add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err)
{
	int lock = -EBADF; /* held until we exit (attachment_lock.h) */
	_cleanup_(ctx_clear) struct br_ctx ctx = {.req = req, .ns_fd = -EBADF, .link_mon = -EBADF};
	struct spoofchk_attachment sa;
	struct masq_attachment ma;
	int r;

	/* Bad input is refused before anything is touched, the lock file included. */
	if ((r = check_new_ifname(req->env.ifname, err)) < 0 ||
	    (r = br_conf_parse(req, true, &ctx.conf, err)) < 0 ||
	    (r = check_expressible(req, &ctx.conf, err)) < 0 ||
	    (r = cni_attachment_lock(req->name, req->env.container_id, req->env.ifname, true, &lock,
				     err)) < 0 ||
	    (r = netns_open(req->env.netns, &ctx.ns_fd, err)) < 0 ||
	    (r = nlu_open(&ctx.hsk, err)) < 0)
		return r;
	invoke_pass_fd(lock); /* the lock lasts while our IPAM child runs, even if we are killed */
	if (ctx.conf.has_mac)
		memcpy(ctx.cont_mac, ctx.conf.mac, NLU_MAC_LEN);
	else
		nlu_mac_random(ctx.cont_mac);
	nlu_mac_format(ctx.cont_mac, ctx.cont_mac_str);

	if ((r = refuse_live_attachment(&ctx, err)) < 0)
		return r;
	if (ctx.conf.ipam_type && (r = invoke_delegate_start(req, ctx.conf.ipam_type, CNI_CMD_ADD,
							     &ctx.ipam_call, err)) < 0)
		return r;
	/* A built-in IPAM (invoke.h) has answered already: its failure stops the ADD before any
	 * kernel work. An executed one is collected after the veth exists. */
	if (ctx.ipam_call.in_process && (r = run_ipam(&ctx, err)) < 0)
		goto undo_bridge;
	if ((r = br_ensure_bridge(&ctx, err)) < 0)
		goto undo_bridge;
	if ((r = create_veth(&ctx, err)) < 0)
		goto undo_veth;
	if ((r = configure_port(&ctx, err)) < 0)
		goto undo_veth;
	sa = spoof_att(&ctx);
	if (ctx.conf.macspoofchk && (r = spoofchk_add(&sa, err)) < 0) {
		cni_error_prefix(err, "macspoofchk");
		goto undo_spoofchk;
	}
	if (ctx.ipam_call.running && (r = run_ipam(&ctx, err)) < 0)
		goto undo_spoofchk;
	if ((r = configure_container(&ctx, err)) < 0)
		goto undo_spoofchk;
	if (ctx.conf.is_gateway && ctx.ipam && (r = br_setup_gateway(&ctx, err)) < 0)
		goto undo_spoofchk;
	if (ctx.conf.ip_masq && ctx.ipam && (r = setup_masq(&ctx, err)) < 0)
		goto undo_masq;
	if (!ctx.conf.disable_container_iface && (r = wait_port_up(&ctx, err)) < 0)
		goto undo_masq;
	if (!bridge_mac_unchanged(&ctx)) {
		/* A bridge that is not ours may have changed its MAC when our port joined. */
		struct nlu_link l;
		if (nlu_link_get(ctx.hsk, NULL, ctx.br.ifindex, &l, NULL) >= 0 && l.has_mac)
			memcpy(ctx.br.mac, l.mac, NLU_MAC_LEN);
	}
	/* A built-in IPAM answered before the veth's record was first written: it is complete. */
	if ((ctx.ipam && !ctx.state_final && (r = br_state_save(&ctx, err)) < 0) ||
	    (r = build_result(&ctx, ret, err)) < 0)
		goto undo_masq;
	return 0;

undo_masq:
	ma = masq_att(&ctx);
	if (ctx.masq_done)
		(void)masq_del(&ma, NULL, 0, NULL);
undo_spoofchk:
	if (ctx.conf.macspoofchk)
		(void)spoofchk_del(&sa, NULL);
undo_veth:
	/* Twice: a transient failure (ENOBUFS) must not leave the veth behind. */
	if (ctx.veth_created && nlu_link_del(ctx.hsk, ctx.host_index, ctx.host_ifname, NULL) < 0)
		(void)nlu_link_del(ctx.hsk, ctx.host_index, ctx.host_ifname, NULL);
	if (ctx.state_written)
		(void)br_state_remove(req->name, req->env.container_id, req->env.ifname, NULL);
undo_bridge:
	br_undo_vlan_leg(&ctx);
	undo_bridge(&ctx);
	undo_ipam(&ctx);
	return r;
}
