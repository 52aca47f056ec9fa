/* ipMasq through libnftables, in upstream's table layout (plugins v1.6: ipmasq_nftables_linux.go):
 *   table inet cni_plugins_masquerade {
 *     chain postrouting { type nat hook postrouting priority srcnat;
 *       ip daddr 224.0.0.0/4 return; ip6 daddr ff00::/8 return; goto masq_checks }
 *     chain masq_checks {
 *       ip saddr <ip> ip daddr != <subnet> masquerade comment "<tag>, net: .., if: .., id: .."
 *   } }
 * One atomic transaction per call; stale rules of the same attachment are replaced in it.
 * Rules are found through a JSON listing with handles (needs no IPs). The table itself stays
 * when its last rule goes: deleting it could race with a concurrent ADD (as upstream). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <nftables/libnftables.h>

#include "macro.h"
#include "masq_internal.h"
#include "sha512.h"

#define T "inet " MASQ_NFT_TABLE

DEFINE_CLEANUP(cJSON *, cJSON_Delete)
DEFINE_CLEANUP(struct nft_ctx *, nftx_close)

/* ---- libnftables helpers ---- */

int nftx_open(struct nft_ctx **ret, struct cni_error *err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!ctx)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: create libnftables context");
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: buffer libnftables output");
	}
	*ret = ctx;
	return 0;
}

void nftx_close(struct nft_ctx *ctx)
{
	if (ctx)
		nft_ctx_free(ctx);
}

static void trim_copy(char *dst, size_t n, const char *src)
{
	size_t l;

	snprintf(dst, n, "%s", src ? src : "");
	l = strlen(dst);
	while (l > 0 && (dst[l - 1] == '\n' || dst[l - 1] == ' '))
		dst[--l] = 0;
}

int nftx_run(struct nft_ctx *ctx, const char *cmds, const char *what, struct cni_error *err)
{
	char details[1000];
	int e;

	nft_ctx_output_set_flags(ctx, 0);
	if (nft_run_cmd_from_buffer(ctx, cmds) == 0) {
		(void)nft_ctx_get_output_buffer(ctx);
		return 0;
	}
	trim_copy(details, sizeof(details), nft_ctx_get_error_buffer(ctx));
	e = strstr(details, "No such file or directory") ? ENOENT
	    : strstr(details, "Operation not permitted") ? EPERM
							  : EIO;
	return cni_error_set(err, CNI_ERR_INTERNAL, e, details, "nftables: %s", what);
}

int nftx_list(struct nft_ctx *ctx, const char *cmd, cJSON **ret, struct cni_error *err)
{
	char details[1000];
	cJSON *j;

	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		trim_copy(details, sizeof(details), nft_ctx_get_error_buffer(ctx));
		(void)nft_ctx_get_output_buffer(ctx);
		if (strstr(details, "No such file or directory")) {
			*ret = NULL;
			return 0;
		}
		return cni_error_set(err, CNI_ERR_INTERNAL, EIO, details, "nftables: %s", cmd);
	}
	j = cJSON_Parse(nft_ctx_get_output_buffer(ctx));
	if (!j || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "nftables"))) {
		cJSON_Delete(j);
		return cni_error_set(err, CNI_ERR_INTERNAL, EBADMSG, NULL,
				     "nftables: unexpected JSON from '%s'", cmd);
	}
	*ret = j;
	return 0;
}

char *nftx_sanitize(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '_';
	buf[i] = 0;
	return buf;
}

/* ---- names ---- */

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

/* ---- JSON listing ---- */

/* Calls fn for every rule object of `chain` in a listing. */
#define for_each_rule(listing, chain_name, rule)                                                   \
	for (const cJSON *_it = (listing) ? cJSON_GetObjectItemCaseSensitive(listing, "nftables")  \
						->child                                            \
					  : NULL;                                                  \
	     _it; _it = _it->next)                                                                 \
		for (const cJSON *rule = cJSON_GetObjectItemCaseSensitive(_it, "rule"); rule;      \
		     rule = NULL)                                                                  \
			if (rule_in_chain(rule, chain_name))

static bool rule_in_chain(const cJSON *rule, const char *chain)
{
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "chain"));

	return c && strcmp(c, chain) == 0;
}

static const char *rule_comment(const cJSON *rule)
{
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "comment"));

	return c ? c : "";
}

static long rule_handle(const cJSON *rule)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(rule, "handle");

	return cJSON_IsNumber(h) ? (long)h->valuedouble : -1;
}

/* `delete rule` for every rule of masq_checks whose comment starts with prefix and whose
 * attachment tag (after the network part) is not kept. Returns how many were written. */
