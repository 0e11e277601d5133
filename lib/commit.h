/* commit.h: the output side of pdp-map's parent: finished inputs written
 * whole (in input order with -k), their joblog lines, --halt, and what
 * --progress, --stats and -v report. */
#ifndef PDP_COMMIT_H
#define PDP_COMMIT_H

#include <stdint.h>

#include "csum.h"
#include "io.h"
#include "pool.h"
#include "proto.h"
#include "task.h"

struct joblog;

struct commit {
	const struct poolconf *c;
	struct obuf out;	/* stdout */
	int outisfile;
	struct joblog *joblog;
	int outlogged;		/* the joblog tracks stdout, a regular file: */
	int64_t outstart;	/* where this run's output began in it */
	struct csum sum;	/* and the checksum of all pdp-map wrote there */
	struct input **held;	/* -k: started inputs by seq, a ring of window */
	uint64_t window;
	int nslots;		/* workers, for --stats */
	uint64_t nextseq, nextcommit;
	uint64_t nok, nfailed, records, bytes;
	uint64_t nbinary;	/* inputs skipped as binary (among nok) */
	uint64_t failing;	/* inputs failed for good (--halt counts them) */
	uint64_t succeeding;	/* inputs that succeeded, when they end */
	const struct intake *seen;	/* --halt N%: the inputs read */
	int halted;		/* --halt: no new task starts */
	/* --halt now: stop every running task (the pool's to do). */
	void (*stopnow)(void *arg);
	void *stoparg;
	double t0, lastprogress;
};

/* Set up for nslots workers: stdout, and the joblog (read first for
 * --resume, with stdout checked and cut back to the end of what the
 * joblog records, or refused). */
void commit_init(struct commit *cm, const struct poolconf *c, int nslots);
/* Whether -k's window has room for one more input to start. */
int commit_room(const struct commit *cm);
/* in starts: give it its place in the output. */
void commit_start(struct commit *cm, struct input *in);
/* One task of in is finished for good (it succeeded, or in failed):
 * once all are, in is written (if it succeeded), logged and freed. */
void commit_taskdone(struct commit *cm, struct input *in);
/* --combine: a chunk of in ended well, its records in a worker's table
 * (in->held counts it); once every chunk has, in is a success for
 * --halt, as the man page says, not only when the table is written.
 * commit_tasklost: the table with one of them was lost. */
void commit_taskheld(struct commit *cm, struct input *in);
void commit_tasklost(struct commit *cm, struct input *in);
/* in failed for good, for reason why (its last task still counts with
 * commit_taskdone). */
void commit_failed(struct commit *cm, struct input *in, const char *why);
/* A path record at line lineno that names no input: a failed input of
 * its own, which ran nothing. */
void commit_badrecord(struct commit *cm, const char *name, uint64_t lineno,
    const char *rec, size_t len, const char *why);
/* --combine: n records that no input owns, written now. */
void commit_table(struct commit *cm, struct spool *s, uint64_t n);

/* Flush stdout, print --progress and --stats, close the joblog; returns
 * the exit status. */
int commit_finish(struct commit *cm, const struct intake *seen);

#endif
