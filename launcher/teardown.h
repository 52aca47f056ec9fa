/* Finishing a container: DEL every network that may have been ADDed, in reverse order, from
 * the cached configuration (falling back to the recorded one), then unmount the netns, remove
 * the cgroup and the record. Shared by run, rm and gc. */
#pragma once

#include "cli.h"
#include "runtime.h"
#include "state.h"

/* How to call the plugins of network n of container s again (CHECK, DEL): the IDs, args and
 * paths recorded at ADD, the global exec options, and `netns` ("" when it is gone). */
struct rt_conf teardown_rt_conf(const struct globals *g, const struct state *s,
				const struct state_net *n, const char *netns);

/* Keeps going on DEL errors and reports each on stderr; the record and the netns stay when
 * a DEL failed for a reason that may go away (I/O, try again, internal), so a later rm can
 * retry. Input errors (codes 1, 2, 4, 6, 7) and `force` only warn. Returns 0 or the first
 * failure. */
int teardown(const struct globals *g, struct state *s, bool force, struct cni_error *err);
