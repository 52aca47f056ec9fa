/* nlutil: requests are built and parsed back without a kernel (style.md §7). */
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "nlutil.h"
#include "../tap.h"

static struct nlattr *link_attr(struct nl_msg *m, struct nlattr **tb)
{
	return nlmsg_parse(nlmsg_hdr(m), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ? NULL
											   : tb[0];
}

TEST(veth_one_request_peer_in_netns)
{
	static const uint8_t hmac[6] = {2, 1, 1, 1, 1, 1}, cmac[6] = {2, 2, 2, 2, 2, 2};
	struct nlu_veth v = {.name = "veth0011aabb",
			     .mac = hmac,
			     .mtu = 1400,
			     .master = 7,
			     .up = true,
			     .peer_name = "eth0",
			     .peer_ns_fd = 5,
			     .peer_mac = cmac};
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *data[VETH_INFO_MAX + 1],
		*ptb[IFLA_MAX + 1];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi, *pifi;
	struct nlu_link l;

	ASSERT_OK(nlu_build_veth(&v, &m));
	nlh = nlmsg_hdr(m);
	ASSERT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
	ASSERT_TRUE(nlh->nlmsg_flags & NLM_F_CREATE);
	ASSERT_TRUE(nlh->nlmsg_flags & NLM_F_EXCL);
	ifi = nlmsg_data(nlh);
	ASSERT_TRUE(ifi->ifi_flags & IFF_UP);
	(void)link_attr(m, tb);
	ASSERT_STREQ(nla_get_string(tb[IFLA_IFNAME]), "veth0011aabb");
	ASSERT_EQ(nla_get_u32(tb[IFLA_MASTER]), 7);
	ASSERT_EQ(nla_get_u32(tb[IFLA_MTU]), 1400);
	ASSERT_OK(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL));
	ASSERT_STREQ(nla_get_string(li[IFLA_INFO_KIND]), "veth");
	ASSERT_OK(nla_parse_nested(data, VETH_INFO_MAX, li[IFLA_INFO_DATA], NULL));
	ASSERT_TRUE(data[VETH_INFO_PEER] != NULL);
	/* the peer is an ifinfomsg followed by attributes */
	pifi = nla_data(data[VETH_INFO_PEER]);
	ASSERT_FALSE(pifi->ifi_flags & IFF_UP);
	ASSERT_OK(nla_parse(ptb, IFLA_MAX,
			    (struct nlattr *)((char *)pifi + NLMSG_ALIGN(sizeof(*pifi))),
			    nla_len(data[VETH_INFO_PEER]) - (int)NLMSG_ALIGN(sizeof(*pifi)), NULL));
	ASSERT_STREQ(nla_get_string(ptb[IFLA_IFNAME]), "eth0");
	ASSERT_EQ(nla_get_u32(ptb[IFLA_NET_NS_FD]), 5);
	ASSERT_EQ(nla_get_u32(ptb[IFLA_MTU]), 1400);
	ASSERT_EQ(memcmp(nla_data(ptb[IFLA_ADDRESS]), cmac, 6), 0);
	/* and our own parser reads the host end back */
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_STREQ(l.name, "veth0011aabb");
	ASSERT_STREQ(l.kind, "veth");
	ASSERT_EQ(l.master, 7);
	ASSERT_EQ(l.mtu, 1400);
	ASSERT_TRUE(l.has_mac);
	ASSERT_EQ(memcmp(l.mac, hmac, 6), 0);
}

TEST(bridge_request_pins_mac_and_vlan_filtering)
{
	static const uint8_t mac[6] = {2, 0xaa, 0, 0, 0, 1};
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlu_link l;

	ASSERT_OK(nlu_build_bridge("sa1br0", 1450, mac, true, &m));
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_STREQ(l.name, "sa1br0");
	ASSERT_STREQ(l.kind, "bridge");
	ASSERT_EQ(l.mtu, 1450);
	ASSERT_EQ(l.vlan_filtering, 1);
	ASSERT_EQ(memcmp(l.mac, mac, 6), 0);
	ASSERT_TRUE(l.flags & IFF_UP);
	m = nlu_msg_free(m);
	ASSERT_OK(nlu_build_bridge("sa1br0", 0, mac, false, &m));
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_EQ(l.vlan_filtering, -1);
	ASSERT_EQ(l.mtu, 0);
}

/* A link message as the kernel sends it: IFLA_AF_SPEC › AF_INET6 › IFLA_INET6_CONF holds the
 * net.ipv6.conf values as s32 indexed by DEVCONF_*; accept_ra is read from there. */
