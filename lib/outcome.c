/*
 * outcome.c: pdp-map's parent, as a worker's frames come: what they say
 * about its tasks, and what follows.  A task that succeeded joins its
 * input's output (commit.c), or with --combine waits in the worker's
 * table until the worker sends it; one that failed is tried again on a
 * fresh worker (--retries) or fails its input; a worker that died fails
 * its running task, hands out again those queued behind it, and loses
 * its --combine table, whose tasks run again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "err.h"
#include "poolint.h"
#include "report.h"

enum { AGAIN_MAX = 3 };	/* a last worker's tries at a command's fork */

/* The tasks of s from q[from] on never started: hand them out again. */
static void
requeue(struct pool *p, struct slot *s, int from)
{
	struct task t[QDEPTH];
	int n = slot_unqueue(s, from, t);

	for (int i = 0; i < n; i++)
		inputs_requeue(&p->ins, &t[i]);
}

/* The worker of s is gone (it died, or was killed for a timeout):
 * status is its wait status, reason what to say, if not how it died. */
void
outcome_died(struct pool *p, struct slot *s, int status, const char *reason,
    int intask)
{
	char why[160], lost[256];
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	spool_discard(&s->spool);
	spool_discard(&s->held);
	if (reason)
		snprintf(why, sizeof why, "%s", reason);
	else if (sig)
		snprintf(why, sizeof why, "worker killed by signal %d (%s)",
		    sig, strsignal(sig));
	else
		snprintf(why, sizeof why, "worker exited with status %d",
		    WEXITSTATUS(status));
	/* --combine: the tasks in its table are lost.  If it died in a
	 * task, that task's input is to blame (it fails, here or in
	 * taskfailed) and they run again as they were, without counting
	 * as an attempt: each death so costs one input an attempt, and
	 * the run ends.  Else (it died writing its table, or was killed
	 * while idle) no input is to blame, and each of them has failed an
	 * attempt. */
	snprintf(lost, sizeof lost, "result lost: %s", why);
	size_t n = s->npend;
	int blamed = intask && !p->cm.halted;
	s->npend = 0;
	if (n > 0 && blamed && !p->c->quiet)
		weprintf("worker %d: the --combine table of %zu input%s is "
		    "lost with it: %s run again", s->id, n, n == 1 ? "" : "s",
		    n == 1 ? "it is" : "they");
	for (size_t i = 0; i < n; i++) {
		commit_tasklost(&p->cm, s->pend[i].in);
		if (blamed)
			inputs_requeue(&p->ins, &s->pend[i]);
		else
			inputs_failed(&p->ins, &s->pend[i], lost, sig);
	}
	if (s->nq > 0) {
		requeue(p, s, 1);
		struct task t = s->q[0];
		s->nq = 0;
		s->qbytes = 0;
		t.in->worker = s->id;
		inputs_failed(&p->ins, &t, why, sig);
	}
}

/* The message that follows byte off of s's frame, as a string. */
static void
frametext(const struct slot *s, size_t off, char *buf, size_t cap)
{
	size_t n = s->hdr.len - off;

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s->msg + off, n);
	buf[n] = '\0';
}

/* The running task of s succeeded. */
static void
taskok(struct pool *p, struct slot *s, const struct donemsg *d)
{
	struct task t = slot_pop(s);
	struct input *in = t.in;

	in->binary |= d->binary;
	if (p->c->combine) {
		/* Its records are in the worker's table until it flushes,
		 * and those that did not fit there wait with it. */
		spool_append(&s->held, &s->spool);
		if (s->npend == s->pendcap) {
			s->pendcap = s->pendcap ? s->pendcap * 2 : 64;
			s->pend = ereallocarray(s->pend, s->pendcap, sizeof *s->pend);
		}
		s->pend[s->npend++] = t;
		commit_taskheld(&p->cm, in);
		return;
	}
	in->records += d->records;
	in->sig = 0;
	spool_append(input_spool(in, t.off), &s->spool);
	commit_taskdone(&p->cm, in);
}

