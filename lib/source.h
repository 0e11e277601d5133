/* source.h: what a worker reads for a task: a file or a chunk of one, a
 * compressed file through its decompressor, or a --pipe block; with the
 * checks on it (not a regular file, changed while read, binary). */
#ifndef PDP_SOURCE_H
#define PDP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "pdp.h"

/* What to do with binary input: a NUL byte in its first BINCHECK bytes
 * (after decompression), as GNU grep decides. */
enum binmode {
	BIN_ASIS,		/* no check: exec and plugins, by default */
	BIN_SKIP,		/* not mapped, a message; the text mappers' default */
	BIN_TEXT,		/* mapped as text */
	BIN_FAIL,		/* a failed input */
};
enum { BINCHECK = 32 << 10 };

/* Bytes a block of input. */
enum { READBUF = 1 << 20 };

struct source {
	const struct pdp_mapper *m;
	struct pdp_ctx *ctx;	/* failures go to ctx->fail */
	const int *failed;	/* whether ctx->fail was called */
	int decompress;		/* read compressed files decompressed */
	enum binmode binary;
	char *buf;		/* READBUF bytes */
	int skipped;		/* the last input was binary, and skipped */
};

/* Map the lines of path that start in [off, off+len) (len UINT64_MAX:
 * all of it), of a file that was size bytes when cut into chunks (if
 * len is not UINT64_MAX).  Returns the bytes read. */
uint64_t source_file(struct source *s, const char *path, uint64_t off,
    uint64_t len, uint64_t size);
/* Map a --pipe block that is the lines starting in [off, off+len) of the
 * file (of size bytes) open on fd.  Returns the bytes read. */
uint64_t source_range(struct source *s, int fd, uint64_t off, uint64_t len,
    uint64_t size);
/* Map a --pipe block of whole lines.  Returns its length. */
uint64_t source_data(struct source *s, const char *data, uint64_t len);

#endif
