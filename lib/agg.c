/*
 * agg.c: the aggregate operations, as one table: each operation is a row
 * (aggstate.h says what a row holds) and its functions, and every public
 * entry below dispatches through the row.  The text codecs of the states
 * are in aggtext.c.
 *
 * Integer sums are exact in 128 bits and only the final value must fit
 * int64; sums with a fraction or exponent are exact (fsum) until the
 * final rounding, so no result depends on the order of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "aggstate.h"
#include "err.h"
#include "fsum.h"
#include "table.h"

#define STATE_VERSION "pdp1"

/* The heap bytes of every state of this process, for pdp-reduce's budget.
 * Global because a state does not know whose it is, and a counter handed
 * to each add would be one more argument on the per-record path for the
 * few operations that allocate; a process has one reducer (the parts of
 * pdp-reduce -j are processes), so the one count is that reducer's. */
static size_t heapbytes;

size_t
agg_heapbytes(void)
{
	return heapbytes;
}

void
agg_settext(char **text, uint32_t *tlen, const char *v, size_t n)
{
	if (*text)
		heapbytes -= *tlen;
	free(*text);
	*text = n ? ememdup(v, n) : NULL;
	*tlen = (uint32_t)n;
	heapbytes += n;
}

static void
freetext(char *text, uint32_t tlen)
{
	heapbytes -= tlen;
	free(text);
}

struct fsum *
agg_newfsum(void)
{
	struct fsum *f = emalloc(sizeof *f);

	fsum_init(f);
	heapbytes += sizeof *f;
	return f;
}

static void
freefsum(struct fsum *f)
{
	if (!f)
		return;
	heapbytes -= sizeof *f;	/* as agg_newfsum counted it */
	fsum_free(f);
	free(f);
}

/* Compare two numbers exactly, int64 against double included. */
static int
numcmp(int xf, int64_t xi, double xd, int yf, int64_t yi, double yd)
{
	if (!xf && !yf)
		return (xi > yi) - (xi < yi);
	if (xf && yf)
		return (xd > yd) - (xd < yd);
	if (xf)
		return -numcmp(yf, yi, yd, xf, xi, xd);
	/* x is an integer, y a double. */
	if (yd >= 9223372036854775808.0)
		return -1;
	if (yd < -9223372036854775808.0)
		return 1;
	int64_t t = (int64_t)yd;	/* truncates toward zero, exactly */
	if (xi != t)
		return (xi > t) - (xi < t);
	double frac = yd - (double)t;
	return (frac < 0) - (frac > 0);
}

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
	freefsum(((struct sumstate *)st)->f);
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
	if (m->n == 0)
		return v;
	v = sumvalue(&m->s, 1);
	if (v.kind == AV_FLOAT)
		v.d /= (double)m->n;
	return v;
}

/* min and max: the winning value as it appeared */

/* Add v (number x) to e; dir 1 keeps the smallest, -1 the largest. */
static int
ext_add(struct extstate *e, const char *v, size_t n, const struct num *x,
    int dir)
{
	int c = 0;

	if (e->set) {
		c = dir * numcmp(x->kind == NUM_FLOAT, x->i, x->d, e->isfloat,
		    e->i, e->d);
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
	return numcmp(a->isfloat, a->i, a->d, b->isfloat, b->i, b->d);
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

	freetext(e->text, e->tlen);
}

static void
ext_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct extstate *e = st;

	if (e->set)
		fn(arg, e->text ? e->text : "", e->tlen);
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

/* Integers: hi - lo, 0 to 2^64 - 1, exact.  Otherwise the difference
 * rounded once, as a sum's is. */
static struct aggval
range_final(const struct agg *a, void *st)
{
	const struct rangestate *r = st;
	struct aggval v = { .kind = AV_NONE };
	struct fsum f;

	(void)a;
	if (!r->lo.set)
		return v;
	if (!r->lo.isfloat && !r->hi.isfloat) {
		v.kind = AV_UINT;
		v.u = (uint64_t)r->hi.i - (uint64_t)r->lo.i;
		return v;
	}
	fsum_init(&f);
	int over = (r->hi.isfloat ? fsum_add(&f, r->hi.d) :
	    fsum_addint(&f, r->hi.i)) | (r->lo.isfloat ?
	    fsum_add(&f, -r->lo.d) : fsum_subint(&f, r->lo.i));
	v.kind = over ? AV_RANGE : AV_FLOAT;
	v.d = fsum_value(&f);
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
static void
range_parts(const void *st, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	const struct rangestate *r = st;

	ext_parts(&r->lo, fn, arg);
	ext_parts(&r->hi, fn, arg);
}

/* first and last: a value as it appeared */

static int
first_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct textstate *t = st;

	(void)x;
	if (!t->set) {
		agg_settext(&t->text, &t->tlen, v, n);
		t->set = 1;
	}
	return 0;
}

static int
last_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct textstate *t = st;

	(void)x;
	agg_settext(&t->text, &t->tlen, v, n);
	t->set = 1;
	return 0;
}

