/* host-local IPAM plugin: the verbs. One flock covers a whole request (the reference locks per
 * range set), so an ADD is all-or-nothing across range sets. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attachment_lock.h"
#include "cni_c_version.h"
#include "hostlocal.h"

#define OWNER_MAX STORE_OWNER_MAX

struct ipam_ctx {
	const struct cni_request *req;
	struct ipam_conf conf;
	struct store store;
};

#define IPAM_CTX_INIT(r)                                                                   \
	{                                                                                  \
		.req = (r), .store = {.dirfd = -EBADF, .lockfd = -EBADF, .idxfd = -EBADF } \
	}

static void ctx_done(struct ipam_ctx *c)
{
	store_close(&c->store);
	ipam_conf_clear(&c->conf);
}

/* Open the store and take the lock. With !create a missing directory is reported as 0 with
 * store.dirfd < 0 (nothing was ever leased). */
static int ctx_open(struct ipam_ctx *c, bool create, struct cni_error *err)
{
	int r = store_open(&c->store, c->conf.data_dir, c->req->name, create, err);
	if (r == -ENOENT && !create)
		return 0;
	if (r < 0)
		return r;
	return store_lock(&c->store, STORE_LOCK_TIMEOUT_MS, err);
}

static ssize_t set_of(const struct ipam_conf *conf, const struct ipaddr *a)
{
	for (size_t i = 0; i < conf->n_sets; i++)
		if (ipam_rangeset_contains(&conf->sets[i], a, NULL))
			return (ssize_t)i;
	return -1;
}

/* ADD: refuse a second lease for the same (ID, ifname) in any range set (plugins#327). The
 * owner index names the candidates (its entries for "<id>\r\n<ifname>" and for a legacy "<id>"),
 * each verified by reading its lease; without a usable index, scan like the reference. Like the
 * reference, the error names the lowest range set that already has a lease. */
struct dup_ctx {
	const struct ipam_conf *conf;
	const char *id, *ifname;
	ssize_t set; /* -1 = no duplicate */
	char name[IPADDR_STRLEN];
};

static int dup_cb(struct store *s, const struct store_lease *l, void *userdata,
		  struct cni_error *err)
{
	struct dup_ctx *d = userdata;
	ssize_t set = set_of(d->conf, &l->ip);

	(void)s, (void)err;
	if (set < 0 || store_match_owner(l->owner, d->id, d->ifname) == STORE_MATCH_NONE)
		return 0;
	if (d->set < 0 || set < d->set) {
		d->set = set;
		memcpy(d->name, l->name, sizeof(d->name));
	}
	return 0;
}

/* Verify the index's candidates. The owner's exact leases go to keep (they stay in its entry:
 * those outside our ranges are no duplicate). */
static void dup_by_index(struct ipam_ctx *c, const char *owner, struct dup_ctx *d,
			 struct ipaddr *keep, size_t *n_keep)
{
	const char *owners[] = {owner, d->id};

	for (size_t o = 0; o < ARRAY_SIZE(owners); o++) {
		struct ipaddr hint[STORE_INDEX_MAX];
		int n = store_index_get(&c->store, owners[o], hint, ARRAY_SIZE(hint));

		for (int k = 0; k < n; k++) {
			struct store_lease l = {.ip = hint[k]};
			enum store_match m;

			ipaddr_format(&l.ip, l.name);
			if (store_read_lease(&c->store, l.name, l.owner, sizeof(l.owner)) < 0)
				continue; /* a stale hint */
			m = store_match_owner(l.owner, d->id, d->ifname);
			if (m == STORE_MATCH_EXACT && o == 0)
				keep[(*n_keep)++] = l.ip;
			if (m != STORE_MATCH_NONE)
				(void)dup_cb(&c->store, &l, d, NULL);
		}
	}
}

