/*
 * aggsketch.c: the approximate operations, mergeable sketches for when
 * the exact ones do not fit: approx-countunique (HyperLogLog) and
 * approx-perc, approx-median (DDSketch).  Each state depends only on the
 * multiset of values it saw, so any split merges to one run's bytes.
 *
 * approx-countunique: HyperLogLog with 2^14 one-byte registers (Flajolet
 * et al. 2007), a register per the top 14 bits of a fixed 64-bit hash of
 * the value's bytes, holding the most leading zeros + 1 of the other 50
 * bits; merge is the registers' maximum.  The count is Ertl's improved
 * estimator (2017), unbiased from 0 to far past 2^32 without tables:
 * standard error 1.04 / sqrt(2^14), 0.81%.  A key holds its registers
 * sparsely, 4 bytes a register set, until 1/8 of them are, then as 16 KB.
 *
 * approx-perc:P and approx-median: DDSketch (Masson et al. 2019) with a
 * relative accuracy of 1%: a value x > 0 counts in bucket ceil(log_g x),
 * g = 1.01 / 0.99, negative values in a bucket of their own sign, zeros
 * apart; the answer for rank floor(P/100 (n-1)) is its bucket's middle,
 * 2 g^i / (g + 1), within 1% of the value of that rank.  Merge adds the
 * counts.  A key holds a count (8 bytes) for each bucket between its
 * smallest and largest value of each sign: 700 for six decades, 72,000
 * (580 KB) at most for the whole range of doubles.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"

/* HyperLogLog */

enum { HLL_P = 14, HLL_M = AGG_HLLREGS, HLL_Q = 64 - HLL_P,
	HLL_SPARSEMAX = HLL_M / 8 };

int
agg_cmpu32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* A fixed hash, so that states agree across machines and versions:
 * FNV-1a over the bytes, then murmur3's finalizer for the high bits. */
static uint64_t
hllhash(const char *v, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)v[i]) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Sparse entries are idx << 8 | value; sorted and unique after
 * hll_compact. */
static void
hll_compact(struct hllstate *s)
{
	uint32_t k = 0;

	if (s->dense || s->n == 0)
		return;
	qsort(s->sparse, s->n, sizeof *s->sparse, agg_cmpu32);
	for (uint32_t i = 0; i < s->n; i++) {
		/* Of one register, the largest value comes last. */
		if (i + 1 < s->n && s->sparse[i] >> 8 == s->sparse[i + 1] >> 8)
			continue;
		s->sparse[k++] = s->sparse[i];
	}
	s->n = k;
}

static void
hll_todense(struct hllstate *s)
{
	uint8_t *d = ecalloc(HLL_M, 1);

	agg_heapmove(0, HLL_M);
	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t ix = s->sparse[i] >> 8;
		uint8_t v = (uint8_t)(s->sparse[i] & 0xff);
		if (v > d[ix])
			d[ix] = v;
	}
	agg_heapmove((size_t)s->cap * sizeof *s->sparse, 0);
	free(s->sparse);
	s->sparse = NULL;
	s->n = s->cap = 0;
	s->dense = d;
}

void
agg_hllset(struct hllstate *s, uint32_t ix, uint8_t v)
{
	if (s->dense) {
		if (v > s->dense[ix])
			s->dense[ix] = v;
		return;
	}
	if (s->n == s->cap) {
		hll_compact(s);
		if (s->n >= HLL_SPARSEMAX) {
			hll_todense(s);
			agg_hllset(s, ix, v);
			return;
		}
		if (s->n * 2 >= s->cap) {
			uint32_t cap = s->cap ? s->cap * 2 : 8;
			s->sparse = ereallocarray(s->sparse, cap,
			    sizeof *s->sparse);
			agg_heapmove((size_t)s->cap * sizeof *s->sparse,
			    (size_t)cap * sizeof *s->sparse);
			s->cap = cap;
		}
	}
	s->sparse[s->n++] = ix << 8 | v;
}

