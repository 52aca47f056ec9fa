/* TRIAL (make NFT=libnftnl, bench/nftnl-trial.sh): masq_nftables.c with every nf_tables
 * message built and every reply parsed by libnftnl, the netfilter project's own library under
 * nft and iptables-nft, instead of our encoder (nft_netlink.c's nfb_ and ex_ functions). The
 * socket, the writer lock, the commit's acknowledgements and the dump retries stay ours
 * (nfs_*): they are not what libnftnl does. The rules are the ones masq_nftables.c writes
 * (same layout, same expressions, same comments), and the kernel holds the same bytecode
 * (test/integration/masq-nftables.t). */
#include <errno.h>
#include <netinet/in.h> /* before the linux/ headers, which then skip their copies */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "macro.h"
#include "../masq_internal.h"
#include "sha512.h"

#define T "inet " MASQ_NFT_TABLE

/* ---- names ---- */

char *nftx_sanitize(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '_';
	buf[i] = 0;
	return buf;
}

char *masq_nft_tag(const char *network, const char *ifname, const char *container_id, char *buf)
{
	size_t ln = strlen(network), li = strlen(ifname), lc = strlen(container_id);
	_cleanup_free_ char *s = malloc(ln + li + lc + 2);
	char h1[17], h2[17] = "0000000000000000";

	sha512_hex_prefix(network, ln, 8, h1);
	if (s) {
		memcpy(s, network, ln + 1);
		memcpy(s + ln + 1, ifname, li + 1);
		memcpy(s + ln + li + 2, container_id, lc);
		sha512_hex_prefix(s, ln + li + lc + 2, 8, h2);
	}
	snprintf(buf, MASQ_NFT_TAG_LEN + 1, "%s-%s", h1, h2);
	return buf;
}

char *masq_nft_comment(const struct masq_attachment *a, char *buf)
{
	char tag[MASQ_NFT_TAG_LEN + 1], n[128], i[128], c[128];

	masq_nft_tag(a->network, a->ifname, a->container_id, tag);
	if (snprintf(buf, 128, "%s, net: %s, if: %s, id: %s", tag,
		     nftx_sanitize(a->network, n, 128), nftx_sanitize(a->ifname, i, 128),
		     nftx_sanitize(a->container_id, c, 128)) >= 128)
		buf[127] = 0;
	return buf;
}

/* ---- building with libnftnl ---- */

static void nftnl_rule_freep(struct nftnl_rule **r)
{
	if (*r)
		nftnl_rule_free(*r);
}

static void nftnl_chain_freep(struct nftnl_chain **c)
{
	if (*c)
		nftnl_chain_free(*c);
}

/* Messages go into an nfb (our buffer and transport); at most this many bytes each. */
#define MSG_MAX 4096

struct msgs {
	struct nfb b;
	uint32_t seq, last; /* sequence numbers: of the last message begun, of the last command */
	bool oom;
};

static struct nlmsghdr *msg_begin(struct msgs *m, uint16_t type, uint16_t flags)
{
	char *p = nfb_room(&m->b, MSG_MAX);

	if (!p) {
		m->oom = true;
		return NULL;
	}
	m->last = ++m->seq;
	return nftnl_nlmsg_build_hdr(p, type, NFPROTO_INET, flags, m->seq);
}

static void msg_end(struct msgs *m, struct nlmsghdr *h)
{
	if (h)
		nfb_took(&m->b, h);
}

static void batch_edge(struct msgs *m, bool end)
{
	char *p = nfb_room(&m->b, MSG_MAX);
	struct nlmsghdr *h;

	if (!p) {
		m->oom = true;
		return;
	}
	h = end ? nftnl_batch_end(p, ++m->seq) : nftnl_batch_begin(p, ++m->seq);
	nfb_took(&m->b, h);
}

static void rule_put(struct msgs *m, uint16_t type, uint16_t flags, struct nftnl_rule *r)
{
	struct nlmsghdr *h = msg_begin(m, type, flags);

	if (h)
		nftnl_rule_nlmsg_build_payload(h, r);
	msg_end(m, h);
}

static struct nftnl_rule *rule_new(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, MASQ_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

/* false when out of memory (the rule is then incomplete) */
static bool add_expr(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool ex_nfproto_nl(struct nftnl_rule *r, uint8_t nfproto)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!add_expr(r, e))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	if (!add_expr(r, e = nftnl_expr_alloc("cmp")))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, &nfproto, 1);
	return true;
}

