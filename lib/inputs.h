/* inputs.h: the input side of pdp-map's parent: path records (or --pipe
 * blocks) read from standard input, the inputs read ahead, the tasks
 * they are cut into (--split), the tasks to try again, and the choice of
 * the next task. */
#ifndef PDP_INPUTS_H
#define PDP_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "commit.h"
#include "blocks.h"
#include "io.h"
#include "pipein.h"
#include "pool.h"
#include "task.h"

struct table;

enum { LOOKAHEAD = 256 };	/* inputs read ahead of the workers */

struct inputs {
	const struct poolconf *c;
	struct commit *cm;	/* for bad records, -k's window and --halt */
	int nslots;		/* workers: the default --split cuts for them */
	struct reader in;	/* standard input */
	int ahead;		/* inputs to read ahead */
	struct input *queue[LOOKAHEAD];
	int64_t qleft[LOOKAHEAD];	/* of queue[i]: size - nextoff */
	int nqueue;
	int pick;		/* pickinput's answer, or -1: look again */
	int rangefd;		/* --pipe from a regular file: its descriptor,
				 * which the workers inherit, or -1 */
	uint64_t rangesize, rangenext;	/* its size, the next block's start */
	struct task *retry;	/* failed tasks to try again, oldest first */
	size_t nretry, retrycap;
	struct pipein pipein;	/* --pipe: compressed stdin's decompressor */
	struct blocks blocks;	/* --pipe from a pipe: its blocks */
	struct intake seen;
	struct table *seenpaths;	/* --joblog: records of each path so far */
};

void inputs_init(struct inputs *ins, const struct poolconf *c,
    struct commit *cm, int nslots);
/* Whether standard input is worth reading now: not at its end, and
 * room to read ahead. */
int inputs_wanted(const struct inputs *ins);
/* Read standard input once (it is ready) and queue what came. */
void inputs_read(struct inputs *ins);
/* Queue what is buffered, as far as there is room. */
void inputs_take(struct inputs *ins);
/* Whether any task may still come: stdin, queued inputs or retries. */
int inputs_pending(const struct inputs *ins);
/* The next task, a retry first; 0 if none can start now. */
int inputs_next(struct inputs *ins, struct task *t);
/* The input that inputs_next would start next, or NULL. */
const struct input *inputs_peek(struct inputs *ins);
/* Task t ended without success (why; sig the signal that ended it, or
 * 0): try it again, or fail its input. */
void inputs_failed(struct inputs *ins, const struct task *t,
    const char *why, int sig);
/* Hand t out again as it was: it never started. */
void inputs_requeue(struct inputs *ins, const struct task *t);
/* After --halt: free the inputs that will never finish, wherever they
 * are held: here, in -k's window, and in held[0..n) (those of the
 * workers' tasks), each once. */
void inputs_abandon(struct inputs *ins, struct input **held, size_t n);
void inputs_free(struct inputs *ins);

#endif
