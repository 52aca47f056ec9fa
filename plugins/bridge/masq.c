/* ipMasq: backend choice and dispatch. The rules themselves live in masq_iptables.c (libiptc)
 * and masq_nftables.c (nf_tables netlink); see masq_internal.h for who owns which rule. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "masq_internal.h"

const char *masq_iptables_path = "/usr/sbin/iptables";

int masq_backend_parse(const char *s, enum masq_backend *ret, struct cni_error *err)
{
	if (!s)
		*ret = MASQ_AUTO;
	else if (strcmp(s, "iptables") == 0)
		*ret = MASQ_IPTABLES;
	else if (strcmp(s, "nftables") == 0)
		*ret = MASQ_NFTABLES;
	else
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "unknown ipMasqBackend \"%s\"", s);
	return 0;
}

/* Where `iptables` is the nf_tables flavour, rules written to the legacy x_tables through
 * libiptc would be invisible to `iptables`/`nft` users, so auto picks nftables there. Also
 * nftables when the kernel has no legacy x_tables (no /proc/net/ip_tables_names). The check is
 * a readlink chain (alternatives) and an access(), no exec. */
enum masq_backend masq_backend_resolve(enum masq_backend b)
{
	char target[PATH_MAX];
	const char *base;

	if (b != MASQ_AUTO)
		return b;
	if (realpath(masq_iptables_path, target)) {
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		if (strcmp(base, "xtables-nft-multi") == 0)
			return MASQ_NFTABLES;
	}
	if (access("/proc/net/ip_tables_names", F_OK) < 0)
		return MASQ_NFTABLES;
	return MASQ_IPTABLES;
}

int masq_add(enum masq_backend b, const struct masq_attachment *a, const struct ipprefix *ips,
	     size_t n_ips, struct cni_error *err)
{
	if (masq_backend_resolve(b) == MASQ_IPTABLES)
		return masq_ipt_add(a, ips, n_ips, err);
	return masq_nft_add(a, ips, n_ips, err);
}

/* Both backends: the config's backend may have changed since ADD, and DEL must not leak. The
 * legacy tables are only opened when they exist in this netns (opening them would create
 * them). */
int masq_del(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
	     struct cni_error *err)
{
	int r = 0, q;

	(void)ips;
	(void)n_ips;
	if (masq_ipt_table_present(AF_INET) || masq_ipt_table_present(AF_INET6)) {
		q = masq_ipt_del(a, err);
		if (q < 0 && r == 0)
			r = q;
	}
	q = masq_nft_del(a, err);
	if (q < 0 && r == 0)
		r = q;
	return r;
}

void masq_hold_sockets(void)
{
	nfs_defer_closes();
}

void masq_release_sockets(void)
{
	nfs_close_deferred();
}

int masq_check(enum masq_backend b, const struct masq_attachment *a, const struct ipprefix *ips,
	       size_t n_ips, struct cni_error *err)
{
	if (masq_backend_resolve(b) == MASQ_IPTABLES)
		return masq_ipt_check(a, ips, n_ips, err);
	return masq_nft_check(a, ips, n_ips, err);
}

int masq_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
	    struct cni_error *err)
{
	int r = 0, q;

	if (masq_ipt_table_present(AF_INET) || masq_ipt_table_present(AF_INET6)) {
		q = masq_ipt_gc(network, valid, n_valid, err);
		if (q < 0 && r == 0)
			r = q;
	}
	q = masq_nft_gc(network, valid, n_valid, err);
	if (q < 0 && r == 0)
		r = q;
	return r;
}
