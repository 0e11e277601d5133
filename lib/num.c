/* num.c: number syntax of record values and option arguments, and exact
 * shortest printing of doubles. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

/* Powers of ten that are exact doubles. */
static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
    1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

struct num
num_parse(const char *s, size_t n)
{
	struct num v = { .kind = NUM_BAD, .err = NUMERR_SYNTAX };
	size_t i = 0, intdigits = 0, fracdigits = 0;
	int neg = 0, isfloat = 0, hasexp = 0;

	/* The common cases, a count or a plain decimal (money): one pass;
	 * up to 18 digits cannot overflow, and 20 bytes wrap at worst, in
	 * an unsigned, to what is not taken.  The rest is parsed below. */
	if (n > 0 && n <= 20) {
		uint64_t acc = 0;
		size_t k = s[0] == '-', d0 = k;
		for (; k < n && isdig(s[k]); k++)
			acc = acc * 10 + (uint64_t)(s[k] - '0');
		if (k == n && k > d0 && n <= 18) {
			v.kind = NUM_INT;
			v.i = d0 ? -(int64_t)acc : (int64_t)acc;
			v.dscale = 0;
			return v;
		}
		if (k < n && s[k] == '.') {
			size_t f0 = ++k;
			for (; k < n && isdig(s[k]); k++)
				acc = acc * 10 + (uint64_t)(s[k] - '0');
			size_t nd = k - d0 - 1;
			if (k == n && nd > 0 && nd <= 18 &&
			    acc < (uint64_t)1 << 53) {
				v.kind = NUM_FLOAT;
				v.dscale = (int)(k - f0);
				v.i = d0 ? -(int64_t)acc : (int64_t)acc;
				v.d = (double)acc / p10[k - f0];
				if (d0)
					v.d = -v.d;
				return v;
			}
		}
	}

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	size_t start = i;
	while (i < n && isdig(s[i]))
		i++, intdigits++;
	if (i < n && s[i] == '.') {
		isfloat = 1;
		i++;
		while (i < n && isdig(s[i]))
			i++, fracdigits++;
	}
	if (intdigits + fracdigits == 0)
		return v;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		isfloat = hasexp = 1;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e = i;
		while (i < n && isdig(s[i]))
			i++;
		if (i == e)
			return v;
	}
	if (i != n)
		return v;

	if (!isfloat) {
		/* Accumulate negatively so that INT64_MIN fits. */
		int64_t acc = 0;
		for (size_t k = start; k < n; k++) {
			int d = s[k] - '0';
			if (acc < (INT64_MIN + d) / 10) {
				v.err = NUMERR_RANGE;
				return v;
			}
			acc = acc * 10 - d;
		}
		if (!neg) {
			if (acc == INT64_MIN) {
				v.err = NUMERR_RANGE;
				return v;
			}
			acc = -acc;
		}
		v.kind = NUM_INT;
		v.i = acc;
		v.dscale = intdigits <= 18 ? 0 : -1;
		return v;
	}

	int dscale = -1;	/* not a plain decimal, unless ... */
	int64_t mant = 0;
	if (!hasexp && intdigits + fracdigits <= 18) {
		/* A plain decimal: its digits are exact in an int64, and
		 * where they and the power of ten are exact doubles, one
		 * division rounds correctly, as strtod would. */
		int64_t m = 0;
		for (size_t k = start; k < n; k++)
			if (s[k] != '.')
				m = m * 10 + (s[k] - '0');
		if (m < (int64_t)1 << 53) {
			v.kind = NUM_FLOAT;
			v.dscale = (int)fracdigits;
			v.i = neg ? -m : m;
			v.d = (double)m / p10[fracdigits];
			if (neg)
				v.d = -v.d;
			return v;
		}
		dscale = (int)fracdigits;
		mant = neg ? -m : m;
	}

	char small[64], *buf = small;
	if (n >= sizeof small && !(buf = malloc(n + 1))) {
		v.err = NUMERR_RANGE;
		return v;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	double d = strtod(buf, NULL);
	int range = errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL);
	if (buf != small)
		free(buf);
	if (range || !isfinite(d)) {
		v.err = NUMERR_RANGE;
		return v;
	}
	v.kind = NUM_FLOAT;
	v.d = d;
	v.dscale = dscale;
	v.i = mant;
	return v;
}

__extension__ typedef unsigned __int128 u128;

/* The first 18 significant digits of d > 0, exactly, with the decimal
 * exponent of the first and whether any digit past them is not 0: by
 * integer arithmetic, where d's fraction bits fit 124 bits and its
 * integer part 63 (2^-72 <= d < 2^63, as good as every value a mean or a
 * quotient prints), and d as m * 2^q.  -1 out of that range. */
