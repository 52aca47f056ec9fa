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
	int link_mon; /* link notifications of the host netns (follow_links), or < 0 */
	bool port_up; /* the host end is oper-up, as last notified */
	struct invoke_delegation ipam_call; /* IPAM ADD, started early (run_ipam) */
	struct cni_result *ipam; /* IPAM's result, gateways and default routes filled in */
	bool veth_created, ipam_done, masq_done, state_written;
	bool state_final;      /* the record written holds the IPAM result: nothing left to add */
	bool state_unwritable; /* a record write failed: this ADD goes on without one */
	struct nlu_link leg;   /* isGateway + vlan: "<bridge>.<vlan>"; ifindex 0 = none */
	bool leg_created;
};

/* Write "value" to a sysctl file unless it already holds it. 1 = written, 0 = already set. */
int br_sysctl_ensure(const char *path, const char *value);
int br_ensure_bridge(struct br_ctx *ctx, struct cni_error *err);
int br_add_default_routes(struct br_ctx *ctx, struct cni_error *err);
int br_state_save(struct br_ctx *ctx, struct cni_error *err);
void br_random_veth_name(char buf[IFNAMSIZ]);
/* VLANs of a bridge port from the config: access VLAN, and the trunk when `trunk`. */
int br_port_vlans(struct br_ctx *ctx, int ifindex, bool trunk, struct cni_error *err);
/* isGateway (gateway.c): gateway addresses on the bridge or the vlan leg, forwarding, MAC pin. */
int br_setup_gateway(struct br_ctx *ctx, struct cni_error *err);
/* Remove a vlan leg this ADD created (rollback). */
void br_undo_vlan_leg(struct br_ctx *ctx);
