/* mapper.h: finding a mapper by name: a builtin, or a plugin. */
#ifndef PDP_MAPPER_H
#define PDP_MAPPER_H

#include "pdp.h"

extern const struct pdp_mapper mapper_wordfreq, mapper_linefreq,
    mapper_grep, mapper_wc, mapper_ngrams, mapper_exec;

/* What a builtin is, beyond its hooks. */
enum {
	MAPPER_SPLIT = 1,	/* a big file may be cut into chunks for it */
	MAPPER_TEXT = 2,	/* it reads text */
	MAPPER_COMMAND = 4,	/* its first argument is a command to run */
};

struct mapperdef {
	const struct pdp_mapper *m;
	unsigned flags;		/* MAPPER_* */
};

/* The builtin called name, or NULL. */
const struct mapperdef *mapper_builtin(const char *name);

struct tokbatch;

/* What pdp-map's workers offer the builtins beyond pdp.h, which plugins
 * do not see.  countbatch is ctx->count by 1 of each word of a batch
 * (tokenize.h), in order, and fails as ctx->count would. */
struct mapper_ext {
	int (*countbatch)(struct pdp_ctx *ctx, const struct tokbatch *b);
};

/* The extension for ctx, a context made by a worker; NULL for any
 * other context (as when pdp-map checks a mapper's arguments). */
const struct mapper_ext *mapper_ext(struct pdp_ctx *ctx);

/* The names of the builtins, for messages: "wordfreq, linefreq, ...". */
const char *mapper_names(void);

#endif
