/* slot.h: one place of pdp-map's pool of workers: a worker process in
 * its own process group, the pipes to it, the tasks queued to it, and
 * the output of its running task, held until the task ends. */
#ifndef PDP_SLOT_H
#define PDP_SLOT_H

#include <stddef.h>
#include <sys/types.h>

#include "proto.h"
#include "spool.h"
#include "task.h"
#include "worker.h"

enum {
	QDEPTH = 16,		/* tasks queued to one worker */
	QBYTES = 4096,		/* their messages, the running one's too */
};

/* A slot is in exactly one of these states. */
enum slotstate {
	SLOT_EMPTY,		/* no worker: one is started for its next task */
	SLOT_IDLE,		/* a worker waiting for a task */
	SLOT_BUSY,		/* running q[0], the rest of q[] waiting */
	SLOT_RETIRING,		/* busy, then replaced (a task failed on it) */
	SLOT_STOPPING,		/* busy, then off (processes are short) */
	SLOT_FLUSHING,		/* --combine: asked for its table, not sent yet */
	SLOT_OFF,		/* no worker, and none could be started */
};

struct slot {
	enum slotstate state;
	int id;			/* 1-based, for messages */
	pid_t pid;		/* also its process group */
	int taskfd, resfd;
	struct task q[QDEPTH];	/* q[0] runs, the rest wait in the pipe */
	int nq;
	size_t qbytes;		/* task message bytes of q[], read or not */
	struct spool spool;	/* the running task's output */
	double start;		/* when q[0] started, as far as we know */
	double lasttask;	/* how long the worker's last task took */
	struct task *pend;	/* --combine: tasks in the worker's table */
	size_t npend, pendcap;
	struct spool held;	/* --combine: their records sent before it */
	struct reshdr hdr;	/* the frame being read */
	size_t hdrhave, payhave;
	char msg[sizeof(struct donemsg) + 1024];
};

/* Whether s has a worker process. */
static inline int
slot_alive(const struct slot *s)
{
	return s->state != SLOT_EMPTY && s->state != SLOT_OFF;
}

/* Whether s runs tasks (q[0] is running). */
static inline int
slot_running(const struct slot *s)
{
	return s->state == SLOT_BUSY || s->state == SLOT_RETIRING ||
	    s->state == SLOT_STOPPING;
}

void slot_init(struct slot *s, int id);
/* Start a worker on s (SLOT_EMPTY to SLOT_IDLE).  In the child, before
 * worker_main, inchild(arg) closes what the worker must not hold.
 * Returns 0, or -1 if fork failed (errno set; s is unchanged). */
int slot_spawn(struct slot *s, const struct workerconf *wc,
    void (*inchild)(void *arg), void *arg);
/* Stop the worker and everything in its process group with sig, and
 * reap it: the slot is SLOT_EMPTY.  Returns its wait status. */
int slot_kill(struct slot *s, int sig);
/* At the end of the run: close the worker's task pipe, so that it
 * exits, and reap it.  Returns its wait status. */
int slot_close(struct slot *s);
/* Queue task t to the worker of s. */
void slot_send(struct slot *s, const struct task *t);
/* --combine: ask the worker for its table (SLOT_FLUSHING). */
void slot_askflush(struct slot *s);
/* The bytes of the task message for in. */
size_t slot_msgsize(const struct input *in);
/* The running task is over: take it off the queue (the next one runs). */
struct task slot_pop(struct slot *s);
/* Take the tasks from q[from] on off the queue, in order, into out
 * (which has room for QDEPTH); returns how many. */
int slot_unqueue(struct slot *s, int from, struct task *out);

/* Read what the worker sent: RES_OUT payload goes to the spool, and each
 * other frame, once whole, to onframe (which may empty the slot; then
 * the rest is not read).  Returns 0, or -1 at the end of the pipe (the
 * worker is gone). */
int slot_read(struct slot *s, char *buf, size_t cap,
    void (*onframe)(void *arg, struct slot *s), void *arg);

#endif
