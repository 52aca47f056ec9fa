/* `cnictl run`, the side the user sees: options, validation, then a monitor process that owns
 * the container (monitor.c). This process only relays signals to the monitor and exits with the
 * status the monitor reports; killing it (even with SIGKILL) makes the monitor stop the
 * container and tear it down, as conmon does for podman. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipaddr.h"
#include "json.h"
#include "run.h"
#include "runtime.h"

#define O(ctx) ((struct run_opts *)(ctx))

/* ---- option handlers ---- */

static int opt_net(void *ctx, const char *spec)
{
	struct run_opts *o = O(ctx);
	const char *colon = strchr(spec, ':');
	struct run_net *n = realloc(o->nets, (o->n_nets + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	o->nets = n;
	n = &o->nets[o->n_nets++];
	*n = (struct run_net){0};
	n->name = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
	if (colon)
		n->ifname = strdup(colon + 1);
	else if (asprintf(&n->ifname, "eth%zu", o->n_nets - 1) < 0)
		n->ifname = NULL;
	return n->name && n->ifname ? 0 : -ENOMEM;
}

static int opt_no_net(void *ctx, const char *arg)
{
	(void)arg;
	O(ctx)->no_net = true;
	return 0;
}

static int opt_check(void *ctx, const char *arg)
{
	(void)arg;
	O(ctx)->check = true;
	return 0;
}

static int opt_detach(void *ctx, const char *arg)
{
	(void)arg;
	O(ctx)->detach = true;
	return 0;
}

static int opt_log(void *ctx, const char *arg)
{
	return cli_set_str(&O(ctx)->log, arg);
}

static int opt_name(void *ctx, const char *arg)
{
	return cli_set_str(&O(ctx)->name, arg);
}

static int opt_hostname(void *ctx, const char *arg)
{
	return cli_set_str(&O(ctx)->hostname, arg);
}

static int opt_mac(void *ctx, const char *arg)
{
	return cli_set_str(&O(ctx)->mac, arg);
}

static int opt_cni_args(void *ctx, const char *arg)
{
	return cli_set_str(&O(ctx)->cni_args, arg);
}

static int push(cJSON **arr, cJSON *item)
{
	if (!item || (!*arr && !(*arr = cJSON_CreateArray())) ||
	    !cJSON_AddItemToArray(*arr, item)) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	return 0;
}

static int opt_ip(void *ctx, const char *ip)
{
	struct ipprefix p;
	bool has_len;

	if (ipprefix_parse_optional(ip, &p, &has_len) < 0) {
		fprintf(stderr, "cnictl: --ip: \"%s\" is not an IP address\n", ip);
		return -EINVAL;
	}
	return push(&O(ctx)->ips, cJSON_CreateString(ip));
}

static int parse_port(const char *s, size_t len, const char *spec, int *ret)
{
	char buf[8];
	char *end = NULL;
	long v;

	if (len == 0 || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtol(buf, &end, 10);
	if (*end || buf[0] == '-' || buf[0] == '+' || v < 1 || v > 65535)
		goto bad;
	*ret = (int)v;
	return 0;
bad:
	fprintf(stderr, "cnictl: --publish %s: \"%.*s\" is not a port (1-65535)\n", spec, (int)len,
		s);
	return -EINVAL;
}

int run_parse_publish(const char *spec, cJSON **ret)
{
	_cleanup_(cJSON_Deletep) cJSON *m = NULL;
	_cleanup_free_ char *ip = NULL;
	const char *p = spec, *proto = "tcp", *slash, *colon;
	int host, ctr;

	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close || close[1] != ':')
			goto bad;
		ip = strndup(p + 1, (size_t)(close - p - 1));
		p = close + 2;
	} else if ((colon = strchr(p, ':')) && strchr(colon + 1, ':')) {
		ip = strndup(p, (size_t)(colon - p));
		p = colon + 1;
	}
	if (ip) {
		unsigned char a[16];
		if (inet_pton(AF_INET, ip, a) != 1 && inet_pton(AF_INET6, ip, a) != 1) {
			fprintf(stderr, "cnictl: --publish %s: \"%s\" is not an IP address\n", spec,
				ip);
			return -EINVAL;
		}
	}
	if (!(colon = strchr(p, ':')))
		goto bad;
	slash = strchr(colon, '/');
	if (slash) {
		proto = slash + 1;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) {
			fprintf(stderr, "cnictl: --publish %s: protocol \"%s\": tcp or udp\n", spec,
				proto);
			return -EINVAL;
		}
	}
	if (parse_port(p, (size_t)(colon - p), spec, &host) < 0 ||
	    parse_port(colon + 1, slash ? (size_t)(slash - colon - 1) : strlen(colon + 1), spec,
		       &ctr) < 0)
		return -EINVAL;
	/* CONVENTIONS.md › portMappings: hostPort, containerPort, protocol, hostIP. */
	if (!(m = cJSON_CreateObject()) || !cJSON_AddNumberToObject(m, "hostPort", host) ||
	    !cJSON_AddNumberToObject(m, "containerPort", ctr) ||
	    !cJSON_AddStringToObject(m, "protocol", proto) ||
	    (ip && !cJSON_AddStringToObject(m, "hostIP", ip)))
		return -ENOMEM;
	*ret = TAKE_PTR(m);
	return 0;
bad:
	fprintf(stderr, "cnictl: --publish %s: expected [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp]\n",
		spec);
	return -EINVAL;
}

