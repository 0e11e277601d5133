/*
 * aggorder.c: the operations that need every value of a key: the order
 * statistics (median, q1, q3, iqr, perc, mode, antimode, mad, madraw,
 * trimmean) and the moments about the mean (sskew, pskew, skurt,
 * pkurt), as datamash defines them.  A key's values are held by
 * aggvals.c, exact decimals while they can be; the final value sorts
 * them in place.
 *
 * Quantiles are Hyndman and Fan's definition 7 (R's default, and
 * datamash's): h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] -
 * x[floor h]), with p and the values exact decimals, so the answer is
 * exact; doubles interpolate in long double, as datamash does.
 */
#include <math.h>
#include <stdlib.h>

#include "aggstate.h"

__extension__ typedef __int128 i128;

static long double
pow10l(int k)
{
	long double p = 1;

	while (k-- > 0)
		p *= 10;
	return p;
}

/* Exact values: a decimal (v / 10^scale) or, for a state of doubles, a
 * long double. */
struct exact {
	int isfloat;
	int scale;
	i128 v;
	long double f;
};

static struct exact
valat(const struct valstate *s, uint64_t i)
{
	struct exact e = { .isfloat = s->isfloat, .scale = s->scale };

	if (s->isfloat)
		e.f = s->v[i].d;
	else
		e.v = s->v[i].m;
	return e;
}

/* The p quantile, p = pm / 10^ps in [0, 1] (type 7). */
static struct exact
quantile(const struct valstate *s, int64_t pm, int ps)
{
	i128 d = agg_pow10[ps], h = (i128)(s->n - 1) * pm;
	uint64_t lo = (uint64_t)(h / d);
	i128 rem = h % d;
	struct exact e = valat(s, lo);

	if (rem == 0)
		return e;
	struct exact b = valat(s, lo + 1);
	if (s->isfloat) {
		e.f += (b.f - e.f) * ((long double)rem / (long double)d);
		return e;
	}
	e.v = e.v * d + (b.v - e.v) * rem;
	e.scale += ps;
	return e;
}

/* x - y, at the larger scale. */
static struct exact
exsub(struct exact x, struct exact y)
{
	if (x.isfloat) {
		x.f -= y.f;
		return x;
	}
	while (x.scale < y.scale)
		x.v *= 10, x.scale++;
	while (y.scale < x.scale)
		y.v *= 10, y.scale++;
	x.v -= y.v;
	return x;
}

/* The final value: a decimal has the state's fraction digits, and more
 * only where they are not zeros. */
static struct aggval
exval(const struct valstate *s, struct exact e)
{
	struct aggval v = { .kind = AV_FLOAT };

	if (e.isfloat) {
		v.d = (double)e.f;
		return v;
	}
	while (e.scale > s->scale && e.v % 10 == 0)
		e.v /= 10, e.scale--;
	if (e.scale == 0 && e.v >= INT64_MIN && e.v <= INT64_MAX) {
		v.kind = AV_INT;
		v.i = (int64_t)e.v;
		return v;
	}
	v.kind = AV_DEC;
	v.u = (uint64_t)e.v;
	v.i = (int64_t)(e.v >> 64);
	v.scale = e.scale;
	v.d = (double)((long double)e.v / pow10l(e.scale));
	return v;
}

static struct aggval
nan_val(void)
{
	return (struct aggval){ .kind = AV_NAN };
}

/* The quantile of a's parameter (median: 1/2). */
static struct aggval
quant_final(const struct agg *a, void *st, int64_t pm, int ps)
{
	struct valstate *s = st;

	(void)a;
	if (s->n == 0)
		return nan_val();
	agg_valssort(s);
	return exval(s, quantile(s, pm, ps));
}

static struct aggval
median_final(const struct agg *a, void *st)
{
	return quant_final(a, st, 5, 1);
}

static struct aggval
q1_final(const struct agg *a, void *st)
{
	return quant_final(a, st, 25, 2);
}

static struct aggval
q3_final(const struct agg *a, void *st)
{
	return quant_final(a, st, 75, 2);
}

static struct aggval
perc_final(const struct agg *a, void *st)
{
	return quant_final(a, st, a->pm, a->ps);
}

static struct aggval
iqr_final(const struct agg *a, void *st)
{
	struct valstate *s = st;

	(void)a;
	if (s->n == 0)
		return nan_val();
	agg_valssort(s);
	return exval(s, exsub(quantile(s, 75, 2), quantile(s, 25, 2)));
}

