/* Container management verbs: list, exec, rm, gc. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "container.h"
#include "json.h"
#include "runtime.h"
#include "state.h"
#include "table.h"
#include "teardown.h"

DEFINE_CLEANUP(char **, conf_names_free)

/* Global options only, plus -f for rm and --json for list. Returns optind or <0. */
static int parse_simple(int argc, char **argv, struct globals *g, const char *usage, bool *flag,
			const char *flag_name)
{
	const struct option opts[] = {
		{flag_name ? flag_name : "no-such-option", no_argument, NULL, 'f'},
		CLI_GLOBAL_OPTIONS,
		{0},
	};
	int c, r;

	if (cli_globals_init(g) < 0)
		return -ENOMEM;
	optind = 0; /* 0: full reset of GNU getopt, verbs may parse twice */
	while ((c = getopt_long(argc, argv, flag ? "+fc:vh" : "+c:vh", opts, NULL)) != -1) {
		if ((r = cli_global_option(g, c, optarg)) != 0) {
			if (r < 0)
				return -EINVAL;
			continue;
		}
		if (c == 'h') {
			fputs(usage, stdout);
			return -ECANCELED;
		}
		if (c == 'f' && flag) {
			*flag = true;
			continue;
		}
		fputs(usage, stderr);
		return -EINVAL;
	}
	if (cli_globals_finish(g) < 0)
		return -ENOMEM;
	return optind;
}

static int usage_exit(int r)
{
	return r == -ECANCELED ? 0 : EXIT_USAGE;
}

static const char list_usage[] =
	"Usage: cnictl list [--json]\n"
	"Containers recorded in the state dir: ID, name, init PID, state, networks and IPs.\n"
	"State is \"running\", \"creating\", \"stopping\", or \"dead\" when its launcher is gone\n"
	"(finish those with `cnictl rm ID` or `cnictl gc`).\n"
	"\n" CLI_GLOBAL_HELP;

static const char *state_word(const struct state *s)
{
	return state_owner_alive(s) ? (s->status ? s->status : "?") : "dead";
}

/* "net/ifname=ip,ip" for each network with a cached result. */
static char *state_ips(const struct state *s)
{
	char *out = strdup("");
	for (size_t i = 0; out && i < s->n_nets; i++) {
		_cleanup_(cJSON_Deletep) cJSON *e = NULL;
		_cleanup_free_ char *ips = NULL;
		char *n = NULL;
		if (cache_read(s->cache_dir, s->nets[i].name, s->id, s->nets[i].ifname, &e, NULL) <
		    0)
			continue;
		const cJSON *res = json_field(e, "result");
		if (!res || !(ips = table_result_ips(res, NULL)) || !*ips)
			continue;
		if (asprintf(&n, "%s%s%s", out, *out ? " " : "", ips) < 0)
			n = NULL;
		free(out);
		out = n;
	}
	return out;
}

int cmd_list(int argc, char **argv)
{
	_cleanup_(conf_names_freep) char **ids = NULL;
	_cleanup_(cJSON_Deletep) cJSON *arr = NULL;
	struct cni_error err = {0};
	struct globals g;
	bool as_json = false;
	int r, code = EXIT_FAIL;

	if ((r = parse_simple(argc, argv, &g, list_usage, &as_json, "json")) < 0) {
		cli_globals_clear(&g);
		return usage_exit(r);
	}
	if (state_list_ids(g.state_dir, &ids, &err) < 0) {
		rt_print_error(NULL, &err);
		goto out;
	}
	if (as_json && !(arr = cJSON_CreateArray()))
		goto out;
	if (!as_json)
		printf("%-20s %-16s %-8s %-9s %-20s %s\n", "ID", "NAME", "PID", "STATE", "NETWORKS",
		       "IPS");
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(state_freep) struct state *s = NULL;
		_cleanup_free_ char *ips = NULL;
		char nets[256] = "";
		if (state_read(g.state_dir, ids[i], &s, NULL) < 0)
			continue;
		for (size_t k = 0; k < s->n_nets; k++) {
			size_t l = strlen(nets);
			snprintf(nets + l, sizeof(nets) - l, "%s%s:%s", k ? "," : "",
				 s->nets[k].name, s->nets[k].ifname);
		}
		ips = state_ips(s);
		if (as_json) {
			cJSON *o = cJSON_CreateObject();
			if (!o || !cJSON_AddItemToArray(arr, o))
				goto out;
			cJSON_AddStringToObject(o, "id", s->id);
			cJSON_AddStringToObject(o, "name", s->name ? s->name : s->id);
			cJSON_AddNumberToObject(o, "pid", s->init_pid);
			cJSON_AddStringToObject(o, "state", state_word(s));
			cJSON_AddStringToObject(o, "netns", s->netns ? s->netns : "");
			cJSON_AddStringToObject(o, "networks", nets);
			cJSON_AddStringToObject(o, "ips", ips ? ips : "");
			continue;
		}
		printf("%-20s %-16s %-8d %-9s %-20s %s\n", s->id, s->name ? s->name : s->id,
		       (int)s->init_pid, state_word(s), *nets ? nets : "-",
		       ips && *ips ? ips : "-");
	}
	if (as_json) {
		_cleanup_free_ char *t = json_print(arr, true);
		printf("%s\n", t ? t : "[]");
	}
	code = 0;
