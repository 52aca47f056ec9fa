/* ipMasq through nf_tables, in upstream's table layout (plugins v1.6: ipmasq_nftables_linux.go):
 *   table inet cni_plugins_masquerade {
 *     chain postrouting { type nat hook postrouting priority srcnat;
 *       ip daddr 224.0.0.0/4 return; ip6 daddr ff00::/8 return; goto masq_checks }
 *     chain masq_checks {
 *       ip saddr <ip> ip daddr != <subnet> masquerade comment "<tag>, net: .., if: .., id: .."
 *   } }
 * One atomic transaction per call; stale rules of the same attachment are replaced in it.
 * Rules are found by the hash tag at the start of their comment (needs no IPs). Every verb
 * speaks nf_tables netlink directly (nft_netlink.c); CHECK compares the rules' expressions
 * with the ones ADD writes. The table itself stays when its last rule goes:
 * deleting it could race with a concurrent ADD (as upstream). */
#include <endian.h>
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

#include "macro.h"
#include "masq_internal.h"
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
	/* nft caps comments at 128 bytes; a cut readable part is fine, the tag identifies. */
	if (snprintf(buf, 128, "%s, net: %s, if: %s, id: %s", tag,
		     nftx_sanitize(a->network, n, 128), nftx_sanitize(a->ifname, i, 128),
		     nftx_sanitize(a->container_id, c, 128)) >= 128)
		buf[127] = 0;
	return buf;
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
	/* nft prints a full-length prefix as a bare address */
	if (ip->len == ipaddr_bits(ip->addr.family))
		ipaddr_format(&subnet.addr, net);
	else
		ipprefix_format(&subnet, net);
	snprintf(buf, n, "%s saddr %s %s daddr != %s masquerade comment \"%s\"", p,
		 ipaddr_format(&ip->addr, a), p, net, comment);
}

/* The three rules of chain postrouting. */
static void nfb_base_rules(struct nfb *b)
{
	static const uint8_t mc4[4] = {224}, mc6[16] = {0xff};
	size_t ex;

	ex = nfb_rule_begin(b, "postrouting"); /* ip daddr 224.0.0.0/4 return */
	ex_nfproto(b, NFPROTO_IPV4);
	ex_addr_match(b, AF_INET, true, mc4, 4, false);
	nfb_verdict(b, NFT_RETURN, NULL);
	nfb_rule_end(b, ex, NULL);
	ex = nfb_rule_begin(b, "postrouting"); /* ip6 daddr ff00::/8 return */
	ex_nfproto(b, NFPROTO_IPV6);
	ex_addr_match(b, AF_INET6, true, mc6, 8, false);
	nfb_verdict(b, NFT_RETURN, NULL);
	nfb_rule_end(b, ex, NULL);
	ex = nfb_rule_begin(b, "postrouting"); /* goto masq_checks */
	nfb_verdict(b, NFT_GOTO, "masq_checks");
	nfb_rule_end(b, ex, NULL);
}

/* add table; add chain masq_checks; add chain postrouting { type nat hook postrouting
 * priority srcnat; }; flush chain postrouting; its three rules. */
