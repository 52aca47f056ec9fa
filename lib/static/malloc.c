/* The allocator of the static plugins (tools/static-link.mk links it in place of musl's).
 *
 * Why: musl's mallocng gives memory back to the kernel as soon as a group of blocks is free.
 * libnl allocates a 32 KiB receive buffer for every netlink answer and a message buffer for
 * every request, and frees both at once, so each request/answer pair cost an mmap and an
 * munmap of 16 and 36 KiB, and page faults on fresh zeroed pages: 20 of each per ADD. A
 * plugin lives a few milliseconds; this allocator keeps what is freed for the next request of
 * the same size class and returns everything at exit.
 *
 * How: blocks of power-of-two size classes from 16 B to 64 KiB, carved from 1 MiB mappings
 * (pages are faulted in only when touched) and kept on one free list per class; a 16-byte
 * header before each block holds its class, so the 16-byte alignment of glibc's and musl's
 * malloc holds. Larger requests get a mapping of their own, unmapped by free. A spin lock
 * keeps it correct should a plugin ever start a thread. The sanitizer and valgrind builds are
 * dynamic and use glibc's malloc: test/unit/test-static-malloc.c tests this one. */
#include <errno.h>
#include <malloc.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum {
	MIN_SHIFT = 4,	/* 16 B, the smallest class */
	MAX_SHIFT = 16, /* 64 KiB, the largest; beyond, a mapping per block */
	NCLASS = MAX_SHIFT - MIN_SHIFT + 1,
	ARENA_SIZE = 1 << 20,
};

/* Before every block. For a large block, cls is LARGE and size the mapping's length; an
 * aligned block's header says where its underlying block starts (ALIGNED). */
struct header {
	uint32_t cls;
	uint32_t offset; /* ALIGNED: bytes back to the underlying block's header */
	size_t size;	 /* LARGE: length of the mapping, header included */
};
_Static_assert(sizeof(struct header) == 16, "blocks stay 16-byte aligned");
#define LARGE	UINT32_MAX
#define ALIGNED (UINT32_MAX - 1)

struct free_block {
	struct free_block *next;
};

static struct free_block *free_list[NCLASS];
static char *arena_next, *arena_end;
static volatile char lock;

static void take_lock(void)
{
	while (__atomic_test_and_set(&lock, __ATOMIC_ACQUIRE))
		;
}

static void drop_lock(void)
{
	__atomic_clear(&lock, __ATOMIC_RELEASE);
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* The class of a block with room for n bytes of payload, NCLASS when none is big enough. */
static unsigned class_of(size_t n)
{
	unsigned c = 0;

	if (n > ((size_t)1 << MAX_SHIFT) - sizeof(struct header))
		return NCLASS;
	while (((size_t)1 << (c + MIN_SHIFT)) - sizeof(struct header) < n)
		c++;
	return c;
}

static size_t class_size(unsigned c)
{
	return (size_t)1 << (c + MIN_SHIFT);
}

/* A block of class c from its free list or the arena; NULL when memory is exhausted. The lock
 * is held. */
static struct header *class_block(unsigned c)
{
	size_t size = class_size(c);
	struct header *h;

	if (free_list[c]) {
		h = (struct header *)free_list[c];
		free_list[c] = free_list[c]->next;
		return h;
	}
	if ((size_t)(arena_end - arena_next) < size) {
		/* The rest of the old arena is abandoned: less than one block of this class. */
		char *a = map(ARENA_SIZE);

		if (!a)
			return NULL;
		arena_next = a;
		arena_end = a + ARENA_SIZE;
	}
	h = (struct header *)arena_next;
	arena_next += size;
	return h;
}

void *malloc(size_t n)
{
	unsigned c = class_of(n);
	struct header *h;

	if (c == NCLASS) {
		size_t len = n + sizeof(*h);

		if (len < n) {
			errno = ENOMEM;
			return NULL;
		}
		h = map(len);
		if (!h)
			return NULL;
		h->cls = LARGE;
		h->size = len;
		return h + 1;
	}
	take_lock();
	h = class_block(c);
	drop_lock();
	if (!h)
		return NULL;
	h->cls = c;
	return h + 1;
}

static struct header *header_of(void *p)
{
	struct header *h = (struct header *)p - 1;

	if (h->cls == ALIGNED)
		h = (struct header *)((char *)h - h->offset);
	return h;
}

void free(void *p)
{
	struct header *h;
	uint32_t cls;

	if (!p)
		return;
	h = header_of(p);
	if (h->cls == LARGE) {
		munmap(h, h->size);
		return;
	}
	cls = h->cls; /* the free list's link overwrites the header */
	take_lock();
	((struct free_block *)h)->next = free_list[cls];
	free_list[cls] = (struct free_block *)h;
	drop_lock();
}

/* The payload bytes of the block p belongs to, from p on. */
size_t malloc_usable_size(void *p)
{
	struct header *h;
	size_t total;

	if (!p)
		return 0;
	h = header_of(p);
	total = h->cls == LARGE ? h->size : class_size(h->cls);
	return total - (size_t)((char *)p - (char *)h);
}

void *calloc(size_t count, size_t size)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(count, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

void *realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (!p)
		return malloc(n);
	have = malloc_usable_size(p);
	if (n <= have)
		return p;
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	struct header *h, *ah;
	size_t len;
	char *p, *start;

	if (align <= alignof(max_align_t) && align && !(align & (align - 1)))
		return malloc(n);
	if (!align || (align & (align - 1)) || align > UINT32_MAX / 2) {
		errno = EINVAL;
		return NULL;
	}
	/* Room for the payload wherever the alignment puts it, and for its own header. */
	if (__builtin_add_overflow(n, align + sizeof(*h), &len)) {
		errno = ENOMEM;
		return NULL;
	}
	start = malloc(len);
	if (!start)
		return NULL;
	p = (char *)(((uintptr_t)start + sizeof(*h) + align - 1) & ~(uintptr_t)(align - 1));
	h = (struct header *)start - 1;
	ah = (struct header *)p - 1;
	ah->cls = ALIGNED;
	ah->offset = (uint32_t)((char *)ah - (char *)h);
	return p;
}

int posix_memalign(void **res, size_t align, size_t n)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	p = aligned_alloc(align, n);
	if (!p)
		return errno;
	*res = p;
	return 0;
}

void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}