static struct nl_msg *link_with_inet6_conf(int accept_ra, bool with_inet6)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 3};
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct nlattr *spec, *inet6, *inet;
	int32_t conf[DEVCONF_ACCEPT_RA + 4] = {0};

	conf[DEVCONF_ACCEPT_RA] = accept_ra;
	conf[DEVCONF_FORWARDING] = 1;
	if (!m || nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(m, IFLA_IFNAME, "ra0") < 0 || !(spec = nla_nest_start(m, IFLA_AF_SPEC)))
		return NULL;
	if (!(inet = nla_nest_start(m, AF_INET)) || nla_put_u32(m, 1, 7) < 0)
		return NULL;
	nla_nest_end(m, inet);
	if (with_inet6) {
		if (!(inet6 = nla_nest_start(m, AF_INET6)) ||
		    nla_put_u32(m, IFLA_INET6_FLAGS, 0) < 0 ||
		    nla_put(m, IFLA_INET6_CONF, sizeof(conf), conf) < 0)
			return NULL;
		nla_nest_end(m, inet6);
	}
	nla_nest_end(m, spec);
	return m;
}

TEST(ipv6_accept_ra_from_af_spec)
{
	struct nlu_link l;
	struct nl_msg *m;

	ASSERT_TRUE((m = link_with_inet6_conf(0, true)) != NULL);
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_EQ(l.ipv6_accept_ra, 0);
	nlmsg_free(m);
	ASSERT_TRUE((m = link_with_inet6_conf(2, true)) != NULL);
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_EQ(l.ipv6_accept_ra, 2);
	nlmsg_free(m);
	/* no IPv6 on the link: not reported, so the caller falls back to /proc/sys */
	ASSERT_TRUE((m = link_with_inet6_conf(0, false)) != NULL);
	ASSERT_OK(nlu_parse_link(m, &l));
	ASSERT_EQ(l.ipv6_accept_ra, -1);
	nlmsg_free(m);
}

TEST(brport_flags_as_slave_data)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *sd[IFLA_BRPORT_MAX + 1];

	ASSERT_OK(nlu_build_brport(9, 1, -1, &m));
	ASSERT_EQ(((struct ifinfomsg *)nlmsg_data(nlmsg_hdr(m)))->ifi_index, 9);
	ASSERT_FALSE(nlmsg_hdr(m)->nlmsg_flags & NLM_F_CREATE);
	(void)link_attr(m, tb);
	ASSERT_OK(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL));
	ASSERT_TRUE(li[IFLA_INFO_KIND] == NULL);
	ASSERT_OK(nla_parse_nested(sd, IFLA_BRPORT_MAX, li[IFLA_INFO_SLAVE_DATA], NULL));
	ASSERT_EQ(nla_get_u8(sd[IFLA_BRPORT_MODE]), 1);
	ASSERT_TRUE(sd[IFLA_BRPORT_ISOLATED] == NULL);
}

TEST(ipv4_devconf_as_inet_conf_in_af_spec)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFLA_MAX + 1], *inet, *a;
	int rem, n = 0;

	ASSERT_OK(nlu_build_ipv4_devconf(5, IPV4_DEVCONF_ARP_NOTIFY, 1, &m));
	ASSERT_EQ(nlmsg_hdr(m)->nlmsg_type, RTM_NEWLINK);
	ASSERT_EQ(((struct ifinfomsg *)nlmsg_data(nlmsg_hdr(m)))->ifi_index, 5);
	ASSERT_EQ(((struct ifinfomsg *)nlmsg_data(nlmsg_hdr(m)))->ifi_change, 0);
	(void)link_attr(m, tb);
	ASSERT_TRUE(tb[IFLA_AF_SPEC] != NULL);
	inet = nla_find(nla_data(tb[IFLA_AF_SPEC]), nla_len(tb[IFLA_AF_SPEC]), AF_INET);
	ASSERT_TRUE(inet != NULL);
	a = nla_find(nla_data(inet), nla_len(inet), IFLA_INET_CONF);
	ASSERT_TRUE(a != NULL);
	nla_for_each_nested(inet, a, rem)
	{
		ASSERT_EQ(nla_type(inet), IPV4_DEVCONF_ARP_NOTIFY);
		ASSERT_EQ(nla_get_u32(inet), 1);
		n++;
	}
	ASSERT_EQ(n, 1);
}

