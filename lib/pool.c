/*
 * pool.c: pdp-map's parent process.  It owns a fixed array of worker
 * slots, each a forked process in its own process group with a task pipe
 * and a result pipe, and runs one poll loop over standard input, the
 * result pipes and a signal self-pipe.
 *
 * An input's output is committed whole: the output of each of its tasks
 * (chunks, attempts) is held until the task succeeds, then added to the
 * input's own spool, which is written when every chunk has succeeded.
 * A failed input writes nothing.  The joblog line of an input is written
 * after its output, so --resume can tell exactly what was written.
 *
 * Memory is bounded by design: at most LOOKAHEAD inputs are read ahead
 * (with --pipe, PIPEAHEAD blocks of at most --block bytes plus a line);
 * a spool keeps at most SPOOL_MEM bytes in memory and the rest in an
 * unlinked temporary file; at most WINDOW inputs are started past the
 * oldest unfinished one, so -k holds a bounded number of spools.
 *
 * Small inputs are queued several to a worker (up to QDEPTH, and at
 * most QBYTES of task messages in all, which any pipe has room for, so
 * that writing them never waits on a worker that is itself waiting for
 * the parent to read), so that a worker finds its next task waiting
 * instead of sleeping until the parent wakes.  A task whose worker dies
 * while it is queued behind the running one never ran: it is handed out
 * again, not counted as an attempt.  A worker to be replaced after a
 * failure first finishes what is queued to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "err.h"
#include "fdlimit.h"
#include "io.h"
#include "path.h"
#include "joblog.h"
#include "pool.h"
#include "proto.h"
#include "record.h"
#include "spool.h"

enum {
	LOOKAHEAD = 256,	/* inputs read ahead of the workers */
	PIPEAHEAD = 2,		/* --pipe blocks read ahead */
	SPLIT_MIN = 4 << 20,	/* the smallest chunk the default cuts */
	READCHUNK = 1 << 18,
	QDEPTH = 16,		/* tasks queued to one worker */
	QBYTES = 4096,		/* their messages, the running one's too */
	QSMALL = 64 << 10,	/* inputs this small may queue */
};

struct input {
	char *path;		/* raw bytes, NUL-terminated ("-" for --pipe) */
	size_t plen;
	char *shown;		/* escaped: for messages and the joblog */
	int64_t size;		/* -1 if unknown */
	char *data;		/* --pipe: the block */
	size_t dlen;
	uint64_t nextoff;	/* next chunk to hand out */
	int dispatched;		/* every chunk handed out once */
	uint32_t open;		/* chunks handed out and not finished */
	int failed, sig, attempts, worker;
	int hasseq;
	uint64_t seq;		/* -k: the input's place in the output */
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
};

enum slotstate { S_EMPTY, S_IDLE, S_BUSY };

struct slot {
	enum slotstate state;
	int id;			/* 1-based, for messages */
	pid_t pid;		/* also its process group */
	int taskfd, resfd;
	struct task q[QDEPTH];	/* q[0] runs, the rest wait in the pipe */
	int nq;
	size_t qbytes;		/* task message bytes of q[], read or not */
	int retire;		/* replace the worker once its queue is done */
	struct spool spool;	/* the running task's output */
	double start;		/* when q[0] started, as far as we know */
	double lasttask;	/* how long the worker's last task took */
	struct task *pend;	/* --combine: tasks in the worker's table */
	size_t npend, pendcap;
	int flushing;		/* the final TASK_FLUSH was sent */
	struct reshdr hdr;	/* the frame being read */
	size_t hdrhave, payhave;
	char msg[sizeof(struct donemsg) + 1024];
};

struct pool {
	const struct poolconf *c;
	struct slot *slots;
	int nslots;
	struct reader in;
	int ineof;
	int ahead;		/* inputs to read ahead */
	struct input *queue[LOOKAHEAD];
	int64_t qleft[LOOKAHEAD];	/* of queue[i]: size - nextoff */
	int nqueue;
	int pick;		/* pickinput's answer, or -1: look again */
	struct task *retry;	/* failed tasks to try again, oldest first */
	size_t nretry, retrycap;
	uint64_t nextseq, nextcommit;
	struct input **held;	/* -k: inputs by seq, in a ring of window */
	uint64_t window;
	struct obuf out;
	int outisfile;
	char *rbuf;
	struct joblog *joblog;
	uint64_t nread, nok, nfailed, nskipped, bytes, records;
	uint64_t knownbytes;	/* sizes of the inputs read, for --progress */
	double t0, lastprogress;
	int halted;		/* --halt: no new tasks */
	uint64_t failing;	/* inputs failed for good (--halt counts them) */
	struct sigaction oldhup, oldint;	/* as pdp-map found them */
};

static struct pool *thepool;
static int sigfd[2] = { -1, -1 };
static volatile sig_atomic_t gotsig;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
wallnow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
onsignal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	gotsig = sig;
	(void)!write(sigfd[1], &b, 1);
	errno = saved;
}

