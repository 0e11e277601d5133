/* hash.h: hashing byte strings, and the cache hint that goes with a
 * hashed lookup; for table.c and counts.c. */
#ifndef PDP_HASH_H
#define PDP_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A 64-bit hash of the n bytes at p, its low bits as good as its high. */
uint64_t hashbytes(const void *p, size_t n);

/* hashbytes of n <= 16 bytes, given as two words that hold them in
 * memory order, zero after the n: what a caller that has loaded a key
 * so (group.c) hashes without hashbytes' loads. */
static inline uint64_t
hashwords(uint64_t lo, uint64_t hi, size_t n)
{
	/* Each word mixed on its own first: a product's low bits see only
	 * the low bits of a word, so words combined before that would
	 * leave keys that differ in their last bytes one hash. */
	uint64_t a = (lo ^ n * 0xff51afd7ed558ccdULL) * 0x9e3779b97f4a7c15ULL;
	uint64_t b = hi * 0xbf58476d1ce4e5b9ULL;

	a ^= a >> 32;
	b ^= b >> 29;
	uint64_t h = (a ^ (b << 23 | b >> 41)) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return h;
}

/* A hint that *p be fetched into the cache. */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#endif
