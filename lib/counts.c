/* counts.c: an open-addressing table whose slot is one half cache line:
 * the key (up to 16 bytes, zero-padded) or where a longer key is, the
 * count, the key's length and the last input that touched it.  A lookup
 * of a short key compares two words and reads nothing else.  The first
 * touch of a key in an input logs its count before, which is what
 * counts_eachnew lists and counts_rollback restores. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "counts.h"
#include "err.h"
#include "hash.h"
#include "hugepage.h"

enum {
	SHORT = 16,		/* keys up to this long live in their slot */
	KEEP = 2 << 20,		/* key bytes and log kept for the next input */
	FIRST = 1024,		/* slots, and log entries, to begin with */
	LIVE = 1u << 31,	/* meta: a committed count, or this input's */
	LENMASK = LIVE - 1,	/* meta: key length + 1; 0 is an empty slot */
};

struct slot {
	uint64_t k[2];		/* short: the key; long: where, and its hash */
	int64_t n;		/* committed count, plus this input's */
	uint32_t meta;
	uint32_t epoch;		/* the input that last touched the key */
};

struct undo {
	uint32_t slot;
	uint32_t live;		/* LIVE if the key had a committed count */
	int64_t n;		/* the count before this input */
};

struct counts {
	struct slot *slots;
	uint32_t mask;		/* number of slots - 1 */
	uint32_t used;		/* slots in use */
	uint32_t epoch;		/* the running input */
	struct undo *log;	/* the keys this input touched */
	size_t nlog, logcap;
	struct arena keys;	/* keys longer than SHORT */
};

static size_t
bytes(const struct counts *c)
{
	return sizeof *c + ((size_t)c->mask + 1) * sizeof(struct slot) +
	    c->logcap * sizeof(struct undo) + c->keys.bytes;
}

static uint32_t
hashshort(uint64_t lo, uint64_t hi)
{
	uint64_t h = lo * 0x9e3779b97f4a7c15ULL ^ hi * 0xbf58476d1ce4e5b9ULL;

	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	return (uint32_t)(h >> 32);
}

static uint32_t
slothash(const struct slot *s)
{
	if ((s->meta & LENMASK) - 1 <= SHORT)
		return hashshort(s->k[0], s->k[1]);
	return (uint32_t)s->k[1];
}

static const char *
slotkey(const struct slot *s, size_t *klen)
{
	*klen = (s->meta & LENMASK) - 1;
	if (*klen <= SHORT)
		return (const char *)s->k;
	return (const char *)(uintptr_t)s->k[0];
}

/* The slots back to the first size, all empty. */
static void
firstslots(struct counts *c)
{
	hugefree(c->slots, (size_t)c->mask + 1, sizeof *c->slots);
	c->mask = FIRST - 1;
	c->slots = ecalloc(FIRST, sizeof *c->slots);
	c->used = 0;
}

struct counts *
counts_new(void)
{
	struct counts *c = ecalloc(1, sizeof *c);

	firstslots(c);
	c->epoch = 1;
	c->logcap = FIRST;
	c->log = ereallocarray(NULL, c->logcap, sizeof *c->log);
	return c;
}

void
counts_free(struct counts *c)
{
	if (!c)
		return;
	arena_free(&c->keys);
	hugefree(c->slots, (size_t)c->mask + 1, sizeof *c->slots);
	free(c->log);
	free(c);
}

void
counts_begin(struct counts *c)
{
	if (c->nlog)
		eprintf("counts: an input began before the last one ended");
	if (++c->epoch == 0) {
		/* After 2^32 inputs: no slot may look touched by this one. */
		for (uint32_t i = 0; i <= c->mask; i++)
			c->slots[i].epoch = 0;
		c->epoch = 1;
	}
}

/* Double the slots; the log's slot numbers move with their keys. */
static void
grow(struct counts *c)
{
	uint32_t nmask = c->mask * 2 + 1;
	struct slot *ns = hugecalloc((size_t)nmask + 1, sizeof *ns);
	uint32_t *moved = NULL;

	if (c->nlog)
		moved = ereallocarray(NULL, (size_t)c->mask + 1, sizeof *moved);
	for (uint32_t i = 0; i <= c->mask; i++) {
		const struct slot *s = &c->slots[i];
		if (!s->meta)
			continue;
		uint32_t j = slothash(s) & nmask;
		while (ns[j].meta)
			j = (j + 1) & nmask;
		ns[j] = *s;
		if (moved)
			moved[i] = j;
	}
	for (size_t i = 0; i < c->nlog; i++)
		c->log[i].slot = moved[c->log[i].slot];
	free(moved);
	hugefree(c->slots, (size_t)c->mask + 1, sizeof *c->slots);
	c->slots = ns;
	c->mask = nmask;
}