static int check_duplicate(struct ipam_ctx *c, const char *owner, struct ipaddr *keep,
			   size_t *n_keep, struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;
	struct dup_ctx d = {&c->conf, env->container_id, env->ifname, -1, ""};
	int r;

	*n_keep = 0;
	if (c->store.index_ok)
		dup_by_index(c, owner, &d, keep, n_keep);
	if (!c->store.index_ok) {
		d.set = -1;
		if ((r = store_scan(&c->store, true, dup_cb, &d, err)) < 0)
			return r;
	}
	if (d.set < 0)
		return 0;
	return cni_error_set(
		err, CNI_ERR_INTERNAL, EEXIST, NULL,
		"failed to allocate for range %zd: %s has been allocated to %s, duplicate allocation is not allowed",
		d.set, d.name, d.id);
}

/* The requested IP for set i: the first not yet used that lies in the set. */
static const struct ipaddr *take_requested(const struct ipam_conf *conf, size_t i, bool *used)
{
	for (size_t k = 0; k < conf->n_requested; k++)
		if (!used[k] && ipam_rangeset_contains(&conf->sets[i], &conf->requested[k], NULL)) {
			used[k] = true;
			return &conf->requested[k];
		}
	return NULL;
}

static int reserve_requested(struct ipam_ctx *c, size_t i, const char *tmp,
			     const struct ipaddr *want, struct cni_ip *ret, struct cni_error *err)
{
	const struct ipam_rangeset *set = &c->conf.sets[i];
	const struct ipam_range *rg = NULL;
	char a[IPADDR_STRLEN], rs[512];
	int r;

	(void)ipam_rangeset_contains(set, want, &rg);
	if (ipaddr_equal(want, &rg->gateway))
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"failed to allocate for range %zu: requested ip %s is subnet's gateway", i,
			ipaddr_format(want, a));
	if (alloc_is_reserved(rg, want))
		return cni_error_set(
			err, CNI_ERR_CONFIG, EINVAL, NULL,
			"failed to allocate for range %zu: requested ip %s is the network or broadcast address",
			i, ipaddr_format(want, a));
	if ((r = store_reserve(&c->store, tmp, want, err)) < 0)
		return r;
	if (r == 0) {
		ipam_rangeset_format(set, rs, sizeof(rs));
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EADDRINUSE, NULL,
			"failed to allocate for range %zu: requested IP address %s is not available in range set %s",
			i, ipaddr_format(want, a), rs);
	}
	*ret = (struct cni_ip){.address = {.addr = *want, .len = rg->subnet.len},
			       .gateway = rg->gateway,
			       .interface = -1};
	return 0;
}

static int reserve_next(struct ipam_ctx *c, size_t i, const char *tmp, struct cni_ip *ret,
			struct cni_error *err)
{
	const struct ipam_rangeset *set = &c->conf.sets[i];
	const struct ipam_range *rg;
	struct alloc_iter it;
	struct ipaddr cursor, cand;
	char rs[512];
	int r;

	store_get_cursor(&c->store, i, &cursor);
	alloc_iter_init(&it, set, &cursor);
	while (alloc_iter_next(&it, &cand, &rg)) {
		if ((r = store_reserve(&c->store, tmp, &cand, err)) < 0)
			return r;
		if (r == 1) {
			*ret = (struct cni_ip){.address = {.addr = cand, .len = rg->subnet.len},
					       .gateway = rg->gateway,
					       .interface = -1};
			return 0;
		}
	}
	ipam_rangeset_format(set, rs, sizeof(rs));
	return cni_error_set(
		err, CNI_ERR_INTERNAL, ENOSPC, NULL,
		"failed to allocate for range %zu: no IP addresses available in range set: %s", i,
		rs);
}

static int leftover_requested(const struct ipam_conf *conf, const bool *used, struct cni_error *err)
{
	char list[512] = "", a[IPADDR_STRLEN];
	size_t len = 0;

	for (size_t k = 0; k < conf->n_requested; k++)
		if (!used[k] && len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, " %s",
						ipaddr_format(&conf->requested[k], a));
	if (!len)
		return 0;
	return cni_error_set(
		err, CNI_ERR_CONFIG, EINVAL,
		"a requested IP must lie inside rangeStart-rangeEnd of a range set, one per set",
		"failed to allocate all requested IPs:%s", list);
}

