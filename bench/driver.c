/* bench driver: runs our bridge/host-local, the reference plugins and an in-process kernel
 * baseline alternately in one run, and prints each figure against the floor measured in the same
 * run (the kernel baseline, plus a process start where a plugin pays one), with the reference's
 * for information.
 *
 * Must run inside the private network + mount namespace that bench/run.sh builds (tmpfs over
 * /run, /var/lib/cni, ...): it creates bridges, veths, netns bind mounts and firewall rules there
 * and relies on that sandbox dying for the final cleanup.
 *
 * Measurement: posix_spawn + pidfd poll + wait4, CLOCK_MONOTONIC around spawn..reap. wait4's
 * rusage covers the plugin and every descendant it waited for (delegated IPAM, iptables execs),
 * so user+sys is CPU per operation; ru_maxrss is the largest single process of that tree, which
 * is why peak RSS per process is measured with configurations that spawn nothing (bridge without
 * IPAM, host-local called directly), beside the largest process of an ADD with host-local.
 * Container netns are created before the timed region; the sides run in rotating order (ABC BCA
 * ...) so drift hits all equally. samples.tsv has every operation with its pid and start time
 * (CLOCK_MONOTONIC, as `perf record -k CLOCK_MONOTONIC` stamps events). */
#include <cjson/cJSON.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <math.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "kwork.h"

#define WORK	      "/run/bench"
#define OP_TIMEOUT_MS 60000

/* ---------------------------------------------------------------- small utilities */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(struct timeval tv)
{
	return (double)tv.tv_sec * 1e3 + (double)tv.tv_usec / 1e3;
}

__attribute__((format(printf, 1, 2))) static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return xstrdup("");
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				die("out of memory");
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die("write %s: %s", path, strerror(errno));
}

/* ---------------------------------------------------------------- statistics */

struct series {
	double *v;
	size_t n, cap;
};

static void series_add(struct series *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The samples in ascending order, in a copy to free. */
static double *sorted_copy(const struct series *s)
{
	double *tmp = xcalloc(s->n, sizeof(*tmp));

	memcpy(tmp, s->v, s->n * sizeof(*tmp));
	qsort(tmp, s->n, sizeof(*tmp), cmp_double);
	return tmp;
}

/* Nearest-rank percentile; NAN when empty. */
static double pct(const struct series *s, double p)
{
	double *tmp, r;
	size_t k;

	if (s->n == 0)
		return NAN;
	tmp = sorted_copy(s);
	k = (size_t)ceil(p / 100.0 * (double)s->n);
	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	r = tmp[k - 1];
	free(tmp);
	return r;
}

static double median(const struct series *s)
{
	return pct(s, 50);
}

static double smax(const struct series *s)
{
	return pct(s, 100);
}

/* Mean of the samples between the 10th and the 90th percentile; NAN when empty. */
static double trimmed_mean(const struct series *s)
{
	double *tmp, sum = 0;
	size_t lo, hi;

	if (s->n == 0)
		return NAN;
	tmp = sorted_copy(s);
	lo = s->n / 10;
	hi = s->n - s->n / 10;
	for (size_t i = lo; i < hi; i++)
		sum += tmp[i];
	free(tmp);
	return sum / (double)(hi - lo);
}

/* ---------------------------------------------------------------- containers and netns */

static int host_ns = -1;   /* the sandbox's own netns */
static int host_rtnl = -1; /* rtnetlink socket bound to it */

struct ctr {
	char id[48];
	char ns[64];
	char ifname[16];
	char *result; /* ADD stdout (JSON), for DEL's prevResult and IP uniqueness */
	bool added;
	bool released; /* netns unmounted (release_netns) */
	int kidx;      /* kernel baseline: index for veth name and address */
};

static unsigned long ctr_seq;
static struct ctr **ctr_all; /* every container made, for release_netns */
static size_t ctr_n, ctr_cap;

static void netns_make(const char *path)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);

	if (fd < 0)
		die("create %s: %s", path, strerror(errno));
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET): %s", strerror(errno));
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		die("bind mount %s: %s", path, strerror(errno));
	if (setns(host_ns, CLONE_NEWNET) < 0)
		die("setns back to the sandbox netns: %s", strerror(errno));
}

/* A fresh container with its own, new netns (never reused: a broken DEL on one side must not
 * make the next ADD of either side fail). */
static struct ctr *ctr_new(const char *tag)
{
	struct ctr *c = xcalloc(1, sizeof(*c));

	ctr_seq++;
	snprintf(c->id, sizeof(c->id), "bench-%s-%06lu", tag, ctr_seq);
	snprintf(c->ns, sizeof(c->ns), "/run/netns/bn%lu", ctr_seq);
	snprintf(c->ifname, sizeof(c->ifname), "eth0");
	netns_make(c->ns);
	if (ctr_n == ctr_cap) {
		ctr_cap = ctr_cap ? 2 * ctr_cap : 256;
		ctr_all = realloc(ctr_all, ctr_cap * sizeof(*ctr_all));
		if (!ctr_all)
			die("out of memory");
	}
	ctr_all[ctr_n++] = c;
	return c;
}

/* Let go of the netns of every container that is not attached (DELeted, or never ADDed): each
 * live netns holds an `eth0` entry that every later /proc/sys/net/ipv6/conf/eth0 lookup compares
 * against (proc_sys_compare, both plugins and the kernel baseline pay it), so thousands left
 * over from earlier phases would make a later phase slower than its own conditions. The kernel
 * frees them in the background: give it a moment before the next phase. */
static void release_netns(void)
{
	size_t n = 0;

	for (size_t i = 0; i < ctr_n; i++) {
		struct ctr *c = ctr_all[i];

		if (c->added || c->released)
			continue;
		if (umount2(c->ns, MNT_DETACH) < 0 || unlink(c->ns) < 0)
			die("release netns %s: %s", c->ns, strerror(errno));
		c->released = true;
		n++;
	}
	if (n)
		usleep((useconds_t)(n < 500 ? n : 500) * 2000);
}

static struct ctr **ctrs_new(const char *tag, size_t n)
{
	struct ctr **v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = ctr_new(tag);
	return v;
}

/* ---------------------------------------------------------------- plugin execution */

enum op { OP_ADD, OP_DEL };

struct net {
	const char *side;   /* "ours" / "ref" / "kernel" */
	const char *label;  /* short id used in file names */
	const char *plugin; /* full path of the executable to run */
	const char *cni_path;
	const char *arg1; /* argv[1], NULL for plugins */
	bool via_shim;	  /* run through rusage-shim: rusage of the plugin alone (RSS phase) */
	char conf_path[PATH_MAX];
	char *conf_json;
	bool kernel;	   /* in-process kernel baseline instead of a plugin */
	char add_err[512]; /* first ADD failure; once set, no more ADDs on this network */
	char del_err[512]; /* first DEL failure; once set, no more DELs on this network */
	/* kernel baseline */
	int br_index;
	bool default_route; /* as a plugin with isGateway adds one (the plain config: none) */
	bool with_start;    /* in parallel, each ADD also spawns and reaps bench/noop */
	bool conforming; /* also what a conforming ADD/DEL must do: lease on disk, port-up wait */
	bool exec_add;	 /* ADD by a spawned bench/kadd, timed spawn to reap */
	bool exec_del;	 /* DEL by a spawned bench/kdel, timed spawn to reap */
	char lease_dir[PATH_MAX]; /* conforming: its host-local-style lease directory */
	unsigned int subnet_base; /* host order */
};

struct opres {
	double ms, cpu_ms;
	double child_cpu_ms; /* kernel floor: of a process it spawned (bench/kadd, bench/kdel) */
	double t0; /* CLOCK_MONOTONIC ms at the start (samples.tsv: matches perf -k monotonic) */
	pid_t pid; /* the plugin process (0: in-process) */
	long rss_kb;
	bool ok;
	char error[400];
};

struct job {
	struct net *net;
	struct ctr *ctr;
	enum op op;
	pid_t pid;
	int pidfd;
	double t0;
	char out_path[PATH_MAX];
	char rusage_path[PATH_MAX];
	struct opres res;
};

static char *env_path;
static const char *shim_path; /* build/bench/rusage-shim, see there */

static void describe_failure(struct job *j, int status, const char *out)
{
	cJSON *root = cJSON_Parse(out);
	const cJSON *msg = root ? cJSON_GetObjectItemCaseSensitive(root, "msg") : NULL;
	const cJSON *det = root ? cJSON_GetObjectItemCaseSensitive(root, "details") : NULL;
	char st[64];

	if (WIFEXITED(status))
		snprintf(st, sizeof(st), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(st, sizeof(st), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(st, sizeof(st), "status %d", status);
	if (cJSON_IsString(msg))
		snprintf(j->res.error, sizeof(j->res.error), "%s: %s%s%s", st, msg->valuestring,
			 cJSON_IsString(det) ? ": " : "",
			 cJSON_IsString(det) ? det->valuestring : "");
	else
		snprintf(j->res.error, sizeof(j->res.error), "%s, output: %.200s", st,
			 out[0] ? out : "(empty)");
	for (char *p = j->res.error; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	cJSON_Delete(root);
}

/* DEL gets the network config plus prevResult = ADD's result, as libcni-based runtimes do. */
static void write_del_conf(struct net *n, struct ctr *c, const char *path)
{
	cJSON *conf = cJSON_Parse(n->conf_json);
	cJSON *prev = c->result ? cJSON_Parse(c->result) : NULL;
	char *text;

	if (!conf)
		die("cannot parse own config for %s", n->label);
	if (prev)
		cJSON_AddItemToObject(conf, "prevResult", prev);
	text = cJSON_PrintUnformatted(conf);
	write_file(path, text);
	free(text);
	cJSON_Delete(conf);
}

static int job_start(struct job *j)
{
	char in_path[PATH_MAX], err_path[PATH_MAX];
	char e_cmd[32], e_id[96], e_ns[96], e_if[48], e_path[PATH_MAX + 16], e_syspath[600];
	char *envp[] = {e_cmd, e_id, e_ns, e_if, e_path, e_syspath, NULL};
	char *argv[] = {(char *)j->net->plugin, (char *)j->net->arg1, NULL, NULL, NULL};
	const char *prog = j->net->plugin;
	posix_spawn_file_actions_t fa;
	int r;

	memset(&j->res, 0, sizeof(j->res));
	snprintf(j->out_path, sizeof(j->out_path), WORK "/io/%s.%s.out", j->ctr->id,
		 j->op == OP_ADD ? "add" : "del");
	snprintf(err_path, sizeof(err_path), WORK "/io/%s.%s.err", j->ctr->id,
		 j->op == OP_ADD ? "add" : "del");
	if (j->op == OP_DEL) {
		snprintf(in_path, sizeof(in_path), WORK "/io/%s.del.json", j->ctr->id);
		write_del_conf(j->net, j->ctr, in_path);
	} else {
		snprintf(in_path, sizeof(in_path), "%s", j->net->conf_path);
	}
	snprintf(e_cmd, sizeof(e_cmd), "CNI_COMMAND=%s", j->op == OP_ADD ? "ADD" : "DEL");
	snprintf(e_id, sizeof(e_id), "CNI_CONTAINERID=%s", j->ctr->id);
	snprintf(e_ns, sizeof(e_ns), "CNI_NETNS=%s", j->ctr->ns);
	snprintf(e_if, sizeof(e_if), "CNI_IFNAME=%s", j->ctr->ifname);
	snprintf(e_path, sizeof(e_path), "CNI_PATH=%s", j->net->cni_path);
	snprintf(e_syspath, sizeof(e_syspath), "PATH=%s", env_path);
	if (j->net->via_shim) {
		snprintf(j->rusage_path, sizeof(j->rusage_path), WORK "/io/%s.%s.rusage",
			 j->ctr->id, j->op == OP_ADD ? "add" : "del");
		unlink(j->rusage_path);
		prog = shim_path;
		argv[0] = (char *)shim_path;
		argv[1] = j->rusage_path;
		argv[2] = (char *)j->net->plugin;
		argv[3] = (char *)j->net->arg1;
	}

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in_path, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, j->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	j->t0 = now_ms();
	r = posix_spawn(&j->pid, prog, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		snprintf(j->res.error, sizeof(j->res.error), "spawn %s: %s", j->net->plugin,
			 strerror(r));
		j->pid = -1;
		return -r;
	}
	j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
	if (j->pidfd < 0)
		die("pidfd_open: %s", strerror(errno));
	return 0;
}

/* Reap a job whose pidfd is readable (or kill it after the timeout). */
static void job_finish(struct job *j, bool timed_out)
{
	struct rusage ru;
	int status = 0;
	char *out;

	if (timed_out)
		kill(j->pid, SIGKILL);
	if (wait4(j->pid, &status, 0, &ru) < 0)
		die("wait4: %s", strerror(errno));
	j->res.ms = now_ms() - j->t0;
	j->res.t0 = j->t0;
	j->res.pid = j->pid;
	close(j->pidfd);
	j->pidfd = -1;
	j->res.cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	j->res.rss_kb = ru.ru_maxrss;
	if (j->net->via_shim) {
		/* the shim's own rusage carries the driver's high-water mark; use its report */
		char *rep = slurp(j->rusage_path);
		long rss = -1, cpu_us = -1;

		if (sscanf(rep, "%ld %ld", &rss, &cpu_us) != 2)
			rss = cpu_us = -1;
		j->res.rss_kb = rss;
		j->res.cpu_ms = cpu_us < 0 ? NAN : (double)cpu_us / 1e3;
		free(rep);
	}
	out = slurp(j->out_path);
	if (timed_out) {
		snprintf(j->res.error, sizeof(j->res.error), "no answer after %d s, killed",
			 OP_TIMEOUT_MS / 1000);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		j->res.ok = true;
	} else {
		describe_failure(j, status, out);
	}
	if (j->res.ok && j->op == OP_ADD) {
		free(j->ctr->result);
		j->ctr->result = out;
		j->ctr->added = true;
		out = NULL;
	} else if (j->res.ok && j->op == OP_DEL) {
		j->ctr->added = false;
	}
	free(out);
}

static void job_wait(struct job *j)
{
	struct pollfd p = {.fd = j->pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, OP_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	job_finish(j, r == 0);
}

/* ---------------------------------------------------------------- kernel baseline */

/* What one ADD/DEL must do in the kernel, done in-process over raw rtnetlink (no exec, no
 * IPAM file): veth with the peer created in the container netns, master + up in the same
 * request; accept_dad off, arp_notify, address, up (and a default route where the compared
 * configuration has one) inside the netns; DEL removes the host end. The floor of the
 * sequential, parallel and growth targets. */
static int rtnl_sock(void)
{
	int fd = kw_rtnl_open();

	if (fd < 0)
		die("netlink socket: %s", strerror(-fd));
	return fd;
}

/* Host-order address of the kernel baseline's container `kidx` in its /20. */
static unsigned int kern_ip(const struct net *n, int kidx)
{
	return n->subnet_base + 2 + (unsigned int)kidx;
}

/* What a plugin's ADD result would say (its address), so that the same bookkeeping counts the
 * baseline's IPs and duplicates among them. */
static void kern_result(const struct net *n, struct ctr *c)
{
	struct in_addr a = {.s_addr = htonl(kern_ip(n, c->kidx))};
	char buf[128];

	snprintf(buf, sizeof(buf), "{\"ips\":[{\"address\":\"%s/20\"}]}", inet_ntoa(a));
	free(c->result);
	c->result = xstrdup(buf);
}

/* The conforming floor: what every bridge + host-local pair that behaves as the reference must
 * do beyond the kernel work, at its cheapest and in-process. The lease as the reference's
 * host-local keeps it (disk backend): the network's lock file flock()ed, the address's file
 * created exclusively holding the owner, the cursor rewritten in place; DEL unlinks the file
 * under the lock. Then the wait for the host end to be up, which the reference and we both do
 * before answering (plugins#468), learnt from a link notification. */
static int lease_locked(const struct net *n)
{
	char path[PATH_MAX + 8];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", n->lease_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int lease_reserve(const struct net *n, const struct ctr *c, const char *ip)
{
	char path[PATH_MAX + 64], owner[300];
	int lock = lease_locked(n), fd, r = 0, len;

	if (lock < 0)
		return lock;
	snprintf(path, sizeof(path), "%s/%s", n->lease_dir, ip);
	len = snprintf(owner, sizeof(owner), "%s\r\n%s", c->id, c->ifname);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, owner, (size_t)len) != len)
		r = -errno;
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/last_reserved_ip.0", n->lease_dir);
	fd = r < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, ip, strlen(ip)) < 0)
			r = -errno;
		close(fd);
	}
	close(lock);
	return r;
}

