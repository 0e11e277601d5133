/* mapper_wordfreq.c: the builtin wordfreq: word<TAB>count per input. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mapper.h"
#include "tokenize.h"

struct wordfreq {
	struct tok t;
	struct tokbatch b;
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct tokmode m = { TOK_ALNUM, TOK_FOLD };

	for (int i = 1; i < argc; i++) {
		int r = tok_option(&m, argv[i]);
		if (r > 0 && strncmp(argv[i], "--", 2) != 0) {
			ctx->fail(ctx, "wordfreq: usage: wordfreq [--word=RULE] "
			    "[--case=CASE]");
			return -1;
		}
		if (r != 0) {
			ctx->fail(ctx, "wordfreq: invalid option '%s' (--word="
			    "alnum|ident|nonspace|alnum-runs, --case=fold|lower|"
			    "keep)", argv[i]);
			return -1;
		}
	}
	if (tok_setup(&m) < 0) {
		ctx->fail(ctx, "the C.UTF-8 locale is not available");
		return -1;
	}
	struct wordfreq *wf = emalloc(sizeof *wf);
	tok_init(&wf->t);
	ctx->data = wf;
	return 0;
}

/* A batch through the worker's extension, or word by word. */
static int
countbatch(struct pdp_ctx *ctx, const struct mapper_ext *ext,
    const struct tokbatch *b)
{
	if (ext)
		return ext->countbatch(ctx, b);
	for (size_t i = 0; i < b->n; i++)
		if (ctx->count(ctx, b->key[i], b->len[i], 1) < 0)
			return -1;
	return 0;
}

/* Most words come in batches, the rest one at a time. */
static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct wordfreq *wf = ctx->data;
	const struct mapper_ext *ext = mapper_ext(ctx);
	const char *w;
	size_t n;
	int k;

	tok_block(&wf->t, data, len);
	if (!(flags & PDP_MORE))
		tok_wholeblock(&wf->t);
	for (;;) {
		int stuck = tok_shortwords(&wf->t, &wf->b);
		if (wf->b.n > 0 && countbatch(ctx, ext, &wf->b) < 0)
			return -1;
		if (!stuck)
			continue;
		if ((k = tok_next(&wf->t, &w, &n)) == TOK_END)
			return 0;
		if (k == TOK_WORD && ctx->count(ctx, w, n, 1) < 0)
			return -1;
	}
}

static int
end(struct pdp_ctx *ctx)
{
	struct wordfreq *wf = ctx->data;
	const char *w;
	size_t n;

	if (tok_flush(&wf->t, &w, &n) == TOK_WORD)
		return ctx->count(ctx, w, n, 1);
	return 0;
}

static void
finish(struct pdp_ctx *ctx)
{
	struct wordfreq *wf = ctx->data;

	tok_free(&wf->t);
	free(wf);
}

const struct pdp_mapper mapper_wordfreq = {
	.abi = PDP_ABI_VERSION,
	.name = "wordfreq",
	.synopsis = "[--word=RULE] [--case=CASE]",
	.minargs = 0,
	.maxargs = 2,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
