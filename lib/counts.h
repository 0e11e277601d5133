/* counts.h: the counters behind ctx->count in a worker: byte-string keys
 * to 64-bit counts, kept from one input to the next.  Each input is a
 * transaction: what it added can be listed, kept (commit) or taken back
 * (rollback), so a failed input leaves no trace.  Keys stay in the table
 * after a rollback, so the frequent ones are found again at once, or are
 * forgotten with the input's counts.
 *
 * Memory: 32 bytes a slot, two to four slots a key, the bytes of keys
 * longer than 16, and 16 bytes a key that the running input touched;
 * counts_bytes tells the total, and the caller clears the table to stay
 * within its budget. */
#ifndef PDP_COUNTS_H
#define PDP_COUNTS_H

#include <stddef.h>
#include <stdint.h>

struct counts;

/* A key of up to 16 bytes is given in 16 readable bytes, zeros after it
 * (its slot), so that a caller may read and copy it as two words. */
typedef void counts_fn(void *arg, const char *key, size_t klen, int64_t n);

struct counts *counts_new(void);
void counts_free(struct counts *c);

/* Start an input.  The previous one must have been committed or rolled
 * back. */
void counts_begin(struct counts *c);
/* Add n to key.  Returns 1 if the key was not counted yet (in this input
 * or a committed one), 0 if it was, -1 if its count would overflow (the
 * count is then left as it was). */
int counts_add(struct counts *c, const char *key, size_t klen, long long n);
/* A batch of keys of at most 16 bytes, each zero-padded to 16 (read as
 * two words, without a copy).  counts_hashshort sets their hashes and
 * asks the cache for their slots, so that the misses overlap; then
 * counts_addshort adds v to each, from the first, as counts_add would,
 * and stops at the first key for which counts_add would return -1, or 1
 * with the table then holding more than over bytes (counts_bytes): it
 * returns that key's index, with *r what counts_add would return, or n
 * when none. */
void counts_hashshort(const struct counts *c, const char (*key)[16],
    uint32_t *hash, size_t n);
size_t counts_addshort(struct counts *c, const char (*key)[16],
    const unsigned char *len, const uint32_t *hash, size_t n, long long v,
    size_t over, int *r);
/* What this input added, key by key (in the order first counted).
 * Returns 0, or -1 at the first key to which this input added more than
 * 64 bits hold (its count as a whole may still fit). */
int counts_eachnew(const struct counts *c, counts_fn *fn, void *arg);
/* Keep this input's counts, or take them back. */
void counts_commit(struct counts *c);
void counts_rollback(struct counts *c);
/* The committed counts, key by key; only between inputs. */
void counts_each(const struct counts *c, counts_fn *fn, void *arg);
/* During an input: take key's committed count out of the table (it is
 * then as if never committed) and return it; 0 if there is none, or if
 * this input's part would not fit in 64 bits without it. */
int64_t counts_uncommit(struct counts *c, const char *key, size_t klen);
/* Forget every key; only between inputs, or after a rollback (the input
 * may go on). */
void counts_clear(struct counts *c);
/* Take back this input's counts and forget its keys, in time that grows
 * with them alone: for a table that held no key when the input began. */
void counts_forget(struct counts *c);
size_t counts_bytes(const struct counts *c);

#endif
