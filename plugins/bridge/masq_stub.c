/* Temporary stand-ins, weak so the real backends (masq.c + masq_*tables.c, spoofchk_nftables.c)
 * override them as soon as they are linked. To be deleted once those files land. */
#include <errno.h>
#include <string.h>

#include "masq.h"
#include "spoofchk.h"

#define WEAK __attribute__((weak))

WEAK int masq_backend_parse(const char *s, enum masq_backend *ret, struct cni_error *err)
{
	if (!s)
		*ret = MASQ_AUTO;
	else if (!strcmp(s, "iptables"))
		*ret = MASQ_IPTABLES;
	else if (!strcmp(s, "nftables"))
		*ret = MASQ_NFTABLES;
	else
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "unknown ipMasqBackend \"%s\"", s);
	return 0;
}

WEAK int masq_add(enum masq_backend b, const struct masq_attachment *a, const struct ipprefix *ips,
		  size_t n_ips, struct cni_error *err)
{
	(void)b, (void)a, (void)ips, (void)n_ips;
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOSYS, NULL, "ipMasq backend not built in");
}

WEAK int masq_del(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		  struct cni_error *err)
{
	(void)a, (void)ips, (void)n_ips, (void)err;
	return 0;
}

WEAK int masq_check(enum masq_backend b, const struct masq_attachment *a,
		    const struct ipprefix *ips, size_t n_ips, struct cni_error *err)
{
	(void)b, (void)a, (void)ips, (void)n_ips;
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOSYS, NULL, "ipMasq backend not built in");
}

WEAK int masq_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		 struct cni_error *err)
{
	(void)network, (void)valid, (void)n_valid, (void)err;
	return 0;
}

WEAK int spoofchk_add(const struct spoofchk_attachment *a, struct cni_error *err)
{
	(void)a;
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOSYS, NULL, "macspoofchk backend not built in");
}

WEAK int spoofchk_del(const struct spoofchk_attachment *a, struct cni_error *err)
{
	(void)a, (void)err;
	return 0;
}

WEAK int spoofchk_check(const struct spoofchk_attachment *a, struct cni_error *err)
{
	(void)a;
	return cni_error_set(err, CNI_ERR_INTERNAL, ENOSYS, NULL, "macspoofchk backend not built in");
}