static int
digits(double d, char dig[18], int *exp10, int *sticky, uint64_t *mp,
    int *qp)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof bits);
	int e = (int)(bits >> 52 & 0x7ff);
	if (e == 0 || e == 0x7ff)
		return -1;		/* subnormal, inf, nan */
	uint64_t m = (bits & (((uint64_t)1 << 52) - 1)) | (uint64_t)1 << 52;
	int q = e - 1075, s = q < 0 ? -q : 0;	/* d = m * 2^q */
	if (q > 10 || s > 124)
		return -1;
	*mp = m;
	*qp = q;
	uint64_t ip = q >= 0 ? m << q : s >= 64 ? 0 : m >> s;
	u128 mask = ((u128)1 << s) - 1, frac = s ? (u128)m & mask : 0;
	int nd = 0, x = -1, rest = 0;

	if (ip) {
		char t[20];
		int ni = 0;
		for (; ip; ip /= 10)
			t[ni++] = (char)(ip % 10);
		x = ni - 1;
		while (ni > 0 && nd < 18)
			dig[nd++] = t[--ni];
		while (ni > 0)
			rest |= t[--ni] != 0;
	}
	/* Each step of the fraction: times 10 fits, as frac < 2^124; in
	 * 64 bits where frac < 2^60 (a value of 2^-8 and up). */
	if (s <= 60) {
		uint64_t f = (uint64_t)frac, fm = (uint64_t)mask;
		for (; nd < 18 && f; f &= fm) {
			f *= 10;
			if (nd == 0 && f >> s == 0)
				x--;
			else
				dig[nd++] = (char)(f >> s);
		}
		frac = f;
	}
	for (; nd < 18 && frac; frac &= mask) {
		frac *= 10;
		if (nd == 0 && frac >> s == 0)
			x--;
		else
			dig[nd++] = (char)(frac >> s);
	}
	*sticky = rest || frac != 0;
	while (nd < 18)
		dig[nd++] = 0;
	*exp10 = x;
	return 0;
}

/* The 18 exact digits dig (the first's exponent x) rounded to prec
 * digits r as printf rounds (to nearest, ties to even); returns the
 * exponent of r's first digit. */
static int
roundto(const char dig[18], int x, int sticky, int prec, char r[18])
{
	int up;

	memcpy(r, dig, (size_t)prec);
	if (dig[prec] != 5)
		up = dig[prec] > 5;
	else {
		up = sticky || (r[prec - 1] & 1);
		for (int i = prec + 1; i < 18 && !up; i++)
			up = dig[i] != 0;
	}
	for (int i = prec - 1; up && i >= 0; i--) {
		up = r[i] == 9;
		r[i] = up ? 0 : r[i] + 1;
	}
	if (up) {		/* 9...9 rounded up: 10...0 */
		r[0] = 1;
		x++;
	}
	return x;
}

/* The %.*g text of the prec digits r, the first's exponent x. */
static int
fmtg(char *buf, const char r[18], int x, int prec)
{
	int n = 0;
	int nz = prec;		/* %g drops trailing zeros */
	while (nz > 1 && r[nz - 1] == 0)
		nz--;
	if (x < -4 || x >= prec) {
		buf[n++] = (char)('0' + r[0]);
		if (nz > 1)
			buf[n++] = '.';
		for (int i = 1; i < nz; i++)
			buf[n++] = (char)('0' + r[i]);
		buf[n++] = 'e';
		buf[n++] = x < 0 ? '-' : '+';
		int ax = x < 0 ? -x : x;
		if (ax >= 100)
			buf[n++] = (char)('0' + ax / 100);
		buf[n++] = (char)('0' + ax / 10 % 10);
		buf[n++] = (char)('0' + ax % 10);
	} else if (x < 0) {
		buf[n++] = '0';
		buf[n++] = '.';
		for (int i = -1; i > x; i--)
			buf[n++] = '0';
		for (int i = 0; i < nz; i++)
			buf[n++] = (char)('0' + r[i]);
	} else {
		for (int i = 0; i <= x; i++)
			buf[n++] = (char)('0' + (i < nz ? r[i] : 0));
		if (nz > x + 1)
			buf[n++] = '.';
		for (int i = x + 1; i < nz; i++)
			buf[n++] = (char)('0' + r[i]);
	}
	buf[n] = '\0';
	return n;
}

