/*
 * reduce.c: the pdp-reduce engine: records read, grouped by key, aggregated.
 *
 * Records are grouped by key in a hash table.  Memory is bounded by the
 * budget (-S): when the table and the states' heap (agg_heapbytes) pass
 * it, the table is written as a run of partial states sorted by key to an
 * unlinked temporary file and emptied; at the end the runs are merged.
 * At most MAXRUNS runs are open at once (more are merged into one first),
 * fewer if the descriptor limit says so, so the merge needs a fixed
 * number of buffers.  With --sorted only the
 * current key's state is kept.  The reader's buffer holds the longest
 * record.  --order=value and --top sort in memory: they keep every key.
 *
 * One big regular file is read in parts by forked children (-j), each
 * with its share of the budget; a child writes its part's partial states
 * to an unlinked temporary file, and the parent merges them as runs.
 * The spilling and merging of runs is in runs.c, the parts in parts.c,
 * the writing of keys in emit.c (reducer.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "err.h"
#include "mem.h"
#include "reducer.h"
#include "table.h"

/* Records read before they are added (see reducer_readall). */
enum { BATCH = 32 };

/*
 * Memory set aside for the states' own allocations to fail into (mem.c),
 * when a budget given with -S is more than ulimit -v or the machine lets
 * the process have: the first allocation that fails takes it, and after
 * that batch of records the table spills, as when the table itself
 * cannot grow.  What a batch's adds may need then is small, but for the
 * doubling of one key's values (an order statistic's) past the reserve,
 * which ends the run with a message.
 */
enum { RESERVE_MIN = 64 << 10, RESERVE_MAX = 4 << 20 };
static struct reducer *lowr;	/* for the message: the hook has no argument */

/* Out of memory with no reserve left: say why no spill helps. */
static int
nomem(void)
{
	const struct reduceopts *o = lowr->o;

	if (!o->sorted && table_count(lowr->t) == 0)
		return 0;	/* before any key: "malloc: ..." */
	if (o->sorted)
		eprintf("out of memory holding one key's states "
		    "(--sorted: its values do not fit in what ulimit -v "
		    "or the machine allows)");
	if (o->order != ORDER_KEY || o->top)
		eprintf("out of memory holding %u keys (%s keeps "
		    "every key: it cannot spill)", table_count(lowr->t),
		    o->top ? "--top" : o->order == ORDER_VALUE ?
		    "--order=value" : "--order=none");
	eprintf("out of memory holding %u keys (ulimit -v or the "
	    "machine allows less than -S; a smaller -S spills sooner)",
	    table_count(lowr->t));
}

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

static void bad(struct reducer *r, const struct reader *in, const char *fmt, ...)
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


/* Whether field f (number k, 0-based) has an invalid escape; if so,
 * it is bad input. */
static int
badescape(struct reducer *r, const struct reader *in, const struct field *f,
    size_t k)
{
	char q[200], e[8];
	size_t at;

	if (rec_checkescapes(f->s, f->len, &at) == 0)
		return 0;
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
		if (rec_hasbackslash(r->f[k].s, r->f[k].len) &&
		    badescape(r, in, &r->f[k], k))
			return 1;
	}
	return 0;
}

void
reducer_freestates(struct reducer *r, char *st)
{
	for (size_t k = 0; k < r->o->naggs; k++)
		agg_freestate(&r->o->aggs[k], st + r->off[k]);
	memset(st, 0, r->vsize);
}

/* Parse the states of a --merge record (or a run's line) into r->tmp. */
int
reducer_loadstates(struct reducer *r, char *tmp, const struct field *f,
    const char **why, size_t *which)
{
	memset(tmp, 0, r->vsize);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		if (agg_load(a, tmp + r->off[i], f[i].s, f[i].len, why) < 0) {
			reducer_freestates(r, tmp);
			*which = i;
			return -1;
		}
	}
	return 0;
}

