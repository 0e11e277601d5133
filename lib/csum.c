/* csum.c: the running checksum of csum.h.  Eight bytes at a time, each
 * word multiplied and rotated into the state (about a nanosecond a word),
 * with the bytes of a piece that do not fill a word kept for the next. */
#include <string.h>

#include "csum.h"

static const uint64_t K1 = 0x9e3779b97f4a7c15ULL, K2 = 0xc2b2ae3d27d4eb4fULL;

static uint64_t
mix(uint64_t h, uint64_t w)
{
	h ^= w * K1;
	h = (h << 31) | (h >> 33);
	return h * K2;
}

void
csum_init(struct csum *c)
{
	memset(c, 0, sizeof *c);
	c->h = 0x243f6a8885a308d3ULL;
}

void
csum_add(struct csum *c, const void *p, size_t n)
{
	const unsigned char *s = p;

	c->len += n;
	while (n > 0 && c->npend > 0) {
		c->pend |= (uint64_t)*s++ << (8 * c->npend);
		n--;
		if (++c->npend == 8) {
			c->h = mix(c->h, c->pend);
			c->pend = 0;
			c->npend = 0;
		}
	}
	for (; n >= 8; s += 8, n -= 8) {
		uint64_t w = 0;
		for (int i = 7; i >= 0; i--)	/* little-endian, on any host */
			w = w << 8 | s[i];
		c->h = mix(c->h, w);
	}
	for (; n > 0; n--) {
		c->pend |= (uint64_t)*s++ << (8 * c->npend);
		c->npend++;
	}
}

uint64_t
csum_value(const struct csum *c)
{
	uint64_t h = mix(c->h, c->pend ^ ((uint64_t)c->npend << 56));

	h ^= c->len;
	h ^= h >> 33;
	h *= K1;
	h ^= h >> 29;
	return h;
}
