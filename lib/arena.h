/* arena.h: bytes copied into big chunks, freed all at once.  Clearing
 * keeps the chunks for reuse, so a table that is filled and cleared over
 * and over stops allocating. */
#ifndef PDP_ARENA_H
#define PDP_ARENA_H

#include <stddef.h>

struct chunk;

struct arena {
	struct chunk *first;
	struct chunk *cur;	/* chunk being filled */
	size_t used;		/* bytes copied in since the last clear */
	size_t bytes;		/* bytes allocated, chunk headers included */
};

/* A copy of the n bytes at p, valid until arena_clear or arena_free. */
const char *arena_copy(struct arena *a, const void *p, size_t n);
/* The same, or NULL if memory runs out (the arena as it was). */
const char *arena_trycopy(struct arena *a, const void *p, size_t n);
void arena_clear(struct arena *a);
void arena_free(struct arena *a);

#endif
