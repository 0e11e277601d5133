/* pipein.c: compressed data on --pipe's standard input.  Telling a
 * format takes its first bytes, which are then read: if stdin is a
 * regular file, the decompressor reads it from the start of the data;
 * else a pump, a child of pdp-map, writes the bytes read and then the
 * rest of stdin into the decompressor.  Both end with pdp-map: at the
 * end of the data, killed on a fatal error or a signal, and (Linux)
 * when it dies. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "err.h"
#include "pipein.h"
#include "proc.h"

/* The pump: what was read, then the rest of in, into fd. */
_Noreturn static void
pump(const char *p, size_t n, int eof, int in, int fd)
{
	char buf[1 << 16];
	ssize_t k;

#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	signal(SIGPIPE, SIG_DFL);
	if (writeall(fd, p, n) < 0)
		_exit(1);
	while (!eof && (k = readsome(in, buf, sizeof buf)) > 0)
		if (writeall(fd, buf, (size_t)k) < 0)
			_exit(1);
	_exit(0);
}

void
pipein_start(struct pipein *p, struct reader *r)
{
	struct stat st;
	char why[512];
	off_t at;

	memset(p, 0, sizeof *p);
	while (!r->eof && r->end - r->start < DECOMP_MAGICMAX)
		if (reader_fill(r) < 0)
			reader_fail(r);
	size_t have = r->end - r->start;
	const struct decompfmt *f = decomp_detect(r->buf + r->start, have);
	if (!f && r->eof && (f = decomp_cut(r->buf + r->start, have)))
		eprintf("%s: corrupt %s data: unexpected end of file (%zu bytes, "
		    "within its header)", r->name, f->name, have);
	if (!f)
		return;
	int in = r->fd;
	if (fstat(in, &st) == 0 && S_ISREG(st.st_mode) &&
	    (at = lseek(in, 0, SEEK_CUR)) >= (off_t)have) {
		/* The decompressor reads the file from where the data began. */
		lseek(in, at - (off_t)have, SEEK_SET);
		if (decomp_start(&p->d, f, in, why, sizeof why) < 0)
			eprintf("%s: %s", r->name, why);
	} else {
		int pp[2];
		if (pipe(pp) < 0)
			eprintf("pipe:");
		pid_t pid = proc_fork();
		if (pid < 0)
			eprintf("fork:");
		if (pid == 0) {
			close(pp[0]);
			pump(r->buf + r->start, have, r->eof, in, pp[1]);
		}
		close(pp[1]);
		p->pump = pid;
		int e = decomp_start(&p->d, f, pp[0], why, sizeof why);
		close(pp[0]);
		if (e < 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			eprintf("%s: %s", r->name, why);
		}
	}
	p->active = 1;
	p->name = r->name;
	r->fd = p->d.out;
	r->start = r->end = 0;
	r->eof = 0;
}

void
pipein_drain(struct pipein *p)
{
	if (p->active)
		decomp_drainerr(&p->d);
}

void
pipein_finish(struct pipein *p)
{
	char why[512];
	int status;

	if (!p->active)
		return;
	p->active = 0;
	int r = decomp_finish(&p->d, 0, why, sizeof why);
	if (p->pump > 0) {
		while (waitpid(p->pump, &status, 0) < 0 && errno == EINTR)
			;
		p->pump = 0;
	}
	if (r < 0)
		eprintf("%s: %s", p->name, why);
}

void
pipein_kill(struct pipein *p)
{
	if (!p->active)
		return;
	p->active = 0;
	if (p->pump > 0) {
		kill(p->pump, SIGTERM);
		waitpid(p->pump, NULL, 0);
	}
	kill(p->d.pid, SIGTERM);
	waitpid(p->d.pid, NULL, 0);
}
