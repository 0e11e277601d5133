/* table.c: open-addressing hash table, keys in an arena, each value
 * right after its entry.  Slots hold a hash fragment and an entry index,
 * so a probe touches 8 bytes until the hash matches, and then one entry
 * with its value: two cache misses a lookup in a big table, not three.
 * Both arrays are in huge pages once big (hugepage.c), so that those
 * misses do not miss the TLB too.  Keys of up to INLINE bytes (most
 * words) live in their entry and compare in a few loads: no trip to the
 * arena and no memcmp call for them. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"
#include "hash.h"
#include "hugepage.h"
#include "radix.h"
#include "table.h"

struct slot {
	uint32_t hash;
	uint32_t idx;		/* entry index + 1; 0 is empty */
};

enum { INLINE = 16 };

struct entry {
	uint32_t klen;
	uint32_t hash;
	union {
		const char *p;		/* in the arena: klen > INLINE */
		char b[INLINE];		/* klen <= INLINE */
	} k;
};

/* a and b, both n <= INLINE bytes long, are equal: two overlapping loads
 * of 8, 4 or 1 bytes cover every byte (the length is equal already). */
static int
eqshort(const char *a, const char *b, size_t n)
{
	if (n >= 8) {
		uint64_t a0, a1, b0, b1;
		memcpy(&a0, a, 8);
		memcpy(&b0, b, 8);
		memcpy(&a1, a + n - 8, 8);
		memcpy(&b1, b + n - 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	if (n >= 4) {
		uint32_t a0, a1, b0, b1;
		memcpy(&a0, a, 4);
		memcpy(&b0, b, 4);
		memcpy(&a1, a + n - 4, 4);
		memcpy(&b1, b + n - 4, 4);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] &&
	    a[n - 1] == b[n - 1]);
}

static const char *
ekey(const struct entry *e)
{
	return e->klen <= INLINE ? e->k.b : e->k.p;
}

struct table {
	struct slot *slots;
	uint32_t mask;		/* number of slots - 1 */
	uint32_t n;		/* entries in use */
	uint32_t ecap;
	char *ents;		/* ecap entries, each followed by its value */
	size_t stride;		/* bytes an entry and its value take */
	size_t vsize;
	struct arena keys;	/* keys longer than INLINE */
};

static struct entry *
ent(const struct table *t, uint32_t i)
{
	return (struct entry *)(void *)(t->ents + (size_t)i * t->stride);
}

static void *
val(const struct table *t, uint32_t i)
{
	return t->ents + (size_t)i * t->stride + sizeof(struct entry);
}

static struct table *
newtable(size_t vsize, uint32_t nslots, uint32_t nents)
{
	struct table *t = ecalloc(1, sizeof *t);

	t->vsize = vsize;
	t->mask = nslots - 1;
	t->slots = hugecalloc(nslots, sizeof *t->slots);
	t->ecap = nents;
	/* Values are 8-byte aligned, as the entry is. */
	t->stride = sizeof(struct entry) + ((vsize + 7) & ~(size_t)7);
	t->ents = hugecalloc(t->ecap, t->stride);
	return t;
}

struct table *
table_new(size_t vsize)
{
	return newtable(vsize, 1024, 512);
}

struct table *
table_newsmall(size_t vsize)
{
	return newtable(vsize, 4, 2);
}

/* Double the slots; -1 if memory runs out (the table as it was). */
static int
grow(struct table *t)
{
	uint32_t nslots = (t->mask + 1) * 2;
	struct slot *s = hugetrycalloc(nslots, sizeof *s);

	if (!s)
		return -1;

	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t h = ent(t, i)->hash, j = h & (nslots - 1);
		while (s[j].idx)
			j = (j + 1) & (nslots - 1);
		s[j].hash = h;
		s[j].idx = i + 1;
	}
	hugefree(t->slots, (size_t)t->mask + 1, sizeof *s);
	t->slots = s;
	t->mask = nslots - 1;
	return 0;
}

static struct slot *
lookup(struct table *t, const char *key, size_t klen, uint32_t h)
{
	uint32_t j = h & t->mask;

	for (;;) {
		struct slot *s = &t->slots[j];
		if (!s->idx)
			return s;
		if (s->hash == h) {
			struct entry *e = ent(t, s->idx - 1);
			if (e->klen == klen && (klen <= INLINE ?
			    eqshort(e->k.b, key, klen) :
			    memcmp(e->k.p, key, klen) == 0))
				return s;
		}
		j = (j + 1) & t->mask;
	}
}