/* The netconf read agrees with the sysctl file (read-only, no privileges needed). */
TEST(forwarding_read_matches_sysctl)
{
	_cleanup_(nlu_closep) struct nl_sock *sk = NULL;
	char buf[8] = "";
	FILE *f;

	ASSERT_OK(nlu_open(&sk, NULL));
	f = fopen("/proc/sys/net/ipv4/ip_forward", "r");
	ASSERT_TRUE(f != NULL);
	ASSERT_TRUE(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	ASSERT_EQ(nlu_forwarding_get(sk, AF_INET, NULL), buf[0] == '1');
}

/* IFLA_AF_SPEC › AF_INET6 › IFLA_INET6_ADDR_GEN_MODE of a link request; -1 when absent. */
static int addrgen_mode(struct nl_msg *m)
{
	struct nlattr *tb[IFLA_MAX + 1], *inet6, *a;

	(void)link_attr(m, tb);
	if (!tb[IFLA_AF_SPEC] ||
	    !(inet6 = nla_find(nla_data(tb[IFLA_AF_SPEC]), nla_len(tb[IFLA_AF_SPEC]), AF_INET6)) ||
	    !(a = nla_find(nla_data(inet6), nla_len(inet6), IFLA_INET6_ADDR_GEN_MODE)))
		return -1;
	return nla_get_u8(a);
}

/* A request of its own, that leaves the flags alone: sent while the link is down (nlutil.h). */
TEST(addrgen_none_as_inet6_af_spec)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct ifinfomsg *ifi;

	ASSERT_OK(nlu_build_addrgen_none(7, &m));
	ifi = nlmsg_data(nlmsg_hdr(m));
	ASSERT_EQ(ifi->ifi_index, 7);
	ASSERT_EQ(ifi->ifi_flags, 0);
	ASSERT_EQ(ifi->ifi_change, 0);
	ASSERT_EQ(addrgen_mode(m), IN6_ADDR_GEN_MODE_NONE);
}

/* A link message as the kernel sends it: struct ifinfomsg (of family AF_UNSPEC, or the
 * AF_BRIDGE twin the bridge sends for a port), then IFLA_MTU when mtu_first, then IFLA_IFNAME
 * (NUL-terminated, zero-padded) unless name is NULL. */
struct link_msg {
	struct nlmsghdr h;
	struct ifinfomsg i;
	char attrs[64];
};

static size_t put_attr(struct link_msg *m, size_t off, int type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->attrs + off);

	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(a->nla_len);
}

static size_t link_msg(struct link_msg *m, int ifindex, const char *name, bool mtu_first,
		       bool bridge_family)
{
	uint32_t mtu = 1500;
	size_t off = 0;

	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = RTM_NEWLINK;
	m->i.ifi_family = bridge_family ? AF_BRIDGE : AF_UNSPEC;
	m->i.ifi_index = ifindex;
	if (mtu_first)
		off = put_attr(m, off, IFLA_MTU, &mtu, sizeof(mtu));
	if (name)
		off = put_attr(m, off, IFLA_IFNAME, name, strlen(name) + 1);
	m->h.nlmsg_len = (uint32_t)(offsetof(struct link_msg, attrs) + off);
	return m->h.nlmsg_len;
}

struct seen {
	int ifindex; /* the link followed */
	int hits, forged;
	struct nlu_link last;
};

static void on_link(const struct nlu_link *l, void *data)
{
	struct seen *w = data;

	if (!strcmp(l->name, "forged0"))
		w->forged++;
	else if (l->ifindex == w->ifindex) {
		w->hits++;
		w->last = *l;
	}
}

/* What nlu_monitor_read hands on: the kernel's messages about a link created in this netns
 * (ifindex, name, MAC), not a message that a user socket sends to the monitor. And a bridge's
 * id as nlu_link_get reads it. 0 when so, else the line that failed. */
