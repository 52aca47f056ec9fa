/* cgroup v1 and v2 limits. The host decides per controller: a v1 hierarchy mounted with it,
 * else the v2 hierarchy whose root offers it (runc and podman choose the same way on hybrid
 * hosts). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

static const char *const ctl_names[CG_N_CONTROLLERS] = {"memory", "cpu", "pids", "cpuset"};

const char *cg_controller_name(enum cg_controller c)
{
	return c < CG_N_CONTROLLERS ? ctl_names[c] : "?";
}

static int ctl_from_name(const char *name, size_t len)
{
	for (int i = 0; i < CG_N_CONTROLLERS; i++)
		if (strlen(ctl_names[i]) == len && strncmp(ctl_names[i], name, len) == 0)
			return i;
	return -1;
}

/* Bits of the controllers named in a list separated by any of `seps`. */
static unsigned ctl_mask(const char *list, const char *seps)
{
	unsigned m = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, seps);
		int c = ctl_from_name(p, n);
		if (c >= 0)
			m |= 1u << c;
		p += n;
		p += strspn(p, seps);
	}
	return m;
}

static char *path_join(const char *a, const char *b)
{
	char *p = NULL;
	return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

/* Like a shell's `echo VALUE > DIR/FILE`; on a real cgroupfs the file exists already. */
static int write_at(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *path = path_join(dir, file);
	_cleanup_close_ int fd = -EBADF;

	if (!path)
		return -ENOMEM;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return negative_errno();
	if (write(fd, value, strlen(value)) < 0)
		return negative_errno();
	return 0;
}

/* The file's content without the trailing newline; "" for an empty file. */
static int read_at(const char *dir, const char *file, char *buf, size_t size)
{
	_cleanup_free_ char *path = path_join(dir, file);
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	if (!path)
		return -ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || (n = read(fd, buf, size - 1)) < 0)
		return negative_errno();
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static bool exists_at(const char *dir, const char *file)
{
	_cleanup_free_ char *path = path_join(dir, file);
	return path && access(path, F_OK) == 0;
}

/* mountinfo escapes blanks, tabs, newlines and backslashes in paths as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

void cg_host_clear(struct cg_host *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->mounts[i].path);
	free(h->mounts);
	*h = (struct cg_host){0};
}

static int host_add(struct cg_host *h, const char *path, bool v2, unsigned ctls)
{
	struct cg_mount *m = realloc(h->mounts, (h->n + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	h->mounts = m;
	m[h->n] = (struct cg_mount){.path = strdup(path), .v2 = v2, .controllers = ctls};
	if (!m[h->n].path)
		return -ENOMEM;
	h->n++;
	return 0;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE
 * SUPEROPTS". A controller belongs to the first hierarchy that has it (a hierarchy may be
 * mounted twice), and only one v2 mount counts. */
static int probe_line(struct cg_host *h, char *line, unsigned *claimed, bool *have_v2)
{
	char *sep = strstr(line, " - "), *save = NULL, *mnt, *fstype, *super;
	unsigned ctls;
	bool v2;

	if (!sep)
		return 0;
	*sep = '\0';
	for (int i = 0; i < 5; i++) {
		mnt = strtok_r(i ? NULL : line, " ", &save);
		if (!mnt)
			return 0;
	}
	fstype = strtok_r(sep + 3, " ", &save);
	(void)strtok_r(NULL, " ", &save);
	super = strtok_r(NULL, " \n", &save);
	if (!fstype || !super)
		return 0;
	v2 = strcmp(fstype, "cgroup2") == 0;
	if (!v2 && strcmp(fstype, "cgroup") != 0)
		return 0;
	unescape(mnt);
	if (v2) {
		char buf[512];
		if (*have_v2)
			return 0;
		*have_v2 = true;
		ctls = read_at(mnt, "cgroup.controllers", buf, sizeof(buf)) < 0
			       ? 0
			       : ctl_mask(buf, " \n");
	} else {
		ctls = ctl_mask(super, ",");
	}
	ctls &= ~*claimed;
	/* A v2 mount is kept even without controllers: the error then names it. */
	if (!ctls && !v2)
		return 0;
	*claimed |= ctls;
	return host_add(h, mnt, v2, ctls);
}

int cg_host_probe(const char *mountinfo, struct cg_host *ret, struct cni_error *err)
{
	struct cg_host h = {0};
	char *line = NULL;
	size_t cap = 0;
	unsigned claimed = 0;
	bool have_v2 = false;
	FILE *f = fopen(mountinfo, "re");
	int r = 0;

	if (!f)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "read %s", mountinfo);
	/* v1 hierarchies claim their controllers first: a controller bound to v1 is not
	 * available on v2, whatever the v2 root lists. */
	for (int pass = 0; pass < 2 && r >= 0; pass++) {
		rewind(f);
		while (r >= 0 && getline(&line, &cap, f) > 0) {
			bool is_v2 = strstr(line, " - cgroup2 ") != NULL;
			if (is_v2 == (pass == 1))
				r = probe_line(&h, line, &claimed, &have_v2);
		}
	}
	free(line);
	fclose(f);
	if (r < 0) {
		cg_host_clear(&h);
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "out of memory");
	}
	*ret = h;
	return 0;
}

