/* radix.c: see radix.h. */
#include <string.h>

#include "radix.h"

int
radix_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

uint64_t
radix_prefix(const void *key, size_t klen)
{
	const unsigned char *k = key;
	uint64_t v = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (klen >= 8) {
		memcpy(&v, k, 8);
		return __builtin_bswap64(v);
	}
#endif
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < klen ? k[i] : 0);
	return v;
}

/* Sort v (n of them, tmp as many) by pre, a byte at a time from the
 * last (a stable radix sort), skipping the bytes that all share. */
struct sortkey *
radix_sort(struct sortkey *v, struct sortkey *tmp, size_t n)
{
	static size_t count[8][256];

	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 8; d++)
			count[d][v[i].pre >> (8 * d) & 0xff]++;
	for (int d = 0; d < 8; d++) {
		if (count[d][v[0].pre >> (8 * d) & 0xff] == n)
			continue;
		size_t at = 0;
		for (int c = 0; c < 256; c++) {
			size_t k = count[d][c];
			count[d][c] = at;
			at += k;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[d][v[i].pre >> (8 * d) & 0xff]++] = v[i];
		struct sortkey *x = v;
		v = tmp;
		tmp = x;
	}
	return v;
}

