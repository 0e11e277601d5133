/*
 * group.c: pdp-reduce's records added to their key's states: each line
 * split into fields (a table's line prepared first: a CSV record's lines
 * joined, a header taken, a comment skipped), its values checked and
 * parsed, its key found in the hash table (or, with --sorted, the
 * current group), and each op's state given the value.  The commonest
 * records, a known key's counts, sums and means of plain decimals
 * (counts, money), go a shorter way (addplain) to the same states; and
 * of those, a key of up to 15 bytes and one number (a word's count) is
 * taken from the buffer in one pass (takeshort).
 *
 * Memory is bounded by the budget (-S): what held() counts is kept under
 * it by spilling the table (runs.c) before a new key is added; memory
 * that runs out before the budget does (mem.c's reserve taken) is a
 * spill too, where one can be.  A batch holds BATCH records' places in
 * the reader's buffer, no copies.  A CSV record joined over lines is at
 * most CSVMAX bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hash.h"
#include "mem.h"
#include "reducer.h"
#include "table.h"

/* Records read before they are added (see reducer_readall). */
enum { BATCH = 32 };

/* What the budget counts: the table, the states' heap, and what a
 * spill's sort of the keys will need. */
static size_t
held(struct reducer *r)
{
	return table_used(r->t) + agg_heapbytes() +
	    (size_t)table_count(r->t) * TABLE_SORTBYTES;
}

/* Memory ran out before the budget did (a budget given with -S that the
 * machine cannot hold): spill, lean, if a spill can be, and from now on
 * the budget is half of what fitted, so that the next spills come before
 * memory runs out, with room for their sort.  0 if no spill can be. */
static int
spillshort(struct reducer *r)
{
	if (r->o->sorted || r->o->order != ORDER_KEY || r->o->top ||
	    table_count(r->t) == 0)
		return 0;
	size_t used = held(r);
	if (r->budget > used / 2)
		r->budget = used / 2;
	reducer_spill(r, 1);
	return 1;
}

static void bad(struct reducer *r, const struct reader *in,
    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
bad(struct reducer *r, const struct reader *in, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!r->o->skipinvalid)
		eprintf("%s:%llu: %s", in->name, (unsigned long long)
		    (in->lineno + reducer_linesbefore(in->fd, r->partoff)), msg);
	if (r->skipped++ == 0)
		snprintf(r->firstbad, sizeof r->firstbad, "%s:%llu: %s",
		    in->name, (unsigned long long)in->lineno, msg);
}


/* Whether field f (number k, 0-based) has an invalid escape or a raw
 * CR; if so, it is bad input.  (Callers test rec_plain first: a field
 * holds no TAB or newline, so only a backslash or a CR brings them.) */
static int
badescape(struct reducer *r, const struct reader *in, const struct field *f,
    size_t k)
{
	char q[200], e[8];
	size_t at;

	if (rec_checkescapes(f->s, f->len, &at) == 0) {
		if (!memchr(f->s, '\r', f->len))
			return 0;
		/* A second form of \r: "a\r" and a raw "a<CR>" would be
		 * two keys for one string. */
		rec_quote(q, sizeof q, f->s, f->len);
		bad(r, in, "field %zu %s: a CR, which a record writes as \\r "
		    "(pdp(7))", k + 1, q);
		return 1;
	}
	rec_quote(q, sizeof q, f->s, f->len);
	bad(r, in, "field %zu %s: invalid escape '%s' (pdp(7): \\\\, \\t, "
	    "\\n and \\r only)", k + 1, q, rec_badescape(e, f->s, f->len, at));
	return 1;
}

/* Whether a key field of the record has an invalid escape: such a key
 * would be another key than the same bytes written right (pdp(7)). */