const struct cg_mount *cg_host_find(const struct cg_host *h, enum cg_controller c)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->mounts[i].controllers & (1u << c))
			return &h->mounts[i];
	return NULL;
}

static unsigned wanted_mask(const struct cg_limits *l)
{
	return (l->memory ? 1u << CG_MEMORY : 0) | (l->cpu_quota_us ? 1u << CG_CPU : 0) |
	       (l->pids ? 1u << CG_PIDS : 0) | (l->cpuset_cpus ? 1u << CG_CPUSET : 0);
}

static int set_value(const char *dir, const char *file, const char *value, struct cni_error *err)
{
	int r = write_at(dir, file, value);
	if (r < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "write \"%s\" to %s/%s",
				     value, dir, file);
	return 0;
}

/* A new v1 cpuset cgroup starts with empty cpus and mems and accepts no process until both
 * are set (cgroup-v1/cpusets.rst); take the parent's unless already set. */
static int cpuset_inherit(const char *parent, const char *dir, const char *file,
			  struct cni_error *err)
{
	char buf[4096];
	int r;

	if (read_at(dir, file, buf, sizeof(buf)) >= 0 && buf[0])
		return 0;
	if ((r = read_at(parent, file, buf, sizeof(buf))) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "read %s/%s", parent, file);
	return set_value(dir, file, buf, err);
}

/* Enable the controllers of `ctls` for the children of dir (v2), in one write. */
static int v2_enable(const char *dir, unsigned ctls, struct cni_error *err)
{
	char val[64] = "";

	for (int c = 0; c < CG_N_CONTROLLERS; c++)
		if (ctls & (1u << c))
			snprintf(val + strlen(val), sizeof(val) - strlen(val), "%s+%s",
				 val[0] ? " " : "", ctl_names[c]);
	return set_value(dir, "cgroup.subtree_control", val, err) < 0 ? -EIO : 0;
}

/* Every level of <mount>/<parent>, made ready for the container's directory below it. */
static int make_parent(const struct cg_mount *m, const char *parent, unsigned ctls, char **ret_path,
		       struct cni_error *err)
{
	_cleanup_free_ char *copy = strdup(parent), *path = strdup(m->path);
	char *save = NULL;
	int r;

	if (!copy || !path)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		_cleanup_free_ char *prev = TAKE_PTR(path);
		if (!(path = path_join(prev, c)))
			return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		if (m->v2 && (r = v2_enable(prev, ctls, err)) < 0)
			return r;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create cgroup %s",
					     path);
		if (!m->v2 && (ctls & (1u << CG_CPUSET)) &&
		    ((r = cpuset_inherit(prev, path, "cpuset.cpus", err)) < 0 ||
		     (r = cpuset_inherit(prev, path, "cpuset.mems", err)) < 0))
			return r;
	}
	if (m->v2 && (r = v2_enable(path, ctls, err)) < 0)
		return r;
	*ret_path = TAKE_PTR(path);
	return 0;
}

