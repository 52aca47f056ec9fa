/* ipMasq through libiptc (legacy x_tables), table nat, in the reference's layout
 * (plugins: pkg/ip/ipmasq_iptables_linux.go) without exec'ing iptables:
 *   -A POSTROUTING -s <ip> -j CNI-xxx                 (one per address)
 *   -A CNI-xxx -d <subnet> -j ACCEPT                  (inserted first: own subnets stay as is)
 *   -A CNI-xxx ! -d 224.0.0.0/4 -j MASQUERADE         (v6: ff00::/8; once per attachment)
 * every rule commented `name: "<net>" id: "<id>" if: "<ifname>"`. The chain name is the
 * reference's (no ifname), so two attachments of one container share it; the ifname in the
 * comment lets DEL/GC remove only one attachment's rules, and the chain goes with its last
 * rule. Untagged rules (written by the reference) count as belonging to every ifname of that
 * container, so DEL also cleans what the reference left.
 * All changes of one family go into one iptc_commit, under /run/xtables.lock (bounded wait,
 * then code 11). ADD replaces this attachment's rules that are no longer wanted (re-ADD with
 * other addresses); if the IPv6 commit fails, the IPv4 one is undone.
 *
 * Caveat: libiptc speaks to the legacy x_tables only. Where `iptables` is the nf_tables flavour
 * (Debian 12: iptables-nft), these rules work in the kernel but are invisible to `iptables -S`
 * and `nft list ruleset` (only `iptables-legacy -t nat -S` shows them), and iptables-nft warns
 * that legacy tables exist. That is why MASQ_AUTO picks nftables on such hosts
 * (masq_backend_resolve); an explicit ipMasqBackend "iptables" still gets libiptc. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <libiptc/libiptc.h>
#include <libiptc/libip6tc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_comment.h>

#include "fsutil.h"
#include "macro.h"
#include "masq_internal.h"
#include "sha512.h"

#define XTABLES_LOCK "/run/xtables.lock"
#define CHAIN_POST   "POSTROUTING"

unsigned masq_xtables_lock_timeout_ms = 10000;

/* ---- one interface over libip4tc and libip6tc ---- */

struct tc_ops {
	int family;
	const char *name;		    /* for messages: "iptables" / "ip6tables" */
	int (*load)(struct cni_error *err); /* dlopen the library once */
	struct xtc_handle *(*init)(const char *table);
	void (*free)(struct xtc_handle *h);
	const void *(*first_rule)(const char *chain, struct xtc_handle *h);
	const void *(*next_rule)(const void *prev, struct xtc_handle *h);
	const char *(*get_target)(const void *e, struct xtc_handle *h);
	const char *(*first_chain)(struct xtc_handle *h);
	const char *(*next_chain)(struct xtc_handle *h);
	int (*is_chain)(const char *chain, struct xtc_handle *h);
	int (*create_chain)(const char *chain, struct xtc_handle *h);
	int (*delete_chain)(const char *chain, struct xtc_handle *h);
	int (*references)(unsigned *ref, const char *chain, struct xtc_handle *h);
	int (*insert)(const char *chain, const void *e, unsigned num, struct xtc_handle *h);
	int (*append)(const char *chain, const void *e, struct xtc_handle *h);
	int (*delete_num)(const char *chain, unsigned num, struct xtc_handle *h);
	int (*commit)(struct xtc_handle *h);
	const char *(*strerror)(int e);
};

/* libiptc takes chain names as xt_chainlabel (32 bytes, read in full): copy into a zeroed one. */
#define LABEL(var, chain)        \
	xt_chainlabel var = {0}; \
	strncpy(var, chain, sizeof(var) - 1)

/* Where libip4tc/libip6tc come from depends on the link (tools/static-link.mk); their symbols
 * are referenced weakly, so one object serves both:
 * - static build: compiled in, used directly. glibc's static dlopen is never called: it would
 *   need, at run time, the very glibc build it was linked with, which an apt upgrade replaces.
 * - dynamic build: not linked (the weak references stay null) but opened on first use: most
 *   configs never masquerade through libiptc (nftables is the default where iptables is the
 *   nf_tables flavour), and two shared objects less means less loading, relocation and resident
 *   memory at every exec of the bridge. */
#define TC_FUNCS(X, p)         \
	X(p, init)             \
	X(p, free)             \
	X(p, first_rule)       \
	X(p, next_rule)        \
	X(p, get_target)       \
	X(p, first_chain)      \
	X(p, next_chain)       \
	X(p, is_chain)         \
	X(p, create_chain)     \
	X(p, delete_chain)     \
	X(p, get_references)   \
	X(p, insert_entry)     \
	X(p, append_entry)     \
	X(p, delete_num_entry) \
	X(p, commit)           \
	X(p, strerror)
