/* The exec'd DEL floor of `make bench`: the least a DEL plugin that deletes its veth can cost,
 * spawn to reap. Deletes the link named argv[1] (one RTM_DELLINK and its ack) and exits; built
 * as the plugins are (tools/static-link.mk). The in-process kernel floor stops its clock at the
 * ack: a process also pays its start, and its exit while the kernel frees the veth. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
		char attrs[64];
	} req = {0};
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
		char rest[256];
	} ack;
	struct rtattr *name = (struct rtattr *)req.attrs;
	size_t len = argc == 2 ? strlen(argv[1]) + 1 : 0;
	ssize_t n;
	int fd;

	if (len < 2 || len > sizeof(req.attrs) - RTA_LENGTH(0)) {
		fprintf(stderr, "usage: kdel IFNAME\n");
		return 2;
	}
	name->rta_type = IFLA_IFNAME;
	name->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(name), argv[1], len);
	req.h.nlmsg_type = RTM_DELLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_len = (unsigned)(NLMSG_LENGTH(sizeof(req.ifi)) + RTA_ALIGN(name->rta_len));
	req.ifi.ifi_family = AF_UNSPEC;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &req, req.h.nlmsg_len, 0) < 0 ||
	    (n = recv(fd, &ack, sizeof(ack), 0)) < 0) {
		perror("kdel: netlink");
		return 1;
	}
	if ((size_t)n < NLMSG_LENGTH(sizeof(ack.e)) || ack.h.nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "kdel: unexpected answer\n");
		return 1;
	}
	if (ack.e.error) {
		fprintf(stderr, "kdel: delete %s: %s\n", argv[1], strerror(-ack.e.error));
		return 1;
	}
	return 0;
}