static void lease_release(const struct net *n, const char *ip)
{
	char path[PATH_MAX + 64];
	int lock = lease_locked(n);

	snprintf(path, sizeof(path), "%s/%s", n->lease_dir, ip);
	(void)unlink(path);
	if (lock >= 0)
		close(lock);
}

/* A socket on the link notifications, opened before the veth exists. */
static int link_monitor(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int big = 4 << 20;

	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Whether one RTM_NEWLINK says link idx is oper-up. */
static bool says_up(const struct nlmsghdr *h, unsigned int idx)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)IFLA_PAYLOAD(h);

	if (h->nlmsg_type != RTM_NEWLINK || (unsigned int)ifi->ifi_index != idx)
		return false;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_OPERSTATE)
			return *(const unsigned char *)RTA_DATA(a) ==
			       6; /* IF_OPER_UP (linux/if.h) */
	return false;
}

/* Asked instead, where notifications were lost (ENOBUFS). */
static int ask_up(unsigned int idx)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)idx};
	char buf[8192];
	struct kw_req m;
	ssize_t n;

	kw_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	m.h.nlmsg_flags = NLM_F_REQUEST;
	if (send(host_rtnl, m.buf, m.h.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(host_rtnl, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	return n >= (ssize_t)NLMSG_HDRLEN && says_up((struct nlmsghdr *)buf, idx);
}

static int wait_up(int mon, unsigned int idx)
{
	__attribute__((aligned(8))) char buf[32768];
	double deadline = now_ms() + 5000;

	while (now_ms() < deadline) {
		struct pollfd p = {.fd = mon, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, (int)(deadline - now_ms()) + 1) < 0 && errno != EINTR)
			return -errno;
		while ((n = recv(mon, buf, sizeof(buf), 0)) > 0)
			for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
			     h = NLMSG_NEXT(h, n))
				if (says_up(h, idx))
					return 0;
		if (n < 0 && errno == ENOBUFS) {
			int r;
			while ((r = ask_up(idx)) == 0 && now_ms() < deadline)
				nanosleep(&(struct timespec){0, 1000000}, NULL);
			return r > 0 ? 0 : r < 0 ? r : -ETIMEDOUT;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
	}
	return -ETIMEDOUT;
}

static const char *kadd_path, *kdel_path; /* build/bench/kadd, build/bench/kdel */

/* Spawn argv[0] with stdin and stdout inherited and reap it: 0, or -errno (-EIO: it did not
 * exit 0); *cpu_ms its user+sys time. */
static int spawn_and_reap(char *const argv[], double *cpu_ms)
{
	struct rusage ru;
	pid_t pid;
	int r, st;

	r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (r != 0)
		return -r;
	if (wait4(pid, &st, 0, &ru) < 0)
		return -errno;
	*cpu_ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* The kernel work in-process, or (exec_add) by a spawned bench/kadd, timed spawn to reap. */
static int kern_work(const struct net *n, const struct kw_add *a, double *child_cpu_ms)
{
	char master[16], addr[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN];
	int r;

	if (!n->exec_add) {
		r = kw_add(host_rtnl, host_ns, a);
		if (r == -ENOTRECOVERABLE)
			die("kernel baseline: cannot get back to the sandbox's netns");
		return r;
	}
	snprintf(master, sizeof(master), "%u", a->master);
	inet_ntop(AF_INET, &a->ip, addr, sizeof(addr));
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", a->prefix_len);
	inet_ntop(AF_INET, &a->gw, gw, sizeof(gw));
	char *argv[] = {(char *)kadd_path,
			(char *)a->host,
			master,
			(char *)a->netns,
			(char *)a->ifname,
			addr,
			a->gw ? gw : NULL,
			NULL};
	return spawn_and_reap(argv, child_cpu_ms);
}

static bool kern_add(struct net *n, struct ctr *c, struct opres *res)
{
	char host[IFNAMSIZ];
	struct kw_add a = {.host = host,
			   .master = (unsigned int)n->br_index,
			   .netns = c->ns,
			   .ifname = c->ifname,
			   .ip = htonl(kern_ip(n, c->kidx)),
			   .gw = n->default_route ? htonl(n->subnet_base + 1) : 0,
			   .prefix_len = 20};
	unsigned int host_idx;
	int mon = -1, r;
	double t0 = now_ms();

	snprintf(host, sizeof(host), "kv%d", c->kidx);
	if (n->conforming) {
		struct in_addr ip = {.s_addr = a.ip};

		if ((r = lease_reserve(n, c, inet_ntoa(ip))) < 0 || (r = mon = link_monitor()) < 0)
			goto fail;
	}
	if ((r = kern_work(n, &a, &res->child_cpu_ms)) < 0)
		goto fail;
	/* subscribed before the veth existed: its coming up is queued on mon */
	if (n->conforming) {
		host_idx = if_nametoindex(host);
		if ((r = host_idx ? wait_up(mon, host_idx) : -ENODEV) < 0)
			goto fail;
	}
	if (mon >= 0)
		close(mon);
	res->ms = now_ms() - t0;
	res->t0 = t0;
	res->ok = true;
	c->added = true;
	return true;
fail:
	if (mon >= 0)
		close(mon);
	snprintf(res->error, sizeof(res->error), "kernel baseline ADD %s: %s", host, strerror(-r));
	return false;
}

static bool kern_del(struct net *n, struct ctr *c, struct opres *res)
{
	char host[IFNAMSIZ];
	double t0 = now_ms();
	int r;

	snprintf(host, sizeof(host), "kv%d", c->kidx);
	if (n->conforming) {
		struct in_addr a = {.s_addr = htonl(kern_ip(n, c->kidx))};

		lease_release(n, inet_ntoa(a)); /* IPAM DEL first, as both plugins do */
	}
	if (n->exec_del) {
		char *argv[] = {(char *)kdel_path, host, NULL};

		r = spawn_and_reap(argv, &res->child_cpu_ms);
	} else {
		r = kw_del(host_rtnl, host);
	}
	res->ms = now_ms() - t0;
	res->t0 = t0;
	if (r < 0) {
		snprintf(res->error, sizeof(res->error), "kernel baseline DEL %s: %s", host,
			 strerror(-r));
		return false;
	}
	res->ok = true;
	c->added = false;
	return true;
}

/* ---------------------------------------------------------------- operations */

/* The kernel baseline's containers take the lowest free index (veth kvN, address N+2 in its
 * /20): freed on DEL, so a long run never leaves the subnet. */
#define KIDX_MAX 4093
static bool kidx_used[KIDX_MAX];

static int kidx_alloc(void)
{
	for (int i = 0; i < KIDX_MAX; i++)
		if (!kidx_used[i]) {
			kidx_used[i] = true;
			return i;
		}
	die("kernel baseline: more than %d containers attached", KIDX_MAX);
}

static void kidx_free(int i)
{
	if (i >= 0 && i < KIDX_MAX)
		kidx_used[i] = false;
}

static bool net_usable(const struct net *n, enum op op)
{
	return !(op == OP_ADD ? n->add_err : n->del_err)[0];
}

static void net_fail(struct net *n, enum op op, const char *why)
{
	char *dst = op == OP_ADD ? n->add_err : n->del_err;

	if (dst[0])
		return;
	snprintf(dst, sizeof(n->add_err), "%s failed: %s", op == OP_ADD ? "ADD" : "DEL", why);
	logf_("\n  %s (%s): %s\n", n->side, n->label, dst);
}

/* One timed operation; failures are recorded on the network. */
/* Every timed operation, one line each, for a closer look (--samples FILE). */
static FILE *samples;
static const char *phase_name = "";

static void log_sample(const struct net *n, enum op op, const struct opres *r)
{
	if (samples)
		fprintf(samples, "%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%ld\t%d\t%.3f\n", phase_name,
			n->side, n->label, op == OP_ADD ? "ADD" : "DEL", r->ok ? "ok" : "fail",
			r->ms, r->cpu_ms, r->rss_kb, (int)r->pid, r->t0);
}

static bool run_op_raw(struct net *n, struct ctr *c, enum op op, struct opres *res)
{
	struct job j = {.net = n, .ctr = c, .op = op, .pidfd = -1};

	memset(res, 0, sizeof(*res));
	if (!net_usable(n, op))
		return false;
	if (op == OP_DEL && !c->added)
		return false;
	if (n->kernel) {
		struct rusage before, after;
		bool ok;

		if (op == OP_ADD)
			c->kidx = kidx_alloc();
		/* the driver's own CPU time around the requests: what the kernel spends in the
		 * caller's context, softirq work included, comparable with a plugin's */
		getrusage(RUSAGE_SELF, &before);
		ok = op == OP_ADD ? kern_add(n, c, res) : kern_del(n, c, res);
		getrusage(RUSAGE_SELF, &after);
		res->cpu_ms = tv_ms(after.ru_utime) - tv_ms(before.ru_utime) +
			      tv_ms(after.ru_stime) - tv_ms(before.ru_stime) + res->child_cpu_ms;
		if (ok && op == OP_ADD)
			kern_result(n, c);
		if (ok && op == OP_DEL)
			kidx_free(c->kidx); /* a failed ADD keeps its index: its veth may be left */
		if (ok)
			return true;
		net_fail(n, op, res->error);
		return false;
	}
	if (job_start(&j) == 0)
		job_wait(&j);
	*res = j.res;
	if (!res->ok)
		net_fail(n, op, res->error);
	return res->ok;
}

static bool run_op(struct net *n, struct ctr *c, enum op op, struct opres *res)
{
	bool ok = run_op_raw(n, c, op, res);

	if (ok || res->error[0])
		log_sample(n, op, res);
	return ok;
}

/* Untimed ADD+DEL so that bridge creation, page cache and first-run effects stay out of the
 * samples; also finds a broken side early. */
static void warm_up(struct net **nets, size_t nn)
{
	const char *saved = phase_name;
	struct opres r;

	phase_name = "warm-up";

	for (size_t s = 0; s < nn; s++) {
		struct ctr *c = ctr_new(nets[s]->label);

		if (run_op(nets[s], c, OP_ADD, &r))
			run_op(nets[s], c, OP_DEL, &r);
	}
	phase_name = saved;
}

/* Order of the sides in round i: AB, BA, AB, ... */
static size_t side_at(size_t i, size_t k, size_t nn)
{
	return (i + k) % nn;
}

/* ---------------------------------------------------------------- phases */

/* Which firewall machinery holds the masquerade rules while both sides' containers are up:
 * nf_tables tables (the reference's iptables-nft makes "ip nat"; ours' nftables backend its own
 * table) and legacy x_tables tables (ours' libiptc backend). */
static char fw_probe[1024];

static void probe_firewall(void)
{
	char line[256], legacy[256] = "";
	size_t len;
	FILE *p = popen("nft list tables 2>&1", "re");
	FILE *f;

	snprintf(fw_probe, sizeof(fw_probe), "nft tables: ");
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		len = strlen(fw_probe);
		snprintf(fw_probe + len, sizeof(fw_probe) - len, "%s`%s`",
			 fw_probe[len - 2] == ':' ? "" : ", ", line);
	}
	if (p)
		pclose(p);
	f = fopen("/proc/net/ip_tables_names", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		len = strlen(legacy);
		snprintf(legacy + len, sizeof(legacy) - len, "%s%.60s", len ? "," : "", line);
	}
	if (f)
		fclose(f);
	len = strlen(fw_probe);
	snprintf(fw_probe + len, sizeof(fw_probe) - len, "; legacy x_tables in use: %s",
		 legacy[0] ? legacy : "none");
}

/* Calibration run inside the sequential phase: spawn + reap of bench/noop (static, no C
 * library, one system call), the process-start floor on this machine at this moment (it moves
 * with the machine's load); and, for information, of a static glibc program (`busybox true`),
 * whose libc start-up probes the CPU. */
static const char *noop_path; /* build/bench/noop */
static struct net *spawn_net; /* runs bench/noop */
static struct net *spawn_glibc_net;
static bool spawn_sampling; /* while the sequential phase samples them */
static struct series spawn_floor_ms, spawn_glibc_ms;

static void run_spawn_floor(void)
{
	static struct ctr dummy = {.id = "spawn-floor", .ns = "/nonexistent", .ifname = "eth0"};
	struct opres r;

	if (!spawn_sampling)
		return;
	if (run_op(spawn_net, &dummy, OP_ADD, &r))
		series_add(&spawn_floor_ms, r.ms);
	if (run_op(spawn_glibc_net, &dummy, OP_ADD, &r))
		series_add(&spawn_glibc_ms, r.ms);
}

struct seqstats {
	struct series add, del, add_cpu, del_cpu, add_rss, del_rss;
};

static void phase_seq(const char *title, struct net **nets, struct seqstats **st, size_t nn,
		      size_t n, bool probe)
{
	struct ctr ***c = xcalloc(nn, sizeof(*c));
	struct opres r;
	double t0 = now_ms();

	phase_name = title;
	logf_("%s: n=%zu per side ...", title, n);
	for (size_t s = 0; s < nn; s++)
		c[s] = ctrs_new(nets[s]->label, n);
	warm_up(nets, nn);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nn; k++) {
			size_t s = side_at(i, k, nn);

			if (run_op(nets[s], c[s][i], OP_ADD, &r)) {
				series_add(&st[s]->add, r.ms);
				series_add(&st[s]->add_cpu, r.cpu_ms);
				series_add(&st[s]->add_rss, (double)r.rss_kb);
			}
			run_spawn_floor();
		}
	if (probe)
		probe_firewall();
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < nn; k++) {
			size_t s = side_at(i, k, nn);

			if (run_op(nets[s], c[s][i], OP_DEL, &r)) {
				series_add(&st[s]->del, r.ms);
				series_add(&st[s]->del_cpu, r.cpu_ms);
				series_add(&st[s]->del_rss, (double)r.rss_kb);
			}
		}
	logf_(" %.1f s\n", (now_ms() - t0) / 1e3);
}

