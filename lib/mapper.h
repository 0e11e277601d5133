/* mapper.h: finding a mapper by name: a builtin, or a plugin. */
#ifndef PDP_MAPPER_H
#define PDP_MAPPER_H

#include "pdp.h"

extern const struct pdp_mapper mapper_wordfreq, mapper_linefreq,
    mapper_grep, mapper_wc, mapper_ngrams, mapper_exec;

/* The builtin called name, or NULL. */
const struct pdp_mapper *mapper_builtin(const char *name);
/* Whether exec can run cmd (searched in PATH as execvp does): 0, ENOENT
 * or EACCES. */
int exec_lookup(const char *cmd);

struct tokbatch;

/* What pdp-map's workers offer the builtins beyond struct pdp_ctx:
 * ctx->host points to it.  countbatch is ctx->count by 1 of each word
 * of a batch (tokenize.h), in order, and fails as ctx->count would. */
struct mapper_host {
	int (*countbatch)(struct pdp_ctx *ctx, const struct tokbatch *b);
};

/* Names of the builtins, for messages. */
const char *mapper_names(void);

#endif