/* Fold the states in tmp into st, and empty tmp. */
void
reducer_mergeinto(struct reducer *r, char *st, char *tmp, const char *key,
    size_t klen)
{
	enum numerr ne = 0;
	const char *over = NULL;
	char q[128];

	for (size_t i = 0; i < r->o->naggs; i++) {
		agg_merge(&r->o->aggs[i], st + r->off[i], tmp + r->off[i], &ne);
		if (ne && !over)
			over = agg_name(r->o->aggs[i].op);
	}
	reducer_freestates(r, tmp);
	if (over) {
		rec_quote(q, sizeof q, key, klen);
		eprintf("%s: %s out of range", q, over);
	}
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
	/* What a spill itself needs is counted too: the sort's bytes a
	 * key.  Only key order can spill: the other orders need every key
	 * at the end. */
	if (r->o->order == ORDER_KEY && !r->o->top && held(r) > r->budget &&
	    table_count(r->t) > 0) {
		/* Over the budget: a key already there is fine, a new one
		 * first sends the table to disk. */
		char *st = table_find(r->t, key, klen);
		if (st)
			return st;
		reducer_spill(r, 0);
	}
	/* Memory that runs out before the budget does is a spill too,
	 * where a spill can be. */
	char *st = r->hashed ? table_trygethash(r->t, key, klen, r->hash,
	    &isnew) : table_tryget(r->t, key, klen, &isnew);
	if (!st && spillshort(r))
		st = r->hashed ? table_trygethash(r->t, key, klen, r->hash,
		    &isnew) : table_tryget(r->t, key, klen, &isnew);
	if (!st)
		eprintf("hash table: malloc:");
	/* Keys are checked once, as they come in: a bad one ends the run
	 * before anything is written (with --invalid=skip, addrecord checks
	 * each record's). */
	if (isnew && !r->o->skipinvalid)
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

	/* A table's CRLF line ends: the CR is not data. */
	if (o->fsmode != FS_RECORDS && n && s[n - 1] == '\r')
		n--;
	if (o->fsmode == FS_CSV && (r->csvopen ||
	    fields_quoteopen(0, s, n, o->fsep))) {
		/* A quoted field with newlines: its lines, together. */
		if (r->csvopen)
			sbuf_add(&r->pend, "\n", 1);
		else
			r->pend.len = 0;
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
		return (long)rec_split(s, n, r->f, r->nfields);
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
		nf = r->klen == len ? 1 : 1 + rec_split(rec + r->klen + 1,
		    len - r->klen - 1, r->f + 1, r->nfields - 1);
	} else {
		nf = rec_split(rec, len, r->f, r->nfields);
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
				if (rec_hasbackslash(v->s, v->len) &&
				    badescape(r, in, v, fi))
					return;
				continue;
			}
			r->nums[i] = num_parse(v->s, v->len);
			if (r->nums[i].kind == NUM_BAD) {
				rec_quote(q, sizeof q, v->s, v->len);
				bad(r, in, "%s: %s %s%s", agg_name(a->op),
				    r->nums[i].err == NUMERR_RANGE ?
				    "number out of range" : "not a number", q,
				    v->len && v->s[v->len - 1] == '\r' ?
				    " (CRLF line ends? tr -d '\\r' removes them)" : "");
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
		if (narm && r->na[i])
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

/* Add every record that the reader in gives. */
void
reducer_readall(struct reducer *r, struct reader *in_)
{
	struct reader in = *in_;	/* a local copy: the loop is hot */
	char *rec;
	size_t len;
	int st;

	for (;;) {
		/* A batch of records at a time, so that where the keys are
		 * plain first fields the hash table's cache misses can be asked
		 * for together (the records stay put until the next fill). */
		struct batch {
			char *rec;
			size_t len, klen;
			uint64_t lineno;
			uint32_t hash;
			int unterminated;
		} b[BATCH];
		int nb = 0;
		while (nb < BATCH && reader_take(&in, &rec, &len)) {
			b[nb].rec = rec;
			b[nb].len = len;
			b[nb].lineno = in.lineno;
			b[nb].unterminated = in.unterminated;
			nb++;
		}
		int keyfirst = r->prefetch && r->keyf[0] == 0;
		if (keyfirst) {
			for (int i = 0; i < nb; i++) {
				const char *t = memchr(b[i].rec, '\t', b[i].len);
				b[i].klen = t ? (size_t)(t - b[i].rec) : b[i].len;
				b[i].hash = table_prefetchslot(r->t, b[i].rec,
				    b[i].klen);
			}
			for (int i = 0; i < nb; i++)
				table_prefetchentry(r->t, b[i].hash);
		}
		uint64_t lineno = in.lineno;
		int unterminated = in.unterminated;
		for (int i = 0; i < nb; i++) {
			in.lineno = b[i].lineno;
			in.unterminated = b[i].unterminated;
			/* The key the prefetch hashed is the first field, the
			 * key stateof looks up. */
			r->hash = b[i].hash;
			r->klen = b[i].klen;
			/* (A header line may have named another key.) */
			r->hashed = keyfirst && r->keyf[0] == 0;
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
		if ((st = (int)reader_fill(&in)) < 0)
			reader_fail(&in);
	}
	*in_ = in;
}

static void
readfile(struct reducer *r, const char *name)
{
	struct reader in;
	int fd = 0;

	if (strcmp(name, "-") == 0)
		name = "stdin";
	else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		eprintf("%s:", name);
	reader_init(&in, fd, name, '\n');
	r->needheader = r->o->headerin;
	reducer_readall(r, &in);
	if (r->csvopen)
		eprintf("%s:%llu: a quoted field is not closed at the end of "
		    "the file", name, (unsigned long long)in.lineno);
	reader_free(&in);
	if (fd != 0)
		close(fd);
}

void
reducer_setfields(struct reducer *r)
{
	const struct reduceopts *o = r->o;

	r->nfields = 0;
	for (size_t i = 0; i < o->naggs; i++)
		if (agg_needsvalue(o->aggs[i].op) && r->vfield[i] + 1 > r->nfields)
			r->nfields = r->vfield[i] + 1;
	for (size_t i = 0; i < o->nkeyf; i++)
		if (r->keyf[i] + 1 > r->nfields)
			r->nfields = r->keyf[i] + 1;
	r->sameas = ereallocarray(r->sameas, o->naggs ? o->naggs : 1,
	    sizeof *r->sameas);
	for (size_t i = 0; i < o->naggs; i++) {
		r->sameas[i] = -1;
		if (!agg_needsvalue(o->aggs[i].op) || !agg_isnumeric(o->aggs[i].op))
			continue;
		for (size_t j = 0; j < i; j++)
			if (agg_needsvalue(o->aggs[j].op) &&
			    agg_isnumeric(o->aggs[j].op) &&
			    r->vfield[j] == r->vfield[i]) {
				r->sameas[i] = (int)j;
				break;
			}
	}
	if (o->merge)
		r->nfields = o->nkeyf + o->naggs;
	if (r->nfields < o->naggs)
		r->nfields = o->naggs;	/* runs: the states alone */
	r->f = ereallocarray(r->f, r->nfields ? r->nfields : 1, sizeof *r->f);
}

/* Write what the reducer holds: the table, or the merge of its runs. */
void
reducer_finish(struct reducer *r)
{
	if (r->nruns > 0) {
		if (table_count(r->t) > 0)
			reducer_spill(r, 0);
		reducer_mergeruns(r, 0, r->nruns, r->out, 0);
	} else {
		reducer_printtable(r);
	}
	obuf_flush(r->out);
}

int
reduce_run(const struct reduceopts *o, char **files, int nfiles,
    struct obuf *out)
{
	struct reducer r = { .o = o, .out = out, .budget = o->bufsize,
	    .partial = o->partial };
	static char *stdinonly[] = { "-" };

	r.off = ereallocarray(NULL, o->naggs, sizeof *r.off);
	for (size_t i = 0; i < o->naggs; i++) {
		r.off[i] = r.vsize;
		/* Keep each state 8-byte aligned. */
		r.vsize += (agg_statesize(o->aggs[i].op) + 7) & ~(size_t)7;
	}
	r.keyf = ereallocarray(NULL, o->nkeyf + 1, sizeof *r.keyf);
	r.vfield = ereallocarray(NULL, o->naggs, sizeof *r.vfield);
	memcpy(r.keyf, o->keyf, o->nkeyf * sizeof *r.keyf);
	for (size_t i = 0; i < o->naggs; i++)
		r.vfield[i] = o->aggs[i].field;
	/* Until a header names them, named fields are none. */
	for (size_t i = 0; i < o->nkeyf; i++)
		if (o->keynames && o->keynames[i])
			r.keyf[i] = 0;
	for (size_t i = 0; i < o->naggs; i++)
		if (o->aggs[i].fname)
			r.vfield[i] = 0;
	reducer_setfields(&r);
	/* What each op reads, asked once rather than a record at a time. */
	r.needs = ecalloc(o->naggs ? o->naggs : 1, 2);
	r.numeric = r.needs + o->naggs;
	for (size_t i = 0; i < o->naggs; i++) {
		r.needs[i] = (char)agg_needsvalue(o->aggs[i].op);
		r.numeric[i] = (char)agg_isnumeric(o->aggs[i].op);
	}
	r.nums = ecalloc(o->naggs, sizeof *r.nums);
	r.na = ecalloc(o->naggs ? o->naggs : 1, 1);
	r.sp.mode = o->fsmode;
	r.sp.sep = o->fsep;
	r.slow = o->fsmode != FS_RECORDS || o->headerin || o->comments;
	r.headerdue = o->headerout;
	r.bare = o->nkeyf == 0;
	r.tmp = ecalloc(1, r.vsize);
	r.curst = ecalloc(1, r.vsize);
	r.t = table_new(r.vsize);
	lowr = &r;
	mem_reserve(r.budget / 16 < RESERVE_MIN ? RESERVE_MIN :
	    r.budget / 16 > RESERVE_MAX ? RESERVE_MAX : r.budget / 16, nomem);
	/* TAB records (a header or comments may come between) whose key
	 * is the first field: while r.keyf[0] is 0 (a header may name
	 * another), the first field is the key. */
	r.prefetch = !o->sorted && !o->merge && o->nkeyf == 1 &&
	    o->fsmode == FS_RECORDS;

	if (nfiles == 0) {
		files = stdinonly;
		nfiles = 1;
	}
	int fd = -1, parts = 0;
	uint64_t size = 0;
	if (o->jobs > 1 && nfiles == 1 && strcmp(files[0], "-") != 0) {
		if ((fd = open(files[0], O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s:", files[0]);
		parts = reducer_nparts(o, files, nfiles, fd, &size);
	}
	if (parts > 1) {
		r.needheader = o->headerin;
		reducer_readparts(&r, files[0], fd, size, parts);
		close(fd);
	} else {
		if (fd >= 0)
			close(fd);
		for (int i = 0; i < nfiles; i++)
			readfile(&r, files[i]);
	}

	if (o->sorted) {
		if (r.hascur) {
			reducer_emit(&r, r.cur, r.curlen, r.curst);
			reducer_freestates(&r, r.curst);
		}
		obuf_flush(out);
	} else {
		reducer_finish(&r);
	}

	/* -H: a header that was read is written, even with no lines. */
	if (r.headerdue && r.hdr) {
		header_write(&r);
		obuf_flush(out);
	}
	if (r.skipped)
		weprintf("skipped %llu invalid record%s (first: %s)",
		    (unsigned long long)r.skipped, r.skipped == 1 ? "" : "s",
		    r.firstbad);
	uint32_t n = table_count(r.t);
	for (uint32_t i = 0; i < n; i++)
		reducer_freestates(&r, table_val(r.t, i));
	table_free(r.t);
	sbuf_free(&r.line);
	free(r.runs);
	free(r.off);
	free(r.f);
	free(r.nums);
	free(r.key);
	free(r.tmp);
	free(r.cur);
	free(r.curst);
	free(r.keyf);
	free(r.vfield);
	free(r.na);
	free(r.needs);
	free(r.sameas);
	fields_free(&r.sp);
	sbuf_free(&r.pend);
	header_free(&r);
	return 0;
}
