/* mapper_wc.c: the builtin wc: records lines, words and bytes with their
 * counts, as wc(1) counts them in the C locale (lines are newlines, words
 * are runs of bytes other than space, \t, \n, \v, \f and \r).  With
 * SSE2, 16 bytes at a time: a word is counted where it ends, at a space
 * after a byte that is not one. */
#include <stdint.h>
#include <stdlib.h>
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define WC_SSE2 1
#endif

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

#ifdef WC_SSE2
/* The bytes of p[0..16) that are spaces, and those that are newlines, as
 * bit masks. */
static inline void
classify16(const unsigned char *p, unsigned *sp, unsigned *nl)
{
	__m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* 9 to 13 (\t \n \v \f \r): c - 9 below 5, compared as signed
	 * after flipping the top bit. */
	__m128i t = _mm_xor_si128(_mm_sub_epi8(c, _mm_set1_epi8(9)),
	    _mm_set1_epi8((char)0x80));
	__m128i ws = _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8(' ')),
	    _mm_cmplt_epi8(t, _mm_set1_epi8((char)(0x80 + 5))));
	*sp = (unsigned)_mm_movemask_epi8(ws);
	*nl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c,
	    _mm_set1_epi8('\n')));
}
#endif

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct wc *w = ctx->data;
	const unsigned char *p = (const unsigned char *)data;
	int in = w->inword;
	size_t i = 0;

	(void)flags;
#ifdef WC_SSE2
	long long lines = 0, words = 0;
	for (; i + 16 <= len; i += 16) {
		unsigned sp, nl;
		classify16(p + i, &sp, &nl);
		/* A byte that is not a space before each byte. */
		unsigned prevword = ((~sp << 1) | (unsigned)in) & 0xffff;
		/* Both counts at once, in the halves of one word (no
		 * popcount: without -mpopcnt it is a call into libgcc). */
		uint32_t x = (sp & prevword) | nl << 16;
		x -= x >> 1 & 0x55555555;
		x = (x & 0x33333333) + (x >> 2 & 0x33333333);
		x = (x + (x >> 4)) & 0x0f0f0f0f;
		x = (x + (x >> 8)) & 0x001f001f;
		words += x & 0xffff;
		lines += x >> 16;
		in = !(sp >> 15);
	}
	w->lines += lines;
	w->words += words;
#endif
	for (; i < len; i++) {
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
