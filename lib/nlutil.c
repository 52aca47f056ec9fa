/* Route netlink via libnl-3 core. See include/nlutil.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "netns.h"
#include "nlutil.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A dump interrupted by a concurrent change is repeated this many times before we give up. */
#define DUMP_RETRIES 8

struct nl_sock *nlu_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
	return NULL;
}

struct nl_msg *nlu_msg_free(struct nl_msg *m)
{
	if (m)
		nlmsg_free(m);
	return NULL;
}

int nlu_open(struct nl_sock **ret, struct cni_error *err)
{
	_cleanup_(nlu_closep) struct nl_sock *sk = nl_socket_alloc();
	int one = 1, r;

	if (!sk)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "allocate netlink socket");
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EIO, nl_geterror(r),
				     "connect rtnetlink socket");
	/* One recvmsg per answer: libnl otherwise peeks at each to size its buffer, then reads
	 * it. 32 KiB holds any link, address or route message and any dump datagram (the kernel
	 * sizes those to the reader's buffer, at most 32 KiB). */
	nl_socket_disable_msg_peek(sk);
	(void)nl_socket_set_msg_buf_size(sk, 32768);
	/* Kernel explanations for failures ("extack"), and acks that do not echo our request. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Strict header checks, which also make the kernel apply dump filters (an address dump
	 * of one link) instead of dumping everything for us to filter. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
			 sizeof(one));
	*ret = TAKE_PTR(sk);
	return 0;
}

int nlu_open_in_netns(int ns_fd, int (*fn)(struct nl_sock *sk, void *data, struct cni_error *err),
		      void *data, struct nl_sock **ret, struct cni_error *err)
{
	_cleanup_(nlu_closep) struct nl_sock *sk = NULL;
	int saved = -EBADF, r;

	r = netns_enter(ns_fd, &saved, err);
	if (r < 0)
		return r;
	r = nlu_open(&sk, err);
	if (r >= 0 && fn)
		r = fn(sk, data, err);
	netns_restore(&saved);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(sk);
	return 0;
}

/* ---- one request, its replies, and the kernel's verdict ---- */

struct talk {
	int (*parse)(struct nl_msg *m, void *arg);
	void *arg;
	uint32_t seq; /* of our request: only its answers count */
	int error;    /* positive errno from NLMSG_ERROR or from parse */
	bool done, interrupted;
	char extack[256];
};

/* An answer to an earlier request whose receive failed (ENOBUFS, a signal) can still be queued:
 * skipped, so that it is never taken for the answer to this one. */
static int on_seq(struct nl_msg *m, void *arg)
{
	return nlmsg_hdr(m)->nlmsg_seq == ((struct talk *)arg)->seq ? NL_OK : NL_SKIP;
}

static int on_valid(struct nl_msg *m, void *arg)
{
	struct talk *t = arg;
	if (t->parse) {
		int r = t->parse(m, t->arg);
		if (r < 0) {
			t->error = -r;
			t->done = true;
			return NL_STOP;
		}
	}
	return NL_OK;
}

static int on_done(struct nl_msg *m, void *arg)
{
	(void)m;
	((struct talk *)arg)->done = true;
	return NL_STOP;
}

static int on_intr(struct nl_msg *m, void *arg)
{
	(void)m;
	((struct talk *)arg)->interrupted = true;
	return NL_OK;
}

static void read_extack(const struct nlmsgerr *e, char *buf, size_t size)
{
	const struct nlmsghdr *nlh = (const void *)((const char *)e - NLMSG_HDRLEN);
	size_t ack_len = sizeof(*e);
	struct nlattr *a;
	int rem;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + ack_len)
		return;
	nla_for_each_attr(a, (struct nlattr *)((char *)e + ack_len),
			  (int)(nlh->nlmsg_len - NLMSG_HDRLEN - ack_len), rem)
	{
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
			snprintf(buf, size, "%.*s", nla_len(a), (const char *)nla_data(a));
			/* the kernel's string carries its NUL */
			buf[strcspn(buf, "\n")] = '\0';
			return;
		}
	}
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;
	(void)nla;
	t->error = e->error < 0 ? -e->error : e->error;
	t->done = true;
	read_extack(e, t->extack, sizeof(t->extack));
	return NL_STOP;
}

/* Send m, collect replies through parse until the ack, NLMSG_DONE or an error. Returns -errno. */
static int talk_once(struct nl_sock *sk, struct nl_msg *m, struct talk *t)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int r;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_intr, t);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq, t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);

	r = nl_send_auto(sk, m);
	if (r < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	t->seq = nlmsg_hdr(m)->nlmsg_seq;
	while (!t->done) {
		r = nl_recvmsgs(sk, cb);
		if (r < 0 && !t->done) {
			nl_cb_put(cb);
			snprintf(t->extack, sizeof(t->extack), "libnl: %s", nl_geterror(r));
			return -EIO;
		}
	}
	nl_cb_put(cb);
	return t->error ? -t->error : 0;
}

