/* Between masq.c (dispatch) and the two masquerade backends; not for the rest of the bridge.
 *
 * Ownership of rules:
 *  - iptables (libiptc, legacy x_tables, table nat): the reference's per-container chain
 *    CNI-<hex24 of SHA-512(network + containerID)> (no ifname, as the reference, so its rules
 *    and ours are found alike). Each rule carries the reference comment
 *    `name: "<net>" id: "<containerID>"` followed by ` if: "<ifname>"`; DEL removes only the
 *    rules of its ifname (plus untagged reference rules) and the chain once it is empty.
 *  - nftables (libnftables): table inet cni_plugins_masquerade as upstream, rules in chain
 *    masq_checks commented `<h16(net)>-<h16(net,if,id)>, net: <net>, if: <if>, id: <id>`
 *    (at most 127 bytes); the 33-byte hash prefix identifies the attachment even when the
 *    readable part is cut. */
#pragma once

#include <stdbool.h>

#include "masq.h"

#define MASQ_IPT_CHAIN_LEN 28 /* "CNI-" + 24 hex */
#define MASQ_NFT_TABLE	   "cni_plugins_masquerade"
#define MASQ_NFT_TAG_LEN   33 /* "<16 hex>-<16 hex>" */

/* Bounded wait for /run/xtables.lock; tests shorten it. */
extern unsigned masq_xtables_lock_timeout_ms;
/* The iptables binary whose link target tells nf_tables from legacy; tests redirect it. */
extern const char *masq_iptables_path;

/* CNI-<24 hex> into buf (MASQ_IPT_CHAIN_LEN + 1 bytes). */
char *masq_ipt_chain_name(const char *network, const char *container_id, char *buf);
/* Split a rule comment `name: "N" id: "C"[ if: "I"]` (ifname "" when absent: the
 * reference's format). Outputs need strlen(c) + 1 bytes. false when not of that form. */
bool masq_ipt_parse_comment(const char *c, char *net, char *id, char *ifname);
/* True when the legacy table `nat` of this family exists in the current netns. */
bool masq_ipt_table_present(int family);

int masq_ipt_add(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		 struct cni_error *err);
int masq_ipt_del(const struct masq_attachment *a, struct cni_error *err);
int masq_ipt_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err);
int masq_ipt_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		struct cni_error *err);

/* "<h16>-<h16>" identity of an attachment (MASQ_NFT_TAG_LEN + 1 bytes) and the full comment
 * (128 bytes). The network prefix "<h16>-" alone selects a network for GC. */
char *masq_nft_tag(const char *network, const char *ifname, const char *container_id, char *buf);
char *masq_nft_comment(const struct masq_attachment *a, char *buf);

int masq_nft_add(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		 struct cni_error *err);
int masq_nft_del(const struct masq_attachment *a, struct cni_error *err);
int masq_nft_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err);
int masq_nft_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		struct cni_error *err);

/* libnftables helpers shared with spoofchk_nftables.c. Listings are read as text with
 * handles: libnftables' JSON output costs 10-30x more (measured: 18-55 ms against 1.4 ms for a
 * 250-rule chain) and this is on the ADD path. */
struct nft_ctx;
/* libnftables is dlopen'ed on first use; false when it cannot be loaded (DEL/GC then have
 * nothing to remove). */
bool nftx_available(void);
/* A context with output and errors buffered. */
int nftx_open(struct nft_ctx **ret, struct cni_error *err);
void nftx_close(struct nft_ctx *ctx);
/* Run commands (one transaction); code 999 with nft's own error text in details. */
int nftx_run(struct nft_ctx *ctx, const char *cmds, const char *what, struct cni_error *err);
/* Run a `list ...` command (text, with handles). *ret = malloc'd output, or NULL when the
 * table/chain does not exist. */
int nftx_list(struct nft_ctx *ctx, const char *cmd, char **ret, struct cni_error *err);

struct nftx_rule {
	const char *chain;   /* chain the rule is in */
	const char *text;    /* the rule as nft prints it, without "# handle N" */
	const char *comment; /* its comment (inside text, not terminated), "" when none */
	size_t comment_len;
	long handle;
};
/* Call fn for every rule of a listing (modifies the buffer); fn returns false to stop. */
void nftx_for_each_rule(char *listing, bool (*fn)(const struct nftx_rule *r, void *arg), void *arg);
/* True when the listing declares chain `name`. */
bool nftx_has_chain(const char *listing, const char *name);
/* Copy s into buf (size n) keeping only characters safe inside an nft "comment". */
char *nftx_sanitize(const char *s, char *buf, size_t n);