static int opt_publish(void *ctx, const char *spec)
{
	cJSON *m = NULL;
	int r = run_parse_publish(spec, &m);
	return r < 0 ? r : push(&O(ctx)->ports, m);
}

static int opt_cap_args(void *ctx, const char *arg)
{
	cJSON *extra = NULL;

	if (json_parse(arg, strlen(arg), "--cap-args", &extra, NULL) < 0 ||
	    !cJSON_IsObject(extra)) {
		cJSON_Delete(extra);
		fprintf(stderr, "cnictl: --cap-args: not a JSON object\n");
		return -EINVAL;
	}
	cJSON_Delete(O(ctx)->extra_caps);
	O(ctx)->extra_caps = extra;
	return 0;
}

static int opt_ns(void *ctx, const char *list)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL;
	unsigned long f = 0;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "net") == 0)
			f |= CLONE_NEWNET;
		else if (strcmp(t, "uts") == 0)
			f |= CLONE_NEWUTS;
		else if (strcmp(t, "ipc") == 0)
			f |= CLONE_NEWIPC;
		else if (strcmp(t, "pid") == 0)
			f |= CLONE_NEWPID;
		else if (strcmp(t, "mnt") == 0 || strcmp(t, "mount") == 0)
			f |= CLONE_NEWNS;
		else {
			fprintf(stderr,
				"cnictl: --ns: unknown namespace \"%s\" (net, uts, ipc, pid, mnt)\n",
				t);
			return -EINVAL;
		}
	}
	O(ctx)->ns_flags = f;
	return 0;
}

static int opt_rootfs(void *ctx, const char *arg)
{
	char *p = realpath(arg, NULL);
	if (!p) {
		fprintf(stderr, "cnictl: --rootfs %s: %s\n", arg, strerror(errno));
		return -EINVAL;
	}
	free(O(ctx)->rootfs);
	O(ctx)->rootfs = p;
	return 0;
}

