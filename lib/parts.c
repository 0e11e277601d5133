/*
 * parts.c: pdp-reduce -j's processes.  One big regular file is read in
 * parts by forked children: the file is cut at line starts; each child
 * reads its part with its share of the budget and writes the part's
 * partial states to an unlinked temporary file; the parent reads part 0
 * and merges the others as runs, in order (first and last depend on
 * it).  A child that fails fails the run before a line is written.
 * The last merge of runs (these, or spilled ones) is split by key range
 * across as many processes, each writing its range's lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "err.h"
#include "fdlimit.h"
#include "feed.h"
#include "reducer.h"
#include "table.h"
#include "tmp.h"

/* The number of lines in the first off bytes of fd: a part read by a
 * child of reduce_run counts them only to name a line in a message. */
uint64_t
reducer_linesbefore(int fd, uint64_t off)
{
	char buf[1 << 16];
	uint64_t n = 0, pos = 0;

	while (pos < off) {
		size_t want = off - pos < sizeof buf ? (size_t)(off - pos) : sizeof buf;
		ssize_t k = pread(fd, buf, want, (off_t)pos);
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			n += buf[i] == '\n';
		pos += (uint64_t)k;
	}
	return n;
}

/* Parts: a file smaller than two of these is read by one process. */
enum { PART_MIN = 16 << 20, MAXPARTS = 8 };

/* The children reading parts, or merging ranges.  Global because
 * eprintf may be called anywhere in the parent (out of memory, a write
 * error) and its hook, which takes no argument, must end them: a failed
 * run leaves no child behind.  Set by forkchild, cleared by waitchild. */
static pid_t partpid[MAXPARTS];

/* A fatal error of the parent ends the children reading parts. */
static void
killparts(const char *msg)
{
	(void)msg;
	for (int k = 1; k < MAXPARTS; k++)
		if (partpid[k] > 0)
			kill(partpid[k], SIGTERM);
}

/* Fork child k: 0 in the child (which ends with its parent), 1 in the
 * parent, -1 if fork failed. */
static int
forkchild(int k)
{
	if ((partpid[k] = fork()) < 0) {
		partpid[k] = 0;
		return -1;
	}
	if (partpid[k] > 0)
		return 1;
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	return 0;
}

/* Wait for child k to end: its status. */
static int
waitchild(int k)
{
	int st;

	while (waitpid(partpid[k], &st, 0) < 0)
		if (errno != EINTR)
			eprintf("waitpid:");
	partpid[k] = 0;
	return st;
}

/* The number of parts to read name in: 0 for one process. */
int
reducer_nparts(const struct reduceopts *o, char **files, int nfiles, int fd,
    uint64_t *size)
{
	struct stat st;

	if (o->jobs < 2 || nfiles != 1 || strcmp(files[0], "-") == 0 ||
	    o->sorted || o->merge || o->skipinvalid || o->order != ORDER_KEY ||
	    o->fsmode == FS_CSV ||	/* a cut may fall inside quotes */
	    o->top || fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < 2 * (uint64_t)PART_MIN)
		return 0;
	*size = (uint64_t)st.st_size;
	uint64_t n = *size / PART_MIN;
	if (n > (uint64_t)o->jobs)
		n = (uint64_t)o->jobs;
	if (n > MAXPARTS)
		n = MAXPARTS;
	/* The parent holds a file for each part but its own, and must be
	 * able to spill beside them.  The default -j takes what ulimit -n
	 * leaves; a -j given that cannot work is an error. */
	long limit, room = fdroom((long)n - 1 + SPILL_MINFDS, &limit);
	if (room >= (long)n - 1 + SPILL_MINFDS)
		return (int)n;
	if (!o->jobsauto)
		eprintf("ulimit -n %ld: too few file descriptors for -j %d "
		    "(-j1 needs fewer)", limit, o->jobs);
	n = room - SPILL_MINFDS + 1 > 1 ? (uint64_t)(room - SPILL_MINFDS + 1) : 0;
	return (int)n;
}

/* Read the file name (open on fd, size bytes) in parts: part 0 here,
 * the others in children whose partial states become runs. */
