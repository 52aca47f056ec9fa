/* The owner index: <dir>/.owners/<hash> lists the addresses leased to one owner record
 * ("<id>\r\n<ifname>", or "<id>" for legacy leases), so ADD's duplicate check and DEL without
 * prevResult read a few files instead of every lease (the reference scans: GetByID,
 * ReleaseByID). The leases stay the only truth and the layout stays the reference's: the index
 * lives in a hidden directory (our scans skip dot names and directories), and no index file can
 * be mistaken for a lease by the reference's filepath.Walk, which descends into it: an entry
 * starts with "# " and has no "\r", the stamp starts with "host-local", and neither equals a
 * trimmed "<id>\r\n<ifname>" or "<id>".
 *
 * An entry is a hint: every address it lists is verified by reading the lease. What must hold
 * is that an entry lists at least every lease of its owner. Other writers of the directory
 * (the reference, our crashed process, an administrator) do not maintain it, so the index is
 * only trusted while the directory is as we left it: after each request that used it, under
 * the lock, we set the directory's mtime to a value 2 s in the past and record (inode, size,
 * mtime) in .owners/stamp. Whoever adds, removes or renames an entry of the directory afterwards
 * gives it the current time (kernel timestamps never go below the coarse clock), so the stamp no
 * longer matches, and the next request brings the index up to date from a scan (which also
 * removes crash leftovers) that reads only the leases changed since the stamped time. A fake
 * past mtime avoids the timestamp granularity problem: comparing with the kernel's own last
 * timestamp would miss a change made within the same clock tick.
 *
 * The stamp also names the boot (the kernel's boot id). The first request after a reboot,
 * that is after every crash of the kernel or loss of power, therefore rebuilds the whole index
 * from a full scan, which removes what the disk kept of leases it had not written (empty or
 * torn: store.c fsyncs nothing).
 *
 * Nothing here is fsynced, because the stamp is also the commit record of the index: entries
 * are written after the lease changes they describe, the stamp after the directory's mtime is
 * set, and that only after every entry of the request is written. A crash before the stamp
 * leaves the directory's mtime at the kernel's time of our last link/unlink (or the stamp torn),
 * so the stamp does not match and the next request rebuilds; entries written in place can
 * therefore be torn without harm. After a power loss the same holds on file systems that commit
 * data before the metadata of later operations (ext4's default data=ordered); elsewhere an entry
 * could come back torn under a valid stamp. The worst outcome of that, or of a clock stepped
 * back by more than 2 s stamping a foreign change with our exact value, is a missed duplicate or
 * a lease that DEL without prevResult does not find (GC still releases it). Any failure here
 * only makes the index unusable (index_ok = false); the callers then fall back to scans. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hostlocal.h"
#include "sha512.h"

#define INDEX_DIR      ".owners"
#define STAMP_NAME     "stamp"
#define HASH_BYTES     32
#define HASH_LEN       (2 * HASH_BYTES)
#define ENTRY_MAX      4096
#define FAKE_MTIME_AGO 2

static void owner_hash(const char *owner, char buf[HASH_LEN + 1])
{
	sha512_hex_prefix(owner, strlen(owner), HASH_BYTES, buf);
}

/* v2: the boot id was added (a v1 stamp never matches: one full rebuild). */
#define STAMP_FORMAT "host-local owner index v2 %llu %lld %lld.%09ld %s\n"
#define STAMP_SCAN   "host-local owner index v2 %llu %lld %lld.%09ld %36s"
#define BOOT_ID_LEN  36 /* a UUID */

/* This boot's id, the kernel's random UUID of the boot; "-" where it cannot be read. */
static const char *boot_id(void)
{
	static char id[BOOT_ID_LEN + 1];
	_cleanup_close_ int fd = -EBADF;

	if (id[0])
		return id;
	fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, id, BOOT_ID_LEN) != BOOT_ID_LEN)
		strcpy(id, "-");
	id[BOOT_ID_LEN] = '\0';
	return id;
}