/* The owner's entry: the leases it already had (outside our ranges) and the new ones. */
static void index_add(struct ipam_ctx *c, const char *owner, const struct ipaddr *keep,
		      size_t n_keep, const struct cni_result *res)
{
	_cleanup_free_ struct ipaddr *ips = calloc(n_keep + res->n_ips, sizeof(*ips));
	size_t n = 0;

	if (!ips) {
		store_index_put(&c->store, owner, NULL, SIZE_MAX); /* cannot list: unusable */
		return;
	}
	for (size_t k = 0; k < n_keep; k++)
		ips[n++] = keep[k];
	for (size_t k = 0; k < res->n_ips; k++)
		ips[n++] = res->ips[k].address.addr;
	store_index_put(&c->store, owner, ips, n);
}

/* Reserve one address per range set under the lock; on any failure release what this request
 * took, so nothing leaks. */
static int allocate(struct ipam_ctx *c, struct cni_result *res, struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;
	_cleanup_free_ bool *used = calloc(c->conf.n_requested + 1, sizeof(bool));
	struct ipaddr keep[STORE_INDEX_MAX];
	char owner[OWNER_MAX], tmp[64];
	size_t i, n_keep;
	int r;

	if (!used)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (store_owner_format(env->container_id, env->ifname, owner, sizeof(owner)) < 0)
		return cni_error_set(err, CNI_ERR_ENV, ENAMETOOLONG, NULL,
				     "container ID is too long");
	if ((r = check_duplicate(c, owner, keep, &n_keep, err)) < 0)
		return r;
	if ((r = store_prepare(&c->store, owner, tmp, sizeof(tmp), err)) < 0)
		return r;
	for (i = 0; i < c->conf.n_sets; i++) {
		const struct ipaddr *want = take_requested(&c->conf, i, used);
		struct cni_ip ip;
		r = want ? reserve_requested(c, i, tmp, want, &ip, err)
			 : reserve_next(c, i, tmp, &ip, err);
		if (r < 0)
			goto undo_leases;
		if ((r = cni_result_add_ip(res, &ip)) < 0) {
			(void)store_release(&c->store, &ip.address.addr, NULL);
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
			goto undo_leases;
		}
	}
	if ((r = leftover_requested(&c->conf, used, err)) < 0)
		goto undo_leases;
	for (i = 0; i < c->conf.n_sets; i++)
		if ((r = store_set_cursor(&c->store, i, &res->ips[i].address.addr, err)) < 0)
			goto undo_leases;
	store_unlink_tmp(&c->store, tmp);
	index_add(c, owner, keep, n_keep, res);
	return 0;

undo_leases:
	for (size_t k = 0; k < res->n_ips; k++)
		(void)store_release(&c->store, &res->ips[k].address.addr, NULL);
	res->n_ips = 0;
	store_unlink_tmp(&c->store, tmp);
	return r;
}

static int cmd_add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *res = cni_result_new();
	struct ipam_ctx c = IPAM_CTX_INIT(req);
	int r;

	if (!res)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if ((r = ipam_conf_load(req, &c.conf, err)) < 0)
		return r;
	/* Everything that can fail without touching the store goes first. */
	if (c.conf.resolv_conf && (r = resolvconf_parse(c.conf.resolv_conf, &res->dns, err)) < 0)
		goto out;
	for (size_t i = 0; i < c.conf.n_routes; i++)
		if ((r = cni_result_add_route(res, &c.conf.routes[i])) < 0) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
			goto out;
		}
	if ((r = ctx_open(&c, true, err)) < 0)
		goto out;
	store_index_load(&c.store);
	if ((r = allocate(&c, res, err)) < 0)
		goto out;
	*ret = TAKE_PTR(res);