/* Add n to the count in s, which holds the key; isnew as counts_add.
 * The first touch of s in this input logs its count.  Whether a touch
 * is the first is as likely as not, so there is no branch on it: every
 * touch writes the log entry after the last, and only a first one keeps
 * it.  The log has room for one more at all times. */
static inline int
addto(struct counts *c, struct slot *s, long long n)
{
	uint32_t first = s->epoch != c->epoch, live = s->meta & LIVE;

	c->log[c->nlog] = (struct undo){ (uint32_t)(s - c->slots), live, s->n };
	c->nlog += first;
	if (c->nlog == c->logcap) {
		c->logcap *= 2;
		c->log = ereallocarray(c->log, c->logcap, sizeof *c->log);
	}
	s->epoch = c->epoch;
	/* Live already, as if committed: a rollback puts back what was. */
	s->meta |= LIVE;
	if ((n > 0 && s->n > INT64_MAX - n) || (n < 0 && s->n < INT64_MIN - n))
		return -1;
	s->n += n;
	return (int)(first & !live);
}

/* A new key in the empty slot s: its count is 0 until addto. */
static struct slot *
insert(struct counts *c, struct slot *s, uint64_t k0, uint64_t k1,
    size_t klen)
{
	if (klen >= LENMASK - 1)
		eprintf("counts: a key of %zu bytes is too long", klen);
	s->k[0] = k0;
	s->k[1] = k1;
	s->n = 0;
	s->meta = (uint32_t)klen + 1;
	s->epoch = 0;
	/* At most half the slots in use: probes stay short. */
	if (++c->used > c->mask / 2) {
		uint32_t h = slothash(s);
		grow(c);
		uint32_t j = h & c->mask;
		while (c->slots[j].k[0] != k0 || c->slots[j].k[1] != k1 ||
		    (c->slots[j].meta & LENMASK) != klen + 1)
			j = (j + 1) & c->mask;
		s = &c->slots[j];
	}
	return s;
}

static inline struct slot *
findshort(struct counts *c, uint64_t lo, uint64_t hi, size_t klen,
    uint32_t h, int add)
{
	uint32_t j = h & c->mask;

	for (;;) {
		struct slot *s = &c->slots[j];
		if ((s->meta & LENMASK) == klen + 1 &&
		    ((s->k[0] ^ lo) | (s->k[1] ^ hi)) == 0)
			return s;
		if (!s->meta)
			return add ? insert(c, s, lo, hi, klen) : NULL;
		j = (j + 1) & c->mask;
	}
}

static struct slot *
findlong(struct counts *c, const char *key, size_t klen, int add)
{
	uint32_t h = (uint32_t)hashbytes(key, klen);
	uint32_t j = h & c->mask;

	for (;;) {
		struct slot *s = &c->slots[j];
		if ((s->meta & LENMASK) == klen + 1 && (uint32_t)s->k[1] == h &&
		    memcmp((const char *)(uintptr_t)s->k[0], key, klen) == 0)
			return s;
		if (!s->meta) {
			if (!add)
				return NULL;
			const char *p = arena_copy(&c->keys, key, klen);
			return insert(c, s, (uint64_t)(uintptr_t)p, h, klen);
		}
		j = (j + 1) & c->mask;
	}
}

static struct slot *
find(struct counts *c, const char *key, size_t klen, int add)
{
	if (klen > SHORT)
		return findlong(c, key, klen, add);
	uint64_t w[2] = { 0, 0 };
	memcpy(w, key, klen);
	return findshort(c, w[0], w[1], klen, hashshort(w[0], w[1]), add);
}

int
counts_add(struct counts *c, const char *key, size_t klen, long long n)
{
	return addto(c, find(c, key, klen, 1), n);
}

void
counts_hashshort(const struct counts *c, const char (*key)[16],
    uint32_t *hash, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo, hi;
		memcpy(&lo, key[i], 8);
		memcpy(&hi, key[i] + 8, 8);
		hash[i] = hashshort(lo, hi);
		PREFETCH(&c->slots[hash[i] & c->mask]);
	}
}

/* A new key goes on with the batch while the table is within over: the
 * caller would do nothing with it (sinkops.counted), and a third of the
 * words of an input are new to it when each input's counts go out. */
