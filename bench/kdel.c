/* The exec'd DEL floor of `make bench`: the least a DEL plugin that deletes its veth can cost,
 * spawn to reap. Deletes the link named argv[1] with the in-process floor's request
 * (bench/kwork.c: one RTM_DELLINK and its ack) and exits; built as the plugins are
 * (tools/static-link.mk). The in-process kernel floor stops its clock at the ack: a process
 * also pays its start, and its exit while the kernel frees the veth. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kwork.h"

int main(int argc, char **argv)
{
	int rtnl, r;

	if (argc != 2 || !argv[1][0] || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "usage: kdel IFNAME\n");
		return 2;
	}
	if ((rtnl = kw_rtnl_open()) < 0) {
		fprintf(stderr, "kdel: netlink socket: %s\n", strerror(-rtnl));
		return 1;
	}
	if ((r = kw_del(rtnl, argv[1])) < 0) {
		fprintf(stderr, "kdel: delete %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
