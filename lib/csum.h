/* csum.h: a running 64-bit checksum of a byte stream, the same however
 * the stream is cut into pieces.  Not cryptographic: it tells pdp-map's
 * --resume whether an output file still holds what pdp-map wrote. */
#ifndef PDP_CSUM_H
#define PDP_CSUM_H

#include <stddef.h>
#include <stdint.h>

struct csum {
	uint64_t h;
	uint64_t pend;		/* up to 7 bytes not yet folded in */
	unsigned npend;
	uint64_t len;		/* bytes summed */
};

void csum_init(struct csum *c);
void csum_add(struct csum *c, const void *p, size_t n);
/* The checksum of what was added so far (c goes on unchanged). */
uint64_t csum_value(const struct csum *c);

#endif