size_t
counts_addshort(struct counts *c, const char (*key)[16],
    const unsigned char *len, const uint32_t *hash, size_t n, long long v,
    size_t over, int *r)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t lo, hi;
		memcpy(&lo, key[i], 8);
		memcpy(&hi, key[i] + 8, 8);
		*r = addto(c, findshort(c, lo, hi, len[i], hash[i], 1), v);
		if (*r < 0 || (*r > 0 && bytes(c) > over))
			return i;
	}
	return n;
}

/* The log is in the order of first touch, so its slots are all over the
 * table: each is asked for AHEAD entries before it is read. */
int
counts_eachnew(const struct counts *c, counts_fn *fn, void *arg)
{
	enum { AHEAD = 16 };

	for (size_t i = 0; i < c->nlog; i++) {
		if (i + AHEAD < c->nlog)
			PREFETCH(&c->slots[c->log[i + AHEAD].slot]);
		const struct slot *s = &c->slots[c->log[i].slot];
		int64_t was = c->log[i].n;
		size_t kl;
		const char *k = slotkey(s, &kl);
		if ((was < 0 && s->n > INT64_MAX + was) ||
		    (was > 0 && s->n < INT64_MIN + was))
			return -1;
		fn(arg, k, kl, s->n - was);
	}
	return 0;
}

void
counts_commit(struct counts *c)
{
	c->nlog = 0;
}

void
counts_rollback(struct counts *c)
{
	for (size_t i = 0; i < c->nlog; i++) {
		struct slot *s = &c->slots[c->log[i].slot];
		s->n = c->log[i].n;
		s->meta = (s->meta & ~LIVE) | c->log[i].live;
		/* Touched by no input: counted afresh if touched again. */
		s->epoch = 0;
	}
	c->nlog = 0;
}

void
counts_each(const struct counts *c, counts_fn *fn, void *arg)
{
	if (c->nlog)
		eprintf("counts: listed during an input");
	for (uint32_t i = 0; i <= c->mask; i++) {
		const struct slot *s = &c->slots[i];
		if (s->meta & LIVE) {
			size_t kl;
			const char *k = slotkey(s, &kl);
			fn(arg, k, kl, s->n);
		}
	}
}

int64_t
counts_uncommit(struct counts *c, const char *key, size_t klen)
{
	struct slot *s = find(c, key, klen, 0);
	int64_t was;

	if (!s || !(s->meta & LIVE))
		return 0;
	if (s->epoch != c->epoch) {
		s->meta &= ~LIVE;
		was = s->n;
		s->n = 0;
		return was;
	}
	/* Touched by this input: its log entry holds the committed part
	 * (and the slot stays live, for this input's).  Rare (an overflow),
	 * so a search will do. */
	for (size_t i = 0; i < c->nlog; i++)
		if (&c->slots[c->log[i].slot] == s) {
			was = c->log[i].n;
			if ((was < 0 && s->n > INT64_MAX + was) ||
			    (was > 0 && s->n < INT64_MIN + was))
				return 0;	/* this input's part alone */
			c->log[i].n = 0;
			c->log[i].live = 0;
			s->n -= was;
			return was;
		}
	return 0;
}

/* After the keys are gone: the key bytes and the log are kept for the
 * next keys up to keep bytes each, and given back beyond, so that they
 * never hold counts_bytes above a caller's bound on their own. */
static void
trim(struct counts *c, size_t keep)
{
	if (c->keys.bytes > keep)
		arena_free(&c->keys);
	else
		arena_clear(&c->keys);
	if (c->logcap * sizeof *c->log > keep && c->logcap > FIRST) {
		c->logcap = FIRST;
		free(c->log);
		c->log = ereallocarray(NULL, c->logcap, sizeof *c->log);
	}
}

void
counts_clear(struct counts *c)
{
	if (c->nlog)
		eprintf("counts: cleared during an input");
	firstslots(c);
	trim(c, 0);
}

void
counts_forget(struct counts *c)
{
	if (c->used != c->nlog) {
		/* Keys of earlier inputs: the caller broke the promise. */
		counts_rollback(c);
		counts_clear(c);
		return;
	}
	if (c->mask > 32767 && (uint64_t)c->nlog * 16 < c->mask) {
		/* A table that one big input grew is shrunk again, so that
		 * small inputs after it keep their keys close together. */
		firstslots(c);
	} else {
		for (size_t i = 0; i < c->nlog; i++)
			memset(&c->slots[c->log[i].slot], 0, sizeof *c->slots);
		c->used = 0;
	}
	c->nlog = 0;
	trim(c, KEEP);
}

size_t
counts_bytes(const struct counts *c)
{
	return bytes(c);
}
