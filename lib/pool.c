/*
 * pool.c: pdp-map's parent process.  It owns a fixed array of worker
 * slots (slot.c) and runs one poll loop over standard input (inputs.c),
 * the workers' result pipes and a signal self-pipe, handing tasks out
 * and passing finished ones to commit.c, which writes them whole.
 *
 * A task's output is held in its slot until the worker says the task
 * ended; then it joins its input's output (success) or is dropped.  A
 * worker that dies fails its running task and is replaced; the tasks
 * queued behind the running one never ran, and are handed out again
 * without counting as an attempt.  A worker on which a task failed is
 * replaced, once it has finished what is queued to it, before the task
 * is tried again (the failure may have left it in a bad state).
 *
 * With --combine, a task that succeeded leaves its records in the
 * worker's table (pend); they are committed when the worker sends the
 * table, and run again if it dies first.  So that what the parent holds
 * stays bounded whatever the number of inputs, a worker with PENDMAX
 * such tasks is given no more until it has sent its table: the parent
 * holds at most PENDMAX inputs a worker (a few hundred bytes each: their
 * struct input and path), beside the worker's own TABLE_MAX (combine.c).
 *
 * What a worker's frames say about its tasks, and what follows (commit,
 * retry, requeue, a new worker), is in outcome.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "err.h"
#include "fdlimit.h"
#include "inputs.h"
#include "pool.h"
#include "poolint.h"
#include "report.h"
#include "slot.h"

/* Output waits in the buffer at most this long (s): downstream sees an
 * input's records soon after it ends, in one write for many small ones. */
#define OUTDELAY 0.1

enum {
	QSMALL = 64 << 10,	/* inputs this small may queue */
	FAST = 2,		/* ms: a task quicker than this may queue */
	PENDMAX = 32768,	/* --combine: tasks in a worker's table */
};

/* eprintf may be called anywhere (out of memory, a write error), and its
 * hook must stop the workers, which must not outlive pdp-map: so the hook
 * finds the pool here.  NULL when no worker runs. */
static struct pool *thepool;
/* A signal handler may only note the signal and wake the poll loop. */
static int sigfd[2] = { -1, -1 };
static volatile sig_atomic_t gotsig;

static void
onsignal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	gotsig = sig;
	(void)!write(sigfd[1], &b, 1);
	errno = saved;
}

/* No process outlives pdp-map. */
static void
killall(struct pool *p, int sig)
{
	pipein_kill(&p->ins.pipein);
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (slot_alive(s))
			slot_kill(s, sig);
		spool_discard(&s->spool);
		spool_discard(&s->held);
	}
}

static void
stopnow(void *arg)
{
	killall(arg, SIGTERM);
}

static void
fatalhook(const char *msg)
{
	(void)msg;
	if (thepool)
		killall(thepool, SIGTERM);
}

