/* joblog.h: pdp-map's --joblog (one TSV line per finished input) and
 * --resume (skip what a joblog shows succeeded). */
#ifndef PDP_JOBLOG_H
#define PDP_JOBLOG_H

#include <stddef.h>
#include <stdint.h>

struct joblog;

struct jobline {
	const char *path;	/* escaped, as in records */
	uint64_t size;		/* bytes read */
	int worker;
	double start;		/* seconds since the epoch */
	double duration;
	uint64_t records;
	int exit;		/* 0 succeeded, 1 failed */
	int sig;		/* signal that ended the last attempt, or 0 */
	int attempts;
	int64_t outend;		/* stdout offset after the output, or -1 */
};

/* Open (append to) the joblog at path; with resume, first read which
 * inputs succeeded and the output offset after the last of them. */
struct joblog *joblog_open(const char *path, int resume);
/* 1 if the joblog read for --resume shows path (escaped) succeeded. */
int joblog_done(struct joblog *j, const char *path, size_t n);
/* The output offset recorded last, or -1. */
int64_t joblog_outend(const struct joblog *j);
/* Append a line and write it at once (a line is never half-written). */
void joblog_write(struct joblog *j, const struct jobline *l);
void joblog_close(struct joblog *j);

#endif
