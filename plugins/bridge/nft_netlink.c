/* nf_tables over raw netlink, shared by the masquerade (masq_nftables.c) and MAC spoof check
 * (spoofchk_nftables.c) backends: building batches (nfb_*), the expressions nft itself
 * generates for our rule shapes (ex_*), talking to the kernel (nfs_*: commit, rule dumps, chain
 * lookup) and comparing a dumped rule with one we would write (CHECK). The API is in
 * masq_internal.h. */
#include <endian.h>
#include <errno.h>
#include <netinet/in.h> /* before the linux/ headers, which then skip their copies */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "attachment_lock.h"
#include "macro.h"
#include "masq_internal.h"

/* ---- nf_tables over raw netlink ----
 *
 * Not libnftables: it cost ~20 ms per call here and had to run in a forked worker (it exit()s
 * on some netlink errors): dlopen of six libraries, nft_ctx_new (reads /etc/iproute2), a full
 * cache fetch that allocates four 128 KiB hash tables per table it meets (page faults in a
 * fresh process), the bison parser, and the fork's copy-on-write faults. The messages for our
 * few rule shapes are fixed, so they are built here (one rule dump, one batch: well under a
 * millisecond) with the expressions nft itself generates, so that `nft list` prints them
 * exactly as if nft had added them. Netlink errors are ordinary return codes: nothing can end
 * the process. */

void nfb_free(struct nfb *b)
{
	free(b->buf);
	b->buf = NULL;
}

static void *nfb_put(struct nfb *b, size_t n)
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

void nfb_attr(struct nfb *b, uint16_t type, const void *data, size_t n)
{
	struct nlattr *a = nfb_put(b, NLA_HDRLEN + n);

	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	if (n)
		memcpy((char *)a + NLA_HDRLEN, data, n);
}

void nfb_str(struct nfb *b, uint16_t type, const char *s)
{
	nfb_attr(b, type, s, strlen(s) + 1);
}

void nfb_be32(struct nfb *b, uint16_t type, uint32_t v)
{
	v = htonl(v);
	nfb_attr(b, type, &v, sizeof(v));
}

static void nfb_be64(struct nfb *b, uint16_t type, uint64_t v)
{
	v = htobe64(v);
	nfb_attr(b, type, &v, sizeof(v));
}

size_t nfb_nest(struct nfb *b, uint16_t type)
{
	size_t off = b->len;

	nfb_attr(b, type | NLA_F_NESTED, NULL, 0);
	return off;
}

void nfb_nest_end(struct nfb *b, size_t off)
{
	if (!b->oom)
		((struct nlattr *)(b->buf + off))->nla_len = (uint16_t)(b->len - off);
}

/* A message: nlmsghdr + nfgenmsg. Messages of one batch share the buffer. */
static void nfb_begin(struct nfb *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id)
{
	size_t off = b->len;
	struct nlmsghdr *h = nfb_put(b, NLMSG_HDRLEN + sizeof(struct nfgenmsg));
	struct nfgenmsg *g;

	if (!h)
		return;
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++b->seq;
	g = (struct nfgenmsg *)((char *)h + NLMSG_HDRLEN);
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	b->msg = off;
}

void nfb_end(struct nfb *b)
{
	if (!b->oom)
		((struct nlmsghdr *)(b->buf + b->msg))->nlmsg_len = (uint32_t)(b->len - b->msg);
}

void nfb_nft(struct nfb *b, int msg, uint16_t flags)
{
	nfb_begin(b, (NFNL_SUBSYS_NFTABLES << 8) | msg, flags, b->family, 0);
}

/* ---- expressions, as nft 1.0.x linearizes our rules (nft --debug=netlink) ---- */

size_t nfb_expr_begin(struct nfb *b, const char *name, size_t *data)
{
	size_t e = nfb_nest(b, NFTA_LIST_ELEM);

	nfb_str(b, NFTA_EXPR_NAME, name);
	*data = nfb_nest(b, NFTA_EXPR_DATA);
	return e;
}

void nfb_expr_end(struct nfb *b, size_t e, size_t data)
{
	nfb_nest_end(b, data);
	nfb_nest_end(b, e);
}

void nfb_value(struct nfb *b, uint16_t type, const void *v, size_t n)
{
	size_t d = nfb_nest(b, type);

	nfb_attr(b, NFTA_DATA_VALUE, v, n);
	nfb_nest_end(b, d);
}

