/* bridge DEL, CHECK, STATUS, GC. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/rtnetlink.h>

#include "attachment_lock.h"
#include "br_internal.h"
#include "invoke.h"
#include "netns.h"
#include "spoofchk.h"

static void keep_first(int *first, int r)
{
	if (r < 0 && *first >= 0)
		*first = r;
}

/* A MAC as prevResult reports it ("" or NULL: not reported) against a link's. */
static bool mac_equal(const char *s, const struct nlu_link *l)
{
	uint8_t m[NLU_MAC_LEN];
	return !s || !*s ||
	       (nlu_mac_parse(s, m) == 0 && l->has_mac && !memcmp(m, l->mac, sizeof(m)));
}

/* ---- DEL ---- */

/* Delete the host veth named in the record (its container end goes with it). The record is the
 * proof of ownership: an interface of the same name created by another container is never
 * touched (the reference deletes it, cni-reference.md §2.6). */
static int del_host_veth(struct nl_sock *hsk, const char *name, struct cni_error *err)
{
	struct nlu_link l;
	int r = nlu_link_get(hsk, name, 0, &l, NULL);

	if (r == -ENODEV)
		return 0;
	if (r < 0 || strcmp(l.kind, "veth") != 0)
		return 0; /* not ours any more (name reused by something else) */
	return nlu_link_del(hsk, l.ifindex, name, err);
}

struct claim {
	const char *host_ifname;
	bool found;
};

static int claim_one(const char *id, const char *ifname, const struct br_state *s, void *data)
{
	struct claim *c = data;

	(void)id;
	(void)ifname;
	if (!strcmp(s->host_ifname, c->host_ifname))
		c->found = true;
	return 0;
}

/* Does the record of some attachment, of any network (two may share a bridge), name this host
 * veth? No state directory: no records. Unreadable records count as none. */
static int host_veth_claimed(const char *host_ifname, bool *ret, struct cni_error *err)
{
	struct claim c = {host_ifname, false};
	struct dirent *de;
	DIR *d = opendir(BR_STATE_DIR);
	int r = 0;

	if (!d) {
		if (errno != ENOENT)
			return cni_error_set(err, CNI_ERR_IO, errno, NULL,
					     "open state directory %s", BR_STATE_DIR);
		*ret = false;
		return 0;
	}
	while (r >= 0 && !c.found && (de = readdir(d)))
		if (de->d_name[0] != '.' && (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN))
			r = br_state_foreach(de->d_name, claim_one, &c, err);
	closedir(d);
	if (r < 0)
		return r;
	*ret = c.found;
	return 0;
}

/* Does prevResult report this container interface with another MAC? One that does not decode
 * says nothing (the reference's DEL never decodes it). */
static bool prev_mac_differs(const struct cni_request *req, const struct nlu_link *cl)
{
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;

	if (cni_request_prev_result(req, &prev, NULL) < 0 || !prev)
		return false;
	for (size_t i = 0; i < prev->n_interfaces; i++) {
		const struct cni_interface *itf = &prev->interfaces[i];
		if (!strcmp(itf->name, req->env.ifname) && itf->sandbox &&
		    !strcmp(itf->sandbox, req->env.netns) && !mac_equal(itf->mac, cl))
			return true;
	}
	return false;
}

/* DEL without a record (state.c): CNI_IFNAME in CNI_NETNS, which the reference deletes
 * unconditionally (cni-reference.md §2.6), goes only when nothing says it is another
 * container's. Leaving it is no failure: it goes with the netns. A netns that is gone (or no
 * netns at all) took the veth with it. */
static int del_unrecorded(const struct cni_request *req, const struct br_conf *conf,
			  struct nl_sock **hsk, struct cni_error *err)
{
	_cleanup_close_ int ns_fd = -EBADF;
	_cleanup_(nlu_closep) struct nl_sock *csk = NULL;
	const char *ifname = req->env.ifname, *why = NULL;
	struct nlu_link cl, hl, br;
	bool claimed = false;
	int r;

