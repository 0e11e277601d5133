/*
 * aggvals.c: a key's values held whole, the state of aggorder.c's
 * operations (struct valstate): added, merged, sorted, freed, and saved
 * and loaded as text (pdp2:median:... in aggtext.c's list).
 *
 * The values are an array of 8-byte numbers: while every value is a
 * plain decimal they are integers scaled by 10^scale, the most fraction
 * digits seen (AGG_MAXSCALE at most), so that a median of 1.10 and 2.20
 * is exactly 1.65; a value with an exponent, more digits, or one that
 * the common scale would overflow turns them into doubles, each the
 * correctly rounded value of its decimal, whatever the order the values
 * came in.
 *
 * Memory: the array counts in pdp-reduce's budget (agg_heapmove): many
 * keys spill, as every state does, but one key's values are held whole,
 * 8 bytes each (and its array's slack, up to a half more).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
static void
vals_reserve(struct valstate *s, uint64_t want)
{
	if (want <= s->cap)
		return;
	uint64_t cap = s->cap ? s->cap + s->cap / 2 : 4;
	if (cap < want)
		cap = want;
	s->v = ereallocarray(s->v, cap, sizeof *s->v);
	agg_heapmove(s->cap * sizeof *s->v, cap * sizeof *s->v);
	s->cap = cap;
}

/* m / 10^scale as the correctly rounded double: one division of two
 * exact doubles when m has 53 bits, else strtod of its digits. */
static double
dectodouble(int64_t m, int scale)
{
	char buf[48];

	if (m > -(INT64_C(1) << 53) && m < (INT64_C(1) << 53))
		return (double)m / (double)agg_pow10[scale];
	snprintf(buf, sizeof buf, "%lldE-%d", (long long)m, scale);
	return strtod(buf, NULL);
}

/* Every value to a double. */
static void
vals_tofloat(struct valstate *s)
{
	for (uint64_t i = 0; i < s->n; i++) {
		double d = dectodouble(s->v[i].m, s->scale);
		s->v[i].d = d;
	}
	s->isfloat = 1;
	s->scale = 0;
}

/* m * 10^k, or -1 if it leaves int64. */
static int
scalem(int64_t *m, int k)
{
	int64_t p = agg_pow10[k];

	if (*m > INT64_MAX / p || *m < INT64_MIN / p)
		return -1;
	*m *= p;
	return 0;
}

/* Every value to scale sc (more than the state's), or -1 with nothing
 * changed if one would overflow. */
static int
vals_rescale(struct valstate *s, int sc)
{
	int k = sc - s->scale;
	int64_t lim = INT64_MAX / agg_pow10[k];

	for (uint64_t i = 0; i < s->n; i++)
		if (s->v[i].m > lim || s->v[i].m < -lim)
			return -1;
	for (uint64_t i = 0; i < s->n; i++)
		s->v[i].m *= agg_pow10[k];
	s->scale = (uint8_t)sc;
	return 0;
}

/* Add m / 10^sc exactly if the state can (sc -1: it cannot), else d,
 * the correctly rounded double of the same value. */
static void
vals_push(struct valstate *s, int64_t m, int sc, double d)
{
	vals_reserve(s, s->n + 1);
	s->sorted = 0;
	if (!s->isfloat) {
		if (sc >= 0 && (sc <= s->scale || vals_rescale(s, sc) == 0) &&
		    scalem(&m, s->scale - sc) == 0) {
			s->v[s->n++].m = m;
			return;
		}
		vals_tofloat(s);
	}
	/* -0 as 0: the two compare equal, and which one a sort put
	 * first would show (--format, --partial) the input's order. */
	s->v[s->n++].d = d == 0 ? 0 : d;
}

int
agg_valsadd(void *st, const char *v, size_t n, const struct num *x)
{
	(void)v, (void)n;
	if (x->kind == NUM_INT)
		vals_push(st, x->i, 0, (double)x->i);
	else if (x->dscale >= 0 && x->dscale <= AGG_MAXSCALE)
		vals_push(st, x->i, x->dscale, x->d);
	else
		vals_push(st, 0, -1, x->d);
	return 0;
}

