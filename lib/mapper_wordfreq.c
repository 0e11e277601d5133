/* mapper_wordfreq.c: the builtin wordfreq: word<TAB>count per input. */
#include <stdlib.h>

#include "err.h"
#include "mapper.h"
#include "tokenize.h"

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (tok_setup() < 0) {
		ctx->fail(ctx, "the C.UTF-8 locale is not available");
		return -1;
	}
	struct tok *t = emalloc(sizeof *t);
	tok_init(t);
	ctx->data = t;
	return 0;
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct tok *t = ctx->data;
	const char *w;
	size_t n;
	int k;

	(void)flags;
	tok_block(t, data, len);
	while ((k = tok_next(t, &w, &n)) != TOK_END)
		if (k == TOK_WORD && ctx->count(ctx, w, n, 1) < 0)
			return -1;
	return 0;
}

static int
end(struct pdp_ctx *ctx)
{
	const char *w;
	size_t n;

	if (tok_flush(ctx->data, &w, &n) == TOK_WORD)
		return ctx->count(ctx, w, n, 1);
	return 0;
}

static void
finish(struct pdp_ctx *ctx)
{
	tok_free(ctx->data);
	free(ctx->data);
}

const struct pdp_mapper mapper_wordfreq = {
	.abi = PDP_ABI_VERSION,
	.name = "wordfreq",
	.synopsis = "",
	.minargs = 0,
	.maxargs = 0,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