/* mode and antimode: the smallest of the values seen most (least)
 * often. */
static struct aggval
modes(void *st, int anti)
{
	struct valstate *s = st;
	uint64_t best = 0, bestn = 0;

	if (s->n == 0)
		return nan_val();
	agg_valssort(s);
	for (uint64_t i = 0, j; i < s->n; i = j) {
		for (j = i + 1; j < s->n; j++)
			if (s->isfloat ? s->v[j].d != s->v[i].d :
			    s->v[j].m != s->v[i].m)
				break;
		if (i == 0 || (anti ? j - i < bestn : j - i > bestn))
			best = i, bestn = j - i;
	}
	return exval(s, valat(s, best));
}

static struct aggval
mode_final(const struct agg *a, void *st)
{
	(void)a;
	return modes(st, 0);
}

static struct aggval
antimode_final(const struct agg *a, void *st)
{
	(void)a;
	return modes(st, 1);
}

/*
 * mad: the median of the absolute deviations from the median, times
 * 1.4826 (madraw: times 1).  The deviations of the values above the
 * median grow with their index and those below it shrink, so their
 * median is found by merging the two runs, without a copy.  Decimals are
 * exact: twice the median is a sum of two values, and the deviations
 * are taken from it, doubled.
 */
static struct aggval
mads(void *st, int scaled)
{
	struct valstate *s = st;

	if (s->n == 0)
		return nan_val();
	agg_valssort(s);
	uint64_t n = s->n, ra = (n - 1) / 2, rb = n / 2;
	struct exact a = valat(s, ra), b = valat(s, rb);
	i128 med2 = a.v + b.v;
	long double medf = (a.f + b.f) / 2;
	/* Split: the first value not below the median. */
	uint64_t split = 0;
	while (split < n && (s->isfloat ? s->v[split].d < medf :
	    2 * (i128)s->v[split].m < med2))
		split++;
	uint64_t lo = split, hi = split;	/* next below: lo - 1 */
	struct exact da = a, db = b;
	for (uint64_t r = 0; r <= rb; r++) {
		struct exact dev = a;
		int takelo;
		if (lo == 0)
			takelo = 0;
		else if (hi == n)
			takelo = 1;
		else if (s->isfloat)
			takelo = medf - s->v[lo - 1].d <= s->v[hi].d - medf;
		else
			takelo = med2 - 2 * (i128)s->v[lo - 1].m <=
			    2 * (i128)s->v[hi].m - med2;
		if (s->isfloat)
			dev.f = takelo ? medf - s->v[lo - 1].d :
			    s->v[hi].d - medf;
		else
			dev.v = takelo ? med2 - 2 * (i128)s->v[lo - 1].m :
			    2 * (i128)s->v[hi].m - med2;
		if (takelo)
			lo--;
		else
			hi++;
		if (r == ra)
			da = dev;
		if (r == rb)
			db = dev;
	}
	struct exact m = da;
	if (s->isfloat) {
		m.f = (da.f + db.f) / 2 * (scaled ? 1.4826L : 1);
		return exval(s, m);
	}
	/* (da + db) / 2 of doubled deviations: / 4 is * 25 / 100. */
	m.v = (da.v + db.v) * 25;
	m.scale += 2;
	if (scaled) {
		m.v *= 14826;
		m.scale += 4;
	}
	return exval(s, m);
}

static struct aggval
mad_final(const struct agg *a, void *st)
{
	(void)a;
	return mads(st, 1);
}

static struct aggval
madraw_final(const struct agg *a, void *st)
{
	(void)a;
	return mads(st, 0);
}

/* The exact sum of values [from, to) over their number, nearest. */
static long double
meanof(const struct valstate *s, uint64_t from, uint64_t to)
{
	if (!s->isfloat) {
		i128 sum = 0;
		for (uint64_t i = from; i < to; i++)
			sum += s->v[i].m;
		return (long double)sum / pow10l(s->scale) /
		    (long double)(to - from);
	}
	/* Doubles: in long double as datamash, which no double overflows,
	 * in the values' sorted order. */
	long double sum = 0;
	for (uint64_t i = from; i < to; i++)
		sum += s->v[i].d;
	return sum / (long double)(to - from);
}