/* The stamp text for the directory as it is now. */
static int stamp_format(struct store *s, struct stat *st, char *buf, size_t size)
{
	if (fstat(s->dirfd, st) < 0)
		return negative_errno();
	snprintf(buf, size, STAMP_FORMAT, (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, boot_id());
	return 0;
}

/* Read a small file of the index (not trimmed); -EFBIG when it does not fit. One read: a short
 * read of a regular file is its end, and a torn file only fails a comparison or loses a hint of
 * an index that a rebuild is about to replace anyway. */
static int read_index_file(struct store *s, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(s->idxfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t k;

	if (fd < 0)
		return negative_errno();
	do
		k = read(fd, buf, size);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return negative_errno();
	if ((size_t)k == size)
		return -EFBIG;
	buf[k] = '\0';
	return 0;
}

/* Written over in place (store_overwrite). Index files are only read under the lock, and one
 * torn by a crash only fails a comparison. */
static int write_index_file(struct store *s, const char *name, const char *content)
{
	_cleanup_close_ int fd =
		openat(s->idxfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	return store_overwrite(fd, st.st_size, content, strlen(content));
}

/* From now on this request does not trust the index, and neither does the next one. */
void store_index_spoil(struct store *s)
{
	if (s->index_ok && s->idxfd >= 0)
		(void)unlinkat(s->idxfd, STAMP_NAME, 0);
	s->index_ok = false;
}

static int open_index_dir(struct store *s, bool create)
{
	if (s->idxfd >= 0)
		return 0;
	if (create && mkdirat(s->dirfd, INDEX_DIR, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	s->idxfd = openat(s->dirfd, INDEX_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return s->idxfd >= 0 ? 0 : negative_errno();
}

void store_index_check(struct store *s)
{
	char want[128], have[128], boot[BOOT_ID_LEN + 1];
	unsigned long long ino;
	long long size, sec;
	long nsec;
	struct stat st;

	s->index_ok = s->sealed = false;
	if (s->lockfd < 0 || open_index_dir(s, false) < 0)
		return;
	if (read_index_file(s, STAMP_NAME, have, sizeof(have)) < 0 ||
	    stamp_format(s, &st, want, sizeof(want)) < 0)
		return;
	s->index_ok = strcmp(want, have) == 0;
	/* When the index was last complete, for a rebuild that reads only what changed since. Not
	 * after a reboot: a power loss may have left leases empty or torn, whatever their ctime,
	 * and only a full scan finds them. */
	if (sscanf(have, STAMP_SCAN, &ino, &size, &sec, &nsec, boot) == 5 && ino == st.st_ino &&
	    strcmp(boot, boot_id()) == 0) {
		s->sealed = true;
		s->sealed_at = (struct timespec){.tv_sec = (time_t)sec, .tv_nsec = nsec};
	}
}

static int entry_format(const char *owner, const struct ipaddr *ips, size_t n, char *buf,
			size_t size)
{
	char id[STORE_OWNER_MAX], ifname[STORE_OWNER_MAX], a[IPADDR_STRLEN];
	size_t len;
	int k;

	/* The header names the owner for people, with a space for "\r\n": an entry never reads
	 * as a lease record. */
	store_owner_split(owner, id, sizeof(id), ifname, sizeof(ifname));
	k = snprintf(buf, size, "# host-local owner index: %s%s%s\n", id, *ifname ? " " : "",
		     ifname);
	if (k < 0 || (size_t)k >= size)
		return -ENAMETOOLONG;
	len = (size_t)k;
	for (size_t i = 0; i < n; i++) {
		k = snprintf(buf + len, size - len, "%s\n", ipaddr_format(&ips[i], a));
		if (k < 0 || (size_t)k >= size - len)
			return -E2BIG;
		len += (size_t)k;
	}
	return 0;
}

/* The addresses an entry's text lists (buf is modified), at most max. */
static size_t entry_parse(char *buf, struct ipaddr *ret, size_t max)
{
	char *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || n == max || ipaddr_parse(line, &ret[n]) < 0)
			continue;
		n++;
	}
	return n;
}

int store_index_get(struct store *s, const char *owner, struct ipaddr *ret, size_t max)
{
	char name[HASH_LEN + 1], buf[ENTRY_MAX];
	int r;

	if (!s->index_ok)
		return -ENOENT;
	owner_hash(owner, name);
	r = read_index_file(s, name, buf, sizeof(buf));
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		store_index_spoil(s);
		return r;
	}
	return (int)entry_parse(buf, ret, max);
}

void store_index_put(struct store *s, const char *owner, const struct ipaddr *ips, size_t n)
{
	char name[HASH_LEN + 1], buf[ENTRY_MAX];

	if (s->idxfd < 0)
		return;
	if (n > STORE_INDEX_MAX) {
		store_index_spoil(s); /* more than a reader takes */
		return;
	}
	owner_hash(owner, name);
	if (n == 0) {
		if (unlinkat(s->idxfd, name, 0) < 0 && errno != ENOENT)
			store_index_spoil(s);
		return;
	}
	if (entry_format(owner, ips, n, buf, sizeof(buf)) < 0 || write_index_file(s, name, buf) < 0)
		store_index_spoil(s);
}

void store_index_commit(struct store *s)
{
	struct timespec now, times[2];
	char stamp[128];
	struct stat st;

	if (!s->index_ok)
		return;
	/* Below anything the kernel can stamp from now on, even on file systems with 1 s or 2 s
	 * timestamp granularity. */
	clock_gettime(CLOCK_REALTIME, &now);
	times[0] = (struct timespec){.tv_nsec = UTIME_OMIT};
	times[1] = (struct timespec){.tv_sec = now.tv_sec - FAKE_MTIME_AGO};
	if (futimens(s->dirfd, times) < 0 || stamp_format(s, &st, stamp, sizeof(stamp)) < 0 ||
	    write_index_file(s, STAMP_NAME, stamp) < 0)
		store_index_spoil(s);
}

/* Rebuild: every lease of the directory, grouped by owner. */
struct ix_item {
	char hash[HASH_LEN + 1];
	struct ipaddr ip;
	char owner[STORE_OWNER_MAX];
};
struct ix_list {
	struct ix_item *v;
	size_t n, cap;
};

static int collect_cb(struct store *s, const struct store_lease *l, void *userdata,
		      struct cni_error *err)
{
	struct ix_list *list = userdata;

	(void)s;
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 64;
		struct ix_item *v = realloc(list->v, cap * sizeof(*v));
		if (!v)
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		list->v = v;
		list->cap = cap;
	}
	owner_hash(l->owner, list->v[list->n].hash);
	list->v[list->n].ip = l->ip;
	snprintf(list->v[list->n].owner, sizeof(list->v[list->n].owner), "%s", l->owner);
	list->n++;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct ix_item *x = a, *y = b;
	int c = strcmp(x->hash, y->hash);

	return c ? c : ipaddr_cmp(&x->ip, &y->ip);
}

static int hash_cmp(const void *key, const void *item)
{
	return strcmp(key, ((const struct ix_item *)item)->hash);
}

/* Write the entry of items [0, n) (one owner) unless it already says exactly that; with
 * `merge`, keep what it lists too (the leases not read again) and write only when adding. */
static int sync_entry(struct store *s, const struct ix_item *items, size_t n, bool merge)
{
	struct ipaddr ips[STORE_INDEX_MAX];
	char want[ENTRY_MAX], have[ENTRY_MAX];
	bool exists = read_index_file(s, items[0].hash, have, sizeof(have)) == 0;
	size_t m = 0, before;
	int r;

	if (merge && exists)
		m = entry_parse(have, ips, ARRAY_SIZE(ips));
	before = m;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		while (k < m && !ipaddr_equal(&ips[k], &items[i].ip))
			k++;
		if (k < m)
			continue;
		if (m == ARRAY_SIZE(ips))
			return -E2BIG;
		ips[m++] = items[i].ip;
	}
	if (merge && exists && m == before)
		return 0;
	if ((r = entry_format(items[0].owner, ips, m, want, sizeof(want))) < 0)
		return r;
	if (!merge && exists && strcmp(want, have) == 0)
		return 0;
	return write_index_file(s, items[0].hash, want);
}

/* Remove the entries (and anything else but the stamp) of owners that hold no lease. */
static int prune_entries(struct store *s, const struct ix_list *list)
{
	int fd = openat(s->idxfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return negative_errno();
	if (!(d = fdopendir(fd))) {
		close(fd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, STAMP_NAME) == 0)
			continue;
		if (!list->n || !bsearch(de->d_name, list->v, list->n, sizeof(*list->v), hash_cmp))
			(void)unlinkat(s->idxfd, de->d_name, 0);
	}
	closedir(d);
	return 0;
}

/* Full: every lease is read and the entries are made exact. Otherwise only leases changed
 * after sealed_at are read and merged into the entries: when the stamp was written, every lease
 * then present was listed, and creating, linking, renaming or writing a lease since then gave
 * its inode a ctime after the present time of that moment, which is after sealed_at (2 s
 * before it). Stale addresses stay in the entries until a full rebuild (GC). */
static int rebuild(struct store *s, struct ix_list *list, bool full, struct cni_error *err)
{
	const struct timespec *since = !full && s->sealed ? &s->sealed_at : NULL;
	int r;

	if ((r = open_index_dir(s, true)) < 0)
		return r;
	(void)unlinkat(s->idxfd, STAMP_NAME, 0);
	if ((r = store_scan_since(s, true, since, collect_cb, list, err)) < 0)
		return r;
	if (list->n) /* v is NULL when there is no lease */
		qsort(list->v, list->n, sizeof(*list->v), item_cmp);
	for (size_t i = 0, j; i < list->n; i = j) {
		for (j = i + 1; j < list->n && strcmp(list->v[i].hash, list->v[j].hash) == 0; j++)
			;
		if ((r = sync_entry(s, &list->v[i], j - i, since != NULL)) < 0)
			return r;
	}
	return since ? 0 : prune_entries(s, list);
}

void store_index_rebuild(struct store *s, bool full)
{
	struct ix_list list = {0};
	struct cni_error ignored = {0};

	s->index_ok = false;
	if (s->lockfd < 0)
		return;
	s->index_ok = rebuild(s, &list, full, &ignored) == 0;
	s->sealed = false;
	free(list.v);
}

void store_index_load(struct store *s)
{
	store_index_check(s);
	if (!s->index_ok)
		store_index_rebuild(s, false);
}
