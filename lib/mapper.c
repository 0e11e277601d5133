/* mapper.c: the table of builtin mappers, with what pdp-map needs to
 * know of each beyond pdp.h. */
#include <string.h>

#include "err.h"
#include "mapper.h"

static const struct mapperdef builtins[] = {
	{ &mapper_wordfreq, MAPPER_SPLIT | MAPPER_TEXT },
	{ &mapper_linefreq, MAPPER_SPLIT | MAPPER_TEXT },
	{ &mapper_grep, MAPPER_SPLIT | MAPPER_TEXT },
	{ &mapper_wc, MAPPER_SPLIT | MAPPER_TEXT },
	{ &mapper_ngrams, MAPPER_SPLIT | MAPPER_TEXT },
	{ &mapper_exec, MAPPER_COMMAND },
};

enum { NBUILTINS = sizeof builtins / sizeof *builtins };

const struct mapperdef *
mapper_builtin(const char *name)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].m->name, name) == 0)
			return &builtins[i];
	return NULL;
}

const char *
mapper_names(void)
{
	static char names[256];

	if (!*names)
		for (size_t i = 0; i < NBUILTINS; i++) {
			if (i)
				strcat(names, ", ");
			strcat(names, builtins[i].m->name);
		}
	return names;
}
