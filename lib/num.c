/* num.c: number syntax of record values and option arguments, and exact
 * shortest printing of doubles. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

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

	/* The common case, a count: up to 18 digits cannot overflow. */
	if (n > 0 && n <= 18) {
		int64_t acc = 0;
		size_t k = s[0] == '-';
		if (k < n) {
			for (; k < n && isdig(s[k]); k++)
				acc = acc * 10 + (s[k] - '0');
			if (k == n) {
				v.kind = NUM_INT;
				v.i = s[0] == '-' ? -acc : acc;
				v.dscale = 0;
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
		static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
		    1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		    1e16, 1e17, 1e18 };
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

int
num_fmtdouble(char *buf, double d)
{
	if (d == 0)
		d = 0;	/* -0 prints as 0 */
	/* 15 digits always read back for a normal double, so the shortest
	 * form is found from there; a subnormal may need fewer. */
	int from = (d < 2.2250738585072014e-308 && d > -2.2250738585072014e-308)
	    ? 1 : 15;
	for (int prec = from; prec < 17; prec++) {
		int n = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return n;
	}
	return snprintf(buf, 32, "%.17g", d);
}

int
num_fmtint(char *buf, int64_t i)
{
	char tmp[24], *e = tmp + sizeof tmp, *q = e;
	/* Work in unsigned so that INT64_MIN needs no special case. */
	uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (i < 0)
		*--q = '-';
	size_t n = (size_t)(e - q);
	memcpy(buf, q, n);
	buf[n] = '\0';
	return (int)n;
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

	if (!isdig((unsigned char)*s) && *s != '.')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v >= 0))
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
