/*
 * reduce.c: one pdp-reduce run (reduce.h): the reducer set up from the
 * options, its inputs read (group.c adds their records), whole or, for
 * one big regular file with -j, in parts by forked children (parts.c),
 * and what it holds written: the table in the order asked (emit.c), or
 * the merge of the runs it spilled (runs.c).  Also the states of
 * --merge records, loaded and folded into a key's, which group.c and
 * runs.c share, and the memory set aside for when the machine allows
 * less than -S.
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
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "mem.h"
#include "reducer.h"
#include "table.h"

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
	return reducer_nomem(lowr);
}

int
reducer_nomem(const struct reducer *r)
{
	const struct reduceopts *o = r->o;

	if (!o->sorted && table_count(r->t) == 0)
		return 0;	/* before any key: "malloc: ..." */
	if (o->sorted)
		eprintf("out of memory holding one key's states "
		    "(--sorted: its values do not fit in what ulimit -v "
		    "or the machine allows)");
	if (o->order != ORDER_KEY || o->top)
		eprintf("out of memory holding %u keys (%s keeps "
		    "every key: it cannot spill)", table_count(r->t),
		    o->top ? "--top" : o->order == ORDER_VALUE ?
		    "--order=value" : "--order=none");
	eprintf("out of memory holding %u keys (ulimit -v or the "
	    "machine allows less than -S; a smaller -S spills sooner)",
	    table_count(r->t));
}

/* Whether ops a and b read the same value field, as the options name
 * it (a header names fields later; the layout is fixed before). */
static int
samefield(const struct agg *a, const struct agg *b)
{
	if (!agg_needsvalue(a->op) || !agg_needsvalue(b->op))
		return !agg_needsvalue(a->op);
	if (a->fname || b->fname)
		return a->fname && b->fname && strcmp(a->fname, b->fname) == 0;
	return a->field == b->field;
}

/*
 * Each op's state within a key's value, 8-byte aligned.  A state that is
 * within another's (agg_within: a count or a sum beside a mean of the
 * same field) is not kept twice: its op reads it there (final, save) and
 * the other adds, merges, loads and frees it.  W6's count,sum,mean are
 * then 40 bytes a key, not 80: with its entry, one cache line rather
 * than two or three a record, and 40% less memory before a spill.  Not
 * with --merge, whose states come from elsewhere and need not agree,
 * nor for a count with --narm, where a mean skips what count counts
 * (a record with a bad number reaches neither: addrecord drops it).
 */
static void
layout(struct reducer *r)
{
	const struct reduceopts *o = r->o;
	size_t n = o->naggs ? o->naggs : 1;
	size_t *in = ereallocarray(NULL, n, sizeof *in);	/* a rider's owner */

	r->off = ereallocarray(NULL, n, sizeof *r->off);
	r->rides = ecalloc(n, 1);
	for (size_t i = 0; i < o->naggs && !o->merge; i++) {
		const struct agg *a = &o->aggs[i];
		if (a->op == AGG_COUNT && o->narm)
			continue;
		for (size_t j = 0; j < o->naggs; j++) {
			const struct agg *b = &o->aggs[j];
			/* (An op that holds others' states, a mean, is
			 * within none.) */
			if (j == i || agg_within(a->op, b->op) < 0 ||
			    !samefield(a, b))
				continue;
			r->rides[i] = 1;
			in[i] = j;
			break;
		}
	}
	r->vsize = 0;
	for (size_t i = 0; i < o->naggs; i++) {
		if (r->rides[i])
			continue;
		r->off[i] = r->vsize;
		r->vsize += (agg_statesize(o->aggs[i].op) + 7) & ~(size_t)7;
	}
	for (size_t i = 0; i < o->naggs; i++)
		if (r->rides[i])
			r->off[i] = r->off[in[i]] +
			    (size_t)agg_within(o->aggs[i].op, o->aggs[in[i]].op);
	free(in);
}

void
reducer_freestates(struct reducer *r, char *st)
{
	for (size_t k = 0; k < r->o->naggs; k++)
		if (!r->rides[k])
			agg_freestate(&r->o->aggs[k], st + r->off[k]);
	memset(st, 0, r->vsize);
}

/* Free what the table's states hold, for the table to be freed: the
 * entries of ops that hold no memory are not touched (a child merging a
 * range shares them copy-on-write, and they are many). */