_printf_(4, 0) static int vfail(struct cni_error *err, int r, const char *extack, const char *fmt,
				va_list ap)
{
	char msg[sizeof(err->msg)];

	if (!err || cni_error_is_set(err))
		return r;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "%s", msg);
	if (extack && *extack)
		cni_error_add_details(err, "%s", extack);
	return r;
}

_printf_(4, 5) static int fail(struct cni_error *err, int r, const char *extack, const char *fmt,
			       ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, r, extack, fmt, ap);
	va_end(ap);
	return r;
}

/* Request with an ack (or a single reply then the ack). */
_printf_(6, 7) static int request(struct nl_sock *sk, struct nl_msg *m,
				  int (*parse)(struct nl_msg *, void *), void *arg,
				  struct cni_error *err, const char *fmt, ...)
{
	struct talk t = {.parse = parse, .arg = arg};
	int r = talk_once(sk, m, &t);
	if (r < 0) {
		va_list ap;
		va_start(ap, fmt);
		vfail(err, r, t.extack, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* Dumps are rebuilt and repeated when the kernel flags them as interrupted (NLM_F_DUMP_INTR);
 * reset() empties what parse collected. */
_printf_(7, 8) static int dump(struct nl_sock *sk, int (*build)(void *, struct nl_msg **),
			       int (*parse)(struct nl_msg *, void *), void (*reset)(void *),
			       void *arg, struct cni_error *err, const char *fmt, ...)
{
	struct talk t;
	int r = 0;

	for (int i = 0; i < DUMP_RETRIES; i++) {
		_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
		reset(arg);
		t = (struct talk){.parse = parse, .arg = arg};
		r = build(arg, &m);
		if (r < 0)
			break;
		r = talk_once(sk, m, &t);
		if (r < 0 || !t.interrupted)
			break;
		r = -EAGAIN;
	}
	if (r < 0) {
		va_list ap;
		va_start(ap, fmt);
		vfail(err, r, t.extack, fmt, ap);
		va_end(ap);
	}
	return r;
}

/* ---- MAC helpers ---- */

int nlu_mac_parse(const char *s, uint8_t mac[NLU_MAC_LEN])
{
	unsigned v[NLU_MAC_LEN];
	char sep, tail;

	if (!s || strlen(s) != 17)
		return -EINVAL;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return -EINVAL;
	for (int i = 0; i < NLU_MAC_LEN; i++) {
		const char *p = s + i * 3;
		if (i < NLU_MAC_LEN - 1 && p[2] != sep)
			return -EINVAL;
		for (int j = 0; j < 2; j++)
			if (!strchr("0123456789abcdefABCDEF", p[j]) || !p[j])
				return -EINVAL;
		if (sscanf(p, "%2x%c", &v[i], &tail) < 1)
			return -EINVAL;
	}
	for (int i = 0; i < NLU_MAC_LEN; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

char *nlu_mac_format(const uint8_t mac[NLU_MAC_LEN], char *buf)
{
	static const char hex[] = "0123456789abcdef";

	/* By hand, as ipaddr_format: snprintf costs 3,300 instructions a MAC here. */
	for (int i = 0; i < NLU_MAC_LEN; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 0xf];
		buf[3 * i + 2] = i + 1 < NLU_MAC_LEN ? ':' : '\0';
	}
	return buf;
}

void nlu_mac_random(uint8_t mac[NLU_MAC_LEN])
{
	if (getrandom(mac, NLU_MAC_LEN, 0) != NLU_MAC_LEN) {
		for (int i = 0; i < NLU_MAC_LEN; i++)
			mac[i] = (uint8_t)random();
	}
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
}

/* ---- builders ---- */

/* A request of `type` whose payload starts with the family header hdr[0..len). */
static int new_msg(int type, int flags, const void *hdr, size_t len, struct nl_msg **ret)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_REQUEST | flags);
	if (!m)
		return -ENOMEM;
	if (nlmsg_append(m, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

static int new_link_msg(int type, int flags, int family, int ifindex, unsigned ifflags,
			struct nl_msg **ret)
{
	struct ifinfomsg ifi = {.ifi_family = (unsigned char)family,
				.ifi_index = ifindex,
				.ifi_flags = ifflags,
				.ifi_change = ifflags};
	return new_msg(type, flags, &ifi, sizeof(ifi), ret);
}

/* Append one element of `size` bytes to the growing array *v (n used, cap allocated) that a
 * dump callback fills. */
static int vec_push(void *v, size_t *n, size_t *cap, size_t size, const void *elem)
{
	void **arr = v;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *p = realloc(*arr, ncap * size);
		if (!p)
			return -ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	memcpy((char *)*arr + *n * size, elem, size);
	(*n)++;
	return 0;
}

#define PUT(x)                          \
	do {                            \
		if ((x) < 0)            \
			return -ENOMEM; \
	} while (0)

int nlu_build_bridge(const char *name, unsigned mtu, const uint8_t mac[NLU_MAC_LEN],
		     bool vlan_filtering, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *li, *data;

	if (new_link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, IFF_UP, &m) < 0)
		return -ENOMEM;
	PUT(nla_put_string(m, IFLA_IFNAME, name));
	if (mtu)
		PUT(nla_put_u32(m, IFLA_MTU, mtu));
	if (mac)
		PUT(nla_put(m, IFLA_ADDRESS, NLU_MAC_LEN, mac));
	if (!(li = nla_nest_start(m, IFLA_LINKINFO)))
		return -ENOMEM;
	PUT(nla_put_string(m, IFLA_INFO_KIND, "bridge"));
	if (vlan_filtering) {
		if (!(data = nla_nest_start(m, IFLA_INFO_DATA)))
			return -ENOMEM;
		PUT(nla_put_u8(m, IFLA_BR_VLAN_FILTERING, 1));
		nla_nest_end(m, data);
	}
	nla_nest_end(m, li);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_build_veth(const struct nlu_veth *v, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
	struct nlattr *li, *data, *peer;

	if (new_link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, AF_UNSPEC, 0, v->up ? IFF_UP : 0,
			 &m) < 0)
		return -ENOMEM;
	PUT(nla_put_string(m, IFLA_IFNAME, v->name));
	if (v->mtu)
		PUT(nla_put_u32(m, IFLA_MTU, v->mtu));
	if (v->mac)
		PUT(nla_put(m, IFLA_ADDRESS, NLU_MAC_LEN, v->mac));
	if (v->master)
		PUT(nla_put_u32(m, IFLA_MASTER, (uint32_t)v->master));
	if (!(li = nla_nest_start(m, IFLA_LINKINFO)))
		return -ENOMEM;
	PUT(nla_put_string(m, IFLA_INFO_KIND, "veth"));
	if (!(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
	    !(peer = nla_nest_start(m, VETH_INFO_PEER)))
		return -ENOMEM;
	if (v->peer_up)
		pifi.ifi_flags = pifi.ifi_change = IFF_UP;
	PUT(nlmsg_append(m, &pifi, sizeof(pifi), NLMSG_ALIGNTO));
	PUT(nla_put_string(m, IFLA_IFNAME, v->peer_name));
	if (v->mtu)
		PUT(nla_put_u32(m, IFLA_MTU, v->mtu));
	if (v->peer_mac)
		PUT(nla_put(m, IFLA_ADDRESS, NLU_MAC_LEN, v->peer_mac));
	if (v->peer_ns_fd >= 0)
		PUT(nla_put_u32(m, IFLA_NET_NS_FD, (uint32_t)v->peer_ns_fd));
	nla_nest_end(m, peer);
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_build_brport(int ifindex, int hairpin, int isolated, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *li, *data;

	if (new_link_msg(RTM_NEWLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0)
		return -ENOMEM;
	if (!(li = nla_nest_start(m, IFLA_LINKINFO)) ||
	    !(data = nla_nest_start(m, IFLA_INFO_SLAVE_DATA)))
		return -ENOMEM;
	if (hairpin >= 0)
		PUT(nla_put_u8(m, IFLA_BRPORT_MODE, hairpin ? 1 : 0));
	if (isolated >= 0)
		PUT(nla_put_u8(m, IFLA_BRPORT_ISOLATED, isolated ? 1 : 0));
	nla_nest_end(m, data);
	nla_nest_end(m, li);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_build_bridge_vlan(int cmd, int ifindex, unsigned vid, unsigned vid_end, bool pvid,
			  bool untagged, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct bridge_vlan_info vi = {0};
	struct nlattr *af;

	if (new_link_msg(cmd, 0, AF_BRIDGE, ifindex, 0, &m) < 0)
		return -ENOMEM;
	if (!(af = nla_nest_start(m, IFLA_AF_SPEC)))
		return -ENOMEM;
	vi.flags = (pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0);
	if (vid_end > vid) {
		vi.flags |= BRIDGE_VLAN_INFO_RANGE_BEGIN;
		vi.vid = (uint16_t)vid;
		PUT(nla_put(m, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi));
		vi.flags = (uint16_t)((vi.flags & ~BRIDGE_VLAN_INFO_RANGE_BEGIN) |
				      BRIDGE_VLAN_INFO_RANGE_END);
		vi.vid = (uint16_t)vid_end;
		PUT(nla_put(m, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi));
	} else {
		vi.vid = (uint16_t)vid;
		PUT(nla_put(m, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi));
	}
	nla_nest_end(m, af);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_build_addr(int cmd, int ifindex, const struct ipprefix *p, unsigned flags,
		   struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	int family = p->addr.family;
	unsigned n = ipaddr_bytes(family);
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)family,
				.ifa_prefixlen = (unsigned char)p->len,
				.ifa_flags = (unsigned char)(flags & 0xff),
				.ifa_scope = RT_SCOPE_UNIVERSE,
				.ifa_index = (unsigned)ifindex};

	m = nlmsg_alloc_simple(cmd, NLM_F_REQUEST |
					    (cmd == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0));
	if (!m)
		return -ENOMEM;
	PUT(nlmsg_append(m, &ifa, sizeof(ifa), NLMSG_ALIGNTO));
	PUT(nla_put(m, IFA_LOCAL, (int)n, p->addr.b));
	PUT(nla_put(m, IFA_ADDRESS, (int)n, p->addr.b));
	if (family == AF_INET && p->len < 31 && cmd == RTM_NEWADDR) {
		struct ipaddr bcast;
		ipprefix_last(p, &bcast);
		PUT(nla_put(m, IFA_BROADCAST, 4, bcast.b));
	}
	if (flags > 0xff)
		PUT(nla_put_u32(m, IFA_FLAGS, flags));
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_build_route(const struct nlu_route *rt, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	int family = rt->dst.addr.family;
	unsigned n = ipaddr_bytes(family);
	int table = rt->table ? rt->table : RT_TABLE_MAIN;
	int scope = rt->scope >= 0 ? rt->scope
				   : (rt->gw.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	struct rtmsg rtm = {.rtm_family = (unsigned char)family,
			    .rtm_dst_len = (unsigned char)rt->dst.len,
			    .rtm_table = (unsigned char)(table < 256 ? table : RT_TABLE_UNSPEC),
			    .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = (unsigned char)scope,
			    .rtm_type = RTN_UNICAST};

	/* No NLM_F_EXCL, as the reference (netlink's RouteAddEcmp): a route to a destination that
	 * another interface already routes is added beside it (IPv4: a second route, IPv6: one
	 * more nexthop of a multipath route), so a container can have a default route on two
	 * networks. Only the very same route is EEXIST. */
	m = nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_CREATE);
	if (!m)
		return -ENOMEM;
	PUT(nlmsg_append(m, &rtm, sizeof(rtm), NLMSG_ALIGNTO));
	if (rt->dst.len) {
		struct ipprefix net;
		ipprefix_network(&rt->dst, &net);
		PUT(nla_put(m, RTA_DST, (int)n, net.addr.b));
	}
	if (rt->gw.family)
		PUT(nla_put(m, RTA_GATEWAY, (int)ipaddr_bytes(rt->gw.family), rt->gw.b));
	if (rt->oif)
		PUT(nla_put_u32(m, RTA_OIF, (uint32_t)rt->oif));
	if (rt->priority)
		PUT(nla_put_u32(m, RTA_PRIORITY, (uint32_t)rt->priority));
	if (table >= 256)
		PUT(nla_put_u32(m, RTA_TABLE, (uint32_t)table));
	*ret = TAKE_PTR(m);
	return 0;
}

/* ---- parsers ---- */

/* One net.ipv6.conf value of a link from its IFLA_AF_SPEC (AF_INET6 › IFLA_INET6_CONF, an
 * array of s32 indexed by DEVCONF_*): read with the link, instead of a /proc/sys path walk, which
 * costs O(number of netns) in the kernel (proc_sys_compare). -1 when not reported. */
static int inet6_devconf(struct nlattr *af_spec, int devconf)
{
	struct nlattr *af, *conf;
	int rem, rem6;

	nla_for_each_nested(af, af_spec, rem)
	{
		if (nla_type(af) != AF_INET6)
			continue;
		nla_for_each_nested(conf, af, rem6)
		{
			if (nla_type(conf) == IFLA_INET6_CONF &&
			    (size_t)nla_len(conf) >= (size_t)(devconf + 1) * sizeof(int32_t))
				return ((const int32_t *)nla_data(conf))[devconf];
		}
	}
	return -1;
}

int nlu_parse_link(struct nl_msg *m, struct nlu_link *ret)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0)
		return -EINVAL;
	ifi = nlmsg_data(nlh);
	*ret = (struct nlu_link){.ifindex = ifi->ifi_index,
				 .flags = ifi->ifi_flags,
				 .hairpin = -1,
				 .isolated = -1,
				 .vlan_filtering = -1,
				 .ipv6_accept_ra = -1};
	if (tb[IFLA_IFNAME])
		nla_strlcpy(ret->name, tb[IFLA_IFNAME], sizeof(ret->name));
	if (tb[IFLA_MTU])
		ret->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		ret->master = (int)nla_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK])
		ret->peer = (int)nla_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_OPERSTATE])
		ret->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) == NLU_MAC_LEN) {
		memcpy(ret->mac, nla_data(tb[IFLA_ADDRESS]), NLU_MAC_LEN);
		ret->has_mac = true;
	}
	if (tb[IFLA_AF_SPEC])
		ret->ipv6_accept_ra = inet6_devconf(tb[IFLA_AF_SPEC], DEVCONF_ACCEPT_RA);
	if (tb[IFLA_LINKINFO] &&
	    nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) >= 0) {
		if (li[IFLA_INFO_KIND])
			nla_strlcpy(ret->kind, li[IFLA_INFO_KIND], sizeof(ret->kind));
		if (li[IFLA_INFO_SLAVE_KIND])
			nla_strlcpy(ret->slave_kind, li[IFLA_INFO_SLAVE_KIND],
				    sizeof(ret->slave_kind));
		if (li[IFLA_INFO_SLAVE_DATA] && !strcmp(ret->slave_kind, "bridge")) {
			struct nlattr *sd[IFLA_BRPORT_MAX + 1];
			if (nla_parse_nested(sd, IFLA_BRPORT_MAX, li[IFLA_INFO_SLAVE_DATA], NULL) >=
			    0) {
				ret->hairpin =
					sd[IFLA_BRPORT_MODE] ? nla_get_u8(sd[IFLA_BRPORT_MODE]) : 0;
				ret->isolated = sd[IFLA_BRPORT_ISOLATED]
							? nla_get_u8(sd[IFLA_BRPORT_ISOLATED])
							: 0;
			}
		}
		if (li[IFLA_INFO_DATA] && !strcmp(ret->kind, "bridge")) {
			struct nlattr *bd[IFLA_BR_MAX + 1];
			if (nla_parse_nested(bd, IFLA_BR_MAX, li[IFLA_INFO_DATA], NULL) < 0)
				return 0;
			if (bd[IFLA_BR_VLAN_FILTERING])
				ret->vlan_filtering = nla_get_u8(bd[IFLA_BR_VLAN_FILTERING]);
			if (bd[IFLA_BR_BRIDGE_ID] &&
			    nla_len(bd[IFLA_BR_BRIDGE_ID]) >= (int)sizeof(struct ifla_bridge_id)) {
				const struct ifla_bridge_id *id = nla_data(bd[IFLA_BR_BRIDGE_ID]);
				memcpy(ret->bridge_id_mac, id->addr, NLU_MAC_LEN);
				ret->has_bridge_id = true;
			}
		}
	}
	return 0;
}