/* The sign of n * 10^k - b * 2^a, or 2 if a product passes 128 bits. */
static int
cmpexact(uint64_t n, int k, uint64_t b, int a)
{
	static const uint64_t p19[20] = { 1, 10, 100, 1000, 10000, 100000,
	    1000000, 10000000, 100000000, 1000000000, 10000000000u,
	    100000000000u, 1000000000000u, 10000000000000u,
	    100000000000000u, 1000000000000000u, 10000000000000000u,
	    100000000000000000u, 1000000000000000000u,
	    10000000000000000000u };
	u128 l = n, r = b;

	if (k > 38 || k < -38 || a > 100 || a < -127)
		return 2;
	int ak = k < 0 ? -k : k;
	u128 p = ak <= 19 ? p19[ak] : (u128)p19[19] * p19[ak - 19];
	if (__builtin_mul_overflow(k < 0 ? r : l, p, k < 0 ? &r : &l))
		return 2;
	u128 *x = a < 0 ? &l : &r;
	int sh = a < 0 ? -a : a;
	if (sh && *x >> (128 - sh))
		return 2;
	*x <<= sh;
	return (l > r) - (l < r);
}

/* Whether n * 10^k reads back (strtod, to nearest, ties to even) as
 * m * 2^q, a normal double: whether it is between the midpoints to
 * its neighbours, in units of 2^(q - 2) 4m - 2 and 4m + 2 (4m - 1 below
 * a power of two, where the neighbour below is nearer).  -1 if that
 * cannot be told in 128 bits. */
static int
readsback(uint64_t n, int k, uint64_t m, int q)
{
	int even = (m & 1) == 0;
	uint64_t lo = m == (uint64_t)1 << 52 && q > -1074 ? 4 * m - 1 :
	    4 * m - 2;
	int cl = cmpexact(n, k, lo, q - 2), ch = cmpexact(n, k, 4 * m + 2,
	    q - 2);

	if (cl == 2 || ch == 2)
		return -1;
	return (cl > 0 || (cl == 0 && even)) && (ch < 0 || (ch == 0 && even));
}

int
num_fmtdouble(char *buf, double d)
{
	char dig[18];
	int x, sticky, q;
	uint64_t m;

	if (d == 0)
		d = 0;	/* -0 prints as 0 */
	if (isnan(d))
		return snprintf(buf, 32, "nan");	/* never "-nan" */
	/* The shortest of %.15g, %.16g, %.17g that reads back (15 digits
	 * always do for a normal double); where d is in digits()'s range,
	 * its digits and the test come from integer arithmetic: printf's
	 * and strtod's cost ten times as much. */
	if (digits(d < 0 ? -d : d, dig, &x, &sticky, &m, &q) == 0) {
		char *b = buf + (d < 0), r[18];
		int prec, xr;
		buf[0] = '-';
		for (prec = 15; prec < 17; prec++) {
			xr = roundto(dig, x, sticky, prec, r);
			uint64_t n = 0;
			for (int i = 0; i < prec; i++)
				n = n * 10 + (uint64_t)r[i];
			int ok = readsback(n, xr - prec + 1, m, q);
			if (ok < 0) {
				fmtg(b, r, xr, prec);
				ok = strtod(buf, NULL) == d;
			}
			if (ok)
				break;
		}
		if (prec == 17)
			xr = roundto(dig, x, sticky, prec, r);
		return fmtg(b, r, xr, prec) + (d < 0);
	}
	/* A subnormal may need fewer than 15. */
	int from = (d < 2.2250738585072014e-308 && d > -2.2250738585072014e-308)
	    ? 1 : 15;
	for (int prec = from; prec < 17; prec++) {
		int len = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return len;
	}
	return snprintf(buf, 32, "%.17g", d);
}

int
num_fmtuint(char *buf, uint64_t u)
{
	char tmp[24], *e = tmp + sizeof tmp, *q = e;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	size_t n = (size_t)(e - q);
	memcpy(buf, q, n);
	buf[n] = '\0';
	return (int)n;
}

int
num_fmtint(char *buf, int64_t i)
{
	/* In unsigned, so that INT64_MIN needs no special case. */
	if (i < 0) {
		buf[0] = '-';
		return 1 + num_fmtuint(buf + 1, 0 - (uint64_t)i);
	}
	return num_fmtuint(buf, (uint64_t)i);
}

