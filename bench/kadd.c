/* The exec'd ADD floor of `make bench`: the least an ADD plugin that does the kernel work can
 * cost, spawn to reap. Does one attachment's kernel work as the in-process floor does
 * (bench/kwork.c) and exits; built as the plugins are (tools/static-link.mk), like bench/kdel.
 *
 *   kadd HOST MASTER-IFINDEX NETNS IFNAME ADDRESS/PREFIXLEN [GATEWAY]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kwork.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: kadd HOST MASTER-IFINDEX NETNS IFNAME ADDRESS/PREFIXLEN [GATEWAY]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct kw_add a = {0};
	char addr[INET_ADDRSTRLEN], *slash, *end;
	unsigned long master, plen;
	int rtnl, home, r;

	if ((argc != 6 && argc != 7) || strlen(argv[1]) >= IFNAMSIZ || strlen(argv[4]) >= IFNAMSIZ)
		return usage();
	a.host = argv[1];
	a.netns = argv[3];
	a.ifname = argv[4];
	master = strtoul(argv[2], &end, 10);
	slash = strchr(argv[5], '/');
	if (*end || !master || master > 0x7fffffff || !slash ||
	    (size_t)(slash - argv[5]) >= sizeof(addr))
		return usage();
	memcpy(addr, argv[5], (size_t)(slash - argv[5]));
	addr[slash - argv[5]] = '\0';
	plen = strtoul(slash + 1, &end, 10);
	if (*end || plen > 32 || inet_pton(AF_INET, addr, &a.ip) != 1 ||
	    (argc == 7 && inet_pton(AF_INET, argv[6], &a.gw) != 1))
		return usage();
	a.master = (unsigned int)master;
	a.prefix_len = (unsigned char)plen;
	if ((rtnl = kw_rtnl_open()) < 0 ||
	    (home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		perror("kadd: netlink socket or netns");
		return 1;
	}
	if ((r = kw_add(rtnl, home, &a)) < 0) {
		fprintf(stderr, "kadd: ADD %s: %s\n", a.host, strerror(-r));
		return 1;
	}
	return 0;
}
