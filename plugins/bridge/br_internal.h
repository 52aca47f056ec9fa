/* State shared by the bridge verbs (add.c, verbs.c). */
#pragma once

#include "bridge.h"
#include "invoke.h"

struct br_ctx {
	const struct cni_request *req;
	struct br_conf conf;
	struct nl_sock *hsk; /* host netns */
	struct nl_sock *csk; /* container netns */
	int ns_fd;
	struct nlu_link br;
	bool br_created, br_mac_known;
	char host_ifname[IFNAMSIZ];
	int host_index;
	uint8_t host_mac[NLU_MAC_LEN];
	uint8_t cont_mac[NLU_MAC_LEN];
	char cont_mac_str[18];
	int cont_index;
	struct invoke_delegation ipam_call; /* IPAM ADD, started early (run_ipam) */
	struct cni_result *ipam; /* IPAM's result, gateways and default routes filled in */
	bool veth_created, ipam_done, masq_done, state_written;
};

/* Write "value" to a sysctl file unless it already holds it. 1 = written, 0 = already set. */
int br_sysctl_ensure(const char *path, const char *value);
int br_ensure_bridge(struct br_ctx *ctx, struct cni_error *err);
int br_add_default_routes(struct br_ctx *ctx, struct cni_error *err);
int br_state_save(struct br_ctx *ctx, struct cni_error *err);