#define TC_FIELD(p, f)	__typeof__(p##c_##f) *f;
#define TC_WEAK(p, f)	extern __typeof__(p##c_##f) p##c_##f __attribute__((weak));
#define TC_LINKED(p, f) lib->f = p##c_##f;
#define TC_SYM(p, f)                                                             \
	if (!(*(void **)&lib->f = dlsym(h, #p "c_" #f)))                         \
		return cni_error_set(err, CNI_ERR_INTERNAL, ELIBBAD, #p "c_" #f, \
				     "%s: symbol missing in %s", name, soname);

/* One loader per family: fills lib_<p> from soname once; the handle stays open. */
#define TC_LOADER(p)                                                                     \
	static struct {                                                                  \
		bool loaded;                                                             \
		TC_FUNCS(TC_FIELD, p)                                                    \
	} lib_##p;                                                                       \
	static int p##_load(const char *soname, const char *name, struct cni_error *err) \
	{                                                                                \
		__typeof__(lib_##p) *lib = &lib_##p;                                     \
		void *h;                                                                 \
		if (lib->loaded)                                                         \
			return 0;                                                        \
		if (p##c_init) {                                                         \
			TC_FUNCS(TC_LINKED, p)                                           \
			lib->loaded = true;                                              \
			return 0;                                                        \
		}                                                                        \
		if (!(h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)))                        \
			return cni_error_set(err, CNI_ERR_INTERNAL, ELIBACC, dlerror(),  \
					     "%s: load %s", name, soname);               \
		TC_FUNCS(TC_SYM, p)                                                      \
		lib->loaded = true;                                                      \
		return 0;                                                                \
	}

TC_FUNCS(TC_WEAK, ipt)
TC_FUNCS(TC_WEAK, ip6t)

TC_LOADER(ipt)
TC_LOADER(ip6t)

#define TC_WRAPPERS(w, p, entry_t, soname)                                                    \
	static int w##_load(struct cni_error *err)                                            \
	{                                                                                     \
		return p##_load(soname, #p "ables", err);                                     \
	}                                                                                     \
	static struct xtc_handle *w##_init(const char *table)                                 \
	{                                                                                     \
		return lib_##p.init(table);                                                   \
	}                                                                                     \
	static void w##_free(struct xtc_handle *h)                                            \
	{                                                                                     \
		lib_##p.free(h);                                                              \
	}                                                                                     \
	static const void *w##_first_rule(const char *c, struct xtc_handle *h)                \
	{                                                                                     \
		return lib_##p.first_rule(c, h);                                              \
	}                                                                                     \
	static const void *w##_next_rule(const void *e, struct xtc_handle *h)                 \
	{                                                                                     \
		return lib_##p.next_rule(e, h);                                               \
	}                                                                                     \
	static const char *w##_get_target(const void *e, struct xtc_handle *h)                \
	{                                                                                     \
		return lib_##p.get_target(e, h);                                              \
	}                                                                                     \
	static const char *w##_first_chain(struct xtc_handle *h)                              \
	{                                                                                     \
		return lib_##p.first_chain(h);                                                \
	}                                                                                     \
	static const char *w##_next_chain(struct xtc_handle *h)                               \
	{                                                                                     \
		return lib_##p.next_chain(h);                                                 \
	}                                                                                     \
	static int w##_is_chain(const char *c, struct xtc_handle *h)                          \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.is_chain(l, h);                                                \
	}                                                                                     \
	static int w##_create_chain(const char *c, struct xtc_handle *h)                      \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.create_chain(l, h);                                            \
	}                                                                                     \
	static int w##_delete_chain(const char *c, struct xtc_handle *h)                      \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.delete_chain(l, h);                                            \
	}                                                                                     \
	static int w##_references(unsigned *ref, const char *c, struct xtc_handle *h)         \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.get_references(ref, l, h);                                     \
	}                                                                                     \
	static int w##_insert(const char *c, const void *e, unsigned n, struct xtc_handle *h) \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.insert_entry(l, (const entry_t *)e, n, h);                     \
	}                                                                                     \
	static int w##_append(const char *c, const void *e, struct xtc_handle *h)             \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.append_entry(l, (const entry_t *)e, h);                        \
	}                                                                                     \
	static int w##_delete_num(const char *c, unsigned n, struct xtc_handle *h)            \
	{                                                                                     \
		LABEL(l, c);                                                                  \
		return lib_##p.delete_num_entry(l, n, h);                                     \
	}                                                                                     \
	static int w##_commit(struct xtc_handle *h)                                           \
	{                                                                                     \
		return lib_##p.commit(h);                                                     \
	}                                                                                     \
	static const char *w##_strerror(int e)                                                \
	{                                                                                     \
		return lib_##p.strerror(e);                                                   \
	}

TC_WRAPPERS(w4, ipt, struct ipt_entry, "libip4tc.so.2")
TC_WRAPPERS(w6, ip6t, struct ip6t_entry, "libip6tc.so.2")

#define TC_OPS(w, fam, label)                                                                 \
	{                                                                                     \
		.family = fam, .name = label, .load = w##_load, .init = w##_init,             \
		.free = w##_free, .first_rule = w##_first_rule, .next_rule = w##_next_rule,   \
		.get_target = w##_get_target, .first_chain = w##_first_chain,                 \
		.next_chain = w##_next_chain, .is_chain = w##_is_chain,                       \
		.create_chain = w##_create_chain, .delete_chain = w##_delete_chain,           \
		.references = w##_references, .insert = w##_insert, .append = w##_append,     \
		.delete_num = w##_delete_num, .commit = w##_commit, .strerror = w##_strerror, \
	}
