/* worker.c: one worker process of pdp-map, and the host side of the
 * mapper interface (emit, count, fail, write).  Memory: the read buffer,
 * one output frame, and the counters, which an input's counts leave as
 * records at its end, or as soon as they pass COUNTS_MAX (the doubling
 * that passes it makes them at most twice that).  With --combine, records
 * are aggregated per task, folded into the worker's table when the task
 * succeeds, and that table is sent when it passes TABLE_MAX or the
 * parent asks for it; with --combine sum, counts are summed in the
 * counters themselves, kept from input to input, and sent with that
 * table, also when the counters pass half TABLE_MAX after an input; their
 * bound within an input is then TABLE_MAX, and the spill moves committed
 * counts into the worker's table. */
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
#include "feed.h"
#include "io.h"
#include "mapper.h"
#include "num.h"
#include "path.h"
#include "proto.h"
#include "record.h"
#include "table.h"
#include "tokenize.h"
#include "worker.h"

enum {
	READBUF = 1 << 20,	/* bytes a block of input */
	TABLE_MAX = 64 << 20,	/* --combine states (and counts) before a flush */
	COUNTS_MAX = 32 << 20,	/* counters within an input */
};

struct host {
	struct mapper_host mh;	/* first: ctx.host points to both */
	const struct workerconf *c;
	struct pdp_ctx ctx;
	int resfd;
	char *frame;		/* struct reshdr, then the payload */
	size_t len;		/* payload bytes */
	uint64_t records;
	struct counts *counts;
	int direct;		/* --combine sum: counts committed in place */
	char *tagfield;		/* the escaped path and a TAB, for --tag */
	size_t taglen;
	char err[ERRMSG_MAX];
	int failed;
	int midline;		/* ctx->write() left a line unfinished */
	int sig;		/* worker_signal() for this task */
	struct table *task;	/* --combine: this task's records */
	struct table *comb;	/* --combine: the tasks done since a flush */
	size_t vsize;
	struct sbuf line;	/* --combine: a record ctx->write left unfinished */
	struct sbuf rec;	/* --combine: a record of emit or count */
};

static void combine(struct host *h, const char *rec, size_t n);

static void
sendframe(struct host *h, uint32_t type, const void *p, size_t n)
{
	struct reshdr hdr = { type, (uint32_t)n };

	if (writeall(h->resfd, &hdr, sizeof hdr) < 0 ||
	    (n && writeall(h->resfd, p, n) < 0))
		_exit(EXIT_FATAL);	/* the parent is gone */
}

/* The end of a task: d, then its error message if it failed (at most
 * ERRMSG_MAX - 1 bytes, as the parent reads).  The output not sent yet
 * goes in the same write. */
static void
senddone(struct host *h, const struct donemsg *d, const char *err)
{
	size_t elen = strnlen(err, ERRMSG_MAX - 1);
	struct reshdr *out = (struct reshdr *)h->frame;
	size_t at = h->len ? sizeof *out + h->len : 0;
	struct reshdr hdr = { RES_DONE, (uint32_t)(sizeof *d + elen) };
	char *f = h->frame + at;

	memcpy(f, &hdr, sizeof hdr);
	memcpy(f + sizeof hdr, d, sizeof *d);
	memcpy(f + sizeof hdr + sizeof *d, err, elen);
	if (h->len) {
		out->type = RES_OUT;
		out->len = (uint32_t)h->len;
	}
	if (writeall(h->resfd, h->frame, at + sizeof hdr + hdr.len) < 0)
		_exit(EXIT_FATAL);	/* the parent is gone */
	h->len = 0;
}

static void
flushout(struct host *h)
{
	if (h->len == 0)
		return;
	struct reshdr *hdr = (struct reshdr *)h->frame;
	hdr->type = RES_OUT;
	hdr->len = (uint32_t)h->len;
	if (writeall(h->resfd, h->frame, sizeof *hdr + h->len) < 0)
		_exit(EXIT_FATAL);
	h->len = 0;
}