static int
hll_add(void *st, const char *v, size_t n, const struct num *x)
{
	uint64_t h = hllhash(v, n);
	uint64_t w = h << HLL_P;
	int rho = w ? __builtin_clzll(w) + 1 : HLL_Q + 1;

	(void)x;
	if (rho > HLL_Q + 1)
		rho = HLL_Q + 1;
	agg_hllset(st, (uint32_t)(h >> HLL_Q), (uint8_t)rho);
	return 0;
}

static int
hll_merge(void *dst, const void *src)
{
	const struct hllstate *s = src;

	if (s->dense) {
		for (uint32_t i = 0; i < HLL_M; i++)
			if (s->dense[i])
				agg_hllset(dst, i, s->dense[i]);
	} else {
		for (uint32_t i = 0; i < s->n; i++)
			agg_hllset(dst, s->sparse[i] >> 8,
			    (uint8_t)(s->sparse[i] & 0xff));
	}
	return 0;
}

uint8_t
agg_hllget(struct hllstate *s, uint32_t *i, uint32_t *ix)
{
	if (s->dense) {
		while (*i < HLL_M && !s->dense[*i])
			++*i;
		if (*i == HLL_M)
			return 0;
		*ix = *i;
		return s->dense[(*i)++];
	}
	hll_compact(s);
	if (*i >= s->n)
		return 0;
	*ix = s->sparse[*i] >> 8;
	return (uint8_t)(s->sparse[(*i)++] & 0xff);
}

/* Ertl's sigma and tau (2017, algorithm 6). */
static double
hll_sigma(double x)
{
	double y = 1, z = x, zold;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zold = z;
		z += x * y;
		y += y;
	} while (z != zold);
	return z;
}

static double
hll_tau(double x)
{
	double y = 1, z = 1 - x, zold;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		zold = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zold);
	return z / 3;
}

static struct aggval
hll_final(const struct agg *a, void *st)
{
	uint32_t c[HLL_Q + 2] = { 0 }, i = 0, ix, set = 0;
	uint8_t v;
	double m = HLL_M;

	(void)a;
	while ((v = agg_hllget(st, &i, &ix)) != 0) {
		c[v]++;
		set++;
	}
	c[0] = HLL_M - set;
	double z = m * hll_tau(1 - c[HLL_Q + 1] / m);
	for (int k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	double e = m * m / (2 * log(2)) / z;
	return (struct aggval){ .kind = AV_UINT, .u = (uint64_t)llround(e) };
}

static void
hll_free(void *st)
{
	struct hllstate *s = st;

	if (s->dense)
		agg_heapmove(HLL_M, 0);
	agg_heapmove((size_t)s->cap * sizeof *s->sparse, 0);
	free(s->dense);
	free(s->sparse);
}

/* DDSketch */

#define DD_ALPHA 0.01L

static long double
dd_lngamma(void)
{
	static long double lg;

	if (lg == 0)
		lg = logl((1 + DD_ALPHA) / (1 - DD_ALPHA));
	return lg;
}

/* Count n in bucket i of store b.  A store grows by half its length
 * past the bucket it needs, so that values in increasing order do not
 * copy it at each new bucket; the buckets between are zeros. */
void
agg_ddcount(struct ddstore *b, int32_t i, uint64_t n)
{
	if (!b->c) {
		b->c = ecalloc(1, sizeof *b->c);
		agg_heapmove(0, sizeof *b->c);
		b->lo = i;
		b->len = 1;
	} else if (i < b->lo || i >= b->lo + (int32_t)b->len) {
		int32_t lo = b->lo, hi = b->lo + (int32_t)b->len;
		int32_t more = (int32_t)(b->len / 2);
		if (i < lo)
			lo = i - more;
		else
			hi = i + 1 + more;
		uint64_t *c = ecalloc((size_t)(hi - lo), sizeof *c);
		memcpy(c + (b->lo - lo), b->c, b->len * sizeof *c);
		agg_heapmove(b->len * sizeof *c, (size_t)(hi - lo) * sizeof *c);
		free(b->c);
		b->c = c;
		b->lo = lo;
		b->len = (uint32_t)(hi - lo);
	}
	b->c[i - b->lo] += n;
}

static int32_t
ddindex(double x)
{
	return (int32_t)ceill(logl(x) / dd_lngamma());
}

static int
dd_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct ddstate *s = st;
	double d = x->kind == NUM_INT ? (double)x->i : x->d;

	(void)v, (void)n;
	s->n++;
	if (d == 0)
		s->zeros++;
	else
		agg_ddcount(d > 0 ? &s->pos : &s->neg, ddindex(fabs(d)), 1);
	return 0;
}