static const struct tc_ops tc4 = TC_OPS(w4, AF_INET, "iptables");
static const struct tc_ops tc6 = TC_OPS(w6, AF_INET6, "ip6tables");

static int tc_error(const struct tc_ops *ops, struct cni_error *err, const char *what,
		    const char *chain)
{
	int e = errno > 0 ? errno : EIO;
	char details[256];

	snprintf(details, sizeof(details), "%s: %s", errno_name(e), ops->strerror(e));
	return cni_error_set(err, CNI_ERR_INTERNAL, e, details, "%s: %s in table nat chain '%s'",
			     ops->name, what, chain);
}

/* Load the family's library (first use) and read its nat table. */
static int tc_open(const struct tc_ops *ops, struct xtc_handle **ret, struct cni_error *err)
{
	int r = ops->load(err);

	if (r < 0)
		return r;
	if (!(*ret = ops->init("nat")))
		return tc_error(ops, err, "open table", CHAIN_POST);
	return 0;
}

/* ---- names and comments ---- */

char *masq_ipt_chain_name(const char *network, const char *container_id, char *buf)
{
	size_t ln = strlen(network), lc = strlen(container_id);
	_cleanup_free_ char *s = malloc(ln + lc + 1);
	char hex[25];

	if (!s) {
		memcpy(buf, "CNI-", 5);
		return buf;
	}
	memcpy(s, network, ln);
	memcpy(s + ln, container_id, lc + 1);
	sha512_hex_prefix(s, ln + lc, 12, hex);
	snprintf(buf, MASQ_IPT_CHAIN_LEN + 1, "CNI-%s", hex);
	return buf;
}

bool masq_ipt_table_present(int family)
{
	const char *path = family == AF_INET ? "/proc/net/ip_tables_names"
					     : "/proc/net/ip6_tables_names";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[512];
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strcmp(line, "nat") == 0)
			return true;
	return false;
}

/* A comment field: the value, or "sha512-<hex>" of it. */
static const char *comment_field(const char *v, bool hashed, char buf[MASQ_IPT_FIELD_LEN])
{
	/* Out of memory: the field as it is, which at worst does not fit (make_comment fails). */
	return hashed && sha512_name(v, NULL, 12, buf) ? buf : v;
}

/* The comment of our rules for attachment a; with_if=false gives the reference's. The reference
 * fails where it does not fit the 255 bytes of the comment match (long IDs or network names), and
 * GC parses it back by its quotes: so an ifname with a '"' is hashed, then the ID where the whole
 * does not fit, then the network name. Always succeeds for valid names. */
static int make_comment(const struct masq_attachment *a, bool with_if, char *buf,
			struct cni_error *err)
{
	char hn[MASQ_IPT_FIELD_LEN], hi[MASQ_IPT_FIELD_LEN], hf[MASQ_IPT_FIELD_LEN];
	const char *ifn = comment_field(a->ifname, strchr(a->ifname, '"'), hf);

	for (int level = 0; level < 3; level++) {
		const char *net = comment_field(a->network, level >= 2, hn);
		const char *id = comment_field(a->container_id, level >= 1, hi);
		int n;

		if (with_if)
			n = snprintf(buf, XT_MAX_COMMENT_LEN, "name: \"%s\" id: \"%s\" if: \"%s\"",
				     net, id, ifn);
		else
			n = snprintf(buf, XT_MAX_COMMENT_LEN, "name: \"%s\" id: \"%s\"", net, id);
		if (n >= 0 && n < XT_MAX_COMMENT_LEN)
			return 0;
	}
	return cni_error_set(
		err, CNI_ERR_INTERNAL, ENAMETOOLONG, NULL,
		"iptables rule comment for network \"%s\" container \"%s\" does not fit",
		a->network, a->container_id);
}

static bool take_quoted(const char **c, const char *key, char *out)
{
	size_t kl = strlen(key);
	const char *end;

	if (strncmp(*c, key, kl) != 0)
		return false;
	*c += kl;
	end = strchr(*c, '"');
	if (!end)
		return false;
	memcpy(out, *c, (size_t)(end - *c));
	out[end - *c] = 0;
	*c = end + 1;
	return true;
}

/* Split `name: "N" id: "C"[ if: "I"]` (ifname "" when absent). false if not of that form.
 * Outputs need strlen(c) + 1 bytes. */
bool masq_ipt_parse_comment(const char *c, char *net, char *id, char *ifname)
{
	ifname[0] = 0;
	if (!take_quoted(&c, "name: \"", net) || !take_quoted(&c, " id: \"", id))
		return false;
	if (!*c)
		return true;
	return take_quoted(&c, " if: \"", ifname) && !*c;
}

/* ---- rules as values ---- */

struct rule {
	struct ipprefix src, dst; /* len 0 = any */
	bool dst_inv;
	bool foreign; /* has matches or fields we never write */
	char target[XT_EXTENSION_MAXNAMELEN];
	char comment[XT_MAX_COMMENT_LEN];
};

