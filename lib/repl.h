/* repl.h: GNU parallel's replacement strings in an exec mapper's command
 * line: {} the path, {/} its last component, {//} its directory, {.}
 * the path without its extension, {/.} the last component without it,
 * {#} the input's number and {%} the worker's slot. */
#ifndef PDP_REPL_H
#define PDP_REPL_H

#include <stdint.h>

struct repl {
	const char *path;	/* raw bytes */
	uint64_t num;		/* 1 for the first input read */
	int slot;		/* 1 for the first worker */
};

/* Whether s holds a replacement string. */
int repl_has(const char *s);
/* s with its replacement strings replaced (allocated); each replacement
 * stays inside the one argument, whatever bytes it holds. */
char *repl_expand(const char *s, const struct repl *r);

#endif
