/* macspoofchk through nf_tables, in the reference's layout (pkg/link/spoofcheck.go):
 *   table bridge nat {
 *     chain PREROUTING { type filter hook prerouting priority -300; policy accept;
 *       iifname "<hostveth>" jump cni-br-iface-<id>-<if> comment "macspoofchk-<id>-<if>" }
 *     chain cni-br-iface-<id>-<if> { jump cni-br-iface-<id>-<if>-mac comment ... }
 *     chain cni-br-iface-<id>-<if>-mac { ether saddr <mac> return comment ...; drop comment ... }
 *   }
 * Where "<id>-<if>" is not a plain identifier or too long, a hash stands in for it (ref_id).
 * Differences: one transaction per call instead of two, and teardown errors are reported
 * instead of only logged. ADD, DEL and CHECK speak nf_tables netlink directly (masq_internal.h:
 * the expressions nft generates, so nft lists the rules as before). */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h> /* before the linux/ headers, which then skip their copies */
#include <stdio.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "macro.h"
#include "masq_internal.h"
#include "sha512.h"
#include "spoofchk.h"
#include "cni_env.h"

#define BT "bridge nat"

struct names {
	char chain[128], mac_chain[132], comment[128];
};

static bool name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-:@+", *s))
			return false;
	return true;
}

static bool mac_ok(const char *s)
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The reference names the chains and comments after "<containerID>-<ifname>"; where that is
 * not a plain nft identifier (non-ASCII or control bytes in the ifname) or too long for our
 * buffers (IDs may be 1024 bytes), "sha512-<hex>" of "<id>:<ifname>" stands in for it, so every
 * attachment the environment check accepts gets rules (the reference fails there). The hex is
 * longer than an ifname can be, so it never equals a readable name. */
#define SPOOF_REF_MAX 100

static int ref_id(const struct spoofchk_attachment *a, char buf[SPOOF_REF_MAX + 1])
{
	int n = snprintf(buf, SPOOF_REF_MAX + 1, "%s-%s", a->container_id, a->ifname);

	if (n > 0 && n <= SPOOF_REF_MAX && name_ok(a->container_id) && name_ok(a->ifname))
		return 0;
	return sha512_name(a->container_id, a->ifname, 24, buf) ? 0 : -ENOMEM;
}

static int make_names(const struct spoofchk_attachment *a, bool need_link, struct names *n,
		      struct cni_error *err)
{
	char ref[SPOOF_REF_MAX + 1];

	if (!a->container_id || !*a->container_id || !a->ifname || !*a->ifname)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "macspoofchk: no container ID or ifname");
	if (need_link && (!name_ok(a->host_ifname) || !mac_ok(a->mac)))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "macspoofchk: host interface \"%s\" / MAC \"%s\" not usable",
				     a->host_ifname ? a->host_ifname : "", a->mac ? a->mac : "");
	if (ref_id(a, ref) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	snprintf(n->chain, sizeof(n->chain), "cni-br-iface-%s", ref);
	snprintf(n->comment, sizeof(n->comment), "macspoofchk-%s", ref);
	snprintf(n->mac_chain, sizeof(n->mac_chain), "%s-mac", n->chain);
	return 0;
}

static bool comment_is(const struct nftx_rule *r, const char *s)
{
	return r->comment_len == strlen(s) && strncmp(r->comment, s, r->comment_len) == 0;
}

static bool pred_jump(const struct nftx_rule *r, const void *comment)
{
	return comment_is(r, comment);
}

