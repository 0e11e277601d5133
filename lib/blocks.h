/* blocks.h: --pipe's data from a pipe, read straight into the buffers of
 * its blocks: a block is handed to its input whole, with no copy, and
 * its buffer comes back for the next when the input is done.  From a
 * regular file, only where each block ends (the workers read it). */
#ifndef PDP_BLOCKS_H
#define PDP_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

enum { BLOCKS_FREE = 8 };	/* buffers kept for reuse */

struct blocks {
	int fd;
	const char *name;	/* for messages */
	size_t bsize;		/* --block */
	char *cur;		/* the block being filled: [start, len) */
	size_t start, len, cap;
	size_t scanned;		/* bytes of cur known to hold no newline */
	int eof;
	char *free[BLOCKS_FREE];	/* buffers of cap >= bsize + READ */
	size_t nfree;
};

/* Read fd in blocks of bsize bytes (cut at a line's end), pre (npre
 * bytes already read from it) first. */
void blocks_init(struct blocks *b, int fd, const char *name, size_t bsize,
    const char *pre, size_t npre);
/* Read what fd has now (it is ready).  Returns the bytes read, 0 at
 * its end; exits on an error. */
size_t blocks_fill(struct blocks *b);
/* The next block, if one is whole: the lines in the next bsize bytes, or
 * one longer line; at the end, what is left.  Returns its buffer (the
 * caller's until blocks_release), of *cap bytes, with *len set; or NULL. */
char *blocks_take(struct blocks *b, size_t *len, size_t *cap);
/* The buffer of a block that is done with. */
void blocks_release(struct blocks *b, char *buf, size_t cap);
void blocks_free(struct blocks *b);

/* --pipe from a regular file, cut as blocks from a pipe are by looking at
 * the bytes around the cut alone: *end, the end of the block of fd (size
 * bytes) that starts at from: the whole lines in the next bsize bytes, or
 * one longer line.  Returns 0, or -1 on a read error (errno set). */
int blocks_rangeend(int fd, uint64_t from, uint64_t size, size_t bsize,
    uint64_t *end);

#endif
