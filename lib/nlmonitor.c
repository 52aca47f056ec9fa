/* Link notifications (RTNLGRP_LINK): see nlutil.h. A plain netlink socket, because it only
 * listens; each RTM_NEWLINK goes through the same parser as a requested link. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

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

int nlu_monitor_only(int fd, int ifindex_a, int ifindex_b)
{
	/* A classic BPF word load reads big-endian: compare with the index in network order. */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 NLMSG_HDRLEN + offsetof(struct ifinfomsg, ifi_index)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)ifindex_a), 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)ifindex_b), 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = {.len = ARRAY_SIZE(code), .filter = code};

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

/* Hand every RTM_NEWLINK in buf[0..len) to fn. */
static void dispatch(const void *buf, size_t len, void (*fn)(const struct nlu_link *, void *),
		     void *data)
{
	for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len;) {
		const struct nlmsghdr *h = (const void *)((const char *)buf + off);
		struct nl_msg *m;
		struct nlu_link l;

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off)
			break;
		off += NLMSG_ALIGN(h->nlmsg_len);
		if (h->nlmsg_type != RTM_NEWLINK || !(m = nlmsg_convert((struct nlmsghdr *)h)))
			continue;
		if (nlu_parse_link(m, &l) == 0)
			fn(&l, data);
		nlmsg_free(m);
	}
}

int nlu_monitor_read(int fd, int timeout_ms, void (*fn)(const struct nlu_link *l, void *data),
		     void *data)
{
	/* aligned for struct nlmsghdr; one RTM_NEWLINK is 1-2 KB */
	__attribute__((aligned(8))) char buf[32768];
	struct pollfd p = {.fd = fd, .events = POLLIN};
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
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from,
				     &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return got;
			return -errno; /* ENOBUFS: the kernel dropped notifications */
		}
		if ((size_t)n > sizeof(buf))
			return -ENOBUFS; /* a datagram cut short is a notification lost */
		if (from.nl_pid != 0)
			continue; /* only the kernel speaks for links (a root process may send too) */
		dispatch(buf, (size_t)n, fn, data);
		got = true;
	}
}
