/* gencorpus.c - deterministic text-corpus generator (for `make demo`, tests, benchmarks).
 *   gencorpus [-f FILES] [-s BYTES[K|M|G]] [-w WORDS] [-S SEED] [-d DEPTH] DIR
 * Creates DIR (one level, no parents) and writes FILES text files (default 100) totalling
 * about BYTES bytes (default 4000000; K/M/G = 1024^n), each 0.5x..1.5x of the mean size,
 * named DIR/dNN/.../f000123.txt with DEPTH levels of subdirectories (default 1, 0..6), each
 * level holding k <= 100 dirs with k^(DEPTH+1) ~ FILES.  The text is
 * sentences of words drawn from a Zipf (s=1) distribution over a dictionary of WORDS
 * (default 20000) distinct generated words, ~2% of which contain a non-ASCII UTF-8 letter;
 * ~1 word in 50 is a number.  Lines wrap at 72 columns; paragraphs are separated by a
 * blank line.  Output depends only on the arguments: own PRNG (splitmix64) and integer-only
 * sampling, so it is byte-identical on every machine.  libc (POSIX 2008) only, no libm.
 * Errors: "gencorpus: PATH: reason" on stderr, exit status 2. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXWORDS (UINT64_C(1) << 24)
#define LINEW 72
#define OBUF (1u << 20)

static void usage(void) {
	fputs("usage: gencorpus [-f FILES] [-s BYTES[K|M|G]] [-w WORDS] [-S SEED] [-d DEPTH] DIR\n", stderr);
	exit(2);
}
static void die(const char *path) {
	fprintf(stderr, "gencorpus: %s: %s\n", path, strerror(errno));
	exit(2);
}
static void *xmalloc(size_t n) {
	void *p = malloc(n ? n : 1);
	if (!p) die("malloc");
	return p;
}
static uint64_t next(uint64_t *s) { /* splitmix64 */
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}
static uint32_t below(uint64_t *s, uint32_t n) { /* uniform in [0, n), negligible bias */
	return (uint32_t)(((next(s) >> 32) * n) >> 32);
}

/* Dictionary: word r (Zipf rank r+1) is pool[woff[r] .. +wlen[r]) and is wwid[r] columns wide. */
static char *pool;
static uint32_t *woff, nwords;
static uint8_t *wlen, *wwid;
/* Zipf sampler: cum[r] = sum_{i<=r} floor(2^40/(i+1)); guide[] indexes the first candidate rank
 * for each 2^gshift-wide slice of [0, total). */
static uint64_t *cum, total;
static uint32_t *guide;
static int tbits, gshift;

static const char letters[] = /* rough English letter frequencies */
	"eeeeeeeeeeeettttttttaaaaaaaoooooooiiiiiinnnnnnnsssssshhhhhhrrrrrrddddllll"
	"uuuccmmwwffggyyppbbvkjxqz";
static const unsigned char acc2[] = { /* second byte of U+00E9 e-acute, u-uml, sharp s, o-slash, */
	0xa9, 0xbc, 0x9f, 0xb8, 0xa7, 0xa0, 0xb1, 0xb6, 0xa5, 0xa8 /* c-cedil, a-grave, n-tilde, ... */
};

