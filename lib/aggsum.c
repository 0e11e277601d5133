/*
 * aggsum.c: the operations that sum the values themselves: count, sum,
 * mean.  Sums of plain decimals (integers included) are exact in 128
 * bits, scaled to their most fraction digits; sums of other values are
 * exact (fsum.c) until the one final rounding, so no result depends on
 * the order of the input.  The sums of a function of the values (x*x,
 * log x, 1/x) are aggvar.c's.
 */
#include <math.h>
#include <stddef.h>
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
	return agg_addcount(dst, *(const uint64_t *)src);
}

static struct aggval
count_final(const struct agg *a, void *st)
{
	(void)a;
	return (struct aggval){ .kind = AV_UINT, .u = *(uint64_t *)st };
}

/* sum and mean: exact sums.  Plain decimals (integers too) add up in
 * a 128-bit integer scaled by 10^scale, scale being the most fraction
 * digits seen, so that 1.10 + 2.20 is 3.30; values with an exponent or
 * more digits go to exact float partials. */

#ifndef __SIZEOF_INT128__
#error "pdp needs a compiler with 128-bit integers (gcc, clang)"
#endif
__extension__ typedef __int128 i128;
#define I128_MAX ((i128)(((unsigned __int128)1 << 127) - 1))
#define I128_MIN (-I128_MAX - 1)


/* Whether the decimal part fits int64. */
static int
fits64(const struct sumstate *s)
{
	return s->hi == ((s->lo >> 63) ? -1 : 0);
}

static i128
getv(const struct sumstate *s)
{
	return (i128)((unsigned __int128)(uint64_t)s->hi << 64 | s->lo);
}

static void
setv(struct sumstate *s, i128 v)
{
	s->lo = (uint64_t)v;
	s->hi = (int64_t)(v >> 64);
}

/* v times 10^k (k up to AGG_MAXSCALE); -1 if it leaves 128 bits. */
static int
scaleup(i128 *v, int k)
{
	i128 p = agg_pow10[k];

	if (k == 0)
		return 0;
	if (*v > I128_MAX / p || *v < I128_MIN / p)
		return -1;
	*v *= p;
	return 0;
}

static int
add128(i128 *v, i128 x)
{
	if ((x > 0 && *v > I128_MAX - x) || (x < 0 && *v < I128_MIN - x))
		return -1;
	*v += x;
	return 0;
}

/* sum_adddec where the scales differ (or the one add overflowed). */
static int
sum_addscaled(struct sumstate *s, int64_t m, int sc)
{
	i128 v = getv(s), x = m;
	int scale = s->scale;

	if (sc > scale) {
		if (scaleup(&v, sc - scale) < 0)
			return -1;
		scale = sc;
	}
	/* |m| < 2^63 times 10^9 < 2^30: no overflow. */
	x *= agg_pow10[scale - sc];
	if (add128(&v, x) < 0)
		return -1;
	setv(s, v);
	s->scale = (uint8_t)scale;
	return 0;
}

/* Add m / 10^sc exactly; -1 (and s as it was) if 128 bits cannot.
 * The common cases, a count or a decimal with as many fraction digits
 * as the sum has (money), are agg_trysum's one add. */
static inline int
sum_adddec(struct sumstate *s, int64_t m, int sc)
{
	return agg_trysum(s, m, sc) ? 0 : sum_addscaled(s, m, sc);
}

static int
sum_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct sumstate *s = st;

	(void)v, (void)n;
	if (x->kind == NUM_INT)
		return sum_adddec(s, x->i, 0);
	if (x->dscale >= 0 && x->dscale <= AGG_MAXSCALE &&
	    sum_adddec(s, x->i, x->dscale) == 0)
		return 0;
	if (!s->f)
		s->f = agg_newfsum();
	return fsum_add(s->f, x->d);
}

static int
sum_merge(void *dst, const void *src)
{
	struct sumstate *d = dst;
	const struct sumstate *s = src;
	i128 dv = getv(d), sv = getv(s);
	int scale = d->scale > s->scale ? d->scale : s->scale;

	/* The decimal parts, at the larger scale; they come from states
	 * that may have been made by hand: leaving 128 bits is an error,
	 * not a wrap. */
	if (scaleup(&dv, scale - d->scale) < 0 ||
	    scaleup(&sv, scale - s->scale) < 0 || add128(&dv, sv) < 0)
		return -1;
	setv(d, dv);
	d->scale = (uint8_t)scale;
	if (s->f) {
		if (!d->f)
			d->f = agg_newfsum();
		if (fsum_merge(d->f, s->f) < 0)
			return -1;
	}
	return 0;
}

/* The decimal part as the nearest long double: exact up to 2^64, and
 * one division by a power of ten that long double holds exactly. */
