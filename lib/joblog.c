/* joblog.c: the --joblog file.  A line is written only after the input's
 * output has been written, and it records where that output ends when
 * stdout is a file: so on --resume an input either has its line and all
 * its records, or neither (records past the last line are truncated).
 * Memory for --resume: the paths of the inputs that succeeded. */
#include <errno.h>
#include <fcntl.h>
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
    "attempts\toutend\n";

struct joblog {
	int fd;
	const char *name;
	struct table *done;	/* --resume: paths that succeeded */
	int64_t outend;
};

static void
load(struct joblog *j, int fd)
{
	struct reader r;
	char *rec;
	size_t len;
	int st;
	struct field f[10];

	reader_init(&r, fd, j->name, '\n');
	while ((st = reader_next(&r, &rec, &len)) > 0) {
		if (r.lineno == 1 && len + 1 == sizeof header - 1 + 1 &&
		    memcmp(rec, header, len) == 0)
			continue;
		if (r.unterminated)
			break;	/* cut short by a kill: not a finished line */
		size_t nf = rec_split(rec, len, f, 10);
		if (nf != 10)
			eprintf("%s:%llu: not a pdp-map joblog line", j->name,
			    (unsigned long long)r.lineno);
		char *end;
		long long oe = strtoll(f[9].s, &end, 10);
		if (f[9].len != 1 || f[9].s[0] != '-')
			j->outend = oe;
		if (f[6].len == 1 && f[6].s[0] == '0') {
			int isnew;
			table_get(j->done, f[0].s, f[0].len, &isnew);
		}
	}
	if (st < 0)
		reader_fail(&r);
	reader_free(&r);
}

/* A last line without its newline was cut short by a kill: it is not a
 * finished input, and must not run into the next line. */
static off_t
cutpartial(struct joblog *j, off_t size)
{
	char buf[4096];
	off_t end = size;

	while (end > 0) {
		off_t at = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
		ssize_t n = pread(j->fd, buf, (size_t)(end - at), at);
		if (n <= 0)
			eprintf("%s: read error:", j->name);
		for (ssize_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				off_t keep = at + i;
				if (keep != size && ftruncate(j->fd, keep) < 0)
					eprintf("%s: cannot cut its last line:", j->name);
				return keep;
			}
		end = at;
	}
	if (size > 0 && ftruncate(j->fd, 0) < 0)
		eprintf("%s: cannot cut its last line:", j->name);
	return 0;
}

struct joblog *
joblog_open(const char *path, int resume)
{
	struct joblog *j = ecalloc(1, sizeof *j);

	j->name = path;
	j->outend = -1;
	j->done = table_new(0);
	if ((j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0)
		eprintf("%s:", path);
	off_t size = lseek(j->fd, 0, SEEK_END);
	size = cutpartial(j, size);
	if (resume && size > 0) {
		lseek(j->fd, 0, SEEK_SET);
		load(j, j->fd);
	}
	if (size == 0 && writeall(j->fd, header, sizeof header - 1) < 0)
		eprintf("%s: write error:", path);
	return j;
}

int
joblog_done(struct joblog *j, const char *path, size_t n)
{
	return table_find(j->done, path, n) != NULL;
}

int64_t
joblog_outend(const struct joblog *j)
{
	return j->outend;
}

void
joblog_write(struct joblog *j, const struct jobline *l)
{
	char buf[512], oe[32];

	if (l->outend >= 0)
		snprintf(oe, sizeof oe, "%lld", (long long)l->outend);
	else
		snprintf(oe, sizeof oe, "-");
	int n = snprintf(buf, sizeof buf,
	    "\t%llu\t%d\t%.3f\t%.3f\t%llu\t%d\t%d\t%d\t%s\n",
	    (unsigned long long)l->size, l->worker, l->start, l->duration,
	    (unsigned long long)l->records, l->exit, l->sig, l->attempts, oe);
	size_t pl = strlen(l->path);
	char *line = emalloc(pl + (size_t)n);
	memcpy(line, l->path, pl);
	memcpy(line + pl, buf, (size_t)n);
	if (writeall(j->fd, line, pl + (size_t)n) < 0)
		eprintf("%s: write error:", j->name);
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
	free(j);
}
