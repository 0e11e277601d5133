/* frame.c: the frames a worker sends its parent (see frame.h).  Memory:
 * one frame of RES_OUTMAX bytes and a RES_DONE. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "io.h"
#include "record.h"
#include "sink.h"

void
frames_init(struct frames *f, int fd)
{
	f->fd = fd;
	f->len = 0;
	f->buf = NULL;
	f->buf = emalloc(sizeof(struct reshdr) + RES_OUTMAX +
	    sizeof(struct reshdr) + sizeof(struct donemsg) + ERRMSG_MAX);
}

void
frames_free(struct frames *f)
{
	free(f->buf);
	f->buf = NULL;
}

static void
sendall(struct frames *f, const void *p, size_t n)
{
	if (writeall(f->fd, p, n) < 0)
		_exit(EXIT_FATAL);	/* the parent is gone */
}

void
frames_flush(struct frames *f)
{
	if (f->len == 0)
		return;
	struct reshdr hdr = { RES_OUT, (uint32_t)f->len };
	memcpy(f->buf, &hdr, sizeof hdr);
	sendall(f, f->buf, sizeof hdr + f->len);
	f->len = 0;
}

void
frames_put(struct frames *f, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		size_t room = RES_OUTMAX - f->len;
		if (room == 0) {
			frames_flush(f);
			room = RES_OUTMAX;
		}
		size_t k = n < room ? n : room;
		memcpy(f->buf + sizeof(struct reshdr) + f->len, s, k);
		f->len += k;
		s += k;
		n -= k;
	}
}

void
frames_putescaped(struct frames *f, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *q = rec_nextspecial(s, end);
		frames_put(f, s, (size_t)(q - s));
		if (q == end)
			break;
		char esc[2] = { '\\', (char)rec_escchar(*q) };
		frames_put(f, esc, 2);
		s = q + 1;
	}
}

void
frames_send(struct frames *f, uint32_t type, const void *p, size_t n)
{
	struct reshdr hdr = { type, (uint32_t)n };

	sendall(f, &hdr, sizeof hdr);
	if (n)
		sendall(f, p, n);
}

void
frames_done(struct frames *f, const struct donemsg *d, const char *err)
{
	size_t elen = strnlen(err, ERRMSG_MAX - 1);
	size_t at = f->len ? sizeof(struct reshdr) + f->len : 0;
	struct reshdr hdr = { RES_DONE, (uint32_t)(sizeof *d + elen) };
	char *p = f->buf + at;

	memcpy(p, &hdr, sizeof hdr);
	memcpy(p + sizeof hdr, d, sizeof *d);
	memcpy(p + sizeof hdr + sizeof *d, err, elen);
	if (f->len) {
		struct reshdr out = { RES_OUT, (uint32_t)f->len };
		memcpy(f->buf, &out, sizeof out);
	}
	sendall(f, f->buf, at + sizeof hdr + hdr.len);
	f->len = 0;
}

/* The frame sink: each input's records go to the parent as they come;
 * the parent holds them until the input ends, and drops them if it
 * failed. */
struct framesink {
	struct sink s;
	int midline;		/* ctx->write() left a line unfinished */
};

static void
frecord(struct sink *s, const char *k, size_t kl, const char *v, size_t vl)
{
	size_t need = kl + vl + 2;
	char *o;

	/* The common case in one go: no tag, nothing to escape, and room
	 * in the frame. */
	if (!s->tag && rec_plain(k, kl) && rec_plain(v, vl) &&
	    (o = frames_room(s->out, need))) {
		memcpy(o, k, kl);
		o[kl] = '\t';
		memcpy(o + kl + 1, v, vl);
		o[need - 1] = '\n';
		s->records++;
		return;
	}
	if (s->tag)
		frames_put(s->out, s->tag, s->taglen);
	frames_putescaped(s->out, k, kl);
	frames_put(s->out, "\t", 1);
	frames_putescaped(s->out, v, vl);
	frames_put(s->out, "\n", 1);
	s->records++;
}

