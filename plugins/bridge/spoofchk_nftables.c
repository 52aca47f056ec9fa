/* macspoofchk through libnftables, in the reference's layout (pkg/link/spoofcheck.go):
 *   table bridge nat {
 *     chain PREROUTING { type filter hook prerouting priority -300; policy accept;
 *       iifname "<hostveth>" jump cni-br-iface-<id>-<if> comment "macspoofchk-<id>-<if>" }
 *     chain cni-br-iface-<id>-<if> { jump cni-br-iface-<id>-<if>-mac comment ... }
 *     chain cni-br-iface-<id>-<if>-mac { ether saddr <mac> return comment ...; drop comment ... }
 *   }
 * Differences: one transaction per call instead of two, and teardown errors are reported
 * instead of only logged. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <nftables/libnftables.h>

#include "macro.h"
#include "masq_internal.h"
#include "spoofchk.h"

#define BT "bridge nat"

DEFINE_CLEANUP(cJSON *, cJSON_Delete)
DEFINE_CLEANUP(struct nft_ctx *, nftx_close)

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

static int make_names(const struct spoofchk_attachment *a, bool need_link, struct names *n,
		      struct cni_error *err)
{
	if (!name_ok(a->container_id) || !name_ok(a->ifname))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "macspoofchk: container ID \"%s\" / ifname \"%s\" not usable in nftables chain names",
				     a->container_id ? a->container_id : "",
				     a->ifname ? a->ifname : "");
	if (need_link && (!name_ok(a->host_ifname) || !mac_ok(a->mac)))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINVAL, NULL,
				     "macspoofchk: host interface \"%s\" / MAC \"%s\" not usable",
				     a->host_ifname ? a->host_ifname : "", a->mac ? a->mac : "");
	if ((size_t)snprintf(n->chain, sizeof(n->chain), "cni-br-iface-%s-%s", a->container_id,
			     a->ifname) >= sizeof(n->chain) ||
	    (size_t)snprintf(n->comment, sizeof(n->comment), "macspoofchk-%s-%s", a->container_id,
			     a->ifname) >= sizeof(n->comment))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENAMETOOLONG, NULL,
				     "macspoofchk: container ID \"%s\" too long for a chain name",
				     a->container_id);
	snprintf(n->mac_chain, sizeof(n->mac_chain), "%s-mac", n->chain);
	return 0;
}

static const char *str_at(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));

	return s ? s : "";
}

/* Iterate the objects of kind `kind` ("rule", "chain") in a listing. */
#define for_each_obj(listing, kind, obj)                                                           \
	for (const cJSON *_it = (listing) ? cJSON_GetObjectItemCaseSensitive(listing, "nftables")  \
						->child                                            \
					  : NULL;                                                  \
	     _it; _it = _it->next)                                                                 \
		for (const cJSON *obj = cJSON_GetObjectItemCaseSensitive(_it, kind); obj;          \
		     obj = NULL)

static bool has_chain(const cJSON *listing, const char *name)
{
	for_each_obj(listing, "chain", c) {
		if (strcmp(str_at(c, "name"), name) == 0)
			return true;
	}
	return false;
}

/* `delete rule` for our jump(s) in PREROUTING. */
static void emit_delete_jumps(FILE *f, const cJSON *listing, const struct names *n)
{
	for_each_obj(listing, "rule", r) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(r, "handle");

		if (strcmp(str_at(r, "chain"), "PREROUTING") == 0 &&
		    strcmp(str_at(r, "comment"), n->comment) == 0 && cJSON_IsNumber(h))
			fprintf(f, "delete rule " BT " PREROUTING handle %ld\n", (long)h->valuedouble);
	}
}

