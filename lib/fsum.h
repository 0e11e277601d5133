/* fsum.h: exact summation of doubles.  The state holds the sum exactly as
 * non-overlapping partials, so the rounded result does not depend on the
 * order or grouping of the values added (see pdp-reduce(1)).  Values and
 * products of 2^960 or more are kept apart, scaled by 2^-FSUM_SHIFT (a
 * power of two: exactly), so that no sum overflows before its final
 * value: the sum of 1e308 and 1e308 is 2e308, and over 2 a mean of 1e308. */
#ifndef PDP_FSUM_H
#define PDP_FSUM_H

#include <stddef.h>
#include <stdint.h>

/* FSUM_TERMS bounds fsum_canon's terms: each takes 53 bits or more of a
 * sum that the range of the two parts bounds to about 3300 bits. */
enum { FSUM_INLINE = 3, FSUM_SHIFT = 1152, FSUM_TERMS = 80 };

struct fsum {
	uint32_t n, cap;	/* cap 0: partials are inline */
	union {
		double inl[FSUM_INLINE];
		double *heap;
	} u;
	struct fsum *over;	/* the big terms times 2^-FSUM_SHIFT, or NULL */
};

void fsum_init(struct fsum *s);
/* The bytes all sums of this process hold on the heap now (the partials
 * past FSUM_INLINE, the over parts), for pdp-reduce's budget: a variable,
 * read on its per-record path. */
extern size_t fsum_heapbytes;
/* Add x exactly.  Returns -1 if the sum overflows the double range. */
int fsum_add(struct fsum *s, double x);
/* Add an int64 exactly (as two doubles). */
int fsum_addint(struct fsum *s, int64_t i);
int fsum_merge(struct fsum *s, const struct fsum *t);
/* The exact sum rounded to the nearest double; +-HUGE_VAL past the
 * range of doubles. */
double fsum_value(const struct fsum *s);
/* The exact sum rounded to 53 bits, as *m times 2^(returned exponent),
 * 0 or FSUM_SHIFT: the value of a sum past the range of doubles. */
int fsum_wvalue(const struct fsum *s, double *m);
/* Add y times 2^e exactly (e 0 or FSUM_SHIFT), as fsum_wvalue gave it;
 * -1 past 2^2112, which no sum of doubles (or their squares) reaches. */
int fsum_addexp(struct fsum *s, double y, int e);
/* The sum as canonical terms, m[i] times 2^e[i] (e 0 or FSUM_SHIFT):
 * the sum rounded to 53 bits, then what is left of it rounded, and so
 * on, so that they depend only on the sum, not on how its terms came
 * in.  Returns their number, at most FSUM_TERMS; 0 for a zero sum. */
int fsum_canon(const struct fsum *s, double *m, int *e);
/* Add each term of t times 2^k (exact but for terms that fall below
 * the smallest double, 2^1000 and more under the largest). */
void fsum_addscaled(struct fsum *s, const struct fsum *t, int k);
/* The partials of the part below 2^960 (s->n of them); fsum_hasover
 * says whether there is a part above. */
const double *fsum_parts(const struct fsum *s);
int fsum_hasover(const struct fsum *s);
/* Add a * b exactly (but a product under 2^-969 loses its low bits). */
int fsum_addprod(struct fsum *s, double a, double b);
/* The square root of x >= 0, rounded to nearest, without libm. */
double fsum_sqrt(double x);
void fsum_free(struct fsum *s);

#endif