static void
put(struct host *h, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		size_t room = RES_OUTMAX - h->len;
		if (room == 0) {
			flushout(h);
			room = RES_OUTMAX;
		}
		size_t k = n < room ? n : room;
		memcpy(h->frame + sizeof(struct reshdr) + h->len, s, k);
		h->len += k;
		s += k;
		n -= k;
	}
}

static void
putescaped(struct host *h, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *q = rec_nextspecial(s, end);
		put(h, s, (size_t)(q - s));
		if (q == end)
			break;
		char esc[2] = { '\\', (char)rec_escchar(*q) };
		put(h, esc, 2);
		s = q + 1;
	}
}

static void
record(struct host *h, const char *k, size_t kl, const char *v, size_t vl)
{
	if (h->c->combine) {
		h->rec.len = 0;
		if (h->c->tag)
			sbuf_add(&h->rec, h->tagfield, h->taglen);
		sbuf_escape(&h->rec, k, kl);
		sbuf_add(&h->rec, "\t", 1);
		sbuf_escape(&h->rec, v, vl);
		combine(h, h->rec.p, h->rec.len);
		return;
	}
	/* The common case in one go: no tag, nothing to escape, and room
	 * in the frame. */
	size_t need = kl + vl + 2;
	if (!h->c->tag && RES_OUTMAX - h->len >= need &&
	    rec_nextspecial(k, k + kl) == k + kl &&
	    rec_nextspecial(v, v + vl) == v + vl) {
		char *o = h->frame + sizeof(struct reshdr) + h->len;
		memcpy(o, k, kl);
		o[kl] = '\t';
		memcpy(o + kl + 1, v, vl);
		o[need - 1] = '\n';
		h->len += need;
		h->records++;
		return;
	}
	if (h->c->tag)
		put(h, h->tagfield, h->taglen);
	putescaped(h, k, kl);
	put(h, "\t", 1);
	putescaped(h, v, vl);
	put(h, "\n", 1);
	h->records++;
}

/* One count as a record of the input's output. */
static void
putcount(void *arg, const char *k, size_t kl, int64_t n)
{
	char num[32];
	int vl = num_fmtint(num, n);

	record(arg, k, kl, num, (size_t)vl);
}

/* --combine: aggregate one record: all fields but the last are the key,
 * the last is the value. */
static void
combine(struct host *h, const char *rec, size_t n)
{
	const struct agg *a = h->c->combine;
	const char *tab = NULL;
	enum numerr ne;
	int isnew;

	for (size_t i = n; i > 0; i--)
		if (rec[i - 1] == '\t') {
			tab = rec + i - 1;
			break;
		}
	if (!tab) {
		h->ctx.fail(&h->ctx, "--combine: record without a value field");
		return;
	}
	const char *v = tab + 1;
	size_t vl = (size_t)(rec + n - v);
	struct num x = num_parse(v, vl);
	if (x.kind == NUM_BAD) {
		char q[48];
		size_t k = vl < 40 ? vl : 40;
		char *e = rec_escape(q, v, k < 20 ? k : 20);
		*e = '\0';
		h->ctx.fail(&h->ctx, "--combine %s: %s '%s'", agg_name(a->op),
		    x.err == NUMERR_RANGE ? "number out of range" :
		    "not a number", q);
		return;
	}
	void *st = table_get(h->task, rec, (size_t)(tab - rec), &isnew);
	if (agg_addnum(a, st, v, vl, &x, &ne) != AGG_OK)
		h->ctx.fail(&h->ctx, "--combine %s: out of range", agg_name(a->op));
}

static void
freestates(struct host *h, struct table *t)
{
	uint32_t n = table_count(t);

	for (uint32_t i = 0; i < n; i++)
		agg_freestate(h->c->combine, table_val(t, i));
	table_clear(t);
}

