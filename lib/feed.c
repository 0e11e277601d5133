/* feed.c: line-aligned blocks of a file range, or of a stream.  A chunk
 * owns the lines whose first byte lies in its range (as Hadoop's line
 * reader does); the buffer is the only memory, whatever the size of the
 * file or its lines. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"

static ssize_t
preadsome(int fd, void *buf, size_t n, uint64_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r;
}

static const char *
lastnl(const char *s, size_t n)
{
	while (n > 0)
		if (s[--n] == '\n')
			return s + n;
	return NULL;
}

int
feed_linestart(int fd, uint64_t off, char *buf, size_t bufsz, uint64_t *start)
{
	uint64_t pos = off - 1;

	for (;;) {
		ssize_t n = preadsome(fd, buf, bufsz, pos);
		if (n < 0)
			return -1;
		if (n == 0) {
			*start = UINT64_MAX;
			return 0;
		}
		const char *nl = memchr(buf, '\n', (size_t)n);
		if (nl) {
			*start = pos + (uint64_t)(nl - buf) + 1;
			return 0;
		}
		pos += (uint64_t)n;
	}
}

int
feed(int fd, uint64_t off, uint64_t len, uint64_t size, char *buf,
    size_t bufsz, const struct pdp_mapper *m, struct pdp_ctx *ctx,
    uint64_t *nbytes, const struct feedfirst *first)
{
	uint64_t limit = len == UINT64_MAX || off + len < off ? UINT64_MAX :
	    off + len;
	uint64_t pos = off, bufpos;
	size_t have = 0;
	int atend = 0;		/* the last read ended the file */
	int started = 0;	/* first has seen the first block */

	*nbytes = 0;
	if (off > 0 && feed_linestart(fd, off, buf, bufsz, &pos) < 0)
		return FEED_READERR;
	if (pos >= limit)
		return FEED_OK;
	/* The chunk ends with the line that holds byte limit - 1. */
	uint64_t stopat = limit - 1;
	bufpos = pos;
	for (;;) {
		size_t want = bufsz - have;
		ssize_t n = atend ? 0 : preadsome(fd, buf + have, want, pos);
		if (n < 0)
			return FEED_READERR;
		if (n == 0) {
			/* End of file: what is left is the last line. */
			if (have) {
				*nbytes += have;
				if (m->map(ctx, buf, have, 0) < 0)
					return FEED_MAPFAIL;
			}
			return FEED_OK;
		}
		if (first && !started &&
		    first->fn(first->arg, buf, (size_t)n) != FEED_OK)
			return FEED_STOP;
		started = 1;
		pos += (uint64_t)n;
		/* A short read that stops at the size the file had is its
		 * end: no read to find it.  Not for size 0 (files in /proc),
		 * nor where the size says less than the file holds. */
		atend = size > 0 && pos == size && (size_t)n < want;
		size_t dlen = have + (size_t)n;
		size_t from = stopat >= bufpos ? (stopat - bufpos < dlen ?
		    (size_t)(stopat - bufpos) : dlen) : 0;
		const char *nl = memchr(buf + from, '\n', dlen - from);
		if (nl) {
			size_t k = (size_t)(nl - buf) + 1;
			*nbytes += k;
			return m->map(ctx, buf, k, 0) < 0 ? FEED_MAPFAIL : FEED_OK;
		}
		const char *last = lastnl(buf, dlen);
		size_t k = last ? (size_t)(last - buf) + 1 : dlen;
		int flags = 0;
		if (!last) {
			if (dlen < bufsz) {	/* short read: read on */
				have = dlen;
				continue;
			}
			flags = PDP_MORE;	/* a line longer than the buffer */
		}
		*nbytes += k;
		if (m->map(ctx, buf, k, flags) < 0)
			return FEED_MAPFAIL;
		have = dlen - k;
		memmove(buf, buf + k, have);
		bufpos += k;
	}
}

int
feed_stream(const struct feedreader *r, char *buf, size_t bufsz,
    const struct pdp_mapper *m, struct pdp_ctx *ctx, uint64_t *nbytes,
    const struct feedfirst *first)
{
	size_t have = 0;
	int started = 0;

	*nbytes = 0;
	for (;;) {
		ssize_t n = r->read(r->arg, buf + have, bufsz - have);
		if (n < 0)
			return FEED_READERR;
		size_t dlen = have + (size_t)n;
		/* The first block: a whole buffer, or all there is. */
		if (!started && n > 0 && dlen < bufsz) {
			have = dlen;
			continue;
		}
		if (!started && first && dlen > 0 &&
		    first->fn(first->arg, buf, dlen) != FEED_OK)
			return FEED_STOP;
		started = 1;
		if (n == 0) {
			if (dlen) {
				*nbytes += dlen;
				if (m->map(ctx, buf, dlen, 0) < 0)
					return FEED_MAPFAIL;
			}
			return FEED_OK;
		}
		const char *last = lastnl(buf, dlen);
		size_t k = last ? (size_t)(last - buf) + 1 : dlen;
		int flags = 0;
		if (!last) {
			if (dlen < bufsz) {	/* read on for the line's end */
				have = dlen;
				continue;
			}
			flags = PDP_MORE;	/* a line longer than the buffer */
		}
		*nbytes += k;
		if (m->map(ctx, buf, k, flags) < 0)
			return FEED_MAPFAIL;
		have = dlen - k;
		memmove(buf, buf + k, have);
	}
}