static bool rule_equal(const struct rule *x, const struct rule *y)
{
	return !x->foreign && !y->foreign && x->src.len == y->src.len &&
	       memcmp(x->src.addr.b, y->src.addr.b, 16) == 0 && x->dst.len == y->dst.len &&
	       memcmp(x->dst.addr.b, y->dst.addr.b, 16) == 0 && x->dst_inv == y->dst_inv &&
	       strcmp(x->target, y->target) == 0 && strcmp(x->comment, y->comment) == 0;
}

static void mask_from_len(unsigned len, size_t nbytes, uint8_t *out)
{
	for (size_t i = 0; i < nbytes; i++) {
		unsigned bits = len > 8 * i ? len - 8 * i : 0;
		out[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

static unsigned len_from_mask(const uint8_t *m, size_t nbytes)
{
	unsigned len = 0;

	for (size_t i = 0; i < nbytes; i++)
		len += (unsigned)__builtin_popcount(m[i]);
	return len;
}

static void set_prefix(struct ipprefix *p, int family, const void *addr, const void *mask)
{
	size_t nb = ipaddr_bytes(family);

	memset(p, 0, sizeof(*p));
	p->addr.family = family;
	memcpy(p->addr.b, addr, nb);
	p->len = len_from_mask(mask, nb);
}

/* Serialise r as an ipt_entry / ip6t_entry with the comment match and the target. */
static void *build_entry(int family, const struct rule *r)
{
	bool masq = strcmp(r->target, "MASQUERADE") == 0;
	size_t eh = family == AF_INET ? XT_ALIGN(sizeof(struct ipt_entry))
				      : XT_ALIGN(sizeof(struct ip6t_entry));
	size_t ms = XT_ALIGN(sizeof(struct xt_entry_match) + sizeof(struct xt_comment_info));
	size_t ts = !masq		? XT_ALIGN(sizeof(struct xt_standard_target))
		    : family == AF_INET ? XT_ALIGN(sizeof(struct xt_entry_target) +
						   sizeof(struct nf_nat_ipv4_multi_range_compat))
					: XT_ALIGN(sizeof(struct xt_entry_target) +
						   sizeof(struct nf_nat_range));
	uint8_t *buf = calloc(1, eh + ms + ts);
	struct xt_entry_match *m;
	struct xt_entry_target *t;

	if (!buf)
		return NULL;
	if (family == AF_INET) {
		struct ipt_entry *e = (struct ipt_entry *)buf;

		memcpy(&e->ip.src, r->src.addr.b, 4);
		mask_from_len(r->src.len, 4, (uint8_t *)&e->ip.smsk);
		memcpy(&e->ip.dst, r->dst.addr.b, 4);
		mask_from_len(r->dst.len, 4, (uint8_t *)&e->ip.dmsk);
		e->ip.invflags = r->dst_inv ? IPT_INV_DSTIP : 0;
		e->target_offset = (uint16_t)(eh + ms);
		e->next_offset = (uint16_t)(eh + ms + ts);
	} else {
		struct ip6t_entry *e = (struct ip6t_entry *)buf;

		memcpy(&e->ipv6.src, r->src.addr.b, 16);
		mask_from_len(r->src.len, 16, (uint8_t *)&e->ipv6.smsk);
		memcpy(&e->ipv6.dst, r->dst.addr.b, 16);
		mask_from_len(r->dst.len, 16, (uint8_t *)&e->ipv6.dmsk);
		e->ipv6.invflags = r->dst_inv ? IP6T_INV_DSTIP : 0;
		e->target_offset = (uint16_t)(eh + ms);
		e->next_offset = (uint16_t)(eh + ms + ts);
	}
	m = (struct xt_entry_match *)(buf + eh);
	m->u.match_size = (uint16_t)ms;
	strcpy(m->u.user.name, "comment");
	memcpy(((struct xt_comment_info *)m->data)->comment, r->comment, sizeof(r->comment));

	t = (struct xt_entry_target *)(buf + eh + ms);
	t->u.target_size = (uint16_t)ts;
	memcpy(t->u.user.name, r->target, strnlen(r->target, sizeof(t->u.user.name) - 1));
	if (masq && family == AF_INET)
		((struct nf_nat_ipv4_multi_range_compat *)t->data)->rangesize = 1;
	/* v6 MASQUERADE rev 0 takes a zeroed nf_nat_range; standard targets get their verdict
	 * from libiptc, which maps the name (ACCEPT or a chain) when appending. */
	return buf;
}

static void parse_entry(const struct tc_ops *ops, struct xtc_handle *h, const void *entry,
			struct rule *r)
{
	const uint8_t *base = entry;
	size_t off, end;

	memset(r, 0, sizeof(*r));
	if (ops->family == AF_INET) {
		const struct ipt_entry *e = entry;

		set_prefix(&r->src, AF_INET, &e->ip.src, &e->ip.smsk);
		set_prefix(&r->dst, AF_INET, &e->ip.dst, &e->ip.dmsk);
		r->dst_inv = e->ip.invflags & IPT_INV_DSTIP;
		r->foreign = e->ip.iniface[0] || e->ip.outiface[0] || e->ip.proto || e->ip.flags ||
			     (e->ip.invflags & ~IPT_INV_DSTIP);
		off = sizeof(*e);
		end = e->target_offset;
	} else {
		const struct ip6t_entry *e = entry;

		set_prefix(&r->src, AF_INET6, &e->ipv6.src, &e->ipv6.smsk);
		set_prefix(&r->dst, AF_INET6, &e->ipv6.dst, &e->ipv6.dmsk);
		r->dst_inv = e->ipv6.invflags & IP6T_INV_DSTIP;
		r->foreign = e->ipv6.iniface[0] || e->ipv6.outiface[0] || e->ipv6.proto ||
			     e->ipv6.flags || (e->ipv6.invflags & ~IP6T_INV_DSTIP);
		off = sizeof(*e);
		end = e->target_offset;
	}
	while (off + sizeof(struct xt_entry_match) <= end) {
		const struct xt_entry_match *m = (const void *)(base + off);

		if (m->u.match_size < sizeof(*m))
			break;
		if (strcmp(m->u.user.name, "comment") == 0 &&
		    m->u.match_size >= sizeof(*m) + sizeof(struct xt_comment_info))
			snprintf(r->comment, sizeof(r->comment), "%.*s", XT_MAX_COMMENT_LEN - 1,
				 ((const struct xt_comment_info *)m->data)->comment);
		else
			r->foreign = true;
		off += m->u.match_size;
	}
	snprintf(r->target, sizeof(r->target), "%s", ops->get_target(entry, h));
}

/* ---- what an attachment wants ---- */

struct want {
	struct rule chain_rules[2 * 16 + 1];
	size_t n_chain;
	struct rule post_rules[16];
	size_t n_post;
};

static void rule_add_unique(struct rule *arr, size_t *n, size_t cap, const struct rule *r)
{
	for (size_t i = 0; i < *n; i++)
		if (rule_equal(&arr[i], r))
			return;
	if (*n < cap)
		arr[(*n)++] = *r;
}

static int want_rules(int family, const struct masq_attachment *a, const char *chain,
		      const struct ipprefix *ips, size_t n_ips, struct want *w,
		      struct cni_error *err)
{
	struct rule r = {0};
	int q;

	memset(w, 0, sizeof(*w));
	q = make_comment(a, true, r.comment, err);
	if (q < 0)
		return q;
	for (size_t i = 0; i < n_ips; i++) {
		if (ips[i].addr.family != family)
			continue;
		if (w->n_post == ARRAY_SIZE(w->post_rules))
			return cni_error_set(err, CNI_ERR_CONFIG, E2BIG, NULL,
					     "ipMasq: more than %zu addresses of one family",
					     ARRAY_SIZE(w->post_rules));
		/* -A POSTROUTING -s <ip> -j CNI-xxx */
		memset(&r.src, 0, sizeof(r.src));
		memset(&r.dst, 0, sizeof(r.dst));
		r.dst_inv = false;
		r.src = ips[i];
		r.src.len = ipaddr_bits(family);
		snprintf(r.target, sizeof(r.target), "%s", chain);
		rule_add_unique(w->post_rules, &w->n_post, ARRAY_SIZE(w->post_rules), &r);
		/* -A CNI-xxx -d <subnet> -j ACCEPT */
		memset(&r.src, 0, sizeof(r.src));
		ipprefix_network(&ips[i], &r.dst);
		snprintf(r.target, sizeof(r.target), "ACCEPT");
		rule_add_unique(w->chain_rules, &w->n_chain, ARRAY_SIZE(w->chain_rules), &r);
	}
	if (w->n_post == 0)
		return 0;
	/* -A CNI-xxx ! -d 224.0.0.0/4 -j MASQUERADE (ff00::/8) */
	memset(&r.src, 0, sizeof(r.src));
	memset(&r.dst, 0, sizeof(r.dst));
	r.dst.addr.family = family;
	if (family == AF_INET) {
		r.dst.addr.b[0] = 224;
		r.dst.len = 4;
	} else {
		r.dst.addr.b[0] = 0xff;
		r.dst.len = 8;
	}
	r.dst_inv = true;
	snprintf(r.target, sizeof(r.target), "MASQUERADE");
	rule_add_unique(w->chain_rules, &w->n_chain, ARRAY_SIZE(w->chain_rules), &r);
	return 0;
}

static bool want_has(const struct rule *arr, size_t n, const struct rule *r)
{
	for (size_t i = 0; i < n; i++)
		if (rule_equal(&arr[i], r))
			return true;
	return false;
}

/* ---- lock ---- */

static int xtables_lock(int *ret_fd, struct cni_error *err)
{
	_cleanup_close_ int fd = open(XTABLES_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open xtables lock '%s'",
				     XTABLES_LOCK);
	/* Queued in the kernel, not polled: parallel ADDs hand it on as soon as it is free (a
	 * growing sleep between tries left it idle for up to 64 ms; 8 in flight slept ~3 ms per
	 * ADD in it, perf sched_switch). */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return cni_error_set(err, CNI_ERR_IO, errno, NULL, "lock xtables lock '%s'",
					     XTABLES_LOCK);
		r = fs_flock_wait(fd, (int)masq_xtables_lock_timeout_ms);
		if (r == -ETIMEDOUT)
			return cni_error_set(
				err, CNI_ERR_TRY_AGAIN, EWOULDBLOCK, NULL,
				"xtables lock '%s' still held by another process after %u ms",
				XTABLES_LOCK, masq_xtables_lock_timeout_ms);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_IO, -r, NULL, "lock xtables lock '%s'",
					     XTABLES_LOCK);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* ---- per-family operations on one handle ---- */

enum rule_sel {
	SEL_INSTANCE, /* our comment with this ifname */
	SEL_DEL,      /* ours with this ifname, or the reference's untagged comment */
};

struct sel_ctx {
	const char *comment_if;	 /* ours */
	const char *comment_ref; /* reference */
};

/* Delete the rules of `chain` (optionally only those jumping to `target`) whose comment
 * matches, except those in keep[0..n_keep). Returns the number deleted. */
static int delete_matching(const struct tc_ops *ops, struct xtc_handle *h, const char *chain,
			   const char *target, const struct sel_ctx *sel, enum rule_sel mode,
			   const struct rule *keep, size_t n_keep, struct cni_error *err)
{
	unsigned idx[256], n, i;
	int deleted = 0;
	bool full;

	/* Indexes first, then delete from the highest; a full batch means scan again. */
	do {
		n = i = 0;
		for (const void *e = ops->first_rule(chain, h); e; e = ops->next_rule(e, h), i++) {
			struct rule r;
			bool hit;

			parse_entry(ops, h, e, &r);
			if (target && strcmp(r.target, target) != 0)
				continue;
			hit = strcmp(r.comment, sel->comment_if) == 0 ||
			      (mode == SEL_DEL && strcmp(r.comment, sel->comment_ref) == 0);
			if (!hit || want_has(keep, n_keep, &r))
				continue;
			if (n < ARRAY_SIZE(idx))
				idx[n++] = i;
		}
		full = n == ARRAY_SIZE(idx);
		while (n > 0) {
			if (!ops->delete_num(chain, idx[--n], h))
				return tc_error(ops, err, "delete rule", chain);
			deleted++;
		}
	} while (full);
	return deleted;
}

static bool chain_has(const struct tc_ops *ops, struct xtc_handle *h, const char *chain,
		      const struct rule *want, size_t *ret_count)
{
	bool found = false;
	size_t count = 0;

	for (const void *e = ops->first_rule(chain, h); e; e = ops->next_rule(e, h)) {
		struct rule r;

		count++;
		if (!want)
			continue;
		parse_entry(ops, h, e, &r);
		if (rule_equal(&r, want))
			found = true;
	}
	if (ret_count)
		*ret_count = count;
	return found;
}

/* Delete the chain when no rule is left in it and nothing jumps to it. */
static int chain_drop_if_empty(const struct tc_ops *ops, struct xtc_handle *h, const char *chain,
			       bool *changed, struct cni_error *err)
{
	unsigned refs = 0;
	size_t count;

	if (!ops->is_chain(chain, h))
		return 0;
	(void)chain_has(ops, h, chain, NULL, &count);
	if (count > 0 || !ops->references(&refs, chain, h) || refs > 0)
		return 0;
	if (!ops->delete_chain(chain, h))
		return tc_error(ops, err, "delete chain", chain);
	*changed = true;
	return 0;
}

static int family_add(const struct tc_ops *ops, const struct masq_attachment *a,
		      const struct ipprefix *ips, size_t n_ips, struct cni_error *err)
{
	char chain[MASQ_IPT_CHAIN_LEN + 1], ref[XT_MAX_COMMENT_LEN];
	_cleanup_free_ struct want *w = calloc(1, sizeof(*w));
	struct xtc_handle *h;
	struct sel_ctx sel;
	int r;

	if (!w)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	masq_ipt_chain_name(a->network, a->container_id, chain);
	r = want_rules(ops->family, a, chain, ips, n_ips, w, err);
	if (r < 0 || w->n_post == 0)
		return r;
	r = make_comment(a, false, ref, err);
	if (r < 0)
		return r;
	sel = (struct sel_ctx){.comment_if = w->post_rules[0].comment, .comment_ref = ref};

	if ((r = tc_open(ops, &h, err)) < 0)
		return r;
	if (!ops->is_chain(chain, h) && !ops->create_chain(chain, h)) {
		r = tc_error(ops, err, "create chain", chain);
		goto out;
	}
	/* Rules of this very attachment that are no longer wanted (a re-ADD with other IPs). */
	r = delete_matching(ops, h, CHAIN_POST, chain, &sel, SEL_INSTANCE, w->post_rules, w->n_post,
			    err);
	if (r >= 0)
		r = delete_matching(ops, h, chain, NULL, &sel, SEL_INSTANCE, w->chain_rules,
				    w->n_chain, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < w->n_chain; i++) {
		const struct rule *x = &w->chain_rules[i];
		bool accept = strcmp(x->target, "ACCEPT") == 0;
		_cleanup_free_ void *e = NULL;

		if (chain_has(ops, h, chain, x, NULL))
			continue;
		e = build_entry(ops->family, x);
		if (!e || !(accept ? ops->insert(chain, e, 0, h) : ops->append(chain, e, h))) {
			r = tc_error(ops, err,
				     accept ? "insert ACCEPT rule" : "append MASQUERADE rule",
				     chain);
			goto out;
		}
	}
	for (size_t i = 0; i < w->n_post; i++) {
		_cleanup_free_ void *e = NULL;

		if (chain_has(ops, h, CHAIN_POST, &w->post_rules[i], NULL))
			continue;
		e = build_entry(ops->family, &w->post_rules[i]);
		if (!e || !ops->append(CHAIN_POST, e, h)) {
			r = tc_error(ops, err, "append jump rule", CHAIN_POST);
			goto out;
		}
	}
	if (!ops->commit(h))
		r = tc_error(ops, err, "commit", chain);
	else
		r = 0;
out:
	ops->free(h);
	return r;
}

static int family_del(const struct tc_ops *ops, const struct masq_attachment *a,
		      struct cni_error *err)
{
	char chain[MASQ_IPT_CHAIN_LEN + 1], mine[XT_MAX_COMMENT_LEN], ref[XT_MAX_COMMENT_LEN];
	struct sel_ctx sel = {.comment_if = mine, .comment_ref = ref};
	struct xtc_handle *h;
	bool changed = false;
	int r;

	if (!masq_ipt_table_present(ops->family))
		return 0;
	r = make_comment(a, true, mine, err);
	if (r >= 0)
		r = make_comment(a, false, ref, err);
	if (r < 0)
		return r;
	masq_ipt_chain_name(a->network, a->container_id, chain);
	if ((r = tc_open(ops, &h, err)) < 0)
		return r;
	if (!ops->is_chain(chain, h)) {
		r = 0;
		goto out;
	}
	r = delete_matching(ops, h, CHAIN_POST, chain, &sel, SEL_DEL, NULL, 0, err);
	if (r < 0)
		goto out;
	changed |= r > 0;
	r = delete_matching(ops, h, chain, NULL, &sel, SEL_DEL, NULL, 0, err);
	if (r < 0)
		goto out;
	changed |= r > 0;
	r = chain_drop_if_empty(ops, h, chain, &changed, err);
	if (r < 0)
		goto out;
	if (changed && !ops->commit(h))
		r = tc_error(ops, err, "commit", chain);
out:
	ops->free(h);
	return r < 0 ? r : 0;
}

static int family_check(const struct tc_ops *ops, const struct masq_attachment *a,
			const struct ipprefix *ips, size_t n_ips, struct cni_error *err)
{
	char chain[MASQ_IPT_CHAIN_LEN + 1], buf[IPPREFIX_STRLEN];
	_cleanup_free_ struct want *w = calloc(1, sizeof(*w));
	struct xtc_handle *h;
	int r = 0;

	if (!w)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	masq_ipt_chain_name(a->network, a->container_id, chain);
	r = want_rules(ops->family, a, chain, ips, n_ips, w, err);
	if (r < 0 || w->n_post == 0)
		return r;
	if (!masq_ipt_table_present(ops->family))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: %s table nat does not exist (no masquerade rules)",
				     ops->name);
	if ((r = tc_open(ops, &h, err)) < 0)
		return r;
	if (!ops->is_chain(chain, h)) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				  "ipMasq: %s chain '%s' missing in table nat", ops->name, chain);
		goto out;
	}
	for (size_t i = 0; i < w->n_post; i++)
		if (!chain_has(ops, h, CHAIN_POST, &w->post_rules[i], NULL)) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					  "ipMasq: %s rule '-A POSTROUTING -s %s -j %s' missing",
					  ops->name, ipprefix_format(&w->post_rules[i].src, buf),
					  chain);
			goto out;
		}
	for (size_t i = 0; i < w->n_chain; i++) {
		const struct rule *x = &w->chain_rules[i];

		if (!chain_has(ops, h, chain, x, NULL)) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					  "ipMasq: %s rule '-A %s %s-d %s -j %s' missing",
					  ops->name, chain, x->dst_inv ? "! " : "",
					  ipprefix_format(&x->dst, buf), x->target);
			goto out;
		}
	}
