/* header.c: a table's header line (pdp-reduce --header-in, -H).  The
 * first file's header finds the fields that -k and op:NAME name and is
 * kept for -H's output header; each later file's header (a glob's files
 * each have one) must name those fields at the same places, so that a
 * name never means two columns.  Output names are datamash's:
 * GroupBy(name) for a key, op(name) for an op, field-N where no header
 * was read.
 * Memory: the first header's fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "reducer.h"

/* The header's fields, split as the lines of its file are. */
static size_t
split(struct reducer *r, const struct reader *in, const char *s, size_t n,
    struct field **fp)
{
	const char *why = NULL;
	long nf;

	nf = r->o->fsmode == FS_RECORDS ? (long)rec_split(s, n, NULL, 0) :
	    fields_split(&r->sp, s, n, NULL, 0, &why);
	if (nf < 0)
		eprintf("%s: header: %s", in->name, why);
	struct field *f = ereallocarray(NULL, (size_t)nf, sizeof *f);
	if (r->o->fsmode == FS_RECORDS)
		rec_split(s, n, f, (size_t)nf);
	else
		fields_split(&r->sp, s, n, f, (size_t)nf, &why);
	*fp = f;
	return (size_t)nf;
}

/* The field called name in f (the first, if several are). */
static size_t
find(const struct reader *in, const struct field *f, size_t nf,
    const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < nf; i++)
		if (f[i].len == n && memcmp(f[i].s, name, n) == 0)
			return i;
	eprintf("no field '%s' in the header of %s", name, in->name);
}

/* Field *at is called name: where the first header found it, or (in
 * the first) found now. */
static void
resolve(struct reducer *r, const struct reader *in, const struct field *f,
    size_t nf, const char *name, size_t *at)
{
	size_t i = find(in, f, nf, name);

	if (!r->hdr)
		*at = i;
	else if (*at != i)
		eprintf("%s: field '%s' is field %zu here, but field %zu in %s",
		    in->name, name, i + 1, *at + 1, r->hdrfile);
}

void
header_take(struct reducer *r, const struct reader *in, const char *s,
    size_t n)
{
	const struct reduceopts *o = r->o;
	struct field *f;
	size_t nf = split(r, in, s, n, &f);

	for (size_t i = 0; i < o->nkeyf; i++)
		if (o->keynames && o->keynames[i])
			resolve(r, in, f, nf, o->keynames[i], &r->keyf[i]);
	for (size_t i = 0; i < o->naggs; i++)
		if (o->aggs[i].fname)
			resolve(r, in, f, nf, o->aggs[i].fname, &r->vfield[i]);
	if (!r->hdr) {
		r->hdr = ereallocarray(NULL, nf ? nf : 1, sizeof *r->hdr);
		for (size_t i = 0; i < nf; i++) {
			r->hdr[i] = emalloc(f[i].len + 1);
			memcpy(r->hdr[i], f[i].s, f[i].len);
			r->hdr[i][f[i].len] = '\0';
		}
		r->nhdr = nf;
		r->hdrfile = estrdup(in->name);
		reducer_setfields(r);
	}
	free(f);
}

/* The name of field i for -H, onto b: the header's, or field-N. */
static void
putname(struct reducer *r, struct sbuf *b, size_t i)
{
	char buf[32];

	if (r->hdr && i < r->nhdr) {
		sbuf_add(b, r->hdr[i], strlen(r->hdr[i]));
	} else {
		snprintf(buf, sizeof buf, "field-%zu", i + 1);
		sbuf_add(b, buf, strlen(buf));
	}
}

/* The header line, as datamash names its columns: GroupBy(region),
 * sum(qty); each a field as --output-separator and --csv-out ask. */
void
header_write(struct reducer *r)
{
	const struct reduceopts *o = r->o;
	struct sbuf b = { 0 };

	r->headerdue = 0;
	for (size_t i = 0; i < o->nkeyf + o->naggs; i++) {
		b.len = 0;
		if (i < o->nkeyf) {
			sbuf_add(&b, "GroupBy(", 8);
			putname(r, &b, o->merge ? i : r->keyf[i]);
			sbuf_add(&b, ")", 1);
		} else {
			const struct agg *a = &o->aggs[i - o->nkeyf];
			const char *name = agg_name(a->op);
			sbuf_add(&b, name, strlen(name));
			if (a->param) {
				sbuf_add(&b, ":", 1);
				sbuf_add(&b, a->param, a->paramlen);
			}
			if (agg_needsvalue(a->op)) {
				sbuf_add(&b, "(", 1);
				putname(r, &b, r->vfield[i - o->nkeyf]);
				sbuf_add(&b, ")", 1);
			}
		}
		if (i)
			reducer_putsep(r);
		reducer_putfield(r, b.p, b.len, 1);
	}
	obuf_putc(r->out, '\n');
	sbuf_free(&b);
}

void
header_free(struct reducer *r)
{
	for (size_t i = 0; i < r->nhdr; i++)
		free(r->hdr[i]);
	free(r->hdr);
	free(r->hdrfile);
	r->hdr = NULL;
	r->nhdr = 0;
}
