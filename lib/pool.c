/*
 * pool.c: pdp-map's parent process.  It owns a fixed array of worker
 * slots, each a forked process with a task pipe and a result pipe, and
 * runs one poll loop over standard input, the result pipes and a signal
 * self-pipe.
 *
 * Memory is bounded by design: at most LOOKAHEAD inputs are read ahead
 * (with --pipe, PIPEAHEAD blocks of at most --block bytes plus a line);
 * each running task holds at most SPOOL_MEM bytes of output in memory
 * (the rest in an unlinked temporary file); with -k at most WINDOW tasks
 * run or wait past the oldest unfinished one.
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
#include "io.h"
#include "pool.h"
#include "proto.h"
#include "record.h"
#include "spool.h"

enum {
	LOOKAHEAD = 256,	/* inputs read ahead of the workers */
	PIPEAHEAD = 2,		/* --pipe blocks read ahead */
	READCHUNK = 1 << 18,
};

struct input {
	char *path;		/* raw bytes, NUL-terminated */
	size_t plen;
	char *shown;		/* escaped, for messages */
	int64_t size;		/* -1 if unknown */
	uint64_t nextoff;	/* next chunk to hand out */
	int dispatched;		/* every chunk handed out */
	uint32_t running;	/* chunks out and not finished */
	int failed;
	uint64_t bytes, records;
	char *data;		/* --pipe: the block */
	size_t dlen;
	uint32_t unflushed;	/* --combine: chunks done, in a worker's table */
};

enum slotstate { S_EMPTY, S_IDLE, S_BUSY };

struct slot {
	enum slotstate state;
	int id;			/* 1-based, for -v */
	pid_t pid;
	int taskfd, resfd;
	struct input *in;	/* the task running */
	uint64_t off, len, seq;
	struct spool spool;
	double start;
	struct input **pend;	/* --combine: inputs in the worker's table */
	size_t npend, pendcap;
	int flushing;		/* the final TASK_FLUSH was sent */
	struct reshdr hdr;	/* the frame being read */
	size_t hdrhave, payhave;
	char msg[sizeof(struct donemsg) + 1024];
};

struct held {			/* -k: a finished task waiting for its turn */
	int done;
	struct spool spool;
};

struct pool {
	const struct poolconf *c;
	struct slot *slots;
	int nslots;
	struct reader in;
	int ineof;
	struct input *queue[LOOKAHEAD];
	int nqueue;
	uint64_t nextseq, nextcommit;
	struct held *held;	/* -k: ring of window entries by seq */
	uint64_t window;
	struct obuf out;
	char *rbuf;
	uint64_t nread, nok, nfailed, bytes, records;
	double t0;
	int ahead;		/* inputs to read ahead */
	int flushsent;		/* --combine: the final flush was asked for */
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

static void
onsignal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	gotsig = sig;
	(void)!write(sigfd[1], &b, 1);
	errno = saved;
}

/* Stop every worker and wait for it: no process outlives pdp-map. */
static void
killall(struct pool *p, int sig)
{
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		if (s->state == S_EMPTY)
			continue;
		kill(s->pid, sig);
		close(s->taskfd);
		close(s->resfd);
		while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
			;
		spool_discard(&s->spool);
		s->state = S_EMPTY;
	}
}

static void
fatalhook(void)
{
	if (thepool)
		killall(thepool, SIGTERM);
}

