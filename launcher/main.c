/* cnictl: run commands in namespaces attached to CNI networks, and cnitool-style verbs. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cni_c_version.h"
#include "cni_version.h"

static const char usage[] =
	"Usage: cnictl VERB [OPTIONS] ...\n"
	"\n"
	"  run [OPTIONS] [--] CMD [ARG...]   run CMD in new namespaces on CNI networks\n"
	"  exec ID [--] CMD [ARG...]         run CMD inside a running container\n"
	"  list [--json]                     containers, their state and IPs\n"
	"  rm [-f] ID...                     finish a container's teardown\n"
	"  gc                                remove dead containers, then CNI GC every network\n"
	"  add|check|del NET NETNS           cnitool-compatible verbs on an existing netns\n"
	"  check ID                          CHECK every network of a running container\n"
	"  status NET                        CNI STATUS of every plugin of NET\n"
	"  gc NET                            cnitool-compatible GC of NET\n"
	"  --version                         cnictl's version and the CNI versions it speaks\n"
	"\n"
	"`cnictl VERB --help` describes each verb and the global options.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} verbs[] = {
		{"run", cmd_run}, {"exec", cmd_exec},  {"list", cmd_list}, {"ls", cmd_list},
		{"rm", cmd_rm},	  {"gc", cmd_gc},      {"add", cmd_cni},   {"check", cmd_cni},
		{"del", cmd_cni}, {"status", cmd_cni},
	};

	/* lib/invoke.c handles EPIPE from a plugin that stops reading its stdin. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("cnictl %s (cni-c)\nCNI protocol versions supported: %s\n", CNI_C_VERSION,
		       cni_version_list());
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cnictl: unknown verb \"%s\"\n%s", argv[1], usage);
	return EXIT_USAGE;
}
