/* The kernel's UAPI headers (linux/in6.h, linux/if.h, ...) define struct in6_addr, struct ifreq,
 * the IFF_* flags and the like unless linux/libc-compat.h says the C library already does. It
 * knows only glibc: with musl it would define them all again, and any file that includes a
 * kernel header and a libc one (<netdb.h>, <net/if.h>) would not compile. This header, found
 * before the kernel's by the plugins' musl build only (tools/static-link.mk), includes musl's
 * definitions first and tells the kernel's header not to repeat them, as it does for glibc. */
#ifndef CNI_C_MUSL_LIBC_COMPAT_H
#define CNI_C_MUSL_LIBC_COMPAT_H

#include <net/if.h>
#include <netinet/in.h>

/* <net/if.h>: struct ifconf, ifmap, ifreq, IFNAMSIZ and every IFF_* flag. */
#define __UAPI_DEF_IF_IFCONF				     0
#define __UAPI_DEF_IF_IFMAP				     0
#define __UAPI_DEF_IF_IFNAMSIZ				     0
#define __UAPI_DEF_IF_IFREQ				     0
#define __UAPI_DEF_IF_NET_DEVICE_FLAGS			     0
#define __UAPI_DEF_IF_NET_DEVICE_FLAGS_LOWER_UP_DORMANT_ECHO 0
/* <netinet/in.h>: the IPv4 and IPv6 address and socket structures and constants. */
#define __UAPI_DEF_IN_ADDR	0
#define __UAPI_DEF_IN_IPPROTO	0
#define __UAPI_DEF_IN_PKTINFO	0
#define __UAPI_DEF_IP_MREQ	0
#define __UAPI_DEF_SOCKADDR_IN	0
#define __UAPI_DEF_IN_CLASS	0
#define __UAPI_DEF_IN6_ADDR	0
#define __UAPI_DEF_IN6_ADDR_ALT 0
#define __UAPI_DEF_SOCKADDR_IN6 0
#define __UAPI_DEF_IPV6_MREQ	0
#define __UAPI_DEF_IPPROTO_V6	0
#define __UAPI_DEF_IPV6_OPTIONS 0
#define __UAPI_DEF_IN6_PKTINFO	0
#define __UAPI_DEF_IP6_MTUINFO	0

#include_next <linux/libc-compat.h>

#endif