static int opt_memory(void *ctx, const char *arg)
{
	if (cg_parse_size(arg, &O(ctx)->limits.memory) < 0) {
		fprintf(stderr, "cnictl: --memory: invalid size \"%s\"\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_cpus(void *ctx, const char *arg)
{
	if (cg_parse_cpus(arg, &O(ctx)->limits.cpu_quota_us) < 0) {
		fprintf(stderr, "cnictl: --cpus: invalid number \"%s\"\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_pids(void *ctx, const char *arg)
{
	if (cg_parse_size(arg, &O(ctx)->limits.pids) < 0) {
		fprintf(stderr, "cnictl: --pids: invalid number \"%s\"\n", arg);
		return -EINVAL;
	}
	return 0;
}

static int opt_cpuset_cpus(void *ctx, const char *arg)
{
	if (cg_check_cpuset(arg) < 0) {
		fprintf(stderr, "cnictl: --cpuset-cpus: \"%s\" is not a CPU list such as 0-1,3\n",
			arg);
		return -EINVAL;
	}
	return cli_set_str(&O(ctx)->limits.cpuset_cpus, arg);
}

/* Relative to each hierarchy's root: names without "." or ".." components. */
static int opt_cgroup_parent(void *ctx, const char *arg)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *save = NULL;
	bool any = false;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		any = true;
		if (strcmp(t, ".") == 0 || strcmp(t, "..") == 0 ||
		    t[strspn(t,
			     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")]) {
			any = false;
			break;
		}
	}
	if (!any) {
		fprintf(stderr,
			"cnictl: --cgroup-parent: \"%s\" is not a cgroup path (letters, digits, '.', '_', '-', separated by '/')\n",
			arg);
		return -EINVAL;
	}
	return cli_set_str(&O(ctx)->cgroup_parent, arg + strspn(arg, "/"));
}

static int opt_result(void *ctx, const char *arg)
{
	if (strcmp(arg, "table") == 0)
		O(ctx)->result = RESULT_TABLE;
	else if (strcmp(arg, "json") == 0)
		O(ctx)->result = RESULT_JSON;
	else if (strcmp(arg, "none") == 0)
		O(ctx)->result = RESULT_NONE;
	else {
		fprintf(stderr, "cnictl: --result: table, json or none\n");
		return -EINVAL;
	}
	return 0;
}

static int opt_stop_timeout(void *ctx, const char *arg)
{
	char *end = NULL;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || v < 0 || v > 86400) {
		fprintf(stderr, "cnictl: --stop-timeout: not a number of seconds\n");
		return -EINVAL;
	}
	O(ctx)->stop_timeout = (int)v;
	return 0;
}

static const struct cli_opt run_opts[] = {
	{"net", 'n', "NAME[:IFNAME]",
	 "attach to network NAME (repeatable, in order; ifnames default\n"
	 "to eth0, eth1...). Default: \"" CONF_DEFAULT_NAME "\", the built-in bridge cnictl0 on\n"
	 "10.244.200.0/24 (+ portmap when CNI_PATH has it) unless the conf\n"
	 "dir defines that name",
	 opt_net},
	{"no-net", 0, NULL, "network namespace with lo only, no CNI", opt_no_net},
	{"name", 0, "NAME", "container ID (default: 16 random hex digits), K8S_POD_NAME", opt_name},
	{"hostname", 0, "NAME", "default: the container ID", opt_hostname},
	{"ip", 0, "ADDR[/LEN]", "capability \"ips\" (repeatable)", opt_ip},
	{"mac", 0, "MAC", "capability \"mac\"", opt_mac},
	{"publish", 'p', "[IP:]HOST:CTR[/PROTO]",
	 "capability \"portMappings\": HOST port (on IP) to the container's CTR\n"
	 "port, tcp (default) or udp; IPv6 IPs in brackets (repeatable)",
	 opt_publish},
	{"cap-args", 0, "JSON", "capability args object; --ip, --mac, -p replace its keys",
	 opt_cap_args},
	{"cni-args", 0, "K=V[;K=V]", "extra CNI_ARGS (IgnoreUnknown=1 is always added)",
	 opt_cni_args},
	{"check", 0, NULL, "CHECK every network after ADD, before CMD starts", opt_check},
	{"ns", 0, "LIST", "namespaces to create, from net,uts,ipc,pid,mnt (default: all)", opt_ns},
	{"rootfs", 0, "DIR",
	 "pivot_root into DIR (fresh /proc; host /dev bound in; private\n"
	 "/etc/hostname, /etc/hosts, /etc/resolv.conf bound over its own)",
	 opt_rootfs},
	{"memory", 0, "BYTES",
	 "memory limit, no swap on top (K/M/G suffixes); exceeding it is\n"
	 "an OOM kill, reported",
	 opt_memory},
	{"cpus", 0, "N", "CPU time limit in CPUs (e.g. 0.5)", opt_cpus},
	{"pids", 0, "N", "limit on the number of processes and threads", opt_pids},
	{"cpuset-cpus", 0, "LIST", "CPUs the container may run on (e.g. 0-1,3)", opt_cpuset_cpus},
	{"cgroup-parent", 0, "PATH",
	 "cgroup below which the container's are made, in every hierarchy\n"
	 "(default " CG_DEFAULT_PARENT ", removed again when empty)",
	 opt_cgroup_parent},
	{"detach", 'd', NULL,
	 "print the container ID once CMD runs and exit 0; CMD keeps running\n"
	 "with stdin, stdout and stderr on /dev/null (or --log); stop it with\n"
	 "`cnictl stop ID`",
	 opt_detach},
	{"log", 0, "FILE",
	 "with --detach: CMD's stdout and stderr, and the monitor's messages\n"
	 "once CMD runs, appended to FILE",
	 opt_log},
	{"result", 0, "FMT", "print each ADD result on stderr: table, json or none (default)",
	 opt_result},
	{"stop-timeout", 0, "S",
	 "after forwarding SIGTERM/SIGINT/SIGHUP/SIGQUIT, SIGKILL the\n"
	 "container after S seconds (default 10)",
	 opt_stop_timeout},
	{0},
};

static int cmd_run(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_run = {
	.name = "run",
	.synopsis = "run [OPTIONS] [--] CMD [ARG...]",
	.summary = "run CMD in new namespaces on CNI networks",
	.description =
		"Run CMD in new namespaces attached to CNI networks; tear everything down when it exits.\n"
		"A monitor process owns the container: when `cnictl run` itself is killed (even with\n"
		"SIGKILL), the monitor stops the container (--stop-timeout) and DELs its networks; if\n"
		"the monitor is killed too, `cnictl rm ID` or `cnictl gc` finish the job.\n"
		"cgroup limits (--memory, --cpus, --pids, --cpuset-cpus) use, per controller, the\n"
		"cgroup v1 hierarchy that has it, else the cgroup v2 one.\n",
	.opts = run_opts,
	.footer =
		"Exit status: CMD's, 128+N when it was killed by signal N (137 also for an OOM kill,\n"
		"which is reported), 125 for a launcher or network failure, 126 when CMD cannot be\n"
		"executed, 127 when it is not found.\n",
	.run = cmd_run,
};

static void run_opts_clear(struct run_opts *o)
{
	for (size_t i = 0; i < o->n_nets; i++) {
		free(o->nets[i].name);
		free(o->nets[i].ifname);
		conf_free(o->nets[i].nc);
		cJSON_Delete(o->nets[i].result);
	}
	free(o->nets);
	free(o->name);
	free(o->hostname);
	free(o->rootfs);
	free(o->mac);
	free(o->log);
	free(o->cni_args);
	free(o->cgroup_parent);
	free(o->limits.cpuset_cpus);
	cJSON_Delete(o->cap_args);
	cJSON_Delete(o->extra_caps);
	cJSON_Delete(o->ips);
	cJSON_Delete(o->ports);
}

/* --cap-args first, then the dedicated flags replace their keys (capability args are a map,
 * libcni RuntimeConf.CapabilityArgs). */
static int build_cap_args(struct run_opts *o)
{
	struct {
		const char *key;
		cJSON **val;
	} flags[] = {{"ips", &o->ips}, {"portMappings", &o->ports}};

	o->cap_args = TAKE_PTR(o->extra_caps);
	if (!o->cap_args && (o->ips || o->ports || o->mac) && !(o->cap_args = cJSON_CreateObject()))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (*flags[i].val &&
		    json_map_set(o->cap_args, flags[i].key, TAKE_PTR(*flags[i].val)) < 0)
			return -ENOMEM;
	if (o->mac && json_map_set(o->cap_args, "mac", cJSON_CreateString(o->mac)) < 0)
		return -ENOMEM;
	return 0;
}

static int finish_opts(struct run_opts *o)
{
	if (build_cap_args(o) < 0)
		return -ENOMEM;
	if (o->log && !o->detach) {
		fprintf(stderr, "cnictl: --log needs --detach\n");
		return -EINVAL;
	}
	if (o->rootfs && !(o->ns_flags & CLONE_NEWNS)) {
		fprintf(stderr, "cnictl: --rootfs needs the mnt namespace\n");
		return -EINVAL;
	}
	if (!(o->ns_flags & CLONE_NEWNET)) {
		if (o->n_nets) {
			fprintf(stderr, "cnictl: --net needs the net namespace\n");
			return -EINVAL;
		}
		o->no_net = true;
	}
	if (o->no_net && o->n_nets) {
		fprintf(stderr, "cnictl: --no-net and --net exclude each other\n");
		return -EINVAL;
	}
	if (!o->no_net && o->n_nets == 0 && opt_net(o, CONF_DEFAULT_NAME) < 0)
		return -ENOMEM;
	if (!o->cgroup_parent && !(o->cgroup_parent = strdup(CG_DEFAULT_PARENT)))
		return -ENOMEM;
	return 0;
}

/* Load every network and check names before anything is changed. */
static int prepare(struct run_opts *o, const char *id, struct cni_error *err)
{
	int r;

	if ((r = cni_validate_container_id(id, err)) < 0)
		return r;
	for (size_t i = 0; i < o->n_nets; i++) {
		struct run_net *n = &o->nets[i];
		if ((r = cni_validate_ifname(n->ifname, err)) < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->nets[j].ifname, n->ifname) == 0)
				return cni_error_set(err, CNI_ERR_CONFIG, EINVAL, NULL,
						     "interface name %s is used twice", n->ifname);
		if ((r = conf_load(o->g->conf_dir, n->name, o->g->cni_path, &n->nc, err)) < 0)
			return r;
	}
	/* CONVENTIONS.md: capability args reach only plugins that declare them; say so rather
	 * than drop them silently. */
	for (const cJSON *c = o->cap_args ? o->cap_args->child : NULL; c; c = c->next)
		for (size_t i = 0; i < o->n_nets; i++)
			if (!conf_has_cap(o->nets[i].nc, c->string))
				fprintf(stderr,
					"cnictl: warning: network \"%s\" declares no \"%s\" capability; that argument is dropped for it\n",
					o->nets[i].name, c->string);
	return 0;
}

static int random_id(char buf[17])
{
	unsigned char b[8];
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -EIO;
	for (size_t i = 0; i < sizeof(b); i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
	return 0;
}

/* ---- signals ---- */

int run_sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;
	if (write(run_sig_pipe[1], &c, 1) < 0) {
	}
	errno = e;
}

static const int caught[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

bool run_is_stop_signal(int sig)
{
	return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT;
}

int run_signals_setup(void)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

	if (run_sig_pipe[0] >= 0) {
		close(run_sig_pipe[0]);
		close(run_sig_pipe[1]);
	}
	if (pipe2(run_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return negative_errno();
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
		sigaction(caught[i], &sa, NULL);
	return 0;
}

static void block_caught(int how, sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
		sigaddset(&set, caught[i]);
	sigprocmask(how, &set, old);
}

/* ---- the client: relay signals, wait for the monitor's verdict ---- */

static int client_wait(const struct run_opts *o, const char *id, pid_t monitor, int started_fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, monitor, 0), ws;

	if (pidfd < 0) {
		fprintf(stderr, "cnictl: pidfd_open of the monitor: %s\n", strerror(errno));
		return EXIT_LAUNCHER;
	}
	for (;;) {
		struct pollfd p[3] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = run_sig_pipe[0], .events = POLLIN},
				      {.fd = started_fd, .events = POLLIN}};
		unsigned char c;
		if (poll(p, started_fd >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			while (read(run_sig_pipe[0], &c, 1) == 1)
				(void)kill(monitor, c);
		if (started_fd >= 0 && p[2].revents) {
			ssize_t k = read(started_fd, &c, 1);
			if (k == 1 && c == 'S' && o->detach) {
				printf("%s\n", id);
				close(pidfd);
				return 0;
			}
			if (k <= 0) {
				close(started_fd);
				started_fd = -1;
			}
		}
		if (p[0].revents)
			break;
	}
	close(pidfd);
	if (started_fd >= 0)
		close(started_fd);
	while (waitpid(monitor, &ws, 0) < 0)
		if (errno != EINTR)
			return EXIT_LAUNCHER;
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	fprintf(stderr,
		"cnictl: the monitor of container %s (pid %d) was killed by signal %d; `cnictl rm %s` or `cnictl gc` finish the teardown\n",
		id, (int)monitor, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0, id);
	return EXIT_LAUNCHER;
}

/* The monitor: its own process group (detached: its own session), so neither the terminal's
 * signals nor a kill of our process (group) reach it; it keeps the inherited stdio, which the
 * payload uses. */
static int monitor_start(struct run_opts *o, const char *id, int client_fd, int started_fd,
			 pid_t client, pid_t pgid, const sigset_t *mask)
{
	struct monitor_link l = {.client_fd = client_fd,
				 .started_fd = started_fd,
				 .client_pid = client,
				 .client_pgid = pgid};
	int code;

	if (o->detach) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		(void)setsid();
		if (fd >= 0 && fd != STDIN_FILENO) {
			(void)dup2(fd, STDIN_FILENO);
			close(fd);
		}
	} else {
		(void)setpgid(0, 0);
	}
	/* Writes to the terminal from a background group must not stop us. */
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	if (run_signals_setup() < 0) {
		fprintf(stderr, "cnictl: cannot set up signal handling\n");
		code = EXIT_LAUNCHER;
	} else {
		sigprocmask(SIG_SETMASK, mask, NULL);
		code = monitor_run(o, id, &l);
	}
	close(client_fd);
	if (started_fd >= 0)
		close(started_fd);
	return code;
}

static int client_run(struct run_opts *o, const char *id)
{
	int client[2] = {-1, -1}, started[2] = {-1, -1};
	pid_t me = getpid(), pgid = getpgrp(), m;
	sigset_t old;

	if (pipe2(client, O_CLOEXEC) < 0 || pipe2(started, O_CLOEXEC) < 0) {
		fprintf(stderr, "cnictl: pipe: %s\n", strerror(errno));
		return EXIT_LAUNCHER;
	}
	/* Signals wait until both processes have their own handlers and pipes. */
	block_caught(SIG_BLOCK, &old);
	if (run_signals_setup() < 0) {
		fprintf(stderr, "cnictl: cannot set up signal handling\n");
		return EXIT_LAUNCHER;
	}
	fflush(NULL);
	m = fork();
	if (m < 0) {
		fprintf(stderr, "cnictl: fork the monitor: %s\n", strerror(errno));
		return EXIT_LAUNCHER;
	}
	if (m == 0) {
		/* The monitor returns through main(), which exits with the payload's status. */
		close(client[1]);
		close(started[0]);
		return monitor_start(o, id, client[0], started[1], me, pgid, &old);
	}
	close(client[0]);
	close(started[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* client[1] stays open until we exit: the monitor's sign that we are alive. */
	return client_wait(o, id, m, started[0]);
}

static int cmd_run(struct globals *g, int argc, char **argv)
{
	struct run_opts o = {
		.g = g,
		.ns_flags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS,
		.stop_timeout = 10,
	};
	struct cni_error err = {0};
	char rid[17];
	int r, code = EXIT_LAUNCHER;

	r = cli_parse(argc, argv, &cli_verb_run, &o, g, true);
	if (r == CLI_PARSE_DONE) {
		run_opts_clear(&o);
		return 0;
	}
	if (r >= 0 && r >= argc) {
		fprintf(stderr, "cnictl run: no command given\n");
		cli_usage(stderr, &cli_verb_run);
		r = -EINVAL;
	}
	if (r < 0 || finish_opts(&o) < 0 || cli_globals_finish(g) < 0 ||
	    (!o.name && random_id(rid) < 0)) {
		run_opts_clear(&o);
		return EXIT_LAUNCHER;
	}
	o.argv = argv + r;
	if (prepare(&o, o.name ? o.name : rid, &err) < 0)
		rt_print_error(NULL, &err);
	else
		code = client_run(&o, o.name ? o.name : rid);
	run_opts_clear(&o);
	return code;
}
