/* emit.c: pdp-reduce's output: a key's line (final values, or states
 * with --partial), and the whole table in key order, by value (--order
 * value) or the first N by value (--top). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "radix.h"
#include "reducer.h"
#include "table.h"

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
			rec_quote(q, sizeof q, key, klen);
			eprintf("%s: %s out of range", q, agg_name(a->op));
		}
	}
}

/* --round and --format: a number as the user asked for it (numfmt
 * holds one %Lf, %Le or %Lg conversion, checked).  A decimal sum rounds
 * exactly, half to even; the others through a long double, as printf
 * rounds.  Returns the length written into buf (cap bytes), or -1 if v
 * is not a number. */
static int
fmtnum(const struct reduceopts *o, const struct aggval *v, char *buf,
    size_t cap)
{
	long double x;

	switch (v->kind) {
	case AV_UINT: x = (long double)v->u; break;
	case AV_INT: x = (long double)v->i; break;
	case AV_FLOAT: x = (long double)v->d; break;
	case AV_DEC:
		if (!o->numfmt)
			return agg_decround(buf, v, o->round);
		x = (long double)v->d;
		break;
	case AV_TEXT: {
		struct num n = num_parse(v->text, v->tlen);
		if (n.kind == NUM_BAD)
			return -1;
		if (n.kind == NUM_FLOAT && n.dscale >= 0 && !o->numfmt) {
			/* A plain decimal as it appeared (min, max) rounds
			 * as a sum does, on its exact value: 2.675 to 2.68. */
			struct aggval d = { .kind = AV_DEC, .u = (uint64_t)n.i,
			    .i = n.i < 0 ? -1 : 0, .scale = n.dscale, .d = n.d };
			return agg_decround(buf, &d, o->round);
		}
		x = n.kind == NUM_INT ? (long double)n.i : (long double)n.d;
		break;
	}
	default:
		return -1;
	}
	int n;
	if (isnan(x))
		x = NAN;	/* the sign of a NaN is no news: "nan", not "-nan" */
	if (o->numfmt) {
		/* opt_numfmt checked it: one conversion, of a long double. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = snprintf(buf, cap, o->numfmt, x);
#pragma GCC diagnostic pop
	} else {
		n = snprintf(buf, cap, "%.*Lf", o->round, x);
		/* A negative value that rounds to zero is 0.00, not -0.00,
		 * as the exact decimals print it. */
		if (n > 1 && buf[0] == '-' && strspn(buf + 1, "0.") ==
		    (size_t)n - 1) {
			memmove(buf, buf + 1, (size_t)n);
			n--;
		}
	}
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

void
reducer_putsep(struct reducer *r)
{
	obuf_putc(r->out, (char)r->o->outsep);
}

void
reducer_putfield(struct reducer *r, const char *s, size_t n, int escaped)
{
	char *dec = NULL;
	size_t bad;
	int quote = 0;

	if (n == 0)
		return;		/* s may be NULL */
	if (!r->o->csvout) {
		obuf_write(r->out, s, n);
		return;
	}
	if (escaped && memchr(s, '\\', n)) {
		dec = emalloc(n + 1);
		long k = rec_unescape(dec, s, n, &bad);
		if (k >= 0) {
			s = dec;
			n = (size_t)k;
		}
	}
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == r->o->outsep || s[i] == '"' || s[i] == '\n' ||
		    s[i] == '\r';
	if (!quote) {
		obuf_write(r->out, s, n);
	} else {
		/* RFC 4180: in quotes, a quote doubled. */
		obuf_putc(r->out, '"');
		for (const char *p = s, *end = s + n; p < end;) {
			const char *qt = memchr(p, '"', (size_t)(end - p));
			size_t k = qt ? (size_t)(qt - p) + 1 : (size_t)(end - p);
			obuf_write(r->out, p, k);
			if (qt)
				obuf_putc(r->out, '"');
			p += k;
		}
		obuf_putc(r->out, '"');
	}
	free(dec);
}

/* The key's fields (TAB between them in a key of several), as the user
 * reads them. */
static void
putkey(struct reducer *r, const char *key, size_t klen)
{
	const char *end = key + klen;

	if (klen == 0)
		return;		/* key may be NULL */
	for (;;) {
		const char *t = memchr(key, '\t', (size_t)(end - key));
		size_t n = t ? (size_t)(t - key) : (size_t)(end - key);
		reducer_putfield(r, key, n, 1);
		if (!t)
			break;
		reducer_putsep(r);
		key = t + 1;
	}
}

/* Write one key's line: final values, or states with --partial. */
void
reducer_printkey(struct reducer *r, const char *key, size_t klen, const char *st,
    struct obuf *out, int partial)
{
	char buf[512];
	/* What the user reads has no key field with --no-key (and -H's
	 * header first); runs keep an empty one. */
	int user = out == r->out, sep = !(user && r->bare);

	if (user && r->headerdue)
		header_write(r);
	/* States are records, whatever --output-separator says. */
	int plain = partial || !user || (r->o->outsep == '\t' &&
	    !r->o->csvout);

	if (sep && plain)
		obuf_write(out, key, klen);
	else if (sep)
		putkey(r, key, klen);
	for (size_t i = 0; i < r->o->naggs; i++) {
		const struct agg *a = &r->o->aggs[i];
		if (sep)
			obuf_putc(out, plain ? '\t' : (char)r->o->outsep);
		sep = 1;
		if (partial) {
			r->line.len = 0;
			agg_save(a, st + r->off[i], &r->line);
			obuf_write(out, r->line.p, r->line.len);
			continue;
		}
		struct aggval v = agg_final(a, st + r->off[i]);
		int n;
		/* Numbers, and the values of numeric ops (min, max) that
		 * are kept as text. */
		if ((r->o->round >= 0 || r->o->numfmt) &&
		    (v.kind != AV_TEXT || r->numeric[i]) &&
		    (n = fmtnum(r->o, &v, buf, sizeof buf)) >= 0)
			obuf_write(out, buf, (size_t)n);
		else if (v.kind == AV_TEXT && plain)
			obuf_write(out, v.text, v.tlen);
		else if (v.kind == AV_TEXT)
			reducer_putfield(r, v.text, v.tlen, 1);
		else
			obuf_write(out, buf, (size_t)agg_fmt(&v, buf));
	}
	obuf_putc(out, '\n');
}

void
reducer_emit(struct reducer *r, const char *key, size_t klen, const char *st)
{
	if (!r->partial)
		checkrange(r, key, klen, st);
	reducer_printkey(r, key, klen, st, r->out, r->partial);
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

	return radix_keycmp(x->key, x->klen, y->key, y->klen);
}

static int
cmpranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int c = agg_cmp(&y->v, &x->v);	/* descending by value */

	return c ? c : cmprankedkey(a, b);
}