/* A task succeeded: fold its table into the worker's. */
static void
foldtask(struct host *h)
{
	uint32_t n = table_count(h->task);
	enum numerr ne = 0;

	for (uint32_t i = 0; i < n; i++) {
		size_t kl;
		const char *k = table_key(h->task, i, &kl);
		int isnew;
		void *st = table_get(h->comb, k, kl, &isnew);
		agg_merge(h->c->combine, st, table_val(h->task, i), &ne);
	}
	freestates(h, h->task);
	if (ne)
		eprintf("--combine %s: out of range", agg_name(h->c->combine->op));
}

/* --combine sum: a committed count joins the worker's table, which
 * sums in 128 bits (the counters overflow at 64). */
static void
combinecount(void *arg, const char *k, size_t kl, int64_t n)
{
	struct host *h = arg;
	struct num x = { .kind = NUM_INT, .i = n };
	enum numerr ne = 0;
	int isnew;

	h->rec.len = 0;
	sbuf_escape(&h->rec, k, kl);
	void *st = table_get(h->comb, h->rec.p, h->rec.len, &isnew);
	if (agg_addnum(h->c->combine, st, "", 0, &x, &ne) != AGG_OK)
		eprintf("--combine sum: out of range");
}

/* The counters passed their bound within an input (see counted): its
 * counts so far go out as records (with --combine, into the task's
 * table), and the counters are emptied, committed counts going to the
 * worker's table.  0, or -1 if the input failed. */
static int
spillcounts(struct host *h)
{
	int r = counts_eachnew(h->counts, putcount, h);

	if (r < 0)
		h->ctx.fail(&h->ctx, "count overflows");
	counts_rollback(h->counts);
	if (h->direct)
		counts_each(h->counts, combinecount, h);
	counts_clear(h->counts);
	return r;
}

struct partsarg {
	struct host *h;
	const char *key;
	size_t klen;
	uint64_t records;
};

static void
putpart(void *arg, const char *v, size_t n)
{
	struct partsarg *pa = arg;

	put(pa->h, pa->key, pa->klen);
	put(pa->h, "\t", 1);
	put(pa->h, v, n);
	put(pa->h, "\n", 1);
	pa->records++;
}

/* A committed count of --combine sum, sent with the worker's table. */
static void
putcommitted(void *arg, const char *k, size_t kl, int64_t n)
{
	struct partsarg *pa = arg;
	char num[32];
	int vl = num_fmtint(num, n);

	putescaped(pa->h, k, kl);
	put(pa->h, "\t", 1);
	put(pa->h, num, (size_t)vl);
	put(pa->h, "\n", 1);
	pa->records++;
}

/* Send the worker's table and forget it. */
static void
flushcombined(struct host *h)
{
	uint32_t n = table_count(h->comb);
	struct partsarg pa = { .h = h };

	for (uint32_t i = 0; i < n; i++) {
		pa.key = table_key(h->comb, i, &pa.klen);
		agg_parts(h->c->combine, table_val(h->comb, i), putpart, &pa);
	}
	freestates(h, h->comb);
	if (h->direct) {
		counts_each(h->counts, putcommitted, &pa);
		counts_clear(h->counts);
	}
	flushout(h);
	sendframe(h, RES_FLUSH, &pa.records, sizeof pa.records);
}

void
worker_signal(struct pdp_ctx *ctx, int sig)
{
	((struct host *)ctx->host)->sig = sig;
}

static int
hemit(struct pdp_ctx *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
	record(ctx->host, k, kl, v, vl);
	return 0;
}

/* Text that is already records: passed on, a tag put before each line. */
static int
hwrite(struct pdp_ctx *ctx, const char *p, size_t n)
{
	struct host *h = ctx->host;
	const char *end = p + n;

	while (p < end && h->c->combine) {
		if (!h->midline && h->c->tag)
			sbuf_add(&h->line, h->tagfield, h->taglen);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		sbuf_add(&h->line, p, (size_t)(e - p));
		h->midline = !nl;
		if (nl) {
			combine(h, h->line.p, h->line.len);
			h->line.len = 0;
		}
		p = nl ? nl + 1 : end;
	}
	while (p < end) {
		if (!h->midline && h->c->tag)
			put(h, h->tagfield, h->taglen);
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl + 1 : end;
		put(h, p, (size_t)(e - p));
		h->midline = !nl;
		h->records += nl != NULL;
		p = e;
	}
	return 0;
}

