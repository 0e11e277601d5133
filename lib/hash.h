/* hash.h: hashing byte strings, and the cache hint that goes with a
 * hashed lookup; for table.c and counts.c. */
#ifndef PDP_HASH_H
#define PDP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A 64-bit hash of the n bytes at p, its low bits as good as its high. */
uint64_t hashbytes(const void *p, size_t n);

/* A hint that *p be fetched into the cache. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#endif