static int
dd_merge(void *dst, const void *src)
{
	struct ddstate *d = dst;
	const struct ddstate *s = src;

	if (agg_addcount(&d->n, s->n) < 0)
		return -1;
	d->zeros += s->zeros;
	for (uint32_t i = 0; i < s->pos.len; i++)
		if (s->pos.c[i])
			agg_ddcount(&d->pos, s->pos.lo + (int32_t)i, s->pos.c[i]);
	for (uint32_t i = 0; i < s->neg.len; i++)
		if (s->neg.c[i])
			agg_ddcount(&d->neg, s->neg.lo + (int32_t)i, s->neg.c[i]);
	return 0;
}

/* The middle of bucket i: 2 g^i / (g + 1), within alpha of every value
 * in it. */
static double
dd_value(int32_t i)
{
	long double g = (1 + DD_ALPHA) / (1 - DD_ALPHA);

	return (double)(2 * expl(i * dd_lngamma()) / (g + 1));
}

static struct aggval
dd_quantile(void *st, int64_t pm, int ps)
{
	const struct ddstate *s = st;
	struct aggval v = { .kind = AV_FLOAT };

	if (s->n == 0)
		return (struct aggval){ .kind = AV_NAN };
	__extension__ unsigned __int128 h = (unsigned __int128)(s->n - 1) *
	    (uint64_t)pm;
	uint64_t rank = (uint64_t)(h / (uint64_t)agg_pow10[ps]), seen = 0;
	/* Negative values, largest magnitude first, then zeros, then
	 * positive values. */
	for (uint32_t k = s->neg.len; k-- > 0;) {
		seen += s->neg.c[k];
		if (seen > rank) {
			v.d = -dd_value(s->neg.lo + (int32_t)k);
			return v;
		}
	}
	seen += s->zeros;
	if (seen > rank)
		return v;
	for (uint32_t k = 0; k < s->pos.len; k++) {
		seen += s->pos.c[k];
		if (seen > rank) {
			v.d = dd_value(s->pos.lo + (int32_t)k);
			return v;
		}
	}
	return v;		/* not reached: the counts sum to n */
}

static struct aggval
ddperc_final(const struct agg *a, void *st)
{
	return dd_quantile(st, a->pm, a->ps);
}

static struct aggval
ddmedian_final(const struct agg *a, void *st)
{
	(void)a;
	return dd_quantile(st, 5, 1);
}

static void
dd_free(void *st)
{
	struct ddstate *s = st;

	agg_heapmove((s->pos.len + s->neg.len) * sizeof(uint64_t), 0);
	free(s->pos.c);
	free(s->neg.c);
}

/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, PARAM = AGGF_PARAM };

const struct aggdef aggdef_approxcountunique = {
	"approx-countunique", sizeof(struct hllstate), VALUE,
	hll_add, hll_merge, hll_final, hll_free,
	hll_save, hll_load, NULL,
};

const struct aggdef aggdef_approxperc = {
	"approx-perc", sizeof(struct ddstate), VALUE | NUMERIC | PARAM,
	dd_add, dd_merge, ddperc_final, dd_free,
	dd_save, dd_load, NULL,
};

const struct aggdef aggdef_approxmedian = {
	"approx-median", sizeof(struct ddstate), VALUE | NUMERIC,
	dd_add, dd_merge, ddmedian_final, dd_free,
	dd_save, dd_load, NULL,
};
