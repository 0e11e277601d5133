/* aggset.c: the operations that keep values as they appeared: first and
 * last, and countunique and collect, whose sets of values are small
 * table.c tables. */
#include <stdlib.h>
#include <string.h>

#include "aggstate.h"
#include "err.h"
#include "table.h"

/* first and last: a value as it appeared */

static int
first_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct textstate *t = st;

	(void)x;
	if (!t->set) {
		agg_settext(&t->text, &t->tlen, v, n);
		t->set = 1;
	}
	return 0;
}

static int
last_add(void *st, const char *v, size_t n, const struct num *x)
{
	struct textstate *t = st;

	(void)x;
	agg_settext(&t->text, &t->tlen, v, n);
	t->set = 1;
	return 0;
}

static int
first_merge(void *dst, const void *src)
{
	const struct textstate *s = src;

	if (s->set)
		first_add(dst, s->text ? s->text : "", s->tlen, NULL);
	return 0;
}

static int
last_merge(void *dst, const void *src)
{
	const struct textstate *s = src;

	if (s->set)
		last_add(dst, s->text ? s->text : "", s->tlen, NULL);
	return 0;
}

static struct aggval
text_final(const struct agg *a, void *st)
{
	const struct textstate *t = st;
	struct aggval v = { .kind = AV_NONE };

	(void)a;
	if (!t->set)
		return v;
	v.kind = AV_TEXT;
	v.text = t->text;
	v.tlen = t->tlen;
	return v;
}

static void
text_free(void *st)
{
	struct textstate *t = st;

	agg_freetext(t->text, t->tlen);
}

/* countunique and collect: sets of byte strings, each a small table.c
 * table of keys without values */

int
agg_setadd(struct setstate *s, const char *v, size_t n)
{
	int isnew;

	if (!s->t) {
		s->t = table_newsmall(0);
		agg_heapmove(0, table_bytes(s->t));
	}
	size_t before = table_bytes(s->t);
	table_get(s->t, v, n, &isnew);
	agg_heapmove(before, table_bytes(s->t));
	return isnew;
}

uint32_t
agg_setcount(const struct setstate *s)
{
	return s->t ? table_count(s->t) : 0;
}

uint32_t *
agg_setsorted(const struct setstate *s, uint32_t *n)
{
	*n = agg_setcount(s);
	return *n ? table_sorted(s->t) : NULL;
}

const char *
agg_setmember(const struct setstate *s, uint32_t i, size_t *len)
{
	return table_key(s->t, i, len);
}

static int
set_add(void *st, const char *v, size_t n, const struct num *x)
{
	(void)x;
	agg_setadd(st, v, n);
	return 0;
}

static int
set_merge(void *dst, const void *src)
{
	const struct setstate *s = src;
	uint32_t n = agg_setcount(s);
	size_t len;

	for (uint32_t i = 0; i < n; i++) {
		const char *m = agg_setmember(s, i, &len);
		agg_setadd(dst, m, len);
	}
	return 0;
}

static struct aggval
countunique_final(const struct agg *a, void *st)
{
	(void)a;
	return (struct aggval){ .kind = AV_UINT, .u = agg_setcount(st) };
}

/* The members sorted bytewise, joined by the separator. */
static struct aggval
collect_final(const struct agg *a, void *st)
{
	struct setstate *s = st;
	struct aggval v = { .kind = AV_TEXT };
	const char *sep = a->sep ? a->sep : ",";
	uint32_t n, *ix = agg_setsorted(s, &n);
	size_t sl = strlen(sep), len = 0, l;

	for (uint32_t i = 0; i < n; i++) {
		agg_setmember(s, ix[i], &l);
		len += l + (i ? sl : 0);
	}
	free(s->joined);
	s->joined = emalloc(len + 1);
	char *p = s->joined;
	for (uint32_t i = 0; i < n; i++) {
		const char *m = agg_setmember(s, ix[i], &l);
		if (i) {
			memcpy(p, sep, sl);
			p += sl;
		}
		memcpy(p, m, l);
		p += l;
	}
	free(ix);
	v.text = s->joined;
	v.tlen = len;
	return v;
}

static void
set_free(void *st)
{
	struct setstate *s = st;

	if (s->t) {
		agg_heapmove(table_bytes(s->t), 0);
		table_free(s->t);
	}
	free(s->joined);
}


/* The rows of agg.c's table. */

enum { VALUE = AGGF_VALUE, NUMERIC = AGGF_NUMERIC, OVERFLOW = AGGF_OVERFLOW };

const struct aggdef aggdef_first = {
	"first", sizeof(struct textstate), VALUE | AGGF_ORDERED,
	first_add, first_merge, text_final, text_free,
	text_save, text_load, NULL,
};

const struct aggdef aggdef_last = {
	"last", sizeof(struct textstate), VALUE | AGGF_ORDERED,
	last_add, last_merge, text_final, text_free,
	text_save, text_load, NULL,
};

const struct aggdef aggdef_countunique = {
	"countunique", sizeof(struct setstate), VALUE,
	set_add, set_merge, countunique_final, set_free,
	set_save, set_load, NULL,
};

const struct aggdef aggdef_collect = {
	"collect", sizeof(struct setstate), VALUE,
	set_add, set_merge, collect_final, set_free,
	set_save, set_load, NULL,
};

/* datamash's name for collect. */
const struct aggdef aggdef_unique = {
	"unique", sizeof(struct setstate), VALUE,
	set_add, set_merge, collect_final, set_free,
	set_save, set_load, NULL,
};
