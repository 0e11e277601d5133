/*
 * joblog.c: the --joblog file, format 2.  Its first line names the
 * columns; lines that begin with '#' are pdp-map's bookkeeping (the job,
 * the output file, an output about to be written); every other line is
 * a finished input, written only after that input's output, with where
 * the output then ends and its checksum, so that --resume can tell
 * exactly what was written (see commit.c).
 *
 * A joblog belongs to one job (the mapper, its arguments and the
 * options that change the output): --resume refuses another job's.  It
 * is locked (fcntl, on the joblog itself) while a run writes it, so a
 * second run on it is refused rather than doubling inputs.
 *
 * Memory for --resume: the key (path and occurrence) of each input that
 * succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "joblog.h"
#include "record.h"
#include "table.h"

static const char header[] =
    "path\tsize\tworker\tstart\tduration\trecords\texit\tsignal\t"
    "attempts\toutend\tn\toutsum\n";
static const char header1[] =
    "path\tsize\tworker\tstart\tduration\trecords\texit\tsignal\t"
    "attempts\toutend\n";
static const char magic[] = "#pdp-map joblog 2";

enum { NFIELDS = 12 };

struct joblog {
	int fd;
	const char *name;
	struct table *done;	/* --resume: "path\tn" of inputs that succeeded */
	struct sbuf key;
	struct jobout out;
};

/* key = path TAB nth: the nth record of a path is an input of its own. */
static const char *
mkkey(struct joblog *j, const char *path, size_t n, uint64_t nth, size_t *len)
{
	char num[24];
	int k = snprintf(num, sizeof num, "\t%" PRIu64, nth);

	j->key.len = 0;
	sbuf_add(&j->key, path, n);
	sbuf_add(&j->key, num, (size_t)k);
	*len = j->key.len;
	return j->key.p;
}

/* The job line: the magic, then each field of the job escaped. */
static void
jobline(struct sbuf *b, char *const *job, size_t njob)
{
	sbuf_add(b, magic, sizeof magic - 1);
	for (size_t i = 0; i < njob; i++) {
		sbuf_add(b, "\t", 1);
		sbuf_escape(b, job[i], strlen(job[i]));
	}
	sbuf_add(b, "\n", 1);
}

static int
num(const struct field *f, int64_t *v)
{
	char buf[24], *end;

	if (f->len == 0 || f->len >= sizeof buf)
		return -1;
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	errno = 0;
	long long x = strtoll(buf, &end, 10);
	if (*end || errno)
		return -1;
	*v = x;
	return 0;
}

static int
unum(const struct field *f, uint64_t *v)
{
	char buf[24], *end;

	if (f->len == 0 || f->len >= sizeof buf || f->s[0] == '-')
		return -1;
	memcpy(buf, f->s, f->len);
	buf[f->len] = '\0';
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (*end || errno)
		return -1;
	*v = x;
	return 0;
}

/* A job line's fields for a message, joined by spaces, at most 200
 * bytes (two of them may be asked for at once). */
static const char *
shown(const char *line, size_t len, int which)
{
	static char buf[2][208];
	size_t skip = sizeof magic, n = len > skip ? len - skip : 0;

	if (n > 200)
		n = 200;
	memcpy(buf[which], line + (len > skip ? skip : len), n);
	for (size_t i = 0; i < n; i++)
		if (buf[which][i] == '\t')
			buf[which][i] = ' ';
	buf[which][n] = '\0';
	return buf[which];
}

_Noreturn static void
badline(const struct joblog *j, uint64_t lineno)
{
	eprintf("%s:%" PRIu64 ": not a line of a pdp-map joblog (format 2)",
	    j->name, lineno);
}

