/* The lease store, byte-compatible with the reference (plugins: host-local/backend/disk/
 * backend.go): <dataDir>/<network>/<ip> holds "<containerID>\r\n<ifname>", last_reserved_ip.<N>
 * the round-robin cursor, and "lock" is flock()ed (go-filemutex), so ours and the reference can
 * share a directory. Unlike the reference, no process ever sees a lease empty or half written:
 * the record is written in a temp file that is then hard-linked to the address's name (link()
 * fails with EEXIST when the address is taken, which makes it the atomic reservation;
 * plugins#498). The cursor, a hint, is rewritten in place (store_set_cursor). Leftovers of a
 * crash are removed under the lock by scans: a crashed request always makes the next one
 * rebuild the owner index with one, and so does a new boot (index.c).
 *
 * Nothing is fsynced. A power loss or a kernel crash kills every container that held a lease,
 * so a lease lost with the page cache was in use by nobody, and one the disk kept empty or torn
 * is removed by the first request of the next boot (a release of the last seconds can come back,
 * naming a container that is gone: GC releases it). Against a process's death, which is what a
 * node lives through while its containers run, the page cache is durable enough. Two fsyncs
 * per ADD (the record, the directory) cost 0.65 ms on the test machine's ext4 disk, a quarter of
 * an ADD, and a disk flush each on real hardware. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "fsutil.h"
#include "hostlocal.h"
#include "monotonic.h"

#define TMP_PREFIX    ".tmp-host-local."
#define CURSOR_PREFIX "last_reserved_ip."
#define LEASE_MODE    0600
#define DIR_MODE      0755
#define OWNER_MAX     STORE_OWNER_MAX

int store_open(struct store *s, const char *data_dir, const char *name, bool create,
	       struct cni_error *err)
{
	int r;

	*s = (struct store){.dirfd = -EBADF, .lockfd = -EBADF, .idxfd = -EBADF, .create = create};
	/* The skeleton validated the name with the spec regex; this is the last line of defence
	 * against a name that would leave dataDir. */
	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
				     "invalid network name \"%s\" for a lease directory",
				     name ? name : "");
	if (snprintf(s->dir, sizeof(s->dir), "%s/%s", data_dir, name) >= (int)sizeof(s->dir))
		return cni_error_set(err, CNI_ERR_CONFIG, ENAMETOOLONG, NULL,
				     "ipam.dataDir: path \"%s\" is too long", data_dir);
	if (create)
		r = fs_open_mkdir(s->dir, DIR_MODE, s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	else if ((r = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		r = negative_errno();
	if (r < 0) {
		if (!create && r == -ENOENT)
			return r; /* nothing was ever leased here */
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "open lease directory \"%s\"",
				     s->dir);
	}
	s->dirfd = r;
	return 0;
}

/* The lock file: created when missing (ADD). Verbs that only read or release (store opened
 * without create) also work on a store where it cannot be created or opened for writing: a
 * read-only or full file system. If it does not exist there, nobody can hold it, because
 * nobody can create it either, so they go on unlocked. */
static int open_lock(struct store *s)
{
	int fd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, LEASE_MODE);

	if (fd >= 0 || s->create)
		return fd >= 0 ? fd : negative_errno();
	if (errno != EROFS && errno != ENOSPC && errno != EDQUOT && errno != EACCES &&
	    errno != EPERM)
		return negative_errno();
	fd = openat(s->dirfd, "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 ? fd : negative_errno();
}

int store_lock(struct store *s, int timeout_ms, struct cni_error *err)
{
	int r;

	s->lockfd = open_lock(s);
	if (s->lockfd == -ENOENT && !s->create)
		return 0;
	if (s->lockfd < 0)
		return cni_error_set(err, CNI_ERR_IO, -s->lockfd, NULL,
				     "open lock file \"%s/lock\"", s->dir);
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK && errno != EINTR)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "lock \"%s/lock\"", s->dir);
	r = fs_flock_wait(s->lockfd, timeout_ms);
	if (r == -ETIMEDOUT)
		return cni_error_set(err, CNI_ERR_TRY_AGAIN, ETIMEDOUT, NULL,
				     "timed out after %d ms waiting for the lock on \"%s/lock\"",
				     timeout_ms, s->dir);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "lock \"%s/lock\"", s->dir);
	return 0;
}

