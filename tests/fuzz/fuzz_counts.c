/* fuzz_counts.c: the worker's counters (lib/counts.c) against a plain
 * model, under any sequence of inputs: counts added (one key at a time,
 * and in batches of short keys that repeat, near the 64-bit limits
 * too), inputs committed, rolled back or forgotten, keys uncommitted,
 * the table cleared.  Up to 4,096 keys of 0
 * to 41 bytes, some with NUL bytes and some that differ only in length,
 * so that the table grows (its log moving with it) within an input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/counts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NKEYS = 4096 };

static struct {
	int64_t committed;	/* its count as of the last commit */
	int64_t now;		/* committed + this input's */
	uint8_t live;		/* committed, or touched by this input */
	uint8_t touched;	/* by this input */
	uint8_t waslive;	/* live when this input first touched it */
} model[NKEYS];
static uint8_t seen[NKEYS];	/* for checking a listing */

/* Key i: key 0 is empty; an even key i > 0 is 2 to 40 bytes, the first
 * two of which tell i, some with a NUL byte within; each odd key is the
 * even one before with a NUL byte more, so that the two differ only in
 * their length. */
static size_t
key(unsigned i, char *k)
{
	unsigned h = i / 2;
	size_t n = 0;

	if (h > 0) {
		n = 2 + h % 39;
		k[0] = (char)(0x20 + (h & 63));
		k[1] = (char)(0x20 + (h >> 6));
		for (size_t j = 2; j < n; j++)
			k[j] = (char)('a' + (h * 7 + j * 13) % 26);
		if (h % 5 == 0 && n / 2 >= 2)
			k[n / 2] = '\0';
	}
	if (i & 1)
		k[n++] = '\0';
	return n;
}

/* Which key k is, from its bytes. */
static unsigned
which(const char *k, size_t n)
{
	unsigned h = n < 2 ? 0 :
	    (unsigned)(k[0] - 0x20) | (unsigned)(k[1] - 0x20) << 6;
	char b[48];
	size_t m = key(2 * h, b);

	if (n == m && memcmp(b, k, n) == 0)
		return 2 * h;
	if (n == m + 1 && memcmp(b, k, m) == 0 && k[m] == '\0')
		return 2 * h + 1;
	abort();
}

struct check {
	int committed;		/* counts_each, or counts_eachnew */
	unsigned listed;
};

static void
listed(void *arg, const char *k, size_t n, int64_t v)
{
	struct check *c = arg;
	unsigned i = which(k, n);

	if (seen[i]++)
		abort();	/* listed twice */
	if (c->committed ? (!model[i].live || model[i].touched ||
	    v != model[i].committed) :
	    (!model[i].touched || v != model[i].now - model[i].committed))
		abort();
	c->listed++;
}

static void
checklist(struct counts *t, int committed)
{
	struct check c = { committed, 0 };
	unsigned want = 0;
	int over = 0, r = 0;

	memset(seen, 0, sizeof seen);
	if (committed)
		counts_each(t, listed, &c);
	else
		r = counts_eachnew(t, listed, &c);
	for (unsigned i = 0; i < NKEYS; i++) {
		want += committed ? model[i].live : model[i].touched;
		/* This input's part of a count, beyond 64 bits. */
		int64_t was = model[i].committed, now = model[i].now;
		over |= !committed && model[i].touched &&
		    ((was < 0 && now > INT64_MAX + was) ||
		    (was > 0 && now < INT64_MIN + was));
	}
	if (r != -over || (!over && c.listed != want))
		abort();
}

/* What counts_add of v to key k should return, with the model updated
 * to match. */
static int
added(unsigned k, long long v)
{
	int isnew = !model[k].live && !model[k].touched;
	int64_t x = model[k].now;
	int over = (v > 0 && x > INT64_MAX - v) || (v < 0 && x < INT64_MIN - v);

	if (!model[k].touched)
		model[k].waslive = model[k].live;
	model[k].touched = model[k].live = 1;
	if (!over)
		model[k].now += v;
	return over ? -1 : isnew;
}

/* v added to the first three keys from k on of at most 16 bytes, in one
 * batch that holds each more than once, and which may stop at any. */
