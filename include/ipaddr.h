/* IPv4/IPv6 addresses and prefixes as plain values, with the arithmetic IPAM needs. */
#pragma once

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct ipaddr {
	int family;    /* AF_INET or AF_INET6; 0 = unset */
	uint8_t b[16]; /* network byte order; IPv4 uses b[0..3], the rest stays zero */
};

struct ipprefix {
	struct ipaddr addr; /* may carry host bits ("10.0.0.5/24" is an address with its mask) */
	unsigned len;
};

#define IPADDR_STRLEN	INET6_ADDRSTRLEN
#define IPPREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* Parse a bare address. IPv4-mapped IPv6 stays IPv6. -EINVAL on anything else. */
int ipaddr_parse(const char *s, struct ipaddr *ret);
/* Parse "addr/len". The length must be plain decimal within the family's bits. */
int ipprefix_parse(const char *s, struct ipprefix *ret);
/* Parse "addr" or "addr/len"; without a length *ret_has_len is false and len is the full width. */
int ipprefix_parse_optional(const char *s, struct ipprefix *ret, bool *ret_has_len);

/* Format into buf (IPADDR_STRLEN / IPPREFIX_STRLEN bytes); returns buf. IPv6 compressed. */
char *ipaddr_format(const struct ipaddr *a, char *buf);
char *ipprefix_format(const struct ipprefix *p, char *buf);

static inline unsigned ipaddr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}
static inline unsigned ipaddr_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Total order: family first, then numeric value. */
int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b);
static inline bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return ipaddr_cmp(a, b) == 0;
}

/* a + delta within the family; -ERANGE when the result leaves the address space. */
int ipaddr_add(const struct ipaddr *a, int64_t delta, struct ipaddr *ret);

/* First (host bits clear) and last (host bits set) address of the prefix. */
void ipprefix_first(const struct ipprefix *p, struct ipaddr *ret);
void ipprefix_last(const struct ipprefix *p, struct ipaddr *ret);
/* The prefix with host bits cleared. */
void ipprefix_network(const struct ipprefix *p, struct ipprefix *ret);
bool ipprefix_is_network(const struct ipprefix *p);
bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a);
bool ipprefix_overlaps(const struct ipprefix *a, const struct ipprefix *b);
