/* mapper.h: finding a mapper by name: a builtin, or a plugin. */
#ifndef PDP_MAPPER_H
#define PDP_MAPPER_H

#include "pdp.h"

extern const struct pdp_mapper mapper_wordfreq, mapper_linefreq,
    mapper_grep, mapper_wc, mapper_ngrams;

/* The builtin called name, or NULL. */
const struct pdp_mapper *mapper_builtin(const char *name);
/* Names of the builtins, for messages. */
const char *mapper_names(void);

#endif
