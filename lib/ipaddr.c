/* Address arithmetic on byte arrays, so v4 and v6 share one code path. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipaddr.h"

int ipaddr_parse(const char *s, struct ipaddr *ret)
{
	struct ipaddr a = {0};

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a.b) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.b) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret = a;
	return 0;
}

int ipprefix_parse_optional(const char *s, struct ipprefix *ret, bool *ret_has_len)
{
	char host[IPADDR_STRLEN];
	struct ipprefix p = {0};
	const char *slash;
	size_t hostlen;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	hostlen = slash ? (size_t)(slash - s) : strlen(s);
	if (hostlen == 0 || hostlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hostlen);
	host[hostlen] = '\0';
	if (ipaddr_parse(host, &p.addr) < 0)
		return -EINVAL;
	p.len = ipaddr_bits(p.addr.family);
	if (slash) {
		const char *d = slash + 1;
		unsigned v = 0;
		if (!*d || strlen(d) > 3)
			return -EINVAL;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			v = v * 10 + (unsigned)(*d - '0');
		}
		/* "10.0.0.0/08" is refused like Go's net.ParseCIDR does. */
		if (slash[1] == '0' && slash[2] != '\0')
			return -EINVAL;
		if (v > ipaddr_bits(p.addr.family))
			return -EINVAL;
		p.len = v;
	}
	if (ret_has_len)
		*ret_has_len = slash != NULL;
	*ret = p;
	return 0;
}

int ipprefix_parse(const char *s, struct ipprefix *ret)
{
	bool has_len;
	struct ipprefix p;

	if (ipprefix_parse_optional(s, &p, &has_len) < 0 || !has_len)
		return -EINVAL;
	*ret = p;
	return 0;
}

/* The decimal digits of v (< 1000) at p; returns the end. */
static char *put_decimal(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* IPv4 by hand: musl's inet_ntop prints it through snprintf, which made formatting addresses
 * (lease and index names, results, state records: nine per ADD) a tenth of an ADD's
 * user-space instructions. */
static char *format_ipv4(const uint8_t b[4], char *p)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_decimal(p, b[i]);
	}
	*p = '\0';
	return p;
}

/* a's text at buf; returns its end. */
static char *format_addr(const struct ipaddr *a, char *buf)
{
	if (a->family == AF_INET)
		return format_ipv4(a->b, buf);
	if (!inet_ntop(AF_INET6, a->b, buf, IPADDR_STRLEN))
		snprintf(buf, IPADDR_STRLEN, "<invalid>");
	return buf + strlen(buf);
}

char *ipaddr_format(const struct ipaddr *a, char *buf)
{
	format_addr(a, buf);
	return buf;
}

char *ipprefix_format(const struct ipprefix *p, char *buf)
{
	char *end = format_addr(&p->addr, buf);

	*end++ = '/';
	*put_decimal(end, p->len) = '\0';
	return buf;
}

int ipaddr_cmp(const struct ipaddr *a, const struct ipaddr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->b, b->b, ipaddr_bytes(a->family));
}

int ipaddr_add(const struct ipaddr *a, int64_t delta, struct ipaddr *ret)
{
	struct ipaddr r = *a;

	if (a->family == AF_INET) {
		int64_t v = ((int64_t)a->b[0] << 24) | (a->b[1] << 16) | (a->b[2] << 8) | a->b[3];
		if (delta > 0xffffffffLL || delta < -0xffffffffLL)
			return -ERANGE;
		v += delta;
		if (v < 0 || v > 0xffffffffLL)
			return -ERANGE;
		for (int i = 3; i >= 0; i--, v >>= 8)
			r.b[i] = (uint8_t)(v & 0xff);
		*ret = r;
		return 0;
	}

	/* IPv6: 128-bit two's complement addition of the sign-extended delta, byte by byte.
	 * A positive delta overflows when it carries out; a negative one (added as
	 * 2^128 - |delta|) underflows when it does not. */
	uint64_t d = (uint64_t)delta;
	unsigned ext = delta < 0 ? 0xff : 0x00, carry = 0;
	for (int i = 15, k = 0; i >= 0; i--, k++) {
		unsigned byte = k < 8 ? (unsigned)((d >> (8 * k)) & 0xff) : ext;
		unsigned sum = r.b[i] + byte + carry;
		r.b[i] = (uint8_t)sum;
		carry = sum >> 8;
	}
	if ((delta > 0 && carry) || (delta < 0 && !carry))
		return -ERANGE;
	*ret = r;
	return 0;
}

static void apply_mask(const struct ipprefix *p, struct ipaddr *ret, bool set_host)
{
	unsigned n = ipaddr_bytes(p->addr.family);
	*ret = p->addr;
	for (unsigned i = 0; i < n; i++) {
		unsigned bit0 = i * 8;
		uint8_t mask;
		if (p->len >= bit0 + 8)
			mask = 0xff;
		else if (p->len <= bit0)
			mask = 0x00;
		else
			mask = (uint8_t)(0xff << (8 - (p->len - bit0)));
		ret->b[i] = set_host ? (uint8_t)(ret->b[i] | ~mask) : (uint8_t)(ret->b[i] & mask);
	}
}

void ipprefix_first(const struct ipprefix *p, struct ipaddr *ret)
{
	apply_mask(p, ret, false);
}

void ipprefix_last(const struct ipprefix *p, struct ipaddr *ret)
{
	apply_mask(p, ret, true);
}

void ipprefix_network(const struct ipprefix *p, struct ipprefix *ret)
{
	struct ipprefix n = *p;
	apply_mask(p, &n.addr, false);
	*ret = n;
}

bool ipprefix_is_network(const struct ipprefix *p)
{
	struct ipaddr first;
	ipprefix_first(p, &first);
	return ipaddr_equal(&first, &p->addr);
}

bool ipprefix_contains(const struct ipprefix *p, const struct ipaddr *a)
{
	struct ipprefix q = {.addr = *a, .len = p->len};
	struct ipaddr pa, qa;

	if (a->family != p->addr.family)
		return false;
	ipprefix_first(p, &pa);
	ipprefix_first(&q, &qa);
	return ipaddr_equal(&pa, &qa);
}

bool ipprefix_overlaps(const struct ipprefix *a, const struct ipprefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	/* Two prefixes overlap exactly when the shorter one contains the other's address. */
	return a->len <= b->len ? ipprefix_contains(a, &b->addr) : ipprefix_contains(b, &a->addr);
}
