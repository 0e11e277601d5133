/*
 * combine.c: the combine sink of pdp-map --combine.  A task's records
 * are aggregated in a table of its own; when the task succeeds that
 * table is folded into the worker's, which is sent as records when it
 * passes TABLE_MAX bytes or the parent asks for it.  All fields of a
 * record but the last are its key, the last its value.
 *
 * With --combine sum (and no --tag), counts are summed in the counters
 * themselves, kept from input to input: a committed count joins the
 * worker's table only when it would overflow 64 bits or the counters
 * are written out, which they are with the table, and also when they
 * pass half TABLE_MAX after an input; their bound within an input is
 * then TABLE_MAX, past which the input's counts go into its own table.
 *
 * A task's own table is bounded by TABLE_MAX too: past it, its records
 * so far go to the parent, which holds them with the worker's table.
 * So a worker holds at most its counters, the task's table and its own
 * table, each about TABLE_MAX (twice that as one doubles past it).
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "io.h"
#include "num.h"
#include "record.h"
#include "sink.h"
#include "table.h"

enum { TABLE_MAX = 64 << 20 };	/* states (and counts) before a flush */

struct combine {
	struct sink s;
	const struct agg *a;
	struct table *task;	/* the running task's records */
	struct table *comb;	/* the tasks done since the last flush */
	struct sbuf line;	/* a record ctx->write left unfinished */
	int midline;
	struct sbuf rec;	/* a record of emit or count */
	uint64_t spilled;	/* records the running task sent (spilltask) */
	uint64_t held;		/* and those of the tasks in comb */
};

struct partsarg {
	struct frames *out;
	const char *key;
	size_t klen;
	uint64_t records;
};

static void
putpart(void *arg, const char *v, size_t n)
{
	struct partsarg *pa = arg;

	frames_put(pa->out, pa->key, pa->klen);
	frames_put(pa->out, "\t", 1);
	frames_put(pa->out, v, n);
	frames_put(pa->out, "\n", 1);
	pa->records++;
}

static void
freestates(struct combine *cb, struct table *t)
{
	uint32_t n = table_count(t);

	for (uint32_t i = 0; i < n; i++)
		agg_freestate(cb->a, table_val(t, i));
	table_clear(t);
}

/* The records of table t to the parent, as partial states; its states
 * are freed and it is emptied. */
static void
puttable(struct combine *cb, struct table *t, struct partsarg *pa)
{
	uint32_t n = table_count(t);

	for (uint32_t i = 0; i < n; i++) {
		pa->key = table_key(t, i, &pa->klen);
		if (agg_parts(cb->a, table_val(t, i), putpart, pa) < 0)
			eprintf("--combine %s: out of range",
			    agg_name(cb->a->op));
	}
	freestates(cb, t);
}

/* The running task's table passed TABLE_MAX: its records so far go to
 * the parent, which holds them with the worker's table (and drops them
 * if the task fails), and a new table takes the rest.  So one input of
 * many keys takes no more memory than many inputs do. */
static void
spilltask(struct combine *cb)
{
	struct partsarg pa = { .out = cb->s.out };

	puttable(cb, cb->task, &pa);
	table_free(cb->task);
	cb->task = table_new(agg_statesize(cb->a->op));
	cb->spilled += pa.records;
}