static int
badkey(struct reducer *r, const struct reader *in)
{
	const struct reduceopts *o = r->o;

	for (size_t i = 0; i < o->nkeyf; i++) {
		size_t k = o->merge ? i : r->keyf[i];
		if (!rec_plain(r->f[k].s, r->f[k].len) &&
		    badescape(r, in, &r->f[k], k))
			return 1;
	}
	return 0;
}

/* --sorted: the state for key, ending the previous group if key differs. */
static char *
group(struct reducer *r, const struct reader *in, const char *key,
    size_t klen)
{
	char q1[128], q2[128];

	if (r->hascur) {
		size_t m = klen < r->curlen ? klen : r->curlen;
		int c = memcmp(key, r->cur, m);
		if (c == 0)
			c = (klen > r->curlen) - (klen < r->curlen);
		if (c == 0)
			return r->curst;
		if (c < 0) {
			rec_quote(q1, sizeof q1, key, klen);
			rec_quote(q2, sizeof q2, r->cur, r->curlen);
			eprintf("%s:%llu: input is not sorted: %s after %s",
			    in->name, (unsigned long long)in->lineno, q1, q2);
		}
		reducer_emit(r, r->cur, r->curlen, r->curst);
		reducer_freestates(r, r->curst);
	}
	if (klen > r->curcap || !r->cur) {	/* an empty key too */
		r->curcap = klen * 2 + 1;
		r->cur = erealloc(r->cur, r->curcap);
	}
	if (!r->o->skipinvalid)
		badkey(r, in);	/* a new group: an invalid key ends the run */
	memcpy(r->cur, key, klen);
	r->curlen = klen;
	r->hascur = 1;
	return r->curst;
}

static char *
stateof(struct reducer *r, const struct reader *in, const char *key,
    size_t klen)
{
	int isnew;

	if (r->o->sorted)
		return group(r, in, key, klen);
	/* A key already there is added to, whatever the budget says. */
	uint32_t h = r->hashed ? r->hash : (uint32_t)hashbytes(key, klen);
	char *st = table_findhash(r->t, key, klen, h);
	if (st)
		return st;
	/* A new key.  What a spill itself needs is counted too: the sort's
	 * bytes a key.  Over the budget, the table first goes to disk.
	 * Only key order can spill: the other orders need every key at the
	 * end. */
	if (r->o->order == ORDER_KEY && !r->o->top && held(r) > r->budget &&
	    table_count(r->t) > 0)
		reducer_spill(r, 0);
	/* Memory that runs out before the budget does is a spill too,
	 * where a spill can be. */
	st = table_trygethash(r->t, key, klen, h, &isnew);
	if (!st && spillshort(r))
		st = table_trygethash(r->t, key, klen, h, &isnew);
	if (!st) {
		reducer_nomem(r);	/* why, if it can say */
		eprintf("hash table: malloc:");
	}
	/* Keys are checked once, as they come in: a bad one ends the run
	 * before anything is written (with --invalid=skip, addrecord checks
	 * each record's). */
	if (!r->o->skipinvalid)
		badkey(r, in);
	return st;
}

/* -C: a line whose first non-blank byte is # or ;, as datamash -C. */
static int
iscomment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n && (s[i] == '#' || s[i] == ';');
}

/* --narm: NA, N/A or NaN in any case, as datamash --narm skips. */
static int
isna(const struct field *v)
{
	return (v->len == 2 && strncasecmp(v->s, "na", 2) == 0) ||
	    (v->len == 3 && (strncasecmp(v->s, "n/a", 3) == 0 ||
	    strncasecmp(v->s, "nan", 3) == 0));
}

/* A CSV record may run over lines (newlines in quotes) up to this many
 * bytes: past it, an unclosed quote is more likely than such a field,
 * and memory stays bounded. */
enum { CSVMAX = 64 << 20 };

/* A record's fields, as many as are read: those past them are not even
 * looked for (a table's long note after its price), but --merge checks
 * that a line has its states and no more. */
