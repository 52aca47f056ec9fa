/* Milliseconds on the monotonic clock: deadlines and durations, immune to clock changes. */
#pragma once

#include <time.h>

static inline double monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
