/* See kwork.h. Errors are returned, not printed: the driver reports them with the container's
 * name, bench/kadd on its stderr. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kwork.h"

int kw_rtnl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

static void *tail(struct kw_req *m)
{
	return m->buf + NLMSG_ALIGN(m->h.nlmsg_len);
}

void kw_init(struct kw_req *m, int type, int flags, const void *hdr, size_t hlen)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_type = (unsigned short)type;
	m->h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
	m->h.nlmsg_len = (unsigned int)NLMSG_LENGTH(hlen);
	memcpy(NLMSG_DATA(&m->h), hdr, hlen);
}

struct rtattr *kw_put(struct kw_req *m, int type, const void *data, size_t len)
{
	struct rtattr *a = tail(m);

	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

void kw_end(struct kw_req *m, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)m->buf + m->h.nlmsg_len - (char *)nest);
}

int kw_talk(int fd, struct kw_req *m)
{
	char buf[4096];
	ssize_t n;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;

	if (send(fd, m->buf, m->h.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/* net.ipv6.conf.IFNAME.accept_dad = 0 in the current netns; best effort, as in the plugins
 * (IPv6 may be disabled). */
static void accept_dad_off(const char *ifname)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "0", 1) < 0) {
		/* nothing to undo */
	}
	close(fd);
}

static int create_veth(int rtnl, const struct kw_add *a, int nsfd)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
	struct ifinfomsg peer_ifi = {.ifi_family = AF_UNSPEC};
	unsigned int nsfd32 = (unsigned int)nsfd;
	struct rtattr *li, *data, *peer;
	struct kw_req m;

	kw_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	kw_put(&m, IFLA_IFNAME, a->host, strlen(a->host) + 1);
	kw_put(&m, IFLA_MASTER, &a->master, sizeof(a->master));
	li = kw_put(&m, IFLA_LINKINFO, NULL, 0);
	kw_put(&m, IFLA_INFO_KIND, "veth", 5);
	data = kw_put(&m, IFLA_INFO_DATA, NULL, 0);
	/* not IFF_UP here: the peer is configured before the pair is linked (-ENOTCONN) */
	peer = kw_put(&m, VETH_INFO_PEER, &peer_ifi, sizeof(peer_ifi));
	kw_put(&m, IFLA_IFNAME, a->ifname, strlen(a->ifname) + 1);
	kw_put(&m, IFLA_NET_NS_FD, &nsfd32, sizeof(nsfd32));
	kw_end(&m, peer);
	kw_end(&m, data);
	kw_end(&m, li);
	return kw_talk(rtnl, &m);
}

/* arp_notify, then the address, then up: the link comes up announcing its address with a
 * gratuitous ARP, which the bridge floods to every port (part of any plugin's ADD). */
static int configure_container(int fd, const struct kw_add *a, unsigned int idx)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)idx};
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET, .ifa_prefixlen = a->prefix_len, .ifa_index = idx};
	struct rtmsg rtm = {.rtm_family = AF_INET,
			    .rtm_table = RT_TABLE_MAIN,
			    .rtm_protocol = RTPROT_BOOT,
			    .rtm_scope = RT_SCOPE_UNIVERSE,
			    .rtm_type = RTN_UNICAST};
	struct rtattr *spec, *inet, *conf;
	unsigned int one = 1;
	struct kw_req m;
	int r;

	kw_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	spec = kw_put(&m, IFLA_AF_SPEC, NULL, 0);
	inet = kw_put(&m, AF_INET, NULL, 0);
	conf = kw_put(&m, IFLA_INET_CONF, NULL, 0);
	kw_put(&m, IPV4_DEVCONF_ARP_NOTIFY, &one, sizeof(one));
	kw_end(&m, conf);
	kw_end(&m, inet);
	kw_end(&m, spec);
	if ((r = kw_talk(fd, &m)) < 0)
		return r;
	kw_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	kw_put(&m, IFA_LOCAL, &a->ip, 4);
	kw_put(&m, IFA_ADDRESS, &a->ip, 4);
	if ((r = kw_talk(fd, &m)) < 0)
		return r;
	ifi.ifi_flags = ifi.ifi_change = IFF_UP;
	kw_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if ((r = kw_talk(fd, &m)) < 0 || !a->gw)
		return r;
	kw_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm));
	kw_put(&m, RTA_GATEWAY, &a->gw, 4);
	kw_put(&m, RTA_OIF, &idx, 4);
	return kw_talk(fd, &m);
}

int kw_add(int rtnl, int home_ns, const struct kw_add *a)
{
	int nsfd = open(a->netns, O_RDONLY | O_CLOEXEC), fd = -1, r;
	unsigned int idx = 0;

	if (nsfd < 0)
		return -errno;
	if ((r = create_veth(rtnl, a, nsfd)) < 0)
		goto out;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		r = -errno;
		goto out;
	}
	fd = kw_rtnl_open();
	idx = if_nametoindex(a->ifname);
	/* Both plugins turn DAD off on the container end (the reference: enabledad false by
	 * default), so its IPv6 autoconf (link-local, router solicitation flooded to every port)
	 * runs right at link up, in a kworker holding rtnl, instead of a second later. */
	accept_dad_off(a->ifname);
	if (setns(home_ns, CLONE_NEWNET) < 0) {
		r = -ENOTRECOVERABLE; /* the caller cannot go on in the wrong netns */
		goto out;
	}
	if (fd < 0)
		r = fd;
	else if (idx == 0)
		r = -ENODEV;
	else
		r = configure_container(fd, a, idx);
out:
	if (fd >= 0)
		close(fd);
	close(nsfd);
	return r;
}

int kw_del(int rtnl, const char *host)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct kw_req m;

	kw_init(&m, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	kw_put(&m, IFLA_IFNAME, host, strlen(host) + 1);
	return kw_talk(rtnl, &m);
}
