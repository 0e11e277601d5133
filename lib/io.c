/* io.c: full writes, checked output buffers, growable buffers, and
 * buffered record reading. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csum.h"
#include "err.h"
#include "io.h"
#include "record.h"

enum { READ_CHUNK = 1 << 16 };

/* Which of 0, 1, 2 were closed at start (io_stdfds): /dev/null holds
 * their place, so that no other file lands there, and a use of one is
 * then an error.  Global as the descriptors themselves are. */
static int closedstd[3];

void
io_stdfds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		closedstd[fd] = 1;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n != fd)	/* the lowest free number, so fd itself */
			_exit(EXIT_FATAL);
	}
}

void
io_fsizeerrors(void)
{
	signal(SIGXFSZ, SIG_IGN);
}

void
io_needstd(int fd)
{
	static const char *const names[3] = {
		"standard input", "standard output", "standard error"
	};

	if (closedstd[fd]) {
		errno = EBADF;
		eprintf("%s:", names[fd]);
	}
}

void
io_exitok(void)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		exit(0);
	if (errno == 0)
		errno = EIO;	/* an earlier write failed, its errno lost */
	if (errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	eprintf("stdout: write error:");
}

int
writeall(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t
readsome(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

static void
defaultonerror(struct obuf *o, int err)
{
	errno = err;
	eprintf("%s: write error:", o->name);
}

static void (*onerror)(struct obuf *, int) = defaultonerror;

void
obuf_onerror(void (*fn)(struct obuf *, int))
{
	onerror = fn ? fn : defaultonerror;
}

void
obuf_init(struct obuf *o, int fd, const char *name, size_t cap)
{
	o->fd = fd;
	o->name = name;
	o->cap = cap;
	o->len = 0;
	o->total = 0;
	o->sum = NULL;
	o->buf = emalloc(cap);
}

void
obuf_flush(struct obuf *o)
{
	if (o->len == 0)
		return;
	if (writeall(o->fd, o->buf, o->len) < 0)
		onerror(o, errno);
	if (o->sum)
		csum_add(o->sum, o->buf, o->len);
	o->total += o->len;
	o->len = 0;
}

void
obuf_write(struct obuf *o, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (o->len + n > o->cap) {
		obuf_flush(o);
		if (n >= o->cap) {
			if (writeall(o->fd, p, n) < 0)
				onerror(o, errno);
			if (o->sum)
				csum_add(o->sum, p, n);
			o->total += n;
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void
obuf_putc(struct obuf *o, int c)
{
	if (o->len == o->cap)
		obuf_flush(o);
	o->buf[o->len++] = (char)c;
}

void
obuf_escape(struct obuf *o, const void *p, size_t n)
{
	const char *s = p, *end = s + n;

	while (s < end) {
		const char *q = rec_nextspecial(s, end);
		obuf_write(o, s, (size_t)(q - s));
		if (q == end)
			break;
		char esc[2] = { '\\', rec_escchar(*q) };
		obuf_write(o, esc, 2);
		s = q + 1;
	}
}

void
obuf_free(struct obuf *o)
{
	free(o->buf);
	o->buf = NULL;
}

void
reader_init(struct reader *r, int fd, const char *name, int delim)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->name = name;
	r->delim = delim;
	r->cap = READ_CHUNK * 4;
	r->buf = emalloc(r->cap);
	r->left = UINT64_MAX;
	r->at = -1;
	r->max = RECORD_MAX;
}

void
reader_initat(struct reader *r, int fd, const char *name, int delim,
    uint64_t off)
{
	reader_init(r, fd, name, delim);
	r->at = (int64_t)off;
}

/* The caller found no delimiter in the bytes buffered: they are the
 * start of one record.  Reads stop at a record of max bytes and its
 * delimiter, so more than that is an error at the next call, and the
 * buffer never holds more (it once doubled to 2 GiB, and let a record of
 * nearly that much through). */
ssize_t
reader_fill(struct reader *r)
{
	if (r->end - r->start > r->max) {
		r->toolong = 1;
		return -1;
	}
	if (r->start > 0 && (r->start == r->end || r->cap - r->end < READ_CHUNK)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK) {
		size_t most = r->max + 1 + READ_CHUNK;
		r->cap = r->cap < most / 2 ? r->cap * 2 : most;
		r->buf = erealloc(r->buf, r->cap);
	}
	size_t room = r->cap - r->end;
	if (room > r->max + 1 - (r->end - r->start))
		room = r->max + 1 - (r->end - r->start);
	if (r->left < room)
		room = (size_t)r->left;
	ssize_t n = 0;
	if (room && r->at >= 0) {
		do
			n = pread(r->fd, r->buf + r->end, room, (off_t)r->at);
		while (n < 0 && errno == EINTR);
	} else if (room) {
		n = readsome(r->fd, r->buf + r->end, room);
	}
	if (n == 0)
		r->eof = 1;
	if (n > 0) {
		r->end += (size_t)n;
		if (r->at >= 0)
			r->at += n;
		if (r->left != UINT64_MAX)
			r->left -= (uint64_t)n;
	}
	return n;
}

int
reader_take(struct reader *r, char **rec, size_t *len)
{
	char *s = r->buf + r->start;
	size_t avail = r->end - r->start;
	char *nl = memchr(s + r->scanned, r->delim, avail - r->scanned);

	if (nl) {
		*rec = s;
		*len = (size_t)(nl - s);
		r->start += *len + 1;
		r->lineno++;
		r->unterminated = 0;
		r->scanned = 0;
		return 1;
	}
	r->scanned = avail;
	if (r->eof && avail > 0) {
		*rec = s;
		*len = avail;
		r->start = r->end;
		r->lineno++;
		r->unterminated = 1;
		r->scanned = 0;
		return 1;
	}
	return 0;
}

int
reader_next(struct reader *r, char **rec, size_t *len)
{
	for (;;) {
		if (reader_take(r, rec, len))
			return 1;
		if (r->eof)
			return 0;
		/* Grow only when the buffered part is a single long record:
		 * reader_fill compacts first, so cap bounds the longest record
		 * plus one chunk. */
		if (reader_fill(r) < 0)
			return -1;
	}
}

void
reader_fail(const struct reader *r)
{
	if (r->toolong)
		eprintf("%s:%llu: a record longer than %d MiB (binary data?)",
		    r->name, (unsigned long long)r->lineno + 1, RECORD_MAX >> 20);
	eprintf("%s: read error:", r->name);
}

void
reader_free(struct reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Room for n more bytes. */
static void
sbuf_reserve(struct sbuf *b, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = erealloc(b->p, b->cap);
	}
}

int
exact_read(struct exactreader *r, void *p, size_t n)
{
	char *q = p;

	while (n > 0) {
		if (r->pos == r->len) {
			int direct = n >= r->cap;
			ssize_t k = readsome(r->fd, direct ? q : r->buf,
			    direct ? n : r->cap);
			if (k <= 0) {
				if (k == 0)
					errno = 0;
				return k < 0 || q != p ? -1 : 0;
			}
			if (direct) {
				q += k;
				n -= (size_t)k;
				continue;
			}
			r->pos = 0;
			r->len = (size_t)k;
		}
		size_t k = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(q, r->buf + r->pos, k);
		r->pos += k;
		q += k;
		n -= k;
	}
	return 1;
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	sbuf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
sbuf_escape(struct sbuf *b, const void *p, size_t n)
{
	size_t need = rec_escapedlen(p, n);

	if (need == 0)
		return;
	sbuf_reserve(b, need);
	rec_escape(b->p + b->len, p, n);
	b->len += need;
}

void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