static int run_built(struct nft_ctx *ctx, const cJSON *listing, const struct names *n,
		     const struct spoofchk_attachment *add, const char *what, bool last,
		     struct cni_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct cni_error tmp = {0};
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "macspoofchk: allocate command buffer");
	emit_delete_jumps(f, listing, n);
	if (add) {
		fprintf(f,
			"add table " BT "\n"
			"add chain " BT " PREROUTING { type filter hook prerouting priority -300; policy accept; }\n"
			"add chain " BT " %1$s\n"
			"flush chain " BT " %1$s\n"
			"add chain " BT " %2$s\n"
			"flush chain " BT " %2$s\n"
			"add rule " BT " %1$s jump %2$s comment \"%3$s\"\n"
			"add rule " BT " %2$s ether saddr %4$s return comment \"%3$s\"\n"
			"add rule " BT " %2$s drop comment \"%3$s\"\n"
			"add rule " BT " PREROUTING iifname \"%5$s\" jump %1$s comment \"%3$s\"\n",
			n->chain, n->mac_chain, n->comment, add->mac, add->host_ifname);
	} else {
		if (has_chain(listing, n->chain))
			fprintf(f, "flush chain " BT " %s\n", n->chain);
		if (has_chain(listing, n->mac_chain))
			fprintf(f, "flush chain " BT " %s\n", n->mac_chain);
		if (has_chain(listing, n->chain))
			fprintf(f, "delete chain " BT " %s\n", n->chain);
		if (has_chain(listing, n->mac_chain))
			fprintf(f, "delete chain " BT " %s\n", n->mac_chain);
	}
	if (fclose(f) != 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "macspoofchk: write command buffer");
	if (len == 0)
		return 0;
	r = nftx_run(ctx, buf, what, &tmp);
	if (r < 0 && (r != -ENOENT || last) && err && !cni_error_is_set(err))
		*err = tmp;
	return r;
}

static int apply(const struct spoofchk_attachment *a, bool add, struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	struct names n;
	int r;

	r = make_names(a, add, &n, err);
	if (r < 0)
		return r;
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	/* A handle or chain that vanished between listing and transaction (a concurrent DEL)
	 * fails with ENOENT: list again once. */
	for (int attempt = 0; attempt < 2; attempt++) {
		_cleanup_(cJSON_Deletep) cJSON *listing = NULL;

		r = nftx_list(ctx, "list table " BT, &listing, err);
		if (r < 0)
			return r;
		if (!listing && !add)
			return 0;
		r = run_built(ctx, listing, &n, add ? a : NULL,
			      add ? "install macspoofchk rules" : "remove macspoofchk rules",
			      attempt == 1, err);
		if (r != -ENOENT)
			break;
	}
	return r;
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

static const cJSON *expr_at(const cJSON *rule, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rule, "expr"), i);
}

static int n_expr(const cJSON *rule)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule, "expr"));
}

/* {"match":{"op":"==","left":{<kind>:{<k>:<v>...}},"right":"<want>"}} */
static bool match_is(const cJSON *e, const char *kind, const char *key, const char *val,
		     const char *want)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "match");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "left"),
							  kind);

	return m && l && strcmp(str_at(m, "op"), "==") == 0 && strcmp(str_at(l, key), val) == 0 &&
	       strcasecmp(str_at(m, "right"), want) == 0;
}

static bool verdict_is(const cJSON *e, const char *verdict, const char *target)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, verdict);

	if (!cJSON_HasObjectItem(e, verdict))
		return false;
	return !target || strcmp(str_at(v, "target"), target) == 0;
}

int spoofchk_check(const struct spoofchk_attachment *a, struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_(cJSON_Deletep) cJSON *listing = NULL;
	bool jump = false, to_mac = false, ret_mac = false, drop = false;
	struct names n;
	int r;

	r = make_names(a, true, &n, err);
	if (r < 0)
		return r;
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	r = nftx_list(ctx, "list table " BT, &listing, err);
	if (r < 0)
		return r;
	for_each_obj(listing, "rule", rule) {
		const char *chain = str_at(rule, "chain");

		if (strcmp(str_at(rule, "comment"), n.comment) != 0)
			continue;
		if (strcmp(chain, "PREROUTING") == 0 && n_expr(rule) == 2 &&
		    match_is(expr_at(rule, 0), "meta", "key", "iifname", a->host_ifname) &&
		    verdict_is(expr_at(rule, 1), "jump", n.chain))
			jump = true;
		else if (strcmp(chain, n.chain) == 0 && n_expr(rule) == 1 &&
			 verdict_is(expr_at(rule, 0), "jump", n.mac_chain))
			to_mac = true;
		else if (strcmp(chain, n.mac_chain) == 0 && n_expr(rule) == 2 &&
			 match_is(expr_at(rule, 0), "payload", "field", "saddr", a->mac) &&
			 verdict_is(expr_at(rule, 1), "return", NULL))
			ret_mac = true;
		else if (strcmp(chain, n.mac_chain) == 0 && n_expr(rule) == 1 &&
			 verdict_is(expr_at(rule, 0), "drop", NULL))
			drop = true;
	}
	if (!jump)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "macspoofchk: rule 'iifname \"%s\" jump %s' missing in " BT " PREROUTING",
				     a->host_ifname, n.chain);
	if (!to_mac || !ret_mac || !drop)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "macspoofchk: rules for MAC %s missing or different in chain %s",
				     a->mac, n.mac_chain);
	return 0;
}
