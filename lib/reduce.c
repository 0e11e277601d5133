/*
 * reduce.c: the pdp-reduce engine.
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
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "err.h"
#include "fdlimit.h"
#include "feed.h"
#include "record.h"
#include "reduce.h"
#include "table.h"
#include "tmp.h"

/* Runs open at once, at most; FDS_OTHER more descriptors are needed
 * beside them: an input file and the output of a merge of runs. */
enum { MAXRUNS = 16, FDS_OTHER = 2 };
/* Records read before they are added (see readfile). */
enum { BATCH = 32 };

struct run {
	int fd;
	struct reader r;
	char *rec;		/* current record, NULL at the end */
	size_t len;
	const char *key;
	size_t klen;
};

struct reducer {
	const struct reduceopts *o;
	struct table *t;
	size_t vsize;
	size_t nfields;		/* fields stored: max field used + 1 */
	struct field *f;
	struct num *nums;
	char *key;		/* scratch for composite keys */
	size_t keycap;
	char *tmp;		/* --merge: states being parsed */
	uint64_t skipped;
	char firstbad[256];
	struct obuf *out;
	struct sbuf line;
	int *runs;		/* spilled runs (file descriptors) */
	size_t nruns;
	size_t maxruns;		/* MAXRUNS, or what ulimit -n leaves */
	int prefetch;		/* the key is the first field as it is */
	uint64_t partoff;	/* a child's part of the file starts here */
	size_t *off;		/* each op's state within a key's value */
	struct reduceopts own;	/* the options with the budget of a part */
	/* --sorted: the group being aggregated */
	char *cur;
	size_t curlen, curcap;
	int hascur;
	char *curst;
};

/* Quote a field for a message: escaped, cut to 40 bytes. */
static void
quote(char *buf, size_t cap, const char *s, size_t n)
{
	size_t cut = n > 40 ? 40 : n;
	char tmp[96];
	char *e = rec_escape(tmp, s, cut);

	snprintf(buf, cap, "'%.*s%s'", (int)(e - tmp), tmp, cut < n ? "..." : "");
}

/* The number of lines in the first off bytes of fd: a part read by a
 * child of reduce_run counts them only to name a line in a message. */
static uint64_t
linesbefore(int fd, uint64_t off)
{
	char buf[1 << 16];
	uint64_t n = 0, pos = 0;

	while (pos < off) {
		size_t want = off - pos < sizeof buf ? (size_t)(off - pos) : sizeof buf;
		ssize_t k = pread(fd, buf, want, (off_t)pos);
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			n += buf[i] == '\n';
		pos += (uint64_t)k;
	}
	return n;
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
		    (in->lineno + linesbefore(in->fd, r->partoff)), msg);
	if (r->skipped++ == 0)
		snprintf(r->firstbad, sizeof r->firstbad, "%s:%llu: %s",
		    in->name, (unsigned long long)in->lineno, msg);
}

static void
freestates(struct reducer *r, char *st)
{
	for (size_t k = 0; k < r->o->naggs; k++)
		agg_freestate(&r->o->aggs[k], st + r->off[k]);
	memset(st, 0, r->vsize);
}