out:
	ops->free(h);
	return r;
}

/* Whether comment is one that attachment v of network writes (ours or the reference's form). */
static bool comment_of(const char *comment, const char *network, const struct cni_attachment *v)
{
	struct masq_attachment a = {network, v->container_id, v->ifname};
	char c[XT_MAX_COMMENT_LEN];

	return (make_comment(&a, true, c, NULL) >= 0 && strcmp(c, comment) == 0) ||
	       (make_comment(&a, false, c, NULL) >= 0 && strcmp(c, comment) == 0);
}

/* Is this rule of `network` and stale? */
static bool rule_stale(const struct rule *r, const char *network,
		       const struct cni_attachment *valid, size_t n_valid)
{
	char net[XT_MAX_COMMENT_LEN], id[XT_MAX_COMMENT_LEN], ifname[XT_MAX_COMMENT_LEN];
	char hashed[MASQ_IPT_FIELD_LEN];

	if (!masq_ipt_parse_comment(r->comment, net, id, ifname) ||
	    (strcmp(net, network) != 0 && strcmp(net, comment_field(network, true, hashed)) != 0))
		return false;
	for (size_t i = 0; i < n_valid; i++)
		if (comment_of(r->comment, network, &valid[i]))
			return false;
	return true;
}

static int gc_chain(const struct tc_ops *ops, struct xtc_handle *h, const char *chain,
		    const char *network, const struct cni_attachment *valid, size_t n_valid,
		    bool *changed, struct cni_error *err)
{
	unsigned idx[1024], n, i;
	bool full;

	do {
		n = i = 0;
		for (const void *e = ops->first_rule(chain, h); e; e = ops->next_rule(e, h), i++) {
			struct rule r;

			parse_entry(ops, h, e, &r);
			if (rule_stale(&r, network, valid, n_valid) && n < ARRAY_SIZE(idx))
				idx[n++] = i;
		}
		full = n == ARRAY_SIZE(idx);
		while (n > 0) {
			if (!ops->delete_num(chain, idx[--n], h))
				return tc_error(ops, err, "delete stale rule", chain);
			*changed = true;
		}
	} while (full);
	return 0;
}

