/*
 * parts.c: pdp-reduce -j's processes.  One big regular file is read
 * in chunks of whole lines that the processes (the parent part 0, forked
 * children the others, each with its share of the budget) take in turn
 * as each is ready, from a counter they share: a process that a busy
 * machine slows down takes fewer.  (For first and last, which merge in
 * part order, the file is cut into one part a process.)  A stream
 * (a pipe) is read by the parent, which hands its blocks of lines in
 * turn to itself and to each child, on a pipe of the child's.  Then the
 * keys are cut into ranges at pivots sampled from every part, one range
 * a process: each writes the keys of the other ranges, as partial
 * states, to a run of its own, and then merges its range from its table
 * and the others' runs, in part order (first and last depend on it).
 * The parent writes range 0 onto the output and copies the children's
 * after it.  A part that cannot be read fails the run before a line is
 * written; a range that fails, after the ranges before it.
 * The last merge of runs that one process spilled (stdin, several
 * files) is split by key range the same way, by forked children that
 * share its memory.
 */
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define PARTS_SSE2 1
#endif

#include "agg.h"
#include "err.h"
#include "fdlimit.h"
#include "feed.h"
#include "radix.h"
#include "reducer.h"
#include "table.h"
#include "tmp.h"

/* The newlines in p[0..n): sixteen bytes a step with SSE2, eight without
 * (and for the rest).  The parent of pdp-reduce -j counts every block it
 * hands out, for the line numbers of messages: 12% of its time, eight
 * bytes a step. */
static uint64_t
countlines(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = ones << 7;
	const uint64_t low = ~high;
	uint64_t c = 0;
	size_t i = 0;

#ifdef PARTS_SSE2
	/* A newline's byte of the compare is -1, subtracted into its byte
	 * of acc: at most 255 steps, then the bytes are summed (psadbw). */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	while (n - i >= 16) {
		size_t steps = (n - i) / 16 < 255 ? (n - i) / 16 : 255;
		__m128i acc = zero;
		for (size_t k = 0; k < steps; k++, i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)
			    (p + i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(x, nl));
		}
		uint64_t sum[2];
		_mm_storeu_si128((__m128i *)(void *)sum, _mm_sad_epu8(acc, zero));
		c += sum[0] + sum[1];
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		x ^= ones * '\n';	/* a newline's byte is now 0 */
		/* The high bit of each byte that is 0, exactly; then 1 in
		 * each such byte, summed into the top byte by the multiply
		 * (at most 8: no carry).  No popcount: without -mpopcnt it
		 * is a call into libgcc. */
		uint64_t z = ~(((x & low) + low) | x) & high;
		c += ((z >> 7) * ones) >> 56;
	}
	for (; i < n; i++)
		c += p[i] == '\n';
	return c;
}

/* The number of lines in the first off bytes of fd: a chunk or part of
 * a file, read from its middle, counts them only to name a line in a
 * message. */
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
		n += countlines(buf, (size_t)k);
		pos += (uint64_t)k;
	}
	return n;
}

/* Parts: a file smaller than two of these is read by one process. */
enum { PART_MIN = 16 << 20, MAXPARTS = 8 };

/* A stream that ends within STREAM_MIN bytes is read by one process; a
 * longer one is read in parts only with a budget (-S) of at least
 * STREAM_MINBUDGET: the parent's buffer of it, 2 * STREAM_MIN (but for
 * a line longer than that), comes out of it. */
enum { STREAM_MIN = 4 << 20 };
#define STREAM_MINBUDGET ((uint64_t)64 << 20)

/* A file's chunks: CHUNK_MAX bytes, or less in a file under CHUNKS_MIN
 * of those a process, so that the processes have CHUNKS_MIN each on
 * average (CHUNK_MIN bounds it, though a part is 16 MiB at least). */
enum { CHUNK_MIN = 1 << 20, CHUNK_MAX = 8 << 20, CHUNKS_MIN = 16 };

/* Where the parts come from: a regular file (size bytes, its lines from
 * first on), in chunks (chunk bytes; next, in memory the processes
 * share, the number of the next chunk to take) or in fixed parts (cut:
 * their offsets, size last); or, with neither, a stream, whose blocks
 * the parent hands out on pipes (feed[k] for child k). */
struct partin {
	const char *name;
	int fd;
	uint64_t size, first, chunk;
	atomic_uint *next;
	const uint64_t *cut;
	int feed[MAXPARTS][2];
	int busy;		/* bytes in a child's pipe that keep it busy */
};

/* The children reading parts, or merging ranges.  Global because
 * eprintf may be called anywhere in the parent (out of memory, a write
 * error) and its hook, which takes no argument, must end them: a failed
 * run leaves no child behind.  Set by forkchild, cleared when the child
 * is waited for (waitchild, awaitparts). */
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

