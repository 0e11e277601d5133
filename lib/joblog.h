/* joblog.h: pdp-map's --joblog (a TSV line per finished input, format 2
 * of pdp-map(1)) and what --resume reads back from it. */
#ifndef PDP_JOBLOG_H
#define PDP_JOBLOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct joblog;

struct jobline {
	const char *path;	/* escaped, as in records */
	uint64_t nth;		/* 1 for the path's first record, 2 ... */
	uint64_t size;		/* bytes read */
	int worker;
	double start;		/* seconds since the epoch */
	double duration;
	uint64_t records;
	int exit;		/* 0 succeeded, 1 failed */
	int sig;		/* signal that ended the last attempt, or 0 */
	int attempts;
	int64_t outend;		/* stdout offset after the output, or -1 */
	uint64_t outsum;	/* checksum of stdout up to outend */
};

/* What the joblog says of the output file (--resume). */
struct jobout {
	int known;		/* an earlier run wrote to a regular file */
	dev_t dev;
	ino_t ino;
	int64_t start;		/* its offset when the first run began */
	int64_t end;		/* the last outend: all of it is committed */
	uint64_t sum;		/* the checksum of [start, end) */
	int64_t writing;	/* an input was being written up to here when
				 * the run stopped; -1 if none */
};

/* Open the joblog at path for the job described by the fields job[0..n)
 * (the mapper, its arguments and the options that change the output),
 * and lock it: a second pdp-map on the same joblog is refused.  Without
 * resume it starts anew; with resume it is read first, and refused if
 * it belongs to another job. */
struct joblog *joblog_open(const char *path, char *const *job, size_t njob,
    int resume);
/* 1 if the joblog read for --resume shows that the nth record of path
 * (escaped) succeeded. */
int joblog_done(struct joblog *j, const char *path, size_t n, uint64_t nth);
/* What it says of the output (known is 0 if nothing). */
const struct jobout *joblog_output(const struct joblog *j);
/* Record that output goes to this regular file, from offset start. */
void joblog_setoutput(struct joblog *j, dev_t dev, ino_t ino, int64_t start);
/* Record that output up to offset end is about to be written. */
void joblog_writing(struct joblog *j, int64_t end);
/* Append a line and write it at once (a line is never half-written). */
void joblog_write(struct joblog *j, const struct jobline *l);
void joblog_close(struct joblog *j);

#endif
