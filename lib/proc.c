/* proc.c: starting child processes.  fork and posix_spawn wait out a
 * passing shortage of processes, as xargs and GNU parallel do: another
 * job's end often frees one. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

pid_t
proc_fork(void)
{
	struct timespec ts = { 0, 1000000 };
	pid_t pid;

	fflush(NULL);
	for (int i = 0; (pid = fork()) < 0 && errno == EAGAIN && i < 11; i++) {
		nanosleep(&ts, NULL);
		ts.tv_nsec *= 2;
	}
	return pid;
}

int
proc_spawn(pid_t *pid, const char *path, char *const argv[],
    char *const envp[], const int fds[3])
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t def;
	struct timespec ts = { 0, 1000000 };
	int e;

	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		return e;
	if ((e = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return e;
	}
	for (int i = 0; i < 3 && !e; i++)
		if (fds[i] >= 0)
			e = posix_spawn_file_actions_adddup2(&fa, fds[i], i);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGXFSZ);	/* io_fsizeerrors */
	if (!e)
		e = posix_spawnattr_setsigdefault(&at, &def);
	if (!e)
		e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	fflush(NULL);
	for (int i = 0; !e; i++) {
		e = posix_spawn(pid, path, &fa, &at, argv, envp ? envp : environ);
		if (e != EAGAIN || i == 11)
			break;
		nanosleep(&ts, NULL);
		ts.tv_nsec *= 2;
	}
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return e;
}
