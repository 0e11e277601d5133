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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
#include "record.h"

static void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/* A 128-bit two's complement integer in decimal. */
/* A 128-bit two's complement in decimal into d (48 bytes, not
 * terminated); returns the length. */
static size_t
i128str(char *d, uint64_t lo, int64_t hi)
{
	char *q = d + 48;
	int neg = hi < 0;
	uint64_t h = (uint64_t)hi, l = lo;

	if (neg) {		/* negate: ~x + 1 */
		h = ~h;
		l = ~l + 1;
		if (l == 0)
			h++;
	}
	do {			/* divide h:l by 10, 32 bits at a time */
		uint64_t parts[4] = { h >> 32, h & 0xffffffff, l >> 32,
		    l & 0xffffffff }, r = 0;
		for (int i = 0; i < 4; i++) {
			uint64_t cur = (r << 32) | parts[i];
			parts[i] = cur / 10;
			r = cur % 10;
		}
		h = parts[0] << 32 | parts[1];
		l = parts[2] << 32 | parts[3];
		*--q = (char)('0' + r);
	} while (h || l);
	if (neg)
		*--q = '-';
	size_t n = (size_t)(d + 48 - q);
	memmove(d, q, n);
	return n;
}

int
agg_decfmt(char *buf, uint64_t lo, int64_t hi, int scale)
{
	char d[48], t[48];
	size_t n = i128str(d, lo, hi), k = 0, m = 0;
	const char *p = d;

	if (*p == '-') {
		buf[k++] = '-';
		p++;
		n--;
	}
	/* The digits, with zeros before them up to one before the point. */
	while (n + m < (size_t)scale + 1)
		t[m++] = '0';
	memcpy(t + m, p, n);
	m += n;
	memcpy(buf + k, t, m - (size_t)scale);
	k += m - (size_t)scale;
	if (scale > 0) {
		buf[k++] = '.';
		memcpy(buf + k, t + m - (size_t)scale, (size_t)scale);
		k += (size_t)scale;
	}
	buf[k] = '\0';
	return (int)k;
}

static int
i128parse(const char *s, size_t n, uint64_t *lo, int64_t *hi)
{
	uint64_t h = 0, l = 0;
	size_t i = 0;
	int neg = n > 0 && s[0] == '-';

	i = (size_t)neg;
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		/* h:l = h:l * 10 + digit, refusing to overflow 127 bits */
		uint64_t parts[4] = { l & 0xffffffff, l >> 32, h & 0xffffffff,
		    h >> 32 }, carry = (uint64_t)(s[i] - '0');
		for (int k = 0; k < 4; k++) {
			uint64_t cur = parts[k] * 10 + carry;
			parts[k] = cur & 0xffffffff;
			carry = cur >> 32;
		}
		if (carry || parts[3] >= 0x80000000u)
			return -1;
		l = parts[1] << 32 | parts[0];
		h = parts[3] << 32 | parts[2];
	}
	if (neg) {
		h = ~h;
		l = ~l + 1;
		if (l == 0)
			h++;
	}
	*lo = l;
	*hi = (int64_t)h;
	return 0;
}

static void
partsfmt(struct sbuf *b, const struct fsum *f)
{
	char x[40];

	if (!f) {
		sbuf_add(b, "-", 1);
		return;
	}
	const double *p = fsum_parts(f);
	if (f->n == 0)
		sbuf_add(b, "0x0p+0", 6);
	for (uint32_t i = 0; i < f->n; i++) {
		if (i)
			sbuf_add(b, ",", 1);
		sbuf_add(b, x, (size_t)snprintf(x, sizeof x, "%a", p[i]));
	}
}

