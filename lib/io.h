/* io.h: full writes, a checked output buffer, and a record reader. */
#ifndef PDP_IO_H
#define PDP_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct csum;

/* At the start of a program: make sure descriptors 0, 1 and 2 are open,
 * opening /dev/null on one that is closed, so that no file opened later
 * takes its number (and records land in a joblog, say).  Exits if even
 * that fails. */
void io_stdfds(void);
/* At the start of a program too: a write past the file size limit
 * (ulimit -f) fails with EFBIG, reported as any write error is, instead
 * of killing the program by SIGXFSZ without a word.  Commands it runs
 * get the default back (proc.c). */
void io_fsizeerrors(void);
/* Exit with "NAME: Bad file descriptor" (exit 2) if standard descriptor
 * fd was closed when io_stdfds ran: for a program about to use it. */
void io_needstd(int fd);
/* exit(0) after what went to stdio's stdout (--help, --version), once it
 * is written: a write error is "stdout: write error: ..." and exit 2, a
 * closed pipe the quiet end of SIGPIPE. */
_Noreturn void io_exitok(void);

/* Write all n bytes, retrying short writes and EINTR.  Returns 0, or -1
 * with errno set (a write of 0 bytes is reported as EIO). */
int writeall(int fd, const void *buf, size_t n);
/* Read up to n bytes, retrying EINTR.  Returns bytes read, 0 at EOF, -1. */
ssize_t readsome(int fd, void *buf, size_t n);

/* An output buffer on a file descriptor.  Every write error is fatal and
 * names the output; memory is the fixed buffer size. */
struct obuf {
	int fd;
	const char *name;	/* for messages, e.g. "stdout" */
	char *buf;
	size_t len, cap;
	uint64_t total;		/* bytes handed to write(2) so far */
	struct csum *sum;	/* if set, the bytes written are summed there */
};

void obuf_init(struct obuf *o, int fd, const char *name, size_t cap);
void obuf_flush(struct obuf *o);
void obuf_write(struct obuf *o, const void *p, size_t n);
void obuf_putc(struct obuf *o, int c);
/* Append a field with the record escapes of pdp(7). */
void obuf_escape(struct obuf *o, const void *p, size_t n);
void obuf_free(struct obuf *o);
/* Handler for a failed write on an obuf; the default prints
 * "prog: NAME: write error: REASON" and exits 2. */
void obuf_onerror(void (*fn)(struct obuf *, int err));

/* Reads delimited records.  The buffer grows to hold the longest record
 * seen: memory is bounded by the reader's chunk size plus that record,
 * which may not be longer than RECORD_MAX (so that /dev/zero, or a
 * binary file with no newline, is an error, not a machine out of memory). */
enum { RECORD_MAX = 1 << 30 };
struct reader {
	int fd;
	const char *name;	/* for messages, e.g. "stdin" */
	char *buf;
	size_t cap, start, end;
	int eof;
	int delim;
	uint64_t lineno;	/* number of the record last returned */
	int unterminated;	/* last record returned had no delimiter */
	size_t scanned;		/* bytes after start known to hold no delim */
	int toolong;		/* a record passed max */
	size_t max;		/* the longest record: RECORD_MAX, unless set */
	uint64_t left;		/* bytes it may still read (UINT64_MAX: all) */
	int64_t at;		/* reads with pread(2) from here, or -1 */
};

void reader_init(struct reader *r, int fd, const char *name, int delim);
/* A reader of fd from offset off by pread(2): fd's own offset is left
 * alone, for a file that another process reads too. */
void reader_initat(struct reader *r, int fd, const char *name, int delim,
    uint64_t off);
/* Next record without its delimiter, valid until the next call.
 * Returns 1 with *rec and *len set, 0 at end, -1 on a read error (errno). */
int reader_next(struct reader *r, char **rec, size_t *len);
/* Read whatever is available (one read(2)); for poll-driven callers.
 * Returns bytes read, 0 at EOF, -1 on error (a read error, or toolong). */
ssize_t reader_fill(struct reader *r);
/* Exit with the message for a -1 from reader_next or reader_fill:
 * "NAME: read error: ..." or "NAME:LINE: a record longer than ...". */
_Noreturn void reader_fail(const struct reader *r);
/* Like reader_next but never reads: 1 with a record, 0 if none complete
 * is buffered (a final unterminated record is returned once eof is set). */
int reader_take(struct reader *r, char **rec, size_t *len);
void reader_free(struct reader *r);

/* A reader of exact byte counts through a buffer (a worker's task
 * messages, runs of counts): many small reads take one read(2), and one
 * at least the buffer's size goes straight to its place. */
struct exactreader {
	int fd;
	char *buf;		/* cap bytes, the caller's */
	size_t cap, pos, len;
};

/* n bytes to p: 1; 0 at the end before the first of them; -1 on a read
 * error (errno set) or an end within them (errno 0). */
int exact_read(struct exactreader *r, void *p, size_t n);

/* A growable byte buffer (keys and records being put together). */
struct sbuf {
	char *p;
	size_t len, cap;
};

void sbuf_add(struct sbuf *b, const void *p, size_t n);
/* Append a field with the record escapes of pdp(7). */
void sbuf_escape(struct sbuf *b, const void *p, size_t n);
void sbuf_free(struct sbuf *b);

#endif
