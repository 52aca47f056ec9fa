/* One attachment's verbs exclude each other: an ADD and a DEL of the same (network, container
 * ID, ifname) never interleave, so a DEL can not release the lease of an ADD that then configures
 * the address (an address without a lease, handed out again). Runtimes should not overlap them,
 * but a node must stay consistent when one does. Other attachments are not held up. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cni_error.h"

/* Where the lock lives: per boot, so on the run-time file system. */
#define CNI_ATTACHMENT_LOCK_FILE "/run/cni/attachments.lock"
/* How long a verb waits for another verb of its attachment (an ADD can take seconds). */
#define CNI_ATTACHMENT_LOCK_TIMEOUT_MS 30000

/* Take the attachment's lock: an open-file-description lock on one byte of the lock file, at
 * an offset hashed from the three names (two attachments sharing an offset only wait for each
 * other; nothing is created per attachment). Released when *ret_fd is closed, also by the kernel
 * when the process dies. `wait` false: -EAGAIN at once when held. Timeout: code 11. Where the
 * lock file cannot be created (a read-only /run), *ret_fd is -EBADF and 0 is returned: the verb
 * runs unlocked, as the reference always does. A verb keeps the fd until its process exits
 * (the kernel closes it then): released any earlier, the other verb could finish its work
 * while this one is still printing its result, and a runtime that orders the two by when they
 * exit would believe the wrong one came last. */
int cni_attachment_lock(const char *network, const char *container_id, const char *ifname,
			bool wait, int *ret_fd, struct cni_error *err);

/* Host-wide locks that are not an attachment's live in the same file, at offsets no attachment
 * hashes to (those are below 2^62). */
#define CNI_LOCK_RESERVED ((off_t)1 << 62)
#define CNI_LOCK_NFTABLES CNI_LOCK_RESERVED /* our nf_tables writers (nft_netlink.c) */

/* The byte at offset of the lock file, as cni_attachment_lock takes it; `what` names it in the
 * timeout error. */
int cni_lock_range(off_t offset, bool wait, const char *what, int *ret_fd, struct cni_error *err);