uint32_t
table_prefetchslot(const struct table *t, const char *key, size_t klen)
{
	uint32_t h = (uint32_t)hashbytes(key, klen);

	table_prefetchhash(t, h);
	return h;
}

void
table_prefetchhash(const struct table *t, uint32_t h)
{
	PREFETCH(&t->slots[h & t->mask]);
}

void
table_prefetchentry(const struct table *t, uint32_t h)
{
	const struct slot *s = &t->slots[h & t->mask];

	/* The slot's entry, or the first for an empty slot, without a
	 * branch: a slot of another key (a mispredicted branch a record in
	 * five) costs a prefetch of no use instead. */
	table_prefetchindex(t, s->idx - (s->idx != 0));
}

void
table_prefetchindex(const struct table *t, uint32_t i)
{
	/* The entry and its value may straddle two cache lines. */
	const char *e = (const char *)ent(t, i);

	PREFETCH(e);
	PREFETCH(e + t->stride - 1);
}

void *
table_find(struct table *t, const char *key, size_t klen)
{
	return table_findhash(t, key, klen, (uint32_t)hashbytes(key, klen));
}

void *
table_findshort(struct table *t, const uint64_t key[2], size_t klen,
    uint32_t h)
{
	uint32_t j = h & t->mask, j1 = (j + 1) & t->mask;
	uint64_t k[2];

	/* The first two slots at once, the one picked by a mask (where a
	 * branch would guess wrong a lookup in five), then one at a time:
	 * the key is in one of the two about 19 times in 20 at this load. */
	uint32_t pick = 0 - (uint32_t)(t->slots[j].hash == h);
	const struct slot *s = &t->slots[j1 ^ ((j ^ j1) & pick)];
	if (s->idx && s->hash == h) {
		struct entry *e = ent(t, s->idx - 1);
		memcpy(k, e->k.b, sizeof k);
		if (e->klen == klen && ((k[0] ^ key[0]) | (k[1] ^ key[1])) == 0)
			return val(t, s->idx - 1);
	}
	for (;;) {
		s = &t->slots[j];
		if (!s->idx)
			return NULL;
		if (s->hash == h) {
			struct entry *e = ent(t, s->idx - 1);
			memcpy(k, e->k.b, sizeof k);
			if (e->klen == klen &&
			    ((k[0] ^ key[0]) | (k[1] ^ key[1])) == 0)
				return val(t, s->idx - 1);
		}
		j = (j + 1) & t->mask;
	}
}

void *
table_findhash(struct table *t, const char *key, size_t klen, uint32_t h)
{
	struct slot *s = lookup(t, key, klen, h);

	return s->idx ? val(t, s->idx - 1) : NULL;
}

void *
table_get(struct table *t, const char *key, size_t klen, int *isnew)
{
	return table_gethash(t, key, klen, (uint32_t)hashbytes(key, klen),
	    isnew);
}

void *
table_gethash(struct table *t, const char *key, size_t klen, uint32_t h,
    int *isnew)
{
	void *v = table_trygethash(t, key, klen, h, isnew);

	if (!v)
		eprintf("hash table: malloc:");
	return v;
}

/* Every allocation a new key needs is made before the table changes,
 * so that running out of memory leaves it as it was. */
void *
table_trygethash(struct table *t, const char *key, size_t klen, uint32_t h,
    int *isnew)
{
	struct slot *s = lookup(t, key, klen, h);

	if (s->idx) {
		*isnew = 0;
		return val(t, s->idx - 1);
	}
	if (klen > UINT32_MAX || t->n == UINT32_MAX - 1)
		eprintf("hash table: too many or too long keys");
	/* Keep the load factor under 3/4: a probe rarely leaves its cache
	 * line, and a smaller slot array stays in the cache longer. */
	if ((uint64_t)(t->n + 1) * 4 > (uint64_t)t->mask * 3) {
		if (grow(t) < 0)
			return NULL;
		s = lookup(t, key, klen, h);
	}
	if (t->n == t->ecap) {
		if (t->ecap > SIZE_MAX / 2 / t->stride)
			return NULL;
		char *ents = hugetryextend(t->ents, t->ecap,
		    (size_t)t->ecap * 2, t->stride);
		if (!ents)
			return NULL;
		t->ents = ents;
		t->ecap *= 2;
	}
	const char *kp = NULL;
	if (klen > INLINE && !(kp = arena_trycopy(&t->keys, key, klen)))
		return NULL;
	uint32_t i = t->n++;
	struct entry *e = ent(t, i);
	if (klen <= INLINE) {
		/* Zeros after the key: table_findshort compares words. */
		memset(e->k.b, 0, INLINE);
		memcpy(e->k.b, key, klen);
	} else
		e->k.p = kp;
	e->klen = (uint32_t)klen;
	e->hash = h;
	s->hash = h;
	s->idx = i + 1;
	void *v = val(t, i);
	memset(v, 0, t->vsize);
	*isnew = 1;
	return v;
}