/* trimmean:P: the mean without the floor(nP) smallest and largest
 * values; P 0.5 is the median (as R and datamash). */
static struct aggval
trimmean_final(const struct agg *a, void *st)
{
	struct valstate *s = st;

	if (s->n == 0)
		return nan_val();
	if (a->pm * 2 >= agg_pow10[a->ps])
		return median_final(a, st);
	agg_valssort(s);
	uint64_t c = (uint64_t)((i128)s->n * a->pm / agg_pow10[a->ps]);
	struct aggval v = { .kind = AV_FLOAT };
	v.d = (double)meanof(s, c, s->n - c);
	return v;
}

/* Skewness and excess kurtosis, as datamash computes them: central
 * moments about the mean, in long double, over the sorted values (so
 * that the order of the input does not matter).  The moments' ratios do
 * not change when the deviations are scaled, so decimals take theirs
 * as n * x - sum x, exactly: values symmetric about their mean have a
 * skewness of 0, not a rounding error's. */
static struct aggval
moment_final(void *st, int kurt, int sample)
{
	struct valstate *s = st;
	long double m2 = 0, m3 = 0, m4 = 0, n = (long double)s->n, r, mean = 0;
	i128 sum = 0;

	if (s->n <= 1 || (sample && s->n <= (kurt ? 3u : 2u)))
		return nan_val();
	agg_valssort(s);
	if (s->isfloat)
		mean = meanof(s, 0, s->n);
	else
		for (uint64_t i = 0; i < s->n; i++)
			sum += s->v[i].m;
	for (uint64_t i = 0; i < s->n; i++) {
		/* n * m and the sum fit: n is what memory holds. */
		long double t = s->isfloat ? s->v[i].d - mean :
		    (long double)((i128)s->n * s->v[i].m - sum);
		m2 += t * t;
		m3 += t * t * t;
		m4 += t * t * t * t;
	}
	m2 /= n;
	m3 /= n;
	m4 /= n;
	if (!kurt) {
		r = m3 / sqrtl(m2 * m2 * m2);
		if (sample)
			r = sqrtl(n * (n - 1)) / (n - 2) * r;
	} else {
		r = m4 / (m2 * m2) - 3;
		if (sample)
			r = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * r + 6);
	}
	return (struct aggval){ .kind = AV_FLOAT, .d = (double)r };
}

static struct aggval
sskew_final(const struct agg *a, void *st)
{
	(void)a;
	return moment_final(st, 0, 1);
}

static struct aggval
pskew_final(const struct agg *a, void *st)
{
	(void)a;
	return moment_final(st, 0, 0);
}

static struct aggval
skurt_final(const struct agg *a, void *st)
{
	(void)a;
	return moment_final(st, 1, 1);
}

static struct aggval
pkurt_final(const struct agg *a, void *st)
{
	(void)a;
	return moment_final(st, 1, 0);
}

/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, PARAM = AGGF_PARAM };

#define VALS(name, final, flags) { name, sizeof(struct valstate), \
	VALUE | NUMERIC | (flags), agg_valsadd, agg_valsmerge, final, \
	agg_valsfree, vals_save, vals_load, NULL }

const struct aggdef aggdef_median = VALS("median", median_final, 0);
const struct aggdef aggdef_q1 = VALS("q1", q1_final, 0);
const struct aggdef aggdef_q3 = VALS("q3", q3_final, 0);
const struct aggdef aggdef_iqr = VALS("iqr", iqr_final, 0);
const struct aggdef aggdef_perc = VALS("perc", perc_final, PARAM);
const struct aggdef aggdef_mode = VALS("mode", mode_final, 0);
const struct aggdef aggdef_antimode = VALS("antimode", antimode_final, 0);
const struct aggdef aggdef_mad = VALS("mad", mad_final, 0);
const struct aggdef aggdef_madraw = VALS("madraw", madraw_final, 0);
const struct aggdef aggdef_trimmean = VALS("trimmean", trimmean_final, PARAM);
const struct aggdef aggdef_sskew = VALS("sskew", sskew_final, 0);
const struct aggdef aggdef_pskew = VALS("pskew", pskew_final, 0);
const struct aggdef aggdef_skurt = VALS("skurt", skurt_final, 0);
const struct aggdef aggdef_pkurt = VALS("pkurt", pkurt_final, 0);
