/* cgroup v2 limits: memory.max, cpu.max, pids.max. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

static bool is_cgroup2(const char *path)
{
	struct statfs sf;
	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int write_file(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return -ENOMEM;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return negative_errno();
	if (write(fd, value, strlen(value)) < 0)
		return negative_errno();
	return 0;
}

static bool has_controller(const char *root, const char *ctl)
{
	char buf[1024], *tok, *save = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	if (asprintf(&path, "%s/cgroup.controllers", root) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || (n = read(fd, buf, sizeof(buf) - 1)) < 0)
		return false;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, ctl) == 0)
			return true;
	return false;
}

int cg_create(const char *id, const struct cg_limits *l, char **ret_path, struct cni_error *err)
{
	static const char *const roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	_cleanup_free_ char *parent = NULL, *path = NULL;
	const char *root = NULL;
	char val[64];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(roots) && !root; i++)
		if (is_cgroup2(roots[i]))
			root = roots[i];
	if (!root)
		return cni_error_set(
			err, CNI_ERR_INTERNAL, ENOTSUP, NULL,
			"cgroup limits need a cgroup v2 hierarchy; none is mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified");
	const char *need[3] = {l->memory ? "memory" : NULL, l->cpu_quota_us ? "cpu" : NULL,
			       l->pids ? "pids" : NULL};
	for (size_t i = 0; i < 3; i++)
		if (need[i] && !has_controller(root, need[i]))
			return cni_error_set(
				err, CNI_ERR_INTERNAL, ENOTSUP, NULL,
				"cgroup v2 hierarchy at %s does not offer the \"%s\" controller (it is bound to cgroup v1 on this host)",
				root, need[i]);
	if (asprintf(&parent, "%s/cnictl", root) < 0 ||
	    asprintf(&path, "%s/cnictl/%s", root, id) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create cgroup %s",
				     parent);
	for (size_t i = 0; i < 3; i++) {
		if (!need[i])
			continue;
		snprintf(val, sizeof(val), "+%s", need[i]);
		if ((r = write_file(root, "cgroup.subtree_control", val)) < 0 ||
		    (r = write_file(parent, "cgroup.subtree_control", val)) < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL,
					     "enable the %s controller below %s", need[i], root);
	}
	if (mkdir(path, 0755) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create cgroup %s", path);
	r = 0;
	if (l->memory) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory);
		r = write_file(path, "memory.max", val);
	}
	if (r >= 0 && l->cpu_quota_us) {
		snprintf(val, sizeof(val), "%llu 100000", (unsigned long long)l->cpu_quota_us);
		r = write_file(path, "cpu.max", val);
	}
	if (r >= 0 && l->pids) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->pids);
		r = write_file(path, "pids.max", val);
	}
	if (r < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "set limits on cgroup %s", path);
		(void)rmdir(path);
		return r;
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

int cg_attach(const char *path, pid_t pid, struct cni_error *err)
{
	char val[32];
	snprintf(val, sizeof(val), "%d", (int)pid);
	int r = write_file(path, "cgroup.procs", val);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "move pid %d into cgroup %s",
				     (int)pid, path);
	return 0;
}

int cg_remove(const char *path)
{
	for (int i = 0; i < 50; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return negative_errno();
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
	return -EBUSY;
}

int cg_parse_size(const char *s, uint64_t *ret)
{
	char *end = NULL;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v == 0 || v > UINT64_MAX / mul)
		return -EINVAL;
	*ret = v * mul;
	return 0;
}

int cg_parse_cpus(const char *s, uint64_t *ret)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 4096)
		return -EINVAL;
	*ret = (uint64_t)(v * 100000.0 + 0.5);
	if (*ret < 1000)
		*ret = 1000;
	return 0;
}