out:
	store_index_commit(&c.store);
	ctx_done(&c);
	return r;
}

/* DEL: release this attachment's leases. With prevResult the addresses are known, so each is a
 * direct lookup (owner checked before unlinking); the owner index names the others (and its
 * entry is removed); without a usable index, scan like the reference. Either way: exact owner
 * first, legacy ID-only records when no exact one exists. Unknown container, missing directory,
 * repeated DEL: success. */
struct del_ctx {
	const char *id, *ifname;
	size_t exact;
	struct ipaddr *legacy;
	size_t n_legacy;
	int first_error;
};

static int del_cb(struct store *s, const struct store_lease *l, void *userdata,
		  struct cni_error *err)
{
	struct del_ctx *d = userdata;
	enum store_match m = store_match_owner(l->owner, d->id, d->ifname);
	int r;

	if (m == STORE_MATCH_EXACT) {
		if ((r = store_release(s, &l->ip, err)) < 0 && !d->first_error)
			d->first_error = r;
		d->exact++;
	} else if (m == STORE_MATCH_LEGACY) {
		struct ipaddr *v = realloc(d->legacy, (d->n_legacy + 1) * sizeof(*v));
		if (!v)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		d->legacy = v;
		d->legacy[d->n_legacy++] = l->ip;
	}
	return 0;
}

static int release_by_scan(struct ipam_ctx *c, size_t found, struct cni_error *err)
{
	struct del_ctx d = {.id = c->req->env.container_id, .ifname = c->req->env.ifname};
	int r;

	r = store_scan(&c->store, true, del_cb, &d, err);
	if (r >= 0 && d.exact + found == 0)
		for (size_t i = 0; i < d.n_legacy; i++)
			if ((r = store_release(&c->store, &d.legacy[i], err)) < 0 && !d.first_error)
				d.first_error = r;
	free(d.legacy);
	if (r < 0)
		return r;
	return d.first_error;
}

/* Whether DEL already looked at ip through prevResult. */
static bool in_prev(const struct ipam_ctx *c, const struct cni_result *prev,
		    const struct ipaddr *ip)
{
	for (size_t i = 0; prev && i < prev->n_ips; i++)
		if (ipaddr_equal(&prev->ips[i].address.addr, ip) &&
		    set_of(&c->conf, &prev->ips[i].address.addr) >= 0)
			return true;
	return false;
}

/* The addresses the index lists for owner, minus those DEL already handled through
 * prevResult, appended to v; *ret_listed tells whether the owner has an entry at all. */
static size_t entry_hints(struct ipam_ctx *c, const struct cni_result *prev, const char *owner,
			  struct ipaddr *v, size_t n, size_t max, bool *ret_listed)
{
	struct ipaddr hint[STORE_INDEX_MAX];
	int k = store_index_get(&c->store, owner, hint, ARRAY_SIZE(hint));

	for (int i = 0; i < k && n < max; i++)
		if (!in_prev(c, prev, &hint[i]))
			v[n++] = hint[i];
	*ret_listed = k > 0;
	return n;
}

/* Release the leases in hints[0..n) that hold this attachment's record (legacy ID-only ones too
 * when `legacy`); adds the number released to *found. */
static int release_hints(struct ipam_ctx *c, const struct ipaddr *hints, size_t n, bool legacy,
			 size_t *found, struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;

	for (size_t i = 0; i < n; i++) {
		int r = store_release_if_owner(&c->store, &hints[i], env->container_id, env->ifname,
					       legacy, err);
		if (r < 0)
			return r;
		*found += (size_t)r;
	}
	return 0;
}

/* Release what the index names: exact records first; legacy ID-only records only when no exact
 * one exists (as a scan does). The legacy candidates are the legacy entry's addresses and also
 * the exact entry's: a lease rewritten in place to the older format (a directory's mtime does
 * not change for that, so the index stays sealed) is still listed under its old owner. An
 * entry is dropped once every lease it lists was handled; the legacy entry stays while an exact
 * record kept its leases. */
