/* A tiny TAP producer for unit tests: TEST(name) { ASSERT_...; } and TAP_MAIN at the end.
 * Each test prints "ok N - name" or "not ok N - name" with the failing values as comments. */
#pragma once

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(void);
};

#define TAP_MAX 512
static struct tap_test tap_tests[TAP_MAX];
static int tap_count, tap_failed_current;

static inline void tap_register(const char *name, void (*fn)(void))
{
	if (tap_count < TAP_MAX)
		tap_tests[tap_count++] = (struct tap_test){name, fn};
}

#define TEST(name)                                                    \
	static void test_##name(void);                                \
	__attribute__((constructor)) static void tap_reg_##name(void) \
	{                                                             \
		tap_register(#name, test_##name);                     \
	}                                                             \
	static void test_##name(void)

#define TAP_FAIL(fmt, ...)                                                         \
	do {                                                                       \
		printf("#   %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
		tap_failed_current = 1;                                            \
		return;                                                            \
	} while (0)

#define ASSERT_TRUE(c)                                     \
	do {                                               \
		if (!(c))                                  \
			TAP_FAIL("expected true: %s", #c); \
	} while (0)
#define ASSERT_FALSE(c) ASSERT_TRUE(!(c))
#define ASSERT_EQ(a, b)                                                                \
	do {                                                                           \
		long long _a = (long long)(a), _b = (long long)(b);                    \
		if (_a != _b)                                                          \
			TAP_FAIL("%s == %s: got %lld, expected %lld", #a, #b, _a, _b); \
	} while (0)
#define ASSERT_STREQ(a, b)                                                                  \
	do {                                                                                \
		const char *_a = (a), *_b = (b);                                            \
		if (!_a || !_b || strcmp(_a, _b) != 0)                                      \
			TAP_FAIL("%s: got \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
				 _b ? _b : "(null)");                                       \
	} while (0)
#define ASSERT_CONTAINS(hay, needle)                                                             \
	do {                                                                                     \
		const char *_h = (hay), *_n = (needle);                                          \
		if (!_h || !strstr(_h, _n))                                                      \
			TAP_FAIL("%s: \"%s\" does not contain \"%s\"", #hay, _h ? _h : "(null)", \
				 _n);                                                            \
	} while (0)
/* r is an int return code: >= 0 is success. */
#define ASSERT_OK(r)                                                           \
	do {                                                                   \
		int _r = (r);                                                  \
		if (_r < 0)                                                    \
			TAP_FAIL("%s failed: %d (%s)", #r, _r, strerror(-_r)); \
	} while (0)
#define ASSERT_ERR(r)                                                            \
	do {                                                                     \
		int _r = (r);                                                    \
		if (_r >= 0)                                                     \
			TAP_FAIL("%s succeeded (%d), expected failure", #r, _r); \
	} while (0)

#define TAP_MAIN                                                                          \
	int main(void)                                                                    \
	{                                                                                 \
		int failed = 0;                                                           \
		printf("1..%d\n", tap_count);                                             \
		for (int i = 0; i < tap_count; i++) {                                     \
			tap_failed_current = 0;                                           \
			tap_tests[i].fn();                                                \
			printf("%sok %d - %s\n", tap_failed_current ? "not " : "", i + 1, \
			       tap_tests[i].name);                                        \
			failed += tap_failed_current;                                     \
		}                                                                         \
		return failed ? 1 : 0;                                                    \
	}