/* Aggregate one record: all fields but the last are the key. */
static void
fold(struct combine *cb, const char *rec, size_t n)
{
	struct pdp_ctx *ctx = cb->s.ctx;
	const struct agg *a = cb->a;
	const char *tab = NULL;
	enum numerr ne;
	int isnew;

	n = rec_nocr(rec, n);	/* as pdp-reduce reads it */
	for (size_t i = n; i > 0; i--)
		if (rec[i - 1] == '\t') {
			tab = rec + i - 1;
			break;
		}
	if (!tab) {
		ctx->fail(ctx, "--combine: record without a value field");
		return;
	}
	const char *v = tab + 1;
	size_t vl = (size_t)(rec + n - v);
	struct num x = num_parse(v, vl);
	if (x.kind == NUM_BAD) {
		char q[128];
		rec_quote(q, sizeof q, v, vl);	/* as pdp-reduce shows it */
		ctx->fail(ctx, "--combine %s: %s %s", agg_name(a->op),
		    x.err == NUMERR_RANGE ? "number out of range" :
		    "not a number", q);
		return;
	}
	void *st = table_get(cb->task, rec, (size_t)(tab - rec), &isnew);
	if (agg_addnum(a, st, v, vl, &x, &ne) != AGG_OK)
		ctx->fail(ctx, "--combine %s: out of range", agg_name(a->op));
	else if (isnew && table_bytes(cb->task) > TABLE_MAX)
		spilltask(cb);
}

static void
crecord(struct sink *s, const char *k, size_t kl, const char *v, size_t vl)
{
	struct combine *cb = (struct combine *)s;

	cb->rec.len = 0;
	if (s->tag)
		sbuf_add(&cb->rec, s->tag, s->taglen);
	sbuf_escape(&cb->rec, k, kl);
	sbuf_add(&cb->rec, "\t", 1);
	sbuf_escape(&cb->rec, v, vl);
	fold(cb, cb->rec.p, cb->rec.len);
}

static void
ctext(struct sink *s, const char *p, size_t n)
{
	struct combine *cb = (struct combine *)s;
	const char *end = p + n;

	while (p < end) {
		if (!cb->midline && s->tag)
			sbuf_add(&cb->line, s->tag, s->taglen);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		sbuf_add(&cb->line, p, (size_t)(e - p));
		cb->midline = !nl;
		if (nl) {
			fold(cb, cb->line.p, cb->line.len);
			cb->line.len = 0;
		}
		p = nl ? nl + 1 : end;
	}
}

/* The last line, if ctx->write left it without its newline. */
static void
endline(struct combine *cb)
{
	if (cb->midline) {
		fold(cb, cb->line.p, cb->line.len);
		cb->line.len = 0;
		cb->midline = 0;
	}
}

/* The task succeeded: fold its table into the worker's. */
static void
foldtask(struct combine *cb)
{
	uint32_t n = table_count(cb->task);
	enum numerr ne = 0;

	for (uint32_t i = 0; i < n; i++) {
		size_t kl;
		const char *k = table_key(cb->task, i, &kl);
		int isnew;
		void *st = table_get(cb->comb, k, kl, &isnew);
		agg_merge(cb->a, st, table_val(cb->task, i), &ne);
	}
	freestates(cb, cb->task);
	if (ne)
		eprintf("--combine %s: out of range", agg_name(cb->a->op));
}

static void
cfinish(struct sink *s)
{
	endline((struct combine *)s);
	sink_putcounts(s);
	counts_forget(s->counts);
}

static void
cend(struct sink *s, int ok)
{
	struct combine *cb = (struct combine *)s;

	cb->held += ok ? cb->spilled : 0;
	cb->spilled = 0;
	if (ok) {
		foldtask(cb);
		return;
	}
	sink_dropcounts(s);
	counts_forget(s->counts);
	cb->midline = 0;
	cb->line.len = 0;
	freestates(cb, cb->task);
}

/* A committed count of --combine sum, sent with the worker's table. */
static void
putcommitted(void *arg, const char *k, size_t kl, int64_t n)
{
	struct partsarg *pa = arg;
	char num[32];
	int vl = num_fmtint(num, n);

	frames_putescaped(pa->out, k, kl);
	frames_put(pa->out, "\t", 1);
	frames_put(pa->out, num, (size_t)vl);
	frames_put(pa->out, "\n", 1);
	pa->records++;
}