static int release_by_index(struct ipam_ctx *c, const struct cni_result *prev, size_t *found,
			    struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;
	struct ipaddr hints[2 * STORE_INDEX_MAX];
	char owner[OWNER_MAX];
	size_t n_exact, n;
	bool listed;
	int r;

	if (store_owner_format(env->container_id, env->ifname, owner, sizeof(owner)) < 0)
		return 0; /* no lease can hold it */
	n_exact = entry_hints(c, prev, owner, hints, 0, STORE_INDEX_MAX, &listed);
	if ((r = release_hints(c, hints, n_exact, false, found, err)) < 0)
		return r;
	if (listed)
		store_index_put(&c->store, owner, NULL, 0);
	if (*found > 0)
		return 0;
	n = entry_hints(c, prev, env->container_id, hints, n_exact, ARRAY_SIZE(hints), &listed);
	if ((r = release_hints(c, hints, n, true, found, err)) < 0)
		return r;
	if (listed)
		store_index_put(&c->store, env->container_id, NULL, 0);
	return 0;
}

static int release_by_prev(struct ipam_ctx *c, const struct cni_result *prev, size_t *ret_found,
			   struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;
	size_t found = 0;
	int r;

	*ret_found = 0;
	for (size_t i = 0; prev && i < prev->n_ips; i++) {
		if (set_of(&c->conf, &prev->ips[i].address.addr) < 0)
			continue;
		r = store_release_if_owner(&c->store, &prev->ips[i].address.addr, env->container_id,
					   env->ifname, true, err);
		if (r < 0)
			return r;
		found += (size_t)r;
	}
	*ret_found = found;
	return 0;
}

static int cmd_del(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;
	struct ipam_ctx c = IPAM_CTX_INIT(req);
	struct cni_error ignored = {0};
	size_t found = 0;
	int r;

	if ((r = ipam_conf_load(req, &c.conf, err)) < 0)
		return r;
	if ((r = ctx_open(&c, false, err)) < 0 || c.store.dirfd < 0)
		goto out;
	/* A prevResult we cannot read is no reason to fail DEL: the index or a scan still works. */
	(void)cni_request_prev_result(req, &prev, &ignored);
	store_index_check(&c.store);
	if ((r = release_by_prev(&c, prev, &found, err)) < 0)
		goto out;
	/* When prevResult named every lease, a stale index is left for the next request to
	 * rebuild. */
	if (found < c.conf.n_sets && !c.store.index_ok)
		store_index_rebuild(&c.store, false);
	if (c.store.index_ok && (r = release_by_index(&c, prev, &found, err)) < 0)
		goto out;
	if (!c.store.index_ok && found < c.conf.n_sets && (r = release_by_scan(&c, found, err)) < 0)
		goto out;
	r = 0;
out:
	store_index_commit(&c.store);
	ctx_done(&c);
	return r;
}

/* CHECK: with prevResult, every address of ours in it must be leased to exactly this
 * (ID, ifname); the reference only looks for "any file" of the container. */
struct find_ctx {
	const char *id, *ifname;
	bool found;
};

static int find_cb(struct store *s, const struct store_lease *l, void *userdata,
		   struct cni_error *err)
{
	struct find_ctx *f = userdata;

	(void)s, (void)err;
	if (store_match_owner(l->owner, f->id, f->ifname) != STORE_MATCH_NONE)
		f->found = true;
	return 0;
}