/* As nft: only the prefix bytes when the prefix is byte-aligned, else the address through a
 * mask. */
static bool ex_addr_match_nl(struct nftnl_rule *r, int family, bool daddr, const uint8_t *addr,
			     unsigned plen, bool neq)
{
	unsigned bytes = ipaddr_bytes(family);
	unsigned off = family == AF_INET ? (daddr ? 16 : 12) : (daddr ? 24 : 8);
	unsigned n = plen % 8 == 0 && plen > 0 ? plen / 8 : bytes;
	uint8_t mask[16] = {0}, zero[16] = {0}, val[16] = {0};
	struct nftnl_expr *e;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned left = plen > i * 8 ? plen - i * 8 : 0;

		mask[i] = left >= 8 ? 0xff : (uint8_t)(0xff00 >> left);
		val[i] = addr[i] & mask[i];
	}
	if (!add_expr(r, e = nftnl_expr_alloc("payload")))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, n);
	if (plen % 8 != 0 || plen == 0) {
		if (!add_expr(r, e = nftnl_expr_alloc("bitwise")))
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, n);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask, n);
		nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, zero, n);
	}
	if (!add_expr(r, e = nftnl_expr_alloc("cmp")))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, val, n);
	return true;
}

static bool ex_verdict_nl(struct nftnl_rule *r, int code, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!add_expr(r, e))
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return true;
}

/* nft's comment: user data TLV NFTNL_UDATA_RULE_COMMENT, NUL included. */
static bool set_comment(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	bool ok = u && nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment) &&
		  nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
				      nftnl_udata_buf_len(u)) == 0;

	if (u)
		nftnl_udata_buf_free(u);
	return ok;
}

/* The three rules of chain postrouting, into out[3]; false when out of memory. */
static bool base_rules(struct nftnl_rule *out[3])
{
	static const uint8_t mc4[4] = {224}, mc6[16] = {0xff};

	for (int i = 0; i < 3; i++)
		if (!(out[i] = rule_new("postrouting")))
			return false;
	return ex_nfproto_nl(out[0], NFPROTO_IPV4) && /* ip daddr 224.0.0.0/4 return */
	       ex_addr_match_nl(out[0], AF_INET, true, mc4, 4, false) &&
	       ex_verdict_nl(out[0], NFT_RETURN, NULL) &&
	       ex_nfproto_nl(out[1], NFPROTO_IPV6) && /* ip6 daddr ff00::/8 return */
	       ex_addr_match_nl(out[1], AF_INET6, true, mc6, 8, false) &&
	       ex_verdict_nl(out[1], NFT_RETURN, NULL) &&
	       ex_verdict_nl(out[2], NFT_GOTO, "masq_checks"); /* goto masq_checks */
}

static void free_rules(struct nftnl_rule **r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i])
			nftnl_rule_free(r[i]);
}

/* <ip|ip6> saddr <addr> <ip|ip6> daddr != <subnet> masquerade comment "<comment>" */
static struct nftnl_rule *masq_rule(const struct ipprefix *ip, const char *comment)
{
	int f = ip->addr.family;
	struct nftnl_rule *r = rule_new("masq_checks");

	if (r && ex_nfproto_nl(r, f == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6) &&
	    ex_addr_match_nl(r, f, false, ip->addr.b, ipaddr_bits(f), false) &&
	    ex_addr_match_nl(r, f, true, ip->addr.b, ip->len, true) &&
	    add_expr(r, nftnl_expr_alloc("masq")) && set_comment(r, comment))
		return r;
	if (r)
		nftnl_rule_free(r);
	return NULL;
}

/* add table; add chain masq_checks; add chain postrouting { type nat hook postrouting
 * priority srcnat; }; flush chain postrouting; its three rules. */