	if (netns_open(req->env.netns, &ns_fd, NULL) < 0)
		return 0;
	if ((r = nlu_open_in_netns(ns_fd, NULL, NULL, &csk, err)) < 0)
		return r;
	r = nlu_link_get(csk, ifname, 0, &cl, NULL);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL,
				     "look up \"%s\" in netns \"%s\"", ifname, req->env.netns);
	if ((r = nlu_open(hsk, err)) < 0)
		return r;
	if (strcmp(cl.kind, "veth") != 0)
		why = "is no veth";
	else if (cl.peer <= 0 || nlu_link_get(*hsk, NULL, cl.peer, &hl, NULL) < 0 ||
		 strcmp(hl.kind, "veth") != 0 || hl.peer != cl.ifindex)
		why = "has its peer outside this host netns";
	else if (nlu_link_get(*hsk, conf->bridge, 0, &br, NULL) < 0 || hl.master != br.ifindex)
		why = "is not attached to the configured bridge";
	else if (prev_mac_differs(req, &cl))
		why = "has another MAC than prevResult's";
	else if (host_veth_claimed(hl.name, &claimed, NULL) < 0)
		why = "cannot be checked against the state records";
	else if (claimed)
		why = "has a host end that another attachment's state record names";
	if (why) {
		fprintf(stderr,
			"bridge: DEL %s/%s: no state record, and \"%s\" in %s %s: left alone\n",
			req->env.container_id, ifname, ifname, req->env.netns, why);
		return 0;
	}
	return nlu_link_del(*hsk, hl.ifindex, hl.name, err);
}

int br_cmd_del(const struct cni_request *req, struct cni_error *err)
{
	int lock = -EBADF; /* held until we exit (attachment_lock.h) */
	_cleanup_(nlu_closep) struct nl_sock *hsk = NULL;
	struct br_conf conf = {0};
	struct br_state st = {0};
	struct masq_attachment ma = {req->name, req->env.container_id, req->env.ifname};
	struct spoofchk_attachment sa = {req->env.container_id, req->env.ifname, NULL, NULL};
	struct invoke_delegation ipam = {0};
	bool have;
	int r, first = 0;

	if ((r = br_conf_parse(req, false, &conf, err)) < 0)
		return r;
	if ((r = cni_attachment_lock(req->name, req->env.container_id, req->env.ifname, true, &lock,
				     err)) < 0) {
		br_conf_clear(&conf);
		return r;
	}
	invoke_pass_fd(lock); /* invoke.h: held while IPAM DEL runs, even if we are killed */
	/* SPEC.md › DEL: always release the IPAM reservation, netns or not. Started first: it runs
	 * while the kernel unregisters the veth (RCU waits of about 20 ms). */
	if (conf.ipam_type)
		keep_first(&first,
			   invoke_delegate_start(req, conf.ipam_type, CNI_CMD_DEL, &ipam, err));
	have = br_state_read(req->name, req->env.container_id, req->env.ifname, &st, NULL) >= 0;
	/* A killed ADD's temp record goes now: after the veth's deletion the kernel's deferred
	 * freeing (RCU callbacks, on this CPU) slows everything this process still does. */
	br_state_remove_tmp(req->name, req->env.container_id, req->env.ifname);
	if (have && st.host_ifname[0]) {
		sa.host_ifname = st.host_ifname;
		sa.mac = st.mac;
	}
	/* Rules first, their nf_tables sockets held open until the veth is gone: the grace
	 * period their deletion queues then elapses during the veth's own (masq.h). */
	masq_hold_sockets();
	if (conf.macspoofchk || st.spoofchk)
		keep_first(&first, spoofchk_del(&sa, err));
	if (conf.ip_masq || st.ip_masq)
		keep_first(&first, masq_del(&ma, st.ips, st.n_ips, err));
	if (have && st.host_ifname[0]) {
		r = nlu_open(&hsk, err);
		if (r >= 0)
			r = del_host_veth(hsk, st.host_ifname, err);
		keep_first(&first, r);
	} else if (req->env.netns && *req->env.netns) {
		keep_first(&first, del_unrecorded(req, &conf, &hsk, err));
	}
	masq_release_sockets();
	if (ipam.running)
		keep_first(&first, invoke_delegate_finish(req, &ipam, NULL, err));
	/* Keep the record while something failed, so a retried DEL can finish the job. */
	if (first >= 0)
		first = br_state_remove(req->name, req->env.container_id, req->env.ifname, err);
	br_state_clear(&st);
	br_conf_clear(&conf);
	return first;
}

