/* mapper.c: the table of builtin mappers. */
#include <string.h>

#include "mapper.h"

static const struct pdp_mapper *const builtins[] = {
	&mapper_wordfreq, &mapper_linefreq, &mapper_grep, &mapper_wc,
	&mapper_ngrams, &mapper_exec,
};

const struct pdp_mapper *
mapper_builtin(const char *name)
{
	for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
		if (strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	return NULL;
}

const char *
mapper_names(void)
{
	return "wordfreq, linefreq, grep, wc, ngrams, exec";
}
