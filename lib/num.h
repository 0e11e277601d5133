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
/* Shortest form that reads back as the same double (%.15g..%.17g);
 * -0 prints as 0.  buf must hold 32 bytes.  Returns the length. */
int num_fmtdouble(char *buf, double d);
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
