/* Command-line plumbing shared by every verb: option tables (parsing and --help come from the
 * same table, so they cannot drift apart), global options, defaults, exit codes. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cni_env.h"

/* CNI_PATH default: the Debian package's directory (tools/mkdeb.sh), then the engines' usual one
 * (where `make install` puts ours), then Debian's containernetworking-plugins (loopback...). */
#define DEFAULT_CONF_DIR  "/etc/cni/net.d"
#define DEFAULT_CNI_PATH  "/usr/lib/cni-c:/opt/cni/bin:/usr/lib/cni"
#define DEFAULT_CACHE_DIR "/var/lib/cni"
#define DEFAULT_STATE_DIR "/run/cnictl"
#define NETNS_DIR	  "/run/netns"

#include "cni_c_version.h" /* CNI_C_VERSION, from VERSION (Makefile) */

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

/* A handler's answer when it has printed what was asked (--help, --version): exit 0. */
#define CLI_DONE 1

/* One option. `set` gets the verb's context (or the struct globals for global options) and
 * the argument (NULL for a flag); it returns 0, CLI_DONE, or < 0 after printing why on stderr.
 * set == NULL marks --help, answered by the parser with the verb's usage. */
struct cli_opt {
	const char *name; /* long name without "--"; NULL ends a table */
	char short_name;  /* 0: none */
	const char *arg;  /* placeholder in --help; NULL: a flag */
	const char *help; /* lines separated by '\n' */
	int (*set)(void *ctx, const char *arg);
};

struct cli_verb {
	const char *name;
	const char *synopsis;	 /* after "Usage: cnictl ", lines separated by '\n' */
	const char *summary;	 /* one line in `cnictl --help` */
	const char *description; /* text between the usage line and the options; may be NULL */
	const struct cli_opt *opts;
	const char *footer; /* after the options; may be NULL */
	/* argv[0] is the verb; g holds the environment defaults and the options given before the
	 * verb. Returns the exit status. */
	int (*run)(struct globals *g, int argc, char **argv);
};

/* Every verb, in the order `cnictl --help` lists them; NULL-terminated. */
extern const struct cli_verb *const cli_verbs[];
extern const struct cli_opt cli_global_opts[];
const struct cli_verb *cli_find_verb(const char *name);

/* `cnictl --help` (verb == NULL) or `cnictl VERB --help`. */
void cli_usage(FILE *f, const struct cli_verb *verb);

/* Parse options of `verb` (NULL: the global options before the verb) and the global ones from
 * argv[1] on. With `in_order` parsing stops at the first operand (run, exec: the rest is a
 * command; before the verb: the verb); otherwise operands may come between options. Returns
 * the index of the first operand; CLI_PARSE_DONE when -h/--version was answered (exit 0);
 * -EINVAL after printing why and the usage on stderr. */
int cli_parse(int argc, char **argv, const struct cli_verb *verb, void *ctx, struct globals *g,
	      bool in_order);
#define CLI_PARSE_DONE (-1000)

/* Defaults from the environment. Call once, before any option parsing. */
int cli_globals_init(struct globals *g);
void cli_globals_clear(struct globals *g);
/* Make cache/state dirs absolute (they are recorded in state files). */
int cli_globals_finish(struct globals *g);

/* Go's filepath.Abs: lexical, relative to the cwd, cleaned; malloc'd or NULL. */
char *cli_abs_path(const char *p);

/* cnitool's CNI_ARGS: "K=V;..." with non-empty keys and values; IgnoreUnknown=1 prepended
 * unless given. */
int cli_parse_cni_args(const char *s, bool add_ignore_unknown, struct cni_args *ret);

/* Replace *dst with a copy of v: for option handlers. -ENOMEM. */
int cli_set_str(char **dst, const char *v);

/* The verbs (launcher/run.c, ctl.c, verbs.c). */
extern const struct cli_verb cli_verb_run, cli_verb_exec, cli_verb_list, cli_verb_ls, cli_verb_stop,
	cli_verb_rm, cli_verb_gc, cli_verb_add, cli_verb_check, cli_verb_del, cli_verb_status;
/* `check ID`: CHECK every network of a running container; exit status. */
int ctl_check_container(const struct globals *g, const char *id);
