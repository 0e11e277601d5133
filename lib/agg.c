/*
 * agg.c: the aggregate operations, as one table: each operation is a row
 * (aggstate.h says what a row holds) and its functions, and every public
 * entry below dispatches through the row.  The rows and their functions
 * are in the files of their families: aggsum.c (count, sum, mean),
 * aggvar.c (var and the like, geomean, harmmean: sums of x*x, log x,
 * 1/x), aggext.c (min, max, range...), aggset.c (first, last,
 * countunique, collect...), aggorder.c (median, the quantiles, mode, the
 * moments: every value held), aggsketch.c (the approx- sketches); the
 * text codecs of the states are in aggtext.c.  Here: the table, the
 * entries, and the helpers that count the heap the states hold.
 *
 * Integer sums are exact in 128 bits and only the final value must fit
 * int64; sums with a fraction or exponent are exact (fsum) until the
 * final rounding, so no result depends on the order of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "agg.h"
#include "aggstate.h"
#include "err.h"
#include "fsum.h"

/* The version written; pdp1 (before decimal sums) is read too: its
 * states are pdp2's with integer sums. */
#define STATE_VERSION "pdp2"

/* The heap bytes of every state of this process, for pdp-reduce's budget
 * (with those of the exact sums' partials, which fsum.c counts).
 * Global because a state does not know whose it is, and a counter handed
 * to each add would be one more argument on the per-record path for the
 * few operations that allocate; a process has one reducer (the parts of
 * pdp-reduce -j are processes), so the one count is that reducer's. */
static size_t heapbytes;