/* [ meta load nfproto => reg 1 ] [ cmp eq reg 1 <family> ] */
void ex_nfproto(struct nfb *b, uint8_t nfproto)
{
	size_t d, e = nfb_expr_begin(b, "meta", &d);

	nfb_be32(b, NFTA_META_DREG, NFT_REG_1);
	nfb_be32(b, NFTA_META_KEY, NFT_META_NFPROTO);
	nfb_expr_end(b, e, d);
	e = nfb_expr_begin(b, "cmp", &d);
	nfb_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nfb_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	nfb_value(b, NFTA_CMP_DATA, &nfproto, 1);
	nfb_expr_end(b, e, d);
}

/* `<ip|ip6> <saddr|daddr> [!=] <addr>[/len]`: nft loads only the prefix bytes when the prefix
 * is byte-aligned, else the whole address through a mask. */
void ex_addr_match(struct nfb *b, int family, bool daddr, const uint8_t *addr, unsigned plen,
		   bool neq)
{
	unsigned bytes = ipaddr_bytes(family);
	unsigned off = family == AF_INET ? (daddr ? 16 : 12) : (daddr ? 24 : 8);
	unsigned n = plen % 8 == 0 && plen > 0 ? plen / 8 : bytes;
	uint8_t mask[16] = {0}, zero[16] = {0}, val[16] = {0};
	size_t d, e;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned left = plen > i * 8 ? plen - i * 8 : 0;

		mask[i] = left >= 8 ? 0xff : (uint8_t)(0xff00 >> left);
		val[i] = addr[i] & mask[i];
	}
	e = nfb_expr_begin(b, "payload", &d);
	nfb_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nfb_be32(b, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nfb_be32(b, NFTA_PAYLOAD_OFFSET, off);
	nfb_be32(b, NFTA_PAYLOAD_LEN, n);
	nfb_expr_end(b, e, d);
	if (plen % 8 != 0 || plen == 0) {
		e = nfb_expr_begin(b, "bitwise", &d);
		nfb_be32(b, NFTA_BITWISE_SREG, NFT_REG_1);
		nfb_be32(b, NFTA_BITWISE_DREG, NFT_REG_1);
		nfb_be32(b, NFTA_BITWISE_LEN, n);
		nfb_value(b, NFTA_BITWISE_MASK, mask, n);
		nfb_value(b, NFTA_BITWISE_XOR, zero, n);
		nfb_expr_end(b, e, d);
	}
	e = nfb_expr_begin(b, "cmp", &d);
	nfb_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nfb_be32(b, NFTA_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
	nfb_value(b, NFTA_CMP_DATA, val, n);
	nfb_expr_end(b, e, d);
}

void nfb_verdict(struct nfb *b, int code, const char *chain)
{
	size_t d, e = nfb_expr_begin(b, "immediate", &d), data, v;

	nfb_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	data = nfb_nest(b, NFTA_IMMEDIATE_DATA);
	v = nfb_nest(b, NFTA_DATA_VERDICT);
	nfb_be32(b, NFTA_VERDICT_CODE, (uint32_t)code);
	if (chain)
		nfb_str(b, NFTA_VERDICT_CHAIN, chain);
	nfb_nest_end(b, v);
	nfb_nest_end(b, data);
	nfb_expr_end(b, e, d);
}

void ex_masq(struct nfb *b)
{
	size_t d, e = nfb_expr_begin(b, "masq", &d);

	nfb_expr_end(b, e, d);
}

size_t nfb_rule_begin(struct nfb *b, const char *chain)
{
	nfb_nft(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nfb_str(b, NFTA_RULE_TABLE, b->table);
	nfb_str(b, NFTA_RULE_CHAIN, chain);
	return nfb_nest(b, NFTA_RULE_EXPRESSIONS);
}

void nfb_rule_end(struct nfb *b, size_t exprs, const char *comment)
{
	nfb_nest_end(b, exprs);
	if (comment) {
		uint8_t ud[2 + 128];
		size_t l = strlen(comment) + 1;

		if (l > 128)
			l = 128;
		ud[0] = 0;
		ud[1] = (uint8_t)l;
		memcpy(ud + 2, comment, l - 1);
		ud[1 + l] = 0;
		nfb_attr(b, NFTA_RULE_USERDATA, ud, 2 + l);
	}
	nfb_end(b);
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

/* Commit the batch in b (begun with nfb_batch): the kernel applies all of it or nothing and
 * answers while our send is still in progress, so every reply is queued when send returns. Only
 * the last command asks for an acknowledgement; failing ones always answer. *ret_unknown is set
 * when the batch went out but its outcome could not be read. */
void nfb_batch(struct nfb *b)
{
	nfb_begin(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nfb_end(b);
}

int nfs_commit(int fd, struct nfb *b, const char *what, bool *ret_unknown, struct cni_error *err)
{
	_cleanup_free_ char *buf = NULL;
	uint32_t last = b->seq;
	bool acked = false;
	int r, first = 0;

	if (!b->oom)
		((struct nlmsghdr *)(b->buf + b->msg))->nlmsg_flags |= NLM_F_ACK;
	nfb_begin(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	nfb_end(b);
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

/* Handles of the rules in chain of our table that pred selects. A missing table or chain has
 * none. A dump that overlapped a change (NLM_F_DUMP_INTR) is taken again. */
static int handles_push(struct handles *h, uint64_t v)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		uint64_t *p = realloc(h->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		h->v = p;
		h->cap = cap;
	}
	h->v[h->n++] = v;
	return 0;
}

/* One NEWRULE of a dump: handle and comment (nft's user data TLV of type 0). */
static bool parse_rule(const struct nlmsghdr *h, const char *chain, struct nftx_rule *r)
{
	size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg));

	*r = (struct nftx_rule){.chain = chain, .comment = ""};
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)h + off);
		const uint8_t *p = (const uint8_t *)a + NLA_HDRLEN;
		size_t l = a->nla_len - NLA_HDRLEN;
		uint64_t v;

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return false;
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_RULE_HANDLE && l == 8) {
			memcpy(&v, p, 8);
			r->handle = (long)be64toh(v);
		} else if ((a->nla_type & NLA_TYPE_MASK) == NFTA_RULE_USERDATA) {
			for (size_t i = 0; i + 2 <= l && i + 2 + p[i + 1] <= l; i += 2 + p[i + 1]) {
				if (p[i] == 0) {
					r->comment = (const char *)p + i + 2;
					r->comment_len = strnlen(r->comment, p[i + 1]);
					break;
				}
			}
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return r->handle > 0;
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

struct rule_filter {
	int (*fn)(const struct nlmsghdr *h, void *arg);
	void *arg;
};

static int only_rules(const struct nlmsghdr *h, void *arg)
{
	const struct rule_filter *f = arg;

	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		return 0;
	return f->fn(h, f->arg);
}

/* One dump of the rules of table/chain: fn(rule, arg) for each. A missing table or chain, or
 * no nf_tables, is an empty dump. */
static int dump_rules_once(int fd, char *buf, uint8_t family, const char *table, const char *chain,
			   int (*fn)(const struct nlmsghdr *h, void *arg), void *arg,
			   bool *ret_intr, struct cni_error *err)
{
	struct nfb b = {.family = family, .table = table};
	struct rule_filter f = {fn, arg};
	int r;

	nfb_nft(&b, NFT_MSG_GETRULE, NLM_F_DUMP);
	nfb_str(&b, NFTA_RULE_TABLE, table);
	nfb_str(&b, NFTA_RULE_CHAIN, chain);
	nfb_end(&b);
	r = nfs_request(fd, buf, &b, "list rules", only_rules, &f, ret_intr, err);
	nfb_free(&b);
	return r;
}

/* dump_rules_once until a dump did not overlap a change (NLM_F_DUMP_INTR: some rules may be
 * missing from it). reset(arg) forgets a previous attempt. A listing that kept changing is never
 * acted on: DEL would miss rules it must delete. Our own writers hold the nftables lock
 * (nfs_writer_lock), so only others' commits can interrupt a dump. */
#define DUMP_ATTEMPTS 20

static int dump_rules(int fd, char *buf, uint8_t family, const char *table, const char *chain,
		      int (*fn)(const struct nlmsghdr *h, void *arg), void *arg,
		      void (*reset)(void *arg), struct cni_error *err)
{
	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		bool intr = false;
		int r;

		reset(arg);
		r = dump_rules_once(fd, buf, family, table, chain, fn, arg, &intr, err);
		if (r < 0 || !intr)
			return r;
		if (attempt > 2)
			(void)nanosleep(&(struct timespec){0, 1000000L << (attempt > 8 ? 3 : 0)},
					NULL);
	}
	return cni_error_set(err, CNI_ERR_TRY_AGAIN, EAGAIN, NULL,
			     "nftables: the rules of %s %s kept changing while listed (%d tries)",
			     table, chain, DUMP_ATTEMPTS);
}

struct handles_arg {
	const char *chain;
	rule_pred pred;
	const void *arg;
	struct handles *h;
};

static int collect_handle(const struct nlmsghdr *h, void *arg)
{
	struct handles_arg *c = arg;
	struct nftx_rule rule;

	if (parse_rule(h, c->chain, &rule) && c->pred(&rule, c->arg))
		return handles_push(c->h, (uint64_t)rule.handle);
	return 0;
}

static void handles_reset(void *arg)
{
	((struct handles_arg *)arg)->h->n = 0;
}

int nfs_rule_handles(int fd, uint8_t family, const char *table, const char *chain, rule_pred pred,
		     const void *arg, struct handles *ret, struct cni_error *err)
{
	_cleanup_free_ char *buf = malloc(NFT_RCVBUF);
	struct handles_arg c = {chain, pred, arg, ret};

	if (!buf)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: list rules");
	return dump_rules(fd, buf, family, table, chain, collect_handle, &c, handles_reset, err);
}

/* ---- comparing a dumped rule with one we would write (CHECK) ---- */

#define NLA_DATA_OF(a) ((const uint8_t *)(a) + NLA_HDRLEN)
#define NLA_LEN_OF(a)  ((size_t)(a)->nla_len - NLA_HDRLEN)

static const struct nlattr *nla_at(const uint8_t *p, size_t n, size_t off)
{
	const struct nlattr *a = (const struct nlattr *)(p + off);

	if (off + NLA_HDRLEN > n || a->nla_len < NLA_HDRLEN || off + a->nla_len > n)
		return NULL;
	return a;
}

static const struct nlattr *nla_find(const uint8_t *p, size_t n, uint16_t type)
{
	const struct nlattr *a;

	for (size_t off = 0; (a = nla_at(p, n, off)); off += NLA_ALIGN(a->nla_len))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* w (as we build it) and g (as the kernel dumps it) say the same: every attribute of w is in
 * g with the same value, nested ones (NLA_F_NESTED in w) compared the same way inside; an
 * attribute only in g must be a zero default the kernel dumps although we do not send it (the
 * bitwise operation); anything else there (e.g. masquerade flags) is a difference. */
static bool nla_same(const struct nlattr *w, const struct nlattr *g)
{
	const struct nlattr *c;

	if (!(w->nla_type & NLA_F_NESTED))
		return NLA_LEN_OF(w) == NLA_LEN_OF(g) &&
		       memcmp(NLA_DATA_OF(w), NLA_DATA_OF(g), NLA_LEN_OF(w)) == 0;
	for (size_t off = 0; (c = nla_at(NLA_DATA_OF(w), NLA_LEN_OF(w), off));
	     off += NLA_ALIGN(c->nla_len)) {
		const struct nlattr *d =
			nla_find(NLA_DATA_OF(g), NLA_LEN_OF(g), c->nla_type & NLA_TYPE_MASK);

		if (!d || !nla_same(c, d))
			return false;
	}
	for (size_t off = 0; (c = nla_at(NLA_DATA_OF(g), NLA_LEN_OF(g), off));
	     off += NLA_ALIGN(c->nla_len))
		if (!nla_find(NLA_DATA_OF(w), NLA_LEN_OF(w), c->nla_type & NLA_TYPE_MASK) &&
		    !all_zero(NLA_DATA_OF(c), NLA_LEN_OF(c)))
			return false;
	return true;
}

/* The dumped rule got is the rule want (a NEWRULE we built): the same expressions in the same
 * order with the same values, and the same comment (or none). */
static bool rule_equal(const struct nlmsghdr *want, const struct nlmsghdr *got)
{
	size_t hl = NLMSG_LENGTH(sizeof(struct nfgenmsg)), wo = 0, go = 0;
	const uint8_t *wp = (const uint8_t *)want + hl, *gp = (const uint8_t *)got + hl;
	size_t wn = want->nlmsg_len - hl, gn = got->nlmsg_len - hl;
	const struct nlattr *we = nla_find(wp, wn, NFTA_RULE_EXPRESSIONS);
	const struct nlattr *ge = nla_find(gp, gn, NFTA_RULE_EXPRESSIONS);
	const struct nlattr *wu = nla_find(wp, wn, NFTA_RULE_USERDATA);
	const struct nlattr *gu = nla_find(gp, gn, NFTA_RULE_USERDATA);

	if (got->nlmsg_len < hl || !we || !ge || !wu != !gu || (wu && !nla_same(wu, gu)))
		return false;
	for (;;) {
		const struct nlattr *a = nla_at(NLA_DATA_OF(we), NLA_LEN_OF(we), wo);
		const struct nlattr *b = nla_at(NLA_DATA_OF(ge), NLA_LEN_OF(ge), go);

		if (!a || !b)
			return !a && !b;
		if (!nla_same(a, b))
			return false;
		wo += NLA_ALIGN(a->nla_len);
		go += NLA_ALIGN(b->nla_len);
	}
}

struct present_arg {
	const struct nfb *want;
	bool *found;
	size_t n;
};

static int match_rule(const struct nlmsghdr *h, void *arg)
{
	struct present_arg *p = arg;

	for (size_t off = 0, i = 0; i < p->n && off + NLMSG_HDRLEN <= p->want->len; i++) {
		const struct nlmsghdr *w = (const struct nlmsghdr *)(p->want->buf + off);

		if (rule_equal(w, h))
			p->found[i] = true;
		off += NLMSG_ALIGN(w->nlmsg_len);
	}
	return 0;
}

static void present_reset(void *arg)
{
	struct present_arg *p = arg;

	memset(p->found, 0, p->n * sizeof(*p->found));
}

int nfs_rules_present(int fd, uint8_t family, const char *table, const char *chain,
		      const struct nfb *want, bool *found, size_t n, struct cni_error *err)
{
	_cleanup_free_ char *buf = malloc(NFT_RCVBUF);
	struct present_arg p = {want, found, n};

	if (!buf || want->oom)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: list rules");
	return dump_rules(fd, buf, family, table, chain, match_rule, &p, present_reset, err);
}

static int note_chain(const struct nlmsghdr *h, void *arg)
{
	size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	const uint8_t *p = (const uint8_t *)h + off;
	size_t n = h->nlmsg_len > off ? h->nlmsg_len - off : 0;
	struct nftx_chain *c = arg;
	const struct nlattr *hook, *a;

	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN))
		return 0;
	*c = (struct nftx_chain){.exists = true};
	if ((hook = nla_find(p, n, NFTA_CHAIN_HOOK))) {
		uint32_t v;
		c->base = true;
		if ((a = nla_find(NLA_DATA_OF(hook), NLA_LEN_OF(hook), NFTA_HOOK_HOOKNUM)) &&
		    NLA_LEN_OF(a) == 4)
			memcpy(&v, NLA_DATA_OF(a), 4), c->hooknum = ntohl(v);
		if ((a = nla_find(NLA_DATA_OF(hook), NLA_LEN_OF(hook), NFTA_HOOK_PRIORITY)) &&
		    NLA_LEN_OF(a) == 4)
			memcpy(&v, NLA_DATA_OF(a), 4), c->priority = (int32_t)ntohl(v);
	}
	if ((a = nla_find(p, n, NFTA_CHAIN_TYPE)))
		snprintf(c->type, sizeof(c->type), "%.*s",
			 (int)strnlen((const char *)NLA_DATA_OF(a), NLA_LEN_OF(a)),
			 (const char *)NLA_DATA_OF(a));
	return 0;
}

