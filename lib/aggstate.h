/* aggstate.h: what an aggregate operation is (a row of agg.c's table),
 * the per-key states of the operations, and each one's text codec
 * (aggtext.c); internal to agg.c and aggtext.c. */
#ifndef PDP_AGGSTATE_H
#define PDP_AGGSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "fsum.h"
#include "io.h"
#include "num.h"

/* *d += s for a merge's number of values: -1 if 64 bits do not hold it
 * (two states of --merge can say so; no input can).  Parts of that
 * number (zeros, a sketch's buckets) are checked against it when a state
 * is loaded, so they fit when it does. */
static inline int
agg_addcount(uint64_t *d, uint64_t s)
{
	if (*d > UINT64_MAX - s)
		return -1;
	*d += s;
	return 0;
}

/* Flags of an operation. */
enum {
	AGGF_VALUE = 1,		/* it reads a value field (count reads none) */
	AGGF_NUMERIC = 2,	/* its values must be numbers: add gets x */
	AGGF_OVERFLOW = 4,	/* its final value can be out of range */
	AGGF_PARAM = 8,		/* it takes a parameter: perc:P, trimmean:P */
	AGGF_ORDERED = 16,	/* its value depends on the values' order */
};

/*
 * An operation: one row of the table in agg.c.  A key's state is size
 * bytes, zero-filled before the first add; what it holds on the heap
 * beyond them goes through agg_settext, agg_newfsum (whose partials and
 * over part fsum.c counts) and agg_setadd, or is added to
 * agg_heapbytes's count some other way (pdp-reduce's budget counts it).
 */
struct aggdef {
	const char *name;
	size_t size;
	unsigned flags;
	/* Add one value: v its bytes as they appeared, x the number they
	 * parse to (for AGGF_NUMERIC).  -1 if the state leaves its range. */
	int (*add)(void *st, const char *v, size_t n, const struct num *x);
	/* Fold src into dst, src coming after dst in the input; -1 if the
	 * state leaves its range (dst is then of no further use). */
	int (*merge)(void *dst, const void *src);
	/* The value (a's other fields are its parameters: the separator).
	 * It may keep what it returns in st, until the next final or free. */
	struct aggval (*final)(const struct agg *a, void *st);
	/* Free what st holds on the heap; NULL if it holds nothing. */
	void (*free)(void *st);
	/* The state as text, after "pdp2:NAME:" (pdp(7)); load parses what
	 * save wrote into a zero-filled state, and returns -1 on anything
	 * else, leaving st for free. */
	void (*save)(const void *st, struct sbuf *b);
	int (*load)(void *st, const char *s, size_t n);
	/* pdp-map --combine: values that pdp-reduce aggregates to the same
	 * result (agg_parts), -1 if values cannot; NULL if the operation
	 * cannot combine. */
	int (*parts)(const void *st, void (*fn)(void *, const char *, size_t),
	    void *arg);
};

/* The most fraction digits a sum keeps in decimal: a value with more
 * goes to the float partials.  With 9, 10^10 int64 values of any size
 * fit in 128 bits. */
enum { AGG_MAXSCALE = 9 };

struct meanstate {
	struct sumstate s;
	uint64_t n;
};

struct extstate {		/* min and max */
	char *text;		/* the winning value as it appeared */
	uint32_t tlen;
	uint8_t set;
	uint8_t isfloat;
	int64_t i;
	double d;
};

struct rangestate {		/* range: the min and the max */
	struct extstate lo, hi;
};

struct textstate {		/* first and last */
	char *text;
	uint32_t tlen;
	uint8_t set;
};

struct varstate {		/* var, stddev, pvar, pstdev */
	uint64_t n;
	struct fsum *s1, *s2;	/* exact sums of x and x*x; NULL if n = 0 */
};

struct setstate {		/* countunique and collect */
	struct table *t;	/* the members as keys; NULL if none */
	char *joined;		/* collect: the last final value */
};

