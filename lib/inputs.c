/*
 * inputs.c: where pdp-map's tasks come from.  Path records are read from
 * standard input (with --pipe, the data itself, cut into blocks of whole
 * lines), queued, cut into chunks (--split) and handed out largest first,
 * or in input order with -k; a failed task is tried again (--retries)
 * before any new one.
 *
 * Memory is bounded by design: at most LOOKAHEAD inputs are read ahead
 * (with --pipe, PIPEAHEAD blocks of at most --block bytes plus a line);
 * retries hold at most one task a chunk that was handed out, and chunks
 * are handed out only within the bound that the pool and -k's window
 * keep.  With --joblog, every path read is kept with its count of
 * records (the nth record of a path is an input of its own), so memory
 * grows with the input list, as the joblog does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "blocks.h"
#include "decomp.h"
#include "err.h"
#include "inputs.h"
#include "joblog.h"
#include "path.h"
#include "record.h"
#include "table.h"

enum {
	PIPEAHEAD = 2,		/* --pipe blocks read ahead */
	SPLIT_MIN = 4 << 20,	/* the smallest chunk the default cuts */
};

struct spool *
input_spool(struct input *in, uint64_t off)
{
	if (!in->nchunks)
		return &in->spool;
	return &in->chunks[off / in->chunksize];
}

void
input_free(struct input *in)
{
	for (size_t i = 0; i < in->nchunks; i++)
		spool_free(&in->chunks[i]);
	free(in->chunks);
	spool_free(&in->spool);
	if (in->pool)
		blocks_release(in->pool, in->data, in->dcap);
	else
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
	in->compressed = -1;
	in->rangefd = -1;
	spool_init(&in->spool);
	return in;
}

/* Whether the file open on fd begins compressed (read at its offset),
 * or ends within a compressed header (which pipein_start reports). */
static int
compressedfile(int fd)
{
	unsigned char b[DECOMP_MAGICMAX];
	off_t at = lseek(fd, 0, SEEK_CUR);
	ssize_t n = at < 0 ? -1 : pread(fd, b, sizeof b, at);

	return n > 0 && (decomp_detect(b, (size_t)n) != NULL ||
	    ((size_t)n < sizeof b && decomp_cut(b, (size_t)n) != NULL));
}

void
inputs_init(struct inputs *ins, const struct poolconf *c, struct commit *cm,
    int nslots)
{
	struct stat st;

	memset(ins, 0, sizeof *ins);
	ins->c = c;
	ins->cm = cm;
	ins->nslots = nslots;
	ins->pick = -1;
	ins->ahead = c->pipe ? PIPEAHEAD : LOOKAHEAD;
	reader_init(&ins->in, c->infd, c->inname, c->nul ? '\0' : '\n');
	ins->rangefd = -1;
	if (c->pipe && !(c->wc->decompress && compressedfile(c->infd)) &&
	    fstat(c->infd, &st) == 0 && S_ISREG(st.st_mode) &&
	    lseek(c->infd, 0, SEEK_CUR) == 0) {
		/* A file: the workers read their blocks from it at their
		 * offsets, as GNU parallel --pipepart; no byte goes through
		 * here. */
		if ((ins->rangefd = dup(c->infd)) < 0)
			eprintf("%s:", c->inname);
		fcntl(ins->rangefd, F_SETFD, FD_CLOEXEC);
		ins->rangesize = (uint64_t)st.st_size;
		ins->ahead = LOOKAHEAD;
	} else if (c->pipe) {
		if (c->wc->decompress)
			pipein_start(&ins->pipein, &ins->in);
		/* What the look for compression read comes first. */
		struct reader *r = &ins->in;
		blocks_init(&ins->blocks, r->fd, c->inname, c->block,
		    r->buf + r->start, r->end - r->start);
		ins->blocks.eof = r->eof;
		r->start = r->end;
	}
	if (c->pipe && c->progress && !ins->pipein.active &&
	    fstat(c->infd, &st) == 0 && S_ISREG(st.st_mode))
		ins->seen.knownbytes = (uint64_t)st.st_size;
	if (cm->joblog)
		ins->seenpaths = table_new(sizeof(uint64_t));
}