static void build_dict(uint64_t seed) {
	uint64_t s = seed ^ UINT64_C(0xD1C7D1C7D1C7D1C7);
	size_t hsize = 1, used = 0;
	while (hsize < 2 * (size_t)nwords) hsize <<= 1;
	uint32_t *hset = calloc(hsize, sizeof *hset); /* holds word index + 1, 0 = empty */
	if (!hset) die("malloc");
	pool = xmalloc((size_t)nwords * 13);
	woff = xmalloc(nwords * sizeof *woff), wlen = xmalloc(nwords), wwid = xmalloc(nwords);
	for (uint32_t r = 0; r < nwords;) {
		char *w = pool + used;
		int bl = 0, len, n;
		for (uint32_t x = r + 1; x; x >>= 1) bl++;
		int maxl = 3 + bl / 2 > 12 ? 12 : 3 + bl / 2; /* frequent words are shorter */
		n = len = 2 + (int)below(&s, (uint32_t)maxl - 1);
		for (int i = 0; i < n; i++) w[i] = letters[below(&s, sizeof letters - 1)];
		if (below(&s, 50) == 0) { /* replace one letter (never the first) by a 2-byte one */
			int p = 1 + (int)below(&s, (uint32_t)n - 1);
			memmove(w + p + 2, w + p + 1, (size_t)(n - p - 1));
			w[p] = (char)0xc3;
			w[p + 1] = (char)acc2[below(&s, sizeof acc2)];
			len++;
		}
		uint64_t h = UINT64_C(14695981039346656037);
		for (int i = 0; i < len; i++) h = (h ^ (unsigned char)w[i]) * UINT64_C(1099511628211);
		size_t k = (size_t)(h ^ (h >> 29)) & (hsize - 1);
		int dup = 0;
		for (; hset[k]; k = (k + 1) & (hsize - 1)) {
			uint32_t o = hset[k] - 1;
			if (wlen[o] == len && memcmp(pool + woff[o], w, (size_t)len) == 0) { dup = 1; break; }
		}
		if (dup) continue; /* draw another word */
		hset[k] = r + 1, woff[r] = (uint32_t)used, wlen[r] = (uint8_t)len, wwid[r] = (uint8_t)n;
		used += (size_t)len, r++;
	}
	free(hset);

	cum = xmalloc(nwords * sizeof *cum);
	for (uint32_t r = 0; r < nwords; r++) cum[r] = total += (UINT64_C(1) << 40) / (r + 1);
	for (tbits = 0; (UINT64_C(1) << tbits) < total; tbits++) {}
	int gbits = 10;
	while (gbits < 22 && (UINT64_C(1) << gbits) < 4 * (uint64_t)nwords) gbits++;
	gshift = tbits - gbits;
	guide = xmalloc(((size_t)1 << gbits) * sizeof *guide);
	uint32_t r = 0;
	for (uint64_t b = 0; b < (UINT64_C(1) << gbits); b++) {
		while (r < nwords - 1 && cum[r] <= b << gshift) r++;
		guide[b] = r;
	}
}

static uint32_t zipf(uint64_t *s) {
	uint64_t u;
	do u = next(s) >> (64 - tbits); while (u >= total);
	uint32_t r = guide[u >> gshift];
	while (cum[r] <= u) r++;
	return r;
}

static char obuf[OBUF + 4096];
static size_t olen;
static uint64_t fdone; /* bytes of the current file already handed to fwrite */
static int col;
static FILE *out;
static const char *opath;

static void flush(void) {
	if (olen && fwrite(obuf, 1, olen, out) != olen) die(opath);
	fdone += olen;
	olen = 0;
}
static void put_tok(const char *t, size_t len, int wid) {
	if (col > 0 && col + 1 + wid > LINEW) obuf[olen++] = '\n', col = 0;
	else if (col > 0) obuf[olen++] = ' ', col++;
	memcpy(obuf + olen, t, len);
	olen += len;
	col += wid;
}

static void sentence(uint64_t *s) {
	int n = 4 + (int)below(s, 17);
	for (int j = 0; j < n; j++) {
		char tok[32];
		size_t len = 0;
		int wid;
		if (j > 0 && below(s, 50) == 0) { /* a number: a year or a small/medium integer */
			uint32_t v = below(s, 2) ? 1900 + below(s, 130) : below(s, 8) ? below(s, 100) : below(s, 100000);
			char d[12];
			size_t k = 0;
			do d[k++] = (char)('0' + v % 10); while (v /= 10);
			while (k) tok[len++] = d[--k];
			wid = (int)len;
		} else {
			uint32_t r = zipf(s);
			memcpy(tok, pool + woff[r], len = wlen[r]);
			wid = wwid[r];
			if (j == 0) tok[0] = (char)(tok[0] - 'a' + 'A');
		}
		if (j == n - 1) {
			uint32_t p = below(s, 20);
			tok[len++] = p < 17 ? '.' : p < 19 ? '?' : '!', wid++;
		} else if (below(s, 12) == 0)
			tok[len++] = ',', wid++;
		put_tok(tok, len, wid);
	}
}

