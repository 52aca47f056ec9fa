/* ipMasq through libnftables, in upstream's table layout (plugins v1.6: ipmasq_nftables_linux.go):
 *   table inet cni_plugins_masquerade {
 *     chain postrouting { type nat hook postrouting priority srcnat;
 *       ip daddr 224.0.0.0/4 return; ip6 daddr ff00::/8 return; goto masq_checks }
 *     chain masq_checks {
 *       ip saddr <ip> ip daddr != <subnet> masquerade comment "<tag>, net: .., if: .., id: .."
 *   } }
 * One atomic transaction per call; stale rules of the same attachment are replaced in it.
 * Rules are found through a text listing with handles (needs no IPs). The table itself stays
 * when its last rule goes: deleting it could race with a concurrent ADD (as upstream). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "macro.h"
#include "masq_internal.h"
#include "sha512.h"

#define T "inet " MASQ_NFT_TABLE

DEFINE_CLEANUP(struct nft_ctx *, nftx_close)

/* ---- libnftables helpers ---- */

/* libnftables is opened on first use, not linked: it drags in libnftnl, libmnl, libxtables,
 * libjansson and libgmp, whose loading and relocation every exec of the bridge would pay
 * (measured with LD_DEBUG=statistics: ~3-4x the dynamic loader time of a binary without them)
 * although most configs never masquerade or filter MACs. */
static struct {
	bool loaded;
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_ctx_get_output_buffer) *get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__(nft_ctx_output_set_flags) *output_set_flags;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
} nft;

#define NFT_SONAME "libnftables.so.1"

static int nft_load(struct cni_error *err)
{
	void *h;

	if (nft.loaded)
		return 0;
	h = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return cni_error_set(err, CNI_ERR_INTERNAL, ELIBACC, dlerror(),
				     "nftables: load " NFT_SONAME);
#define SYM(field, name)                                            \
	if (!(*(void **)&nft.field = dlsym(h, #name)))              \
	return cni_error_set(err, CNI_ERR_INTERNAL, ELIBBAD, #name, \
			     "nftables: symbol missing in " NFT_SONAME)
	SYM(ctx_new, nft_ctx_new);
	SYM(ctx_free, nft_ctx_free);
	SYM(buffer_output, nft_ctx_buffer_output);
	SYM(buffer_error, nft_ctx_buffer_error);
	SYM(get_output_buffer, nft_ctx_get_output_buffer);
	SYM(get_error_buffer, nft_ctx_get_error_buffer);
	SYM(output_set_flags, nft_ctx_output_set_flags);
	SYM(run_cmd_from_buffer, nft_run_cmd_from_buffer);
#undef SYM
	nft.loaded = true; /* the handle stays open for the life of the process */
	return 0;
}

bool nftx_available(void)
{
	return nft_load(NULL) == 0;
}

int nftx_open(struct nft_ctx **ret, struct cni_error *err)
{
	struct nft_ctx *ctx;
	int r = nft_load(err);

	if (r < 0)
		return r;
	ctx = nft.ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: create libnftables context");
	if (nft.buffer_output(ctx) < 0 || nft.buffer_error(ctx) < 0) {
		nft.ctx_free(ctx);
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: buffer libnftables output");
	}
	*ret = ctx;
	return 0;
}

void nftx_close(struct nft_ctx *ctx)
{
	if (ctx)
		nft.ctx_free(ctx);
}

static void trim_copy(char *dst, size_t n, const char *src)
{
	size_t l;

	snprintf(dst, n, "%s", src ? src : "");
	l = strlen(dst);
	while (l > 0 && (dst[l - 1] == '\n' || dst[l - 1] == ' '))
		dst[--l] = 0;
}

/* libnftables exit()s the whole process on some netlink failures ("nf_tables kernel ABI is
 * broken", e.g. ENOBUFS while reading a reply), which would kill the plugin mid-ADD with no
 * error JSON and no rollback. Each command therefore runs in a forked child that sends back
 * nft's return code, output and error text; the child's death is an ordinary error here. */
struct nft_reply {
	int rc; /* nft_run_cmd_from_buffer()'s, or -1 when the child died */
	char *out;
	char err[1000];
};

static void child_run(struct nft_ctx *ctx, const char *cmd, int fd)
{
	int rc = nft.run_cmd_from_buffer(ctx, cmd);
	const char *out = nft.get_output_buffer(ctx), *e = nft.get_error_buffer(ctx);
	size_t lens[2] = {out ? strlen(out) : 0, e ? strlen(e) : 0};
	struct iovec iov[4] = {{&rc, sizeof(rc)},
			       {lens, sizeof(lens)},
			       {(void *)out, lens[0]},
			       {(void *)e, lens[1]}};
	size_t total = sizeof(rc) + sizeof(lens) + lens[0] + lens[1], done = 0;

	while (done < total) {
		ssize_t k = writev(fd, iov, 4);
		if (k <= 0)
			_exit(1);
		done += (size_t)k;
		for (int i = 0; i < 4; i++) { /* advance past what was written */
			size_t step = (size_t)k < iov[i].iov_len ? (size_t)k : iov[i].iov_len;
			iov[i].iov_base = (char *)iov[i].iov_base + step;
			iov[i].iov_len -= step;
			k -= (ssize_t)step;
		}
	}
	_exit(0);
}

static int nft_call(struct nft_ctx *ctx, const char *cmd, unsigned flags, struct nft_reply *ret,
		    struct cni_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0, lens[2];
	int fds[2], status;
	pid_t pid;

	nft.output_set_flags(ctx, flags);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "nftables: create pipe");
	fflush(NULL); /* the child must not repeat our buffered output if nft calls exit() */
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "nftables: fork");
	}
	if (pid == 0) {
		close(fds[0]);
		child_run(ctx, cmd, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		if (cap - len < 4096) {
			char *p = realloc(buf, cap = cap ? cap * 2 : 16384);
			if (!p) {
				close(fds[0]);
				(void)waitpid(pid, &status, 0);
				return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
						     "nftables: out of memory");
			}
			buf = p;
		}
		ssize_t k = read(fds[0], buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	memset(ret, 0, sizeof(*ret));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len < sizeof(int) + sizeof(lens)) {
		ret->rc = -1;
		snprintf(ret->err, sizeof(ret->err),
			 "libnftables ended its process (status 0x%x) running: %s", status, cmd);
		return 0;
	}
	memcpy(&ret->rc, buf, sizeof(int));
	memcpy(lens, buf + sizeof(int), sizeof(lens));
	if (sizeof(int) + sizeof(lens) + lens[0] + lens[1] != len)
		return cni_error_set(err, CNI_ERR_INTERNAL, EPROTO, NULL,
				     "nftables: short reply from worker");
	char *out = buf + sizeof(int) + sizeof(lens);
	char text[sizeof(ret->err)];
	snprintf(text, sizeof(text), "%.*s", (int)lens[1], out + lens[0]);
	trim_copy(ret->err, sizeof(ret->err), text);
	if (!(ret->out = strndup(out, lens[0])))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "nftables: out of memory");
	return 0;
}