static void
onwriteerror(struct obuf *o, int err)
{
	if (err == EPIPE) {
		/* Downstream is gone: end quietly, as by SIGPIPE. */
		fatalhook(NULL);
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	errno = err;
	eprintf("%s: write error:", o->name);
}

/* In a new worker: what it must not inherit from the parent. */
static void
inchild(void *arg)
{
	struct pool *p = arg;

	/* A signal ignored when pdp-map started stays ignored. */
	signal(SIGINT, p->oldint.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
	signal(SIGHUP, p->oldhup.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
	close(sigfd[0]);
	close(sigfd[1]);
	for (int i = 0; i < p->nslots; i++)
		if (slot_alive(&p->slots[i])) {
			close(p->slots[i].taskfd);
			close(p->slots[i].resfd);
		}
}

/* Start a worker on s to replace one that ended.  A fork that fails
 * (ulimit -u) is no input's failure: the slot is left off and the run
 * goes on with the others; it stops only when none is left. */
static int
respawn(struct pool *p, struct slot *s)
{
	if (slot_spawn(s, p->c->wc, inchild, p) == 0)
		return 0;
	int e = errno;
	s->state = SLOT_OFF;
	int n = pool_usable(p);
	errno = e;
	if (n == 0)
		eprintf("no worker can run: fork:");
	weprintf("worker %d could not be started again (fork: %s): going on "
	    "with %d", s->id, strerror(e), n);
	return -1;
}

/* Hand task t to s, starting a worker there if it has none; t is handed
 * out again if none can start. */
static void
dispatch(struct pool *p, struct slot *s, const struct task *t)
{
	if (s->state == SLOT_EMPTY && respawn(p, s) < 0) {
		inputs_requeue(&p->ins, t);
		return;
	}
	if (t->attempt > t->in->attempts)
		t->in->attempts = t->attempt;
	slot_send(s, t);
}

/* Whether s may take another task behind those it has: a run of small
 * inputs on a worker that does them quickly.  Not with --timeout, which
 * times each task from its start, nor with --halt, after which no task
 * may start. */
static int
canqueue(struct pool *p, struct slot *s)
{
	const struct input *in;

	if (s->state != SLOT_BUSY || s->nq >= QDEPTH || s->npend >= PENDMAX ||
	    p->c->timeout > 0 ||
	    p->c->halt != HALT_NEVER || s->lasttask * 1000 >= FAST ||
	    !(in = inputs_peek(&p->ins)))
		return 0;
	return !in->data && in->size >= 0 && in->size < QSMALL &&
	    s->qbytes + slot_msgsize(in) <= QBYTES;
}

/* Hand out tasks: one to each worker without, then more to those that
 * run small ones quickly; as long as buffered input gives more. */
static void
schedule(struct pool *p)
{
	struct task t;
	int n;

	do {
		n = 0;
		if (inputs_wanted(&p->ins))
			inputs_take(&p->ins);
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			if (s->state == SLOT_IDLE && s->npend >= PENDMAX) {
				/* Its table first, then more tasks. */
				slot_askflush(s);
				continue;
			}
			if ((s->state == SLOT_EMPTY || s->state == SLOT_IDLE) &&
			    inputs_next(&p->ins, &t)) {
				dispatch(p, s, &t);
				n++;
			}
		}
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			while (canqueue(p, s) && inputs_next(&p->ins, &t)) {
				dispatch(p, s, &t);
				n++;
			}
		}
	} while (n > 0);
}

/* Whether every task has ended.  With --combine, the workers that hold
 * tasks in their tables are then asked for them, and the run ends once
 * those have come (a worker that dies meanwhile has its tasks run again
 * elsewhere, and that worker is asked in turn). */
static int
finished(struct pool *p)
{
	for (int i = 0; i < p->nslots; i++) {
		enum slotstate st = p->slots[i].state;
		if (st != SLOT_EMPTY && st != SLOT_IDLE && st != SLOT_OFF)
			return 0;
	}
	if (inputs_pending(&p->ins))
		return 0;
	int asked = 0;
	for (int i = 0; p->c->combine && i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (slot_alive(s) && s->npend > 0) {
			slot_askflush(s);
			asked++;
		}
	}
	return asked == 0;
}

static void
handlesignal(struct pool *p)
{
	unsigned char b;

	while (read(sigfd[0], &b, 1) < 0 && errno == EINTR)
		;
	int sig = gotsig;
	killall(p, SIGTERM);
	/* The output of the inputs that ended stays: a file takes it at
	 * once (a pipe might block, and is left alone).  A write that fails
	 * (a full disk) does not change how pdp-map ends: by the signal. */
	if (p->cm.outisfile && p->cm.out.len > 0)
		(void)!writeall(1, p->cm.out.buf, p->cm.out.len);
	if (p->c->progress)
		fputs("\n", stderr);
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void
setsignals(struct pool *p)
{
	struct sigaction sa;

	if (pipe(sigfd) < 0)
		eprintf("pipe:");
	for (int i = 0; i < 2; i++) {
		fcntl(sigfd[i], F_SETFD, FD_CLOEXEC);
		fcntl(sigfd[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onsignal;
	sigemptyset(&sa.sa_mask);
	/* A signal ignored when pdp-map started (nohup, a background job of
	 * a script) stays ignored, for the workers too. */
	sigaction(SIGINT, NULL, &p->oldint);
	sigaction(SIGHUP, NULL, &p->oldhup);
	if (p->oldint.sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (p->oldhup.sa_handler != SIG_IGN)
		sigaction(SIGHUP, &sa, NULL);
	/* Write errors on stdout are handled where they happen. */
	signal(SIGPIPE, SIG_IGN);
}

/* Write the output buffer if what it holds has waited OUTDELAY. */
static void
flushdue(struct pool *p)
{
	double t = monotime();

	if (p->cm.out.len > 0 && t - p->flushed >= OUTDELAY) {
		obuf_flush(&p->cm.out);
		p->flushed = t;
	}
}

/* The poll timeout: the nearest --timeout or --progress deadline, or
 * that of the output waiting in the buffer. */
static int
polltimeout(struct pool *p)
{
	double t = monotime(), next = report_due(&p->cm);
	int any = next >= 0;

	if (p->cm.out.len > 0 && (!any || p->flushed + OUTDELAY - t < next)) {
		next = p->flushed + OUTDELAY - t;
		any = 1;
	}

	for (int i = 0; i < p->nslots && p->c->timeout > 0; i++) {
		struct slot *s = &p->slots[i];
		if (!slot_running(s))
			continue;
		double d = s->start + p->c->timeout - t;
		if (!any || d < next)
			next = d;
		any = 1;
	}
	if (!any)
		return -1;
	return next <= 0 ? 0 : (int)(next * 1000) + 1;
}

static void
timeouts(struct pool *p)
{
	double t = monotime();
	char why[64];

	for (int i = 0; i < p->nslots && p->c->timeout > 0; i++) {
		struct slot *s = &p->slots[i];
		if (!slot_running(s) || t < s->start + p->c->timeout)
			continue;
		snprintf(why, sizeof why, "timed out after %g s", p->c->timeout);
		outcome_died(p, s, slot_kill(s, SIGKILL), why, 1);
	}
}

/* Wait for what comes next (input, results, a signal, a deadline) and
 * handle it. */
static void
waitevent(struct pool *p)
{
	struct pollfd *pfd = p->pfd;
	int n = 0;

	pfd[n] = (struct pollfd){ .fd = sigfd[0], .events = POLLIN };
	p->pslot[n++] = NULL;
	if (inputs_wanted(&p->ins)) {
		pfd[n] = (struct pollfd){ .fd = p->ins.in.fd, .events = POLLIN };
		p->pslot[n++] = NULL;
	}
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (!slot_alive(s))
			continue;
		pfd[n] = (struct pollfd){ .fd = s->resfd, .events = POLLIN };
		p->pslot[n++] = s;
	}
	flushdue(p);
	int r = poll(pfd, (nfds_t)n, polltimeout(p));
	if (r < 0 && errno != EINTR)
		eprintf("poll:");
	if (r > 0 && pfd[0].revents)
		handlesignal(p);
	for (int i = 1; r > 0 && i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (!p->pslot[i])
			inputs_read(&p->ins);
		else if (slot_alive(p->pslot[i]))
			outcome_read(p, p->pslot[i]);
	}
	timeouts(p);
}

/* The number of workers the descriptor limit leaves room for, at most
 * jobs: each takes FDS_WORKER of the parent's descriptors (two pipes and
 * a spool file) and the parent FDS_BASE more of its own.  Fewer workers
 * than asked for is a warning, none an error. */
static int
fitjobs(int jobs)
{
	enum { FDS_BASE = 5, FDS_WORKER = 3 };
	long limit, need = FDS_BASE + (long)jobs * FDS_WORKER;
	long room = fdroom(need, &limit);

	if (room >= need)
		return jobs;
	if (room < FDS_BASE + FDS_WORKER)
		eprintf("ulimit -n %ld: too few file descriptors for one worker",
		    limit);
	int n = (int)((room - FDS_BASE) / FDS_WORKER);
	weprintf("ulimit -n %ld: room for %d worker%s, not %d", limit, n,
	    n == 1 ? "" : "s", jobs);
	return n;
}

static void
start(struct pool *p)
{
	p->nslots = fitjobs(p->c->jobs);
	p->slots = ecalloc((size_t)p->nslots, sizeof *p->slots);
	p->pfd = ecalloc((size_t)p->nslots + 2, sizeof *p->pfd);
	p->pslot = ecalloc((size_t)p->nslots + 2, sizeof *p->pslot);
	p->rbuf = emalloc(READCHUNK);
	commit_init(&p->cm, p->c, p->nslots);
	p->cm.stopnow = stopnow;
	p->cm.stoparg = p;
	inputs_init(&p->ins, p->c, &p->cm, p->nslots);
	p->cm.seen = &p->ins.seen;
	thepool = p;
	setfatalhook(fatalhook, 1);
	obuf_onerror(onwriteerror);
	setsignals(p);
	/* Fewer workers than asked for is a warning (ulimit -u), none an
	 * error. */
	int n = 0, e = 0;
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		slot_init(s, i + 1);
		if (slot_spawn(s, p->c->wc, inchild, p) == 0) {
			n++;
		} else {
			e = errno;
			s->state = SLOT_OFF;
		}
	}
	errno = e;
	if (n == 0)
		eprintf("could not start a worker: fork:");
	if (n < p->nslots)
		weprintf("could start only %d of %d workers: %s", n, p->nslots,
		    strerror(e));
}

/* Every input is done (or --halt stopped the run): let the workers
 * finish, wait for them, and write what is left. */
static int
stop(struct pool *p)
{
	if (p->cm.halted) {
		/* Free the inputs that never finished. */
		size_t n = 0, cap = 1;
		for (int i = 0; i < p->nslots; i++)
			cap += (size_t)p->slots[i].nq + p->slots[i].npend;
		struct input **v = ereallocarray(NULL, cap, sizeof *v);
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			for (int k = 0; k < s->nq; k++)
				v[n++] = s->q[k].in;
			for (size_t k = 0; k < s->npend; k++)
				v[n++] = s->pend[k].in;
		}
		inputs_abandon(&p->ins, v, n);
		free(v);
	}
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (slot_alive(s)) {
			int status = slot_close(s);
			if (WIFSIGNALED(status))
				weprintf("worker %d killed by signal %d (%s) at exit",
				    s->id, WTERMSIG(status),
				    strsignal(WTERMSIG(status)));
		}
		spool_free(&s->spool);
		spool_free(&s->held);
		free(s->pend);
	}
	thepool = NULL;
	int status = commit_finish(&p->cm, &p->ins.seen);
	inputs_free(&p->ins);
	free(p->rbuf);
	free(p->slots);
	free(p->pfd);
	free(p->pslot);
	return status;
}

int
pool_run(const struct poolconf *c)
{
	struct pool pool = { .c = c }, *p = &pool;

	start(p);
	for (;;) {
		schedule(p);
		if (finished(p))
			break;
		waitevent(p);
		if (c->progress)
			report_progress(&p->cm, &p->ins.seen, 0);
	}
	return stop(p);
}
