/* agg.c: aggregate operations.  Integer sums are exact in 128 bits and
 * only the final value must fit int64; sums with a fraction or exponent
 * are exact (fsum) until the final rounding, so no result depends on the
 * order of the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "err.h"
#include "fsum.h"

struct sumstate {
	uint64_t lo;		/* integers, as a 128-bit two's complement */
	int64_t hi;
	struct fsum *f;		/* values with a fraction; NULL if none */
};

struct meanstate {
	struct sumstate s;
	uint64_t n;
};

struct extstate {		/* min and max */
	char *text;
	uint32_t tlen;
	uint8_t set;
	uint8_t isfloat;
	int64_t i;
	double d;
};

struct textstate {		/* first and last */
	char *text;
	uint32_t tlen;
	uint8_t set;
};

static const char *const names[AGG_NOPS] = {
	"count", "sum", "min", "max", "mean", "first", "last",
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
	free(*text);
	*text = n ? ememdup(v, n) : NULL;
	*tlen = (uint32_t)n;
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
	if (!s->f) {
		s->f = emalloc(sizeof *s->f);
		fsum_init(s->f);
	}
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
	    op == AGG_MAX;
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
	case AGG_MEAN: {
		struct sumstate *s = st;
		if (s->f) {
			fsum_free(s->f);
			free(s->f);
		}
		break;
	}
	case AGG_MIN:
	case AGG_MAX:
		free(((struct extstate *)st)->text);
		break;
	case AGG_FIRST:
	case AGG_LAST:
		free(((struct textstate *)st)->text);
		break;
	default:
		break;
	}
}

int
agg_combinable(enum aggop op)
{
	return op == AGG_SUM || op == AGG_MIN || op == AGG_MAX;
}

void
agg_merge(const struct agg *a, void *dst, const void *src, enum numerr *ne)
{
	switch (a->op) {
	case AGG_SUM: {
		struct sumstate *d = dst;
		const struct sumstate *s = src;
		uint64_t lo = d->lo + s->lo;
		d->hi += s->hi + (lo < d->lo);
		d->lo = lo;
		if (s->f) {
			if (!d->f) {
				d->f = emalloc(sizeof *d->f);
				fsum_init(d->f);
			}
			if (fsum_merge(d->f, s->f) < 0)
				*ne = NUMERR_RANGE;
		}
		break;
	}
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