int
opt_uint(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out)
{
	char *end;

	if (!isdig((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
opt_size(const char *s, unsigned long long *out)
{
	char *end;

	if (!isdig((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return -1;
	}
	if (*end && end[1] && !((end[1] == 'B' || end[1] == 'b') && !end[2])
	    && !((end[1] == 'i') && (end[2] == 'B') && !end[3]))
		return -1;
	if (shift && v > (~0ULL >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

int
opt_duration(const char *s, double *out)
{
	static const struct { const char *unit; double secs; } units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 0.001 }, { "m", 60 },
		{ "h", 3600 }, { "d", 86400 },
	};
	char *end;

	/* Digits and a point only: strtod would take 0x10, 1e3 and inf
	 * too, and give them what the bytes it read mean. */
	size_t n = strspn(s, "0123456789.");
	if (n == 0)
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end != s + n || !(v >= 0))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (strcmp(end, units[i].unit) == 0) {
			*out = v * units[i].secs;
			return 0;
		}
	return -1;
}

int
opt_numfmt(const char *s, char *out, size_t cap)
{
	size_t k = 0;
	int convs = 0;

	for (const char *p = s; *p; p++) {
		if (k + 4 >= cap)
			return -1;
		out[k++] = *p;
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			out[k++] = *++p;
			continue;
		}
		if (convs++)
			return -1;
		for (p++; *p && strchr("-+ #0", *p); p++)
			if (k + 4 < cap)
				out[k++] = *p;
		for (int part = 0; part < 2; part++) {
			if (part == 1) {
				if (*p != '.')
					break;
				out[k++] = *p++;
			}
			int digits = 0;
			for (; isdig(*p); p++, digits++)
				if (k + 4 < cap)
					out[k++] = *p;
			if (digits > 2)
				return -1;
		}
		if (!*p || !strchr("fFeEgG", *p) || k + 4 >= cap)
			return -1;
		out[k++] = 'L';
		out[k++] = *p;
	}
	out[k] = '\0';
	return convs == 1 ? 0 : -1;
}

/* A number's text as num_parse reads it, [+-]digits[.digits][e[+-]N]
 * (".5" and "1." too), split: its sign, its digits (the integer ones
 * then the fraction's, without the point) and the exponent of the
 * first that is not 0; -1 if s is not one. */
struct dec {
	int neg;
	const char *i, *f;	/* integer and fraction digits */
	size_t ni, nf;
	size_t first;		/* index of the first digit not 0 */
	long long exp;		/* its power of ten */
	int zero;
};

static int
splitdec(const char *s, size_t n, struct dec *d)
{
	size_t k = 0;
	long long e = 0;
	int eneg = 0;

	d->neg = k < n && s[k] == '-';
	k += k < n && (s[k] == '-' || s[k] == '+');
	d->i = s + k;
	while (k < n && s[k] >= '0' && s[k] <= '9')
		k++;
	d->ni = (size_t)(s + k - d->i);
	d->f = s + k;
	d->nf = 0;
	if (k < n && s[k] == '.') {
		d->f = s + ++k;
		while (k < n && s[k] >= '0' && s[k] <= '9')
			k++;
		d->nf = (size_t)(s + k - d->f);
	}
	if (d->ni + d->nf == 0)
		return -1;
	if (k < n && (s[k] == 'e' || s[k] == 'E')) {
		k++;
		eneg = k < n && s[k] == '-';
		k += k < n && (s[k] == '-' || s[k] == '+');
		if (k == n)
			return -1;
		for (; k < n && s[k] >= '0' && s[k] <= '9'; k++)
			if (e < 1000000000000LL)	/* past any double */
				e = e * 10 + (s[k] - '0');
	}
	if (k != n)
		return -1;
	size_t t = d->ni + d->nf;
	for (d->first = 0; d->first < t; d->first++)
		if ((d->first < d->ni ? d->i[d->first] :
		    d->f[d->first - d->ni]) != '0')
			break;
	d->zero = d->first == t;
	if (d->zero)
		d->neg = 0;	/* -0 is 0 */
	d->exp = (long long)d->ni - 1 - (long long)d->first +
	    (eneg ? -e : e);
	return 0;
}

/* Digit k of d's digits (integer then fraction), '0' past the end. */
static char
digitat(const struct dec *d, size_t k)
{
	return k < d->ni ? d->i[k] : k - d->ni < d->nf ? d->f[k - d->ni] : '0';
}

int
num_cmpdec(const char *a, size_t an, const char *b, size_t bn)
{
	struct dec x, y;
	int c = 0;

	if (splitdec(a, an, &x) < 0 || splitdec(b, bn, &y) < 0)
		return 2;
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	/* Magnitudes: 0 first, then the larger power of ten of the first
	 * digit, then digit by digit. */
	if (x.zero || y.zero)
		c = y.zero - x.zero;
	else if (x.exp != y.exp)
		c = x.exp > y.exp ? 1 : -1;
	else
		for (size_t k = 0; c == 0 && (x.first + k < x.ni + x.nf ||
		    y.first + k < y.ni + y.nf); k++) {
			char p = digitat(&x, x.first + k),
			    q = digitat(&y, y.first + k);
			c = (p > q) - (p < q);
		}
	return x.neg ? -c : c;
}
