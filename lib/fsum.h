/* fsum.h: exact summation of doubles.  The state holds the sum exactly as
 * non-overlapping partials, so the rounded result does not depend on the
 * order or grouping of the values added (see pdp-reduce(1)). */
#ifndef PDP_FSUM_H
#define PDP_FSUM_H

#include <stdint.h>

enum { FSUM_INLINE = 3 };

struct fsum {
	uint32_t n, cap;	/* cap 0: partials are inline */
	union {
		double inl[FSUM_INLINE];
		double *heap;
	} u;
};

void fsum_init(struct fsum *s);
/* Add x exactly.  Returns -1 if the sum overflows the double range. */
int fsum_add(struct fsum *s, double x);
/* Add an int64 exactly (as two doubles). */
int fsum_addint(struct fsum *s, int64_t i);
int fsum_merge(struct fsum *s, const struct fsum *t);
/* The exact sum rounded to the nearest double. */
double fsum_value(const struct fsum *s);
const double *fsum_parts(const struct fsum *s);
/* Add a * b exactly; -1 if it overflows. */
int fsum_addprod(struct fsum *s, double a, double b);
/* The square root of x >= 0, rounded to nearest, without libm. */
double fsum_sqrt(double x);
void fsum_free(struct fsum *s);

#endif
