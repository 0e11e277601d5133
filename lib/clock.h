/* clock.h: the two clocks pdp-map reads, in seconds as doubles. */
#ifndef PDP_CLOCK_H
#define PDP_CLOCK_H

#include <time.h>

/* For durations and deadlines: never jumps. */
static inline double
monotime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* For the joblog's start times: seconds since the epoch. */
static inline double
walltime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
