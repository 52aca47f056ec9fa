/* host-local built into the bridge: its verbs (plugins/ipam/verbs.c) with the GNU build-id of
 * the bin/host-local they were linked into, generated at build time by tools/build-id-c.sh.
 * A delegation to a file with that build-id runs in-process (include/invoke.h). */
#pragma once

#include "invoke.h"

extern const struct invoke_builtin hostlocal_builtin;