static int write_limits(const struct cg_mount *m, const char *parent_dir, const char *dir,
			unsigned ctls, const struct cg_limits *l, struct cni_error *err)
{
	char val[64];
	int r;

	if (ctls & (1u << CG_MEMORY)) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->memory);
		if ((r = set_value(dir, m->v2 ? "memory.max" : "memory.limit_in_bytes", val, err)) <
		    0)
			return r;
		/* No swap on top of the limit: --memory is all the container gets, and an
		 * allocation beyond it is an OOM kill, not a slow swap-out. */
		if (!m->v2 && exists_at(dir, "memory.memsw.limit_in_bytes") &&
		    (r = set_value(dir, "memory.memsw.limit_in_bytes", val, err)) < 0)
			return r;
		if (m->v2 && exists_at(dir, "memory.swap.max") &&
		    (r = set_value(dir, "memory.swap.max", "0", err)) < 0)
			return r;
	}
	if (ctls & (1u << CG_CPU)) {
		if (m->v2) {
			snprintf(val, sizeof(val), "%llu %u", (unsigned long long)l->cpu_quota_us,
				 CG_PERIOD_US);
			if ((r = set_value(dir, "cpu.max", val, err)) < 0)
				return r;
		} else {
			snprintf(val, sizeof(val), "%u", CG_PERIOD_US);
			if ((r = set_value(dir, "cpu.cfs_period_us", val, err)) < 0)
				return r;
			snprintf(val, sizeof(val), "%llu", (unsigned long long)l->cpu_quota_us);
			if ((r = set_value(dir, "cpu.cfs_quota_us", val, err)) < 0)
				return r;
		}
	}
	if (ctls & (1u << CG_PIDS)) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)l->pids);
		if ((r = set_value(dir, "pids.max", val, err)) < 0)
			return r;
	}
	if (ctls & (1u << CG_CPUSET)) {
		if (!m->v2 && (r = cpuset_inherit(parent_dir, dir, "cpuset.mems", err)) < 0)
			return r;
		if ((r = set_value(dir, "cpuset.cpus", l->cpuset_cpus, err)) < 0)
			return r;
	}
	return 0;
}

/* mkdir <parent>/<id>; again when a concurrent teardown removed an empty parent meanwhile
 * (ENOENT anywhere on the way). */
static int make_dir(const struct cg_mount *m, const char *parent, const char *id, unsigned ctls,
		    char **ret_parent, char **ret_dir, struct cni_error *err)
{
	for (int attempt = 0;; attempt++) {
		_cleanup_free_ char *pdir = NULL, *dir = NULL;
		struct cni_error e = {0};
		int r = make_parent(m, parent, ctls, &pdir, &e);
		if (r >= 0 && !(dir = path_join(pdir, id)))
			r = cni_error_set(&e, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
		if (r >= 0 && mkdir(dir, 0755) == 0) {
			*ret_parent = TAKE_PTR(pdir);
			*ret_dir = TAKE_PTR(dir);
			return 0;
		}
		if (r >= 0)
			r = cni_error_set(&e, CNI_ERR_INTERNAL, errno, NULL, "create cgroup %s",
					  dir);
		if (r != -ENOENT || attempt == 5) {
			if (err)
				*err = e;
			return r;
		}
	}
}

char **cg_dirs_free(char **dirs)
{
	for (size_t i = 0; dirs && dirs[i]; i++)
		free(dirs[i]);
	free(dirs);
	return NULL;
}

DEFINE_CLEANUP(char **, cg_dirs_free)

int cg_create(const struct cg_host *h, const char *parent, const char *id,
	      const struct cg_limits *l, char ***ret_dirs, struct cni_error *err)
{
	_cleanup_(cg_dirs_freep) char **dirs = calloc(h->n + 1, sizeof(char *));
	unsigned want = wanted_mask(l);
	size_t n = 0;
	int r = 0;

	if (!dirs)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (int c = 0; c < CG_N_CONTROLLERS; c++) {
		const struct cg_mount *v2 = NULL;
		if (!(want & (1u << c)) || cg_host_find(h, (enum cg_controller)c))
			continue;
		for (size_t i = 0; i < h->n; i++)
			if (h->mounts[i].v2)
				v2 = &h->mounts[i];
		if (v2)
			return cni_error_set(
				err, CNI_ERR_INTERNAL, ENOTSUP, NULL,
				"no cgroup hierarchy offers the \"%s\" controller: it is not mounted as cgroup v1 and the cgroup v2 hierarchy at %s does not list it in cgroup.controllers",
				ctl_names[c], v2->path);
		return cni_error_set(
			err, CNI_ERR_INTERNAL, ENOTSUP, NULL,
			"no cgroup hierarchy offers the \"%s\" controller (neither cgroup v1 nor v2 is mounted with it)",
			ctl_names[c]);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct cg_mount *m = &h->mounts[i];
		_cleanup_free_ char *pdir = NULL;
		unsigned ctls = m->controllers & want;
		if (!ctls)
			continue;
		if ((r = make_dir(m, parent, id, ctls, &pdir, &dirs[n], err)) < 0)
			goto undo;
		n++;
		if ((r = write_limits(m, pdir, dirs[n - 1], ctls, l, err)) < 0)
			goto undo;
	}
	*ret_dirs = TAKE_PTR(dirs);
	return 0;
undo:
	(void)cg_remove(dirs, id, strcmp(parent, CG_DEFAULT_PARENT) == 0);
	return r;
}

int cg_attach(char *const *dirs, pid_t pid, struct cni_error *err)
{
	char val[32];
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (size_t i = 0; dirs && dirs[i]; i++) {
		int r = write_at(dirs[i], "cgroup.procs", val);
		if (r < 0)
			return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL,
					     "move pid %d into cgroup %s", (int)pid, dirs[i]);
	}
	return 0;
}