/* End a record that ctx->write() left without its newline. */
static void
endline(struct host *h)
{
	if (h->midline && h->c->combine) {
		combine(h, h->line.p, h->line.len);
		h->line.len = 0;
		h->midline = 0;
	}
	if (h->midline) {
		put(h, "\n", 1);
		h->records++;
		h->midline = 0;
	}
}

/* After counts_add gave r for key: 0 if the count holds. */
static int
counted(struct host *h, const char *k, size_t kl, long long n, int r)
{
	if (r < 0 && h->direct) {
		int64_t was = counts_uncommit(h->counts, k, kl);
		if (was) {
			combinecount(h, k, kl, was);
			r = counts_add(h->counts, k, kl, n);
		}
	}
	if (r < 0) {
		h->ctx.fail(&h->ctx, "count overflows");
		return -1;
	}
	if (r > 0 && counts_bytes(h->counts) > (h->direct ? TABLE_MAX :
	    COUNTS_MAX))
		return spillcounts(h);
	return 0;
}

static int
hcount(struct pdp_ctx *ctx, const char *k, size_t kl, long long n)
{
	struct host *h = ctx->host;
	int r = counts_add(h->counts, k, kl, n);

	return r == 0 ? 0 : counted(h, k, kl, n, r);
}

/* The builtins' ctx->count of a batch of short words (mapper_host).  A
 * table of 100,000 words is bigger than the cache, so the slots of the
 * whole batch are asked for before the first is counted. */
static int
hcountbatch(struct pdp_ctx *ctx, const struct tokbatch *b)
{
	struct host *h = ctx->host;
	uint32_t hash[TOK_BATCH];

	counts_hashshort(h->counts, b->key, hash, b->n);
	for (size_t i = 0; i < b->n; i++) {
		int r;
		i += counts_addshort(h->counts, b->key + i, b->len + i,
		    hash + i, b->n - i, 1, &r);
		if (i < b->n && counted(h, b->key[i], b->len[i], 1, r) < 0)
			return -1;
	}
	return 0;
}

static void hfail(struct pdp_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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
}

/* Open path for reading without blocking on a FIFO or device, and refuse
 * anything but a regular file, or a chunk of a file whose size is not
 * the one it was cut from.  *st is what the file was when opened. */
static int
openinput(struct host *h, const char *path, const struct taskmsg *t,
    struct stat *st)
{
	int fd = path_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		h->ctx.fail(&h->ctx, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0) {
		h->ctx.fail(&h->ctx, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		h->ctx.fail(&h->ctx, "%s", S_ISDIR(st->st_mode) ?
		    strerror(EISDIR) : "not a regular file");
		close(fd);
		return -1;
	}
	if (t->len != UINT64_MAX && (uint64_t)st->st_size != t->size) {
		h->ctx.fail(&h->ctx, "file changed size while being read "
		    "(%llu bytes, then %llu)", (unsigned long long)t->size,
		    (unsigned long long)st->st_size);
		close(fd);
		return -1;
	}
	return fd;
}

/* A file written to while it was read gives counts of neither version:
 * the input fails (and --retries may read it again). */
static void
checkunchanged(struct host *h, int fd, const struct stat *was)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		h->ctx.fail(&h->ctx, "%s", strerror(errno));
		return;
	}
	if (st.st_size != was->st_size)
		h->ctx.fail(&h->ctx, "file changed size while being read "
		    "(%llu bytes, then %llu)", (unsigned long long)was->st_size,
		    (unsigned long long)st.st_size);
	else if (st.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
		h->ctx.fail(&h->ctx, "file changed while being read");
}

/* What a fatal error (out of memory, say) ends: the worker, and the
 * task it was running, which fails with the message; a worker that
 * cannot even start stops the whole run, since every worker would fail
 * the same way and no input is to blame.  Between tasks (writing the
 * --combine table), no input is to blame either: the worker exits, its
 * table is lost, and the parent runs the table's inputs again. */