typedef bool (*rule_pred)(const char *comment, const void *arg);

static int emit_deletes(FILE *f, const cJSON *listing, rule_pred stale, const void *arg)
{
	int n = 0;

	for_each_rule(listing, "masq_checks", rule) {
		long h = rule_handle(rule);

		if (h >= 0 && stale(rule_comment(rule), arg)) {
			fprintf(f, "delete rule " T " masq_checks handle %ld\n", h);
			n++;
		}
	}
	return n;
}

static bool pred_instance(const char *comment, const void *arg)
{
	return strncmp(comment, arg, MASQ_NFT_TAG_LEN) == 0;
}

/* Run a transaction built from a listing. Deleting a handle that vanished meanwhile (a
 * concurrent DEL) fails with ENOENT; the callers then retry once from a fresh listing. */
static int run_or_retry(struct nft_ctx *ctx, const char *buf, const char *what, bool last,
			struct cni_error *err)
{
	struct cni_error tmp = {0};
	int r = nftx_run(ctx, buf, what, &tmp);

	if (r < 0 && (r != -ENOENT || last) && err && !cni_error_is_set(err))
		*err = tmp;
	return r;
}

/* ---- ADD / DEL / CHECK / GC ---- */

static int write_add(FILE *f, const cJSON *listing, const struct masq_attachment *a,
		     const char *tag, const struct ipprefix *ips, size_t n_ips)
{
	char comment[128], ip[IPADDR_STRLEN], net[IPPREFIX_STRLEN];
	struct ipprefix subnet;

	masq_nft_comment(a, comment);
	fputs("add table " T "\n"
	      "add chain " T " masq_checks\n"
	      "add chain " T " postrouting { type nat hook postrouting priority srcnat; }\n"
	      "flush chain " T " postrouting\n"
	      "add rule " T " postrouting ip daddr 224.0.0.0/4 return\n"
	      "add rule " T " postrouting ip6 daddr ff00::/8 return\n"
	      "add rule " T " postrouting goto masq_checks\n",
	      f);
	(void)emit_deletes(f, listing, pred_instance, tag);
	for (size_t i = 0; i < n_ips; i++) {
		const char *p = ips[i].addr.family == AF_INET ? "ip" : "ip6";

		ipprefix_network(&ips[i], &subnet);
		fprintf(f, "add rule " T " masq_checks %s saddr %s %s daddr != %s masquerade comment \"%s\"\n",
			p, ipaddr_format(&ips[i].addr, ip), p, ipprefix_format(&subnet, net),
			comment);
	}
	return 0;
}

int masq_nft_add(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		 struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	char tag[MASQ_NFT_TAG_LEN + 1];
	int r = 0;

	masq_nft_tag(a->network, a->ifname, a->container_id, tag);
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	for (int attempt = 0; attempt < 2; attempt++) {
		_cleanup_(cJSON_Deletep) cJSON *listing = NULL;
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		FILE *f;

		r = nftx_list(ctx, "list chain " T " masq_checks", &listing, err);
		if (r < 0)
			return r;
		f = open_memstream(&buf, &len);
		if (!f)
			return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
					     "nftables: allocate command buffer");
		write_add(f, listing, a, tag, ips, n_ips);
		if (fclose(f) != 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
					     "nftables: write command buffer");
		r = run_or_retry(ctx, buf, "add masquerade rules", attempt == 1, err);
		if (r != -ENOENT)
			break;
	}
	return r;
}

static int delete_where(struct nft_ctx *ctx, rule_pred stale, const void *arg, const char *what,
			struct cni_error *err)
{
	int r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		_cleanup_(cJSON_Deletep) cJSON *listing = NULL;
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		FILE *f;
		int n;

		r = nftx_list(ctx, "list chain " T " masq_checks", &listing, err);
		if (r < 0 || !listing)
			return r;
		f = open_memstream(&buf, &len);
		if (!f)
			return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
					     "nftables: allocate command buffer");
		n = emit_deletes(f, listing, stale, arg);
		if (fclose(f) != 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
					     "nftables: write command buffer");
		if (n == 0)
			return 0;
		r = run_or_retry(ctx, buf, what, attempt == 1, err);
		if (r != -ENOENT)
			break;
	}
	return r;
}

int masq_nft_del(const struct masq_attachment *a, struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	char tag[MASQ_NFT_TAG_LEN + 1];
	int r;

	masq_nft_tag(a->network, a->ifname, a->container_id, tag);
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	return delete_where(ctx, pred_instance, tag, "delete masquerade rules", err);
}

struct gc_arg {
	const char *network;
	const struct cni_attachment *valid;
	size_t n_valid;
};

