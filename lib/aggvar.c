/*
 * aggvar.c: the operations that sum a function of the values: var,
 * stddev, pvar, pstdev (exact sums of x and x*x), geomean and harmmean
 * (of log x and 1/x).  Each sum is exact (fsum.c) until the one final
 * rounding, so no result depends on the order of the input.
 */
#include <math.h>
#include <stdint.h>

#include "aggstate.h"
#include "fsum.h"

/* var, stddev, pvar, pstdev: exact sums of x and x*x */

/* Add value x (given as hi + lo exactly) and its square to a var state. */
static int
var_add2(struct varstate *v, double hi, double lo)
{
	if (!v->s1) {
		v->s1 = agg_newfsum();
		v->s2 = agg_newfsum();
	}
	v->n++;
	if (fsum_add(v->s1, hi) < 0 || fsum_add(v->s1, lo) < 0)
		return -1;
	/* (hi + lo)^2 = hi*hi + 2*hi*lo + lo*lo, each product exact. */
	if (fsum_addprod(v->s2, hi, hi) < 0 ||
	    (lo != 0 && (fsum_addprod(v->s2, 2 * hi, lo) < 0 ||
	    fsum_addprod(v->s2, lo, lo) < 0)))
		return -1;
	return 0;
}

static int
var_add(void *st, const char *v, size_t n, const struct num *x)
{
	(void)v, (void)n;
	if (x->kind == NUM_FLOAT)
		return var_add2(st, x->d, 0);
	/* An int64 as two exact doubles. */
	return var_add2(st, (double)(x->i / 4294967296) * 4294967296.0,
	    (double)(x->i % 4294967296));
}

static int
var_merge(void *dst, const void *src)
{
	struct varstate *d = dst;
	const struct varstate *s = src;

	if (!s->n)
		return 0;
	if (agg_addcount(&d->n, s->n) < 0)
		return -1;
	if (!d->s1) {
		d->s1 = agg_newfsum();
		d->s2 = agg_newfsum();
	}
	if (fsum_merge(d->s1, s->s1) < 0 || fsum_merge(d->s2, s->s2) < 0)
		return -1;
	return 0;
}

int
agg_varnum(const struct varstate *s, double *num, int *e)
{
	struct fsum d, s1, s2;
	double n = (double)s->n, m;
	int k = fsum_wvalue(s->s2, &m), x, bad = 0;

	/* Sums of squares past 2^800 (of values past 1e120 or so) are
	 * scaled first, by powers of two, so that every product below
	 * stays in range: var of 1e160 and 1e160 is 0, and stddev of 1e200
	 * and -1e200 is 1.41e200, though their squares are not doubles. */
	frexp(m, &x);
	k += x;
	*e = k > 800 ? (k - 700) / 2 : 0;
	fsum_init(&s1);
	fsum_init(&s2);
	fsum_addscaled(&s1, s->s1, -*e);
	fsum_addscaled(&s2, s->s2, -2 * *e);
	/* Only a state made by hand, S1^2 far past n * S2, is left with
	 * a part past 2^960. */
	bad = fsum_hasover(&s1) || fsum_hasover(&s2);
	const double *p2 = fsum_parts(&s2), *p1 = fsum_parts(&s1);
	fsum_init(&d);
	for (uint32_t i = 0; i < s2.n; i++)
		bad |= fsum_addprod(&d, n, p2[i]) < 0;
	for (uint32_t i = 0; i < s1.n; i++)
		for (uint32_t j = 0; j < s1.n; j++)
			bad |= fsum_addprod(&d, -p1[i], p1[j]) < 0;
	*num = fsum_value(&d);
	bad |= isinf(*num);
	fsum_free(&d);
	fsum_free(&s1);
	fsum_free(&s2);
	return bad ? -1 : 0;
}

/* n * S2 - S1^2, exactly, then divided: the variance without the
 * cancellation of the textbook formula and independent of input order;
 * of a sample or of the population, its square root or not. */
static struct aggval
varvalue(const struct varstate *s, int sample, int root)
{
	struct aggval v = { .kind = AV_FLOAT };

	if (s->n == 0 || (sample && s->n < 2)) {
		v.kind = AV_NAN;
		return v;
	}
	double n = (double)s->n, num;
	int e;
	if (agg_varnum(s, &num, &e) < 0) {
		v.kind = AV_RANGE;
		return v;
	}
	if (num < 0)
		num = 0;
	/* num is n * S2 - S1^2 over 4^e. */
	v.d = num / (sample ? n * (n - 1) : n * n);
	v.d = root ? ldexp(fsum_sqrt(v.d), e) : ldexp(v.d, 2 * e);
	if (isinf(v.d))
		v.kind = AV_RANGE;
	return v;
}

static struct aggval
var_final(const struct agg *a, void *st)
{
	(void)a;
	return varvalue(st, 1, 0);
}

static struct aggval
stddev_final(const struct agg *a, void *st)
{
	(void)a;
	return varvalue(st, 1, 1);
}

static struct aggval
pvar_final(const struct agg *a, void *st)
{
	(void)a;
	return varvalue(st, 0, 0);
}

