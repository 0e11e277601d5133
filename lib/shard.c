/* shard.c: pdp-find --shard: a stable hash of the path picks its shard.
 * The hash is FNV-1a 64 of the raw path bytes, mod N; it must never
 * change, as other tools and older versions reproduce it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "shard.h"

uint64_t
shard_hash(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len-- > 0) {
		h ^= *s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int
shard_parse(const char *s, struct shard *sh)
{
	unsigned long long i, n;
	const char *slash = strchr(s, '/');
	char num[24];
	size_t len;

	if (slash == NULL || (len = (size_t)(slash - s)) >= sizeof num)
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	if (opt_uint(num, 1, SHARD_MAX, &i) < 0 ||
	    opt_uint(slash + 1, 1, SHARD_MAX, &n) < 0 || i > n)
		return -1;
	sh->i = i;
	sh->n = n;
	return 0;
}

int
shard_has(const struct shard *sh, const char *path, size_t len)
{
	return shard_hash(path, len) % sh->n == sh->i - 1;
}
