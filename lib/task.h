/* task.h: what pdp-map's parent knows of an input and of the tasks it is
 * cut into; shared by inputs.c (which makes them), pool.c (which runs
 * them) and commit.c (which writes their output). */
#ifndef PDP_TASK_H
#define PDP_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

struct blocks;

struct input {
	char *path;		/* raw bytes, NUL-terminated ("-" for --pipe) */
	size_t plen;
	char *shown;		/* escaped: for messages and the joblog */
	uint64_t nth;		/* --joblog: 1 for the path's first record, 2 ... */
	uint64_t num;		/* 1 for the first input read, 2 ... */
	int64_t size;		/* -1 if unknown */
	char *data;		/* --pipe: the block */
	size_t dlen, dcap;
	struct blocks *pool;	/* where data goes back when done */
	int rangefd;		/* --pipe from a file: the block is the lines
				 * starting in [roff, roff+size) of this; -1 */
	uint64_t roff, rsize;	/* the file's size */
	uint64_t nextoff;	/* next chunk to hand out */
	int dispatched;		/* every chunk handed out once */
	uint32_t open;		/* chunks handed out and not finished */
	uint32_t held;		/* --combine: of those, ended well, their
				 * records in a worker's table */
	int counted;		/* a success for --halt already */
	int failed, sig, attempts, worker;
	int binary;		/* a binary input, skipped (--binary=skip) */
	int compressed;		/* 1 compressed, 0 not, -1 not looked at */
	int hasseq;
	uint64_t seq;		/* the input's place in the output (-k) */
	double wallstart, start, end;
	uint64_t bytes, records;
	struct spool spool;	/* the output, when it is not split */
	struct spool *chunks;	/* the output of each chunk, when split */
	size_t nchunks;
	uint64_t chunksize;
};

struct task {
	struct input *in;
	uint64_t off, len;	/* the chunk (len UINT64_MAX: to the end) */
	int attempt;		/* 1 for the first try */
	int again;		/* times it could not start its command */
};

/* What the intake has seen so far, for --progress and --stats. */
struct intake {
	uint64_t read;		/* inputs read (bad records included) */
	uint64_t skipped;	/* --resume: inputs the joblog shows done */
	uint64_t knownbytes;	/* sizes of the inputs read, where known */
	int ended;		/* standard input ended, all of it taken */
};

/* Where the output of the task at off goes: chunks are written in file
 * order, whatever order they finish in. */
struct spool *input_spool(struct input *in, uint64_t off);
void input_free(struct input *in);

#endif
