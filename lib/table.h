/* table.h: a hash table from byte-string keys to fixed-size values.
 * Keys live in an arena; memory is the keys plus a constant per entry
 * (table_bytes tells how much, so callers can enforce their budgets). */
#ifndef PDP_TABLE_H
#define PDP_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct table;

struct table *table_new(size_t vsize);
/* A table that starts with room for two keys, for one of many small
 * tables (a set of values for each key of pdp-reduce). */
struct table *table_newsmall(size_t vsize);
/* The value for key, created zero-filled if absent (*isnew set to 1). */
void *table_get(struct table *t, const char *key, size_t klen, int *isnew);
/* Like table_get of a key whose hash is given, but NULL if memory runs
 * out, the table unchanged. */
void *table_trygethash(struct table *t, const char *key, size_t klen,
    uint32_t hash, int *isnew);
/* Like table_get, but NULL if absent. */
void *table_find(struct table *t, const char *key, size_t klen);
/* table_find of a key whose hash (hashbytes, as 32 bits) is h. */
void *table_findhash(struct table *t, const char *key, size_t klen,
    uint32_t h);
/* table_findhash of a key of klen <= 16 bytes held in two words in
 * memory order, zeros after the key (hashwords of them is its hash). */
void *table_findshort(struct table *t, const uint64_t key[2], size_t klen,
    uint32_t h);
uint32_t table_count(const struct table *t);
const char *table_key(const struct table *t, uint32_t i, size_t *klen);
void *table_val(const struct table *t, uint32_t i);
/* Entry indices ordered by key bytes (memcmp, shorter first on a tie);
 * the caller frees the array.  While it sorts it takes at most
 * TABLE_SORTBYTES a key: 32, and qsort's 4 for keys that share their
 * first 8 bytes. */
enum { TABLE_SORTBYTES = 36 };
uint32_t *table_sorted(const struct table *t);
/* The same, in 4 bytes a key and a slower sort, when memory has run
 * out: the slots are freed first, so that only table_count, table_key,
 * table_val and table_free may follow. */
uint32_t *table_sortedlean(struct table *t);
size_t table_bytes(const struct table *t);
/* Bytes in use: the slots, the entries and the keys (table_bytes also
 * counts capacity kept for reuse after table_clear). */
size_t table_used(const struct table *t);
/* Forget every entry, keeping the memory for reuse. */
void table_clear(struct table *t);
void table_free(struct table *t);

/* Ask the cache for what table_get(t, key, ...) will read, so that the
 * misses of a batch of keys overlap: first the slot of each key (which
 * returns the key's hash), then, the slots having arrived, the entries
 * of those hashes.  Hints only. */
uint32_t table_prefetchslot(const struct table *t, const char *key,
    size_t klen);
/* The slot of a key whose hash the caller has. */
void table_prefetchhash(const struct table *t, uint32_t hash);
void table_prefetchentry(const struct table *t, uint32_t hash);
/* The same for entry i, as a walk in key order (table_sorted) asks for
 * the entries some steps ahead. */
void table_prefetchindex(const struct table *t, uint32_t i);
/* How far ahead a walk asks. */
enum { TABLE_AHEAD = 8 };
/* table_get for a key whose hash table_prefetchslot returned. */
void *table_gethash(struct table *t, const char *key, size_t klen,
    uint32_t hash, int *isnew);

#endif
