/* num.h: strict parsing of numbers in records and of option arguments,
 * and printing doubles in their shortest exact form. */
#ifndef PDP_NUM_H
#define PDP_NUM_H

#include <stddef.h>
#include <stdint.h>

enum numkind { NUM_BAD, NUM_INT, NUM_FLOAT };

/* Why a number did not parse (for NUM_BAD). */
enum numerr { NUMERR_SYNTAX = 1, NUMERR_RANGE };

struct num {
	enum numkind kind;
	union {
		enum numerr err;	/* NUM_BAD */
		/* NUM_INT, NUM_FLOAT: for a plain decimal,
		 * [+-]digits[.digits] of 18 digits at most (an integer
		 * too), its number of fraction digits, and i is its digits
		 * (the value is i / 10^dscale exactly); -1 for anything
		 * else (an exponent, more digits). */
		int dscale;
	};
	int64_t i;
	double d;
};

/* Parse a decimal number: [+-]digits[.digits][(e|E)[+-]digits], at least
 * one digit before the exponent.  Without '.' or exponent it is an integer
 * and must fit int64_t; otherwise a finite double, correctly rounded. */
struct num num_parse(const char *s, size_t n);
/* num_parse's answer for the commonest field, a count: 1 with *v set
 * if s is [-]digits, 18 at most; 0 (*v untouched) for anything else,
 * which num_parse takes.  Inline, so that a record of counts calls
 * nothing to read its number. */
static inline int
num_parsecount(const char *s, size_t n, struct num *v)
{
	size_t k = n && s[0] == '-', d0 = k;
	uint64_t acc = 0;

	if (n - d0 - 1 >= 18)	/* no digit, or more than 18 */
		return 0;
	for (; k < n; k++) {
		unsigned d = (unsigned char)s[k] - '0';
		if (d > 9)
			return 0;
		acc = acc * 10 + d;
	}
	v->kind = NUM_INT;
	v->dscale = 0;
	v->i = d0 ? -(int64_t)acc : (int64_t)acc;
	v->d = 0;		/* as num_parse leaves it */
	return 1;
}

/* A record's field that is a plain decimal, [-]digits[.digits] of 18
 * digits at most (a count too), up to the byte stop (a TAB for
 * num_parsefield, the record's delimiter for a last field) or the end
 * of s (n bytes): its length, with *m its digits and *sc its digits
 * after the point, as num_parse's i and dscale; 0 for anything else
 * ("1.", ".5", "+1", an exponent, an empty field), which num_parse
 * takes.  Inline, for pdp-reduce's loop of plain records (counts,
 * money). */
static inline size_t
num_parseto(const char *s, size_t n, int stop, int64_t *m, int *sc)
{
	const char *p = s, *end = s + n, *d0, *i1, *f0;
	uint64_t acc = 0;

	/* One digit: most counts of words in a file are 1. */
	if (n >= 2 && (unsigned char)(s[0] - '0') <= 9 && s[1] == stop) {
		*m = s[0] - '0';
		*sc = 0;
		return 1;
	}
	int neg = p < end && *p == '-';

	d0 = p += neg;
	/* (More than 18 digits may wrap acc: they are not taken.) */
	while (p < end && (unsigned char)(*p - '0') <= 9)
		acc = acc * 10 + (unsigned char)(*p++ - '0');
	i1 = f0 = p;
	if (p < end && *p == '.') {
		f0 = ++p;
		while (p < end && (unsigned char)(*p - '0') <= 9)
			acc = acc * 10 + (unsigned char)(*p++ - '0');
		if (p == f0)
			return 0;
	}
	if (i1 == d0 || (i1 - d0) + (p - f0) > 18 || (p < end && *p != stop))
		return 0;
	*m = neg ? -(int64_t)acc : (int64_t)acc;
	*sc = (int)(p - f0);
	return (size_t)(p - s);
}

static inline size_t
num_parsefield(const char *s, size_t n, int64_t *m, int *sc)
{
	return num_parseto(s, n, '\t', m, sc);
}

/* Shortest form that reads back as the same double (%.15g..%.17g);
 * -0 prints as 0.  buf must hold 32 bytes.  Returns the length. */
int num_fmtdouble(char *buf, double d);
/* The order of two numbers given as text, [+-]digits[.digits][e[+-]N]
 * of any length, as num_parse reads them, exactly: -1, 0 or 1 (-0 is
 * 0); 2 if either is not such a number. */
int num_cmpdec(const char *a, size_t an, const char *b, size_t bn);
/* An integer in decimal, terminated (buf holds 21 bytes); the length. */
int num_fmtuint(char *buf, uint64_t u);
int num_fmtint(char *buf, int64_t i);

/* Option arguments: unsigned decimal in [lo, hi]; returns -1 if bad. */
int opt_uint(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out);
/* A size with optional suffix K, M, G, T (powers of 1024); -1 if bad. */
int opt_size(const char *s, unsigned long long *out);

/* A printf format for one number, as --format takes it: text with one
 * conversion %[flags][width][.precision] of f, F, e, E, g or G (width
 * and precision up to 99), and %% for a percent sign.  Writes it to out
 * (cap bytes) with the L of a long double; -1 if it is anything else. */
int opt_numfmt(const char *s, char *out, size_t cap);

/* A duration: a decimal number with an optional unit ms, s, m, h or d
 * (default s); -1 if bad. */
int opt_duration(const char *s, double *out);

#endif