/* ---- CHECK ---- */

struct check {
	const struct cni_request *req;
	struct br_conf conf;
	struct cni_result *prev;
	struct nl_sock *hsk, *csk;
	int ns_fd;
	struct nlu_link cl, hl, br;
	size_t cidx;
	struct br_state st;
	bool have_state;
};

static void check_clear(struct check *c)
{
	c->hsk = nlu_close(c->hsk);
	c->csk = nlu_close(c->csk);
	if (c->ns_fd >= 0)
		close(c->ns_fd);
	c->prev = cni_result_free(c->prev);
	br_state_clear(&c->st);
	br_conf_clear(&c->conf);
}

static int check_container_iface(struct check *c, struct cni_error *err)
{
	const char *ifname = c->req->env.ifname;
	char mac[18];
	bool found = false;
	int r;

	for (size_t i = 0; i < c->prev->n_interfaces; i++) {
		const struct cni_interface *itf = &c->prev->interfaces[i];
		if (!strcmp(itf->name, ifname) && itf->sandbox &&
		    !strcmp(itf->sandbox, c->req->env.netns)) {
			c->cidx = i;
			found = true;
			break;
		}
	}
	if (!found)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "prevResult has no interface \"%s\" in sandbox \"%s\"", ifname,
				     c->req->env.netns);
	if ((r = nlu_link_get(c->csk, ifname, 0, &c->cl, err)) < 0) {
		cni_error_prefix(err, "container interface in netns \"%s\"", c->req->env.netns);
		return r;
	}
	if (strcmp(c->cl.kind, "veth") != 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "container interface \"%s\" is a \"%s\" link, not a veth",
				     ifname, c->cl.kind);
	if (!mac_equal(c->prev->interfaces[c->cidx].mac, &c->cl))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "container interface \"%s\" has MAC %s, expected %s", ifname,
				     nlu_mac_format(c->cl.mac, mac),
				     c->prev->interfaces[c->cidx].mac);
	if (c->conf.mtu && c->cl.mtu != c->conf.mtu)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "container interface \"%s\" has MTU %u, expected %u", ifname,
				     c->cl.mtu, c->conf.mtu);
	return 0;
}

static int check_bridge(struct check *c, struct cni_error *err)
{
	int r;

	if ((r = nlu_link_get(c->hsk, c->conf.bridge, 0, &c->br, err)) < 0)
		return r;
	if (strcmp(c->br.kind, "bridge") != 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL, "\"%s\" is not a bridge",
				     c->conf.bridge);
	for (size_t i = 0; i < c->prev->n_interfaces; i++) {
		const struct cni_interface *itf = &c->prev->interfaces[i];
		if (!itf->sandbox && !strcmp(itf->name, c->conf.bridge) &&
		    !mac_equal(itf->mac, &c->br))
			return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
					     "bridge \"%s\" MAC differs from prevResult's %s",
					     c->conf.bridge, itf->mac);
	}
	if (c->conf.promisc && !(c->br.flags & IFF_PROMISC))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "bridge \"%s\" is not in promiscuous mode (promiscMode: true)",
				     c->conf.bridge);
	return 0;
}

