/* Namespaces, handshake, init and exec-into. Child-side code runs after a raw clone3, so it
 * sticks to async-signal-safe calls plus a few that are fine in a single-threaded parent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "etc.h"

#define EXIT_SETUP 125

int ctr_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_SETUP;
}

_printf_(1, 2) _Noreturn static void child_fail(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int e = errno;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cnictl: container setup: %s: %s\n", buf, strerror(e));
	_exit(EXIT_SETUP);
}

static void close_all_except(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;
	if (lo > 3)
		syscall(SYS_close_range, 3, lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static void lo_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		child_fail("socket for lo");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		child_fail("get flags of lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		child_fail("bring lo up");
	close(fd);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A read-only copy of the host's cgroup mounts (/sys/fs/cgroup and below), taken before the
 * fresh /sys (and the rootfs) hide them: the container reads its limits at the paths
 * /proc/self/cgroup names, as in a Docker container on a cgroup v1 host. -1 without. */
static int clone_cgroupfs(unsigned long flags)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
					   MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};
	int fd;

	if (!(flags & CLONE_NEWNS) || !(flags & CLONE_NEWNET))
		return -1;
	fd = open_tree(AT_FDCWD, "/sys/fs/cgroup",
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return -1;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Fresh /proc (matches the new PID namespace) and /sys (shows the new netns's devices), with
 * the cgroup mounts from clone_cgroupfs() on /sys/fs/cgroup. */
static void mount_pseudo(unsigned long flags, bool in_rootfs, int cgroup_fd)
{
	if ((flags & CLONE_NEWPID) || in_rootfs) {
		if (in_rootfs)
			(void)mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			child_fail("mount /proc");
	}
	if (!(flags & CLONE_NEWNET) || !is_dir("/sys"))
		return;
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		child_fail("mount /sys");
	if (cgroup_fd >= 0 &&
	    move_mount(cgroup_fd, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		fprintf(stderr, "cnictl: warning: no /sys/fs/cgroup in the container: %s\n",
			strerror(errno));
}

/* "a/b" into buf; a path too long for it is a setup failure. */
static void path_join(char *buf, size_t size, const char *a, const char *b)
{
	if (snprintf(buf, size, "%s/%s", a, b) >= (int)size) {
		errno = ENAMETOOLONG;
		child_fail("%s/%s", a, b);
	}
}

/* The rootfs's /etc, on a tmpfs: every entry bound back from the original directory (writes
 * to them still reach the disk; new entries stay private), plus empty mount points for the
 * files we provide. Reached through an fd opened before the tmpfs covers the directory. */
static void private_etc(const char *etc, const struct stat *st)
{
	char path[4096], from[64], link[4096];
	struct dirent *de;
	int dfd = open(etc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (dfd < 0)
		child_fail("open %s", etc);
	if (mount("tmpfs", etc, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		child_fail("mount a private tmpfs on %s", etc);
	if (chmod(etc, st->st_mode & 07777) < 0 || chown(etc, st->st_uid, st->st_gid) < 0)
		child_fail("set the owner and mode of %s", etc);
	if (!(d = fdopendir(dfd)))
		child_fail("read %s", etc);
	while ((de = readdir(d))) {
		struct stat es;
		bool ours = false;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
			ours |= strcmp(de->d_name, etc_files[i]) == 0;
		if (ours || fstatat(dfd, de->d_name, &es, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path_join(path, sizeof(path), etc, de->d_name);
		if (S_ISLNK(es.st_mode)) {
			ssize_t n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
			link[n > 0 ? n : 0] = '\0';
			if (n < 0 || symlink(link, path) < 0)
				child_fail("copy the link %s", path);
			continue;
		}
		if (S_ISDIR(es.st_mode) ? mkdir(path, es.st_mode & 07777) < 0
					: mknod(path, S_IFREG | 0644, 0) < 0)
			child_fail("create the mount point %s", path);
		snprintf(from, sizeof(from), "/proc/self/fd/%d", dfd);
		path_join(link, sizeof(link), from, de->d_name);
		if (mount(link, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			child_fail("bind %s back", path);
	}
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		path_join(path, sizeof(path), etc, etc_files[i]);
		if (mknod(path, S_IFREG | 0644, 0) < 0)
			child_fail("create the mount point %s", path);
	}
	closedir(d);
}

/* Our private hostname, hosts and resolv.conf over the rootfs's: bound onto its files when it
 * has all three, else onto a private /etc (private_etc). The rootfs on disk is not changed. */
static void provide_etc(const char *rootfs, const char *src)
{
	char etc[4096], path[4096], from[4096];
	struct stat st, fst;
	bool all_files = true;

	path_join(etc, sizeof(etc), rootfs, "etc");
	if (lstat(etc, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"cnictl: warning: %s has no /etc directory: no /etc/hostname, /etc/hosts or /etc/resolv.conf in the container\n",
			rootfs);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		path_join(path, sizeof(path), etc, etc_files[i]);
		all_files &= lstat(path, &fst) == 0 && S_ISREG(fst.st_mode);
	}
	if (!all_files)
		private_etc(etc, &st);
	for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++) {
		path_join(path, sizeof(path), etc, etc_files[i]);
		path_join(from, sizeof(from), src, etc_files[i]);
		if (mount(from, path, NULL, MS_BIND, NULL) < 0)
			child_fail("bind %s on %s", from, path);
	}
}

static void enter_rootfs(const char *rootfs, const char *etc_dir)
{
	char dev[4096];

	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail("bind %s", rootfs);
	snprintf(dev, sizeof(dev), "%s/dev", rootfs);
	if (is_dir(dev) && mount("/dev", dev, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail("bind /dev into %s", rootfs);
	if (etc_dir)
		provide_etc(rootfs, etc_dir);
	if (chdir(rootfs) < 0)
		child_fail("chdir %s", rootfs);
	/* pivot_root(".", "."): the old root ends up on top of the new one; detach it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		child_fail("pivot_root into %s", rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		child_fail("detach the old root");
	if (chdir("/") < 0)
		child_fail("chdir /");
}

static const int forwarded[] = {SIGTERM, SIGINT,   SIGHUP,  SIGQUIT, SIGUSR1,
				SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

static void reset_signals(void)
{
	sigset_t none;
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		signal(forwarded[i], SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	/* The monitor ignores these (it runs in a background process group). */
	signal(SIGTTOU, SIG_DFL);
	signal(SIGTTIN, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

_Noreturn static void run_payload(char *const *argv)
{
	reset_signals();
	execvp(argv[0], argv);
	int e = errno;
	fprintf(stderr, "cnictl: exec %s: %s\n", argv[0], strerror(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* PID 1: the payload is PID 2, so it keeps default signal dispositions; we forward what the
 * launcher (or anyone) sends us, reap orphans, and exit with the payload's status. */
_Noreturn static void init_main(const struct ctr_spec *spec)
{
	sigset_t all;
	int wstatus = 0;
	pid_t payload;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (!(spec->ns_flags & CLONE_NEWPID))
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	payload = fork();
	if (payload < 0)
		child_fail("fork the payload");
	if (payload == 0)
		run_payload(spec->argv);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			(void)kill(payload, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t w = waitpid(-1, &st, WNOHANG);
			if (w <= 0)
				break;
			if (w == payload)
				_exit(ctr_status_code(st));
		}
		(void)wstatus;
	}
}

_Noreturn static void child_main(const struct ctr_spec *spec, int go_rd, int status_wr)
{
	int cgroup_fd;
	char c = 0;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	reset_signals();
	if (spec->output_fd >= 0 &&
	    (dup2(spec->output_fd, STDOUT_FILENO) < 0 || dup2(spec->output_fd, STDERR_FILENO) < 0))
		_exit(EXIT_SETUP);
	close_all_except(go_rd, status_wr);
	if ((spec->ns_flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail("make the mount tree private");
	if (write(status_wr, "R", 1) != 1)
		_exit(EXIT_SETUP);
	close(status_wr);
	/* EOF here means the launcher died or gave up before the network was ready. */
	while (read(go_rd, &c, 1) < 0 && errno == EINTR)
		;
	if (c != 'G')
		_exit(EXIT_SETUP);
	close(go_rd);
	if ((spec->ns_flags & CLONE_NEWUTS) && spec->hostname &&
	    sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		child_fail("set hostname %s", spec->hostname);
	if (spec->ns_flags & CLONE_NEWNET)
		lo_up();
	cgroup_fd = clone_cgroupfs(spec->ns_flags);
	if (spec->rootfs)
		enter_rootfs(spec->rootfs, spec->etc_dir);
	if (spec->ns_flags & CLONE_NEWNS)
		mount_pseudo(spec->ns_flags, spec->rootfs != NULL, cgroup_fd);
	if (cgroup_fd >= 0)
		close(cgroup_fd);
	init_main(spec);
}

int ctr_spawn(const struct ctr_spec *spec, struct ctr *ret, struct cni_error *err)
{
	int go[2] = {-1, -1}, st[2] = {-1, -1}, pidfd = -1, r;
	struct clone_args ca = {0};
	char c = 0;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create go pipe");
	if (pipe2(st, O_CLOEXEC) < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create status pipe");
		goto close_go;
	}
	ca.flags = spec->ns_flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				  "create the container namespaces (clone3)");
		goto close_st;
	}
	if (pid == 0) {
		close(go[1]);
		close(st[0]);
		child_main(spec, go[0], st[1]);
	}
	close(go[0]);
	close(st[1]);
	while ((r = (int)read(st[0], &c, 1)) < 0 && errno == EINTR)
		;
	close(st[0]);
	if (c != 'R') {
		int ws = 0;
		close(go[1]);
		(void)waitpid(pid, &ws, 0);
		close(pidfd);
		return cni_error_set(err, CNI_ERR_INTERNAL, 0, NULL,
				     "the container process failed during setup (status %d)",
				     ctr_status_code(ws));
	}
	*ret = (struct ctr){.pid = pid, .pidfd = pidfd, .go_fd = go[1]};
	return 0;
close_st:
	close(st[0]);
	close(st[1]);
close_go:
	close(go[0]);
	close(go[1]);
	return r;
}

int ctr_go(struct ctr *c, struct cni_error *err)
{
	ssize_t k;
	while ((k = write(c->go_fd, "G", 1)) < 0 && errno == EINTR)
		;
	close(c->go_fd);
	c->go_fd = -1;
	if (k != 1)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "start the container (it is gone)");
	return 0;
}

void ctr_abort(struct ctr *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);
	c->go_fd = -1;
}

void ctr_close(struct ctr *c)
{
	ctr_abort(c);
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
}

static int make_shared_dir(const char *dir, struct cni_error *err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "create %s", dir);
	/* iproute2 lib/namespace.c: make the directory a shared mount point so namespaces
	 * bound below it are seen by mount namespaces made later. */
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "make %s shared", dir);
	if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "bind %s on itself", dir);
	if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "make %s shared", dir);
	return 0;
}

int ctr_netns_mount(pid_t pid, const char *path, struct cni_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	char src[64];
	int fd, r;

	if (!dir)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	*strrchr(dir, '/') = '\0';
	if ((r = make_shared_dir(dir, err)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
				     "create netns mount point %s", path);
	close(fd);
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "bind %s on %s", src, path);
		unlink(path);
		return r;
	}
	return 0;
}

int ctr_netns_unmount(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return negative_errno();
	if (unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

static pid_t exec_child = -1;

static void forward_to_child(int sig)
{
	if (exec_child > 0)
		kill(exec_child, sig);
}

int ctr_exec_in(pid_t init_pid, char *const *argv, struct cni_error *err)
{
	static const struct {
		const char *name;
		int type;
	} order[] = {{"ipc", CLONE_NEWIPC},
		     {"uts", CLONE_NEWUTS},
		     {"net", CLONE_NEWNET},
		     {"pid", CLONE_NEWPID},
		     {"mnt", CLONE_NEWNS}};
	int fds[ARRAY_SIZE(order)], ws, r = 0;
	struct sigaction sa = {.sa_handler = forward_to_child};

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)init_pid, order[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", order[i].name);
		fds[i] = -1;
		if (stat(theirs, &a) < 0) {
			r = cni_error_set(err, CNI_ERR_UNKNOWN_CTR, errno, NULL, "open %s", theirs);
			goto out;
		}
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		if ((fds[i] = open(theirs, O_RDONLY | O_CLOEXEC)) < 0) {
			r = cni_error_set(err, CNI_ERR_UNKNOWN_CTR, errno, NULL, "open %s", theirs);
			goto out;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (fds[i] >= 0 && setns(fds[i], order[i].type) < 0) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
					  "enter the %s namespace of pid %d", order[i].name,
					  (int)init_pid);
			goto out;
		}
	fflush(NULL);
	exec_child = fork();
	if (exec_child < 0) {
		r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL, "fork");
		goto out;
	}
	if (exec_child == 0) {
		if (chdir("/") < 0)
			_exit(EXIT_SETUP);
		run_payload(argv);
	}
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaction(forwarded[i], &sa, NULL);
	while (waitpid(exec_child, &ws, 0) < 0)
		if (errno != EINTR) {
			r = cni_error_set(err, CNI_ERR_INTERNAL, errno, NULL,
					  "wait for the command");
			goto out;
		}
	r = ctr_status_code(ws);
out:
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}