static int
first_merge(void *dst, const void *src)
{
	const struct textstate *s = src;

	if (s->set)
		first_add(dst, s->text ? s->text : "", s->tlen, NULL);
	return 0;
}

static int
last_merge(void *dst, const void *src)
{
	const struct textstate *s = src;

	if (s->set)
		last_add(dst, s->text ? s->text : "", s->tlen, NULL);
	return 0;
}

static struct aggval
text_final(const struct agg *a, void *st)
{
	const struct textstate *t = st;
	struct aggval v = { .kind = AV_NONE };

	(void)a;
	if (!t->set)
		return v;
	v.kind = AV_TEXT;
	v.text = t->text;
	v.tlen = t->tlen;
	return v;
}

static void
text_free(void *st)
{
	struct textstate *t = st;

	freetext(t->text, t->tlen);
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
	struct fsum d;
	fsum_init(&d);
	const double *p2 = fsum_parts(s->s2), *p1 = fsum_parts(s->s1);
	double n = (double)s->n;
	int bad = 0;
	for (uint32_t i = 0; i < s->s2->n; i++)
		bad |= fsum_addprod(&d, n, p2[i]) < 0;
	for (uint32_t i = 0; i < s->s1->n; i++)
		for (uint32_t j = 0; j < s->s1->n; j++)
			bad |= fsum_addprod(&d, -p1[i], p1[j]) < 0;
	double num = fsum_value(&d);
	fsum_free(&d);
	if (bad) {
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

	freefsum(v->s1);
	freefsum(v->s2);
}

/* countunique and collect: sets of byte strings, each a small table.c
 * table of keys without values */

int
agg_setadd(struct setstate *s, const char *v, size_t n)
{
	int isnew;

	if (!s->t) {
		s->t = table_newsmall(0);
		heapbytes += table_bytes(s->t);
	}
	size_t before = table_bytes(s->t);
	table_get(s->t, v, n, &isnew);
	heapbytes = heapbytes - before + table_bytes(s->t);
	return isnew;
}

uint32_t
agg_setcount(const struct setstate *s)
{
	return s->t ? table_count(s->t) : 0;
}

uint32_t *
agg_setsorted(const struct setstate *s, uint32_t *n)
{
	*n = agg_setcount(s);
	return *n ? table_sorted(s->t) : NULL;
}

const char *
agg_setmember(const struct setstate *s, uint32_t i, size_t *len)
{
	return table_key(s->t, i, len);
}

static int
set_add(void *st, const char *v, size_t n, const struct num *x)
{
	(void)x;
	agg_setadd(st, v, n);
	return 0;
}

static int
set_merge(void *dst, const void *src)
{
	const struct setstate *s = src;
	uint32_t n = agg_setcount(s);
	size_t len;

	for (uint32_t i = 0; i < n; i++) {
		const char *m = agg_setmember(s, i, &len);
		agg_setadd(dst, m, len);
	}
	return 0;
}

static struct aggval
countunique_final(const struct agg *a, void *st)
{
	(void)a;
	return (struct aggval){ .kind = AV_UINT, .u = agg_setcount(st) };
}

/* The members sorted bytewise, joined by the separator. */
static struct aggval
collect_final(const struct agg *a, void *st)
{
	struct setstate *s = st;
	struct aggval v = { .kind = AV_TEXT };
	const char *sep = a->sep ? a->sep : ",";
	uint32_t n, *ix = agg_setsorted(s, &n);
	size_t sl = strlen(sep), len = 0, l;

	for (uint32_t i = 0; i < n; i++) {
		agg_setmember(s, ix[i], &l);
		len += l + (i ? sl : 0);
	}
	free(s->joined);
	s->joined = emalloc(len + 1);
	char *p = s->joined;
	for (uint32_t i = 0; i < n; i++) {
		const char *m = agg_setmember(s, ix[i], &l);
		if (i) {
			memcpy(p, sep, sl);
			p += sl;
		}
		memcpy(p, m, l);
		p += l;
	}
	free(ix);
	v.text = s->joined;
	v.tlen = len;
	return v;
}

static void
set_free(void *st)
{
	struct setstate *s = st;

	if (s->t) {
		heapbytes -= table_bytes(s->t);
		table_free(s->t);
	}
	free(s->joined);
}

/*
 * The table.  An operation is a row: its name, the size of its state, its
 * flags, then add, merge, final, free (NULL: nothing on the heap), save
 * and load (aggtext.c), and parts (NULL: pdp-map --combine cannot do it).
 */
enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, OVERFLOW = AGGF_OVERFLOW };

