/* Command-line plumbing shared by every verb: global options, defaults, exit codes. */
#pragma once

#include <getopt.h>
#include <stdbool.h>

#include "cni_env.h"

/* CNI_PATH default: the Debian package's directory (tools/mkdeb.sh), then the engines' usual one
 * (where `make install` puts ours), then Debian's containernetworking-plugins (loopback...). */
#define DEFAULT_CONF_DIR  "/etc/cni/net.d"
#define DEFAULT_CNI_PATH  "/usr/lib/cni-c:/opt/cni/bin:/usr/lib/cni"
#define DEFAULT_CACHE_DIR "/var/lib/cni"
#define DEFAULT_STATE_DIR "/run/cnictl"
#define NETNS_DIR	  "/run/netns"

/* run: the payload's status, or these for our own failures (podman's scheme). */
#define EXIT_LAUNCHER 125
#define EXIT_NOEXEC   126
#define EXIT_NOTFOUND 127
/* one-shot verbs */
#define EXIT_FAIL  1
#define EXIT_USAGE 2

struct globals {
	char *conf_dir;
	char *cni_path;
	char *cache_dir;
	char *state_dir;
	bool timing;
	int timeout_ms;
	int verbose;
};

/* Long options every verb accepts; ids start at 1000 so verbs can add their own. */
enum {
	OPT_CONF_DIR = 1000,
	OPT_CNI_PATH,
	OPT_CACHE_DIR,
	OPT_STATE_DIR,
	OPT_TIMING,
	OPT_PLUGIN_TIMEOUT,
	OPT_HELP,
};
#define CLI_GLOBAL_OPTIONS                                                       \
	{"conf-dir", required_argument, NULL, OPT_CONF_DIR},                     \
		{"cni-path", required_argument, NULL, OPT_CNI_PATH},             \
		{"cache-dir", required_argument, NULL, OPT_CACHE_DIR},           \
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},           \
		{"timing", no_argument, NULL, OPT_TIMING},                       \
		{"plugin-timeout", required_argument, NULL, OPT_PLUGIN_TIMEOUT}, \
		{"verbose", no_argument, NULL, 'v'},                             \
	{                                                                        \
		"help", no_argument, NULL, 'h'                                   \
	}

#define CLI_GLOBAL_HELP                                                                                   \
	"Global options:\n"                                                                               \
	"  -c, --conf-dir DIR      network configurations (env NETCONFPATH, default " DEFAULT_CONF_DIR    \
	")\n"                                                                                             \
	"      --cni-path DIRS     plugin search path (env CNI_PATH, default " DEFAULT_CNI_PATH           \
	")\n"                                                                                             \
	"      --cache-dir DIR     libcni result cache (env CNICTL_CACHE_DIR, default " DEFAULT_CACHE_DIR \
	")\n"                                                                                             \
	"      --state-dir DIR     container records (env CNICTL_STATE_DIR, default " DEFAULT_STATE_DIR   \
	")\n"                                                                                             \
	"      --timing            one line per plugin exec: wall, user/sys ms, max RSS\n"                \
	"      --plugin-timeout S  kill a plugin that runs longer than S seconds (default 60)\n"          \
	"  -v, --verbose           more diagnostics on stderr\n"                                          \
	"  -h, --help              this text\n"

/* Defaults from the environment. Call once before option parsing. */
int cli_globals_init(struct globals *g);
void cli_globals_clear(struct globals *g);
/* Handle a global option; returns 1 when handled, 0 when not ours, -1 on a bad value. */
int cli_global_option(struct globals *g, int opt, const char *arg);
/* Make cache/state dirs absolute (they are recorded in state files). */
int cli_globals_finish(struct globals *g);

/* Go's filepath.Abs: lexical, relative to the cwd, cleaned; malloc'd or NULL. */
char *cli_abs_path(const char *p);

/* cnitool's CNI_ARGS: "K=V;..." with non-empty keys and values; IgnoreUnknown=1 prepended
 * unless given. */
int cli_parse_cni_args(const char *s, bool add_ignore_unknown, struct cni_args *ret);

/* The verbs. argv[0] is the verb. Each returns the process exit status. */
int cmd_run(int argc, char **argv);
int cmd_cni(int argc, char **argv); /* add | check | del | status | gc NET [NETNS] */
int cmd_list(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_gc(int argc, char **argv);
/* `check ID`: CHECK every network of a running container; exit status. */
int ctl_check_container(const struct globals *g, const char *id);