struct valstate {		/* median and the order statistics: every
				 * value (aggvals.c) */
	union {
		int64_t m;	/* m / 10^scale: every value a plain decimal */
		double d;	/* or isfloat */
	} *v;
	uint64_t n, cap;
	uint8_t isfloat;
	uint8_t scale;		/* AGG_MAXSCALE at most */
	uint8_t sorted;
};

struct fmeanstate {		/* geomean, harmmean */
	uint64_t n;		/* the values */
	uint64_t nzero, nneg;	/* of them, zeros and negatives */
	struct fsum *f;		/* exact sum of log x (1/x) of the others;
				 * NULL if none */
};

struct hllstate {		/* approx-countunique (aggsketch.c) */
	uint32_t *sparse;	/* registers set, idx << 8 | value; or */
	uint32_t n, cap;
	uint8_t *dense;		/* all 2^14 of them */
};

struct ddstore {		/* counts of buckets lo .. lo + len - 1 */
	uint64_t *c;
	int32_t lo;
	uint32_t len;
};

struct ddstate {		/* approx-perc, approx-median */
	uint64_t n, zeros;
	struct ddstore pos, neg;	/* of x > 0, and of -x for x < 0 */
};

/* aggnum.c: the numbers in a state's text; each parser takes exactly
 * what its writer writes and returns -1 for anything else. */
/* A 128-bit decimal, lo and hi times 10^-scale, into buf (48 bytes),
 * with scale fraction digits; returns the length. */
int agg_decfmt(char *buf, uint64_t lo, int64_t hi, int scale);
/* A 128-bit integer in decimal, refusing what overflows. */
int agg_i128parse(const char *s, size_t n, uint64_t *lo, int64_t *hi);
/* An exact sum as its canonical partials in C99 hex, "-" for none. */
void agg_partsfmt(struct sbuf *b, const struct fsum *f);
/* Partials as agg_partsfmt writes them into *fp (allocated with
 * agg_newfsum; "-" leaves it NULL). */
int agg_partsparse(const char *s, size_t n, struct fsum **fp);
int agg_u64parse(const char *s, size_t n, uint64_t *v);
int agg_i64parse(const char *s, size_t n, int64_t *v);
/* "N:", the number of values before the rest of a state. */
void agg_countfmt(struct sbuf *b, uint64_t n);
/* Split s at its next ':' into [s, colon) and what follows. */
int agg_nextpart(const char **s, size_t *n, const char **part,
    size_t *plen);

/* The rows of the table, in the files of their families. */
extern const struct aggdef aggdef_count, aggdef_sum,
    aggdef_mean;					/* aggsum.c */
extern const struct aggdef aggdef_var, aggdef_stddev, aggdef_pvar,
    aggdef_pstdev, aggdef_geomean, aggdef_harmmean;	/* aggvar.c */
extern const struct aggdef aggdef_min, aggdef_max, aggdef_range,
    aggdef_absmin, aggdef_absmax;			/* aggext.c */
extern const struct aggdef aggdef_first, aggdef_last, aggdef_countunique,
    aggdef_collect, aggdef_unique;			/* aggset.c */
extern const struct aggdef aggdef_median, aggdef_q1, aggdef_q3, aggdef_iqr,
    aggdef_perc, aggdef_mode, aggdef_antimode, aggdef_mad, aggdef_madraw,
    aggdef_trimmean, aggdef_sskew, aggdef_pskew, aggdef_skurt,
    aggdef_pkurt;					/* aggorder.c */
extern const struct aggdef aggdef_approxcountunique, aggdef_approxperc,
    aggdef_approxmedian;				/* aggsketch.c */

/* 10^0 to 10^18: the scales of decimals (agg.c). */
extern const int64_t agg_pow10[19];

/* agg.c's helpers for states, that count what they allocate (the heap
 * of pdp-reduce's budget). */
