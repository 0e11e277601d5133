/* arena.c: bytes copied into chunks that grow with the arena from 64
 * bytes to a megabyte (or one bigger chunk for a bigger copy), so that
 * an arena of a few keys stays small; see arena.h. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "err.h"

enum { ARENA_MIN = 64, ARENA_CHUNK = 1 << 20 };

struct chunk {
	struct chunk *next;
	size_t cap, used;
	char data[];
};

const char *
arena_copy(struct arena *a, const void *p, size_t n)
{
	const char *d = arena_trycopy(a, p, n);

	if (!d)
		eprintf("malloc:");
	return d;
}

const char *
arena_trycopy(struct arena *a, const void *p, size_t n)
{
	struct chunk *c = a->cur;

	if (!c || c->cap - c->used < n) {
		/* Move on to the next cleared chunk, or insert a new one. */
		if (c && c->next && c->next->cap >= n) {
			c = c->next;
		} else {
			size_t cap = a->bytes < ARENA_MIN ? ARENA_MIN :
			    a->bytes < ARENA_CHUNK ? a->bytes : ARENA_CHUNK;
			if (cap < n)
				cap = n;
			struct chunk *nc = malloc(sizeof *nc + cap);
			if (!nc)
				return NULL;
			nc->cap = cap;
			nc->used = 0;
			if (c) {
				nc->next = c->next;
				c->next = nc;
			} else {
				nc->next = a->first;
				a->first = nc;
			}
			a->bytes += sizeof *nc + cap;
			c = nc;
		}
		a->cur = c;
	}
	char *d = c->data + c->used;
	if (n)
		memcpy(d, p, n);
	c->used += n;
	a->used += n;
	return d;
}

void
arena_clear(struct arena *a)
{
	for (struct chunk *c = a->first; c; c = c->next)
		c->used = 0;
	a->cur = a->first;
	a->used = 0;
}

void
arena_free(struct arena *a)
{
	struct chunk *c = a->first;

	while (c) {
		struct chunk *nx = c->next;
		free(c);
		c = nx;
	}
	memset(a, 0, sizeof *a);
}