int nftx_run(struct nft_ctx *ctx, const char *cmds, const char *what, struct cni_error *err)
{
	struct nft_reply rep;
	int r = nft_call(ctx, cmds, 0, &rep, err), e;

	if (r < 0)
		return r;
	free(rep.out);
	if (rep.rc == 0)
		return 0;
	e = strstr(rep.err, "No such file or directory") ? ENOENT
	    : strstr(rep.err, "Operation not permitted") ? EPERM
							 : EIO;
	return cni_error_set(err, CNI_ERR_INTERNAL, e, rep.err, "nftables: %s", what);
}

int nftx_list(struct nft_ctx *ctx, const char *cmd, char **ret, struct cni_error *err)
{
	struct nft_reply rep;
	int r = nft_call(ctx, cmd, NFT_CTX_OUTPUT_HANDLE, &rep, err);

	if (r < 0)
		return r;
	if (rep.rc != 0) {
		free(rep.out);
		/* Missing table/chain, or a kernel without nf_tables: nothing of ours there. */
		if (strstr(rep.err, "No such file or directory") ||
		    strstr(rep.err, "not supported")) {
			*ret = NULL;
			return 0;
		}
		return cni_error_set(err, CNI_ERR_INTERNAL, EIO, rep.err, "nftables: %s", cmd);
	}
	*ret = rep.out;
	return 0;
}

/* Text listings look like
 *   table inet x { # handle 5
 *   \tchain c { # handle 1
 *   \t\ttype nat hook postrouting priority srcnat; policy accept;
 *   \t\tip saddr 10.0.0.5 ... comment "..." # handle 7
 * Rule lines are the doubly indented ones ending in "# handle N". */
void nftx_for_each_rule(char *listing, bool (*fn)(const struct nftx_rule *r, void *arg), void *arg)
{
	const char *chain = "";

	for (char *line = listing, *next; line && *line; line = next) {
		char *h, *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (strncmp(line, "\tchain ", 7) == 0) {
			chain = line + 7;
			end = strchr(line + 7, ' ');
			if (end)
				*end = 0;
			continue;
		}
		h = strstr(line, " # handle ");
		if (strncmp(line, "\t\t", 2) != 0 || !h)
			continue;
		struct nftx_rule r = {.chain = chain, .text = line + 2, .comment = ""};

		r.handle = strtol(h + 10, NULL, 10);
		*h = 0;
		end = strstr(line, " comment \"");
		if (end && h > end + 10 && h[-1] == '"') {
			r.comment = end + 10;
			r.comment_len = (size_t)(h - 1 - r.comment);
		}
		if (!fn(&r, arg))
			return;
	}
}