static bool pred_gc(const char *comment, const void *arg)
{
	const struct gc_arg *g = arg;
	char tag[MASQ_NFT_TAG_LEN + 1];

	masq_nft_tag(g->network, "", "", tag);
	if (strlen(comment) < MASQ_NFT_TAG_LEN || strncmp(comment, tag, 17) != 0)
		return false; /* another network, or not ours */
	for (size_t i = 0; i < g->n_valid; i++) {
		masq_nft_tag(g->network, g->valid[i].ifname, g->valid[i].container_id, tag);
		if (strncmp(comment, tag, MASQ_NFT_TAG_LEN) == 0)
			return false;
	}
	return true;
}

int masq_nft_gc(const char *network, const struct cni_attachment *valid, size_t n_valid,
		struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	struct gc_arg g = {network, valid, n_valid};
	int r;

	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	return delete_where(ctx, pred_gc, &g, "delete stale masquerade rules", err);
}

/* {"match":{"op":OP,"left":{"payload":{"protocol":P,"field":F}},"right":R}} */
static const cJSON *match_expr(const cJSON *e, const char *op, const char *proto,
			       const char *field)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "match");
	const cJSON *pl = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(m, "left"), "payload");
	const char *o = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "op"));
	const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "protocol"));
	const char *f = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pl, "field"));

	if (!o || !p || !f || strcmp(o, op) != 0 || strcmp(p, proto) != 0 || strcmp(f, field) != 0)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(m, "right");
}

static bool json_addr_is(const cJSON *v, const struct ipaddr *want)
{
	struct ipaddr got;
	const char *s = cJSON_GetStringValue(v);

	return s && ipaddr_parse(s, &got) == 0 && ipaddr_equal(&got, want);
}

static bool json_prefix_is(const cJSON *v, const struct ipprefix *want)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(v, "prefix");
	const cJSON *len = cJSON_GetObjectItemCaseSensitive(p, "len");

	if (!p) /* a full-length prefix is printed as a bare address */
		return want->len == ipaddr_bits(want->addr.family) &&
		       json_addr_is(v, &want->addr);
	return cJSON_IsNumber(len) && (unsigned)len->valuedouble == want->len &&
	       json_addr_is(cJSON_GetObjectItemCaseSensitive(p, "addr"), &want->addr);
}

static bool rule_is_masq(const cJSON *rule, const struct ipprefix *ip)
{
	const cJSON *expr = cJSON_GetObjectItemCaseSensitive(rule, "expr");
	const char *p = ip->addr.family == AF_INET ? "ip" : "ip6";
	struct ipprefix subnet;

	ipprefix_network(ip, &subnet);
	return cJSON_GetArraySize(expr) == 3 &&
	       json_addr_is(match_expr(cJSON_GetArrayItem(expr, 0), "==", p, "saddr"),
			    &ip->addr) &&
	       json_prefix_is(match_expr(cJSON_GetArrayItem(expr, 1), "!=", p, "daddr"),
			      &subnet) &&
	       cJSON_HasObjectItem(cJSON_GetArrayItem(expr, 2), "masquerade");
}

static bool postrouting_ok(const cJSON *listing)
{
	for_each_rule(listing, "postrouting", rule) {
		const cJSON *expr = cJSON_GetObjectItemCaseSensitive(rule, "expr");
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(expr, 0),
								  "goto");
		const char *target =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "target"));

		if (target && strcmp(target, "masq_checks") == 0)
			return true;
	}
	return false;
}

int masq_nft_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_(cJSON_Deletep) cJSON *listing = NULL;
	char comment[128], buf[IPPREFIX_STRLEN];
	int r;

	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	r = nftx_list(ctx, "list table " T, &listing, err);
	if (r < 0)
		return r;
	if (!listing)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables table '" T "' missing");
	if (!postrouting_ok(listing))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables chain '" T " postrouting' lacks 'goto masq_checks'");
	masq_nft_comment(a, comment);
	for (size_t i = 0; i < n_ips; i++) {
		bool found = false;

		for_each_rule(listing, "masq_checks", rule) {
			if (strcmp(rule_comment(rule), comment) == 0 && rule_is_masq(rule, &ips[i]))
				found = true;
		}
		if (!found)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "ipMasq: nftables masquerade rule for %s (comment \"%s\") missing",
					     ipprefix_format(&ips[i], buf), comment);
	}
	return 0;
}

bool masq_nft_table_present(void)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_(cJSON_Deletep) cJSON *listing = NULL;

	if (nftx_open(&ctx, NULL) < 0)
		return false;
	return nftx_list(ctx, "list table " T, &listing, NULL) == 0 && listing;
}
