/* Route netlink through libnl-3's core (sockets, messages, attributes), behind one small API.
 * Only lib/nlutil.c and lib/nlmonitor.c include libnl headers, and nothing sees NLE_* codes:
 * every function returns -errno (the kernel's own errno) and, on failure, fills err with what
 * was being done plus the errno name and the kernel's extended ack text.
 * Requests are built explicitly (no libnl-route objects, no caches) so that one RTM_NEWLINK can
 * carry everything the kernel accepts at creation time. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni_error.h"
#include "ipaddr.h"
#include "macro.h"

struct nl_sock;
struct nl_msg;

/* Open a NETLINK_ROUTE socket (close-on-exec, extended acks on) in the current netns. */
int nlu_open(struct nl_sock **ret, struct cni_error *err);

/* Enter ns_fd, open a socket there, optionally run fn(socket, data) while still inside (for
 * /proc/sys writes that only make sense in that netns), and return to the original netns on every
 * path. The socket keeps talking to the netns it was created in. fn's failure fails the call. */
int nlu_open_in_netns(int ns_fd, int (*fn)(struct nl_sock *sk, void *data, struct cni_error *err),
		      void *data, struct nl_sock **ret, struct cni_error *err);

/* Free a socket; accepts NULL, returns NULL. */
struct nl_sock *nlu_close(struct nl_sock *sk);
DEFINE_CLEANUP(struct nl_sock *, nlu_close)

#define NLU_MAC_LEN 6

struct nlu_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];	     /* IFLA_INFO_KIND: "veth", "bridge"... "" when none */
	char slave_kind[16]; /* "bridge" when enslaved to a bridge */
	unsigned flags;	     /* IFF_* */
	unsigned mtu;
	int master;	   /* ifindex of the master, 0 = none */
	int peer;	   /* IFLA_LINK (veth: peer ifindex in its own netns), 0 = none */
	uint8_t operstate; /* IF_OPER_* */
	bool has_mac;
	uint8_t mac[NLU_MAC_LEN];
	int hairpin; /* bridge port attributes: -1 = not a bridge port */
	int isolated;
	int vlan_filtering; /* bridges: -1 = unknown */
	/* Bridges: the address part of the bridge id, the MAC the bridge has decided on: the one
	 * set on it, else its ports' lowest; zero while a bridge whose MAC was never set has no
	 * port (its own MAC is then random, and the first port's replaces it). */
	bool has_bridge_id;
	uint8_t bridge_id_mac[NLU_MAC_LEN];
	int ipv6_accept_ra; /* net.ipv6.conf.<link>.accept_ra: -1 = not reported (no IPv6) */
};

/* Link notifications (RTNLGRP_LINK) of the calling thread's netns: what the kernel announces
 * about every link change, read without taking rtnl (a RTM_GETLINK request waits for it while
 * kernel workers hold it). Every link's: no socket filter, whose attach the kernel compiles and
 * JITs each time (5 % of an ADD's CPU here), so a caller subscribes only for the short while it
 * waits for a change of its own, and asks when the socket overflowed anyway. A non-blocking
 * socket (close() it). */
int nlu_monitor_open(int *ret_fd, struct cni_error *err);

/* Wait up to timeout_ms (0: do not wait) for notifications, then hand every queued RTM_NEWLINK
 * of a link (not a bridge port's AF_BRIDGE twin) that the kernel sent to fn, oldest first,
 * with its link's ifindex, name, flags, operstate and MAC (the other fields zero). 1 when some
 * were read, 0 when none came, -ENOBUFS when the kernel dropped some (the caller must ask
 * instead), other -errno. */
int nlu_monitor_read(int fd, int timeout_ms, void (*fn)(const struct nlu_link *l, void *data),
		     void *data);

/* The ifindex of a link of sk's netns by name (SIOCGIFINDEX on sk itself: no rtnl, no socket of
 * its own as if_nametoindex makes), 0 with errno set when there is none. */
