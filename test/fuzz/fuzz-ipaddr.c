/* Fuzz the address parsers and check the arithmetic's invariants on whatever parses:
 * format/parse round trip, first <= addr <= last, contains/overlaps consistency, add/sub. */
#include <string.h>

#include "ipaddr.h"

#define FUZZ_NAME "ipaddr"
#include "fuzz.h"

static void check_prefix(const struct ipprefix *p)
{
	char buf[IPPREFIX_STRLEN], buf2[IPPREFIX_STRLEN];
	struct ipprefix q, net;
	struct ipaddr first, last, x;
	bool has_len;

	FUZZ_ASSERT(p->addr.family == AF_INET || p->addr.family == AF_INET6);
	FUZZ_ASSERT(p->len <= ipaddr_bits(p->addr.family));
	ipprefix_format(p, buf);
	FUZZ_ASSERT(ipprefix_parse(buf, &q) == 0);
	FUZZ_ASSERT(ipaddr_equal(&p->addr, &q.addr) && p->len == q.len);
	FUZZ_ASSERT(strcmp(ipprefix_format(&q, buf2), buf) == 0);
	FUZZ_ASSERT(ipprefix_parse_optional(buf, &q, &has_len) == 0 && has_len);

	ipprefix_first(p, &first);
	ipprefix_last(p, &last);
	FUZZ_ASSERT(ipaddr_cmp(&first, &p->addr) <= 0);
	FUZZ_ASSERT(ipaddr_cmp(&p->addr, &last) <= 0);
	FUZZ_ASSERT(ipprefix_contains(p, &p->addr));
	FUZZ_ASSERT(ipprefix_contains(p, &first) && ipprefix_contains(p, &last));
	ipprefix_network(p, &net);
	FUZZ_ASSERT(ipprefix_is_network(&net));
	FUZZ_ASSERT(ipaddr_equal(&net.addr, &first) && net.len == p->len);
	FUZZ_ASSERT(ipprefix_overlaps(p, &net) && ipprefix_overlaps(&net, p));
	FUZZ_ASSERT(ipprefix_is_network(p) == ipaddr_equal(&p->addr, &first));

	/* Just outside the prefix is not contained (unless we fell off the address space). */
	if (ipaddr_add(&last, 1, &x) == 0) {
		FUZZ_ASSERT(!ipprefix_contains(p, &x));
		FUZZ_ASSERT(ipaddr_cmp(&x, &last) > 0);
	}
	if (ipaddr_add(&first, -1, &x) == 0) {
		FUZZ_ASSERT(!ipprefix_contains(p, &x));
		FUZZ_ASSERT(ipaddr_cmp(&x, &first) < 0);
	}
}

static void check_addr(const struct ipaddr *a, int64_t delta)
{
	char buf[IPADDR_STRLEN];
	struct ipaddr b, c;

	FUZZ_ASSERT(a->family == AF_INET || a->family == AF_INET6);
	if (a->family == AF_INET)
		for (int i = 4; i < 16; i++)
			FUZZ_ASSERT(a->b[i] == 0);
	ipaddr_format(a, buf);
	FUZZ_ASSERT(ipaddr_parse(buf, &b) == 0 && ipaddr_equal(a, &b));
	if (ipaddr_add(a, delta, &b) == 0) {
		FUZZ_ASSERT(b.family == a->family);
		FUZZ_ASSERT(delta == 0 ? ipaddr_equal(a, &b)
				       : (delta > 0) == (ipaddr_cmp(&b, a) > 0));
		if (delta != INT64_MIN) {
			FUZZ_ASSERT(ipaddr_add(&b, -delta, &c) == 0);
			FUZZ_ASSERT(ipaddr_equal(a, &c));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t delta = 0;
	struct ipaddr a;
	struct ipprefix p, p2;
	bool has_len;

	/* First 8 bytes: a delta for ipaddr_add; the rest: text, split at the first '|' into two
	 * prefixes for overlaps(). */
	if (size >= 8) {
		memcpy(&delta, data, 8);
		data += 8;
		size -= 8;
	}
	_cleanup_free_ char *s = fuzz_strndup(data, size);
	char *second = strchr(s, '|');
	if (second)
		*second++ = '\0';

	if (ipaddr_parse(s, &a) == 0) {
		check_addr(&a, delta);
		check_addr(&a, delta % 70000);
	}
	if (ipprefix_parse(s, &p) == 0)
		check_prefix(&p);
	if (ipprefix_parse_optional(s, &p, &has_len) == 0) {
		check_prefix(&p);
		if (!has_len)
			FUZZ_ASSERT(p.len == ipaddr_bits(p.addr.family));
		if (second && ipprefix_parse_optional(second, &p2, &has_len) == 0) {
			check_prefix(&p2);
			bool o = ipprefix_overlaps(&p, &p2);
			FUZZ_ASSERT(o == ipprefix_overlaps(&p2, &p));
			if (p.addr.family != p2.addr.family)
				FUZZ_ASSERT(!o);
			struct ipaddr f2;
			ipprefix_first(&p2, &f2);
			if (ipprefix_contains(&p, &f2))
				FUZZ_ASSERT(o);
			FUZZ_ASSERT((ipaddr_cmp(&p.addr, &p2.addr) == 0) ==
				    ipaddr_equal(&p.addr, &p2.addr));
			FUZZ_ASSERT((ipaddr_cmp(&p.addr, &p2.addr) < 0) ==
				    (ipaddr_cmp(&p2.addr, &p.addr) > 0));
		}
	}
	return 0;
}
