/* File-system helpers shared by the plugins and the launcher. */
#pragma once

#include <sys/types.h>

/* mkdir -p: create `path` and every missing directory above it with `mode` (less the umask).
 * Existing directories, and ones another process creates meanwhile, are success; a
 * non-directory in the way is -ENOTDIR. Trailing and doubled slashes are accepted. Returns 0 or
 * -errno (-EINVAL for an empty path, -ENAMETOOLONG from PATH_MAX on). Idempotent. */
int fs_mkdir_p(const char *path, mode_t mode);

/* open(path, flags, mode); where that fails with ENOENT, `dir` (path's directory, or path
 * itself for a directory) is made with fs_mkdir_p(dir, dir_mode) and the open tried once more.
 * The directories cost nothing when they exist already (a fresh node has none of them). A file
 * descriptor, or -errno of the open or of the mkdir. */
int fs_open_mkdir(const char *dir, mode_t dir_mode, const char *path, int flags, mode_t mode);

/* flock(fd, LOCK_EX), waiting at most timeout_ms: 0, -ETIMEDOUT, or -errno. Waiters are queued
 * by the kernel and woken as the holder lets go, not polled. Uses SIGALRM and ITIMER_REAL while
 * it waits (a no-op handler stays installed afterwards). */
int fs_flock_wait(int fd, int timeout_ms);
/* The same for an open-file-description write lock on the byte at offset (F_OFD_SETLKW). */
int fs_range_lock_wait(int fd, off_t offset, int timeout_ms);
