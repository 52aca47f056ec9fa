/* host-local IPAM: shared types of the config parser, the allocator and the lease store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cni_error.h"
#include "cni_result.h"
#include "cni_skel.h"
#include "ipaddr.h"

#define IPAM_DEFAULT_DATA_DIR "/var/lib/cni/networks"

/* One range of a range set, canonicalised: every field is filled in. */
struct ipam_range {
	struct ipprefix subnet; /* network address (host bits clear) */
	struct ipaddr start;	/* first allocatable address (inclusive) */
	struct ipaddr end;	/* last allocatable address (inclusive) */
	struct ipaddr gateway;	/* never allocated */
};

/* A pool: one address is allocated per set, from any of its ranges (one family). */
struct ipam_rangeset {
	struct ipam_range *ranges;
	size_t n;
};

struct ipam_conf {
	struct ipam_rangeset *sets;
	size_t n_sets;
	struct cni_route *routes;
	size_t n_routes;
	const char *data_dir;	  /* points into the request config, or the default */
	const char *resolv_conf;  /* NULL when not configured */
	struct ipaddr *requested; /* requested IPs, deduplicated, in source order */
	size_t n_requested;
};

/* verbs.c: ADD, DEL, CHECK, STATUS, GC. */
extern const struct cni_plugin hostlocal_plugin;

/* config.c */

/* Build the config of one request: "ipam" (ranges, legacy flat range, routes, dataDir,
 * resolvConf), runtimeConfig.ipRanges (prepended) and the requested IPs (CNI_ARGS IP,
 * args.cni.ips, runtimeConfig.ips). Every invalid value is code 7 naming the key (code 4 for
 * CNI_ARGS). The conf keeps pointers into req->config. */
int ipam_conf_load(const struct cni_request *req, struct ipam_conf *ret, struct cni_error *err);
/* Parse and validate just a list of range sets (JSON array of arrays), appending to conf. */
int ipam_conf_add_rangesets(struct ipam_conf *conf, const cJSON *arr, const char *where,
			    struct cni_error *err);
/* Check the canonicalised sets: overlaps, one family per set, at least one set. */
int ipam_conf_validate(const struct ipam_conf *conf, struct cni_error *err);
void ipam_conf_clear(struct ipam_conf *conf);

/* "start-end[,start-end...]" as the reference prints a range set. */
void ipam_rangeset_format(const struct ipam_rangeset *set, char *buf, size_t size);
/* Whether a is allocatable space of the set (inside some range's start..end); *ret_range gets
 * the range (may be NULL). */
bool ipam_rangeset_contains(const struct ipam_rangeset *set, const struct ipaddr *a,
			    const struct ipam_range **ret_range);
static inline int ipam_rangeset_family(const struct ipam_rangeset *set)
{
	return set->n ? set->ranges[0].subnet.addr.family : 0;
}

/* alloc.c: pure allocation logic, no I/O. */

/* Whether the iterator must never hand out a (gateway, network address, IPv4 broadcast). */
bool alloc_is_reserved(const struct ipam_range *r, const struct ipaddr *a);

/* Round-robin walk over a set, as the reference iterator: start just after `cursor` when it
 * lies in the set, else at the first range's start; wrap through every range once. */
struct alloc_iter {
	const struct ipam_rangeset *set;
	size_t idx;	     /* current range */
	struct ipaddr cur;   /* last candidate returned (family 0 before the first) */
	struct ipaddr first; /* first candidate returned, to detect the full circle */
	bool started, done;
};
void alloc_iter_init(struct alloc_iter *it, const struct ipam_rangeset *set,
		     const struct ipaddr *cursor);
/* Next candidate (gateway/network/broadcast skipped). false when the set has been walked. */
bool alloc_iter_next(struct alloc_iter *it, struct ipaddr *ret, const struct ipam_range **ret_r);

