/* Namespaces, handshake, init and exec-into. Child-side code runs after a raw clone3, so it
 * sticks to async-signal-safe calls plus a few that are fine in a single-threaded parent. */
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

#define EXIT_SETUP 125

int ctr_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXIT_SETUP;
}

_printf_(1, 2) static void child_fail(const char *fmt, ...)
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

/* Fresh /proc (matches the new PID namespace) and /sys (shows the new netns's devices). */
static void mount_pseudo(unsigned long flags, bool in_rootfs)
{
	if ((flags & CLONE_NEWPID) || in_rootfs) {
		if (in_rootfs)
			(void)mkdir("/proc", 0555);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			child_fail("mount /proc");
	}
	if ((flags & CLONE_NEWNET) && is_dir("/sys") &&
	    mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		child_fail("mount /sys");
}

static void enter_rootfs(const char *rootfs)
{
	char dev[4096];

	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail("bind %s", rootfs);
	snprintf(dev, sizeof(dev), "%s/dev", rootfs);
	if (is_dir(dev) && mount("/dev", dev, NULL, MS_BIND | MS_REC, NULL) < 0)
		child_fail("bind /dev into %s", rootfs);
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
	char c = 0;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	reset_signals();
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
	if (spec->rootfs)
		enter_rootfs(spec->rootfs);
	if (spec->ns_flags & CLONE_NEWNS)
		mount_pseudo(spec->ns_flags, spec->rootfs != NULL);
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
