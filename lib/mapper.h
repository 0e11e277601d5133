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
/* Names of the builtins, for messages. */
const char *mapper_names(void);

#endif
