/* tokenize.c: words for wordfreq and ngrams.  ASCII takes a table-driven
 * fast path (with SSE2 where there is); a word is returned in place
 * unless it is short (then lowercased into t->key at once) or has to be
 * lowercased.  wordfreq takes short ASCII words in batches, found 64
 * bytes at a time.  Other characters are decoded strictly (no
 * overlongs, surrogates or values past U+10FFFF) and classified by the
 * C library, with the answers for the Basic Multilingual Plane cached. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define TOK_SSE2 1
#endif

#include "err.h"
#include "tokenize.h"

/* asciimap[c]: 0 for an ASCII separator, the word character as the
 * casing makes it for ASCII word characters, 0x80 for bytes that start
 * non-ASCII. */
static unsigned char asciimap[256];
/* What classify says of a character: kind in the low two bits, the
 * character as the casing makes it above them. */
enum { K_UNKNOWN, K_SEP, K_WORD, K_SINGLE };
/* BMP cache of classify's answers, 0 for not looked up. */
static uint32_t *bmp;
static struct tokmode mode;

#ifdef TOK_SSE2
/* The ASCII word characters as up to four byte ranges, and the
 * uppercase ones that lowercasing changes (none for --case=keep), each
 * given as the byte just below it and its last byte, for signed >.  An
 * unused range is (127, 0): nothing is above 127. */
static struct {
	__m128i lo[4], hi[4], ulo, uhi;
} vec;

static void
setranges(const unsigned char (*r)[2], int n, int upper)
{
	for (int i = 0; i < 4; i++) {
		vec.lo[i] = _mm_set1_epi8(i < n ? (char)(r[i][0] - 1) : 127);
		vec.hi[i] = _mm_set1_epi8(i < n ? (char)r[i][1] : 0);
	}
	vec.ulo = _mm_set1_epi8(upper ? 'A' - 1 : 127);
	vec.uhi = _mm_set1_epi8(upper ? 'Z' : 0);
}
#endif

int
tok_option(struct tokmode *m, const char *arg)
{
	static const char *words[] = { "alnum", "ident", "nonspace",
	    "alnum-runs" };
	static const char *cases[] = { "fold", "lower", "keep" };

	if (strncmp(arg, "--word=", 7) == 0) {
		for (int i = 0; i < 4; i++)
			if (strcmp(arg + 7, words[i]) == 0) {
				m->word = i;
				return 0;
			}
		return -1;
	}
	if (strncmp(arg, "--case=", 7) == 0) {
		for (int i = 0; i < 3; i++)
			if (strcmp(arg + 7, cases[i]) == 0) {
				m->casing = i;
				return 0;
			}
		return -1;
	}
	return 1;
}

/* Is c an ASCII word character of the rule? */
static int
asciiword(int c)
{
	int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');

	switch (mode.word) {
	case TOK_IDENT:
		return alnum || c == '_';
	case TOK_NONSPACE:
		return c != 0 && c != ' ' && (c < '\t' || c > '\r');
	default:
		return alnum;
	}
}

int
tok_setup(const struct tokmode *m)
{
	static const unsigned char alnum[][2] = { { '0', '9' }, { 'A', 'Z' },
	    { 'a', 'z' }, { '_', '_' } };
	static const unsigned char nonspace[][2] = { { 1, 8 }, { 14, 31 },
	    { 33, 127 } };
	struct tokmode def = { TOK_ALNUM, TOK_FOLD };

	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
		return -1;
	if (!m)
		m = &def;
	if (bmp && (m->word != mode.word || m->casing != mode.casing))
		memset(bmp, 0, 65536 * sizeof *bmp);
	mode = *m;
	for (int c = 0; c < 256; c++) {
		if (c >= 0x80)
			asciimap[c] = 0x80;
		else if (!asciiword(c))
			asciimap[c] = 0;
		else if (c >= 'A' && c <= 'Z' && mode.casing != TOK_KEEP)
			asciimap[c] = (unsigned char)(c - 'A' + 'a');
		else
			asciimap[c] = (unsigned char)c;
	}
#ifdef TOK_SSE2
	if (mode.word == TOK_NONSPACE)
		setranges(nonspace, 3, mode.casing != TOK_KEEP);
	else
		setranges(alnum, mode.word == TOK_IDENT ? 4 : 3,
		    mode.casing != TOK_KEEP);
#else
	(void)alnum;
	(void)nonspace;
#endif
	if (!bmp)
		bmp = ecalloc(65536, sizeof *bmp);
	return 0;
}

/* Han ideographs and Hiragana, each a word of its own: Unicode's
 * Script=Han and Script=Hiragana letters, whose Word_Break is Other. */