/* The number of slots that have, or may start, a worker. */
int
pool_usable(const struct pool *p)
{
	int n = 0;

	for (int i = 0; i < p->nslots; i++)
		n += p->slots[i].state != SLOT_OFF;
	return n;
}

/* The running task of s failed, with the message in the frame. */
static void
taskfailed(struct pool *p, struct slot *s, const struct donemsg *d)
{
	char why[ERRMSG_MAX];	/* as much as a worker sends */

	frametext(s, sizeof *d, why, sizeof why);
	spool_discard(&s->spool);
	struct task t = slot_pop(s);
	/* Its command could not start for want of processes (ulimit -u):
	 * not the input's failure.  This worker stops, so that the others'
	 * commands can start, and the task is handed out again; with one
	 * worker left, it is tried a few times more (a worker stopped just
	 * now frees a process), then the input fails. */
	if (d->again && (pool_usable(p) > 1 || t.again < AGAIN_MAX)) {
		t.again++;
		inputs_requeue(&p->ins, &t);
		if (pool_usable(p) > 1) {
			s->state = SLOT_STOPPING;
			weprintf("worker %d stops: %s (going on with %d)", s->id,
			    why, pool_usable(p) - 1);
		}
		return;
	}
	/* A fatal error in the worker: it is on its way out, and what was
	 * queued to it never started.  Else, the task is tried again on a
	 * fresh worker, once this one is done with its queue. */
	if (d->exiting)
		requeue(p, s, 0);
	else if (t.attempt <= (int)p->c->retries && !p->c->combine)
		s->state = SLOT_RETIRING;
	inputs_failed(&p->ins, &t, why, d->sig);
	if (d->exiting && slot_alive(s))
		outcome_died(p, s, slot_kill(s, SIGTERM), why, 1);
}

/* A whole frame from the worker of s (other than output). */
static void
onframe(void *arg, struct slot *s)
{
	struct pool *p = arg;
	struct donemsg d;
	char why[ERRMSG_MAX];
	uint64_t n = 0;

	switch (s->hdr.type) {
	case RES_DONE:
		if (s->nq == 0)
			eprintf("worker %d: protocol error", s->id);
		memcpy(&d, s->msg, sizeof d);
		s->q[0].in->bytes += d.bytes;
		p->cm.bytes += d.bytes;
		s->q[0].in->worker = s->id;
		if (p->c->verbose)
			report_task(s->id, &s->q[0], &d, monotime() - s->start);
		if (d.ok)
			taskok(p, s, &d);
		else
			taskfailed(p, s, &d);
		if (s->state == SLOT_RETIRING && s->nq == 0)
			slot_kill(s, SIGTERM);
		if (s->state == SLOT_STOPPING && s->nq == 0) {
			slot_kill(s, SIGTERM);
			s->state = SLOT_OFF;
		}
		break;
	case RES_EXIT:
		/* A fatal error between tasks: nothing queued has started,
		 * and the worker's --combine table is lost. */
		frametext(s, 0, why, sizeof why);
		requeue(p, s, 0);
		outcome_died(p, s, slot_kill(s, SIGTERM), why, 0);
		break;
	case RES_FATAL:
		eprintf("%.*s", (int)s->hdr.len, s->msg);
	case RES_FLUSH: {
		/* The worker's table: the tasks in it are done. */
		memcpy(&n, s->msg, s->hdr.len < sizeof n ? s->hdr.len : sizeof n);
		commit_table(&p->cm, &s->held, 0);
		commit_table(&p->cm, &s->spool, n);
		if (s->state == SLOT_FLUSHING)
			s->state = SLOT_IDLE;
		size_t np = s->npend;
		s->npend = 0;
		for (size_t i = 0; i < np; i++) {
			s->pend[i].in->held--;
			commit_taskdone(&p->cm, s->pend[i].in);
		}
		break;
	}
	}
}

void
outcome_read(struct pool *p, struct slot *s)
{
	if (slot_read(s, p->rbuf, READCHUNK, onframe, p) < 0)
		outcome_died(p, s, slot_kill(s, SIGKILL), NULL, s->nq > 0);
}
