/* cnictl: run commands in namespaces attached to CNI networks, and cnitool-style verbs. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	const struct cli_verb *verb;
	struct globals g;
	int r, code;

	/* lib/invoke.c handles EPIPE from a plugin that stops reading its stdin. */
	signal(SIGPIPE, SIG_IGN);
	if (cli_globals_init(&g) < 0)
		return EXIT_LAUNCHER;
	/* Global options may come before the verb, as with git, podman or ctr. */
	r = cli_parse(argc, argv, NULL, NULL, &g, true);
	if (r == CLI_PARSE_DONE) {
		cli_globals_clear(&g);
		return 0;
	}
	if (r < 0) {
		cli_globals_clear(&g);
		return EXIT_USAGE;
	}
	if (r >= argc || strcmp(argv[r], "help") == 0) {
		cli_usage(r >= argc ? stderr : stdout, NULL);
		cli_globals_clear(&g);
		return r >= argc ? EXIT_USAGE : 0;
	}
	if (!(verb = cli_find_verb(argv[r]))) {
		fprintf(stderr, "cnictl: unknown verb \"%s\"\n", argv[r]);
		cli_usage(stderr, NULL);
		cli_globals_clear(&g);
		return EXIT_USAGE;
	}
	code = verb->run(&g, argc - r, argv + r);
	cli_globals_clear(&g);
	return code;
}