bool nftx_has_chain(const char *listing, const char *name)
{
	size_t l = strlen(name);

	for (const char *p = listing; p && (p = strstr(p, "\tchain ")); p += 7)
		if (strncmp(p + 7, name, l) == 0 && p[7 + l] == ' ')
			return true;
	return false;
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

/* ---- listing ---- */

typedef bool (*rule_pred)(const struct nftx_rule *r, const void *arg);

struct emit {
	FILE *f;
	rule_pred stale;
	const void *arg;
	int n;
};

static bool emit_one(const struct nftx_rule *r, void *arg)
{
	struct emit *e = arg;

	if (strcmp(r->chain, "masq_checks") == 0 && r->handle > 0 && e->stale(r, e->arg)) {
		fprintf(e->f, "delete rule " T " masq_checks handle %ld\n", r->handle);
		e->n++;
	}
	return true;
}

/* `delete rule` for every rule of masq_checks the predicate calls stale. */
static int emit_deletes(FILE *f, char *listing, rule_pred stale, const void *arg)
{
	struct emit e = {f, stale, arg, 0};

	if (listing)
		nftx_for_each_rule(listing, emit_one, &e);
	return e.n;
}

static bool pred_instance(const struct nftx_rule *r, const void *tag)
{
	return r->comment_len >= MASQ_NFT_TAG_LEN &&
	       strncmp(r->comment, tag, MASQ_NFT_TAG_LEN) == 0;
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

/* The rule exactly as nft lists it (used to write it and to CHECK it). */
static void masq_rule_text(const struct ipprefix *ip, const char *comment, char *buf, size_t n)
{
	char a[IPADDR_STRLEN], net[IPPREFIX_STRLEN];
	const char *p = ip->addr.family == AF_INET ? "ip" : "ip6";
	struct ipprefix subnet;

	ipprefix_network(ip, &subnet);
	snprintf(buf, n, "%s saddr %s %s daddr != %s masquerade comment \"%s\"", p,
		 ipaddr_format(&ip->addr, a), p, ipprefix_format(&subnet, net), comment);
}

static void write_add(FILE *f, char *listing, const struct masq_attachment *a, const char *tag,
		      const struct ipprefix *ips, size_t n_ips)
{
	char comment[128], rule[512];

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
		masq_rule_text(&ips[i], comment, rule, sizeof(rule));
		fprintf(f, "add rule " T " masq_checks %s\n", rule);
	}
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
		_cleanup_free_ char *listing = NULL, *buf = NULL;
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
		_cleanup_free_ char *listing = NULL, *buf = NULL;
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
	/* Without libnftables nothing can hold rules we made with it: DEL stays idempotent. */
	if (!nftx_available())
		return 0;
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	return delete_where(ctx, pred_instance, tag, "delete masquerade rules", err);
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
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_free_ char(*tags)[MASQ_NFT_TAG_LEN + 1] = calloc(n_valid + 1, sizeof(*tags));
	struct gc_arg g = {.valid_tags = tags, .n_valid = n_valid};
	int r;

	if (!tags)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "ipMasq: allocate");
	masq_nft_tag(network, "", "", g.net_tag);
	for (size_t i = 0; i < n_valid; i++)
		masq_nft_tag(network, valid[i].ifname, valid[i].container_id, tags[i]);
	if (!nftx_available())
		return 0;
	r = nftx_open(&ctx, err);
	if (r < 0)
		return r;
	return delete_where(ctx, pred_gc, &g, "delete stale masquerade rules", err);
}

struct check_arg {
	const char *want; /* rule text */
	const char *chain;
	bool found;
};

static bool find_text(const struct nftx_rule *r, void *arg)
{
	struct check_arg *c = arg;

	if (strcmp(r->chain, c->chain) == 0 && strcmp(r->text, c->want) == 0)
		c->found = true;
	return !c->found;
}

static bool listing_has(const char *listing, const char *chain, const char *want)
{
	_cleanup_free_ char *copy = strdup(listing);
	struct check_arg c = {want, chain, false};

	if (copy)
		nftx_for_each_rule(copy, find_text, &c);
	return c.found;
}

int masq_nft_check(const struct masq_attachment *a, const struct ipprefix *ips, size_t n_ips,
		   struct cni_error *err)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_free_ char *listing = NULL;
	char comment[128], rule[512];
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
	if (!listing_has(listing, "postrouting", "goto masq_checks"))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				     "ipMasq: nftables chain '" T
				     " postrouting' lacks 'goto masq_checks'");
	masq_nft_comment(a, comment);
	for (size_t i = 0; i < n_ips; i++) {
		masq_rule_text(&ips[i], comment, rule, sizeof(rule));
		if (!listing_has(listing, "masq_checks", rule))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
					     "ipMasq: nftables rule '%s' missing in " T
					     " masq_checks",
					     rule);
	}
	return 0;
}

bool masq_nft_table_present(void)
{
	_cleanup_(nftx_closep) struct nft_ctx *ctx = NULL;
	_cleanup_free_ char *listing = NULL;

	if (nftx_open(&ctx, NULL) < 0)
		return false;
	return nftx_list(ctx, "list table " T, &listing, NULL) == 0 && listing;
}