static void put_base(struct msgs *m)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_chain *c[2] = {nftnl_chain_alloc(), nftnl_chain_alloc()};
	struct nftnl_rule *flush = rule_new("postrouting"), *base[3] = {0};
	struct nlmsghdr *h;

	if (!t || !c[0] || !c[1] || !flush || !base_rules(base)) {
		m->oom = true;
		goto out;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, MASQ_NFT_TABLE);
	if ((h = msg_begin(m, NFT_MSG_NEWTABLE, NLM_F_CREATE)))
		nftnl_table_nlmsg_build_payload(h, t);
	msg_end(m, h);
	for (int i = 0; i < 2; i++) {
		nftnl_chain_set_u32(c[i], NFTNL_CHAIN_FAMILY, NFPROTO_INET);
		nftnl_chain_set_str(c[i], NFTNL_CHAIN_TABLE, MASQ_NFT_TABLE);
		nftnl_chain_set_str(c[i], NFTNL_CHAIN_NAME, i == 0 ? "masq_checks" : "postrouting");
	}
	nftnl_chain_set_u32(c[1], NFTNL_CHAIN_HOOKNUM, NF_INET_POST_ROUTING);
	nftnl_chain_set_s32(c[1], NFTNL_CHAIN_PRIO, 100); /* srcnat */
	nftnl_chain_set_str(c[1], NFTNL_CHAIN_TYPE, "nat");
	for (int i = 0; i < 2; i++) {
		if ((h = msg_begin(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE)))
			nftnl_chain_nlmsg_build_payload(h, c[i]);
		msg_end(m, h);
	}
	rule_put(m, NFT_MSG_DELRULE, 0, flush); /* flush chain postrouting */
	for (int i = 0; i < 3; i++)
		rule_put(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, base[i]);
out:
	if (t)
		nftnl_table_free(t);
	for (int i = 0; i < 2; i++)
		if (c[i])
			nftnl_chain_free(c[i]);
	if (flush)
		nftnl_rule_free(flush);
	free_rules(base, 3);
}

static void put_del_rule(struct msgs *m, uint64_t handle)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = rule_new("masq_checks");

	if (!r) {
		m->oom = true;
		return;
	}
	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	rule_put(m, NFT_MSG_DELRULE, 0, r);
}

/* Close the batch (its last command asks for the acknowledgement) and commit it. */
static int commit(int fd, struct msgs *m, const char *what, bool *ret_unknown,
		  struct cni_error *err)
{
	if (!m->oom && m->b.msg < m->b.len)
		((struct nlmsghdr *)(m->b.buf + m->b.msg))->nlmsg_flags |= NLM_F_ACK;
	batch_edge(m, true);
	if (m->oom)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: %s", what);
	return nfs_commit_batch(fd, &m->b, m->last, what, ret_unknown, err);
}

/* ---- reading with libnftnl ---- */

struct dump_arg {
	int (*fn)(struct nftnl_rule *r, void *arg);
	void (*reset)(void *arg);
	void *arg;
};

static void dump_reset(void *arg)
{
	const struct dump_arg *d = arg;

	d->reset(d->arg);
}

static int dump_one(const struct nlmsghdr *h, void *arg)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = NULL;
	struct dump_arg *d = arg;

	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		return 0;
	if (!(r = nftnl_rule_alloc()))
		return -ENOMEM;
	if (nftnl_rule_nlmsg_parse(h, r) < 0)
		return 0; /* not a rule we can read: not ours */
	return d->fn(r, d->arg);
}

/* fn(rule, arg) for each rule of chain (reset(arg) before each attempt); a missing table or
 * chain has none. */
static int dump_rules(int fd, const char *chain, int (*fn)(struct nftnl_rule *r, void *arg),
		      void *arg, void (*reset)(void *arg), struct cni_error *err)
{
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *r = rule_new(chain);
	struct msgs m = {.b = {0}};
	struct dump_arg d = {fn, reset, arg};
	struct nlmsghdr *h;
	int ret;

	if (!r || !(h = msg_begin(&m, NFT_MSG_GETRULE, NLM_F_DUMP))) {
		nfb_free(&m.b);
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "nftables: list rules");
	}
	nftnl_rule_nlmsg_build_payload(h, r);
	msg_end(&m, h);
	ret = nfs_query(fd, &m.b, "list rules", dump_one, &d, dump_reset, err);
	nfb_free(&m.b);
	return ret;
}

static int comment_cb(const struct nftnl_udata *a, void *data)
{
	struct nftx_rule *r = data;

	if (nftnl_udata_type(a) == NFTNL_UDATA_RULE_COMMENT) {
		r->comment = nftnl_udata_get(a);
		r->comment_len = strnlen(r->comment, nftnl_udata_len(a));
	}
	return 0;
}

/* Our view of a dumped rule (valid while r lives). */
static struct nftx_rule rule_view(struct nftnl_rule *r, const char *chain)
{
	struct nftx_rule v = {.chain = chain, .comment = ""};
	uint32_t ulen = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);

	v.handle = (long)nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	if (ud)
		(void)nftnl_udata_parse(ud, ulen, comment_cb, &v);
	return v;
}

