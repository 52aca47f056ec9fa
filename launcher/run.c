/* `cnictl run`: namespaces + CNI networks + payload, and a complete teardown afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "conf.h"
#include "container.h"
#include "json.h"
#include "runtime.h"
#include "state.h"
#include "table.h"
#include "teardown.h"

enum result_format { RESULT_NONE, RESULT_TABLE, RESULT_JSON };

struct run_net {
	char *name;
	char *ifname;
	struct netconf *nc;
	cJSON *result;
};

struct run_opts {
	struct globals g;
	struct run_net *nets;
	size_t n_nets;
	bool no_net;
	bool check;
	char *name;
	char *hostname;
	char *rootfs;
	cJSON *cap_args;
	const char *cni_args;
	unsigned long ns_flags;
	struct cg_limits limits;
	enum result_format result;
	int stop_timeout;
	char **argv;
};

static const char run_usage[] =
	"Usage: cnictl run [OPTIONS] [--] CMD [ARG...]\n"
	"Run CMD in new namespaces attached to CNI networks; tear everything down when it exits.\n"
	"\n"
	"  -n, --net NAME[:IFNAME]  attach to network NAME (repeatable, in order; ifnames default\n"
	"                           to eth0, eth1...). Default: \"" CONF_DEFAULT_NAME
	"\", which is the built-in\n"
	"                           bridge cnictl0 on 10.244.200.0/24 unless the conf dir defines it\n"
	"      --no-net             network namespace with lo only, no CNI\n"
	"      --name NAME          container ID (default: 16 random hex digits), K8S_POD_NAME\n"
	"      --hostname NAME      default: the container ID\n"
	"      --ip ADDR[/LEN]      capability \"ips\" (repeatable)\n"
	"      --mac MAC            capability \"mac\"\n"
	"      --cap-args JSON      capability args object, e.g. '{\"portMappings\":[...]}'\n"
	"      --cni-args K=V[;K=V] extra CNI_ARGS (IgnoreUnknown=1 is always added)\n"
	"      --check              CHECK every network after ADD, before CMD starts\n"
	"      --ns LIST            namespaces to create, from net,uts,ipc,pid,mnt (default: all)\n"
	"      --rootfs DIR         pivot_root into DIR (fresh /proc; host /dev bound in)\n"
	"      --memory BYTES       cgroup v2 memory.max (K/M/G suffixes)\n"
	"      --cpus N             cgroup v2 cpu.max (e.g. 0.5)\n"
	"      --pids N             cgroup v2 pids.max\n"
	"      --result FMT         print each ADD result on stderr: table, json or none (default)\n"
	"      --stop-timeout S     after forwarding SIGTERM/SIGINT, SIGKILL the container after S\n"
	"                           seconds (default 10)\n"
	"\n" CLI_GLOBAL_HELP "\n"
	"Exit status: CMD's, 128+N when it was killed by signal N, 125 for a launcher or network\n"
	"failure, 126 when CMD cannot be executed, 127 when it is not found.\n";

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
	cJSON_Delete(o->cap_args);
	cli_globals_clear(&o->g);
}

static int add_net(struct run_opts *o, const char *spec)
{
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

/* Merge a capability value into o->cap_args (replacing the key: capability args are a map,
 * libcni RuntimeConf.CapabilityArgs). */
static int cap_set(struct run_opts *o, const char *key, cJSON *val)
{
	if (!o->cap_args && !(o->cap_args = cJSON_CreateObject())) {
		cJSON_Delete(val);
		return -ENOMEM;
	}
	return json_map_set(o->cap_args, key, val);
}

static int cap_add_ip(struct run_opts *o, const char *ip)
{
	cJSON *ips = json_map_get(o->cap_args, "ips");
	struct ipprefix p;
	bool has_len;

	if (ipprefix_parse_optional(ip, &p, &has_len) < 0) {
		fprintf(stderr, "cnictl: --ip: \"%s\" is not an IP address\n", ip);
		return -EINVAL;
	}
	if (!cJSON_IsArray(ips)) {
		if (cap_set(o, "ips", cJSON_CreateArray()) < 0)
			return -ENOMEM;
		ips = json_map_get(o->cap_args, "ips");
	}
	return cJSON_AddItemToArray(ips, cJSON_CreateString(ip)) ? 0 : -ENOMEM;
}

static int parse_ns(const char *list, unsigned long *ret)
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
	*ret = f;
	return 0;
}

