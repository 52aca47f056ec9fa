/* File-system helpers shared by the plugins and the launcher. */
#pragma once

#include <sys/types.h>

/* mkdir -p: create `path` and every missing directory above it with `mode` (less the umask).
 * Existing directories, and ones another process creates meanwhile, are success; a
 * non-directory in the way is -ENOTDIR. Trailing and doubled slashes are accepted. Returns 0 or
 * -errno (-EINVAL for an empty path, -ENAMETOOLONG from PATH_MAX on). Idempotent. */
int fs_mkdir_p(const char *path, mode_t mode);