struct batch {
	double elapsed_ms;
	size_t ok, failed, ips, dup_ips;
	char first_error[400];
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Count result IPs and duplicates among them. */
static void check_ips(struct ctr **c, size_t cnt, struct batch *b)
{
	char **ips = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < cnt; i++) {
		cJSON *root = c[i]->added ? cJSON_Parse(c[i]->result) : NULL;
		const cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "ips") : NULL;
		const cJSON *e;

		cJSON_ArrayForEach(e, arr) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "address");

			if (!cJSON_IsString(a))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 128;
				ips = realloc(ips, cap * sizeof(*ips));
				if (!ips)
					die("out of memory");
			}
			ips[n++] = xstrdup(a->valuestring);
		}
		cJSON_Delete(root);
	}
	if (n)
		qsort(ips, n, sizeof(*ips), cmp_str);
	b->ips = n;
	for (size_t i = 1; i < n; i++)
		if (strcmp(ips[i - 1], ips[i]) == 0)
			b->dup_ips++;
	for (size_t i = 0; i < n; i++)
		free(ips[i]);
	free(ips);
}

/* cnt operations with up to `jobs` in flight; wall time from first spawn to last reap. */
/* ops: each operation's verb (NULL: all `op`); times: ADD and DEL durations of the
 * operations that succeeded go there (NULL: nowhere). */
