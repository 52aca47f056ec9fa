/* nf_tables netlink transport, shared by the masquerade and MAC spoof check backends whatever
 * builds their messages: the message buffer, the socket, the writer lock, deferred closes,
 * committing a batch (its acknowledgements and errors) and requests with dump retries. The API
 * is in masq_internal.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "attachment_lock.h"
#include "macro.h"
#include "masq_internal.h"

void nfb_free(struct nfb *b)
{
	free(b->buf);
	b->buf = NULL;
}

void *nfb_put(struct nfb *b, size_t n)
{
	size_t need = NLMSG_ALIGN(n);
	char *p;

	if (b->oom)
		return NULL;
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : 2048;

		while (cap < b->len + need)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->buf = p;
		b->cap = cap;
	}
	p = b->buf + b->len;
	memset(p, 0, need);
	b->len += need;
	return p;
}

char *nfb_room(struct nfb *b, size_t n)
{
	char *p = nfb_put(b, n);

	if (p)
		b->len -= NLMSG_ALIGN(n);
	return p;
}

void nfb_took(struct nfb *b, const struct nlmsghdr *h)
{
	b->msg = b->len;
	b->seq = h->nlmsg_seq;
	b->len += NLMSG_ALIGN(h->nlmsg_len);
}

/* ---- talking to nf_tables ---- */

#define NFT_RCVBUF 65536 /* receive buffer for replies and dumps */

int nfs_open(int *ret_fd, struct cni_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), one = 1;

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "nftables: open netfilter netlink socket");
	/* Kernel error text (extack), and errors without a copy of our message. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*ret_fd = fd;
	return 0;
}

/* Sockets kept open by nfs_close() while closes are deferred. Few: one per call of a verb. */
static struct {
	bool on;
	int fd[8];
	size_t n;
} deferred;

void nfs_defer_closes(void)
{
	deferred.on = true;
}

void nfs_close(int fd)
{
	if (fd < 0)
		return;
	if (deferred.on && deferred.n < ARRAY_SIZE(deferred.fd)) {
		deferred.fd[deferred.n++] = fd;
		return;
	}
	close(fd);
}

/* Held once per process, however many calls nest (a failed ADD's cleanup deletes under it). */
static struct {
	int fd;
	unsigned depth;
} writer = {-EBADF, 0};

int nfs_writer_lock(bool *ret_held, struct cni_error *err)
{
	int r = 0;

	if (writer.depth == 0)
		r = cni_lock_range(CNI_LOCK_NFTABLES, true, "the nftables lock", &writer.fd, err);
	if (r < 0)
		return r;
	writer.depth++;
	*ret_held = true;
	return 0;
}

void nfs_writer_unlockp(bool *held)
{
	if (!*held || writer.depth == 0)
		return;
	*held = false;
	if (--writer.depth == 0 && writer.fd >= 0) {
		close(writer.fd);
		writer.fd = -EBADF;
	}
}

void nfs_close_deferred(void)
{
	while (deferred.n > 0)
		close(deferred.fd[--deferred.n]);
	deferred.on = false;
}

static int nfs_send(int fd, const struct nfb *b, const char *what, struct cni_error *err)
{
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	ssize_t n;

	if (b->oom)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: %s", what);
	if (b->len > 128 * 1024) { /* a large GC batch: one datagram must hold it all */
		int sz = (int)(b->len * 2);

		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	}
	do
		n = sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&k, sizeof(k));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "nftables: %s: send",
				     what);
	if ((size_t)n != b->len)
		return cni_error_set(err, CNI_ERR_INTERNAL, EMSGSIZE, NULL,
				     "nftables: %s: short send", what);
	return 0;
}

/* One datagram of replies into buf; 0 when none is queued and dontwait. */
static ssize_t nfs_recv(int fd, char *buf, size_t n, bool dontwait, const char *what,
			struct cni_error *err)
{
	struct iovec iov = {buf, n};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t k;

	do
		k = recvmsg(fd, &m, dontwait ? MSG_DONTWAIT : 0);
	while (k < 0 && errno == EINTR);
	if (k < 0 && dontwait && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "nftables: %s: receive",
				     what);
	if (m.msg_flags & MSG_TRUNC)
		return cni_error_set(err, CNI_ERR_INTERNAL, EMSGSIZE, NULL,
				     "nftables: %s: reply truncated", what);
	return k;
}

static const char *nft_msg_name(uint16_t type)
{
	switch (type & 0xff) {
	case NFT_MSG_NEWTABLE:
		return "add table";
	case NFT_MSG_NEWCHAIN:
		return "add chain";
	case NFT_MSG_NEWRULE:
		return "add rule";
	case NFT_MSG_DELRULE:
		return "delete rule";
	case NFT_MSG_GETRULE:
		return "list rules";
	default:
		return "message";
	}
}