static int family_gc(const struct tc_ops *ops, const char *network,
		     const struct cni_attachment *valid, size_t n_valid, struct cni_error *err)
{
	_cleanup_free_ char *chains = NULL;
	size_t n_chains = 0, cap = 0;
	struct xtc_handle *h;
	bool changed = false;
	int r;

	if (!masq_ipt_table_present(ops->family))
		return 0;
	if ((r = tc_open(ops, &h, err)) < 0)
		return r;
	/* Snapshot the CNI- chain names first: libiptc's chain iterator is not stable across
	 * edits. */
	for (const char *c = ops->first_chain(h); c; c = ops->next_chain(h)) {
		if (strncmp(c, "CNI-", 4) != 0 || strlen(c) != MASQ_IPT_CHAIN_LEN)
			continue;
		if (n_chains == cap) {
			char *p =
				realloc(chains, (cap = cap ? 2 * cap : 16) * sizeof(xt_chainlabel));

			if (!p) {
				r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
						  "ipMasq: allocate");
				goto out;
			}
			chains = p;
		}
		snprintf(chains + n_chains++ * sizeof(xt_chainlabel), sizeof(xt_chainlabel), "%s",
			 c);
	}
	r = gc_chain(ops, h, CHAIN_POST, network, valid, n_valid, &changed, err);
	for (size_t i = 0; r >= 0 && i < n_chains; i++) {
		const char *c = chains + i * sizeof(xt_chainlabel);
		bool touched = false;

		r = gc_chain(ops, h, c, network, valid, n_valid, &touched, err);
		if (r >= 0 && touched) {
			changed = true;
			r = chain_drop_if_empty(ops, h, c, &changed, err);
		}
	}
	if (r >= 0 && changed && !ops->commit(h))
		r = tc_error(ops, err, "commit", CHAIN_POST);
