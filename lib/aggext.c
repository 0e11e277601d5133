/* aggext.c: the operations of the extremes: min and max (the winning
 * value as it appeared), absmin and absmax (the same, by absolute
 * value) and range (max - min, from the two). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
#include "fsum.h"
#include "num.h"

/* min and max: the winning value as it appeared */

/* The absolute value of a number given as (isfloat, i, d), exactly:
 * -INT64_MIN is 2^63, a double. */
static void
absnum(int *isfloat, int64_t *i, double *d)
{
	if (*isfloat)
		*d = *d < 0 ? -*d : *d;
	else if (*i == INT64_MIN)
		*isfloat = 1, *d = 9223372036854775808.0;
	else if (*i < 0)
		*i = -*i;
}

/* Add v (number x) to e; dir 1 keeps the smallest, -1 the largest; by
 * absolute value if dir is 2 or -2. */
static int
ext_add(struct extstate *e, const char *v, size_t n, const struct num *x,
    int dir)
{
	int c = 0;

	if (e->set) {
		int xf = x->kind == NUM_FLOAT, ef = e->isfloat;
		int64_t xi = x->i, ei = e->i;
		double xd = x->d, ed = e->d;
		int abs = dir == 2 || dir == -2;
		if (abs) {
			absnum(&xf, &xi, &xd);
			absnum(&ef, &ei, &ed);
			dir /= 2;
		}
		/* Two integers compare exactly.  Else the numbers as
		 * doubles, each rounded once, are in their exact order
		 * unless they are one double: then their texts tell (a
		 * decimal of more than 15 digits, an integer past 2^53). */
		c = dir * agg_numcmpround(xf, xi, xd, ef, ei, ed);
		if (c == 0 && (xf || ef) && e->tlen > 0) {
			int sx = abs && n > 0 && (v[0] == '-' || v[0] == '+'),
			    se = abs && (e->text[0] == '-' || e->text[0] == '+');
			int d = num_cmpdec(v + sx, n - (size_t)sx,
			    e->text + se, e->tlen - (size_t)se);
			c = d != 2 ? dir * d : dir * agg_numcmp(xf, xi, xd, ef,
			    ei, ed);
		}
		if (c == 0) {
			/* Equal numbers: keep the bytewise smaller text,
			 * whatever the order they came in. */
			size_t m = n < e->tlen ? n : e->tlen;
			int t = m ? memcmp(v, e->text, m) : 0;
			c = t ? t : (n > e->tlen) - (n < e->tlen);
		}
	}
	if (!e->set || c < 0) {
		agg_settext(&e->text, &e->tlen, v, n);
		e->set = 1;
		e->isfloat = x->kind == NUM_FLOAT;
		e->i = x->i;
		e->d = x->d;
	}
	return 0;
}

int
agg_extcmp(const struct extstate *a, const struct extstate *b)
{
	return agg_numcmp(a->isfloat, a->i, a->d, b->isfloat, b->i, b->d);
}

/* Adding the winner of src gives the winner of both. */
static int
ext_merge(struct extstate *d, const struct extstate *s, int dir)
{
	struct num x = { .kind = s->isfloat ? NUM_FLOAT : NUM_INT,
	    .i = s->i, .d = s->d };

	if (!s->set)
		return 0;
	return ext_add(d, s->text ? s->text : "", s->tlen, &x, dir);
}

static int
min_add(void *st, const char *v, size_t n, const struct num *x)
{
	return ext_add(st, v, n, x, 1);
}

static int
max_add(void *st, const char *v, size_t n, const struct num *x)
{
	return ext_add(st, v, n, x, -1);
}

static int
min_merge(void *dst, const void *src)
{
	return ext_merge(dst, src, 1);
}

static int
max_merge(void *dst, const void *src)
{
	return ext_merge(dst, src, -1);
}

static int
absmin_add(void *st, const char *v, size_t n, const struct num *x)
{
	return ext_add(st, v, n, x, 2);
}

static int
absmax_add(void *st, const char *v, size_t n, const struct num *x)
{
	return ext_add(st, v, n, x, -2);
}

static int
absmin_merge(void *dst, const void *src)
{
	return ext_merge(dst, src, 2);
}

static int
absmax_merge(void *dst, const void *src)
{
	return ext_merge(dst, src, -2);
}

static struct aggval
ext_final(const struct agg *a, void *st)
{
	const struct extstate *e = st;
	struct aggval v = { .kind = AV_NONE };

	(void)a;
	if (!e->set)
		return v;
	v.kind = AV_TEXT;
	v.text = e->text;
	v.tlen = e->tlen;
	v.i = e->i;
	v.d = e->d;
	v.u = e->isfloat;
	return v;
}

static void
ext_free(void *st)
{
	struct extstate *e = st;

	agg_freetext(e->text, e->tlen);
}