int nlu_ifindex(struct nl_sock *sk, const char *name);
/* Its MAC the same way (SIOCGIFHWADDR): also when rtnetlink answers are being lost. */
int nlu_link_mac(struct nl_sock *sk, const char *name, uint8_t mac[NLU_MAC_LEN]);
/* Look a link up by name (ifindex 0) or by index. -ENODEV when it does not exist (err is filled
 * like any other failure; pass NULL when absence is expected). */
int nlu_link_get(struct nl_sock *sk, const char *name, int ifindex, struct nlu_link *ret,
		 struct cni_error *err);

/* Indexes of the links whose master is `master` (malloc'd array, free()). */
int nlu_link_list_ports(struct nl_sock *sk, int master, int **ret, size_t *ret_n,
			struct cni_error *err);

/* Create a bridge, UP, with a fixed MAC (so it never follows its ports and never reads all
 * zero), optional MTU (0 = kernel default) and vlan_filtering. NLM_F_EXCL: -EEXIST when a link of
 * that name exists (the caller re-reads and type-checks). */
int nlu_bridge_create(struct nl_sock *sk, const char *name, unsigned mtu,
		      const uint8_t mac[NLU_MAC_LEN], bool vlan_filtering, struct cni_error *err);

struct nlu_veth {
	const char *name;   /* end created in the socket's netns */
	const uint8_t *mac; /* NULL = kernel's choice */
	unsigned mtu;	    /* 0 = default */
	int master;	    /* enslave at creation, 0 = none */
	bool up;
	const char *peer_name; /* other end, born directly in peer_ns_fd */
	int peer_ns_fd;	       /* -1 = same netns */
	const uint8_t *peer_mac;
	bool peer_up;
};
/* One RTM_NEWLINK creating both ends (NLM_F_EXCL: -EEXIST when either name is taken). */
int nlu_veth_create(struct nl_sock *sk, const struct nlu_veth *v, struct cni_error *err);

/* Delete a link. Not found is success (returns 0): deletes are idempotent. */
int nlu_link_del(struct nl_sock *sk, int ifindex, const char *name, struct cni_error *err);
int nlu_link_set_up(struct nl_sock *sk, int ifindex, bool up, struct cni_error *err);
int nlu_link_set_promisc(struct nl_sock *sk, int ifindex, struct cni_error *err);
int nlu_link_set_mac(struct nl_sock *sk, int ifindex, const uint8_t mac[NLU_MAC_LEN],
		     struct cni_error *err);
/* One IPv4 per-device setting (IPV4_DEVCONF_*, linux/ip.h) over RTM_SETLINK's IFLA_INET_CONF,
 * e.g. ARP_NOTIFY: the same effect as writing /proc/sys/net/ipv4/conf/<if>/<key>, but O(1) where
 * a /proc/sys path lookup compares against that name in every netns (proc_sys_compare). */
int nlu_link_set_ipv4_devconf(struct nl_sock *sk, int ifindex, int key, uint32_t value,
			      struct cni_error *err);
/* IPv6 address generation off (IFLA_INET6_ADDR_GEN_MODE none): the link gets no link-local
 * address, so no DAD, MLD or router solicitation. Only on a link that is down: the kernel
 * generates the address when it comes up, and changing the mode of a link that is up makes
 * do_setlink announce a state change (NETDEV_CHANGE), for which IPv6 walks every route of the
 * netns (rt6_sync_down_dev) while the link has no carrier: O(containers) on a bridge's host.
 * -EAFNOSUPPORT, nothing changed, when IPv6 is off in the kernel. */
int nlu_link_set_addrgen_none(struct nl_sock *sk, int ifindex, struct cni_error *err);
/* The netns-wide ("all") forwarding switch of a family over RTM_GETNETCONF: 1 on, 0 off. */
int nlu_forwarding_get(struct nl_sock *sk, int family, struct cni_error *err);
/* Bridge-port flags of an enslaved link; -1 leaves a flag unchanged. */
int nlu_brport_set(struct nl_sock *sk, int ifindex, int hairpin, int isolated,
		   struct cni_error *err);
