/* aggtext.c: each operation's state as text, after the "pdp2:NAME:"
 * that agg_save writes (pdp(7) describes the format); exact, so that a
 * state saved and loaded is the state that was saved:
 *
 *	pdp2:count:N
 *	pdp2:sum:I:F		I the exact sum of the plain decimals, with
 *	pdp2:mean:N:I:F		their most fraction digits (pdp1: none);
 *				F "-" or the float partials in C99 hex
 *	pdp2:min:V, max, first, last: V the value as it appeared
 *	pdp2:var:N:F1:F2	(stddev, pvar, pstdev too) exact sums of x, x*x
 *	pdp2:range:L:H		L the min, H the max, as they appeared
 *	pdp2:countunique:N:M	(collect too) M the members joined by TABs,
 *				escaped once more as a field
 *	pdp2:median:S:N:X	(the order statistics and moments too) X the
 *				values sorted, integers scaled by 10^S, or
 *				doubles in C99 hex if S is "f" (this codec
 *				is aggvals.c's, beside the values)
 *	pdp2:geomean:N:Z:G:F	(harmmean too) Z zeros, G negatives, F the
 *				exact sum of the others' log x (1/x)
 *	pdp2:approx-countunique:..., approx-perc: the sketches (below)
 * Float partials are canonical (agg_partsfmt), so the text of a state
 * depends only on its value.  The numbers in it are aggnum.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
#include "num.h"
#include "record.h"

static void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
count_save(const void *st, struct sbuf *b)
{
	char num[32];

	sbuf_add(b, num, (size_t)num_fmtuint(num, *(const uint64_t *)st));
}

int
count_load(void *st, const char *s, size_t n)
{
	return agg_u64parse(s, n, st);
}

void
sum_save(const void *st, struct sbuf *b)
{
	const struct sumstate *s = st;
	char d[48];

	sbuf_add(b, d, (size_t)agg_decfmt(d, s->lo, s->hi, s->scale));
	sbuf_add(b, ":", 1);
	agg_partsfmt(b, s->f);
}

int
sum_load(void *st, const char *s, size_t n)
{
	struct sumstate *ss = st;
	const char *p;
	size_t pl;

	char d[64];
	const char *dot;
	size_t scale = 0;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || pl >= sizeof d)
		return -1;
	/* I: a decimal with up to AGG_MAXSCALE fraction digits (pdp1's
	 * have none), parsed as the integer of its digits. */
	if ((dot = memchr(p, '.', pl))) {
		scale = pl - (size_t)(dot - p) - 1;
		if (scale == 0 || scale > AGG_MAXSCALE || dot == p ||
		    dot[-1] < '0' || dot[-1] > '9')
			return -1;
		memcpy(d, p, (size_t)(dot - p));
		memcpy(d + (dot - p), dot + 1, scale);
		pl--;
		p = d;
	}
	if (agg_i128parse(p, pl, &ss->lo, &ss->hi) < 0)
		return -1;
	ss->scale = (uint8_t)scale;
	return agg_partsparse(s, n, &ss->f);
}

void
mean_save(const void *st, struct sbuf *b)
{
	const struct meanstate *m = st;

	agg_countfmt(b, m->n);
	sum_save(&m->s, b);
}

int
mean_load(void *st, const char *s, size_t n)
{
	struct meanstate *m = st;
	const char *p;
	size_t pl;

	/* A mean of no values (every value NA, with --narm) has a zero
	 * sum, as mean_save writes it. */
	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &m->n) < 0 ||
	    (m->n == 0 && (n != 3 || memcmp(s, "0:-", 3) != 0)))
		return -1;
	return sum_load(&m->s, s, n);
}

void
ext_save(const void *st, struct sbuf *b)
{
	const struct extstate *e = st;

	sbuf_add(b, e->text, e->tlen);
}

int
ext_load(void *st, const char *s, size_t n)
{
	struct extstate *e = st;
	struct num x = num_parse(s, n);

	if (n == 0)
		return 0;	/* no values (--narm): unset */
	if (x.kind == NUM_BAD)
		return -1;
	agg_settext(&e->text, &e->tlen, s, n);
	e->set = 1;
	e->isfloat = x.kind == NUM_FLOAT;
	e->i = x.i;
	e->d = x.d;
	return 0;
}

void
text_save(const void *st, struct sbuf *b)
{
	const struct textstate *t = st;

	sbuf_add(b, t->text, t->tlen);
}

int
text_load(void *st, const char *s, size_t n)
{
	struct textstate *t = st;

	agg_settext(&t->text, &t->tlen, s, n);
	t->set = 1;
	return 0;
}

/* range: the min's text, ':', the max's. */
void
range_save(const void *st, struct sbuf *b)
{
	const struct rangestate *r = st;

	ext_save(&r->lo, b);
	sbuf_add(b, ":", 1);
	ext_save(&r->hi, b);
}

