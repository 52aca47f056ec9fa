/* Resource limits for a container, on cgroup v1, v2 or a mix (hybrid hosts), chosen per
 * controller by what the host mounts: one directory <mount>/<parent>/<id> in every hierarchy
 * that holds a wanted controller. Only directories we create are written to, and only the
 * container's processes are moved (into them). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cni_error.h"

#define CG_PERIOD_US	  100000u /* cpu.cfs_period_us / cpu.max period */
#define CG_DEFAULT_PARENT "cnictl"

struct cg_limits {
	uint64_t memory;       /* bytes, 0 = none (swap is not allowed on top) */
	uint64_t cpu_quota_us; /* per CG_PERIOD_US, 0 = none */
	uint64_t pids;	       /* 0 = none */
	char *cpuset_cpus;     /* "0-1,3", NULL = none */
};

enum cg_controller { CG_MEMORY, CG_CPU, CG_PIDS, CG_CPUSET, CG_N_CONTROLLERS };

/* A mounted hierarchy: v1 with the controllers in its mount options, or v2 with those its root
 * offers (cgroup.controllers). */
struct cg_mount {
	char *path;
	bool v2;
	unsigned controllers; /* 1u << enum cg_controller */
};

struct cg_host {
	struct cg_mount *mounts;
	size_t n;
};

static inline bool cg_wanted(const struct cg_limits *l)
{
	return l->memory || l->cpu_quota_us || l->pids || l->cpuset_cpus;
}

const char *cg_controller_name(enum cg_controller c);

/* The cgroup hierarchies listed in a mountinfo file ("/proc/self/mountinfo"; tests pass a fake
 * one whose mount points are plain directories). Code 5 when it cannot be read. */
int cg_host_probe(const char *mountinfo, struct cg_host *ret, struct cni_error *err);
void cg_host_clear(struct cg_host *h);
/* The mount that holds controller c, NULL when none does. */
const struct cg_mount *cg_host_find(const struct cg_host *h, enum cg_controller c);

/* Create <mount>/<parent>/<id> in every hierarchy holding a wanted controller and write the
 * limits there: v1 memory.limit_in_bytes (+ memory.memsw.limit_in_bytes), cpu.cfs_period_us +
 * cpu.cfs_quota_us, pids.max, cpuset.cpus + cpuset.mems; v2 memory.max (+ memory.swap.max 0),
 * cpu.max, pids.max, cpuset.cpus, with the controllers enabled in cgroup.subtree_control from
 * the root down to <parent>. *ret_dirs is a NULL-terminated malloc'd array (free with
 * cg_dirs_free). Code 999 naming the controller when the host has none for it, or the file and
 * errno when the kernel refuses a value; nothing is left behind on failure. */
int cg_create(const struct cg_host *h, const char *parent, const char *id,
	      const struct cg_limits *l, char ***ret_dirs, struct cni_error *err);
/* Move pid into every directory (cgroup.procs). */
int cg_attach(char *const *dirs, pid_t pid, struct cni_error *err);
/* OOM kills counted in the memory cgroup among dirs (v1 memory.oom_control, v2 memory.events:
 * "oom_kill N"); 0 when none of them is a memory cgroup. */
uint64_t cg_oom_kills(char *const *dirs);
/* SIGKILL what is left in each directory, rmdir it (retrying while the kernel finishes the
 * exits), then rmdir its parent too when `remove_parent` and it is empty. Only directories
 * named `id` are touched (a record naming anything else is refused, -EINVAL). Missing is fine;
 * returns the first error. */
int cg_remove(char *const *dirs, const char *id, bool remove_parent);
char **cg_dirs_free(char **dirs);

/* "512M", "1G", "1048576" -> bytes; "1.5" cpus -> quota per CG_PERIOD_US; "0-1,3" a cpu list.
 * -EINVAL on junk. */
int cg_parse_size(const char *s, uint64_t *ret);
int cg_parse_cpus(const char *s, uint64_t *ret);
int cg_check_cpuset(const char *s);