static struct host *fatalhost;
static int starting;		/* worker_main has not taken a task yet */
static int intask;		/* a task is running: its id is taskid */
static uint64_t taskid;

static void
runtask(struct host *h, const struct taskmsg *t, char *path, char *buf,
    char *data)
{
	const struct pdp_mapper *m = h->c->m;
	struct donemsg d = { .id = t->id, .ok = 1 };
	struct stat st;
	int fd;

	h->failed = 0;
	h->records = 0;
	h->sig = 0;
	h->ctx.path = path;
	h->ctx.offset = t->off;
	if (h->c->tag)
		settag(h, path, t->pathlen);
	if (t->kind == TASK_DATA) {
		/* A --pipe block: whole lines, already in memory. */
		d.bytes = t->datalen;
		if (t->datalen && m->map(&h->ctx, data, t->datalen, 0) < 0 &&
		    !h->failed)
			h->ctx.fail(&h->ctx, "mapper %s failed", m->name);
		if (m->end && m->end(&h->ctx) < 0 && !h->failed)
			h->ctx.fail(&h->ctx, "mapper %s failed", m->name);
	} else if ((fd = openinput(h, path, t, &st)) >= 0) {
		/* Read-ahead helps what takes more than one read. */
		if ((uint64_t)st.st_size > t->off + READBUF)
			(void)posix_fadvise(fd, (off_t)t->off, 0,
			    POSIX_FADV_SEQUENTIAL);
		int r = feed(fd, t->off, t->len, (uint64_t)st.st_size, buf,
		    READBUF, m, &h->ctx, &d.bytes);
		if (r == FEED_READERR)
			h->ctx.fail(&h->ctx, "read error: %s", strerror(errno));
		else if (r == FEED_MAPFAIL && !h->failed)
			h->ctx.fail(&h->ctx, "mapper %s failed", m->name);
		/* end() runs after a failure too, so a mapper can clean up;
		 * the input's output is discarded then. */
		if (m->end && m->end(&h->ctx) < 0 && !h->failed)
			h->ctx.fail(&h->ctx, "mapper %s failed", m->name);
		if (!h->failed)
			checkunchanged(h, fd, &st);
		close(fd);
	}
	if (!h->failed)
		endline(h);	/* which may fail the input too */
	if (!h->failed && !h->direct) {
		counts_eachnew(h->counts, putcount, h);
		counts_forget(h->counts);
	}
	if (h->failed) {
		if (h->direct)
			counts_rollback(h->counts);
		else
			counts_forget(h->counts);
		h->midline = 0;
		h->line.len = 0;
		if (h->c->combine)
			freestates(h, h->task);
	} else if (h->c->combine) {
		if (h->direct)
			counts_commit(h->counts);
		foldtask(h);
	}
	d.ok = !h->failed;
	d.records = h->records;
	d.sig = h->sig;
	senddone(h, &d, d.ok ? "" : h->err);
	intask = 0;	/* the task is over, whatever happens next */
	/* With --combine sum, the counters are written at half TABLE_MAX,
	 * so that an input rarely fills them up (spillcounts). */
	size_t cb = h->direct ? counts_bytes(h->counts) : 0;
	if (h->c->combine && (table_bytes(h->comb) + cb > TABLE_MAX ||
	    cb > TABLE_MAX / 2))
		flushcombined(h);
	counts_begin(h->counts);	/* for the next input */
}

/* The task pipe, read in big pieces: the parent may queue several
 * small tasks, which then take one read. */
struct tasks {
	int fd;
	size_t pos, len;
	char buf[8192];
};

/* n bytes from the task pipe: 1, 0 at its end, -1 on an error or an end
 * within a message. */