struct handles_arg {
	const char *chain;
	rule_pred pred;
	const void *arg;
	struct handles *h;
};

static int collect_handle(struct nftnl_rule *r, void *arg)
{
	struct handles_arg *c = arg;
	struct nftx_rule v = rule_view(r, c->chain);
	struct handles *h = c->h;

	if (v.handle <= 0 || !c->pred(&v, c->arg))
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		uint64_t *p = realloc(h->v, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		h->v = p;
		h->cap = cap;
	}
	h->v[h->n++] = (uint64_t)v.handle;
	return 0;
}

static void handles_reset(void *arg)
{
	((struct handles_arg *)arg)->h->n = 0;
}

static int rule_handles(int fd, rule_pred pred, const void *arg, struct handles *ret,
			struct cni_error *err)
{
	struct handles_arg c = {"masq_checks", pred, arg, ret};

	return dump_rules(fd, "masq_checks", collect_handle, &c, handles_reset, err);
}

/* CHECK: two rules are the same when libnftnl prints the same expressions (nft --debug=netlink
 * form: every attribute that is set, the kernel's zero defaults alike) in the same order, and
 * the same user data. */
static bool rule_same(struct nftnl_rule *a, struct nftnl_rule *b)
{
	struct nftnl_expr_iter *ia = nftnl_expr_iter_create(a), *ib = nftnl_expr_iter_create(b);
	uint32_t la = 0, lb = 0;
	const void *ua = nftnl_rule_get_data(a, NFTNL_RULE_USERDATA, &la);
	const void *ub = nftnl_rule_get_data(b, NFTNL_RULE_USERDATA, &lb);
	bool same = ia && ib && !ua == !ub && la == lb && (!ua || memcmp(ua, ub, la) == 0);

	while (same) {
		struct nftnl_expr *ea = nftnl_expr_iter_next(ia), *eb = nftnl_expr_iter_next(ib);
		char sa[512], sb[512];

		if (!ea || !eb) {
			same = !ea && !eb;
			break;
		}
		nftnl_expr_snprintf(sa, sizeof(sa), ea, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_expr_snprintf(sb, sizeof(sb), eb, NFTNL_OUTPUT_DEFAULT, 0);
		same = strcmp(nftnl_expr_get_str(ea, NFTNL_EXPR_NAME),
			      nftnl_expr_get_str(eb, NFTNL_EXPR_NAME)) == 0 &&
		       strcmp(sa, sb) == 0;
	}
	if (ia)
		nftnl_expr_iter_destroy(ia);
	if (ib)
		nftnl_expr_iter_destroy(ib);
	return same;
}

struct present_arg {
	struct nftnl_rule **want;
	bool *found;
	size_t n;
};

static int match_rule(struct nftnl_rule *r, void *arg)
{
	struct present_arg *p = arg;

	for (size_t i = 0; i < p->n; i++)
		if (p->want[i] && rule_same(p->want[i], r))
			p->found[i] = true;
	return 0;
}

static void present_reset(void *arg)
{
	struct present_arg *p = arg;

	memset(p->found, 0, p->n * sizeof(*p->found));
}

static int rules_present(int fd, const char *chain, struct nftnl_rule **want, bool *found, size_t n,
			 struct cni_error *err)
{
	struct present_arg p = {want, found, n};

	for (size_t i = 0; i < n; i++)
		if (!want[i])
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
					     "nftables: list rules");
	return dump_rules(fd, chain, match_rule, &p, present_reset, err);
}

static int note_chain(const struct nlmsghdr *h, void *arg)
{
	_cleanup_(nftnl_chain_freep) struct nftnl_chain *c = NULL;
	struct nftx_chain *v = arg;
	const char *type;

	if (h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN))
		return 0;
	if (!(c = nftnl_chain_alloc()))
		return -ENOMEM;
	if (nftnl_chain_nlmsg_parse(h, c) < 0)
		return 0;
	*v = (struct nftx_chain){.exists = true};
	v->base = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM);
	v->hooknum = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
	v->priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
	if ((type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE)))
		snprintf(v->type, sizeof(v->type), "%s", type);
	return 0;
}

