/* mapper_ngrams.c: the builtin ngrams N: runs of N consecutive words of
 * one line, joined by a space, with counts.  Words are wordfreq's. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mapper.h"
#include "num.h"
#include "tokenize.h"

struct ngrams {
	struct tok t;
	size_t n;		/* N */
	size_t have;		/* words of the current line so far, up to N */
	char **w;		/* the last N words, oldest first */
	size_t *wlen, *wcap;
	char *gram;
	size_t gcap;
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	unsigned long long n;
	struct tokmode m = { TOK_ALNUM, TOK_FOLD };
	const char *arg = NULL;
	int nargs = 0, r;

	for (int i = 1; i < argc; i++) {
		if ((r = tok_option(&m, argv[i])) < 0 ||
		    (r > 0 && strncmp(argv[i], "--", 2) == 0)) {
			ctx->fail(ctx, "ngrams: invalid option '%s' (--word="
			    "alnum|ident|nonspace|alnum-runs, --case=fold|lower|"
			    "keep)", argv[i]);
			return -1;
		}
		if (r > 0) {
			arg = argv[i];
			nargs++;
		}
	}
	if (nargs != 1) {
		ctx->fail(ctx, "ngrams: usage: ngrams [--word=RULE] "
		    "[--case=CASE] N");
		return -1;
	}
	if (opt_uint(arg, 1, 100, &n) < 0) {
		ctx->fail(ctx, "ngrams: invalid N '%s' (1 to 100)", arg);
		return -1;
	}
	if (tok_setup(&m) < 0) {
		ctx->fail(ctx, "the C.UTF-8 locale is not available");
		return -1;
	}
	struct ngrams *g = ecalloc(1, sizeof *g);
	tok_init(&g->t);
	g->n = (size_t)n;
	g->w = ecalloc(g->n, sizeof *g->w);
	g->wlen = ecalloc(g->n, sizeof *g->wlen);
	g->wcap = ecalloc(g->n, sizeof *g->wcap);
	ctx->data = g;
	return 0;
}

static int
word(struct pdp_ctx *ctx, struct ngrams *g, const char *w, size_t n)
{
	if (g->have == g->n) {
		/* Drop the oldest word; rotate its buffer to the end. */
		char *b = g->w[0];
		size_t c = g->wcap[0];
		memmove(g->w, g->w + 1, (g->n - 1) * sizeof *g->w);
		memmove(g->wlen, g->wlen + 1, (g->n - 1) * sizeof *g->wlen);
		memmove(g->wcap, g->wcap + 1, (g->n - 1) * sizeof *g->wcap);
		g->w[g->n - 1] = b;
		g->wcap[g->n - 1] = c;
		g->have--;
	}
	size_t i = g->have++;
	if (n > g->wcap[i]) {
		g->wcap[i] = n * 2;
		g->w[i] = erealloc(g->w[i], g->wcap[i]);
	}
	memcpy(g->w[i], w, n);
	g->wlen[i] = n;
	if (g->have < g->n)
		return 0;
	size_t len = g->n - 1;
	for (size_t k = 0; k < g->n; k++)
		len += g->wlen[k];
	if (len > g->gcap) {
		g->gcap = len * 2;
		g->gram = erealloc(g->gram, g->gcap);
	}
	size_t at = 0;
	for (size_t k = 0; k < g->n; k++) {
		if (k)
			g->gram[at++] = ' ';
		memcpy(g->gram + at, g->w[k], g->wlen[k]);
		at += g->wlen[k];
	}
	return ctx->count(ctx, g->gram, at, 1);
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct ngrams *g = ctx->data;
	const char *w;
	size_t n;
	int k;

	(void)flags;
	tok_block(&g->t, data, len);
	while ((k = tok_next(&g->t, &w, &n)) != TOK_END) {
		if (k == TOK_EOL)
			g->have = 0;
		else if (word(ctx, g, w, n) < 0)
			return -1;
	}
	return 0;
}

static int
end(struct pdp_ctx *ctx)
{
	struct ngrams *g = ctx->data;
	const char *w;
	size_t n;
	int r = 0;

	if (tok_flush(&g->t, &w, &n) == TOK_WORD)
		r = word(ctx, g, w, n);
	g->have = 0;
	return r;
}

static void
finish(struct pdp_ctx *ctx)
{
	struct ngrams *g = ctx->data;

	for (size_t k = 0; k < g->n; k++)
		free(g->w[k]);
	free(g->w);
	free(g->wlen);
	free(g->wcap);
	free(g->gram);
	tok_free(&g->t);
	free(g);
}

const struct pdp_mapper mapper_ngrams = {
	.abi = PDP_ABI_VERSION,
	.name = "ngrams",
	.synopsis = "[--word=RULE] [--case=CASE] N",
	.minargs = 1,
	.maxargs = 3,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