void agg_settext(char **text, uint32_t *tlen, const char *v, size_t n);
void agg_freetext(char *text, uint32_t tlen);
struct fsum *agg_newfsum(void);
void agg_freefsum(struct fsum *f);
/* Heap that went from before to after bytes. */
void agg_heapmove(size_t before, size_t after);
/* Compare two numbers exactly, int64 against double included. */
int agg_numcmp(int xf, int64_t xi, double xd, int yf, int64_t yi, double yd);
/* The same, but an integer against a double as the integer rounded to
 * a double: each number rounded once, so in their exact order unless
 * equal, where the caller compares them exactly (num_cmpdec). */
int agg_numcmpround(int xf, int64_t xi, double xd, int yf, int64_t yi,
    double yd);
/* Add a member to a countunique/collect state; 1 if it was new. */
int agg_setadd(struct setstate *s, const char *v, size_t n);
uint32_t agg_setcount(const struct setstate *s);
/* Its members in bytewise order: *n indices for agg_setmember, in an
 * array the caller frees (NULL if there are none). */
uint32_t *agg_setsorted(const struct setstate *s, uint32_t *n);
const char *agg_setmember(const struct setstate *s, uint32_t i, size_t *len);

/* n * S2 - S1^2 of a var state with values, exactly then rounded, as
 * *num times 4^*e: never negative for a state of real values.  -1 if
 * it is out of range even so. */
int agg_varnum(const struct varstate *s, double *num, int *e);

/* The order of the numbers of two set min/max states. */
int agg_extcmp(const struct extstate *a, const struct extstate *b);

/* aggvals.c: a key's values: the add and merge of aggorder.c's rows, the
 * list sorted in place, and its free. */
int agg_valsadd(void *st, const char *v, size_t n, const struct num *x);
int agg_valsmerge(void *dst, const void *src);
void agg_valssort(struct valstate *s);
void agg_valsfree(void *st);

/* aggsketch.c: set HyperLogLog register ix to v if that is more; the
 * registers set, in order, from *i (0 first), 0 after the last. */
void agg_hllset(struct hllstate *s, uint32_t ix, uint8_t v);
uint8_t agg_hllget(struct hllstate *s, uint32_t *i, uint32_t *ix);
enum { AGG_HLLREGS = 1 << 14, AGG_HLLMAX = 64 - 14 + 1 };
/* Count n in DDSketch bucket i. */
void agg_ddcount(struct ddstore *b, int32_t i, uint64_t n);
/* qsort's order of uint32_t. */
int agg_cmpu32(const void *a, const void *b);

/* aggtext.c: each operation's save and load. */
void count_save(const void *st, struct sbuf *b);
int count_load(void *st, const char *s, size_t n);
void sum_save(const void *st, struct sbuf *b);
int sum_load(void *st, const char *s, size_t n);
void mean_save(const void *st, struct sbuf *b);
int mean_load(void *st, const char *s, size_t n);
void ext_save(const void *st, struct sbuf *b);
int ext_load(void *st, const char *s, size_t n);
void text_save(const void *st, struct sbuf *b);
int text_load(void *st, const char *s, size_t n);
void var_save(const void *st, struct sbuf *b);
int var_load(void *st, const char *s, size_t n);
void set_save(const void *st, struct sbuf *b);
int set_load(void *st, const char *s, size_t n);
void range_save(const void *st, struct sbuf *b);
int range_load(void *st, const char *s, size_t n);
void vals_save(const void *st, struct sbuf *b);	/* aggvals.c */
int vals_load(void *st, const char *s, size_t n);
void fmean_save(const void *st, struct sbuf *b);
int fmean_load(void *st, const char *s, size_t n);
void hll_save(const void *st, struct sbuf *b);
int hll_load(void *st, const char *s, size_t n);
void dd_save(const void *st, struct sbuf *b);
int dd_load(void *st, const char *s, size_t n);

#endif