/* The chain (NEWCHAIN), then the acknowledgement; or only an error. */
static int chain_get(int fd, const char *name, struct nftx_chain *ret, struct cni_error *err)
{
	_cleanup_(nftnl_chain_freep) struct nftnl_chain *c = nftnl_chain_alloc();
	struct msgs m = {.b = {0}};
	struct nlmsghdr *h;
	int r;

	*ret = (struct nftx_chain){0};
	if (!c || !(h = msg_begin(&m, NFT_MSG_GETCHAIN, NLM_F_ACK))) {
		nfb_free(&m.b);
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: look up a chain");
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, MASQ_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(h, c);
	msg_end(&m, h);
	r = nfs_query(fd, &m.b, "look up a chain", note_chain, ret, NULL, err);
	nfb_free(&m.b);
	return r < 0 ? r : 0;
}

/* ---- ADD / DEL / CHECK / GC ---- */

static bool pred_instance(const struct nftx_rule *r, const void *tag)
{
	return r->comment_len >= MASQ_NFT_TAG_LEN &&
	       strncmp(r->comment, tag, MASQ_NFT_TAG_LEN) == 0;
}

/* The rule exactly as nft lists it (used to CHECK it). */
static void masq_rule_text(const struct ipprefix *ip, const char *comment, char *buf, size_t n)
{
	char a[IPADDR_STRLEN], net[IPPREFIX_STRLEN];
	const char *p = ip->addr.family == AF_INET ? "ip" : "ip6";
	struct ipprefix subnet;

	ipprefix_network(ip, &subnet);
	if (ip->len == ipaddr_bits(ip->addr.family))
		ipaddr_format(&subnet.addr, net);
	else
		ipprefix_format(&subnet, net);
	snprintf(buf, n, "%s saddr %s %s daddr != %s masquerade comment \"%s\"", p,
		 ipaddr_format(&ip->addr, a), p, net, comment);
}

/* Whether table, both chains and the three base rules are in place (see masq_nftables.c). */
static bool base_in_place(int fd)
{
	struct nftnl_rule *want[3] = {0};
	bool found[3] = {false};
	struct nftx_chain c;
	int r = -ENOMEM;

	if (chain_get(fd, "postrouting", &c, NULL) < 0 ||
	    !nftx_chain_is(&c, NF_INET_POST_ROUTING, 100 /* srcnat */, "nat"))
		return false;
	if (base_rules(want))
		r = rules_present(fd, "postrouting", want, found, 3, NULL);
	free_rules(want, 3);
	return r >= 0 && found[0] && found[1] && found[2];
}

static int delete_where(rule_pred stale, const void *arg, const char *what, struct cni_error *err)
{
	_cleanup_(nfs_closep) int fd = -EBADF;
	struct cni_error tmp = {0};
	int r = nfs_open(&fd, &tmp);
	_cleanup_(nfs_writer_unlockp) bool held = false;

	if (r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT)
		return 0; /* no netfilter netlink: nothing of ours can exist */
	if (r < 0) {
		if (err && !cni_error_is_set(err))
			*err = tmp;
		return r;
	}
	if ((r = nfs_writer_lock(&held, err)) < 0)
		return r;
	for (int attempt = 0; attempt < 2; attempt++) {
		_cleanup_free_ uint64_t *hv = NULL;
		struct handles h = {0};
		struct msgs m = {.b = {0}};

		tmp = (struct cni_error){0};
		r = rule_handles(fd, stale, arg, &h, err);
		hv = h.v;
		if (r < 0 || h.n == 0)
			return r;
		batch_edge(&m, false);
		for (size_t i = 0; i < h.n; i++)
			put_del_rule(&m, h.v[i]);
		r = commit(fd, &m, what, NULL, &tmp);
		nfb_free(&m.b);
		if (r == -ENOENT && attempt == 0)
			continue;
		if (r < 0 && err && !cni_error_is_set(err))
			*err = tmp;
		break;
	}
	return r;
}

int masq_nft_add(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		 struct cni_error *err)
{
	_cleanup_(nfs_closep) int fd = -EBADF;
	char tag[MASQ_NFT_TAG_LEN + 1], comment[128];
	_cleanup_(nfs_writer_unlockp) bool held = false;
	bool unknown = false;
	int r;

	masq_nft_tag(a->network, a->ifname, a->container_id, tag);
	masq_nft_comment(a, comment);
	if ((r = nfs_open(&fd, err)) < 0 || (r = nfs_writer_lock(&held, err)) < 0)
		return r;
	bool base = base_in_place(fd);
	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_free_ uint64_t *hv = NULL;
		struct handles stale = {0};
		struct cni_error tmp = {0};
		struct msgs m = {.b = {0}};

		r = rule_handles(fd, pred_instance, tag, &stale, err);
		hv = stale.v;
		if (r < 0)
			return r;
		batch_edge(&m, false);
		if (!base)
			put_base(&m);
		for (size_t i = 0; i < stale.n; i++)
			put_del_rule(&m, stale.v[i]);
		for (size_t i = 0; i < n_ips; i++) {
			_cleanup_(nftnl_rule_freep) struct nftnl_rule *rule =
				masq_rule(&ips[i], comment);

			if (!rule)
				m.oom = true;
			else
				rule_put(&m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, rule);
		}
		r = commit(fd, &m, "add masquerade rules", &unknown, &tmp);
		nfb_free(&m.b);
		if (r == -ENOENT && attempt < 2 && (base || stale.n > 0)) {
			base = false;
			continue;
		}
		if (r < 0 && err && !cni_error_is_set(err))
			*err = tmp;
		break;
	}
	if (r < 0 && unknown)
		(void)delete_where(pred_instance, tag, "delete masquerade rules", NULL);
	return r;
}