int
agg_valsmerge(void *dst, const void *src)
{
	struct valstate *d = dst;
	const struct valstate *s = src;

	vals_reserve(d, d->n + s->n);
	for (uint64_t i = 0; i < s->n; i++) {
		if (s->isfloat)
			vals_push(d, 0, -1, s->v[i].d);
		else
			vals_push(d, s->v[i].m, s->scale,
			    dectodouble(s->v[i].m, s->scale));
	}
	return 0;
}

void
agg_valsfree(void *st)
{
	struct valstate *s = st;

	agg_heapmove(s->cap * sizeof *s->v, 0);
	free(s->v);
}

static int
cmpm(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
agg_valssort(struct valstate *s)
{
	if (!s->sorted)
		qsort(s->v, s->n, sizeof *s->v, s->isfloat ? cmpd : cmpm);
	s->sorted = 1;
}

/*
 * The value list of median and the order statistics: "S:N:V,V,..." with
 * S the number of fraction digits of the values as scaled integers, or
 * "f" for doubles, N their number and V the values sorted (integers, or
 * doubles in C99 hex), so that a state's text depends only on its values.
 */
void
vals_save(const void *st, struct sbuf *b)
{
	struct valstate *s = (struct valstate *)st;	/* sorted in place:
							 * the same values */
	char num[40];

	agg_valssort(s);
	if (s->isfloat)
		sbuf_add(b, "f:", 2);
	else
		agg_countfmt(b, s->scale);
	agg_countfmt(b, s->n);
	for (uint64_t i = 0; i < s->n; i++) {
		if (i)
			sbuf_add(b, ",", 1);
		if (s->isfloat)
			sbuf_add(b, num, (size_t)snprintf(num, sizeof num, "%a",
			    s->v[i].d));
		else
			sbuf_add(b, num, (size_t)num_fmtint(num, s->v[i].m));
	}
}

int
vals_load(void *st, const char *s, size_t n)
{
	struct valstate *vs = st;
	const char *p;
	size_t pl;
	uint64_t scale = 0, cnt;
	char buf[48];

	if (agg_nextpart(&s, &n, &p, &pl) < 0)
		return -1;
	if (pl == 1 && p[0] == 'f')
		vs->isfloat = 1;
	else if (agg_u64parse(p, pl, &scale) < 0 || scale > AGG_MAXSCALE)
		return -1;
	vs->scale = (uint8_t)scale;
	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &cnt) < 0 ||
	    cnt > n / 2 + 1 || (cnt == 0) != (n == 0))
		return -1;
	if (cnt) {
		vs->v = ereallocarray(NULL, cnt, sizeof *vs->v);
		agg_heapmove(0, cnt * sizeof *vs->v);
		vs->cap = cnt;
	}
	vs->sorted = 1;
	while (n > 0) {
		const char *c = memchr(s, ',', n);
		size_t k = c ? (size_t)(c - s) : n;
		if (vs->n == cnt || k == 0 || (c && k + 1 == n))
			return -1;
		if (vs->isfloat) {
			char *end;
			if (k >= sizeof buf || s[0] == ' ')
				return -1;
			memcpy(buf, s, k);
			buf[k] = '\0';
			errno = 0;
			double d = strtod(buf, &end);
			if (*end || errno || d != d || d - d != 0)
				return -1;
			vs->v[vs->n].d = d = d == 0 ? 0 : d;
			if (vs->n && d < vs->v[vs->n - 1].d)
				vs->sorted = 0;
		} else {
			if (agg_i64parse(s, k, &vs->v[vs->n].m) < 0)
				return -1;
			if (vs->n && vs->v[vs->n].m < vs->v[vs->n - 1].m)
				vs->sorted = 0;
		}
		vs->n++;
		s += k + (c != NULL);
		n -= k + (c != NULL);
	}
	return vs->n == cnt ? 0 : -1;
}