/* The number of parts to read name in: 0 for one process; *stream
 * set if it is not a regular file (its size is known only at its end). */
int
reducer_nparts(const struct reduceopts *o, int nfiles, int fd,
    uint64_t *size, int *stream)
{
	struct stat st;

	*stream = 0;
	if (o->jobs < 2 || nfiles != 1 ||
	    o->sorted || o->merge || o->skipinvalid || o->order != ORDER_KEY ||
	    o->fsmode == FS_CSV ||	/* a cut may fall inside quotes */
	    o->top || fd < 0 || fstat(fd, &st) < 0)
		return 0;
	long n = o->jobs < MAXPARTS ? o->jobs : MAXPARTS;
	/* Standard input is a stream even if it is a file: it is read from
	 * its offset, which the shell may share. */
	if (S_ISREG(st.st_mode) && fd != 0) {
		if ((uint64_t)st.st_size < 2 * (uint64_t)PART_MIN)
			return 0;
		*size = (uint64_t)st.st_size;
		if ((uint64_t)n > *size / PART_MIN)
			n = (long)(*size / PART_MIN);
	} else {
		/* Its blocks go round the processes: first and last, which
		 * merge in part order, need the parts in the stream's.  What
		 * the parent buffers comes out of the budget, which must
		 * leave each part much more. */
		for (size_t i = 0; i < o->naggs; i++)
			if (agg_ordered(o->aggs[i].op))
				return 0;
		if (o->bufsize < STREAM_MINBUDGET)
			return 0;
		*stream = 1;
	}
	/* The parent holds two files a part (its run; the child's range,
	 * but none for its own), a pipe's end, and for a stream both ends
	 * of a pipe to each child while they start, and must be able to
	 * spill beside them.  The default -j takes what ulimit -n leaves; a
	 * -j given that cannot work is an error. */
	long per = *stream ? 4 : 2;
	long limit, room = fdroom(per * n + SPILL_MINFDS, &limit);
	if (room >= per * n + SPILL_MINFDS)
		return (int)n;
	if (!o->jobsauto)
		eprintf("ulimit -n %ld: too few file descriptors for -j %d "
		    "(-j1 needs fewer)", limit, o->jobs);
	n = room - SPILL_MINFDS >= 2 * per ? (room - SPILL_MINFDS) / per : 0;
	return (int)n;
}

/* The split: SAMPLES keys from each run, sorted, give the pivots that
 * cut the keys into ranges of about the same number of records.  Runs
 * smaller than SPLIT_MIN bytes in all (the table counted at KEYBYTES a
 * key) are not worth it. */
enum { SAMPLES = 64, SPLIT_MIN = 4 << 20, KEYBYTES = 32 };

struct sample {
	char *key;
	size_t klen;
};

/* The samples, or the pivots a child was sent.  Static: a fatal error
 * exits with them still held. */
static struct sample *smp;
static size_t nsmp;

static void
freesamples(void)
{
	for (size_t i = 0; i < nsmp; i++)
		free(smp[i].key);
	free(smp);
	smp = NULL;
	nsmp = 0;
}

static int
cmpsample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return radix_keycmp(x->key, x->klen, y->key, y->klen);
}

/* The bytes of r's runs (a file's size, the table at KEYBYTES a key),
 * each's in size[i] if size is not NULL. */
static uint64_t
runswork(struct reducer *r, uint64_t *size)
{
	uint64_t work = 0, n;

	for (size_t i = 0; i < r->nruns; i++) {
		struct stat st;
		if (r->runs[i] == RUN_TABLE) {
			n = (uint64_t)table_count(r->t) * KEYBYTES;
		} else {
			if (fstat(r->runs[i], &st) < 0)
				eprintf("%s: temporary file:", r->o->tmpdir);
			n = (uint64_t)st.st_size;
		}
		if (size)
			size[i] = n;
		work += n;
	}
	return work;
}

/* Add SAMPLES keys of each of r's runs to smp: the runs' bytes, as
 * runswork counts them. */
static uint64_t
takesamples(struct reducer *r)
{
	uint64_t *size = ereallocarray(NULL, r->nruns ? r->nruns : 1,
	    sizeof *size);
	uint64_t work = runswork(r, size);

	if (r->tablerun && !r->tableix)
		r->tableix = table_sorted(r->t);
	smp = ereallocarray(smp, nsmp + r->nruns * SAMPLES + 1, sizeof *smp);
	for (size_t i = 0; i < r->nruns; i++)
		for (int j = 0; j < SAMPLES; j++)
			if ((smp[nsmp].key = reducer_runsample(r, r->runs[i],
			    size[i], (j + 0.5) / SAMPLES, &smp[nsmp].klen)))
				nsmp++;
	free(size);
	return work;
}

