/* IP masquerade for bridge attachments, behind one interface with two backends:
 * libiptc (legacy x_tables, masq_iptables.c) and nf_tables over netlink (masq_nftables.c).
 * Contract shared by the bridge plugin (caller) and the backends. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cni_error.h"
#include "cni_skel.h"
#include "ipaddr.h"

enum masq_backend {
	MASQ_AUTO,     /* key absent: nftables where iptables is nf_tables-based or legacy
			* tables are unusable, iptables otherwise (see masq_backend_resolve) */
	MASQ_IPTABLES, /* libiptc, nat table, reference-style CNI-xxxx chains */
	MASQ_NFTABLES, /* nf_tables netlink, one table of our own, one batch per call */
};

/* Who a rule belongs to; used in chain names / comments so DEL and GC can find rules
 * without the addresses. */
struct masq_attachment {
	const char *network;
	const char *container_id;
	const char *ifname;
};

/* "iptables" / "nftables" -> backend; NULL -> MASQ_AUTO; anything else is code 7
 * `unknown ipMasqBackend "x"`. */
int masq_backend_parse(const char *s, enum masq_backend *ret, struct cni_error *err);

/* Concrete backend for MASQ_AUTO on this host; others are returned unchanged. */
enum masq_backend masq_backend_resolve(enum masq_backend b);

/* Masquerade traffic from each ips[i].addr to anything outside ips[i]'s subnet, except
 * multicast (224.0.0.0/4, ff00::/8). Idempotent; all-or-nothing (on failure nothing of this
 * call is left). */
int masq_add(enum masq_backend b, const struct masq_attachment *a, const struct ipprefix *ips,
	     size_t n_ips, struct cni_error *err);

/* Remove every rule of this attachment in every backend that holds some. ips may be NULL:
 * rules are found by chain name / comment. Not found is success (DEL is idempotent). */
int masq_del(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
	     struct cni_error *err);

/* DEL's order: masq_hold_sockets(), the rule deletions, the veth deletion, then
 * masq_release_sockets(), so the grace period that nf_tables' rule deletion costs runs while
 * the kernel unregisters the veth (nfs_defer_closes). */
void masq_hold_sockets(void);
void masq_release_sockets(void);

/* Verify the rules for exactly these ips exist in backend b (resolved like masq_add).
 * Missing or different: code 999 naming what is missing. */
int masq_check(enum masq_backend b, const struct masq_attachment *a, const struct ipprefix *ips,
	       size_t n_ips, struct cni_error *err);

/* Remove the rules of `network` whose attachment is not in valid[0..n_valid), in every
 * backend. Continues past errors and reports the first. */
int masq_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
	    struct cni_error *err);