static const struct aggdef ops[] = {
	[AGG_COUNT] = { "count", sizeof(uint64_t), 0,
	    count_add, count_merge, count_final, NULL,
	    count_save, count_load, NULL },
	[AGG_SUM] = { "sum", sizeof(struct sumstate), VALUE | NUMERIC | OVERFLOW,
	    sum_add, sum_merge, sum_final, sum_free,
	    sum_save, sum_load, sum_parts },
	[AGG_MIN] = { "min", sizeof(struct extstate), VALUE | NUMERIC,
	    min_add, min_merge, ext_final, ext_free,
	    ext_save, ext_load, ext_parts },
	[AGG_MAX] = { "max", sizeof(struct extstate), VALUE | NUMERIC,
	    max_add, max_merge, ext_final, ext_free,
	    ext_save, ext_load, ext_parts },
	[AGG_MEAN] = { "mean", sizeof(struct meanstate), VALUE | NUMERIC | OVERFLOW,
	    mean_add, mean_merge, mean_final, sum_free,
	    mean_save, mean_load, NULL },
	[AGG_FIRST] = { "first", sizeof(struct textstate), VALUE,
	    first_add, first_merge, text_final, text_free,
	    text_save, text_load, NULL },
	[AGG_LAST] = { "last", sizeof(struct textstate), VALUE,
	    last_add, last_merge, text_final, text_free,
	    text_save, text_load, NULL },
	[AGG_VAR] = { "var", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	    var_add, var_merge, var_final, var_free,
	    var_save, var_load, NULL },
	[AGG_STDDEV] = { "stddev", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	    var_add, var_merge, stddev_final, var_free,
	    var_save, var_load, NULL },
	[AGG_PVAR] = { "pvar", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	    var_add, var_merge, pvar_final, var_free,
	    var_save, var_load, NULL },
	[AGG_PSTDEV] = { "pstdev", sizeof(struct varstate), VALUE | NUMERIC | OVERFLOW,
	    var_add, var_merge, pstdev_final, var_free,
	    var_save, var_load, NULL },
	[AGG_COUNTUNIQUE] = { "countunique", sizeof(struct setstate), VALUE,
	    set_add, set_merge, countunique_final, set_free,
	    set_save, set_load, NULL },
	[AGG_COLLECT] = { "collect", sizeof(struct setstate), VALUE,
	    set_add, set_merge, collect_final, set_free,
	    set_save, set_load, NULL },
	[AGG_RANGE] = { "range", sizeof(struct rangestate), VALUE | NUMERIC | OVERFLOW,
	    range_add, range_merge, range_final, range_free,
	    range_save, range_load, range_parts },
};

_Static_assert(sizeof ops / sizeof ops[0] == AGG_NOPS,
    "a row for each enum aggop");

/* What the rest of pdp asks of an operation, through its row. */

int
agg_parse(struct agg *a, const char *spec, size_t deffield)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long long f;

	for (int op = 0; op < AGG_NOPS; op++) {
		if (strlen(ops[op].name) != n || strncmp(spec, ops[op].name, n))
			continue;
		if (colon && opt_uint(colon + 1, 1, 1000000, &f) < 0)
			return -1;
		a->op = (enum aggop)op;
		a->field = colon ? (size_t)f - 1 : deffield;
		a->sep = NULL;
		return 0;
	}
	return -1;
}

const char *
agg_name(enum aggop op)
{
	return ops[op].name;
}

int
agg_needsvalue(enum aggop op)
{
	return (ops[op].flags & AGGF_VALUE) != 0;
}

int
agg_isnumeric(enum aggop op)
{
	return (ops[op].flags & AGGF_NUMERIC) != 0;
}