static int parse_one_link(struct nl_msg *m, void *arg)
{
	struct nlu_link *l = arg;
	if (!l->ifindex)
		(void)nlu_parse_link(m, l);
	return 0;
}

/* An interface ioctl by name on sk itself: any socket serves, and the netlink family has no
 * ioctls of its own, so the core answers (under RCU, without rtnl). -errno. */
static int link_ioctl(struct nl_sock *sk, const char *name, unsigned long req, struct ifreq *ifr)
{
	*ifr = (struct ifreq){0};
	if (strlen(name) >= sizeof(ifr->ifr_name))
		return -ENODEV;
	strcpy(ifr->ifr_name, name);
	return ioctl(nl_socket_get_fd(sk), req, ifr) < 0 ? -errno : 0;
}

int nlu_ifindex(struct nl_sock *sk, const char *name)
{
	struct ifreq ifr;
	int r = link_ioctl(sk, name, SIOCGIFINDEX, &ifr);

	if (r < 0) {
		errno = -r;
		return 0;
	}
	return ifr.ifr_ifindex;
}

int nlu_link_mac(struct nl_sock *sk, const char *name, uint8_t mac[NLU_MAC_LEN])
{
	struct ifreq ifr;
	int r = link_ioctl(sk, name, SIOCGIFHWADDR, &ifr);

	if (r >= 0)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, NLU_MAC_LEN);
	return r;
}