int masq_nft_del(const struct masq_attachment *a, struct cni_error *err)
{
	char tag[MASQ_NFT_TAG_LEN + 1];

	masq_nft_tag(a->network, a->ifname, a->container_id, tag);
	return delete_where(pred_instance, tag, "delete masquerade rules", err);
}

struct gc_arg {
	char net_tag[MASQ_NFT_TAG_LEN + 1];
	char (*valid_tags)[MASQ_NFT_TAG_LEN + 1];
	size_t n_valid;
};

static bool pred_gc(const struct nftx_rule *r, const void *arg)
{
	const struct gc_arg *g = arg;

	if (r->comment_len < MASQ_NFT_TAG_LEN || strncmp(r->comment, g->net_tag, 17) != 0)
		return false;
	for (size_t i = 0; i < g->n_valid; i++)
		if (strncmp(r->comment, g->valid_tags[i], MASQ_NFT_TAG_LEN) == 0)
			return false;
	return true;
}

int masq_nft_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		struct cni_error *err)
{
	_cleanup_free_ char(*tags)[MASQ_NFT_TAG_LEN + 1] = calloc(n_valid + 1, sizeof(*tags));
	struct gc_arg g = {.valid_tags = tags, .n_valid = n_valid};

	if (!tags)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	masq_nft_tag(network, "", "", g.net_tag);
	for (size_t i = 0; i < n_valid; i++)
		masq_nft_tag(network, valid[i].ifname, valid[i].container_id, tags[i]);
	return delete_where(pred_gc, &g, "delete stale masquerade rules", err);
}

int masq_nft_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err)
{
	_cleanup_free_ bool *found = calloc(n_ips + 1, sizeof(*found));
	_cleanup_free_ struct nftnl_rule **want = calloc(n_ips + 1, sizeof(*want));
	_cleanup_(nftnl_rule_freep) struct nftnl_rule *goto_rule = rule_new("postrouting");
	_cleanup_(nfs_closep) int fd = -EBADF;
	char comment[128], rule[512];
	_cleanup_(nfs_writer_unlockp) bool held = false;
	bool has_goto = false;
	struct nftx_chain c;
	int r;

	if (!found || !want || !goto_rule || !ex_verdict_nl(goto_rule, NFT_GOTO, "masq_checks"))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	if ((r = nfs_open(&fd, err)) < 0 || (r = nfs_writer_lock(&held, err)) < 0)
		return r;
	r = rules_present(fd, "postrouting", &goto_rule, &has_goto, 1, err);
	if (r < 0)
		return r;
	if (!has_goto) {
		if ((r = chain_get(fd, "postrouting", &c, err)) < 0)
			return r;
		if (!c.exists)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "ipMasq: nftables chain '" T " postrouting' missing");
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables chain '" T
				     " postrouting' lacks 'goto masq_checks'");
	}
	masq_nft_comment(a, comment);
	for (size_t i = 0; i < n_ips; i++)
		want[i] = masq_rule(&ips[i], comment);
	r = rules_present(fd, "masq_checks", want, found, n_ips, err);
	free_rules(want, n_ips);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_ips; i++) {
		if (found[i])
			continue;
		masq_rule_text(&ips[i], comment, rule, sizeof(rule));
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables rule '%s' missing in " T " masq_checks",
				     rule);
	}
	return 0;
}
