/* mapper_exec.c: the exec mapper: for each input, run a command with the
 * input's data on its standard input and PDP_PATH in its environment; its
 * standard output is records (the Hadoop Streaming mapper contract), its
 * standard error passes through.  No shell is involved. */
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
#include "worker.h"

struct exec {
	char **argv;		/* the command and its arguments */
	pid_t pid;		/* 0: no command running */
	int in, out;		/* its stdin (written), its stdout (read) */
	char buf[1 << 16];
};

static int
init(struct pdp_ctx *ctx, int argc, char **argv)
{
	struct exec *x = ecalloc(1, sizeof *x);

	(void)argc;
	x->argv = argv + 1;
	x->in = x->out = -1;
	ctx->data = x;
	/* A command that stops reading early is not an error of ours. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
start(struct pdp_ctx *ctx, struct exec *x)
{
	int ip[2], op[2];

	if (pipe(ip) < 0 || pipe(op) < 0) {
		ctx->fail(ctx, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		ctx->fail(ctx, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(ip[0], 0);
		dup2(op[1], 1);
		close(ip[0]);
		close(ip[1]);
		close(op[0]);
		close(op[1]);
		signal(SIGPIPE, SIG_DFL);
		setenv("PDP_PATH", ctx->path, 1);
		execvp(x->argv[0], x->argv);
		int e = errno;
		weprintf("%s: %s", x->argv[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(ip[0]);
	close(op[1]);
	x->pid = pid;
	x->in = ip[1];
	x->out = op[0];
	fcntl(x->in, F_SETFD, FD_CLOEXEC);
	fcntl(x->out, F_SETFD, FD_CLOEXEC);
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
	if (WEXITSTATUS(status) != 0) {
		ctx->fail(ctx, "%s exited with status %d", x->argv[0],
		    WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

static void
finish(struct pdp_ctx *ctx)
{
	free(ctx->data);
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

int
exec_lookup(const char *cmd)
{
	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/')) {
		struct stat st;
		if (stat(cmd, &st) < 0)
			return errno;
		if (S_ISDIR(st.st_mode))
			return EACCES;
		return access(cmd, X_OK) == 0 ? 0 : errno;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	int found = ENOENT;
	size_t cl = strlen(cmd);
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t dl = colon ? (size_t)(colon - path) : strlen(path);
		char *full = emalloc(dl + cl + 3);
		if (dl == 0) {
			memcpy(full, ".", 2);
			dl = 1;
		} else {
			memcpy(full, path, dl);
		}
		full[dl] = '/';
		memcpy(full + dl + 1, cmd, cl + 1);
		struct stat st;
		int r = access(full, X_OK) == 0 ? 0 : errno;
		if (r != 0 && access(full, F_OK) == 0)
			r = EACCES;
		if (r == 0 && stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			r = EACCES;	/* execvp goes on past a directory */
		free(full);
		if (r == 0)
			return 0;
		if (r == EACCES)
			found = EACCES;
		if (!colon)
			break;
		path = colon + 1;
	}
	return found;
}
