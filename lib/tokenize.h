/* tokenize.h: the words of pdp-map's wordfreq and ngrams, in one of
 * four rules (--word) and three casings (--case).  By default a word is
 * a maximal run of characters that iswalnum() accepts in the C.UTF-8
 * locale, except that each Han ideograph and each Hiragana character is
 * a word of its own (as Unicode's default word boundaries, UAX #29,
 * break them without a dictionary), case-folded; bytes that are not
 * valid UTF-8 separate words. */
#ifndef PDP_TOKENIZE_H
#define PDP_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

enum { TOK_END, TOK_WORD, TOK_EOL };

/* --word: alnum (the default), ident (alnum and '_', as in source
 * code), nonspace (runs of bytes other than space, \t, \n, \v, \f, \r,
 * as wc -w counts them), alnum-runs (alnum without the breaks around
 * Han and Hiragana: the rule of pdp 1).  --case: fold (towlower of
 * towupper, so that final sigma is sigma; the default), lower
 * (towlower: the rule of pdp 1), keep. */
enum { TOK_ALNUM, TOK_IDENT, TOK_NONSPACE, TOK_ALNUMRUNS };
enum { TOK_FOLD, TOK_LOWER, TOK_KEEP };
struct tokmode {
	int word, casing;
};

struct tok {
	const unsigned char *p, *end;
	char *word;		/* the current word, lowercased UTF-8 */
	size_t wlen, wcap;
	unsigned char pend[4];	/* an incomplete UTF-8 sequence at a block end */
	int npend;
	int wantdone;		/* word complete, to return next */
	uint32_t held;		/* a word of one character, to return next */
	char key[16];		/* a short word, lowercased */
	int whole;		/* the block ends at the end of a word */
	unsigned char tail[160];	/* its last bytes, for tok_shortwords */
};

/* Short words as the counters take them: each key zero-padded to 16
 * bytes. */
enum { TOK_BATCH = 64 };
struct tokbatch {
	size_t n;
	unsigned char len[TOK_BATCH];
	char key[TOK_BATCH][16];
};

/* An argument of wordfreq or ngrams: "--word=RULE" or "--case=CASE"
 * sets m and returns 0; -1 for an unknown value of either, 1 for any
 * other argument. */
int tok_option(struct tokmode *m, const char *arg);
/* Set up the character tables for m (NULL: the defaults); calls
 * setlocale(LC_CTYPE, "C.UTF-8").  Returns -1 if that locale is
 * missing.  The rule is the process's: one a worker. */
int tok_setup(const struct tokmode *m);
void tok_init(struct tok *t);
void tok_block(struct tok *t, const char *data, size_t len);
/* After tok_block: no word goes on past the block's end (it ends a line
 * or the input), so tok_shortwords may take its last bytes too. */
void tok_wholeblock(struct tok *t);
/* TOK_WORD with *w, *n set (valid until the next call), TOK_EOL at each
 * newline, TOK_END when the block is used up.  A word cut by a PDP_MORE
 * block end is returned once the next block completes it. */
int tok_next(struct tok *t, const char **w, size_t *n);
/* The fast path of a word count: the next words into b, as long as they
 * are of ASCII word characters and at most 16 bytes long; newlines
 * are separators here.  Words then returned by tok_next may be in a copy
 * of the block's end.  Returns 0 when b has no room for another window
 * (more than TOK_BATCH - 32 words), 1 when what comes next needs
 * tok_next: one call of it, and this goes on.  The words are those
 * that tok_next would give, in the same order. */
int tok_shortwords(struct tok *t, struct tokbatch *b);
/* The word still pending at the end of an input, if any. */
int tok_flush(struct tok *t, const char **w, size_t *n);
void tok_free(struct tok *t);

#endif
