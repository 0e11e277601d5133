/*
 * aggsum.c: the operations that sum: count, sum, mean, and var, stddev,
 * pvar, pstdev (sums of x and x*x).  Integer sums are exact in 128 bits;
 * sums with a fraction or an exponent are exact (fsum.c) until the one
 * final rounding, so no result depends on the order of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
#include "fsum.h"

/* count */

static int
count_add(void *st, const char *v, size_t n, const struct num *x)
{
	(void)v, (void)n, (void)x;
	++*(uint64_t *)st;
	return 0;
}

static int
count_merge(void *dst, const void *src)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	if (*d > UINT64_MAX - *s)
		return -1;
	*d += *s;
	return 0;
}

static struct aggval
count_final(const struct agg *a, void *st)
{
	(void)a;
	return (struct aggval){ .kind = AV_UINT, .u = *(uint64_t *)st };
}

/* sum and mean: exact sums */

static void
sum_addint(struct sumstate *s, int64_t v)
{
	uint64_t lo = s->lo + (uint64_t)v;

	s->hi += (lo < s->lo) - (v < 0);
	s->lo = lo;
}

static int
sum_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct sumstate *s = st;

	(void)v, (void)n;
	if (x->kind == NUM_INT) {
		sum_addint(s, x->i);
		return 0;
	}
	if (!s->f)
		s->f = agg_newfsum();
	return fsum_add(s->f, x->d);
}

static int
sum_merge(void *dst, const void *src)
{
	struct sumstate *d = dst;
	const struct sumstate *s = src;
	uint64_t lo = d->lo + s->lo;
	int64_t carry = lo < d->lo;

	/* Integer parts come from states that may have been made by hand:
	 * a 128-bit overflow is an error, not a wrap. */
	if ((s->hi > 0 && d->hi > INT64_MAX - s->hi - carry) ||
	    (s->hi < 0 && d->hi < INT64_MIN - s->hi))
		return -1;
	d->hi += s->hi + carry;
	d->lo = lo;
	if (s->f) {
		if (!d->f)
			d->f = agg_newfsum();
		if (fsum_merge(d->f, s->f) < 0)
			return -1;
	}
	return 0;
}

/* The exact sum: an int64 if it has no fraction part and fits, else the
 * correctly rounded double; AV_RANGE if out of range. */
static struct aggval
sumvalue(const struct sumstate *s, int asfloat)
{
	struct aggval v = { .kind = AV_INT };
	int fits = s->hi == ((s->lo >> 63) ? -1 : 0);

	if (!s->f && !asfloat) {
		if (!fits) {
			v.kind = AV_RANGE;
			return v;
		}
		v.i = (int64_t)s->lo;
		return v;
	}
	struct fsum f;
	fsum_init(&f);
	int bad = (s->f && fsum_merge(&f, s->f) < 0) ||
	    fsum_add(&f, (double)(s->lo >> 32) * 4294967296.0) < 0 ||
	    fsum_add(&f, (double)(s->lo & 0xffffffffu)) < 0 ||
	    fsum_add(&f, (double)s->hi * 18446744073709551616.0) < 0;
	v.kind = bad ? AV_RANGE : AV_FLOAT;
	v.d = fsum_value(&f);
	fsum_free(&f);
	return v;
}

static struct aggval
sum_final(const struct agg *a, void *st)
{
	(void)a;
	return sumvalue(st, 0);
}

static void
sum_free(void *st)
{
	agg_freefsum(((struct sumstate *)st)->f);
}

/* Values that add up to a sum state exactly: the integer part in int64
 * pieces, then each float partial printed so that it reads back as the
 * same double (with a '.' so that it stays a float). */
static void
sum_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct sumstate *s = st;
	char buf[40];
	uint64_t lo = s->lo;
	int64_t hi = s->hi;
	int any = 0;

	/* While the 128-bit value does not fit int64, take out a piece. */
	while (!(hi == ((lo >> 63) ? -1 : 0))) {
		int64_t piece = hi < 0 ? INT64_MIN : INT64_MAX;
		uint64_t nlo = lo - (uint64_t)piece;
		hi -= (piece < 0 ? -1 : 0) + (nlo > lo);
		lo = nlo;
		fn(arg, buf, (size_t)num_fmtint(buf, piece));
		any = 1;
	}
	if ((int64_t)lo != 0 || (!any && !s->f))
		fn(arg, buf, (size_t)num_fmtint(buf, (int64_t)lo));
	if (!s->f)
		return;
	const double *p = fsum_parts(s->f);
	for (uint32_t i = 0; i < s->f->n; i++) {
		int n = num_fmtdouble(buf, p[i]);
		if (!strpbrk(buf, ".e"))
			n += snprintf(buf + n, sizeof buf - (size_t)n, ".0");
		fn(arg, buf, (size_t)n);
	}
	if (s->f->n == 0)
		fn(arg, "0.0", 3);
}

static int
mean_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct meanstate *m = st;

	if (sum_add(&m->s, v, n, x) < 0)
		return -1;
	m->n++;
	return 0;
}

static int
mean_merge(void *dst, const void *src)
{
	struct meanstate *d = dst;
	const struct meanstate *s = src;

	d->n += s->n;
	return sum_merge(&d->s, &s->s);
}

static struct aggval
mean_final(const struct agg *a, void *st)
{
	const struct meanstate *m = st;
	struct aggval v = { .kind = AV_NONE };

	(void)a;
	if (m->n == 0) {	/* no values, with --narm: as datamash */
		v.kind = AV_NAN;
		return v;
	}
	v = sumvalue(&m->s, 1);
	if (v.kind == AV_FLOAT)
		v.d /= (double)m->n;
	return v;
}

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
	if (!d->s1) {
		d->s1 = agg_newfsum();
		d->s2 = agg_newfsum();
	}
	d->n += s->n;
	if (fsum_merge(d->s1, s->s1) < 0 || fsum_merge(d->s2, s->s2) < 0)
		return -1;
	return 0;
}

int
agg_varnum(const struct varstate *s, double *num)
{
	struct fsum d;
	const double *p2 = fsum_parts(s->s2), *p1 = fsum_parts(s->s1);
	double n = (double)s->n;
	int bad = 0;

	fsum_init(&d);
	for (uint32_t i = 0; i < s->s2->n; i++)
		bad |= fsum_addprod(&d, n, p2[i]) < 0;
	for (uint32_t i = 0; i < s->s1->n; i++)
		for (uint32_t j = 0; j < s->s1->n; j++)
			bad |= fsum_addprod(&d, -p1[i], p1[j]) < 0;
	*num = fsum_value(&d);
	fsum_free(&d);
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
	if (agg_varnum(s, &num) < 0) {
		v.kind = AV_RANGE;
		return v;
	}
	if (num < 0)
		num = 0;
	v.d = num / (sample ? n * (n - 1) : n * n);
	if (root)
		v.d = fsum_sqrt(v.d);
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


/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, OVERFLOW = AGGF_OVERFLOW };

const struct aggdef aggdef_count = {
	"count", sizeof(uint64_t), 0,
	count_add, count_merge, count_final, NULL,
	count_save, count_load, NULL,
};

const struct aggdef aggdef_sum = {
	"sum", sizeof(struct sumstate), VALUE | NUMERIC | OVERFLOW,
	sum_add, sum_merge, sum_final, sum_free,
	sum_save, sum_load, sum_parts,
};

const struct aggdef aggdef_mean = {
	"mean", sizeof(struct meanstate), VALUE | NUMERIC | OVERFLOW,
	mean_add, mean_merge, mean_final, sum_free,
	mean_save, mean_load, NULL,
};

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