int
agg_canoverflow(enum aggop op)
{
	return (ops[op].flags & AGGF_OVERFLOW) != 0;
}

int
agg_combinable(enum aggop op)
{
	return ops[op].parts != NULL;
}

size_t
agg_statesize(enum aggop op)
{
	return ops[op].size;
}

enum aggres
agg_addnum(const struct agg *a, void *st, const char *v, size_t n,
    const struct num *x, enum numerr *numerr)
{
	if (ops[a->op].add(st, v, n, x) == 0)
		return AGG_OK;
	*numerr = NUMERR_RANGE;
	return AGG_BADNUM;
}

void
agg_merge(const struct agg *a, void *dst, const void *src, enum numerr *ne)
{
	if (ops[a->op].merge(dst, src) < 0)
		*ne = NUMERR_RANGE;
}

struct aggval
agg_final(const struct agg *a, const void *st)
{
	/* A state may keep its final value (collect's joined text): the
	 * state is the caller's, only the value is asked for. */
	return ops[a->op].final(a, (void *)st);
}

void
agg_freestate(const struct agg *a, void *st)
{
	if (ops[a->op].free)
		ops[a->op].free(st);
}

void
agg_parts(const struct agg *a, const void *st,
    void (*fn)(void *, const char *, size_t), void *arg)
{
	if (ops[a->op].parts)
		ops[a->op].parts(st, fn, arg);
}

void
agg_save(const struct agg *a, const void *st, struct sbuf *b)
{
	const char *name = ops[a->op].name;

	sbuf_add(b, STATE_VERSION ":", sizeof STATE_VERSION);
	sbuf_add(b, name, strlen(name));
	sbuf_add(b, ":", 1);
	ops[a->op].save(st, b);
}

int
agg_load(const struct agg *a, void *st, const char *s, size_t n,
    const char **why)
{
	const char *name = ops[a->op].name;
	size_t vl = sizeof STATE_VERSION, nl = strlen(name);

	*why = "not a " STATE_VERSION " state";
	if (n < vl || memcmp(s, STATE_VERSION ":", vl))
		return -1;
	s += vl;
	n -= vl;
	*why = "state of another operation";
	if (n <= nl || memcmp(s, name, nl) || s[nl] != ':')
		return -1;
	*why = "corrupt state";
	return ops[a->op].load(st, s + nl + 1, n - nl - 1);
}

/* Final values: printing and ordering. */

int
agg_fmt(const struct aggval *v, char *buf)
{
	switch (v->kind) {
	case AV_UINT: return snprintf(buf, 32, "%llu", (unsigned long long)v->u);
	case AV_INT: return num_fmtint(buf, v->i);
	case AV_FLOAT: return num_fmtdouble(buf, v->d);
	case AV_NAN: return snprintf(buf, 32, "nan");
	default: return 0;
	}
}

/* A final value as a number, if it is one. */
static int
asnum(const struct aggval *v, int *isfloat, int64_t *i, double *d)
{
	switch (v->kind) {
	case AV_UINT:
		if (v->u > INT64_MAX) {
			*isfloat = 1;
			*d = (double)v->u;
		} else {
			*isfloat = 0;
			*i = (int64_t)v->u;
		}
		return 1;
	case AV_INT: *isfloat = 0; *i = v->i; return 1;
	case AV_FLOAT: *isfloat = 1; *d = v->d; return 1;
	case AV_TEXT: {
			struct num x = num_parse(v->text, v->tlen);
			if (x.kind == NUM_BAD)
				return 0;
			*isfloat = x.kind == NUM_FLOAT;
			*i = x.i;
			*d = x.d;
		return 1;
	}
	default:
		return 0;
	}
}

int
agg_cmp(const struct aggval *x, const struct aggval *y)
{
	int xf = 0, yf = 0;
	int64_t xi = 0, yi = 0;
	double xd = 0, yd = 0;
	int xn = asnum(x, &xf, &xi, &xd), yn = asnum(y, &yf, &yi, &yd);

	if (xn && yn)
		return numcmp(xf, xi, xd, yf, yi, yd);
	if (xn != yn)
		return xn - yn;	/* numbers above text and missing values */
	size_t m = x->tlen < y->tlen ? x->tlen : y->tlen;
	int c = m ? memcmp(x->text, y->text, m) : 0;
	return c ? c : (x->tlen > y->tlen) - (x->tlen < y->tlen);
}
