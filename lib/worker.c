/* worker.c: one worker process of pdp-map: it reads tasks from the
 * parent, opens each input and runs the mapper over it, and is the host
 * side of the mapper interface (emit, count, fail, write): what a mapper
 * makes goes to a sink (sink.h), which sends it to the parent or folds
 * it for --combine, and the end of each task is reported with its
 * status.  Memory: the read buffer, one output frame, the counters
 * (bounded by the sink), and the largest --pipe block. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counts.h"
#include "err.h"
#include "frame.h"
#include "io.h"
#include "mapper.h"
#include "proto.h"
#include "record.h"
#include "sink.h"
#include "source.h"
#include "tokenize.h"
#include "worker.h"

/* Where the worker is, for what a fatal error ends (see fatalexit). */
enum phase { STARTING, INTASK, BETWEEN };

struct host {
	const struct workerconf *c;
	struct pdp_ctx ctx;	/* ctx.host points here */
	struct mapper_ext ext;
	struct frames out;
	struct counts *counts;
	struct sink *sink;
	struct source src;	/* what a task reads */
	char *tagfield;		/* the escaped path and a TAB, for --tag */
	int escpend;		/* ctx->write's last piece ended in '\\' */
	int crpend;		/* ... or in a CR, which a newline must follow */
	size_t taglen;
	char err[ERRMSG_MAX];
	int failed;
	int sig;		/* worker_signal() for this task */
	int again;		/* worker_again() for this task */
	enum phase phase;
	uint64_t taskid;	/* the running task's, for INTASK */
	uint64_t tasknum;	/* its input's number */
	int slot;
};

/* eprintf may be called anywhere in a worker (out of memory, say), and
 * its hook must tell the parent what it ended: so the hook finds the
 * host here. */
static struct host *fatalhost;

void
worker_signal(struct pdp_ctx *ctx, int sig)
{
	((struct host *)ctx->host)->sig = sig;
}

void
worker_taskinfo(struct pdp_ctx *ctx, uint64_t *num, int *slot)
{
	struct host *h = ctx->host;

	*num = h->tasknum;
	*slot = h->slot;
}

int
worker_okstatus(struct pdp_ctx *ctx, int status)
{
	const unsigned char *ok = ((struct host *)ctx->host)->c->okstatus;

	return ok ? ok[status & 255] : status == 0;
}

void
worker_again(struct pdp_ctx *ctx)
{
	((struct host *)ctx->host)->again = 1;
}

const struct mapper_ext *
mapper_ext(struct pdp_ctx *ctx)
{
	return ctx->host ? &((struct host *)ctx->host)->ext : NULL;
}

static int
hemit(struct pdp_ctx *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
	struct sink *s = ((struct host *)ctx->host)->sink;

	s->op->record(s, k, kl, v, vl);
	return 0;
}

