/* The container process: namespaces via clone3, a pipe handshake with the launcher, a small
 * init (PID 1) that forwards signals and reaps, and the payload. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cni_error.h"

struct ctr_spec {
	unsigned long ns_flags; /* CLONE_NEW{NET,UTS,IPC,PID,NS} */
	const char *hostname;	/* set when CLONE_NEWUTS, may be NULL */
	const char *rootfs;	/* pivot_root target, may be NULL (needs CLONE_NEWNS) */
	const char *etc_dir;	/* with rootfs: hostname, hosts, resolv.conf to bind over its /etc's
				 * (written before ctr_go); may be NULL */
	char *const *argv;	/* payload, argv[0] looked up in PATH */
	int output_fd;		/* >= 0: the container's stdout and stderr (detached), else ours */
};

struct ctr {
	pid_t pid; /* the init, as seen from the launcher */
	int pidfd;
	int go_fd; /* write end of the go pipe; closing it unwritten aborts the child */
};

/* Clone the init with the namespaces. It returns once the child has made its mount tree
 * private and waits for ctr_go(): PR_SET_PDEATHSIG plus EOF on the go pipe make the child
 * exit quietly (status 125) whenever the launcher goes away first. */
int ctr_spawn(const struct ctr_spec *spec, struct ctr *ret, struct cni_error *err);
/* Let the child run the payload. */
int ctr_go(struct ctr *c, struct cni_error *err);
/* Close the go pipe without a go: the child exits with 125 before running anything. */
void ctr_abort(struct ctr *c);
void ctr_close(struct ctr *c);

/* Bind-mount /proc/PID/ns/net on path (making its directory a shared mount first, as
 * `ip netns add` does). Code 999 on failure; -EEXIST when path is taken. */
int ctr_netns_mount(pid_t pid, const char *path, struct cni_error *err);
/* Unmount and remove; missing is fine. */
int ctr_netns_unmount(const char *path);

/* Enter the namespaces of init_pid (net, uts, ipc, pid, mount: those that differ from ours),
 * run argv there and return its exit status (128+signal when killed; 126/127 when it cannot
 * be executed). */
int ctr_exec_in(pid_t init_pid, char *const *argv, struct cni_error *err);

/* Exit status as the shell reports it. */
int ctr_status_code(int wstatus);
