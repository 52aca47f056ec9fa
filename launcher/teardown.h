/* Finishing a container: DEL every network that may have been ADDed, in reverse order, from
 * the cached configuration (falling back to the recorded one), then unmount the netns, remove
 * the cgroup and the record. Shared by run, rm and gc. */
#pragma once

#include "cli.h"
#include "state.h"

/* Keeps going on DEL errors and reports each on stderr; the record and the netns stay when
 * a DEL failed for a reason that may go away (I/O, try again, internal), so a later rm can
 * retry. Input errors (codes 1, 2, 4, 6, 7) and `force` only warn. Returns 0 or the first
 * failure. */
int teardown(const struct globals *g, struct state *s, bool force, struct cni_error *err);
