/* fsum.c: exact arithmetic on doubles: Shewchuk's exact summation with
 * correct final rounding (the algorithm of Python's math.fsum), exact
 * products added to a sum, and a correctly rounded square root. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fsum.h"

/* fabs without libm. */
static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

void
fsum_init(struct fsum *s)
{
	memset(s, 0, sizeof *s);
}

static double *
parts(struct fsum *s)
{
	return s->cap ? s->u.heap : s->u.inl;
}

const double *
fsum_parts(const struct fsum *s)
{
	return s->cap ? s->u.heap : s->u.inl;
}

int
fsum_add(struct fsum *s, double x)
{
	double *p = parts(s);
	uint32_t i = 0;

	for (uint32_t j = 0; j < s->n; j++) {
		double y = p[j];
		if (dabs(x) < dabs(y)) {
			double t = x;
			x = y;
			y = t;
		}
		double hi = x + y;
		double lo = y - (hi - x);
		if (lo != 0)
			p[i++] = lo;
		x = hi;
	}
	if (!isfinite(x))
		return -1;
	uint32_t cap = s->cap ? s->cap : FSUM_INLINE;
	if (i == cap) {
		/* Partials are non-overlapping doubles: at most ~40 of them. */
		double *np = ereallocarray(NULL, cap * 2, sizeof *np);
		memcpy(np, p, cap * sizeof *np);
		if (s->cap)
			free(s->u.heap);
		s->u.heap = np;
		s->cap = cap * 2;
		p = np;
	}
	p[i++] = x;
	s->n = i;
	return 0;
}

int
fsum_addint(struct fsum *s, int64_t i)
{
	/* Both halves are exact doubles. */
	double hi = (double)(i / 4294967296) * 4294967296.0;
	double lo = (double)(i % 4294967296);

	if (fsum_add(s, hi) < 0)
		return -1;
	return fsum_add(s, lo);
}

int
fsum_merge(struct fsum *s, const struct fsum *t)
{
	const double *p = fsum_parts(t);

	for (uint32_t j = 0; j < t->n; j++)
		if (fsum_add(s, p[j]) < 0)
			return -1;
	return 0;
}

double
fsum_value(const struct fsum *s)
{
	const double *p = fsum_parts(s);
	uint32_t n = s->n;
	double hi = 0, lo = 0;

	if (n == 0)
		return 0;
	hi = p[--n];
	while (n > 0) {
		double x = hi, y = p[--n];
		hi = x + y;
		double yr = hi - x;
		lo = y - yr;
		if (lo != 0)
			break;
	}
	/* Round half-even correctly when the rest would tip the balance. */
	if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
		double y = lo * 2, x = hi + y, yr = x - hi;
		if (y == yr)
			hi = x;
	}
	return hi;
}

void
fsum_free(struct fsum *s)
{
	if (s->cap)
		free(s->u.heap);
	fsum_init(s);
}

/* a * b as hi + lo exactly (Dekker's product; no FMA, no libm).  Exact
 * unless a * b overflows or underflows. */
static void
twoprod(double a, double b, double *hi, double *lo)
{
	const double split = 134217729.0;	/* 2^27 + 1 */
	double p = a * b;
	double ta = split * a, ah = ta - (ta - a), al = a - ah;
	double tb = split * b, bh = tb - (tb - b), bl = b - bh;

	*hi = p;
	*lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

int
fsum_addprod(struct fsum *s, double a, double b)
{
	double hi, lo;

	twoprod(a, b, &hi, &lo);
	if (!isfinite(hi) || !isfinite(lo))
		return -1;
	if (fsum_add(s, hi) < 0)
		return -1;
	return lo != 0 ? fsum_add(s, lo) : 0;
}

/* The neighbour of a positive double, k ulps away. */
static double
ulpstep(double x, int k)
{
	uint64_t b;

	memcpy(&b, &x, sizeof b);
	b += (uint64_t)(int64_t)k;
	memcpy(&x, &b, sizeof x);
	return x;
}

double
fsum_sqrt(double x)
{
	if (!(x > 0) || !isfinite(x))
		return x == 0 ? 0 : x;
	/* Newton from a rough start, then the nearest of three neighbours,
	 * judged by the exact residual r*r - x. */
	double r = x > 1 ? x / 2 : 1;
	for (int i = 0; i < 2000; i++) {
		double nr = 0.5 * (r + x / r);
		if (nr == r)
			break;
		r = nr;
	}
	double best = r, bestres = -1;
	for (int k = -2; k <= 2; k++) {
		double c = ulpstep(r, k), hi, lo;
		twoprod(c, c, &hi, &lo);
		double res = dabs((hi - x) + lo);
		if (bestres < 0 || res < bestres) {
			best = c;
			bestres = res;
		}
	}
	return best;
}