uint32_t
table_count(const struct table *t)
{
	return t->n;
}

const char *
table_key(const struct table *t, uint32_t i, size_t *klen)
{
	*klen = ent(t, i)->klen;
	return ekey(ent(t, i));
}

void *
table_val(const struct table *t, uint32_t i)
{
	return val(t, i);
}

static const struct table *sorting;	/* for cmpidx: qsort has no context */

static int
cmpidx(const void *a, const void *b)
{
	const struct entry *x = ent(sorting, *(const uint32_t *)a);
	const struct entry *y = ent(sorting, *(const uint32_t *)b);

	return radix_keycmp(ekey(x), x->klen, ekey(y), y->klen);
}

uint32_t *
table_sorted(const struct table *t)
{
	/* Keys sorted by their first 8 bytes, then each run of keys that
	 * share those by the whole key (with what qsort takes for a merge
	 * sort of the run).  32 bytes a key besides: the keys' prefixes and
	 * as many for the radix sort, in which the index array returned is
	 * made. */
	size_t n = t->n;
	struct sortkey *v = ereallocarray(NULL, n ? 2 * n : 1, sizeof *v);

	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct sortkey){ radix_prefix(ekey(ent(t, i)),
		    ent(t, i)->klen), i };
	struct sortkey *s = n > 1 ? radix_sort(v, v + n, n) : v;
	/* The index array in the half that s is not in. */
	uint32_t *out = (uint32_t *)(void *)(s == v ? v + n : v);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint32_t)s[i].idx;
	sorting = t;
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && s[j].pre == s[i].pre; j++)
			;
		if (j - i > 1)
			qsort(out + i, j - i, sizeof *out, cmpidx);
	}
	sorting = NULL;
	memmove(v, out, n * sizeof *out);
	return erealloc(v, n ? n * sizeof *out : 1);
}

uint32_t *
table_sortedlean(struct table *t)
{
	/* The slots go first: they are 8 bytes a slot, and at least 4/3 of
	 * a slot a key, so what the index takes is there. */
	size_t n = t->n;
	hugefree(t->slots, (size_t)t->mask + 1, sizeof *t->slots);
	t->slots = NULL;
	uint32_t *out = ereallocarray(NULL, n ? n : 1, sizeof *out);

	for (uint32_t i = 0; i < n; i++)
		out[i] = i;
	sorting = t;
	qsort(out, n, sizeof *out, cmpidx);
	sorting = NULL;
	return out;
}

size_t
table_bytes(const struct table *t)
{
	return sizeof *t + (size_t)(t->mask + 1) * sizeof(struct slot) +
	    (size_t)t->ecap * t->stride + t->keys.bytes;
}

size_t
table_used(const struct table *t)
{
	/* The arrays as allocated (they only double), the keys as used. */
	return (size_t)(t->mask + 1) * sizeof(struct slot) +
	    (size_t)t->ecap * t->stride + t->keys.used;
}

void
table_clear(struct table *t)
{
	/* A table that one big input grew is shrunk again, so that clearing
	 * it for each of many small inputs stays cheap. */
	if (t->mask > 16383 && (uint64_t)t->n * 16 < t->mask) {
		hugefree(t->slots, (size_t)t->mask + 1, sizeof *t->slots);
		t->mask = 1023;
		t->slots = hugecalloc((size_t)t->mask + 1, sizeof *t->slots);
	} else {
		memset(t->slots, 0, (size_t)(t->mask + 1) * sizeof *t->slots);
	}
	t->n = 0;
	arena_clear(&t->keys);
}

void
table_free(struct table *t)
{
	if (!t)
		return;
	arena_free(&t->keys);
	if (t->slots)
		hugefree(t->slots, (size_t)t->mask + 1, sizeof *t->slots);
	hugefree(t->ents, t->ecap, t->stride);
	free(t);
}
