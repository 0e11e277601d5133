/* radix.h: the first step of sorting byte-string keys (table.c's
 * table_sorted, countruns.c's runs): a stable radix sort of their first
 * 8 bytes, with an index each; the caller then sorts each run of keys
 * that share those 8 bytes by the whole key. */
#ifndef PDP_RADIX_H
#define PDP_RADIX_H

#include <stddef.h>
#include <stdint.h>

struct sortkey {
	uint64_t pre;		/* radix_prefix */
	uint64_t idx;		/* the caller's, in 8 bytes for the alignment */
};

/* Key order: bytes (memcmp), the shorter first on a tie; that of
 * table_sorted, pdp-reduce's runs and output, and the runs of counts. */
int radix_keycmp(const void *a, size_t alen, const void *b, size_t blen);
/* A key's first 8 bytes, zero-padded, as a number that orders as they
 * do. */
uint64_t radix_prefix(const void *key, size_t klen);
/* Sort v[0..n) by pre, with tmp[0..n) as room; the sorted array is v or
 * tmp, which it returns. */
struct sortkey *radix_sort(struct sortkey *v, struct sortkey *tmp, size_t n);

#endif
