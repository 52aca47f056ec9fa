/* cnitool-compatible one-shot verbs: add|check|del|status|gc NET [NETNS]. Same environment
 * (NETCONFPATH, CNI_PATH, CNI_ARGS, CAP_ARGS, CNI_IFNAME), same container ID derivation and
 * the same libcni cache, so cnitool and cnictl can undo each other's work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf.h"
#include "json.h"
#include "runtime.h"
#include "sha512.h"

struct cni_opts {
	char *ifname;
};

static int set_ifname(void *ctx, const char *arg)
{
	return cli_set_str(&((struct cni_opts *)ctx)->ifname, arg);
}

static const struct cli_opt cni_opts[] = {
	{"ifname", 'i', "IFNAME", "interface name in the namespace (env CNI_IFNAME, default eth0)",
	 set_ifname},
	{0},
};

static const char cni_description[] =
	"cnitool-compatible operations on an existing network namespace (path).\n"
	"The container ID is \"cnitool-\" + the first 20 hex digits of SHA-512(absolute NETNS).\n"
	"Environment: NETCONFPATH, CNI_PATH, CNI_ARGS (K=V;..., IgnoreUnknown=1 added),\n"
	"CAP_ARGS (JSON object of capability args), CNI_IFNAME (default eth0).\n"
	"`gc NET` passes no valid-attachment list, like cnitool: every cached attachment of NET\n"
	"is deleted. `cnictl gc` without NET collects dead cnictl containers instead.\n"
	"`check ID` CHECKs every network of a running cnictl container.\n";

static int cmd_cni(struct globals *g, int argc, char **argv);

#define CNI_VERB(var, verb, syn, sum)           \
	const struct cli_verb var = {           \
		.name = verb,                   \
		.synopsis = syn,                \
		.summary = sum,                 \
		.description = cni_description, \
		.opts = cni_opts,               \
		.run = cmd_cni,                 \
	}
CNI_VERB(cli_verb_add, "add", "add NET NETNS [-i IFNAME]", "cnitool ADD on an existing netns");
CNI_VERB(cli_verb_check, "check", "check NET NETNS [-i IFNAME]\ncheck ID",
	 "cnitool CHECK; or CHECK every network of a container");
CNI_VERB(cli_verb_del, "del", "del NET NETNS [-i IFNAME]", "cnitool DEL");
CNI_VERB(cli_verb_status, "status", "status NET [NETNS]", "CNI STATUS of every plugin of NET");

/* cnitool: "cnitool-" + hex of the first 10 bytes of SHA-512(absolute netns path). */
static int container_id(const char *netns, char **ret_abs, char **ret_id)
{
	_cleanup_free_ char *abs = cli_abs_path(netns);
	char hex[21];

	if (!abs)
		return -ENOMEM;
	sha512_hex_prefix(abs, strlen(abs), 10, hex);
	if (asprintf(ret_id, "cnitool-%s", hex) < 0)
		return -ENOMEM;
	*ret_abs = TAKE_PTR(abs);
	return 0;
}

static int cmd_cni(struct globals *g, int argc, char **argv)
{
	_cleanup_(cJSON_Deletep) cJSON *cap_args = NULL, *result = NULL;
	_cleanup_(conf_freep) struct netconf *nc = NULL;
	_cleanup_free_ char *abs = NULL, *id = NULL;
	const char *verb = argv[0], *env_if = getenv("CNI_IFNAME"), *cap = getenv("CAP_ARGS");
	const struct cli_verb *v = cli_find_verb(verb);
	struct cni_opts o = {0};
	struct cni_args args = {0};
	struct cni_error err = {0};
	int r, code = EXIT_FAIL;

	if (!(o.ifname = strdup(env_if && *env_if ? env_if : "eth0")))
		return EXIT_FAIL;
	/* `gc NET` comes here from cmd_gc with its own verb entry; -i is ours. */
	r = cli_parse(argc, argv, strcmp(verb, "gc") == 0 ? &cli_verb_status : v, &o, g, false);
	if (r == CLI_PARSE_DONE) {
		code = 0;
		goto out;
	}
	if (r < 0) {
		code = EXIT_USAGE;
		goto out;
	}
	optind = r;
	if (cli_globals_finish(g) < 0)
		goto out;
	if (strcmp(verb, "check") == 0 && argc - optind == 1) {
		code = ctl_check_container(g, argv[optind]);
		goto out;
	}
	bool needs_netns = strcmp(verb, "status") != 0 && strcmp(verb, "gc") != 0;
	if (argc - optind < (needs_netns ? 2 : 1) || argc - optind > 2)
		goto usage;
	if (argc - optind == 2 && container_id(argv[optind + 1], &abs, &id) < 0)
		goto out;
	if (cli_parse_cni_args(getenv("CNI_ARGS"), true, &args) < 0)
		goto out;
	if (cap && *cap &&
	    (json_parse(cap, strlen(cap), "CAP_ARGS", &cap_args, &err) < 0 ||
	     !cJSON_IsObject(cap_args))) {
		fprintf(stderr, "cnictl: CAP_ARGS is not a JSON object\n");
		goto out;
	}
	if ((r = conf_load(g->conf_dir, argv[optind], g->cni_path, &nc, &err)) < 0) {
		/* DEL of a network whose file is gone: use the cached copy (podman does too). */
		_cleanup_(cJSON_Deletep) cJSON *entry = NULL;
		if (strcmp(verb, "del") != 0 || !id ||
		    cache_read(g->cache_dir, argv[optind], id, o.ifname, &entry, NULL) < 0 ||
		    cache_config(entry, &nc, NULL) < 0)
			goto fail;
		err = (struct cni_error){0};
	}
	struct rt_conf rt = {
		.container_id = id,
		.netns = abs,
		.ifname = o.ifname,
		.args = &args,
		.cap_args = cap_args,
		.cni_path = g->cni_path,
		.cache_dir = g->cache_dir,
		.timeout_ms = g->timeout_ms,
		.timing = g->timing,
		.verbose = g->verbose,
	};
	if (strcmp(verb, "add") == 0) {
		if ((r = rt_add_list(nc, &rt, &result, &err)) < 0)
			goto fail;
		_cleanup_free_ char *s = json_print(result, true);
		printf("%s\n", s ? s : "");
	} else if (strcmp(verb, "check") == 0) {
		if ((r = rt_check_list(nc, &rt, &err)) < 0)
			goto fail;
	} else if (strcmp(verb, "del") == 0) {
		if ((r = rt_del_list(nc, &rt, &err)) < 0)
			goto fail;
	} else if (strcmp(verb, "status") == 0) {
		if ((r = rt_status_list(nc, &rt, &err)) < 0)
			goto fail;
	} else {
		if ((r = rt_gc_list(nc, &rt, NULL, &err)) < 0)
			goto fail;
	}
	code = 0;
	goto out;
fail:
	rt_print_error(NULL, &err);
	goto out;
usage:
	cli_usage(stderr, v);
	code = EXIT_USAGE;
out:
	free(o.ifname);
	cni_args_clear(&args);
	return code;
}