/* Send the worker's table (and committed counts) and forget them. */
static void
flush(struct combine *cb, int counts)
{
	struct partsarg pa = { .out = cb->s.out, .records = cb->held };

	puttable(cb, cb->comb, &pa);
	if (counts) {
		counts_each(cb->s.counts, putcommitted, &pa);
		counts_clear(cb->s.counts);
	}
	cb->held = 0;
	frames_flush(cb->s.out);
	frames_send(cb->s.out, RES_FLUSH, &pa.records, sizeof pa.records);
}

static void
cidle(struct sink *s, int asked)
{
	struct combine *cb = (struct combine *)s;

	if (asked || table_bytes(cb->comb) > TABLE_MAX)
		flush(cb, 0);
}

static const struct sinkops combineops = {
	.record = crecord,
	.text = ctext,
	.counted = sink_counted,
	.finish = cfinish,
	.end = cend,
	.idle = cidle,
};

/* --combine sum: a committed count joins the worker's table, which sums
 * in 128 bits (the counters overflow at 64). */
static void
tocomb(void *arg, const char *k, size_t kl, int64_t n)
{
	struct combine *cb = arg;
	struct num x = { .kind = NUM_INT, .i = n };
	enum numerr ne = 0;
	int isnew;

	cb->rec.len = 0;
	sbuf_escape(&cb->rec, k, kl);
	void *st = table_get(cb->comb, cb->rec.p, cb->rec.len, &isnew);
	if (agg_addnum(cb->a, st, "", 0, &x, &ne) != AGG_OK)
		eprintf("--combine sum: out of range");
}

static int
scounted(struct sink *s, const char *k, size_t kl, long long n, int r)
{
	struct combine *cb = (struct combine *)s;

	if (r < 0) {
		/* Make room: the committed count moves to the table. */
		int64_t was = counts_uncommit(s->counts, k, kl);
		if (was) {
			tocomb(cb, k, kl, was);
			r = counts_add(s->counts, k, kl, n);
		}
	}
	if (r < 0) {
		s->ctx->fail(s->ctx, "count overflows");
		return -1;
	}
	if (r > 0 && counts_bytes(s->counts) > s->countsmax) {
		/* This input's counts to its table, the committed ones to
		 * the worker's. */
		int r2 = sink_putcounts(s);
		counts_rollback(s->counts);
		counts_each(s->counts, tocomb, cb);
		counts_clear(s->counts);
		return r2;
	}
	return 0;
}

static void
sfinish(struct sink *s)
{
	endline((struct combine *)s);
}

static void
send_(struct sink *s, int ok)
{
	struct combine *cb = (struct combine *)s;

	cb->held += ok ? cb->spilled : 0;
	cb->spilled = 0;
	if (ok) {
		counts_commit(s->counts);
		foldtask(cb);
		return;
	}
	counts_rollback(s->counts);
	cb->midline = 0;
	cb->line.len = 0;
	freestates(cb, cb->task);
}

/* The counters are written at half TABLE_MAX, so that an input rarely
 * fills them up (scounted). */
static void
sidle(struct sink *s, int asked)
{
	struct combine *cb = (struct combine *)s;
	size_t c = counts_bytes(s->counts);

	if (asked || table_bytes(cb->comb) + c > TABLE_MAX || c > TABLE_MAX / 2)
		flush(cb, 1);
}

static const struct sinkops sumops = {
	.record = crecord,
	.text = ctext,
	.counted = scounted,
	.finish = sfinish,
	.end = send_,
	.idle = sidle,
};

struct sink *
combine_sink(const struct sink *base, const struct agg *a, int tagged)
{
	struct combine *cb = ecalloc(1, sizeof *cb);

	cb->s = *base;
	cb->a = a;
	cb->s.op = a->op == AGG_SUM && !tagged ? &sumops : &combineops;
	cb->s.countsmax = cb->s.op == &sumops ? TABLE_MAX : SINK_COUNTSMAX;
	cb->task = table_new(agg_statesize(a->op));
	cb->comb = table_new(agg_statesize(a->op));
	return &cb->s;
}
