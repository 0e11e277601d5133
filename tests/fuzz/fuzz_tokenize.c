/* fuzz_tokenize.c: the wordfreq tokenizer on arbitrary bytes, in each
 * of its rules and casings (chosen by the first byte).  Words are
 * never empty, cutting the input into two blocks anywhere gives the same
 * words as one block (what --split and PDP_MORE rely on), on ASCII the
 * words are those of a plain byte loop (what the SSE2 path must keep),
 * and wordfreq's batches of short words (tok_shortwords, between calls
 * of tok_next, to the end of a whole block) give the same words, each zero-padded to 16 bytes (what
 * the host's counters read). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/tokenize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Append word w to out, and a NUL byte. */
static size_t
add(char *out, size_t len, const char *w, size_t n)
{
	if (n == 0)
		abort();
	memcpy(out + len, w, n);
	len += n;
	out[len++] = '\0';
	return len;
}

/* The two blocks that data cut at `cut` makes, each in an allocation of
 * its own size, so that a read past a block's end is caught. */
static const char *blk[2];
static size_t blen[2];

static void
cutblocks(const char *data, size_t size, size_t cut)
{
	free((void *)blk[0]);
	free((void *)blk[1]);
	blen[0] = cut;
	blen[1] = size - cut;
	for (int i = 0; i < 2; i++) {
		char *p = malloc(blen[i] ? blen[i] : 1);
		memcpy(p, data + (i ? cut : 0), blen[i]);
		blk[i] = p;
	}
}

/* Append the words of b, checking their padding. */
static size_t
addbatch(char *out, size_t len, const struct tokbatch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->len[i] > 16)
			abort();
		for (size_t j = b->len[i]; j < 16; j++)
			if (b->key[i][j] != '\0')
				abort();
		len = add(out, len, b->key[i], b->len[i]);
	}
	return len;
}

/* All words of the two blocks, joined with NUL bytes: by tok_next
 * alone, or with batches as wordfreq takes them (tok_shortwords between
 * calls of tok_next, a block that ends the input or a line whole). */
static size_t
words(char *out, int batches)
{
	static struct tokbatch b;
	struct tok t;
	const char *w;
	size_t n, len = 0;
	int k;

	tok_init(&t);
	for (int half = 0; half < 2; half++) {
		tok_block(&t, blk[half], blen[half]);
		if (batches && (half == 1 ||
		    (blen[0] > 0 && blk[0][blen[0] - 1] == '\n')))
			tok_wholeblock(&t);
		for (;;) {
			if (batches) {
				int stuck = tok_shortwords(&t, &b);
				len = addbatch(out, len, &b);
				if (!stuck)
					continue;
			}
			if ((k = tok_next(&t, &w, &n)) == TOK_END)
				break;
			if (k == TOK_WORD)
				len = add(out, len, w, n);
		}
	}
	if (tok_flush(&t, &w, &n) == TOK_WORD)
		len = add(out, len, w, n);
	tok_free(&t);
	return len;
}

/* The words of ASCII data, the simple way: runs of the rule's word
 * bytes, lowercased unless the case is kept. */
static size_t
asciiwords(const char *data, size_t size, char *out, const struct tokmode *m)
{
	size_t len = 0, run = 0;

	for (size_t i = 0; i <= size; i++) {
		unsigned char c = i < size ? (unsigned char)data[i] : ' ';
		int word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z');
		if (m->word == TOK_IDENT)
			word |= c == '_';
		else if (m->word == TOK_NONSPACE)
			word = c != 0 && c != ' ' && (c < '\t' || c > '\r');
		if (word) {
			out[len++] = (char)(c >= 'A' && c <= 'Z' &&
			    m->casing != TOK_KEEP ? c + 32 : c);
			run++;
		} else if (run) {
			out[len++] = '\0';
			run = 0;
		}
	}
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* The rule and the casing from the first byte, as the cut. */
	struct tokmode m = { (data[0] >> 4) & 3, (data[0] >> 6) % 3 };
	if (tok_setup(&m) < 0)
		abort();
	/* Lowercasing may grow a character by a byte or two; a byte of a
	 * nonspace word may take a NUL byte after it. */
	char *a = malloc(size * 3 + 1), *b = malloc(size * 3 + 1);
	size_t cut = data[0] % size;
	cutblocks((const char *)data, size, size);
	size_t la = words(a, 0);
	cutblocks((const char *)data, size, cut);
	size_t lb = words(b, 0);
	if (la != lb || memcmp(a, b, la) != 0)
		abort();
	lb = words(b, 1);
	if (la != lb || memcmp(a, b, la) != 0)
		abort();
	size_t i = 0;
	while (i < size && data[i] < 0x80)
		i++;
	if (i == size) {
		lb = asciiwords((const char *)data, size, b, &m);
		if (la != lb || memcmp(a, b, la) != 0)
			abort();
	}
	free(a);
	free(b);
	return 0;
}
