/* fsum.c: exact arithmetic on doubles: Shewchuk's exact summation with
 * correct final rounding (the algorithm of Python's math.fsum), exact
 * products added to a sum, and a correctly rounded square root.  Terms
 * of 2^960 and more are summed apart, times 2^-FSUM_SHIFT, so that a sum
 * (of squares too) may pass the range of doubles on its way. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fsum.h"

/* Terms from here up go to the over part; below it, the sums of the low
 * part cannot overflow before 2^63 terms. */
#define BIG 0x1p960
/* Times 2^-FSUM_SHIFT (2^-1152), in two exact steps. */
#define DOWN(x) ((x) * 0x1p-576 * 0x1p-576)
#define UP(x) ((x) * 0x1p576 * 0x1p576)

size_t fsum_heapbytes;

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

/* Add x to the partials of s itself. */
static int
addlow(struct fsum *s, double x)
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
		fsum_heapbytes += cap * 2 * sizeof *np;
		if (s->cap) {
			fsum_heapbytes -= s->cap * sizeof *np;
			free(s->u.heap);
		}
		s->u.heap = np;
		s->cap = cap * 2;
		p = np;
	}
	p[i++] = x;
	s->n = i;
	return 0;
}

static struct fsum *
overof(struct fsum *s)
{
	if (!s->over) {
		s->over = emalloc(sizeof *s->over);
		fsum_heapbytes += sizeof *s->over;
		fsum_init(s->over);
	}
	return s->over;
}

int
fsum_add(struct fsum *s, double x)
{
	if (dabs(x) >= BIG) {
		if (!isfinite(x))
			return -1;
		/* Between 2^-192 and 2^-128: exact. */
		return addlow(overof(s), DOWN(x));
	}
	return addlow(s, x);
}

int
fsum_addexp(struct fsum *s, double y, int e)
{
	if (e == 0)
		return fsum_add(s, y);
	if (dabs(y) >= BIG || !isfinite(y))
		return -1;	/* past 2^2112: no sum of doubles gets there */
	if (dabs(y) >= DOWN(BIG))
		return addlow(overof(s), y);
	return addlow(s, UP(y));	/* under 2^960: exact */
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
	if (t->over) {
		p = fsum_parts(t->over);
		for (uint32_t j = 0; j < t->over->n; j++)
			if (addlow(overof(s), p[j]) < 0)
				return -1;
	}
	return 0;
}

/* The partials of s itself, correctly rounded. */
static double
lowvalue(const struct fsum *s)
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

int
fsum_hasover(const struct fsum *s)
{
	return s->over && lowvalue(s->over) != 0;
}

int
fsum_wvalue(const struct fsum *s, double *m)
{
	struct fsum t;
	const double *p;
	double a;

	if (!fsum_hasover(s)) {
		*m = lowvalue(s);
		return 0;
	}
	/* Both parts at the over part's scale: exact but for low terms
	 * under 2^78, which fall below the smallest double there, more than
	 * 800 bits under a result of 2^952 or more (only an exact tie of
	 * the rounding could notice them). */
	fsum_init(&t);
	p = fsum_parts(s->over);
	for (uint32_t j = 0; j < s->over->n; j++)
		addlow(&t, p[j]);
	for (uint32_t j = 0; j < s->n; j++)
		fsum_add(&t, ldexp(fsum_parts(s)[j], -FSUM_SHIFT));
	a = lowvalue(&t);
	fsum_free(&t);
	if (dabs(a) >= 0x1p-200) {
		*m = a;
		return FSUM_SHIFT;
	}
	/* The parts cancel to under 2^952: both at the low part's scale,
	 * where a big term still fits (the low part, in which the terms
	 * under 2^960 add up, holds at most 2^63 of them). */
	fsum_init(&t);
	for (uint32_t j = 0; j < s->n; j++)
		addlow(&t, fsum_parts(s)[j]);
	p = fsum_parts(s->over);
	for (uint32_t j = 0; j < s->over->n; j++)
		if (!isfinite(UP(p[j])) || addlow(&t, UP(p[j])) < 0) {
			fsum_free(&t);
			*m = a;
			return FSUM_SHIFT;
		}
	*m = lowvalue(&t);
	fsum_free(&t);
	return 0;
}

double
fsum_value(const struct fsum *s)
{
	double m;

	/* m of 2^-200 or more: a result of 2^952 or more, or infinite. */
	return fsum_wvalue(s, &m) ? UP(m) : m;
}

int
fsum_canon(const struct fsum *s, double *m, int *e)
{
	struct fsum rest;
	int n = 0;

	fsum_init(&rest);
	fsum_merge(&rest, s);	/* cannot overflow: s is a sum already */
	while (n < FSUM_TERMS) {
		e[n] = fsum_wvalue(&rest, &m[n]);
		if (m[n] == 0)
			break;
		if (fsum_addexp(&rest, -m[n], e[n]) < 0) {
			n++;
			break;
		}
		n++;
	}
	fsum_free(&rest);
	return n;
}

void
fsum_addscaled(struct fsum *s, const struct fsum *t, int k)
{
	const double *p = fsum_parts(t);

	for (uint32_t j = 0; j < t->n; j++)
		fsum_add(s, ldexp(p[j], k));
	if (!t->over)
		return;
	p = fsum_parts(t->over);
	for (uint32_t j = 0; j < t->over->n; j++)
		fsum_add(s, ldexp(p[j], k + FSUM_SHIFT));
}

void
fsum_free(struct fsum *s)
{
	if (s->cap) {
		fsum_heapbytes -= s->cap * sizeof *s->u.heap;
		free(s->u.heap);
	}
	if (s->over) {
		fsum_free(s->over);
		fsum_heapbytes -= sizeof *s->over;
		free(s->over);
	}
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
	double hi, lo, p = a * b;

	/* The common case needs no scaling (a nan fails the test). */
	if (!(dabs(p) < BIG && dabs(a) <= 0x1p995 && dabs(b) <= 0x1p995)) {
		if (!isfinite(a) || !isfinite(b))
			return -1;
		if (dabs(p) >= BIG) {
			/* Each factor is 2^-64 or more: scaled, still
			 * normal. */
			s = overof(s);
			a *= 0x1p-576;
			b *= 0x1p-576;
		} else if (dabs(a) > dabs(b)) {
			/* Dekker's split would overflow: move 2^64 across. */
			a *= 0x1p-64;
			b *= 0x1p64;
		} else {
			a *= 0x1p64;
			b *= 0x1p-64;
		}
	}
	twoprod(a, b, &hi, &lo);
	if (addlow(s, hi) < 0)
		return -1;
	return lo != 0 ? addlow(s, lo) : 0;
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
