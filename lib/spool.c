/* spool.c: task output held in memory, then in an unlinked temporary
 * file (tmp.c) in $TMPDIR. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "spool.h"
#include "tmp.h"

enum { SPOOL_MEM = 1 << 20 };

void
spool_init(struct spool *s)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

static void
spill(struct spool *s, const void *p, size_t n)
{
	if (s->fd < 0) {
		const char *dir = tmp_dir();
		if ((s->fd = tmp_open(dir, "pdp-map")) < 0)
			eprintf("%s: cannot hold output:", dir);
	}
	if (writeall(s->fd, p, n) < 0)
		eprintf("%s: a temporary file of output: write error:",
		    tmp_dir());
	s->disklen += n;
}

void
spool_add(struct spool *s, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (s->fd >= 0 || s->len + n > SPOOL_MEM) {
		spill(s, p, n);
		return;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 1 << 14;
		while (cap < s->len + n)
			cap *= 2;
		s->mem = erealloc(s->mem, cap);
		s->cap = cap;
	}
	memcpy(s->mem + s->len, p, n);
	s->len += n;
}

/* Pass everything held, memory then disk, to fn, and empty the spool. */
static void
drain(struct spool *s, void (*fn)(void *, const void *, size_t), void *arg)
{
	fn(arg, s->mem, s->len);
	if (s->fd >= 0) {
		char buf[1 << 16];
		off_t at = 0;
		while ((uint64_t)at < s->disklen) {
			ssize_t r = pread(s->fd, buf, sizeof buf, at);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				eprintf("%s: a temporary file of output: read "
				    "error:", tmp_dir());
			fn(arg, buf, (size_t)r);
			at += r;
		}
	}
	spool_discard(s);
}

static void
toobuf(void *arg, const void *p, size_t n)
{
	obuf_write(arg, p, n);
}

static void
tospool(void *arg, const void *p, size_t n)
{
	spool_add(arg, p, n);
}

void
spool_commit(struct spool *s, struct obuf *out)
{
	drain(s, toobuf, out);
}

void
spool_discard(struct spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->disklen = 0;
	s->len = 0;	/* the buffer is kept: at most 2 * SPOOL_MEM */
}

void
spool_free(struct spool *s)
{
	spool_discard(s);
	free(s->mem);
	s->mem = NULL;
	s->cap = 0;
}

void
spool_append(struct spool *dst, struct spool *src)
{
	if (dst->len == 0 && dst->fd < 0) {
		/* Nothing to go after: the two change places, no copy. */
		struct spool t = *dst;
		*dst = *src;
		*src = t;
		return;
	}
	drain(src, tospool, dst);
}

uint64_t
spool_size(const struct spool *s)
{
	return s->len + s->disklen;
}
