/* The monitor of one container (forked by `cnictl run`, run.c): state record, cgroups,
 * namespaces, networks, /etc files, the payload's life, and a complete teardown afterwards,
 * also when the `cnictl run` it reports to is killed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cni_skel.h"
#include "container.h"
#include "etc.h"
#include "json.h"
#include "run.h"
#include "runtime.h"
#include "state.h"
#include "table.h"
#include "teardown.h"

/* The `cnictl run` process we report to; NULL link fds once it is gone. */
static const struct monitor_link *link_;
static bool client_gone;
static bool detached;

/* Whether the client has gone away (EOF on its pipe) since we last looked. */
static bool client_lost(void)
{
	struct pollfd p = {.fd = link_ ? link_->client_fd : -1, .events = POLLIN};
	char c;

	if (client_gone || detached || p.fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	if (read(p.fd, &c, 1) != 0)
		return false;
	client_gone = true;
	return true;
}

/* First pending terminating signal (SIGTERM for a lost client), or 0. Other signals are dropped
 * before the payload runs. */
static int pending_stop_signal(void)
{
	unsigned char c;
	int stop = 0;

	while (read(run_sig_pipe[0], &c, 1) == 1)
		if (!stop && run_is_stop_signal(c))
			stop = c;
	if (!stop && client_lost()) {
		fprintf(stderr, "cnictl: `cnictl run` (pid %d) is gone; tearing down\n",
			(int)link_->client_pid);
		stop = SIGTERM;
	}
	return stop;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for the init; forward signals; SIGKILL it stop_timeout seconds after the first stop
 * signal or after the client went away (unless detached). Returns the exit code. */
static int wait_container(struct ctr *c, const char *id, int stop_timeout)
{
	double kill_at = 0;
	int ws;

	for (;;) {
		struct pollfd p[3] = {{.fd = c->pidfd, .events = POLLIN},
				      {.fd = run_sig_pipe[0], .events = POLLIN},
				      {.fd = link_->client_fd, .events = POLLIN}};
		bool watch_client = !client_gone && !detached;
		int timeout = -1;
		if (kill_at > 0) {
			double left = kill_at - mono_s();
			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		int n = poll(p, watch_client ? 3 : 2, timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && kill_at > 0) {
			fprintf(stderr, "cnictl: container did not stop within %d s, killing it\n",
				stop_timeout);
			(void)kill(c->pid, SIGKILL);
			kill_at = 0;
			continue;
		}
		if (n > 0 && p[1].revents) {
			unsigned char s;
			while (read(run_sig_pipe[0], &s, 1) == 1) {
				(void)kill(c->pid, s);
				if (run_is_stop_signal(s) && kill_at == 0 && stop_timeout > 0)
					kill_at = mono_s() + stop_timeout;
			}
		}
		if (n > 0 && watch_client && p[2].revents && client_lost()) {
			fprintf(stderr,
				"cnictl: `cnictl run` (pid %d) is gone; stopping container %s\n",
				(int)link_->client_pid, id);
			(void)kill(c->pid, SIGTERM);
			if (kill_at == 0 && stop_timeout > 0)
				kill_at = mono_s() + stop_timeout;
		}
		if (n > 0 && p[0].revents)
			break;
	}
	while (waitpid(c->pid, &ws, 0) < 0)
		if (errno != EINTR)
			return EXIT_LAUNCHER;
	return ctr_status_code(ws);
}

static void print_result(const struct run_opts *o, const struct run_net *n)
{
	if (o->result == RESULT_TABLE) {
		table_print_result(stderr, n->name, n->ifname, n->nc->version, n->result);
	} else if (o->result == RESULT_JSON) {
		_cleanup_free_ char *s = json_print(n->result, true);
		fprintf(stderr, "%s\n", s ? s : "");
	}
}

static int fill_state(struct run_opts *o, const char *id, const char *netns, struct state *s)
{
	unsigned long long start = 0;
	struct cni_args args = {0};

	if (proc_start_time(getpid(), &start) < 0 ||
	    cli_parse_cni_args(o->cni_args, true, &args) < 0)
		return -EINVAL;
	if (o->name) {
		_cleanup_free_ char *kv = NULL;
		struct cni_args pod = {0};
		if (asprintf(&kv, "K8S_POD_NAME=%s", o->name) < 0 ||
		    cli_parse_cni_args(kv, false, &pod) < 0) {
			cni_args_clear(&args);
			return -ENOMEM;
		}
		struct cni_arg *items = realloc(args.items, (args.n + 1) * sizeof(*items));
		if (!items) {
			cni_args_clear(&pod);
			cni_args_clear(&args);
			return -ENOMEM;
		}
		args.items = items;
		args.items[args.n++] = pod.items[0];
		free(pod.items);
	}
	s->args = args;
	s->id = strdup(id);
	s->name = strdup(o->name ? o->name : id);
	s->status = strdup("creating");
	s->owner_pid = getpid();
	s->owner_start = start;
	s->netns = netns ? strdup(netns) : NULL;
	s->cache_dir = strdup(o->g->cache_dir);
	s->cni_path = strdup(o->g->cni_path);
	s->created = (long)time(NULL);
	s->cap_args = o->cap_args ? json_dup(o->cap_args) : NULL;
	if (!(s->nets = calloc(o->n_nets ? o->n_nets : 1, sizeof(*s->nets))))
		return -ENOMEM;
	for (size_t i = 0; i < o->n_nets; i++, s->n_nets++) {
		s->nets[i].name = strdup(o->nets[i].nc->name);
		s->nets[i].ifname = strdup(o->nets[i].ifname);
		s->nets[i].config = strdup(o->nets[i].nc->bytes);
		if (!s->nets[i].name || !s->nets[i].ifname || !s->nets[i].config)
			return -ENOMEM;
	}
	if (!s->id || !s->name || !s->status || (netns && !s->netns) || !s->cache_dir ||
	    !s->cni_path)
		return -ENOMEM;
	return 0;
}

static void set_status(struct state *s, const char *status)
{
	char *d = strdup(status);
	if (d) {
		free(s->status);
		s->status = d;
	}
}

static int set_status_write(const struct run_opts *o, struct state *s, const char *status,
			    struct cni_error *err)
{
	set_status(s, status);
	return state_write(o->g->state_dir, s, err);
}

/* ADD every network in order; the record names how far we got before each ADD starts. */
static int attach_networks(struct run_opts *o, struct state *s, int *ret_sig, struct cni_error *err)
{
	int r;
	for (size_t i = 0; i < o->n_nets; i++) {
		struct run_net *n = &o->nets[i];
		struct rt_conf rt = {
			.container_id = s->id,
			.netns = s->netns,
			.ifname = n->ifname,
			.args = &s->args,
			.cap_args = o->cap_args,
			.cni_path = o->g->cni_path,
			.cache_dir = o->g->cache_dir,
			.timeout_ms = o->g->timeout_ms,
			.timing = o->g->timing,
			.verbose = o->g->verbose,
		};
		if ((*ret_sig = pending_stop_signal()))
			return cni_error_set(err, CNI_ERR_INTERNAL, EINTR, NULL,
					     "interrupted by signal %d before network \"%s\"",
					     *ret_sig, n->name);
		s->attached = (int)i + 1;
		if ((r = state_write(o->g->state_dir, s, err)) < 0)
			return r;
		if ((r = rt_add_list(n->nc, &rt, &n->result, err)) < 0) {
			cni_error_prefix(err, "network \"%s\" (%s)", n->name, n->ifname);
			return r;
		}
		if (o->check && (r = rt_check_list(n->nc, &rt, err)) < 0) {
			cni_error_prefix(err, "CHECK network \"%s\" (%s)", n->name, n->ifname);
			return r;
		}
		print_result(o, n);
	}
	if ((*ret_sig = pending_stop_signal()))
		return cni_error_set(err, CNI_ERR_INTERNAL, EINTR, NULL, "interrupted by signal %d",
				     *ret_sig);
	return 0;
}

/* Every address of every network, without prefix length; NULL-terminated. */
static char **container_ips(const struct run_opts *o)
{
	char **ips = calloc(1, sizeof(char *));
	size_t n = 0;

	for (size_t i = 0; ips && i < o->n_nets; i++) {
		_cleanup_free_ char *list =
			o->nets[i].result
				? table_result_ips(o->nets[i].result, o->nets[i].nc->version)
				: NULL;
		char *save = NULL;
		for (char *t = list ? strtok_r(list, ",", &save) : NULL; t;
		     t = strtok_r(NULL, ",", &save)) {
			char **more = realloc(ips, (n + 2) * sizeof(char *));
			if (!more)
				break;
			ips = more;
			ips[n] = strndup(t, strcspn(t, "/"));
			ips[++n] = NULL;
		}
	}
	return ips;
}

static char **strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	return NULL;
}
DEFINE_CLEANUP(char **, strv_free)

static char *read_host_resolv(void)
{
	_cleanup_close_ int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len;

	if (fd < 0 || cni_read_all(fd, 1 << 20, &buf, &len, NULL) < 0)
		return NULL;
	return buf;
}

/* The container's /etc/hostname, hosts and resolv.conf, from its name and ADD results. */
static int write_etc(const struct run_opts *o, const struct state *s, const char *hostname,
		     struct cni_error *err)
{
	_cleanup_(strv_freep) char **ips = container_ips(o);
	_cleanup_free_ const cJSON **results = calloc(o->n_nets + 1, sizeof(cJSON *));
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = read_host_resolv();
	size_t n = 0;

	if (!ips || !results)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < o->n_nets; i++)
		if (o->nets[i].result)
			results[n++] = o->nets[i].result;
	if (!(hosts = etc_hosts_text(hostname, s->name, ips)) ||
	    !(resolv = etc_resolv_text(results, n, host_resolv)))
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL, "out of memory");
	return etc_write(s->etc_dir, hostname, hosts, resolv, err);
}

