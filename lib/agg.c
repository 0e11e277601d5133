/* agg.c: aggregate operations.  Integer sums are exact in 128 bits and
 * only the final value must fit int64; sums with a fraction or exponent
 * are exact (fsum) until the final rounding, so no result depends on the
 * order of the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "aggstate.h"
#include "err.h"
#include "fsum.h"
#include "hash.h"

static const char *separator = ",";
size_t agg_heapbytes;

void
agg_setseparator(const char *sep)
{
	separator = sep;
}

static const char *const names[AGG_NOPS] = {
	"count", "sum", "min", "max", "mean", "first", "last",
	"var", "stddev", "pvar", "pstdev", "countunique", "collect",
};

const char *
agg_name(enum aggop op)
{
	return names[op];
}

int
agg_needsvalue(enum aggop op)
{
	return op != AGG_COUNT;
}

size_t
agg_statesize(enum aggop op)
{
	switch (op) {
	case AGG_COUNT: return sizeof(uint64_t);
	case AGG_SUM: return sizeof(struct sumstate);
	case AGG_MEAN: return sizeof(struct meanstate);
	case AGG_MIN: case AGG_MAX: return sizeof(struct extstate);
	case AGG_VAR: case AGG_STDDEV: case AGG_PVAR: case AGG_PSTDEV:
		return sizeof(struct varstate);
	case AGG_COUNTUNIQUE: case AGG_COLLECT: return sizeof(struct setstate);
	default: return sizeof(struct textstate);
	}
}

int
agg_parse(struct agg *a, const char *spec, size_t deffield)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long long f;

	for (int op = 0; op < AGG_NOPS; op++) {
		if (strlen(names[op]) != n || strncmp(spec, names[op], n))
			continue;
		if (colon && opt_uint(colon + 1, 1, 1000000, &f) < 0)
			return -1;
		a->op = (enum aggop)op;
		a->field = colon ? (size_t)f - 1 : deffield;
		a->off = 0;
		return 0;
	}
	return -1;
}

static void
settext(char **text, uint32_t *tlen, const char *v, size_t n)
{
	if (*text)
		agg_heapbytes -= *tlen;
	free(*text);
	*text = n ? ememdup(v, n) : NULL;
	*tlen = (uint32_t)n;
	agg_heapbytes += n;
}

struct fsum *
agg_newfsum(void)
{
	struct fsum *f = emalloc(sizeof *f);

	fsum_init(f);
	agg_heapbytes += sizeof *f;
	return f;
}

static void
freefsum(struct fsum *f)
{
	if (!f)
		return;
	agg_heapbytes -= sizeof *f;	/* as agg_newfsum counted it */
	fsum_free(f);
	free(f);
}

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
var_addnum(struct varstate *v, const struct num *x)
{
	if (x->kind == NUM_FLOAT)
		return var_add2(v, x->d, 0);
	/* An int64 as two exact doubles. */
	return var_add2(v, (double)(x->i / 4294967296) * 4294967296.0,
	    (double)(x->i % 4294967296));
}

