/* mapper_lines.c: the builtins linefreq (line<TAB>count) and grep
 * [-iFwxvo] REGEX (the same, for lines matching a POSIX extended
 * regular expression, or with -o each matched substring).  grep's
 * options are GNU grep's, made into one ERE: -F escapes the pattern, -x
 * anchors it, -w puts it between non-word characters or the line's
 * ends; patterns given by several -e, or by lines of one, are
 * alternatives.  A line longer than a block arrives in pieces; it is put
 * together here, so memory is bounded by the longest line. */
#include <locale.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mapper.h"

enum {
	G_ICASE = 1, G_INVERT = 2, G_FIXED = 4, G_WORD = 8, G_LINE = 16,
	G_ONLY = 32,
};

struct lines {
	char *part;		/* a line that goes on in the next block */
	size_t len, cap;
	char *cstr;		/* grep: the line as a C string */
	size_t ccap;
	int grep;
	int flags;		/* G_* */
	regex_t re;
};

/* The ERE being built: room for every pattern byte escaped, its
 * parentheses and a bar, and the wrapping of -w or -x. */
struct ere {
	char *s;
	size_t len;
};

static void
put(struct ere *e, const char *s)
{
	size_t n = strlen(s);

	memcpy(e->s + e->len, s, n + 1);
	e->len += n;
}

/* Append pattern p (n bytes) as an alternative: escaped with -F. */
static void
addpattern(struct ere *e, const char *p, size_t n, int fixed)
{
	if (e->s[e->len - 1] == ')')
		e->s[e->len++] = '|';
	e->s[e->len++] = '(';
	for (size_t i = 0; i < n; i++) {
		if (fixed && strchr("\\.[]()*+?{}|^$", p[i]))
			e->s[e->len++] = '\\';
		e->s[e->len++] = p[i];
	}
	put(e, ")");
}

/* The options of grep, as GNU grep spells them, and its patterns: one
 * ERE in e.  Returns 0, or -1 after ctx->fail. */
static int
grepargs(struct pdp_ctx *ctx, struct lines *l, int argc, char **argv,
    struct ere *e)
{
	static const struct {
		char c;
		const char *name;
		int flag;
	} opts[] = {
		{ 'i', "ignore-case", G_ICASE }, { 'v', "invert-match", G_INVERT },
		{ 'F', "fixed-strings", G_FIXED }, { 'w', "word-regexp", G_WORD },
		{ 'x', "line-regexp", G_LINE }, { 'o', "only-matching", G_ONLY },
		{ 'E', "extended-regexp", 0 },
	};
	const char *pats[64];
	int npats = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		size_t k, nopts = sizeof opts / sizeof *opts;
		const char *pat = NULL;
		if (a[1] == '-') {
			for (k = 0; k < nopts && strcmp(a + 2, opts[k].name); k++)
				;
			if (k < nopts) {
				l->flags |= opts[k].flag;
				continue;
			}
			if (strncmp(a, "--regexp=", 9) == 0)
				pat = a + 9;
		}
		for (const char *c = a + 1; !pat && *c; c++) {
			if (*c == 'e' && a[1] != '-') {
				/* -e PATTERN, -ePATTERN, -ie PATTERN */
				if (!c[1] && i + 1 == argc) {
					ctx->fail(ctx, "grep: -e needs a pattern");
					return -1;
				}
				pat = c[1] ? c + 1 : argv[++i];
				break;
			}
			for (k = 0; k < nopts && opts[k].c != *c; k++)
				;
			if (k == nopts || a[1] == '-') {
				ctx->fail(ctx, "grep: unknown option '%s' (-i, -v, "
				    "-F, -w, -x, -o, -E, -e PATTERN)", a);
				return -1;
			}
			l->flags |= opts[k].flag;
		}
		if (pat) {
			if (npats == 64) {
				ctx->fail(ctx, "grep: more than 64 patterns");
				return -1;
			}
			pats[npats++] = pat;
		}
	}
	if (npats == 0 && i < argc)
		pats[npats++] = argv[i++];
	if (npats == 0 || i < argc) {
		ctx->fail(ctx, "grep: usage: grep [-iFwxvoE] [-e] PATTERN");
		return -1;
	}
	if ((l->flags & (G_INVERT | G_ONLY)) == (G_INVERT | G_ONLY)) {
		ctx->fail(ctx, "grep: -o with -v selects nothing");
		return -1;
	}
	/* Each pattern, and each line of one, an alternative. */
	size_t size = 64;
	for (int k = 0; k < npats; k++)
		size += 5 * strlen(pats[k]) + 4;	/* a line: |(), a byte: \\c */
	e->s = emalloc(size);
	e->len = 0;
	put(e, l->flags & G_LINE ? "^(" : l->flags & G_WORD ?
	    "(^|[^[:alnum:]_])(" : "(");
	for (int k = 0; k < npats; k++) {
		const char *p = pats[k];
		for (;;) {
			const char *nl = strchr(p, '\n');
			addpattern(e, p, nl ? (size_t)(nl - p) : strlen(p),
			    l->flags & G_FIXED);
			if (!nl)
				break;
			p = nl + 1;
		}
	}
	put(e, l->flags & G_LINE ? ")$" : l->flags & G_WORD ?
	    ")([^[:alnum:]_]|$)" : ")");
	return 0;
}

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ctx->data = ecalloc(1, sizeof(struct lines));
	return 0;
}

static int
grepinit(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct lines *l = ecalloc(1, sizeof *l);
	struct ere e = { NULL, 0 };

	if (grepargs(ctx, l, argc, argv, &e) < 0)
		goto fail;
	/* Characters, not bytes, as grep in a UTF-8 locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
	int r = regcomp(&l->re, e.s, REG_EXTENDED |
	    (l->flags & G_ICASE ? REG_ICASE : 0) |
	    (l->flags & G_ONLY ? 0 : REG_NOSUB));
	if (r) {
		char msg[256];
		regerror(r, &l->re, msg, sizeof msg);
		ctx->fail(ctx, "grep: invalid regex '%s': %s", argv[argc - 1],
		    msg);
		goto fail;
	}
	l->grep = 1;
	free(e.s);
	ctx->data = l;
	return 0;
fail:
	free(e.s);
	free(l);
	return -1;
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

/* grep -o: each non-empty match in the line, by itself (with -w, the
 * pattern's group, without the characters around it).  After the first
 * match, ^ matches only where the line starts. */
static int
matches(struct pdp_ctx *ctx, struct lines *l, const char *s)
{
	regmatch_t m[3];
	int g = l->flags & G_WORD ? 2 : 0;
	size_t at = 0;

	while (s[at] && regexec(&l->re, s + at, 3, m, at ? REG_NOTBOL : 0) == 0) {
		size_t b = at + (size_t)m[g].rm_so, e = at + (size_t)m[g].rm_eo;
		if (e > b) {
			if (ctx->count(ctx, s + b, e - b, 1) < 0)
				return -1;
			at = e;
		} else {
			/* An empty match: on past one character. */
			at = b + 1;
			while ((s[at] & 0xc0) == 0x80)
				at++;
		}
	}
	return 0;
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
		if (l->flags & G_ONLY)
			return matches(ctx, l, l->cstr);
		int no = regexec(&l->re, l->cstr, 0, NULL, 0) != 0;
		if (no != !!(l->flags & G_INVERT))
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
	.synopsis = "[-iFwxvoE] [-e] PATTERN",
	.minargs = 1,
	.maxargs = -1,
	.init = grepinit,
	.map = map,
	.end = end,
	.finish = finish,
};