static void add_chain(struct nfb *b, const char *chain)
{
	nfb_nft(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nfb_str(b, NFTA_CHAIN_TABLE, b->table);
	nfb_str(b, NFTA_CHAIN_NAME, chain);
	nfb_end(b);
}

static void flush_chain(struct nfb *b, const char *chain)
{
	nfb_nft(b, NFT_MSG_DELRULE, 0);
	nfb_str(b, NFTA_RULE_TABLE, b->table);
	nfb_str(b, NFTA_RULE_CHAIN, chain);
	nfb_end(b);
}

static void delete_chain(struct nfb *b, const char *chain)
{
	nfb_nft(b, NFT_MSG_DELCHAIN, 0);
	nfb_str(b, NFTA_CHAIN_TABLE, b->table);
	nfb_str(b, NFTA_CHAIN_NAME, chain);
	nfb_end(b);
}

/* jump <mac_chain> */
static void rule_to_mac(struct nfb *b, const struct names *n)
{
	size_t ex = nfb_rule_begin(b, n->chain);

	nfb_verdict(b, NFT_JUMP, n->mac_chain);
	nfb_rule_end(b, ex, n->comment);
}

/* ether saddr <mac> return */
static void rule_mac_return(struct nfb *b, const struct names *n, const uint8_t mac[6])
{
	size_t ex = nfb_rule_begin(b, n->mac_chain), e, d;

	e = nfb_expr_begin(b, "payload", &d);
	nfb_be32(b, NFTA_PAYLOAD_DREG, NFT_REG_1);
	nfb_be32(b, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_LL_HEADER);
	nfb_be32(b, NFTA_PAYLOAD_OFFSET, 6);
	nfb_be32(b, NFTA_PAYLOAD_LEN, 6);
	nfb_expr_end(b, e, d);
	e = nfb_expr_begin(b, "cmp", &d);
	nfb_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nfb_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	nfb_value(b, NFTA_CMP_DATA, mac, 6);
	nfb_expr_end(b, e, d);
	nfb_verdict(b, NFT_RETURN, NULL);
	nfb_rule_end(b, ex, n->comment);
}

/* drop */
static void rule_drop(struct nfb *b, const struct names *n)
{
	size_t ex = nfb_rule_begin(b, n->mac_chain);

	nfb_verdict(b, NF_DROP, NULL);
	nfb_rule_end(b, ex, n->comment);
}

/* iifname "<host veth>" jump <chain> */
static void rule_jump(struct nfb *b, const struct names *n, const char *host_ifname)
{
	uint8_t ifname[16] = {0}; /* nft compares the name NUL-padded to IFNAMSIZ */
	size_t ex = nfb_rule_begin(b, "PREROUTING"), e, d;

	e = nfb_expr_begin(b, "meta", &d);
	nfb_be32(b, NFTA_META_DREG, NFT_REG_1);
	nfb_be32(b, NFTA_META_KEY, NFT_META_IIFNAME);
	nfb_expr_end(b, e, d);
	memcpy(ifname, host_ifname, strnlen(host_ifname, sizeof(ifname) - 1));
	e = nfb_expr_begin(b, "cmp", &d);
	nfb_be32(b, NFTA_CMP_SREG, NFT_REG_1);
	nfb_be32(b, NFTA_CMP_OP, NFT_CMP_EQ);
	nfb_value(b, NFTA_CMP_DATA, ifname, sizeof(ifname));
	nfb_expr_end(b, e, d);
	nfb_verdict(b, NFT_JUMP, n->chain);
	nfb_rule_end(b, ex, n->comment);
}

/* What of the layout exists already: re-sending an existing chain or flushing one queues work
 * whose grace period the socket's close waits for (masq_internal.h: nfs_close), so ADD only
 * sends what is missing. A missing object the batch then refers to fails it with ENOENT, and
 * apply() lists again. */
struct present {
	int base, chain, mac_chain; /* 1 = exists */
};

/* [add table bridge nat; add chain PREROUTING { type filter hook prerouting priority -300;
 * policy accept; }]; both chains of the attachment (flushed where they existed); their rules;
 * the jump. */
static void emit_add(struct nfb *b, const struct names *n, const struct spoofchk_attachment *a,
		     const uint8_t mac[6], const struct present *p)
{
	size_t hook;

	if (!p->base) {
		nfb_nft(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
		nfb_str(b, NFTA_TABLE_NAME, b->table);
		nfb_end(b);
		nfb_nft(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
		nfb_str(b, NFTA_CHAIN_TABLE, b->table);
		nfb_str(b, NFTA_CHAIN_NAME, "PREROUTING");
		hook = nfb_nest(b, NFTA_CHAIN_HOOK);
		nfb_be32(b, NFTA_HOOK_HOOKNUM, 0); /* NF_BR_PRE_ROUTING */
		nfb_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)-300);
		nfb_nest_end(b, hook);
		nfb_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
		nfb_str(b, NFTA_CHAIN_TYPE, "filter");
		nfb_end(b);
	}
	if (p->chain)
		flush_chain(b, n->chain);
	else
		add_chain(b, n->chain);
	if (p->mac_chain)
		flush_chain(b, n->mac_chain);
	else
		add_chain(b, n->mac_chain);
	rule_to_mac(b, n);
	rule_mac_return(b, n, mac);
	rule_drop(b, n);
	rule_jump(b, n, a->host_ifname);
}

static int parse_mac(const char *s, uint8_t mac[6], struct cni_error *err)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6)
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "macspoofchk: MAC \"%s\" not usable", s);
	return 0;
}