static int check_host_veth(struct check *c, struct cni_error *err)
{
	const char *name = c->have_state ? c->st.host_ifname : NULL;
	int r;

	/* Without a record: the prevResult host interface whose peer is the container's. */
	for (size_t i = 0; !name && i < c->prev->n_interfaces; i++) {
		const struct cni_interface *itf = &c->prev->interfaces[i];
		struct nlu_link l;
		if (itf->sandbox || !strcmp(itf->name, c->conf.bridge))
			continue;
		if (nlu_link_get(c->hsk, itf->name, 0, &l, NULL) >= 0 && l.ifindex == c->cl.peer)
			name = itf->name;
	}
	if (!name)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "no host veth of \"%s\" found", c->req->env.ifname);
	if ((r = nlu_link_get(c->hsk, name, 0, &c->hl, err)) < 0) {
		cni_error_prefix(err, "host veth");
		return r;
	}
	if (strcmp(c->hl.kind, "veth") != 0 || c->cl.peer != c->hl.ifindex)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EINVAL, NULL,
			"host interface \"%s\" is not the peer of container interface \"%s\"", name,
			c->req->env.ifname);
	for (size_t i = 0; i < c->prev->n_interfaces; i++) {
		const struct cni_interface *itf = &c->prev->interfaces[i];
		if (!itf->sandbox && !strcmp(itf->name, name) && !mac_equal(itf->mac, &c->hl))
			return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
					     "host veth \"%s\" MAC differs from prevResult's %s",
					     name, itf->mac);
	}
	if (c->hl.master != c->br.ifindex)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "host veth \"%s\" is not attached to bridge \"%s\"", name,
				     c->conf.bridge);
	if (c->hl.hairpin != (int)c->conf.hairpin)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EINVAL, NULL,
			"host veth \"%s\" hairpin mode is %s, config says hairpinMode: %s", name,
			c->hl.hairpin ? "on" : "off", c->conf.hairpin ? "true" : "false");
	if (c->hl.isolated != (int)c->conf.port_isolation)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EINVAL, NULL,
			"host veth \"%s\" isolation is %s, config says portIsolation: %s", name,
			c->hl.isolated ? "on" : "off", c->conf.port_isolation ? "true" : "false");
	if (c->hl.mtu != c->cl.mtu || (c->conf.mtu && c->hl.mtu != c->conf.mtu))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "MTU mismatch: host veth \"%s\" %u, container \"%s\" %u%s",
				     name, c->hl.mtu, c->req->env.ifname, c->cl.mtu,
				     c->conf.mtu ? " (config mtu set)" : "");
	return 0;
}

static bool addr_in(const struct nlu_addr *v, size_t n, const struct ipprefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].prefix.len == p->len && ipaddr_equal(&v[i].prefix.addr, &p->addr))
			return true;
	return false;
}

static int check_addresses(struct check *c, struct cni_error *err)
{
	_cleanup_free_ struct nlu_addr *v = NULL, *bv = NULL;
	size_t n = 0, bn = 0;
	char buf[IPPREFIX_STRLEN], gw_ifname[IFNAMSIZ];
	int r, gw_index = c->br.ifindex;

	/* The gateway lives on the bridge, or with vlan on the "<bridge>.<vlan>" leg. */
	snprintf(gw_ifname, sizeof(gw_ifname), "%s", c->conf.bridge);
	if (c->conf.is_gateway && c->conf.vlan) {
		struct nlu_link leg;
		if (!br_vlan_leg_name(&c->conf, gw_ifname) ||
		    (r = nlu_link_get(c->hsk, gw_ifname, 0, &leg, err)) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENODEV, NULL,
					     "vlan gateway interface \"%s\" not found", gw_ifname);
		gw_index = leg.ifindex;
	}
	if ((r = nlu_addr_list(c->csk, c->cl.ifindex, 0, &v, &n, err)) < 0 ||
	    (c->conf.is_gateway && (r = nlu_addr_list(c->hsk, gw_index, 0, &bv, &bn, err)) < 0))
		return r;
	for (size_t i = 0; i < c->prev->n_ips; i++) {
		const struct cni_ip *ip = &c->prev->ips[i];
		if (ip->interface >= 0 && (size_t)ip->interface != c->cidx)
			continue;
		if (!addr_in(v, n, &ip->address))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "Failed to match addr %s on interface %s",
					     ipprefix_format(&ip->address, buf),
					     c->req->env.ifname);
		if (c->conf.is_gateway && ip->gateway.family) {
			struct ipprefix gw = {.addr = ip->gateway, .len = ip->address.len};
			if (!addr_in(bv, bn, &gw))
				return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
						     "\"%s\" lacks gateway address %s (isGateway)",
						     gw_ifname, ipprefix_format(&gw, buf));
		}
	}
	return 0;
}