static int monitor_check(void)
{
	static const uint8_t mac[NLU_MAC_LEN] = {0x02, 0, 0, 0, 0x5e, 0x01};
	struct sockaddr_nl self;
	socklen_t len = sizeof(self);
	struct nl_sock *sk = NULL;
	struct seen w = {0};
	struct link_msg m;
	int mon = -1, tx = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (tx < 0 || nlu_open(&sk, NULL) < 0 || nlu_monitor_open(&mon, NULL) < 0 ||
	    getsockname(mon, (struct sockaddr *)&self, &len) < 0)
		return __LINE__;
	if (nlu_bridge_create(sk, "mon0", 0, mac, false, NULL) < 0 ||
	    !(w.ifindex = nlu_ifindex(sk, "mon0")))
		return __LINE__;
	/* A link message from user space, queued after the kernel's: not handed on. */
	struct sockaddr_nl to = {.nl_family = AF_NETLINK, .nl_pid = self.nl_pid};
	size_t n = link_msg(&m, w.ifindex, "forged0", false, false);
	if (sendto(tx, &m, n, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)n)
		return __LINE__;
	if (nlu_monitor_read(mon, 1000, on_link, &w) != 1)
		return __LINE__;
	if (w.hits < 1 || w.forged || strcmp(w.last.name, "mon0") != 0 || !w.last.has_mac ||
	    memcmp(w.last.mac, mac, NLU_MAC_LEN) != 0)
		return __LINE__;
	if (nlu_monitor_read(mon, 0, on_link, &w) != 0)
		return __LINE__;
	/* The bridge id: the MAC set on the bridge; zero on one without ports whose MAC was not
	 * set (bridge_mac_unchanged in the bridge plugin goes by it). */
	struct nlu_link l;
	static const uint8_t zero[NLU_MAC_LEN];
	if (nlu_link_get(sk, "mon0", 0, &l, NULL) < 0 || !l.has_bridge_id ||
	    memcmp(l.bridge_id_mac, mac, NLU_MAC_LEN) != 0)
		return __LINE__;
	if (nlu_bridge_create(sk, "mon1", 0, NULL, false, NULL) < 0 ||
	    nlu_link_get(sk, "mon1", 0, &l, NULL) < 0 || !l.has_bridge_id ||
	    memcmp(l.bridge_id_mac, zero, NLU_MAC_LEN) != 0 || !memcmp(l.mac, zero, NLU_MAC_LEN))
		return __LINE__;
	close(mon);
	close(tx);
	nlu_close(sk);
	return 0;
}

/* The link monitor reads what the kernel says about links, and a bridge's id is read. In a
 * network namespace of its own (and a user namespace when unprivileged; skipped where there
 * are none). */
TEST(monitor_hands_on_the_kernels_link_messages)
{
	int status, code;
	pid_t pid = fork();

	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		if (unshare(geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET) < 0)
			_exit(77);
		code = monitor_check();
		_exit(code ? 1 + code % 64 : 0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	code = WEXITSTATUS(status);
	if (code == 77) {
		printf("# skipped: no network namespace of its own\n");
		return;
	}
	if (code)
		TAP_FAIL("monitor_check failed at a line = %d mod 64", code - 1);
}

TEST(bridge_vlan_range_and_pvid)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFLA_MAX + 1], *a;
	struct bridge_vlan_info vi[2];
	int rem, n = 0;

	ASSERT_OK(nlu_build_bridge_vlan(RTM_SETLINK, 4, 10, 20, false, false, &m));
	ASSERT_EQ(((struct ifinfomsg *)nlmsg_data(nlmsg_hdr(m)))->ifi_family, AF_BRIDGE);
	(void)link_attr(m, tb);
	nla_for_each_nested(a, tb[IFLA_AF_SPEC], rem)
	{
		if (nla_type(a) == IFLA_BRIDGE_VLAN_INFO && n < 2)
			memcpy(&vi[n++], nla_data(a), sizeof(vi[0]));
	}
	ASSERT_EQ(n, 2);
	ASSERT_EQ(vi[0].vid, 10);
	ASSERT_TRUE(vi[0].flags & BRIDGE_VLAN_INFO_RANGE_BEGIN);
	ASSERT_EQ(vi[1].vid, 20);
	ASSERT_TRUE(vi[1].flags & BRIDGE_VLAN_INFO_RANGE_END);
	m = nlu_msg_free(m);
	ASSERT_OK(nlu_build_bridge_vlan(RTM_SETLINK, 4, 100, 100, true, true, &m));
	(void)link_attr(m, tb);
	a = nla_find(nla_data(tb[IFLA_AF_SPEC]), nla_len(tb[IFLA_AF_SPEC]), IFLA_BRIDGE_VLAN_INFO);
	ASSERT_TRUE(a != NULL);
	memcpy(&vi[0], nla_data(a), sizeof(vi[0]));
	ASSERT_EQ(vi[0].vid, 100);
	ASSERT_EQ(vi[0].flags, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
}

TEST(ipv4_address_gets_broadcast)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFA_MAX + 1];
	struct ipprefix p;
	struct ifaddrmsg *ifa;
	char buf[IPADDR_STRLEN];
	struct ipaddr b = {.family = AF_INET};

	ASSERT_OK(ipprefix_parse("10.231.1.2/24", &p));
	ASSERT_OK(nlu_build_addr(RTM_NEWADDR, 3, &p, 0, &m));
	ASSERT_OK(nlmsg_parse(nlmsg_hdr(m), sizeof(*ifa), tb, IFA_MAX, NULL));
	ifa = nlmsg_data(nlmsg_hdr(m));
	ASSERT_EQ(ifa->ifa_prefixlen, 24);
	ASSERT_EQ(ifa->ifa_index, 3);
	memcpy(b.b, nla_data(tb[IFA_BROADCAST]), 4);
	ASSERT_STREQ(ipaddr_format(&b, buf), "10.231.1.255");
	ASSERT_TRUE(tb[IFA_FLAGS] == NULL);
}