/* Fail before printing anything if a result is out of range. */
static void
checkrange(struct reducer *r, const char *key, size_t klen, const char *st)
{
	char q[128];

	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		if (!agg_canoverflow(a->op))
			continue;
		struct aggval v = agg_final(a, st + r->off[i]);
		if (v.kind == AV_RANGE) {
			quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

/* Write one key's line: final values, or states with --partial. */
static void
printkey(struct reducer *r, const char *key, size_t klen, const char *st,
    struct obuf *out, int partial)
{
	char buf[32];

	obuf_write(out, key, klen);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		obuf_putc(out, '\t');
		if (partial) {
			r->line.len = 0;
			agg_save(a, st + r->off[i], &r->line);
			obuf_write(out, r->line.p, r->line.len);
			continue;
		}
		struct aggval v = agg_final(a, st + r->off[i]);
		if (v.kind == AV_TEXT)
			obuf_write(out, v.text, v.tlen);
		else
			obuf_write(out, buf, (size_t)agg_fmt(&v, buf));
	}
	obuf_putc(out, '\n');
}

static void compactruns(struct reducer *r);

static void
emit(struct reducer *r, const char *key, size_t klen, const char *st)
{
	if (!r->o->partial)
		checkrange(r, key, klen, st);
	printkey(r, key, klen, st, r->out, r->o->partial);
}

/* An unlinked temporary file in -T's directory. */
static int
tmpfile_(const char *dir)
{
	int fd = tmp_open(dir, "pdp-reduce");

	if (fd < 0)
		eprintf("%s: cannot make a temporary file:", dir);
	return fd;
}

/* Write the table as a run of states sorted by key, and empty it. */
static void
spill(struct reducer *r)
{
	if (!r->maxruns) {
		long limit, room = fdroom(MAXRUNS + FDS_OTHER, &limit);
		if (room < 2 + FDS_OTHER)
			eprintf("ulimit -n %ld: too few file descriptors to "
			    "spill to temporary files", limit);
		r->maxruns = (size_t)(room - FDS_OTHER);
	}
	struct obuf o;
	uint32_t n = table_count(r->t), *ix = table_sorted(r->t);
	int fd = tmpfile_(r->o->tmpdir);
	obuf_init(&o, fd, r->o->tmpdir, 1 << 16);
	for (uint32_t i = 0; i < n; i++) {
		size_t klen;
		const char *key = table_key(r->t, ix[i], &klen);
		printkey(r, key, klen, table_val(r->t, ix[i]), &o, 1);
	}
	obuf_flush(&o);
	obuf_free(&o);
	free(ix);
	for (uint32_t i = 0; i < n; i++)
		freestates(r, table_val(r->t, i));
	/* A new table, not a cleared one: the arrays count against the
	 * budget as allocated, and kept at full size they would leave no
	 * room, so that every new key spilled a run of its own. */
	table_free(r->t);
	r->t = table_new(r->vsize);
	r->runs = ereallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
	r->runs[r->nruns++] = fd;
	if (r->nruns >= r->maxruns)
		compactruns(r);
}

/* Parse the states of a --merge record (or a run's line) into r->tmp. */
static int
loadstates(struct reducer *r, char *tmp, const struct field *f,
    const char **why, size_t *which)
{
	memset(tmp, 0, r->vsize);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		if (agg_load(a, tmp + r->off[i], f[i].s, f[i].len, why) < 0) {
			freestates(r, tmp);
			*which = i;
			return -1;
		}
	}
	return 0;
}

/* Fold the states in tmp into st, and empty tmp. */
static void
mergeinto(struct reducer *r, char *st, char *tmp, const char *key,
    size_t klen)
{
	enum numerr ne = 0;
	char q[128];

	for (size_t i = 0; i < r->o->naggs; i++)
		agg_merge(&r->o->aggs[i], st + r->off[i], tmp + r->off[i], &ne);
	freestates(r, tmp);
	if (ne) {
		quote(q, sizeof q, key, klen);
		eprintf("%s: sum out of range", q);
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
			quote(q1, sizeof q1, key, klen);
			quote(q2, sizeof q2, r->cur, r->curlen);
			eprintf("%s:%llu: input is not sorted: %s after %s",
			    in->name, (unsigned long long)in->lineno, q1, q2);
		}
		emit(r, r->cur, r->curlen, r->curst);
		freestates(r, r->curst);
	}
	if (klen > r->curcap || !r->cur) {	/* an empty key too */
		r->curcap = klen * 2 + 1;
		r->cur = erealloc(r->cur, r->curcap);
	}
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
	if (r->o->order == ORDER_KEY && !r->o->top && table_used(r->t) +
	    agg_heapbytes() + (size_t)table_count(r->t) * TABLE_SORTBYTES >
	    r->o->bufsize && table_count(r->t) > 0) {
		/* Over the budget: a key already there is fine, a new one
		 * first sends the table to disk. */
		char *st = table_find(r->t, key, klen);
		if (st)
			return st;
		spill(r);
	}
	return table_get(r->t, key, klen, &isnew);
}