/* An NLMSG_ERROR with a non-zero error into err: errno, the kernel's text, which command. */
static int nfs_error(const struct nlmsghdr *h, const char *what, struct cni_error *err)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	int r;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return cni_error_set(err, CNI_ERR_INTERNAL, EPROTO, NULL,
				     "nftables: %s: short error reply", what);
	r = cni_error_set(err, CNI_ERR_INTERNAL, -e->error, NULL, "nftables: %s", what);
	cni_error_add_details(err, "in '%s'", nft_msg_name(e->msg.nlmsg_type));
	if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = NLMSG_LENGTH(sizeof(*e)); /* NETLINK_CAP_ACK: no payload copy */

		while (off + NLA_HDRLEN <= h->nlmsg_len) {
			const struct nlattr *a = (const struct nlattr *)((const char *)h + off);

			if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
				break;
			if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG &&
			    a->nla_len > NLA_HDRLEN)
				cni_error_add_details(err, "%.*s", (int)(a->nla_len - NLA_HDRLEN),
						      (const char *)a + NLA_HDRLEN);
			off += NLA_ALIGN(a->nla_len);
		}
	}
	return r;
}

/* Commit the complete batch in b: the kernel applies all of it or nothing and answers while our
 * send is still in progress, so every reply is queued when send returns. Only the command of
 * sequence number last asks for an acknowledgement; failing ones always answer. *ret_unknown is
 * set when the batch went out but its outcome could not be read. */
int nfs_commit_batch(int fd, const struct nfb *b, uint32_t last, const char *what,
		     bool *ret_unknown, struct cni_error *err)
{
	_cleanup_free_ char *buf = NULL;
	bool acked = false;
	int r, first = 0;

	if (!(buf = malloc(NFT_RCVBUF)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: %s", what);
	r = nfs_send(fd, b, what, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t k = nfs_recv(fd, buf, NFT_RCVBUF, true, what, err);

		if (k < 0 && first == 0 && ret_unknown)
			*ret_unknown = true;
		if (k < 0)
			return first < 0 ? first : (int)k;
		if (k == 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)k);
		     h = NLMSG_NEXT(h, k)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_seq == last)
				acked = true;
			if (e->error != 0 && first == 0)
				first = nfs_error(h, what, err);
		}
	}
	if (first < 0)
		return first;
	if (!acked) {
		if (ret_unknown)
			*ret_unknown = true;
		return cni_error_set(err, CNI_ERR_INTERNAL, EPROTO, NULL,
				     "nftables: %s: no acknowledgement", what);
	}
	return 0;
}

/* Send request b and read its replies up to the acknowledgement or the end of the dump:
 * fn(message, arg) for each other message (a negative return aborts with it). A missing
 * table or chain, or no nf_tables, ends it like an acknowledgement. *ret_intr (may be NULL)
 * when a dump overlapped a change (NLM_F_DUMP_INTR): the caller takes it again. */
static int nfs_request(int fd, char *buf, const struct nfb *b, const char *what,
		       int (*fn)(const struct nlmsghdr *h, void *arg), void *arg, bool *ret_intr,
		       struct cni_error *err)
{
	int r = nfs_send(fd, b, what, err);

	if (r < 0)
		return r;
	for (;;) {
		ssize_t k = nfs_recv(fd, buf, NFT_RCVBUF, false, what, err);

		if (k < 0)
			return (int)k;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)k);
		     h = NLMSG_NEXT(h, k)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if ((h->nlmsg_flags & NLM_F_DUMP_INTR) && ret_intr)
				*ret_intr = true;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				if (e->error == 0 || e->error == -ENOENT ||
				    e->error == -EOPNOTSUPP || e->error == -EPROTONOSUPPORT)
					return 0;
				return nfs_error(h, what, err);
			}
			if ((r = fn(h, arg)) < 0)
				return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL,
						     "nftables: %s", what);
		}
	}
}

/* dump_rules until a dump did not overlap a change (NLM_F_DUMP_INTR: some rules may be
 * missing from it). reset(arg) forgets a previous attempt. A listing that kept changing is never
 * acted on: DEL would miss rules it must delete. Our own writers hold the nftables lock
 * (nfs_writer_lock), so only others' commits can interrupt a dump. */
#define DUMP_ATTEMPTS 20

int nfs_query(int fd, const struct nfb *req, const char *what,
	      int (*fn)(const struct nlmsghdr *h, void *arg), void *arg, void (*reset)(void *arg),
	      struct cni_error *err)
{
	_cleanup_free_ char *buf = malloc(NFT_RCVBUF);

	if (!buf)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: %s", what);
	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		bool intr = false;
		int r;

		if (reset)
			reset(arg);
		r = nfs_request(fd, buf, req, what, fn, arg, &intr, err);
		if (r < 0 || !intr)
			return r;
		if (attempt > 2)
			(void)nanosleep(&(struct timespec){0, 1000000L << (attempt > 8 ? 3 : 0)},
					NULL);
	}
	return cni_error_set(err, CNI_ERR_TRY_AGAIN, EAGAIN, NULL,
			     "nftables: %s: the listing kept changing (%d tries)", what,
			     DUMP_ATTEMPTS);
}
