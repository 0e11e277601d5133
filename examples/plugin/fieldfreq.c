/*
 * fieldfreq.c: an example pdp-map plugin.  It counts the values of one
 * whitespace-separated column of each line, like awk '{ n[$N]++ }':
 *
 *	make
 *	pdp-find -n '*.log' /var/log | pdp-map ./fieldfreq.so 1 | pdp-reduce sum
 *
 * A plugin is a shared object that exports a struct pdp_mapper called
 * pdp_mapper (see pdp.h).  pdp-map calls init() once in each worker,
 * map() with blocks of whole lines of each input, end() after each
 * input, and finish() when the worker is done.  Here the counting is left
 * to ctx->count(), which aggregates per input and writes the records.
 */
#include <stdlib.h>
#include <string.h>

#include "pdp.h"

struct state {
	long column;		/* 1-based */
	char *part;		/* a line longer than a block, put together */
	size_t len, cap;
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct state *s;
	char *end;
	long n = argc > 1 ? strtol(argv[1], &end, 10) : 1;

	if (argc > 1 && (*end || n < 1)) {
		ctx->fail(ctx, "fieldfreq: invalid column '%s'", argv[1]);
		return -1;
	}
	if (!(s = calloc(1, sizeof *s))) {
		ctx->fail(ctx, "fieldfreq: out of memory");
		return -1;
	}
	s->column = n;
	ctx->data = s;
	return 0;
}

static int
isblank_(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Count column N of one line, if the line has one. */
static int
line(struct pdp_ctx *ctx, struct state *s, const char *p, size_t n)
{
	const char *end = p + n;
	long col = 0;

	while (p < end) {
		while (p < end && isblank_((unsigned char)*p))
			p++;
		if (p == end)
			break;
		const char *w = p;
		while (p < end && !isblank_((unsigned char)*p))
			p++;
		if (++col == s->column)
			return ctx->count(ctx, w, (size_t)(p - w), 1);
	}
	return 0;
}

static int
keep(struct pdp_ctx *ctx, struct state *s, const char *p, size_t n)
{
	if (s->len + n > s->cap) {
		size_t cap = (s->len + n) * 2;
		char *q = realloc(s->part, cap);
		if (!q) {
			ctx->fail(ctx, "fieldfreq: out of memory");
			return -1;
		}
		s->part = q;
		s->cap = cap;
	}
	memcpy(s->part + s->len, p, n);
	s->len += n;
	return 0;
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct state *s = ctx->data;
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && (flags & PDP_MORE))	/* the line goes on */
			return keep(ctx, s, p, (size_t)(end - p));
		const char *e = nl ? nl : end;
		int r;
		if (s->len) {
			if (keep(ctx, s, p, (size_t)(e - p)) < 0)
				return -1;
			r = line(ctx, s, s->part, s->len);
			s->len = 0;
		} else {
			r = line(ctx, s, p, (size_t)(e - p));
		}
		if (r < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static void
finish(struct pdp_ctx *ctx)
{
	struct state *s = ctx->data;

	free(s->part);
	free(s);
}

const struct pdp_mapper pdp_mapper = {
	.abi = PDP_ABI_VERSION,
	.name = "fieldfreq",
	.synopsis = "[COLUMN]",
	.minargs = 0,
	.maxargs = 1,
	.init = init,
	.map = map,
	.finish = finish,
};