void
inputs_free(struct inputs *ins)
{
	reader_free(&ins->in);
	if (ins->c->pipe && ins->rangefd < 0)
		blocks_free(&ins->blocks);
	free(ins->retry);
	if (ins->seenpaths)
		table_free(ins->seenpaths);
	if (ins->rangefd >= 0)
		close(ins->rangefd);
}

/* Add in to the inputs read ahead. */
static void
queueinput(struct inputs *ins, struct input *in)
{
	ins->qleft[ins->nqueue] = in->size;
	ins->queue[ins->nqueue++] = in;
	ins->pick = -1;
}

/* A --pipe block, named "stdin block N" in messages, queued. */
static void
queueblock(struct inputs *ins, struct input *in)
{
	char name[64];

	in->path = estrdup("-");
	in->plen = 1;
	snprintf(name, sizeof name, "%.40s block %llu", ins->c->inname,
	    (unsigned long long)ins->seen.read + 1);
	in->shown = estrdup(name);
	in->num = ++ins->seen.read;
	queueinput(ins, in);
}

static void
badrecord(struct inputs *ins, const char *rec, size_t len, const char *why)
{
	ins->seen.read++;
	commit_badrecord(ins->cm, ins->in.name, ins->in.lineno, rec, len, why);
}

/* One record from stdin: queue an input, or count a bad record. */
static void
addinput(struct inputs *ins, char *rec, size_t len)
{
	const struct poolconf *c = ins->c;
	struct commit *cm = ins->cm;
	size_t bad = 0;

	if (!c->nul) {
		char *tab = memchr(rec, '\t', len);
		if (tab)
			len = (size_t)(tab - rec);	/* the path is field 1 */
		long n = rec_unescape(rec, rec, len, &bad);
		if (n < 0) {
			badrecord(ins, rec, len, "invalid escape in path record");
			return;
		}
		len = (size_t)n;
	}
	if (len == 0 || memchr(rec, '\0', len)) {
		badrecord(ins, rec, len, len ? "invalid path (a NUL byte in it)" :
		    "empty path");
		return;
	}
	char *shown = showpath(rec, len);
	uint64_t nth = 1;
	if (cm->joblog) {
		/* The nth record of a path is an input of its own (two
		 * directories given that overlap list a file twice). */
		int isnew;
		uint64_t *n = table_get(ins->seenpaths, shown, strlen(shown),
		    &isnew);
		nth = ++*n;
		if (c->resume && joblog_done(cm->joblog, shown, strlen(shown),
		    nth)) {
			ins->seen.skipped++;
			free(shown);
			return;
		}
	}
	struct input *in = newinput();
	in->nth = nth;
	in->num = ++ins->seen.read;
	in->path = ememdup(rec, len + 1);
	in->path[len] = '\0';
	in->plen = len;
	in->shown = shown;
	struct stat st;
	if ((c->split || c->progress || !c->keeporder) &&
	    path_stat(in->path, &st) == 0 && S_ISREG(st.st_mode)) {
		in->size = st.st_size;
		ins->seen.knownbytes += (uint64_t)st.st_size;
	}
	queueinput(ins, in);
}

/* --pipe from a pipe: the next block, if one is whole. */
static int
takeblock(struct inputs *ins)
{
	size_t len, cap;
	char *blk = blocks_take(&ins->blocks, &len, &cap);

	if (!blk)
		return 0;
	struct input *in = newinput();
	in->data = blk;
	in->dlen = len;
	in->dcap = cap;
	in->pool = &ins->blocks;
	in->size = (int64_t)len;
	queueblock(ins, in);
	return 1;
}

/* --pipe from a file: the next block, cut as blocks from a pipe are (the
 * whole lines in the next --block bytes; a line longer than a block is a
 * block of its own), by looking at the bytes around the cut alone. */
