/*
 * aggnum.c: the numbers in a state's text (aggtext.c writes and reads
 * the states): 128-bit integers in decimal (the exact decimal sums),
 * exact float sums as their canonical partials in C99 hex (past the
 * range of doubles, with the exponent past it too), counts and int64s,
 * strictly; and the ':' between a state's parts.  A parser takes exactly
 * what its writer writes, and refuses the rest with -1.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "fsum.h"
#include "num.h"

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
	/* Divide h:l by 10, 32 bits at a time, while it needs 128 bits;
	 * then (the common case: every sum that fits 64 bits) by the
	 * compiler's division by a constant. */
	while (h) {
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
	}
	do
		*--q = (char)('0' + l % 10);
	while ((l /= 10) != 0);
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

int
agg_i128parse(const char *s, size_t n, uint64_t *lo, int64_t *hi)
{
	uint64_t h = 0, l = 0;
	size_t i = 0;
	int neg = n > 0 && s[0] == '-';

	i = (size_t)neg;
	if (i == n)
		return -1;
	/* Up to 18 digits fit an int64: the common case, at once. */
	if (n - i <= 18) {
		for (; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			l = l * 10 + (uint64_t)(s[i] - '0');
		}
		*lo = neg ? 0 - l : l;
		*hi = neg && l ? -1 : 0;
		return 0;
	}
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

/* m times 2^e (e 0 or FSUM_SHIFT) in C99 hex; past the range of
 * doubles with its exponent past it too (0x1.8p+1100). */
static int
hexfmt(char *x, size_t size, double m, int e)
{
	double v = e ? ldexp(m, e) : m;

	if (!isinf(v))
		return snprintf(x, size, "%a", v);
	snprintf(x, size, "%a", m);
	char *p = strchr(x, 'p');
	return (int)(p - x) + snprintf(p, size - (size_t)(p - x), "p%+d",
	    atoi(p + 1) + e);
}

/* The partials of an exact sum, canonical (fsum_canon), so that a
 * state's text depends only on the sum, not on the order its terms came
 * in; a zero sum is one partial, 0x0p+0. */
void
agg_partsfmt(struct sbuf *b, const struct fsum *f)
{
	char x[40];
	double m[FSUM_TERMS] = { 0 };
	int e[FSUM_TERMS] = { 0 }, n;

	if (!f) {
		sbuf_add(b, "-", 1);
		return;
	}
	n = fsum_canon(f, m, e);
	for (int i = 0; i < (n ? n : 1); i++) {
		if (i)
			sbuf_add(b, ",", 1);
		sbuf_add(b, x, (size_t)hexfmt(x, sizeof x, m[i], e[i]));
	}
}

/* A partial as partsfmt writes it, exactly: *m times 2^(returned
 * exponent), -1 if it is not one. */
static int
hexparse(const char *s, double *m)
{
	char buf[64], *end;

	errno = 0;
	*m = strtod(s, &end);
	if (*end || *m != *m)
		return -1;
	if (!errno)
		return 0;
	/* Past the range of doubles: hex only, with its exponent taken
	 * down by FSUM_SHIFT. */
	const char *p = strchr(s, 'p');
	if (!isinf(*m) || !p || !strstr(s, "0x") || strlen(s) >= sizeof buf)
		return -1;
	long x = strtol(p + 1, &end, 10);
	if (*end || x > 2112)
		return -1;
	snprintf(buf, sizeof buf, "%.*sp%+ld", (int)(p - s), s,
	    x - FSUM_SHIFT);
	errno = 0;
	*m = strtod(buf, &end);
	return *end || errno ? -1 : FSUM_SHIFT;
}

/* Parse partials into *fp (allocated); "-" leaves it NULL. */
int
agg_partsparse(const char *s, size_t n, struct fsum **fp)
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
		double d;
		int e = hexparse(buf, &d);
		if (e < 0 || fsum_addexp(f, d, e) < 0)
			return -1;
		s += k + (c != NULL);
		n -= k + (c != NULL);
		if (c && n == 0)
			return -1;
	}
	return 0;
}

int
agg_u64parse(const char *s, size_t n, uint64_t *v)
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
int
agg_nextpart(const char **s, size_t *n, const char **part, size_t *plen)
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
void
agg_countfmt(struct sbuf *b, uint64_t n)
{
	char num[32];
	int len = num_fmtuint(num, n);

	num[len++] = ':';
	sbuf_add(b, num, (size_t)len);
}

/* An int64 in decimal, strictly. */
int
agg_i64parse(const char *s, size_t n, int64_t *v)
{
	int neg = n > 0 && s[0] == '-';
	uint64_t u;

	if (agg_u64parse(s + neg, n - (size_t)neg, &u) < 0 ||
	    u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	*v = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}