/* Bridge VLAN membership of a port (AF_BRIDGE RTM_SETLINK/RTM_DELLINK, IFLA_BRIDGE_VLAN_INFO).
 * The range [vid, vid_end] is tagged unless `untagged`; `pvid` makes vid the port VLAN. */
int nlu_bridge_vlan_add(struct nl_sock *sk, int ifindex, unsigned vid, unsigned vid_end, bool pvid,
			bool untagged, struct cni_error *err);
int nlu_bridge_vlan_del(struct nl_sock *sk, int ifindex, unsigned vid, struct cni_error *err);

struct nlu_addr {
	struct ipprefix prefix;
	int ifindex;
	unsigned flags; /* IFA_F_* */
	unsigned scope;
};
/* Add an address (IPv4 gets its broadcast); flags e.g. IFA_F_NODAD. -EEXIST when present. */
int nlu_addr_add(struct nl_sock *sk, int ifindex, const struct ipprefix *p, unsigned flags,
		 struct cni_error *err);
/* Not found is success. */
int nlu_addr_del(struct nl_sock *sk, int ifindex, const struct ipprefix *p, struct cni_error *err);
/* Addresses of one link (ifindex 0 = all) and family (0 = both); malloc'd array. */
int nlu_addr_list(struct nl_sock *sk, int ifindex, int family, struct nlu_addr **ret, size_t *ret_n,
		  struct cni_error *err);

struct nlu_route {
	struct ipprefix dst;
	struct ipaddr gw; /* family 0 = none */
	int oif;
	int table;    /* 0 = main */
	int priority; /* 0 = kernel default */
	int scope;    /* -1 = universe with a gateway, link without */
};
/* NLM_F_EXCL: -EEXIST when the same route exists. */
int nlu_route_add(struct nl_sock *sk, const struct nlu_route *rt, struct cni_error *err);
/* Routes of one family in every table (0 = both families); malloc'd array. */
int nlu_route_list(struct nl_sock *sk, int family, struct nlu_route **ret, size_t *ret_n,
		   struct cni_error *err);

/* Request builders, exposed for unit tests (they need no socket). *ret is an nl_msg to free with
 * nlu_msg_free(). */
int nlu_build_veth(const struct nlu_veth *v, struct nl_msg **ret);
int nlu_build_bridge(const char *name, unsigned mtu, const uint8_t mac[NLU_MAC_LEN],
		     bool vlan_filtering, struct nl_msg **ret);
int nlu_build_addr(int cmd, int ifindex, const struct ipprefix *p, unsigned flags,
		   struct nl_msg **ret);
int nlu_build_route(const struct nlu_route *rt, struct nl_msg **ret);
int nlu_build_brport(int ifindex, int hairpin, int isolated, struct nl_msg **ret);
int nlu_build_ipv4_devconf(int ifindex, int key, uint32_t value, struct nl_msg **ret);
int nlu_build_addrgen_none(int ifindex, struct nl_msg **ret);
int nlu_build_bridge_vlan(int cmd, int ifindex, unsigned vid, unsigned vid_end, bool pvid,
			  bool untagged, struct nl_msg **ret);
struct nl_msg *nlu_msg_free(struct nl_msg *m);
DEFINE_CLEANUP(struct nl_msg *, nlu_msg_free)
/* Parse an RTM_NEWLINK message (reply or request) into *ret. */
int nlu_parse_link(struct nl_msg *m, struct nlu_link *ret);

/* "aa:bb:cc:dd:ee:ff" (or '-' separated) -> bytes; -EINVAL otherwise. */
int nlu_mac_parse(const char *s, uint8_t mac[NLU_MAC_LEN]);
/* Format into buf (18 bytes), lower case. */
char *nlu_mac_format(const uint8_t mac[NLU_MAC_LEN], char *buf);
/* Random locally-administered unicast MAC. */
void nlu_mac_random(uint8_t mac[NLU_MAC_LEN]);
