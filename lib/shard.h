/* shard.h: which shard of N a path belongs to, so that N machines split
 * one file list with no coordination. */
#ifndef PDP_SHARD_H
#define PDP_SHARD_H

#include <stddef.h>
#include <stdint.h>

/* Shard i (1-based) of n. */
struct shard {
	uint64_t i;
	uint64_t n;
};

/* The largest number of shards accepted. */
#define SHARD_MAX 1000000

/* FNV-1a, 64 bits, over len bytes: the same value on every machine. */
uint64_t shard_hash(const void *p, size_t len);
/* Parse "I/N", decimal, 1 <= I <= N <= SHARD_MAX; -1 if bad. */
int shard_parse(const char *s, struct shard *sh);
/* Whether the path of len bytes is in shard sh: hash mod N == I - 1. */
int shard_has(const struct shard *sh, const char *path, size_t len);

#endif