static int
single(uint32_t cp)
{
	return (cp >= 0x2e80 && cp <= 0x2fdf) || cp == 0x3005 ||
	    cp == 0x3007 || (cp >= 0x3021 && cp <= 0x3029) ||
	    (cp >= 0x3038 && cp <= 0x303b) ||
	    (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309d && cp <= 0x309f) ||
	    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
	    (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0x20000 && cp <= 0x3134f);
}

/* What cp is (kind) and becomes (above it), per the mode. */
static uint32_t
lookup(uint32_t cp)
{
	uint32_t out = cp;

	if (mode.word != TOK_NONSPACE && !iswalnum((wint_t)cp) &&
	    !(mode.word == TOK_IDENT && cp == '_'))
		return K_SEP;
	if (mode.casing == TOK_LOWER)
		out = (uint32_t)towlower((wint_t)cp);
	else if (mode.casing == TOK_FOLD && cp != 0x131)
		/* Dotless i is not folded to i: Unicode folds it so only in
		 * Turkic languages. */
		out = (uint32_t)towlower(towupper((wint_t)cp));
	if (mode.word != TOK_NONSPACE && mode.word != TOK_ALNUMRUNS &&
	    single(cp))
		return out << 2 | K_SINGLE;
	return out << 2 | K_WORD;
}

static uint32_t
classify(uint32_t cp)
{
	if (cp < 65536) {
		uint32_t v = bmp[cp];
		if (v == K_UNKNOWN)
			v = bmp[cp] = lookup(cp);
		return v;
	}
	return lookup(cp);
}

/* Decode one UTF-8 character at s.  Returns its length, 0 if s holds only
 * a valid beginning (more bytes needed), -1 if the lead byte is invalid
 * there (it is a separator). */
static int
decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned c = s[0];
	int n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return -1;
	}
	for (int i = 1; i < n; i++) {
		if ((size_t)i >= avail)
			return 0;
		unsigned b = s[i];
		if (b < lo || b > hi)
			return -1;
		lo = 0x80;
		hi = 0xbf;
		*cp = (*cp << 6) | (b & 0x3f);
	}
	return n;
}

static void
addbytes(struct tok *t, const void *p, size_t n)
{
	if (t->wlen + n > t->wcap) {
		while (t->wlen + n > t->wcap)
			t->wcap = t->wcap ? t->wcap * 2 : 256;
		t->word = erealloc(t->word, t->wcap);
	}
	memcpy(t->word + t->wlen, p, n);
	t->wlen += n;
}

static void
addcp(struct tok *t, uint32_t cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	addbytes(t, b, n);
}

void
tok_init(struct tok *t)
{
	memset(t, 0, sizeof *t);
}

void
tok_block(struct tok *t, const char *data, size_t len)
{
	t->p = (const unsigned char *)data;
	t->end = t->p + len;
	t->whole = 0;
}

void
tok_wholeblock(struct tok *t)
{
	t->whole = 1;
}

#ifdef TOK_SSE2
/* 0xff for each byte of v above lo and not above hi. */
static inline __m128i
within(__m128i v, __m128i lo, __m128i hi)
{
	return _mm_andnot_si128(_mm_cmpgt_epi8(v, hi), _mm_cmpgt_epi8(v, lo));
}

/* 0xff for each byte of v that lowercasing changes. */
static inline __m128i
upper16(__m128i v)
{
	return within(v, vec.ulo, vec.uhi);
}

/* Bit i set if byte i of v is an ASCII word character; *up gets 0xff
 * for each byte that lowercasing changes.  In signed bytes, anything
 * from 0x80 up is below 0, so it is in no range. */
static inline unsigned
alnum16(__m128i v, __m128i *up)
{
	__m128i w = _mm_or_si128(_mm_or_si128(within(v, vec.lo[0], vec.hi[0]),
	    within(v, vec.lo[1], vec.hi[1])), _mm_or_si128(within(v, vec.lo[2],
	    vec.hi[2]), within(v, vec.lo[3], vec.hi[3])));

	*up = upper16(v);
	return (unsigned)_mm_movemask_epi8(w);
}

/* How far the ASCII word characters from p go, 16 bytes at a time
 * while 16 are left; *diff is set if any is uppercase.  The byte loop
 * in tok_next goes on from where this stops. */
static const unsigned char *
wordrun(const unsigned char *p, const unsigned char *e, unsigned *diff)
{
	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i up;
		unsigned word = alnum16(v, &up);
		unsigned upper = (unsigned)_mm_movemask_epi8(up);
		if (word == 0xffff) {
			*diff |= upper;
			p += 16;
			continue;
		}
		unsigned n = (unsigned)__builtin_ctz(~word);
		*diff |= upper & ((1u << n) - 1);
		return p + n;
	}
	return p;
}
#endif

#ifdef TOK_SSE2
/* The word of len (1 to 16) bytes at the start of v, whose uppercase
 * letters up marks, lowercased into key and followed by zeros. */