static size_t
split(const struct reducer *r, const char *s, size_t n, struct field *f,
    size_t max)
{
	return r->o->merge ? rec_split(s, n, f, max) : rec_splitn(s, n, f, max);
}

/* What a line needs beyond a record's split: a CSV record's lines
 * joined, a comment skipped, a header taken, a table's fields split and
 * escaped.  Returns the number of fields in r->f, or -1 if there is
 * nothing to add. */
static long
prepare(struct reducer *r, const struct reader *in, const char *s, size_t n)
{
	const struct reduceopts *o = r->o;
	const char *why;
	long nf;
	int cr = 0;

	if (o->fsmode == FS_CSV) {
		cr = n > 0 && s[n - 1] == '\r';	/* a CRLF line end */
		n -= (size_t)cr;
	}
	if (o->fsmode == FS_CSV && (r->csvopen ||
	    fields_quoteopen(0, s, n, o->fsep))) {
		/* A quoted field with newlines: its lines, together, with
		 * their line breaks as they were (CRLF or LF), as RFC 4180
		 * and Python's csv module read them. */
		if (r->csvopen && r->csvcr)
			sbuf_add(&r->pend, "\r\n", 2);
		else if (r->csvopen)
			sbuf_add(&r->pend, "\n", 1);
		else
			r->pend.len = 0;
		r->csvcr = cr;
		if (r->pend.len + n > CSVMAX) {
			bad(r, in, "a quoted field runs past %d MiB: a quote "
			    "not closed?", CSVMAX >> 20);
			r->csvopen = 0;
			return -1;
		}
		sbuf_add(&r->pend, s, n);
		r->csvopen = fields_quoteopen(r->csvopen, s, n, o->fsep);
		if (r->csvopen)
			return -1;
		s = r->pend.p;
		n = r->pend.len;
	}
	if (r->needheader) {
		r->needheader = 0;
		header_take(r, in, s, n);
		return -1;
	}
	if (o->comments && iscomment(s, n))
		return -1;
	if (o->fsmode == FS_RECORDS)
		return (long)split(r, s, n, r->f, r->nfields);
	if ((nf = fields_split(&r->sp, s, n, r->f, r->nfields, &why)) < 0) {
		bad(r, in, "%s", why);
		return -1;
	}
	return nf;
}

