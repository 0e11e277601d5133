/* decomp.h: compressed inputs.  A compressed input is known by its first
 * bytes, not its name, and read through the decompressor program that
 * the user has (gzip, bzip2, xz, zstd, lz4), as zgrep and ripgrep -z do:
 * pdp links none of them.  A gzip file is decoded by pdp itself
 * (gunzip.h), with no process; a gzip stream on standard input goes to
 * gzip, which runs beside pdp-map's parent. */
#ifndef PDP_DECOMP_H
#define PDP_DECOMP_H

#include <stddef.h>
#include <sys/types.h>

/* Bytes that decomp_detect may look at. */
enum { DECOMP_MAGICMAX = 16 };	/* pzstd's skippable frame and the next */

struct decompfmt {
	const char *name;	/* gzip, bzip2, xz, zstd, lz4, compress */
	const unsigned char *magic;
	size_t mlen;
	const char *prog;	/* the program, and its arguments */
	const char *const *argv;
	const char *package;	/* Debian's package of prog */
	int own;		/* a file of it is read by gunzip.c */
};

/* The format whose magic bytes begin p[0..n), or NULL. */
const struct decompfmt *decomp_detect(const void *p, size_t n);
/* The format whose magic a whole input p[0..n) of at least 2 bytes is
 * the beginning of: a compressed file cut short within its header (none
 * of those beginnings is text; bzip2's "BZ" is, and is left out). */
const struct decompfmt *decomp_cut(const void *p, size_t n);

/* A decompressor running on one input. */
struct decomp {
	const struct decompfmt *f;
	pid_t pid;
	int out;		/* its standard output (what we read) */
	int err;		/* its standard error, non-blocking */
	char errline[256];	/* the first line it wrote there, not empty */
	size_t errlen;
	int errdone;		/* that line is complete */
};

/* Start f's program reading infd (from its current offset).  Returns 0,
 * or -1 with why (a message such as "zstd: command not found (install
 * zstd)") of size cap. */
int decomp_start(struct decomp *d, const struct decompfmt *f, int infd,
    char *why, size_t cap);
/* Read what it has written on its standard error (keeping the first
 * line); for poll loops.  Returns 0 at its end, else 1. */
int decomp_drainerr(struct decomp *d);
/* Read up to n bytes of its output, draining its standard error while
 * waiting (so that it never blocks on it).  Returns the bytes read, 0
 * at the end, -1 on an error. */
ssize_t decomp_read(struct decomp *d, char *buf, size_t n);
/* Wait for it to end (killing it first if kill is set, when its output
 * is no longer wanted).  Returns 0 if it succeeded, or -1 with why. */
int decomp_finish(struct decomp *d, int kill, char *why, size_t cap);

#endif
