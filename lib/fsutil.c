/* File-system helpers. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "fsutil.h"
#include "macro.h"
#include "monotonic.h"

/* One level: created, or already a directory (also when a concurrent creator won). */
static int mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno != EEXIST)
		return negative_errno();
	/* A dangling symlink is in the way too; it must not read as "parent missing". */
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ENOTDIR : negative_errno();
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* Bottom-up: usually only the last level is missing, which costs one mkdir(). Otherwise walk up
 * to the deepest level that exists, then create downward, each level once. */
int fs_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *cut;
	int r;

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	/* Up: cut the last component off at the first slash of its run ("a//b" -> "a"). */
	while ((r = mkdir_one(buf, mode)) == -ENOENT) {
		cut = strrchr(buf, '/');
		if (!cut)
			return r; /* a relative first level whose working directory is gone */
		while (cut > buf && cut[-1] == '/')
			cut--;
		if (cut == buf)
			return r; /* "/x" cannot lack its parent */
		*cut = '\0';
	}
	/* Down: put each cut slash back and create that level. */
	while (r >= 0 && (cut = buf + strlen(buf)) < buf + len) {
		*cut = '/';
		r = mkdir_one(buf, mode);
	}
	return r;
}

int fs_open_mkdir(const char *dir, mode_t dir_mode, const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode), r;

	if (fd < 0 && errno == ENOENT) {
		if ((r = fs_mkdir_p(dir, dir_mode)) < 0)
			return r;
		fd = open(path, flags, mode);
	}
	return fd >= 0 ? fd : negative_errno();
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A blocking lock call (the kernel queues waiters and wakes them as the holder lets go, no
 * polling) interrupted by a repeating SIGALRM so the wait is bounded; the interval timer also
 * covers a signal that lands just before the call is entered. SIGALRM is unblocked (a caller's
 * mask is inherited across exec) and our no-op handler stays installed, so a late tick can
 * never kill the process. */
static int wait_bounded(int fd, int (*block)(int fd, void *arg), void *arg, int timeout_ms)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval tv = {.it_interval = {0, 50000}, .it_value = {0, 50000}}, off = {0};
	double deadline = monotonic_ms() + timeout_ms;
	sigset_t alrm;
	int r;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigprocmask(SIG_UNBLOCK, &alrm, NULL) < 0 ||
	    setitimer(ITIMER_REAL, &tv, NULL) < 0)
		return negative_errno();
	for (;;) {
		if (block(fd, arg) == 0) {
			r = 0;
			break;
		}
		if (errno != EINTR) {
			r = negative_errno();
			break;
		}
		if (monotonic_ms() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
	}
	(void)setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

static int block_flock(int fd, void *arg)
{
	(void)arg;
	return flock(fd, LOCK_EX);
}

static int block_range(int fd, void *arg)
{
	return fcntl(fd, F_OFD_SETLKW, arg);
}

int fs_flock_wait(int fd, int timeout_ms)
{
	return wait_bounded(fd, block_flock, NULL, timeout_ms);
}

int fs_range_lock_wait(int fd, off_t offset, int timeout_ms)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = offset, .l_len = 1};

	return wait_bounded(fd, block_range, &fl, timeout_ms);
}
