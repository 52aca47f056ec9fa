/* One attachment's kernel work, as both plugins do it, over raw rtnetlink: shared by the bench
 * driver's in-process floor (bench/driver.c) and the exec'd ones (bench/kadd.c, bench/kdel.c),
 * so they send the very same requests. */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

/* An rtnetlink socket of the current netns: the fd, or -errno. */
int kw_rtnl_open(void);

/* A request under construction: header, fixed header, attributes. */
struct kw_req {
	union {
		struct nlmsghdr h;
		char buf[2048];
	};
};
void kw_init(struct kw_req *m, int type, int flags, const void *hdr, size_t hlen);
struct rtattr *kw_put(struct kw_req *m, int type, const void *data, size_t len);
void kw_end(struct kw_req *m, struct rtattr *nest); /* closes a nest kw_put opened */
int kw_talk(int fd, struct kw_req *m);		    /* send, read the ack: 0 or -errno */

/* ADD: the veth `host` with its peer `ifname` born in the netns at `netns`, enslaved to
 * `master`; in the netns accept_dad off, arp_notify, the address, up, and a default route via
 * `gw` unless it is 0. `rtnl` is a socket of the current netns, `home_ns` an fd of it to come
 * back to. 0 or -errno; -ENOTRECOVERABLE: stuck in the container's netns. */
struct kw_add {
	const char *host;
	unsigned int master;
	const char *netns;
	const char *ifname;
	uint32_t ip, gw; /* network order */
	unsigned char prefix_len;
};
int kw_add(int rtnl, int home_ns, const struct kw_add *a);

/* DEL: the veth `host` (its peer goes with it). 0 or -errno. */
int kw_del(int rtnl, const char *host);
