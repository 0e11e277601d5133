/* blocks.c: --pipe blocks read from a pipe (see blocks.h).  Each byte is
 * read once into a buffer, and handed on in the buffer it was read into
 * when that buffer holds more of the block than of what follows it; else
 * the smaller part is copied: so no byte is copied more than once and
 * most are not copied at all.  Reads stop at the block's size, so what
 * follows a cut is at most one read and a line.  The scan for the last
 * newline before a cut goes back from the cut; a line longer than a
 * block is scanned forward as it arrives, from where the last look
 * stopped.  Memory: the blocks read ahead and those running (each
 * --block bytes and one read), BLOCKS_FREE buffers kept for reuse, and a
 * line longer than a block, held whole (at most RECORD_MAX).
 * From a regular file (blocks_rangeend) only the cuts are found, the
 * same way, with pread: the workers read their blocks themselves. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocks.h"
#include "err.h"
#include "feed.h"
#include "io.h"

enum { READ = 1 << 16 };	/* bytes read past a block's size at once */

static char *
newbuf(struct blocks *b, size_t *cap)
{
	*cap = b->bsize + READ;
	if (b->nfree > 0)
		return b->free[--b->nfree];
	return emalloc(*cap);
}

void
blocks_init(struct blocks *b, int fd, const char *name, size_t bsize,
    const char *pre, size_t npre)
{
	memset(b, 0, sizeof *b);
	b->fd = fd;
	b->name = name;
	b->bsize = bsize;
	b->cur = newbuf(b, &b->cap);
	if (b->cap < npre) {
		b->cap = npre + READ;
		b->cur = erealloc(b->cur, b->cap);
	}
	memcpy(b->cur, pre, npre);
	b->len = npre;
}

size_t
blocks_fill(struct blocks *b)
{
	size_t avail = b->len - b->start;
	size_t want = avail < b->bsize ? b->bsize - avail : READ;

	if (avail >= b->bsize) {
		/* A line longer than a block, with no newline yet: reads stop
		 * at RECORD_MAX bytes and the newline, so more is an error at
		 * the next call, and the buffer never holds more (it once
		 * doubled to 2 GiB, and let a line of nearly that through). */
		if (avail > RECORD_MAX)
			eprintf("%s: a line longer than %d MiB (binary data?)", b->name,
			    RECORD_MAX >> 20);
		if (want > RECORD_MAX + 1 - avail)
			want = RECORD_MAX + 1 - avail;
	}
	if (b->cap - b->len < want && b->start > 0) {
		memmove(b->cur, b->cur + b->start, avail);
		b->len = avail;
		b->start = 0;
	}
	if (b->cap - b->len < want) {
		/* A line longer than a block: the buffer grows to hold it,
		 * doubled up to the most a line and a read take. */
		size_t most = (size_t)RECORD_MAX + 1 + READ;
		size_t cap = b->cap < most / 2 ? b->cap * 2 : most;
		b->cap = b->len + want > cap ? b->len + want : cap;
		b->cur = erealloc(b->cur, b->cap);
	}
	ssize_t n = readsome(b->fd, b->cur + b->len, want);
	if (n < 0)
		eprintf("%s: read error:", b->name);
	if (n == 0)
		b->eof = 1;
	b->len += (size_t)n;
	return (size_t)n;
}

char *
blocks_take(struct blocks *b, size_t *len, size_t *cap)
{
	char *s = b->cur + b->start;
	size_t avail = b->len - b->start, k = 0, from = b->scanned;

	if (avail == 0 || (!b->eof && avail < b->bsize))
		return NULL;
	if (b->eof && avail <= b->bsize)
		k = avail;	/* the rest, an unfinished last line too */
	for (size_t i = avail < b->bsize ? avail : b->bsize; i > from && !k; i--)
		if (s[i - 1] == '\n')
			k = i;
	if (k == 0) {
		if (from < b->bsize)
			from = b->bsize;
		const char *nl = avail > from ?
		    memchr(s + from, '\n', avail - from) : NULL;
		if (nl) {
			k = (size_t)(nl - s) + 1;
		} else if (b->eof) {
			k = avail;
		} else {
			b->scanned = avail;	/* a line longer than a block */
			return NULL;
		}
	}
	b->scanned = 0;
	size_t rest = avail - k;
	char *blk;
	if (b->start == 0 && rest <= k) {
		/* The block keeps the buffer; what follows starts another. */
		blk = b->cur;
		*cap = b->cap;
		b->cur = newbuf(b, &b->cap);
		if (b->cap < rest) {
			b->cap = rest + READ;
			b->cur = erealloc(b->cur, b->cap);
		}
		memcpy(b->cur, s + k, rest);
		b->len = rest;
	} else {
		/* The block is the smaller part: a copy of its own. */
		blk = k <= b->bsize ? newbuf(b, cap) : emalloc(*cap = k);
		memcpy(blk, s, k);
		b->start += k;
		if (b->start == b->len)
			b->start = b->len = 0;
	}
	*len = k;
	return blk;
}

void
blocks_release(struct blocks *b, char *buf, size_t cap)
{
	if (b->nfree < BLOCKS_FREE && cap == b->bsize + READ)
		b->free[b->nfree++] = buf;
	else
		free(buf);
}

void
blocks_free(struct blocks *b)
{
	free(b->cur);
	while (b->nfree > 0)
		free(b->free[--b->nfree]);
}

/* The offset just past the last newline of fd in [from, to), or from if
 * there is none; -1 on a read error (buf is scratch). */
static int
lastnewline(int fd, uint64_t from, uint64_t to, char *buf, size_t cap,
    uint64_t *at)
{
	while (to > from) {
		size_t n = to - from < cap ? (size_t)(to - from) : cap;
		ssize_t r = pread(fd, buf, n, (off_t)(to - n));
		if (r != (ssize_t)n)
			return -1;
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				*at = to - n + i;
				return 0;
			}
		to -= n;
	}
	*at = from;
	return 0;
}

int
blocks_rangeend(int fd, uint64_t from, uint64_t size, size_t bsize,
    uint64_t *end)
{
	char buf[1 << 16];
	uint64_t e = from + bsize;

	if (e >= size) {
		*end = size;
		return 0;
	}
	if (lastnewline(fd, from, e, buf, sizeof buf, end) < 0)
		return -1;
	if (*end > from)
		return 0;
	/* A line longer than a block: to its end. */
	if (feed_linestart(fd, e, buf, sizeof buf, end) < 0)
		return -1;
	if (*end > size)
		*end = size;
	return 0;
}