/* Parse partials into *fp (allocated); "-" leaves it NULL. */
static int
partsparse(const char *s, size_t n, struct fsum **fp)
{
	char buf[64];

	if (n == 1 && s[0] == '-')
		return 0;
	struct fsum *f = agg_newfsum();
	*fp = f;
	while (n > 0) {
		const char *c = memchr(s, ',', n);
		size_t k = c ? (size_t)(c - s) : n;
		if (k == 0 || k >= sizeof buf || s[0] == ' ')
			return -1;
		memcpy(buf, s, k);
		buf[k] = '\0';
		char *end;
		errno = 0;
		double d = strtod(buf, &end);
		if (*end || errno || d != d || fsum_add(f, d) < 0)
			return -1;
		s += k + (c != NULL);
		n -= k + (c != NULL);
		if (c && n == 0)
			return -1;
	}
	return 0;
}

static int
u64parse(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t y = x * 10 + (uint64_t)(s[i] - '0');
		if (y / 10 != x)
			return -1;
		x = y;
	}
	*v = x;
	return 0;
}


/* Split s at the next ':' into [s, colon) and the rest. */
static int
nextpart(const char **s, size_t *n, const char **part, size_t *plen)
{
	const char *c = memchr(*s, ':', *n);

	if (!c)
		return -1;
	*part = *s;
	*plen = (size_t)(c - *s);
	*n -= *plen + 1;
	*s = c + 1;
	return 0;
}

/* "N:" for the number of values before the rest of a state. */
static void
countfmt(struct sbuf *b, uint64_t n)
{
	char num[32];

	snprintf(num, sizeof num, "%llu:", (unsigned long long)n);
	sbuf_str(b, num);
}

void
count_save(const void *st, struct sbuf *b)
{
	char num[32];

	snprintf(num, sizeof num, "%llu",
	    (unsigned long long)*(const uint64_t *)st);
	sbuf_str(b, num);
}

int
count_load(void *st, const char *s, size_t n)
{
	return u64parse(s, n, st);
}

void
sum_save(const void *st, struct sbuf *b)
{
	const struct sumstate *s = st;
	char d[48];

	sbuf_add(b, d, (size_t)agg_decfmt(d, s->lo, s->hi, s->scale));
	sbuf_add(b, ":", 1);
	partsfmt(b, s->f);
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

	if (nextpart(&s, &n, &p, &pl) < 0 || pl >= sizeof d)
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
	if (i128parse(p, pl, &ss->lo, &ss->hi) < 0)
		return -1;
	ss->scale = (uint8_t)scale;
	return partsparse(s, n, &ss->f);
}

void
mean_save(const void *st, struct sbuf *b)
{
	const struct meanstate *m = st;

	countfmt(b, m->n);
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
	if (nextpart(&s, &n, &p, &pl) < 0 || u64parse(p, pl, &m->n) < 0 ||
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

	if (nextpart(&s, &n, &p, &pl) < 0 || ext_load(&r->lo, p, pl) < 0 ||
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

	countfmt(b, v->n);
	partsfmt(b, v->s1);
	sbuf_add(b, ":", 1);
	partsfmt(b, v->s2);
}

int
var_load(void *st, const char *s, size_t n)
{
	struct varstate *v = st;
	const char *p;
	size_t pl;

	if (nextpart(&s, &n, &p, &pl) < 0 || u64parse(p, pl, &v->n) < 0 ||
	    nextpart(&s, &n, &p, &pl) < 0 ||
	    partsparse(p, pl, &v->s1) < 0 || partsparse(s, n, &v->s2) < 0)
		return -1;
	/* One value at least, and n * S2 >= S1^2 (Cauchy-Schwarz), which
	 * the exact sums of real values always hold. */
	double num;
	if (v->n == 0 && !v->s1 && !v->s2)
		return 0;	/* no values (--narm) */
	if (v->n == 0 || !v->s1 || !v->s2 || fsum_value(v->s2) < 0 ||
	    (agg_varnum(v, &num) == 0 && num < 0))
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

	if (nextpart(&s, &n, &p, &pl) < 0 || u64parse(p, pl, &u) < 0)
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