static int
ext_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct extstate *e = st;

	if (e->set)
		fn(arg, e->text ? e->text : "", e->tlen);
	return 0;
}

/* range: max - min, an operation made of two others' states */

static int
range_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct rangestate *r = st;

	ext_add(&r->lo, v, n, x, 1);
	return ext_add(&r->hi, v, n, x, -1);
}

static int
range_merge(void *dst, const void *src)
{
	struct rangestate *d = dst;
	const struct rangestate *s = src;

	ext_merge(&d->lo, &s->lo, 1);
	return ext_merge(&d->hi, &s->hi, -1);
}

/* Add -i to f exactly: the two halves of an int64 are doubles. */
static int
fsum_subint(struct fsum *f, int64_t i)
{
	return fsum_add(f, -(double)(i >> 32) * 4294967296.0) |
	    fsum_add(f, -(double)(uint32_t)i);
}

/* e's value as a plain decimal, m / 10^sc (18 digits at most, as its
 * text has it): 1, or 0 for another number (an exponent, more digits). */
static int
plaindec(const struct extstate *e, int64_t *m, int *sc)
{
	struct num x = num_parse(e->text ? e->text : "", e->tlen);

	if (x.kind == NUM_BAD || x.dscale < 0)
		return 0;
	*m = x.i;
	*sc = x.kind == NUM_INT ? 0 : x.dscale;
	return 1;
}

/* Integers: hi - lo, 0 to 2^64 - 1, exact.  Two plain decimals: the
 * exact difference, with the more fraction digits of the two (0.3 and
 * 0.1: 0.2, as the sum and the median are exact).  Otherwise the
 * difference rounded once, as a sum's is. */
static struct aggval
range_final(const struct agg *a, void *st)
{
	__extension__ typedef __int128 i128;
	const struct rangestate *r = st;
	struct aggval v = { .kind = AV_NONE };
	struct fsum f;
	int64_t hm, lm;
	int hs, ls;

	(void)a;
	if (!r->lo.set)
		return v;
	if (!r->lo.isfloat && !r->hi.isfloat) {
		v.kind = AV_UINT;
		v.u = (uint64_t)r->hi.i - (uint64_t)r->lo.i;
		return v;
	}
	if (plaindec(&r->hi, &hm, &hs) && plaindec(&r->lo, &lm, &ls)) {
		/* Each below 10^18 in magnitude, times at most 10^18. */
		int sc = hs > ls ? hs : ls;
		i128 h = (i128)hm * agg_pow10[sc - hs] -
		    (i128)lm * agg_pow10[sc - ls];
		v.kind = AV_DEC;
		v.u = (uint64_t)h;
		v.i = (int64_t)(h >> 64);
		v.scale = sc;
		v.d = (double)((long double)h / (long double)agg_pow10[sc]);
		return v;
	}
	fsum_init(&f);
	int over = (r->hi.isfloat ? fsum_add(&f, r->hi.d) :
	    fsum_addint(&f, r->hi.i)) | (r->lo.isfloat ?
	    fsum_add(&f, -r->lo.d) : fsum_subint(&f, r->lo.i));
	v.d = fsum_value(&f);
	v.kind = over || isinf(v.d) ? AV_RANGE : AV_FLOAT;
	fsum_free(&f);
	return v;
}

static void
range_free(void *st)
{
	struct rangestate *r = st;

	ext_free(&r->lo);
	ext_free(&r->hi);
}

/* pdp-map --combine: the min and the max have the same range. */
static int
range_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct rangestate *r = st;

	ext_parts(&r->lo, fn, arg);
	return ext_parts(&r->hi, fn, arg);
}


/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, OVERFLOW = AGGF_OVERFLOW };

const struct aggdef aggdef_min = {
	"min", sizeof(struct extstate), VALUE | NUMERIC,
	min_add, min_merge, ext_final, ext_free,
	ext_save, ext_load, ext_parts,
};

const struct aggdef aggdef_max = {
	"max", sizeof(struct extstate), VALUE | NUMERIC,
	max_add, max_merge, ext_final, ext_free,
	ext_save, ext_load, ext_parts,
};

/* As datamash's: the value as it appeared, sign included; of values
 * of equal magnitude (-5 and 5) the bytewise smallest text. */
const struct aggdef aggdef_absmin = {
	"absmin", sizeof(struct extstate), VALUE | NUMERIC,
	absmin_add, absmin_merge, ext_final, ext_free,
	ext_save, ext_load, ext_parts,
};

const struct aggdef aggdef_absmax = {
	"absmax", sizeof(struct extstate), VALUE | NUMERIC,
	absmax_add, absmax_merge, ext_final, ext_free,
	ext_save, ext_load, ext_parts,
};

const struct aggdef aggdef_range = {
	"range", sizeof(struct rangestate), VALUE | NUMERIC | OVERFLOW,
	range_add, range_merge, range_final, range_free,
	range_save, range_load, range_parts,
};