static void hfail(struct pdp_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The message for the invalid escape at s[at]. */
static void
badwrite(struct pdp_ctx *ctx, const char *s, size_t n, size_t at)
{
	char e[8];

	hfail(ctx, "invalid escape '%s' in its records (pdp(7): \\\\, \\t, "
	    "\\n and \\r only)", rec_badescape(e, s, n, at));
}

/* A CR in p[0..n) that no newline follows (the last byte's next one is
 * the next piece's first): 1, or 0; *pend set if p ends in a CR. */
static int
strandedcr(const char *p, size_t n, int *pend)
{
	const char *q = p, *end = p + n;

	*pend = 0;
	while ((q = memchr(q, '\r', (size_t)(end - q)))) {
		if (++q == end) {
			*pend = 1;
			break;
		}
		if (*q != '\n')
			return 1;
	}
	return 0;
}

/* Records written as text (an exec command's output, a plugin's
 * ctx->write) must have pdp(7)'s escapes: else a key "/a\\b" from a
 * command and the same bytes from ctx->emit would be two keys
 * downstream.  A piece may end between a backslash and its letter.  A
 * CR is allowed only before a newline (CRLF line ends, which
 * pdp-reduce drops): elsewhere it would be a second form of \r. */
static int
hwrite(struct pdp_ctx *ctx, const char *p, size_t n)
{
	struct host *h = ctx->host;
	struct sink *s = h->sink;
	size_t skip = 0, at;

	if (h->failed)
		return -1;	/* its output is discarded anyway */
	if (h->escpend && n > 0) {
		char two[2] = { '\\', *p };
		h->escpend = 0;
		if (rec_checkescapes(two, 2, &at) < 0) {
			badwrite(ctx, two, 2, 0);
			return -1;
		}
		skip = 1;
	}
	/* pdp(7)'s rule is rec_checkescapes'; only a backslash that ends
	 * the piece waits for the next one. */
	if (rec_checkescapes(p + skip, n - skip, &at) < 0) {
		if (skip + at + 1 < n) {
			badwrite(ctx, p + skip, n - skip, at);
			return -1;
		}
		h->escpend = 1;
	}
	if (n > 0 && ((h->crpend && p[0] != '\n') ||
	    strandedcr(p, n, &h->crpend))) {
		hfail(ctx, "a CR within a line of its records (pdp(7): \\r; "
		    "only a CRLF line end may hold one)");
		return -1;
	}
	s->op->text(s, p, n);
	return 0;
}

static int
hcount(struct pdp_ctx *ctx, const char *k, size_t kl, long long n)
{
	struct host *h = ctx->host;
	int r = counts_add(h->counts, k, kl, n);

	return r == 0 ? 0 : h->sink->op->counted(h->sink, k, kl, n, r);
}

/* The builtins' count of a batch of short words (mapper_ext).  A table
 * of 100,000 words is bigger than the cache, so the slots of the whole
 * batch are asked for before the first is counted. */
static int
hcountbatch(struct pdp_ctx *ctx, const struct tokbatch *b)
{
	struct host *h = ctx->host;
	uint32_t hash[TOK_BATCH];

	counts_hashshort(h->counts, b->key, hash, b->n);
	for (size_t i = 0; i < b->n; i++) {
		int r;
		i += counts_addshort(h->counts, b->key + i, b->len + i,
		    hash + i, b->n - i, 1, h->sink->countsmax, &r);
		if (i < b->n && h->sink->op->counted(h->sink, b->key[i],
		    b->len[i], 1, r) < 0)
			return -1;
	}
	return 0;
}

static void
hfail(struct pdp_ctx *ctx, const char *fmt, ...)
{
	struct host *h = ctx->host;
	va_list ap;

	if (h->failed)
		return;		/* the first reason is the one reported */
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof h->err, fmt, ap);
	va_end(ap);
	h->failed = 1;
}

static void
settag(struct host *h, const char *path, size_t n)
{
	free(h->tagfield);
	h->taglen = rec_escapedlen(path, n) + 1;
	h->tagfield = emalloc(h->taglen);
	char *e = rec_escape(h->tagfield, path, n);
	*e = '\t';
	h->sink->tag = h->tagfield;
	h->sink->taglen = h->taglen;
}

static void
runtask(struct host *h, const struct taskmsg *t, char *path, char *data)
{
	struct sink *s = h->sink;
	struct donemsg d = { .id = t->id };

	h->failed = 0;
	h->escpend = 0;
	h->crpend = 0;
	h->sig = 0;
	h->again = 0;
	s->records = 0;
	h->ctx.path = path;
	h->ctx.offset = t->off;
	if (h->c->tag)
		settag(h, path, t->pathlen);
	if (t->kind == TASK_DATA)
		d.bytes = source_data(&h->src, data, t->datalen);
	else if (t->kind == TASK_RANGE)
		d.bytes = source_range(&h->src, t->fd, t->off, t->len, t->size);
	else
		d.bytes = source_file(&h->src, path, t->off, t->len, t->size);
	if (h->escpend && !h->failed)
		hfail(&h->ctx, "invalid escape '\\' at the end of its records");
	if (!h->failed)
		s->op->finish(s);
	s->op->end(s, !h->failed);
	d.ok = !h->failed;
	d.records = s->records;
	d.sig = h->sig;
	d.again = h->again && !d.ok;
	d.binary = h->src.skipped && d.ok;
	frames_done(&h->out, &d, d.ok ? "" : h->err);
	h->phase = BETWEEN;	/* the task is over, whatever happens next */
	s->op->idle(s, 0);
	counts_begin(h->counts);	/* for the next input */
}

/* The task pipe, read in big pieces: the parent may queue several
 * small tasks, which then take one read. */
struct tasks {
	struct exactreader r;
	char buf[8192];
};

/* n bytes from the task pipe: 1, 0 at its end, -1 on an error or an end
 * within a message. */
static int
readfull(struct tasks *in, void *buf, size_t n)
{
	return exact_read(&in->r, buf, n);
}