/* One attempt: our jumps in PREROUTING by comment (and, for DEL, which chains exist), then one
 * batch. Returns the number of commands sent (0: nothing to do) or -errno. */
static int attempt_once(int fd, const struct names *n, const struct spoofchk_attachment *add,
			const uint8_t mac[6], bool *ret_unknown, struct cni_error *err)
{
	_cleanup_free_ uint64_t *hv = NULL;
	struct nfb b = {.family = NFPROTO_BRIDGE, .table = "nat"};
	struct handles h = {0};
	struct present p = {0};
	struct nftx_chain pre = {0};
	size_t empty;
	int r;

	r = nfs_rule_handles(fd, NFPROTO_BRIDGE, "nat", "PREROUTING", pred_jump, n->comment, &h,
			     err);
	hv = h.v;
	if (r < 0)
		return r;
	if (add && (r = nfs_chain_get(fd, NFPROTO_BRIDGE, "nat", "PREROUTING", &pre, err)) < 0)
		return r;
	/* A PREROUTING of another hook is not ours to use: the full batch then fails on it. */
	p.base = nftx_chain_is(&pre, 0 /* NF_BR_PRE_ROUTING */, -300, "filter");
	if ((r = p.chain = nfs_chain_exists(fd, NFPROTO_BRIDGE, "nat", n->chain, err)) < 0 ||
	    (r = p.mac_chain = nfs_chain_exists(fd, NFPROTO_BRIDGE, "nat", n->mac_chain, err)) < 0)
		return r;
	nfb_batch(&b);
	empty = b.len;
	for (size_t i = 0; i < h.n; i++)
		nfb_del_rule(&b, "PREROUTING", h.v[i]);
	if (add) {
		emit_add(&b, n, add, mac, &p);
	} else {
		if (p.chain)
			flush_chain(&b, n->chain);
		if (p.mac_chain)
			flush_chain(&b, n->mac_chain);
		if (p.chain)
			delete_chain(&b, n->chain);
		if (p.mac_chain)
			delete_chain(&b, n->mac_chain);
	}
	if (b.len == empty) {
		nfb_free(&b);
		return 0;
	}
	r = nfs_commit(fd, &b, add ? "install macspoofchk rules" : "remove macspoofchk rules",
		       ret_unknown, err);
	nfb_free(&b);
	return r < 0 ? r : 1;
}