void store_close(struct store *s)
{
	if (s->idxfd >= 0)
		close(s->idxfd);
	if (s->lockfd >= 0)
		close(s->lockfd); /* releases the flock */
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->idxfd = s->lockfd = s->dirfd = -EBADF;
}

int store_owner_format(const char *id, const char *ifname, char *buf, size_t size)
{
	int k = snprintf(buf, size, "%s\r\n%s", id, ifname);
	return k < 0 || (size_t)k >= size ? -ENAMETOOLONG : k;
}

/* What trimming removes around a record (Go's strings.TrimSpace on what a valid request writes:
 * no ID or ifname holds whitespace). */
static const char blank_chars[] = " \t\r\n\v\f";

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, blank_chars);
	n = strlen(s);
	while (n && strchr(blank_chars, s[n - 1]))
		s[--n] = '\0';
	return s;
}

enum store_match store_match_owner(const char *content, const char *id, const char *ifname)
{
	size_t n = strlen(id);

	if (strncmp(content, id, n) != 0)
		return STORE_MATCH_NONE;
	if (content[n] == '\0')
		return STORE_MATCH_LEGACY;
	if (content[n] == '\r' && content[n + 1] == '\n' && strcmp(content + n + 2, ifname) == 0)
		return STORE_MATCH_EXACT;
	return STORE_MATCH_NONE;
}

bool store_owner_is_valid(const char *owner)
{
	return owner[0] != '\0';
}

void store_owner_split(const char *owner, char *id, size_t id_size, char *ifname, size_t if_size)
{
	const char *sep = strstr(owner, "\r\n");
	size_t n = sep ? (size_t)(sep - owner) : strlen(owner);

	snprintf(id, id_size, "%.*s", (int)n, owner);
	snprintf(ifname, if_size, "%s", sep ? sep + 2 : "");
}

/* Read a small file relative to the store; NUL-terminated, trimmed copy in buf. */
static int read_small(struct store *s, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char raw[OWNER_MAX + 1];
	ssize_t k;

	if (fd < 0)
		return negative_errno();
	do
		k = read(fd, raw, sizeof(raw) - 1);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return negative_errno();
	raw[k] = '\0';
	/* A NUL never makes a shorter valid owner: only NULs and spaces (blocks a file system lost)
	 * read as empty; anything else with a NUL reads as an owner that no request can name. */
	if (memchr(raw, '\0', (size_t)k)) {
		bool blank = true;
		for (ssize_t i = 0; i < k && blank; i++)
			blank = raw[i] == '\0' || strchr(blank_chars, raw[i]);
		raw[0] = blank ? '\0' : '\x01';
		raw[1] = '\0';
	}
	snprintf(buf, size, "%s", trim(raw));
	return 0;
}

int store_read_lease(struct store *s, const char *name, char *buf, size_t size)
{
	return read_small(s, name, buf, size);
}

int store_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t k = write(fd, buf, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

int store_overwrite(int fd, off_t old_size, const char *buf, size_t len)
{
	int r = store_write_all(fd, buf, len);

	if (r < 0)
		return r;
	if (old_size > (off_t)len && ftruncate(fd, (off_t)len) < 0)
		return negative_errno();
	return 0;
}

/* Create name exclusively (replacing a stale one of a crashed process with our pid), write the
 * content. The file is only ever made visible under its final name by link/rename. */
static int write_tmp(struct store *s, const char *name, const char *content)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	for (int tries = 0; tries < 2; tries++) {
		fd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    LEASE_MODE);
		if (fd >= 0 || errno != EEXIST)
			break;
		(void)unlinkat(s->dirfd, name, 0);
	}
	if (fd < 0)
		return negative_errno();
	if ((r = store_write_all(fd, content, strlen(content))) < 0) {
		(void)unlinkat(s->dirfd, name, 0);
		return r;
	}
	return 0;
}

