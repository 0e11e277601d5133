/*
 * slot.c: one worker of pdp-map's pool, seen from the parent: starting
 * it, queueing tasks to it, reading the frames it sends, and stopping
 * it with everything it started.
 *
 * A worker runs in its own process group, so that a timeout or a stop
 * ends it with the commands it runs; it ends itself (and its group) on
 * SIGTERM, and when the parent dies.  Small tasks are queued several to
 * a worker (up to QDEPTH, and at most QBYTES of task messages in all,
 * which any pipe has room for, so that writing them never waits on a
 * worker that is itself waiting for the parent to read).
 */
#ifdef __linux__
#define _GNU_SOURCE		/* vmsplice, F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "clock.h"
#include "err.h"
#include "io.h"
#include "proc.h"
#include "slot.h"

void
slot_init(struct slot *s, int id)
{
	memset(s, 0, sizeof *s);
	s->id = id;
	s->state = SLOT_EMPTY;
	spool_init(&s->spool);
	spool_init(&s->held);
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

int
slot_spawn(struct slot *s, const struct workerconf *wc,
    void (*inchild)(void *arg), void *arg)
{
	int tp[2], rp[2];

	if (pipe(tp) < 0 || pipe(rp) < 0)
		eprintf("pipe:");
	pid_t pid = proc_fork();
	if (pid < 0) {
		int e = errno;
		close(tp[0]);
		close(tp[1]);
		close(rp[0]);
		close(rp[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, workerterm);
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		if (getppid() == 1)
			workerterm(SIGTERM);
		inchild(arg);
		close(tp[1]);
		close(rp[0]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, 0);
			if (devnull != 0)
				close(devnull);
		}
		worker_main(wc, tp[0], rp[1]);
	}
	setpgid(pid, pid);	/* as the child does: no race either way */
	close(tp[0]);
	close(rp[1]);
#ifdef __linux__
	/* Room for a --pipe block in fewer, bigger pieces (a hint). */
	if (wc->bigtasks)
		(void)fcntl(tp[1], F_SETPIPE_SZ, 1 << 20);
#endif
	fcntl(tp[1], F_SETFD, FD_CLOEXEC);
	fcntl(rp[0], F_SETFD, FD_CLOEXEC);
	s->pid = pid;
	s->taskfd = tp[1];
	s->resfd = rp[0];
	s->state = SLOT_IDLE;
	s->hdrhave = s->payhave = 0;
	s->nq = 0;
	s->qbytes = 0;
	s->lasttask = 1;	/* unknown: no queueing until it is known */
	return 0;
}

static int
reap(struct slot *s)
{
	int status = 0;

	close(s->taskfd);
	close(s->resfd);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-s->pid, SIGKILL);	/* whatever in the group outlived it */
	s->state = SLOT_EMPTY;
	return status;
}

int
slot_kill(struct slot *s, int sig)
{
	kill(-s->pid, sig);
	return reap(s);
}

int
slot_close(struct slot *s)
{
	return reap(s);
}

/* A --pipe block to the worker: on Linux its pages go into the pipe
 * without a copy (vmsplice); the block is not changed until the task
 * ends, which is after the worker has read it.  Returns as writeall. */
static int
senddata(int fd, const char *p, size_t n)
{
#ifdef __linux__
	while (n > 0) {
		struct iovec v = { (void *)p, n };
		ssize_t w = vmsplice(fd, &v, 1, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 && errno == EINVAL ? writeall(fd, p, n) : -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
#else
	return writeall(fd, p, n);
#endif
}

size_t
slot_msgsize(const struct input *in)
{
	return sizeof(struct taskmsg) + in->plen + in->dlen;
}

void
slot_send(struct slot *s, const struct task *task)
{
	struct input *in = task->in;
	struct taskmsg t = { 0 };

	t.id = in->seq;
	t.off = task->off;
	t.len = task->len;
	t.size = (uint64_t)in->size;
	t.pathlen = (uint32_t)in->plen;
	t.kind = in->data ? TASK_DATA : in->rangefd >= 0 ? TASK_RANGE : TASK_FILE;
	if (in->rangefd >= 0) {
		t.off = in->roff;
		t.len = (uint64_t)in->size;
		t.fd = in->rangefd;
		t.size = in->rsize;
	}
	t.num = in->num;
	t.slot = (uint32_t)s->id;
	t.datalen = in->dlen;
	if (s->nq == 0) {
		s->state = SLOT_BUSY;
		s->start = monotime();
	}
	s->q[s->nq++] = *task;
	s->qbytes += slot_msgsize(in);
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
	if ((r < 0 || (in->dlen && senddata(s->taskfd, in->data,
	    in->dlen) < 0)) && errno != EPIPE)
		eprintf("worker %d: write error:", s->id);
}

void
slot_askflush(struct slot *s)
{
	struct taskmsg t = { .kind = TASK_FLUSH };

	s->state = SLOT_FLUSHING;
	if (writeall(s->taskfd, &t, sizeof t) < 0 && errno != EPIPE)
		eprintf("worker %d: write error:", s->id);
}

struct task
slot_pop(struct slot *s)
{
	struct task t = s->q[0];
	double n = monotime();

	s->nq--;
	memmove(s->q, s->q + 1, (size_t)s->nq * sizeof *s->q);
	s->qbytes -= slot_msgsize(t.in);	/* the worker has read that one */
	s->lasttask = n - s->start;
	s->start = n;
	if (s->nq == 0 && s->state == SLOT_BUSY)
		s->state = SLOT_IDLE;
	return t;
}

int
slot_unqueue(struct slot *s, int from, struct task *out)
{
	int n = 0;

	for (int i = from; i < s->nq; i++)
		out[n++] = s->q[i];
	if (s->nq > from)
		s->nq = from;
	s->qbytes = s->nq > 0 ? slot_msgsize(s->q[0].in) : 0;
	if (s->nq == 0 && s->state == SLOT_BUSY)
		s->state = SLOT_IDLE;
	return n;
}

int
slot_read(struct slot *s, char *buf, size_t cap,
    void (*onframe)(void *arg, struct slot *s), void *arg)
{
	ssize_t n = readsome(s->resfd, buf, cap);
	const char *b = buf;

	if (n <= 0)
		return -1;
	/* Frames may arrive in any pieces. */
	while (n > 0 && slot_alive(s)) {
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
				onframe(arg, s);
		}
	}
	return 0;
}