static int create_cgroups(struct run_opts *o, struct state *s, struct cni_error *err)
{
	struct cg_host h = {0};
	int r;

	if ((r = cg_host_probe("/proc/self/mountinfo", &h, err)) < 0)
		return r;
	r = cg_create(&h, o->cgroup_parent, s->id, &o->limits, &s->cgroups, err);
	cg_host_clear(&h);
	if (r < 0)
		return r;
	s->cgroup_parent_owned = strcmp(o->cgroup_parent, CG_DEFAULT_PARENT) == 0;
	return state_write(o->g->state_dir, s, err);
}

static void format_size(uint64_t v, char *buf, size_t size)
{
	if (v % (1ull << 30) == 0)
		snprintf(buf, size, "%llu GiB", (unsigned long long)(v >> 30));
	else if (v % (1ull << 20) == 0)
		snprintf(buf, size, "%llu MiB", (unsigned long long)(v >> 20));
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)v);
}

/* An exceeded memory limit shows up as an exit by SIGKILL (137): say why. */
static void report_oom(const struct run_opts *o, const struct state *s, int code)
{
	uint64_t kills = s->cgroups ? cg_oom_kills(s->cgroups) : 0;
	char limit[64];

	if (!kills)
		return;
	format_size(o->limits.memory, limit, sizeof(limit));
	fprintf(stderr,
		"cnictl: container %s exceeded its memory limit (--memory %s): the kernel's OOM killer killed %llu process%s in it%s\n",
		s->id, limit, (unsigned long long)kills, kills == 1 ? "" : "es",
		code == 128 + SIGKILL ? " (exit status 137)" : "");
}