static void
addrecord(struct reducer *r, const struct reader *in, const char *rec,
    size_t len)
{
	const struct reduceopts *o = r->o;
	size_t nf = rec_split(rec, len, r->f, r->nfields);
	const char *key;
	size_t klen;
	char q[128];
	enum numerr ne;

	if (o->merge) {
		if (nf != o->nkeyf + o->naggs) {
			bad(r, in, "%zu fields where %zu expected (key fields, then "
			    "one state per op)", nf, o->nkeyf + o->naggs);
			return;
		}
	} else {
		for (size_t i = 0; i < o->nkeyf; i++)
			if (o->keyf[i] >= nf) {
				bad(r, in, "missing key field %zu", o->keyf[i] + 1);
				return;
			}
		for (size_t i = 0; i < o->naggs; i++) {
			const struct agg *a = &o->aggs[i];
			if (!agg_needsvalue(a->op))
				continue;
			if (a->field >= nf) {
				bad(r, in, "missing field %zu", a->field + 1);
				return;
			}
			if (!agg_isnumeric(a->op))
				continue;
			const struct field *v = &r->f[a->field];
			r->nums[i] = num_parse(v->s, v->len);
			if (r->nums[i].kind == NUM_BAD) {
				quote(q, sizeof q, v->s, v->len);
				bad(r, in, "%s: %s %s%s", agg_name(a->op),
				    r->nums[i].err == NUMERR_RANGE ?
				    "number out of range" : "not a number", q,
				    v->len && v->s[v->len - 1] == '\r' ?
				    " (CRLF line ends? tr -d '\\r' removes them)" : "");
				return;
			}
		}
	}

	if (o->nkeyf == 1 && !o->merge) {
		key = r->f[o->keyf[0]].s;
		klen = r->f[o->keyf[0]].len;
	} else {
		klen = 0;
		for (size_t i = 0; i < o->nkeyf; i++) {
			const struct field *k = &r->f[o->merge ? i : o->keyf[i]];
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
		if (loadstates(r, r->tmp, r->f + o->nkeyf, &why, &which) < 0) {
			const struct field *s = &r->f[o->nkeyf + which];
			quote(q, sizeof q, s->s, s->len);
			bad(r, in, "%s: %s %s", agg_name(o->aggs[which].op), why, q);
			return;
		}
		mergeinto(r, stateof(r, in, key, klen), r->tmp, key, klen);
		return;
	}
	char *st = stateof(r, in, key, klen);
	for (size_t i = 0; i < o->naggs; i++) {
		const struct agg *a = &o->aggs[i];
		/* Only fields that some op reads were stored (count reads
		 * none). */
		const struct field *v = agg_needsvalue(a->op) ? &r->f[a->field] :
		    NULL;
		if (agg_addnum(a, st + r->off[i], v ? v->s : "", v ? v->len : 0,
		    &r->nums[i], &ne) != AGG_OK) {
			quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

/* Add every record that the reader in gives. */
static void
readall(struct reducer *r, struct reader *in_)
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
			size_t len;
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
		if (r->prefetch) {
			for (int i = 0; i < nb; i++) {
				const char *t = memchr(b[i].rec, '\t', b[i].len);
				b[i].hash = table_prefetchslot(r->t, b[i].rec,
				    t ? (size_t)(t - b[i].rec) : b[i].len);
			}
			for (int i = 0; i < nb; i++)
				table_prefetchentry(r->t, b[i].hash);
		}
		uint64_t lineno = in.lineno;
		int unterminated = in.unterminated;
		for (int i = 0; i < nb; i++) {
			in.lineno = b[i].lineno;
			in.unterminated = b[i].unterminated;
			addrecord(r, &in, b[i].rec, b[i].len);
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
	readall(r, &in);
	reader_free(&in);
	if (fd != 0)
		close(fd);
}

/* Run records: the key is every field before the states. */
static int
runnext(struct reducer *r, struct run *u)
{
	int st = reader_next(&u->r, &u->rec, &u->len);

	if (st < 0)
		reader_fail(&u->r);
	if (st == 0) {
		u->rec = NULL;
		return 0;
	}
	/* The states are the last naggs fields. */
	size_t tabs = 0, i = u->len;
	while (i > 0 && tabs < r->o->naggs)
		if (u->rec[--i] == '\t')
			tabs++;
	u->key = u->rec;
	u->klen = i;
	return 1;
}

static int
runcmp(const struct run *a, const struct run *b)
{
	size_t m = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, m);

	return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

/* Merge runs [from, from+n) onto out: partial states (a new run) or,
 * for the last merge, the final output. */
static void
mergeruns(struct reducer *r, size_t from, size_t n, struct obuf *out,
    int partial)
{
	struct run *u = ecalloc(n, sizeof *u);
	char *acc = ecalloc(1, r->vsize), *tmp = ecalloc(1, r->vsize);
	/* Its own fields and states: a merge may run in the middle of
	 * adding a record (compactruns from spill). */
	struct field *f = ereallocarray(NULL, r->o->naggs, sizeof *f);
	const char *why;
	size_t which;

	for (size_t i = 0; i < n; i++) {
		u[i].fd = r->runs[from + i];
		if (lseek(u[i].fd, 0, SEEK_SET) < 0)
			eprintf("%s: temporary file:", r->o->tmpdir);
		reader_init(&u[i].r, u[i].fd, r->o->tmpdir, '\n');
		runnext(r, &u[i]);
	}
	for (;;) {
		struct run *min = NULL;
		for (size_t i = 0; i < n; i++)
			if (u[i].rec && (!min || runcmp(&u[i], min) < 0))
				min = &u[i];
		if (!min)
			break;
		/* The key must outlive the readers' buffers. */
		char *key = ememdup(min->key, min->klen ? min->klen : 1);
		size_t klen = min->klen;
		struct run probe = { .key = key, .klen = klen };
		for (size_t i = 0; i < n; i++) {
			while (u[i].rec && runcmp(&u[i], &probe) == 0) {
				rec_split(u[i].rec + klen + 1, u[i].len - klen - 1,
				    f, r->o->naggs);
				if (loadstates(r, tmp, f, &why, &which) < 0)
					eprintf("%s: temporary file: %s", r->o->tmpdir, why);
				mergeinto(r, acc, tmp, key, klen);
				runnext(r, &u[i]);
			}
		}
		if (partial)
			printkey(r, key, klen, acc, out, 1);
		else
			emit(r, key, klen, acc);
		freestates(r, acc);
		free(key);
	}
	for (size_t i = 0; i < n; i++) {
		reader_free(&u[i].r);
		close(u[i].fd);
	}
	free(u);
	free(acc);
	free(tmp);
	free(f);
}

/* Keep the number of runs under MAXRUNS by merging them into one. */
static void
compactruns(struct reducer *r)
{
	struct obuf o;
	int fd = tmpfile_(r->o->tmpdir);
	obuf_init(&o, fd, r->o->tmpdir, 1 << 16);
	mergeruns(r, 0, r->nruns, &o, 1);
	obuf_flush(&o);
	obuf_free(&o);
	r->runs[0] = fd;
	r->nruns = 1;
}

struct ranked {
	struct aggval v;
	uint32_t idx;
	const char *key;
	uint32_t klen;
};

static int
cmprankedkey(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static int
cmpranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = agg_cmp(&y->v, &x->v);	/* descending by value */

	return c ? c : cmprankedkey(a, b);
}

/* Print the table in the order asked for. */
static void
printtable(struct reducer *r)
{
	const struct reduceopts *o = r->o;
	uint32_t n = table_count(r->t);
	uint64_t limit = o->top && o->top < n ? o->top : n;
	size_t klen;

	for (uint32_t i = 0; i < n && !o->partial; i++) {
		const char *key = table_key(r->t, i, &klen);
		checkrange(r, key, klen, table_val(r->t, i));
	}
	if (o->order == ORDER_NONE && !o->top) {
		for (uint32_t i = 0; i < n; i++) {
			const char *key = table_key(r->t, i, &klen);
			printkey(r, key, klen, table_val(r->t, i), r->out, o->partial);
		}
	} else if (o->order == ORDER_VALUE || o->top) {
		struct ranked *rk = ereallocarray(NULL, n, sizeof *rk);
		for (uint32_t i = 0; i < n; i++) {
			rk[i].idx = i;
			rk[i].key = table_key(r->t, i, &klen);
			rk[i].klen = (uint32_t)klen;
			rk[i].v = agg_final(&o->aggs[0],
			    (char *)table_val(r->t, i) + r->off[0]);
		}
		qsort(rk, n, sizeof *rk, cmpranked);
		/* --top with --order=key: the top N, printed by key. */
		if (o->order == ORDER_KEY)
			qsort(rk, limit, sizeof *rk, cmprankedkey);
		for (uint64_t i = 0; i < limit; i++)
			printkey(r, rk[i].key, rk[i].klen, table_val(r->t, rk[i].idx),
			    r->out, o->partial);
		free(rk);
	} else {
		uint32_t *ix = table_sorted(r->t);
		for (uint32_t i = 0; i < n; i++) {
			const char *key = table_key(r->t, ix[i], &klen);
			printkey(r, key, klen, table_val(r->t, ix[i]), r->out,
			    o->partial);
		}
		free(ix);
	}
}

/* Parts: a file smaller than two of these is read by one process. */
enum { PART_MIN = 16 << 20, MAXPARTS = 8 };

static pid_t partpid[MAXPARTS];

/* A fatal error of the parent ends the children reading parts. */
static void
killparts(const char *msg)
{
	(void)msg;
	for (int k = 1; k < MAXPARTS; k++)
		if (partpid[k] > 0)
			kill(partpid[k], SIGTERM);
}

/* The number of parts to read name in: 0 for one process. */
static int
nparts(const struct reduceopts *o, char **files, int nfiles, int fd,
    uint64_t *size)
{
	struct stat st;

	if (o->jobs < 2 || nfiles != 1 || strcmp(files[0], "-") == 0 ||
	    o->sorted || o->merge || o->skipinvalid || o->order != ORDER_KEY ||
	    o->top || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < 2 * (uint64_t)PART_MIN)
		return 0;
	*size = (uint64_t)st.st_size;
	uint64_t n = *size / PART_MIN;
	if (n > (uint64_t)o->jobs)
		n = (uint64_t)o->jobs;
	return n > MAXPARTS ? MAXPARTS : (int)n;
}

/* Write what the reducer holds: the table, or the merge of its runs. */
static void
finish(struct reducer *r)
{
	if (r->nruns > 0) {
		if (table_count(r->t) > 0)
			spill(r);
		mergeruns(r, 0, r->nruns, r->out, 0);
	} else {
		printtable(r);
	}
	obuf_flush(r->out);
}

/* Read the file name (open on fd, size bytes) in parts: part 0 here,
 * the others in children whose partial states become runs. */
static void
readparts(struct reducer *r, const char *name, int fd, uint64_t size,
    int parts)
{
	uint64_t cut[MAXPARTS + 1];
	int out[MAXPARTS];

	cut[0] = 0;
	cut[parts] = size;
	for (int k = 1; k < parts; k++) {
		char buf[1 << 16];
		if (feed_linestart(fd, size / (uint64_t)parts * (uint64_t)k, buf,
		    sizeof buf, &cut[k]) < 0)
			eprintf("%s:", name);
		if (cut[k] > size)
			cut[k] = size;
		if (cut[k] < cut[k - 1])
			cut[k] = cut[k - 1];
	}
	r->own = *r->o;
	r->own.bufsize /= (uint64_t)parts;
	r->o = &r->own;
	setfatalhook(killparts, 1);
	fflush(NULL);
	for (int k = 1; k < parts; k++) {
		out[k] = tmpfile_(r->o->tmpdir);
		if ((partpid[k] = fork()) < 0)
			eprintf("fork:");
		if (partpid[k] > 0)
			continue;
		/* A child: its part, as partial states, to out[k]. */
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		setfatalhook(NULL, 0);
		for (int j = 1; j < k; j++)
			close(out[j]);
		int pf = open(name, O_RDONLY | O_CLOEXEC);
		if (pf < 0 || lseek(pf, (off_t)cut[k], SEEK_SET) < 0)
			eprintf("%s:", name);
		struct obuf o;
		struct reader in;
		obuf_init(&o, out[k], r->o->tmpdir, 1 << 16);
		r->own.partial = 1;
		r->out = &o;
		r->partoff = cut[k];
		reader_init(&in, pf, name, '\n');
		in.left = cut[k + 1] - cut[k];
		readall(r, &in);
		finish(r);
		_exit(0);
	}
	struct reader in;
	reader_init(&in, fd, name, '\n');
	in.left = cut[1];
	readall(r, &in);
	reader_free(&in);
	/* Runs merge in order (first and last depend on it): part 0's
	 * table goes after its spilled runs and before the other parts.  It
	 * is sorted and written while the other parts may still be read. */
	if (table_count(r->t) > 0)
		spill(r);
	/* Every part must have been read whole before a line is written. */
	int failed = 0;
	for (int k = 1; k < parts; k++) {
		int st;
		while (waitpid(partpid[k], &st, 0) < 0)
			if (errno != EINTR)
				eprintf("waitpid:");
		partpid[k] = 0;
		if (WIFSIGNALED(st))
			weprintf("%s: the process reading bytes %llu-%llu was "
			    "killed by signal %d (%s)", name,
			    (unsigned long long)cut[k],
			    (unsigned long long)cut[k + 1] - 1, WTERMSIG(st),
			    strsignal(WTERMSIG(st)));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;	/* its message is out already */
	}
	if (failed) {
		killparts(NULL);
		exit(EXIT_FATAL);
	}
	setfatalhook(NULL, 0);
	for (int k = 1; k < parts; k++) {
		r->runs = ereallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
		r->runs[r->nruns++] = out[k];
	}
}

int
reduce_run(const struct reduceopts *o, char **files, int nfiles,
    struct obuf *out)
{
	struct reducer r = { .o = o, .out = out };
	static char *stdinonly[] = { "-" };

	r.off = ereallocarray(NULL, o->naggs, sizeof *r.off);
	for (size_t i = 0; i < o->naggs; i++) {
		r.off[i] = r.vsize;
		/* Keep each state 8-byte aligned. */
		r.vsize += (agg_statesize(o->aggs[i].op) + 7) & ~(size_t)7;
		if (agg_needsvalue(o->aggs[i].op) && o->aggs[i].field + 1 > r.nfields)
			r.nfields = o->aggs[i].field + 1;
	}
	for (size_t i = 0; i < o->nkeyf; i++)
		if (o->keyf[i] + 1 > r.nfields)
			r.nfields = o->keyf[i] + 1;
	if (o->merge)
		r.nfields = o->nkeyf + o->naggs;
	if (r.nfields < o->naggs)
		r.nfields = o->naggs;	/* runs: the states alone */
	r.f = ereallocarray(NULL, r.nfields, sizeof *r.f);
	r.nums = ecalloc(o->naggs, sizeof *r.nums);
	r.tmp = ecalloc(1, r.vsize);
	r.curst = ecalloc(1, r.vsize);
	r.t = table_new(r.vsize);
	r.prefetch = !o->sorted && !o->merge && o->nkeyf == 1 && o->keyf[0] == 0;

	if (nfiles == 0) {
		files = stdinonly;
		nfiles = 1;
	}
	int fd = -1, parts = 0;
	uint64_t size = 0;
	if (o->jobs > 1 && nfiles == 1 && strcmp(files[0], "-") != 0) {
		if ((fd = open(files[0], O_RDONLY | O_CLOEXEC)) < 0)
			eprintf("%s:", files[0]);
		parts = nparts(o, files, nfiles, fd, &size);
	}
	if (parts > 1) {
		readparts(&r, files[0], fd, size, parts);
		close(fd);
	} else {
		if (fd >= 0)
			close(fd);
		for (int i = 0; i < nfiles; i++)
			readfile(&r, files[i]);
	}

	if (o->sorted) {
		if (r.hascur) {
			emit(&r, r.cur, r.curlen, r.curst);
			freestates(&r, r.curst);
		}
		obuf_flush(out);
	} else {
		finish(&r);
	}

	if (r.skipped)
		weprintf("skipped %llu invalid record%s (first: %s)",
		    (unsigned long long)r.skipped, r.skipped == 1 ? "" : "s",
		    r.firstbad);
	uint32_t n = table_count(r.t);
	for (uint32_t i = 0; i < n; i++)
		freestates(&r, table_val(r.t, i));
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
	return 0;
}
