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
/* Whether m passes ctx->count every key of up to 16 bytes followed by
 * zeros up to 16 bytes, so that the host can read it in two words. */
int mapper_padded(const struct pdp_mapper *m);
/* Names of the builtins, for messages. */
const char *mapper_names(void);

#endif