/* The index's candidates for the exact and the legacy record, verified. */
static void find_by_index(struct ipam_ctx *c, struct find_ctx *f)
{
	char owner[OWNER_MAX];
	const char *owners[] = {owner, f->id};

	if (store_owner_format(f->id, f->ifname, owner, sizeof(owner)) < 0)
		return;
	for (size_t o = 0; o < ARRAY_SIZE(owners) && !f->found; o++) {
		struct ipaddr hint[STORE_INDEX_MAX];
		int n = store_index_get(&c->store, owners[o], hint, ARRAY_SIZE(hint));

		for (int k = 0; k < n && !f->found; k++) {
			struct store_lease l = {.ip = hint[k]};

			ipaddr_format(&l.ip, l.name);
			if (store_read_lease(&c->store, l.name, l.owner, sizeof(l.owner)) == 0)
				(void)find_cb(&c->store, &l, f, NULL);
		}
	}
}

static int check_lease(struct ipam_ctx *c, const struct ipaddr *ip, struct cni_error *err)
{
	const struct cni_env *env = &c->req->env;
	char name[IPADDR_STRLEN], owner[OWNER_MAX];
	int r;

	ipaddr_format(ip, name);
	r = store_read_lease(&c->store, name, owner, sizeof(owner));
	if (r == -ENOENT)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, ENOENT, NULL,
			"host-local: Failed to find address added by container %s: no lease for %s in %s",
			env->container_id, name, c->store.dir);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "read lease \"%s/%s\"",
				     c->store.dir, name);
	if (store_match_owner(owner, env->container_id, env->ifname) == STORE_MATCH_NONE)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, EPERM, NULL,
			"host-local: address %s of container %s is leased to another attachment",
			name, env->container_id);
	return 0;
}

static int cmd_check(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_(cni_result_freep) struct cni_result *prev = NULL;
	struct ipam_ctx c = IPAM_CTX_INIT(req);
	struct find_ctx f = {req->env.container_id, req->env.ifname, false};
	size_t checked = 0;
	int r;

	if ((r = ipam_conf_load(req, &c.conf, err)) < 0)
		return r;
	if ((r = cni_request_prev_result(req, &prev, err)) < 0 ||
	    (r = ctx_open(&c, false, err)) < 0)
		goto out;
	if (c.store.dirfd < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				  "host-local: Failed to find address added by container %s",
				  req->env.container_id);
		goto out;
	}
	for (size_t i = 0; prev && i < prev->n_ips; i++) {
		if (set_of(&c.conf, &prev->ips[i].address.addr) < 0)
			continue;
		if ((r = check_lease(&c, &prev->ips[i].address.addr, err)) < 0)
			goto out;
		checked++;
	}
	if (checked)
		goto out;
	store_index_check(&c.store);
	if (c.store.index_ok)
		find_by_index(&c, &f);
	if (!c.store.index_ok && (r = store_scan(&c.store, false, find_cb, &f, err)) < 0)
		goto out;
	if (!f.found)
		r = cni_error_set(err, CNI_ERR_INTERNAL, ENOENT, NULL,
				  "host-local: Failed to find address added by container %s",
				  req->env.container_id);
out:
	ctx_done(&c);
	return r;
}

/* STATUS (SPEC.md › STATUS): 50 when an ADD cannot succeed because a range set is full. */
struct count_ctx {
	const struct ipam_conf *conf;
	unsigned long long *used;
};

static int count_cb(struct store *s, const struct store_lease *l, void *userdata,
		    struct cni_error *err)
{
	struct count_ctx *cc = userdata;
	const struct ipam_range *rg;

	(void)s, (void)err;
	for (size_t i = 0; i < cc->conf->n_sets; i++)
		if (ipam_rangeset_contains(&cc->conf->sets[i], &l->ip, &rg) &&
		    !alloc_is_reserved(rg, &l->ip))
			cc->used[i]++;
	return 0;
}

