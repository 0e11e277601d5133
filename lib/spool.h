/* spool.h: the output of one task, held until the task has succeeded, so
 * that a failed or killed task leaves nothing half-written.  The first
 * SPOOL_MEM bytes are kept in memory, the rest in an unlinked temporary
 * file (which no exit path can leave behind). */
#ifndef PDP_SPOOL_H
#define PDP_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

struct spool {
	char *mem;
	size_t len, cap;
	int fd;			/* -1: nothing on disk */
	uint64_t disklen;
};

void spool_init(struct spool *s);
void spool_add(struct spool *s, const void *p, size_t n);
/* Write everything to out and empty the spool. */
void spool_commit(struct spool *s, struct obuf *out);
/* Move everything in src to the end of dst, leaving src empty (when dst
 * holds nothing, the two trade places: no copy). */
void spool_append(struct spool *dst, struct spool *src);
void spool_discard(struct spool *s);
/* The bytes it holds. */
uint64_t spool_size(const struct spool *s);
void spool_free(struct spool *s);

#endif