/* Number of allocatable addresses of a set, saturated at UINT64_MAX. */
unsigned long long alloc_capacity(const struct ipam_rangeset *set);

/* resolvconf.c */

/* Parse a resolv.conf like the reference: nameserver (first token), domain (last wins),
 * search and options (all tokens); '#' and ';' comments. Code 5 when unreadable. */
int resolvconf_parse(const char *path, struct cni_dns *ret, struct cni_error *err);
int resolvconf_parse_text(const char *text, struct cni_dns *ret);

/* store.c: the on-disk lease store, file-compatible with the reference. */

struct store {
	int dirfd;		   /* <dataDir>/<network> */
	int lockfd;		   /* -EBADF when unlocked (see store_lock) */
	int idxfd;		   /* <dataDir>/<network>/.owners, -EBADF until index.c opens it */
	bool create;		   /* opened for ADD: may create the directory and the lock file */
	bool index_ok;		   /* the owner index lists every lease (index.c) */
	bool sealed;		   /* the stamp names when the index was last complete: */
	struct timespec sealed_at; /* the mtime we gave the directory then */
	char dir[4096];
};

/* A lease record "<id>\r\n<ifname>", trimmed, and its NUL: room for every ID and ifname the
 * environment check accepts (cni_env.h). */
#define STORE_OWNER_MAX (CNI_CONTAINER_ID_MAX + 2 + CNI_IFNAME_MAX + 1)

#define STORE_LOCK_TIMEOUT_MS 10000

/* Create (0755) and open <dataDir>/<name>, refusing names that could escape dataDir. */
int store_open(struct store *s, const char *data_dir, const char *name, bool create,
	       struct cni_error *err);
/* Take the network's flock (shared with the reference's go-filemutex), waiting at most
 * timeout_ms; code 11 on timeout. A store opened without create goes on unlocked when the lock
 * file is missing and cannot be created (read-only or full file system). */
int store_lock(struct store *s, int timeout_ms, struct cni_error *err);
void store_close(struct store *s);

/* Lease content "<id>\r\n<ifname>" (exactly what the reference writes). */
int store_owner_format(const char *id, const char *ifname, char *buf, size_t size);

enum store_match {
	STORE_MATCH_NONE,   /* owned by someone else */
	STORE_MATCH_EXACT,  /* "<id>\r\n<ifname>" */
	STORE_MATCH_LEGACY, /* "<id>" only (pre-ifname leases) */
};
enum store_match store_match_owner(const char *content, const char *id, const char *ifname);

/* Read a lease file's content (whitespace-trimmed). -ENOENT when absent. */
int store_read_lease(struct store *s, const char *name, char *buf, size_t size);
/* write() all of buf (retrying short writes and EINTR); -errno. */
int store_write_all(int fd, const char *buf, size_t len);
/* Replace the content of fd, just opened (offset 0) and old_size bytes long, by buf: written
 * over in place and cut only when it was longer. Not truncated to nothing first, which on
 * ext4 makes the close wait for the data to be written out (auto_da_alloc, the
 * replace-by-truncate pattern: 0.35 ms for the index's stamp on the test machine's disk). */
int store_overwrite(int fd, off_t old_size, const char *buf, size_t len);

/* Write the owner record to a temp file in the store; the caller links it in. */
int store_prepare(struct store *s, const char *owner, char *ret_tmpname, size_t size,
		  struct cni_error *err);
/* Reserve ip by hard-linking the prepared temp file to its name: atomic, all or nothing.
 * Returns 1 when reserved, 0 when taken (EEXIST). */
int store_reserve(struct store *s, const char *tmpname, const struct ipaddr *ip,
		  struct cni_error *err);
/* Remove a lease file; absent is success. */
int store_release(struct store *s, const struct ipaddr *ip, struct cni_error *err);
/* Remove a lease file if owned by (id, ifname) (legacy records too when `legacy`).
 * Returns 1 when removed, 0 when absent or owned by someone else. */