/* Print the table in the order asked for. */
void
reducer_printtable(struct reducer *r)
{
	const struct reduceopts *o = r->o;
	uint32_t n = table_count(r->t);
	uint64_t limit = o->top && o->top < n ? o->top : n;
	size_t klen;

	for (uint32_t i = 0; i < n && !r->partial; i++) {
		const char *key = table_key(r->t, i, &klen);
		checkrange(r, key, klen, table_val(r->t, i));
	}
	if (o->order == ORDER_NONE && !o->top) {
		for (uint32_t i = 0; i < n; i++) {
			const char *key = table_key(r->t, i, &klen);
			reducer_printkey(r, key, klen, table_val(r->t, i), r->out, r->partial);
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
			reducer_printkey(r, rk[i].key, rk[i].klen, table_val(r->t, rk[i].idx),
			    r->out, r->partial);
		free(rk);
	} else {
		uint32_t *ix = table_sorted(r->t);
		for (uint32_t i = 0; i < n; i++) {
			if (i + TABLE_AHEAD < n)
				table_prefetchindex(r->t, ix[i + TABLE_AHEAD]);
			const char *key = table_key(r->t, ix[i], &klen);
			reducer_printkey(r, key, klen, table_val(r->t, ix[i]), r->out,
			    r->partial);
		}
		free(ix);
	}
}
