/* aggstate.h: the per-key states of the aggregate operations, shared by
 * agg.c (arithmetic) and state.c (their text form); internal. */
#ifndef PDP_AGGSTATE_H
#define PDP_AGGSTATE_H

#include <stdint.h>

#include "fsum.h"

struct sumstate {		/* sum, and the sum of mean */
	uint64_t lo;		/* integers, as a 128-bit two's complement */
	int64_t hi;
	struct fsum *f;		/* values with a fraction; NULL if none */
};

struct meanstate {
	struct sumstate s;
	uint64_t n;
};

struct extstate {		/* min and max */
	char *text;		/* the winning value as it appeared */
	uint32_t tlen;
	uint8_t set;
	uint8_t isfloat;
	int64_t i;
	double d;
};

struct textstate {		/* first and last */
	char *text;
	uint32_t tlen;
	uint8_t set;
};

struct varstate {		/* var, stddev, pvar, pstdev */
	uint64_t n;
	struct fsum *s1, *s2;	/* exact sums of x and x*x; NULL if n = 0 */
};

struct setstate {		/* countunique and collect */
	uint32_t n, cap;	/* cap: a power of two, or 0 */
	char **slot;		/* each: uint32_t length, then the bytes */
	char *joined;		/* collect: the last final value */
};

#endif