static void
addbatch(struct counts *t, unsigned k, long long v, size_t over)
{
	static const int order[] = { 0, 1, 0, 2, 1, 0 };
	enum { N = sizeof order / sizeof *order };
	char keys[N][16], b[48];
	unsigned char len[N];
	unsigned pick[3], which[N];
	uint32_t hash[N];
	size_t m, npick = 0;

	for (unsigned j = k; npick < 3 && j < NKEYS; j++)
		if (key(j, b) <= 16)
			pick[npick++] = j;
	if (npick < 3)
		return;
	memset(keys, 0, sizeof keys);
	for (size_t i = 0; i < N; i++) {
		which[i] = pick[order[i]];
		m = key(which[i], b);
		memcpy(keys[i], b, m);
		len[i] = (unsigned char)m;
	}
	counts_hashshort(t, (const char (*)[16])keys, hash, N);
	for (size_t i = 0; i < N; i++) {
		int r;
		size_t at = counts_addshort(t, (const char (*)[16])keys + i,
		    len + i, hash + i, N - i, v, over, &r);
		/* Passed over: a count that fits, new only while the table
		 * is within over (never, for over 0). */
		for (size_t j = 0; j < at; j++) {
			int a = added(which[i + j], v);
			if (a < 0 || (a > 0 && over == 0))
				abort();
		}
		i += at;
		if (i < N && (added(which[i], v) != r ||
		    (r > 0 && counts_bytes(t) <= over)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct counts *t = counts_new();
	int ininput = 0;
	size_t i = 0;

	memset(model, 0, sizeof model);
	while (i + 4 <= size) {
		unsigned op = data[i] % 9;
		unsigned k = (data[i + 1] | (unsigned)data[i + 2] << 8) % NKEYS;
		uint8_t arg = data[i + 3];
		i += 4;
		if (!ininput && (op <= 2 || op == 5)) {
			/* These need an input. */
			counts_begin(t);
			ininput = 1;
		}
		switch (op) {
		case 0: {	/* add */
			char b[48];
			size_t n = key(k, b);
			long long v = arg < 8 ? INT64_MAX - arg :
			    arg < 16 ? INT64_MIN + (arg - 8) :
			    (long long)arg - 128;
			if (n <= 16 && (arg & 1)) {
				/* New keys stop a batch always, never, or once
				 * the table grows. */
				addbatch(t, k, v, arg & 2 ? SIZE_MAX :
				    arg & 4 ? counts_bytes(t) : 0);
				break;
			}
			if (counts_add(t, b, n, v) != added(k, v))
				abort();
			break;
		}
		case 1:		/* commit */
			counts_commit(t);
			for (unsigned j = 0; j < NKEYS; j++) {
				model[j].committed = model[j].now;
				model[j].touched = 0;
			}
			ininput = 0;
			break;
		case 2:		/* rollback, or forget (which clears the table
				 * if it held keys of earlier inputs) */
			if (arg & 1) {
				counts_forget(t);
				memset(model, 0, sizeof model);
			} else {
				counts_rollback(t);
				for (unsigned j = 0; j < NKEYS; j++) {
					if (model[j].touched)
						model[j].live = model[j].waslive;
					model[j].now = model[j].committed;
					model[j].touched = 0;
				}
			}
			ininput = 0;
			break;
		case 3:		/* this input's counts */
			if (ininput)
				checklist(t, 0);
			break;
		case 4:		/* the committed counts */
			if (!ininput)
				checklist(t, 1);
			break;
		case 5: {	/* uncommit */
			char b[48];
			size_t n = key(k, b);
			int64_t want = model[k].live ? model[k].committed : 0;
			int64_t now = model[k].now;
			/* This input's part would not fit alone: nothing moves. */
			int nofit = (want < 0 && now > INT64_MAX + want) ||
			    (want > 0 && now < INT64_MIN + want);
			if (counts_uncommit(t, b, n) != (nofit ? 0 : want))
				abort();
			if (nofit)
				break;
			model[k].now -= want;
			model[k].committed = 0;
			if (model[k].touched)
				model[k].waslive = 0;
			else
				model[k].live = 0;
			break;
		}
		case 6:		/* clear, between inputs */
			if (!ininput) {
				counts_clear(t);
				memset(model, 0, sizeof model);
			}
			break;
		default:
			break;
		}
	}
	counts_free(t);
	return 0;
}
