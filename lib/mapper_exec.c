/* mapper_exec.c: the exec mapper: for each input, run a command with the
 * input's data on its standard input and PDP_PATH in its environment; its
 * standard output is records (the Hadoop Streaming mapper contract), its
 * standard error passes through.  No shell is involved (but for a
 * script without #!, which execvp would also give to sh).  GNU
 * parallel's replacement strings ({}, {/}, {//}, {.}, {/.}, {#}, {%}) in
 * the command line are replaced for each input; the input stays on the
 * command's standard input all the same. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "io.h"
#include "mapper.h"
#include "path.h"
#include "proc.h"
#include "repl.h"
#include "worker.h"

struct exec {
	char *cmd;		/* the command, found in PATH */
	char **argv;		/* its arguments, argv[0] as given */
	int argc;
	char **tmpl;		/* with replacement strings: the arguments as
				 * given, argv being those of the input */
	char **shargv;		/* sh, cmd, arguments: for a script without #! */
	char **envp;		/* the environment, with PDP_PATH at envpath */
	size_t envpath;
	char *pathvar;		/* "PDP_PATH=..." of the running input */
	pid_t pid;		/* 0: no command running */
	int in, out;		/* its stdin (written), its stdout (read) */
	char buf[1 << 16];
};

extern char **environ;

/* Find the command in PATH (x->cmd), as execvp would. */
static int
findcmd(struct pdp_ctx *ctx, struct exec *x)
{
	int e;

	free(x->cmd);
	x->cmd = NULL;
	if ((e = path_search(x->argv[0], &x->cmd)) == 0)
		return 0;
	ctx->fail(ctx, "%s: %s", x->argv[0], e == ENOENT ?
	    "command not found" : strerror(e));
	return -1;
}

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct exec *x = ecalloc(1, sizeof *x);
	size_t n = 0;

	x->argc = argc - 1;
	x->argv = argv + 1;
	for (int i = 1; i < argc; i++)
		if (repl_has(argv[i]))
			x->tmpl = argv + 1;
	if (x->tmpl) {
		/* The command line of each input is made as it starts. */
		x->argv = ecalloc((size_t)argc, sizeof *x->argv);
	} else if (findcmd(ctx, x) < 0) {
		free(x);
		return -1;
	}
	x->shargv = ecalloc((size_t)argc + 1, sizeof *x->shargv);
	x->shargv[0] = "sh";
	/* The environment, made once: the child may only exec. */
	for (char **v = environ; *v; v++)
		n++;
	x->envp = ecalloc(n + 2, sizeof *x->envp);
	n = 0;
	for (char **v = environ; *v; v++)
		if (strncmp(*v, "PDP_PATH=", 9) != 0)
			x->envp[n++] = *v;
	x->envpath = n;
	x->in = x->out = -1;
	ctx->data = x;
	/* A command that stops reading early is not an error of ours. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The command line of the running input, its replacement strings
 * replaced (GNU parallel's, repl.h). */
static int
expand(struct pdp_ctx *ctx, struct exec *x)
{
	struct repl r = { .path = ctx->path };

	worker_taskinfo(ctx, &r.num, &r.slot);
	for (int i = 0; i < x->argc; i++) {
		free(x->argv[i]);
		x->argv[i] = repl_expand(x->tmpl[i], &r);
	}
	return repl_has(x->tmpl[0]) || !x->cmd ? findcmd(ctx, x) : 0;
}