/* What a fatal error (out of memory, say) ends: the worker, and the
 * task it was running, which fails with the message; a worker that
 * cannot even start stops the whole run, since every worker would fail
 * the same way and no input is to blame.  Between tasks (writing the
 * --combine table), no input is to blame either: the worker exits, its
 * table is lost, and the table's inputs fail (or run again, as
 * --retries allows).  An error of the environment (eprintf_env: a
 * temporary file) is no input's either, and would come again on the
 * next: it stops the whole run, as the parent's own does. */
static void
fatalexit(const char *msg)
{
	struct host *h = fatalhost;
	char buf[ERRMSG_MAX + 32];

	if (!h) {
		fprintf(stderr, "%s: %s\n", argv0, msg);
	} else if (err_envfatal()) {
		frames_send(&h->out, RES_FATAL, msg, strnlen(msg, ERRMSG_MAX - 1));
	} else if (h->phase == STARTING) {
		int n = snprintf(buf, sizeof buf, "a worker could not start: %s",
		    msg);
		frames_send(&h->out, RES_FATAL, buf, n > 0 &&
		    (size_t)n < sizeof buf ? (size_t)n : strlen(buf));
	} else if (h->phase == INTASK) {
		struct donemsg d = { .id = h->taskid, .exiting = 1 };
		frames_done(&h->out, &d, msg);
	} else {
		frames_send(&h->out, RES_EXIT, msg, strnlen(msg, ERRMSG_MAX - 1));
	}
	_exit(EXIT_FATAL);
}

void
worker_main(const struct workerconf *c, int taskfd, int resfd)
{
	struct host h = { .c = c, .phase = STARTING };
	char *path = NULL, *data = NULL;
	struct tasks *in;
	size_t pathcap = 0, datacap = 0;

	fatalhost = &h;
	setfatalhook(fatalexit, 0);
	frames_init(&h.out, resfd);	/* its fd first: fatalexit needs it */
	/* Commands that the exec mapper runs must not inherit these. */
	fcntl(taskfd, F_SETFD, FD_CLOEXEC);
	fcntl(resfd, F_SETFD, FD_CLOEXEC);
	in = ecalloc(1, sizeof *in);
	in->r = (struct exactreader){ .fd = taskfd, .buf = in->buf,
	    .cap = sizeof in->buf };
	h.counts = counts_new();
	/* Counts from init() belong to the first input, as it begins. */
	counts_begin(h.counts);
	struct sink base = { .ctx = &h.ctx, .out = &h.out, .counts = h.counts };
	h.sink = c->combine ? combine_sink(&base, c->combine, c->tag) :
	    frames_sink(&base);
	h.src = (struct source){ .m = c->m, .ctx = &h.ctx, .failed = &h.failed,
	    .decompress = c->decompress, .binary = c->binary,
	    .buf = emalloc(READBUF) };
	h.ctx.emit = hemit;
	h.ctx.count = hcount;
	h.ctx.fail = hfail;
	h.ctx.write = hwrite;
	h.ctx.host = &h;
	h.ctx.path = "";
	h.ext.countbatch = hcountbatch;
	if (c->m->init && c->m->init(&h.ctx, c->argc, c->argv) < 0) {
		if (!h.failed)
			snprintf(h.err, sizeof h.err, "%s: init failed", c->m->name);
		frames_send(&h.out, RES_FATAL, h.err, strlen(h.err));
		_exit(EXIT_FATAL);
	}
	h.phase = BETWEEN;
	for (;;) {
		struct taskmsg t;
		int r = readfull(in, &t, sizeof t);
		if (r == 0)
			break;
		if (r < 0)
			_exit(EXIT_FATAL);
		h.phase = t.kind == TASK_FLUSH ? BETWEEN : INTASK;
		h.taskid = t.id;
		h.tasknum = t.num;
		h.slot = (int)t.slot;
		if (t.pathlen + 1 > pathcap) {
			pathcap = t.pathlen + 1;
			path = erealloc(path, pathcap);
		}
		if (readfull(in, path, t.pathlen) < 0)
			_exit(EXIT_FATAL);
		path[t.pathlen] = '\0';
		if (t.kind == TASK_FLUSH) {
			h.sink->op->idle(h.sink, 1);
			continue;
		}
		if (t.kind == TASK_DATA) {
			/* Memory: the largest block (--block plus a line). */
			if (t.datalen > datacap) {
				datacap = t.datalen;
				data = erealloc(data, datacap);
			}
			if (readfull(in, data, t.datalen) < 0)
				_exit(EXIT_FATAL);
		}
		runtask(&h, &t, path, data);
	}
	if (c->m->finish)
		c->m->finish(&h.ctx);
	_exit(0);
}