TEST(ipv6_nodad_flag_and_no_broadcast)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[IFA_MAX + 1];
	struct ipprefix p;
	struct ifaddrmsg *ifa;

	ASSERT_OK(ipprefix_parse("fd00:231::1/64", &p));
	ASSERT_OK(nlu_build_addr(RTM_NEWADDR, 3, &p, IFA_F_NODAD, &m));
	ASSERT_OK(nlmsg_parse(nlmsg_hdr(m), sizeof(*ifa), tb, IFA_MAX, NULL));
	ifa = nlmsg_data(nlmsg_hdr(m));
	ASSERT_EQ(ifa->ifa_family, AF_INET6);
	ASSERT_TRUE(ifa->ifa_flags & IFA_F_NODAD);
	ASSERT_TRUE(tb[IFA_BROADCAST] == NULL);
	ASSERT_EQ(nla_len(tb[IFA_ADDRESS]), 16);
}

TEST(route_default_via_gateway_and_link_scope)
{
	_cleanup_(nlu_msg_freep) struct nl_msg *m = NULL;
	struct nlattr *tb[RTA_MAX + 1];
	struct nlu_route rt = {.oif = 2, .scope = -1, .table = 1000, .priority = 5};
	struct rtmsg *rtm;

	ASSERT_OK(ipprefix_parse("0.0.0.0/0", &rt.dst));
	ASSERT_OK(ipaddr_parse("10.231.1.1", &rt.gw));
	ASSERT_OK(nlu_build_route(&rt, &m));
	ASSERT_OK(nlmsg_parse(nlmsg_hdr(m), sizeof(*rtm), tb, RTA_MAX, NULL));
	rtm = nlmsg_data(nlmsg_hdr(m));
	ASSERT_EQ(rtm->rtm_dst_len, 0);
	ASSERT_TRUE(tb[RTA_DST] == NULL);
	ASSERT_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	ASSERT_EQ(rtm->rtm_table, RT_TABLE_UNSPEC);
	ASSERT_EQ(nla_get_u32(tb[RTA_TABLE]), 1000);
	ASSERT_EQ(nla_get_u32(tb[RTA_PRIORITY]), 5);
	ASSERT_EQ(nla_get_u32(tb[RTA_OIF]), 2);
	m = nlu_msg_free(m);
	rt = (struct nlu_route){.oif = 2, .scope = -1};
	ASSERT_OK(ipprefix_parse("10.99.3.7/16", &rt.dst));
	ASSERT_OK(nlu_build_route(&rt, &m));
	ASSERT_OK(nlmsg_parse(nlmsg_hdr(m), sizeof(*rtm), tb, RTA_MAX, NULL));
	rtm = nlmsg_data(nlmsg_hdr(m));
	ASSERT_EQ(rtm->rtm_scope, RT_SCOPE_LINK);
	ASSERT_EQ(rtm->rtm_table, RT_TABLE_MAIN);
	/* host bits are cleared in RTA_DST */
	ASSERT_EQ(((uint8_t *)nla_data(tb[RTA_DST]))[2], 0);
}

TEST(mac_parse_format_random)
{
	uint8_t m[6];
	char buf[18];

	ASSERT_OK(nlu_mac_parse("0A:bb:cc:dd:ee:FF", m));
	ASSERT_STREQ(nlu_mac_format(m, buf), "0a:bb:cc:dd:ee:ff");
	ASSERT_OK(nlu_mac_parse("02-00-00-00-00-01", m));
	ASSERT_ERR(nlu_mac_parse("02:00:00:00:00", m));
	ASSERT_ERR(nlu_mac_parse("02:00:00:00:00:0g", m));
	ASSERT_ERR(nlu_mac_parse("02:00-00:00:00:01", m));
	ASSERT_ERR(nlu_mac_parse("", m));
	ASSERT_ERR(nlu_mac_parse(NULL, m));
	for (int i = 0; i < 32; i++) {
		nlu_mac_random(m);
		ASSERT_EQ(m[0] & 3, 2); /* unicast, locally administered */
	}
}

TAP_MAIN
