/* Link notifications (RTNLGRP_LINK): see nlutil.h. A plain netlink socket, because it only
 * listens; each RTM_NEWLINK is read in place for the little its callers follow. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nlutil.h"

int nlu_monitor_open(int *ret_fd, struct cni_error *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "open link notification socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return cni_error_set(err, CNI_ERR_INTERNAL, e, NULL,
				     "subscribe to link notifications");
	}
	*ret_fd = fd;
	return 0;
}

/* What a notification tells the monitor's callers (nlutil.h): read in place, with no copy and
 * no full parse, as a node's churn can queue many. */
static void monitor_link(const struct nlmsghdr *h, struct nlu_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));

	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_OPERSTATE && n >= 1)
			l->operstate = *(const uint8_t *)RTA_DATA(a);
		else if (a->rta_type == IFLA_ADDRESS && n == NLU_MAC_LEN) {
			memcpy(l->mac, RTA_DATA(a), NLU_MAC_LEN);
			l->has_mac = true;
		} else if (a->rta_type == IFLA_IFNAME) {
			memcpy(l->name, RTA_DATA(a), n < IFNAMSIZ ? n : IFNAMSIZ - 1);
		}
	}
}

/* Hand every RTM_NEWLINK in buf[0..len) to fn. */
static void dispatch(const void *buf, size_t len, void (*fn)(const struct nlu_link *, void *),
		     void *data)
{
	for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len;) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);
		struct nlu_link l;

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)) ||
		    h->nlmsg_len > len - off)
			break;
		off += NLMSG_ALIGN(h->nlmsg_len);
		/* A bridge port's AF_BRIDGE twin of a link's message says nothing more. */
		if (h->nlmsg_type != RTM_NEWLINK ||
		    ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_family != AF_UNSPEC)
			continue;
		monitor_link(h, &l);
		fn(&l, data);
	}
}

int nlu_monitor_read(int fd, int timeout_ms, void (*fn)(const struct nlu_link *l, void *data),
		     void *data)
{
	/* Up to 8 notifications per system call. One RTM_NEWLINK of the links followed is 1-2 KB;
	 * a longer one is reported as lost (-ENOBUFS), and the caller asks. */
	enum { BATCH = 8, DGRAM = 4096 };
	__attribute__((aligned(8))) char buf[BATCH][DGRAM];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct sockaddr_nl from[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];
	bool got = false;
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){.iov_base = buf[i], .iov_len = DGRAM};
			mm[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
							.msg_namelen = sizeof(from[i]),
							.msg_iov = &iov[i],
							.msg_iovlen = 1};
		}
		r = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return got;
			return -errno; /* ENOBUFS: the kernel dropped notifications */
		}
		for (int i = 0; i < r; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
				return -ENOBUFS; /* a datagram cut short is a notification lost */
			if (from[i].nl_pid != 0)
				continue; /* only the kernel speaks for links (root may send too) */
			dispatch(buf[i], mm[i].msg_len, fn, data);
			got = true;
		}
		if (r < BATCH)
			return got;
	}
}
