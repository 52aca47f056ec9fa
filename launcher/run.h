/* `cnictl run`, shared by the client (run.c: options, signals, exit status) and the monitor
 * (monitor.c: the container's whole life, from the state record to the last DEL). */
#pragma once

#include <cJSON.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cli.h"
#include "conf.h"

enum result_format { RESULT_NONE, RESULT_TABLE, RESULT_JSON };

struct run_net {
	char *name;
	char *ifname;
	struct netconf *nc;
	cJSON *result;
};

struct run_opts {
	struct globals *g;
	struct run_net *nets;
	size_t n_nets;
	bool no_net;
	bool check;
	bool detach;
	char *log; /* with detach: CMD's stdout and stderr, NULL = /dev/null */
	char *name;
	char *hostname;
	char *rootfs;
	cJSON *cap_args; /* built from the flags below once parsing is done */
	cJSON *extra_caps, *ips, *ports;
	char *mac;
	char *cni_args;
	unsigned long ns_flags;
	struct cg_limits limits;
	char *cgroup_parent;
	enum result_format result;
	int stop_timeout;
	char **argv;
};

/* How the monitor and the `cnictl run` that forked it talk. */
struct monitor_link {
	int client_fd;	  /* read end: EOF = the client is gone (it holds the write end) */
	int started_fd;	  /* write end: 'S' once the payload runs; closed at exit */
	pid_t client_pid; /* for messages */
	pid_t client_pgid;
};

/* The container, from the state record to the teardown; returns the payload's exit status (or
 * 125, 126, 127, 128+N). Its own signal pipe must be set up (run_signals_setup). */
int monitor_run(struct run_opts *o, const char *id, const struct monitor_link *l);

/* Signals as bytes on a self-pipe, so poll() sees them without races. */
extern int run_sig_pipe[2];
int run_signals_setup(void);
bool run_is_stop_signal(int sig);

/* "[IP:]HOST:CONTAINER[/tcp|udp]" (IPv6 IP in brackets) -> a portMappings entry; -EINVAL with a
 * message on stderr. */
int run_parse_publish(const char *spec, cJSON **ret);
