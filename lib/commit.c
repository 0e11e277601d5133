/*
 * commit.c: where pdp-map's output is made final.  An input's output is
 * committed whole: the output of each of its tasks (chunks, attempts) was
 * held until the task succeeded (pool.c), and is written here when every
 * chunk has succeeded; a failed input writes nothing.  The joblog line of
 * an input is written after its output, so --resume can tell exactly
 * what was written.
 *
 * With -k, inputs are written in the order they were read: at most
 * window inputs are started past the oldest unfinished one
 * (commit_room), so -k holds a bounded number of spools.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "commit.h"
#include "err.h"
#include "joblog.h"
#include "record.h"
#include "report.h"

/* A descriptor to read stdout back from: stdout itself if it was opened
 * for reading too (1<>FILE), else the same file opened anew through
 * /dev/fd/1 (as Linux allows); -1 if neither works. */
static int
readback(const struct stat *st)
{
	char c;
	struct stat st2;

	if (pread(1, &c, 1, 0) >= 0)
		return dup(1);
	int fd = open("/dev/fd/1", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev ||
	    st2.st_ino != st->st_ino)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The checksum of the bytes [from, to) of fd. */
static int
sumback(int fd, int64_t from, int64_t to, struct csum *c)
{
	char buf[1 << 16];

	csum_init(c);
	while (from < to) {
		size_t want = to - from < (int64_t)sizeof buf ?
		    (size_t)(to - from) : sizeof buf;
		ssize_t n = pread(fd, buf, want, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		csum_add(c, buf, (size_t)n);
		from += n;
	}
	return 0;
}

/* Where stdout, a regular file, is now: writes go to its end if it was
 * opened to append (>>), else to its offset. */
static int64_t
outpos(const struct stat *st)
{
	int fl = fcntl(1, F_GETFL);

	if (fl >= 0 && (fl & O_APPEND))
		return st->st_size;
	return (int64_t)lseek(1, 0, SEEK_CUR);
}

/* --resume: stdout must be the file the joblog's run wrote, still holding
 * what it wrote (checked by its checksum).  What was written after the
 * last joblog line is cut off: the output of inputs that were being
 * written when the run stopped, which run again.  Nothing else is ever
 * cut: bytes past what pdp-map wrote, or a file that is not the same,
 * are refused. */
static void
resumeoutput(struct commit *cm, const struct stat *st)
{
	const struct jobout *o = joblog_output(cm->joblog);
	const char *jl = cm->c->joblog;
	struct csum c;

	if (!o->known)
		return;
	if (!cm->outisfile || st->st_dev != o->dev || st->st_ino != o->ino)
		eprintf("%s: the run wrote to a file (device %ju, inode %ju) "
		    "that is not this standard output: resume with >> onto "
		    "that same file", jl, (uintmax_t)o->dev, (uintmax_t)o->ino);
	if (st->st_size < o->end)
		eprintf("stdout is shorter (%lld bytes) than the joblog says "
		    "(%lld): resume with >> onto the same output",
		    (long long)st->st_size, (long long)o->end);
	int fd = readback(st);
	if (fd < 0)
		eprintf("stdout: cannot read it back to check that it holds what "
		    "pdp-map wrote: resume with 1<> in place of >> (the same "
		    "file, opened for reading and writing)");
	if (sumback(fd, o->start, o->end, &c) < 0)
		eprintf("stdout: read error:");
	close(fd);
	if (o->end > o->start && csum_value(&c) != o->sum)
		eprintf("stdout: bytes %lld to %lld are not what pdp-map wrote "
		    "(changed since the run?): nothing cut; restore the file, "
		    "or start anew without --resume", (long long)o->start,
		    (long long)o->end);
	if (st->st_size > o->end) {
		if (o->writing < 0 || st->st_size > o->writing)
			eprintf("stdout: %lld bytes after what pdp-map wrote "
			    "(appended since the run?): nothing cut; move them "
			    "away (truncate -s %lld cuts them) and resume again",
			    (long long)(st->st_size - o->end), (long long)o->end);
		if (ftruncate(1, o->end) < 0)
			eprintf("stdout: cannot cut to %lld bytes:",
			    (long long)o->end);
	}
	lseek(1, 0, SEEK_END);
	cm->outlogged = 1;
	cm->outstart = o->start;
	cm->sum = c;
}

/* The joblog is started anew (or cut, or written to) before anything
 * runs: if it is the file open on fd (the output, the list of inputs),
 * that file would be lost, so the run stops first. */
static void
sameasjoblog(const struct poolconf *c, int fd, const char *what)
{
	struct stat a, b;

	if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) &&
	    stat(c->joblog, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		eprintf("--joblog %s: it is also %s; give the joblog a file "
		    "of its own", c->joblog, what);
}

void
commit_init(struct commit *cm, const struct poolconf *c, int nslots)
{
	struct stat st;

	memset(cm, 0, sizeof *cm);
	cm->c = c;
	cm->t0 = monotime();
	cm->window = (uint64_t)nslots * 4;
	cm->nslots = nslots;
	cm->held = ecalloc(cm->window, sizeof *cm->held);
	cm->outisfile = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	obuf_init(&cm->out, 1, "stdout", 1 << 17);
	if (!c->joblog)
		return;
	sameasjoblog(c, 1, "standard output");
	sameasjoblog(c, c->infd, c->pipe ? "the data (--pipe)" :
	    "the list of inputs");
	cm->joblog = joblog_open(c->joblog, c->job, c->njob, c->resume);
	if (c->resume)
		resumeoutput(cm, &st);
	if (!cm->outlogged && cm->outisfile) {
		cm->outlogged = 1;
		cm->outstart = outpos(&st);
		csum_init(&cm->sum);
		joblog_setoutput(cm->joblog, st.st_dev, st.st_ino, cm->outstart);
	}
	if (cm->outlogged)
		cm->out.sum = &cm->sum;
}

int
commit_room(const struct commit *cm)
{
	return cm->nextseq - cm->nextcommit < cm->window;
}

void
commit_start(struct commit *cm, struct input *in)
{
	in->hasseq = 1;
	in->seq = cm->nextseq++;
	if (cm->c->keeporder)
		cm->held[in->seq % cm->window] = in;
	in->start = monotime();
	in->wallstart = walltime();
}

/* The joblog line of an input, after its output. */
static void
logline(struct commit *cm, const struct jobline *l0)
{
	struct jobline l = *l0;

	/* The output first, so a line always means "written". */
	obuf_flush(&cm->out);
	l.outend = -1;
	if (cm->outlogged) {
		l.outend = (int64_t)lseek(1, 0, SEEK_CUR);
		l.outsum = csum_value(&cm->sum);
	}
	joblog_write(cm->joblog, &l);
}

/* Output of n bytes is about to be written: say where it will end, so
 * that --resume knows the bytes past the last line are pdp-map's. */
static void
announce(struct commit *cm, uint64_t n)
{
	if (!cm->outlogged || n == 0)
		return;
	joblog_writing(cm->joblog, cm->outstart + (int64_t)(cm->sum.len +
	    cm->out.len + n));
}

/* An input ended (failed for good, or succeeded): --halt may stop the
 * run.  A failure counts when it happens, a success when the input's
 * last task ends, not when -k's turn writes it. */
static void
halt(struct commit *cm)
{
	static const char *const whys[] = { "fail", "success", "done" };
	static const char *const what[][2] = {
		{ "failed input", "failed inputs" },
		{ "input succeeded", "inputs succeeded" },
		{ "input done", "inputs done" },
	};
	const struct poolconf *c = cm->c;
	uint64_t n = c->haltwhy == HALT_FAIL ? cm->failing :
	    c->haltwhy == HALT_SUCCESS ? cm->succeeding :
	    cm->failing + cm->succeeding;
	uint64_t read = cm->seen ? cm->seen->read : 0;

	if (c->halt == HALT_NEVER || cm->halted || n == 0)
		return;
	if (c->haltpct ? n * 100 < c->haltn * read : n < c->haltn)
		return;
	cm->halted = 1;
	char pct[64] = "";
	if (c->haltpct)
		snprintf(pct, sizeof pct, ", %llu%% of %llu%s",
		    (unsigned long long)(n * 100 / read), (unsigned long long)read,
		    cm->seen->ended ? "" : " read so far");
	weprintf("stopping after %llu %s%s (--halt %s,%s=%llu%s)",
	    (unsigned long long)n, what[c->haltwhy][n != 1], pct,
	    c->halt == HALT_NOW ? "now" : "soon", whys[c->haltwhy],
	    (unsigned long long)c->haltn, c->haltpct ? "%" : "");
	if (c->halt == HALT_NOW && cm->stopnow)
		cm->stopnow(cm->stoparg);
}

/* An input is finished for good: write its output (if it succeeded),
 * then its joblog line, then forget it. */
static void
finalize(struct commit *cm, struct input *in)
{
	if (!in->failed) {
		uint64_t n = spool_size(&in->spool);
		for (size_t i = 0; i < in->nchunks; i++)
			n += spool_size(&in->chunks[i]);
		announce(cm, n);
		spool_commit(&in->spool, &cm->out);
		for (size_t i = 0; i < in->nchunks; i++)
			spool_commit(&in->chunks[i], &cm->out);
		cm->nok++;
		cm->records += in->records;
		if (in->binary) {
			cm->nbinary++;
			if (!cm->c->quiet)
				weprintf("%s: binary file skipped (--binary=text "
				    "to read it)", in->shown);
		}
	} else {
		cm->nfailed++;
	}
	if (cm->joblog) {
		struct jobline l = {
			.path = in->shown, .size = in->bytes, .worker = in->worker,
			.start = in->wallstart, .duration = in->end - in->start,
			.records = in->failed ? 0 : in->records,
			.exit = in->failed, .sig = in->sig,
			.attempts = in->attempts, .nth = in->nth,
		};
		logline(cm, &l);
	}
	input_free(in);
}

/* Commit in input order what -k holds, as far as it is finished. */
static void
advance(struct commit *cm)
{
	while (cm->nextcommit < cm->nextseq) {
		struct input **h = &cm->held[cm->nextcommit % cm->window];
		if (!*h || (*h)->open || !(*h)->dispatched)
			break;
		struct input *in = *h;
		*h = NULL;
		cm->nextcommit++;
		finalize(cm, in);
	}
}

void
commit_taskdone(struct commit *cm, struct input *in)
{
	in->end = monotime();
	if (--in->open > 0 || !in->dispatched)
		return;
	if (!in->failed && !in->counted) {
		cm->succeeding++;
		halt(cm);
	}
	if (cm->c->keeporder)
		advance(cm);
	else
		finalize(cm, in);
}

void
commit_taskheld(struct commit *cm, struct input *in)
{
	if (++in->held < in->open || !in->dispatched || in->failed ||
	    in->counted)
		return;
	in->counted = 1;
	cm->succeeding++;
	halt(cm);
}

void
commit_tasklost(struct commit *cm, struct input *in)
{
	in->held--;
	if (in->counted) {
		in->counted = 0;
		cm->succeeding--;
	}
}

void
commit_failed(struct commit *cm, struct input *in, const char *why)
{
	if (in->failed)
		return;
	if (!cm->c->quiet)
		weprintf("%s: %s", in->shown, why);
	in->failed = 1;
	cm->failing++;
	halt(cm);
}

void
commit_badrecord(struct commit *cm, const char *name, uint64_t lineno,
    const char *rec, size_t len, const char *why)
{
	cm->nfailed++;
	if (!cm->c->quiet)
		weprintf("%s:%llu: %s", name, (unsigned long long)lineno, why);
	if (cm->joblog) {
		char *shown = emalloc(rec_escapedlen(rec, len) + 1);
		*rec_escape(shown, rec, len) = '\0';
		struct jobline l = { .path = shown, .start = walltime(),
		    .exit = 1, .attempts = 1, .nth = 1 };
		logline(cm, &l);
		free(shown);
	}
	cm->failing++;
	halt(cm);
}

void
commit_table(struct commit *cm, struct spool *s, uint64_t n)
{
	announce(cm, spool_size(s));
	spool_commit(s, &cm->out);
	cm->records += n;
}

int
commit_finish(struct commit *cm, const struct intake *seen)
{
	obuf_flush(&cm->out);
	if (cm->c->progress)
		report_progress(cm, seen, 1);
	if (cm->c->stats)
		report_stats(cm, seen);
	joblog_close(cm->joblog);
	obuf_free(&cm->out);
	free(cm->held);
	if (cm->halted && cm->c->haltwhy == HALT_FAIL)
		return EXIT_HALTED;
	return cm->nfailed ? EXIT_PARTIAL : 0;
}