out:
	ops->free(h);
	return r < 0 ? r : 0;
}

/* ---- entry points ---- */

static bool has_family(const struct ipprefix *ips, size_t n_ips, int family)
{
	for (size_t i = 0; i < n_ips; i++)
		if (ips[i].addr.family == family)
			return true;
	return false;
}

int masq_ipt_add(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		 struct cni_error *err)
{
	_cleanup_close_ int lock = -EBADF;
	int r;

	r = xtables_lock(&lock, err);
	if (r < 0)
		return r;
	r = family_add(&tc4, a, ips, n_ips, err);
	if (r < 0)
		return r;
	r = family_add(&tc6, a, ips, n_ips, err);
	if (r < 0)
		goto undo_v4;
	return 0;

undo_v4:
	if (has_family(ips, n_ips, AF_INET))
		(void)family_del(&tc4, a, NULL);
	return r;
}

int masq_ipt_del(const struct masq_attachment *a, struct cni_error *err)
{
	_cleanup_close_ int lock = -EBADF;
	int r, q;

	r = xtables_lock(&lock, err);
	if (r < 0)
		return r;
	r = family_del(&tc4, a, err);
	q = family_del(&tc6, a, err);
	return r < 0 ? r : q;
}

int masq_ipt_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err)
{
	int r = family_check(&tc4, a, ips, n_ips, err);

	return r < 0 ? r : family_check(&tc6, a, ips, n_ips, err);
}

int masq_ipt_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		struct cni_error *err)
{
	_cleanup_close_ int lock = -EBADF;
	int r, q;

	r = xtables_lock(&lock, err);
	if (r < 0)
		return r;
	r = family_gc(&tc4, network, valid, n_valid, err);
	q = family_gc(&tc6, network, valid, n_valid, err);
	return r < 0 ? r : q;
}