static void run_batch_ops(struct net *n, struct ctr **c, const enum op *ops, size_t cnt, enum op op,
			  size_t jobs, struct batch *b, struct series times[2])
{
	struct job *js = xcalloc(jobs, sizeof(*js));
	struct pollfd *pf = xcalloc(jobs, sizeof(*pf));
	size_t *slot = xcalloc(jobs, sizeof(*slot));
	bool *busy = xcalloc(jobs, sizeof(*busy));
	size_t next = 0, active = 0;
	double t0 = now_ms();

	memset(b, 0, sizeof(*b));
	for (;;) {
		size_t np = 0;
		int r;

		for (size_t s = 0; s < jobs; s++) {
			if (busy[s])
				continue;
			while (next < cnt && (ops ? ops[next] : op) == OP_DEL && !c[next]->added)
				next++;
			if (next >= cnt)
				break;
			js[s] = (struct job){
				.net = n, .ctr = c[next], .op = ops ? ops[next] : op, .pidfd = -1};
			next++;
			if (job_start(&js[s]) < 0) {
				b->failed++;
				if (!b->first_error[0])
					snprintf(b->first_error, sizeof(b->first_error), "%s",
						 js[s].res.error);
				continue;
			}
			busy[s] = true;
			active++;
		}
		if (active == 0 && next >= cnt)
			break;
		if (active == 0)
			continue; /* every free slot failed to spawn; try the next ones */
		for (size_t s = 0; s < jobs; s++)
			if (busy[s]) {
				pf[np] = (struct pollfd){.fd = js[s].pidfd, .events = POLLIN};
				slot[np++] = s;
			}
		r = poll(pf, np, OP_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		for (size_t i = 0; i < np; i++) {
			struct job *j = &js[slot[i]];

			if (r > 0 && !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			job_finish(j, r == 0);
			log_sample(n, j->op, &j->res);
			busy[slot[i]] = false;
			active--;
			if (j->res.ok) {
				b->ok++;
				if (times)
					series_add(&times[j->op], j->res.ms);
			} else {
				b->failed++;
				if (!b->first_error[0])
					snprintf(b->first_error, sizeof(b->first_error), "%s",
						 j->res.error);
			}
		}
	}
	b->elapsed_ms = now_ms() - t0;
	free(js);
	free(pf);
	free(slot);
	free(busy);
}

static void run_batch(struct net *n, struct ctr **c, size_t cnt, enum op op, size_t jobs,
		      struct batch *b)
{
	run_batch_ops(n, c, NULL, cnt, op, jobs, b, NULL);
}

/* The kernel baseline with `jobs` in flight: as many forked workers, each with its own
 * rtnetlink socket, each taking the next container from a shared counter as it gets free (a
 * runtime handing the next pod to a free slot). Wall time from the first fork to the last
 * reap, as run_batch's from the first spawn. */
struct kslot {
	bool skip, ok;
	pid_t pid; /* the worker */
	double ms, t0;
	char error[400];
};

struct kshared {
	size_t next;
	struct kslot r[];
};

/* What a plugin pays before its first request: process start (spawn + reap of bench/noop, as
 * sampled in the sequential phase). */
static void spawn_true(void)
{
	char *argv[] = {(char *)noop_path, NULL};
	double cpu_ms;
	int r = spawn_and_reap(argv, &cpu_ms);

	if (r < 0)
		die("spawn %s: %s", argv[0], strerror(-r));
}

__attribute__((noreturn)) static void kern_worker(struct net *n, struct ctr **c, size_t cnt,
						  enum op op, struct kshared *sh)
{
	close(host_rtnl);
	host_rtnl = rtnl_sock();
	for (;;) {
		size_t i = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
		struct opres res = {0};
		bool ok;

		if (i >= cnt)
			break;
		if (sh->r[i].skip)
			continue;
		if (n->with_start && op == OP_ADD)
			spawn_true();
		ok = op == OP_ADD ? kern_add(n, c[i], &res) : kern_del(n, c[i], &res);
		sh->r[i].ok = ok;
		sh->r[i].ms = res.ms;
		sh->r[i].t0 = res.t0;
		sh->r[i].pid = getpid();
		snprintf(sh->r[i].error, sizeof(sh->r[i].error), "%s", res.error);
	}
	_exit(0);
}

static void kern_batch(struct net *n, struct ctr **c, size_t cnt, enum op op, size_t jobs,
		       struct batch *b)
{
	size_t len = sizeof(struct kshared) + cnt * sizeof(struct kslot);
	struct kshared *sh =
		mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *pids = xcalloc(jobs, sizeof(*pids));
	double t0;

	if (sh == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < cnt; i++) {
		sh->r[i].skip = op == OP_DEL && !c[i]->added;
		if (op == OP_ADD)
			c[i]->kidx = kidx_alloc();
	}
	fflush(NULL); /* a worker must not write the parent's buffered output again */
	t0 = now_ms();
	for (size_t w = 0; w < jobs; w++) {
		pids[w] = fork();
		if (pids[w] < 0)
			die("fork: %s", strerror(errno));
		if (pids[w] == 0)
			kern_worker(n, c, cnt, op, sh);
	}
	for (size_t w = 0; w < jobs; w++) {
		int st;

		if (waitpid(pids[w], &st, 0) < 0)
			die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("kernel baseline worker: status %d", st);
	}
	b->elapsed_ms = now_ms() - t0;
	for (size_t i = 0; i < cnt; i++) {
		struct opres res = {.ms = sh->r[i].ms,
				    .t0 = sh->r[i].t0,
				    .pid = sh->r[i].pid,
				    .ok = sh->r[i].ok,
				    .cpu_ms = NAN};

		if (sh->r[i].skip)
			continue;
		snprintf(res.error, sizeof(res.error), "%s", sh->r[i].error);
		log_sample(n, op, &res);
		if (res.ok) {
			b->ok++;
			c[i]->added = op == OP_ADD;
			if (op == OP_ADD)
				kern_result(n, c[i]);
			else
				kidx_free(c[i]->kidx);
			continue;
		}
		b->failed++;
		if (!b->first_error[0])
			snprintf(b->first_error, sizeof(b->first_error), "%s", res.error);
	}
	munmap(sh, len);
	free(pids);
}

/* run_batch for either kind of network. */
static void any_batch(struct net *n, struct ctr **c, size_t cnt, enum op op, size_t jobs,
		      struct batch *b)
{
	if (n->kernel)
		kern_batch(n, c, cnt, op, jobs, b);
	else
		run_batch(n, c, cnt, op, jobs, b);
}

struct parstats {
	size_t adds, ok, failed, ips, dup_ips, rounds;
	double ms;
	struct series round_rate;
	char first_error[400];
};

/* ADD/s over every round; NAN when anything failed or an IP was handed out twice. */
static double par_rate(const struct parstats *p)
{
	return p->rounds && p->failed == 0 && p->dup_ips == 0 ? (double)p->ok / (p->ms / 1e3) : NAN;
}

static void par_line(FILE *f, const char *who, const struct parstats *p, bool first)
{
	fprintf(f,
		"%s- parallel %s: %zu/%zu ADD ok, %zu IPs, %zu duplicate, %.0f ms total; per round "
		"%.1f to %.1f ADD/s, median %.1f\n",
		first ? "\n" : "", who, p->ok, p->adds, p->ips, p->dup_ips, p->ms,
		pct(&p->round_rate, 0), smax(&p->round_rate), median(&p->round_rate));
}

static void phase_par(const char *title, struct net **nets, struct parstats **st, size_t nn,
		      size_t total, size_t jobs, size_t rounds)
{
	double t0 = now_ms();

	phase_name = title;
	logf_("%s: %zu ADD, %zu in flight, %zu rounds per side ...", title, total, jobs, rounds);
	warm_up(nets, nn);
	/* rounds in AB BA order */
	for (size_t i = 0; i < rounds * nn; i++) {
		size_t round = i / nn, s = round % 2 ? nn - 1 - i % nn : i % nn;
		struct ctr **c;
		struct batch b, d;

		if (!net_usable(nets[s], OP_ADD))
			continue;
		c = ctrs_new(nets[s]->label, total);
		any_batch(nets[s], c, total, OP_ADD, jobs, &b);
		check_ips(c, total, &b);
		st[s]->adds += total;
		st[s]->ok += b.ok;
		st[s]->failed += b.failed;
		st[s]->ips += b.ips;
		st[s]->dup_ips += b.dup_ips;
		st[s]->ms += b.elapsed_ms;
		st[s]->rounds++;
		series_add(&st[s]->round_rate, (double)b.ok / (b.elapsed_ms / 1e3));
		if (b.failed && !st[s]->first_error[0])
			snprintf(st[s]->first_error, sizeof(st[s]->first_error), "%s",
				 b.first_error);
		any_batch(nets[s], c, total, OP_DEL, jobs, &d);
		if (d.failed)
			net_fail(nets[s], OP_DEL, d.first_error);
		release_netns();
	}
	for (size_t s = 0; s < nn; s++)
		if (st[s]->failed)
			net_fail(nets[s], OP_ADD, st[s]->first_error);
	logf_(" %.1f s\n", (now_ms() - t0) / 1e3);
}

struct churnstats {
	struct series t[2]; /* ADD, DEL durations while both run */
	size_t ok, failed, rounds;
	double ms;
	char first_error[400];
};

/* Churn: `total` new containers ADDed while as many others are DELeted, interleaved, `jobs` in
 * flight (a node replacing its pods). What a DEL commits to the firewall makes the next close of
 * any nf_tables socket in the netns wait for a grace period (nft_rcv_nl_event): here the ADDs'
 * rule-only batches meet the DELs' rule deletions. */
static void phase_churn(const char *title, struct net **nets, struct churnstats **st, size_t nn,
			size_t total, size_t jobs, size_t rounds)
{
	double t0 = now_ms();

	logf_("%s: %zu ADD + %zu DEL interleaved, %zu in flight, %zu rounds per side ...", title,
	      total, total, jobs, rounds);
	phase_name = title;
	warm_up(nets, nn);
	for (size_t i = 0; i < rounds * nn; i++) {
		size_t round = i / nn, s = round % 2 ? nn - 1 - i % nn : i % nn;
		struct ctr **old, **neu, **mix = xcalloc(2 * total, sizeof(*mix));
		enum op *ops = xcalloc(2 * total, sizeof(*ops));
		struct batch b;

		if (!net_usable(nets[s], OP_ADD) || !net_usable(nets[s], OP_DEL))
			continue;
		phase_name = "churn fill";
		old = ctrs_new(nets[s]->label, total);
		run_batch(nets[s], old, total, OP_ADD, jobs, &b);
		neu = ctrs_new(nets[s]->label, total);
		for (size_t k = 0; k < total; k++) {
			mix[2 * k] = neu[k];
			ops[2 * k] = OP_ADD;
			mix[2 * k + 1] = old[k];
			ops[2 * k + 1] = OP_DEL;
		}
		phase_name = title;
		run_batch_ops(nets[s], mix, ops, 2 * total, OP_ADD, jobs, &b, st[s]->t);
		st[s]->ok += b.ok;
		st[s]->failed += b.failed;
		st[s]->ms += b.elapsed_ms;
		st[s]->rounds++;
		if (b.failed && !st[s]->first_error[0])
			snprintf(st[s]->first_error, sizeof(st[s]->first_error), "%s",
				 b.first_error);
		phase_name = "churn fill";
		run_batch(nets[s], neu, total, OP_DEL, jobs, &b);
		run_batch(nets[s], old, total, OP_DEL, jobs, &b);
		release_netns();
		free(mix);
		free(ops);
	}
	for (size_t s = 0; s < nn; s++)
		if (st[s]->failed)
			net_fail(nets[s], OP_ADD, st[s]->first_error);
	logf_(" %.1f s\n", (now_ms() - t0) / 1e3);
}

#define MAX_POINTS 8

struct growstats {
	struct series add[MAX_POINTS], del[MAX_POINTS];
	size_t reached; /* containers attached when the network stopped working */
};

/* Process start (bench/noop) at each growth point: the part of a plugin's growth
 * that no plugin code is in, and that the in-process kernel baseline does not pay. */
static struct series spawn_at[MAX_POINTS];

static void phase_growth(struct net **nets, struct growstats **st, size_t nn, const size_t *points,
			 size_t npoints, size_t k, size_t jobs)
{
	size_t filled = 0;
	struct opres r;
	double t0 = now_ms();

	logf_("growth:");
	warm_up(nets, nn);
	for (size_t p = 0; p < npoints; p++) {
		static char name[MAX_POINTS][32];

		snprintf(name[p], sizeof(name[p]), "growth %zu", points[p]);
		logf_(" %zu", points[p]);
		/* untimed fill up to the point; plugins 8 in flight to save time */
		phase_name = "growth fill";
		for (size_t s = 0; s < nn; s++) {
			size_t need = points[p] - filled;
			struct ctr **c;
			struct batch b;

			if (!net_usable(nets[s], OP_ADD) || st[s]->reached < filled)
				continue;
			c = ctrs_new(nets[s]->label, need);
			any_batch(nets[s], c, need, OP_ADD, jobs, &b);
			st[s]->reached += b.ok;
			if (b.failed)
				net_fail(nets[s], OP_ADD, b.first_error);
			free(c);
		}
		filled = points[p];
		phase_name = name[p];
		for (size_t i = 0; i < k; i++) {
			static struct ctr dummy = {
				.id = "spawn-floor", .ns = "/nonexistent", .ifname = "eth0"};

			if (run_op(spawn_net, &dummy, OP_ADD, &r))
				series_add(&spawn_at[p], r.ms);
			for (size_t kk = 0; kk < nn; kk++) {
				size_t s = side_at(i, kk, nn);
				struct ctr *c;

				if (!net_usable(nets[s], OP_ADD) || st[s]->reached < points[p])
					continue;
				/* the kernel baseline is cheap: 3 samples per round steadies its
				 * median under the same conditions */
				for (int rep = 0; rep < (nets[s]->kernel ? 3 : 1); rep++) {
					c = ctr_new(nets[s]->label);
					if (run_op(nets[s], c, OP_ADD, &r))
						series_add(&st[s]->add[p], r.ms);
					if (run_op(nets[s], c, OP_DEL, &r))
						series_add(&st[s]->del[p], r.ms);
				}
			}
		}
		release_netns();
	}
	logf_(" ... %.1f s\n", (now_ms() - t0) / 1e3);
}

static struct net *rss_floor, *rss_floor_dyn;
static struct series rss_floor_kb, rss_floor_dyn_kb;

struct rssstats {
	struct series bridge_rss, ipam_rss, bridge_cpu, ipam_cpu, with_ipam_rss;
};

/* Peak RSS per process: bridge without IPAM (spawns nothing), host-local called directly, and
 * the largest process of a bridge ADD/DEL with host-local (ours runs it in-process: one
 * process; the reference's bridge and its host-local child: the larger of the two). */
static void phase_rss(struct net **l2, struct net **hl, struct net **ipam, struct rssstats **st,
		      size_t nn, size_t n)
{
	struct opres r;
	double t0 = now_ms();

	phase_name = "rss";
	logf_("peak RSS: n=%zu per process and side ...", n);
	for (size_t s = 0; s < nn; s++)
		l2[s]->via_shim = hl[s]->via_shim = ipam[s]->via_shim = true;
	for (size_t i = 0; i < n; i++)
		for (size_t kk = 0; kk < nn; kk++) {
			size_t s = side_at(i, kk, nn);
			struct ctr *c = ctr_new(l2[s]->label);
			struct ctr *h = ctr_new(hl[s]->label);
			struct ctr *b = ctr_new(ipam[s]->label);

			if (run_op(l2[s], c, OP_ADD, &r)) {
				series_add(&st[s]->bridge_rss, (double)r.rss_kb);
				series_add(&st[s]->bridge_cpu, r.cpu_ms);
			}
			if (run_op(l2[s], c, OP_DEL, &r))
				series_add(&st[s]->bridge_rss, (double)r.rss_kb);
			if (run_op(hl[s], h, OP_ADD, &r)) {
				series_add(&st[s]->ipam_rss, (double)r.rss_kb);
				series_add(&st[s]->ipam_cpu, r.cpu_ms);
			}
			if (run_op(hl[s], h, OP_DEL, &r))
				series_add(&st[s]->ipam_rss, (double)r.rss_kb);
			if (run_op(ipam[s], b, OP_ADD, &r))
				series_add(&st[s]->with_ipam_rss, (double)r.rss_kb);
			if (run_op(ipam[s], b, OP_DEL, &r))
				series_add(&st[s]->with_ipam_rss, (double)r.rss_kb);
		}
	for (size_t s = 0; s < nn; s++)
		ipam[s]->via_shim = false; /* the other phases time it without the shim */
	/* what the method reports for a trivial static program */
	for (size_t i = 0; i < 3 && rss_floor; i++) {
		static struct ctr dummy = {
			.id = "rss-floor", .ns = "/nonexistent", .ifname = "eth0"};

		if (run_op(rss_floor, &dummy, OP_ADD, &r))
			series_add(&rss_floor_kb, (double)r.rss_kb);
		if (rss_floor_dyn && run_op(rss_floor_dyn, &dummy, OP_ADD, &r))
			series_add(&rss_floor_dyn_kb, (double)r.rss_kb);
	}
	logf_(" %.1f s\n", (now_ms() - t0) / 1e3);
}

/* ---------------------------------------------------------------- report */

enum target { T_NONE, T_LE, T_GE };

/* ours/ref is for information wherever a floor is given: targets are against the floor
 * measured in the same run (the kernel baseline, plus a process start where a plugin pays
 * one). */
struct row {
	char metric[160], ours[64], ref[64], ratio[48], floor[80], ofloor[32], target[64],
		result[16];
};

static struct row rows[64];
static size_t nrows;
static size_t n_pass, n_miss;

typedef void (*fmt_fn)(char *buf, size_t len, double v);

static void fmt_ms(char *b, size_t l, double v)
{
	snprintf(b, l, "%.2f ms", v);
}

static void fmt_kb(char *b, size_t l, double v)
{
	snprintf(b, l, "%.2f MB", v / 1024.0);
}

static void fmt_rate(char *b, size_t l, double v)
{
	snprintf(b, l, "%.1f ADD/s", v);
}

static void fmt_bytes(char *b, size_t l, double v)
{
	if (v >= 1024.0 * 1024.0)
		snprintf(b, l, "%.2f MB", v / 1024.0 / 1024.0);
	else
		snprintf(b, l, "%.0f KB", v / 1024.0);
}

static struct row *row_new(const char *metric)
{
	struct row *r;

	if (nrows == sizeof(rows) / sizeof(rows[0]))
		die("too many report rows");
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	return r;
}

static void set_verdict(struct row *r, bool pass)
{
	snprintf(r->result, sizeof(r->result), "%s", pass ? "PASS" : "MISS");
	if (pass)
		n_pass++;
	else
		n_miss++;
}

static void fmt_cell(char *cell, size_t len, fmt_fn f, double v)
{
	if (isnan(v))
		snprintf(cell, len, "failed (see below)");
	else
		f(cell, len, v);
}

static void fmt_quot(char *cell, size_t len, double q)
{
	if (isfinite(q))
		snprintf(cell, len, "%.3f", q);
	else
		snprintf(cell, len, "-");
}

/* ours against a floor measured in the same run: ours/floor checked against limit; the
 * reference and ours/ref for information. floor_text describes the floor (NULL: its value). */
static struct row *row_floor(const char *metric, double o, double r, double fl,
			     const char *floor_text, fmt_fn f, enum target t, double limit)
{
	struct row *w = row_new(metric);
	double q = o / fl;

	fmt_cell(w->ours, sizeof(w->ours), f, o);
	if (isnan(r))
		snprintf(w->ref, sizeof(w->ref), "-");
	else
		f(w->ref, sizeof(w->ref), r);
	fmt_quot(w->ratio, sizeof(w->ratio), o / r);
	if (floor_text)
		snprintf(w->floor, sizeof(w->floor), "%s", floor_text);
	else
		fmt_cell(w->floor, sizeof(w->floor), f, fl);
	fmt_quot(w->ofloor, sizeof(w->ofloor), q);
	if (t == T_NONE)
		return w;
	snprintf(w->target, sizeof(w->target), "%s %.2f x floor", t == T_LE ? "<=" : ">=", limit);
	set_verdict(w, isfinite(q) && (t == T_LE ? q <= limit : q >= limit));
	return w;
}

/* What a feature adds on top of the same configuration without it, ours alone: the difference
 * of the two percentiles p (50: medians), checked against an absolute limit in ms (NAN: for
 * information). */
static void row_delta(const char *metric, const struct series *with, const struct series *without,
		      double p, double limit)
{
	struct row *w = row_new(metric);
	double a = pct(with, p), b = pct(without, p), d = a - b;

	if (isnan(d))
		snprintf(w->ours, sizeof(w->ours), "failed (see below)");
	else
		snprintf(w->ours, sizeof(w->ours), "%+.2f ms (%.2f - %.2f)", d, a, b);
	snprintf(w->ref, sizeof(w->ref), "-");
	snprintf(w->ratio, sizeof(w->ratio), "-");
	if (isnan(limit))
		return;
	snprintf(w->target, sizeof(w->target), "<= %+.2f ms", limit);
	set_verdict(w, isfinite(d) && d <= limit);
}

/* ours, ref: values (NAN = not measured); ratio = ours/ref checked against limit. */
static void row_ratio(const char *metric, double o, double r, fmt_fn f, enum target t, double limit)
{
	struct row *w = row_new(metric);
	double q = o / r;

	if (isnan(o))
		snprintf(w->ours, sizeof(w->ours), "failed (see below)");
	else
		f(w->ours, sizeof(w->ours), o);
	if (isnan(r))
		snprintf(w->ref, sizeof(w->ref), "failed (see below)");
	else
		f(w->ref, sizeof(w->ref), r);
	if (isfinite(q))
		snprintf(w->ratio, sizeof(w->ratio), "%.3f", q);
	else
		snprintf(w->ratio, sizeof(w->ratio), "-");
	if (t == T_NONE)
		return;
	snprintf(w->target, sizeof(w->target), "%s %.2f x ref", t == T_LE ? "<=" : ">=", limit);
	if (isnan(r) && !isnan(o))
		snprintf(w->result, sizeof(w->result), "n/a");
	else
		set_verdict(w, isfinite(q) && (t == T_LE ? q <= limit : q >= limit));
}

static void print_table(FILE *f)
{
	fprintf(f, "| metric | ours | reference | ours/ref | floor | ours/floor | target | "
		   "result |\n");
	fprintf(f, "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < nrows; i++)
		fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", rows[i].metric,
			rows[i].ours, rows[i].ref, rows[i].ratio, rows[i].floor, rows[i].ofloor,
			rows[i].target, rows[i].result);
}

/* ---------------------------------------------------------------- setup */

struct opts {
	const char *ours_dir, *ref_dir, *out;
	const char *ours_name, *ref_name; /* shown in the report (run.sh runs copies) */
	const char *samples;
	size_t n, seq_rounds, par_total, jobs, par_rounds, growth_k, backend_n, masq_n, rss_n;
	size_t points[MAX_POINTS], npoints;
	const char *phases;
};

/* nft-ab compares two builds of ours (bench/nftnl-trial.sh): only when named. */
static bool want(const struct opts *o, const char *phase)
{
	const char *p = o->phases;
	size_t len = strlen(phase);

	if (!p || !*p || strcmp(p, "all") == 0)
		return strcmp(phase, "nft-ab") != 0;
	while (*p) {
		if (strncmp(p, phase, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

static struct net *net_new(const char *side, const char *label, const char *dir, const char *plugin)
{
	struct net *n = xcalloc(1, sizeof(*n));
	char path[PATH_MAX];

	n->side = side;
	n->label = label;
	n->cni_path = dir;
	snprintf(path, sizeof(path), "%s/%s", dir, plugin);
	n->plugin = xstrdup(path);
	if (access(n->plugin, X_OK) < 0) {
		snprintf(n->add_err, sizeof(n->add_err), "ADD failed: %s: %s", n->plugin,
			 strerror(errno));
		snprintf(n->del_err, sizeof(n->del_err), "DEL failed: %s: %s", n->plugin,
			 strerror(errno));
	}
	return n;
}

static void net_set_conf(struct net *n, const char *json)
{
	snprintf(n->conf_path, sizeof(n->conf_path), WORK "/%s.json", n->label);
	n->conf_json = xstrdup(json);
	write_file(n->conf_path, json);
}

static struct net *bridge_net(const char *side, const char *label, const char *dir,
			      const char *bridge, const char *subnet, bool gw, bool masq,
			      const char *backend)
{
	struct net *n = net_new(side, label, dir, "bridge");
	char json[1024], be[64] = "";

	if (backend)
		snprintf(be, sizeof(be), ",\"ipMasqBackend\":\"%s\"", backend);
	snprintf(json, sizeof(json),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"type\":\"bridge\","
		 "\"bridge\":\"%s\",\"isGateway\":%s,\"ipMasq\":%s%s,"
		 "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"%s\"}]],"
		 "\"dataDir\":\"/var/lib/cni/bench/%s\"}}\n",
		 label, bridge, gw ? "true" : "false", masq ? "true" : "false", be, subnet, label);
	net_set_conf(n, json);
	return n;
}

static struct net *l2_net(const char *side, const char *label, const char *dir, const char *bridge)
{
	struct net *n = net_new(side, label, dir, "bridge");
	char json[512];

	snprintf(
		json, sizeof(json),
		"{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"type\":\"bridge\",\"bridge\":\"%s\"}\n",
		label, bridge);
	net_set_conf(n, json);
	return n;
}

static struct net *ipam_net(const char *side, const char *label, const char *dir,
			    const char *subnet)
{
	struct net *n = net_new(side, label, dir, "host-local");
	char json[512];

	snprintf(json, sizeof(json),
		 "{\"cniVersion\":\"1.0.0\",\"name\":\"%s\",\"type\":\"host-local\","
		 "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"%s\"}]],"
		 "\"dataDir\":\"/var/lib/cni/bench/%s\"}}\n",
		 label, subnet, label);
	net_set_conf(n, json);
	return n;
}

static double file_size(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) < 0)
		return NAN;
	return (double)st.st_size;
}

/* ELF facts for the size row: linkage ("static", or "dynamic" when there is a PT_INTERP) and
 * the bytes of the PT_LOAD segments (what is mapped; unlike the file size it does not count
 * debug info, so an unstripped -g build compares fairly with a stripped one). */
struct elf_info {
	const char *kind;
	double file, loaded;
};

static void elf_info(const char *dir, const char *name, struct elf_info *ret)
{
	char path[PATH_MAX];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f;

	*ret = (struct elf_info){.kind = NULL, .file = file_size(dir, name), .loaded = NAN};
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fread(&eh, sizeof(eh), 1, f) == 1 && memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64) {
		ret->kind = "static";
		ret->loaded = 0;
		for (unsigned int i = 0; i < eh.e_phnum; i++) {
			if (fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize),
				  SEEK_SET) ||
			    fread(&ph, sizeof(ph), 1, f) != 1)
				break;
			if (ph.p_type == PT_INTERP)
				ret->kind = "dynamic";
			if (ph.p_type == PT_LOAD)
				ret->loaded += (double)ph.p_filesz;
		}
	}
	fclose(f);
}

static void row_binary(const struct opts *o, const char *name)
{
	char metric[96];
	struct elf_info e[2];
	struct row *w;

	elf_info(o->ours_dir, name, &e[0]);
	elf_info(o->ref_dir, name, &e[1]);
	snprintf(metric, sizeof(metric), "binary size, %s (loaded segments; file size)", name);
	row_ratio(metric, e[0].loaded, e[1].loaded, fmt_bytes, T_NONE, 0);
	w = &rows[nrows - 1];
	for (int s = 0; s < 2; s++) {
		char *cell = s ? w->ref : w->ours;
		char file[32];
		size_t len = strlen(cell);

		fmt_bytes(file, sizeof(file), e[s].file);
		if (e[s].kind)
			snprintf(cell + len, sizeof(w->ours) - len, "; %s file, %s", file,
				 e[s].kind);
	}
}

/* The machine is shared (2 vCPUs): say how busy it was, since absolute times depend on it. */
static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "re");
	double a = NAN, b = NAN, c = NAN;

	if (f) {
		if (fscanf(f, "%lf %lf %lf", &a, &b, &c) != 3)
			a = b = c = NAN;
		fclose(f);
	}
	snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
}

