/* macspoofchk: only frames whose source MAC is the container's may enter the bridge from the
 * attachment's host veth (reference: pkg/link/spoofcheck.go, table "bridge nat", chain
 * PREROUTING, per-attachment chains "cni-br-iface-<containerID>-<ifname>" and "...-mac",
 * rules commented "macspoofchk-<containerID>-<ifname>").
 * Contract between the bridge plugin (caller, bridge.c) and the backend
 * (spoofchk_nftables.c). One attachment = (containerID, ifname). */
#pragma once

#include "cni_error.h"

struct spoofchk_attachment {
	const char *container_id;
	const char *ifname;	 /* CNI_IFNAME (container side) */
	const char *host_ifname; /* host veth, e.g. "veth1a2b3c4d"; may be NULL for del */
	const char *mac;	 /* container MAC "aa:bb:cc:dd:ee:ff"; may be NULL for del */
};

/* Install the filter for this attachment: frames arriving on host_ifname whose source MAC is not
 * `mac` are dropped. Idempotent (re-running replaces this attachment's rules); all-or-nothing.
 * Kernel/nft failures: code 999 naming what failed. */
int spoofchk_add(const struct spoofchk_attachment *a, struct cni_error *err);

/* Remove every rule/chain of this attachment (found by containerID + ifname; host_ifname and mac
 * may be NULL). Not found is success (DEL is idempotent). */
int spoofchk_del(const struct spoofchk_attachment *a, struct cni_error *err);

/* Verify the rules exist and match host_ifname and mac. Missing or different: code 999 naming
 * what differs. */
int spoofchk_check(const struct spoofchk_attachment *a, struct cni_error *err);