/* Text that is already records: passed on, a tag put before each line. */
static void
ftext(struct sink *s, const char *p, size_t n)
{
	struct framesink *fs = (struct framesink *)s;
	const char *end = p + n;

	while (p < end) {
		if (!fs->midline && s->tag)
			frames_put(s->out, s->tag, s->taglen);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl + 1 : end;
		frames_put(s->out, p, (size_t)(e - p));
		fs->midline = !nl;
		s->records += nl != NULL;
		p = e;
	}
}

/* The digits of n at the end of buf[0..20); returns where they begin. */
static char *
digits(char *end, uint64_t n)
{
	static const char two[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	char *p = end;

	while (n >= 100) {
		p -= 2;
		memcpy(p, two + 2 * (n % 100), 2);
		n /= 100;
	}
	if (n >= 10) {
		p -= 2;
		memcpy(p, two + 2 * n, 2);
	} else {
		*--p = (char)('0' + n);
	}
	return p;
}

static size_t
ndigits(uint64_t n)
{
	size_t d = 1;

	for (; n >= 10; n /= 10)
		d++;
	return d;
}

/* A count of the input as a record: key<TAB>n.  The common case (no tag,
 * a key of up to 16 bytes with nothing to escape, room in the frame) is
 * formatted in place, the key tested and copied as two words (counts_fn
 * gives it so), the digits written where they go. */
static void
fcount(void *arg, const char *k, size_t kl, int64_t n)
{
	struct sink *s = arg;
	char num[24], *d = num + sizeof num;
	char *o;

	if (kl <= 16 && !s->tag && rec_plain16(k)) {
		uint64_t u = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
		size_t vl = (n < 0) + ndigits(u);
		if ((o = frames_roomover(s->out, kl + vl + 2, 16 - kl))) {
			memcpy(o, k, 16);
			o[kl] = '\t';
			o[kl + 1] = '-';	/* a digit unless n < 0 */
			digits(o + kl + 1 + vl, u);
			o[kl + vl + 1] = '\n';
			s->records++;
			return;
		}
	}
	if (n < 0) {
		d = digits(d, 0 - (uint64_t)n);
		*--d = '-';
	} else {
		d = digits(d, (uint64_t)n);
	}
	size_t vl = (size_t)(num + sizeof num - d);
	if (!s->tag && rec_plain(k, kl) && (o = frames_room(s->out,
	    kl + vl + 2))) {
		memcpy(o, k, kl);
		o[kl] = '\t';
		memcpy(o + kl + 1, d, vl);
		o[kl + vl + 1] = '\n';
		s->records++;
		return;
	}
	frecord(s, k, kl, d, vl);
}

static void
ffinish(struct sink *s)
{
	struct framesink *fs = (struct framesink *)s;

	if (fs->midline) {
		frames_put(s->out, "\n", 1);
		s->records++;
		fs->midline = 0;
	}
	if (s->runs)
		sink_putcounts(s);
	else if (counts_eachnew(s->counts, fcount, s) < 0)
		s->ctx->fail(s->ctx, "count overflows");
	counts_forget(s->counts);
}

static void
fend(struct sink *s, int ok)
{
	if (ok)
		return;
	sink_dropcounts(s);
	counts_forget(s->counts);
	((struct framesink *)s)->midline = 0;
}

static void
fidle(struct sink *s, int asked)
{
	(void)s;
	(void)asked;
}

static const struct sinkops frameops = {
	.record = frecord,
	.text = ftext,
	.counted = sink_counted,
	.finish = ffinish,
	.end = fend,
	.idle = fidle,
};

struct sink *
frames_sink(const struct sink *base)
{
	struct framesink *fs = ecalloc(1, sizeof *fs);

	fs->s = *base;
	fs->s.op = &frameops;
	fs->s.countsmax = SINK_COUNTSMAX;
	return &fs->s;
}