static int check_routes(struct check *c, struct cni_error *err)
{
	_cleanup_free_ struct nlu_route *v = NULL;
	size_t n = 0;
	char d[IPPREFIX_STRLEN], g[IPADDR_STRLEN];
	int r;

	if (!c->prev->n_routes)
		return 0;
	if ((r = nlu_route_list(c->csk, 0, &v, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < c->prev->n_routes; i++) {
		const struct cni_route *want = &c->prev->routes[i];
		struct ipprefix wn;
		bool ok = false;
		ipprefix_network(&want->dst, &wn);
		for (size_t k = 0; k < n && !ok; k++) {
			struct ipprefix hn;
			if (v[k].dst.addr.family != wn.addr.family || v[k].dst.len != wn.len)
				continue;
			/* SPEC.md › CHECK: later plugins may have changed the default route. */
			if (wn.len == 0) {
				ok = true;
				break;
			}
			ipprefix_network(&v[k].dst, &hn);
			if (ipaddr_equal(&hn.addr, &wn.addr) &&
			    (!want->gw.family || ipaddr_equal(&v[k].gw, &want->gw)))
				ok = true;
		}
		if (!ok)
			return cni_error_set(
				err, CNI_ERR_INTERNAL, ENOENT, NULL,
				"Expected route %s via %s not found in routing table of netns \"%s\"",
				ipprefix_format(&want->dst, d),
				want->gw.family ? ipaddr_format(&want->gw, g) : "-",
				c->req->env.netns);
	}
	return 0;
}

static int check_rules(struct check *c, struct cni_error *err)
{
	char mac[18];
	int r;

	if (c->conf.ip_masq && c->conf.ipam_type) {
		struct masq_attachment ma = {c->req->name, c->req->env.container_id,
					     c->req->env.ifname};
		_cleanup_free_ struct ipprefix *ips = calloc(c->prev->n_ips + 1, sizeof(*ips));
		size_t n = 0;
		if (!ips)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		for (size_t i = 0; i < c->prev->n_ips; i++)
			if (c->prev->ips[i].interface < 0 ||
			    (size_t)c->prev->ips[i].interface == c->cidx)
				ips[n++] = c->prev->ips[i].address;
		if ((r = masq_check(c->conf.masq_backend, &ma, ips, n, err)) < 0)
			return r;
	}
	if (c->conf.macspoofchk) {
		struct spoofchk_attachment sa = {c->req->env.container_id, c->req->env.ifname,
						 c->hl.name, nlu_mac_format(c->cl.mac, mac)};
		if ((r = spoofchk_check(&sa, err)) < 0)
			return r;
	}
	return 0;
}

int br_cmd_check(const struct cni_request *req, struct cni_error *err)
{
	int lock = -EBADF; /* held until we exit (attachment_lock.h) */
	_cleanup_(check_clear) struct check c = {.req = req, .ns_fd = -EBADF};
	int r;

	if ((r = br_conf_parse(req, true, &c.conf, err)) < 0 ||
	    (r = cni_request_prev_result(req, &c.prev, err)) < 0)
		return r;
	if (!c.prev)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "Required prevResult missing");
	if ((r = cni_attachment_lock(req->name, req->env.container_id, req->env.ifname, true, &lock,
				     err)) < 0)
		return r;
	invoke_pass_fd(lock);
	c.have_state =
		br_state_read(req->name, req->env.container_id, req->env.ifname, &c.st, NULL) >= 0;
	if ((r = netns_open(req->env.netns, &c.ns_fd, err)) < 0 ||
	    (r = nlu_open(&c.hsk, err)) < 0 ||
	    (r = nlu_open_in_netns(c.ns_fd, NULL, NULL, &c.csk, err)) < 0 ||
	    (r = check_container_iface(&c, err)) < 0 || (r = check_bridge(&c, err)) < 0 ||
	    (r = check_host_veth(&c, err)) < 0 || (r = check_addresses(&c, err)) < 0 ||
	    (r = check_routes(&c, err)) < 0 || (r = check_rules(&c, err)) < 0)
		return r;
	/* SPEC.md › CHECK: a delegating plugin calls CHECK on its IPAM (not for L2-only, where
	 * the reference fails "no plugin name provided"). */
	if (c.conf.ipam_type)
		return invoke_delegate(req, c.conf.ipam_type, CNI_CMD_CHECK, NULL, err);
	return 0;
}

/* ---- STATUS ---- */

int br_cmd_status(const struct cni_request *req, struct cni_error *err)
{
	struct br_conf conf = {0};
	int r;

	if ((r = br_conf_parse(req, false, &conf, err)) < 0)
		return r;
	if (conf.ipam_type)
		r = invoke_delegate(req, conf.ipam_type, CNI_CMD_STATUS, NULL, err);
	br_conf_clear(&conf);
	return r;
}

/* ---- GC ---- */

struct gc {
	const struct cni_attachment *valid;
	size_t n_valid;
	struct nl_sock *hsk;
	const char *network;
	struct cni_error *err;
};

static int gc_one(const char *id, const char *ifname, const struct br_state *s, void *data)
{
	struct gc *g = data;
	int r = 0;

	for (size_t i = 0; i < g->n_valid; i++)
		if (!strcmp(g->valid[i].container_id, id) && !strcmp(g->valid[i].ifname, ifname))
			return 0;
	/* A verb of this attachment is running (a DEL finishing the job, or an ADD the runtime
	 * did not list yet): it is not ours to undo now. */
	_cleanup_close_ int lock = -EBADF;
	if (cni_attachment_lock(g->network, id, ifname, false, &lock, NULL) < 0)
		return 0;
	/* SPEC.md › GC: the runtime no longer knows this attachment; its netns is presumed gone. */
	if (s->host_ifname[0] && g->hsk)
		keep_first(&r, del_host_veth(g->hsk, s->host_ifname, g->err));
	if (s->spoofchk) {
		struct spoofchk_attachment sa = {id, ifname, s->host_ifname, s->mac};
		keep_first(&r, spoofchk_del(&sa, g->err));
	}
	/* A temp file names the record it was to become: only the temp file goes. */
	if (r >= 0)
		r = s->unfinished ? br_state_remove_file(g->network, s, g->err)
				  : br_state_remove(g->network, id, ifname, g->err);
	return r;
}

int br_cmd_gc(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	_cleanup_(nlu_closep) struct nl_sock *hsk = NULL;
	struct br_conf conf = {0};
	size_t n = 0;
	bool present = false;
	int r, first = 0;

	if ((r = br_conf_parse(req, false, &conf, err)) < 0)
		return r;
	if ((r = cni_request_gc_attachments(req, &valid, &n, &present, err)) < 0)
		goto out;
	/* No list: the runtime did not say what is valid, so nothing is presumed stale. */
	if (present) {
		struct gc g = {valid, n, NULL, req->name, err};
		keep_first(&first, masq_gc(req->name, valid, n, err));
		if (nlu_open(&hsk, err) >= 0)
			g.hsk = hsk;
		keep_first(&first, br_state_foreach(req->name, gc_one, &g, err));
	}
	/* SPEC.md › GC: MUST forward to delegated plugins. */
	if (conf.ipam_type)
		keep_first(&first, invoke_delegate(req, conf.ipam_type, CNI_CMD_GC, NULL, err));
	r = first;
out:
	br_conf_clear(&conf);
	return r;
}