/* In a worker: SIGTERM (from the parent, or when the parent dies) ends
 * the worker's whole process group, the commands it runs included. */
static void
workerterm(int sig)
{
	(void)sig;
	kill(0, SIGKILL);
	_exit(EXIT_FATAL);
}

/* Stop a worker and everything in its process group, and reap it. */
static int
killslot(struct slot *s, int sig)
{
	int status = 0;

	kill(-s->pid, sig);
	close(s->taskfd);
	close(s->resfd);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-s->pid, SIGKILL);	/* whatever in the group outlived it */
	s->state = S_EMPTY;
	s->flushing = 0;
	return status;
}

/* No process outlives pdp-map. */
static void
killall(struct pool *p, int sig)
{
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (s->state != S_EMPTY)
			killslot(s, sig);
		spool_discard(&s->spool);
	}
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

static void
spawn(struct pool *p, struct slot *s)
{
	int tp[2], rp[2];

	if (pipe(tp) < 0 || pipe(rp) < 0)
		eprintf("pipe:");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		eprintf("fork:");
	if (pid == 0) {
		/* The worker: its own process group, so that a timeout or a
		 * stop can end it with the commands it started. */
		setpgid(0, 0);
		signal(SIGINT, p->oldint.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
		signal(SIGHUP, p->oldhup.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, workerterm);
#ifdef __linux__
		/* The same when the parent dies, even of SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		if (getppid() == 1)
			workerterm(SIGTERM);
		close(sigfd[0]);
		close(sigfd[1]);
		for (int i = 0; i < p->nslots; i++)
			if (p->slots[i].state != S_EMPTY) {
				close(p->slots[i].taskfd);
				close(p->slots[i].resfd);
			}
		close(tp[1]);
		close(rp[0]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, 0);
			if (devnull != 0)
				close(devnull);
		}
		worker_main(p->c->wc, tp[0], rp[1]);
	}
	setpgid(pid, pid);	/* as the child does: no race either way */
	close(tp[0]);
	close(rp[1]);
	fcntl(tp[1], F_SETFD, FD_CLOEXEC);
	fcntl(rp[0], F_SETFD, FD_CLOEXEC);
	s->pid = pid;
	s->taskfd = tp[1];
	s->resfd = rp[0];
	s->state = S_IDLE;
	s->hdrhave = s->payhave = 0;
	s->nq = 0;
	s->qbytes = 0;
	s->retire = 0;
	s->lasttask = 1;	/* unknown: no queueing until it is known */
}

/* Where the output of the chunk at off goes: chunks are written in file
 * order, whatever order they finish in. */
static struct spool *
chunkspool(struct input *in, uint64_t off)
{
	if (!in->nchunks)
		return &in->spool;
	return &in->chunks[off / in->chunksize];
}

static void
freeinput(struct input *in)
{
	for (size_t i = 0; i < in->nchunks; i++)
		spool_free(&in->chunks[i]);
	free(in->chunks);
	spool_free(&in->spool);
	free(in->data);
	free(in->path);
	free(in->shown);
	free(in);
}

static char *
showpath(const char *p, size_t n)
{
	char *s = emalloc(rec_escapedlen(p, n) + 1);

	*rec_escape(s, p, n) = '\0';
	return s;
}

static struct input *
newinput(void)
{
	struct input *in = ecalloc(1, sizeof *in);

	in->size = -1;
	spool_init(&in->spool);
	return in;
}

static void halt(struct pool *p);

/* A path record that is not a path: an input that failed at once. */
static void
badrecord(struct pool *p, const char *rec, size_t len, const char *why)
{
	p->nread++;
	p->nfailed++;
	p->failing++;
	if (!p->c->quiet)
		weprintf("%s:%llu: %s", p->in.name,
		    (unsigned long long)p->in.lineno, why);
	if (p->joblog) {
		char *shown = showpath(rec, len);
		struct jobline l = { .path = shown, .start = wallnow(),
		    .exit = 1, .attempts = 1, .outend = -1 };
		if (p->outisfile) {
			obuf_flush(&p->out);
			l.outend = (int64_t)lseek(1, 0, SEEK_CUR);
		}
		joblog_write(p->joblog, &l);
		free(shown);
	}
	halt(p);
}

/* Add in to the inputs read ahead. */
static void
queueinput(struct pool *p, struct input *in)
{
	p->qleft[p->nqueue] = in->size;
	p->queue[p->nqueue++] = in;
	p->pick = -1;
}

/* One record from stdin: queue an input, or count a bad record. */
static void
addinput(struct pool *p, char *rec, size_t len)
{
	const struct poolconf *c = p->c;
	size_t bad = 0;

	if (!c->nul) {
		char *tab = memchr(rec, '\t', len);
		if (tab)
			len = (size_t)(tab - rec);	/* the path is field 1 */
		long n = rec_unescape(rec, rec, len, &bad);
		if (n < 0) {
			badrecord(p, rec, len, "invalid escape in path record");
			return;
		}
		len = (size_t)n;
	}
	if (len == 0 || memchr(rec, '\0', len)) {
		badrecord(p, rec, len, len ? "invalid path (a NUL byte in it)" :
		    "empty path");
		return;
	}
	char *shown = showpath(rec, len);
	if (p->joblog && c->resume && joblog_done(p->joblog, shown, strlen(shown))) {
		p->nskipped++;
		free(shown);
		return;
	}
	struct input *in = newinput();
	p->nread++;
	in->path = ememdup(rec, len + 1);
	in->path[len] = '\0';
	in->plen = len;
	in->shown = shown;
	struct stat st;
	if ((c->split || c->progress || !c->keeporder) &&
	    path_stat(in->path, &st) == 0 && S_ISREG(st.st_mode)) {
		in->size = st.st_size;
		p->knownbytes += (uint64_t)st.st_size;
	}
	queueinput(p, in);
}

/* --pipe: cut the next block of whole lines from the buffered data:
 * --block bytes at most, unless one line is longer.  0 if more data is
 * needed first. */
static int
takeblock(struct pool *p)
{
	struct reader *r = &p->in;
	const char *s = r->buf + r->start;
	size_t avail = r->end - r->start, b = p->c->block, k = 0;

	if (avail == 0 || (!r->eof && avail < b))
		return 0;
	for (size_t i = avail < b ? avail : b; i > 0; i--)
		if (s[i - 1] == '\n') {
			k = i;
			break;
		}
	if (k == 0) {
		const char *nl = avail > b ? memchr(s + b, '\n', avail - b) : NULL;
		if (nl)
			k = (size_t)(nl - s) + 1;
		else if (r->eof)
			k = avail;
		else
			return 0;	/* a line longer than a block: read on */
	}
	struct input *in = newinput();
	char name[64];
	in->data = ememdup(s, k);
	in->dlen = k;
	in->size = (int64_t)k;
	in->path = estrdup("-");
	in->plen = 1;
	snprintf(name, sizeof name, "stdin block %llu",
	    (unsigned long long)p->nread + 1);
	in->shown = estrdup(name);
	r->start += k;
	p->nread++;
	queueinput(p, in);
	return 1;
}

/* Queue what is buffered: records, or --pipe blocks. */
static void
takebuffered(struct pool *p)
{
	char *rec;
	size_t len;

	if (p->c->pipe) {
		while (p->nqueue < p->ahead && takeblock(p))
			;
	} else {
		while (p->nqueue < p->ahead && reader_take(&p->in, &rec, &len))
			addinput(p, rec, len);
	}
	if (p->in.eof && p->in.start == p->in.end)
		p->ineof = 1;
}

static void
readinput(struct pool *p)
{
	if (reader_fill(&p->in) < 0)
		reader_fail(&p->in);
	takebuffered(p);
}

static void
logtask(struct slot *s, const struct donemsg *d)
{
	time_t t = time(NULL);
	struct tm tm;
	char when[16];
	char chunk[64] = "";

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	if (s->q[0].len != UINT64_MAX)
		snprintf(chunk, sizeof chunk, " [%llu+%llu]",
		    (unsigned long long)s->q[0].off, (unsigned long long)s->q[0].len);
	weprintf("%s worker %d: %s%s: %llu bytes, %llu records, %.3f s%s",
	    when, s->id, s->q[0].in->shown, chunk, (unsigned long long)d->bytes,
	    (unsigned long long)d->records, now() - s->start,
	    d->ok ? "" : ", failed");
}

static void
halt(struct pool *p)
{
	const struct poolconf *c = p->c;

	if (c->halt == HALT_NEVER || p->halted || p->failing < c->haltfail)
		return;
	p->halted = 1;
	weprintf("stopping after %llu failed input%s (--halt %s,fail=%llu)",
	    (unsigned long long)p->failing, p->failing == 1 ? "" : "s",
	    c->halt == HALT_NOW ? "now" : "soon",
	    (unsigned long long)c->haltfail);
	if (c->halt == HALT_NOW)
		killall(p, SIGTERM);
}

/* An input is finished for good: write its output (if it succeeded),
 * then its joblog line, then forget it. */
static void
finalize(struct pool *p, struct input *in)
{
	if (!in->failed) {
		spool_commit(&in->spool, &p->out);
		for (size_t i = 0; i < in->nchunks; i++)
			spool_commit(&in->chunks[i], &p->out);
		p->nok++;
		p->records += in->records;
	} else {
		p->nfailed++;
	}
	if (p->joblog) {
		struct jobline l = {
			.path = in->shown, .size = in->bytes, .worker = in->worker,
			.start = in->wallstart, .duration = in->end - in->start,
			.records = in->failed ? 0 : in->records,
			.exit = in->failed, .sig = in->sig,
			.attempts = in->attempts, .outend = -1,
		};
		/* The output first, so a line always means "written". */
		obuf_flush(&p->out);
		if (p->outisfile)
			l.outend = (int64_t)lseek(1, 0, SEEK_CUR);
		joblog_write(p->joblog, &l);
	}
	freeinput(in);
}

/* Commit in input order what -k holds, as far as it is finished. */
static void
advance(struct pool *p)
{
	while (p->nextcommit < p->nextseq) {
		struct input **h = &p->held[p->nextcommit % p->window];
		if (!*h || (*h)->open || !(*h)->dispatched)
			break;
		struct input *in = *h;
		*h = NULL;
		p->nextcommit++;
		finalize(p, in);
	}
}

/* One chunk of in is finished for good. */
static void
chunkdone(struct pool *p, struct input *in)
{
	in->end = now();
	if (--in->open > 0 || !in->dispatched)
		return;
	if (p->c->keeporder)
		advance(p);
	else
		finalize(p, in);
}

static void
pushretry(struct pool *p, const struct task *t)
{
	if (p->nretry == p->retrycap) {
		p->retrycap = p->retrycap ? p->retrycap * 2 : 16;
		p->retry = ereallocarray(p->retry, p->retrycap, sizeof *p->retry);
	}
	p->retry[p->nretry++] = *t;
}

/* Task t failed: try it again, or fail its input. */
static void
taskfailed(struct pool *p, const struct task *t, const char *why, int sig)
{
	const struct poolconf *c = p->c;
	struct input *in = t->in;

	in->sig = sig;		/* what ended the latest attempt */
	if (t->attempt <= (int)c->retries && !p->halted && !in->failed) {
		struct task r = *t;
		r.attempt++;
		if (!c->quiet)
			weprintf("%s: %s (trying again: attempt %d of %d)",
			    in->shown, why, r.attempt, (int)c->retries + 1);
		pushretry(p, &r);
		return;
	}
	if (!in->failed) {
		if (!c->quiet)
			weprintf("%s: %s", in->shown, why);
		in->failed = 1;
		p->failing++;
		halt(p);
	}
	chunkdone(p, in);
}

/* The worker's table is written (--combine): its tasks are done. */
static void
pendingdone(struct pool *p, struct slot *s)
{
	size_t n = s->npend;

	s->npend = 0;
	for (size_t i = 0; i < n; i++)
		chunkdone(p, s->pend[i].in);
}

/* The worker died with tasks in its table (--combine): run them again. */
static void
pendinglost(struct pool *p, struct slot *s, const char *why, int sig)
{
	size_t n = s->npend;
	char msg[256];

	snprintf(msg, sizeof msg, "result lost: %s", why);
	s->npend = 0;
	for (size_t i = 0; i < n; i++)
		taskfailed(p, &s->pend[i], msg, sig);
}

/* The bytes of the task message for in. */
static size_t
msgsize(const struct input *in)
{
	return sizeof(struct taskmsg) + in->plen + in->dlen;
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

/* The running task of s is over: the next one in its queue runs. */
static struct task
popfirst(struct slot *s)
{
	struct task t = s->q[0];
	double n = now();

	s->nq--;
	memmove(s->q, s->q + 1, (size_t)s->nq * sizeof *s->q);
	s->qbytes -= msgsize(t.in);	/* the worker has read that one */
	s->lasttask = n - s->start;
	s->start = n;
	if (s->nq == 0)
		s->state = S_IDLE;
	return t;
}

/* The tasks of s from q[from] on never started: hand them out again,
 * as they were. */
static void
requeue(struct pool *p, struct slot *s, int from)
{
	for (int i = from; i < s->nq; i++)
		pushretry(p, &s->q[i]);
	if (s->nq > from)
		s->nq = from;
	s->qbytes = s->nq > 0 ? msgsize(s->q[0].in) : 0;
	if (s->nq == 0 && s->state == S_BUSY && !s->flushing)
		s->state = S_IDLE;
}

/* The running task of s succeeded. */
static void
taskok(struct pool *p, struct slot *s, const struct donemsg *d)
{
	struct task t = popfirst(s);
	struct input *in = t.in;

	if (p->c->combine) {
		/* Its records are in the worker's table until it flushes. */
		if (s->npend == s->pendcap) {
			s->pendcap = s->pendcap ? s->pendcap * 2 : 64;
			s->pend = ereallocarray(s->pend, s->pendcap, sizeof *s->pend);
		}
		s->pend[s->npend++] = t;
		return;
	}
	in->records += d->records;
	in->sig = 0;
	spool_append(chunkspool(in, t.off), &s->spool);
	chunkdone(p, in);
}

/* The worker of s is gone (it died, or was killed for a timeout). */
static void
workerdied(struct pool *p, struct slot *s, int status, const char *reason)
{
	char why[160];
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;

	s->state = S_EMPTY;
	s->flushing = 0;
	spool_discard(&s->spool);
	if (reason)
		snprintf(why, sizeof why, "%s", reason);
	else if (sig)
		snprintf(why, sizeof why, "worker killed by signal %d (%s)",
		    sig, strsignal(sig));
	else
		snprintf(why, sizeof why, "worker exited with status %d",
		    WEXITSTATUS(status));
	pendinglost(p, s, why, sig);
	if (s->nq > 0) {
		requeue(p, s, 1);
		s->nq = 0;
		s->q[0].in->worker = s->id;
		taskfailed(p, &s->q[0], why, sig);
	}
}

static void
frame(struct pool *p, struct slot *s)
{
	struct donemsg d;

	switch (s->hdr.type) {
	case RES_DONE:
		if (s->nq == 0)
			eprintf("worker %d: protocol error", s->id);
		memcpy(&d, s->msg, sizeof d);
		s->q[0].in->bytes += d.bytes;
		p->bytes += d.bytes;
		s->q[0].in->worker = s->id;
		if (p->c->verbose)
			logtask(s, &d);
		if (d.ok) {
			taskok(p, s, &d);
		} else {
			char why[ERRMSG_MAX];	/* as much as a worker sends */
			frametext(s, sizeof d, why, sizeof why);
			spool_discard(&s->spool);
			struct task t = popfirst(s);
			/* A fatal error in the worker: it is on its way out,
			 * and what was queued to it never started.  Else, try
			 * again on a fresh worker (the failure may have left
			 * this one in a bad state) once this one is done with
			 * its queue. */
			if (d.exiting)
				requeue(p, s, 0);
			else if (t.attempt <= (int)p->c->retries &&
			    !p->c->combine)
				s->retire = 1;
			taskfailed(p, &t, why, d.sig);
			if (d.exiting && s->state != S_EMPTY)
				workerdied(p, s, killslot(s, SIGTERM), why);
		}
		if (s->retire && s->nq == 0 && s->state != S_EMPTY)
			killslot(s, SIGTERM);
		break;
	case RES_EXIT: {
		/* A fatal error between tasks: nothing queued has started,
		 * and the worker's --combine table is lost. */
		char why[ERRMSG_MAX];
		frametext(s, 0, why, sizeof why);
		requeue(p, s, 0);
		workerdied(p, s, killslot(s, SIGTERM), why);
		break;
	}
	case RES_FATAL:
		eprintf("%.*s", (int)s->hdr.len, s->msg);
	case RES_FLUSH: {
		uint64_t n = 0;
		memcpy(&n, s->msg, s->hdr.len < sizeof n ? s->hdr.len : sizeof n);
		spool_commit(&s->spool, &p->out);
		p->records += n;
		if (s->flushing) {
			s->flushing = 0;
			s->state = S_IDLE;
		}
		pendingdone(p, s);
		break;
	}
	}
}

/* Read what a worker sent; frames may arrive in any pieces. */
static void
readresult(struct pool *p, struct slot *s)
{
	ssize_t n = readsome(s->resfd, p->rbuf, READCHUNK);
	const char *b = p->rbuf;

	if (n <= 0) {
		workerdied(p, s, killslot(s, SIGKILL), NULL);
		return;
	}
	while (n > 0 && s->state != S_EMPTY) {
		if (s->hdrhave < sizeof s->hdr) {
			size_t k = sizeof s->hdr - s->hdrhave;
			if ((size_t)n < k)
				k = (size_t)n;
			memcpy((char *)&s->hdr + s->hdrhave, b, k);
			s->hdrhave += k;
			b += k;
			n -= (ssize_t)k;
			if (s->hdrhave < sizeof s->hdr)
				break;
			s->payhave = 0;
			if (s->hdr.type != RES_OUT && (s->hdr.len > sizeof s->msg ||
			    (s->hdr.type == RES_DONE && s->hdr.len < sizeof(struct donemsg))))
				eprintf("worker %d: protocol error", s->id);
		}
		size_t k = s->hdr.len - s->payhave;
		if ((size_t)n < k)
			k = (size_t)n;
		if (s->hdr.type == RES_OUT)
			spool_add(&s->spool, b, k);
		else
			memcpy(s->msg + s->payhave, b, k);
		s->payhave += k;
		b += k;
		n -= (ssize_t)k;
		if (s->payhave == s->hdr.len) {
			s->hdrhave = 0;
			if (s->hdr.type != RES_OUT)
				frame(p, s);
		}
	}
}

/* The next input to work on: in order with -k, else the largest of those
 * read ahead (so a late big file does not hold up the end of the run). */
static int
pickinput(struct pool *p)
{
	int best = -1;

	if (p->c->keeporder) {
		/* A new input only within the window. */
		for (int i = 0; i < p->nqueue; i++)
			if (p->queue[i]->hasseq ||
			    p->nextseq - p->nextcommit < p->window)
				return i;
		return -1;
	}
	/* qleft, not the inputs: a scan of one small array, whose answer
	 * is kept until the queue changes (canqueue asks, then nexttask). */
	if (p->pick >= 0)
		return p->pick;
	const int64_t *q = p->qleft;
	int64_t most = INT64_MIN;
	for (int i = 0, n = p->nqueue; i < n; i++)
		if (q[i] > most) {
			most = q[i];
			best = i;
		}
	p->pick = best;
	return best;
}

/* The next task: a retry first, else the next chunk of an input. */
static int
nexttask(struct pool *p, struct task *t)
{
	if (p->halted)
		return 0;
	if (p->nretry > 0) {
		*t = p->retry[0];
		memmove(p->retry, p->retry + 1, (p->nretry - 1) * sizeof *p->retry);
		p->nretry--;
		return 1;
	}
	int qi = pickinput(p);
	if (qi < 0)
		return 0;
	struct input *in = p->queue[qi];
	uint64_t split = p->c->split;
	if (split && p->c->splitauto && in->size > 0) {
		/* The default: chunks small enough that every worker gets
		 * several of a big file, large enough to cost little. */
		uint64_t c = (uint64_t)in->size / ((uint64_t)p->nslots * 4);
		split = c < SPLIT_MIN ? SPLIT_MIN : c > split ? split : c;
		split = (split + 4095) & ~(uint64_t)4095;
	}
	if (!in->hasseq) {
		in->hasseq = 1;
		in->seq = p->nextseq++;
		if (p->c->keeporder)
			p->held[in->seq % p->window] = in;
		in->start = now();
		in->wallstart = wallnow();
	}
	t->in = in;
	t->off = in->nextoff;
	t->len = UINT64_MAX;
	t->attempt = 1;
	if (split && !in->data && in->size >= 0 && (uint64_t)in->size > split) {
		if (!in->nchunks) {
			in->chunksize = split;
			in->nchunks = (size_t)(((uint64_t)in->size + split - 1) / split);
			in->chunks = ereallocarray(NULL, in->nchunks, sizeof *in->chunks);
			for (size_t i = 0; i < in->nchunks; i++)
				spool_init(&in->chunks[i]);
		}
		t->len = split;
		in->nextoff += split;
		if (in->nextoff >= (uint64_t)in->size)
			in->dispatched = 1;
		p->qleft[qi] = in->size - (int64_t)in->nextoff;
		p->pick = -1;
	} else {
		in->dispatched = 1;
	}
	if (in->dispatched) {
		memmove(&p->queue[qi], &p->queue[qi + 1],
		    (size_t)(p->nqueue - qi - 1) * sizeof *p->queue);
		memmove(&p->qleft[qi], &p->qleft[qi + 1],
		    (size_t)(p->nqueue - qi - 1) * sizeof *p->qleft);
		p->nqueue--;
		p->pick = -1;
	}
	in->open++;
	return 1;
}

static void
dispatch(struct pool *p, struct slot *s, const struct task *task)
{
	struct input *in = task->in;
	struct taskmsg t = { 0 };

	if (s->state == S_EMPTY)
		spawn(p, s);
	if (task->attempt > in->attempts)
		in->attempts = task->attempt;
	t.id = in->seq;
	t.off = task->off;
	t.len = task->len;
	t.size = (uint64_t)in->size;
	t.pathlen = (uint32_t)in->plen;
	t.kind = in->data ? TASK_DATA : TASK_FILE;
	t.datalen = in->dlen;
	if (s->nq == 0) {
		s->state = S_BUSY;
		s->start = now();
	}
	s->q[s->nq++] = *task;
	s->qbytes += msgsize(in);
	/* The worker is idle, so its pipe is empty, or what is queued in it
	 * fits (QBYTES): these writes do not block for long.  A worker that
	 * died is found by poll.  A short path goes in one write. */
	char msg[sizeof t + 1024];
	int r;
	if (in->plen <= sizeof msg - sizeof t) {
		memcpy(msg, &t, sizeof t);
		memcpy(msg + sizeof t, in->path, in->plen);
		r = writeall(s->taskfd, msg, sizeof t + in->plen);
	} else {
		r = writeall(s->taskfd, &t, sizeof t) < 0 ? -1 :
		    writeall(s->taskfd, in->path, in->plen);
	}
	if ((r < 0 || (in->dlen && writeall(s->taskfd, in->data,
	    in->dlen) < 0)) && errno != EPIPE)
		eprintf("worker %d: write error:", s->id);
}

/* Whether s may take another task behind those it has: a run of small
 * inputs on a worker that does them quickly.  Not with --timeout, which
 * times each task from its start, nor with --halt, after which no task
 * may start. */
static int
canqueue(struct pool *p, struct slot *s)
{
	enum { FAST = 2 };	/* ms: a task quicker than this */
	const struct input *in;

	if (s->state != S_BUSY || s->flushing || s->retire || s->nq == 0 ||
	    s->nq >= QDEPTH || p->c->timeout > 0 || p->c->halt != HALT_NEVER ||
	    s->lasttask * 1000 >= FAST || p->halted)
		return 0;
	if (p->nretry > 0) {
		in = p->retry[0].in;
	} else {
		int qi = pickinput(p);
		if (qi < 0)
			return 0;
		in = p->queue[qi];
	}
	return !in->data && in->size >= 0 && in->size < QSMALL &&
	    s->qbytes + msgsize(in) <= QBYTES;
}

static void
handlesignal(struct pool *p)
{
	unsigned char b;

	while (read(sigfd[0], &b, 1) < 0 && errno == EINTR)
		;
	int sig = gotsig;
	killall(p, SIGTERM);
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

static void
printstats(struct pool *p)
{
	double wall = now() - p->t0;
	uint64_t notrun = p->nread - p->nok - p->nfailed;
	char extra[96] = "";

	if (notrun || p->nskipped)
		snprintf(extra, sizeof extra, ", not run %llu, skipped %llu",
		    (unsigned long long)notrun, (unsigned long long)p->nskipped);
	weprintf("inputs %llu, succeeded %llu, failed %llu%s, bytes %llu, "
	    "records %llu, wall %.3f s, %.1f MB/s",
	    (unsigned long long)p->nread, (unsigned long long)p->nok,
	    (unsigned long long)p->nfailed, extra, (unsigned long long)p->bytes,
	    (unsigned long long)p->records, wall,
	    wall > 0 ? p->bytes / wall / 1e6 : 0.0);
}

/* --progress: one line on stderr, redrawn at most twice a second. */
static void
progress(struct pool *p, int last)
{
	double t = now(), wall = t - p->t0;

	if (!last && t - p->lastprogress < 0.5)
		return;
	p->lastprogress = t;
	double rate = wall > 0 ? p->bytes / wall : 0;
	char eta[48] = "";
	if (!last && rate > 0 && p->knownbytes > p->bytes) {
		double left = (p->knownbytes - p->bytes) / rate;
		/* While input is still coming, the total is a lower bound. */
		snprintf(eta, sizeof eta, ", ETA %s%.0f s", p->ineof ? "" : ">",
		    left);
	}
	fprintf(stderr, "\r%s: %llu/%llu%s inputs, %llu failed, %.1f MB, "
	    "%.1f MB/s%s\033[K%s", argv0,
	    (unsigned long long)(p->nok + p->nfailed),
	    (unsigned long long)p->nread, p->ineof ? "" : "+",
	    (unsigned long long)p->nfailed, p->bytes / 1e6, rate / 1e6, eta,
	    last ? "\n" : "");
}

/* --resume with output to a file: cut what was written after the last
 * joblog line (the output of inputs that were in flight), so that they
 * can run again without counting twice. */
static void
resumeoutput(struct pool *p)
{
	struct stat st;
	int64_t end = joblog_outend(p->joblog);

	if (!p->outisfile || end < 0)
		return;
	if (fstat(1, &st) < 0)
		eprintf("stdout:");
	if (st.st_size < end)
		eprintf("stdout is shorter (%lld bytes) than the joblog says "
		    "(%lld): resume with >> onto the same output",
		    (long long)st.st_size, (long long)end);
	if (st.st_size > end && ftruncate(1, end) < 0)
		eprintf("stdout: cannot cut to %lld bytes:", (long long)end);
	lseek(1, 0, SEEK_END);
}

/* The poll timeout: the nearest --timeout or --progress deadline. */
static int
polltimeout(struct pool *p)
{
	double t = now(), next = 0;
	int any = 0;

	if (p->c->timeout > 0)
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			if (s->state == S_BUSY && s->nq > 0) {
				double d = s->start + p->c->timeout - t;
				if (!any || d < next)
					next = d;
				any = 1;
			}
		}
	if (p->c->progress) {
		double d = p->lastprogress + 0.5 - t;
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
	double t = now();
	char why[64];

	for (int i = 0; i < p->nslots && p->c->timeout > 0; i++) {
		struct slot *s = &p->slots[i];
		if (s->state != S_BUSY || s->nq == 0 ||
		    t < s->start + p->c->timeout)
			continue;
		snprintf(why, sizeof why, "timed out after %g s", p->c->timeout);
		workerdied(p, s, killslot(s, SIGKILL), why);
	}
}

/* --combine at the end: ask every worker that holds tasks in its table
 * for it.  Returns how many were asked: a worker that dies meanwhile has
 * its tasks run again elsewhere, and then that worker is asked in turn. */
static int
askflush(struct pool *p)
{
	int n = 0;

	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		struct taskmsg t = { .kind = TASK_FLUSH };
		if (s->state == S_EMPTY || s->npend == 0)
			continue;
		n++;
		s->state = S_BUSY;
		s->flushing = 1;
		if (writeall(s->taskfd, &t, sizeof t) < 0 && errno != EPIPE)
			eprintf("worker %d: write error:", s->id);
	}
	return n;
}

static int
cmpptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

/* After --halt: free the inputs that were never finished, wherever they
 * are held (an input can be in several places at once). */
static void
freeunfinished(struct pool *p)
{
	size_t n = 0, cap = (size_t)p->nqueue + p->nretry + p->window +
	    (size_t)p->nslots * QDEPTH;
	for (int i = 0; i < p->nslots; i++)
		cap += p->slots[i].npend;
	struct input **v = ereallocarray(NULL, cap ? cap : 1, sizeof *v);

	for (int i = 0; i < p->nqueue; i++)
		v[n++] = p->queue[i];
	for (size_t i = 0; i < p->nretry; i++)
		v[n++] = p->retry[i].in;
	for (uint64_t i = 0; i < p->window; i++)
		if (p->held[i])
			v[n++] = p->held[i];
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		for (int k = 0; k < s->nq; k++)
			v[n++] = s->q[k].in;
		for (size_t k = 0; k < s->npend; k++)
			v[n++] = s->pend[k].in;
	}
	qsort(v, n, sizeof *v, cmpptr);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			freeinput(v[i]);
	free(v);
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

int
pool_run(const struct poolconf *c)
{
	struct pool pl = { .c = c }, *p = &pl;
	struct pollfd *pfd;
	struct slot **pslot;
	struct stat st;

	p->t0 = now();
	p->pick = -1;
	p->ahead = c->pipe ? PIPEAHEAD : LOOKAHEAD;
	p->nslots = fitjobs(c->jobs);
	p->slots = ecalloc((size_t)p->nslots, sizeof *p->slots);
	pfd = ecalloc((size_t)p->nslots + 2, sizeof *pfd);
	pslot = ecalloc((size_t)p->nslots + 2, sizeof *pslot);
	p->window = (uint64_t)p->nslots * 4;
	p->held = ecalloc(p->window, sizeof *p->held);
	p->rbuf = emalloc(READCHUNK);
	p->outisfile = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	reader_init(&p->in, 0, "stdin", c->nul ? '\0' : '\n');
	obuf_init(&p->out, 1, "stdout", 1 << 17);
	if (c->joblog) {
		p->joblog = joblog_open(c->joblog, c->resume);
		if (c->resume)
			resumeoutput(p);
	}
	if (c->pipe && c->progress && fstat(0, &st) == 0 && S_ISREG(st.st_mode))
		p->knownbytes = (uint64_t)st.st_size;
	thepool = p;
	setfatalhook(fatalhook, 1);
	obuf_onerror(onwriteerror);
	setsignals(p);
	for (int i = 0; i < p->nslots; i++) {
		spool_init(&p->slots[i].spool);
		p->slots[i].id = i + 1;
		spawn(p, &p->slots[i]);
	}

	for (;;) {
		struct task t;
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			if (s->state != S_BUSY && nexttask(p, &t))
				dispatch(p, s, &t);
		}
		/* Every worker has a task: top up those that run small ones. */
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			while (canqueue(p, s) && nexttask(p, &t))
				dispatch(p, s, &t);
		}
		if (!p->ineof && !p->halted && p->nqueue < p->ahead)
			takebuffered(p);
		int busy = 0;
		for (int i = 0; i < p->nslots; i++)
			busy += p->slots[i].state == S_BUSY;
		int more = !p->halted && (!p->ineof || p->nqueue || p->nretry);
		if (!more && !busy) {
			if (!c->combine || askflush(p) == 0)
				break;
			continue;
		}

		int n = 0;
		pfd[n] = (struct pollfd){ .fd = sigfd[0], .events = POLLIN };
		pslot[n++] = NULL;
		if (!p->ineof && !p->halted && p->nqueue < p->ahead) {
			pfd[n] = (struct pollfd){ .fd = 0, .events = POLLIN };
			pslot[n++] = NULL;
		}
		for (int i = 0; i < p->nslots; i++) {
			struct slot *s = &p->slots[i];
			if (s->state == S_EMPTY)
				continue;
			pfd[n] = (struct pollfd){ .fd = s->resfd, .events = POLLIN };
			pslot[n++] = s;
		}
		int r = poll(pfd, (nfds_t)n, polltimeout(p));
		if (r < 0 && errno != EINTR)
			eprintf("poll:");
		if (r > 0 && pfd[0].revents)
			handlesignal(p);
		for (int i = 1; r > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (!pslot[i])
				readinput(p);
			else if (pslot[i]->state != S_EMPTY)
				readresult(p, pslot[i]);
		}
		timeouts(p);
		if (c->progress)
			progress(p, 0);
	}

	/* Every input is done: let the workers finish, and wait for them. */
	if (p->halted)
		freeunfinished(p);
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		int status;
		if (s->state != S_EMPTY) {
			close(s->taskfd);
			close(s->resfd);
			while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
				;
			kill(-s->pid, SIGKILL);
			s->state = S_EMPTY;
			if (WIFSIGNALED(status))
				weprintf("worker %d killed by signal %d (%s) at exit",
				    s->id, WTERMSIG(status),
				    strsignal(WTERMSIG(status)));
		}
		spool_free(&s->spool);
		free(s->pend);
	}
	thepool = NULL;
	obuf_flush(&p->out);
	if (c->progress)
		progress(p, 1);
	if (c->stats)
		printstats(p);
	joblog_close(p->joblog);
	obuf_free(&p->out);
	reader_free(&p->in);
	free(p->held);
	free(p->retry);
	free(p->rbuf);
	free(p->slots);
	free(pfd);
	free(pslot);
	if (p->halted)
		return EXIT_HALTED;
	return p->nfailed ? EXIT_PARTIAL : 0;
}
