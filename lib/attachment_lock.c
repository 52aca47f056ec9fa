/* Per-attachment mutual exclusion through byte-range OFD locks (attachment_lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attachment_lock.h"
#include "fsutil.h"
#include "macro.h"

/* FNV-1a over the names with their NULs, so ("ab", "c") and ("a", "bc") differ. */
static uint64_t hash_names(const char *const *names, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		for (const unsigned char *p = (const unsigned char *)names[i];; p++) {
			h = (h ^ *p) * 0x100000001b3ull;
			if (!*p)
				break;
		}
	return h;
}

static int open_lock_file(void)
{
	char dir[] = CNI_ATTACHMENT_LOCK_FILE;

	*strrchr(dir, '/') = '\0';
	return fs_open_mkdir(dir, 0755, CNI_ATTACHMENT_LOCK_FILE,
			     O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int cni_lock_range(off_t offset, bool wait, const char *what, int *ret_fd, struct cni_error *err)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1};
	_cleanup_close_ int fd = open_lock_file();

	*ret_fd = -EBADF;
	if (fd < 0) {
		fprintf(stderr, "cni: lock file %s unavailable (%s), running unlocked\n",
			CNI_ATTACHMENT_LOCK_FILE, strerror(-fd));
		return 0;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		int e = errno;
		if (e != EAGAIN && e != EACCES && e != EINTR)
			return cni_error_set(err, CNI_ERR_IO, e, NULL, "lock %s",
					     CNI_ATTACHMENT_LOCK_FILE);
		if (!wait)
			return -EAGAIN;
		/* Queued by the kernel, woken when the holder lets go: no polling delay. */
		int r = fs_range_lock_wait(fd, offset, CNI_ATTACHMENT_LOCK_TIMEOUT_MS);
		if (r == -ETIMEDOUT)
			return cni_error_set(err, CNI_ERR_TRY_AGAIN, ETIMEDOUT, NULL,
					     "timed out after %d ms waiting for %s",
					     CNI_ATTACHMENT_LOCK_TIMEOUT_MS, what);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_IO, -r, NULL, "lock %s",
					     CNI_ATTACHMENT_LOCK_FILE);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int cni_attachment_lock(const char *network, const char *container_id, const char *ifname,
			bool wait, int *ret_fd, struct cni_error *err)
{
	const char *names[] = {network, container_id, ifname};
	char what[96];

	snprintf(what, sizeof(what), "another operation on %.40s/%.15s", container_id, ifname);
	/* Offsets below CNI_LOCK_RESERVED: positive in off_t, and clear of the reserved ones. */
	return cni_lock_range((off_t)(hash_names(names, ARRAY_SIZE(names)) >> 2), wait, what,
			      ret_fd, err);
}