/* Exclusive create of a final lease name (never replaces): -EEXIST when taken. */
static int write_tmp_excl(struct store *s, const char *name, const char *content)
{
	_cleanup_close_ int fd = openat(
		s->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, LEASE_MODE);
	int r;

	if (fd < 0)
		return negative_errno();
	if ((r = store_write_all(fd, content, strlen(content))) < 0) {
		(void)unlinkat(s->dirfd, name, 0);
		return r;
	}
	return 0;
}

int store_prepare(struct store *s, const char *owner, char *ret_tmpname, size_t size,
		  struct cni_error *err)
{
	int r;

	snprintf(ret_tmpname, size, TMP_PREFIX "%d", (int)getpid());
	if ((r = write_tmp(s, ret_tmpname, owner)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "write lease record in \"%s\"",
				     s->dir);
	return 0;
}

/* Filesystems without hard links: exclusive create + write (a crash can then leave an empty
 * file, which the scans recover). */
static int reserve_by_create(struct store *s, const char *tmpname, const char *name)
{
	char owner[OWNER_MAX];
	int r = read_small(s, tmpname, owner, sizeof(owner));

	if (r < 0)
		return r;
	r = write_tmp_excl(s, name, owner);
	return r == -EEXIST ? 0 : r < 0 ? r : 1;
}

int store_reserve(struct store *s, const char *tmpname, const struct ipaddr *ip,
		  struct cni_error *err)
{
	char name[IPADDR_STRLEN];
	int r;

	ipaddr_format(ip, name);
	if (linkat(s->dirfd, tmpname, s->dirfd, name, 0) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	r = negative_errno();
	if (r == -EPERM || r == -EOPNOTSUPP || r == -EMLINK)
		r = reserve_by_create(s, tmpname, name);
	if (r >= 0)
		return r;
	return cni_error_set(err, CNI_ERR_IO, -r, NULL, "reserve \"%s/%s\"", s->dir, name);
}

int store_release(struct store *s, const struct ipaddr *ip, struct cni_error *err)
{
	char name[IPADDR_STRLEN];

	ipaddr_format(ip, name);
	if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "release \"%s/%s\"", s->dir,
				     name);
	return 0;
}

int store_release_if_owner(struct store *s, const struct ipaddr *ip, const char *id,
			   const char *ifname, bool legacy, struct cni_error *err)
{
	char name[IPADDR_STRLEN], owner[OWNER_MAX];
	enum store_match m;
	int r;

	ipaddr_format(ip, name);
	r = read_small(s, name, owner, sizeof(owner));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "read lease \"%s/%s\"", s->dir,
				     name);
	m = store_match_owner(owner, id, ifname);
	if (m == STORE_MATCH_NONE || (m == STORE_MATCH_LEGACY && !legacy))
		return 0;
	if ((r = store_release(s, ip, err)) < 0)
		return r;
	return 1;
}

void store_unlink_tmp(struct store *s, const char *tmpname)
{
	/* A second name of the leases just made: left behind, it would outlive their release. */
	if (unlinkat(s->dirfd, tmpname, 0) < 0 && errno != ENOENT)
		store_index_spoil(s);
}

void store_get_cursor(struct store *s, size_t set, struct ipaddr *ret)
{
	char name[64], buf[OWNER_MAX];

	*ret = (struct ipaddr){0};
	snprintf(name, sizeof(name), CURSOR_PREFIX "%zu", set);
	/* Absent or garbage (a crashed reference writes in place): start from rangeStart. */
	if (read_small(s, name, buf, sizeof(buf)) < 0 || ipaddr_parse(buf, ret) < 0)
		*ret = (struct ipaddr){0};
}