static int
readfull(struct tasks *in, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		if (in->pos == in->len) {
			/* Big data goes straight to its place. */
			int direct = n >= sizeof in->buf;
			ssize_t r = readsome(in->fd, direct ? p : in->buf,
			    direct ? n : sizeof in->buf);
			if (r <= 0)
				return r < 0 ? -1 : (p == buf ? 0 : -1);
			if (direct) {
				p += r;
				n -= (size_t)r;
				continue;
			}
			in->pos = 0;
			in->len = (size_t)r;
		}
		size_t k = in->len - in->pos < n ? in->len - in->pos : n;
		memcpy(p, in->buf + in->pos, k);
		in->pos += k;
		p += k;
		n -= k;
	}
	return 1;
}

static void
fatalexit(const char *msg)
{
	struct host *h = fatalhost;
	char buf[ERRMSG_MAX + 32];

	if (h && starting) {
		int n = snprintf(buf, sizeof buf, "a worker could not start: %s",
		    msg);
		sendframe(h, RES_FATAL, buf, n > 0 && (size_t)n < sizeof buf ?
		    (size_t)n : strlen(buf));
	} else if (h && intask) {
		struct donemsg d = { .id = taskid, .exiting = 1 };
		senddone(h, &d, msg);
	} else if (h) {
		sendframe(h, RES_EXIT, msg, strnlen(msg, ERRMSG_MAX - 1));
	} else {
		fprintf(stderr, "%s: %s\n", argv0, msg);
	}
	_exit(EXIT_FATAL);
}

void
worker_main(const struct workerconf *c, int taskfd, int resfd)
{
	struct host h = { .c = c, .resfd = resfd };
	char *buf, *path = NULL, *data = NULL;
	struct tasks *in;
	size_t pathcap = 0, datacap = 0;

	fatalhost = &h;
	starting = 1;
	setfatalhook(fatalexit, 0);
	/* Commands that the exec mapper runs must not inherit these. */
	fcntl(taskfd, F_SETFD, FD_CLOEXEC);
	fcntl(resfd, F_SETFD, FD_CLOEXEC);
	/* A frame of output, and room for a RES_DONE frame after it. */
	h.frame = emalloc(sizeof(struct reshdr) + RES_OUTMAX +
	    sizeof(struct reshdr) + sizeof(struct donemsg) + ERRMSG_MAX);
	in = ecalloc(1, sizeof *in);
	in->fd = taskfd;
	h.counts = counts_new();
	/* Counts from init() belong to the first input, as it begins. */
	counts_begin(h.counts);
	h.direct = c->combine && c->combine->op == AGG_SUM && !c->tag;
	if (c->combine) {
		h.task = table_new(agg_statesize(c->combine->op));
		h.comb = table_new(agg_statesize(c->combine->op));
	}
	buf = emalloc(READBUF);
	h.ctx.emit = hemit;
	h.ctx.count = hcount;
	h.mh.countbatch = hcountbatch;
	h.ctx.fail = hfail;
	h.ctx.write = hwrite;
	h.ctx.host = &h;
	h.ctx.path = "";
	if (c->m->init && c->m->init(&h.ctx, c->argc, c->argv) < 0) {
		if (!h.failed)
			snprintf(h.err, sizeof h.err, "%s: init failed", c->m->name);
		sendframe(&h, RES_FATAL, h.err, strlen(h.err));
		_exit(EXIT_FATAL);
	}
	starting = 0;
	for (;;) {
		struct taskmsg t;
		int r = readfull(in, &t, sizeof t);
		if (r == 0)
			break;
		if (r < 0)
			_exit(EXIT_FATAL);
		intask = t.kind != TASK_FLUSH;
		taskid = t.id;
		if (t.pathlen + 1 > pathcap) {
			pathcap = t.pathlen + 1;
			path = erealloc(path, pathcap);
		}
		if (readfull(in, path, t.pathlen) < 0)
			_exit(EXIT_FATAL);
		path[t.pathlen] = '\0';
		if (t.kind == TASK_FLUSH) {
			flushcombined(&h);
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
		runtask(&h, &t, path, buf, data);
		intask = 0;
	}
	if (c->m->finish)
		c->m->finish(&h.ctx);
	_exit(0);
}
