/* lib/static/malloc.c, the static plugins' allocator. test/rules.mk compiles it for this test
 * with its functions renamed (sm_malloc, ...), so the test program keeps the system allocator
 * and also runs under ASan and valgrind. */
#include <errno.h>
#include <stdint.h>

#include "../tap.h"

void *sm_malloc(size_t n);
void sm_free(void *p);
void *sm_calloc(size_t count, size_t size);
void *sm_realloc(void *p, size_t n);
void *sm_aligned_alloc(size_t align, size_t n);
int sm_posix_memalign(void **res, size_t align, size_t n);
size_t sm_malloc_usable_size(void *p);

static int all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

TEST(blocks_are_aligned_distinct_and_big_enough)
{
	static const size_t sizes[] = {0,    1,	    15,	   16,	  17,	 100,	4080,
				       4096, 32768, 36864, 65520, 65536, 70000, 1 << 20};
	enum { N = sizeof(sizes) / sizeof(sizes[0]) };
	unsigned char *p[N];

	for (size_t i = 0; i < N; i++) {
		p[i] = sm_malloc(sizes[i]);
		ASSERT_TRUE(p[i] != NULL);
		ASSERT_EQ((uintptr_t)p[i] % 16, 0);
		ASSERT_TRUE(sm_malloc_usable_size(p[i]) >= sizes[i]);
		memset(p[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < N; i++)
		ASSERT_TRUE(all_bytes(p[i], sizes[i], (unsigned char)i));
	for (size_t i = 0; i < N; i++)
		sm_free(p[i]);
	sm_free(NULL);
}

TEST(a_freed_block_serves_the_next_request_of_its_class)
{
	void *a = sm_malloc(30000), *b;

	ASSERT_TRUE(a != NULL);
	sm_free(a);
	b = sm_malloc(20000); /* the same 32 KiB class */
	ASSERT_TRUE(b == a);
	sm_free(b);
}

TEST(calloc_zeroes_a_reused_block)
{
	unsigned char *p = sm_malloc(200), *q;

	ASSERT_TRUE(p != NULL);
	memset(p, 0xa5, 200);
	sm_free(p);
	q = sm_calloc(25, 8);
	ASSERT_TRUE(q == p);
	ASSERT_TRUE(all_bytes(q, 200, 0));
	sm_free(q);
}

TEST(overflowing_or_impossible_sizes_fail_with_enomem)
{
	errno = 0;
	ASSERT_TRUE(sm_calloc(SIZE_MAX / 2, 3) == NULL);
	ASSERT_EQ(errno, ENOMEM);
	errno = 0;
	ASSERT_TRUE(sm_malloc(SIZE_MAX - 4) == NULL);
	ASSERT_EQ(errno, ENOMEM);
	errno = 0;
	ASSERT_TRUE(sm_malloc((size_t)1 << 62) == NULL);
	ASSERT_EQ(errno, ENOMEM);
}

TEST(realloc_keeps_the_contents)
{
	unsigned char *p = sm_realloc(NULL, 10), *q;

	ASSERT_TRUE(p != NULL);
	memset(p, 7, 10);
	q = sm_realloc(p, 8); /* shrinking stays in place */
	ASSERT_TRUE(q == p);
	q = sm_realloc(p, 100000); /* to a mapping of its own */
	ASSERT_TRUE(q != NULL);
	ASSERT_TRUE(all_bytes(q, 10, 7));
	memset(q, 9, 100000);
	p = sm_realloc(q, 200000);
	ASSERT_TRUE(p != NULL);
	ASSERT_TRUE(all_bytes(p, 100000, 9));
	sm_free(p);
}

TEST(aligned_blocks)
{
	static const size_t aligns[] = {8, 16, 32, 64, 4096, 65536};
	void *p;

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		p = sm_aligned_alloc(aligns[i], 100);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ((uintptr_t)p % aligns[i], 0);
		ASSERT_TRUE(sm_malloc_usable_size(p) >= 100);
		memset(p, 1, 100);
		sm_free(p);
	}
	ASSERT_EQ(sm_posix_memalign(&p, 3, 10), EINVAL);
	ASSERT_EQ(sm_posix_memalign(&p, 4, 10), EINVAL); /* below sizeof(void *) */
	ASSERT_EQ(sm_posix_memalign(&p, 128, 10), 0);
	ASSERT_EQ((uintptr_t)p % 128, 0);
	sm_free(p);
	errno = 0;
	ASSERT_TRUE(sm_aligned_alloc(48, 10) == NULL);
	ASSERT_EQ(errno, EINVAL);
}

TEST(an_aligned_block_returns_its_underlying_block)
{
	void *a = sm_aligned_alloc(256, 1000), *b;

	ASSERT_TRUE(a != NULL);
	sm_free(a);
	/* 1000 + 256 + header: the 2 KiB class; the freed block is handed out again whole. */
	b = sm_malloc(2000);
	ASSERT_TRUE(b != NULL);
	ASSERT_TRUE((char *)b < (char *)a && (char *)a < (char *)b + 2000);
	sm_free(b);
}

TEST(many_blocks_span_arenas)
{
	enum { N = 300 };
	unsigned char *p[N];

	/* 300 x 8 KiB: more than two 1 MiB arenas. */
	for (int i = 0; i < N; i++) {
		p[i] = sm_malloc(8000);
		ASSERT_TRUE(p[i] != NULL);
		memset(p[i], i & 0xff, 8000);
	}
	for (int i = 0; i < N; i++)
		ASSERT_TRUE(all_bytes(p[i], 8000, (unsigned char)(i & 0xff)));
	for (int i = 0; i < N; i++)
		sm_free(p[i]);
}

TAP_MAIN
