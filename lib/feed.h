/* feed.h: reading one input (a file, or a chunk of one) in line-aligned
 * blocks for a mapper. */
#ifndef PDP_FEED_H
#define PDP_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pdp.h"

enum { FEED_OK = 0, FEED_READERR = -1, FEED_MAPFAIL = -2, FEED_STOP = -3 };

/* Called once with the first bytes of the data (the first block read,
 * at most bufsz) before any is mapped: FEED_OK to go on, FEED_STOP to
 * stop there, mapping nothing. */
struct feedfirst {
	int (*fn)(void *arg, const char *p, size_t n);
	void *arg;
};

/* *start: the offset of the first line of fd that starts at or after off
 * (off > 0), or UINT64_MAX if none does; buf is scratch.  Returns 0, or
 * -1 on a read error (errno set). */
int feed_linestart(int fd, uint64_t off, char *buf, size_t bufsz,
    uint64_t *start);
/* Pass the lines of fd that start in [off, off+len) to m->map in blocks
 * of at most bufsz bytes (len UINT64_MAX: to the end of the file).  A
 * chunk boundary never splits a line, so chunks of one file together
 * cover every line exactly once.  size is the file's size (0 if not
 * known, as for files in /proc): a read that comes short at it ends the
 * file, with no read to find the end; the caller checks that the file
 * did not change.  first (if not NULL) sees the first block read (at
 * the chunk's first line).  *nbytes gets the bytes passed.
 * Returns FEED_OK, FEED_READERR (errno set), FEED_MAPFAIL or FEED_STOP. */
int feed(int fd, uint64_t off, uint64_t len, uint64_t size, char *buf,
    size_t bufsz, const struct pdp_mapper *m, struct pdp_ctx *ctx,
    uint64_t *nbytes, const struct feedfirst *first);

/* A stream: read gives up to n bytes into buf, 0 at its end, or -1 on
 * an error. */
struct feedreader {
	ssize_t (*read)(void *arg, char *buf, size_t n);
	void *arg;
};

/* The same for a stream (a decompressor's output), to its end.  The
 * first block is a whole buffer, or all there is. */
int feed_stream(const struct feedreader *r, char *buf, size_t bufsz,
    const struct pdp_mapper *m, struct pdp_ctx *ctx, uint64_t *nbytes,
    const struct feedfirst *first);

#endif
