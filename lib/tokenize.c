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

/* asciimap[c]: 0 for an ASCII separator, the lowercase letter or digit
 * for ASCII alphanumerics, 0x80 for bytes that start non-ASCII. */
static unsigned char asciimap[256];
/* BMP cache: 0 not looked up, 1 not alphanumeric, else towlower + 2. */
static uint32_t *bmp;

int
tok_setup(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8"))
		return -1;
	for (int c = 0; c < 256; c++) {
		if (c >= 0x80)
			asciimap[c] = 0x80;
		else if (c >= 'A' && c <= 'Z')
			asciimap[c] = (unsigned char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			asciimap[c] = (unsigned char)c;
		else
			asciimap[c] = 0;
	}
	if (!bmp)
		bmp = ecalloc(65536, sizeof *bmp);
	return 0;
}

/* Lowercase of cp if it is alphanumeric, else 0. */
static uint32_t
classify(uint32_t cp)
{
	if (cp < 65536) {
		uint32_t v = bmp[cp];
		if (v == 0) {
			v = iswalnum((wint_t)cp) ? (uint32_t)towlower((wint_t)cp) + 2 : 1;
			bmp[cp] = v;
		}
		return v == 1 ? 0 : v - 2;
	}
	return iswalnum((wint_t)cp) ? (uint32_t)towlower((wint_t)cp) : 0;
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
/* 0xff for each uppercase ASCII letter of v.  Each range is given as
 * the bytes just outside it, for > and <. */
static inline __m128i
upper16(__m128i v)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
	    _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
}

/* Bit i set if byte i of v is an ASCII letter or digit; *up gets 0xff
 * for each uppercase letter.  In signed bytes, anything from 0x80 up is
 * below '0', so it is neither. */
static inline unsigned
alnum16(__m128i v, __m128i *up)
{
	__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
	    _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	__m128i upper = upper16(v);
	__m128i low = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
	    _mm_cmplt_epi8(v, _mm_set1_epi8('z' + 1)));

	*up = upper;
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(dig,
	    upper), low));
}

/* How far the ASCII letters and digits from p go, 16 bytes at a time
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
	/* Finish a character cut by the previous block's end. */
	while (t->npend > 0 && t->p < t->end) {
		uint32_t cp;
		t->pend[t->npend++] = *t->p++;
		int k = decode(t->pend, (size_t)t->npend, &cp);
		if (k == 0)
			continue;
		t->npend = 0;
		if (k > 0 && (cp = classify(cp)) != 0) {
			addcp(t, cp);
		} else {
			/* Invalid at the byte just taken: it is read again
			 * as the start of something else. */
			if (k < 0)
				t->p--;
			if (t->wlen)
				return done(t, w, n);
		}
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
			p++;
			if (t->wlen) {
				t->p = p;
				return done(t, w, n);
			}
			continue;
		}
		p += k;
		if ((cp = classify(cp)) != 0) {
			addcp(t, cp);
		} else if (t->wlen) {
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
	if (t->wlen || t->npend)
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
			memset(t->tail + k, 0, sizeof t->tail - k);
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
	t->npend = 0;	/* an incomplete character at the end separates */
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
