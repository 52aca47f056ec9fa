/* Teardown of a container record. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "container.h"
#include "etc.h"
#include "json.h"
#include "runtime.h"
#include "teardown.h"

/* DEL uses what ADD used (SPEC.md › Lifecycle: config must not change between ADD and DEL):
 * the cached copy if there is one, else the bytes recorded before ADD. */
static int net_config(const struct state *s, const struct state_net *n, struct netconf **ret,
		      struct cni_error *err)
{
	_cleanup_(cJSON_Deletep) cJSON *entry = NULL;

	if (cache_read(s->cache_dir, n->name, s->id, n->ifname, &entry, NULL) >= 0 &&
	    cache_config(entry, ret, NULL) >= 0)
		return 0;
	return conf_from_bytes(n->config, strlen(n->config), "(state record)", ret, err);
}

/* Input errors are deterministic: the same DEL fails the same way on every retry, so keeping
 * the record for `rm` would only leak it. */
static bool permanent(const struct cni_error *e)
{
	return e->code == CNI_ERR_VERSION || e->code == CNI_ERR_UNSUPPORTED ||
	       e->code == CNI_ERR_ENV || e->code == CNI_ERR_DECODE || e->code == CNI_ERR_CONFIG;
}

struct rt_conf teardown_rt_conf(const struct globals *g, const struct state *s,
				const struct state_net *n, const char *netns)
{
	return (struct rt_conf){
		.container_id = s->id,
		.netns = netns,
		.ifname = n->ifname,
		.args = &s->args,
		.cap_args = s->cap_args,
		.cni_path = s->cni_path,
		.cache_dir = s->cache_dir,
		.timeout_ms = g->timeout_ms,
		.timing = g->timing,
		.verbose = g->verbose,
	};
}

int teardown(const struct globals *g, struct state *s, bool force, struct cni_error *err)
{
	struct stat st;
	bool netns_there = s->netns && stat(s->netns, &st) == 0;
	int first = 0, r;

	for (int i = s->attached - 1; i >= 0; i--) {
		const struct state_net *n = &s->nets[i];
		_cleanup_(conf_freep) struct netconf *nc = NULL;
		struct cni_error derr = {0};
		struct rt_conf rt = teardown_rt_conf(g, s, n, netns_there ? s->netns : "");
		r = net_config(s, n, &nc, &derr);
		if (r >= 0)
			r = rt_del_list(nc, &rt, &derr);
		if (r < 0) {
			char what[300];
			snprintf(what, sizeof(what), "DEL network \"%s\" (%s) of container %s",
				 n->name, n->ifname, s->id);
			rt_print_error(what, &derr);
			if (force || permanent(&derr)) {
				fprintf(stderr, "cnictl: %s: giving up on it (%s)\n", what,
					force ? "--force"
					      : "the plugin refuses this configuration");
				continue;
			}
			if (!first && err)
				*err = derr;
			first = first ? first : r;
		}
	}
	if (first < 0)
		return first;
	if (s->netns && (r = ctr_netns_unmount(s->netns)) < 0) {
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL, "remove netns mount %s",
				     s->netns);
	}
	if (s->cgroups && (r = cg_remove(s->cgroups, s->id, s->cgroup_parent_owned)) < 0)
		return cni_error_set(err, CNI_ERR_INTERNAL, -r, NULL,
				     "remove the cgroups of container %s (first: %s)", s->id,
				     s->cgroups[0]);
	if (s->etc_dir && (r = etc_remove(s->etc_dir)) < 0)
		return cni_error_set(err, CNI_ERR_IO, -r, NULL, "remove %s", s->etc_dir);
	(void)state_remove(g->state_dir, s->id);
	return 0;
}