static void
takerange(struct inputs *ins)
{
	struct input *in = newinput();
	uint64_t end;

	if (blocks_rangeend(ins->rangefd, ins->rangenext, ins->rangesize,
	    ins->c->block, &end) < 0)
		eprintf("%s: read error:", ins->c->inname);
	in->rangefd = ins->rangefd;
	in->rsize = ins->rangesize;
	in->roff = ins->rangenext;
	in->size = (int64_t)(end - ins->rangenext);
	ins->rangenext = end;
	queueblock(ins, in);
}

void
inputs_take(struct inputs *ins)
{
	char *rec;
	size_t len;

	if (ins->rangefd >= 0) {
		while (ins->nqueue < ins->ahead &&
		    ins->rangenext < ins->rangesize)
			takerange(ins);
		if (ins->rangenext >= ins->rangesize)
			ins->seen.ended = 1;
		return;
	}
	if (ins->c->pipe) {
		while (ins->nqueue < ins->ahead && takeblock(ins))
			;
		if (ins->blocks.eof && ins->blocks.start == ins->blocks.len &&
		    !ins->seen.ended) {
			ins->seen.ended = 1;
			pipein_finish(&ins->pipein);
		}
		return;
	} else {
		while (ins->nqueue < ins->ahead &&
		    reader_take(&ins->in, &rec, &len))
			addinput(ins, rec, len);
	}
	if (ins->in.eof && ins->in.start == ins->in.end && !ins->seen.ended) {
		ins->seen.ended = 1;
		pipein_finish(&ins->pipein);
	}
}

void
inputs_read(struct inputs *ins)
{
	if (ins->c->pipe)
		blocks_fill(&ins->blocks);
	else if (reader_fill(&ins->in) < 0)
		reader_fail(&ins->in);
	pipein_drain(&ins->pipein);
	inputs_take(ins);
}

int
inputs_wanted(const struct inputs *ins)
{
	return !ins->seen.ended && !ins->cm->halted &&
	    ins->nqueue < ins->ahead;
}

int
inputs_pending(const struct inputs *ins)
{
	return !ins->cm->halted &&
	    (!ins->seen.ended || ins->nqueue || ins->nretry);
}

/* The next input to work on: in order with -k, else the largest of those
 * read ahead (so a late big file does not hold up the end of the run). */
static int
pickinput(struct inputs *ins)
{
	int best = -1;

	if (ins->c->keeporder) {
		/* A new input only within the window. */
		for (int i = 0; i < ins->nqueue; i++)
			if (ins->queue[i]->hasseq || commit_room(ins->cm))
				return i;
		return -1;
	}
	/* qleft, not the inputs: a scan of one small array, whose answer
	 * is kept until the queue changes (inputs_peek asks, then
	 * inputs_next). */
	if (ins->pick >= 0)
		return ins->pick;
	const int64_t *q = ins->qleft;
	int64_t most = INT64_MIN;
	for (int i = 0, n = ins->nqueue; i < n; i++)
		if (q[i] > most) {
			most = q[i];
			best = i;
		}
	ins->pick = best;
	return best;
}

const struct input *
inputs_peek(struct inputs *ins)
{
	if (ins->cm->halted)
		return NULL;
	if (ins->nretry > 0)
		return ins->retry[0].in;
	int qi = pickinput(ins);
	return qi < 0 ? NULL : ins->queue[qi];
}