int store_release_if_owner(struct store *s, const struct ipaddr *ip, const char *id,
			   const char *ifname, bool legacy, struct cni_error *err);
void store_unlink_tmp(struct store *s, const char *tmpname);

/* Cursor last_reserved_ip.<set>: read (family 0 when absent or garbage), write atomically. */
void store_get_cursor(struct store *s, size_t set, struct ipaddr *ret);
int store_set_cursor(struct store *s, size_t set, const struct ipaddr *ip, struct cni_error *err);

/* One lease found by a scan. */
struct store_lease {
	struct ipaddr ip;
	char name[IPADDR_STRLEN];
	char owner[STORE_OWNER_MAX]; /* trimmed content */
};
enum store_entry_kind {
	STORE_ENTRY_LEASE,   /* IP-named file with a non-empty owner record */
	STORE_ENTRY_GARBAGE, /* crash leftover: our temp file, or an empty lease */
};
/* Walk the store: cb is called for each lease. Leftovers of a crash (our temp files, empty
 * lease files) are removed when `recover` (the caller must hold the lock). Never
 * touches "lock" or "last_reserved_ip.*". cb returns <0 to stop. */
typedef int (*store_scan_cb)(struct store *s, const struct store_lease *l, void *userdata,
			     struct cni_error *err);
int store_scan(struct store *s, bool recover, store_scan_cb cb, void *userdata,
	       struct cni_error *err);
/* The same, but leases whose inode was last changed (ctime) at or before `since` are skipped
 * with one fstatat instead of being read (crash leftovers are still removed). */
int store_scan_since(struct store *s, bool recover, const struct timespec *since, store_scan_cb cb,
		     void *userdata, struct cni_error *err);

/* Whether a trimmed lease record holds an owner at all. Only an empty record (a crash of a
 * writer between create and write, or a file system that lost the data) is garbage: any other
 * content is kept, since a valid request may have written it (any ifname byte but '/', ':' and
 * whitespace, see cni_env.h), or a writer we do not know, whose address we must not hand out. */
bool store_owner_is_valid(const char *owner);
/* Split a record into id and ifname (ifname "" for legacy); buffers of the record's size. */
void store_owner_split(const char *owner, char *id, size_t id_size, char *ifname, size_t if_size);

/* index.c: the owner index <dir>/.owners/, which lets ADD's duplicate check and DEL find an
 * owner's leases without a scan. Only usable under the lock; never fails a request: when it
 * cannot be used, index_ok is false and the callers scan. */

/* Leases of one owner that an entry can list (an owner normally has one per range set). */
#define STORE_INDEX_MAX 64

/* index_ok = whether the stamp says nobody changed the directory since our last commit. */
void store_index_check(struct store *s);
/* Bring the index up to date from a scan (which removes crash leftovers too); sets index_ok.
 * Reads only the leases changed since the stamp when the stamp says when that was, unless
 * `full` (which also drops the entries of owners that hold no lease). */
void store_index_rebuild(struct store *s, bool full);
/* The directory holds something the index must not vouch for (a temp file that could not be
 * removed): the stamp goes, so the next request rebuilds, and its scan removes the leftover. */
void store_index_spoil(struct store *s);
/* Check, and rebuild when stale. */
void store_index_load(struct store *s);
/* The addresses the owner's entry lists (hints: verify each lease), at most max; 0 when it has
 * none. <0 when the index is not usable (index_ok is then false). */
int store_index_get(struct store *s, const char *owner, struct ipaddr *ret, size_t max);
/* Replace the owner's entry by ips (n = 0 removes it). An entry must list at least every lease
 * of its owner; extra addresses are harmless. */
void store_index_put(struct store *s, const char *owner, const struct ipaddr *ips, size_t n);
/* Seal the index when index_ok: mark the directory and record the stamp. Call last, once every
 * lease change of the request is done and its entries are written. */
void store_index_commit(struct store *s);