void
reducer_readparts(struct reducer *r, const char *name, int fd, uint64_t size,
    int parts)
{
	uint64_t cut[MAXPARTS + 1];
	int out[MAXPARTS];

	cut[0] = 0;
	cut[parts] = size;
	if (r->needheader) {
		/* The header first, here: every part needs the fields it
		 * names, and part 0 starts after it. */
		struct reader in;
		char *rec;
		size_t len;
		reader_init(&in, fd, name, '\n');
		in.left = size;
		int st = reader_next(&in, &rec, &len);
		if (st < 0)
			reader_fail(&in);
		if (st > 0) {
			r->needheader = 0;
			header_take(r, &in, rec, len);
			cut[0] = len + !in.unterminated;
		}
		reader_free(&in);
		r->partoff = cut[0];
	}
	for (int k = 1; k < parts; k++) {
		char buf[1 << 16];
		if (feed_linestart(fd, size / (uint64_t)parts * (uint64_t)k, buf,
		    sizeof buf, &cut[k]) < 0)
			eprintf("%s:", name);
		if (cut[k] > size)
			cut[k] = size;
		if (cut[k] < cut[k - 1])
			cut[k] = cut[k - 1];
	}
	r->budget /= (uint64_t)parts;
	setfatalhook(killparts, 1);
	fflush(NULL);
	for (int k = 1; k < parts; k++) {
		out[k] = reducer_tmpfile(r->o->tmpdir);
		int f = forkchild(k);
		if (f < 0)
			eprintf("fork:");
		if (f > 0)
			continue;
		/* A child: its part, as partial states, to out[k]. */
		setfatalhook(NULL, 0);
		r->mergejobs = 1;
		for (int j = 1; j < k; j++)
			close(out[j]);
		int pf = open(name, O_RDONLY | O_CLOEXEC);
		if (pf < 0 || lseek(pf, (off_t)cut[k], SEEK_SET) < 0)
			eprintf("%s:", name);
		struct obuf o;
		struct reader in;
		obuf_init(&o, out[k], r->o->tmpdir, 1 << 16);
		r->partial = 1;
		r->out = &o;
		r->bare = 0;		/* a run: the key field stays */
		r->headerdue = 0;
		r->partoff = cut[k];
		reader_init(&in, pf, name, '\n');
		in.left = cut[k + 1] - cut[k];
		reducer_readall(r, &in);
		reducer_finish(r);
		_exit(0);
	}
	struct reader in;
	if (lseek(fd, (off_t)cut[0], SEEK_SET) < 0)
		eprintf("%s:", name);
	reader_init(&in, fd, name, '\n');
	in.left = cut[1] - cut[0];
	reducer_readall(r, &in);
	reader_free(&in);
	/* Runs merge in order (first and last depend on it): part 0's
	 * table goes after its spilled runs and before the other parts,
	 * merged from memory; sorted while the other parts may still be
	 * read. */
	reducer_tablerun(r);
	if (r->tablerun)
		r->tableix = table_sorted(r->t);
	/* Every part must have been read whole before a line is written. */
	int failed = 0;
	for (int k = 1; k < parts; k++) {
		int st = waitchild(k);
		if (WIFSIGNALED(st))
			weprintf("%s: the process reading bytes %llu-%llu was "
			    "killed by signal %d (%s)", name,
			    (unsigned long long)cut[k],
			    (unsigned long long)cut[k + 1] - 1, WTERMSIG(st),
			    strsignal(WTERMSIG(st)));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;	/* its message is out already */
	}
	if (failed) {
		killparts(NULL);
		exit(EXIT_FATAL);
	}
	setfatalhook(NULL, 0);
	for (int k = 1; k < parts; k++) {
		r->runs = ereallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
		r->runs[r->nruns++] = out[k];
	}
}

/* The split of the last merge: SAMPLES keys from each run, sorted, give
 * the pivots that cut the keys into ranges of about the same number of
 * records.  Runs smaller than SPLIT_MIN bytes in all (the table counted
 * at KEYBYTES a key) are not worth a fork. */
enum { SAMPLES = 64, SPLIT_MIN = 4 << 20, KEYBYTES = 32 };

struct sample {
	char *key;
	size_t klen;
};

static int
cmpsample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return reducer_keycmp(x->key, x->klen, y->key, y->klen);
}

/* A range's child: what it wrote before a fatal error is written out,
 * as the lines before the error are with one process. */
static struct obuf *rangeout;

static void
flushrange(const char *msg)
{
	(void)msg;
	/* Not if the error was its own write's, which may have written
	 * part of the buffer. */
	if (rangeout && lseek(rangeout->fd, 0, SEEK_CUR) ==
	    (off_t)rangeout->total)
		(void)writeall(rangeout->fd, rangeout->buf, rangeout->len);
}

/* Copy a range's temporary file fd onto r->out. */
static void
copyrange(struct reducer *r, int fd)
{
	char buf[1 << 16];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof buf, off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			eprintf("%s: temporary file:", r->o->tmpdir);
		obuf_write(r->out, buf, (size_t)n);
		off += n;
	}
}

/* The last merge, split by key range: the parent merges the first
 * range onto r->out while a child for each of the others merges its own
 * into a temporary file, which the parent then copies in order.  A child
 * shares the parent's memory copy-on-write and writes none of the table
 * (reducer_fold only reads a state): its own memory is what a merge
 * holds, MAXRUNS readers and a key's states, as each range's process. */
