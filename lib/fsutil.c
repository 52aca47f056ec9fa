/* File-system helpers. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "macro.h"

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