static int cmd_status(const struct cni_request *req, struct cni_error *err)
{
	struct ipam_ctx c = IPAM_CTX_INIT(req);
	_cleanup_free_ unsigned long long *used = NULL;
	struct count_ctx cc;
	char rs[512];
	int r;

	if ((r = ipam_conf_load(req, &c.conf, err)) < 0)
		return r;
	if ((r = ctx_open(&c, false, err)) < 0 || c.store.dirfd < 0)
		goto out;
	if (!(used = calloc(c.conf.n_sets, sizeof(*used)))) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		goto out;
	}
	cc = (struct count_ctx){&c.conf, used};
	if ((r = store_scan(&c.store, true, count_cb, &cc, err)) < 0)
		goto out;
	for (size_t i = 0; i < c.conf.n_sets; i++)
		if (used[i] >= alloc_capacity(&c.conf.sets[i])) {
			ipam_rangeset_format(&c.conf.sets[i], rs, sizeof(rs));
			r = cni_error_set(err, CNI_ERR_UNAVAILABLE, ENOSPC, NULL,
					  "no IP addresses available in range set: %s", rs);
			goto out;
		}
out:
	ctx_done(&c);
	return r;
}

/* GC (SPEC.md › GC): release every lease whose attachment is not in the valid list. No list
 * means the runtime gave none: do nothing. Errors do not stop the sweep; they are reported. */
struct gc_ctx {
	const char *network;
	const struct cni_attachment *valid;
	size_t n_valid;
	size_t failed, released;
	struct cni_error first;
};

static bool gc_is_valid(const struct gc_ctx *g, const char *id, const char *ifname)
{
	for (size_t i = 0; i < g->n_valid; i++)
		if (strcmp(g->valid[i].container_id, id) == 0 &&
		    (!*ifname || strcmp(g->valid[i].ifname, ifname) == 0))
			return true;
	return false;
}

static int gc_cb(struct store *s, const struct store_lease *l, void *userdata,
		 struct cni_error *err)
{
	struct gc_ctx *g = userdata;
	char id[OWNER_MAX], ifname[OWNER_MAX];

	(void)err;
	store_owner_split(l->owner, id, sizeof(id), ifname, sizeof(ifname));
	if (gc_is_valid(g, id, ifname))
		return 0;
	/* A verb of this attachment is running (attachment_lock.h): an ADD the runtime did not
	 * list yet would be left with an address that has no lease. */
	_cleanup_close_ int lock = -EBADF;
	if (*ifname && cni_attachment_lock(g->network, id, ifname, false, &lock, NULL) < 0)
		return 0;
	if (store_release(s, &l->ip, &g->first) < 0)
		g->failed++;
	else
		g->released++;
	return 0;
}

static int cmd_gc(const struct cni_request *req, struct cni_error *err)
{
	_cleanup_free_ struct cni_attachment *valid = NULL;
	struct ipam_ctx c = IPAM_CTX_INIT(req);
	struct gc_ctx g = {0};
	bool present;
	int r;

	if ((r = ipam_conf_load(req, &c.conf, err)) < 0)
		return r;
	if ((r = cni_request_gc_attachments(req, &valid, &g.n_valid, &present, err)) < 0 ||
	    !present)
		goto out;
	g.valid = valid;
	g.network = req->name;
	if ((r = ctx_open(&c, false, err)) < 0 || c.store.dirfd < 0)
		goto out;
	if ((r = store_scan(&c.store, true, gc_cb, &g, err)) < 0)
		goto out;
	/* Drop the entries of the released leases (and of anything else gone). */
	store_index_rebuild(&c.store, true);
	store_index_commit(&c.store);
	if (g.failed) {
		r = cni_error_set(err, g.first.code ? g.first.code : CNI_ERR_IO, g.first.sys_errno,
				  g.first.details[0] ? g.first.details : NULL,
				  "GC: %zu of %zu stale leases could not be released; first: %s",
				  g.failed, g.failed + g.released, g.first.msg);
	}
out:
	ctx_done(&c);
	return r;
}

const struct cni_plugin hostlocal_plugin = {
	.about = "CNI host-local plugin v" CNI_C_VERSION " (cni-c, the C implementation)",
	.cmd_add = cmd_add,
	.cmd_del = cmd_del,
	.cmd_check = cmd_check,
	.cmd_status = cmd_status,
	.cmd_gc = cmd_gc,
};