/* The file system the leases and state records were on (bench/run.sh: the machine's own by
 * default), since creating, linking and renaming a file cost what that file system makes
 * them cost. */
static const char *lease_fs(void)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {{0xEF53, "ext4"},	    {0x58465342, "xfs"},       {0x9123683E, "btrfs"},
		     {0x01021994, "tmpfs"}, {0x794c7630, "overlayfs"}, {0x2FC12FC1, "zfs"}};
	static char text[64];
	struct statfs st;

	if (statfs("/var/lib/cni", &st) < 0)
		return "?";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((unsigned long)st.f_type == known[i].magic)
			return known[i].name;
	snprintf(text, sizeof(text), "a file system of type 0x%lx", (unsigned long)st.f_type);
	return text;
}

static void parse_points(struct opts *o, const char *s)
{
	char *copy = xstrdup(s), *save = NULL;

	o->npoints = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (o->npoints == MAX_POINTS)
			die("too many growth points");
		o->points[o->npoints++] = strtoul(t, NULL, 10);
	}
	free(copy);
	if (o->npoints < 2)
		die("--growth needs at least two points");
}

static void usage(void)
{
	fputs("usage: driver --ours DIR --ref DIR [--out FILE] [-n N] [--par N] [-j N]\n"
	      "       [--par-rounds N] [--growth 10,100,500,1000] [-k N] [--backend-n N]\n"
	      "       [--masq-n N] [--rss-n N] [--quick]\n"
	      "       [--phases rss,seq,gm,masq,backends,nft-ab,par,parmasq,churn,growth]\n"
	      "       [--samples FILE] [--ours-name TEXT] [--ref-name TEXT] [--shim PATH]\n"
	      "       [--noop PATH] [--kadd PATH] [--kdel PATH]\n",
	      stderr);
	exit(2);
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{"ours", required_argument, NULL, 'o'},
		{"ref", required_argument, NULL, 'r'},
		{"out", required_argument, NULL, 'O'},
		{"par", required_argument, NULL, 'p'},
		{"par-rounds", required_argument, NULL, 'R'},
		{"growth", required_argument, NULL, 'g'},
		{"backend-n", required_argument, NULL, 'b'},
		{"masq-n", required_argument, NULL, 'm'},
		{"rss-n", required_argument, NULL, 's'},
		{"phases", required_argument, NULL, 'P'},
		{"quick", no_argument, NULL, 'q'},
		{"ours-name", required_argument, NULL, 'N'},
		{"ref-name", required_argument, NULL, 'M'},
		{"samples", required_argument, NULL, 'S'},
		{"shim", required_argument, NULL, 'H'},
		{"noop", required_argument, NULL, 'T'},
		{"kadd", required_argument, NULL, 'A'},
		{"kdel", required_argument, NULL, 'K'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct opts){
		.ours_dir = NULL,
		.ref_dir = "/usr/lib/cni",
		.n = 50,
		.seq_rounds = 4, /* DEL times step by the 4 ms tick: 50 left its median to chance */
		.par_total = 100,
		.jobs = 8,
		.par_rounds = 6,
		/* a growth verdict compares medians of two points, and DEL times step by the 4 ms
		 * tick: 10, then 20 samples left it to chance */
		.growth_k = 40,
		.backend_n = 20,
		/* a difference of two medians checked to 0.5 ms; all attached at once, so more
		 * would measure at more rules, which cost more (README) */
		.masq_n = 50,
		.rss_n = 10};
	/* 1,000: near the kernel's limit of ports on one bridge (1,023) */
	parse_points(o, "10,100,500,1000");
	while ((c = getopt_long(argc, argv, "n:j:k:", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->ours_dir = optarg;
			break;
		case 'r':
			o->ref_dir = optarg;
			break;
		case 'O':
			o->out = optarg;
			break;
		case 'n':
			o->n = strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->par_total = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			o->jobs = strtoul(optarg, NULL, 10);
			break;
		case 'R':
			o->par_rounds = strtoul(optarg, NULL, 10);
			break;
		case 'g':
			parse_points(o, optarg);
			break;
		case 'k':
			o->growth_k = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o->backend_n = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o->masq_n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->rss_n = strtoul(optarg, NULL, 10);
			break;
		case 'P':
			o->phases = optarg;
			break;
		case 'N':
			o->ours_name = optarg;
			break;
		case 'M':
			o->ref_name = optarg;
			break;
		case 'S':
			o->samples = optarg;
			break;
		case 'H':
			shim_path = optarg;
			break;
		case 'T':
			noop_path = optarg;
			break;
		case 'A':
			kadd_path = optarg;
			break;
		case 'K':
			kdel_path = optarg;
			break;
		case 'q':
			o->n = 10, o->seq_rounds = 1, o->par_total = 24, o->par_rounds = 1,
			o->growth_k = 3;
			o->backend_n = 5, o->masq_n = 10, o->rss_n = 3;
			parse_points(o, "5,20");
			break;
		default:
			usage();
		}
	}
	if (!o->ours_dir || o->n == 0 || o->jobs == 0)
		usage();
	if (!o->ours_name)
		o->ours_name = o->ours_dir;
	if (!o->ref_name)
		o->ref_name = o->ref_dir;
}

/* ---------------------------------------------------------------- main */

enum { OURS, REF, KERN, KERN_START, KERN_CONF, KERN_CONF_START, KERN_EXEC };

static void report_growth(FILE *f, const struct opts *o, struct growstats *g)
{
	fprintf(f,
		"\nADD / DEL median (ms) with N containers already attached (k=%zu samples each, "
		"kernel 3k; process start: spawn and reap of bench/noop, which a "
		"plugin pays and the in-process kernel baseline does not):\n\n",
		o->growth_k);
	fprintf(f, "| N | ours ADD | ref ADD | kernel ADD | conforming ADD | ours DEL | ref DEL | "
		   "kernel DEL | conforming DEL | process start |\n");
	fprintf(f, "|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t p = 0; p < o->npoints; p++) {
		fprintf(f, "| %zu ", o->points[p]);
		for (int op = 0; op < 2; op++)
			for (int k = 0; k < 4; k++) {
				int s = k < 3 ? k : KERN_CONF;
				const struct series *x = op ? &g[s].del[p] : &g[s].add[p];

				if (x->n)
					fprintf(f, "| %.2f ", median(x));
				else
					fprintf(f, "| - ");
			}
		if (spawn_at[p].n)
			fprintf(f, "| %.2f |\n", median(&spawn_at[p]));
		else
			fprintf(f, "| - |\n");
	}
}

/* Growth rows: ms added between the first and the last point, ours against the kernel's own.
 * ADD passes when ours grows by no more than the kernel baseline (+20% and 0.5 ms for noise);
 * DEL is "flat" when it grows by no more than the kernel's DEL + max(1 ms, 10% of ours). */
/* One growth row: ours against a floor's growth (KERN, or KERN_CONF). */
static void growth_row(const struct opts *o, struct growstats *g, int op, int floor)
{
	size_t a = 0, z = o->npoints - 1;
	static const int sides[] = {OURS, REF, KERN, KERN_CONF};
	double d[KERN_CONF + 1] = {NAN, NAN, NAN, NAN, NAN}, base_ours, lim;
	char metric[160];
	struct row *w;

	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		int s = sides[i];
		const struct series *x0 = op ? &g[s].del[a] : &g[s].add[a];
		const struct series *x1 = op ? &g[s].del[z] : &g[s].add[z];

		d[s] = median(x1) - median(x0);
	}
	base_ours = median(op ? &g[OURS].del[a] : &g[OURS].add[a]);
	snprintf(metric, sizeof(metric), "%s growth %zu -> %zu attached (ms added)%s",
		 op ? "DEL" : "ADD", o->points[a], o->points[z],
		 floor == KERN_CONF ? ", against the conforming floor's" : "");
	w = row_new(metric);
	if (isnan(d[OURS]))
		snprintf(w->ours, sizeof(w->ours), "failed (see below)");
	else
		snprintf(w->ours, sizeof(w->ours), "%+.2f ms", d[OURS]);
	if (isnan(d[REF]) || floor != KERN)
		snprintf(w->ref, sizeof(w->ref), "-");
	else
		snprintf(w->ref, sizeof(w->ref), "%+.2f ms", d[REF]);
	snprintf(w->ratio, sizeof(w->ratio), "-");
	snprintf(w->floor, sizeof(w->floor), "%s %+.2f ms",
		 floor == KERN_CONF ? "conforming" : "kernel", d[floor]);
	if (op == 0) {
		lim = fmax(d[floor], 0) * 1.2 + 0.5;
		snprintf(w->target, sizeof(w->target), "<= %s (%+.2f)",
			 floor == KERN_CONF ? "conforming's" : "kernel's", lim);
	} else {
		lim = fmax(d[floor], 0) + fmax(1.0, 0.1 * base_ours);
		snprintf(w->target, sizeof(w->target), "flat (<= %+.2f)", lim);
	}
	set_verdict(w, isfinite(d[OURS]) && isfinite(d[floor]) && d[OURS] <= lim);
}