/* One line of a joblog being read for --resume. */
static void
loadline(struct joblog *j, const char *rec, size_t len, uint64_t lineno,
    const struct sbuf *want)
{
	struct field f[NFIELDS + 1];
	size_t nf = rec_split(rec, len, f, NFIELDS + 1);
	int64_t v;
	uint64_t u, nth;

	if (lineno == 1) {
		if (len + 1 == sizeof header1 - 1 && memcmp(rec, header1, len) == 0)
			eprintf("%s: a joblog of an older pdp-map (format 1), which "
			    "this one cannot resume safely: run without --resume "
			    "to start anew", j->name);
		if (len + 1 != sizeof header - 1 || memcmp(rec, header, len) != 0)
			eprintf("%s: not a pdp-map joblog (its first line is not "
			    "the joblog's column names)", j->name);
		return;
	}
	if (lineno == 2) {
		if (len < sizeof magic - 1 || memcmp(rec, magic, sizeof magic - 1))
			badline(j, lineno);
		if (len + 1 != want->len || memcmp(rec, want->p, len) != 0)
			eprintf("%s: the joblog of another job ('%s', not '%s'): "
			    "resume with the same mapper, arguments and "
			    "options, or name another joblog", j->name,
			    shown(rec, len, 0), shown(want->p, want->len - 1, 1));
		return;
	}
	if (nf >= 1 && f[0].len == 7 && memcmp(f[0].s, "#output", 7) == 0) {
		if (nf != 4 || unum(&f[1], &u) < 0)
			badline(j, lineno);
		j->out.dev = (dev_t)u;
		if (unum(&f[2], &u) < 0 || num(&f[3], &v) < 0 || v < 0)
			badline(j, lineno);
		j->out.ino = (ino_t)u;
		j->out.start = j->out.end = v;
		j->out.known = 1;
		return;
	}
	if (nf >= 1 && f[0].len == 8 && memcmp(f[0].s, "#writing", 8) == 0) {
		if (nf != 2 || num(&f[1], &v) < 0 || !j->out.known ||
		    v < j->out.end)
			badline(j, lineno);
		j->out.writing = v;
		return;
	}
	if (nf != NFIELDS || unum(&f[10], &nth) < 0 || nth == 0)
		badline(j, lineno);
	if (!(f[9].len == 1 && f[9].s[0] == '-')) {
		if (!j->out.known || num(&f[9], &v) < 0 || v < j->out.end ||
		    unum(&f[11], &u) < 0)
			badline(j, lineno);
		j->out.end = v;
		j->out.sum = u;
		j->out.writing = -1;
	}
	if (f[6].len == 1 && f[6].s[0] == '0') {
		int isnew;
		size_t kl;
		const char *k = mkkey(j, f[0].s, f[0].len, nth, &kl);
		table_get(j->done, k, kl, &isnew);
	}
}

/* Read the joblog for --resume.  A last line without its newline was not
 * written whole (a full disk, or another program): it is left out, with
 * a warning, and cut off so that the next line starts clean.  Returns
 * the number of lines read. */
static uint64_t
load(struct joblog *j, const struct sbuf *want)
{
	struct reader r;
	char *rec;
	size_t len;
	int st;
	off_t good = 0;

	reader_init(&r, j->fd, j->name, '\n');
	/* The first line is the column names: no more is read to find that
	 * a file is not a joblog (/dev/zero, a binary file). */
	r.max = sizeof header;
	int first = 1;
	while ((st = reader_next(&r, &rec, &len)) > 0) {
		r.max = RECORD_MAX;
		first = 0;
		if (r.unterminated) {
			weprintf("%s:%" PRIu64 ": its last line is unfinished (no "
			    "newline): left out, and cut off", j->name, r.lineno);
			if (ftruncate(j->fd, good) < 0)
				eprintf("%s: cannot cut its last line:", j->name);
			break;
		}
		loadline(j, rec, len, r.lineno, want);
		good += (off_t)len + 1;
	}
	if (st < 0 && first && r.toolong)
		eprintf("%s: not a pdp-map joblog (its first line is not the "
		    "joblog's column names)", j->name);
	if (st < 0)
		reader_fail(&r);
	uint64_t n = r.lineno - (r.unterminated ? 1 : 0);
	reader_free(&r);
	return n;
}