int
reducer_splitmerge(struct reducer *r)
{
	int nproc = r->mergejobs < MAXPARTS ? r->mergejobs : MAXPARTS;
	uint64_t work = 0;
	/* Static: a fatal error in the merge exits with them still held. */
	static uint64_t *size;
	static struct sample *s;

	if (nproc < 2)
		return 0;
	size = ereallocarray(NULL, r->nruns, sizeof *size);
	for (size_t i = 0; i < r->nruns; i++) {
		struct stat st;
		size[i] = 0;
		if (r->runs[i] == RUN_TABLE) {
			work += (uint64_t)table_count(r->t) * KEYBYTES;
			continue;
		}
		if (fstat(r->runs[i], &st) < 0)
			eprintf("%s: temporary file:", r->o->tmpdir);
		work += size[i] = (uint64_t)st.st_size;
	}
	if (work < SPLIT_MIN) {
		free(size);
		return 0;
	}
	if (r->tablerun && !r->tableix)
		r->tableix = table_sorted(r->t);

	s = ereallocarray(NULL, r->nruns * SAMPLES, sizeof *s);
	size_t ns = 0;
	for (size_t i = 0; i < r->nruns; i++)
		for (int j = 0; j < SAMPLES; j++)
			if ((s[ns].key = reducer_runsample(r, r->runs[i], size[i],
			    (j + 0.5) / SAMPLES, &s[ns].klen)))
				ns++;
	free(size);
	qsort(s, ns, sizeof *s, cmpsample);
	struct keyrange kr[MAXPARTS] = { { 0 } };
	int nr = 1;
	for (int k = 1; k < nproc && ns > 0; k++) {
		const struct sample *p = &s[ns * (size_t)k / (size_t)nproc];
		/* Not at a key too common to cut at twice, nor at the
		 * first: a range would be empty. */
		if (reducer_keycmp(p->key, p->klen, s[0].key, s[0].klen) <= 0 ||
		    (kr[nr - 1].lo && reducer_keycmp(p->key, p->klen,
		    kr[nr - 1].lo, kr[nr - 1].lolen) <= 0))
			continue;
		kr[nr - 1].hi = kr[nr].lo = p->key;
		kr[nr - 1].hilen = kr[nr].lolen = p->klen;
		nr++;
	}

	/* A file for each range but the first; if the descriptor limit
	 * leaves none, one process merges. */
	int out[MAXPARTS];
	for (int k = 1; k < nr; k++) {
		if ((out[k] = tmp_open(r->o->tmpdir, "pdp-reduce")) >= 0)
			continue;
		while (--k >= 1)
			close(out[k]);
		nr = 1;
	}
	if (nr < 2) {
		for (size_t i = 0; i < ns; i++)
			free(s[i].key);
		free(s);
		return 0;
	}
	/* The ranges hold keys: -H's header goes first, as a single
	 * process writes it with its first line. */
	if (r->headerdue)
		header_write(r);
	setfatalhook(killparts, 1);
	fflush(NULL);
	int forked = nr;	/* ranges from here on: the parent's, after */
	for (int k = 1; k < nr; k++) {
		int f = forkchild(k);
		if (f > 0)
			continue;
		if (f < 0) {
			/* No process (ulimit -u, memory): merged here. */
			for (int j = k; j < nr; j++)
				close(out[j]);
			forked = k;
			break;
		}
		setfatalhook(flushrange, 1);
		struct obuf o;
		obuf_init(&o, out[k], r->o->tmpdir, 1 << 16);
		rangeout = &o;
		r->out = &o;
		reducer_mergeruns(r, 0, r->nruns, &o, 0, &kr[k]);
		obuf_flush(&o);
		_exit(0);
	}
	reducer_mergeruns(r, 0, r->nruns, r->out, 0, &kr[0]);
	int failed = 0;
	for (int k = 1; k < forked; k++) {
		int st = waitchild(k);
		/* Its lines, up to its error if it failed; none after it. */
		if (!failed)
			copyrange(r, out[k]);
		close(out[k]);
		if (WIFSIGNALED(st) && !failed) {
			char q[128];
			rec_quote(q, sizeof q, kr[k].lo, kr[k].lolen);
			weprintf("the process merging the keys from %s was killed "
			    "by signal %d (%s)", q, WTERMSIG(st),
			    strsignal(WTERMSIG(st)));
		}
		if (!failed && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
			failed = 1;	/* its message is out already */
			killparts(NULL);	/* the later ranges are not needed */
		}
	}
	if (!failed && forked < nr) {
		struct keyrange rest = { kr[forked].lo, NULL, kr[forked].lolen, 0 };
		reducer_mergeruns(r, 0, r->nruns, r->out, 0, &rest);
	}
	if (failed) {
		obuf_flush(r->out);
		killparts(NULL);
		exit(EXIT_FATAL);
	}
	setfatalhook(NULL, 0);
	for (size_t i = 0; i < ns; i++)
		free(s[i].key);
	free(s);
	return 1;
}
