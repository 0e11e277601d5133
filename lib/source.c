/* source.c: the reading of one input in a worker.  A file is read in
 * line-aligned blocks (feed.c); its first bytes decide whether it is
 * compressed, and then it is read whole, decoded here if it is gzip
 * (gunzip.c), else through its decompressor (decomp.c); and whether it
 * is binary.  Memory: the worker's READBUF block and one gzip decoder,
 * whatever the input. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decomp.h"
#include "feed.h"
#include "gunzip.h"
#include "path.h"
#include "source.h"

/* Open path for reading without blocking on a FIFO or device, and refuse
 * anything but a regular file, or a chunk of a file whose size is not
 * the one it was cut from.  *st is what the file was when opened. */
static int
openinput(struct source *s, const char *path, uint64_t len, uint64_t size,
    struct stat *st)
{
	int fd = path_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		s->ctx->fail(s->ctx, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		s->ctx->fail(s->ctx, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		s->ctx->fail(s->ctx, "%s", S_ISDIR(st->st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		close(fd);
		return -1;
	}
	if (len != UINT64_MAX && (uint64_t)st->st_size != size) {
		s->ctx->fail(s->ctx, "file changed size while being read "
		    "(%llu bytes, then %llu)", (unsigned long long)size,
		    (unsigned long long)st->st_size);
		close(fd);
		return -1;
	}
	return fd;
}

/* A file written to while it was read gives counts of neither version:
 * the input fails (and --retries may read it again). */
static void
checkunchanged(struct source *s, int fd, const struct stat *was)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		s->ctx->fail(s->ctx, "%s", strerror(errno));
		return;
	}
	if (st.st_size != was->st_size)
		s->ctx->fail(s->ctx, "file changed size while being read "
		    "(%llu bytes, then %llu)", (unsigned long long)was->st_size,
		    (unsigned long long)st.st_size);
	else if (st.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
		s->ctx->fail(s->ctx, "file changed while being read");
}

/* The mapper's end(), after the last block of an input and after a
 * failure too, so that it can clean up (the output is discarded then). */
static void
mapend(struct source *s)
{
	if (s->m->end && s->m->end(s->ctx) < 0 && !*s->failed)
		s->ctx->fail(s->ctx, "mapper %s failed", s->m->name);
}

/* What the first bytes of an input say. */
struct first {
	struct source *s;
	const struct decompfmt *fmt;	/* compressed in this format */
	int binary;
	int decompress;		/* look for compression */
	uint64_t max;		/* the input's bytes: a block's, of a file */
	uint64_t size;		/* a whole file's, if known; else 0 */
	const struct decompfmt *cut;	/* its header cut short (decomp_cut) */
};

static int
checkfirst(void *arg, const char *p, size_t n)
{
	struct first *f = arg;

	if (n > f->max)
		n = (size_t)f->max;	/* what follows is another input's */
	if (f->decompress && (f->fmt = decomp_detect(p, n)))
		return FEED_STOP;
	if (f->decompress && n == f->size && (f->cut = decomp_cut(p, n)))
		return FEED_STOP;
	if ((f->s->binary == BIN_SKIP || f->s->binary == BIN_FAIL) &&
	    memchr(p, '\0', n < BINCHECK ? n : BINCHECK)) {
		f->binary = 1;
		return FEED_STOP;
	}
	return FEED_OK;
}

/* A binary input: skipped, or failed.  The mapper saw none of it. */
static void
binary(struct source *s)
{
	if (s->binary == BIN_FAIL)
		s->ctx->fail(s->ctx, "binary file (--binary=text to read it)");
	else
		s->skipped = 1;
}

/* What feed returned, as the input's failure if it is one. */
static void
fed(struct source *s, int r)
{
	if (r == FEED_READERR)
		s->ctx->fail(s->ctx, "read error: %s", strerror(errno));
	else if (r == FEED_MAPFAIL && !*s->failed)
		s->ctx->fail(s->ctx, "mapper %s failed", s->m->name);
}

/* A decompressor that did not start: the mapper saw nothing. */
enum { NOSTART = 1 };

static ssize_t
decompread(void *arg, char *buf, size_t n)
{
	return decomp_read(arg, buf, n);
}

static ssize_t
gunzipread(void *arg, char *buf, size_t n)
{
	return gunzip_read(arg, buf, n);
}

/* A compressed input found binary: the rest of its data read and
 * dropped, so that a damaged archive, whose garbage may well hold a NUL
 * in its first 32 KiB, fails as damaged instead of being skipped (its
 * text lost, with exit 0 and a joblog line that says done).  -1 on the
 * stream's read error. */
static int
drain(const struct feedreader *rd, char *buf, size_t n)
{
	ssize_t r;

	while ((r = rd->read(rd->arg, buf, n)) > 0)
		;
	return r < 0 ? -1 : 0;
}

/* A gzip file, open on fd, decoded here.  The decoder is made at the
 * first and kept: one a worker. */
static int
mapgzip(struct source *s, int fd, struct first *f)
{
	static struct gunzip *g;
	uint64_t bytes;

	if (!g && !(g = gunzip_new())) {
		s->ctx->fail(s->ctx, "%s", strerror(errno));
		return NOSTART;
	}
	gunzip_start(g, fd);
	struct feedreader rd = { gunzipread, g };
	struct feedfirst ff = { checkfirst, f };
	int r = feed_stream(&rd, s->buf, READBUF, s->m, s->ctx, &bytes, &ff);
	if (r == FEED_READERR ||
	    (r == FEED_STOP && drain(&rd, s->buf, READBUF) < 0))
		s->ctx->fail(s->ctx, "%s", gunzip_error(g));
	else
		fed(s, r);
	return r;
}

/* A file of another format, through its decompressor. */
static int
mapprogram(struct source *s, int fd, struct first *f)
{
	struct decomp d;
	char why[512];
	uint64_t bytes;

	if (decomp_start(&d, f->fmt, fd, why, sizeof why) < 0) {
		s->ctx->fail(s->ctx, "%s", why);
		return NOSTART;
	}
	struct feedreader rd = { decompread, &d };
	struct feedfirst ff = { checkfirst, f };
	int r = feed_stream(&rd, s->buf, READBUF, s->m, s->ctx, &bytes, &ff);
	/* Binary: read to its end all the same, and the decompressor's
	 * status says whether the archive was whole. */
	int stop = r != FEED_OK && r != FEED_STOP;
	if (r == FEED_STOP && drain(&rd, s->buf, READBUF) < 0) {
		s->ctx->fail(s->ctx, "read error: %s", strerror(errno));
		stop = 1;
	}
	fed(s, r);
	/* Its output no longer wanted (the mapper failed, or it could not
	 * be read): it is stopped, and only the first failure is
	 * reported. */
	if (decomp_finish(&d, stop, why, sizeof why) < 0)
		s->ctx->fail(s->ctx, "%s", why);
	return r;
}

/* A compressed file, open on fd.  The decompressed data is what the
 * rest of the checks see. */
static void
mapcompressed(struct source *s, int fd, struct first *f)
{
	if (lseek(fd, 0, SEEK_SET) < 0) {
		s->ctx->fail(s->ctx, "%s", strerror(errno));
		return;
	}
	f->decompress = 0;
	int r = f->fmt->own ? mapgzip(s, fd, f) : mapprogram(s, fd, f);
	if (r == FEED_STOP && !*s->failed)
		binary(s);	/* (the mapper saw none of it) */
	else if (r != FEED_STOP && r != NOSTART)
		mapend(s);
}

uint64_t
source_file(struct source *s, const char *path, uint64_t off, uint64_t len,
    uint64_t size)
{
	struct stat st;
	uint64_t bytes = 0;
	struct first f = { .s = s, .decompress = s->decompress,
	    .max = UINT64_MAX };
	struct feedfirst ff = { checkfirst, &f };
	int r = FEED_OK;
	int fd = openinput(s, path, len, size, &st);

	s->skipped = 0;
	if (fd < 0)
		return 0;
	f.size = off == 0 ? (uint64_t)st.st_size : 0;
	if (off > 0) {
		/* A chunk: the file's first bytes decide, as for the first. */
		ssize_t n = pread(fd, s->buf, BINCHECK, 0);
		if (n > 0)
			r = checkfirst(&f, s->buf, (size_t)n);
	}
	if (r == FEED_OK) {
		/* Read-ahead helps what takes more than one read. */
		if ((uint64_t)st.st_size > off + READBUF)
			(void)posix_fadvise(fd, (off_t)off, 0,
			    POSIX_FADV_SEQUENTIAL);
		/* A chunk was checked above, at the file's start. */
		r = feed(fd, off, len, (uint64_t)st.st_size, s->buf, READBUF,
		    s->m, s->ctx, &bytes, off > 0 ? NULL : &ff);
		fed(s, r);
	}
	if (r == FEED_STOP && f.fmt && len != UINT64_MAX) {
		/* pdp-map does not cut compressed files: it changed. */
		s->ctx->fail(s->ctx, "file changed while being read "
		    "(now %s-compressed)", f.fmt->name);
	} else if (r == FEED_STOP && f.fmt) {
		mapcompressed(s, fd, &f);
		bytes = (uint64_t)st.st_size;
	} else if (r == FEED_STOP && f.cut) {
		s->ctx->fail(s->ctx, "corrupt %s data: unexpected end of file "
		    "(%llu bytes, within its header)", f.cut->name,
		    (unsigned long long)st.st_size);
	} else if (r == FEED_STOP) {
		binary(s);
	} else {
		mapend(s);
	}
	if (!*s->failed)
		checkunchanged(s, fd, &st);
	close(fd);
	return bytes;
}

uint64_t
source_range(struct source *s, int fd, uint64_t off, uint64_t len,
    uint64_t size)
{
	/* A block of --pipe is an input of its own: its first bytes are
	 * checked, not the next block's that the first read brings. */
	struct first f = { .s = s, .max = len };
	struct feedfirst ff = { checkfirst, &f };
	struct stat st;
	uint64_t bytes = 0;

	s->skipped = 0;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != size) {
		s->ctx->fail(s->ctx, "the data file changed while being read");
		return 0;
	}
	int r = feed(fd, off, len, size, s->buf, READBUF, s->m, s->ctx,
	    &bytes, &ff);
	fed(s, r);
	if (r == FEED_STOP)
		binary(s);
	else
		mapend(s);
	return bytes;
}

uint64_t
source_data(struct source *s, const char *data, uint64_t len)
{
	struct first f = { .s = s, .max = len };

	s->skipped = 0;
	if (len && checkfirst(&f, data, len) != FEED_OK) {
		binary(s);
		return len;
	}
	if (len && s->m->map(s->ctx, data, len, 0) < 0 && !*s->failed)
		s->ctx->fail(s->ctx, "mapper %s failed", s->m->name);
	mapend(s);
	return len;
}
