/* fuzz_countruns.c: an input's counts spilled to runs (lib/countruns.c)
 * and merged at its end, against a plain sum: counts added to up to 512
 * keys of 0 to 40 bytes (pairs that differ only in a NUL byte more at
 * their end, some that share their first 8 bytes), spills at any point
 * (more than 16 of them too, so that runs are merged into one first),
 * counts near the 64-bit limits.  The merge must give each key once, in
 * bytewise order (a shorter key first), zero-padded to 16 bytes, with
 * its sum; fail (-1) whenever a sum does not fit in 64 bits; and fail
 * only if counts near the limits were added (a sum may pass 64 bits on
 * its way and come back, and the merge need not see that it does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/counts.h"
#include "../../lib/countruns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NKEYS = 512 };

static __int128 total[NKEYS];	/* the sum of the key's counts */
static int64_t now[NKEYS];	/* what the counters hold for it */
static uint8_t counted[NKEYS];	/* in some run or in the counters */

/* Key i: odd keys are the even one before with a NUL byte more.  The
 * even ones are 0 to 39 bytes: a shared 8-byte prefix for some, the
 * rest from i. */
static size_t
key(unsigned i, char *k)
{
	unsigned h = i / 2;
	size_t n = h == 0 ? 0 : 2 + h % 38;

	for (size_t j = 0; j < n; j++)
		k[j] = (char)(h % 3 == 0 && j < 8 ? 'p' :
		    'a' + (h * 7 + j * 13) % 26);
	if (n >= 2) {
		k[n - 2] = (char)(0x20 + (h & 63));
		k[n - 1] = (char)(0x20 + (h >> 6));
	}
	if (i & 1)
		k[n++] = '\0';
	return n;
}

struct check {
	char last[48];
	size_t lastlen;
	int any;
	unsigned seen;
};

static int
keycmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

static void
got(void *arg, const char *k, size_t kl, int64_t n)
{
	struct check *ck = arg;
	char b[48];
	unsigned i;

	if (kl <= 16)
		for (size_t j = kl; j < 16; j++)
			if (k[j] != 0)
				abort();
	if (ck->any && keycmp(ck->last, ck->lastlen, k, kl) >= 0)
		abort();	/* out of order, or twice */
	for (i = 0; i < NKEYS; i++)
		if (key(i, b) == kl && memcmp(b, k, kl) == 0)
			break;
	if (i == NKEYS || !counted[i] || total[i] != n)
		abort();
	memcpy(ck->last, k, kl);
	ck->lastlen = kl;
	ck->any = 1;
	ck->seen++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct counts *c = counts_new();
	struct countruns *cr = NULL;
	unsigned nkeys = 0;
	int near = 0;		/* a count near the 64-bit limits was added */
	char b[48];

	memset(total, 0, sizeof total);
	memset(now, 0, sizeof now);
	memset(counted, 0, sizeof counted);
	counts_begin(c);
	for (size_t i = 0; i + 3 <= size; i += 3) {
		unsigned k = (data[i] | (unsigned)data[i + 1] << 8) % NKEYS;
		uint8_t arg = data[i + 2];
		if (data[i + 1] >= 0xf0) {
			/* A spill, as sink_spillcounts does it.  It fails
			 * only when 16 runs merged into one give a sum past
			 * 64 bits (on its way, maybe): the input fails. */
			if (countruns_add(&cr, c) < 0) {
				if (!near)
					abort();
				countruns_free(&cr);
				break;
			}
			counts_rollback(c);
			counts_clear(c);
			memset(now, 0, sizeof now);
			continue;
		}
		long long v = arg < 8 ? INT64_MAX - arg :
		    arg < 16 ? INT64_MIN + (arg - 8) : (long long)arg - 128;
		near |= arg < 16;
		size_t n = key(k, b);
		int r = counts_add(c, b, n, v);
		__int128 x = (__int128)now[k] + v;
		if (x > INT64_MAX || x < INT64_MIN) {
			if (r >= 0)
				abort();
			continue;
		}
		if (r < 0)
			abort();
		now[k] = (int64_t)x;
		total[k] += v;
		nkeys += !counted[k];
		counted[k] = 1;
	}
	if (cr) {
		int over = 0;
		for (unsigned k = 0; k < NKEYS; k++)
			over |= total[k] > INT64_MAX || total[k] < INT64_MIN;
		struct check ck = { .any = 0 };
		int r = countruns_add(&cr, c);
		if (r == 0)
			r = countruns_merge(&cr, got, &ck);
		countruns_free(&cr);
		/* A sum may pass 64 bits on its way and come back: then
		 * the merge fails too, and that is all it may do. */
		if ((over && r == 0) || (!near && r != 0))
			abort();
		if (r == 0 && ck.seen != nkeys)
			abort();
	}
	counts_rollback(c);
	counts_free(c);
	return 0;
}