static long double
decvalue(const struct sumstate *s)
{
	return (long double)getv(s) / (long double)agg_pow10[s->scale];
}

/* The float sum of a state, its decimal part included, rounded to 53
 * bits: *m times 2^(returned exponent) (fsum_wvalue); -1 if it cannot
 * be had. */
static int
sumwide(const struct sumstate *s, double *m)
{
	struct fsum f;
	int e;

	fsum_init(&f);
	int bad = s->f && fsum_merge(&f, s->f) < 0;
	if (s->scale == 0) {
		bad = bad || fsum_add(&f, (double)(s->lo >> 32) * 4294967296.0) < 0 ||
		    fsum_add(&f, (double)(s->lo & 0xffffffffu)) < 0 ||
		    fsum_add(&f, (double)s->hi * 18446744073709551616.0) < 0;
	} else {
		/* A decimal part beside float partials: within a long
		 * double's precision, as its two nearest doubles. */
		long double q = decvalue(s);
		double q1 = (double)q;
		bad = bad || fsum_add(&f, q1) < 0 ||
		    fsum_add(&f, (double)(q - q1)) < 0;
	}
	e = fsum_wvalue(&f, m);
	fsum_free(&f);
	return bad ? -1 : e;
}

/* The exact sum: an int64 if it has no fraction part and fits, the
 * exact decimal (AV_DEC) if its values were plain decimals, else the
 * correctly rounded double; AV_RANGE if out of range. */
static struct aggval
sumvalue(const struct sumstate *s, int asfloat)
{
	struct aggval v = { .kind = AV_INT };
	int e;

	if (!s->f && !asfloat && s->scale > 0) {
		v.kind = AV_DEC;
		v.u = s->lo;
		v.i = s->hi;
		v.scale = s->scale;
		v.d = (double)decvalue(s);
		return v;
	}
	if (!s->f && !asfloat) {
		if (!fits64(s)) {
			v.kind = AV_RANGE;
			return v;
		}
		v.i = (int64_t)s->lo;
		return v;
	}
	e = sumwide(s, &v.d);
	if (e > 0)
		v.d = ldexp(v.d, e);
	v.kind = e < 0 || isinf(v.d) ? AV_RANGE : AV_FLOAT;
	return v;
}