/* The cursor is a hint: a torn one reads as garbage or another address and only costs
 * round-robin order. So it is rewritten in place, as the reference does (no file created, no
 * rename: the costly directory operations), but only when it is our own regular file: a symlink
 * or a hard link planted in the directory is replaced (by rename), never written through. */
static int rewrite_in_place(struct store *s, const char *name, const char *text)
{
	_cleanup_close_ int fd =
		openat(s->dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, LEASE_MODE);
	size_t len = strlen(text);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return -EMLINK;
	return store_overwrite(fd, st.st_size, text, len);
}

int store_set_cursor(struct store *s, size_t set, const struct ipaddr *ip, struct cni_error *err)
{
	char name[64], tmp[96], text[IPADDR_STRLEN];
	int r;

	snprintf(name, sizeof(name), CURSOR_PREFIX "%zu", set);
	ipaddr_format(ip, text);
	if (rewrite_in_place(s, name, text) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%d.cursor.%zu", (int)getpid(), set);
	if ((r = write_tmp(s, tmp, text)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "write \"%s/%s\"", s->dir, tmp);
	if (renameat(s->dirfd, tmp, s->dirfd, name) < 0) {
		r = cni_error_set(err, CNI_ERR_IO, errno, NULL, "rename \"%s/%s\"", s->dir, name);
		(void)unlinkat(s->dirfd, tmp, 0);
		return r;
	}
	return 0;
}

/* Whether the inode behind name was changed (created, linked, written) after since. */
static bool changed_after(struct store *s, const char *name, const struct timespec *since)
{
	struct stat st;

	if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return true; /* let the read decide */
	return st.st_ctim.tv_sec > since->tv_sec ||
	       (st.st_ctim.tv_sec == since->tv_sec && st.st_ctim.tv_nsec > since->tv_nsec);
}

/* Classify one directory entry: 1 = lease (filled in), 0 = not ours to look at (or unchanged
 * since `since`), -1 = garbage. */
static int classify(struct store *s, const char *name, const struct timespec *since,
		    struct store_lease *l)
{
	int r;

	if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0)
		return -1;
	if (name[0] == '.' || strcmp(name, "lock") == 0 ||
	    strncmp(name, CURSOR_PREFIX, strlen(CURSOR_PREFIX)) == 0)
		return 0;
	if (ipaddr_parse(name, &l->ip) < 0)
		return 0;
	ipaddr_format(&l->ip, l->name);
	if (strcmp(l->name, name) != 0)
		return 0; /* not the canonical spelling, so not a name we or the reference write */
	if (since && !changed_after(s, name, since))
		return 0;
	r = read_small(s, name, l->owner, sizeof(l->owner));
	if (r < 0)
		return 0; /* vanished or unreadable: leave it alone */
	return store_owner_is_valid(l->owner) ? 1 : -1;
}

int store_scan(struct store *s, bool recover, store_scan_cb cb, void *userdata,
	       struct cni_error *err)
{
	return store_scan_since(s, recover, NULL, cb, userdata, err);
}

int store_scan_since(struct store *s, bool recover, const struct timespec *since, store_scan_cb cb,
		     void *userdata, struct cni_error *err)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (fd < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open \"%s\"", s->dir);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "read \"%s\"", s->dir);
	}
	while ((de = readdir(d))) {
		struct store_lease l;
		int kind;

		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		kind = classify(s, de->d_name, since, &l);
		if (kind < 0 && recover) {
			fprintf(stderr, "host-local: removing crash leftover \"%s/%s\"\n", s->dir,
				de->d_name);
			(void)unlinkat(s->dirfd, de->d_name, 0);
		} else if (kind > 0 && cb && (r = cb(s, &l, userdata, err)) < 0) {
			break;
		}
	}
	closedir(d);
	return r;
}
