/* Container state records (<state-dir>/<id>.json), written before anything is changed so a
 * teardown can always be finished by `cnictl rm` or `cnictl gc`, even after SIGKILL. */
#pragma once

#include <cJSON.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cni_env.h"
#include "cni_error.h"

struct state_net {
	char *name;
	char *ifname;
	char *config; /* the configuration list bytes used for ADD */
};

struct state {
	char *id;
	char *name;
	char *status;	 /* "creating", "running", "stopping" */
	pid_t owner_pid; /* the container's monitor (not the `cnictl run` the user sees) */
	unsigned long long owner_start; /* its start time (clock ticks), against PID reuse */
	pid_t init_pid;			/* the container's init, as seen from the host */
	unsigned long long init_start;
	char *netns; /* bind mount path, NULL without a network namespace */
	char *cache_dir;
	char *cni_path;
	char **cgroups;		  /* cgroup directories we created (NULL-terminated), or NULL */
	bool cgroup_parent_owned; /* remove their parents too when empty (cnictl's default) */
	char *etc_dir; /* private /etc/hostname, hosts, resolv.conf (--rootfs), or NULL */
	int attached;  /* networks [0, attached) may have been ADDed */
	long created;  /* unix time */
	struct cni_args args;
	cJSON *cap_args;
	struct state_net *nets;
	size_t n_nets;
};

struct state *state_free(struct state *s);
DEFINE_CLEANUP(struct state *, state_free)

int state_write(const char *dir, const struct state *s, struct cni_error *err);
/* -ENOENT (code 3) when there is no such container. */
int state_read(const char *dir, const char *id, struct state **ret, struct cni_error *err);
int state_remove(const char *dir, const char *id);
/* IDs of every record, sorted; NULL-terminated, free with conf_names_free(). */
int state_list_ids(const char *dir, char ***ret, struct cni_error *err);

/* Start time of a process (field 22 of /proc/PID/stat); -ESRCH when gone. */
int proc_start_time(pid_t pid, unsigned long long *ret);
/* Whether pid is still the process that started at `start` and has not exited (a zombie
 * counts as gone). */
bool state_pid_alive(pid_t pid, unsigned long long start);
/* Whether the monitor that owns the record still runs (same PID and start time). */
bool state_owner_alive(const struct state *s);
bool state_init_alive(const struct state *s);

/* flock <dir>/lock: shared for ADD/DEL of one container, exclusive for gc (SPEC.md ›
 * Lifecycle & Ordering: GC must not run concurrently with ADD or DEL). */
int state_lock(const char *dir, bool exclusive, int *ret_fd, struct cni_error *err);
