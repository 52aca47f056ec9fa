/* Network namespace handles. We switch the calling thread only, and always come back. */
#pragma once

#include "cni_error.h"

/* Open a netns path (nsfs bind mount or /proc/PID/ns/net) O_CLOEXEC and verify it is a netns.
 * A missing path returns -ENOENT (code 3) so DEL can treat "gone" as success; anything that is
 * not a network namespace is code 4. */
int netns_open(const char *path, int *ret_fd, struct cni_error *err);

/* Enter ns_fd; *ret_saved receives an fd of the namespace we came from. */
int netns_enter(int ns_fd, int *ret_saved, struct cni_error *err);

/* Return to the saved namespace and close it. Failure here would leave us working in the
 * container's namespace, so it aborts the process rather than carry on. */
void netns_restore(int *saved);

/* fd of the calling thread's current netns. */
int netns_current(int *ret_fd, struct cni_error *err);
