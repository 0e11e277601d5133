/* tokenize.h: the words of pdp-map's wordfreq and ngrams.  A word is a
 * maximal run of characters that iswalnum() accepts in the C.UTF-8
 * locale, lowercased with towlower(); bytes that are not valid UTF-8
 * separate words. */
#ifndef PDP_TOKENIZE_H
#define PDP_TOKENIZE_H

#include <stddef.h>

enum { TOK_END, TOK_WORD, TOK_EOL };

struct tok {
	const unsigned char *p, *end;
	char *word;		/* the current word, lowercased UTF-8 */
	size_t wlen, wcap;
	unsigned char pend[4];	/* an incomplete UTF-8 sequence at a block end */
	int npend;
	int wantdone;		/* word complete, to return next */
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

/* Set up the character tables; calls setlocale(LC_CTYPE, "C.UTF-8").
 * Returns -1 if that locale is missing. */
int tok_setup(void);
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
 * are of ASCII letters and digits and at most 16 bytes long; newlines
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