static void nfb_add_base(struct nfb *b)
{
	size_t hook;

	nfb_nft(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nfb_str(b, NFTA_TABLE_NAME, MASQ_NFT_TABLE);
	nfb_end(b);
	nfb_nft(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nfb_str(b, NFTA_CHAIN_TABLE, MASQ_NFT_TABLE);
	nfb_str(b, NFTA_CHAIN_NAME, "masq_checks");
	nfb_end(b);
	nfb_nft(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nfb_str(b, NFTA_CHAIN_TABLE, MASQ_NFT_TABLE);
	nfb_str(b, NFTA_CHAIN_NAME, "postrouting");
	hook = nfb_nest(b, NFTA_CHAIN_HOOK);
	nfb_be32(b, NFTA_HOOK_HOOKNUM, NF_INET_POST_ROUTING);
	nfb_be32(b, NFTA_HOOK_PRIORITY, 100); /* srcnat */
	nfb_nest_end(b, hook);
	nfb_str(b, NFTA_CHAIN_TYPE, "nat");
	nfb_end(b);
	nfb_nft(b, NFT_MSG_DELRULE, 0); /* flush chain postrouting */
	nfb_str(b, NFTA_RULE_TABLE, MASQ_NFT_TABLE);
	nfb_str(b, NFTA_RULE_CHAIN, "postrouting");
	nfb_end(b);
	nfb_base_rules(b);
}

/* Whether table, both chains and the three base rules are in place (the goto in postrouting
 * implies masq_checks: the kernel keeps a chain that a rule jumps to). Then ADD sends only its
 * own rules: re-sending an existing chain or flushing one queues transactions that the socket's
 * close waits for with a synchronize_rcu() (../shared/docs/performance.md §6), 8-12 ms. */
static bool base_in_place(int fd)
{
	struct nfb want = {.family = NFPROTO_INET, .table = MASQ_NFT_TABLE};
	bool found[3] = {false};
	struct nftx_chain c;
	int r;

	if (nfs_chain_get(fd, NFPROTO_INET, MASQ_NFT_TABLE, "postrouting", &c, NULL) < 0 ||
	    !nftx_chain_is(&c, NF_INET_POST_ROUTING, 100 /* srcnat */, "nat"))
		return false;
	nfb_base_rules(&want);
	r = nfs_rules_present(fd, NFPROTO_INET, MASQ_NFT_TABLE, "postrouting", &want, found,
			      ARRAY_SIZE(found), NULL);
	nfb_free(&want);
	return r >= 0 && found[0] && found[1] && found[2];
}

/* <ip|ip6> saddr <addr> <ip|ip6> daddr != <subnet> masquerade comment "<comment>" */
static void nfb_masq_rule(struct nfb *b, const struct ipprefix *ip, const char *comment)
{
	int f = ip->addr.family;
	size_t ex = nfb_rule_begin(b, "masq_checks");

	ex_nfproto(b, f == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
	ex_addr_match(b, f, false, ip->addr.b, ipaddr_bits(f), false);
	ex_addr_match(b, f, true, ip->addr.b, ip->len, true);
	ex_masq(b);
	nfb_rule_end(b, ex, comment);
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
		struct nfb b = {.family = NFPROTO_INET, .table = MASQ_NFT_TABLE};

		tmp = (struct cni_error){0};
		r = nfs_rule_handles(fd, NFPROTO_INET, MASQ_NFT_TABLE, "masq_checks", stale, arg,
				     &h, err);
		hv = h.v;
		if (r < 0 || h.n == 0)
			return r;
		nfb_batch(&b);
		for (size_t i = 0; i < h.n; i++)
			nfb_del_rule(&b, "masq_checks", h.v[i]);
		r = nfs_commit(fd, &b, what, NULL, &tmp);
		nfb_free(&b);
		if (r == -ENOENT && attempt == 0)
			continue;
		if (r < 0 && err && !cni_error_is_set(err))
			*err = tmp;
		break;
	}
	return r;
}

/* One dump of masq_checks for this attachment's stale rules, then one batch. Deleting a handle
 * that vanished meanwhile (a concurrent DEL) fails with ENOENT: list again once. */
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
	/* Attempts: rules only when the base is in place, else (or when an object vanished
	 * between the dumps and the batch, or a stale handle did) the full batch; once more. */
	bool base = base_in_place(fd);
	for (int attempt = 0; attempt < 3; attempt++) {
		_cleanup_free_ uint64_t *hv = NULL;
		struct handles stale = {0};
		struct cni_error tmp = {0};
		struct nfb b = {.family = NFPROTO_INET, .table = MASQ_NFT_TABLE};

		r = nfs_rule_handles(fd, NFPROTO_INET, MASQ_NFT_TABLE, "masq_checks", pred_instance,
				     tag, &stale, err);
		hv = stale.v;
		if (r < 0)
			return r;
		nfb_batch(&b);
		if (!base)
			nfb_add_base(&b);
		for (size_t i = 0; i < stale.n; i++)
			nfb_del_rule(&b, "masq_checks", stale.v[i]);
		for (size_t i = 0; i < n_ips; i++)
			nfb_masq_rule(&b, &ips[i], comment);
		r = nfs_commit(fd, &b, "add masquerade rules", &unknown, &tmp);
		nfb_free(&b);
		if (r == -ENOENT && attempt < 2 && (base || stale.n > 0)) {
			base = false;
			continue;
		}
		if (r < 0 && err && !cni_error_is_set(err))
			*err = tmp;
		break;
	}
	/* The batch may have been applied: leave nothing of this call (masq.h). */
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
	char net_tag[MASQ_NFT_TAG_LEN + 1]; /* only the first 17 bytes "<h16>-" matter */
	char (*valid_tags)[MASQ_NFT_TAG_LEN + 1];
	size_t n_valid;
};

static bool pred_gc(const struct nftx_rule *r, const void *arg)
{
	const struct gc_arg *g = arg;

	if (r->comment_len < MASQ_NFT_TAG_LEN || strncmp(r->comment, g->net_tag, 17) != 0)
		return false; /* another network, or not ours */
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
	struct nfb goto_rule = {.family = NFPROTO_INET, .table = MASQ_NFT_TABLE};
	struct nfb want = {.family = NFPROTO_INET, .table = MASQ_NFT_TABLE};
	_cleanup_(nfs_closep) int fd = -EBADF;
	char comment[128], rule[512];
	_cleanup_(nfs_writer_unlockp) bool held = false;
	bool has_goto = false;
	size_t ex;
	int r;

	if (!found)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	if ((r = nfs_open(&fd, err)) < 0 || (r = nfs_writer_lock(&held, err)) < 0)
		return r;
	ex = nfb_rule_begin(&goto_rule, "postrouting");
	nfb_verdict(&goto_rule, NFT_GOTO, "masq_checks");
	nfb_rule_end(&goto_rule, ex, NULL);
	r = nfs_rules_present(fd, NFPROTO_INET, MASQ_NFT_TABLE, "postrouting", &goto_rule,
			      &has_goto, 1, err);
	nfb_free(&goto_rule);
	if (r < 0)
		return r;
	if (!has_goto) {
		r = nfs_chain_exists(fd, NFPROTO_INET, MASQ_NFT_TABLE, "postrouting", err);
		if (r < 0)
			return r;
		if (r == 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "ipMasq: nftables chain '" T " postrouting' missing");
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables chain '" T
				     " postrouting' lacks 'goto masq_checks'");
	}
	masq_nft_comment(a, comment);
	for (size_t i = 0; i < n_ips; i++)
		nfb_masq_rule(&want, &ips[i], comment);
	r = nfs_rules_present(fd, NFPROTO_INET, MASQ_NFT_TABLE, "masq_checks", &want, found, n_ips,
			      err);
	nfb_free(&want);
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
