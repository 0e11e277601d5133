/* decomp.c: the decompressors: which program reads which format, found
 * in PATH once per process, and run (posix_spawn) as a child that reads
 * the input file and writes the data on a pipe.  It runs in the
 * caller's process group: a worker killed for --timeout takes it along. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decomp.h"
#include "err.h"
#include "path.h"
#include "proc.h"

static const unsigned char mgzip[] = { 0x1f, 0x8b, 0x08 };
static const unsigned char mbzip2[] = { 'B', 'Z', 'h' };
static const unsigned char mxz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const unsigned char mzstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
static const unsigned char mlz4[] = { 0x04, 0x22, 0x4d, 0x18 };
static const unsigned char mlz4old[] = { 0x02, 0x21, 0x4c, 0x18 };	/* lz4 -l */
static const unsigned char mcompress[] = { 0x1f, 0x9d };

static const char *const agzip[] = { "gzip", "-dc", NULL };
static const char *const abzip2[] = { "bzip2", "-dc", NULL };
static const char *const axz[] = { "xz", "-dc", NULL };
static const char *const azstd[] = { "zstd", "-dc", "-q", NULL };
static const char *const alz4[] = { "lz4", "-dc", NULL };

static const struct decompfmt fmts[] = {
	{ "gzip", mgzip, sizeof mgzip, "gzip", agzip, "gzip", 1 },
	{ "bzip2", mbzip2, sizeof mbzip2, "bzip2", abzip2, "bzip2", 0 },
	{ "xz", mxz, sizeof mxz, "xz", axz, "xz-utils", 0 },
	{ "zstd", mzstd, sizeof mzstd, "zstd", azstd, "zstd", 0 },
	{ "lz4", mlz4, sizeof mlz4, "lz4", alz4, "lz4", 0 },
	{ "lz4", mlz4old, sizeof mlz4old, "lz4", alz4, "lz4", 0 },
	{ "compress", mcompress, sizeof mcompress, "gzip", agzip, "gzip", 0 },
};

enum { NFMTS = sizeof fmts / sizeof *fmts };

/* bzip2: "BZh", a block size '1' to '9', then the magic of a block or of
 * the end of the stream: text that begins with "BZh" is not taken. */
static int
isbzip2(const unsigned char *p, size_t n)
{
	static const unsigned char block[] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
	static const unsigned char end[] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

	return n >= 10 && p[3] >= '1' && p[3] <= '9' &&
	    (memcmp(p + 4, block, 6) == 0 || memcmp(p + 4, end, 6) == 0);
}

/* The format whose magic begins s[0..n), or NULL. */
static const struct decompfmt *
bymagic(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < NFMTS; i++) {
		const struct decompfmt *f = &fmts[i];
		if (n < f->mlen || memcmp(s, f->magic, f->mlen) != 0)
			continue;
		if (f->magic == mbzip2 && !isbzip2(s, n))
			continue;
		return f;
	}
	return NULL;
}

const struct decompfmt *
decomp_cut(const void *p, size_t n)
{
	for (size_t i = 0; i < NFMTS && n >= 2; i++) {
		const struct decompfmt *f = &fmts[i];
		if (f->magic != mbzip2 && n < f->mlen &&
		    memcmp(p, f->magic, n) == 0)
			return f;
	}
	return NULL;
}

/* The bytes of the skippable frames that begin s[0..n) (pzstd writes
 * one first; zstd and lz4 have them, alike); *cut set if the last one
 * runs past n. */
static size_t
skipframes(const unsigned char *s, size_t n, int *cut)
{
	size_t at = 0;

	*cut = 0;
	while (n - at >= 8 && (s[at] & 0xf0) == 0x50 && s[at + 1] == 0x2a &&
	    s[at + 2] == 0x4d && s[at + 3] == 0x18) {
		uint32_t len = (uint32_t)s[at + 4] | (uint32_t)s[at + 5] << 8 |
		    (uint32_t)s[at + 6] << 16 | (uint32_t)s[at + 7] << 24;
		if (len > n - at - 8) {
			*cut = 1;
			break;
		}
		at += 8 + (size_t)len;
	}
	return at;
}

/* After skippable frames, the frame that follows decides between zstd
 * and lz4 when it is within the n bytes seen; else zstd, whose message
 * says what is wrong if it is not zstd. */