out:
	cli_globals_clear(&g);
	return code;
}

static const char exec_usage[] = "Usage: cnictl exec ID [--] CMD [ARG...]\n"
				 "Run CMD inside a running container's namespaces (net, uts, ipc,\n"
				 "pid, mnt). Exit status: CMD's, 128+N when killed by signal N.\n"
				 "\n" CLI_GLOBAL_HELP;

int cmd_exec(int argc, char **argv)
{
	_cleanup_(state_freep) struct state *s = NULL;
	struct cni_error err = {0};
	struct globals g;
	int r, code = EXIT_LAUNCHER;

	if ((r = parse_simple(argc, argv, &g, exec_usage, NULL, NULL)) < 0) {
		cli_globals_clear(&g);
		return r == -ECANCELED ? 0 : EXIT_LAUNCHER;
	}
	if (argc - r < 2) {
		fputs(exec_usage, stderr);
		goto out;
	}
	if (state_read(g.state_dir, argv[r], &s, &err) < 0) {
		rt_print_error(NULL, &err);
		goto out;
	}
	if (!state_init_alive(s)) {
		fprintf(stderr, "cnictl: container %s is not running\n", s->id);
		goto out;
	}
	char **cmd = argv + r + 1;
	if (*cmd && strcmp(*cmd, "--") == 0)
		cmd++;
	if (!*cmd) {
		fputs(exec_usage, stderr);
		goto out;
	}
	code = ctr_exec_in(s->init_pid, cmd, &err);
	if (code < 0) {
		rt_print_error(NULL, &err);
		code = EXIT_LAUNCHER;
	}
out:
	cli_globals_clear(&g);
	return code;
}

static const char rm_usage[] =
	"Usage: cnictl rm [-f] ID...\n"
	"Finish the teardown of containers whose launcher is gone: DEL every network (from the\n"
	"cached configuration), remove the netns mount, the cgroup and the record. Idempotent.\n"
	"  -f, --force   also for running containers (SIGKILL the launcher and the container\n"
	"                first), and drop the record even when a DEL fails\n"
	"\n" CLI_GLOBAL_HELP;