/* Sets of byte strings: open addressing over length-prefixed copies. */
static int
set_add(struct setstate *s, const char *v, size_t n)
{
	if ((uint64_t)(s->n + 1) * 2 > s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 8;
		char **slot = ecalloc(cap, sizeof *slot);
		for (uint32_t i = 0; i < s->cap; i++) {
			if (!s->slot[i])
				continue;
			uint32_t len;
			memcpy(&len, s->slot[i], sizeof len);
			uint32_t j = (uint32_t)hashbytes(s->slot[i] + 4, len) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = s->slot[i];
		}
		agg_heapbytes += (size_t)(cap - s->cap) * sizeof *slot;
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	uint32_t j = (uint32_t)hashbytes(v, n) & (s->cap - 1);
	while (s->slot[j]) {
		uint32_t len;
		memcpy(&len, s->slot[j], sizeof len);
		if (len == n && memcmp(s->slot[j] + 4, v, n) == 0)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	char *e = emalloc(4 + n);
	uint32_t len = (uint32_t)n;
	memcpy(e, &len, 4);
	memcpy(e + 4, v, n);
	s->slot[j] = e;
	s->n++;
	agg_heapbytes += 4 + n;
	return 1;
}

static int
cmpitem(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	uint32_t xl, yl;

	memcpy(&xl, x, 4);
	memcpy(&yl, y, 4);
	int c = memcmp(x + 4, y + 4, xl < yl ? xl : yl);
	return c ? c : (xl > yl) - (xl < yl);
}

/* The members of a set, sorted bytewise; the caller frees the array. */
char **
agg_setitems(const void *st, uint32_t *n)
{
	const struct setstate *s = st;
	char **v = ereallocarray(NULL, s->n ? s->n : 1, sizeof *v);
	uint32_t k = 0;

	for (uint32_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			v[k++] = s->slot[i];
	qsort(v, k, sizeof *v, cmpitem);
	*n = k;
	return v;
}

int
agg_setadd(void *st, const char *v, size_t n)
{
	return set_add(st, v, n);
}

static void
sum_addint(struct sumstate *s, int64_t v)
{
	uint64_t lo = s->lo + (uint64_t)v;

	s->hi += (lo < s->lo) - (v < 0);
	s->lo = lo;
}

static int
sum_addnum(struct sumstate *s, const struct num *v)
{
	if (v->kind == NUM_INT) {
		sum_addint(s, v->i);
		return 0;
	}
	if (!s->f)
		s->f = agg_newfsum();
	return fsum_add(s->f, v->d);
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

enum aggres
agg_add(const struct agg *a, void *st, const char *v, size_t n,
    enum numerr *numerr)
{
	struct num x = { .kind = NUM_BAD };

	if (agg_isnumeric(a->op)) {
		x = num_parse(v, n);
		if (x.kind == NUM_BAD) {
			*numerr = x.err;
			return AGG_BADNUM;
		}
	}
	return agg_addnum(a, st, v, n, &x, numerr);
}

int
agg_isnumeric(enum aggop op)
{
	return op == AGG_SUM || op == AGG_MEAN || op == AGG_MIN ||
	    op == AGG_MAX || op == AGG_VAR || op == AGG_STDDEV ||
	    op == AGG_PVAR || op == AGG_PSTDEV;
}

enum aggres
agg_addnum(const struct agg *a, void *st, const char *v, size_t n,
    const struct num *xp, enum numerr *numerr)
{
	struct num x = *xp;

	switch (a->op) {
	case AGG_COUNT:
		++*(uint64_t *)st;
		return AGG_OK;
	case AGG_FIRST: {
		struct textstate *t = st;
		if (!t->set) {
			settext(&t->text, &t->tlen, v, n);
			t->set = 1;
		}
		return AGG_OK;
	}
	case AGG_LAST: {
		struct textstate *t = st;
		settext(&t->text, &t->tlen, v, n);
		t->set = 1;
		return AGG_OK;
	}
	case AGG_COUNTUNIQUE:
	case AGG_COLLECT:
		set_add(st, v, n);
		return AGG_OK;
	case AGG_VAR:
	case AGG_STDDEV:
	case AGG_PVAR:
	case AGG_PSTDEV:
		if (var_addnum(st, &x) < 0) {
			*numerr = NUMERR_RANGE;
			return AGG_BADNUM;
		}
		return AGG_OK;
	default:
		break;
	}
	switch (a->op) {
	case AGG_SUM:
		if (sum_addnum(st, &x) < 0) {
			*numerr = NUMERR_RANGE;
			return AGG_BADNUM;
		}
		return AGG_OK;
	case AGG_MEAN: {
		struct meanstate *m = st;
		if (sum_addnum(&m->s, &x) < 0) {
			*numerr = NUMERR_RANGE;
			return AGG_BADNUM;
		}
		m->n++;
		return AGG_OK;
	}
	default: {
		struct extstate *e = st;
		int c = 0;
		if (e->set) {
			c = numcmp(x.kind == NUM_FLOAT, x.i, x.d, e->isfloat,
			    e->i, e->d);
			if (a->op == AGG_MAX)
				c = -c;
			if (c == 0) {
				/* Equal numbers: keep the bytewise smaller
				 * text, whatever the order they came in. */
				size_t m = n < e->tlen ? n : e->tlen;
				int t = m ? memcmp(v, e->text, m) : 0;
				c = t ? t : (n > e->tlen) - (n < e->tlen);
			}
		}
		if (!e->set || c < 0) {
			settext(&e->text, &e->tlen, v, n);
			e->set = 1;
			e->isfloat = x.kind == NUM_FLOAT;
			e->i = x.i;
			e->d = x.d;
		}
		return AGG_OK;
	}
	}
}

/* The exact sum: an int64 if it has no fraction part and fits, else the
 * correctly rounded double; AV_RANGE if out of range. */
static struct aggval
sum_final(const struct sumstate *s, int asfloat)
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

/* n * S2 - S1^2, exactly, then divided: the variance without the
 * cancellation of the textbook formula and independent of input order. */
static struct aggval
var_final(enum aggop op, const struct varstate *s)
{
	struct aggval v = { .kind = AV_FLOAT };
	int sample = op == AGG_VAR || op == AGG_STDDEV;

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
	if (op == AGG_STDDEV || op == AGG_PSTDEV)
		v.d = fsum_sqrt(v.d);
	return v;
}

static struct aggval
collect_final(struct setstate *s)
{
	struct aggval v = { .kind = AV_TEXT };
	uint32_t n;
	char **items = agg_setitems(s, &n);
	size_t sl = strlen(separator), len = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t l;
		memcpy(&l, items[i], 4);
		len += l + (i ? sl : 0);
	}
	free(s->joined);
	s->joined = emalloc(len + 1);
	char *p = s->joined;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t l;
		memcpy(&l, items[i], 4);
		if (i) {
			memcpy(p, separator, sl);
			p += sl;
		}
		memcpy(p, items[i] + 4, l);
		p += l;
	}
	free(items);
	v.text = s->joined;
	v.tlen = len;
	return v;
}

struct aggval
agg_final(const struct agg *a, const void *st)
{
	struct aggval v = { .kind = AV_NONE };

	switch (a->op) {
	case AGG_COUNT:
		v.kind = AV_UINT;
		v.u = *(const uint64_t *)st;
		break;
	case AGG_SUM:
		v = sum_final(st, 0);
		break;
	case AGG_MEAN: {
		const struct meanstate *m = st;
		if (m->n == 0)
			break;
		v = sum_final(&m->s, 1);
		if (v.kind == AV_FLOAT)
			v.d /= (double)m->n;
		break;
	}
	case AGG_VAR:
	case AGG_STDDEV:
	case AGG_PVAR:
	case AGG_PSTDEV:
		v = var_final(a->op, st);
		break;
	case AGG_COUNTUNIQUE:
		v.kind = AV_UINT;
		v.u = ((const struct setstate *)st)->n;
		break;
	case AGG_COLLECT:
		v = collect_final((struct setstate *)st);
		break;
	case AGG_MIN:
	case AGG_MAX: {
		const struct extstate *e = st;
		if (!e->set)
			break;
		v.kind = AV_TEXT;
		v.text = e->text;
		v.tlen = e->tlen;
		v.i = e->i;
		v.d = e->d;
		v.u = e->isfloat;
		break;
	}
	default: {
		const struct textstate *t = st;
		if (!t->set)
			break;
		v.kind = AV_TEXT;
		v.text = t->text;
		v.tlen = t->tlen;
		break;
	}
	}
	return v;
}

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

void
agg_freestate(const struct agg *a, void *st)
{
	switch (a->op) {
	case AGG_SUM:
	case AGG_MEAN:
		freefsum(((struct sumstate *)st)->f);
		break;
	case AGG_MIN:
	case AGG_MAX:
		agg_heapbytes -= ((struct extstate *)st)->tlen;
		free(((struct extstate *)st)->text);
		break;
	case AGG_FIRST:
	case AGG_LAST:
		agg_heapbytes -= ((struct textstate *)st)->tlen;
		free(((struct textstate *)st)->text);
		break;
	case AGG_VAR:
	case AGG_STDDEV:
	case AGG_PVAR:
	case AGG_PSTDEV:
		freefsum(((struct varstate *)st)->s1);
		freefsum(((struct varstate *)st)->s2);
		break;
	case AGG_COUNTUNIQUE:
	case AGG_COLLECT: {
		struct setstate *s = st;
		for (uint32_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				uint32_t l;
				memcpy(&l, s->slot[i], 4);
				agg_heapbytes -= 4 + l;
				free(s->slot[i]);
			}
		agg_heapbytes -= (size_t)s->cap * sizeof *s->slot;
		free(s->slot);
		free(s->joined);
		break;
	}
	default:
		break;
	}
}

int
agg_combinable(enum aggop op)
{
	return op == AGG_SUM || op == AGG_MIN || op == AGG_MAX;
}

static void
sum_merge(struct sumstate *d, const struct sumstate *s, enum numerr *ne)
{
	uint64_t lo = d->lo + s->lo;
	int64_t carry = lo < d->lo;

	/* Integer parts come from states that may have been made by hand:
	 * a 128-bit overflow is an error, not a wrap. */
	if ((s->hi > 0 && d->hi > INT64_MAX - s->hi - carry) ||
	    (s->hi < 0 && d->hi < INT64_MIN - s->hi)) {
		*ne = NUMERR_RANGE;
		return;
	}
	d->hi += s->hi + carry;
	d->lo = lo;
	if (s->f) {
		if (!d->f)
			d->f = agg_newfsum();
		if (fsum_merge(d->f, s->f) < 0)
			*ne = NUMERR_RANGE;
	}
}

void
agg_merge(const struct agg *a, void *dst, const void *src, enum numerr *ne)
{
	switch (a->op) {
	case AGG_COUNT:
		if (*(uint64_t *)dst > UINT64_MAX - *(const uint64_t *)src)
			*ne = NUMERR_RANGE;
		else
			*(uint64_t *)dst += *(const uint64_t *)src;
		break;
	case AGG_SUM:
		sum_merge(dst, src, ne);
		break;
	case AGG_MEAN:
		sum_merge(&((struct meanstate *)dst)->s,
		    &((const struct meanstate *)src)->s, ne);
		((struct meanstate *)dst)->n += ((const struct meanstate *)src)->n;
		break;
	case AGG_MIN:
	case AGG_MAX: {
		const struct extstate *s = src;
		if (!s->set)
			break;
		/* Adding the winner of src gives the winner of both. */
		struct num x = { .kind = s->isfloat ? NUM_FLOAT : NUM_INT,
		    .i = s->i, .d = s->d };
		agg_addnum(a, dst, s->text ? s->text : "", s->tlen, &x, ne);
		break;
	}
	case AGG_FIRST:
	case AGG_LAST: {
		struct textstate *d = dst;
		const struct textstate *s = src;
		if (s->set && (a->op == AGG_LAST || !d->set)) {
			settext(&d->text, &d->tlen, s->text ? s->text : "", s->tlen);
			d->set = 1;
		}
		break;
	}
	case AGG_VAR:
	case AGG_STDDEV:
	case AGG_PVAR:
	case AGG_PSTDEV: {
		struct varstate *d = dst;
		const struct varstate *s = src;
		if (!s->n)
			break;
		if (!d->s1) {
			d->s1 = agg_newfsum();
			d->s2 = agg_newfsum();
		}
		d->n += s->n;
		if (fsum_merge(d->s1, s->s1) < 0 || fsum_merge(d->s2, s->s2) < 0)
			*ne = NUMERR_RANGE;
		break;
	}
	case AGG_COUNTUNIQUE:
	case AGG_COLLECT: {
		const struct setstate *s = src;
		for (uint32_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				uint32_t l;
				memcpy(&l, s->slot[i], 4);
				set_add(dst, s->slot[i] + 4, l);
			}
		break;
	}
	default:
		break;
	}
}

/* Values that add up to a sum state exactly: the integer part in int64
 * pieces, then each float partial printed so that it reads back as the
 * same double (with a '.' so that it stays a float). */
static void
sumparts(const struct sumstate *s, void (*fn)(void *, const char *, size_t),
    void *arg)
{
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

void
agg_parts(const struct agg *a, const void *st,
    void (*fn)(void *, const char *, size_t), void *arg)
{
	if (a->op == AGG_SUM) {
		sumparts(st, fn, arg);
		return;
	}
	struct aggval v = agg_final(a, st);
	if (v.kind == AV_TEXT)
		fn(arg, v.text ? v.text : "", v.tlen);
}