static uint64_t num(const char *a, int sfx, uint64_t max) {
	static const char sfxs[] = "KMGkmg";
	char *e;
	int sh = 0;
	if (*a < '0' || *a > '9') usage();
	errno = 0;
	unsigned long long v = strtoull(a, &e, 10);
	const char *q = sfx && *e ? strchr(sfxs, *e) : NULL;
	if (q) sh = 10 * (1 + (int)(q - sfxs) % 3), e++;
	if (*e || errno || v > (max >> sh)) usage();
	return (uint64_t)v << sh;
}

int main(int argc, char **argv) {
	uint64_t files = 100, bytes = 4000000, seed = 42, depth = 1;
	int c;
	nwords = 20000;
	while ((c = getopt(argc, argv, "f:s:w:S:d:")) != -1) {
		switch (c) {
		case 'f': files = num(optarg, 0, 100000000); break;
		case 's': bytes = num(optarg, 1, UINT64_C(1) << 50); break;
		case 'w': nwords = (uint32_t)num(optarg, 0, MAXWORDS); break;
		case 'S': seed = num(optarg, 0, UINT64_MAX); break;
		case 'd': depth = num(optarg, 0, 6); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || files == 0 || nwords == 0) usage();
	const char *dir = argv[optind];
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) die(dir);
	build_dict(seed);

	/* fan-out k per level: smallest k >= 2 (at most 100) with k^(depth+1) >= files */
	uint64_t k = 2, leaves = 1, per, wsum = 0;
	for (;; k++) {
		uint64_t p = 1;
		for (uint64_t i = 0; i <= depth; i++) p *= k;
		if (p >= files || k == 100) break;
	}
	for (uint64_t i = 0; i < depth; i++) leaves *= k;
	per = (files + leaves - 1) / leaves;

	uint64_t ws = seed ^ UINT64_C(0x5151F11E5151F11E);
	for (uint64_t i = 0; i < files; i++) wsum += 500 + below(&ws, 1001);
	ws = seed ^ UINT64_C(0x5151F11E5151F11E);

	char *path = xmalloc(strlen(dir) + 4 * (size_t)depth + 32);
	uint64_t want = 0, written = 0, prevleaf = UINT64_MAX;
	for (uint64_t i = 0; i < files; i++) {
		uint64_t leaf = i / per;
		size_t pl = (size_t)sprintf(path, "%s", dir);
		for (uint64_t l = 0, div = leaves / k; l < depth; l++, div /= k) {
			pl += (size_t)sprintf(path + pl, "/d%02u", (unsigned)(leaf / div % k));
			if (leaf != prevleaf && mkdir(path, 0777) != 0 && errno != EEXIST) die(path);
		}
		prevleaf = leaf;
		sprintf(path + pl, "/f%06llu.txt", (unsigned long long)i);
		/* aim at the running total so that overshoot (<= one sentence) is not accumulated */
		want = i == files - 1 ? bytes : want + bytes * (500 + below(&ws, 1001)) / wsum;
		uint64_t target = want > written ? want - written : 0;

		uint64_t t = seed ^ ((i + 1) * UINT64_C(0xD6E8FEB86659FD93)), s = next(&t);
		if (!(out = fopen(opath = path, "w"))) die(path);
		fdone = 0, col = 0;
		for (int para = 3 + (int)below(&s, 5); fdone + olen < target; para--) {
			if (para == 0) /* blank line between paragraphs of 3..7 sentences */
				obuf[olen++] = '\n', obuf[olen++] = '\n', col = 0, para = 3 + (int)below(&s, 5);
			sentence(&s);
			if (olen >= OBUF) flush();
		}
		if (col > 0) obuf[olen++] = '\n';
		flush();
		if (fclose(out) != 0) die(path);
		written += fdone;
	}
	return 0;
}