static void
addrecord(struct reducer *r, const struct reader *in, const char *rec,
    size_t len)
{
	const struct reduceopts *o = r->o;
	const int narm = o->narm;
	size_t nf;
	const char *key;
	size_t klen;
	char q[128];
	enum numerr ne;

	if (r->slow) {
		long k = prepare(r, in, rec, len);
		if (k < 0)
			return;
		nf = (size_t)k;
	} else if (r->hashed) {
		/* The key's end is known: split the rest. */
		r->f[0].s = rec;
		r->f[0].len = r->klen;
		nf = r->klen == len ? 1 : 1 + split(r, rec + r->klen + 1,
		    len - r->klen - 1, r->f + 1, r->nfields - 1);
	} else {
		nf = split(r, rec, len, r->f, r->nfields);
	}

	if (o->merge) {
		if (nf != o->nkeyf + o->naggs) {
			bad(r, in, "%zu fields where %zu expected (key fields, then "
			    "one state per op)", nf, o->nkeyf + o->naggs);
			return;
		}
	} else {
		for (size_t i = 0; i < o->nkeyf; i++)
			if (r->keyf[i] >= nf) {
				bad(r, in, "missing key field %zu", r->keyf[i] + 1);
				return;
			}
		for (size_t i = 0; i < o->naggs; i++) {
			const struct agg *a = &o->aggs[i];
			if (!r->needs[i])
				continue;
			if (r->sameas[i] >= 0) {	/* checked and parsed */
				r->na[i] = r->na[r->sameas[i]];
				r->nums[i] = r->nums[r->sameas[i]];
				continue;
			}
			size_t fi = r->vfield[i];
			if (fi >= nf) {
				bad(r, in, "missing field %zu", fi + 1);
				return;
			}
			const struct field *v = &r->f[fi];
			if (narm && (r->na[i] = (char)isna(v)))
				continue;
			if (!r->numeric[i]) {
				/* Text kept as it is (first, collect ...):
				 * its escapes must be pdp(7)'s. */
				if (!rec_plain(v->s, v->len) &&
				    badescape(r, in, v, fi))
					return;
				continue;
			}
			if (num_parsecount(v->s, v->len, &r->nums[i]))
				continue;
			r->nums[i] = num_parse(v->s, v->len);
			if (r->nums[i].kind == NUM_BAD) {
				rec_quote(q, sizeof q, v->s, v->len);
				bad(r, in, "%s: %s %s", agg_name(a->op),
				    r->nums[i].err == NUMERR_RANGE ?
				    "number out of range" : "not a number", q);
				return;
			}
		}
	}

	/* With --invalid=skip the key is checked before it is added; else
	 * only a new key is (stateof), which stops the run. */
	if (o->skipinvalid && badkey(r, in))
		return;

	if (o->nkeyf == 1 && !o->merge) {
		key = r->f[r->keyf[0]].s;
		klen = r->f[r->keyf[0]].len;
	} else if (o->nkeyf == 0) {
		key = "";
		klen = 0;
	} else {
		klen = 0;
		for (size_t i = 0; i < o->nkeyf; i++) {
			const struct field *k = &r->f[o->merge ? i : r->keyf[i]];
			if (klen + k->len + 1 > r->keycap) {
				r->keycap = (klen + k->len + 1) * 2;
				r->key = erealloc(r->key, r->keycap);
			}
			if (i)
				r->key[klen++] = '\t';
			memcpy(r->key + klen, k->s, k->len);
			klen += k->len;
		}
		key = r->key;
	}

	if (o->merge) {
		const char *why;
		size_t which;
		if (reducer_loadstates(r, r->tmp, r->f + o->nkeyf, &why, &which) < 0) {
			const struct field *s = &r->f[o->nkeyf + which];
			rec_quote(q, sizeof q, s->s, s->len);
			bad(r, in, "%s: %s %s", agg_name(o->aggs[which].op), why, q);
			return;
		}
		reducer_mergeinto(r, stateof(r, in, key, klen), r->tmp, key, klen);
		return;
	}
	char *st = stateof(r, in, key, klen);
	for (size_t i = 0; i < o->naggs; i++) {
		const struct agg *a = &o->aggs[i];
		/* (An op whose state is within another's: that one adds.) */
		if ((narm && r->na[i]) || r->rides[i])
			continue;
		/* Only fields that some op reads were stored (count reads
		 * none). */
		const struct field *v = r->needs[i] ? &r->f[r->vfield[i]] :
		    NULL;
		if (agg_addnum(a, st + r->off[i], v ? v->s : "", v ? v->len : 0,
		    &r->nums[i], &ne) != AGG_OK) {
			rec_quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

/* The most ops addplain takes (its numbers are on the stack). */
enum { PLAINMAX = 8 };

/* What addplain reads: the value fields, each once, in the order of
 * the record, and which of them each op adds (-1: none, a count); and
 * the ops it adds to, those whose states are within another's left out
 * (reduce.c's layout). */
struct plain {
	size_t nv;
	size_t vf[PLAINMAX];
	int of[PLAINMAX];
	size_t nop;
	size_t op[PLAINMAX];
	/* For each of the nop ops added: its op, its state's offset and
	 * its value (an index in vf, -1 for none): what addops reads. */
	enum aggop code[PLAINMAX];
	size_t off[PLAINMAX];
	int val[PLAINMAX];
	int sum1;		/* one op, the sum of the first value */
};

/* Whether every op is count, sum or mean and nothing asks for more
 * than a record's split: then addplain may take the records. */
static int
canplain(const struct reducer *r)
{
	const struct reduceopts *o = r->o;

	if (!r->prefetch || o->narm || o->skipinvalid || o->comments ||
	    o->naggs > PLAINMAX)
		return 0;
	for (size_t i = 0; i < o->naggs; i++)
		if (o->aggs[i].op != AGG_COUNT && o->aggs[i].op != AGG_SUM &&
		    o->aggs[i].op != AGG_MEAN)
			return 0;
	return 1;
}

/* The plan for the fields as they are now (a header has named them);
 * 0 if there is none: an op reads the key field itself. */
static int
plan(const struct reducer *r, struct plain *pl)
{
	const struct reduceopts *o = r->o;

	pl->nv = pl->nop = 0;
	for (size_t i = 0; i < o->naggs; i++)
		if (!r->rides[i])
			pl->op[pl->nop++] = i;
	for (size_t i = 0; i < o->naggs; i++) {
		pl->of[i] = -1;
		if (!r->needs[i])
			continue;
		size_t f = r->vfield[i], j = 0, k;
		if (f == 0)
			return 0;
		while (j < pl->nv && pl->vf[j] < f)
			j++;
		if (j == pl->nv || pl->vf[j] != f) {
			for (k = pl->nv++; k > j; k--)
				pl->vf[k] = pl->vf[k - 1];
			pl->vf[j] = f;
			for (k = 0; k < i; k++)
				if (pl->of[k] >= (int)j)
					pl->of[k]++;
		}
		pl->of[i] = (int)j;
	}
	for (size_t k = 0; k < pl->nop; k++) {
		pl->code[k] = o->aggs[pl->op[k]].op;
		pl->off[k] = r->off[pl->op[k]];
		pl->val[k] = pl->of[pl->op[k]];
	}
	pl->sum1 = pl->nop == 1 && pl->code[0] == AGG_SUM && pl->val[0] == 0;
	return 1;
}

/* Add a plain record's numbers (m, sc: as num_parsefield gives them;
 * vs, vn: their text) to the states st of the ops planned. */
static inline void
addops(struct reducer *r, const struct plain *pl, char *st,
    const int64_t *m, const int *sc, const char *const *vs, const size_t *vn,
    const char *key, size_t klen)
{
	char q[128];

	for (size_t k = 0; k < pl->nop; k++) {
		int j = pl->val[k];
		if ((j < 0 ? agg_addplain(pl->code[k], st + pl->off[k], 0, 0,
		    "", 0) : agg_addplain(pl->code[k], st + pl->off[k], m[j],
		    sc[j], vs[j], vn[j])) != AGG_OK) {
			rec_quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q,
			    agg_name(r->o->aggs[pl->op[k]].op));
		}
	}
}

/* The commonest records, without addrecord's generality: the key is the
 * first field (hashed already) and in the table, every value a plain
 * decimal.  0 for any other record, nothing having been added: addrecord
 * takes it (a new key, a bad number, a missing field). */
static int
addplain(struct reducer *r, const struct plain *pl, const char *rec,
    size_t len)
{
	const char *p = rec + r->klen, *end = rec + len, *vs[PLAINMAX];
	int64_t m[PLAINMAX];
	int sc[PLAINMAX];
	size_t at = 0, vn[PLAINMAX];

	/* p is at the end of field number at (a TAB, or the record's);
	 * the fields planned come after the key, field 0. */
	for (size_t j = 0; j < pl->nv; j++) {
		for (; at + 1 < pl->vf[j]; at++)
			if (p == end || !(p = memchr(p + 1, '\t',
			    (size_t)(end - p - 1))))
				return 0;
		if (p == end)
			return 0;
		vs[j] = ++p;
		if ((vn[j] = num_parsefield(p, (size_t)(end - p), &m[j],
		    &sc[j])) == 0)
			return 0;
		p += vn[j];
		at = pl->vf[j];
	}
	char *st = table_findhash(r->t, rec, r->klen, r->hash);
	if (!st)
		return 0;
	addops(r, pl, st, m, sc, vs, vn, rec, r->klen);
	return 1;
}

/* A record read into a batch: where it is, and what the prefetch and
 * (for a short one) takeshort found of it. */
struct batch {
	char *rec;
	size_t len, klen;
	uint64_t lineno;
	uint32_t hash;
	int unterminated;
	int isshort;		/* takeshort's: key, m, sc, vn are set */
	uint64_t key[2];
	int64_t m;
	int sc;
	size_t vn;
};

static const uint64_t LOW = 0x0101010101010101ULL,
    HIGH = 0x8080808080808080ULL;

/* The bytes of w that are zero, as their high bits (exact up to the
 * first zero byte in memory order, which is all that is asked). */
static inline uint64_t
zerobytes(uint64_t w)
{
	return (w - LOW) & ~w & HIGH;
}

/* Take the next record if it is key<TAB>decimal<delim> with a key of
 * at most 15 bytes, the commonest of all (a word and its count), in one
 * pass: the key's two words, loaded to find the TAB, are its hash's
 * input and what the table compares, and the parse of the number finds
 * the record's end.  0 if it is not such a record, or not whole in the
 * buffer (reader_take takes it). */
static inline int
takeshort(struct reader *in, struct batch *b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	char *s = in->buf + in->start;
	size_t avail = in->end - in->start, klen, n;
	uint64_t w[2], t0, t1, k0, k1, dl;

	if (avail < sizeof w)
		return 0;
	memcpy(w, s, sizeof w);
	t0 = zerobytes(w[0] ^ '\t' * LOW);
	t1 = zerobytes(w[1] ^ '\t' * LOW);
	/* The key's bytes of each word, those below the first TAB's high
	 * bit (t & -t): all 8 in a word without one, none in the second if
	 * the first has one; and its length.  Masks, not branches:
	 * whether a key is shorter than 8 bytes is a coin toss, a
	 * misprediction a word in two (callgrind's branch simulation). */
	uint64_t none0 = 0 - (uint64_t)(t0 == 0);	/* ~0 if no TAB */
	uint64_t t = t0 | (t1 & none0);
	if (!t)
		return 0;	/* no TAB in the first 16 bytes */
	k0 = ((t0 & (0 - t0)) >> 7) - 1;
	k1 = (((t1 & (0 - t1)) >> 7) - 1) & none0;
	klen = ((size_t)__builtin_ctzll(t) + (size_t)(none0 & 64)) >> 3;
	w[0] &= k0;
	w[1] &= k1;
	/* A delimiter before the TAB: a record without one. */
	dl = (uint64_t)(unsigned char)in->delim * LOW;
	if ((zerobytes(w[0] ^ dl) & k0) | (zerobytes(w[1] ^ dl) & k1))
		return 0;
	n = num_parseto(s + klen + 1, avail - klen - 1, in->delim, &b->m,
	    &b->sc);
	if (n == 0 || n == avail - klen - 1)
		return 0;	/* not a plain number, or not whole */
	b->rec = s;
	b->len = klen + 1 + n;
	b->klen = klen;
	b->vn = n;
	b->key[0] = w[0];
	b->key[1] = w[1];
	b->hash = (uint32_t)hashwords(w[0], w[1], klen);
	b->isshort = 1;
	b->lineno = ++in->lineno;
	b->unterminated = in->unterminated = 0;
	in->start += b->len + 1;
	in->scanned = 0;
	return 1;
#else
	(void)in, (void)b;
	return 0;
#endif
}

/* Add every record that the reader in gives. */
void
reducer_readall(struct reducer *r, struct reader *in_)
{
	struct reader in = *in_;	/* a local copy: the loop is hot */
	char *rec = NULL;
	size_t len;
	int st;
	const int plain = canplain(r);
	struct plain pl;
	int planned = 0, planok = 0;

	for (;;) {
		/* A batch of records at a time, so that where the keys are
		 * plain first fields the hash table's cache misses can be asked
		 * for together (the records stay put until the next fill). */
		struct batch b[BATCH];
		int nb = 0;
		int keyfirst = r->prefetch && r->keyf[0] == 0;
		if (plain && keyfirst && !r->needheader && !planned) {
			planok = plan(r, &pl);
			planned = 1;
		}
		/* Records of one plain number after the key: takeshort. */
		int short1 = keyfirst && planned && planok && pl.nv == 1 &&
		    pl.vf[0] == 1;
		while (nb < BATCH) {
			if (short1 && takeshort(&in, &b[nb])) {
				table_prefetchhash(r->t, b[nb].hash);
				nb++;
				continue;
			}
			if (!reader_take(&in, &rec, &len))
				break;
			b[nb].rec = rec;
			/* (A CSV line keeps its CR for prepare: a line
			 * break in quotes is the field's, CRLF too.) */
			b[nb].len = r->o->fsmode == FS_CSV ? len :
			    rec_nocr(rec, len);
			b[nb].lineno = in.lineno;
			b[nb].unterminated = in.unterminated;
			b[nb].isshort = 0;
			if (keyfirst) {
				const char *t = memchr(rec, '\t', b[nb].len);
				b[nb].klen = t ? (size_t)(t - rec) : b[nb].len;
				b[nb].hash = table_prefetchslot(r->t, rec,
				    b[nb].klen);
			}
			nb++;
		}
		if (keyfirst)
			for (int i = 0; i < nb; i++)
				table_prefetchentry(r->t, b[i].hash);
		uint64_t lineno = in.lineno;
		int unterminated = in.unterminated;
		for (int i = 0; i < nb; i++) {
			/* A short record whose key is there needs nothing
			 * else: not even the reader's place. */
			if (b[i].isshort) {
				char *sv = table_findshort(r->t, b[i].key,
				    b[i].klen, b[i].hash);
				/* pdp-reduce sum: one add, inline. */
				if (sv && pl.sum1 && agg_trysum(sv +
				    pl.off[0], b[i].m, b[i].sc))
					continue;
				if (sv) {
					const char *vs = b[i].rec + b[i].klen + 1;
					addops(r, &pl, sv, &b[i].m, &b[i].sc,
					    &vs, &b[i].vn, b[i].rec, b[i].klen);
					continue;
				}
			}
			in.lineno = b[i].lineno;
			in.unterminated = b[i].unterminated;
			/* The key the prefetch hashed is the first field, the
			 * key stateof looks up. */
			r->hash = b[i].hash;
			r->klen = b[i].klen;
			/* (A header line may have named another key.) */
			r->hashed = keyfirst && r->keyf[0] == 0;
			if (!b[i].isshort && plain && r->hashed &&
			    !r->needheader) {
				if (!planned) {
					planok = plan(r, &pl);
					planned = 1;
				}
				if (planok && addplain(r, &pl, b[i].rec,
				    b[i].len))
					continue;
			}
			addrecord(r, &in, b[i].rec, b[i].len);
		}
		if (mem_reserveused()) {
			spillshort(r);
			mem_rereserve();
		}
		in.lineno = lineno;
		in.unterminated = unterminated;
		if (nb == BATCH)
			continue;
		if (in.eof)
			break;
		/* --sorted: what is finished goes downstream before waiting
		 * for more input. */
		if (r->o->sorted)
			obuf_flush(r->out);
		if ((st = (int)reader_fill(&in)) < 0) {
			/* (A too long line is named in the whole file.) */
			if (r->partoff)
				in.lineno += reducer_linesbefore(in.fd,
				    r->partoff);
			reader_fail(&in);
		}
	}
	*in_ = in;
}