enum {
	OPT_NO_NET = 1,
	OPT_NAME,
	OPT_HOSTNAME,
	OPT_IP,
	OPT_MAC,
	OPT_CAP_ARGS,
	OPT_CNI_ARGS,
	OPT_CHECK,
	OPT_NS,
	OPT_ROOTFS,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_PIDS,
	OPT_RESULT,
	OPT_STOP_TIMEOUT,
};

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{"net", required_argument, NULL, 'n'},
		{"no-net", no_argument, NULL, OPT_NO_NET},
		{"name", required_argument, NULL, OPT_NAME},
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"ip", required_argument, NULL, OPT_IP},
		{"mac", required_argument, NULL, OPT_MAC},
		{"cap-args", required_argument, NULL, OPT_CAP_ARGS},
		{"cni-args", required_argument, NULL, OPT_CNI_ARGS},
		{"check", no_argument, NULL, OPT_CHECK},
		{"ns", required_argument, NULL, OPT_NS},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"pids", required_argument, NULL, OPT_PIDS},
		{"result", required_argument, NULL, OPT_RESULT},
		{"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
		CLI_GLOBAL_OPTIONS,
		{0},
	};
	_cleanup_(cJSON_Deletep) cJSON *mac = NULL, *extra = NULL;
	char *end = NULL;
	int c, r;

	o->ns_flags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNS;
	o->stop_timeout = 10;
	optind = 0; /* 0: full reset of GNU getopt, verbs may parse twice */
	while ((c = getopt_long(argc, argv, "+n:c:vh", opts, NULL)) != -1) {
		if ((r = cli_global_option(&o->g, c, optarg)) != 0) {
			if (r < 0)
				return -EINVAL;
			continue;
		}
		switch (c) {
		case 'h':
			fputs(run_usage, stdout);
			return 1;
		case 'n':
			if (add_net(o, optarg) < 0)
				return -ENOMEM;
			break;
		case OPT_NO_NET:
			o->no_net = true;
			break;
		case OPT_NAME:
			free(o->name);
			o->name = strdup(optarg);
			break;
		case OPT_HOSTNAME:
			free(o->hostname);
			o->hostname = strdup(optarg);
			break;
		case OPT_IP:
			if ((r = cap_add_ip(o, optarg)) < 0)
				return r;
			break;
		case OPT_MAC:
			cJSON_Delete(mac);
			mac = cJSON_CreateString(optarg);
			break;
		case OPT_CAP_ARGS:
			cJSON_Delete(extra);
			extra = NULL;
			if (json_parse(optarg, strlen(optarg), "--cap-args", &extra, NULL) < 0 ||
			    !cJSON_IsObject(extra)) {
				fprintf(stderr, "cnictl: --cap-args: not a JSON object\n");
				return -EINVAL;
			}
			break;
		case OPT_CNI_ARGS:
			o->cni_args = optarg;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_NS:
			if ((r = parse_ns(optarg, &o->ns_flags)) < 0)
				return r;
			break;
		case OPT_ROOTFS:
			free(o->rootfs);
			o->rootfs = realpath(optarg, NULL);
			if (!o->rootfs) {
				fprintf(stderr, "cnictl: --rootfs %s: %s\n", optarg,
					strerror(errno));
				return -EINVAL;
			}
			break;
		case OPT_MEMORY:
			if (cg_parse_size(optarg, &o->limits.memory) < 0) {
				fprintf(stderr, "cnictl: --memory: invalid size \"%s\"\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_CPUS:
			if (cg_parse_cpus(optarg, &o->limits.cpu_quota_us) < 0) {
				fprintf(stderr, "cnictl: --cpus: invalid number \"%s\"\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_PIDS:
			if (cg_parse_size(optarg, &o->limits.pids) < 0) {
				fprintf(stderr, "cnictl: --pids: invalid number \"%s\"\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_RESULT:
			if (strcmp(optarg, "table") == 0)
				o->result = RESULT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				o->result = RESULT_JSON;
			else if (strcmp(optarg, "none") == 0)
				o->result = RESULT_NONE;
			else {
				fprintf(stderr, "cnictl: --result: table, json or none\n");
				return -EINVAL;
			}
			break;
		case OPT_STOP_TIMEOUT:
			o->stop_timeout = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || o->stop_timeout < 0) {
				fprintf(stderr,
					"cnictl: --stop-timeout: not a number of seconds\n");
				return -EINVAL;
			}
			break;
		default:
			fputs(run_usage, stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "cnictl run: no command given\n%s", run_usage);
		return -EINVAL;
	}
	o->argv = argv + optind;
	/* --cap-args first, then the dedicated flags override their keys. */
	if (extra) {
		cJSON *ips =
			cJSON_DetachItemViaPointer(o->cap_args, json_map_get(o->cap_args, "ips"));
		cJSON_Delete(o->cap_args);
		o->cap_args = TAKE_PTR(extra);
		if (ips && cap_set(o, "ips", ips) < 0)
			return -ENOMEM;
	}
	if (mac && cap_set(o, "mac", TAKE_PTR(mac)) < 0)
		return -ENOMEM;
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
	if (!o->no_net && o->n_nets == 0 && add_net(o, CONF_DEFAULT_NAME) < 0)
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
		if ((r = conf_load(o->g.conf_dir, n->name, &n->nc, err)) < 0)
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

/* ---- signals: a self-pipe so poll() sees them without races ---- */

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int e = errno;
	unsigned char c = (unsigned char)sig;
	if (write(sig_pipe[1], &c, 1) < 0) {
	}
	errno = e;
}

static const int caught[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static int signals_setup(void)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return negative_errno();
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(caught); i++)
		sigaction(caught[i], &sa, NULL);
	return 0;
}

/* First pending terminating signal, or 0. Other signals are dropped before the payload runs. */
static int pending_stop_signal(void)
{
	unsigned char c;
	int stop = 0;
	while (read(sig_pipe[0], &c, 1) == 1)
		if (!stop && (c == SIGTERM || c == SIGINT || c == SIGHUP || c == SIGQUIT))
			stop = c;
	return stop;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for the init; forward signals; SIGKILL it stop_timeout seconds after the first stop
 * signal. Returns the exit code. */
static int wait_container(struct ctr *c, int stop_timeout)
{
	double kill_at = 0;
	int ws;

	for (;;) {
		struct pollfd p[2] = {{.fd = c->pidfd, .events = POLLIN},
				      {.fd = sig_pipe[0], .events = POLLIN}};
		int timeout = -1;
		if (kill_at > 0) {
			double left = kill_at - mono_s();
			timeout = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		int n = poll(p, 2, timeout);
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
			while (read(sig_pipe[0], &s, 1) == 1) {
				(void)kill(c->pid, s);
				if ((s == SIGTERM || s == SIGINT || s == SIGHUP || s == SIGQUIT) &&
				    kill_at == 0 && stop_timeout > 0)
					kill_at = mono_s() + stop_timeout;
			}
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
	s->cache_dir = strdup(o->g.cache_dir);
	s->cni_path = strdup(o->g.cni_path);
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
	return state_write(o->g.state_dir, s, err);
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
			.cni_path = o->g.cni_path,
			.cache_dir = o->g.cache_dir,
			.timeout_ms = o->g.timeout_ms,
			.timing = o->g.timing,
			.verbose = o->g.verbose,
		};
		if ((*ret_sig = pending_stop_signal()))
			return cni_error_set(err, CNI_ERR_INTERNAL, EINTR, NULL,
					     "interrupted by signal %d before network \"%s\"",
					     *ret_sig, n->name);
		s->attached = (int)i + 1;
		if ((r = state_write(o->g.state_dir, s, err)) < 0)
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

static int run_container(struct run_opts *o, const char *id)
{
	_cleanup_(state_freep) struct state *s = calloc(1, sizeof(struct state));
	_cleanup_free_ char *netns = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct ctr c = {.pid = -1, .pidfd = -1, .go_fd = -1};
	struct cni_error err = {0};
	int r, sig = 0, code = EXIT_LAUNCHER;

	if (!s)
		return EXIT_LAUNCHER;
	if ((o->ns_flags & CLONE_NEWNET) && asprintf(&netns, "%s/%s", NETNS_DIR, id) < 0)
		return EXIT_LAUNCHER;
	if (fill_state(o, id, netns, s) < 0) {
		fprintf(stderr, "cnictl: cannot build the state record\n");
		return EXIT_LAUNCHER;
	}
	if (netns && access(netns, F_OK) == 0) {
		fprintf(stderr, "cnictl: %s already exists: is container %s running?\n", netns, id);
		return EXIT_LAUNCHER;
	}
	if ((r = state_lock(o->g.state_dir, false, &lock, &err)) < 0)
		goto fail_early;
	{
		_cleanup_(state_freep) struct state *old = NULL;
		if (state_read(o->g.state_dir, id, &old, NULL) >= 0) {
			fprintf(stderr,
				"cnictl: container %s already exists (see cnictl list / rm)\n", id);
			return EXIT_LAUNCHER;
		}
	}
	/* The record exists before anything is changed, so rm/gc can always finish. */
	if ((r = state_write(o->g.state_dir, s, &err)) < 0)
		goto fail_early;
	if (cg_wanted(&o->limits)) {
		if ((r = cg_create(id, &o->limits, &s->cgroup, &err)) < 0 ||
		    (r = state_write(o->g.state_dir, s, &err)) < 0)
			goto fail;
	}
	struct ctr_spec spec = {
		.ns_flags = o->ns_flags,
		.hostname = o->hostname ? o->hostname : (o->name ? o->name : id),
		.rootfs = o->rootfs,
		.argv = o->argv,
	};
	if ((r = ctr_spawn(&spec, &c, &err)) < 0)
		goto fail;
	s->init_pid = c.pid;
	(void)proc_start_time(c.pid, &s->init_start);
	if ((r = state_write(o->g.state_dir, s, &err)) < 0)
		goto fail;
	if (s->cgroup && (r = cg_attach(s->cgroup, c.pid, &err)) < 0)
		goto fail;
	if (netns && (r = ctr_netns_mount(c.pid, netns, &err)) < 0) {
		/* Not ours to remove: the path was there before. */
		if (r == -EEXIST) {
			free(s->netns);
			s->netns = NULL;
		}
		goto fail;
	}
	if ((r = attach_networks(o, s, &sig, &err)) < 0)
		goto fail;
	if ((r = set_status_write(o, s, "running", &err)) < 0)
		goto fail;
	close(TAKE_FD(lock));
	if ((r = ctr_go(&c, &err)) < 0)
		goto fail;
	code = wait_container(&c, o->stop_timeout);
	ctr_close(&c);
	if (state_lock(o->g.state_dir, false, &lock, &err) < 0)
		rt_print_error("teardown", &err);
	set_status(s, "stopping");
	(void)state_write(o->g.state_dir, s, NULL);
	if (teardown(&o->g, s, false, &err) < 0) {
		rt_print_error("teardown incomplete; finish it with `cnictl rm`", &err);
		(void)state_write(o->g.state_dir, s, NULL);
	}
	return code;

fail:
	if (sig)
		fprintf(stderr, "cnictl: stopped by signal %d during setup; tearing down\n", sig);
	else
		rt_print_error(NULL, &err);
	if (c.pid > 0) {
		int ws;
		ctr_abort(&c);
		while (waitpid(c.pid, &ws, 0) < 0 && errno == EINTR)
			;
		ctr_close(&c);
	}
	set_status(s, "stopping");
	(void)state_write(o->g.state_dir, s, NULL);
	struct cni_error terr = {0};
	if (teardown(&o->g, s, false, &terr) < 0) {
		rt_print_error("teardown incomplete; finish it with `cnictl rm`", &terr);
		(void)state_write(o->g.state_dir, s, NULL);
	}
	return sig ? 128 + sig : EXIT_LAUNCHER;
fail_early:
	rt_print_error(NULL, &err);
	return EXIT_LAUNCHER;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	struct cni_error err = {0};
	char rid[17];
	int r, code = EXIT_LAUNCHER;

	if (cli_globals_init(&o.g) < 0)
		return EXIT_LAUNCHER;
	r = parse_run_opts(argc, argv, &o);
	if (r != 0 || cli_globals_finish(&o.g) < 0) {
		run_opts_clear(&o);
		return r > 0 ? 0 : EXIT_LAUNCHER;
	}
	if (!o.name && random_id(rid) < 0) {
		run_opts_clear(&o);
		return EXIT_LAUNCHER;
	}
	if (prepare(&o, o.name ? o.name : rid, &err) < 0) {
		rt_print_error(NULL, &err);
	} else if (signals_setup() < 0) {
		fprintf(stderr, "cnictl: cannot set up signal handling\n");
	} else {
		code = run_container(&o, o.name ? o.name : rid);
	}
	run_opts_clear(&o);
	return code;
}