static void
closepair(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* Start the command on the running input (posix_spawn: the worker's
 * memory is not copied; an exec that fails says why at once). */
static int
start(struct pdp_ctx *ctx, struct exec *x)
{
	int ip[2], op[2];

	if (x->tmpl && expand(ctx, x) < 0)
		return -1;
	x->shargv[1] = x->cmd;
	for (int i = 1; i < x->argc; i++)
		x->shargv[i + 1] = x->argv[i];
	free(x->pathvar);
	size_t pl = strlen(ctx->path);
	x->pathvar = emalloc(9 + pl + 1);
	memcpy(x->pathvar, "PDP_PATH=", 9);
	memcpy(x->pathvar + 9, ctx->path, pl + 1);
	x->envp[x->envpath] = x->pathvar;
	if (pipe(ip) < 0) {
		ctx->fail(ctx, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe(op) < 0) {
		ctx->fail(ctx, "pipe: %s", strerror(errno));
		closepair(ip);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(ip[i], F_SETFD, FD_CLOEXEC);
		fcntl(op[i], F_SETFD, FD_CLOEXEC);
	}
	int fds[3] = { ip[0], op[1], -1 };
	pid_t pid;
	int e = proc_spawn(&pid, x->cmd, x->argv, x->envp, fds);
	if (e == ENOEXEC)	/* a script without #!, as execvp runs it */
		e = proc_spawn(&pid, "/bin/sh", x->shargv, x->envp, fds);
	close(ip[0]);
	close(op[1]);
	if (e) {
		close(ip[1]);
		close(op[0]);
		if (e == EAGAIN)
			worker_again(ctx);
		ctx->fail(ctx, "%s: %s", x->argv[0], strerror(e));
		return -1;
	}
	x->pid = pid;
	x->in = ip[1];
	x->out = op[0];
	fcntl(x->in, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Pass the command's output on.  Returns 0 at EOF, 1 if more may come. */
static int
drain(struct pdp_ctx *ctx, struct exec *x)
{
	ssize_t n = readsome(x->out, x->buf, sizeof x->buf);

	if (n <= 0)
		return 0;
	ctx->write(ctx, x->buf, (size_t)n);
	return 1;
}

static int
map(struct pdp_ctx *ctx, const char *data, size_t len, int flags)
{
	struct exec *x = ctx->data;
	int outopen = 1;

	(void)flags;
	if (!x->pid && start(ctx, x) < 0)
		return -1;
	/* Write while reading, so that neither side waits for the other. */
	while (len > 0 && x->in >= 0) {
		struct pollfd p[2] = {
			{ .fd = x->in, .events = POLLOUT },
			{ .fd = outopen ? x->out : -1, .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ctx->fail(ctx, "poll: %s", strerror(errno));
			return -1;
		}
		if (p[1].revents)
			outopen = drain(ctx, x);
		if (p[0].revents) {
			ssize_t w = write(x->in, data, len);
			if (w > 0) {
				data += w;
				len -= (size_t)w;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				/* The command stopped reading: the rest is
				 * not its input. */
				close(x->in);
				x->in = -1;
			}
		}
	}
	return 0;
}

/* The end of an input: close the command's input, pass on the rest of its
 * output, and judge it by its exit status. */
static int
end(struct pdp_ctx *ctx)
{
	struct exec *x = ctx->data;
	int status;

	if (!x->pid && start(ctx, x) < 0)
		return -1;
	if (x->in >= 0)
		close(x->in);
	x->in = -1;
	while (drain(ctx, x))
		;
	close(x->out);
	x->out = -1;
	while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
		;
	x->pid = 0;
	if (WIFSIGNALED(status)) {
		worker_signal(ctx, WTERMSIG(status));
		ctx->fail(ctx, "%s killed by signal %d (%s)", x->argv[0],
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	if (!worker_okstatus(ctx, WEXITSTATUS(status))) {
		ctx->fail(ctx, "%s exited with status %d", x->argv[0],
		    WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

static void
finish(struct pdp_ctx *ctx)
{
	struct exec *x = ctx->data;

	if (!x)
		return;
	free(x->cmd);
	if (x->tmpl) {
		for (int i = 0; i < x->argc; i++)
			free(x->argv[i]);
		free(x->argv);
	}
	free(x->shargv);
	free(x->envp);
	free(x->pathvar);
	free(x);
}

const struct pdp_mapper mapper_exec = {
	.abi = PDP_ABI_VERSION,
	.name = "exec",
	.synopsis = "CMD [ARG ...]",
	.minargs = 1,
	.maxargs = -1,
	.init = init,
	.map = map,
	.end = end,
	.finish = finish,
};