int
range_load(void *st, const char *s, size_t n)
{
	struct rangestate *r = st;
	const char *p;
	size_t pl;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || ext_load(&r->lo, p, pl) < 0 ||
	    ext_load(&r->hi, s, n) < 0 || r->lo.set != r->hi.set)
		return -1;
	if (!r->lo.set)
		return 0;
	/* A min above the max: a state pdp-reduce could not have written. */
	return agg_extcmp(&r->lo, &r->hi) > 0 ? -1 : 0;
}

void
var_save(const void *st, struct sbuf *b)
{
	const struct varstate *v = st;

	agg_countfmt(b, v->n);
	agg_partsfmt(b, v->s1);
	sbuf_add(b, ":", 1);
	agg_partsfmt(b, v->s2);
}

int
var_load(void *st, const char *s, size_t n)
{
	struct varstate *v = st;
	const char *p;
	size_t pl;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &v->n) < 0 ||
	    agg_nextpart(&s, &n, &p, &pl) < 0 ||
	    agg_partsparse(p, pl, &v->s1) < 0 || agg_partsparse(s, n, &v->s2) < 0)
		return -1;
	/* One value at least, and n * S2 >= S1^2 (Cauchy-Schwarz), which
	 * the exact sums of real values always hold. */
	double num;
	int e;
	if (v->n == 0 && !v->s1 && !v->s2)
		return 0;	/* no values (--narm) */
	if (v->n == 0 || !v->s1 || !v->s2 || fsum_value(v->s2) < 0 ||
	    (agg_varnum(v, &num, &e) == 0 && num < 0))
		return -1;
	return 0;
}

/* The members sorted bytewise, joined by TABs, escaped as a field. */
void
set_save(const void *st, struct sbuf *b)
{
	uint32_t n, *ix = agg_setsorted(st, &n);
	struct sbuf m = { 0 };
	char num[32];
	size_t l;

	snprintf(num, sizeof num, "%lu:", (unsigned long)n);
	sbuf_str(b, num);
	for (uint32_t i = 0; i < n; i++) {
		const char *v = agg_setmember(st, ix[i], &l);
		if (i)
			sbuf_add(&m, "\t", 1);
		sbuf_add(&m, v, l);
	}
	free(ix);
	sbuf_escape(b, m.p, m.len);
	sbuf_free(&m);
}

int
set_load(void *st, const char *s, size_t n)
{
	const char *p;
	size_t pl, bad;
	uint64_t u;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &u) < 0)
		return -1;
	char *m = emalloc(n + 1);	/* n may be 0 */
	memcpy(m, s, n);
	long ml = rec_unescape(m, s, n, &bad);
	uint64_t got = 0;
	if (ml < 0 || (u == 0 && ml != 0)) {
		free(m);
		return -1;
	}
	for (const char *q = m, *end = m + ml; u > 0 && q <= end;) {
		const char *t = memchr(q, '\t', (size_t)(end - q));
		const char *e = t ? t : end;
		got += (uint64_t)agg_setadd(st, q, (size_t)(e - q));
		q = e + 1;
	}
	free(m);
	return got == u ? 0 : -1;
}

/* geomean and harmmean: "N:Z:G:F", the values, of them the zeros and
 * the negatives, and the partials of the others' sum. */
void
fmean_save(const void *st, struct sbuf *b)
{
	const struct fmeanstate *f = st;

	agg_countfmt(b, f->n);
	agg_countfmt(b, f->nzero);
	agg_countfmt(b, f->nneg);
	agg_partsfmt(b, f->f);
}

int
fmean_load(void *st, const char *s, size_t n)
{
	struct fmeanstate *f = st;
	const char *p;
	size_t pl;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &f->n) < 0 ||
	    agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &f->nzero) < 0 ||
	    agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &f->nneg) < 0 ||
	    agg_partsparse(s, n, &f->f) < 0)
		return -1;
	/* The others are the values with a term in the sum. */
	if (f->nzero > f->n || f->nneg > f->n - f->nzero ||
	    (f->n - f->nzero - f->nneg > 0) != (f->f != NULL))
		return -1;
	return 0;
}

/*
 * approx-countunique: "s:I=V,I=V,..." the registers set, by index, when
 * fewer than 1/8 of them are, else "d:" and the 2^14 registers in hex,
 * two digits each.  approx-perc and approx-median: "N:Z:P:Q", the
 * values, the zeros, and the buckets of the positive values and of the
 * negative ones, each "-" or "K=C,C,..." the counts from bucket K on,
 * without zeros at either end.
 */