/* Cut the keys into at most n ranges at pivots among the samples: kr
 * (which points into smp), and the number of ranges. */
static int
cutranges(int n, struct keyrange *kr)
{
	int nr = 1;

	qsort(smp, nsmp, sizeof *smp, cmpsample);
	memset(kr, 0, (size_t)n * sizeof *kr);
	for (int k = 1; k < n && nsmp > 0; k++) {
		const struct sample *p = &smp[nsmp * (size_t)k / (size_t)n];
		/* Not at a key too common to cut at twice, nor at the
		 * first: a range would be empty. */
		if (radix_keycmp(p->key, p->klen, smp[0].key, smp[0].klen) <= 0 ||
		    (kr[nr - 1].lo && radix_keycmp(p->key, p->klen,
		    kr[nr - 1].lo, kr[nr - 1].lolen) <= 0))
			continue;
		kr[nr - 1].hi = kr[nr].lo = p->key;
		kr[nr - 1].hilen = kr[nr].lolen = p->klen;
		nr++;
	}
	return nr;
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

/* Ranges 1 to n-1, each merged by child k into out[k]: copied onto
 * r->out in order, each when its child has ended; 1 if one failed (its
 * lines up to its error are copied, none after; none of one killed by a
 * signal, which may have cut a line). */
static int
takeranges(struct reducer *r, const int *out, const struct keyrange *kr,
    int n)
{
	int failed = 0;

	for (int k = 1; k < n; k++) {
		int st = waitchild(k);
		if (!failed && WIFEXITED(st))
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
	return failed;
}

/*
 * The processes of the parts meet twice, on their way from reading to
 * merging.  A child, its part read and its table sorted, writes its
 * samples to its mailbox (the file that later holds its range's lines)
 * and a byte to the parent on the done pipe; the parent, with its own
 * samples, cuts the ranges, writes the pivots to each mailbox and wakes
 * the children with SIGUSR1 (which they wait for with sigwait: a signal
 * goes to one process, where a byte on a pipe that all read could be
 * read by the wrong one).  Each process writes the other ranges' keys to
 * its run and says so; when all have, the parent wakes the children
 * again, and each merges its range.  A child that ends on the way (its
 * fatal error, reported, or a signal) ends the run; the parent learns it
 * from waitpid while it waits.
 */

/* Child k ended with status st before its part was done: the run ends
 * (the child's own message is out already, but a signal's). */
static _Noreturn void
partdied(const struct partin *pi, int k, int st)
{
	if (WIFSIGNALED(st) && pi->cut)
		weprintf("%s: the process reading bytes %llu-%llu was killed "
		    "by signal %d (%s)", pi->name,
		    (unsigned long long)pi->cut[k],
		    (unsigned long long)pi->cut[k + 1] - 1,
		    WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFSIGNALED(st))
		weprintf("%s: the process reading part %d was killed by "
		    "signal %d (%s)", pi->name, k + 1, WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		weprintf("%s: a process reading a part ended early", pi->name);
	killparts(NULL);
	exit(EXIT_FATAL);
}

/* Wait until every child has said, on the pipe fd, that it is done with
 * this step. */
static void
awaitparts(int fd, int parts, const struct partin *pi)
{
	int said = 0, eof = 0;
	char c[MAXPARTS];

	while (said < parts - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (!eof && poll(&p, 1, 100) > 0) {
			ssize_t n = read(fd, c, (size_t)(parts - 1 - said));
			if (n > 0) {
				said += (int)n;
				continue;
			}
			if (n == 0)
				eof = 1;	/* every child has ended */
			else if (errno != EINTR)
				eprintf("pipe:");
		}
		/* No word: has a child ended?  (All have, at eof.) */
		for (int k = 1; k < parts; k++) {
			int st;
			if (partpid[k] <= 0 ||
			    waitpid(partpid[k], &st, eof ? 0 : WNOHANG) <= 0)
				continue;
			partpid[k] = 0;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				continue;	/* it had nothing left to do */
			partdied(pi, k, st);
		}
		if (eof)
			eprintf("%s: a process reading a part ended early",
			    pi->name);
	}
}

/* A byte on the done pipe: this step is done. */
static void
saydone(int fd, int k)
{
	char c = (char)k;

	if (writeall(fd, &c, 1) < 0)
		eprintf("pipe:");
}

/* Wake child k (waiting in awaitwake).  Never kill(0): a pid of 0
 * would signal the whole process group. */
static void
wakechild(int k)
{
	if (partpid[k] > 0)
		kill(partpid[k], SIGUSR1);
}

/* Wait for the parent's SIGUSR1 (blocked since before the fork). */
static void
awaitwake(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigwait(&set, &sig) != 0)
		;
}

/* A mailbox's message: a figure, then keys, each its length first. */
static void
putkeys(int fd, const char *dir, uint64_t work, const struct sample *s,
    size_t n)
{
	struct obuf o;
	uint64_t v[2] = { work, n };

	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		eprintf("%s: temporary file:", dir);
	obuf_init(&o, fd, dir, 1 << 12);
	obuf_write(&o, v, sizeof v);
	for (size_t i = 0; i < n; i++) {
		uint64_t len = s[i].klen;
		obuf_write(&o, &len, sizeof len);
		obuf_write(&o, s[i].key, s[i].klen);
	}
	obuf_flush(&o);
	obuf_free(&o);
}

/* Add a mailbox's keys to smp: its figure. */
static uint64_t
getkeys(int fd, const char *dir)
{
	struct stat st;
	uint64_t v[2], len, off = 0;
	char *b;

	if (fstat(fd, &st) < 0)
		eprintf("%s: temporary file:", dir);
	b = emalloc((size_t)st.st_size + 1);
	while (off < (uint64_t)st.st_size) {
		ssize_t n = pread(fd, b + off, (size_t)st.st_size - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			eprintf("%s: temporary file:", dir);
		off += (uint64_t)n;
	}
	if (off < sizeof v)
		eprintf("%s: temporary file: a message is cut short", dir);
	memcpy(v, b, sizeof v);
	off = sizeof v;
	smp = ereallocarray(smp, nsmp + v[1] + 1, sizeof *smp);
	for (uint64_t i = 0; i < v[1]; i++) {
		if ((uint64_t)st.st_size - off < sizeof len)
			eprintf("%s: temporary file: a message is cut short", dir);
		memcpy(&len, b + off, sizeof len);
		off += sizeof len;
		if ((uint64_t)st.st_size - off < len)
			eprintf("%s: temporary file: a message is cut short", dir);
		smp[nsmp].key = memcpy(emalloc(len + 1), b + off, len);
		smp[nsmp++].klen = len;
		off += len;
	}
	free(b);
	return v[0];
}

/* Process k's run (fd): its keys outside range k of nr, as partial
 * states; all of them if it has no range. */
static void
writeothers(struct reducer *r, int fd, const struct keyrange *kr, int nr,
    int k)
{
	struct obuf o;

	obuf_init(&o, fd, r->o->tmpdir, 1 << 16);
	r->keepruns = 1;
	if (k >= nr) {
		reducer_mergeruns(r, 0, r->nruns, &o, 1, NULL);
	} else {
		if (kr[k].lo) {
			struct keyrange below = { NULL, kr[k].lo, 0, kr[k].lolen };
			reducer_mergeruns(r, 0, r->nruns, &o, 1, &below);
		}
		if (kr[k].hi) {
			struct keyrange above = { kr[k].hi, NULL, kr[k].hilen, 0 };
			reducer_mergeruns(r, 0, r->nruns, &o, 1, &above);
		}
	}
	r->keepruns = 0;
	obuf_flush(&o);
	obuf_free(&o);
}

/* Process k's runs for its range: its own (spilled, then the table) in
 * its part's place among the others' runs. */
static void
placeruns(struct reducer *r, int k, int parts, const int *run)
{
	int *u = ereallocarray(NULL, r->nruns + (size_t)parts, sizeof *u);
	size_t n = 0;

	for (int i = 0; i < parts; i++) {
		if (i != k) {
			u[n++] = run[i];
			continue;
		}
		for (size_t j = 0; j < r->nruns; j++)	/* none: runs NULL */
			u[n++] = r->runs[j];
	}
	free(r->runs);
	r->runs = u;
	r->nruns = n;
}

/* A stream's blocks: about BLOCK bytes of whole lines each; a child's
 * pipe holds two (where the system lets it grow). */
enum { BLOCK = 512 << 10 };

/* A child's part of a stream: frames from the parent on fd, each a
 * block of whole lines (the stream's last may lack its newline) after
 * the number of the line before it and its length, read as the lines of
 * a file are, numbered as in the stream. */
static void
readframes(struct reducer *r, const char *name, int fd)
{
	struct reader in;

	reader_init(&in, fd, name, '\n');
	for (;;) {
		uint64_t h[2];
		size_t got = 0;
		ssize_t n = 1;
		while (got < sizeof h &&
		    (n = readsome(fd, (char *)h + got, sizeof h - got)) > 0)
			got += (size_t)n;
		if (n < 0)
			eprintf("%s: pipe from the parent:", name);
		if (got == 0)
			break;
		if (got < sizeof h)
			eprintf("%s: pipe from the parent: a block cut short",
			    name);
		in.lineno = h[0];
		in.left = h[1];
		in.eof = 0;
		reducer_readall(r, &in);
		if (in.left)
			eprintf("%s: pipe from the parent: a block cut short",
			    name);
	}
	reader_free(&in);
}

/* Read the lines in bytes [a, b) of the file name (fd), numbered from
 * the file's start in a message. */
static void
readrange(struct reducer *r, const char *name, int fd, uint64_t a, uint64_t b)
{
	struct reader in;

	if (a >= b)
		return;
	reader_initat(&in, fd, name, '\n', a);
	in.left = b - a;
	r->partoff = a;
	reducer_readall(r, &in);
	reader_free(&in);
}

/* The first line start of pi's file in bytes [off, limit), or limit if
 * none starts there: the bytes from off - 1 to limit - 2 are searched
 * for a newline, and no more (a line that runs over many chunks is not
 * searched again by each). */
static uint64_t
linefrom(const struct partin *pi, int fd, uint64_t off, uint64_t limit)
{
	char buf[1 << 16];

	if (limit > pi->size)
		limit = pi->size;
	if (off <= pi->first)
		return pi->first < limit ? pi->first : limit;
	for (uint64_t pos = off - 1; pos + 1 < limit;) {
		size_t want = limit - 1 - pos < sizeof buf ?
		    (size_t)(limit - 1 - pos) : sizeof buf;
		ssize_t n = pread(fd, buf, want, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			eprintf("%s:", pi->name);
		if (n == 0)
			break;	/* shorter than it was: read to its end */
		const char *nl = memchr(buf, '\n', (size_t)n);
		if (nl)
			return pos + (uint64_t)(nl - buf) + 1;
		pos += (uint64_t)n;
	}
	return limit;
}

/* Read chunks of pi's file (fd) until none is left: chunk i holds the
 * lines that start in bytes [i * chunk, (i + 1) * chunk), as every
 * process finds them alike; one in which none starts is empty.  The
 * parent (parent set) ends the run as soon as a child has died, rather
 * than read the rest of the file first. */
static void
readchunks(struct reducer *r, const struct partin *pi, int fd, int parent,
    int parts)
{
	for (;;) {
		uint64_t i = atomic_fetch_add(pi->next, 1u);
		uint64_t lo = i * pi->chunk, hi = lo + pi->chunk;
		if (lo >= pi->size)
			break;
		if (hi > pi->size)
			hi = pi->size;
		uint64_t a = linefrom(pi, fd, lo, hi);
		if (a < hi)
			readrange(r, pi->name, fd, a, linefrom(pi, fd, hi,
			    pi->size));
		for (int k = 1; parent && k < parts; k++) {
			int st;
			if (partpid[k] > 0 &&
			    waitpid(partpid[k], &st, WNOHANG) > 0) {
				partpid[k] = 0;
				partdied(pi, k, st);
			}
		}
	}
}

/* Child k: part k read, ranges cut, range k merged into box[k]. */
static void
partchild(struct reducer *r, const struct partin *pi, int k, int parts,
    const int *run, const int *box, int done)
{
	struct keyrange kr[MAXPARTS] = { { 0 } };
	const char *dir = r->o->tmpdir;

	setfatalhook(NULL, 0);
	r->mergejobs = 1;
	r->headerdue = 0;	/* the parent's, before its range */
	/* No more descriptors than the parent: the others' mailboxes and
	 * pipes closed. */
	for (int j = 1; j < parts; j++)
		if (j != k)
			close(box[j]);
	if (pi->next || pi->cut) {
		/* The file opened again in place of the parent's (its own
		 * offset and read-ahead). */
		close(pi->fd);
		int pf = open(pi->name, O_RDONLY | O_CLOEXEC);
		if (pf < 0)
			eprintf("%s:", pi->name);
		if (pi->next)
			readchunks(r, pi, pf, 0, parts);
		else
			readrange(r, pi->name, pf, pi->cut[k], pi->cut[k + 1]);
		close(pf);
	} else {
		for (int j = 1; j < parts; j++) {
			close(pi->feed[j][1]);
			if (j != k)
				close(pi->feed[j][0]);
		}
		if (pi->fd > 2)	/* stdin stays open, not reused */
			close(pi->fd);
		readframes(r, pi->name, pi->feed[k][0]);
		close(pi->feed[k][0]);
	}
	reducer_tablerun(r);

	uint64_t work = takesamples(r);
	putkeys(box[k], dir, work, smp, nsmp);
	freesamples();
	saydone(done, k);
	awaitwake();

	getkeys(box[k], dir);
	int nr = (int)nsmp + 1;
	for (int j = 1; j < nr; j++) {	/* as cutranges cut them */
		kr[j - 1].hi = kr[j].lo = smp[j - 1].key;
		kr[j - 1].hilen = kr[j].lolen = smp[j - 1].klen;
	}
	writeothers(r, run[k], kr, nr, k);
	saydone(done, k);
	if (k >= nr)
		_exit(0);
	awaitwake();

	placeruns(r, k, parts, run);	/* its mailbox was emptied */
	struct obuf o;
	setfatalhook(flushrange, 1);
	obuf_init(&o, box[k], dir, 1 << 16);
	rangeout = &o;
	r->out = &o;
	reducer_mergeruns(r, 0, r->nruns, &o, 0, &kr[k]);
	obuf_flush(&o);
	_exit(0);
}

/* Fork the children of parts 1 to parts-1, each with its share of the
 * budget, its run and its mailbox (run[k], box[k], made here for all to
 * share) and the done pipe's write end; the parent keeps done's read
 * end, in *done. */
static void
startparts(struct reducer *r, const struct partin *pi, int parts, int *run,
    int *box, int *done)
{
	const char *dir = r->o->tmpdir;
	int dp[2];
	sigset_t wake, old;

	r->budget /= (uint64_t)parts;
	for (int k = 0; k < parts; k++) {
		run[k] = reducer_tmpfile(dir);
		box[k] = k ? reducer_tmpfile(dir) : -1;
	}
	if (pipe(dp) < 0)
		eprintf("pipe:");
	/* Caught by sigwait, never ignored (as a shell may have set it,
	 * and a blocked ignored signal may be discarded). */
	signal(SIGUSR1, SIG_DFL);
	sigemptyset(&wake);
	sigaddset(&wake, SIGUSR1);
	sigprocmask(SIG_BLOCK, &wake, &old);
	setfatalhook(killparts, 1);
	fflush(NULL);
	for (int k = 1; k < parts; k++) {
		int f = forkchild(k);
		if (f < 0)
			eprintf("fork:");
		if (f == 0) {
			close(dp[0]);
			partchild(r, pi, k, parts, run, box, dp[1]);
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(dp[1]);
	*done = dp[0];
}

/* Every part read (the parent's own in its table): the keys cut into
 * ranges, each merged by a process, and the output written. */
static void
mergeparts(struct reducer *r, const struct partin *pi, int parts,
    const int *run, int *box, int done)
{
	struct keyrange kr[MAXPARTS] = { { 0 } };
	const char *dir = r->o->tmpdir;

	/* The ranges, from every part's samples. */
	uint64_t work = takesamples(r);
	awaitparts(done, parts, pi);
	for (int k = 1; k < parts; k++)
		work += getkeys(box[k], dir);
	int nr = work < SPLIT_MIN ? 1 : cutranges(parts, kr);
	struct sample piv[MAXPARTS];
	for (int j = 1; j < nr; j++) {
		piv[j - 1].key = (char *)kr[j].lo;
		piv[j - 1].klen = kr[j].lolen;
	}
	for (int k = 1; k < parts; k++) {
		putkeys(box[k], dir, 0, piv, (size_t)nr - 1);
		wakechild(k);
	}
	writeothers(r, run[0], kr, nr, 0);
	close(run[0]);
	awaitparts(done, parts, pi);
	close(done);
	/* The mailboxes emptied of the pivots before the children write
	 * their ranges there: one that fails before it writes leaves
	 * nothing to copy. */
	for (int k = 1; k < nr; k++) {
		if (ftruncate(box[k], 0) < 0 || lseek(box[k], 0, SEEK_SET) < 0)
			eprintf("%s: temporary file:", dir);
		wakechild(k);
	}

	/* Range 0, then the children's, in order. */
	placeruns(r, 0, parts, run);
	if (r->headerdue && nr > 1)	/* else with the first line, if any */
		header_write(r);
	reducer_mergeruns(r, 0, r->nruns, r->out, 0, nr > 1 ? &kr[0] : NULL);
	int failed = takeranges(r, box, kr, nr);
	for (int k = nr; k < parts; k++) {
		if (partpid[k] > 0)
			waitchild(k);	/* done, with no range */
		close(box[k]);
	}
	if (failed) {
		obuf_flush(r->out);
		killparts(NULL);
		exit(EXIT_FATAL);
	}
	setfatalhook(NULL, 0);
	obuf_flush(r->out);
	r->nruns = 0;
	freesamples();
}

/* The header line of in (a file's first), taken before the parts: every
 * part needs the fields it names.  Its length with its newline. */
static uint64_t
takeheader(struct reducer *r, struct reader *in)
{
	char *rec;
	size_t len;
	int st = reader_next(in, &rec, &len);

	if (st < 0)
		reader_fail(in);
	if (st == 0)
		return 0;
	r->needheader = 0;
	header_take(r, in, rec, rec_nocr(rec, len));	/* as readall */
	return len + !in->unterminated;
}

#if ATOMIC_INT_LOCK_FREE == 2 && defined(MAP_ANONYMOUS)
#define CHUNKED 1
/* Whether the processes may take the chunks of a file in any order:
 * not for first and last. */
static int
anyorder(const struct reducer *r)
{
	for (size_t i = 0; i < r->o->naggs; i++)
		if (agg_ordered(r->o->aggs[i].op))
			return 0;
	return 1;
}
#endif

/* Read the file name (open on fd, size bytes) in parts, a process each,
 * and write the output: each process merges a range of keys. */
void
reducer_readparts(struct reducer *r, const char *name, int fd, uint64_t size,
    int parts)
{
	uint64_t cut[MAXPARTS + 1];
	int run[MAXPARTS], box[MAXPARTS], done;
	struct partin pi = { .name = name, .fd = fd, .size = size };
	struct reader in;

	if (r->needheader) {	/* the lines start after it */
		reader_init(&in, fd, name, '\n');
		in.left = size;
		pi.first = takeheader(r, &in);
		reader_free(&in);
	}
#ifdef CHUNKED
	/* The counter in a page the children share (a lock-free atomic
	 * works across processes); a page that cannot be had, fixed parts. */
	void *page = NULL;
	if (anyorder(r) && (page = mmap(NULL, sizeof *pi.next,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) !=
	    MAP_FAILED) {
		pi.next = page;
		atomic_init(pi.next, 0u);
		pi.chunk = size / ((uint64_t)parts * CHUNKS_MIN);
		pi.chunk = pi.chunk < CHUNK_MIN ? CHUNK_MIN :
		    pi.chunk > CHUNK_MAX ? CHUNK_MAX : pi.chunk;
		startparts(r, &pi, parts, run, box, &done);
		readchunks(r, &pi, fd, 1, parts);
		munmap(page, sizeof *pi.next);
		reducer_tablerun(r);
		mergeparts(r, &pi, parts, run, box, done);
		return;
	}
#endif
	pi.cut = cut;
	cut[0] = pi.first;
	cut[parts] = size;
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
	startparts(r, &pi, parts, run, box, &done);
	readrange(r, name, fd, cut[0], cut[1]);
	reducer_tablerun(r);
	mergeparts(r, &pi, parts, run, box, done);
}

/* The length of the next block of in's lines: up to BLOCK bytes, to the
 * end of a line (a longer line whole); 0 at the end.  The caller takes
 * it and sets in->scanned to 0; until then, in->scanned bytes are known
 * to hold no newline (a long line is searched once, not once a read). */
static size_t
nextblock(struct reader *in)
{
	for (;;) {
		size_t avail = in->end - in->start;
		if (avail >= BLOCK || in->eof) {
			const char *p = in->buf + in->start, *nl;
			if (in->scanned == 0) {
				size_t n = avail < BLOCK ? avail : BLOCK;
				for (size_t i = n; i > 0; i--)
					if (p[i - 1] == '\n')
						return i;
				in->scanned = n;
			}
			if ((nl = memchr(p + in->scanned, '\n',
			    avail - in->scanned)))
				return (size_t)(nl - p) + 1;
			in->scanned = avail;
			if (in->eof)
				return avail;	/* the last line, unterminated */
		}
		if (reader_fill(in) < 0)
			reader_fail(in);
	}
}

/* Hand child k the block p (n bytes, whole lines after line number
 * line), or end the run if it has died. */
static void
feedblock(const struct partin *pi, int k, uint64_t line, const char *p,
    size_t n)
{
	uint64_t h[2] = { line, n };

	if (writeall(pi->feed[k][1], h, sizeof h) == 0 &&
	    writeall(pi->feed[k][1], p, n) == 0)
		return;
	if (errno != EPIPE)
		eprintf("%s: pipe to a part's process:", pi->name);
	partdied(pi, k, waitchild(k));
}

/* Who reads the next block: a child that is not busy (pi->busy; the
 * one with least waiting), else the parent (0).  Where the system
 * does not say what a pipe holds, in turn (*turn). */
static int
nextreader(const struct partin *pi, int parts, int *turn)
{
	int best = 0, least = pi->busy;

#if defined(__linux__) && defined(FIONREAD)
	/* (Linux says it of a pipe's write end; BSDs do not.) */
	for (int k = 1; k < parts; k++) {
		int n;
		if (ioctl(pi->feed[k][1], FIONREAD, &n) < 0) {
			best = -1;
			break;
		}
		if (n < least) {
			least = n;
			best = k;
		}
	}
	if (best >= 0)
		return best;
#else
	(void)pi;
#endif
	*turn = (*turn + 1) % parts;
	return *turn;
}

/* Read the lines of a block of a stream, p (n bytes after line number
 * line), as the parent's part: the number of its last line. */
static uint64_t
readblock(struct reducer *r, const char *name, char *p, size_t n,
    uint64_t line)
{
	struct reader m;

	memset(&m, 0, sizeof m);
	m.fd = -1;
	m.name = name;
	m.delim = '\n';
	m.buf = p;
	m.cap = m.end = n;
	m.eof = 1;
	m.left = 0;
	m.at = -1;
	m.max = RECORD_MAX;
	m.lineno = line;
	reducer_readall(r, &m);
	return m.lineno;
}

/* Read the stream name (fd) in parts: the parent reads it and hands its
 * blocks to parts-1 children, each as it is ready for one, and reads a
 * block itself when none is; then each process merges a range of keys,
 * as the parts of a file do.  A stream that ends within STREAM_MIN
 * bytes is read here alone: 0, and the caller writes the output; 1 if
 * it is written. */
int
reducer_readstream(struct reducer *r, const char *name, int fd, int parts)
{
	int run[MAXPARTS], box[MAXPARTS], done;
	struct partin pi = { .name = name, .fd = fd };
	struct reader src;

	reader_init(&src, fd, name, '\n');
	if (r->needheader)
		takeheader(r, &src);
	/* STREAM_MIN bytes buffered first (memory for as long as the
	 * stream is read: the reader's buffer grows to at most twice that,
	 * but for a longer line, which a reader of one process would hold
	 * too). */
	while (!src.eof && src.end - src.start < STREAM_MIN)
		if (reader_fill(&src) < 0)
			reader_fail(&src);
	if (src.eof) {
		reducer_readall(r, &src);
		reader_free(&src);
		return 0;
	}
	r->budget -= 2 * STREAM_MIN;	/* the buffer: see STREAM_MINBUDGET */
	for (int k = 1; k < parts; k++)
		if (pipe(pi.feed[k]) < 0)
			eprintf("pipe:");
	/* A child is busy with a block waiting in its pipe, or with the
	 * pipe half full if the system keeps it smaller. */
	pi.busy = BLOCK;
#if defined(F_SETPIPE_SZ) && defined(F_GETPIPE_SZ)
	for (int k = 1; k < parts; k++) {
		(void)fcntl(pi.feed[k][1], F_SETPIPE_SZ, 2 * BLOCK);
		int sz = fcntl(pi.feed[k][1], F_GETPIPE_SZ);
		if (sz > 0 && sz / 2 < pi.busy)
			pi.busy = sz / 2;
	}
#endif
	startparts(r, &pi, parts, run, box, &done);
	for (int k = 1; k < parts; k++)
		close(pi.feed[k][0]);
	/* A child that dies is a write error (EPIPE), reported as such. */
	void (*oldpipe)(int) = signal(SIGPIPE, SIG_IGN);
	uint64_t line = src.lineno;
	for (int turn = 0;;) {
		src.lineno = line;	/* for a message of nextblock's */
		size_t n = nextblock(&src);
		if (n == 0)
			break;
		char *p = src.buf + src.start;
		int k = nextreader(&pi, parts, &turn);
		if (k == 0) {
			line = readblock(r, name, p, n, line);
		} else {
			feedblock(&pi, k, line, p, n);
			line += countlines(p, n);
		}
		src.start += n;
		src.scanned = 0;
	}
	for (int k = 1; k < parts; k++)
		close(pi.feed[k][1]);
	signal(SIGPIPE, oldpipe);
	reader_free(&src);
	reducer_tablerun(r);
	mergeparts(r, &pi, parts, run, box, done);
	return 1;
}

/* The last merge of the runs one process holds, split by key range: the
 * parent merges the first range onto r->out while a child for each of
 * the others merges its own into a temporary file, which the parent then
 * copies in order.  A child shares the parent's memory copy-on-write and
 * writes none of the table (reducer_fold only reads a state): its own
 * memory is what a merge holds, MAXRUNS readers and a key's states, as
 * each range's process. */
int
reducer_splitmerge(struct reducer *r)
{
	int nproc = r->mergejobs < MAXPARTS ? r->mergejobs : MAXPARTS;
	struct keyrange kr[MAXPARTS];
	int out[MAXPARTS];

	if (nproc < 2 || runswork(r, NULL) < SPLIT_MIN)
		return 0;
	takesamples(r);
	int nr = cutranges(nproc, kr);
	/* A file for each range but the first; if the descriptor limit
	 * leaves none, one process merges. */
	for (int k = 1; k < nr; k++) {
		if ((out[k] = tmp_open(r->o->tmpdir, "pdp-reduce")) >= 0)
			continue;
		while (--k >= 1)
			close(out[k]);
		nr = 1;
	}
	if (nr < 2) {
		freesamples();
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
	int failed = takeranges(r, out, kr, forked);
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
	freesamples();
	return 1;
}
