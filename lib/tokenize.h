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
	char key[16];		/* a short word, zero-padded */
};

/* Set up the character tables; calls setlocale(LC_CTYPE, "C.UTF-8").
 * Returns -1 if that locale is missing. */
int tok_setup(void);
void tok_init(struct tok *t);
void tok_block(struct tok *t, const char *data, size_t len);
/* TOK_WORD with *w, *n set (valid until the next call), TOK_EOL at each
 * newline, TOK_END when the block is used up.  A word cut by a PDP_MORE
 * block end is returned once the next block completes it.  A word of up
 * to 16 bytes is followed by zeros up to 16 bytes. */
int tok_next(struct tok *t, const char **w, size_t *n);
/* The word still pending at the end of an input, if any. */
int tok_flush(struct tok *t, const char **w, size_t *n);
void tok_free(struct tok *t);

#endif