/* Whether in is compressed, by its first bytes (read once). */
static int
iscompressed(struct input *in)
{
	unsigned char b[DECOMP_MAGICMAX];

	if (in->compressed < 0) {
		int fd = path_open(in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		ssize_t n = fd >= 0 ? pread(fd, b, sizeof b, 0) : -1;
		in->compressed = n > 0 && decomp_detect(b, (size_t)n) != NULL;
		if (fd >= 0)
			close(fd);
	}
	return in->compressed;
}

/* The chunk size for in: --split, or by default chunks small enough that
 * every worker gets several of a big file, large enough to cost little.
 * 0: in is one task. */
static uint64_t
chunksize(const struct inputs *ins, struct input *in)
{
	uint64_t split = ins->c->split;

	if (!split || in->data || in->rangefd >= 0 || in->size < 0)
		return 0;
	if (ins->c->splitauto) {
		uint64_t c = (uint64_t)in->size / ((uint64_t)ins->nslots * 4);
		split = c < SPLIT_MIN ? SPLIT_MIN : c > split ? split : c;
		split = (split + 4095) & ~(uint64_t)4095;
	}
	if ((uint64_t)in->size <= split)
		return 0;
	/* A compressed file is read whole, through its decompressor. */
	if (ins->c->wc->decompress && iscompressed(in))
		return 0;
	return split;
}

int
inputs_next(struct inputs *ins, struct task *t)
{
	if (ins->cm->halted)
		return 0;
	if (ins->nretry > 0) {
		*t = ins->retry[0];
		memmove(ins->retry, ins->retry + 1,
		    (ins->nretry - 1) * sizeof *ins->retry);
		ins->nretry--;
		return 1;
	}
	int qi = pickinput(ins);
	if (qi < 0)
		return 0;
	struct input *in = ins->queue[qi];
	if (!in->hasseq)
		commit_start(ins->cm, in);
	t->in = in;
	t->off = in->nextoff;
	t->len = UINT64_MAX;
	t->attempt = 1;
	uint64_t split = chunksize(ins, in);
	if (split) {
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
		ins->qleft[qi] = in->size - (int64_t)in->nextoff;
		ins->pick = -1;
	} else {
		in->dispatched = 1;
	}
	if (in->dispatched) {
		memmove(&ins->queue[qi], &ins->queue[qi + 1],
		    (size_t)(ins->nqueue - qi - 1) * sizeof *ins->queue);
		memmove(&ins->qleft[qi], &ins->qleft[qi + 1],
		    (size_t)(ins->nqueue - qi - 1) * sizeof *ins->qleft);
		ins->nqueue--;
		ins->pick = -1;
	}
	in->open++;
	return 1;
}

void
inputs_requeue(struct inputs *ins, const struct task *t)
{
	if (ins->nretry == ins->retrycap) {
		ins->retrycap = ins->retrycap ? ins->retrycap * 2 : 16;
		ins->retry = ereallocarray(ins->retry, ins->retrycap,
		    sizeof *ins->retry);
	}
	ins->retry[ins->nretry++] = *t;
}

void
inputs_failed(struct inputs *ins, const struct task *t, const char *why,
    int sig)
{
	const struct poolconf *c = ins->c;
	struct input *in = t->in;

	in->sig = sig;		/* what ended the latest attempt */
	if (t->attempt <= (int)c->retries && !ins->cm->halted && !in->failed) {
		struct task r = *t;
		r.attempt++;
		if (!c->quiet)
			weprintf("%s: %s (trying again: attempt %d of %d)",
			    in->shown, why, r.attempt, (int)c->retries + 1);
		inputs_requeue(ins, &r);
		return;
	}
	commit_failed(ins->cm, in, why);
	commit_taskdone(ins->cm, in);
}

static int
cmpptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

void
inputs_abandon(struct inputs *ins, struct input **held, size_t nheld)
{
	struct commit *cm = ins->cm;
	size_t n = 0, cap = (size_t)ins->nqueue + ins->nretry + cm->window + nheld;
	struct input **v = ereallocarray(NULL, cap ? cap : 1, sizeof *v);

	for (int i = 0; i < ins->nqueue; i++)
		v[n++] = ins->queue[i];
	for (size_t i = 0; i < ins->nretry; i++)
		v[n++] = ins->retry[i].in;
	for (uint64_t i = 0; i < cm->window; i++)
		if (cm->held[i])
			v[n++] = cm->held[i];
	for (size_t i = 0; i < nheld; i++)
		v[n++] = held[i];
	qsort(v, n, sizeof *v, cmpptr);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			input_free(v[i]);
	free(v);
	ins->nqueue = 0;
	ins->nretry = 0;
	memset(cm->held, 0, cm->window * sizeof *cm->held);
}
