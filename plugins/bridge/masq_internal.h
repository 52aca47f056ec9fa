/* Between masq.c (dispatch) and the two masquerade backends; not for the rest of the bridge.
 *
 * Ownership of rules:
 *  - iptables (libiptc, legacy x_tables, table nat): the reference's per-container chain
 *    CNI-<hex24 of SHA-512(network + containerID)> (no ifname, as the reference, so its rules
 *    and ours are found alike). Each rule carries the reference comment
 *    `name: "<net>" id: "<containerID>"` followed by ` if: "<ifname>"`; DEL removes only the
 *    rules of its ifname (plus untagged reference rules) and the chain once it is empty.
 *  - nftables (nf_tables netlink, nft's own expressions): table inet cni_plugins_masquerade as
 *    upstream, rules in chain
 *    masq_checks commented `<h16(net)>-<h16(net,if,id)>, net: <net>, if: <if>, id: <id>`
 *    (at most 127 bytes); the 33-byte hash prefix identifies the attachment even when the
 *    readable part is cut. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "masq.h"
#include "sha512.h"

#define MASQ_IPT_CHAIN_LEN 28			     /* "CNI-" + 24 hex */
#define MASQ_IPT_FIELD_LEN (SHA512_NAME_LEN(12) + 1) /* a hashed comment field */
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

/* A rule of a netlink dump of our chains: where it is, its comment, its handle. */
struct nftx_rule {
	const char *chain;   /* chain the rule is in */
	const char *comment; /* its comment (not terminated), "" when none */
	size_t comment_len;
	long handle;
};
/* Copy s into buf (size n) keeping only characters safe inside an nft "comment". */
char *nftx_sanitize(const char *s, char *buf, size_t n);

/* nf_tables spoken directly over netlink (masq_nftables.c; ADD/DEL/GC of masq and spoofchk):
 * the fixed messages for our rule shapes, with the expressions nft itself generates so that
 * `nft list` prints our rules exactly as if nft had added them. No libnftables, no fork. */
struct nfb { /* netlink messages being built; family and table of the nft messages */
	char *buf;
	size_t len, cap;
	bool oom;     /* an allocation failed: sending reports ENOMEM */
	uint32_t seq; /* sequence number of the last message begun */
	size_t msg;   /* offset of the last message begun */
	uint8_t family;
	const char *table;
};
void nfb_free(struct nfb *b);
/* Start a batch (first), then messages: nfb_nft() begins one, attributes follow, nfb_end()
 * closes it. */
void nfb_batch(struct nfb *b);
void nfb_nft(struct nfb *b, int msg, uint16_t flags);
void nfb_end(struct nfb *b);
void nfb_attr(struct nfb *b, uint16_t type, const void *data, size_t n);
void nfb_str(struct nfb *b, uint16_t type, const char *s);
void nfb_be32(struct nfb *b, uint16_t type, uint32_t v);
size_t nfb_nest(struct nfb *b, uint16_t type);
void nfb_nest_end(struct nfb *b, size_t off);
/* A nested NFTA_DATA_VALUE. */
void nfb_value(struct nfb *b, uint16_t type, const void *v, size_t n);
/* One expression: name, then its attributes inside NFTA_EXPR_DATA. */
size_t nfb_expr_begin(struct nfb *b, const char *name, size_t *data);
void nfb_expr_end(struct nfb *b, size_t e, size_t data);
/* [ immediate reg 0 <code> [-> chain] ] */
void nfb_verdict(struct nfb *b, int code, const char *chain);
/* `add rule <table> <chain> ...`: expressions between begin and end; comment as nft stores it
 * (user data TLV 0, NUL included, cut at 127 bytes), NULL for none. */
size_t nfb_rule_begin(struct nfb *b, const char *chain);
void nfb_rule_end(struct nfb *b, size_t exprs, const char *comment);
void nfb_del_rule(struct nfb *b, const char *chain, uint64_t handle);

int nfs_open(int *ret_fd, struct cni_error *err);
/* Closing a netfilter netlink socket waits for the netns's pending nf_tables destroy work (a
 * synchronize_rcu(), queued by a batch that deleted rules: ../shared/docs/performance.md §6).
 * Between nfs_defer_closes() and nfs_close_deferred(), nfs_close() keeps the socket open
 * instead, so a verb can run its other RCU-bound work (DEL deleting the veth) meanwhile and pay
 * one grace period for both. nfs_close() closes at once otherwise; -EBADF is ignored. */
/* Our nf_tables users take turns from their first listing to their commit (a host-wide lock,
 * attachment_lock.h): a dump that overlaps a commit comes back marked interrupted, and with
 * hundreds of parallel verbs on one chain that is the rule, not the exception. Released by
 * nfs_writer_unlockp, which a `_cleanup_(nfs_writer_unlockp) bool held` declared after the
 * socket runs before the socket's close (which may wait for a grace period). Nests. */
int nfs_writer_lock(bool *ret_held, struct cni_error *err);
void nfs_writer_unlockp(bool *held);
void nfs_defer_closes(void);
void nfs_close(int fd);
void nfs_close_deferred(void);
static inline void nfs_closep(int *fd)
{
	nfs_close(*fd);
}
/* Commit the batch (all or nothing). Kernel errors are code 999 with errno, the kernel's text
 * and the failing command. *ret_unknown (may be NULL) is set when the batch was sent but its
 * outcome could not be read. */
int nfs_commit(int fd, struct nfb *b, const char *what, bool *ret_unknown, struct cni_error *err);

struct handles {
	uint64_t *v;
	size_t n, cap;
};
typedef bool (*rule_pred)(const struct nftx_rule *r, const void *arg);
/* Handles of the rules of table/chain that pred selects (pred sees chain, comment and handle;
 * text is ""). A missing table or chain has none. ret->v is malloc'd (free it). */
int nfs_rule_handles(int fd, uint8_t family, const char *table, const char *chain, rule_pred pred,
		     const void *arg, struct handles *ret, struct cni_error *err);
/* CHECK: found[i] tells whether chain holds a rule equal to the i-th NEWRULE in want (built
 * with nfb_rule_begin/end, no batch): the same expressions in order with the same values (the
 * kernel's extra default attributes ignored) and the same comment. */
int nfs_rules_present(int fd, uint8_t family, const char *table, const char *chain,
		      const struct nfb *want, bool *found, size_t n, struct cni_error *err);
/* A chain as the kernel lists it: whether it exists, and for a base chain its hook. */
struct nftx_chain {
	bool exists, base;
	uint32_t hooknum;
	int32_t priority;
	char type[16];
};
int nfs_chain_get(int fd, uint8_t family, const char *table, const char *chain,
		  struct nftx_chain *ret, struct cni_error *err);
/* Whether c is a base chain of exactly this hook, priority and type. */
bool nftx_chain_is(const struct nftx_chain *c, uint32_t hooknum, int32_t priority,
		   const char *type);
/* 1 when the chain exists, 0 when it, its table or nf_tables does not. */
int nfs_chain_exists(int fd, uint8_t family, const char *table, const char *chain,
		     struct cni_error *err);

/* Expressions as nft linearizes them (nft_netlink.c): meta nfproto; [!=] <ip> saddr/daddr within a prefix;
 * masquerade. */
void ex_nfproto(struct nfb *b, uint8_t nfproto);
void ex_addr_match(struct nfb *b, int family, bool daddr, const uint8_t *addr, unsigned plen,
		   bool neq);
void ex_masq(struct nfb *b);