int
agg_decround(char *buf, const struct aggval *v, int digits)
{
	i128 x = (i128)((unsigned __int128)(uint64_t)v->i << 64 | v->u);
	int scale = v->scale, n;

	if (digits < scale) {
		/* An order statistic's scale is 17 at most (9 + 8). */
		i128 p = agg_pow10[scale - digits], q = x / p, r = x % p;
		if (r < 0)
			r = -r;
		/* Half to even, on the exact value. */
		if (2 * r > p || (2 * r == p && (q & 1)))
			q += x < 0 ? -1 : 1;
		x = q;
		scale = digits;
	}
	n = agg_decfmt(buf, (uint64_t)x, (int64_t)(x >> 64), scale);
	if (digits > scale && scale == 0)
		buf[n++] = '.';
	while (scale++ < digits)
		buf[n++] = '0';
	buf[n] = '\0';
	return n;
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

/* Values that add up to a sum state exactly: the decimal part's integer
 * part in int64 pieces and its fraction, then each float partial printed
 * so that it reads back as the same double (with an exponent, so that it
 * stays a float). */
static int
sum_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct sumstate *s = st;
	char buf[48];
	/* The float part as doubles: a sum's partials do not overlap, so
	 * that FSUM_TERMS bounds their number. */
	double pv[FSUM_TERMS];
	int pe[FSUM_TERMS];
	uint32_t pn = 0;

	if (s->f && fsum_hasover(s->f)) {
		/* Terms past 2^960 on the way: the sum's canonical
		 * partials, if each is a double (only a sum past the range
		 * of doubles has one that is not: no value can say it). */
		pn = (uint32_t)fsum_canon(s->f, pv, pe);
		for (uint32_t i = 0; i < pn; i++)
			if (isinf(pv[i] = ldexp(pv[i], pe[i])))
				return -1;
	} else if (s->f) {
		for (pn = 0; pn < s->f->n && pn < FSUM_TERMS; pn++)
			pv[pn] = fsum_parts(s->f)[pn];
	}
	i128 v = getv(s), frac = v % agg_pow10[s->scale];
	uint64_t lo;
	int64_t hi;
	int any = 0;

	/* A decimal part: its integer part in pieces, then its fraction,
	 * with all its digits so that the scale stays. */
	v /= agg_pow10[s->scale];
	lo = (uint64_t)v;
	hi = (int64_t)(v >> 64);

	/* While the 128-bit value does not fit int64, take out a piece. */
	while (!(hi == ((lo >> 63) ? -1 : 0))) {
		int64_t piece = hi < 0 ? INT64_MIN : INT64_MAX;
		uint64_t nlo = lo - (uint64_t)piece;
		hi -= (piece < 0 ? -1 : 0) + (nlo > lo);
		lo = nlo;
		fn(arg, buf, (size_t)num_fmtint(buf, piece));
		any = 1;
	}
	if ((int64_t)lo != 0 || (!any && !s->f && s->scale == 0))
		fn(arg, buf, (size_t)num_fmtint(buf, (int64_t)lo));
	if (s->scale > 0) {
		i128 a = frac < 0 ? -frac : frac;
		int n = frac < 0;
		buf[0] = '-';
		n += snprintf(buf + n, sizeof buf - (size_t)n, "0.%0*lld",
		    s->scale, (long long)a);
		fn(arg, buf, (size_t)n);
	}
	if (!s->f)
		return 0;
	for (uint32_t i = 0; i < pn; i++) {
		/* With an exponent, so that it is read as a float again,
		 * not as a plain decimal. */
		int n = num_fmtdouble(buf, pv[i]);
		if (!strchr(buf, 'e'))
			n += snprintf(buf + n, sizeof buf - (size_t)n, "e0");
		fn(arg, buf, (size_t)n);
	}
	if (pn == 0)
		fn(arg, "0e0", 3);
	return 0;
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

enum aggres
agg_addplain(enum aggop op, void *st, int64_t m, int sc, const char *v,
    size_t n)
{
	struct sumstate *s = st;

	if (op == AGG_COUNT) {
		++*(uint64_t *)st;
		return AGG_OK;
	}
	if (op == AGG_MEAN)
		s = &((struct meanstate *)st)->s;
	if (sc > AGG_MAXSCALE || sum_adddec(s, m, sc) < 0) {
		/* Too many digits after the point, or past 128 bits: as
		 * sum_add takes it (float partials for a decimal, an error
		 * for an integer). */
		struct num x = num_parse(v, n);
		if (sum_add(s, v, n, &x) < 0)
			return AGG_BADNUM;
	}
	if (op == AGG_MEAN)
		((struct meanstate *)st)->n++;
	return AGG_OK;
}

static int
mean_merge(void *dst, const void *src)
{
	struct meanstate *d = dst;
	const struct meanstate *s = src;

	if (agg_addcount(&d->n, s->n) < 0)
		return -1;
	return sum_merge(&d->s, &s->s);
}

/* The exact sum of s over n (s has no float part), rounded once to the
 * nearest double, ties to even: the quotient's first 54 bits, one at a
 * time past the integer part, and whether anything is left. */
static double
meanround(const struct sumstate *s, uint64_t n)
{
	__extension__ typedef unsigned __int128 u128;
	i128 v = getv(s);
	int neg = v < 0, e = 0;
	/* |v| < 2^127; n 10^scale < 2^64 2^30: r << 1 stays in 128 bits. */
	u128 a = neg ? -(u128)v : (u128)v, d = (u128)n * agg_pow10[s->scale];
	u128 q = a / d, r = a % d;

	if (a == 0)
		return 0;
	/* Both exact as doubles: IEEE division rounds once itself. */
	if (a >> 53 == 0 && d >> 53 == 0)
		return (double)(neg ? -(int64_t)a : (int64_t)a) / (double)d;
	while (q >> 53 == 0) {
		r <<= 1;
		q = q << 1 | (r >= d);
		if (r >= d)
			r -= d;
		e--;
	}
	int sticky = r != 0;
	while (q >> 54 != 0) {
		sticky |= (int)(q & 1);
		q >>= 1;
		e++;
	}
	/* q: 53 bits and the rounding bit. */
	uint64_t m = (uint64_t)(q >> 1);
	if ((q & 1) && (sticky || (m & 1)))
		m++;
	double x = ldexp((double)m, e + 1);
	return neg ? -x : x;
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
	v.kind = AV_FLOAT;
	if (!m->s.f) {
		/* Decimals and integers: the exact sum over n, rounded
		 * once. */
		v.d = meanround(&m->s, m->n);
		return v;
	}
	/* The sum rounded, then divided: of a sum past the range of
	 * doubles too (the mean of 1e308 and 1e308). */
	int e = sumwide(&m->s, &v.d);
	if (e < 0)
		v.kind = AV_RANGE;
	v.d /= (double)m->n;
	if (e > 0)
		v.d = ldexp(v.d, e);
	return v;
}

long
agg_within(enum aggop op, enum aggop owner)
{
	if (owner != AGG_MEAN)
		return -1;
	if (op == AGG_SUM)
		return (long)offsetof(struct meanstate, s);
	if (op == AGG_COUNT)
		return (long)offsetof(struct meanstate, n);
	return -1;
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