static inline void
lowerkey(__m128i v, __m128i up, unsigned len, char *key)
{
	static const unsigned char ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	__m128i keep = _mm_loadu_si128((const __m128i *)(const void *)
	    (ones + 16 - len));

	v = _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
	_mm_storeu_si128((__m128i *)(void *)key, _mm_and_si128(v, keep));
}

/* A word of ASCII letters and digits that starts at p and ends within
 * the 16 bytes there, at an ASCII separator: lowercased into key, zero
 * after it, with *n its length.  0 if the word is anything else.  The
 * most common word, in one go and without a branch on its length. */
static int
shortword(const unsigned char *p, char *key, size_t *n)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i up;
	unsigned alnum = alnum16(v, &up);
	/* Bit i: byte i is non-ASCII, which may go on with the word. */
	unsigned high = (unsigned)_mm_movemask_epi8(v);
	unsigned len = (unsigned)__builtin_ctz(~alnum | 0x10000);

	if (len == 16 || (high >> len & 1))
		return 0;
	lowerkey(v, up, len, key);
	*n = len;
	return 1;
}
#endif

/* The word is complete: hand it out and start afresh on the next call. */
static int
done(struct tok *t, const char **w, size_t *n)
{
	*w = t->word;
	*n = t->wlen;
	t->wantdone = 1;
	return TOK_WORD;
}

int
tok_next(struct tok *t, const char **w, size_t *n)
{
	if (t->wantdone) {
		t->wlen = 0;
		t->wantdone = 0;
	}
	if (t->held) {
		addcp(t, t->held);
		t->held = 0;
		return done(t, w, n);
	}
	/* Finish a character cut by the previous block's end. */
	while (t->npend > 0 && t->p < t->end) {
		uint32_t cp, v;
		t->pend[t->npend++] = *t->p++;
		int k = decode(t->pend, (size_t)t->npend, &cp);
		if (k == 0)
			continue;
		size_t had = (size_t)t->npend;
		t->npend = 0;
		if (k < 0 && mode.word == TOK_NONSPACE) {
			/* Bytes of a word; the one just taken (a lead byte
			 * or ASCII) is read again. */
			addbytes(t, t->pend, had - 1);
			t->p--;
			continue;
		}
		if (k > 0 && ((v = classify(cp)) & 3) != K_SEP) {
			if ((v & 3) == K_WORD) {
				addcp(t, v >> 2);
				continue;
			}
			/* A word of one character: after the one before. */
			if (!t->wlen) {
				addcp(t, v >> 2);
				return done(t, w, n);
			}
			t->held = v >> 2;
			return done(t, w, n);
		}
		/* Invalid at the byte just taken: it is read again as the
		 * start of something else. */
		if (k < 0)
			t->p--;
		if (t->wlen)
			return done(t, w, n);
	}
	/* The position lives in a local while ASCII goes by. */
	const unsigned char *p = t->p, *e = t->end;
	while (p < e) {
		unsigned c = *p;
		unsigned m = asciimap[c];
		if (m == 0) {
			/* A separator ends the word; it is consumed on the next
			 * call, so that a newline is still reported. */
			if (t->wlen) {
				t->p = p;
				return done(t, w, n);
			}
			p++;
			if (c == '\n') {
				t->p = p;
				return TOK_EOL;
			}
			continue;
		}
#ifdef TOK_SSE2
		if (t->wlen == 0 && e - p >= 16 && shortword(p, t->key, n)) {
			*w = t->key;
			t->p = p + *n;
			return TOK_WORD;
		}
#endif
		if (m < 0x80) {
			/* The hot loop: one table load a byte; diff collects
			 * the bytes that lowercasing changes. */
			const unsigned char *q = p;
			unsigned diff = 0;
#ifdef TOK_SSE2
			q = wordrun(q, e, &diff);
#endif
			while (q < e) {
				unsigned x = asciimap[*q];
				if (x - 1 >= 0x7f)	/* a separator or non-ASCII */
					break;
				diff |= x ^ *q;
				q++;
			}
			if (t->wlen == 0 && diff == 0 && q < e && asciimap[*q] == 0) {
				/* Whole lowercase word, in place. */
				*w = (const char *)p;
				*n = (size_t)(q - p);
				t->p = q;
				return TOK_WORD;
			}
			size_t k = (size_t)(q - p);
			while (t->wlen + k > t->wcap) {
				t->wcap = t->wcap ? t->wcap * 2 : 256;
				t->word = erealloc(t->word, t->wcap);
			}
			for (size_t i = 0; i < k; i++)
				t->word[t->wlen + i] = (char)asciimap[p[i]];
			t->wlen += k;
			p = q;
			continue;
		}
		uint32_t cp;
		int k = decode(p, (size_t)(e - p), &cp);
		if (k == 0) {
			/* Cut by the block end: keep the bytes for the next. */
			t->npend = (int)(e - p);
			memcpy(t->pend, p, (size_t)t->npend);
			p = e;
			break;
		}
		if (k < 0) {
			if (mode.word == TOK_NONSPACE) {
				addbytes(t, p++, 1);
				continue;
			}
			p++;
			if (t->wlen) {
				t->p = p;
				return done(t, w, n);
			}
			continue;
		}
		uint32_t v = classify(cp);
		if ((v & 3) == K_WORD) {
			addcp(t, v >> 2);
			p += k;
			continue;
		}
		if ((v & 3) == K_SINGLE) {
			/* A word of one character: after the one before. */
			if (!t->wlen) {
				addcp(t, v >> 2);
				p += k;
			}
			t->p = p;
			return done(t, w, n);
		}
		p += k;
		if (t->wlen) {
			t->p = p;
			return done(t, w, n);
		}
	}
	t->p = p;
	return TOK_END;
}

