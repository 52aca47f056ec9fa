/* Executing configuration lists the way libcni does (libcni/api.go): request config building,
 * ADD/DEL/CHECK/STATUS/GC over a list, and the result cache. */
#pragma once

#include <cJSON.h>
#include <stdbool.h>

#include "cni_env.h"
#include "cni_error.h"
#include "conf.h"

/* libcni RuntimeConf plus where to find plugins and the cache. */
struct rt_conf {
	const char *container_id;
	const char *netns; /* "" allowed for DEL */
	const char *ifname;
	const struct cni_args *args; /* CNI_ARGS pairs, may be NULL */
	const cJSON *cap_args;	     /* capability args object, may be NULL */
	const char *cni_path;
	const char *cache_dir;
	int timeout_ms; /* per plugin exec, 0 = none */
	bool timing;	/* print one line per exec on stderr */
	int verbose;	/* 1: log each exec with its stdin on stderr */
};

/* The request config for one plugin (SPEC.md › Deriving request configuration): the plugin
 * object with name and cniVersion injected, prevResult (ADD/DEL/CHECK), runtimeConfig with the
 * declared capabilities only, and "capabilities" removed. Returns a new tree. */
int rt_build_config(const struct netconf *nc, const cJSON *plugin, const cJSON *prev_result,
		    const cJSON *cap_args, cJSON **ret, struct cni_error *err);

/* ADD every plugin in order, threading prevResult; cache the final result. *ret_result gets
 * the final result (may be NULL if the last plugin printed nothing). */
int rt_add_list(const struct netconf *nc, const struct rt_conf *rt, cJSON **ret_result,
		struct cni_error *err);
/* DEL in reverse order with the cached result as prevResult (≥ 0.4.0); removes the cache
 * entry on success. */
int rt_del_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err);
/* CHECK in order with the cached result (refused below 0.4.0; no-op with disableCheck). */
int rt_check_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err);
/* STATUS in order (no-op below 1.1.0). */
int rt_status_list(const struct netconf *nc, const struct rt_conf *rt, struct cni_error *err);
/* libcni GCNetworkList: DEL cached attachments of this network not in `valid` (an array of
 * {"containerID","ifname"}; NULL = nothing is valid), then GC on every plugin (≥ 1.1.0).
 * Errors are collected; the first is returned. */
int rt_gc_list(const struct netconf *nc, const struct rt_conf *rt, const cJSON *valid,
	       struct cni_error *err);

/* Print "cnictl: <msg> (code N): <details>" for a CNI error. */
void rt_print_error(const char *prefix, const struct cni_error *err);

/* ---- cache (libcni cache format, <cache_dir>/results/<net>-<cid>-<ifname>) ---- */

char *cache_path(const char *cache_dir, const char *net, const char *cid, const char *ifname);
int cache_write(const struct netconf *nc, const struct rt_conf *rt, const cJSON *result,
		struct cni_error *err);
/* The whole cache object ({"kind":"cniCacheV1",...}); -ENOENT when absent. */
int cache_read(const char *cache_dir, const char *net, const char *cid, const char *ifname,
	       cJSON **ret, struct cni_error *err);
int cache_remove(const char *cache_dir, const char *net, const char *cid, const char *ifname);
/* The configuration list stored in a cache entry (libcni GetNetworkListCachedConfig). */
int cache_config(const cJSON *entry, struct netconf **ret, struct cni_error *err);
/* Every cache entry (parsed), as a cJSON array. */
int cache_list(const char *cache_dir, cJSON **ret, struct cni_error *err);

int base64_encode(const char *in, size_t len, char **ret);
int base64_decode(const char *in, char **ret, size_t *ret_len);