static int apply(const struct spoofchk_attachment *a, bool add, struct cni_error *err)
{
	_cleanup_(nfs_closep) int fd = -EBADF;
	_cleanup_(nfs_writer_unlockp) bool held = false;
	struct cni_error tmp = {0};
	uint8_t mac[6] = {0};
	bool unknown = false;
	struct names n;
	int r;

	r = make_names(a, add, &n, err);
	if (r < 0)
		return r;
	if (add && (r = parse_mac(a->mac, mac, err)) < 0)
		return r;
	r = nfs_open(&fd, &tmp);
	if (!add && (r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT))
		return 0; /* no netfilter netlink: none of our rules */
	if (r < 0) {
		if (err && !cni_error_is_set(err))
			*err = tmp;
		return r;
	}
	if ((r = nfs_writer_lock(&held, err)) < 0)
		return r;
	/* A handle or chain that vanished between listing and transaction (a concurrent DEL)
	 * fails with ENOENT: list again once. */
	for (int attempt = 0; attempt < 2; attempt++) {
		tmp = (struct cni_error){0};
		r = attempt_once(fd, &n, add ? a : NULL, mac, &unknown, &tmp);
		if (r == -ENOENT && attempt == 0)
			continue;
		if (r < 0 && err && !cni_error_is_set(err))
			*err = tmp;
		break;
	}
	/* The batch may have been applied: leave nothing of this ADD. */
	if (add && r < 0 && unknown)
		(void)apply(a, false, NULL);
	return r < 0 ? r : 0;
}

int spoofchk_add(const struct spoofchk_attachment *a, struct cni_error *err)
{
	return apply(a, true, err);
}

int spoofchk_del(const struct spoofchk_attachment *a, struct cni_error *err)
{
	return apply(a, false, err);
}

/* ---- CHECK ---- */

int spoofchk_check(const struct spoofchk_attachment *a, struct cni_error *err)
{
	struct nfb jump = {.family = NFPROTO_BRIDGE, .table = "nat"};
	struct nfb to_mac = {.family = NFPROTO_BRIDGE, .table = "nat"};
	struct nfb mac_rules = {.family = NFPROTO_BRIDGE, .table = "nat"};
	_cleanup_(nfs_closep) int fd = -EBADF;
	_cleanup_(nfs_writer_unlockp) bool held = false;
	bool found[4] = {false};
	const char *chain[4];
	char text[4][512];
	uint8_t mac[6];
	struct names n;
	int r;

	r = make_names(a, true, &n, err);
	if (r >= 0)
		r = parse_mac(a->mac, mac, err);
	if (r >= 0)
		r = nfs_open(&fd, err);
	if (r >= 0)
		r = nfs_writer_lock(&held, err);
	if (r < 0)
		return r;
	rule_jump(&jump, &n, a->host_ifname);
	rule_to_mac(&to_mac, &n);
	rule_mac_return(&mac_rules, &n, mac);
	rule_drop(&mac_rules, &n);
	r = nfs_rules_present(fd, NFPROTO_BRIDGE, "nat", "PREROUTING", &jump, &found[0], 1, err);
	if (r >= 0)
		r = nfs_rules_present(fd, NFPROTO_BRIDGE, "nat", n.chain, &to_mac, &found[1], 1,
				      err);
	if (r >= 0)
		r = nfs_rules_present(fd, NFPROTO_BRIDGE, "nat", n.mac_chain, &mac_rules, &found[2],
				      2, err);
	nfb_free(&jump);
	nfb_free(&to_mac);
	nfb_free(&mac_rules);
	if (r < 0)
		return r;
	/* Missing rules are named as nft lists them. */
	chain[0] = "PREROUTING";
	snprintf(text[0], sizeof(text[0]), "iifname \"%s\" jump %s comment \"%s\"", a->host_ifname,
		 n.chain, n.comment);
	chain[1] = n.chain;
	snprintf(text[1], sizeof(text[1]), "jump %s comment \"%s\"", n.mac_chain, n.comment);
	chain[2] = n.mac_chain;
	snprintf(text[2], sizeof(text[2]), "ether saddr %s return comment \"%s\"", a->mac,
		 n.comment);
	chain[3] = n.mac_chain;
	snprintf(text[3], sizeof(text[3]), "drop comment \"%s\"", n.comment);
	for (size_t i = 0; i < 4; i++)
		if (!found[i])
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "macspoofchk: rule '%s' missing in " BT " %s", text[i],
					     chain[i]);
	return 0;
}
