/* mapper_lines.c: the builtins linefreq (line<TAB>count) and grep REGEX
 * (the same, for lines matching a POSIX extended regular expression).
 * A line longer than a block arrives in pieces; it is put together here,
 * so memory is bounded by the longest line. */
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mapper.h"

struct lines {
	char *part;		/* a line that goes on in the next block */
	size_t len, cap;
	char *cstr;		/* grep: the line as a C string */
	size_t ccap;
	int grep;
	regex_t re;
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct lines *l = ecalloc(1, sizeof *l);

	ctx->data = l;
	if (argc > 1) {
		/* Characters, not bytes, as grep in a UTF-8 locale. */
		if (!setlocale(LC_CTYPE, "C.UTF-8"))
			setlocale(LC_CTYPE, "C.utf8");
		int e = regcomp(&l->re, argv[1], REG_EXTENDED | REG_NOSUB);
		if (e) {
			char msg[256];
			regerror(e, &l->re, msg, sizeof msg);
			ctx->fail(ctx, "grep: invalid regex '%s': %s", argv[1], msg);
			free(l);
			ctx->data = NULL;
			return -1;
		}
		l->grep = 1;
	}
	return 0;
}

static void
keep(struct lines *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		while (l->len + n + 1 > l->cap)
			l->cap = l->cap ? l->cap * 2 : 4096;
		l->part = erealloc(l->part, l->cap);
	}
	memcpy(l->part + l->len, s, n);
	l->len += n;
}

/* One whole line: count it, if it matches. */
static int
line(struct pdp_ctx *ctx, struct lines *l, const char *s, size_t n)
{
	if (l->grep) {
		/* regexec wants a string: copy (lines with a NUL byte are
		 * matched up to it). */
		if (n + 1 > l->ccap) {
			l->ccap = (n + 1) * 2;
			l->cstr = erealloc(l->cstr, l->ccap);
		}
		memcpy(l->cstr, s, n);
		l->cstr[n] = '\0';
		if (regexec(&l->re, l->cstr, 0, NULL, 0) != 0)
			return 0;
	}
	return ctx->count(ctx, s, n, 1);
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct lines *l = ctx->data;
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && (flags & PDP_MORE)) {
			keep(l, p, (size_t)(end - p));
			return 0;
		}
		const char *e = nl ? nl : end;	/* no newline: the last line */
		int r;
		if (l->len) {
			keep(l, p, (size_t)(e - p));
			r = line(ctx, l, l->part, l->len);
			l->len = 0;
		} else {
			r = line(ctx, l, p, (size_t)(e - p));
		}
		if (r < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int
end(struct pdp_ctx *ctx)
{
	struct lines *l = ctx->data;
	int r = 0;

	if (l->len)	/* cannot happen unless the data ended mid-line */
		r = line(ctx, l, l->part, l->len);
	l->len = 0;
	return r;
}

static void
finish(struct pdp_ctx *ctx)
{
	struct lines *l = ctx->data;

	if (!l)
		return;
	if (l->grep)
		regfree(&l->re);
	free(l->part);
	free(l->cstr);
	free(l);
}

const struct pdp_mapper mapper_linefreq = {
	.abi = PDP_ABI_VERSION,
	.name = "linefreq",
	.synopsis = "",
	.minargs = 0,
	.maxargs = 0,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};

const struct pdp_mapper mapper_grep = {
	.abi = PDP_ABI_VERSION,
	.name = "grep",
	.synopsis = "REGEX",
	.minargs = 1,
	.maxargs = 1,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
