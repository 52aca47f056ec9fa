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

static const char verbs_usage[] =
	"Usage: cnictl add|check|del NET NETNS [-i IFNAME]\n"
	"       cnictl check ID          (CHECK every network of a running cnictl container)\n"
	"       cnictl status NET [NETNS]\n"
	"       cnictl gc NET [NETNS]\n"
	"cnitool-compatible operations on an existing network namespace (path).\n"
	"The container ID is \"cnitool-\" + the first 20 hex digits of SHA-512(absolute NETNS).\n"
	"Environment: NETCONFPATH, CNI_PATH, CNI_ARGS (K=V;..., IgnoreUnknown=1 added),\n"
	"CAP_ARGS (JSON object of capability args), CNI_IFNAME (default eth0).\n"
	"`gc NET` passes no valid-attachment list, like cnitool: every cached attachment of NET\n"
	"is deleted. `cnictl gc` without NET collects dead cnictl containers instead.\n"
	"\n"
	"  -i, --ifname IFNAME   interface name in the namespace\n"
	"\n" CLI_GLOBAL_HELP;

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

int cmd_cni(int argc, char **argv)
{
	static const struct option opts[] = {
		{"ifname", required_argument, NULL, 'i'},
		CLI_GLOBAL_OPTIONS,
		{0},
	};
	_cleanup_(cJSON_Deletep) cJSON *cap_args = NULL, *result = NULL;
	_cleanup_(conf_freep) struct netconf *nc = NULL;
	_cleanup_free_ char *abs = NULL, *id = NULL, *ifname = NULL;
	const char *verb = argv[0], *env_if = getenv("CNI_IFNAME"), *cap = getenv("CAP_ARGS");
	struct cni_args args = {0};
	struct cni_error err = {0};
	struct globals g;
	int c, r, code = EXIT_FAIL;

	if (cli_globals_init(&g) < 0)
		return EXIT_FAIL;
	ifname = strdup(env_if && *env_if ? env_if : "eth0");
	optind = 0; /* 0: full reset of GNU getopt, verbs may parse twice */
	while ((c = getopt_long(argc, argv, "i:c:vh", opts, NULL)) != -1) {
		if ((r = cli_global_option(&g, c, optarg)) != 0) {
			if (r < 0)
				goto usage;
			continue;
		}
		if (c == 'h') {
			fputs(verbs_usage, stdout);
			code = 0;
			goto out;
		}
		if (c != 'i')
			goto usage;
		free(ifname);
		ifname = strdup(optarg);
	}
	if (strcmp(verb, "check") == 0 && argc - optind == 1) {
		code = cli_globals_finish(&g) < 0 ? EXIT_FAIL
						  : ctl_check_container(&g, argv[optind]);
		goto out;
	}
	bool needs_netns = strcmp(verb, "status") != 0 && strcmp(verb, "gc") != 0;
	if (argc - optind < (needs_netns ? 2 : 1) || argc - optind > 2)
		goto usage;
	if (!ifname || cli_globals_finish(&g) < 0)
		goto out;
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
	if ((r = conf_load(g.conf_dir, argv[optind], &nc, &err)) < 0) {
		/* DEL of a network whose file is gone: use the cached copy (podman does too). */
		_cleanup_(cJSON_Deletep) cJSON *entry = NULL;
		if (strcmp(verb, "del") != 0 || !id ||
		    cache_read(g.cache_dir, argv[optind], id, ifname, &entry, NULL) < 0 ||
		    cache_config(entry, &nc, NULL) < 0)
			goto fail;
		err = (struct cni_error){0};
	}
	struct rt_conf rt = {
		.container_id = id,
		.netns = abs,
		.ifname = ifname,
		.args = &args,
		.cap_args = cap_args,
		.cni_path = g.cni_path,
		.cache_dir = g.cache_dir,
		.timeout_ms = g.timeout_ms,
		.timing = g.timing,
		.verbose = g.verbose,
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
	fputs(verbs_usage, stderr);
	code = EXIT_USAGE;
out:
	cni_args_clear(&args);
	cli_globals_clear(&g);
	return code;
}