/* Lock the whole joblog for writing, or say who holds it. */
static void
lock(struct joblog *j)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(j->fd, F_SETLK, &fl) == 0)
		return;
	if (errno != EACCES && errno != EAGAIN) {
		weprintf("%s: cannot lock it (two runs on it would mix):",
		    j->name);
		return;
	}
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(j->fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		eprintf("%s: in use by another pdp-map (process %ld)", j->name,
		    (long)fl.l_pid);
	eprintf("%s: in use by another pdp-map", j->name);
}

static void
put(struct joblog *j, const void *p, size_t n)
{
	if (writeall(j->fd, p, n) < 0)
		eprintf("%s: write error:", j->name);
}

struct joblog *
joblog_open(const char *path, char *const *job, size_t njob, int resume)
{
	struct joblog *j = ecalloc(1, sizeof *j);
	struct sbuf want = { 0 };

	j->name = path;
	j->done = table_new(0);
	j->out.writing = -1;
	if ((j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0666)) < 0)
		eprintf("%s:", path);
	lock(j);
	jobline(&want, job, njob);
	if (!resume && ftruncate(j->fd, 0) < 0)
		eprintf("%s: cannot start it anew:", path);
	/* What a run killed before its first input left is a new joblog:
	 * nothing, or the column names alone. */
	uint64_t lines = resume ? load(j, &want) : 0;
	if (lines == 0)
		put(j, header, sizeof header - 1);
	if (lines <= 1)
		put(j, want.p, want.len);
	sbuf_free(&want);
	return j;
}

int
joblog_done(struct joblog *j, const char *path, size_t n, uint64_t nth)
{
	size_t kl;
	const char *k = mkkey(j, path, n, nth, &kl);

	return table_find(j->done, k, kl) != NULL;
}

const struct jobout *
joblog_output(const struct joblog *j)
{
	return &j->out;
}

void
joblog_setoutput(struct joblog *j, dev_t dev, ino_t ino, int64_t start)
{
	char buf[96];
	int n = snprintf(buf, sizeof buf, "#output\t%ju\t%ju\t%" PRId64 "\n",
	    (uintmax_t)dev, (uintmax_t)ino, start);

	put(j, buf, (size_t)n);
	j->out = (struct jobout){ .known = 1, .dev = dev, .ino = ino,
	    .start = start, .end = start, .writing = -1 };
}

void
joblog_writing(struct joblog *j, int64_t end)
{
	char buf[48];
	int n = snprintf(buf, sizeof buf, "#writing\t%" PRId64 "\n", end);

	put(j, buf, (size_t)n);
}

void
joblog_write(struct joblog *j, const struct jobline *l)
{
	char buf[512], oe[48];

	if (l->outend >= 0)
		snprintf(oe, sizeof oe, "%" PRId64 "\t%" PRIu64 "\t%" PRIu64,
		    l->outend, l->nth, l->outsum);
	else
		snprintf(oe, sizeof oe, "-\t%" PRIu64 "\t-", l->nth);
	int n = snprintf(buf, sizeof buf,
	    "\t%" PRIu64 "\t%d\t%.3f\t%.3f\t%" PRIu64 "\t%d\t%d\t%d\t%s\n",
	    l->size, l->worker, l->start, l->duration, l->records, l->exit,
	    l->sig, l->attempts, oe);
	size_t pl = strlen(l->path);
	char *line = emalloc(pl + (size_t)n);
	memcpy(line, l->path, pl);
	memcpy(line + pl, buf, (size_t)n);
	put(j, line, pl + (size_t)n);
	free(line);
}

void
joblog_close(struct joblog *j)
{
	if (!j)
		return;
	if (close(j->fd) < 0)
		eprintf("%s: write error:", j->name);
	table_free(j->done);
	sbuf_free(&j->key);
	free(j);
}