int nlu_link_get(struct nl_sock *sk, const char *name, int ifindex, struct nlu_link *ret,
		 struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlu_link l = {0};
	int r;

	if (new_link_msg(RTM_GETLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((!ifindex && nla_put_string(m, IFLA_IFNAME, name) < 0) ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (ifindex)
		r = request(sk, m, parse_one_link, &l, err, "look up link %d", ifindex);
	else
		r = request(sk, m, parse_one_link, &l, err, "look up link '%s'", name);
	if (r < 0)
		return r;
	if (!l.ifindex)
		return fail(err, -ENODEV, NULL, "look up link '%s': no reply", name ? name : "");
	*ret = l;
	return 0;
}

struct int_list {
	int *v;
	size_t n, cap;
	int master;
};

static int parse_port(struct nl_msg *m, void *arg)
{
	struct int_list *l = arg;
	struct nlu_link link;
	if (nlu_parse_link(m, &link) < 0 || link.master != l->master)
		return 0;
	return vec_push(&l->v, &l->n, &l->cap, sizeof(*l->v), &link.ifindex);
}

static void reset_ports(void *arg)
{
	struct int_list *l = arg;
	l->n = 0;
}

static int build_ports(void *arg, struct nl_msg **ret)
{
	struct int_list *l = arg;
	struct nl_msg *m;
	if (new_link_msg(RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0, 0, &m) < 0)
		return -ENOMEM;
	/* The kernel filters by master (since 4.6); parse_port filters again for older ones. */
	if (nla_put_u32(m, IFLA_MASTER, (uint32_t)l->master) < 0 ||
	    nla_put_u32(m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

int nlu_link_list_ports(struct nl_sock *sk, int master, int **ret, size_t *ret_n,
			struct cni_error *err)
{
	struct int_list l = {.master = master};
	int r = dump(sk, build_ports, parse_port, reset_ports, &l, err, "list ports of link %d",
		     master);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

/* ---- link requests ---- */

int nlu_bridge_create(struct nl_sock *sk, const char *name, unsigned mtu,
		      const uint8_t mac[NLU_MAC_LEN], bool vlan_filtering, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	if (nlu_build_bridge(name, mtu, mac, vlan_filtering, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "create bridge '%s'%s", name,
		       vlan_filtering ? " with vlan_filtering" : "");
}

int nlu_veth_create(struct nl_sock *sk, const struct nlu_veth *v, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	if (nlu_build_veth(v, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "create veth pair '%s' / '%s'", v->name,
		       v->peer_name);
}

int nlu_link_del(struct nl_sock *sk, int ifindex, const char *name, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	int r;

	if (new_link_msg(RTM_DELLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0 ||
	    (!ifindex && nla_put_string(m, IFLA_IFNAME, name) < 0))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	r = request(sk, m, NULL, NULL, NULL, "delete link");
	if (r == -ENODEV || r == -ENOENT)
		return 0;
	if (r < 0)
		return fail(err, r, NULL, "delete link '%s'", name ? name : "");
	return 0;
}

static int set_link(struct nl_sock *sk, int ifindex, unsigned flags, unsigned change,
		    const uint8_t *mac, struct cni_error *err, const char *what)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct ifinfomsg *ifi;

	if (new_link_msg(RTM_NEWLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0 ||
	    (mac && nla_put(m, IFLA_ADDRESS, NLU_MAC_LEN, mac) < 0))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	ifi = nlmsg_data(nlmsg_hdr(m));
	ifi->ifi_flags = flags;
	ifi->ifi_change = change;
	return request(sk, m, NULL, NULL, err, "%s of link %d", what, ifindex);
}

int nlu_link_set_up(struct nl_sock *sk, int ifindex, bool up, struct cni_error *err)
{
	return set_link(sk, ifindex, up ? IFF_UP : 0, IFF_UP, NULL, err,
			up ? "set up" : "set down");
}

int nlu_link_set_promisc(struct nl_sock *sk, int ifindex, struct cni_error *err)
{
	return set_link(sk, ifindex, IFF_PROMISC, IFF_PROMISC, NULL, err, "set promiscuous mode");
}

int nlu_link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[NLU_MAC_LEN],
		     struct cni_error *err)
{
	return set_link(sk, ifindex, 0, 0, mac, err, "set MAC address");
}

int nlu_build_ipv4_devconf(int ifindex, int key, uint32_t value, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *spec, *inet, *conf;

	if (new_link_msg(RTM_NEWLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0)
		return -ENOMEM;
	if (!(spec = nla_nest_start(m, IFLA_AF_SPEC)) || !(inet = nla_nest_start(m, AF_INET)) ||
	    !(conf = nla_nest_start(m, IFLA_INET_CONF)))
		return -ENOMEM;
	PUT(nla_put_u32(m, key, value));
	nla_nest_end(m, conf);
	nla_nest_end(m, inet);
	nla_nest_end(m, spec);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_link_set_ipv4_devconf(struct nl_sock *sk, int ifindex, int key, uint32_t value,
			      struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;

	if (nlu_build_ipv4_devconf(ifindex, key, value, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "set IPv4 device setting %d=%u of link %d", key,
		       value, ifindex);
}

int nlu_build_addrgen_none(int ifindex, struct nl_msg **ret)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *spec, *inet6;

	if (new_link_msg(RTM_NEWLINK, 0, AF_UNSPEC, ifindex, 0, &m) < 0)
		return -ENOMEM;
	if (!(spec = nla_nest_start(m, IFLA_AF_SPEC)) || !(inet6 = nla_nest_start(m, AF_INET6)))
		return -ENOMEM;
	PUT(nla_put_u8(m, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE));
	nla_nest_end(m, inet6);
	nla_nest_end(m, spec);
	*ret = TAKE_PTR(m);
	return 0;
}

int nlu_link_set_addrgen_none(struct nl_sock *sk, int ifindex, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;

	if (nlu_build_addrgen_none(ifindex, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "turn off IPv6 address generation of link %d",
		       ifindex);
}

static int parse_forwarding(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[NETCONFA_MAX + 1];
	int *on = arg;

	if (nlmsg_hdr(m)->nlmsg_type == RTM_NEWNETCONF &&
	    nlmsg_parse(nlmsg_hdr(m), sizeof(struct netconfmsg), tb, NETCONFA_MAX, NULL) == 0 &&
	    tb[NETCONFA_FORWARDING])
		*on = nla_get_u32(tb[NETCONFA_FORWARDING]) != 0;
	return 0;
}

int nlu_forwarding_get(struct nl_sock *sk, int family, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct netconfmsg ncm = {.ncm_family = (unsigned char)family};
	int on = -1, r;

	if (new_msg(RTM_GETNETCONF, 0, &ncm, sizeof(ncm), &m) < 0 ||
	    nla_put_s32(m, NETCONFA_IFINDEX, NETCONFA_IFINDEX_ALL) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	r = request(sk, m, parse_forwarding, &on, err, "read %s forwarding",
		    family == AF_INET ? "IPv4" : "IPv6");
	if (r < 0)
		return r;
	if (on < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EPROTO, NULL,
				     "read %s forwarding: no NETCONFA_FORWARDING in the reply",
				     family == AF_INET ? "IPv4" : "IPv6");
	return on;
}

int nlu_brport_set(struct nl_sock *sk, int ifindex, int hairpin, int isolated,
		   struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	if (nlu_build_brport(ifindex, hairpin, isolated, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err,
		       "set bridge port flags (hairpin %d, isolated %d) of link %d", hairpin,
		       isolated, ifindex);
}

int nlu_bridge_vlan_add(struct nl_sock *sk, int ifindex, unsigned vid, unsigned vid_end, bool pvid,
			bool untagged, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	if (nlu_build_bridge_vlan(RTM_SETLINK, ifindex, vid, vid_end, pvid, untagged, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "add VLAN %u-%u%s%s on bridge port %d", vid,
		       vid_end > vid ? vid_end : vid, pvid ? " pvid" : "",
		       untagged ? " untagged" : "", ifindex);
}

int nlu_bridge_vlan_del(struct nl_sock *sk, int ifindex, unsigned vid, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	int r;
	if (nlu_build_bridge_vlan(RTM_DELLINK, ifindex, vid, vid, false, false, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	r = request(sk, m, NULL, NULL, NULL, "x");
	if (r == -ENOENT || r == -ENODEV)
		return 0;
	return r < 0 ? fail(err, r, NULL, "remove VLAN %u from bridge port %d", vid, ifindex) : 0;
}

/* ---- addresses ---- */

int nlu_addr_add(struct nl_sock *sk, int ifindex, const struct ipprefix *p, unsigned flags,
		 struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	char buf[IPPREFIX_STRLEN];
	if (nlu_build_addr(RTM_NEWADDR, ifindex, p, flags, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "add address %s to link %d", ipprefix_format(p, buf),
		       ifindex);
}

int nlu_addr_del(struct nl_sock *sk, int ifindex, const struct ipprefix *p, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	char buf[IPPREFIX_STRLEN];
	int r;
	if (nlu_build_addr(RTM_DELADDR, ifindex, p, 0, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	r = request(sk, m, NULL, NULL, NULL, "x");
	if (r == -EADDRNOTAVAIL || r == -ENODEV || r == -ENOENT)
		return 0;
	return r < 0 ? fail(err, r, NULL, "delete address %s from link %d", ipprefix_format(p, buf),
			    ifindex)
		     : 0;
}

struct addr_list {
	struct nlu_addr *v;
	size_t n, cap;
	int ifindex, family;
};

static int parse_addr(struct nl_msg *m, void *arg)
{
	struct addr_list *l = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nlattr *tb[IFA_MAX + 1], *a;
	struct ifaddrmsg *ifa;
	struct nlu_addr x = {0};

	if (nlh->nlmsg_type != RTM_NEWADDR || nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return 0;
	ifa = nlmsg_data(nlh);
	if ((l->ifindex && (int)ifa->ifa_index != l->ifindex) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    (l->family && ifa->ifa_family != l->family))
		return 0;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nla_len(a) != (int)ipaddr_bytes(ifa->ifa_family))
		return 0;
	x.prefix.addr.family = ifa->ifa_family;
	memcpy(x.prefix.addr.b, nla_data(a), (size_t)nla_len(a));
	x.prefix.len = ifa->ifa_prefixlen;
	x.ifindex = (int)ifa->ifa_index;
	x.scope = ifa->ifa_scope;
	x.flags = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return vec_push(&l->v, &l->n, &l->cap, sizeof(*l->v), &x);
}

static void reset_addrs(void *arg)
{
	((struct addr_list *)arg)->n = 0;
}

static int build_addrs(void *arg, struct nl_msg **ret)
{
	struct addr_list *l = arg;
	/* With strict checking (nlu_open) the kernel then walks only that link, not every link of
	 * the netns (one per container on a host with a bridge). */
	struct ifaddrmsg ifa = {.ifa_family = (unsigned char)l->family,
				.ifa_index = (unsigned)(l->ifindex > 0 ? l->ifindex : 0)};
	return new_msg(RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa), ret);
}

int nlu_addr_list(struct nl_sock *sk, int ifindex, int family, struct nlu_addr **ret, size_t *ret_n,
		  struct cni_error *err)
{
	struct addr_list l = {.ifindex = ifindex, .family = family};
	int r = dump(sk, build_addrs, parse_addr, reset_addrs, &l, err, "list addresses of link %d",
		     ifindex);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

/* ---- routes ---- */

int nlu_route_add(struct nl_sock *sk, const struct nlu_route *rt, struct cni_error *err)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	char d[IPPREFIX_STRLEN], g[IPADDR_STRLEN];
	if (nlu_build_route(rt, &m) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return request(sk, m, NULL, NULL, err, "add route %s via %s dev %d",
		       ipprefix_format(&rt->dst, d),
		       rt->gw.family ? ipaddr_format(&rt->gw, g) : "-", rt->oif);
}

struct route_list {
	struct nlu_route *v;
	size_t n, cap;
	int family;
};

static int parse_route(struct nl_msg *m, void *arg)
{
	struct route_list *l = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nlattr *tb[RTA_MAX + 1];
	struct rtmsg *rtm;
	struct nlu_route x = {0};
	unsigned n;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nlh, sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return 0;
	rtm = nlmsg_data(nlh);
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_type != RTN_UNICAST)
		return 0;
	n = ipaddr_bytes(rtm->rtm_family);
	x.dst.addr.family = rtm->rtm_family;
	x.dst.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] && nla_len(tb[RTA_DST]) == (int)n)
		memcpy(x.dst.addr.b, nla_data(tb[RTA_DST]), n);
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == (int)n) {
		x.gw.family = rtm->rtm_family;
		memcpy(x.gw.b, nla_data(tb[RTA_GATEWAY]), n);
	}
	x.oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
	x.table = tb[RTA_TABLE] ? (int)nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	x.priority = tb[RTA_PRIORITY] ? (int)nla_get_u32(tb[RTA_PRIORITY]) : 0;
	x.scope = rtm->rtm_scope;
	if (!tb[RTA_MULTIPATH])
		return vec_push(&l->v, &l->n, &l->cap, sizeof(*l->v), &x);
	/* A multipath route (IPv6 routes to one destination through several interfaces): one
	 * entry per nexthop, each with its own device and gateway. */
	struct rtnexthop *nh = nla_data(tb[RTA_MULTIPATH]);
	int left = nla_len(tb[RTA_MULTIPATH]);
	while (left >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) && nh->rtnh_len <= left) {
		struct nlattr *ntb[RTA_MAX + 1];
		struct nlu_route y = x;
		y.oif = nh->rtnh_ifindex;
		y.gw.family = 0;
		if (nla_parse(ntb, RTA_MAX, (struct nlattr *)RTNH_DATA(nh),
			      nh->rtnh_len - (int)RTNH_LENGTH(0), NULL) >= 0 &&
		    ntb[RTA_GATEWAY] && nla_len(ntb[RTA_GATEWAY]) == (int)n) {
			y.gw.family = rtm->rtm_family;
			memcpy(y.gw.b, nla_data(ntb[RTA_GATEWAY]), n);
		}
		if (vec_push(&l->v, &l->n, &l->cap, sizeof(*l->v), &y) < 0)
			return -ENOMEM;
		left -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	return 0;
}

static void reset_routes(void *arg)
{
	((struct route_list *)arg)->n = 0;
}

static int build_routes(void *arg, struct nl_msg **ret)
{
	struct route_list *l = arg;
	struct rtmsg rtm = {.rtm_family = (unsigned char)l->family};
	return new_msg(RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm), ret);
}

int nlu_route_list(struct nl_sock *sk, int family, struct nlu_route **ret, size_t *ret_n,
		   struct cni_error *err)
{
	struct route_list l = {.family = family};
	int r = dump(sk, build_routes, parse_route, reset_routes, &l, err, "list routes");
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}