size_t
agg_heapbytes(void)
{
	return heapbytes + fsum_heapbytes;
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

void
agg_freetext(char *text, uint32_t tlen)
{
	heapbytes -= tlen;
	free(text);
}

void
agg_heapmove(size_t before, size_t after)
{
	heapbytes = heapbytes - before + after;
}

struct fsum *
agg_newfsum(void)
{
	struct fsum *f = emalloc(sizeof *f);

	fsum_init(f);
	heapbytes += sizeof *f;
	return f;
}

void
agg_freefsum(struct fsum *f)
{
	if (!f)
		return;
	heapbytes -= sizeof *f;	/* as agg_newfsum counted it */
	fsum_free(f);
	free(f);
}

/* Compare two numbers exactly, int64 against double included. */
int
agg_numcmp(int xf, int64_t xi, double xd, int yf, int64_t yi, double yd)
{
	if (!xf && !yf)
		return (xi > yi) - (xi < yi);
	if (xf && yf)
		return (xd > yd) - (xd < yd);
	if (xf)
		return -agg_numcmp(yf, yi, yd, xf, xi, xd);
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

int
agg_numcmpround(int xf, int64_t xi, double xd, int yf, int64_t yi, double yd)
{
	if (!xf && !yf)
		return (xi > yi) - (xi < yi);
	double dx = xf ? xd : (double)xi, dy = yf ? yd : (double)yi;
	return (dx > dy) - (dx < dy);
}

/*
 * The table.  An operation is a row: its name, the size of its state, its
 * flags, then add, merge, final, free (NULL: nothing on the heap), save
 * and load (aggtext.c), and parts (NULL: pdp-map --combine cannot do it).
 * The rows are defined beside their functions, in the files of their
 * families (aggstate.h).
 */
static const struct aggdef *const ops[] = {
	[AGG_COUNT] = &aggdef_count,
	[AGG_SUM] = &aggdef_sum,
	[AGG_MIN] = &aggdef_min,
	[AGG_MAX] = &aggdef_max,
	[AGG_MEAN] = &aggdef_mean,
	[AGG_FIRST] = &aggdef_first,
	[AGG_LAST] = &aggdef_last,
	[AGG_VAR] = &aggdef_var,
	[AGG_STDDEV] = &aggdef_stddev,
	[AGG_PVAR] = &aggdef_pvar,
	[AGG_PSTDEV] = &aggdef_pstdev,
	[AGG_COUNTUNIQUE] = &aggdef_countunique,
	[AGG_COLLECT] = &aggdef_collect,
	[AGG_RANGE] = &aggdef_range,
	[AGG_ABSMIN] = &aggdef_absmin,
	[AGG_ABSMAX] = &aggdef_absmax,
	[AGG_UNIQUE] = &aggdef_unique,
	[AGG_MEDIAN] = &aggdef_median,
	[AGG_Q1] = &aggdef_q1,
	[AGG_Q3] = &aggdef_q3,
	[AGG_IQR] = &aggdef_iqr,
	[AGG_PERC] = &aggdef_perc,
	[AGG_MODE] = &aggdef_mode,
	[AGG_ANTIMODE] = &aggdef_antimode,
	[AGG_MAD] = &aggdef_mad,
	[AGG_MADRAW] = &aggdef_madraw,
	[AGG_TRIMMEAN] = &aggdef_trimmean,
	[AGG_SSKEW] = &aggdef_sskew,
	[AGG_PSKEW] = &aggdef_pskew,
	[AGG_SKURT] = &aggdef_skurt,
	[AGG_PKURT] = &aggdef_pkurt,
	[AGG_GEOMEAN] = &aggdef_geomean,
	[AGG_HARMMEAN] = &aggdef_harmmean,
	[AGG_APPROXCOUNTUNIQUE] = &aggdef_approxcountunique,
	[AGG_APPROXPERC] = &aggdef_approxperc,
	[AGG_APPROXMEDIAN] = &aggdef_approxmedian,
};

_Static_assert(sizeof ops / sizeof ops[0] == AGG_NOPS,
    "a row for each enum aggop");

/* What the rest of pdp asks of an operation, through its row. */

const int64_t agg_pow10[19] = { 1, 10, 100, 1000, 10000, 100000,
    1000000, 10000000, 100000000, 1000000000, 10000000000,
    100000000000, 1000000000000, 10000000000000, 100000000000000,
    1000000000000000, 10000000000000000, 100000000000000000,
    1000000000000000000 };

/* perc's P (0 to 100) or trimmean's (0 to 0.5): an exact decimal, kept
 * as a fraction pm / 10^ps. */
static int
parseparam(struct agg *a, const char *p, size_t n)
{
	struct num x = num_parse(p, n);
	int perc = a->op != AGG_TRIMMEAN, maxscale = perc ? 6 : 8;

	if (x.kind == NUM_BAD || x.dscale < 0 || x.dscale > maxscale ||
	    x.i < 0 || (perc ? x.i > 100 * agg_pow10[x.dscale] :
	    2 * x.i > agg_pow10[x.dscale]))
		return -1;
	a->pm = x.i;
	a->ps = x.dscale + (perc ? 2 : 0);
	a->param = p;
	a->paramlen = n;
	return 0;
}

int
agg_parse(struct agg *a, const char *spec, size_t deffield,
    const char *deffname)
{
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long long f = deffield + 1;
	const char *name = colon ? NULL : deffname;

	for (int op = 0; op < AGG_NOPS; op++) {
		if (strlen(ops[op]->name) != n || strncmp(spec, ops[op]->name, n))
			continue;
		struct agg t = { .op = (enum aggop)op };
		if (op == AGG_PERC || op == AGG_APPROXPERC)
			t.pm = 95, t.ps = 2;
		if ((ops[op]->flags & AGGF_PARAM) && colon &&
		    ((colon[1] >= '0' && colon[1] <= '9') ||
		    strchr(".+-", colon[1]))) {
			const char *p = colon + 1, *c2 = strchr(p, ':');
			if (parseparam(&t, p, c2 ? (size_t)(c2 - p) :
			    strlen(p)) < 0)
				return -2;
			colon = c2;
			name = colon ? NULL : deffname;
		}
		if (colon && colon[1] && !(colon[1] >= '0' && colon[1] <= '9'))
			name = colon + 1;
		else if (colon && opt_uint(colon + 1, 1, 1000000, &f) < 0)
			return -3;
		t.field = name ? SIZE_MAX : (size_t)f - 1;
		t.fname = name;
		*a = t;
		return 0;
	}
	return -1;
}

const char *
agg_name(enum aggop op)
{
	return ops[op]->name;
}

int
agg_needsvalue(enum aggop op)
{
	return (ops[op]->flags & AGGF_VALUE) != 0;
}

int
agg_isnumeric(enum aggop op)
{
	return (ops[op]->flags & AGGF_NUMERIC) != 0;
}

int
agg_ordered(enum aggop op)
{
	return (ops[op]->flags & AGGF_ORDERED) != 0;
}

int
agg_canoverflow(enum aggop op)
{
	return (ops[op]->flags & AGGF_OVERFLOW) != 0;
}

int
agg_combinable(enum aggop op)
{
	return ops[op]->parts != NULL;
}

size_t
agg_statesize(enum aggop op)
{
	return ops[op]->size;
}

enum aggres
agg_addnum(const struct agg *a, void *st, const char *v, size_t n,
    const struct num *x, enum numerr *numerr)
{
	if (ops[a->op]->add(st, v, n, x) == 0)
		return AGG_OK;
	*numerr = NUMERR_RANGE;
	return AGG_BADNUM;
}

void
agg_merge(const struct agg *a, void *dst, const void *src, enum numerr *ne)
{
	if (ops[a->op]->merge(dst, src) < 0)
		*ne = NUMERR_RANGE;
}

struct aggval
agg_final(const struct agg *a, const void *st)
{
	/* A state may keep its final value (collect's joined text): the
	 * state is the caller's, only the value is asked for. */
	return ops[a->op]->final(a, (void *)st);
}

void
agg_freestate(const struct agg *a, void *st)
{
	if (ops[a->op]->free)
		ops[a->op]->free(st);
}

int
agg_holdsmemory(const struct agg *a)
{
	return ops[a->op]->free != NULL;
}

int
agg_parts(const struct agg *a, const void *st,
    void (*fn)(void *, const char *, size_t), void *arg)
{
	return ops[a->op]->parts ? ops[a->op]->parts(st, fn, arg) : 0;
}

void
agg_save(const struct agg *a, const void *st, struct sbuf *b)
{
	const char *name = ops[a->op]->name;

	sbuf_add(b, STATE_VERSION ":", sizeof STATE_VERSION);
	sbuf_add(b, name, strlen(name));
	sbuf_add(b, ":", 1);
	ops[a->op]->save(st, b);
}

int
agg_load(const struct agg *a, void *st, const char *s, size_t n,
    const char **why)
{
	const char *name = ops[a->op]->name;
	size_t vl = sizeof STATE_VERSION, nl = strlen(name);

	*why = "not a pdp2 (or pdp1) state";
	if (n < vl || (memcmp(s, STATE_VERSION ":", vl) &&
	    memcmp(s, "pdp1:", vl)))
		return -1;
	s += vl;
	n -= vl;
	*why = "state of another operation";
	if (n <= nl || memcmp(s, name, nl) || s[nl] != ':')
		return -1;
	*why = "corrupt state";
	return ops[a->op]->load(st, s + nl + 1, n - nl - 1);
}

/* Final values: printing and ordering. */

int
agg_fmt(const struct aggval *v, char *buf)
{
	switch (v->kind) {
	case AV_UINT: return num_fmtuint(buf, v->u);
	case AV_INT: return num_fmtint(buf, v->i);
	case AV_FLOAT: return num_fmtdouble(buf, v->d);
	case AV_NAN: return snprintf(buf, 32, "nan");
	case AV_DEC: return agg_decfmt(buf, v->u, v->i, v->scale);
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
	case AV_FLOAT:
	case AV_DEC: *isfloat = 1; *d = v->d; return 1;
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

/* Two numbers that are one double: their exact values, where both have
 * one (an exact sum, an integer, a value as it appeared), tell them
 * apart; a double (a float sum, a median between two values) has none
 * here and comes first.  So the order is by double, then by that, then
 * exactly: a total order, whatever the mix. */
static int
exactcmp(const struct aggval *x, const struct aggval *y)
{
	char bx[64], by[64];
	const char *s[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	const struct aggval *v[2] = { x, y };
	char *b[2] = { bx, by };

	for (int k = 0; k < 2; k++) {
		if (v[k]->kind == AV_TEXT) {
			s[k] = v[k]->text;
			n[k] = v[k]->tlen;
		} else if (v[k]->kind == AV_DEC || v[k]->kind == AV_INT ||
		    v[k]->kind == AV_UINT) {
			s[k] = b[k];
			n[k] = (size_t)agg_fmt(v[k], b[k]);
		}
	}
	if (!s[0] || !s[1])
		return (s[0] != NULL) - (s[1] != NULL);
	int c = num_cmpdec(s[0], n[0], s[1], n[1]);
	return c == 2 ? 0 : c;
}

int
agg_cmp(const struct aggval *x, const struct aggval *y)
{
	int xf = 0, yf = 0;
	int64_t xi = 0, yi = 0;
	double xd = 0, yd = 0;
	int xn = asnum(x, &xf, &xi, &xd), yn = asnum(y, &yf, &yi, &yd);

	if (xn && yn) {
		int c = agg_numcmpround(xf, xi, xd, yf, yi, yd);
		return c || (!xf && !yf) ? c : exactcmp(x, y);
	}
	if (xn != yn)
		return xn - yn;	/* numbers above text and missing values */
	size_t m = x->tlen < y->tlen ? x->tlen : y->tlen;
	int c = m ? memcmp(x->text, y->text, m) : 0;
	return c ? c : (x->tlen > y->tlen) - (x->tlen < y->tlen);
}