static void tell_started(void)
{
	ssize_t k;
	while ((k = write(link_->started_fd, "S", 1)) < 0 && errno == EINTR)
		;
}

/* One container's life, step by step. */
struct monitor {
	struct run_opts *o;
	struct state *s;
	struct ctr c;
	char *netns, *etc_dir;
	const char *hostname;
	int lock, output;
	int sig; /* the stop signal that interrupted the setup */
};

/* The record, written before anything is changed so that rm/gc can always finish the job. */
static int open_record(struct monitor *m, const char *id, struct cni_error *err)
{
	_cleanup_(state_freep) struct state *old = NULL;
	struct run_opts *o = m->o;
	int r;

	if (!(m->s = calloc(1, sizeof(struct state))) ||
	    ((o->ns_flags & CLONE_NEWNET) && asprintf(&m->netns, "%s/%s", NETNS_DIR, id) < 0) ||
	    (o->rootfs && asprintf(&m->etc_dir, "%s/%s.etc", o->g->state_dir, id) < 0) ||
	    fill_state(o, id, m->netns, m->s) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, ENOMEM, NULL,
				     "build the state record of container %s", id);
	/* Detached, nobody reads our stdio once the payload runs: --log or /dev/null. */
	if (o->detach && (m->output = open(o->log ? o->log : "/dev/null",
					   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return cni_error_set(err, CNI_ERR_IO, errno, NULL, "open --log %s", o->log);
	if (m->netns && access(m->netns, F_OK) == 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EEXIST, NULL,
				     "%s already exists: is container %s running?", m->netns, id);
	if ((r = state_lock(o->g->state_dir, false, &m->lock, err)) < 0)
		return r;
	if (state_read(o->g->state_dir, id, &old, NULL) >= 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, EEXIST, NULL,
				     "container %s already exists (see cnictl list / rm)", id);
	return state_write(o->g->state_dir, m->s, err);
}

/* cgroups, namespaces, networks, /etc files: everything up to the go of the payload. */
static int set_up(struct monitor *m, struct cni_error *err)
{
	struct run_opts *o = m->o;
	struct state *s = m->s;
	struct ctr_spec spec = {
		.ns_flags = o->ns_flags,
		.hostname = m->hostname,
		.rootfs = o->rootfs,
		.etc_dir = m->etc_dir,
		.argv = o->argv,
		.output_fd = m->output,
	};
	int r;

	if (cg_wanted(&o->limits) && (r = create_cgroups(o, s, err)) < 0)
		return r;
	if ((r = ctr_spawn(&spec, &m->c, err)) < 0)
		return r;
	/* The payload belongs to the terminal's foreground job, as without a monitor: it reads
	 * the terminal and gets its ^C directly. */
	if (!o->detach)
		(void)setpgid(m->c.pid, link_->client_pgid);
	s->init_pid = m->c.pid;
	(void)proc_start_time(m->c.pid, &s->init_start);
	if ((r = state_write(o->g->state_dir, s, err)) < 0)
		return r;
	if (s->cgroups && (r = cg_attach(s->cgroups, m->c.pid, err)) < 0)
		return r;
	if (m->netns && (r = ctr_netns_mount(m->c.pid, m->netns, err)) < 0) {
		/* Not ours to remove: the path was there before. */
		if (r == -EEXIST) {
			free(s->netns);
			s->netns = NULL;
		}
		return r;
	}
	if ((r = attach_networks(o, s, &m->sig, err)) < 0)
		return r;
	if (m->etc_dir) {
		s->etc_dir = TAKE_PTR(m->etc_dir);
		if ((r = state_write(o->g->state_dir, s, err)) < 0 ||
		    (r = write_etc(o, s, m->hostname, err)) < 0)
			return r;
	}
	return set_status_write(o, s, "running", err);
}

/* DEL every network and remove what is ours; on failure the record says what is left. */
static void tear_down(struct monitor *m)
{
	struct cni_error err = {0};

	set_status(m->s, "stopping");
	(void)state_write(m->o->g->state_dir, m->s, NULL);
	if (teardown(m->o->g, m->s, false, &err) < 0) {
		rt_print_error("teardown incomplete; finish it with `cnictl rm`", &err);
		(void)state_write(m->o->g->state_dir, m->s, NULL);
	}
}

/* Setup failed or was interrupted: the child never runs the payload; undo everything. */
static int abandon(struct monitor *m, const struct cni_error *err)
{
	if (m->sig)
		fprintf(stderr, "cnictl: stopped by signal %d during setup; tearing down\n",
			m->sig);
	else
		rt_print_error(NULL, err);
	if (m->c.pid > 0) {
		int ws;
		ctr_abort(&m->c);
		while (waitpid(m->c.pid, &ws, 0) < 0 && errno == EINTR)
			;
		ctr_close(&m->c);
	}
	if (m->etc_dir)
		(void)etc_remove(m->etc_dir);
	tear_down(m);
	return m->sig ? 128 + m->sig : EXIT_LAUNCHER;
}

int monitor_run(struct run_opts *o, const char *id, const struct monitor_link *l)
{
	struct monitor m = {
		.o = o,
		.c = {.pid = -1, .pidfd = -1, .go_fd = -1},
		.hostname = o->hostname ? o->hostname : (o->name ? o->name : id),
		.lock = -EBADF,
		.output = -EBADF,
	};
	struct cni_error err = {0};
	int code;

	link_ = l;
	detached = o->detach;
	if (open_record(&m, id, &err) < 0) {
		rt_print_error(NULL, &err);
		code = EXIT_LAUNCHER;
		goto out;
	}
	if (set_up(&m, &err) < 0) {
		code = abandon(&m, &err);
		goto out;
	}
	close(TAKE_FD(m.lock));
	if (ctr_go(&m.c, &err) < 0) {
		code = abandon(&m, &err);
		goto out;
	}
	tell_started();
	if (m.output >= 0 &&
	    (dup2(m.output, STDOUT_FILENO) < 0 || dup2(m.output, STDERR_FILENO) < 0))
		fprintf(stderr, "cnictl: detach: redirect stdout and stderr: %s\n",
			strerror(errno));
	code = wait_container(&m.c, id, o->stop_timeout);
	ctr_close(&m.c);
	report_oom(o, m.s, code);
	if (state_lock(o->g->state_dir, false, &m.lock, &err) < 0)
		rt_print_error("teardown", &err);
	tear_down(&m);
out:
	state_free(m.s);
	free(m.netns);
	free(m.etc_dir);
	if (m.lock >= 0)
		close(m.lock);
	if (m.output >= 0)
		close(m.output);
	return code;
}
