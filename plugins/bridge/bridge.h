/* bridge plugin internals: configuration, per-attachment state record, verbs. */
#pragma once

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "cni_skel.h"
#include "masq.h"
#include "nlutil.h"

#define BR_DEFAULT_BRIDGE "cni0"
#define BR_STATE_DIR	  "/var/lib/cni/bridge"

struct br_trunk {
	unsigned min, max;
};

struct br_conf {
	const char *network;
	const char *bridge;
	bool is_gateway, is_default_gateway, force_address;
	bool ip_masq;
	enum masq_backend masq_backend;
	unsigned mtu;
	bool hairpin, promisc;
	unsigned vlan; /* 0 = none */
	struct br_trunk *trunk;
	size_t n_trunk;
	bool preserve_default_vlan;
	bool macspoofchk, enable_dad, disable_container_iface, port_isolation;
	struct cni_dns dns;    /* config "dns"; used when not empty */
	const char *ipam_type; /* NULL = L2-only */
	bool has_mac;
	uint8_t mac[NLU_MAC_LEN];
};

/* Parse and validate the plugin config of req (every key of upstream bridge). `strict` (ADD,
 * CHECK) also validates the MAC sources and CNI_ARGS keys; DEL/GC only need what finds and removes
 * resources. Code 7 naming the key and value. */
int br_conf_parse(const struct cni_request *req, bool strict, struct br_conf *ret,
		  struct cni_error *err);
void br_conf_clear(struct br_conf *c);
/* "<bridge>.<vlan>", the interface that holds the gateway address with isGateway + vlan (the
 * reference's "vlan gateway leg"); false when the name does not fit IFNAMSIZ. */
bool br_vlan_leg_name(const struct br_conf *c, char buf[IFNAMSIZ]);

/* What ADD made, kept so DEL/GC can undo it without the netns or prevResult. */
struct br_state {
	char host_ifname[IFNAMSIZ];
	char mac[18]; /* container MAC */
	char bridge[IFNAMSIZ];
	struct ipprefix *ips;
	size_t n_ips;
	bool ip_masq, spoofchk;
	enum masq_backend masq_backend;
	/* Set by br_state_foreach: the file it was read from, and whether that is the temp file
	 * of a write that a kill interrupted before its rename (no record of that name exists). */
	char file[NAME_MAX + 1];
	bool unfinished;
};

/* /var/lib/cni/bridge/<network>/<containerID>:<ifname> (a hash of both where that is too long
 * for a file name), written atomically (temp + rename). */
int br_state_write(const char *network, const char *container_id, const char *ifname,
		   const struct br_state *s, struct cni_error *err);
/* -ENOENT (err untouched) when there is no record. */
int br_state_read(const char *network, const char *container_id, const char *ifname,
		  struct br_state *ret, struct cni_error *err);
/* Not found is success. */
int br_state_remove(const char *network, const char *container_id, const char *ifname,
		    struct cni_error *err);
void br_state_clear(struct br_state *s);
/* Remove the file br_state_foreach read s from (GC of a stale attachment). Not found is
 * success. */
int br_state_remove_file(const char *network, const struct br_state *s, struct cni_error *err);
/* The temp file of a record write that a kill interrupted before its rename (an ADD that failed
 * in-process removes its own): DEL's job. */
void br_state_remove_tmp(const char *network, const char *container_id, const char *ifname);
/* Every record of the network (GC): fn(containerID, ifname, record, data), in no order, the
 * temp files of interrupted writes included (record->unfinished). The names come from the
 * record's content (a hashed file name cannot be split). */
int br_state_foreach(const char *network,
		     int (*fn)(const char *container_id, const char *ifname,
			       const struct br_state *s, void *data),
		     void *data, struct cni_error *err);

int br_cmd_add(const struct cni_request *req, struct cni_result **ret, struct cni_error *err);
int br_cmd_del(const struct cni_request *req, struct cni_error *err);
int br_cmd_check(const struct cni_request *req, struct cni_error *err);
int br_cmd_status(const struct cni_request *req, struct cni_error *err);
int br_cmd_gc(const struct cni_request *req, struct cni_error *err);
