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

static int set_true(void *ctx, const char *arg)
{
	(void)arg;
	*(bool *)ctx = true;
	return 0;
}

/* Options of a verb whose context is at most one flag, then the globals made final. Returns
 * the index of the first operand, or -1 with the exit status in *ret_code (0 after --help, 2
 * for a usage error). */
static int parse_flag_verb(int argc, char **argv, struct globals *g, const struct cli_verb *v,
			   bool *flag, int *ret_code)
{
	int r = cli_parse(argc, argv, v, flag, g, false);

	if (r == CLI_PARSE_DONE || r < 0 || cli_globals_finish(g) < 0) {
		*ret_code = r == CLI_PARSE_DONE ? 0 : EXIT_USAGE;
		return -1;
	}
	return r;
}

static const struct cli_opt list_opts[] = {
	{"json", 0, NULL, "a JSON array instead of the table", set_true},
	{0},
};

static int cmd_list(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_list = {
	.name = "list",
	.synopsis = "list [--json]",
	.summary = "containers, their state and IPs (also: ls)",
	.description =
		"Containers recorded in the state dir: ID, name, init PID, state, networks and IPs.\n"
		"State is \"running\", \"creating\", \"stopping\", or \"dead\" when its monitor is gone\n"
		"(finish those with `cnictl rm ID` or `cnictl gc`).\n",
	.opts = list_opts,
	.run = cmd_list,
};

const struct cli_verb cli_verb_ls = {
	.name = "ls",
	.synopsis = "ls [--json]",
	.summary = "the same as list",
	.description = "The same as `cnictl list`.\n",
	.opts = list_opts,
	.run = cmd_list,
};

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

static int cmd_list(struct globals *g, int argc, char **argv)
{
	_cleanup_(conf_names_freep) char **ids = NULL;
	_cleanup_(cJSON_Deletep) cJSON *arr = NULL;
	struct cni_error err = {0};
	bool as_json = false;
	int r, code = EXIT_FAIL;

	if ((r = parse_flag_verb(argc, argv, g, &cli_verb_list, &as_json, &code)) < 0)
		return code;
	if (state_list_ids(g->state_dir, &ids, &err) < 0) {
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
		if (state_read(g->state_dir, ids[i], &s, NULL) < 0)
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
	return code;
}

static int cmd_exec(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_exec = {
	.name = "exec",
	.synopsis = "exec ID [--] CMD [ARG...]",
	.summary = "run CMD inside a running container",
	.description =
		"Run CMD inside a running container's namespaces (net, uts, ipc, pid, mnt).\n",
	.footer = "Exit status: CMD's, 128+N when killed by signal N.\n",
	.run = cmd_exec,
};

static int cmd_exec(struct globals *g, int argc, char **argv)
{
	_cleanup_(state_freep) struct state *s = NULL;
	struct cni_error err = {0};
	int r, code;

	r = cli_parse(argc, argv, &cli_verb_exec, NULL, g, true);
	if (r == CLI_PARSE_DONE)
		return 0;
	if (r < 0 || cli_globals_finish(g) < 0)
		return EXIT_LAUNCHER;
	if (argc - r < 2) {
		cli_usage(stderr, &cli_verb_exec);
		return EXIT_LAUNCHER;
	}
	if (state_read(g->state_dir, argv[r], &s, &err) < 0) {
		rt_print_error(NULL, &err);
		return EXIT_LAUNCHER;
	}
	if (!state_init_alive(s)) {
		fprintf(stderr, "cnictl: container %s is not running\n", s->id);
		return EXIT_LAUNCHER;
	}
	char **cmd = argv + r + 1;
	if (*cmd && strcmp(*cmd, "--") == 0)
		cmd++;
	if (!*cmd) {
		cli_usage(stderr, &cli_verb_exec);
		return EXIT_LAUNCHER;
	}
	code = ctr_exec_in(s->init_pid, cmd, &err);
	if (code < 0) {
		rt_print_error(NULL, &err);
		code = EXIT_LAUNCHER;
	}
	return code;
}

/* Until the process is gone (or another one has its PID), at most max_ms. */
static bool wait_gone(pid_t pid, unsigned long long start, int max_ms)
{
	for (int i = 0; i < max_ms / 10; i++) {
		if (!state_pid_alive(pid, start))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return false;
}

static int cmd_stop(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_stop = {
	.name = "stop",
	.synopsis = "stop ID...",
	.summary = "stop running containers (SIGTERM, then teardown)",
	.description =
		"Send SIGTERM to each container's monitor, which forwards it to the container (SIGKILL\n"
		"after the --stop-timeout given to run), DELs its networks and removes it; wait for\n"
		"that, at most 120 s.\n",
	.run = cmd_stop,
};

static int cmd_stop(struct globals *g, int argc, char **argv)
{
	int r, code = 0;

	if ((r = parse_flag_verb(argc, argv, g, &cli_verb_stop, NULL, &code)) < 0)
		return code;
	if (r >= argc) {
		cli_usage(stderr, &cli_verb_stop);
		return EXIT_USAGE;
	}
	for (int i = r; i < argc; i++) {
		_cleanup_(state_freep) struct state *s = NULL;
		struct cni_error err = {0};
		if (state_read(g->state_dir, argv[i], &s, &err) < 0) {
			rt_print_error(NULL, &err);
			code = EXIT_FAIL;
			continue;
		}
		if (!state_owner_alive(s)) {
			fprintf(stderr,
				"cnictl: container %s is not running; finish it with `cnictl rm %s`\n",
				s->id, s->id);
			code = EXIT_FAIL;
			continue;
		}
		(void)kill(s->owner_pid, SIGTERM);
		if (!wait_gone(s->owner_pid, s->owner_start, 120 * 1000)) {
			fprintf(stderr, "cnictl: container %s did not stop within 120 s\n", s->id);
			code = EXIT_FAIL;
		}
	}
	return code;
}

static const struct cli_opt rm_opts[] = {
	{"force", 'f', NULL,
	 "also for running containers (SIGKILL the monitor and the container first),\n"
	 "and drop the record even when a DEL fails",
	 set_true},
	{0},
};

static int cmd_rm(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_rm = {
	.name = "rm",
	.synopsis = "rm [-f] ID...",
	.summary = "finish a container's teardown",
	.description =
		"Finish the teardown of containers whose monitor is gone: DEL every network (from the\n"
		"cached configuration), remove the netns mount, the cgroups, the /etc files and the\n"
		"record. Idempotent.\n",
	.opts = rm_opts,
	.run = cmd_rm,
};

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
				"cnictl: container %s is running (monitor pid %d); stop it, or use rm --force\n",
				id, (int)s->owner_pid);
			return -EBUSY;
		}
		(void)kill(s->owner_pid, SIGKILL);
		(void)wait_gone(s->owner_pid, s->owner_start, 2000);
	}
	if (state_init_alive(s)) {
		(void)kill(s->init_pid, SIGKILL);
		(void)wait_gone(s->init_pid, s->init_start, 2000);
	}
	if (teardown(g, s, force, &err) < 0) {
		rt_print_error("rm", &err);
		return -EIO;
	}
	return 0;
}

static int cmd_rm(struct globals *g, int argc, char **argv)
{
	_cleanup_close_ int lock = -EBADF;
	struct cni_error err = {0};
	bool force = false;
	int r, code = 0;

	if ((r = parse_flag_verb(argc, argv, g, &cli_verb_rm, &force, &code)) < 0)
		return code;
	if (r >= argc) {
		cli_usage(stderr, &cli_verb_rm);
		return EXIT_USAGE;
	}
	if (state_lock(g->state_dir, false, &lock, &err) < 0) {
		rt_print_error(NULL, &err);
		return EXIT_FAIL;
	}
	for (int i = r; i < argc; i++)
		if (rm_one(g, argv[i], force) < 0)
			code = EXIT_FAIL;
	return code;
}

static int cmd_gc(struct globals *g, int argc, char **argv);

const struct cli_verb cli_verb_gc = {
	.name = "gc",
	.synopsis = "gc\ngc NET [NETNS]",
	.summary = "remove dead containers, then CNI GC every network",
	.description =
		"Remove every container whose monitor is dead (as rm does), then garbage-collect every\n"
		"network: cached attachments whose container is gone are DELeted, and networks at\n"
		"cniVersion >= 1.1.0 get a CNI GC with the live attachments as\n"
		"cni.dev/valid-attachments. Live = running cnictl containers, plus cached attachments\n"
		"whose network namespace still exists. Runs exclusively (no ADD/DEL meanwhile).\n"
		"`gc NET [NETNS]` is cnitool's verb (see `cnictl add --help`).\n",
	.run = cmd_gc,
};

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
		if (conf_load(g->conf_dir, names[i], g->cni_path, &nc, &err) < 0 ||
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

static int cmd_gc(struct globals *g, int argc, char **argv)
{
	_cleanup_(conf_names_freep) char **ids = NULL, **left = NULL;
	_cleanup_(cJSON_Deletep) cJSON *entries = NULL, *valid = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct cni_error err = {0};
	int r, code = 0;

	int verbose = g->verbose;
	if ((r = parse_flag_verb(argc, argv, g, &cli_verb_gc, NULL, &code)) < 0)
		return code;
	/* `gc NET [NETNS]` is the cnitool verb; it parses the options again (-v once). */
	if (r < argc) {
		g->verbose = verbose;
		return cli_verb_status.run(g, argc, argv);
	}
	if (state_lock(g->state_dir, true, &lock, &err) < 0 ||
	    state_list_ids(g->state_dir, &ids, &err) < 0) {
		rt_print_error("gc", &err);
		return EXIT_FAIL;
	}
	for (size_t i = 0; ids[i]; i++) {
		_cleanup_(state_freep) struct state *s = NULL;
		if (state_read(g->state_dir, ids[i], &s, NULL) < 0 || state_owner_alive(s))
			continue;
		if (state_init_alive(s))
			(void)kill(s->init_pid, SIGKILL);
		err = (struct cni_error){0};
		if (teardown(g, s, false, &err) < 0) {
			rt_print_error("gc", &err);
			code = EXIT_FAIL;
		} else {
			fprintf(stderr, "cnictl: removed dead container %s\n", s->id);
		}
	}
	if (state_list_ids(g->state_dir, &left, &err) < 0 ||
	    cache_list(g->cache_dir, &entries, &err) < 0 || !(valid = cJSON_CreateArray()) ||
	    collect_valid(g, left, entries, valid) < 0) {
		rt_print_error("gc", &err);
		return EXIT_FAIL;
	}
	if (gc_networks(g, valid, entries) < 0)
		code = EXIT_FAIL;
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
