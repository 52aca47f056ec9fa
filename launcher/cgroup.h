/* Optional cgroup v2 limits for a container. Refused clearly where no usable v2 hierarchy
 * exists (hybrid v1 hosts): never falls back to v1, never moves processes that are not ours. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "cni_error.h"

struct cg_limits {
	uint64_t memory;       /* bytes, 0 = none */
	uint64_t cpu_quota_us; /* per 100 ms period, 0 = none */
	uint64_t pids;	       /* 0 = none */
};

static inline int cg_wanted(const struct cg_limits *l)
{
	return l->memory || l->cpu_quota_us || l->pids;
}

/* Create <v2 root>/cnictl/<id> with the limits; *ret_path is malloc'd. Code 999 naming the
 * missing hierarchy or controller when it cannot be done. */
int cg_create(const char *id, const struct cg_limits *l, char **ret_path, struct cni_error *err);
int cg_attach(const char *path, pid_t pid, struct cni_error *err);
/* rmdir, retrying briefly while the kernel finishes removing the processes. Idempotent. */
int cg_remove(const char *path);

/* "512M", "1G", "1048576" -> bytes; "1.5" cpus -> quota per 100 ms. -EINVAL on junk. */
int cg_parse_size(const char *s, uint64_t *ret);
int cg_parse_cpus(const char *s, uint64_t *ret);