static uint64_t counter(const char *text, const char *key)
{
	size_t k = strlen(key);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, k) == 0 && p[k] == ' ')
			return strtoull(p + k + 1, NULL, 10);
	return 0;
}

uint64_t cg_oom_kills(char *const *dirs)
{
	char buf[4096];
	uint64_t n = 0;

	for (size_t i = 0; dirs && dirs[i]; i++) {
		if (read_at(dirs[i], "memory.events", buf, sizeof(buf)) >= 0 ||
		    read_at(dirs[i], "memory.oom_control", buf, sizeof(buf)) >= 0)
			n += counter(buf, "oom_kill");
	}
	return n;
}

/* Whatever still runs in our cgroup: the container's processes (a payload's orphans without a
 * PID namespace, or all of them after the monitor died). */
static void kill_members(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (exists_at(dir, "cgroup.kill") && write_at(dir, "cgroup.kill", "1") == 0)
		return;
	if (!(path = path_join(dir, "cgroup.procs")) || !(f = fopen(path, "re")))
		return;
	while (getline(&line, &cap, f) > 0) {
		pid_t pid = (pid_t)strtol(line, NULL, 10);
		if (pid > 1 && pid != getpid())
			(void)kill(pid, SIGKILL);
	}
	free(line);
	fclose(f);
}

int cg_remove(char *const *dirs, const char *id, bool remove_parent)
{
	int first = 0;

	for (size_t i = 0; dirs && dirs[i]; i++) {
		const char *base = strrchr(dirs[i], '/');
		int r = -EBUSY;
		if (!base || strcmp(base + 1, id) != 0) {
			first = first ? first : -EINVAL;
			continue;
		}
		for (int k = 0; k < 150 && r == -EBUSY; k++) {
			if (rmdir(dirs[i]) == 0 || errno == ENOENT)
				r = 0;
			else if (errno != EBUSY)
				r = negative_errno();
			else {
				kill_members(dirs[i]);
				nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
			}
		}
		if (r < 0 && !first)
			first = r;
		if (r == 0 && remove_parent) {
			_cleanup_free_ char *parent = strdup(dirs[i]);
			char *slash = parent ? strrchr(parent, '/') : NULL;
			/* Another container may still use it (EBUSY, ENOTEMPTY): that is fine. */
			if (slash) {
				*slash = '\0';
				(void)rmdir(parent);
			}
		}
	}
	return first;
}

int cg_check_cpuset(const char *s)
{
	const char *p = s;

	if (!*s)
		return -EINVAL;
	while (*p) {
		char *end = NULL;
		unsigned long a, b;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		a = b = strtoul(p, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || b > 65535)
			return -EINVAL;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return 0;
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
	*ret = (uint64_t)(v * CG_PERIOD_US + 0.5);
	if (*ret < 1000)
		*ret = 1000;
	return 0;
}
