/* reduce.c: the pdp-reduce engine.  Memory is the table: every distinct
 * key once, plus the per-op state of each key (see agg.c) and the
 * reader's buffer, which holds the longest record. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "record.h"
#include "reduce.h"
#include "table.h"

struct reducer {
	const struct reduceopts *o;
	struct table *t;
	size_t vsize;
	size_t nfields;		/* fields needed: max field used + 1 */
	struct field *f;
	struct num *nums;
	char *key;		/* scratch for composite keys */
	size_t keycap;
	uint64_t skipped;
	char firstbad[256];
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

static void
bad(struct reducer *r, const struct reader *in, const char *fmt, ...)
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
		eprintf("%s:%llu: %s", in->name, (unsigned long long)in->lineno,
		    msg);
	if (r->skipped++ == 0)
		snprintf(r->firstbad, sizeof r->firstbad, "%s:%llu: %s",
		    in->name, (unsigned long long)in->lineno, msg);
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
			bad(r, in, "%s: %s %s", agg_name(a->op),
			    r->nums[i].err == NUMERR_RANGE ?
			    "number out of range" : "not a number", q);
			return;
		}
	}

	if (o->nkeyf == 1) {
		key = r->f[o->keyf[0]].s;
		klen = r->f[o->keyf[0]].len;
	} else {
		klen = 0;
		for (size_t i = 0; i < o->nkeyf; i++) {
			const struct field *k = &r->f[o->keyf[i]];
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

	int isnew;
	char *st = table_get(r->t, key, klen, &isnew);
	for (size_t i = 0; i < o->naggs; i++) {
		const struct agg *a = &o->aggs[i];
		/* Only fields that some op reads were stored (count reads
		 * none). */
		const struct field *v = agg_needsvalue(a->op) ? &r->f[a->field] :
		    NULL;
		if (agg_addnum(a, st + a->off, v ? v->s : "", v ? v->len : 0,
		    &r->nums[i], &ne) != AGG_OK) {
			quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

static void
readfile(struct reducer *r, const char *name)
{
	struct reader in;
	int fd = 0;
	char *rec;
	size_t len;
	int st;

	if (strcmp(name, "-") == 0)
		name = "stdin";
	else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) < 0)
		eprintf("%s:", name);
	reader_init(&in, fd, name, '\n');
	while ((st = reader_next(&in, &rec, &len)) > 0)
		addrecord(r, &in, rec, len);
	if (st < 0)
		eprintf("%s: read error:", name);
	reader_free(&in);
	if (fd != 0)
		close(fd);
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

static void
printentry(struct reducer *r, uint32_t idx, struct obuf *out)
{
	size_t klen;
	const char *key = table_key(r->t, idx, &klen);
	char *st = table_val(r->t, idx);
	char buf[32];

	obuf_write(out, key, klen);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		struct aggval v = agg_final(a, st + a->off);
		obuf_putc(out, '\t');
		if (v.kind == AV_TEXT)
			obuf_write(out, v.text, v.tlen);
		else
			obuf_write(out, buf, (size_t)agg_fmt(&v, buf));
	}
	obuf_putc(out, '\n');
}

/* Fail before printing anything if a sum is out of range. */
static void
checkrange(struct reducer *r)
{
	uint32_t n = table_count(r->t);
	char q[128];

	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		if (a->op != AGG_SUM && a->op != AGG_MEAN)
			continue;
		for (uint32_t k = 0; k < n; k++) {
			struct aggval v = agg_final(a, (char *)table_val(r->t, k) + a->off);
			if (v.kind != AV_RANGE)
				continue;
			size_t klen;
			const char *key = table_key(r->t, k, &klen);
			quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

int
reduce_run(const struct reduceopts *o, char **files, int nfiles,
    struct obuf *out)
{
	struct reducer r = { .o = o };
	static char *stdinonly[] = { "-" };

	for (size_t i = 0; i < o->naggs; i++) {
		o->aggs[i].off = r.vsize;
		/* Keep each state 8-byte aligned. */
		r.vsize += (agg_statesize(o->aggs[i].op) + 7) & ~(size_t)7;
		if (agg_needsvalue(o->aggs[i].op) && o->aggs[i].field + 1 > r.nfields)
			r.nfields = o->aggs[i].field + 1;
	}
	for (size_t i = 0; i < o->nkeyf; i++)
		if (o->keyf[i] + 1 > r.nfields)
			r.nfields = o->keyf[i] + 1;
	r.f = ereallocarray(NULL, r.nfields, sizeof *r.f);
	r.nums = ecalloc(o->naggs, sizeof *r.nums);
	r.t = table_new(r.vsize);

	if (nfiles == 0) {
		files = stdinonly;
		nfiles = 1;
	}
	for (int i = 0; i < nfiles; i++)
		readfile(&r, files[i]);

	checkrange(&r);
	uint32_t n = table_count(r.t);
	uint64_t limit = o->top && o->top < n ? o->top : n;
	if (o->order == ORDER_NONE && !o->top) {
		for (uint32_t i = 0; i < n; i++)
			printentry(&r, i, out);
	} else if (o->order == ORDER_VALUE || o->top) {
		struct ranked *rk = ereallocarray(NULL, n, sizeof *rk);
		for (uint32_t i = 0; i < n; i++) {
			size_t klen;
			rk[i].idx = i;
			rk[i].key = table_key(r.t, i, &klen);
			rk[i].klen = (uint32_t)klen;
			rk[i].v = agg_final(&o->aggs[0],
			    (char *)table_val(r.t, i) + o->aggs[0].off);
		}
		qsort(rk, n, sizeof *rk, cmpranked);
		/* --top with --order=key: the top N, printed by key. */
		if (o->order == ORDER_KEY)
			qsort(rk, limit, sizeof *rk, cmprankedkey);
		for (uint64_t i = 0; i < limit; i++)
			printentry(&r, rk[i].idx, out);
		free(rk);
	} else {
		uint32_t *ix = table_sorted(r.t);
		for (uint32_t i = 0; i < n; i++)
			printentry(&r, ix[i], out);
		free(ix);
	}
	obuf_flush(out);

	if (r.skipped)
		weprintf("skipped %llu invalid record%s (first: %s)",
		    (unsigned long long)r.skipped, r.skipped == 1 ? "" : "s",
		    r.firstbad);
	for (uint32_t i = 0; i < n; i++)
		for (size_t k = 0; k < o->naggs; k++)
			agg_freestate(&o->aggs[k],
			    (char *)table_val(r.t, i) + o->aggs[k].off);
	table_free(r.t);
	free(r.f);
	free(r.nums);
	free(r.key);
	return 0;
}