static void
onwriteerror(struct obuf *o, int err)
{
	if (err == EPIPE) {
		/* Downstream is gone: end quietly, as by SIGPIPE. */
		fatalhook();
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
		/* The worker: default signals, only its own pipes. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
		/* Die with the parent, even if it is killed with SIGKILL. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(EXIT_FATAL);
#endif
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
	close(tp[0]);
	close(rp[1]);
	fcntl(tp[1], F_SETFD, FD_CLOEXEC);
	fcntl(rp[0], F_SETFD, FD_CLOEXEC);
	s->pid = pid;
	s->taskfd = tp[1];
	s->resfd = rp[0];
	s->state = S_IDLE;
	s->hdrhave = s->payhave = 0;
}

static void
freeinput(struct input *in)
{
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

/* One record from stdin: queue an input, or count a bad record. */
static void
addinput(struct pool *p, char *rec, size_t len)
{
	const struct poolconf *c = p->c;
	size_t bad = 0;

	p->nread++;
	if (!c->nul) {
		char *tab = memchr(rec, '\t', len);
		if (tab)
			len = (size_t)(tab - rec);	/* the path is field 1 */
		long n = rec_unescape(rec, rec, len, &bad);
		if (n < 0) {
			if (!c->quiet)
				weprintf("%s:%llu: invalid escape in path record",
				    p->in.name, (unsigned long long)p->in.lineno);
			p->nfailed++;
			return;
		}
		len = (size_t)n;
	}
	if (len == 0 || memchr(rec, '\0', len)) {
		if (!c->quiet)
			weprintf("%s:%llu: %s path", p->in.name,
			    (unsigned long long)p->in.lineno,
			    len ? "invalid (NUL byte in)" : "empty");
		p->nfailed++;
		return;
	}
	struct input *in = ecalloc(1, sizeof *in);
	in->path = emalloc(len + 1);
	memcpy(in->path, rec, len);
	in->path[len] = '\0';
	in->plen = len;
	in->shown = showpath(rec, len);
	in->size = -1;
	struct stat st;
	if (p->c->split && stat(in->path, &st) == 0 && S_ISREG(st.st_mode))
		in->size = st.st_size;
	p->queue[p->nqueue++] = in;
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
	struct input *in = ecalloc(1, sizeof *in);
	char name[64];
	in->data = ememdup(s, k);
	in->dlen = k;
	in->path = estrdup("-");
	in->plen = 1;
	snprintf(name, sizeof name, "stdin block %llu",
	    (unsigned long long)p->nread + 1);
	in->shown = estrdup(name);
	in->size = -1;
	r->start += k;
	p->nread++;
	p->queue[p->nqueue++] = in;
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
		eprintf("stdin: read error:");
	takebuffered(p);
}

static void
inputdone(struct pool *p, struct input *in)
{
	if (in->failed)
		p->nfailed++;
	else
		p->nok++;
	freeinput(in);
}

static void
logtask(struct pool *p, struct slot *s, const struct donemsg *d)
{
	time_t t = time(NULL);
	struct tm tm;
	char when[16];
	char chunk[64] = "";

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	if (s->len != UINT64_MAX)
		snprintf(chunk, sizeof chunk, " [%llu+%llu]",
		    (unsigned long long)s->off, (unsigned long long)s->len);
	weprintf("%s worker %d: %s%s: %llu bytes, %llu records, %.3f s%s",
	    when, s->id, s->in->shown, chunk, (unsigned long long)d->bytes,
	    (unsigned long long)d->records, now() - s->start,
	    d->ok ? "" : ", failed");
	(void)p;
}

/* Commit what is finished, in order for -k. */
static void
finished(struct pool *p, struct slot *s, int ok)
{
	struct input *in = s->in;

	if (p->c->keeporder) {
		struct held *h = &p->held[s->seq % p->window];
		h->done = 1;
		if (ok) {
			h->spool = s->spool;
			spool_init(&s->spool);
		}
		while (p->nextcommit < p->nextseq) {
			h = &p->held[p->nextcommit % p->window];
			if (!h->done)
				break;
			spool_commit(&h->spool, &p->out);
			spool_free(&h->spool);
			spool_init(&h->spool);
			h->done = 0;
			p->nextcommit++;
		}
	} else if (ok) {
		spool_commit(&s->spool, &p->out);
	}
	spool_discard(&s->spool);
	if (!ok)
		in->failed = 1;
	if (ok && p->c->combine) {
		/* Its records are in the worker's table until it flushes. */
		if (s->npend == s->pendcap) {
			s->pendcap = s->pendcap ? s->pendcap * 2 : 64;
			s->pend = ereallocarray(s->pend, s->pendcap, sizeof *s->pend);
		}
		s->pend[s->npend++] = in;
		in->unflushed++;
	}
	s->in = NULL;
	s->state = S_IDLE;
	if (--in->running == 0 && in->dispatched && !in->unflushed)
		inputdone(p, in);
}

/* --combine: the worker's table was written (ok) or lost with it. */
static void
resolvepending(struct pool *p, struct slot *s, int ok, const char *why)
{
	for (size_t i = 0; i < s->npend; i++) {
		struct input *in = s->pend[i];
		if (!ok && !in->failed) {
			in->failed = 1;
			if (!p->c->quiet)
				weprintf("%s: result lost: %s", in->shown, why);
		}
		if (--in->unflushed == 0 && in->running == 0 && in->dispatched)
			inputdone(p, in);
	}
	s->npend = 0;
}

static void
taskfailed(struct pool *p, struct slot *s, const char *why)
{
	if (!p->c->quiet)
		weprintf("%s: %s", s->in->shown, why);
	finished(p, s, 0);
}

static void
workerdied(struct pool *p, struct slot *s)
{
	int status = 0;
	char why[128];

	close(s->taskfd);
	close(s->resfd);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->state = S_EMPTY;
	s->flushing = 0;
	spool_discard(&s->spool);
	if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "worker killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof why, "worker exited with status %d",
		    WEXITSTATUS(status));
	resolvepending(p, s, 0, why);
	if (!s->in)
		return;
	s->state = S_IDLE;	/* finished() expects a live slot */
	taskfailed(p, s, why);
	s->state = S_EMPTY;
}

static void
frame(struct pool *p, struct slot *s)
{
	struct donemsg d;

	switch (s->hdr.type) {
	case RES_DONE:
		memcpy(&d, s->msg, sizeof d);
		s->in->bytes += d.bytes;
		p->bytes += d.bytes;
		if (d.ok && !p->c->combine)
			p->records += d.records;
		if (p->c->verbose)
			logtask(p, s, &d);
		if (d.ok) {
			finished(p, s, 1);
		} else {
			char why[1025];
			size_t n = s->hdr.len - sizeof d;
			memcpy(why, s->msg + sizeof d, n);
			why[n] = '\0';
			taskfailed(p, s, why);
		}
		break;
	case RES_FATAL:
		eprintf("%.*s", (int)s->hdr.len, s->msg);
	case RES_FLUSH: {
		uint64_t n = 0;
		memcpy(&n, s->msg, s->hdr.len < sizeof n ? s->hdr.len : sizeof n);
		spool_commit(&s->spool, &p->out);
		p->records += n;
		resolvepending(p, s, 1, NULL);
		if (s->flushing) {
			s->flushing = 0;
			s->state = S_IDLE;
		}
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
		workerdied(p, s);
		return;
	}
	while (n > 0) {
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
	int best = 0;

	if (p->c->keeporder)
		return 0;
	for (int i = 1; i < p->nqueue; i++) {
		int64_t a = p->queue[i]->size - (int64_t)p->queue[i]->nextoff;
		int64_t b = p->queue[best]->size - (int64_t)p->queue[best]->nextoff;
		if (a > b)
			best = i;
	}
	return best;
}

static void
dispatch(struct pool *p, struct slot *s)
{
	int qi = pickinput(p);
	struct input *in = p->queue[qi];
	uint64_t split = p->c->split;
	struct taskmsg t = { 0 };

	if (s->state == S_EMPTY)
		spawn(p, s);
	t.off = in->nextoff;
	t.len = UINT64_MAX;
	if (split && in->size >= 0 && (uint64_t)in->size > split) {
		t.len = split;
		in->nextoff += split;
		if (in->nextoff >= (uint64_t)in->size)
			in->dispatched = 1;
	} else {
		in->dispatched = 1;
	}
	if (in->dispatched) {
		memmove(&p->queue[qi], &p->queue[qi + 1],
		    (size_t)(p->nqueue - qi - 1) * sizeof *p->queue);
		p->nqueue--;
	}
	in->running++;
	t.id = p->nextseq;
	t.pathlen = (uint32_t)in->plen;
	t.kind = in->data ? TASK_DATA : TASK_FILE;
	t.datalen = in->dlen;
	s->seq = p->nextseq++;
	s->in = in;
	s->off = t.off;
	s->len = t.len;
	s->state = S_BUSY;
	s->start = now();
	/* The worker is idle, so its pipe is empty: these writes do not
	 * block for long.  A worker that died is found by poll. */
	if (writeall(s->taskfd, &t, sizeof t) < 0 ||
	    writeall(s->taskfd, in->path, in->plen) < 0 ||
	    (in->dlen && writeall(s->taskfd, in->data, in->dlen) < 0)) {
		if (errno != EPIPE)
			eprintf("worker %d: write error:", s->id);
	}
}

static int
canstart(struct pool *p)
{
	if (p->nqueue == 0)
		return 0;
	return !p->c->keeporder || p->nextseq - p->nextcommit < p->window;
}

static void
handlesignal(struct pool *p)
{
	unsigned char b;

	while (read(sigfd[0], &b, 1) < 0 && errno == EINTR)
		;
	int sig = gotsig;
	killall(p, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

static void
setsignals(void)
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
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Write errors on stdout are handled where they happen. */
	signal(SIGPIPE, SIG_IGN);
}

static void
printstats(struct pool *p)
{
	double wall = now() - p->t0;

	weprintf("inputs %llu, succeeded %llu, failed %llu, bytes %llu, "
	    "records %llu, wall %.3f s, %.1f MB/s",
	    (unsigned long long)p->nread, (unsigned long long)p->nok,
	    (unsigned long long)p->nfailed, (unsigned long long)p->bytes,
	    (unsigned long long)p->records, wall,
	    wall > 0 ? p->bytes / wall / 1e6 : 0.0);
}

int
pool_run(const struct poolconf *c)
{
	struct pool pl = { .c = c }, *p = &pl;
	struct pollfd *pfd;
	struct slot **pslot;

	p->t0 = now();
	p->ahead = c->pipe ? PIPEAHEAD : LOOKAHEAD;
	p->nslots = c->jobs;
	p->slots = ecalloc((size_t)c->jobs, sizeof *p->slots);
	pfd = ecalloc((size_t)c->jobs + 2, sizeof *pfd);
	pslot = ecalloc((size_t)c->jobs + 2, sizeof *pslot);
	p->window = (uint64_t)c->jobs * 4;
	p->held = ecalloc(p->window, sizeof *p->held);
	for (uint64_t i = 0; i < p->window; i++)
		spool_init(&p->held[i].spool);
	p->rbuf = emalloc(READCHUNK);
	reader_init(&p->in, 0, "stdin", c->nul ? '\0' : '\n');
	obuf_init(&p->out, 1, "stdout", 1 << 17);
	thepool = p;
	setfatalhook(fatalhook);
	obuf_onerror(onwriteerror);
	setsignals();
	for (int i = 0; i < p->nslots; i++) {
		spool_init(&p->slots[i].spool);
		p->slots[i].id = i + 1;
		spawn(p, &p->slots[i]);
	}

	for (;;) {
		for (int i = 0; i < p->nslots && canstart(p); i++) {
			struct slot *s = &p->slots[i];
			if (s->state != S_BUSY)
				dispatch(p, s);
		}
		if (!p->ineof && p->nqueue < p->ahead)
			takebuffered(p);
		int busy = 0;
		for (int i = 0; i < p->nslots; i++)
			busy += p->slots[i].state == S_BUSY;
		if (p->ineof && p->nqueue == 0 && !busy) {
			if (!p->c->combine || p->flushsent)
				break;
			/* Ask every worker for its table, and wait for it. */
			p->flushsent = 1;
			for (int i = 0; i < p->nslots; i++) {
				struct slot *s = &p->slots[i];
				struct taskmsg t = { .kind = TASK_FLUSH };
				if (s->state == S_EMPTY)
					continue;
				s->state = S_BUSY;
				s->flushing = 1;
				if (writeall(s->taskfd, &t, sizeof t) < 0 &&
				    errno != EPIPE)
					eprintf("worker %d: write error:", s->id);
			}
			continue;
		}

		int n = 0;
		pfd[n] = (struct pollfd){ .fd = sigfd[0], .events = POLLIN };
		pslot[n++] = NULL;
		int wantin = !p->ineof && p->nqueue < p->ahead;
		if (wantin) {
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
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			eprintf("poll:");
		}
		if (pfd[0].revents)
			handlesignal(p);
		for (int i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (!pslot[i])
				readinput(p);
			else if (pslot[i]->state != S_EMPTY)
				readresult(p, pslot[i]);
		}
	}

	/* End of input: let the workers finish, and wait for them. */
	for (int i = 0; i < p->nslots; i++) {
		struct slot *s = &p->slots[i];
		int status;
		if (s->state == S_EMPTY)
			continue;
		close(s->taskfd);
		close(s->resfd);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
		s->state = S_EMPTY;
		if (WIFSIGNALED(status))
			weprintf("worker %d killed by signal %d (%s) at exit",
			    s->id, WTERMSIG(status), strsignal(WTERMSIG(status)));
		spool_free(&s->spool);
		free(s->pend);
	}
	thepool = NULL;
	obuf_flush(&p->out);
	if (c->stats)
		printstats(p);
	obuf_free(&p->out);
	reader_free(&p->in);
	for (uint64_t i = 0; i < p->window; i++)
		spool_free(&p->held[i].spool);
	free(p->held);
	free(p->rbuf);
	free(p->slots);
	free(pfd);
	free(pslot);
	return p->nfailed ? EXIT_PARTIAL : 0;
}
