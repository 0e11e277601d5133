/* agg.h: the aggregate operations of pdp-reduce (and of pdp-map's
 * in-worker combining): per-key state, update, merge, the final value,
 * and the state as text.  Each operation is a row of agg.c's table. */
#ifndef PDP_AGG_H
#define PDP_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"
#include "num.h"

/* The operations: the rows of agg.c's table. */
enum aggop { AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_MEAN, AGG_FIRST,
    AGG_LAST, AGG_VAR, AGG_STDDEV, AGG_PVAR, AGG_PSTDEV, AGG_COUNTUNIQUE,
    AGG_COLLECT, AGG_RANGE, AGG_ABSMIN, AGG_ABSMAX, AGG_UNIQUE,
    AGG_MEDIAN, AGG_Q1, AGG_Q3, AGG_IQR, AGG_PERC, AGG_MODE, AGG_ANTIMODE,
    AGG_MAD, AGG_MADRAW, AGG_TRIMMEAN, AGG_SSKEW, AGG_PSKEW, AGG_SKURT,
    AGG_PKURT, AGG_GEOMEAN, AGG_HARMMEAN, AGG_APPROXCOUNTUNIQUE,
    AGG_APPROXPERC, AGG_APPROXMEDIAN, AGG_NOPS };

/* One use of an operation, as the command line gives it. */
struct agg {
	enum aggop op;
	size_t field;		/* value field, 0-based */
	const char *fname;	/* or its name in the header: NULL if numbered */
	const char *sep;	/* collect: between the values; NULL is "," */
	/* perc:P and trimmean:P: the fraction pm / 10^ps (P / 100 for
	 * perc), and P as given (NULL: the default, perc 95, trimmean 0) */
	int64_t pm;
	int ps;
	const char *param;
	size_t paramlen;
};

/* Parse "op[:field]" into a, field a number from 1 or a name that does
 * not start with a digit (kept as a pointer into spec); it defaults to
 * deffield (0-based), or the name deffname if not NULL.  An op with a
 * parameter is "op[:P][:field]", P starting with a digit, '.', '+' or '-'.
 * Returns -1 with nothing set if the op is unknown, -2 if the parameter
 * is bad, -3 if the field is. */
int agg_parse(struct agg *a, const char *spec, size_t deffield,
    const char *deffname);
const char *agg_name(enum aggop op);
/* 1 if the op reads its value field. */
int agg_needsvalue(enum aggop op);
/* 1 if the op's values must be numbers (sum, mean, min, max ...). */
int agg_isnumeric(enum aggop op);
/* 1 if the op's value depends on the order of the values (first, last:
 * they merge in the order of the input's parts). */
int agg_ordered(enum aggop op);
/* 1 if the op's final value can be out of range (AV_RANGE). */
int agg_canoverflow(enum aggop op);
/* Size of the state of op within a key's value. */
size_t agg_statesize(enum aggop op);
/* Where op's state lies within the state of owner when both read the
 * same field: its offset there, or -1.  A sum is a mean's sum, and a
 * count is a mean's number of values, which is the number of records
 * only where each record reaches the mean (the caller's to know). */
long agg_within(enum aggop op, enum aggop owner);
/* Bytes the states hold on the heap beyond agg_statesize (texts, sets,
 * float partials): part of pdp-reduce's memory budget. */
size_t agg_heapbytes(void);

/* Result of adding a value. */
enum aggres { AGG_OK, AGG_BADNUM };

/* Add value v (raw field bytes) to state st, with x its number as
 * num_parse gives it (for numeric ops).  Fails only when a sum leaves the
 * double range, with *numerr set. */
enum aggres agg_addnum(const struct agg *a, void *st, const char *v, size_t n,
    const struct num *x, enum numerr *numerr);

/* agg_addnum for the commonest records of pdp-reduce: op is count, sum
 * or mean, and the value v (n bytes) a plain decimal m / 10^sc, as
 * num_parsefield reads it; no call through the table, no double. */
enum aggres agg_addplain(enum aggop op, void *st, int64_t m, int sc,
    const char *v, size_t n);
/* The state of sum (and the sum of mean), here for agg_trysum. */
struct sumstate {
	uint64_t lo;		/* plain decimals (integers too), exactly: */
	int64_t hi;		/* a 128-bit two's complement ... */
	struct fsum *f;		/* other values (an exponent, more digits);
				 * NULL if none */
	uint8_t scale;		/* ... times 10^scale (AGG_MAXSCALE at most) */
};

/* The commonest add of all, inline for pdp-reduce's loop: m / 10^sc to
 * the sum st where sc is the sum's scale (a count, money) and 128 bits
 * hold the result.  1 if done; 0 if not, and st is as it was (then
 * agg_addplain adds it). */
static inline int
agg_trysum(void *st, int64_t m, int sc)
{
	__extension__ typedef __int128 i128;
	__extension__ typedef unsigned __int128 u128;
	struct sumstate *s = st;
	i128 sum;

	if (sc != s->scale || __builtin_add_overflow(
	    (i128)((u128)(uint64_t)s->hi << 64 | s->lo), (i128)m, &sum))
		return 0;
	s->lo = (uint64_t)sum;
	s->hi = (int64_t)(sum >> 64);
	return 1;
}

/* A final value, ready to print or to compare for --order=value. */
struct aggval {
	enum { AV_UINT, AV_INT, AV_FLOAT, AV_TEXT, AV_NONE, AV_RANGE,
	    AV_NAN, AV_DEC } kind;
	uint64_t u;
	int64_t i;
	double d;		/* AV_DEC: the nearest double, to order by */
	const char *text;
	size_t tlen;
	int scale;		/* AV_DEC: (i:u as 128 bits) / 10^scale */
};

struct aggval agg_final(const struct agg *a, const void *st);
/* Print v into buf (48 bytes) unless it is text; returns the length. */
int agg_fmt(const struct aggval *v, char *buf);
/* An AV_DEC value rounded to digits after the point (half to even,
 * exactly) into buf (64 bytes); returns the length. */
int agg_decround(char *buf, const struct aggval *v, int digits);
/* Order of two final values (numbers numerically, text bytewise). */
int agg_cmp(const struct aggval *x, const struct aggval *y);
void agg_freestate(const struct agg *a, void *st);
/* Whether a's states hold memory that agg_freestate frees. */
int agg_holdsmemory(const struct agg *a);
/* Fold state src into dst (src stays as it is; first and last take src
 * as coming after dst); *ne is set if a sum leaves the double range. */
void agg_merge(const struct agg *a, void *dst, const void *src,
    enum numerr *ne);

/* The text form of a state, version pdp2 (pdp1 is read too; pdp-reduce
 * --partial and
 * --merge, and its spill files), as pdp(7) describes it: append st to b
 * as one record field, or parse a field into st (zero-filled, of
 * agg_statesize bytes), returning 0, or -1 with *why set. */
void agg_save(const struct agg *a, const void *st, struct sbuf *b);
int agg_load(const struct agg *a, void *st, const char *s, size_t n,
    const char **why);

/* In-worker combining (pdp-map --combine): ops whose results, written as
 * records, give the same final result through pdp-reduce OP. */
int agg_combinable(enum aggop op);
/* The values that stand for a state exactly: fn is called once per value
 * (a sum may need several records to stay exact); -1 if no values can
 * (a sum past the range of doubles). */
int agg_parts(const struct agg *a, const void *st,
    void (*fn)(void *arg, const char *v, size_t n), void *arg);

#endif
