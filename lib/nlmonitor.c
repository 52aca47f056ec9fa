/* Link notifications (RTNLGRP_LINK): see nlutil.h. A plain netlink socket, because it only
 * listens; each RTM_NEWLINK is read in place for the little its callers follow. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "nlutil.h"

/* The IFLA_IFNAME payload the kernel puts in a link's message, as a classic BPF word load
 * reads it (big-endian): the name, its NUL and the zero padding nla_put adds, 1-4 words. */
static size_t name_words(const char *name, uint32_t w[IFNAMSIZ / 4])
{
	uint8_t b[IFNAMSIZ] = {0};
	size_t len = strnlen(name, IFNAMSIZ - 1), n = len / 4 + 1;

	memcpy(b, name, len);
	for (size_t i = 0; i < n; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	return n;
}

int nlu_monitor_only(int fd, const char *const names[NLU_MONITOR_NAMES])
{
	enum { HEAD = 7, MAX = HEAD + NLU_MONITOR_NAMES * (2 * IFNAMSIZ / 4 + 1) + 1 };
	struct sock_filter code[MAX];
	size_t n = 0, jump_to_drop[2];

	/* Links only (AF_UNSPEC): a bridge port's AF_BRIDGE twin of each message says nothing
	 * more that a caller follows. */
	code[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + offsetof(struct ifinfomsg, ifi_family));
	jump_to_drop[0] = n;
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNSPEC, 0, 0);
	/* A = the offset of the message's IFLA_IFNAME attribute (the kernel's nla_find over the
	 * attributes after struct ifinfomsg), 0 when it has none; X = A. */
	code[n++] = (struct sock_filter)BPF_STMT(
		BPF_LD | BPF_IMM, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_IMM, IFLA_IFNAME);
	code[n++] =
		(struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_NLATTR);
	jump_to_drop[1] = n;
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
	/* Per name: its words compared in turn, the first mismatch jumps to the next name. */
	for (size_t i = 0; i < NLU_MONITOR_NAMES; i++) {
		uint32_t w[IFNAMSIZ / 4];
		size_t nw, next;

		if (!names[i] || !names[i][0])
			continue;
		nw = name_words(names[i], w);
		next = n + 2 * nw + 1;
		for (size_t k = 0; k < nw; k++) {
			code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_IND,
								 NLA_HDRLEN + 4 * k);
			code[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, w[k], 0,
							       (uint8_t)(next - n - 1));
			n++;
		}
		code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffffu);
	}
	code[jump_to_drop[0]].jf = (uint8_t)(n - jump_to_drop[0] - 1);
	code[jump_to_drop[1]].jt = (uint8_t)(n - jump_to_drop[1] - 1);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);

	struct sock_fprog prog = {.len = (unsigned short)n, .filter = code};
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int nlu_monitor_open(int *ret_fd, const char *const names[NLU_MONITOR_NAMES], struct cni_error *err)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int r;

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "open link notification socket");
	/* Filtered before it is subscribed: nothing else is ever queued. */
	if ((r = nlu_monitor_only(fd, names)) < 0) {
		close(fd);
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "filter link notifications");
	}
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
		if (h->nlmsg_type != RTM_NEWLINK)
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