static void wait_gone(pid_t pid, unsigned long long start)
{
	for (int i = 0; i < 200; i++) {
		unsigned long long now;
		if (proc_start_time(pid, &now) < 0 || now != start)
			return;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
}

static int rm_one(const struct globals *g, const char *id, bool force)
{
	_cleanup_(state_freep) struct state *s = NULL;
	struct cni_error err = {0};

	if (state_read(g->state_dir, id, &s, &err) < 0) {
		rt_print_error(NULL, &err);
		return -ENOENT;
	}
	if (state_owner_alive(s)) {
		if (!force) {
			fprintf(stderr,
				"cnictl: container %s is running (launcher pid %d); stop it, or use rm --force\n",
				id, (int)s->owner_pid);
			return -EBUSY;
		}
		(void)kill(s->owner_pid, SIGKILL);
		wait_gone(s->owner_pid, s->owner_start);
	}
	if (state_init_alive(s)) {
		(void)kill(s->init_pid, SIGKILL);
		wait_gone(s->init_pid, s->init_start);
	}
	if (teardown(g, s, force, &err) < 0) {
		rt_print_error("rm", &err);
		return -EIO;
	}
	return 0;
}

int cmd_rm(int argc, char **argv)
{
	_cleanup_close_ int lock = -EBADF;
	struct cni_error err = {0};
	struct globals g;
	bool force = false;
	int r, code = 0;

	if ((r = parse_simple(argc, argv, &g, rm_usage, &force, "force")) < 0) {
		cli_globals_clear(&g);
		return usage_exit(r);
	}
	if (r >= argc) {
		fputs(rm_usage, stderr);
		cli_globals_clear(&g);
		return EXIT_USAGE;
	}
	if (state_lock(g.state_dir, false, &lock, &err) < 0) {
		rt_print_error(NULL, &err);
		cli_globals_clear(&g);
		return EXIT_FAIL;
	}
	for (int i = r; i < argc; i++)
		if (rm_one(&g, argv[i], force) < 0)
			code = EXIT_FAIL;
	cli_globals_clear(&g);
	return code;
}

static const char gc_usage[] =
	"Usage: cnictl gc\n"
	"       cnictl gc NET [NETNS]   (cnitool-compatible, see `cnictl add --help`)\n"
	"Remove every container whose launcher is dead (as rm does), then garbage-collect every\n"
	"network: cached attachments whose container is gone are DELeted, and networks at\n"
	"cniVersion >= 1.1.0 get a CNI GC with the live attachments as\n"
	"cni.dev/valid-attachments. Live = running cnictl containers, plus cached attachments\n"
	"whose network namespace still exists. Runs exclusively (no ADD/DEL meanwhile).\n"
	"\n" CLI_GLOBAL_HELP;

static int valid_add(cJSON *valid, const char *cid, const char *ifname)
{
	cJSON *a = cJSON_CreateObject();
	if (!a || !cJSON_AddItemToArray(valid, a) ||
	    !cJSON_AddStringToObject(a, "containerID", cid) ||
	    !cJSON_AddStringToObject(a, "ifname", ifname))
		return -ENOMEM;
	return 0;
}

static bool is_netns(const char *path)
{
	struct stat st;
	return path && *path && stat(path, &st) == 0;
}

/* Live attachments: running containers' networks, and cache entries not owned by a cnictl
 * container whose netns still exists (cnitool-style attachments in use). */
static int collect_valid(const struct globals *g, char **ids, const cJSON *entries, cJSON *valid)
{
	const cJSON *e;
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(state_freep) struct state *s = NULL;
		if (state_read(g->state_dir, ids[i], &s, NULL) < 0)
			continue;
		for (size_t k = 0; k < s->n_nets; k++)
			if (valid_add(valid, s->id, s->nets[k].ifname) < 0)
				return -ENOMEM;
	}
	cJSON_ArrayForEach(e, entries) {
		const cJSON *cid = json_field(e, "containerId");
		const cJSON *ifn = json_field(e, "ifName");
		const cJSON *ns = json_field(e, "netns");
		bool owned = false;
		if (!cJSON_IsString(cid) || !cJSON_IsString(ifn))
			continue;
		for (size_t i = 0; ids[i]; i++)
			owned |= strcmp(ids[i], cid->valuestring) == 0;
		if (!owned && cJSON_IsString(ns) && is_netns(ns->valuestring) &&
		    valid_add(valid, cid->valuestring, ifn->valuestring) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Every network name on disk, the default, and those only known from the cache. */
static int gc_networks(const struct globals *g, const cJSON *valid, const cJSON *entries)
{
	_cleanup_(conf_names_freep) char **names = NULL;
	struct cni_error err = {0};
	const cJSON *e;
	int code = 0;

	if (conf_list_names(g->conf_dir, &names, &err) < 0) {
		rt_print_error("gc", &err);
		return -EIO;
	}
	struct rt_conf rt = {.cni_path = g->cni_path,
			     .cache_dir = g->cache_dir,
			     .timeout_ms = g->timeout_ms,
			     .timing = g->timing,
			     .verbose = g->verbose};
	size_t n_names = 0;
	while (names[n_names])
		n_names++;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_(conf_freep) struct netconf *nc = NULL;
		err = (struct cni_error){0};
		if (conf_load(g->conf_dir, names[i], &nc, &err) < 0 ||
		    rt_gc_list(nc, &rt, valid, &err) < 0) {
			rt_print_error("gc", &err);
			code = -EIO;
		}
	}
	cJSON_ArrayForEach(e, entries) {
		const cJSON *net = json_field(e, "networkName");
		_cleanup_(conf_freep) struct netconf *nc = NULL;
		bool known = false;
		if (!cJSON_IsString(net))
			continue;
		for (size_t i = 0; names[i]; i++)
			known |= strcmp(names[i], net->valuestring) == 0;
		if (known || cache_config(e, &nc, NULL) < 0)
			continue;
		err = (struct cni_error){0};
		if (rt_gc_list(nc, &rt, valid, &err) < 0) {
			rt_print_error("gc", &err);
			code = -EIO;
		}
		/* Seen now: later entries of the same network are skipped. */
		char **nn = realloc(names, (n_names + 2) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		if (!(names[n_names] = strdup(net->valuestring)))
			break;
		names[++n_names] = NULL;
	}
	return code;
}

int cmd_gc(int argc, char **argv)
{
	_cleanup_(conf_names_freep) char **ids = NULL, **left = NULL;
	_cleanup_(cJSON_Deletep) cJSON *entries = NULL, *valid = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct cni_error err = {0};
	struct globals g;
	int r, code = 0;

	if ((r = parse_simple(argc, argv, &g, gc_usage, NULL, NULL)) < 0) {
		cli_globals_clear(&g);
		return usage_exit(r);
	}
	/* `gc NET [NETNS]` is the cnitool verb. */
	if (r < argc) {
		cli_globals_clear(&g);
		return cmd_cni(argc, argv);
	}
	if (state_lock(g.state_dir, true, &lock, &err) < 0 ||
	    state_list_ids(g.state_dir, &ids, &err) < 0) {
		rt_print_error("gc", &err);
		cli_globals_clear(&g);
		return EXIT_FAIL;
	}
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(state_freep) struct state *s = NULL;
		if (state_read(g.state_dir, ids[i], &s, NULL) < 0 || state_owner_alive(s))
			continue;
		if (state_init_alive(s))
			(void)kill(s->init_pid, SIGKILL);
		err = (struct cni_error){0};
		if (teardown(&g, s, false, &err) < 0) {
			rt_print_error("gc", &err);
			code = EXIT_FAIL;
		} else {
			fprintf(stderr, "cnictl: removed dead container %s\n", s->id);
		}
	}
	if (state_list_ids(g.state_dir, &left, &err) < 0 ||
	    cache_list(g.cache_dir, &entries, &err) < 0 || !(valid = cJSON_CreateArray()) ||
	    collect_valid(&g, left, entries, valid) < 0) {
		rt_print_error("gc", &err);
		cli_globals_clear(&g);
		return EXIT_FAIL;
	}
	if (gc_networks(&g, valid, entries) < 0)
		code = EXIT_FAIL;
	cli_globals_clear(&g);
	return code;
}

int ctl_check_container(const struct globals *g, const char *id)
{
	_cleanup_(state_freep) struct state *s = NULL;
	struct cni_error err = {0};
	int code = 0;

	if (state_read(g->state_dir, id, &s, &err) < 0) {
		rt_print_error(NULL, &err);
		return EXIT_FAIL;
	}
	if (!state_init_alive(s)) {
		fprintf(stderr, "cnictl: container %s is not running\n", s->id);
		return EXIT_FAIL;
	}
	for (int i = 0; i < s->attached && (size_t)i < s->n_nets; i++) {
		const struct state_net *n = &s->nets[i];
		_cleanup_(cJSON_Deletep) cJSON *entry = NULL;
		_cleanup_(conf_freep) struct netconf *nc = NULL;
		struct rt_conf rt = teardown_rt_conf(g, s, n, s->netns);
		err = (struct cni_error){0};
		/* CHECK what ADD used: the cached configuration. */
		if ((cache_read(s->cache_dir, n->name, s->id, n->ifname, &entry, NULL) < 0 ||
		     cache_config(entry, &nc, NULL) < 0) &&
		    conf_from_bytes(n->config, strlen(n->config), "(state record)", &nc, &err) <
			    0) {
			rt_print_error(n->name, &err);
			code = EXIT_FAIL;
			continue;
		}
		if (rt_check_list(nc, &rt, &err) < 0) {
			char what[300];
			snprintf(what, sizeof(what), "CHECK network \"%s\" (%s)", n->name,
				 n->ifname);
			rt_print_error(what, &err);
			code = EXIT_FAIL;
			continue;
		}
		fprintf(stderr, "cnictl: network \"%s\" (%s): ok\n", n->name, n->ifname);
	}
	return code;
}