void
hll_save(const void *st, struct sbuf *b)
{
	struct hllstate *s = (struct hllstate *)st;	/* compacted in
							 * place: the same */
	uint32_t i = 0, ix, set = 0;
	uint8_t v;
	char num[32];

	while (agg_hllget(s, &i, &ix))
		set++;
	i = 0;
	if (set < AGG_HLLREGS / 8) {
		sbuf_add(b, "s:", 2);
		for (int first = 1; (v = agg_hllget(s, &i, &ix)) != 0; first = 0)
			sbuf_add(b, num, (size_t)snprintf(num, sizeof num,
			    "%s%lu=%u", first ? "" : ",", (unsigned long)ix, v));
		return;
	}
	static const char hex[] = "0123456789abcdef";
	char *d = ecalloc(AGG_HLLREGS, 2);
	for (uint32_t k = 0; k < AGG_HLLREGS; k++)
		d[2 * k] = d[2 * k + 1] = '0';
	while ((v = agg_hllget(s, &i, &ix)) != 0) {
		d[2 * ix] = hex[v >> 4];
		d[2 * ix + 1] = hex[v & 15];
	}
	sbuf_add(b, "d:", 2);
	sbuf_add(b, d, 2 * AGG_HLLREGS);
	free(d);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
hll_load(void *st, const char *s, size_t n)
{
	uint64_t ix, v;
	int64_t last = -1;

	if (n >= 2 && memcmp(s, "d:", 2) == 0) {
		if (n != 2 + 2 * (size_t)AGG_HLLREGS)
			return -1;
		for (uint32_t k = 0; k < AGG_HLLREGS; k++) {
			int h = hexval(s[2 + 2 * k]), l = hexval(s[3 + 2 * k]);
			if (h < 0 || l < 0 || h * 16 + l > AGG_HLLMAX)
				return -1;
			if (h * 16 + l)
				agg_hllset(st, k, (uint8_t)(h * 16 + l));
		}
		return 0;
	}
	if (n < 2 || memcmp(s, "s:", 2) != 0)
		return -1;
	s += 2;
	n -= 2;
	while (n > 0) {
		const char *c = memchr(s, ',', n), *eq = memchr(s, '=', n);
		size_t k = c ? (size_t)(c - s) : n;
		if (!eq || eq >= s + k ||
		    agg_u64parse(s, (size_t)(eq - s), &ix) < 0 ||
		    agg_u64parse(eq + 1, (size_t)(s + k - eq - 1), &v) < 0 ||
		    (int64_t)ix <= last || ix >= AGG_HLLREGS || v == 0 ||
		    v > AGG_HLLMAX || (c && k + 1 == n))
			return -1;
		agg_hllset(st, (uint32_t)ix, (uint8_t)v);
		last = (int64_t)ix;
		s += k + (c != NULL);
		n -= k + (c != NULL);
	}
	return 0;
}

static void
ddstorefmt(struct sbuf *b, const struct ddstore *d)
{
	uint32_t from = 0, to = d->len;
	char num[40];

	while (from < to && d->c[from] == 0)
		from++;
	while (to > from && d->c[to - 1] == 0)
		to--;
	if (from == to) {
		sbuf_add(b, "-", 1);
		return;
	}
	sbuf_add(b, num, (size_t)snprintf(num, sizeof num, "%ld=",
	    (long)d->lo + (long)from));
	for (uint32_t k = from; k < to; k++)
		sbuf_add(b, num, (size_t)snprintf(num, sizeof num, "%s%llu",
		    k > from ? "," : "", (unsigned long long)d->c[k]));
}

void
dd_save(const void *st, struct sbuf *b)
{
	const struct ddstate *d = st;

	agg_countfmt(b, d->n);
	agg_countfmt(b, d->zeros);
	ddstorefmt(b, &d->pos);
	sbuf_add(b, ":", 1);
	ddstorefmt(b, &d->neg);
}

/* A store's text into d; *sum gets its counts' sum.  Buckets stay
 * within what a double can reach, with room. */
static int
ddstoreparse(struct ddstore *d, const char *s, size_t n, uint64_t *sum)
{
	const char *eq = memchr(s, '=', n);
	uint64_t c;
	int64_t k;

	*sum = 0;
	if (n == 1 && s[0] == '-')
		return 0;
	if (!eq || agg_i64parse(s, (size_t)(eq - s), &k) < 0 || k < -100000 ||
	    k > 100000)
		return -1;
	n -= (size_t)(eq + 1 - s);
	s = eq + 1;
	for (int first = 1; n > 0 || first; first = 0) {
		const char *comma = memchr(s, ',', n);
		size_t l = comma ? (size_t)(comma - s) : n;
		if (agg_u64parse(s, l, &c) < 0 || k > 100000 ||
		    (first && c == 0) || (!comma && c == 0) ||
		    (comma && l + 1 == n) || *sum > UINT64_MAX - c)
			return -1;
		if (c)
			agg_ddcount(d, (int32_t)k, c);
		*sum += c;
		k++;
		s += l + (comma != NULL);
		n -= l + (comma != NULL);
	}
	return 0;
}

int
dd_load(void *st, const char *s, size_t n)
{
	struct ddstate *d = st;
	const char *p;
	size_t pl;
	uint64_t sp, sn;

	if (agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &d->n) < 0 ||
	    agg_nextpart(&s, &n, &p, &pl) < 0 || agg_u64parse(p, pl, &d->zeros) < 0 ||
	    agg_nextpart(&s, &n, &p, &pl) < 0 ||
	    ddstoreparse(&d->pos, p, pl, &sp) < 0 ||
	    ddstoreparse(&d->neg, s, n, &sn) < 0)
		return -1;
	if (sp > UINT64_MAX - sn || sp + sn > UINT64_MAX - d->zeros ||
	    sp + sn + d->zeros != d->n)
		return -1;
	return 0;
}
