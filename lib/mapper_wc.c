/* mapper_wc.c: the builtin wc: records lines, words and bytes with their
 * counts, as wc(1) counts them in the C locale (lines are newlines, words
 * are runs of bytes other than space, \t, \n, \v, \f and \r). */
#include <stdlib.h>

#include "err.h"
#include "mapper.h"

struct wc {
	long long lines, words, bytes;
	int inword;
};

static const unsigned char space[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ctx->data = ecalloc(1, sizeof(struct wc));
	return 0;
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct wc *w = ctx->data;
	const unsigned char *p = (const unsigned char *)data;
	int in = w->inword;

	(void)flags;
	for (size_t i = 0; i < len; i++) {
		int sp = space[p[i]];
		w->lines += p[i] == '\n';
		w->words += in && sp;
		in = !sp;
	}
	w->inword = in;
	w->bytes += (long long)len;
	return 0;
}

static int
end(struct pdp_ctx *ctx)
{
	struct wc *w = ctx->data;
	int r = 0;

	w->words += w->inword;
	if (ctx->count(ctx, "lines", 5, w->lines) < 0 ||
	    ctx->count(ctx, "words", 5, w->words) < 0 ||
	    ctx->count(ctx, "bytes", 5, w->bytes) < 0)
		r = -1;
	w->lines = w->words = w->bytes = 0;
	w->inword = 0;
	return r;
}

static void
finish(struct pdp_ctx *ctx)
{
	free(ctx->data);
}

const struct pdp_mapper mapper_wc = {
	.abi = PDP_ABI_VERSION,
	.name = "wc",
	.synopsis = "",
	.minargs = 0,
	.maxargs = 0,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