const struct decompfmt *
decomp_detect(const void *p, size_t n)
{
	const unsigned char *s = p;
	int cut;
	size_t at = skipframes(s, n, &cut);
	const struct decompfmt *f = cut ? NULL : bymagic(s + at, n - at);

	if ((at == 0 && !cut) || (f && (f->magic == mlz4 ||
	    f->magic == mlz4old)))
		return f;
	return bymagic(mzstd, sizeof mzstd);
}

/* The program's full path, found once; NULL with *e set if it cannot
 * be run. */
static const char *
program(const struct decompfmt *f, int *e)
{
	static char *found[NFMTS];
	static int err[NFMTS];
	size_t i = (size_t)(f - fmts);

	if (!found[i] && !err[i])
		err[i] = path_search(f->prog, &found[i]);
	*e = err[i];
	return found[i];
}

int
decomp_start(struct decomp *d, const struct decompfmt *f, int infd,
    char *why, size_t cap)
{
	int op[2], ep[2], e;
	const char *full = program(f, &e);

	memset(d, 0, sizeof *d);
	d->f = f;
	d->out = d->err = -1;
	if (!full) {
		if (e == ENOENT)
			snprintf(why, cap, "%s: command not found (install %s)",
			    f->prog, f->package);
		else
			snprintf(why, cap, "%s: %s", f->prog, strerror(e));
		return -1;
	}
	if (pipe(op) < 0) {
		snprintf(why, cap, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(ep) < 0) {
		snprintf(why, cap, "pipe: %s", strerror(errno));
		close(op[0]);
		close(op[1]);
		return -1;
	}
	/* The pipes' other ends stay with us; the child gets these as 1, 2. */
	for (int i = 0; i < 2; i++) {
		fcntl(op[i], F_SETFD, FD_CLOEXEC);
		fcntl(ep[i], F_SETFD, FD_CLOEXEC);
	}
	int fds[3] = { infd, op[1], ep[1] };
	pid_t pid;
	e = proc_spawn(&pid, full, (char *const *)f->argv, NULL, fds);
	close(op[1]);
	close(ep[1]);
	if (e) {
		close(op[0]);
		close(ep[0]);
		snprintf(why, cap, "%s: %s", f->prog, strerror(e));
		return -1;
	}
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	d->pid = pid;
	d->out = op[0];
	d->err = ep[0];
	return 0;
}

int
decomp_drainerr(struct decomp *d)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(d->err, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n && !d->errdone; i++) {
			if (buf[i] == '\n')
				d->errdone = d->errlen > 0;	/* not an empty one */
			else if (d->errlen < sizeof d->errline - 1)
				d->errline[d->errlen++] = buf[i];
		}
	}
	if (n == 0)
		return 0;
	return !(n < 0 && errno != EAGAIN && errno != EINTR);
}

ssize_t
decomp_read(struct decomp *d, char *buf, size_t n)
{
	int errfd = d->err;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = d->out, .events = POLLIN },
			{ .fd = errfd, .events = POLLIN },
		};
		if (poll(p, errfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (errfd >= 0 && p[1].revents && !decomp_drainerr(d))
			errfd = -1;	/* its end: no more to drain */
		if (p[0].revents) {
			ssize_t r = read(d->out, buf, n);
			if (r >= 0 || (errno != EINTR && errno != EAGAIN))
				return r;
		}
	}
}

int
decomp_finish(struct decomp *d, int kill_, char *why, size_t cap)
{
	int status = 0;

	if (kill_)
		kill(d->pid, SIGTERM);
	close(d->out);
	d->out = -1;
	/* What it said last, now that it cannot block on writing more. */
	int fl = fcntl(d->err, F_GETFL);
	fcntl(d->err, F_SETFL, fl & ~O_NONBLOCK);
	while (decomp_drainerr(d) > 0 && !kill_)
		;
	close(d->err);
	d->err = -1;
	while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
		;
	d->errline[d->errlen] = '\0';
	if (kill_ || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return 0;
	char how[64];
	if (WIFSIGNALED(status))
		snprintf(how, sizeof how, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(how, sizeof how, "exit status %d", WEXITSTATUS(status));
	snprintf(why, cap, "%s -dc failed (%s)%s%s", d->f->prog, how,
	    d->errlen ? ": " : "", d->errline);
	return -1;
}
