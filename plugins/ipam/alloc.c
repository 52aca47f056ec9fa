/* Allocation order, without I/O: the reference's RangeIter (plugins: host-local/backend/
 * allocator/allocator.go) walks each range from rangeStart to rangeEnd, then the next range,
 * wrapping once around the set, starting just after last_reserved_ip so released addresses
 * are not reused at once (cni#194). We also never hand out the network address or the IPv4
 * broadcast address, which the reference would when rangeStart/rangeEnd are set to them. */
#include <stdint.h>
#include <string.h>

#include "hostlocal.h"

bool alloc_is_reserved(const struct ipam_range *r, const struct ipaddr *a)
{
	struct ipaddr last;

	if (ipaddr_equal(a, &r->gateway) || ipaddr_equal(a, &r->subnet.addr))
		return true;
	if (a->family != AF_INET)
		return false;
	ipprefix_last(&r->subnet, &last);
	return ipaddr_equal(a, &last);
}

void alloc_iter_init(struct alloc_iter *it, const struct ipam_rangeset *set,
		     const struct ipaddr *cursor)
{
	*it = (struct alloc_iter){.set = set};
	if (!cursor || cursor->family == 0)
		return;
	for (size_t i = 0; i < set->n; i++) {
		const struct ipam_range *r = &set->ranges[i];
		if (cursor->family == r->start.family && ipaddr_cmp(cursor, &r->start) >= 0 &&
		    ipaddr_cmp(cursor, &r->end) <= 0) {
			it->idx = i;
			it->cur = *cursor;
			return;
		}
	}
}

/* Advance it->cur by one candidate, wrapping at the end of each range. */
static void step(struct alloc_iter *it)
{
	const struct ipam_range *r = &it->set->ranges[it->idx];

	if (it->cur.family == 0) {
		it->cur = r->start;
		return;
	}
	if (ipaddr_equal(&it->cur, &r->end) || ipaddr_add(&it->cur, 1, &it->cur) < 0) {
		it->idx = (it->idx + 1) % it->set->n;
		it->cur = it->set->ranges[it->idx].start;
	}
}

bool alloc_iter_next(struct alloc_iter *it, struct ipaddr *ret, const struct ipam_range **ret_r)
{
	if (it->done || it->set->n == 0)
		return false;
	for (;;) {
		step(it);
		if (!it->started) {
			it->first = it->cur;
			it->started = true;
		} else if (ipaddr_equal(&it->cur, &it->first)) {
			it->done = true;
			return false;
		}
		const struct ipam_range *r = &it->set->ranges[it->idx];
		if (alloc_is_reserved(r, &it->cur))
			continue;
		*ret = it->cur;
		if (ret_r)
			*ret_r = r;
		return true;
	}
}

static unsigned __int128 to_u128(const struct ipaddr *a)
{
	unsigned __int128 v = 0;
	for (unsigned i = 0; i < ipaddr_bytes(a->family); i++)
		v = (v << 8) | a->b[i];
	return v;
}

unsigned long long alloc_capacity(const struct ipam_rangeset *set)
{
	unsigned __int128 total = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct ipam_range *r = &set->ranges[i];
		struct ipaddr last;
		unsigned __int128 n = to_u128(&r->end) - to_u128(&r->start) + 1;
		const struct ipaddr *reserved[3] = {&r->gateway, &r->subnet.addr, NULL};
		if (r->start.family == AF_INET) {
			ipprefix_last(&r->subnet, &last);
			reserved[2] = &last;
		}
		for (size_t k = 0; k < 3; k++)
			if (reserved[k] && ipaddr_cmp(reserved[k], &r->start) >= 0 &&
			    ipaddr_cmp(reserved[k], &r->end) <= 0 &&
			    (k == 0 || !ipaddr_equal(reserved[k], &r->gateway)))
				n--;
		total += n;
		if (total >= UINT64_MAX)
			return UINT64_MAX;
	}
	return (unsigned long long)total;
}