void
reducer_freetable(struct reducer *r)
{
	uint32_t n = table_count(r->t);

	for (size_t k = 0; k < r->o->naggs; k++)
		if (agg_holdsmemory(&r->o->aggs[k]) && !r->rides[k])
			for (uint32_t i = 0; i < n; i++)
				agg_freestate(&r->o->aggs[k],
				    (char *)table_val(r->t, i) + r->off[k]);
}

/* Parse the states of a --merge record (or a run's line) into r->tmp. */
int
reducer_loadstates(struct reducer *r, char *tmp, const struct field *f,
    const char **why, size_t *which)
{
	memset(tmp, 0, r->vsize);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		/* (A state within another's was loaded with it.) */
		if (r->rides[i])
			continue;
		if (agg_load(a, tmp + r->off[i], f[i].s, f[i].len, why) < 0) {
			reducer_freestates(r, tmp);
			*which = i;
			return -1;
		}
	}
	return 0;
}

/* Fold the states in src into st; src is only read. */
void
reducer_fold(struct reducer *r, char *st, const char *src, const char *key,
    size_t klen)
{
	enum numerr ne = 0;
	const char *over = NULL;
	char q[128];

	for (size_t i = 0; i < r->o->naggs; i++) {
		if (r->rides[i])
			continue;
		agg_merge(&r->o->aggs[i], st + r->off[i], src + r->off[i], &ne);
		if (ne && !over)
			over = agg_name(r->o->aggs[i].op);
	}
	if (over) {
		rec_quote(q, sizeof q, key, klen);
		eprintf("%s: %s out of range", q, over);
	}
}

/* Fold the states in tmp into st, and empty tmp. */
void
reducer_mergeinto(struct reducer *r, char *st, char *tmp, const char *key,
    size_t klen)
{
	reducer_fold(r, st, tmp, key, klen);
	reducer_freestates(r, tmp);
}

/* Read the file name, or stdin ("-"); fd, if not -1, is it open. */
static void
readfile(struct reducer *r, const char *name, int fd)
{
	struct reader in;
	int own = 0;

	if (strcmp(name, "-") == 0) {
		name = "stdin";
		fd = 0;
	} else if (fd < 0) {
		if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s:", name);
		own = 1;
	}
	reader_init(&in, fd, name, '\n');
	r->needheader = r->o->headerin;
	reducer_readall(r, &in);
	if (r->csvopen)
		eprintf("%s:%llu: a quoted field is not closed at the end of "
		    "the file", name, (unsigned long long)in.lineno);
	reader_free(&in);
	if (own)
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
		reducer_tablerun(r);
		if (!reducer_splitmerge(r))
			reducer_mergeruns(r, 0, r->nruns, r->out, 0, NULL);
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
	    .partial = o->partial,
	    /* The last merge writes keys in order, which ranges keep. */
	    .mergejobs = o->order == ORDER_KEY && !o->top ? o->jobs : 1 };
	static char *stdinonly[] = { "-" };

	layout(&r);
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
	int fd = -1, parts = 0, stream = 0;
	uint64_t size = 0;
	const char *name = files[0];
	if (o->jobs > 1 && nfiles == 1) {
		if (strcmp(name, "-") == 0) {
			fd = 0;
			name = "stdin";
		} else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			eprintf("%s:", name);
		}
		parts = reducer_nparts(o, nfiles, fd, &size, &stream);
	}
	if (parts > 1) {
		r.needheader = o->headerin;
		if (!stream)
			reducer_readparts(&r, name, fd, size, parts);
		else if (!reducer_readstream(&r, name, fd, parts))
			parts = 0;	/* it was small: read alone */
	} else {
		for (int i = 0; i < nfiles; i++)
			readfile(&r, files[i], i == 0 ? fd : -1);
	}
	if (fd > 0)
		close(fd);

	if (o->sorted) {
		if (r.hascur) {
			reducer_emit(&r, r.cur, r.curlen, r.curst);
			reducer_freestates(&r, r.curst);
		}
		obuf_flush(out);
	} else if (parts < 2) {	/* readparts wrote the parts' output */
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
	reducer_freetable(&r);
	table_free(r.t);
	sbuf_free(&r.line);
	free(r.runs);
	free(r.tableix);
	free(r.off);
	free(r.rides);
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