int nfs_chain_get(int fd, uint8_t family, const char *table, const char *chain,
		  struct nftx_chain *ret, struct cni_error *err)
{
	_cleanup_free_ char *buf = malloc(NFT_RCVBUF);
	struct nfb b = {.family = family, .table = table};
	int r;

	*ret = (struct nftx_chain){0};
	if (!buf)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: look up a chain");
	/* The chain (NEWCHAIN), then the acknowledgement; or only an error. */
	nfb_nft(&b, NFT_MSG_GETCHAIN, NLM_F_ACK);
	nfb_str(&b, NFTA_CHAIN_TABLE, table);
	nfb_str(&b, NFTA_CHAIN_NAME, chain);
	nfb_end(&b);
	r = nfs_request(fd, buf, &b, "look up a chain", note_chain, ret, NULL, err);
	nfb_free(&b);
	return r < 0 ? r : 0;
}

int nfs_chain_exists(int fd, uint8_t family, const char *table, const char *chain,
		     struct cni_error *err)
{
	struct nftx_chain c;
	int r = nfs_chain_get(fd, family, table, chain, &c, err);

	return r < 0 ? r : c.exists;
}

bool nftx_chain_is(const struct nftx_chain *c, uint32_t hooknum, int32_t priority, const char *type)
{
	return c->exists && c->base && c->hooknum == hooknum && c->priority == priority &&
	       strcmp(c->type, type) == 0;
}

void nfb_del_rule(struct nfb *b, const char *chain, uint64_t handle)
{
	nfb_nft(b, NFT_MSG_DELRULE, 0);
	nfb_str(b, NFTA_RULE_TABLE, b->table);
	nfb_str(b, NFTA_RULE_CHAIN, chain);
	nfb_be64(b, NFTA_RULE_HANDLE, handle);
	nfb_end(b);
}