static struct aggval
pstdev_final(const struct agg *a, void *st)
{
	(void)a;
	return varvalue(st, 0, 1);
}

static void
var_free(void *st)
{
	struct varstate *v = st;

	agg_freefsum(v->s1);
	agg_freefsum(v->s2);
}


/*
 * geomean and harmmean: the exact sum of log x (of 1/x), each term in
 * long double, and the count; the sum is exact, so the order of the
 * input does not matter.  As datamash: a geomean with a zero is 0 and
 * with a negative value nan; a harmmean with a zero is 0.
 */
/* Add a term computed in long double as two doubles, so that the sum
 * keeps about what long double holds (datamash sums in long double);
 * past 2^960 (1/x of a tiny x), scaled as fsum keeps such terms. */
static int
fmean_add(struct fmeanstate *s, long double t)
{
	int e = fabsl(t) >= 0x1p960L ? FSUM_SHIFT : 0;
	long double u = e ? t * 0x1p-1152L : t;
	double hi = (double)u, lo = (double)(u - hi);

	if (!s->f)
		s->f = agg_newfsum();
	s->n++;
	return fsum_addexp(s->f, hi, e) < 0 || fsum_addexp(s->f, lo, e) < 0 ?
	    -1 : 0;
}

/* The sum of a state's terms, to long double. */
static long double
fmean_sum(const struct fmeanstate *s)
{
	struct fsum rest;
	double hi, lo;
	int e = fsum_wvalue(s->f, &hi), le;

	fsum_init(&rest);
	fsum_merge(&rest, s->f);	/* a sum already: no overflow */
	fsum_addexp(&rest, -hi, e);
	le = fsum_wvalue(&rest, &lo);
	fsum_free(&rest);
	return ldexpl(hi, e) + ldexpl(lo, le);
}

static double
numd(const struct num *x)
{
	return x->kind == NUM_INT ? (double)x->i : x->d;
}

static int
geomean_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct fmeanstate *s = st;
	double d = numd(x);

	(void)v, (void)n;
	if (d <= 0) {
		s->n++;
		if (d < 0)
			s->nneg++;
		else
			s->nzero++;
		return 0;
	}
	return fmean_add(s, logl(d));
}

static int
harmmean_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct fmeanstate *s = st;
	double d = numd(x);

	(void)v, (void)n;
	if (d == 0) {
		s->n++;
		s->nzero++;
		return 0;
	}
	return fmean_add(s, 1.0L / d);
}

static int
fmean_merge(void *dst, const void *src)
{
	struct fmeanstate *d = dst;
	const struct fmeanstate *s = src;

	if (agg_addcount(&d->n, s->n) < 0)
		return -1;
	d->nzero += s->nzero;
	d->nneg += s->nneg;
	if (!s->f)
		return 0;
	if (!d->f)
		d->f = agg_newfsum();
	return fsum_merge(d->f, s->f);
}

static void
fmean_free(void *st)
{
	agg_freefsum(((struct fmeanstate *)st)->f);
}

static struct aggval
geomean_final(const struct agg *a, void *st)
{
	const struct fmeanstate *s = st;
	struct aggval v = { .kind = AV_FLOAT };

	(void)a;
	if (s->n == 0 || s->nneg)
		return (struct aggval){ .kind = AV_NAN };
	if (s->nzero)
		return v;
	v.d = (double)expl(fmean_sum(s) / (long double)s->n);
	return v;
}

static struct aggval
harmmean_final(const struct agg *a, void *st)
{
	const struct fmeanstate *s = st;
	struct aggval v = { .kind = AV_FLOAT };

	(void)a;
	if (s->n == 0)
		return (struct aggval){ .kind = AV_NAN };
	if (s->nzero || !s->f)
		return v;
	v.d = (double)((long double)s->n / fmean_sum(s));
	return v;
}

/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, OVERFLOW = AGGF_OVERFLOW };

const struct aggdef aggdef_var = {
	"var", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	var_add, var_merge, var_final, var_free,
	var_save, var_load, NULL,
};

const struct aggdef aggdef_stddev = {
	"stddev", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	var_add, var_merge, stddev_final, var_free,
	var_save, var_load, NULL,
};

const struct aggdef aggdef_pvar = {
	"pvar", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	var_add, var_merge, pvar_final, var_free,
	var_save, var_load, NULL,
};

const struct aggdef aggdef_pstdev = {
	"pstdev", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	var_add, var_merge, pstdev_final, var_free,
	var_save, var_load, NULL,
};

const struct aggdef aggdef_geomean = {
	"geomean", sizeof(struct fmeanstate), VALUE | NUMERIC,
	geomean_add, fmean_merge, geomean_final, fmean_free,
	fmean_save, fmean_load, NULL,
};

const struct aggdef aggdef_harmmean = {
	"harmmean", sizeof(struct fmeanstate), VALUE | NUMERIC,
	harmmean_add, fmean_merge, harmmean_final, fmean_free,
	fmean_save, fmean_load, NULL,
};