#ifdef TOK_SSE2
/* Bit i set if byte i of the 64 at p is an ASCII letter or digit; *high
 * gets bit i set if byte i is not ASCII. */
static uint64_t
alnum64(const unsigned char *p, uint64_t *high)
{
	uint64_t a = 0, h = 0;

	for (int i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + 16 * i));
		__m128i up;
		a |= (uint64_t)alnum16(v, &up) << (16 * i);
		h |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << (16 * i);
	}
	*high = h;
	return a;
}

/* A window of 64 bytes is classified at once, and its words are found
 * from the bits, so that no word waits for the one before it to be
 * found (as in a loop from byte to byte, or from word to word).  A word
 * that runs to the end of the window starts the next one.  What only
 * tok_next takes stops it: a word longer than 16 bytes, a non-ASCII
 * byte, and the last 80 bytes of the block (a window, and 16 bytes to
 * load a key from) unless the block is whole: then they are copied to
 * t->tail, followed by zeros. */
int
tok_shortwords(struct tok *t, struct tokbatch *b)
{
	const unsigned char *p = t->p, *e = t->end;
	int stuck = 0;

	b->n = 0;
	if (t->wantdone) {
		t->wlen = 0;
		t->wantdone = 0;
	}
	if (t->wlen || t->npend || t->held)
		return 1;
	/* A window holds at most 32 words. */
	while (!stuck && b->n <= TOK_BATCH - 32) {
		if (e - p < 80) {
			if (!t->whole) {
				stuck = 1;
				break;
			}
			/* A whole block's last bytes, then NUL bytes (which
			 * separate words) for the windows to read. */
			size_t k = (size_t)(e - p);
			memcpy(t->tail, p, k);
			memset(t->tail + k, 0, sizeof t->tail - k);	/* NUL separates in every rule */
			p = t->tail;
			e = t->end = t->tail + k + 80;
			t->whole = 0;
			continue;
		}
		uint64_t high, alnum = alnum64(p, &high);
		unsigned stop = high ? (unsigned)__builtin_ctzll(high) : 64;
		uint64_t starts = alnum & ~(alnum << 1);
		unsigned next = stop;

		stuck = stop < 64 || ~alnum == 0;
		while (starts) {
			unsigned at = (unsigned)__builtin_ctzll(starts);
			/* ~(alnum >> at) is 0 only for 64 bytes of word. */
			unsigned len = at > 0 || ~alnum != 0 ?
			    (unsigned)__builtin_ctzll(~(alnum >> at)) : 64;
			if (len > 16 || at + len >= stop) {
				/* Too long, or it may go on, past the window
				 * or with the non-ASCII byte at its end. */
				next = at < stop ? at : stop;
				stuck |= len > 16;
				break;
			}
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + at));
			lowerkey(v, upper16(v), len, b->key[b->n]);
			b->len[b->n++] = (unsigned char)len;
			starts &= starts - 1;
		}
		p += next;
	}
	t->p = p;
	return stuck;
}
#else
int
tok_shortwords(struct tok *t, struct tokbatch *b)
{
	(void)t;
	b->n = 0;
	return 1;
}
#endif

int
tok_flush(struct tok *t, const char **w, size_t *n)
{
	if (t->wantdone) {
		t->wlen = 0;
		t->wantdone = 0;
	}
	/* An incomplete character at the end separates, or is bytes of a
	 * word of nonspace. */
	if (t->npend > 0 && mode.word == TOK_NONSPACE)
		addbytes(t, t->pend, (size_t)t->npend);
	t->npend = 0;
	if (t->held) {	/* tok_next was not called to the end */
		addcp(t, t->held);
		t->held = 0;
	}
	if (t->wlen == 0)
		return TOK_END;
	return done(t, w, n);
}

void
tok_free(struct tok *t)
{
	free(t->word);
	t->word = NULL;
}