/* Growth rows: ms added between the first and the last point, ours against the kernel's own.
 * ADD passes when ours grows by no more than the kernel baseline (+20% and 0.5 ms for noise);
 * DEL is "flat" when it grows by no more than the kernel's DEL + max(1 ms, 10% of ours). The
 * same against the conforming floor, which also waits for the port and keeps a lease. */
static void growth_rows(const struct opts *o, struct growstats *g)
{
	size_t a = 0;
	char metric[96];

	for (int op = 0; op < 2; op++)
		growth_row(o, g, op, KERN);
	for (int op = 0; op < 2; op++)
		growth_row(o, g, op, KERN_CONF);
	/* The floor under the DEL ratio: the kernel's veth unregistration alone, in-process, against
	 * the reference's whole DEL, same point and conditions. A plugin adds a process start. */
	snprintf(metric, sizeof(metric), "DEL at %zu attached: kernel work alone vs reference",
		 o->points[a]);
	row_ratio(metric, median(&g[KERN].del[a]), median(&g[REF].del[a]), fmt_ms, T_NONE, 0);
}

static void notes(FILE *f, struct net **all, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!all[i])
			continue;
		for (int op = 0; op < 2; op++) {
			const char *e = op ? all[i]->del_err : all[i]->add_err;

			if (!e[0])
				continue;
			if (!any)
				fprintf(f,
					"\nFailures (first per network; later operations of that kind "
					"were skipped there):\n\n");
			any = true;
			fprintf(f, "- %s, network %s: %s\n", all[i]->side, all[i]->label, e);
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o;
	struct seqstats seq[KERN_EXEC + 1] = {0}, gm[2] = {0}, ipt[2] = {0}, nft[2] = {0};
	struct seqstats masq[2][2] = {0}; /* [backend][0: isGateway alone, 1: with ipMasq] */
	struct parstats par[KERN_EXEC + 1] = {0}, parm[3] = {0};
	struct churnstats churn[3] = {0}; /* isGateway alone, + ipMasq nftables, + iptables */
	struct growstats grow[5] = {0};
	struct rssstats rss[2] = {0};
	struct net *all[16] = {0};
	struct net *plain[KERN_EXEC + 1], *gmn[2], *gmi[2], *gmt[2], *l2[2], *hl[2], *gw, *kern,
		*nab[2];
	static const char *const backend_name[2] = {"nftables", "iptables"};
	struct seqstats ab[2] = {0}, ab_rss[2] = {0};
	FILE *out = NULL;
	int kern_br;
	double t0 = now_ms();

	char load0[64], load1[64];

	parse_opts(&o, argc, argv);
	loadavg(load0, sizeof(load0));
	if (o.samples) {
		samples = fopen(o.samples, "we");
		if (!samples)
			die("open %s: %s", o.samples, strerror(errno));
		fprintf(samples, "phase\tside\tnetwork\top\tstatus\tms\tcpu_ms\tmaxrss_kb\tpid\t"
				 "start_ms\n");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	env_path = getenv("PATH") ? getenv("PATH") : "/usr/sbin:/usr/bin:/sbin:/bin";
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_ns < 0)
		die("open own netns: %s", strerror(errno));
	host_rtnl = rtnl_sock();
	if ((mkdir(WORK, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(WORK "/io", 0755) < 0 && errno != EEXIST))
		die("mkdir " WORK ": %s", strerror(errno));
	kern_br = (int)if_nametoindex("bbr-kern");
	if (kern_br <= 0)
		die("no bridge bbr-kern: run me through bench/run.sh (it builds the sandbox)");

	plain[OURS] = bridge_net("ours", "ours", o.ours_dir, "bbr-ours", "10.231.0.0/20", false,
				 false, NULL);
	plain[REF] = bridge_net("ref", "ref", o.ref_dir, "bbr-ref", "10.231.16.0/20", false, false,
				NULL);
	gmn[OURS] = bridge_net("ours", "ours-gm", o.ours_dir, "bbr-ours-gm", "10.231.32.0/20", true,
			       true, NULL);
	gmn[REF] = bridge_net("ref", "ref-gm", o.ref_dir, "bbr-ref-gm", "10.231.48.0/20", true,
			      true, NULL);
	gmi[OURS] = bridge_net("ours", "ours-ipt", o.ours_dir, "bbr-ours-ipt", "10.231.64.0/20",
			       true, true, "iptables");
	gmt[OURS] = bridge_net("ours", "ours-nft", o.ours_dir, "bbr-ours-nft", "10.231.80.0/20",
			       true, true, "nftables");
	gmi[REF] = gmt[REF] = gmn[REF];
	/* the masquerade rows' "without": the same configuration with ipMasq false */
	gw = bridge_net("ours", "ours-gw", o.ours_dir, "bbr-ours-gw", "10.231.128.0/20", true,
			false, NULL);
	/* nft-ab: two builds of ours, both with ipMasqBackend=nftables (bench/nftnl-trial.sh) */
	nab[OURS] = bridge_net("ours", "ours-nab", o.ours_dir, "bbr-ours-nab", "10.231.160.0/20",
			       true, true, "nftables");
	nab[REF] = bridge_net("ref", "ref-nab", o.ref_dir, "bbr-ref-nab", "10.231.176.0/20", true,
			      true, "nftables");
	l2[OURS] = l2_net("ours", "ours-l2", o.ours_dir, "bbr-ours-l2");
	l2[REF] = l2_net("ref", "ref-l2", o.ref_dir, "bbr-ref-l2");
	hl[OURS] = ipam_net("ours", "ours-hl", o.ours_dir, "10.231.112.0/24");
	hl[REF] = ipam_net("ref", "ref-hl", o.ref_dir, "10.231.113.0/24");
	kern = xcalloc(1, sizeof(*kern));
	*kern = (struct net){.side = "kernel",
			     .label = "kernel",
			     .kernel = true,
			     .br_index = kern_br,
			     .subnet_base = 0x0ae76000 /* 10.231.96.0 */};
	plain[KERN] = kern;
	/* the parallel floor a plugin could reach: the same with one process start per ADD */
	plain[KERN_START] = xcalloc(1, sizeof(*kern));
	*plain[KERN_START] = *kern;
	plain[KERN_START]->side = "kernel+start";
	plain[KERN_START]->label = "kernel-start";
	plain[KERN_START]->with_start = true;
	/* the floors of an exec'd plugin: the same kernel work done by a spawned bench/kadd and
	 * the veth deleted by a spawned bench/kdel */
	plain[KERN_EXEC] = xcalloc(1, sizeof(*kern));
	*plain[KERN_EXEC] = *kern;
	plain[KERN_EXEC]->side = "kernel, exec'd";
	plain[KERN_EXEC]->label = "kernel-exec";
	plain[KERN_EXEC]->exec_add = true;
	plain[KERN_EXEC]->exec_del = true;
	/* the conforming floor (kern_add): the kernel work plus a lease on disk and the port-up
	 * wait, its leases on the plugins' file system */
	plain[KERN_CONF] = xcalloc(1, sizeof(*kern));
	*plain[KERN_CONF] = *kern;
	plain[KERN_CONF]->side = "kernel+conforming";
	plain[KERN_CONF]->label = "kernel-conforming";
	plain[KERN_CONF]->conforming = true;
	plain[KERN_CONF]->br_index = (int)if_nametoindex("bbr-kconf");
	plain[KERN_CONF]->subnet_base = 0x0ae7c000; /* 10.231.192.0 */
	if (plain[KERN_CONF]->br_index <= 0)
		die("no bridge bbr-kconf: run me through bench/run.sh (it builds the sandbox)");
	snprintf(plain[KERN_CONF]->lease_dir, sizeof(plain[KERN_CONF]->lease_dir),
		 "/var/lib/cni/bench/kernel-conforming");
	if ((errno = -fs_mkdir_p(plain[KERN_CONF]->lease_dir, 0755)) != 0)
		die("mkdir %s: %s", plain[KERN_CONF]->lease_dir, strerror(errno));
	plain[KERN_CONF_START] = xcalloc(1, sizeof(*kern));
	*plain[KERN_CONF_START] = *plain[KERN_CONF];
	plain[KERN_CONF_START]->side = "kernel+conforming+start";
	plain[KERN_CONF_START]->label = "kernel-conforming-start";
	plain[KERN_CONF_START]->with_start = true;
	{
		struct net *list[] = {plain[OURS], plain[REF], gmn[OURS], gmn[REF], gmi[OURS],
				      gmt[OURS],   gw,	       l2[OURS],  l2[REF],  hl[OURS],
				      hl[REF],	   kern,       nab[OURS], nab[REF]};

		memcpy(all, list, sizeof(list));
	}

	logf_("bench: ours=%s ref=%s (ABBA order, medians; progress below)\n", o.ours_name,
	      o.ref_name);
	if (want(&o, "rss") && !shim_path)
		die("the RSS phase needs --shim build/bench/rusage-shim");
	if (want(&o, "rss")) {
		struct rssstats *st[2] = {&rss[OURS], &rss[REF]};

		rss_floor = net_new("floor", "rss-floor", "/bin", "busybox");
		rss_floor->arg1 = "true";
		rss_floor->via_shim = true;
		net_set_conf(rss_floor, "{}\n");
		/* and the least any dynamically linked program costs: coreutils' true maps
		 * only libc, and libc's resident pages dominate every dynamic binary's RSS */
		rss_floor_dyn = net_new("floor", "rss-floor-dyn", "/usr/bin", "true");
		rss_floor_dyn->via_shim = true;
		net_set_conf(rss_floor_dyn, "{}\n");

		phase_rss(l2, hl, plain, st, 2, o.rss_n);
		release_netns();
	}
	/* the process-start floor, sampled in the sequential phase and at each growth point */
	if (!noop_path)
		die("the process-start floor needs --noop build/bench/noop");
	{
		char *dir = xstrdup(noop_path), *slash = strrchr(dir, '/');

		if (!slash)
			die("--noop wants a path with a directory: %s", noop_path);
		*slash = '\0';
		spawn_net = net_new("floor", "spawn-floor", dir, slash + 1);
	}
	net_set_conf(spawn_net, "{}\n");
	spawn_glibc_net = net_new("floor", "spawn-glibc", "/bin", "busybox");
	spawn_glibc_net->arg1 = "true";
	net_set_conf(spawn_glibc_net, "{}\n");
	if (want(&o, "seq")) {
		struct seqstats *st[5] = {&seq[OURS], &seq[REF], &seq[KERN], &seq[KERN_CONF],
					  &seq[KERN_EXEC]};
		struct net *nets[5] = {plain[OURS], plain[REF], plain[KERN], plain[KERN_CONF],
				       plain[KERN_EXEC]};

		if (!kadd_path || !kdel_path)
			die("the sequential phase needs --kadd build/bench/kadd --kdel build/bench/kdel");
		spawn_sampling = true;
		/* rounds of n: more samples, at the same few containers attached */
		for (size_t r = 0; r < o.seq_rounds; r++) {
			phase_seq("sequential", nets, st, 5, o.n, false);
			release_netns();
		}
		release_netns();
		spawn_sampling = false;
	}
	if (want(&o, "gm")) {
		struct seqstats *st[2] = {&gm[OURS], &gm[REF]};

		phase_seq("isGateway+ipMasq (ours: default backend)", gmn, st, 2, o.n, true);
		release_netns();
	}
	/* nftables first: once ours has created legacy x_tables in the sandbox, its DEL also
	 * visits them (it cleans every backend) */
	for (int b = 0; b < 2; b++) {
		struct net *with = b ? gmi[OURS] : gmt[OURS];
		char title[96];

		if (want(&o, "masq")) {
			struct net *nets[2] = {gw, with};
			struct seqstats *st[2] = {&masq[b][0], &masq[b][1]};

			snprintf(title, sizeof(title),
				 "masquerade cost, ours isGateway with and without ipMasq (%s)",
				 backend_name[b]);
			phase_seq(title, nets, st, 2, o.masq_n, false);
			release_netns();
		}
		if (want(&o, "backends")) {
			struct net *nets[2] = {with, gmn[REF]};
			struct seqstats *st[2] = {b ? &ipt[OURS] : &nft[OURS],
						  b ? &ipt[REF] : &nft[REF]};

			snprintf(title, sizeof(title), "ipMasq, ours with ipMasqBackend=%s",
				 backend_name[b]);
			phase_seq(title, nets, st, 2, o.backend_n, false);
			release_netns();
		}
	}
	if (want(&o, "nft-ab")) {
		struct seqstats *st[2] = {&ab[OURS], &ab[REF]},
				*sr[2] = {&ab_rss[OURS], &ab_rss[REF]};

		phase_seq("nft-ab: ipMasqBackend=nftables on both sides", nab, st, 2, o.backend_n,
			  false);
		/* peak RSS through the shim (the timed runs' ru_maxrss includes the driver's) */
		nab[OURS]->via_shim = nab[REF]->via_shim = true;
		phase_seq("nft-ab rss", nab, sr, 2, o.rss_n, false);
		nab[OURS]->via_shim = nab[REF]->via_shim = false;
	}
	if (want(&o, "par")) {
		struct parstats *st[7] = {&par[OURS],	    &par[REF],	     &par[KERN],
					  &par[KERN_START], &par[KERN_CONF], &par[KERN_CONF_START],
					  &par[KERN_EXEC]};

		if (!kadd_path || !kdel_path)
			die("the parallel phase needs --kadd build/bench/kadd --kdel build/bench/kdel");
		phase_par("parallel", plain, st, 7, o.par_total, o.jobs, o.par_rounds);
		release_netns();
	}
	if (want(&o, "parmasq")) {
		struct net *nets[3] = {gw, gmt[OURS], gmi[OURS]};
		struct parstats *st[3] = {&parm[0], &parm[1], &parm[2]};

		phase_par("parallel, isGateway with and without ipMasq", nets, st, 3, o.par_total,
			  o.jobs, o.par_rounds);
		release_netns();
	}
	if (want(&o, "churn")) {
		struct net *nets[3] = {gw, gmt[OURS], gmi[OURS]};
		struct churnstats *st[3] = {&churn[0], &churn[1], &churn[2]};

		phase_churn("churn, isGateway with and without ipMasq", nets, st, 3, o.par_total,
			    o.jobs, o.par_rounds);
		release_netns();
	}
	if (want(&o, "growth")) {
		struct growstats *st[4] = {&grow[OURS], &grow[REF], &grow[KERN], &grow[KERN_CONF]};
		struct net *nets[4] = {plain[OURS], plain[REF], plain[KERN], plain[KERN_CONF]};

		phase_growth(nets, st, 4, o.points, o.npoints, o.growth_k, o.jobs);
	}

	/* ---- table */
	if (want(&o, "seq")) {
		double ka = median(&seq[KERN].add), sp = median(&spawn_floor_ms);
		char text[80];

		snprintf(text, sizeof(text), "kernel %.2f + start %.2f = %.2f ms", ka, sp, ka + sp);
		row_floor("ADD median (sequential)", median(&seq[OURS].add), median(&seq[REF].add),
			  ka + sp, text, fmt_ms, T_LE, 1.15);
		ka = median(&seq[KERN_CONF].add);
		snprintf(text, sizeof(text), "conforming %.2f + start %.2f = %.2f ms", ka, sp,
			 ka + sp);
		row_floor("ADD median against a conforming ADD's floor (kernel work, lease on "
			  "disk, port-up wait)",
			  median(&seq[OURS].add), NAN, ka + sp, text, fmt_ms, T_LE, 1.15);
		/* For comparison with earlier reports, whose process start was a static glibc
		 * program's. */
		ka = median(&seq[KERN].add);
		sp = median(&spawn_glibc_ms);
		snprintf(text, sizeof(text), "kernel %.2f + glibc start %.2f = %.2f ms", ka, sp,
			 ka + sp);
		row_floor("ADD median against the kernel's ADD + a static glibc program's start",
			  median(&seq[OURS].add), NAN, ka + sp, text, fmt_ms, T_NONE, 0);
		sp = median(&spawn_floor_ms);
		/* What a process that does the kernel work pays beyond an empty one's start: its
		 * binary's pages, and its exit while the kernel tears down what it touched. */
		snprintf(text, sizeof(text), "kadd %.2f ms = %.3f x (kernel + start)",
			 median(&seq[KERN_EXEC].add), median(&seq[KERN_EXEC].add) / (ka + sp));
		row_floor(
			"ADD median against the kernel's ADD by an exec'd minimal program "
			"(bench/kadd, built as the plugins: the kernel floor's requests, spawn to "
			"reap)",
			median(&seq[OURS].add), NAN, median(&seq[KERN_EXEC].add), text, fmt_ms,
			T_NONE, 0);
		row_floor("ADD p95", pct(&seq[OURS].add, 95), pct(&seq[REF].add, 95),
			  pct(&seq[KERN].add, 95), NULL, fmt_ms, T_NONE, 0);
		row_floor("DEL median", median(&seq[OURS].del), median(&seq[REF].del),
			  median(&seq[KERN].del), NULL, fmt_ms, T_LE, 1.05);
		/* The DEL target has no process start in its floor: where one costs more than
		 * 5% of the kernel's DEL, no exec'd plugin can meet it. */
		snprintf(text, sizeof(text), "kernel %.2f + start %.2f = %.2f ms",
			 median(&seq[KERN].del), sp, median(&seq[KERN].del) + sp);
		row_floor("DEL median against the kernel's DEL + a process start (what an exec'd "
			  "plugin that only deleted the veth would take)",
			  median(&seq[OURS].del), NAN, median(&seq[KERN].del) + sp, text, fmt_ms,
			  T_NONE, 0);
		snprintf(text, sizeof(text), "kdel %.2f ms = %.3f x kernel DEL",
			 median(&seq[KERN_EXEC].del),
			 median(&seq[KERN_EXEC].del) / median(&seq[KERN].del));
		row_floor("DEL median against the kernel's DEL by an exec'd minimal program "
			  "(bench/kdel, built as the plugins: one RTM_DELLINK, spawn to reap)",
			  median(&seq[OURS].del), NAN, median(&seq[KERN_EXEC].del), text, fmt_ms,
			  T_NONE, 0);
		row_floor("DEL median against a conforming DEL's floor (lease released, veth "
			  "deleted)",
			  median(&seq[OURS].del), NAN, median(&seq[KERN_CONF].del), NULL, fmt_ms,
			  T_LE, 1.05);
		row_floor("DEL p95", pct(&seq[OURS].del, 95), pct(&seq[REF].del, 95),
			  pct(&seq[KERN].del, 95), NULL, fmt_ms, T_NONE, 0);
		/* A veth's unregistration ends with RCU grace periods, which end on scheduler
		 * ticks (4 ms at HZ 250): DEL times fall on steps of a tick and the median jumps
		 * between steps; the trimmed mean does not. */
		row_floor("DEL trimmed mean (10th-90th percentile; DEL times step by the scheduler "
			  "tick, the median jumps between steps)",
			  trimmed_mean(&seq[OURS].del), trimmed_mean(&seq[REF].del),
			  trimmed_mean(&seq[KERN].del), NULL, fmt_ms, T_NONE, 0);
		snprintf(text, sizeof(text), "kdel %.2f ms = %.3f x kernel DEL",
			 trimmed_mean(&seq[KERN_EXEC].del),
			 trimmed_mean(&seq[KERN_EXEC].del) / trimmed_mean(&seq[KERN].del));
		row_floor("DEL trimmed mean against bench/kdel's", trimmed_mean(&seq[OURS].del),
			  NAN, trimmed_mean(&seq[KERN_EXEC].del), text, fmt_ms, T_NONE, 0);
	}
	if (want(&o, "gm")) {
		row_ratio("isGateway+ipMasq ADD median", median(&gm[OURS].add),
			  median(&gm[REF].add), fmt_ms, T_LE, 0.17);
		row_ratio("isGateway+ipMasq ADD p95", pct(&gm[OURS].add, 95), pct(&gm[REF].add, 95),
			  fmt_ms, T_NONE, 0);
		row_ratio("isGateway+ipMasq DEL median", median(&gm[OURS].del),
			  median(&gm[REF].del), fmt_ms, T_NONE, 0);
		row_ratio("isGateway+ipMasq DEL p95", pct(&gm[OURS].del, 95), pct(&gm[REF].del, 95),
			  fmt_ms, T_NONE, 0);
	}
	if (want(&o, "masq"))
		for (int b = 0; b < 2; b++) {
			char metric[160];

			snprintf(metric, sizeof(metric),
				 "ipMasq on top of an isGateway ADD (ours, ipMasqBackend=%s)",
				 backend_name[b]);
			row_delta(metric, &masq[b][1].add, &masq[b][0].add, 50, 0.5);
			snprintf(metric, sizeof(metric),
				 "ipMasq on top of an isGateway DEL (ours, ipMasqBackend=%s)",
				 backend_name[b]);
			row_delta(metric, &masq[b][1].del, &masq[b][0].del, 50, 3.0);
		}
	if (want(&o, "backends")) {
		row_ratio("ipMasq ADD median, ours ipMasqBackend=nftables", median(&nft[OURS].add),
			  median(&nft[REF].add), fmt_ms, T_NONE, 0);
		row_ratio("ipMasq DEL median, ours ipMasqBackend=nftables", median(&nft[OURS].del),
			  median(&nft[REF].del), fmt_ms, T_NONE, 0);
		row_ratio("ipMasq ADD median, ours ipMasqBackend=iptables", median(&ipt[OURS].add),
			  median(&ipt[REF].add), fmt_ms, T_NONE, 0);
		row_ratio("ipMasq DEL median, ours ipMasqBackend=iptables", median(&ipt[OURS].del),
			  median(&ipt[REF].del), fmt_ms, T_NONE, 0);
	}
	if (want(&o, "nft-ab")) {
		row_ratio("nft-ab ADD median", median(&ab[OURS].add), median(&ab[REF].add), fmt_ms,
			  T_NONE, 0);
		row_ratio("nft-ab ADD p95", pct(&ab[OURS].add, 95), pct(&ab[REF].add, 95), fmt_ms,
			  T_NONE, 0);
		row_ratio("nft-ab DEL median", median(&ab[OURS].del), median(&ab[REF].del), fmt_ms,
			  T_NONE, 0);
		row_ratio("nft-ab DEL p95", pct(&ab[OURS].del, 95), pct(&ab[REF].del, 95), fmt_ms,
			  T_NONE, 0);
		row_ratio("nft-ab CPU per ADD (user+sys)", median(&ab[OURS].add_cpu),
			  median(&ab[REF].add_cpu), fmt_ms, T_NONE, 0);
		row_ratio("nft-ab CPU per DEL (user+sys)", median(&ab[OURS].del_cpu),
			  median(&ab[REF].del_cpu), fmt_ms, T_NONE, 0);
		row_ratio("nft-ab peak RSS of ADD (max)", smax(&ab_rss[OURS].add_rss),
			  smax(&ab_rss[REF].add_rss), fmt_kb, T_NONE, 0);
		row_ratio("nft-ab peak RSS of DEL (max)", smax(&ab_rss[OURS].del_rss),
			  smax(&ab_rss[REF].del_rss), fmt_kb, T_NONE, 0);
	}
	if (want(&o, "par")) {
		double r[3];
		char metric[160];
		struct row *w;
		bool vs_ref, vs_floor;

		for (int s = 0; s < 3; s++)
			r[s] = par_rate(&par[s]);
		snprintf(metric, sizeof(metric),
			 "%zu ADD, %zu in flight: throughput (all IPs distinct; floor: the kernel "
			 "baseline, %zu in flight)",
			 o.par_total, o.jobs, o.jobs);
		w = row_floor(metric, r[OURS], r[REF], r[KERN], NULL, fmt_rate, T_NONE, 0);
		vs_ref = isfinite(r[OURS] / r[REF]) && r[OURS] / r[REF] >= 4.0;
		vs_floor = isfinite(r[OURS] / r[KERN]) && r[OURS] / r[KERN] >= 0.8;
		snprintf(w->target, sizeof(w->target), ">= 4.00 x ref and >= 0.80 x floor");
		set_verdict(w, vs_ref && vs_floor);
		if (!vs_ref || !vs_floor)
			snprintf(w->result, sizeof(w->result), "MISS (%s)",
				 vs_ref	    ? "floor"
				 : vs_floor ? "ref"
					    : "both");
		/* Information rows: the floors a plugin that starts a process per ADD can reach. */
		static const struct {
			int side;
			const char *what;
		} exec_floors[] = {
			{KERN_START,
			 "the kernel baseline that also starts a process per ADD (what a "
			 "plugin can reach)"},
			{KERN_CONF_START,
			 "the conforming floor (lease on disk, port-up wait) with a "
			 "process start per ADD"},
			{KERN_EXEC, "the kernel work done by an exec'd minimal program per ADD "
				    "(bench/kadd)"},
		};
		for (size_t i = 0; i < sizeof(exec_floors) / sizeof(exec_floors[0]); i++) {
			snprintf(metric, sizeof(metric),
				 "%zu ADD, %zu in flight: throughput against %s", o.par_total,
				 o.jobs, exec_floors[i].what);
			row_floor(metric, r[OURS], NAN, par_rate(&par[exec_floors[i].side]), NULL,
				  fmt_rate, T_NONE, 0);
		}
	}
	if (want(&o, "parmasq"))
		for (int b = 0; b < 2; b++) {
			char metric[160];

			snprintf(metric, sizeof(metric),
				 "%zu ADD, %zu in flight, isGateway: with ipMasq (ours, %s) / "
				 "without",
				 o.par_total, o.jobs, backend_name[b]);
			row_floor(metric, par_rate(&parm[1 + b]), NAN, par_rate(&parm[0]), NULL,
				  fmt_rate, T_NONE, 0);
		}
	if (want(&o, "churn"))
		for (int b = 0; b < 2; b++) {
			char metric[160];

			snprintf(metric, sizeof(metric),
				 "churn (%zu ADD + %zu DEL interleaved, %zu in flight), isGateway: "
				 "ipMasq (%s) on top of the ADD median",
				 o.par_total, o.par_total, o.jobs, backend_name[b]);
			row_delta(metric, &churn[1 + b].t[OP_ADD], &churn[0].t[OP_ADD], 50, NAN);
			snprintf(metric, sizeof(metric),
				 "churn, isGateway: ipMasq (%s) on top of the ADD p90",
				 backend_name[b]);
			row_delta(metric, &churn[1 + b].t[OP_ADD], &churn[0].t[OP_ADD], 90, NAN);
		}
	if (want(&o, "seq")) {
		row_floor("CPU per ADD (user+sys, plugin tree; floor: the driver's own around the "
			  "kernel baseline)",
			  median(&seq[OURS].add_cpu), median(&seq[REF].add_cpu),
			  median(&seq[KERN].add_cpu), NULL, fmt_ms, T_NONE, 0);
		row_floor("CPU per DEL (user+sys, plugin tree)", median(&seq[OURS].del_cpu),
			  median(&seq[REF].del_cpu), median(&seq[KERN].del_cpu), NULL, fmt_ms,
			  T_NONE, 0);
	}
	if (want(&o, "rss")) {
		row_ratio("peak RSS, bridge process (L2 config, no IPAM child)",
			  smax(&rss[OURS].bridge_rss), smax(&rss[REF].bridge_rss), fmt_kb, T_LE,
			  0.30);
		row_ratio("peak RSS, host-local process (called directly)",
			  smax(&rss[OURS].ipam_rss), smax(&rss[REF].ipam_rss), fmt_kb, T_LE, 0.30);
		row_ratio("peak RSS, largest process of an ADD/DEL with host-local",
			  smax(&rss[OURS].with_ipam_rss), smax(&rss[REF].with_ipam_rss), fmt_kb,
			  T_NONE, 0);
	}
	row_binary(&o, "bridge");
	row_binary(&o, "host-local");
	if (want(&o, "growth"))
		growth_rows(&o, grow);

	loadavg(load1, sizeof(load1));
	if (o.out) {
		out = fopen(o.out, "we");
		if (!out)
			logf_("bench: cannot write %s: %s\n", o.out, strerror(errno));
	}
	for (int pass = 0; pass < 2; pass++) {
		FILE *f = pass ? out : stdout;

		if (!f)
			continue;
		fprintf(f,
			"\nours = %s, reference = %s; sequential %zu x n=%zu per side, masquerade cost "
			"n=%zu, ipMasq backends n=%zu, parallel %zu ADD x %zu rounds, RSS n=%zu; "
			"%.0f s; load average %s at start, %s at end (%ld CPUs); leases on %s\n\n",
			o.ours_name, o.ref_name, o.seq_rounds, o.n, o.masq_n, o.backend_n,
			o.par_total, o.par_rounds, o.rss_n, (now_ms() - t0) / 1e3, load0, load1,
			sysconf(_SC_NPROCESSORS_ONLN), lease_fs());
		print_table(f);
		fprintf(f,
			"\nours/ref is for information where a floor is given; the targets are "
			"against the floor measured in the same run, alternated with both sides: an "
			"in-process rtnetlink baseline doing the kernel work of one attachment "
			"(veth with its peer created in the netns, master+up, accept_dad off, "
			"arp_notify, address, up; DEL deletes the veth), plus for ADD "
			"the least process start a plugin pays (bench/noop: static, no C library, "
			"one system call); in parallel, "
			"%zu forked workers doing the same, each with its own socket. Masquerade "
			"rows: ours with isGateway, with ipMasq minus without, medians of one "
			"alternated phase. Growth rows: milliseconds added between the first and "
			"last point; ADD passes at <= 1.2 x the kernel's growth + 0.5 ms, DEL is "
			"flat at <= the kernel's + max(1 ms, 10%% of ours at the first point). The "
			"conforming floor adds, in-process and at its cheapest, what every bridge + "
			"host-local pair that behaves as the reference must also do: the lease kept "
			"as the reference's host-local keeps it (flock of the network's lock file, "
			"the address's file created exclusively with the owner, the cursor "
			"rewritten; DEL unlinks it under the lock, before the veth goes), on the "
			"plugins' file system, and the wait for the host end to be up before "
			"answering (plugins#468), from a link notification.\n",
			o.jobs);
		if (want(&o, "par")) {
			static const char *const who[6] = {"ours",
							   "reference",
							   "kernel baseline",
							   "kernel baseline + process start",
							   "conforming floor",
							   "conforming floor + process start"};

			for (int s = 0; s < 6; s++)
				par_line(f, who[s], &par[s], s == 0);
		}
		if (want(&o, "parmasq"))
			for (int s = 0; s < 3; s++)
				par_line(f,
					 s ? s == 1 ? "ours isGateway+ipMasq nftables"
						    : "ours isGateway+ipMasq iptables"
					   : "ours isGateway",
					 &parm[s], s == 0);
		if (want(&o, "growth"))
			report_growth(f, &o, grow);
		if (rss_floor_kb.n)
			fprintf(f,
				"\nPeak RSS is measured through build/bench/rusage-shim (a static "
				"parent that reports its child's own ru_maxrss); a static `busybox "
				"true` measures %.2f MB that way, the dynamically linked "
				"/usr/bin/true (libc only) %.2f MB.\n",
				smax(&rss_floor_kb) / 1024.0,
				rss_floor_dyn_kb.n ? smax(&rss_floor_dyn_kb) / 1024.0 : 0.0);
		if (spawn_floor_ms.n)
			fprintf(f,
				"\nProcess start floor during the sequential phase (posix_spawn + "
				"wait4 of bench/noop: static, no C library, one system call): median "
				"%.2f ms, p95 %.2f ms; a static glibc program (`busybox true`, whose "
				"libc start-up probes the CPU with CPUID, a trap to the hypervisor on a "
				"virtual machine): median %.2f ms, p95 %.2f ms.\n",
				median(&spawn_floor_ms), pct(&spawn_floor_ms, 95),
				median(&spawn_glibc_ms), pct(&spawn_glibc_ms, 95));
		if (fw_probe[0])
			fprintf(f,
				"\nipMasq phase, ours with the default backend, while all containers "
				"were up: %s\n",
				fw_probe);
		notes(f, all, sizeof(all) / sizeof(all[0]));
		fprintf(f, "\n%zu PASS, %zu MISS\n", n_pass, n_miss);
	}
	if (out)
		fclose(out);
	if (samples)
		fclose(samples);
	return 0;
}
